"""Analytics for the dashboard and the journalist's view: ETR series, exposure, refunds, rankings and
the country downloads, each the library function the CLI calls, memoised by its arguments."""

from __future__ import annotations

import datetime as dt
import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import polars as pl

from tariffscope.analytics.common import HOURS_PER_YEAR
from tariffscope.analytics.etr import etr_series
from tariffscope.errors import TariffscopeError
from tariffscope.web.services.errors import InputError, as_partner_field, engine_error
from tariffscope.web.services.parse import members, need_date
from tariffscope.web.services.state import catalogue, group_members, memo, partner_names, to_records, weights


def _etr_weights(partners: tuple[str, ...]) -> tuple[pl.DataFrame, dict[str, str]]:
    """The weights of the partners' countries (a group's members) and each country's partner label."""
    w = weights()
    label: dict[str, str] = {}
    ms: list[str] = []
    for p in partners:
        group = group_members(p) if p in catalogue().groups else [p]
        for m in group:
            label.setdefault(m, p)
        ms += group
    have = set(w.filter(pl.col("partner").is_in(ms))["partner"].unique().to_list())
    missing = [p for p in partners if not any(label.get(m) == p for m in have)]
    if missing:
        raise InputError("partners", f"partners: no import weights for {', '.join(missing)}")
    return w.filter(pl.col("partner").is_in(sorted(have))), label


@memo(64)
def etr(
    partners: tuple[str, ...], start: str, end: str, by: str = "partner", view: str = "adjusted"
) -> pl.DataFrame:
    """ETR by day for each partner (a group such as EU27 is the import-weighted mean of its members)."""
    s, e = need_date(start, "start"), need_date(end, "end")
    if e < s:
        raise InputError("end", f"end: {e} is before start {s}")
    if by not in ("partner", "authority", "sector"):
        raise InputError("by", f"by: {by!r} is not partner, authority or sector")
    if view not in ("statutory", "adjusted"):
        raise InputError("view", f"view: {view!r} is not statutory or adjusted")
    ws, label = _etr_weights(partners)
    if by == "sector":
        ws = ws.with_columns(pl.col("gtap").fill_null("other").alias("sector"))
    have = sorted(ws["partner"].unique().to_list())
    df = etr_series(ws, s, e, partners=have, by="sector" if by == "sector" else "partner", view=view)  # type: ignore[arg-type]
    df = df.with_columns(pl.col("partner").replace_strict(label, default=pl.col("partner")).alias("group"))
    keys = ["date", "group", *(["sector"] if by == "sector" else [])]
    rate_cols = [c for c in df.columns if c.startswith("etr")]
    agg = df.group_by(keys).agg(
        pl.col("imports_usd").sum(),
        pl.col("duty_usd_per_year").sum(),
        *[(pl.col(c) * pl.col("imports_usd")).sum().alias(c) for c in rate_cols],
    )
    agg = agg.with_columns([(pl.col(c) / pl.col("imports_usd")).alias(c) for c in rate_cols])
    agg = agg.rename({"group": "partner"}).with_columns(
        (pl.col("duty_usd_per_year") / HOURS_PER_YEAR).alias("duty_usd_per_hour")
    )
    return agg.sort(["partner", "date", *keys[2:]])


def compact_series(df: pl.DataFrame, value_cols: Sequence[str], key: str = "partner") -> pl.DataFrame:
    """Keep only the days on which a series' values change (and each series' last day)."""
    if df.height == 0:
        return df
    d = df.sort([key, "date"])
    changed = pl.any_horizontal(
        [(pl.col(c) - pl.col(c).shift(1).over(key)).abs().fill_null(1.0) > 1e-12 for c in value_cols]
    )
    last = pl.col("date") == pl.col("date").max().over(key)
    return d.filter(changed | last)


def call_analytics(
    fn: Callable[..., Any], *args: Any, weights_of: tuple[str, ...] | None = None, **kwargs: Any
) -> Any:
    """Call the analytics function ``fn`` with the process's weights (only those of the partners
    ``weights_of`` if given), memoised by arguments; its errors name their field."""
    return _analytics(fn, args, tuple(sorted(kwargs.items())), weights_of)


@memo(128)
def _analytics(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: tuple[tuple[str, Any], ...],
    weights_of: tuple[str, ...] | None,
) -> Any:
    kw = dict(kwargs)
    if "weights" in inspect.signature(fn).parameters:
        w = weights()
        kw["weights"] = w.filter(pl.col("partner").is_in(list(weights_of))) if weights_of else w
    try:
        return fn(*args, **kw)
    except TariffscopeError as exc:
        raise engine_error(exc) from None
    except ValueError as exc:
        raise InputError("request", str(exc)) from None


def exposure(partner: str, date: dt.date, sector: str | None, view: str) -> dict[str, Any]:
    """``tariffscope exposure`` of a country, a group (its members' imports pooled) or ``ALL`` (every
    partner: the US-wide figure); ``members`` says which countries the figures cover."""
    from tariffscope.analytics.exposure import exposure as run

    ms = members(partner)
    try:
        if ms is not None and len(ms) == 1:
            res = call_analytics(run, ms[0], date, sector=sector, view=view)
            return {**res, "members": list(ms)}
        res = call_analytics(run, "ALL", date, sector=sector, view=view, weights_of=ms)
    except InputError as exc:
        raise as_partner_field(exc) from None
    return {**res, "partner": partner, "members": list(ms) if ms else "all partners"}


