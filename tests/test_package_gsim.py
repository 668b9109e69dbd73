"""A package in one world market (GSIM): the flow table, third markets, cross-checks and the package JSON."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from tariffscope.errors import DataError
from tariffscope.models.pe.elasticities import elasticities_for
from tariffscope.models.pe.gsim import solve_gsim_exact, solve_gsim_linear
from tariffscope.scenarios.package import evaluate_package
from tariffscope.scenarios.package_gsim import (
    HOURS_PER_YEAR,
    evaluate_package_gsim,
    package_flows,
    third_market_shares,
)
from test_package import WEIGHTS
from test_scenario_evaluate import engine_rates

CAR = "8703230190"


def _us_lines(t1_jp: float, t0: float = 0.10) -> pl.DataFrame:
    """US imports of one car line: JP's rate moves from t0 to t1_jp; KR's and DE's stay."""
    return pl.DataFrame(
        {
            "hts10": [CAR, CAR, CAR, "9503000073"],
            "partner": ["JP", "KR", "DE", "CN"],
            "imports_usd": [40e9, 30e9, 20e9, 5e9],
            "t0": [t0, t0, t0, 0.0],
            "t1": [t1_jp, t0, t0, 0.0],
        }
    )


def _partner_lines(t1_us: float = 0.0, ave1: float = 0.0) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "product": ["870323", "870323"],
            "source": ["US", "DE"],
            "imports_usd": [1e9, 3e9],
            "t0": [0.0, 0.0],
            "t1": [t1_us, 0.0],
            "ave0": [0.10, 0.0],
            "ave1": [ave1 if ave1 else 0.10, 0.0],
        }
    )


SHARES = {"US": 0.9, "JP": 0.8, "ROW": 0.75}


def test_flow_table_regions_third_markets_and_changed_products_only() -> None:
    f = package_flows(_us_lines(0.25), _partner_lines(), "JP", SHARES)
    assert set(f["product"]) == {"870323"}  # toys: no rate moves on either side
    rows = {(r["exporter"], r["importer"]): r for r in f.iter_rows(named=True)}
    assert rows[("JP", "US")]["flow_usd"] == 40e9
    assert rows[("ROW", "US")]["flow_usd"] == 50e9  # KR + DE as one source
    assert rows[("ROW", "US")]["t1"] == pytest.approx(0.10)
    assert rows[("US", "JP")]["ave0"] == pytest.approx(0.10)
    # third markets absorb known sales x s/(1-s)
    assert rows[("JP", "ROW")]["flow_usd"] == pytest.approx(40e9 * 0.8 / 0.2)
    assert rows[("US", "ROW")]["flow_usd"] == pytest.approx(1e9 * 0.9 / 0.1)
    assert rows[("ROW", "ROW")]["flow_usd"] == pytest.approx((50e9 + 3e9) * 0.75 / 0.25)


def test_us_tariff_on_partner_diverts_its_sales_to_third_markets() -> None:
    """A higher US tariff on Japan: Japan's world price falls, its US sales fall, its third-market sales rise,
    and the other sources sell more in the US; every part adds up to the region's welfare."""
    g = evaluate_package_gsim(_us_lines(0.25), None, "JP", third_market_share=SHARES)
    reg = {r["region"]: r for r in g.regions.iter_rows(named=True)}
    p = g.partner_summary()
    assert p["world_price_change"] < 0
    assert p["exports_to_us_change_usd"] < 0 < p["exports_to_third_markets_change_usd"]
    routes = {(r["exporter"], r["importer"]): r["change_usd"] for r in g.routes.iter_rows(named=True)}
    assert routes[("ROW", "US")] > 0 and routes[("ROW", "ROW")] < 0  # rivals gain in the US, lose at home
    assert reg["US"]["composite_price_change"] > 0 and reg["US"]["consumer_surplus_usd"] < 0
    for r in reg.values():
        assert r["welfare_change_usd"] == pytest.approx(
            r["producer_surplus_usd"] + r["consumer_surplus_usd"] + r["tariff_revenue_change_usd"]
        )
    assert p["producer_surplus_change_usd_per_hour"] * HOURS_PER_YEAR == pytest.approx(
        p["producer_surplus_change_usd"]
    )


def test_matches_the_array_solver_on_the_same_cube() -> None:
    """The view is GSIM on the 3x3 cube it builds: same world prices as solving that cube directly (linear and exact)."""
    g = evaluate_package_gsim(_us_lines(0.25), None, "JP", third_market_share=SHARES, ex=2.0, exact=False)
    ge = evaluate_package_gsim(_us_lines(0.25), None, "JP", third_market_share=SHARES, ex=2.0)
    f = package_flows(_us_lines(0.25), None, "JP", SHARES)
    idx = {"JP": 0, "ROW": 1, "US": 2}
    M, T0, T1 = np.zeros((3, 3)), np.ones((3, 3)), np.ones((3, 3))
    for r in f.iter_rows(named=True):
        i, j = idx[r["exporter"]], idx[r["importer"]]
        M[i, j], T0[i, j], T1[i, j] = r["flow_usd"], 1 + r["t0"], 1 + r["t1"]
    el = elasticities_for([CAR])
    pt = elasticities_for([CAR], sigma_from="protee")
    es = np.array([pt["sigma"][0], pt["sigma"][0], el["sigma"][0]])  # US market: Broda-Weinstein
    d = solve_gsim_linear(M, T0, T1, el["import_demand_elasticity"][0], es, 2.0)
    got = dict(zip(g.regions["region"], g.regions["export_price_change"], strict=True))
    np.testing.assert_allclose([got["JP"], got["ROW"]], d.world_price_change[0, :2], rtol=1e-10)
    de = solve_gsim_exact(M, T0, T1, el["import_demand_elasticity"][0], es, 2.0)
    got = dict(zip(ge.regions["region"], ge.regions["export_price_change"], strict=True))
    np.testing.assert_allclose([got["JP"], got["ROW"]], de.world_price_change[0, :2], rtol=1e-9)


