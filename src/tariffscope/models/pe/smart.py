"""SMART-style single-market partial-equilibrium model, exact CES and linearised.

One importing market (the US), many products ``p`` and sources ``s`` at once, stored *flat*: one row per
product x source with an integer product id ``group``. Theory follows the WITS-SMART framework (World Bank
2010, "SMART Theoretical Framework"; Laird & Yeats 1986, UNCTAD DP 19, Annex I; Jammes & Olarreaga 2005):

* two-stage budgeting. A composite import ``Q_p = A_p P_p^eta_p`` with a constant elasticity of demand
  ``eta_p <= 0``: the **signed** convention, negative for normal demand. The composite is a CES
  (Armington) aggregate of the sources with elasticity of substitution ``sigma_p > 0``;
* export supply of each source ``q_s = B_s (p^w_s)^eps_s`` with ``eps_s >= 0``; ``eps = inf`` means perfectly
  elastic supply, i.e. fixed world prices (the SMART default, 99, is close to it);
* the domestic price is ``P_s = p^w_s * W_s``. ``W = 1 + t`` is the power of the ad valorem tariff, and it may
  also carry an ad valorem equivalent of a non-tariff wedge;
* **units:** baseline imports ``M`` are values *at world prices, excluding duty* (US "customs value").
  Baseline world prices are normalised to 1, so ``M`` is also the baseline quantity (SMART: "trade values
  are treated as quantities").

Exact solution. With ``L = ln(P_p1 / P_p0)`` (log change of the composite price) and
``tau_s = ln(W1_s / W0_s)``, clearing source s's market, ``eta L - sigma (ln P_s - L) = eps_s ln p^w_s``, gives the
log world-price change in closed form given ``L``:
``a_s(L) = ln(P_s1/P_s0) = ((eta + sigma) L + eps_s tau_s) / (sigma + eps_s)``, with ``ln p^w_s = a_s - tau_s``.
What remains is one scalar equation per product, the CES price index
``g(L) = (1/(1-sigma)) ln sum_s theta_s exp((1-sigma) a_s(L)) - L = 0``. Here ``theta`` are the baseline
expenditure shares at domestic prices. ``g' = (eta+sigma) sum_s w_s / (sigma+eps_s) - 1 < 0`` whenever
``eta < 0`` or all ``eps > 0``, so the root is unique. It is found by Newton's method on ``L``, vectorised over
all products and safeguarded by a bisection bracket (any step leaving the bracket is replaced by its midpoint).
With ``eps = inf`` everywhere, ``a_s = tau_s`` and the solve is one step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from tariffscope.errors import TariffscopeError
from tariffscope.fmt import HOURS_PER_YEAR as HOURS_PER_YEAR  # re-exported

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


class ModelInputError(TariffscopeError):
    """Inputs to a PE model that violate its assumptions (the message names the field and row)."""


class ConvergenceError(TariffscopeError):
    """A PE solve that did not reach its tolerance (the message names the worst product)."""


@dataclass(frozen=True)
class Segments:
    """Rows sorted by product id, with the start offset of each product's block."""

    order: I64  # permutation: sorted position -> original row
    inverse: I64  # original row -> sorted position
    starts: I64  # start of each product block in sorted order
    seg_of_row: I64  # product block index of each sorted row
    n: int  # number of product blocks

    @classmethod
    def from_groups(cls, group: ArrayLike) -> Segments:
        g = np.asarray(group)
        order = np.argsort(g, kind="stable").astype(np.int64)
        gs = g[order]
        if gs.size == 0:
            empty = np.zeros(0, dtype=np.int64)
            return cls(order, empty, empty, empty, 0)
        brk = np.flatnonzero(gs[1:] != gs[:-1]) + 1
        starts = np.concatenate([[0], brk]).astype(np.int64)
        seg = np.zeros(gs.size, dtype=np.int64)
        seg[brk] = 1
        seg = np.cumsum(seg)
        inverse = np.empty_like(order)
        inverse[order] = np.arange(order.size, dtype=np.int64)
        return cls(order, inverse, starts, seg, int(starts.size))

    def sum(self, x: F64) -> F64:
        """Per-product sum of a sorted row array."""
        return np.add.reduceat(x, self.starts) if self.n else np.zeros(0)

    def max(self, x: F64) -> F64:
        return np.maximum.reduceat(x, self.starts) if self.n else np.zeros(0)


