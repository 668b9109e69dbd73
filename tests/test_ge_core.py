"""GE solver: equilibrium conditions, positivity, honest failure, tariffs with revenue, CLI."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tariffscope.cli.main import app
from tariffscope.models.ge.model import Experiment, StructuralGravity
from tariffscope.models.ge.solver import GEConvergenceError, GEInputError, solve_full_ge, solve_resistances
from tariffscope.models.ge.us import us_tariff_counterfactual


def _flows(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = rng.lognormal(0.0, 1.5, (n, n))
    X[np.diag_indices(n)] *= 30.0  # home bias as in real data
    return X


def test_full_ge_satisfies_equilibrium_with_tariff_revenue() -> None:
    n, sigma = 8, 4.0
    X = _flows(n, 1)
    tau0 = np.full((n, n), 0.05)
    np.fill_diagonal(tau0, 0.0)
    tau1 = tau0.copy()
    tau1[:, 0] = 0.30  # country 0 raises tariffs on everybody
    tau1[0, 0] = 0.0
    sol = solve_full_ge(X, sigma, tau0=tau0, tau1=tau1, closure="additive", numeraire=None)
    w, P = sol.w_hat, sol.P_hat
    Y = X.sum(axis=1)
    # market clearing at producer prices
    np.testing.assert_allclose(sol.X_new.sum(axis=1), w * Y, rtol=1e-10)
    # expenditure = income + fixed deficit + tariff revenue (Caliendo & Parro 2015)
    np.testing.assert_allclose(sol.E_new, w * Y + sol.D + sol.R_new, rtol=1e-10)
    np.testing.assert_allclose(sol.R_new, (sol.X_new * tau1).sum(axis=0), rtol=1e-10)
    np.testing.assert_allclose(sol.Z_new.sum(axis=0), sol.E_new, rtol=1e-10)
    # CES price index: P_hat^(1-s) = sum_i pi_ij (w_i tau_hat_ij)^(1-s)
    pi = X * (1 + tau0) / (X * (1 + tau0)).sum(axis=0)
    expect = (pi * (w[:, None] * (1 + tau1) / (1 + tau0)) ** (1 - sigma)).sum(axis=0) ** (1 / (1 - sigma))
    np.testing.assert_allclose(P, expect, rtol=1e-12)
    assert (w * Y).sum() == pytest.approx(Y.sum(), rel=1e-12)  # world-output numeraire
    assert sol.report.converged and sol.report.residual < 1e-12
    assert sol.R_new[0] > sol.R_old[0]


def test_no_change_is_a_fixed_point_and_revenue_matters() -> None:
    X = _flows(6, 2)
    sol = solve_full_ge(X, 5.0)
    np.testing.assert_allclose(sol.w_hat, 1.0, atol=1e-12)
    np.testing.assert_allclose(sol.X_new, X, rtol=1e-10)
    tau1 = np.zeros_like(X)
    tau1[1:, 0] = 0.25
    with_rev = solve_full_ge(X, 5.0, tau1=tau1)
    iceberg = solve_full_ge(X, 5.0, tau1=tau1, tariff_revenue=False)
    real_rev = (with_rev.E_new / with_rev.E_old / with_rev.P_hat)[0]
    real_ice = (iceberg.E_new / iceberg.E_old / iceberg.P_hat)[0]
    assert real_rev > real_ice  # tariff revenue is income, not melted iceberg cost


def test_multiplicative_closure_is_numeraire_free() -> None:
    X = _flows(7, 3)
    B = np.ones_like(X)
    B[0, 1] = B[1, 0] = 1.5
    a = solve_full_ge(X, 5.0, B_hat=B, closure="multiplicative", numeraire=None)
    b = solve_full_ge(X, 5.0, B_hat=B, closure="multiplicative", numeraire=3)
    assert b.P_hat[3] == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(a.w_hat / a.P_hat, b.w_hat / b.P_hat, rtol=1e-9)


def _level_space_gegravity_residual(K: np.ndarray, L: np.ndarray, x_imr, x_omr, p, sigma, beta, y) -> float:
    """gegravity 0.3's level-space system (IMR, OMR, factory-gate eqs.) written out here."""
    r1 = 1 - x_imr * (K.T @ x_omr)
    r2 = 1 - x_omr * (L @ x_imr)
    r3 = 1 - y * x_omr / (beta * p ** (1 - sigma))
    return float(np.max(np.abs(np.concatenate([r1, r2, r3]))))


@pytest.mark.parametrize("sigma", [3.0, 5.0, 7.0, 9.0])
def test_level_space_has_spurious_negative_roots_ours_stays_positive(sigma: float) -> None:
    """For odd sigma, 1 - sigma is even: -p solves the level-space system as well as p, so a
    level-space root finder can land on negative prices. The log/fixed-point solver cannot."""
    n = 10
    rng = np.random.default_rng(int(sigma))
    T = np.exp(rng.normal(0, 1, (n, n)))
    T[np.diag_indices(n)] *= 20
    Y = rng.uniform(1, 10, n)
    y = Y / Y.sum()
    e = y
    a, b, _ = solve_resistances(T * y[:, None], T * e[None, :], 0)
    beta = y / b
    T1 = T.copy()
    T1[0, 1] *= 3.0
    a1, b1, _ = solve_resistances(T1 * y[:, None], T1 * e[None, :], 0)
    p = (b / b1) ** (1 / (1 - sigma))  # the positive root
    K, L = T1 * y[:, None], T1 * e[None, :]
    assert _level_space_gegravity_residual(K, L, 1 / a1, 1 / b1, p, sigma, beta, y) < 1e-10
    assert _level_space_gegravity_residual(K, L, 1 / a1, 1 / b1, -p, sigma, beta, y) < 1e-10  # spurious
    X = T * y[:, None] * (e * 100)[None, :] / (b[:, None] * a[None, :])
    sol = solve_full_ge(X, sigma, B_hat=T1 / T)
    assert np.all(sol.w_hat > 0) and np.all(sol.P_hat > 0) and np.all(sol.E_new > 0)


