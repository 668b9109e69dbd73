"""Estimated metal content of each HTS10 line, for Section 232 duties charged on content.

Steel, aluminium and copper shares of value per line, estimated from BEA input-output tables by the
Budget Lab at Yale's tracker (built into ``data/metal_shares.parquet`` by ``scripts/build_adjustments.py``).
An entry line's declared share always wins. A line absent from the table (a statistical suffix created
after the estimates, e.g. the 2026 splits of 3004.90.92) takes the mean of its nearest parent in the
table (HTS8, then HTS6, HTS4, chapter): a missing share never defaults to the full value, which would
charge a 50% content duty on the whole price of a medicine (issue 11; note 19(k) charges content only).
"""

from __future__ import annotations

import functools

import polars as pl

from tariffscope.paths import PACKAGE_DATA
from tariffscope.resolver.ids import dense_ids

SHARE_COLUMNS = ("steel_share", "aluminum_share", "copper_share")
PARENT_LEVELS = (8, 6, 4, 2)


@functools.cache
def metal_shares() -> pl.DataFrame:
    """``hts10, steel_share, aluminum_share, copper_share`` (decimals of customs value)."""
    return pl.read_parquet(PACKAGE_DATA / "metal_shares.parquet").with_columns(
        pl.col(c).cast(pl.Float64) for c in SHARE_COLUMNS
    )


_PARENTS: dict[tuple[int, int], tuple[pl.DataFrame, pl.DataFrame]] = {}


def _parent_means(est: pl.DataFrame, n: int) -> pl.DataFrame:
    """Mean shares per ``n``-digit parent of ``est``, computed once per table object in this process."""
    hit = _PARENTS.get((id(est), n))
    if hit is None or hit[0] is not est:
        means = est.group_by(pl.col("hts10").str.slice(0, n).alias("parent")).agg(
            pl.col(c).mean() for c in SHARE_COLUMNS
        )
        hit = (est, means)
        _PARENTS[(id(est), n)] = hit
    return hit[1]


def share_estimates(codes: pl.Series, shares: pl.DataFrame | None = None) -> pl.DataFrame:
    """Estimated shares for the distinct ``codes`` (HTS10): the line's own, else its nearest parent's mean.

    ``shares`` is the estimates table (a pricing context's; the shipped one by default). Columns
    ``hts10``, the share columns and ``share_source`` (``hts10`` or ``hts8`` ... ``hts2``; null when
    even the chapter is unknown).
    """
    est = metal_shares() if shares is None else shares
    uniq = pl.DataFrame({"hts10": codes.cast(pl.String).unique().drop_nulls()})
    out = uniq.join(est, on="hts10", how="inner").with_columns(pl.lit("hts10").alias("share_source"))
    rest = uniq.join(est, on="hts10", how="anti")
    for n in PARENT_LEVELS:
        if rest.height == 0:
            break
        found = rest.with_columns(pl.col("hts10").str.slice(0, n).alias("parent")).join(
            _parent_means(est, n), on="parent", how="inner"
        )
        out = pl.concat(
            [out, found.drop("parent").with_columns(pl.lit(f"hts{n}").alias("share_source"))],
            how="diagonal",
        )
        rest = rest.join(found.select("hts10"), on="hts10", how="anti")
    return pl.concat([out, rest.with_columns(pl.lit(None, pl.String).alias("share_source"))], how="diagonal")


def with_default_shares(df: pl.DataFrame, shares: pl.DataFrame | None = None) -> pl.DataFrame:
    """Fill undeclared shares of ``df`` (by ``hts10``) with the estimates (``shares``, default the shipped).

    Each distinct code is estimated once; its rows then read the estimate (no join of the whole table).
    """
    ids, first = dense_ids(df["hts10"])
    distinct = df["hts10"].gather(first).to_frame("hts10")
    est = share_estimates(distinct["hts10"], shares).drop("share_source")
    per_code = distinct.join(est, on="hts10", how="left", maintain_order="left")
    filled = per_code.select(SHARE_COLUMNS)[ids]
    return df.with_columns(
        (pl.coalesce(c, filled[c]) if c in df.columns else filled[c]).alias(c) for c in SHARE_COLUMNS
    )
