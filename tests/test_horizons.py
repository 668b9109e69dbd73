"""Elasticities by horizon: the shipped defaults, the band, interpolation in years, and bad input."""

from __future__ import annotations

import math

import polars as pl
import pytest

from tariffscope.errors import DataError
from tariffscope.models.pe.elasticities import elasticities_for
from tariffscope.models.pe.horizons import elasticity_set, horizon_table, merge_overrides, parse_horizon

CAR, TOY = "8703230140", "9503000073"


def _el(horizon: str | float, band: str = "central") -> dict[str, dict[str, float]]:
    es = elasticity_set(horizon, band)  # type: ignore[arg-type]
    df = elasticities_for(
        [CAR, TOY],
        es.overrides or None,
        sigma_from=es.sigma_from,
        sigma_cap=es.sigma_cap,
        sigma_scale=es.sigma_scale,
        sigma_floor=es.sigma_floor,
    )
    return {r["hts10"]: r for r in df.to_dicts()}


def test_every_default_cites_a_source_and_keeps_sources_substitutes() -> None:
    t = horizon_table()
    assert t["source"].str.len_chars().min() > 10  # type: ignore[operator]
    mag = t.with_columns(pl.col("low", "central", "high").abs())  # eta is negative: compare magnitudes
    assert ((mag["low"] <= mag["central"]) & (mag["central"] <= mag["high"])).all()
    for h in ("short", "long", "cge"):
        for band in ("low", "central", "high"):
            for code, r in _el(h, band).items():
                assert r["sigma"] >= abs(r["import_demand_elasticity"]), (h, band, code)


def test_short_run_values_and_the_car_calibration() -> None:
    e = _el("short")
    assert e[TOY]["sigma"] == pytest.approx(0.76) and math.isinf(e[TOY]["export_supply_elasticity"])
    assert e[CAR]["export_supply_elasticity"] == pytest.approx(0.23)
    assert e[CAR]["import_demand_elasticity"] == pytest.approx(-0.83)
    assert e[CAR]["sigma_source"] == "override:8703"


def test_years_interpolate_between_short_and_long() -> None:
    one, ten, mid = _el(1.0), _el(10.0), _el(5.5)
    assert one[TOY]["sigma"] == pytest.approx(0.76) and ten[TOY]["sigma"] == pytest.approx(2.0)
    assert mid[TOY]["sigma"] == pytest.approx((0.76 + 2.0) / 2)
    # export supply blends as 1/eps: 0.23 at one year, 2 at ten years
    assert 1 / mid[CAR]["export_supply_elasticity"] == pytest.approx((1 / 0.23 + 1 / 2.0) / 2)
    assert parse_horizon("3") == 3.0 and parse_horizon("long") == "long"


def test_cge_caps_floors_and_scales_the_table() -> None:
    lo, c, hi = _el("cge", "low"), _el("cge"), _el("cge", "high")
    assert 2.5 <= c[TOY]["sigma"] <= 8.0
    assert lo[TOY]["sigma"] == pytest.approx(0.75 * c[TOY]["sigma"])
    assert hi[TOY]["sigma"] == pytest.approx(1.25 * c[TOY]["sigma"])
    assert c[CAR]["sigma"] == pytest.approx(5.6)  # GTAP motor vehicles


def test_user_overrides_win_and_bad_horizons_fail() -> None:
    merged = merge_overrides(elasticity_set("short").overrides, [{"prefix": "87.03", "sigma": 3.0}])
    car = next(d for d in merged if d["prefix"] == "8703")
    assert car["sigma"] == 3.0 and car["export_supply_elasticity"] == pytest.approx(0.23)
    for bad in ("medium", "0.5", "nan"):
        with pytest.raises(DataError, match="horizon"):
            parse_horizon(bad)
    with pytest.raises(DataError, match="band"):
        elasticity_set("short", "middle")  # type: ignore[arg-type]
