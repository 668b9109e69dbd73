"""The executor seam: price a partition of entry lines given a :class:`PricingContext`.

``rate --batch`` writes, for each input row, the input's columns then the rates, duty and status
(:func:`batch_columns`). :func:`price_rows` computes exactly that table for any slice of the input,
so the embedded executor (one call, the engine on threads) and a distributed one (one call per
partition, one thread each) produce the same rows. Bad rows are reported by their 0-based number in
the slice; the executor adds the slice's offset.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from tariffscope.resolver.api import Resolution
    from tariffscope.resolver.context import PricingContext


def batch_columns() -> list[str]:
    """The result columns of a batch, after the input's own: total, one per authority, duty, the landed
    cost columns (when the input asks for them), the base rate's status and the line's status.

    The one list of them: :func:`tariffscope.api.batch_columns` and every executor answer with it.
    """
    from tariffscope.resolver.engine import RATE_COLUMNS
    from tariffscope.resolver.landed import LANDED_COLUMNS

    return ["total_rate", *RATE_COLUMNS, "duty_usd", *LANDED_COLUMNS, "base_status", "status"]


@dataclass
class PricedRows:
    """A priced slice: the table to write, and the failed rows (``row``: 0-based in the slice; ``status``)."""

    table: pl.DataFrame
    failed: pl.DataFrame


def batch_table(rows: pl.DataFrame, res: Resolution) -> pl.DataFrame:
    """The output of ``rate --batch``: the input's columns as resolved, then :func:`batch_columns`.

    Codes, origins and dates are written as the input gave them (the trail of what was asked).
    """
    cols = [c for c in rows.columns if c in res.table.columns]
    table = res.table.select(
        [*cols, *[c for c in batch_columns() if c in res.table.columns and c not in cols]]
    )
    keep_raw = [c for c in ("hts10", "origin", "date") if c in rows.columns and c in table.columns]
    return table.with_columns(rows[c].alias(c) for c in keep_raw) if keep_raw else table


def price_rows(
    rows: pl.DataFrame,
    context: PricingContext | None = None,
    *,
    as_of: dt.date | None = None,
    workers: int | None = None,
) -> PricedRows:
    """Price a slice of raw entry lines (as read: text columns from CSV, or typed from Parquet).

    Raises ``ValueError`` when a required column is missing (the whole input is unusable).
    """
    from tariffscope.resolver.api import resolve_frame

    # one chunk per column: Polars can panic on some string kernels over multi-chunk slices
    # (Arrow batches from Spark, Parquet row groups), and a copy is cheap next to pricing
    rows = rows.rechunk()
    slices = _slices(rows.height, workers)
    if slices > 1:
        return _price_slices(rows, context, as_of, slices)
    res = resolve_frame(
        rows, as_of=as_of, context=context, workers=workers, columns=[*rows.columns, *batch_columns()]
    )
    return PricedRows(batch_table(rows, res), res.failed.select("row", "status"))


SLICE_FROM = 200_000
"""Batches at least this large are priced in contiguous slices, one thread per core (up to 4)."""


def _slices(n: int, workers: int | None) -> int:
    import os

    cores = min(os.cpu_count() or 1, 4) if workers is None else workers
    return cores if n >= SLICE_FROM and cores > 1 else 1


def _price_slices(
    rows: pl.DataFrame, context: PricingContext | None, as_of: dt.date | None, n: int
) -> PricedRows:
    """Price contiguous slices on parallel threads, each as one executor task (one engine thread),
    and put them back in order: the same rows as one pass, since a slice is priced on its own."""
    import itertools
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    from tariffscope.resolver.context import context_for

    ctx = context or context_for(None)
    bounds = [int(b) for b in np.linspace(0, rows.height, n + 1)]
    spans = list(itertools.pairwise(bounds))
    with ThreadPoolExecutor(max_workers=n) as pool:
        parts = list(
            pool.map(
                lambda ab: price_rows(rows.slice(ab[0], ab[1] - ab[0]), ctx, as_of=as_of, workers=1), spans
            )
        )
    return PricedRows(
        pl.concat([p.table for p in parts], how="diagonal_relaxed"),
        pl.concat([p.failed.with_columns(pl.col("row") + a) for p, (a, _) in zip(parts, spans, strict=True)]),
    )
