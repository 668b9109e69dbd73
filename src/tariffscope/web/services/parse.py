"""Request parsing: every bad value becomes an :class:`~tariffscope.web.services.errors.InputError` naming
its field, before any engine call."""

from __future__ import annotations

import datetime as dt
import math

from tariffscope.errors import UnknownCountry, UnknownHTS
from tariffscope.web.services.errors import InputError
from tariffscope.web.services.state import catalogue, group_members


def parse_date(value: str | None, field: str, *, required: bool = True) -> dt.date | None:
    if value is None or value == "":
        if required:
            raise InputError(field, f"{field}: a date YYYY-MM-DD is required")
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(field, f"{field}: {value[:40]!r} is not a date YYYY-MM-DD") from None


def need_date(value: str | None, field: str) -> dt.date:
    """A required date (see :func:`parse_date`)."""
    d = parse_date(value, field)
    assert d is not None
    return d


def parse_hts(value: str, field: str = "hts") -> str:
    from tariffscope.schedule.hts import normalize_hts

    try:
        return normalize_hts(value)
    except UnknownHTS as exc:
        raise InputError(field, f"{field}: {exc}") from None


def parse_country(value: str, field: str = "origin") -> str:
    from tariffscope.countries import country

    try:
        return country(value).iso2
    except UnknownCountry as exc:
        raise InputError(field, f"{field}: {exc}") from None


def parse_share(value: float | None, field: str) -> float | None:
    if value is None:
        return None
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise InputError(field, f"{field}: {value} is not a share between 0 and 1")
    return value


def parse_partners(value: str | None, field: str = "partners", limit: int = 12) -> list[str]:
    """Comma-separated partners: ISO2/ISO3/Census codes or a catalogue group name (``EU27``)."""
    if not value:
        return []
    names = [v.strip() for v in value.split(",") if v.strip()]
    if len(names) > limit:
        raise InputError(field, f"{field}: at most {limit} partners at once, got {len(names)}")
    groups = catalogue().groups
    out = []
    for n in names:
        key = n.upper()
        if key == "EU":
            key = "EU27"
        out.append(key if key in groups else parse_country(n, field))
    return out


def parse_partner(value: str, field: str = "partner") -> str:
    """One partner: a country (ISO2/ISO3/Census code), a catalogue group (``EU27``, ``USMCA``) or ``ALL``
    (every partner: the US-wide figure)."""
    key = value.strip().upper()
    if key == "EU":
        key = "EU27"
    if key == "ALL" or key in catalogue().groups:
        return key
    return parse_country(value, field)


def members(partner: str) -> tuple[str, ...] | None:
    """The countries a partner code stands for: itself, a group's members, or ``None`` for ``ALL``."""
    if partner == "ALL":
        return None
    if partner in catalogue().groups:
        return tuple(group_members(partner))
    return (partner,)


def parse_horizon_date(value: str | None, field: str = "date", today: dt.date | None = None) -> dt.date:
    """A date inside the catalogue's horizon. None given: today (UTC), or the horizon's nearest end when
    today is outside it (the answer states the date it is for)."""
    from tariffscope.resolver.inputs import HORIZON

    d = parse_date(value, field, required=False)
    if d is None:
        return min(max(today or dt.datetime.now(dt.UTC).date(), HORIZON[0]), HORIZON[1])
    if not HORIZON[0] <= d <= HORIZON[1]:
        raise InputError(field, f"{field}: {d} is outside the catalogue ({HORIZON[0]} to {HORIZON[1]})")
    return d