def test_ntm_equivalent_moves_prices_but_raises_no_revenue() -> None:
    """The partner drops a 10% NTM on US cars (tariff unchanged at zero): US exports to it rise, its tariff
    revenue does not move, and the US world price rises."""
    us = _us_lines(0.10)  # no US-side change
    g = evaluate_package_gsim(us, _partner_lines(ave1=1e-12), "JP", third_market_share=SHARES)
    reg = {r["region"]: r for r in g.regions.iter_rows(named=True)}
    assert reg["JP"]["tariff_revenue_change_usd"] == pytest.approx(0.0, abs=1e-3)
    routes = {(r["exporter"], r["importer"]): r["change_usd"] for r in g.routes.iter_rows(named=True)}
    assert routes[("US", "JP")] > 0
    assert reg["US"]["export_price_change"] > 0


def test_nothing_changes_is_a_clear_error_and_shares_are_checked() -> None:
    with pytest.raises(DataError, match="changes no tariff"):
        evaluate_package_gsim(_us_lines(0.10), None, "JP")
    with pytest.raises(DataError, match=r"\[0, 1\)"):
        evaluate_package_gsim(_us_lines(0.25), None, "JP", third_market_share={"JP": 1.0})
    with pytest.raises(DataError, match="not among the regions"):
        evaluate_package_gsim(_us_lines(0.25), None, "JP", third_market_share={"KR": 0.5})


def test_package_yaml_checks_world_market_settings(tmp_path: Path) -> None:
    """A bad share in the package file is refused at load time, naming the file, line and field."""
    from tariffscope.errors import CatalogueError
    from tariffscope.scenarios.overlay import PACKAGES_DIR, parse_package

    text = (PACKAGES_DIR / "japan-2025.yaml").read_text()
    bad = tmp_path / "p.yaml"
    bad.write_text(text + "world_market:\n  third_market_share: {JP: 1.5}\n")
    with pytest.raises(CatalogueError, match=r"p\.yaml:\d+: world_market\.third_market_share"):
        parse_package(bad)


def test_third_market_shares_from_wiod() -> None:
    s = third_market_shares("US", "JP")
    assert set(s) == {"US", "JP", "ROW"}
    assert 0.75 < s["JP"] < 0.95  # most of Japan's exports go to markets other than the US
    assert s["US"] > s["JP"]  # the US sells a smaller share of its exports to Japan
    vn = third_market_shares("US", "VN")  # Viet Nam is inside WIOD's rest of the world
    assert vn["VN"] == vn["ROW"] and vn["US"] == pytest.approx(0.99)


def test_package_json_has_the_world_market() -> None:
    res = evaluate_package("japan-2025", weights=WEIGHTS, rates_fn=engine_rates, export_supply=3.0)
    w = res.to_json()["world_market"]
    assert w["export_supply_elasticity"] == 3.0 and w["products"] >= 1
    assert w["partner"]["region"] == "JP"
    # the deal (lower US tariffs on Japan than the letter): Japan sells more in the US, less elsewhere
    assert w["partner"]["exports_to_us_change_usd"] > 0 > w["partner"]["exports_to_third_markets_change_usd"]
    assert w["partner"]["world_price_change"] > 0
    assert {r["region"] for r in w["regions"]} == {"US", "JP", "ROW"}


def test_the_band_scales_every_elasticity() -> None:
    """Low elasticities: smaller diversion; the range brackets the central solve."""
    kw = {"third_market_share": SHARES, "bands": False}
    lo = evaluate_package_gsim(_us_lines(0.25), None, "JP", band="low", **kw)  # type: ignore[arg-type]
    hi = evaluate_package_gsim(_us_lines(0.25), None, "JP", band="high", **kw)  # type: ignore[arg-type]
    c = evaluate_package_gsim(_us_lines(0.25), None, "JP", third_market_share=SHARES)
    to_us = [g.partner_summary()["exports_to_us_change_usd"] for g in (lo, c, hi)]
    assert to_us[0] > to_us[1] > to_us[2]  # the tariff cuts Japan's US sales more when elasticities are high
    assert c.range["exports_to_us_change_usd"] == pytest.approx([to_us[2], to_us[0]], abs=1e-3)
    assert lo.range == {} and c.to_json()["range"] == c.range
