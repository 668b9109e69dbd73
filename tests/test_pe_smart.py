"""Exact and linearised SMART: closed forms, limits, identities, monotonicity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tariffscope.models.pe.smart import (
    ConvergenceError,
    ModelInputError,
    smart_linear,
    solve_smart,
    symmetric_cs,
    two_group_diversion,
)


def _case(seed: int = 0, n_prod: int = 6, n_src: int = 4, uniform_t0: bool = False):
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(n_prod), n_src)
    n = g.size
    M = rng.uniform(1, 100, n)
    t0 = np.full(n, 0.05) if uniform_t0 else rng.uniform(0, 0.2, n)
    eta = np.repeat(rng.uniform(-3, -0.3, n_prod), n_src)
    sig = np.repeat(rng.choice([0.6, 1.0, 2.5, 8.0, 30.0], n_prod), n_src)
    return g, M, t0, eta, sig


def test_single_source_closed_form_infinite_supply() -> None:
    """One source, eps = inf: P_hat = W1/W0 and M1 = M0 (W1/W0)^eta exactly (no approximation)."""
    M, t0, t1, eta = 100.0, 0.10, 0.25, -1.7
    s = solve_smart([0], [M], [t0], [t1], [eta], [3.0])
    ratio = (1 + t1) / (1 + t0)
    assert s.imports1[0] == pytest.approx(M * ratio**eta, rel=1e-12)
    assert s.world_price_change[0] == 0.0
    assert s.composite_price_change[0] == pytest.approx(ratio - 1, rel=1e-12)
    assert s.tariff_revenue1[0] == pytest.approx(t1 * M * ratio**eta, rel=1e-12)
    assert s.trade_diversion[0] == pytest.approx(0.0, abs=1e-9)


def test_single_source_closed_form_elastic_supply() -> None:
    """One source, finite eps: log p^w = eta tau / (eps - eta) in the constant-elasticity model."""
    M, t0, t1, eta, eps = 50.0, 0.10, 0.25, -1.25, 1.5
    s = solve_smart([0], [M], [t0], [t1], [eta], [5.0], [eps])
    tau = np.log((1 + t1) / (1 + t0))
    x = eta * tau / (eps - eta)
    assert s.world_price_change[0] == pytest.approx(np.expm1(x), rel=1e-10)
    assert s.quantity1[0] == pytest.approx(M * np.exp(eps * x), rel=1e-10)
    assert s.max_residual < 1e-10


def test_uniform_change_leaves_shares_unchanged() -> None:
    """The same proportional wedge change on every source: no diversion, every source scales by P_hat^eta."""
    g, M, t0, eta, sig = _case(1)
    t1 = (1 + t0) * 1.2 - 1
    s = solve_smart(g, M, t0, t1, eta, sig)
    np.testing.assert_allclose(s.imports1, M * 1.2**eta, rtol=1e-12)
    np.testing.assert_allclose(s.trade_diversion, 0.0, atol=1e-9)


@pytest.mark.parametrize("eps", [np.inf, 99.0, 2.0, 0.3])
def test_decomposition_and_diversion_identity(eps: float) -> None:
    """Exact identities tested: TC + TD + price effect = M1 - M0 per row, and sum_s TD_{p,s} = 0 per product.

    TD is defined as S0 (s1 - s0) with s the quantity shares, i.e. the reallocation at a fixed sum of import
    quantities (SMART's "total imports held fixed"). The test also checks that TD is non-trivial.
    """
    g, M, t0, eta, sig = _case(2)
    t1 = t0 + np.random.default_rng(3).uniform(0, 0.4, t0.size)
    s = solve_smart(g, M, t0, t1, eta, sig, eps)
    np.testing.assert_allclose(
        s.trade_creation + s.trade_diversion + s.price_effect, s.imports1 - s.imports0, atol=1e-9
    )
    per_prod = np.bincount(g, weights=s.trade_diversion)
    np.testing.assert_allclose(per_prod, 0.0, atol=1e-9)
    assert np.abs(s.trade_diversion).max() > 1.0


def test_exact_matches_ces_first_order_in_small_change_limit() -> None:
    """Exact minus first-order CES is O(h^2): the relative error falls about tenfold per tenfold smaller h."""
    g, M, t0, eta, sig = _case(4)
    eps = np.tile([np.inf, 3.0, 0.8, 20.0], 6)
    d = np.random.default_rng(5).uniform(0.5, 1.5, g.size)
    errs = []
    for h in (1e-2, 1e-3, 1e-4):
        t1 = t0 + h * d
        ex = solve_smart(g, M, t0, t1, eta, sig, eps)
        li = smart_linear(g, M, t0, t1, eta, sig, eps)
        errs.append(np.abs(ex.imports_change - li.total_change_ces).max() / np.abs(li.total_change_ces).max())
    assert errs[2] < 1e-3
    assert errs[1] < errs[0] / 5 and errs[2] < errs[1] / 5


def test_exact_matches_wits_smart_in_small_change_limit() -> None:
    """WITS-SMART TC/TD/price effect vs exact in the limit.

    Per source when each product has one source. Summed over sources when the baseline tariff and eps are
    uniform within the product. TD per source agrees at fixed world prices.
    """
    h = 1e-5
    # one source per product, finite and infinite eps
    g = np.arange(4)
    M = np.array([10.0, 20, 30, 40])
    t0 = np.array([0.0, 0.05, 0.1, 0.2])
    eta = np.array([-1.5, -0.5, -2.0, -1.0])
    eps = np.array([np.inf, 1.5, 99.0, 4.0])
    t1 = t0 + h
    ex = solve_smart(g, M, t0, t1, eta, 3.0 * np.ones(4), eps)
    li = smart_linear(g, M, t0, t1, eta, 3.0 * np.ones(4), eps)
    np.testing.assert_allclose(ex.imports_change / h, li.total_change_wits / h, rtol=1e-4)
    np.testing.assert_allclose(ex.world_price_change / h, li.world_price_change / h, rtol=1e-4, atol=1e-9)
    # many sources, uniform t0 and eps within product: totals and per-source TD agree
    g, M, t0, eta, sig = _case(6, uniform_t0=True)
    t1 = t0 + h * np.random.default_rng(7).uniform(0.2, 1.0, g.size)
    for e in (np.inf, 2.0):
        ex = solve_smart(g, M, t0, t1, eta, sig, e)
        li = smart_linear(g, M, t0, t1, eta, sig, e)
        tot_ex = np.bincount(g, weights=ex.imports_change)
        tot_li = np.bincount(g, weights=li.total_change_wits)
        np.testing.assert_allclose(tot_ex / h, tot_li / h, rtol=1e-3)
        if np.isinf(e):
            # with upward-sloping supply SMART's own-price pass-through eps/(eps-eta) ignores sigma, so per-source
            # TD only agrees at fixed world prices
            np.testing.assert_allclose(ex.trade_diversion / h, li.trade_diversion / h, rtol=1e-3, atol=1e-3)
        tc_ex = np.bincount(g, weights=ex.trade_creation)
        tc_li = np.bincount(g, weights=li.trade_creation)
        np.testing.assert_allclose(tc_ex / h, tc_li / h, rtol=1e-3)


def test_linear_diversion_sums_to_zero_and_two_group_formula() -> None:
    g, M, t0, eta, sig = _case(8)
    li = smart_linear(g, M, t0, t0 + 0.1 * (g % 2), eta, sig)
    np.testing.assert_allclose(np.bincount(g, weights=li.trade_diversion), 0.0, atol=1e-9)
    # two-group formula -> sigma Mc MK x/(Mc+MK) as x -> 0; exact-ratio check for finite x
    mc, mk, s, x = 30.0, 70.0, 4.0, 1e-7
    assert two_group_diversion(mc, mk, s, x) == pytest.approx(s * mc * mk * x / (mc + mk), rel=1e-6)
    x = 0.05
    td = two_group_diversion(mc, mk, s, x)
    # the formula solves (M_c'/M_K') / (M_c/M_K) = 1 + sigma x with M_c + M_K fixed (research note derivation)
    assert ((mc + td) / (mk - td)) / (mc / mk) - 1 == pytest.approx(s * x, rel=1e-12)


def test_symmetric_cs_research_note_example() -> None:
    """Research note check: Q0 = 100, P_hat = +0.1, E_m = -1.25 gives -9.375 (the sign() form gives -10.625)."""
    assert float(symmetric_cs(100.0, -1.25, 0.1)) == pytest.approx(-9.375)
    # price decrease: trapezoid = +10.625
    assert float(symmetric_cs(100.0, -1.25, -0.1)) == pytest.approx(10.625)
    # equals the area under the linear demand through (1, 100) with slope eta*Q/P, both directions
    for ph in (0.2, -0.15):
        q1 = 100.0 * (1 + (-1.25) * ph)
        assert float(symmetric_cs(100.0, -1.25, ph)) == pytest.approx(-0.5 * (100.0 + q1) * ph)


def test_cs_symmetric_close_to_exact_ces_and_allocation_sums() -> None:
    g, M, t0, eta, sig = _case(9)
    s = solve_smart(g, M, t0, t0 + 0.02, eta, sig)
    np.testing.assert_allclose(s.cs_change, s.cs_change_ces, rtol=1e-2)
    # product-level CS from the composite: sum of the allocation equals the symmetric formula
    W0 = 1 + t0
    E0 = np.bincount(g, weights=M * W0)
    Ph = np.bincount(g, weights=s.composite_price_change) / np.bincount(g)
    eta_p = eta[np.unique(g, return_index=True)[1]]
    np.testing.assert_allclose(np.bincount(g, weights=s.cs_change), symmetric_cs(E0, eta_p, Ph), rtol=1e-10)


def test_infinite_supply_limit() -> None:
    """eps -> inf converges to the fixed-world-price solution; PS -> 0."""
    g, M, t0, eta, sig = _case(10)
    t1 = t0 + 0.15
    ref = solve_smart(g, M, t0, t1, eta, sig, np.inf)
    prev = np.inf
    for e in (10.0, 1e3, 1e6):
        s = solve_smart(g, M, t0, t1, eta, sig, e)
        err = np.abs(s.imports1 - ref.imports1).max()
        assert err < prev
        prev = err
    assert prev < 1e-3
    assert np.abs(s.ps_change).max() < 1e-2
    assert np.all(ref.ps_change == 0)


def test_sigma_one_cobb_douglas_and_extreme_sigma() -> None:
    g = np.array([0, 0])
    s = solve_smart(g, [50.0, 50.0], [0.0, 0.0], [0.5, 0.0], [-1.0, -1.0], [1.0, 1.0])
    # Cobb-Douglas in the nest, unit-elastic composite: spending per source at domestic prices is constant
    assert s.imports1[0] * 1.5 == pytest.approx(50.0, rel=1e-10)
    assert s.imports1[1] == pytest.approx(50.0, rel=1e-10)
    s = solve_smart(g, [50.0, 50.0], [0.0, 0.0], [0.5, 0.0], [-1.0, -1.0], [4000.0, 4000.0], [2.0, 2.0])
    # near-perfect substitutes with upward-sloping supply: world prices adjust until domestic prices equalise
    assert s.converged and np.isfinite(s.imports1).all()
    assert abs(np.log1p(s.domestic_price_change[0]) - np.log1p(s.domestic_price_change[1])) < 1e-3
    assert s.world_price_change[0] < -0.15


def test_input_errors_name_field_and_row() -> None:
    with pytest.raises(ModelInputError, match="eta: row 1"):
        solve_smart([0, 0], [1.0, 1.0], 0.0, 0.1, [-1.0, 0.5], 2.0)
    with pytest.raises(ModelInputError, match="constant within a product"):
        solve_smart([0, 0], [1.0, 1.0], 0.0, 0.1, -1.0, [2.0, 3.0])
    with pytest.raises(ModelInputError, match="imports0: row 0"):
        solve_smart([0], [-1.0], 0.0, 0.1, -1.0, 2.0)


def test_non_convergence_fails_loudly() -> None:
    g, M, t0, eta, sig = _case(11)
    with pytest.raises(ConvergenceError, match="did not converge"):
        solve_smart(g, M, t0, t0 + 0.3, eta, sig, 0.5, max_iter=1, tol=1e-300)


@settings(max_examples=60, deadline=None)
@given(
    m=st.lists(st.floats(0.1, 1e6), min_size=2, max_size=6),
    t0=st.floats(0.0, 0.5),
    dt=st.floats(0.0, 1.0),
    eta=st.floats(-4.0, -0.05),
    sigma=st.floats(0.2, 25.0),
    eps=st.sampled_from([np.inf, 99.0, 3.0, 0.5, 0.0]),
)
def test_higher_tariff_never_raises_taxed_partners_exports(
    m: list[float], t0: float, dt: float, eta: float, sigma: float, eps: float
) -> None:
    """Monotonicity: raising source 0's tariff (others fixed) never raises its export value or quantity."""
    n = len(m)
    g = np.zeros(n, dtype=int)
    t0a = np.full(n, t0)
    t1a = t0a.copy()
    t1a[0] += dt
    s = solve_smart(g, m, t0a, t1a, eta, sigma, eps)
    assert s.imports1[0] <= m[0] * (1 + 1e-9)
    assert s.quantity1[0] <= m[0] * (1 + 1e-9)
    # and a further increase lowers it again
    t2 = t1a.copy()
    t2[0] += 0.1
    s2 = solve_smart(g, m, t0a, t2, eta, sigma, eps)
    assert s2.imports1[0] <= s.imports1[0] * (1 + 1e-9)
    # competitors do not lose from the taxed partner's tariff
    assert np.all(s.imports1[1:] >= np.asarray(m[1:]) * (1 - 1e-9)) or eta + sigma < 0
