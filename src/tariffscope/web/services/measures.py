"""The catalogue's measures (``tariffscope measures list|show``) and its dated regime-change feed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from tariffscope.web.services.errors import InputError
from tariffscope.web.services.parse import parse_country, parse_date
from tariffscope.web.services.state import catalogue


def measures(authority: str | None, origin: str | None, on: str | None) -> pl.DataFrame:
    from tariffscope.catalogue.listing import measures_frame

    iso = parse_country(origin) if origin else None
    d = parse_date(on, "on", required=False)
    cat = catalogue()
    if authority and authority not in {m.authority for m in cat.measures.values()}:
        known = sorted({m.authority for m in cat.measures.values()})
        raise InputError("authority", f"authority: {authority!r} is not one of {', '.join(known)}")
    return measures_frame(cat, authority, iso, d)


def measure(measure_id: str) -> dict[str, Any]:
    """A measure (or the measure of a rule id ``measure/rule``) with instruments, steps and citations."""
    cat = catalogue()
    mid = measure_id.split("/")[0]
    m = cat.measures.get(mid)
    if m is None:
        close = [k for k in cat.measures if mid.split(".")[-1] and mid.split(".")[-1] in k][:5]
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise InputError("measure_id", f"measure_id: no measure {mid[:60]!r}{hint}")
    return dict(m.model_dump(mode="json", by_alias=True))


def regime_changes(since: dt.date | None = None, until: dt.date | None = None) -> pl.DataFrame:
    """Every dated step of every rule: the day a duty starts, changes or ends, with its citation."""
    cat = catalogue()
    rows: list[dict[str, Any]] = []
    for ref in cat.rules:
        r, m = ref.rule, ref.measure
        prev: float | None = None
        for s in r.steps:
            if (since and s.from_ < since) or (until and s.from_ > until):
                prev = s.rate
                continue
            change = "ends" if s.rate is None else ("starts" if prev is None else "changes")
            rows.append(
                {
                    "date": s.from_,
                    "rule": ref.id,
                    "measure": m.id,
                    "authority": m.authority,
                    "heading": r.heading or "",
                    "countries": ",".join(r.countries.include),
                    "change": change,
                    "rate_before": prev,
                    "rate": s.rate,
                    "title": r.title,
                    "cite": s.cite,
                    "recorded": s.recorded,
                    "superseded": s.superseded,
                }
            )
            prev = s.rate
    if not rows:
        return pl.DataFrame()
    return pl.DataFrame(rows, infer_schema_length=None).sort(["date", "rule"], descending=[True, False])
