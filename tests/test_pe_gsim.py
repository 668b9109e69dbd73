"""GSIM (Francois & Hall 2003): a published example, analytical cases and cross-checks.

* The published example: Francois & Hall's four-region teaching model (GSIM4x4.xls, GSIM v1) with its sample
  data and calibration (E_m = -1.25, E_s = 5, E_x = 1.5) and a US-EU free-trade experiment. The spreadsheet's
  reported world-price changes (US +0.0792, JP -0.0316, EU +0.0480, RW -0.0184) are transcribed, with the
  data, in a public R port of the spreadsheet; the linear solver reproduces all four to the 4 decimals reported.
* Cases with closed-form solutions, agreement of the exact GSIM with the independently coded SMART solver when
  there is one importer, and convergence of the exact to the linear system as the shock shrinks.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from tariffscope.cli.main import app
from tariffscope.models.pe.gsim import solve_gsim_exact, solve_gsim_linear
from tariffscope.models.pe.gsim_table import load_gsim_csv, run_gsim_table, validate_flows
from tariffscope.models.pe.smart import ModelInputError, solve_smart

EM, ES, EX = -1.25, 5.0, 1.5  # F&H sample calibration


def test_one_by_one_closed_form() -> None:
    """One exporter, one importer: linear P* = E_m T_hat/(E_x - E_m); exact ln p* = E_m tau/(E_x - E_m)."""
    T0, T1 = 1.10, 1.25
    lin = solve_gsim_linear(np.array([[[100.0]]]), T0, T1, EM, ES, EX)
    assert lin.world_price_change[0, 0] == pytest.approx(EM * (T1 / T0 - 1) / (EX - EM), rel=1e-12)
    ex = solve_gsim_exact(np.array([[[100.0]]]), T0, T1, EM, ES, EX)
    assert ex.world_price_change[0, 0] == pytest.approx(np.expm1(EM * np.log(T1 / T0) / (EX - EM)), rel=1e-10)


def test_symmetric_world_uniform_tariff_closed_form() -> None:
    """N identical regions, the same tariff rise on every flow: relative prices are unchanged, so all world
    prices fall by E_m T_hat/(E_x - E_m) (linear), every flow moves by the same factor, and welfare is symmetric."""
    n = 4
    M = np.full((1, n, n), 10.0)
    T0, T1 = 1.05, 1.20
    lin = solve_gsim_linear(M, T0, T1, EM, ES, EX)
    p = EM * (T1 / T0 - 1) / (EX - EM)
    np.testing.assert_allclose(lin.world_price_change, p, rtol=1e-12)
    np.testing.assert_allclose(lin.imports1, 10.0 * (1 + EX * p) * (1 + p), rtol=1e-12)
    w = lin.net_welfare()
    np.testing.assert_allclose(w, w[0, 0], rtol=1e-12)
    ex = solve_gsim_exact(M, T0, T1, EM, ES, EX)
    np.testing.assert_allclose(ex.world_price_change, np.expm1(EM * np.log(T1 / T0) / (EX - EM)), rtol=1e-10)


def test_exact_equals_smart_with_one_importer() -> None:
    rng = np.random.default_rng(1)
    P, R = 5, 4
    M = rng.uniform(1, 10, (P, R, 1))
    T0 = 1 + rng.uniform(0, 0.1, (P, R, 1))
    T1 = T0 * (1 + rng.uniform(0, 0.5, (P, R, 1)))
    ex_s = np.array([1.5, 2.0, np.inf, 4.0])
    g = solve_gsim_exact(M, T0, T1, EM, ES, ex_s[None, :])
    grp = np.repeat(np.arange(P), R)
    s = solve_smart(grp, M.ravel(), T0.ravel() - 1, T1.ravel() - 1, EM, ES, np.tile(ex_s, P))
    np.testing.assert_allclose(g.imports1.ravel(), s.imports1, rtol=1e-9)
    np.testing.assert_allclose(g.world_price_change.ravel(), s.world_price_change, atol=1e-10)
    np.testing.assert_allclose(g.cs_change[:, 0], np.bincount(grp, weights=s.cs_change), rtol=1e-9)
    np.testing.assert_allclose(g.ps_change.ravel(), s.ps_change, atol=1e-9)


def test_exact_converges_to_published_linear_system() -> None:
    rng = np.random.default_rng(2)
    M = rng.uniform(0, 10, (3, 5, 5))
    T0 = 1 + rng.uniform(0, 0.2, M.shape)
    D = rng.uniform(0, 1, M.shape)
    errs = []
    for h in (1e-2, 1e-3, 1e-4):
        T1 = T0 * (1 + h * D)
        lin = solve_gsim_linear(M, T0, T1, EM, ES, EX)
        ex = solve_gsim_exact(M, T0, T1, EM, ES, EX)
        errs.append(
            np.abs(ex.world_price_change - lin.world_price_change).max()
            / np.abs(lin.world_price_change).max()
        )
        assert ex.max_residual < 1e-10
    assert errs[2] < 1e-3 and errs[2] < errs[1] < errs[0]


def test_discriminatory_tariff_moves_prices_the_right_way() -> None:
    """Region 0 taxes only exporter 1: exporter 1's world price falls most; its exports to 0 fall; others gain there."""
    M = np.full((1, 3, 3), 10.0)
    T1 = np.ones((1, 3, 3))
    T1[0, 1, 0] = 1.25
    for solve in (solve_gsim_linear, solve_gsim_exact):
        r = solve(M, 1.0, T1, EM, ES, EX)
        p = r.world_price_change[0]
        assert p[1] < 0 and p[1] < p[0] and p[1] < p[2]
        assert r.imports1[0, 1, 0] < 10.0 and r.imports1[0, 2, 0] > 10.0 * (1 + p[2])
        assert r.tariff_revenue_change[0, 0] > 0 and r.cs_change[0, 0] < 0


