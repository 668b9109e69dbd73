"""GSIM: global partial-equilibrium market clearing for one product (Francois & Hall 2003), vectorised.

Arrays are dense per product: ``M[p, r, v]`` is the flow from exporter ``r`` to importer ``v`` of product ``p``
at world prices. ``T0``/``T1`` hold the tariff powers ``1 + t`` of the same shape. ``Em[p, v]`` (< 0) is the
composite import-demand elasticity, ``Es[p, v]`` (> 0) the Armington substitution elasticity, and ``Ex[p, r]``
(>= 0, ``inf`` allowed) the export-supply elasticity. A square matrix with domestic sales on the diagonal
is the GSIM convention, but any ``R x V`` works.

Two solvers:

* :func:`solve_gsim_linear` is the published GSIM system in proportional changes (Francois & Hall 2003, eqs.
  4-9; Jammes & Olarreaga 2005). ``M_hat_rv = (Em_v + Es_v) Pbar_v - Es_v P_hat_rv`` (own- and cross-price
  elasticities ``N``), ``P_hat_rv = T_hat_rv + P*_r``, ``Pbar_v = sum_r theta_rv P_hat_rv``, and clearing
  ``sum_v phi_rv M_hat_rv = Ex_r P*_r``. It is linear in ``P*`` and solved by one batched ``numpy.linalg.solve``.
* :func:`solve_gsim_exact` is the same economy with constant-elasticity demand, supply and CES shares,
  solved in logs by batched Newton with backtracking and started from the linear solution. It is exact for
  large changes, and with one importer it reproduces :func:`tariffscope.models.pe.smart.solve_smart`.

Welfare (F&H 2003 section 3, with the symmetric CS form from the research note):
``dCS_v = -R_v Pbar_v - 0.5 R_v Em_v Pbar_v^2`` (``R_v = sum_r M_rv T0_rv``), ``dPS_r = R*_r P*_r +
0.5 Ex_r R*_r P*_r^2``, ``dTR_v = sum_r M1_rv (T1-1) - M0_rv (T0-1)``, and net welfare per region
(square case) = CS + TR as importer + PS as exporter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from tariffscope.models.pe.smart import ConvergenceError, ModelInputError

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class GsimResult:
    """GSIM outcome; ``p`` = product, ``r`` = exporter, ``v`` = importer."""

    world_price_change: F64  # (P, R): P*_r proportional change
    imports1: F64  # (P, R, V) at new world prices
    composite_price_change: F64  # (P, V): importer's composite internal price change
    cs_change: F64  # (P, V)
    tariff_revenue0: F64  # (P, V)
    tariff_revenue1: F64  # (P, V)
    ps_change: F64  # (P, R)
    iterations: int = 0
    max_residual: float = 0.0

    @property
    def tariff_revenue_change(self) -> F64:
        return self.tariff_revenue1 - self.tariff_revenue0

    def net_welfare(self) -> F64:
        """(P, N) net welfare per region; needs a square flow matrix (the same regions import and export)."""
        if self.cs_change.shape[1] != self.ps_change.shape[1]:
            raise ModelInputError("net_welfare needs as many importers as exporters (a square GSIM matrix)")
        return self.cs_change + self.tariff_revenue_change + self.ps_change


def _prep(
    M: ArrayLike, T0: ArrayLike, T1: ArrayLike, Em: ArrayLike, Es: ArrayLike, Ex: ArrayLike
) -> tuple[F64, F64, F64, F64, F64, F64]:
    m = np.asarray(M, dtype=np.float64)
    if m.ndim == 2:
        m = m[None]
    if m.ndim != 3:
        raise ModelInputError(f"M: expected (products, exporters, importers), got shape {m.shape}")
    P, R, V = m.shape
    t0 = np.broadcast_to(np.asarray(T0, dtype=np.float64), m.shape).copy()
    t1 = np.broadcast_to(np.asarray(T1, dtype=np.float64), m.shape).copy()
    em = np.broadcast_to(np.asarray(Em, dtype=np.float64), (P, V)).copy()
    es = np.broadcast_to(np.asarray(Es, dtype=np.float64), (P, V)).copy()
    ex = np.broadcast_to(np.asarray(Ex, dtype=np.float64), (P, R)).copy()
    if (m < 0).any() or not np.isfinite(m).all():
        raise ModelInputError("M: flows must be finite and >= 0")
    if (t0 <= 0).any() or (t1 <= 0).any():
        raise ModelInputError("T0/T1: tariff powers (1+t) must be > 0")
    if (em > 0).any():
        raise ModelInputError("Em: composite import-demand elasticity must be <= 0 (signed)")
    if (es <= 0).any():
        raise ModelInputError("Es: substitution elasticity must be > 0")
    if np.isnan(ex).any() or (ex < 0).any():
        raise ModelInputError("Ex: export-supply elasticity must be >= 0 or inf")
    return m, t0, t1, em, es, ex


def _shares(m: F64, t0: F64) -> tuple[F64, F64, F64, F64]:
    e = m * t0
    Rv = e.sum(axis=1)  # (P, V) spending at internal prices
    theta = e / np.where(Rv > 0, Rv, 1.0)[:, None, :]
    Rx = m.sum(axis=2)  # (P, R) exports at world prices
    phi = m / np.where(Rx > 0, Rx, 1.0)[:, :, None]
    return theta, phi, Rv, Rx


def _welfare(
    m: F64, t0: F64, t1: F64, m1: F64, em: F64, ex: F64, pstar: F64, pbar: F64, Rv: F64, Rx: F64
) -> tuple[F64, F64, F64, F64]:
    cs = -Rv * pbar - 0.5 * Rv * em * pbar**2
    tr0 = (m * (t0 - 1.0)).sum(axis=1)
    tr1 = (m1 * (t1 - 1.0)).sum(axis=1)
    exf = np.where(np.isinf(ex), 0.0, ex)
    ps = np.where(np.isinf(ex), 0.0, Rx * pstar + 0.5 * exf * Rx * pstar**2)
    return cs, tr0, tr1, ps


def solve_gsim_linear(
    M: ArrayLike, T0: ArrayLike, T1: ArrayLike, Em: ArrayLike, Es: ArrayLike, Ex: ArrayLike
) -> GsimResult:
    """Francois & Hall (2003) GSIM in proportional changes (linear in ``P*``), batched over products."""
    m, t0, t1, em, es, ex = _prep(M, T0, T1, Em, Es, Ex)
    R = m.shape[1]
    theta, phi, Rv, Rx = _shares(m, t0)
    That = t1 / t0 - 1.0
    c = em + es  # (P, V)
    # A_rs = sum_v phi_rv c_v theta_sv - delta_rs (sum_v phi_rv Es_v + Ex_r)
    A = np.einsum("prv,pv,psv->prs", phi, c, theta)
    fixed = np.isinf(ex) | (Rx <= 0)
    diag = (phi * es[:, None, :]).sum(axis=2) + np.where(fixed, 0.0, ex)
    A -= diag[:, :, None] * np.eye(R)[None]
    tbar = (theta * That).sum(axis=1)  # (P, V)
    b = -(np.einsum("prv,pv->pr", phi, c * tbar) - (phi * es[:, None, :] * That).sum(axis=2))
    # fixed world prices: P*_r = 0
    A = np.where(fixed[:, :, None], np.eye(R)[None], A)
    b = np.where(fixed, 0.0, b)
    pstar = np.linalg.solve(A, b[..., None])[..., 0]
    Phat = That + pstar[:, :, None]
    pbar = (theta * Phat).sum(axis=1)
    Mhat = c[:, None, :] * pbar[:, None, :] - es[:, None, :] * Phat
    m1 = m * (1.0 + Mhat) * (1.0 + pstar[:, :, None])
    exf = np.where(fixed, 0.0, ex)
    res = (phi * Mhat).sum(axis=2) - exf * pstar
    cs, tr0, tr1, ps = _welfare(m, t0, t1, m1, em, ex, pstar, pbar, Rv, Rx)
    return GsimResult(pstar, m1, pbar, cs, tr0, tr1, ps, 1, float(np.abs(np.where(fixed, 0, res)).max()))


def _exact_eval(
    x: F64, tau: F64, theta: F64, phi: F64, em: F64, es: F64, ex: F64, fixed: NDArray[np.bool_]
) -> tuple[F64, F64, F64, F64, F64]:
    """Residuals, Jacobian, log composite price change L, log quantity changes, new shares."""
    a = x[:, :, None] + tau  # (P, R, V) log internal price change
    one_m = np.where(np.abs(1.0 - es) < 1e-9, 1.0, 1.0 - es)  # (P, V)
    act = theta > 0
    y = np.where(act, one_m[:, None, :] * a + np.log(np.where(act, theta, 1.0)), -np.inf)
    ymax = y.max(axis=1)
    ymax = np.where(np.isfinite(ymax), ymax, 0.0)
    ez = np.exp(y - ymax[:, None, :])
    S = ez.sum(axis=1)
    S = np.where(S > 0, S, 1.0)
    w = ez / S[:, None, :]
    L = (ymax + np.log(S)) / one_m
    cd = np.abs(1.0 - es) < 1e-9
    L = np.where(cd, (theta * a).sum(axis=1), L)
    w = np.where(cd[:, None, :], theta, w)
    lnq = em[:, None, :] * L[:, None, :] - es[:, None, :] * (a - L[:, None, :])  # (P, R, V)
    lnq = np.where(act, lnq, 0.0)
    z = np.where(phi > 0, phi * np.exp(lnq), 0.0)
    Z = z.sum(axis=2)
    Zs = np.where(Z > 0, Z, 1.0)
    psi = z / Zs[:, :, None]
    exf = np.where(fixed, 0.0, ex)
    f = np.where(fixed, x, np.log(Zs) - exf * x)
    # J_rs = sum_v psi_rv ((Em+Es)_v w_sv - Es_v delta_rs) - Ex_r delta_rs
    R = x.shape[1]
    J = np.einsum("prv,pv,psv->prs", psi, em + es, w)
    J -= ((psi * es[:, None, :]).sum(axis=2) + exf)[:, :, None] * np.eye(R)[None]
    J = np.where(fixed[:, :, None], np.eye(R)[None], J)
    return f, J, L, lnq, w


def solve_gsim_exact(
    M: ArrayLike,
    T0: ArrayLike,
    T1: ArrayLike,
    Em: ArrayLike,
    Es: ArrayLike,
    Ex: ArrayLike,
    *,
    tol: float = 1e-12,
    max_iter: int = 50,
) -> GsimResult:
    """Nonlinear GSIM (constant elasticities, CES shares) by batched damped Newton on log world prices.

    Raises :class:`ConvergenceError` when the max-norm of the log market-clearing residual stays above ``tol``.
    """
    m, t0, t1, em, es, ex = _prep(M, T0, T1, Em, Es, Ex)
    theta, phi, Rv, Rx = _shares(m, t0)
    tau = np.log(t1 / t0)
    fixed = np.isinf(ex) | (Rx <= 0)
    lin = solve_gsim_linear(m, t0, t1, em, es, ex)
    x = np.where(fixed, 0.0, np.log1p(np.clip(lin.world_price_change, -0.9, None)))
    f, J, *_ = _exact_eval(x, tau, theta, phi, em, es, ex, fixed)
    norm = np.abs(f).max(axis=1)
    it = 0
    while norm.max() > tol and it < max_iter:
        it += 1
        dx = np.linalg.solve(J, -f[..., None])[..., 0]
        step = np.ones(x.shape[0])
        for _ in range(30):  # backtracking on the max-norm, per product
            xn = x + step[:, None] * dx
            fn, Jn, *_ = _exact_eval(xn, tau, theta, phi, em, es, ex, fixed)
            nn = np.abs(fn).max(axis=1)
            bad = (nn > (1 - 1e-4 * step) * norm) & (norm > tol)
            if not bad.any():
                break
            step = np.where(bad, step * 0.5, step)
        x, f, J, norm = xn, fn, Jn, nn
    if norm.max() > tol:
        k = int(np.argmax(norm))
        raise ConvergenceError(f"GSIM exact solve: product {k} residual {norm[k]:.3e} after {it} iterations")
    _, _, L, lnq, _ = _exact_eval(x, tau, theta, phi, em, es, ex, fixed)
    pstar = np.expm1(x)
    m1 = m * np.exp(lnq + x[:, :, None])
    pbar = np.expm1(L)
    cs, tr0, tr1, ps = _welfare(m, t0, t1, m1, em, ex, pstar, pbar, Rv, Rx)
    return GsimResult(pstar, m1, pbar, cs, tr0, tr1, ps, it, float(norm.max()))
