"""Pure NumPy solvers for one-sector structural gravity.

Everything here works on dense ``N x N`` arrays (rows = exporters ``i``, columns = importers ``j``)
and is vectorised. All unknowns are updated multiplicatively from strictly positive quantities,
so a price, a multilateral resistance or an expenditure can never become zero or negative: the
spurious negative roots that level-space Newton solvers (``scipy.optimize.root('hybr')``) find
when ``1 - sigma`` is an even integer cannot occur. No user scale factor is needed.

Two systems are solved:

* **Multilateral resistances** (Anderson & van Wincoop 2003; Yotov et al. 2016, eqs. 1-3/1-4):
  ``a_j = sum_i K_ij / b_i`` and ``b_i = sum_j L_ij / a_j`` with ``a_ref = 1``.  In levels
  ``a = P^(1-sigma)``, ``b = Pi^(1-sigma)``, ``K_ij = t_ij^(1-sigma) Y_i/Y``, ``L_ij = t_ij^(1-sigma) E_j/E``.
  This is a matrix-scaling problem (Sinkhorn); it is solved in logs by alternating projections and
  polished with Newton steps on the convex dual, so it converges globally.
* **Full general equilibrium in changes** ("exact hat algebra", Dekle-Eaton-Kortum 2008), the
  fixed point of Baier, Yotov & Zylkin (2019, ``ge_gravity``), extended with ad-valorem tariffs whose
  revenue is spent by the importer and with fixed trade deficits (Caliendo & Parro 2015, eq. 9-10).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from tariffscope.errors import TariffscopeError

Array = NDArray[np.float64]


class GEConvergenceError(TariffscopeError):
    """A GE system did not converge: the message gives the system, iterations and residual."""


class GEInputError(TariffscopeError):
    """Invalid model input (non-square panel, non-positive flows, bad sigma ...)."""


@dataclass(frozen=True)
class Convergence:
    """Honest report of one solve: what was solved, how many iterations, the final residual."""

    system: str
    iterations: int
    residual: float
    tolerance: float
    converged: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "system": self.system,
            "iterations": self.iterations,
            "residual": self.residual,
            "tolerance": self.tolerance,
            "converged": self.converged,
        }


def _check_positive(name: str, arr: Array, allow_zero: bool = True) -> None:
    if not np.all(np.isfinite(arr)):
        raise GEInputError(f"{name}: contains NaN or infinite values")
    if allow_zero:
        if np.any(arr < 0):
            raise GEInputError(f"{name}: contains negative values")
    elif np.any(arr <= 0):
        raise GEInputError(f"{name}: contains zero or negative values")


def _lse_rows(logm: Array) -> Array:
    """log(sum_j exp(logm_ij)) for each row, stable."""
    m = np.max(logm, axis=1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    return (m + np.log(np.sum(np.exp(logm - m), axis=1, keepdims=True)))[:, 0]


def solve_resistances(
    K: Array,
    L: Array,
    ref: int,
    *,
    tol: float = 1e-13,
    max_iter: int = 10_000,
    system: str = "multilateral resistances",
) -> tuple[Array, Array, Convergence]:
    """Solve ``a_j = sum_i K_ij / b_i``, ``b_i = sum_j L_ij / a_j`` with ``a_ref = 1``.

    ``K`` and ``L`` must be non-negative with no all-zero row or column. Returns ``(a, b, report)``.
    Works in logs (``u = ln b``, ``v = ln a``): Sinkhorn sweeps, then Newton steps on the convex
    potential ``f(u, v) = sum_ij K_ij e^(-u_i - v_j) + ...`` when the sweep is slow. Raises
    :class:`GEConvergenceError` if the residual ``max |ln a - ln(K'/b)|`` stays above ``tol``.
    """
    _check_positive("K", K)
    _check_positive("L", L)
    n = K.shape[0]
    with np.errstate(divide="ignore"):
        lK = np.log(K)
        lL = np.log(L)
    if np.any(np.all(K == 0, axis=0)) or np.any(np.all(L == 0, axis=1)):
        raise GEInputError(f"{system}: a country has no positive trade-cost term with any partner")
    inv_a = np.ones(n)
    resid = np.inf
    it = 0
    u = np.zeros(n)
    v = np.zeros(n)
    for it in range(1, max_iter + 1):
        # Sinkhorn sweep in positive arithmetic (matrix-vector products)
        b = L @ inv_a
        a = K.T @ (1.0 / b)
        resid = float(np.max(np.abs(np.log(a * inv_a))))
        inv_a = 1.0 / a
        if resid < tol:
            u, v = np.log(b), np.log(a)
            break
        if it >= 200 and it % 100 == 0:
            # slow contraction (strongly diagonal costs): Newton in logs converges quadratically
            u, v = _newton_polish(lK, lL, np.log(b), np.log(a), int(np.argmax(a)))
            inv_a = np.exp(-v)
    else:
        u, v = np.log(L @ inv_a), -np.log(inv_a)
    shift = v[ref]
    v = v - shift
    u = u + shift
    # residuals of both equation blocks at the returned point
    r_a = float(np.max(np.abs(v - _lse_rows((lK - u[:, None]).T))))
    r_b = float(np.max(np.abs(u - _lse_rows(lL - v[None, :]))))
    resid = max(r_a, r_b)
    report = Convergence(system, it, resid, tol * 10, resid <= tol * 10)
    if not report.converged:
        raise GEConvergenceError(
            f"{system}: no convergence after {it} iterations (max log residual {resid:.3e} > {tol * 10:.1e})"
        )
    return np.exp(v), np.exp(u), report


def _newton_polish(lK: Array, lL: Array, u: Array, v: Array, ref: int, steps: int = 8) -> tuple[Array, Array]:
    """Newton steps on F(u, v) = 0 in logs with v_ref fixed (Jacobian is dense 2N x 2N)."""
    n = u.size
    for _ in range(steps):
        A = np.exp(lK - u[:, None] - v[None, :])  # K_ij / (b_i a_j): share terms
        B = np.exp(lL - u[:, None] - v[None, :])
        Fa = np.log(A.sum(axis=0))  # = 0 when a_j equation holds
        Fb = np.log(B.sum(axis=1))
        sa = A / A.sum(axis=0, keepdims=True)
        sb = B / B.sum(axis=1, keepdims=True)
        # d Fa_j / d u_i = -sa_ij, d Fa_j / d v_j = -1 ; d Fb_i / d u_i = -1, d Fb_i / d v_j = -sb_ij
        J = np.zeros((2 * n, 2 * n))
        J[:n, :n] = -sa.T
        J[:n, n:] = -np.eye(n)
        J[n:, :n] = -np.eye(n)
        J[n:, n:] = -sb
        F = np.concatenate([Fa, Fb])
        keep = np.ones(2 * n, dtype=bool)
        keep[n + ref] = False  # v_ref fixed; the a_ref equation is implied by the others (Walras)
        try:
            step = np.linalg.solve(J[keep][:, keep], -F[keep])
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(J[:, keep], -F, rcond=None)[0]
        full = np.zeros(2 * n)
        full[keep] = step
        # damped step: accept only if the residual falls
        base = float(np.max(np.abs(F)))
        t = 1.0
        while t > 1e-4:
            u2 = u + t * full[:n]
            v2 = v + t * full[n:]
            A2 = np.exp(lK - u2[:, None] - v2[None, :]).sum(axis=0)
            B2 = np.exp(lL - u2[:, None] - v2[None, :]).sum(axis=1)
            new = float(max(np.max(np.abs(np.log(A2))), np.max(np.abs(np.log(B2)))))
            if np.isfinite(new) and new < base:
                u, v = u2, v2
                break
            t *= 0.5
        else:
            break
        if base < 1e-15:
            break
    return u, v


@dataclass
class FullGESolution:
    """Changes (hats, new/old) from the full-GE fixed point and the counterfactual flows."""

    w_hat: Array  # factory-gate (producer) price change
    P_hat: Array  # consumer price index change (IMR)
    E_new: Array  # counterfactual expenditure (incl. tariff revenue), baseline units
    E_old: Array
    Y_old: Array
    D: Array
    X_new: Array  # counterfactual flows at producer prices
    X_old: Array
    Z_new: Array  # counterfactual flows at buyer prices (incl. tariffs)
    Z_old: Array
    R_new: Array  # tariff revenue
    R_old: Array
    report: Convergence
    extra: dict[str, object] = field(default_factory=dict)


def solve_full_ge(
    X: Array,
    sigma: float,
    *,
    B_hat: Array | None = None,
    tau0: Array | None = None,
    tau1: Array | None = None,
    closure: str = "additive",
    numeraire: int | None = None,
    tariff_revenue: bool = True,
    tol: float = 1e-12,
    max_iter: int = 100_000,
) -> FullGESolution:
    """Full endowment GE of the Armington-CES gravity model in changes.

    ``X`` are baseline flows at producer prices (exporter rows, importer columns, incl. domestic
    sales on the diagonal). ``B_hat = t_hat^(1-sigma)`` is the change in non-tariff trade costs
    (e.g. ``exp(beta * d_pta)``); ``tau0``/``tau1`` ad-valorem tariffs (decimals) before and after.

    Equilibrium (Caliendo & Parro 2015 one-sector; Baier, Yotov & Zylkin 2019):
    ``pi'_ij = pi_ij B_ij (w_i tau_hat_ij)^(1-sigma) / P_hat_j^(1-sigma)``,
    ``E'_j = (w_j Y_j + D'_j) / (1 - sum_i pi'_ij tau'_ij/(1+tau'_ij))`` (tariff revenue spent at home),
    ``w_i Y_i = sum_j pi'_ij E'_j / (1 + tau'_ij)`` (market clearing). ``closure`` "additive" keeps
    deficits fixed (``D' = D``), "multiplicative" scales them with income (``D' = D w``; Anderson &
    Yotov 2016). ``numeraire``: importer index whose price index stays 1 (Yotov et al. 2016), or
    ``None`` for constant world output (``sum w Y = sum Y``, as in ``ge_gravity``).
    With ``tariff_revenue=False`` tariffs act as iceberg costs (as in ``gegravity``).

    Iteration: ``w <- w * (demand/supply)^(1/sigma)`` (BYZ), all in positive multiplicative form.
    """
    if not sigma > 1:
        raise GEInputError(f"sigma must exceed 1 (got {sigma})")
    if closure not in ("additive", "multiplicative"):
        raise GEInputError(f"closure must be 'additive' or 'multiplicative' (got {closure!r})")
    _check_positive("baseline flows", X)
    n = X.shape[0]
    B = np.ones_like(X) if B_hat is None else B_hat
    _check_positive("B_hat", B)
    t0 = np.zeros_like(X) if tau0 is None else tau0
    t1 = t0 if tau1 is None else tau1
    if np.any(t0 <= -1) or np.any(t1 <= -1):
        raise GEInputError("tariffs must exceed -100%")
    s1 = 1.0 - sigma
    Z = X * (1.0 + t0) if tariff_revenue else X.copy()
    E = Z.sum(axis=0)
    Y = X.sum(axis=1)
    if np.any(E <= 0) or np.any(Y <= 0):
        raise GEInputError("every country needs positive output and expenditure in the baseline flows")
    imports_fob = X.sum(axis=0)
    D = imports_fob - Y  # trade deficit at producer prices; sums to zero
    pi = Z / E[None, :]
    K = pi * B * ((1.0 + t1) / (1.0 + t0)) ** s1
    share_keep = 1.0 / (1.0 + t1) if tariff_revenue else np.ones_like(X)
    rev_share = t1 / (1.0 + t1) if tariff_revenue else np.zeros_like(X)
    w = np.ones(n)
    total_Y = Y.sum()
    resid = np.inf
    it = 0

    def evaluate(w: Array) -> tuple[Array, Array, Array, Array]:
        num = K * (w**s1)[:, None]
        a = num.sum(axis=0)  # P_hat^(1-sigma)
        pin = num / a[None, :]
        base = w * Y + D if closure == "additive" else (Y + D) * w
        En = base / (1.0 - (pin * rev_share).sum(axis=0))
        demand = (pin * share_keep * En[None, :]).sum(axis=1)
        return a, pin, En, demand

    for it in range(1, max_iter + 1):
        a, pin, En, demand = evaluate(w)
        if np.any(En <= 0):
            raise GEConvergenceError(
                f"full GE: expenditure turned non-positive at iteration {it} (deficits exceed income); "
                "use closure='multiplicative'"
            )
        ratio = demand / (w * Y)
        lr = np.log(ratio)
        lr_rel = lr - np.log(demand.sum() / (w * Y).sum())
        resid = float(np.max(np.abs(lr_rel)))
        if resid < tol:
            break
        w = w * ratio ** (1.0 / sigma)
        if numeraire is None:
            w = w * (total_Y / (w * Y).sum())
        else:
            a_ref = (K[:, numeraire] * w**s1).sum()
            w = w / a_ref ** (1.0 / s1)
    a, pin, En, demand = evaluate(w)
    report = Convergence("full GE (market clearing)", it, resid, tol, resid < tol)
    if not report.converged:
        raise GEConvergenceError(
            f"full GE: no convergence after {it} iterations (max relative excess demand {resid:.3e})"
        )
    Zn = pin * En[None, :]
    Xn = Zn * share_keep
    R_new = (Zn - Xn).sum(axis=0)
    R_old = (Z - X).sum(axis=0) if tariff_revenue else np.zeros(n)
    return FullGESolution(
        w_hat=w,
        P_hat=a ** (1.0 / s1),
        E_new=En,
        E_old=E,
        Y_old=Y,
        D=D,
        X_new=Xn,
        X_old=X,
        Z_new=Zn,
        Z_old=Z,
        R_new=R_new,
        R_old=R_old,
        report=report,
    )
