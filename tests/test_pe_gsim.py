"""GSIM (Francois & Hall 2003): analytical cases and cross-checks.

Published GSIM example numbers (F&H 2003 paper / GSIM v2 spreadsheet demo) could not be retrieved through
the project's search tools, so this suite does not reproduce a published table. It uses instead (a) cases with
closed-form solutions, (b) the F&H sample calibration E_m = -1.25, E_s = 5, E_x = 1.5 (research note section
2.2), (c) agreement of the exact GSIM with the independently coded SMART solver when there is one importer, and
(d) convergence of the exact to the published linear system as the shock shrinks.
"""

from __future__ import annotations

import numpy as np
import pytest

from tariffscope.models.pe.gsim import solve_gsim_exact, solve_gsim_linear
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