@dataclass(frozen=True)
class SmartSolution:
    """Exact SMART solution; every row array is in the caller's original row order.

    Values are USD per year at world prices (customs value) unless the name says ``_dutiable``.
    """

    imports0: F64  # M0 (world prices)
    imports1: F64  # M1 = q1 * p^w1 (new world prices)
    quantity1: F64  # q1 in baseline-price units
    world_price_change: F64  # p^w1/p^w0 - 1 (exporter price change)
    domestic_price_change: F64  # P_s1/P_s0 - 1 (US buyer price of this source, duty incl.)
    composite_price_change: F64  # per row: the product's composite P1/P0 - 1
    trade_creation: F64  # s1 * (S1 - S0): scale effect at new shares
    trade_diversion: F64  # S0 * (s1 - s0): reallocation holding sum of quantities fixed
    price_effect: F64  # q1 * (p^w1 - 1): valuation change at new world prices
    tariff_revenue0: F64
    tariff_revenue1: F64
    cs_change: F64  # symmetric (trapezoid) formula, allocated to sources (see docs)
    cs_change_ces: F64  # exact constant-elasticity integral, same allocation
    ps_change: F64  # exporter surplus, trapezoid on a linear supply (GSIM form)
    ps_change_ces: F64  # exporter surplus, exact integral of q = p^eps
    iterations: int
    max_residual: float  # max |log market-clearing residual| over rows with finite eps
    converged: bool

    @property
    def imports_change(self) -> F64:
        return self.imports1 - self.imports0

    @property
    def tariff_revenue_change(self) -> F64:
        return self.tariff_revenue1 - self.tariff_revenue0

    @property
    def welfare_change(self) -> F64:
        """World welfare per row: US consumer surplus + US tariff revenue + exporter surplus."""
        return self.cs_change + self.tariff_revenue_change + self.ps_change

    @property
    def exporter_revenue_change(self) -> F64:
        return self.imports1 - self.imports0

    @property
    def exporter_revenue_change_per_hour(self) -> F64:
        return self.exporter_revenue_change / HOURS_PER_YEAR


def _as_f64(name: str, x: ArrayLike, n: int) -> F64:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 0:
        a = np.full(n, float(a))
    if a.shape != (n,):
        raise ModelInputError(f"{name}: expected {n} rows, got shape {a.shape}")
    return a


def _first_bad(name: str, mask: NDArray[np.bool_], values: F64, rule: str) -> None:
    if mask.any():
        i = int(np.flatnonzero(mask)[0])
        raise ModelInputError(f"{name}: row {i} has {values[i]!r}; {rule} ({int(mask.sum())} bad rows)")


def validate_inputs(
    imports0: F64, t0: F64, t1: F64, eta: F64, sigma: F64, eps: F64, wedge0: F64, wedge1: F64
) -> None:
    """Check the model's domain; the message names the field and the first bad row."""
    _first_bad("imports0", ~np.isfinite(imports0) | (imports0 < 0), imports0, "must be finite and >= 0")
    for nm, v in (("t0", t0), ("t1", t1)):
        _first_bad(nm, ~np.isfinite(v) | (v <= -1), v, "must be finite and > -1")
    for nm, v in (("wedge0", wedge0), ("wedge1", wedge1)):
        _first_bad(nm, ~np.isfinite(v) | (v <= 0), v, "must be a finite power (1+rate) > 0")
    _first_bad("eta", ~np.isfinite(eta) | (eta > 0), eta, "import demand elasticity must be <= 0 (signed)")
    _first_bad("sigma", ~np.isfinite(sigma) | (sigma <= 0), sigma, "substitution elasticity must be > 0")
    _first_bad("eps", np.isnan(eps) | (eps < 0), eps, "export supply elasticity must be >= 0 or inf")
    _first_bad("eta/eps", (eta == 0) & (eps == 0), eta, "eta = 0 with eps = 0 leaves prices indeterminate")


