"""The multi-sector equilibrium in changes (Caliendo & Parro 2015, eqs. 10-15): the numerical kernel of
:mod:`tariffscope.models.ge.multisector` (see its docstring for the system and the solver)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tariffscope.models.ge.multisector_data import MultiSectorData
from tariffscope.models.ge.solver import Array, Convergence, GEConvergenceError, GEInputError


@dataclass
class CPSolution:
    """Equilibrium in changes relative to the data: hats, new shares, expenditures and income."""

    w_hat: Array  # (n,) wage (value-added price) change
    c_hat: Array  # (n, j) input-bundle cost change
    P_hat: Array  # (n, j) sector price index change
    pi: Array  # (j, n, i) new expenditure shares
    X: Array  # (n, j) new absorption at buyer prices
    income: Array  # (n,) new income  w VA + tariff revenue + D
    revenue: Array  # (n,) new tariff revenue
    tariff: Array  # (j, n, i) tariffs of this equilibrium
    d_hat: Array  # (j, n, i) iceberg-cost changes of this equilibrium
    deficit: Array  # (n,)
    report: Convergence

    def price_index(self, alpha: Array) -> Array:
        """Consumer price index change ``prod_j P_nj^alpha_nj``."""
        return np.exp((alpha * np.log(self.P_hat)).sum(axis=1))

    def imports(self) -> Array:
        """Flows at producer prices ``(j, n importer, i exporter)``."""
        return self.pi * (self.X.T[:, :, None] / (1.0 + self.tariff))


def _solve_prices(
    lnw: Array, lnpi: Array, lnkappa: Array, theta: Array, va: Array, io: Array, lnc: Array, tol: float
) -> tuple[Array, Array, int]:
    """Fixed point ``ln c = va ln w + io' ln P(c)`` in logs (contraction: sum_k io[n,k,j] < 1)."""
    th = theta[:, None, None]
    for it in range(1, 10_001):
        # ln P_nj = -1/theta_j log sum_i exp(ln pi_nij - theta_j (ln kappa_nij + ln c_ij))
        z = lnpi - th * (lnkappa + lnc.T[:, None, :])
        m = z.max(axis=2, keepdims=True)
        lnP = (-(m[..., 0] + np.log(np.exp(z - m).sum(axis=2))) / theta[:, None]).T  # (n, j)
        new = va * lnw[:, None] + np.einsum("nk,nkj->nj", lnP, io)
        step = float(np.max(np.abs(new - lnc)))
        lnc = new
        if step < tol:
            return lnc, lnP, it
    raise GEConvergenceError(f"multi-sector prices: no convergence after 10000 iterations (step {step:.2e})")