def test_infinite_supply_fixes_world_prices_and_errors() -> None:
    M = np.full((2, 3, 3), 5.0)
    r = solve_gsim_linear(M, 1.0, 1.2, EM, ES, np.inf)
    assert np.all(r.world_price_change == 0) and np.all(r.ps_change == 0)
    with pytest.raises(ModelInputError, match="Em"):
        solve_gsim_linear(M, 1.0, 1.2, 0.5, ES, EX)
    with pytest.raises(ModelInputError, match="square"):
        solve_gsim_linear(np.ones((1, 2, 3)), 1.0, 1.1, EM, ES, EX).net_welfare()


# --- the published example: Francois & Hall GSIM4x4.xls, US-EU free trade --------------------------------------
REGIONS = ["US", "JP", "EU", "RW"]
FH_FLOWS = np.array(  # exporter rows x importer columns, world prices (GSIM4x4.xls sample data)
    [[0, 50, 200, 300], [500, 0, 150, 200], [300, 100, 200, 200], [50, 100, 110, 20]], dtype=float
)
FH_T0 = np.array(  # tariff powers T = 1 + t
    [[1.00, 1.21, 1.41, 1.22], [1.37, 1.00, 1.31, 1.23], [1.32, 1.36, 1.00, 1.18], [1.57, 1.41, 1.25, 1.15]]
)
FH_REPORTED_WORLD_PRICES = np.array([0.0792, -0.0316, 0.0480, -0.0184])  # GSIM4x4.xls, US-EU FTA
EXAMPLE_CSV = Path(__file__).resolve().parents[1] / "src/tariffscope/models/pe/examples/gsim_4x4_us_eu.csv"


def _us_eu_fta() -> np.ndarray:
    t1 = FH_T0.copy()
    t1[0, 2] = t1[2, 0] = 1.0
    return t1


def test_published_gsim_4x4_world_prices_reproduced() -> None:
    """The spreadsheet's reported equilibrium world-price changes, to the 4 decimals it reports."""
    r = solve_gsim_linear(FH_FLOWS, FH_T0, _us_eu_fta(), EM, ES, EX)
    np.testing.assert_allclose(r.world_price_change[0], FH_REPORTED_WORLD_PRICES, atol=5e-5)
    assert r.max_residual < 1e-12
    # the FTA members' exporters gain, the outsiders' lose (trade diversion through world prices)
    assert (r.world_price_change[0, [0, 2]] > 0).all() and (r.world_price_change[0, [1, 3]] < 0).all()


