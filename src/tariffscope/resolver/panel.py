"""The full panel: every HTS10 line x every country for a date, or for every revision date.

Countries that every rule in force treats alike (the same coverage by every rule, and the same
base column) form one class; the engine runs on products x one country per class, and the result
is expanded to all countries by a join. On a typical date ~240 countries collapse to a few dozen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from tariffscope.catalogue.loader import Catalogue, rule_rate_on
from tariffscope.countries import countries_frame
from tariffscope.resolver.base import BASE_STATUS_T, BY_REFERENCE
from tariffscope.resolver.context import PricingContext, context_for
from tariffscope.resolver.engine import RATE_COLUMNS, Engine
from tariffscope.resolver.inputs import HORIZON
from tariffscope.resolver.shares import with_default_shares

PANEL_COLUMNS = ["hts10", "origin", "date", "total_rate", *RATE_COLUMNS, "rate_refundable", "base_status"]
"""``base_status``: ``rate``, or ``by reference`` where column 1 names another rate (``rate_mfn`` null,
``total_rate`` the chapter 99 duties only; see :mod:`tariffscope.resolver.base`)."""


def country_classes(cat: Catalogue, on: dt.date | None, as_of: dt.date | None = None) -> pl.DataFrame:
    """Map every country (ISO2) to a representative treated alike by every rule in force on ``on``
    (or by every rule of the catalogue, whatever its dates, when ``on`` is None)."""
    iso = countries_frame()["iso2"].unique().sort().to_list()
    eng = Engine(cat, as_of)
    cols = [np.isin(np.array(iso, dtype=object), list(cat.countries(["COLUMN2"])))]
    for ref in cat.rules:
        if (
            on is not None
            and rule_rate_on(ref.rule, on, as_of) is None
            and not any(s.from_ > on for s in ref.rule.steps)
        ):
            continue
        cols.append(eng._country_mask(ref.rule, iso))
    sig = np.packbits(np.stack(cols, axis=1), axis=1)
    _, first, inverse = np.unique(sig, axis=0, return_index=True, return_inverse=True)
    reps = np.array(iso, dtype=object)[first][inverse.ravel()]
    return pl.DataFrame({"origin": iso, "rep": reps.astype(str)})


def panel_on(
    on: dt.date,
    as_of: dt.date | None = None,
    catalogue: Catalogue | None = None,
    *,
    context: PricingContext | None = None,
    part: tuple[int, int] | None = None,
) -> pl.DataFrame:
    """Statutory rates of every HTS10 line in force on ``on`` for every country.

    The engine runs directly on lines x country classes (no per-row validation is needed: every
    code is a line in force and every country is known), then the classes expand to countries.
    Lines whose column 1 rate refers to another rate are kept with ``base_status`` "by reference"
    (``rate_mfn`` null, chapter 99 duties computed); special-program-only lines of chapter 98 (no
    General rate) are left out: they are not open to entries at column 1.
    ``part=(k, n)`` prices only the k-th of n contiguous slices of the (sorted) lines: the n parts,
    concatenated in order, are the whole panel (an executor's unit of work).
    """
    ctx = context or context_for(catalogue)
    cat = ctx.catalogue
    products = (
        ctx.schedule.on(on)
        .select("hts10", "mfn_ave", "col2_ave", "mfn_kind")
        .unique("hts10")
        .filter(pl.col("mfn_kind").cast(pl.String) != "empty")
        .sort("hts10")
    )
    if part is not None:
        k, n = part
        bounds = np.linspace(0, products.height, n + 1).astype(int)
        products = products.slice(bounds[k], bounds[k + 1] - bounds[k])
    products = with_default_shares(products, ctx.metal_shares)
    classes = country_classes(cat, on, as_of)
    col2 = cat.countries(["COLUMN2"])
    reps = classes.select(pl.col("rep").unique(maintain_order=True)).with_columns(
        pl.col("rep").is_in(list(col2)).alias("_c2")
    )
    rows = (
        products.join(reps, how="cross")
        .with_columns(
            pl.when(pl.col("_c2")).then(pl.col("col2_ave")).otherwise(pl.col("mfn_ave")).alias("base_rate"),
            pl.lit(on).alias("date"),
        )
        .rename({"rep": "origin"})
        .drop(["_c2", "mfn_ave", "col2_ave", "mfn_kind"])
    )
    res = Engine(cat, as_of).run(rows).frame()
    # a null base (by reference) runs as 0 in the engine: report it as no number, not as Free
    by_ref = rows["base_rate"].is_null()
    res = res.with_columns(
        pl.when(by_ref).then(None).otherwise(pl.col("rate_mfn")).alias("rate_mfn"),
        pl.when(by_ref)
        .then(pl.lit(BY_REFERENCE))
        .otherwise(pl.lit("rate"))
        .cast(BASE_STATUS_T)
        .alias("base_status"),
    )
    # rows are lines x representatives (line-major): gather them for lines x all countries, in order
    rep_names = reps["rep"].to_list()
    rep_pos = {r: i for i, r in enumerate(rep_names)}
    classes = classes.sort("origin")
    rep_of = np.array([rep_pos[r] for r in classes["rep"].to_list()], dtype=np.int64)
    n_lines, n_reps, n_ctry = products.height, len(rep_names), classes.height
    idx = (np.arange(n_lines, dtype=np.int64)[:, None] * n_reps + rep_of[None, :]).ravel()
    out = res[idx].with_columns(
        pl.Series("hts10", np.repeat(products["hts10"].to_numpy(), n_ctry)),
        pl.Series("origin", np.tile(classes["origin"].to_numpy(), n_lines)),
        pl.lit(on).alias("date"),
    )
    return out.select(PANEL_COLUMNS)


def revision_dates(context: PricingContext | None = None) -> list[dt.date]:
    """The effective date of every HTS revision within the catalogue's horizon."""
    revs = (context or context_for(None)).schedule.revisions
    col = "effective_from" if "effective_from" in revs.columns else revs.columns[1]
    return sorted({d for d in revs[col].to_list() if d is not None and HORIZON[0] <= d <= HORIZON[1]})


def write_panel_all_revisions(
    out: Path,
    as_of: dt.date | None = None,
    progress: Callable[[int, int, dt.date], None] | None = None,
    context: PricingContext | None = None,
) -> int:
    """Write the panel of every revision date to one Parquet file, one revision at a time.

    The keys are every line of any revision x the country classes of the whole catalogue; rates
    move from one revision date to the next through :class:`~tariffscope.resolver.series.RateSeries`,
    which re-runs the engine only on the keys a change can reach. Each date's panel is expanded to all
    countries (lines not in force that day are left out) and appended to the file.
    """
    from concurrent.futures import Future, ThreadPoolExecutor

    import pyarrow.parquet as pq

    from tariffscope.resolver.series import RateSeries

    ctx = context or context_for(None)
    dates = revision_dates(ctx)
    grid = _RevisionGrid.build(ctx, as_of)
    writer: pq.ParquetWriter | None = None
    total = 0
    pending: Future[None] | None = None
    # one background thread writes revision i while the engine computes revision i + 1 (Arrow's
    # writer releases the GIL); at most one panel waits, so memory stays at about two panels
    with ThreadPoolExecutor(max_workers=1) as io:
        try:
            series = RateSeries(
                ctx.catalogue, as_of, schedule=ctx.schedule, metal_shares=ctx.metal_shares, by_reference=True
            )
            for i, (day, rates) in enumerate(series.run(grid.keys, dates)):
                tbl = grid.expand(day, rates, ctx).to_arrow()
                if writer is None:
                    # dictionary pages and statistics only where they help readers (codes, date)
                    writer = pq.ParquetWriter(
                        out,
                        tbl.schema,
                        compression="lz4",
                        use_dictionary=["hts10", "origin"],
                        write_statistics=["hts10", "origin", "date"],
                    )
                if pending is not None:
                    pending.result()
                pending = io.submit(writer.write_table, tbl)
                total += tbl.num_rows
                if progress:
                    progress(i + 1, len(dates), day)
            if pending is not None:
                pending.result()
        finally:
            if writer is not None:
                writer.close()
    return total


@dataclass
class _RevisionGrid:
    """Keys of the every-revision panel (lines of any revision x country classes of the whole
    catalogue) and how to expand their rates to lines x all countries."""

    lines: pl.Series
    keys: pl.DataFrame
    grid: np.ndarray
    hts: pl.Series
    origin: pl.Series
    n_ctry: int

    @classmethod
    def build(
        cls, ctx: PricingContext, as_of: dt.date | None, part: tuple[int, int] | None = None
    ) -> _RevisionGrid:
        lines = ctx.schedule.lines["hts10"].unique().sort()
        if part is not None:
            bounds = np.linspace(0, lines.len(), part[1] + 1).astype(int)
            lines = lines.slice(bounds[part[0]], bounds[part[0] + 1] - bounds[part[0]])
        classes = country_classes(ctx.catalogue, None, as_of).sort("origin")
        rep_names = classes["rep"].unique(maintain_order=True).to_list()
        rep_pos = {r: i for i, r in enumerate(rep_names)}
        rep_of = np.array([rep_pos[r] for r in classes["rep"].to_list()], dtype=np.int64)
        n_lines, n_reps, n_ctry = lines.len(), len(rep_names), classes.height
        keys = pl.DataFrame(
            {"hts10": np.repeat(lines.to_numpy(), n_reps), "origin": np.tile(np.array(rep_names), n_lines)}
        )
        grid = (np.arange(n_lines, dtype=np.int64)[:, None] * n_reps + rep_of[None, :]).ravel()
        # repeated strings as dictionary (categorical) columns: cheap to build, compact in Parquet
        hts = pl.Series("hts10", np.repeat(lines.to_numpy(), n_ctry)).cast(pl.Categorical)
        origin = pl.Series("origin", np.tile(classes["origin"].to_numpy(), n_lines)).cast(pl.Categorical)
        return cls(lines, keys, grid, hts, origin, n_ctry)

    def expand(self, day: dt.date, rates: pl.DataFrame, ctx: PricingContext) -> pl.DataFrame:
        """Rates of the keys on ``day`` as the panel rows (lines in force that day, rates known).

        Lines whose base rate names another rate (column 1, or column 2 for column 2 countries: general
        note 3(b)) are in force: they carry their chapter 99 duties and ``base_status`` "by reference",
        as in :func:`panel_on`."""
        in_force = self.lines.is_in(ctx.schedule.on(day)["hts10"].implode()).to_numpy()
        keep = np.repeat(in_force, self.n_ctry) & ~np.isnan(rates["total_rate"].to_numpy()[self.grid])
        status = pl.when(pl.col("by_reference")).then(pl.lit(BY_REFERENCE)).otherwise(pl.lit("rate"))
        return (
            rates[self.grid[keep]]
            .with_columns(
                self.hts.filter(keep),
                self.origin.filter(keep),
                pl.lit(day).alias("date"),
                status.cast(BASE_STATUS_T).alias("base_status"),
            )
            .select(PANEL_COLUMNS)
        )


def revision_panel(
    day: dt.date,
    as_of: dt.date | None = None,
    *,
    context: PricingContext | None = None,
    part: tuple[int, int] | None = None,
) -> pl.DataFrame:
    """The rows :func:`write_panel_all_revisions` writes for ``day``, computed on their own
    (``part=(k, n)``: the k-th of n contiguous slices of the lines), for an executor's task."""
    from tariffscope.resolver.series import RateSeries

    ctx = context or context_for(None)
    grid = _RevisionGrid.build(ctx, as_of, part)
    series = RateSeries(
        ctx.catalogue, as_of, schedule=ctx.schedule, metal_shares=ctx.metal_shares, by_reference=True
    )
    _, rates = next(iter(series.run(grid.keys, [day])))
    return grid.expand(day, rates, ctx)