def solve_multisector(
    data: MultiSectorData,
    tariff: Array | None = None,
    *,
    d_hat: Array | None = None,
    deficit: Array | None = None,
    tol: float = 1e-10,
    max_iter: int = 5_000,
    step: float = 0.5,
) -> CPSolution:
    """Equilibrium of the Caliendo-Parro model for new tariffs ``tariff`` (``(j, n, i)``, decimals),
    iceberg-cost changes ``d_hat`` and deficits ``deficit`` (default: the data's), in changes
    relative to the data. ``step`` is the exponent of the multiplicative wage update; it is halved
    automatically whenever the labour-market residual grows. Raises :class:`GEConvergenceError`.
    """
    n, nj = data.shape
    tau1 = data.tariff if tariff is None else np.asarray(tariff, dtype=float)
    dh = np.ones_like(data.trade) if d_hat is None else np.asarray(d_hat, dtype=float)
    D1 = data.deficit if deficit is None else np.asarray(deficit, dtype=float)
    if tau1.shape != data.trade.shape or dh.shape != data.trade.shape or D1.shape != (n,):
        raise GEInputError(
            "multi-sector solve: tariff/d_hat must be (sector, importer, exporter) and deficit (region,)"
        )
    if np.any(tau1 <= -1) or not np.all(np.isfinite(tau1)):
        raise GEInputError("multi-sector solve: counterfactual tariffs must be finite and exceed -100%")
    if np.any(dh <= 0) or not np.all(np.isfinite(dh)):
        raise GEInputError("multi-sector solve: iceberg-cost changes d_hat must be positive")
    pi0 = data.pi()
    with np.errstate(divide="ignore"):
        lnpi = np.log(pi0)
    lnkappa = np.log((1.0 + tau1) / (1.0 + data.tariff) * dh)
    theta, va_s, io = data.theta, data.va_share, data.io_share
    VA = data.value_added
    keep = 1.0 / (1.0 + tau1)
    rev_share = tau1 / (1.0 + tau1)
    X = data.expenditure().copy()
    lnw = np.zeros(n)
    lnc = np.zeros((n, nj))
    resid = np.inf
    best = np.inf
    inner = 0

    def evaluate(
        lnw: Array, lnc: Array, X: Array, inner_tol: float
    ) -> tuple[Array, Array, Array, Array, Array, Array, int]:
        lnc, lnP, k = _solve_prices(lnw, lnpi, lnkappa, theta, va_s, io, lnc, inner_tol)
        th = theta[:, None, None]
        pi1 = np.exp(lnpi - th * (lnkappa + lnc.T[:, None, :] - lnP.T[:, :, None]))
        S = pi1 * keep  # (j, n, i): share of n's spending received by exporter i
        r = (pi1 * rev_share).sum(axis=2).T  # (n, j): tariff revenue per unit of spending
        b = data.alpha * (np.exp(lnw) * VA + D1)[:, None]
        if np.any(b < 0):
            bad = data.regions[int(np.argmin(np.exp(lnw) * VA + D1))]
            raise GEConvergenceError(
                f"multi-sector solve: deficit of {bad} exceeds its value added; spending would turn negative"
            )
        # X = A X + b, A >= 0: Neumann series, warm-started (positivity preserved)
        for _ in range(5_000):
            Y = np.einsum("jni,nj->ij", S, X)
            I_rev = (r * X).sum(axis=1)
            Xn = np.einsum("njk,nk->nj", io, Y) + data.alpha * I_rev[:, None] + b
            chg = float(np.max(np.abs(Xn - X) / np.maximum(Xn, 1e-300)))
            X = Xn
            if chg < inner_tol:
                break
        else:
            raise GEConvergenceError("multi-sector solve: expenditure system did not converge in 5000 sweeps")
        Y = np.einsum("jni,nj->ij", S, X)
        return lnc, lnP, pi1, X, Y, r, k

    it = 0
    while it < max_iter:
        it += 1
        # inner systems only as precise as the outer iteration needs (exact at the end)
        lnc, lnP, pi1, X, Y, r, k = evaluate(lnw, lnc, X, max(tol * 1e-2, min(1e-6, resid * 1e-3)))
        inner += k
        labour = (va_s * Y).sum(axis=1)
        ratio = labour / (np.exp(lnw) * VA)
        resid = float(np.max(np.abs(np.log(ratio))))
        if resid < tol:
            break
        if resid > best * 1.5:
            step *= 0.5
        best = min(best, resid)
        lnw = lnw + step * np.log(ratio)
        lnw = lnw - np.log((np.exp(lnw) * VA).sum() / VA.sum())  # numeraire: world value added
    lnc, lnP, pi1, X, Y, r, _ = evaluate(lnw, lnc, X, tol * 1e-2)
    w = np.exp(lnw)
    labour = (va_s * Y).sum(axis=1)
    revenue = (r * X).sum(axis=1)
    income = w * VA + revenue + D1
    # residuals of every equation at the returned point
    res_lab = float(np.max(np.abs(labour / (w * VA) - 1.0)))
    Xcheck = np.einsum("njk,nk->nj", io, Y) + data.alpha * income[:, None]
    res_X = float(np.max(np.abs(Xcheck / X - 1.0)))
    lnc_check = va_s * lnw[:, None] + np.einsum("nk,nkj->nj", lnP, io)
    res_c = float(np.max(np.abs(lnc_check - lnc)))
    resid = max(res_lab, res_X, res_c)
    if np.any(X <= 0) or np.any(income <= 0):
        raise GEConvergenceError("multi-sector GE: the solution has non-positive spending or income")
    report = Convergence(
        f"multi-sector GE (wage iterations; {inner} price sweeps)", it, resid, tol * 10, resid <= tol * 10
    )
    if not report.converged:
        raise GEConvergenceError(
            f"multi-sector GE: no convergence after {it} wage iterations (residuals: labour {res_lab:.2e}, "
            f"expenditure {res_X:.2e}, prices {res_c:.2e}; tolerance {tol * 10:.0e})"
        )
    return CPSolution(
        w_hat=w,
        c_hat=np.exp(lnc),
        P_hat=np.exp(lnP),
        pi=pi1,
        X=X,
        income=income,
        revenue=revenue,
        tariff=tau1,
        d_hat=dh,
        deficit=D1,
        report=report,
    )
