"""The import weights an ETR rests on, at a chosen level, with their grain and spread band.

Rows ``partner, code, name, imports_usd, share, imports_lo_usd, imports_hi_usd, grain, data_year``:
``share`` is the code's share of the partner's imports; ``imports_lo/hi_usd`` the range of the
value over the weights' alternative spread shapes (equal to ``imports_usd`` for exact data);
``grain`` the grain(s) the row rests on by value (see :mod:`tariffscope.trade.weights`).
"""

from __future__ import annotations

from typing import Literal

import polars as pl

from tariffscope.trade.weights import ALT_COLUMNS

Level = Literal["hts10", "hs6", "hs4", "hs2", "sector"]
LEVELS: tuple[Level, ...] = ("hts10", "hs6", "hs4", "hs2", "sector")
_DIGITS = {"hts10": 10, "hs6": 6, "hs4": 4, "hs2": 2}


def _code_expr(level: Level) -> pl.Expr:
    if level == "sector":
        return pl.col("gtap").fill_null("n/a")
    n = _DIGITS[level]
    c = pl.col("hts10").str.slice(0, n)
    if n <= 4:
        return c
    parts = [c.str.slice(0, 4)] + [c.str.slice(i, 2) for i in range(4, n, 2)]
    return pl.concat_str(parts, separator=".")  # 8703.23.01.90, as people write HTS


def weights_table(weights: pl.DataFrame, partner: str = "ALL", level: Level = "hs4") -> pl.DataFrame:
    """Weights of ``partner`` (``ALL``: all partners summed) at ``level``, largest first."""
    if level not in LEVELS:
        raise ValueError(f"level {level!r}: use one of {', '.join(LEVELS)}")
    w = weights if partner == "ALL" else weights.filter(pl.col("partner") == partner)
    if w.height == 0:
        raise ValueError(f"no import weights for partner {partner}")
    alts = [c for c in ALT_COLUMNS if c in w.columns]
    w = w.with_columns(_code_expr(level).alias("code"), pl.col("grain").cast(pl.String))
    by_grain = (
        w.group_by("code", "grain")
        .agg(pl.col("imports_usd").sum())
        .sort("imports_usd", descending=True)
        .group_by("code", maintain_order=True)
        .agg(pl.col("grain"), pl.col("imports_usd").alias("_v"))
        .select(
            "code",
            pl.when(pl.col("grain").list.len() == 1)
            .then(pl.col("grain").list.first())
            .otherwise(pl.col("grain").list.join("+"))
            .alias("grain"),
        )
    )
    agg = w.group_by("code").agg(
        pl.col("imports_usd").sum(),
        *[pl.col(c).sum() for c in alts],
        pl.col("data_year").min().alias("y0") if "data_year" in w.columns else pl.lit(None).alias("y0"),
        pl.col("data_year").max().alias("y1") if "data_year" in w.columns else pl.lit(None).alias("y1"),
    )
    vals = [pl.col("imports_usd"), *[pl.col(c) for c in alts]]
    tot = float(w["imports_usd"].sum()) or 1.0
    out = agg.join(by_grain, on="code", how="left").with_columns(
        pl.lit(partner).alias("partner"),
        (pl.col("imports_usd") / tot).alias("share"),
        pl.min_horizontal(vals).alias("imports_lo_usd"),
        pl.max_horizontal(vals).alias("imports_hi_usd"),
        pl.when(pl.col("y0") == pl.col("y1"))
        .then(pl.col("y0").cast(pl.String))
        .otherwise(pl.format("{}-{}", pl.col("y0"), pl.col("y1")))
        .alias("data_year"),
    )
    if level == "sector":
        from tariffscope.trade.weights import gtap_names

        names = gtap_names()
        out = out.with_columns(pl.col("code").replace_strict(names, default="").alias("name"))
    else:
        out = out.with_columns(pl.lit("").alias("name"))
    return out.select(
        "partner",
        "code",
        "name",
        "imports_usd",
        "share",
        "imports_lo_usd",
        "imports_hi_usd",
        "grain",
        "data_year",
    ).sort("imports_usd", "code", descending=[True, False])