@settings(max_examples=25, deadline=None)
@given(
    sigma=st.sampled_from([1.5, 2.0, 3.0, 5.0, 7.0, 11.0]),
    seed=st.integers(0, 10_000),
    shock=st.floats(0.05, 20.0),
)
def test_prices_always_positive(sigma: float, seed: int, shock: float) -> None:
    X = _flows(9, seed)
    B = np.ones_like(X)
    B[0, :] = shock
    # balanced trade (additive deficits cannot exceed income) and unbalanced with multiplicative deficits
    for flows, closure in (((X + X.T) / 2, "additive"), (X, "multiplicative")):
        sol = solve_full_ge(flows, sigma, B_hat=B, closure=closure, max_iter=200_000)
        assert np.all(np.isfinite(sol.w_hat)) and np.all(sol.w_hat > 0)
        assert np.all(sol.P_hat > 0) and np.all(sol.X_new > 0) and np.all(sol.E_new > 0)


def test_non_convergence_fails_loudly() -> None:
    X = _flows(6, 4)
    B = np.ones_like(X)
    B[0, 1] = 5.0
    with pytest.raises(GEConvergenceError, match="no convergence after 3 iterations"):
        solve_full_ge(X, 5.0, B_hat=B, max_iter=3)
    with pytest.raises(GEInputError, match="sigma must exceed 1"):
        solve_full_ge(X, 1.0)


def _panel(n: int = 4) -> pl.DataFrame:
    cs = [f"C{k}" for k in range(n)]
    rows = [
        {"exporter": a, "importer": b, "trade": 100.0 if a == b else 10.0, "intl": float(a != b), "pta": 0.0}
        for a in cs
        for b in cs
    ]
    return pl.DataFrame(rows)


def test_model_input_errors_name_the_problem() -> None:
    p = _panel()
    with pytest.raises(GEInputError, match="every exporter-importer pair"):
        StructuralGravity(p.head(15), {"intl": -1.0}, 5, "C0")
    with pytest.raises(GEInputError, match="no column 'dist'"):
        StructuralGravity(p, {"dist": -1.0}, 5, "C0")
    m = StructuralGravity(p, {"intl": -1.0, "pta": 0.5}, 5, "C0")
    with pytest.raises(GEInputError, match="neither cost covariates"):
        m.solve(Experiment.set_pairs([("C0", "C1")], {"bogus": 1}))
    with pytest.raises(GEInputError, match="countries not in the model: ZZ"):
        m.solve(Experiment.set_pairs([("C0", "ZZ")], {"pta": 1}))
    res = m.solve(Experiment.set_pairs([("C0", "C1"), ("C1", "C0")], {"pta": 1}))
    c = {r["country"]: r for r in res.countries.to_dicts()}
    assert c["C0"]["welfare_change_pct"] > 0 and c["C2"]["welfare_change_pct"] < 0
    assert c["C0"]["imr_change_pct"] == pytest.approx(0.0, abs=1e-10)  # reference importer numeraire


def test_us_tariff_counterfactual() -> None:
    same = us_tariff_counterfactual({"CN": 0.1}, {"CN": 0.1})
    assert np.allclose(same.countries["welfare_change_pct"].to_numpy(), 0.0, atol=1e-9)
    res = us_tariff_counterfactual({"CN": 0.03}, {"CN": 0.50})
    c = {r["country"]: r for r in res.countries.to_dicts()}
    assert c["CN"]["welfare_change_pct"] < 0
    assert c["US"]["tariff_revenue_counterfactual"] > c["US"]["tariff_revenue_baseline"]
    cn_us = res.pairs.filter((pl.col("exporter") == "CN") & (pl.col("importer") == "US"))
    assert cn_us["trade_change_pct"][0] < -50
    with pytest.raises(GEInputError, match="not a valid tariff rate"):
        us_tariff_counterfactual({"CN": -2}, {})


def test_cli_example_json_and_missing_scenarios(tmp_path) -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["ge", "run", "--example", "gegravity-can-jpn", "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)["rows"]
    assert len(rows) == 30
    assert set(rows[0]) == {
        "country",
        "gdp_change_pct",
        "factory_gate_price_change_pct",
        "welfare_statistic",
        "imr_change_pct",
        "omr_change_pct",
        "terms_of_trade_change_pct",
        "output_change_pct",
    }
    can = next(r for r in rows if r["country"] == "CAN")
    assert can["gdp_change_pct"] > 0.4 and can["welfare_statistic"] < 1
    bad = runner.invoke(app, ["ge", "run", "--scenario", "liberation-day"])
    assert bad.exit_code != 0
    cfg = tmp_path / "c.yaml"
    cfg.write_text("sigma: 5\nreference: DEU\n")
    out = runner.invoke(app, ["ge", "run", str(cfg)])
    assert out.exit_code == 2 and "missing field 'data'" in out.output
