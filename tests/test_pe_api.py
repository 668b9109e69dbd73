"""run_pe (US market) and the partner-side helper."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from tariffscope.errors import DataError
from tariffscope.models.pe import evaluate_partner_side, load_japan_example, run_pe, solve_smart


def _flows() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "hts10": ["8703230190"] * 3 + ["1006300000"] * 2,
            "partner": ["JP", "DE", "MX", "TH", "IN"],
            "imports_usd": [1e9, 5e8, 8e8, 2e8, 1e8],
            "t0": [0.025, 0.025, 0.0, 0.0, 0.0],
            "t1": [0.15, 0.15, 0.25, 0.19, 0.50],
        }
    )


def test_run_pe_matches_solver_and_aggregates() -> None:
    f = _flows()
    r = run_pe(f)
    el = r.lines
    s = solve_smart(
        el["hts10"].str.to_integer().to_numpy(), f["imports_usd"], f["t0"], f["t1"], el["eta"], el["sigma"]
    )
    np.testing.assert_allclose(el["imports_new_usd"], s.imports1)
    assert r.totals["imports_change_usd"] == pytest.approx(float(el["imports_change_usd"].sum()))
    assert r.totals["us_consumer_cost_usd"] == pytest.approx(-r.totals["cs_change_usd"])
    assert r.totals["us_welfare_change_usd"] == pytest.approx(
        r.totals["cs_change_usd"] + r.totals["tariff_revenue_change_usd"]
    )
    assert r.totals["trade_diversion_usd"] == pytest.approx(0.0, abs=1e-3)
    bp = r.by_partner.sort("partner")
    assert bp["exports_change_usd"].sum() == pytest.approx(r.totals["imports_change_usd"])
    mx = bp.filter(pl.col("partner") == "MX")
    assert mx["exporter_revenue_change_per_hour_usd"][0] == pytest.approx(mx["exports_change_usd"][0] / 8760)
    assert mx["exports_change_usd"][0] < 0  # MX faces the largest relative hike on 8703


def test_run_pe_supply_elastic_and_overrides() -> None:
    f = _flows()
    inf = run_pe(f)
    ela = run_pe(f, supply="elastic", overrides=[{"prefix": "87", "export_supply_elasticity": 1.0}])
    assert (ela.lines["exporter_price_change"].filter(ela.lines["partner"] == "MX") < 0).all()
    assert ela.totals["ps_change_usd"] < 0 and inf.totals["ps_change_usd"] == 0
    # exporters absorb part of the tariff: a smaller US consumer cost
    assert ela.totals["us_consumer_cost_usd"] < inf.totals["us_consumer_cost_usd"]
    assert (ela.lines["eps_source"].filter(ela.lines["hts10"] == "8703230190") == "override:87").all()


def test_run_pe_input_errors() -> None:
    f = _flows()
    with pytest.raises(DataError, match="duplicate"):
        run_pe(pl.concat([f, f.head(1)]))
    with pytest.raises(DataError, match="missing columns"):
        run_pe(f.drop("t1"))
    with pytest.raises(DataError, match="not 10 digits"):
        run_pe(f.with_columns(pl.lit("8703").alias("hts10")))


def test_japan_partner_side_example() -> None:
    flows, changes = load_japan_example()
    assert set(changes["measure"]) == {"tariff", "ntm", "trq", "purchase"}
    assert changes["illustrative"].all()
    lines, tot = evaluate_partner_side(flows, changes)
    # TRQ: fixed global MA quota -> US gain = quota change, others lose the same amount
    rice = lines.filter(pl.col("product") == "100630")
    assert rice.filter(pl.col("source") == "US")["imports_change_usd"][0] == pytest.approx(187.5e6)
    assert rice["imports_change_usd"].sum() == pytest.approx(0.0, abs=1.0)
    # purchase: gap 3.0e9 - 2.5e9 = 0.5e9, half additional
    assert tot["us_exports_change_purchase_usd"] == pytest.approx(0.25e9)
    assert tot["us_exports_change_tariff_usd"] > 0 and tot["us_exports_change_ntm_usd"] > 0
    assert tot["others_change_usd"] < 0
    assert tot["us_exports_change_usd"] == pytest.approx(
        tot["us_exports_change_tariff_usd"]
        + tot["us_exports_change_ntm_usd"]
        + tot["us_exports_change_trq_usd"]
        + tot["us_exports_change_purchase_usd"],
        rel=1e-9,
    )
    # the NTM raises no revenue; the beef tariff cut lowers Japan's revenue
    assert tot["partner_tariff_revenue_change_usd"] < 0
