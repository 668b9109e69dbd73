"""Side by side with the USITC gegravity 0.3 package on its own sample (CAN-JPN PTA, sigma = 5)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tariffscope.models.ge.config import example_path, run_config
from tariffscope.paths import shared_data

SAMPLE = shared_data() / "gravity" / "gegravity_sample_data_set.csv"
COST = [
    ("lndist", -0.3898623),
    ("contiguity", 0.891577),
    ("common_language", 0.0326249),
    ("pta", 0.4711383),
    ("international", -3.412584),
    ("constant", 16.32434),
]
COLUMNS = {
    "factory_gate_price_change_pct": "factory gate price change (percent)",
    "omr_change_pct": "omr change (percent)",
    "imr_change_pct": "imr change (percent)",
    "gdp_change_pct": "GDP change (percent)",
    "welfare_statistic": "welfare statistic",
    "terms_of_trade_change_pct": "terms of trade change (percent)",
    "output_change_pct": "output change (percent)",
    "expenditure_change_pct": "expenditure change (percent)",
    "foreign_exports_change_pct": "foreign exports change (percent)",
    "foreign_imports_change_pct": "foreign imports change (percent)",
    "intranational_trade_change_pct": "intranational trade change (percent)",
}


@pytest.mark.skipif(not SAMPLE.is_file(), reason="shared gravity data not available")
def test_matches_gegravity_package() -> None:
    ge = pytest.importorskip("gegravity")
    pd = pytest.importorskip("pandas")
    d = pd.read_csv(SAMPLE)
    d["constant"] = 1
    ests = pd.DataFrame([(v, b, 0.1) for v, b in COST], columns=["var", "beta", "stderr"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cp = ge.CostCoeffs(estimates=ests, identifier_col="var", coeff_col="beta", stderr_col="stderr")
        base = ge.BaselineData(d, trade_var_name="trade", expend_var_name="E", output_var_name="Y")
        m = ge.OneSectorGE(
            baseline=base,
            cost_coeff_values=cp,
            cost_variables=[v for v, _ in COST],
            year="2006",
            reference_importer="DEU",
            sigma=5,
            quiet=True,
        )
        m.build_baseline(omr_rescale=100)
        exp = m.baseline_data.copy()
        exp.loc[(exp.importer == "CAN") & (exp.exporter == "JPN"), "pta"] = 1
        exp.loc[(exp.importer == "JPN") & (exp.exporter == "CAN"), "pta"] = 1
        m.define_experiment(exp)
        m.simulate()
    assert m.solver_diagnostics["full_GE"].success
    theirs = m.country_results
    ours = run_config(example_path("gegravity-can-jpn"))
    rows = {r["country"]: r for r in ours.countries.to_dicts()}
    assert sorted(rows) == sorted(theirs.index)
    for country, t in theirs.iterrows():
        for mine, col in COLUMNS.items():
            assert rows[country][mine] == pytest.approx(t[col], abs=1e-6), (country, mine)
    # bilateral trade changes
    tb = m.bilateral_trade_results["trade change (percent)"]
    ob = {(r["exporter"], r["importer"]): r["trade_change_pct"] for r in ours.pairs.to_dicts()}
    diffs = [abs(ob[k] - v) for k, v in tb.items()]
    assert max(diffs) < 1e-6
    assert np.isfinite(max(diffs))
