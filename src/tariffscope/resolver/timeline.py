"""A product's duty from one origin through time: every change point, with what changed and why."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from tariffscope.catalogue.loader import default_catalogue
from tariffscope.resolver.api import change_dates, resolve_frame
from tariffscope.resolver.base import BY_REFERENCE
from tariffscope.resolver.explain import explain_row


def product_timeline(
    hts: str, origin: str, start: dt.date, end: dt.date, as_of: dt.date | None = None
) -> pl.DataFrame:
    """One row per date on which the total or its make-up changes, from ``start`` to ``end``."""
    from tariffscope.schedule import Schedule

    cat = default_catalogue()
    cands = {start}
    cands.update(d.astype(dt.date) for d in change_dates(cat) if start < d.astype(dt.date) <= end)
    lines = Schedule.load().lines
    code = hts.replace(".", "").strip()
    vf = lines.filter(pl.col("hts10").str.starts_with(code[:8]))["valid_from"].unique().to_list()
    cands.update(d for d in vf if start < d <= end)
    dates = sorted(cands)
    res = resolve_frame(
        pl.DataFrame({"hts10": [hts] * len(dates), "origin": [origin] * len(dates), "date": dates}),
        as_of=as_of,
        catalogue=cat,
        explain=True,
    )
    bad = res.failed
    if bad.height == len(dates):
        from tariffscope.errors import from_status

        raise from_status(str(bad["status"][0]))
    rows = []
    prev: dict[str, float] | None = None
    prev_total = None
    assert res.engine is not None and res.key_of_row is not None
    for i, rec in enumerate(res.table.iter_rows(named=True)):
        if rec["status"] != "ok":
            continue
        by_ref = rec.get("base_status") == BY_REFERENCE  # MFN not a number: left out, said below
        base = 0.0 if by_ref else rec["base_rate"]
        comps = explain_row(res.engine, int(res.key_of_row[i]), base, rec["base_note"], as_of)
        owed = {
            (c["heading"] or c["measure"]): c["rate"]
            for c in comps
            if c["rate"] > 0 or (c["measure"] == "us.mfn" and not by_ref)
        }
        names = {(c["heading"] or c["measure"]): c["measure"] for c in comps}
        if (
            prev is not None
            and owed.keys() == prev.keys()
            and np.allclose(list(owed.values()), list(prev.values()))
        ):
            continue
        what = []
        for k, v in owed.items():
            if prev is None or k not in prev:
                what.append(f"+ {names[k]} {k if k != names[k] else ''} {100 * v:.4g}%".replace("  ", " "))
            elif abs(prev[k] - v) > 1e-12:
                what.append(f"~ {names[k]} {100 * prev[k]:.4g}% -> {100 * v:.4g}%")
        for k in prev or {}:
            if k not in owed:
                what.append(f"- {k} ended")
        total = float(rec["total_rate"])
        rows.append(
            {
                "date": rec["date"],
                "total_rate": total,
                "change": None if prev_total is None else total - prev_total,
                "what_changed": "; ".join(what),
                "components": ", ".join(
                    [f"{names[k]}={100 * v:.4g}%" for k, v in owed.items()]
                    + (["us.mfn=by reference"] if by_ref else [])
                ),
            }
        )
        prev, prev_total = owed, total
    return pl.DataFrame(rows)
