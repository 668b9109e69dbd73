"""Every partner's effective rate and duty on one date, sorted: who fares better or worse than whom."""

from __future__ import annotations

import datetime as dt

import polars as pl

from tariffscope.analytics.common import HOURS_PER_YEAR, weights_or_default
from tariffscope.analytics.etr import DEFAULT_VIEW, View, etr_series
from tariffscope.catalogue.loader import Catalogue

RANK_COLUMNS = [
    "rank",
    "partner",
    "name",
    "imports_usd",
    "etr",
    "etr_band_lo",
    "etr_band_hi",
    "etr_additional",
    "duty_usd_per_year",
    "duty_usd_per_hour",
    "vs_reference_pp",
    "weights_grain",
    "usmca_claims",
]


def rank(
    date: dt.date,
    *,
    weights: pl.DataFrame | None = None,
    view: View = DEFAULT_VIEW,
    as_of: dt.date | None = None,
    min_imports_usd: float = 0.0,
    reference: str | None = "JP",
    catalogue: Catalogue | None = None,
) -> pl.DataFrame:
    """Partners sorted by ETR (lowest first), with ``rank`` (1 = lowest ETR) among partners with at
    least ``min_imports_usd`` of imports, and ``vs_reference_pp``: the ETR gap to ``reference`` in
    percentage points (negative = fares better). The ``ALL`` row (all partners) is kept unranked."""
    w = weights_or_default(weights)
    s = etr_series(w, date, date, view=view, as_of=as_of, daily=False, catalogue=catalogue)
    grains = (
        w.group_by("partner", pl.col("grain").cast(pl.String))
        .agg(pl.col("imports_usd").sum())
        .sort("imports_usd", descending=True)
        .group_by("partner", maintain_order=True)
        .agg(pl.col("grain").first().alias("weights_grain"))
        if "grain" in w.columns
        else pl.DataFrame(
            {"partner": [], "weights_grain": []}, schema={"partner": pl.String, "weights_grain": pl.String}
        )
    )
    from tariffscope.countries import countries_frame

    names = countries_frame().select(pl.col("iso2").alias("partner"), "name")
    df = (
        s.drop("weights_grain")
        .join(grains, on="partner", how="left")
        .join(names, on="partner", how="left")
        .with_columns(
            (pl.col("duty_usd_per_year") / HOURS_PER_YEAR).alias("duty_usd_per_hour"),
            pl.when(pl.col("partner") == "ALL")
            .then(pl.lit("all partners"))
            .otherwise(pl.col("name"))
            .alias("name"),
        )
    )
    ranked = df.filter((pl.col("partner") != "ALL") & (pl.col("imports_usd") >= min_imports_usd)).sort(
        ["etr", "partner"]
    )
    ranked = ranked.with_columns(pl.int_range(1, ranked.height + 1, dtype=pl.Int32).alias("rank"))
    total = df.filter(pl.col("partner") == "ALL").with_columns(pl.lit(None, dtype=pl.Int32).alias("rank"))
    out = pl.concat([ranked, total], how="diagonal_relaxed")
    ref_etr = (
        out.filter(pl.col("partner") == reference)["etr"] if reference else pl.Series([], dtype=pl.Float64)
    )
    out = out.with_columns(
        ((pl.col("etr") - float(ref_etr[0])) * 100).alias("vs_reference_pp")
        if ref_etr.len()
        else pl.lit(None, dtype=pl.Float64).alias("vs_reference_pp")
    )
    return out.select(RANK_COLUMNS)
