"""What the spread import weights cost: ETRs from exact HTS10 weights against spread ones.

Most partners' weights are their GTAP-sector totals spread over the sector's HTS10 lines in
proportion to a pooled "shape" (the exact HTS10 value of Canada, Mexico and the African partners;
see :mod:`tariffscope.trade.weights`). For a partner with exact data the approximation can be
measured: spread its own sector totals and compare the ETRs. Three spreads are compared with the
exact weights:

- ``shipped``: the shipped 2024 GTAP rows of the partner (other year and sector totals too);
- ``in_sample``: the partner's exact sector totals spread by the pooled shape (which contains the
  partner's own lines: flatters the approximation);
- ``leave_one_out``: the same with the partner's own value taken out of the shape: what a partner
  without exact data gets, and so the honest estimate of the cost.

Lines outside the GTAP crosswalk (chapters 98-99) keep their exact value in every spread.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from tariffscope.analytics.etr import View, etr_series
from tariffscope.paths import PACKAGE_DATA

SPREADS = ("shipped", "in_sample", "leave_one_out")


def _shape() -> pl.DataFrame:
    return pl.read_parquet(PACKAGE_DATA / "weights_hts10_shape.parquet").select("hts10", "gtap", "shape_usd")


def respread(exact: pl.DataFrame, shape: pl.DataFrame) -> pl.DataFrame:
    """Spread each partner's exact value per GTAP sector over the sector's lines by ``shape_usd``
    (equal shares where the sector's shape is all zero). Conserves every partner x sector total."""
    ex = exact.join(shape.select("hts10", "gtap"), on="hts10", how="left")
    unmapped = ex.filter(pl.col("gtap").is_null()).select("hts10", "partner", "imports_usd")
    totals = (
        ex.filter(pl.col("gtap").is_not_null()).group_by("partner", "gtap").agg(pl.col("imports_usd").sum())
    )
    sh = shape.with_columns(
        pl.col("shape_usd").clip(lower_bound=0.0).sum().over("gtap").alias("_tot"),
        pl.len().over("gtap").alias("_n"),
    ).with_columns(
        pl.when(pl.col("_tot") > 0)
        .then(pl.col("shape_usd").clip(lower_bound=0.0) / pl.col("_tot"))
        .otherwise(1.0 / pl.col("_n"))
        .alias("_share")
    )
    spread = totals.join(sh.select("hts10", "gtap", "_share"), on="gtap", how="inner").select(
        "hts10", "partner", (pl.col("imports_usd") * pl.col("_share")).alias("imports_usd")
    )
    return pl.concat([spread.filter(pl.col("imports_usd") > 0), unmapped], how="vertical_relaxed")


def spread_variants(partner: str, weights: pl.DataFrame | None = None) -> dict[str, pl.DataFrame]:
    """The exact weights of ``partner`` and its three spreads (columns ``hts10, partner, imports_usd``
    [, ``usmca_share``] and ``grain``)."""
    from tariffscope.trade.weights import gtap_spread, load_weights

    w = weights if weights is not None else load_weights()
    exact = w.filter((pl.col("partner") == partner) & (pl.col("grain").cast(pl.String) == "hts10_exact"))
    if exact.height == 0:
        raise ValueError(f"{partner}: no exact HTS10 weights to compare with")
    shape = _shape()
    own = exact.group_by("hts10").agg(pl.col("imports_usd").sum().alias("_own"))
    loo = shape.join(own, on="hts10", how="left").with_columns(
        (pl.col("shape_usd") - pl.col("_own").fill_null(0.0)).clip(lower_bound=0.0).alias("shape_usd")
    )
    cols = ["hts10", "partner", "imports_usd"]
    out = {
        "exact": exact.select([*cols, "usmca_share"]),
        "shipped": gtap_spread().filter(pl.col("partner") == partner).select(cols),
        "in_sample": respread(exact.select(cols), shape),
        "leave_one_out": respread(exact.select(cols), loo.drop("_own")),
    }
    return {k: v.with_columns(pl.lit(k).alias("grain")) for k, v in out.items()}


def spread_gap(
    partners: Sequence[str] = ("CA", "MX"),
    dates: Sequence[dt.date] = (
        dt.date(2025, 3, 15),
        dt.date(2025, 6, 15),
        dt.date(2025, 10, 15),
        dt.date(2026, 3, 15),
        dt.date(2026, 6, 30),
    ),
    views: Sequence[View] = ("statutory", "adjusted"),
    weights: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """ETR per partner, date and view from the exact weights and each spread, with the gaps in pp.

    Columns ``partner, date, view, etr_exact, etr_<spread>, gap_<spread>_pp`` and the imports of
    each weight table."""
    rows = []
    for p in partners:
        var = spread_variants(p, weights)
        for view in views:
            for d in dates:
                rec: dict[str, object] = {"partner": p, "date": d, "view": view}
                for name, w in var.items():
                    s = etr_series(w, d, d, partners=[p], view=view, daily=False)
                    r = s.filter(pl.col("partner") == p).row(0, named=True)
                    rec[f"etr_{name}"] = r["etr"]
                    rec[f"imports_{name}_usd"] = r["imports_usd"]
                for name in SPREADS:
                    rec[f"gap_{name}_pp"] = 100 * (float(rec[f"etr_{name}"]) - float(rec["etr_exact"]))  # type: ignore[arg-type]
                rows.append(rec)
    return pl.DataFrame(rows)