def solve_smart(
    group: ArrayLike,
    imports0: ArrayLike,
    t0: ArrayLike,
    t1: ArrayLike,
    eta: ArrayLike,
    sigma: ArrayLike,
    eps: ArrayLike = np.inf,
    *,
    wedge0: ArrayLike | None = None,
    wedge1: ArrayLike | None = None,
    tol: float = 1e-12,
    max_iter: int = 60,
    raise_on_failure: bool = True,
) -> SmartSolution:
    """Solve the exact nonlinear SMART/Armington model for all products at once.

    ``group`` is a product id per row; ``eta`` and ``sigma`` are given per row and must be constant within a
    product (the first row of each product is used). ``t0``/``t1`` are the ad valorem tariffs that raise revenue.
    ``wedge0``/``wedge1`` are the price wedges ``W`` (default ``1 + t``); pass ``(1+t)(1+ave)`` to add a
    non-tariff ad valorem equivalent that raises no revenue.
    Raises :class:`ConvergenceError` if any product misses ``tol`` after ``max_iter`` Newton steps.
    """
    g = np.asarray(group)
    n = g.shape[0]
    m0 = _as_f64("imports0", imports0, n)
    t0a, t1a = _as_f64("t0", t0, n), _as_f64("t1", t1, n)
    eta_r, sig_r, eps_r = _as_f64("eta", eta, n), _as_f64("sigma", sigma, n), _as_f64("eps", eps, n)
    w0 = 1.0 + t0a if wedge0 is None else _as_f64("wedge0", wedge0, n)
    w1 = 1.0 + t1a if wedge1 is None else _as_f64("wedge1", wedge1, n)
    validate_inputs(m0, t0a, t1a, eta_r, sig_r, eps_r, w0, w1)

    seg = Segments.from_groups(g)
    o = seg.order
    M, W0, W1 = m0[o], w0[o], w1[o]
    eta_p = eta_r[o][seg.starts]
    sig_p = sig_r[o][seg.starts]
    eps_s = eps_r[o]
    _check_constant_within(seg, eta_r[o], eta_p, "eta")
    _check_constant_within(seg, sig_r[o], sig_p, "sigma")
    sid = seg.seg_of_row
    eta_s, sig_s = eta_p[sid], sig_p[sid]

    # expenditure shares at baseline domestic prices
    e0 = M * W0
    E0 = seg.sum(e0)
    safeE = np.where(E0 > 0, E0, 1.0)
    theta = e0 / safeE[sid]
    tau = np.log(W1 / W0)

    c_s = eta_s + sig_s
    inf = np.isinf(eps_s)
    denom = sig_s + np.where(inf, 0.0, eps_s)
    coefL = np.where(inf, 0.0, c_s / np.where(inf, 1.0, denom))
    const = np.where(inf, tau, np.where(inf, 0.0, eps_s) * tau / np.where(inf, 1.0, denom))

    near1 = np.abs(1.0 - sig_p) < 1e-9
    one_m_sig = np.where(near1, 1.0, 1.0 - sig_p)
    logtheta = np.where(theta > 0, np.log(np.where(theta > 0, theta, 1.0)), -np.inf)
    active = theta > 0

    def g_and_dg(L: F64) -> tuple[F64, F64, F64, F64]:
        a = coefL * L[sid] + const
        y = np.where(active, one_m_sig[sid] * a + logtheta, -np.inf)
        ymax = seg.max(y)
        ymax = np.where(np.isfinite(ymax), ymax, 0.0)
        ex = np.exp(y - ymax[sid])
        S = seg.sum(ex)
        safeS = np.where(S > 0, S, 1.0)
        w = ex / safeS[sid]
        pm_ces = (ymax + np.log(safeS)) / one_m_sig
        pm_cd = seg.sum(np.where(active, theta * a, 0.0))
        pm = np.where(near1, pm_cd, pm_ces)
        w = np.where(near1[sid], theta, w)
        gval = np.where(E0 > 0, pm - L, 0.0)
        dg = seg.sum(w * coefL) - 1.0
        return gval, dg, a, w

    # bracket: |L*| <= |g(0)| / min|g'|, with min|g'| >= 1 - max(max_s coefL_s, 0)
    L = np.zeros(seg.n)
    g0, dg0, _, _ = g_and_dg(L)
    mlow = 1.0 - np.maximum(seg.max(np.where(active, coefL, -np.inf)), 0.0)
    mlow = np.where(np.isfinite(mlow) & (mlow > 0), mlow, 1.0)
    R = np.abs(g0) / mlow * 1.01 + 1e-12
    lo, hi = -R, R
    gv, dg = g0, dg0
    it = 0
    converged = np.abs(gv) <= tol
    while not converged.all() and it < max_iter:
        it += 1
        lo = np.where(gv > 0, np.maximum(lo, L), lo)
        hi = np.where(gv < 0, np.minimum(hi, L), hi)
        step = -gv / np.where(dg != 0, dg, -1.0)
        Ln = L + step
        outside = (Ln <= lo) | (Ln >= hi)
        Ln = np.where(outside, 0.5 * (lo + hi), Ln)
        L = np.where(converged, L, Ln)
        gv, dg, _, _ = g_and_dg(L)
        # converged: the residual is small, or the bracket holds the root to machine precision (a steep
        # g whose residual cannot fall below tol between two adjacent floats)
        converged = (np.abs(gv) <= tol * np.maximum(1.0, np.abs(L))) | (
            hi - lo <= 8 * np.finfo(float).eps * np.maximum(1.0, np.abs(L))
        )
    if not converged.all():
        k = int(np.argmax(np.where(converged, 0.0, np.abs(gv))))
        msg = (
            f"SMART solve did not converge in {max_iter} iterations: product block {k} "
            f"(first row {int(o[seg.starts[k]])}) residual {gv[k]:.3e}"
        )
        if raise_on_failure:
            raise ConvergenceError(msg)

    _, _, a, _ = g_and_dg(L)
    L_s = L[sid]
    x = a - tau  # log world-price change
    lnq = eta_s * L_s - sig_s * (a - L_s)  # log quantity change (demand side)
    fin = ~inf & active
    resid = np.abs(lnq - np.where(inf, 0.0, eps_s) * x)
    max_res = float(resid[fin].max()) if fin.any() else 0.0
    max_res = max(max_res, float(np.abs(gv).max()) if gv.size else 0.0)

    pw = np.exp(x)
    q1 = M * np.exp(lnq)
    M1 = q1 * pw
    S0, S1 = seg.sum(M), seg.sum(q1)
    safeS0 = np.where(S0 > 0, S0, 1.0)
    safeS1 = np.where(S1 > 0, S1, 1.0)
    s0 = M / safeS0[sid]
    s1 = q1 / safeS1[sid]
    td = S0[sid] * (s1 - s0)
    tc = s1 * (S1 - S0)[sid]
    pe = q1 * (pw - 1.0)

    # tariff revenue (rates apply to world-price value)
    tr0 = t0a[o] * M
    tr1 = t1a[o] * M1

    # consumer surplus on the composite, then allocated to rows
    Ph = np.expm1(L)  # composite proportional price change
    cs_sym_p = -E0 * Ph - 0.5 * E0 * eta_p * Ph**2
    cs_ces_p = _cs_ces(E0, eta_p, L)
    dP_s = np.expm1(a)
    first = -e0 * dP_s
    first_p = seg.sum(first)
    cs_sym = first + theta * (cs_sym_p - first_p)[sid]
    cs_ces = first + theta * (cs_ces_p - first_p)[sid]

    xh = np.expm1(x)
    epsf = np.where(inf, 0.0, eps_s)
    ps_sym = np.where(inf, 0.0, M * xh + 0.5 * epsf * M * xh**2)
    ps_ces = np.where(inf, 0.0, _ps_ces(M, epsf, x))

    inv = seg.inverse

    def back(v: F64) -> F64:
        return v[inv]

    return SmartSolution(
        imports0=m0.copy(),
        imports1=back(M1),
        quantity1=back(q1),
        world_price_change=back(xh),
        domestic_price_change=back(dP_s),
        composite_price_change=back(Ph[sid]),
        trade_creation=back(tc),
        trade_diversion=back(td),
        price_effect=back(pe),
        tariff_revenue0=back(tr0),
        tariff_revenue1=back(tr1),
        cs_change=back(cs_sym),
        cs_change_ces=back(cs_ces),
        ps_change=back(ps_sym),
        ps_change_ces=back(ps_ces),
        iterations=it,
        max_residual=max_res,
        converged=bool(converged.all()),
    )


