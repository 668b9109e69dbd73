"""Estimated metal content of each HTS10 line, for Section 232 duties charged on content.

Steel, aluminium and copper shares of value per line, estimated from BEA input-output tables by the
Budget Lab at Yale's tracker (built into ``data/metal_shares.parquet`` by ``scripts/build_adjustments.py``).
An entry line's declared share always wins; lines absent from the table default to the full value.
"""

from __future__ import annotations

import functools

import polars as pl

from tariffscope.paths import PACKAGE_DATA

SHARE_COLUMNS = ("steel_share", "aluminum_share", "copper_share")


@functools.cache
def metal_shares() -> pl.DataFrame:
    """``hts10, steel_share, aluminum_share, copper_share`` (decimals of customs value)."""
    return pl.read_parquet(PACKAGE_DATA / "metal_shares.parquet").with_columns(
        pl.col(c).cast(pl.Float64) for c in SHARE_COLUMNS
    )


def with_default_shares(df: pl.DataFrame, shares: pl.DataFrame | None = None) -> pl.DataFrame:
    """Fill undeclared shares of ``df`` (by ``hts10``) with the estimates (``shares``, default the shipped)."""
    est = (metal_shares() if shares is None else shares).rename({c: f"{c}_est" for c in SHARE_COLUMNS})
    df = df.join(est, on="hts10", how="left")
    return df.with_columns(
        [
            (pl.coalesce(c, f"{c}_est") if c in df.columns else pl.col(f"{c}_est")).alias(c)
            for c in SHARE_COLUMNS
        ]
    ).drop([f"{c}_est" for c in SHARE_COLUMNS])
