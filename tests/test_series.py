"""Incremental rates through time equal a full resolution on every change point."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from tariffscope.analytics.etr import regime_breaks
from tariffscope.catalogue.loader import default_catalogue
from tariffscope.resolver.api import resolve_frame
from tariffscope.resolver.series import RateSeries
from tariffscope.trade.weights import load_weights


def test_incremental_series_equals_full_resolution() -> None:
    keys = (
        load_weights()
        .select("hts10", pl.col("partner").alias("origin"))
        .unique()
        .sample(3000, seed=3)
        .vstack(
            pl.DataFrame({"hts10": ["8703230160", "6912004810", "7208510030"], "origin": ["JP", "JP", "CN"]})
        )
    )
    breaks = regime_breaks(dt.date(2025, 1, 1), dt.date(2026, 12, 31))
    series = list(RateSeries(default_catalogue()).run(keys, breaks))
    assert [d for d, _ in series] == breaks
    for day, rates in series[::4]:
        full = resolve_frame(keys.with_columns(pl.lit(day).alias("date"))).table
        # the series has a number only where column 1 has one (by-reference lines: NaN, like bad rows)
        ok = ((full["status"] == "ok") & (full["base_status"] == "rate")).to_numpy()
        assert np.allclose(rates["total_rate"].to_numpy()[ok], full["total_rate"].to_numpy()[ok])
        assert np.isnan(rates["total_rate"].to_numpy()[~ok]).all()
    car = {d: r["total_rate"][keys.height - 3] for d, r in series}
    assert car[dt.date(2025, 4, 3)] == 0.275 and car[dt.date(2025, 9, 16)] == 0.15
