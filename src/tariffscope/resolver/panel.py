"""The full panel: every HTS10 line x every country for a date, or for every revision date.

Countries that every rule in force treats alike (the same coverage by every rule, and the same
base column) form one class; the engine runs on products x one country per class, and the result
is expanded to all countries by a join. On a typical date ~240 countries collapse to a few dozen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

from tariffscope.catalogue.loader import Catalogue, default_catalogue, rule_rate_on
from tariffscope.countries import countries_frame
from tariffscope.resolver.api import resolve_frame
from tariffscope.resolver.engine import RATE_COLUMNS, Engine
from tariffscope.resolver.inputs import HORIZON

PANEL_COLUMNS = ["hts10", "origin", "date", "total_rate", *RATE_COLUMNS, "rate_refundable"]


def country_classes(cat: Catalogue, on: dt.date, as_of: dt.date | None = None) -> pl.DataFrame:
    """Map every country (ISO2) to a representative treated alike by every rule in force on ``on``."""
    iso = countries_frame()["iso2"].unique().sort().to_list()
    eng = Engine(cat, as_of)
    cols = [np.isin(np.array(iso, dtype=object), list(cat.countries(["COLUMN2"])))]
    for ref in cat.rules:
        if rule_rate_on(ref.rule, on, as_of) is None and not any(s.from_ > on for s in ref.rule.steps):
            continue
        cols.append(eng._country_mask(ref.rule, iso))
    sig = np.packbits(np.stack(cols, axis=1), axis=1)
    _, first, inverse = np.unique(sig, axis=0, return_index=True, return_inverse=True)
    reps = np.array(iso, dtype=object)[first][inverse.ravel()]
    return pl.DataFrame({"origin": iso, "rep": reps.astype(str)})


def panel_on(on: dt.date, as_of: dt.date | None = None, catalogue: Catalogue | None = None) -> pl.DataFrame:
    """Statutory rates of every HTS10 line in force on ``on`` for every country."""
    from tariffscope.schedule import Schedule

    cat = catalogue or default_catalogue()
    products = Schedule.load().on(on).select("hts10").unique().sort("hts10")
    classes = country_classes(cat, on, as_of)
    reps = classes.select(pl.col("rep").unique().sort())
    rows = products.join(reps, how="cross").rename({"rep": "origin"}).with_columns(pl.lit(on).alias("date"))
    res = resolve_frame(rows, as_of=as_of, catalogue=cat).table.filter(pl.col("status") == "ok")
    rates = res.select(
        [
            "hts10",
            pl.col("origin").alias("rep"),
            *[c for c in PANEL_COLUMNS if c not in ("hts10", "origin", "date")],
        ]
    )
    out = classes.join(rates, on="rep", how="inner").drop("rep").with_columns(pl.lit(on).alias("date"))
    return out.select(PANEL_COLUMNS).sort(["hts10", "origin"])


def revision_dates() -> list[dt.date]:
    """The effective date of every HTS revision within the catalogue's horizon."""
    from tariffscope.schedule import Schedule

    revs = Schedule.load().revisions
    col = "effective_from" if "effective_from" in revs.columns else revs.columns[1]
    return sorted({d for d in revs[col].to_list() if d is not None and HORIZON[0] <= d <= HORIZON[1]})


def write_panel_all_revisions(
    out: Path, as_of: dt.date | None = None, progress: Callable[[int, int, dt.date], None] | None = None
) -> int:
    """Write the panel of every revision date to one Parquet file, one revision at a time."""
    import pyarrow.parquet as pq

    dates = revision_dates()
    writer = None
    total = 0
    try:
        for i, d in enumerate(dates):
            tbl = panel_on(d, as_of).to_arrow()
            if writer is None:
                writer = pq.ParquetWriter(out, tbl.schema, compression="zstd")
            writer.write_table(tbl)
            total += tbl.num_rows
            if progress:
                progress(i + 1, len(dates), d)
    finally:
        if writer is not None:
            writer.close()
    return total
