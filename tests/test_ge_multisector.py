"""Multi-sector Caliendo-Parro (2015) model: NAFTA tariff reductions against published numbers,
equilibrium identities, honest failures."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from tariffscope.models.ge.multisector import (
    caliendo_parro,
    set_tariffs,
    solve_multisector,
)
from tariffscope.models.ge.solver import GEConvergenceError, GEInputError
from tariffscope.models.ge.us_va import cp_data

NAFTA = ("Canada", "Mexico", "USA")


@pytest.fixture(scope="module")
def data():
    return cp_data()  # the shipped tables (derived from the cp2015 package's), so the tests run without ../shared


@pytest.fixture(scope="module")
def nafta(data):
    return caliendo_parro(data, data.scenarios["tariff_cfl"], tariff_bln=data.scenarios["tariff_bln"])


def _rows(res) -> dict[str, dict]:
    return {r["region"]: r for r in res.regions.filter(pl.col("region").is_in(NAFTA)).to_dicts()}


def test_nafta_welfare_matches_caliendo_parro_table_2(nafta) -> None:
    """Caliendo & Parro (2015, RES 82(1), abstract and Table 2, "Welfare effects from NAFTA's tariff
    reductions", zero aggregate deficits): welfare (terms of trade + volume of trade, % of income)
    Mexico +1.31, US +0.08, Canada -0.06; terms of trade -0.41 / 0.04 / -0.11; volume of trade
    1.72 / 0.04 / 0.04; real wages 1.72 / 0.11 / 0.32. Published to 2 decimals."""
    published = {  # welfare, terms of trade, volume of trade, real wage
        "Mexico": (1.31, -0.41, 1.72, 1.72),
        "USA": (0.08, 0.04, 0.04, 0.11),
        "Canada": (-0.06, -0.11, 0.04, 0.32),
    }
    rows = _rows(nafta)
    for region, (welfare, tot, vot, real_wage) in published.items():
        r = rows[region]
        assert round(r["welfare_change_pct"], 2) == pytest.approx(welfare, abs=1e-9), region
        assert round(r["terms_of_trade_pct"], 2) == pytest.approx(tot, abs=1e-9), region
        assert round(r["volume_of_trade_pct"], 2) == pytest.approx(vot, abs=1e-9), region
        assert round(r["real_wage_change_pct"], 2) == pytest.approx(real_wage, abs=1e-9), region
        assert r["technical_efficiency_pct"] == 0.0  # tariffs only
    assert all(c.converged and c.residual < 1e-9 for c in nafta.convergence)
    assert {c.system.split()[0] for c in nafta.convergence} == {"baseline", "counterfactual"}
    # NAFTA members trade more with each other; Mexico's tariff revenue falls with its tariffs
    mx_us = nafta.pairs.filter((pl.col("importer") == "Mexico") & (pl.col("exporter") == "USA")).row(
        0, named=True
    )
    assert mx_us["trade_change_pct"] > 50
    assert rows["Mexico"]["tariff_revenue_counterfactual"] < 0.3 * rows["Mexico"]["tariff_revenue_baseline"]


def test_nafta_with_observed_deficits_matches_cp2015_package(data) -> None:
    """With the 1993 deficits held fixed, the R package cp2015 (Vargas Sepulveda / Felipe; its
    tinytest suite) reports welfare -0.04 / 1.17 / 0.08 (Canada / Mexico / US), terms of trade
    -0.08 / -0.41 / 0.05, volume of trade 0.04 / 1.59 / 0.04 and real wages 0.33 / 1.64 / 0.12."""
    res = caliendo_parro(data, data.scenarios["tariff_cfl"], deficits="observed")
    rows = _rows(res)
    expected = {
        "Canada": (-0.04, -0.08, 0.04, 0.33),
        "Mexico": (1.17, -0.41, 1.59, 1.64),
        "USA": (0.08, 0.05, 0.04, 0.12),
    }
    for region, vals in expected.items():
        r = rows[region]
        got = (
            r["welfare_change_pct"],
            r["terms_of_trade_pct"],
            r["volume_of_trade_pct"],
            r["real_wage_change_pct"],
        )
        assert tuple(round(v, 2) for v in got) == pytest.approx(vals, abs=1e-9), region


def test_equilibrium_identities(data) -> None:
    tau = data.scenarios["tariff_cfl"]
    n = len(data.regions)
    sol = solve_multisector(data, tau, deficit=np.zeros(n))
    M = sol.imports()  # (sector, importer, exporter) at producer prices
    off = ~np.eye(n, dtype=bool)[None]
    imports = (M * off).sum(axis=(0, 2))
    exports = (M * off).sum(axis=(0, 1))
    np.testing.assert_allclose(imports, exports, rtol=1e-8)  # zero deficits: trade balances
    # income = value added + tariff revenue; revenue = sum tau * imports
    np.testing.assert_allclose(sol.revenue, (tau * M).sum(axis=(0, 2)), rtol=1e-10)
    np.testing.assert_allclose(sol.income, sol.w_hat * data.value_added + sol.revenue, rtol=1e-10)
    # numeraire: world value added unchanged; shares sum to one; everything positive
    assert (sol.w_hat * data.value_added).sum() == pytest.approx(data.value_added.sum(), rel=1e-12)
    np.testing.assert_allclose(sol.pi.sum(axis=2), 1.0, atol=1e-12)
    assert np.all(sol.w_hat > 0) and np.all(sol.P_hat > 0) and np.all(sol.X > 0)
    # same tariffs in both equilibria: every effect is exactly zero
    same = caliendo_parro(data, tau, tariff_bln=tau)
    for col in ("welfare_change_pct", "real_income_change_pct", "real_wage_change_pct"):
        assert np.allclose(same.regions[col].to_numpy(), 0.0, atol=1e-9), col


def test_set_tariffs_and_failures(data) -> None:
    base = data.tariff
    new = set_tariffs(
        data, base, [{"importers": ["USA"], "exporters": ["China"], "sectors": ["Auto"], "tariff": 0.25}]
    )
    j, us, cn = data.sectors.index("Auto"), data.regions.index("USA"), data.regions.index("China")
    assert new[j, us, cn] == 0.25 and np.count_nonzero(new != base) == 1
    sym = set_tariffs(
        data, base, [{"importers": "USA", "exporters": "Mexico", "add": 0.1, "symmetric": True}]
    )
    mx = data.regions.index("Mexico")
    np.testing.assert_allclose(sym[:, us, mx], base[:, us, mx] + 0.1)
    np.testing.assert_allclose(sym[:, mx, us], base[:, mx, us] + 0.1)
    assert np.all(np.diagonal(sym, axis1=1, axis2=2) == np.diagonal(base, axis1=1, axis2=2))
    with pytest.raises(GEInputError, match="unknown region 'Atlantis'"):
        set_tariffs(data, base, [{"importers": ["Atlantis"], "tariff": 0.1}])
    with pytest.raises(GEInputError, match="exactly one of"):
        set_tariffs(data, base, [{"importers": ["USA"]}])
    with pytest.raises(GEConvergenceError, match="no convergence after 2 wage iterations"):
        solve_multisector(data, new, max_iter=2)
    with pytest.raises(GEInputError, match="exceed -100%"):
        solve_multisector(data, np.full_like(base, -1.0))
    with pytest.raises(GEInputError, match="deficits must be"):
        caliendo_parro(data, base, deficits="sometimes")


def test_cli_runs_the_nafta_example_and_checks_configs(tmp_path) -> None:
    import json

    from typer.testing import CliRunner

    from tariffscope.cli.main import app

    runner = CliRunner()
    out = runner.invoke(app, ["ge", "run", "--example", "cp2015-nafta", "--format", "json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    rows = {r["region"]: r for r in doc["rows"]}
    assert len(rows) == 31 and rows["Mexico"]["iso2"] == "MX" and rows["Row"]["iso2"] is None
    assert round(rows["Mexico"]["welfare_change_pct"], 2) == 1.31
    assert doc["method"] == "caliendo-parro" and all(c["converged"] for c in doc["convergence"])
    cfg = tmp_path / "bad.yaml"
    from tariffscope.models.ge.config import EXAMPLES_DIR

    cfg.write_text(
        f"model: caliendo-parro\ndata: {{folder: '{EXAMPLES_DIR / 'data' / 'cp2015'}', prefix: cp2015_nafta}}\n"
        "experiment:\n  set:\n    - {importers: [USA], exporters: [Atlantis], tariff: 0.25}\n"
    )
    out = runner.invoke(app, ["ge", "run", str(cfg)])
    assert out.exit_code == 2 and "unknown region 'Atlantis'" in out.output
    cfg.write_text("model: cge-magic\n")
    out = runner.invoke(app, ["ge", "run", str(cfg)])
    assert out.exit_code == 2 and "unknown model 'cge-magic'" in out.output