REFUNDS_MAX_MEMBERS = 30


def refunds(partner: str) -> pl.DataFrame:
    """``tariffscope refunds`` of a country or a group (members summed by month). ``ALL`` is refused:
    pricing every partner's daily duties takes minutes and gigabytes (the CLI does it)."""
    from tariffscope.analytics.refunds import refunds as run

    ms = members(partner)
    if ms is None or len(ms) > REFUNDS_MAX_MEMBERS:
        raise InputError(
            "partner",
            f"partner: refunds are priced per partner or group (at most {REFUNDS_MAX_MEMBERS} countries); "
            "for every partner at once run `tariffscope refunds`",
        )
    try:
        df: pl.DataFrame = call_analytics(run, partners=ms)
    except InputError as exc:
        raise as_partner_field(exc) from None
    if len(ms) == 1:
        return df
    usd = [c for c in df.columns if c.endswith("_usd")]
    return (
        df.group_by("month")
        .agg(
            pl.col("days").max(),
            *[pl.col(c).sum() for c in usd],
            pl.col("imports_basis").unique().sort().str.join(", "),
        )
        .with_columns(pl.lit(partner).alias("partner"))
        .select(df.columns)
        .sort("month")
    )


def _years(years: list[int]) -> str:
    return f"{years[0]}-{years[-1]}" if len(years) > 1 else "".join(map(str, years)) or "(unknown year)"


VIEW_TEXT = {
    "adjusted": "owed: preferences claimed as they are claimed (USMCA by monthly claim shares, other FTAs "
    "where the special rate is lower; docs/etr-bridge.md); effective rate = duty / all imports, unmatched "
    "lines at 0%",
    "statutory": "statutory: no preference claimed, a ceiling (no USMCA or FTA claims); effective rate = "
    "duty / all imports, unmatched lines at 0%",
}
"""What each ETR view means, as the journalist's page states it."""


def us_rates(date: dt.date, view: str = "adjusted") -> dict[str, Any]:
    """The journalist's view: the US-wide effective tariff rate (``ALL``: duty over all imports) and each
    partner's, on one date, in the owed view by default (issue 12), with the view, the weights' grain and
    the source line stated."""
    if view not in VIEW_TEXT:
        raise InputError("view", f"view: {view!r}: use adjusted (owed) or statutory (a ceiling)")
    df = country_rates(date.isoformat(), view)  # the download's cache entry: one computation for both
    us = df.filter(pl.col("partner") == "ALL")
    rows = df.filter(pl.col("partner") != "ALL").with_columns(
        (pl.col("imports_usd") / float(us["imports_usd"][0])).alias("import_share")
    )
    keep = ["partner", "name", "imports_usd", "import_share", "etr", "etr_additional", "duty_usd_per_year"]
    src = sources()
    return {
        "date": date.isoformat(),
        "view": VIEW_TEXT[view],
        "view_id": view,
        "weights": f"{_years(src['weights_years'])} import values; grain {us['weights_grain'][0]}",
        "source_line": src["source_line"],
        "data_date": f"rates in force on {date.isoformat()}; measures recorded to {src['catalogue_recorded_to']}",
        "us": to_records(us.select(keep[2:3] + keep[4:]).to_dicts()[0]),
        "partners": to_records(rows.select([c for c in keep if c in rows.columns])),
    }


@functools.cache
def sources() -> dict[str, Any]:
    """What every figure rests on, with the chart style (:func:`tariffscope.analytics.figures.sources`)."""
    from tariffscope.analytics.figures import sources as figure_sources

    return figure_sources(weights())


@memo(16)
def country_rates(date: str, view: str = "adjusted") -> pl.DataFrame:
    """Every partner's ETR on one date (the owed view unless asked; the journalist's page and the
    download state which), with its imports and annual duty."""
    d = need_date(date, "date")
    df = etr_series(weights(), d, d, view=view, daily=False)  # type: ignore[arg-type]
    names = partner_names()
    return (
        df.filter(pl.col("date") == d)
        .with_columns(pl.col("partner").replace_strict(names, default="").alias("name"))
        .select("date", "partner", "name", pl.exclude("date", "partner", "name"))
        .sort("imports_usd", descending=True)
    )


@memo(16)
def country_sector_rates(date: str, partners: tuple[str, ...] = ()) -> pl.DataFrame:
    """ETR by partner x GTAP sector on one date (groups such as EU27 as the weighted mean of members)."""
    d = need_date(date, "date")
    if partners:
        return etr(partners, date, date, "sector")
    w = weights().with_columns(pl.col("gtap").fill_null("other").alias("sector"))
    return (
        etr_series(w, d, d, by="sector", daily=False).filter(pl.col("date") == d).sort(["partner", "sector"])
    )
