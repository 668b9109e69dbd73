"""GE gravity against published numbers (Baier-Yotov-Zylkin ge_gravity EU-enlargement example)."""

from __future__ import annotations

import polars as pl
import pytest

from tariffscope.models.ge.config import example_path, run_config
from tariffscope.paths import shared_data

WIOD = shared_data() / "gravity" / "wiod_tradedata_2000_2014.csv"
pytestmark = pytest.mark.skipif(not WIOD.is_file(), reason="shared gravity data not available")

# GEGravity (R port of ge_gravity, Kudlay & Zylkin), vignette "GE_Gravity Example", theta = 4,
# mult = FALSE, partial effect 0.224249: exporter, welfare, real_wage, nom_wage, price_index.
PUBLISHED = {
    "DEU": (1.0007249, 1.0007204, 1.0002367, 0.9995167),
    "IDN": (0.9999865, 0.9999931, 0.9998933, 0.9999002),
    "FIN": (1.0004615, 1.0004125, 1.0008138, 1.0004012),
    "LTU": (1.0065244, 1.0064727, 0.9993151, 0.9928884),
    "GRC": (1.0002792, 1.0002622, 0.9998333, 0.9995712),
    "CAN": (0.9999912, 0.9999941, 0.9999349, 0.9999408),
    "JPN": (0.9999971, 0.9999982, 0.9999063, 0.9999082),
    "GBR": (1.0001393, 1.0001392, 1.0001324, 0.9999932),
    "NOR": (1.0002589, 1.0002422, 1.0001253, 0.9998831),
    "PRT": (1.0000813, 1.0000725, 0.9998933, 0.9998208),
}


def test_byz_eu_enlargement_matches_published_results() -> None:
    res = run_config(example_path("byz-eu-enlargement"))
    c = {r["country"]: r for r in res.countries.to_dicts()}
    for iso, (welf, real_wage, nom_wage, price) in PUBLISHED.items():
        r = c[iso]
        assert 1 + r["welfare_change_pct"] / 100 == pytest.approx(welf, abs=2e-7), iso
        assert 1 + r["gdp_change_pct"] / 100 == pytest.approx(real_wage, abs=2e-7), iso
        assert 1 + r["factory_gate_price_change_pct"] / 100 == pytest.approx(nom_wage, abs=2e-7), iso
        assert 1 + r["imr_change_pct"] / 100 == pytest.approx(price, abs=2e-7), iso
    # published counterfactual flow DEU -> SVK: 2723.95149 -> 3269.19970
    row = res.pairs.filter((pl.col("exporter") == "DEU") & (pl.col("importer") == "SVK")).row(0, named=True)
    assert row["baseline_trade"] == pytest.approx(2723.95149, rel=1e-8)
    assert row["counterfactual_trade"] == pytest.approx(3269.19970, rel=1e-7)
    # the vignette: Russia is the largest loser
    assert res.countries.sort("welfare_change_pct")["country"][0] == "RUS"
    assert all(c.converged for c in res.convergence)


def test_ppml_eu_enlargement_partial_effect() -> None:
    """Three-way PPML on foreign flows gives the published 0.224 (0.224249 in the vignette data)."""
    pytest.importorskip("pyfixest")
    from tariffscope.models.ge.estimate import estimate_ppml

    fit = estimate_ppml(pl.read_csv(WIOD), ["eu_enlargement", "other_fta"], international_only=True)
    assert fit.coef["eu_enlargement"] == pytest.approx(0.224249, abs=5e-6)
    assert fit.coef["other_fta"] == pytest.approx(-0.037, abs=5e-4)
    assert fit.nobs == 7568