def test_published_gsim_4x4_welfare_accounts() -> None:
    """Welfare parts follow F&H (2003) sec. 3 from the solved prices and flows, and net welfare is their sum."""
    t1 = _us_eu_fta()
    r = solve_gsim_linear(FH_FLOWS, FH_T0, t1, EM, ES, EX)
    p = r.world_price_change[0]
    exports = FH_FLOWS.sum(axis=1)
    np.testing.assert_allclose(r.ps_change[0], exports * p * (1 + 0.5 * EX * p), rtol=1e-12)
    spend = (FH_FLOWS * FH_T0).sum(axis=0)
    pbar = r.composite_price_change[0]
    np.testing.assert_allclose(r.cs_change[0], -spend * pbar - 0.5 * spend * EM * pbar**2, rtol=1e-12)
    m1 = r.imports1[0]
    np.testing.assert_allclose(
        r.tariff_revenue_change[0],
        (m1 * (t1 - 1)).sum(axis=0) - (FH_FLOWS * (FH_T0 - 1)).sum(axis=0),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        r.net_welfare()[0], r.ps_change[0] + r.cs_change[0] + r.tariff_revenue_change[0]
    )
    # the US and the EU gain in total, Japan and the rest of the world lose
    w = r.net_welfare()[0]
    assert w[0] > 0 and w[2] > 0 and w[1] < 0 and w[3] < 0


def test_published_example_through_the_table_and_cli() -> None:
    """The shipped example CSV runs through the table API and `tariffscope pe gsim` to the same prices."""
    flows, skipped = load_gsim_csv(EXAMPLE_CSV)
    assert skipped == [] and flows.height == 16
    res = run_gsim_table(flows)
    got = dict(zip(res.regions["region"], res.regions["export_price_change"], strict=True))
    np.testing.assert_allclose([got[r] for r in REGIONS], FH_REPORTED_WORLD_PRICES, atol=5e-5)
    out = CliRunner().invoke(app, ["pe", "gsim", "gsim-4x4-us-eu", "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = {r["region"]: r for r in json.loads(out.stdout)["regions"]}
    assert rows["US"]["export_price_change"] == pytest.approx(0.0792, abs=5e-5)
    assert rows["US"]["welfare_change_usd"] == pytest.approx(
        rows["US"]["producer_surplus_usd"]
        + rows["US"]["consumer_surplus_usd"]
        + rows["US"]["tariff_revenue_change_usd"]
    )


def test_gsim_table_reports_bad_rows_and_keeps_the_rest(tmp_path: Path) -> None:
    f = tmp_path / "flows.csv"
    f.write_text(
        "# comment line\nexporter,importer,flow_usd,t0,t1\nA,B,10,0.1,0.2\nB,A,ten,0.1,0.1\nA,A,5,0,0\nB,B,5,-2,0\n"
    )
    flows, skipped = load_gsim_csv(f)
    assert flows.height == 2
    assert skipped == [
        "flows.csv: line 4: field flow_usd='ten' must be a number >= 0",
        "flows.csv: line 6: field t0='-2' must be a decimal rate > -1",
    ]
    out = CliRunner().invoke(app, ["pe", "gsim", str(f)])
    assert out.exit_code == 1
    assert "line 4: field flow_usd" in out.stderr


def test_gsim_table_rejects_duplicates_and_missing_columns() -> None:
    from tariffscope.errors import DataError

    with pytest.raises(DataError, match="missing column"):
        validate_flows(pl.DataFrame({"exporter": ["A"], "importer": ["B"], "flow_usd": ["1"]}))
    dup = pl.DataFrame(
        {
            "exporter": ["A", "A"],
            "importer": ["B", "B"],
            "flow_usd": ["1", "2"],
            "t0": ["0"] * 2,
            "t1": ["0"] * 2,
        }
    )
    with pytest.raises(DataError, match="more than once"):
        validate_flows(dup)


def test_linear_gsim_warns_when_the_shock_is_too_large() -> None:
    """A 150% tariff with Es = 10: the linear system predicts a negative flow and says so; the exact one does not."""
    flows = pl.DataFrame(
        {
            "exporter": ["A", "C", "A", "C"],
            "importer": ["B", "B", "A", "C"],
            "flow_usd": [100.0, 100.0, 50.0, 50.0],
            "t0": [0.0] * 4,
            "t1": [1.5, 0.0, 0.0, 0.0],
        }
    ).with_columns(pl.all().cast(pl.Utf8))
    table, _ = validate_flows(flows)
    lin = run_gsim_table(table, es=10.0)
    assert lin.warnings and "negative flow" in lin.warnings[0]
    assert float(lin.flows["flow1_usd"].min()) < 0
    ex = run_gsim_table(table, es=10.0, exact=True)
    assert ex.warnings == [] and float(ex.flows["flow1_usd"].min()) >= 0