def _check_constant_within(seg: Segments, v_sorted: F64, v_p: F64, name: str) -> None:
    bad = v_sorted != v_p[seg.seg_of_row]
    if bad.any():
        i = int(seg.order[np.flatnonzero(bad)[0]])
        raise ModelInputError(f"{name} must be constant within a product; row {i} differs")


def _cs_ces(E0: F64, eta: F64, L: F64) -> F64:
    """Exact CS change for Q = A P^eta: -E0 * (P_hat^(1+eta) - 1)/(1+eta) (or -E0 ln P_hat at eta=-1)."""
    k = 1.0 + eta
    near = np.abs(k) < 1e-12
    safek = np.where(near, 1.0, k)
    return np.where(near, -E0 * L, -E0 * np.expm1(k * L) / safek)


def _ps_ces(M: F64, eps: F64, x: F64) -> F64:
    """Exact PS change for q = M p^eps (p0 = 1): M * (p_hat^(1+eps) - 1)/(1+eps)."""
    k = 1.0 + eps
    return M * np.expm1(k * x) / k


def symmetric_cs(revenue: ArrayLike, eta: ArrayLike, price_change: ArrayLike) -> F64:
    """Consumer-surplus change on a linear demand through the baseline with elasticity ``eta``.

    ``dCS = -R P_hat - 0.5 R eta P_hat**2``: the exact trapezoid for price increases and decreases alike
    (research note, sign caveat to Francois & Hall 2003 eq. 12's ``sign()`` form). ``R`` is baseline
    spending at domestic prices.
    """
    R, e, p = (np.asarray(v, dtype=np.float64) for v in (revenue, eta, price_change))
    return np.asarray(-R * p - 0.5 * R * e * p**2, dtype=np.float64)


