"""Metal content shares: a line missing from the estimates never defaults to the full value (issue 11)."""

from __future__ import annotations

import polars as pl
import pytest

from tariffscope.resolver.shares import metal_shares, share_estimates, with_default_shares


def test_missing_line_takes_its_parents_mean_not_the_full_value() -> None:
    est = metal_shares()
    assert "3004909259" not in set(est["hts10"])  # a 2025 statistical line absent from the BEA table
    got = share_estimates(pl.Series(["3004909259"])).row(0, named=True)
    parent = est.filter(pl.col("hts10").str.starts_with("30049092"))
    assert got["share_source"] == "hts8"
    assert got["steel_share"] == pytest.approx(parent["steel_share"].mean())
    assert got["steel_share"] < 0.01


def test_declared_share_wins_and_every_scheduled_line_has_an_estimate() -> None:
    df = pl.DataFrame({"hts10": ["3004909259", "7302300000"], "steel_share": [0.4, None]})
    out = with_default_shares(df)
    assert out["steel_share"].to_list()[0] == 0.4
    assert 0 < out["steel_share"].to_list()[1] <= 1
    from tariffscope.paths import PACKAGE_DATA

    codes = pl.read_parquet(PACKAGE_DATA / "schedule.parquet", columns=["hts10"])["hts10"]
    assert share_estimates(codes)["share_source"].null_count() == 0


def test_unmapped_source_rows_are_unknown_not_zero() -> None:
    """The source gives 'other' statistical lines with no BEA commodity (bea_detail_code NA, NAICS 930000)
    shares of 0: unknown, not metal-free. Track-laying bulldozers (8429.11.00.90, on the steel derivative
    list 9903.81.91 from 2025-08-18) take their HTS8 parent's estimate, so the content duty is not 0."""
    est = metal_shares()
    assert "8429110090" not in set(est["hts10"])
    got = share_estimates(pl.Series(["8429110090"])).row(0, named=True)
    assert got["share_source"] == "hts8"
    sibling = est.filter(pl.col("hts10") == "8429110010")["steel_share"][0]
    assert got["steel_share"] == pytest.approx(sibling) and got["steel_share"] > 0.1
