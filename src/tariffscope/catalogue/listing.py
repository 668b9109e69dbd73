"""The catalogue as a table of rules, for listings (``tariffscope measures list``, the web's measures page)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from tariffscope.catalogue.loader import Catalogue, rule_rate_on


def measures_frame(
    cat: Catalogue, authority: str | None = None, origin: str | None = None, on: dt.date | None = None
) -> pl.DataFrame:
    """One row per rule: measure, heading, countries, kind, current rate, first and last dates."""
    rows: list[dict[str, Any]] = []
    known = cat.jurisdiction.authority_ids
    if authority and authority not in known:
        raise ValueError(f"authority: {authority!r} is not one of {', '.join(known)}")
    iso = None
    if origin:
        from tariffscope.countries import country

        iso = country(origin).iso2
    for m in cat.measures.values():
        if authority and m.authority != authority:
            continue
        for r in m.rules:
            inc = cat.countries(r.countries.include)
            exc = cat.countries(r.countries.exclude)
            if iso and (("ALL" not in inc and iso not in inc) or iso in exc):
                continue
            rate = rule_rate_on(r, on) if on else None
            if on and rate is None:
                continue
            ends = [s.from_ for s in r.steps if s.rate is None]
            rows.append(
                {
                    "rule": f"{m.id}/{r.id}",
                    "authority": m.authority,
                    "heading": r.heading or "",
                    "kind": r.kind,
                    "countries": ",".join(r.countries.include)
                    + (f" except {','.join(r.countries.exclude)}" if r.countries.exclude else ""),
                    "rate": rate if on else next((s.rate for s in r.steps if s.rate is not None), None),
                    "from": min(s.from_ for s in r.steps),
                    "until": max(ends) - dt.timedelta(days=1)
                    if ends and ends[-1] == r.steps[-1].from_
                    else None,
                    "title": r.title,
                }
            )
    return pl.DataFrame(rows, infer_schema_length=None) if rows else pl.DataFrame()
