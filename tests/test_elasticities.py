"""The packaged elasticity table, its build, and per-HTS10 lookups with overrides."""

from __future__ import annotations

import json

import polars as pl
import pytest

from tariffscope.errors import DataError
from tariffscope.models.pe.elasticities import TABLE, elasticities_for, load_table
from tariffscope.paths import shared_data


def test_table_schema_and_ranges() -> None:
    t = load_table()
    assert t["hs6"].is_unique().all() and t["hs6"].str.contains(r"^\d{6}$").all()
    assert t["sigma"].min() > 1.0 and t["sigma"].max() <= 20.0  # type: ignore[operator]
    assert (t["import_demand_elasticity"] < 0).all()
    assert (t["trade_elasticity"] < 0).all()
    prov = json.loads(TABLE.with_name("elasticities.provenance.json").read_text())
    assert set(prov["sources"]) >= {"ProTEE_0_1.csv", "BrodaWeinstein2006_US_HTS_sigma_1990_2001.csv"}
    assert "/work" not in json.dumps(prov) and "/tmp" not in json.dumps(prov)


@pytest.mark.shared
def test_table_matches_sources_where_codes_match() -> None:
    """Spot checks against the raw files: ProTEE HS6 value kept as published; B-W HS6 median."""
    d = shared_data() / "elasticities"
    pt = pl.read_csv(d / "ProTEE_0_1.csv", schema_overrides={"HS6": pl.Utf8})
    bw = pl.read_csv(d / "BrodaWeinstein2006_US_HTS_sigma_1990_2001.csv", schema_overrides={"HTS": pl.Utf8})
    t = load_table()
    row = t.filter(pl.col("hs6") == "870323")
    raw = pt.filter(pl.col("HS6") == "870323")
    assert raw["zero"][0] == 0 and raw["positive"][0] == 0
    assert row["trade_elasticity"][0] == pytest.approx(raw["sigma"][0])
    assert row["trade_elasticity_source"][0] == "protee_hs6"
    med = bw.filter(pl.col("HTS").str.zfill(10).str.starts_with("100630"))["sigma_1990_2001"].median()
    r = t.filter(pl.col("hs6") == "100630")
    assert r["sigma"][0] == pytest.approx(med) and r["sigma_source"][0] == "broda_weinstein_hs6_median"
    # insignificant ProTEE rows are not used at HS6
    insig = set(pt.filter(pl.col("zero") == 1)["HS6"])
    used6 = set(t.filter(pl.col("trade_elasticity_source") == "protee_hs6")["hs6"])
    assert not insig & used6


def test_lookup_fallbacks_and_order() -> None:
    codes = ["1006300000", "8703.23.01.90", "9999950000", "0101210010"]
    e = elasticities_for(codes)
    assert e["hts10"].to_list() == ["1006300000", "8703230190", "9999950000", "0101210010"]
    assert e["sigma_source"][2] == "broda_weinstein_global_median"
    assert e["sigma_source"][3].endswith("+capped")
    assert (e["eta_source"] == "default_gsim_calibration").all()
    unknown = elasticities_for(["0199990000"])  # HS6 absent: table HS2 median
    assert unknown["sigma_source"][0] in {"table_hs4_median", "table_hs2_median"}


def test_overrides_longest_prefix_wins_per_column() -> None:
    e = elasticities_for(
        ["8703230190", "8703800000", "8704100000"],
        overrides=[
            {"prefix": "87", "export_supply_elasticity": 3.0},
            {"prefix": "8703", "sigma": 5.0},
            {"prefix": "870323", "sigma": 6.0, "import_demand_elasticity": -2.0},
        ],
    )
    assert e["sigma"].to_list()[:2] == [6.0, 5.0]
    assert e["sigma_source"].to_list()[:2] == ["override:870323", "override:8703"]
    assert e["import_demand_elasticity"][1] == -1.25
    assert (e["export_supply_elasticity"] == 3.0).all() and e["eps_source"][2] == "override:87"
    assert e["sigma_source"][2] != "override:8703"


def test_sigma_from_protee_and_errors() -> None:
    e = elasticities_for(["8703230190"], sigma_from="protee")
    assert e["sigma"][0] > 1 and e["sigma_source"][0] == "protee_hs6"
    with pytest.raises(DataError, match="row 0"):
        elasticities_for(["87AB"])
    with pytest.raises(DataError, match="unknown columns"):
        elasticities_for(["8703230190"], overrides=[{"prefix": "87", "sigmaa": 2.0}])
