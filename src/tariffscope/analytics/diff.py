"""What changed for a partner between two entry dates: measures, products, effective rate and duty.

Measures are the catalogue's dated steps between the dates for rules that reach the partner
(started, changed rate, ended). Products are the weight lines whose total rate moved, with the old
and new rate and the annual duty change at the weights' import value (static, no demand response).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from tariffscope.analytics.common import (
    AUTHORITIES,
    HOURS_PER_YEAR,
    SectorFilter,
    describe,
    format_hts,
    grain_label,
    measure_events,
    parse_sector,
    partner_code,
    partner_weights,
    weights_or_default,
)
from tariffscope.analytics.etr import DEFAULT_VIEW, View
from tariffscope.analytics.exposure import authority_table, line_rates, summarise
from tariffscope.catalogue.loader import Catalogue, default_catalogue

MOVE_TOL = 1e-9


def product_moves(a: pl.DataFrame, b: pl.DataFrame) -> pl.DataFrame:
    """Lines whose total rate differs between two ``line_rates`` frames of the same weights.

    Columns ``hts10, gtap, imports_usd, old_rate, new_rate, change, duty_change_usd_per_year``,
    sorted by the size of the duty change.
    """
    keys = ["hts10", "partner"]
    j = a.select([*keys, "gtap", "imports_usd", pl.col("total_rate").alias("old_rate")]).join(
        b.select([*keys, pl.col("total_rate").alias("new_rate")]), on=keys, how="inner"
    )
    moved = j.with_columns((pl.col("new_rate") - pl.col("old_rate")).alias("change")).filter(
        pl.col("change").abs() > MOVE_TOL
    )
    return (
        moved.group_by(["hts10", "gtap"])
        .agg(
            pl.col("imports_usd").sum(),
            (pl.col("old_rate") * pl.col("imports_usd")).sum().alias("old_rate"),
            (pl.col("new_rate") * pl.col("imports_usd")).sum().alias("new_rate"),
        )
        .with_columns(
            (pl.col("old_rate") / pl.col("imports_usd")).fill_nan(0.0),
            (pl.col("new_rate") / pl.col("imports_usd")).fill_nan(0.0),
        )
        .with_columns(
            (pl.col("new_rate") - pl.col("old_rate")).alias("change"),
            ((pl.col("new_rate") - pl.col("old_rate")) * pl.col("imports_usd")).alias(
                "duty_change_usd_per_year"
            ),
        )
        .sort(pl.col("duty_change_usd_per_year").abs(), descending=True)
    )


def diff(
    partner: str,
    start: dt.date,
    end: dt.date,
    *,
    sector: str | SectorFilter | None = None,
    weights: pl.DataFrame | None = None,
    view: View = DEFAULT_VIEW,
    as_of: dt.date | None = None,
    top: int = 20,
    catalogue: Catalogue | None = None,
) -> dict[str, Any]:
    """What changed for ``partner`` from entry date ``start`` to ``end``.

    Keys: ``partner, from, to, view, before{…}, after{…}, etr_change, duty_change_usd_per_year,
    duty_change_usd_per_hour, authorities[] (etr before/after), measures[] (catalogue events),
    products{lines_moved, imports_usd_moved, top[]}``.
    """
    cat = catalogue or default_catalogue()
    p = partner_code(partner)
    sf = parse_sector(sector) if isinstance(sector, str) else sector
    w = partner_weights(weights_or_default(weights), p, sf)
    a = line_rates(w, start, view=view, as_of=as_of, catalogue=cat)
    b = line_rates(w, end, view=view, as_of=as_of, catalogue=cat)
    sa, sb = summarise(a), summarise(b)
    ta, tb = authority_table(a), authority_table(b)
    auth = [
        {
            "authority": x,
            "etr_before": float(ta["etr_contribution"][i]),
            "etr_after": float(tb["etr_contribution"][i]),
            "share_of_imports_before": float(ta["share_of_imports"][i]),
            "share_of_imports_after": float(tb["share_of_imports"][i]),
        }
        for i, x in enumerate(AUTHORITIES)
    ]
    lo, hi = (start, end) if start <= end else (end, start)
    events = measure_events(p, lo, hi, as_of=as_of, catalogue=cat)
    moves = product_moves(a, b)
    head = moves.head(top)
    desc = describe(head["hts10"].to_list(), end)
    d_duty = sb["duty_usd_per_year"] - sa["duty_usd_per_year"]
    return {
        "partner": p,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "as_of": None if as_of is None else as_of.isoformat(),
        "view": view,
        "sector": None if sf is None else sf.label,
        "weights_grain": grain_label(w),
        "before": sa,
        "after": sb,
        "etr_change": sb["etr"] - sa["etr"],
        "duty_change_usd_per_year": d_duty,
        "duty_change_usd_per_hour": d_duty / HOURS_PER_YEAR,
        "authorities": auth,
        "measures": [{**r, "date": r["date"].isoformat()} for r in events.to_dicts()],
        "products": {
            "lines_moved": moves.height,
            "imports_usd_moved": float(moves["imports_usd"].sum()),
            "share_of_imports_moved": float(moves["imports_usd"].sum()) / sa["imports_usd"]
            if sa["imports_usd"]
            else 0.0,
            "top": [
                {
                    "hts10": r["hts10"],
                    "hts": format_hts(r["hts10"]),
                    "description": desc.get(r["hts10"], ""),
                    "sector": r["gtap"],
                    "imports_usd": r["imports_usd"],
                    "old_rate": r["old_rate"],
                    "new_rate": r["new_rate"],
                    "change": r["change"],
                    "duty_change_usd_per_year": r["duty_change_usd_per_year"],
                }
                for r in head.to_dicts()
            ],
        },
    }