@dataclass(frozen=True)
class SmartLinear:
    """Linearised SMART effects (first order in the tariff change), original row order."""

    trade_creation: F64  # WITS: M eta dt / ((1+t0)(1 - eta/eps))
    trade_diversion: F64  # sigma * M * (Pbar_hat - P_hat_s), sums to zero within a product
    world_price_change: F64  # dt/(1+t0) * eta/(eps - eta)
    price_effect: F64  # (M + TC) * world_price_change * ... first order: M * dp/p
    total_change_wits: F64  # TC + TD + price effect (value at world prices)
    total_change_ces: F64  # consistent first-order expansion of the exact CES model


def smart_linear(
    group: ArrayLike,
    imports0: ArrayLike,
    t0: ArrayLike,
    t1: ArrayLike,
    eta: ArrayLike,
    sigma: ArrayLike,
    eps: ArrayLike = np.inf,
) -> SmartLinear:
    """Linearised SMART formulas (Laird & Yeats 1986 Annex I; WITS help "Trade Effects").

    * trade creation ``TC_s = M_s eta dt_s / ((1+t0_s)(1 - eta/eps_s))``: SMART applies the composite demand
      elasticity to each source's own price change;
    * world price ``dp/p = dt/(1+t0) * eta/(eps-eta)``;
    * trade diversion, generalised from the two-group formula to many sources:
      ``TD_s = sigma M_s (Pbar - P_hat_s)``, ``Pbar = sum_k M_k P_hat_k / sum_k M_k``, with ``P_hat`` the
      domestic price change (tariff plus world-price pass-through). ``sum_s TD_s = 0`` exactly;
    * ``total_change_ces`` is the first-order expansion of :func:`solve_smart` (closed form, see docs/pe.md).
      It agrees with ``total_change_wits`` summed over a product's sources when the baseline tariff and
      ``eps`` are the same for all of the product's sources, and source by source when a product has one source
      or a uniform tariff change. Otherwise SMART's own-price creation rule re-allocates creation among sources.
    """
    g = np.asarray(group)
    n = g.shape[0]
    M = _as_f64("imports0", imports0, n)
    t0a, t1a = _as_f64("t0", t0, n), _as_f64("t1", t1, n)
    eta_r, sig_r, eps_r = _as_f64("eta", eta, n), _as_f64("sigma", sigma, n), _as_f64("eps", eps, n)
    validate_inputs(M, t0a, t1a, eta_r, sig_r, eps_r, 1 + t0a, 1 + t1a)
    seg = Segments.from_groups(g)
    inf = np.isinf(eps_r)
    epsf = np.where(inf, 1.0, eps_r)
    dtn = (t1a - t0a) / (1.0 + t0a)
    pass_w = np.where(inf, 0.0, eta_r / (epsf - eta_r))  # dp^w/p^w per unit dtn
    ratio = np.where(inf, 0.0, eta_r / epsf)
    tc = M * eta_r * dtn / (1.0 - ratio)
    dpw = dtn * pass_w
    dP = dtn + dpw
    o, sid = seg.order, seg.seg_of_row
    Ms = M[o]
    S = seg.sum(Ms)
    Pbar = seg.sum(Ms * dP[o]) / np.where(S > 0, S, 1.0)
    td = np.empty(n)
    td[o] = sig_r[o] * Ms * (Pbar[sid] - dP[o])
    pe = M * dpw
    total_wits = tc + td + pe

    # first-order CES: L = sum theta eps tau/(sigma+eps) / (1 - (eta+sigma) sum theta/(sigma+eps))
    W0 = 1.0 + t0a
    e0 = (M * W0)[o]
    E0 = seg.sum(e0)
    theta = e0 / np.where(E0 > 0, E0, 1.0)[sid]
    es, ss, hs = eps_r[o], sig_r[o], eta_r[o]
    infs = np.isinf(es)
    inv_d = np.where(infs, 0.0, 1.0 / (ss + np.where(infs, 0.0, es)))
    share_pass = np.where(infs, 1.0, np.where(infs, 0.0, es) * inv_d)
    tau = dtn[o]
    num = seg.sum(theta * share_pass * tau)
    den = 1.0 - seg.sum(theta * (hs + ss) * inv_d)
    L = num / den
    a = (hs + ss) * inv_d * L[sid] + share_pass * tau
    x = a - tau
    lnq = hs * L[sid] - ss * (a - L[sid])
    total_ces = np.empty(n)
    total_ces[o] = Ms * (lnq + x)
    return SmartLinear(tc, td, dpw, pe, total_wits, total_ces)


def two_group_diversion(m_c: ArrayLike, m_k: ArrayLike, sigma: ArrayLike, x: ArrayLike) -> F64:
    """Two-group SMART diversion (Laird & Yeats 1986; Jammes & Olarreaga 2005).

    ``TD_c = M_c M_K sigma x / (M_c + M_K + M_c sigma x)`` with ``x`` the proportional change of the
    competitors' relative domestic price ``P_K/P_c``; ``TD_K = -TD_c``. Exact given constant ``M_c + M_K`` and
    a constant-ratio elasticity evaluated on the linearised relative price.
    """
    mc, mk, s, xx = (np.asarray(v, dtype=np.float64) for v in (m_c, m_k, sigma, x))
    return np.asarray(mc * mk * s * xx / (mc + mk + mc * s * xx), dtype=np.float64)
