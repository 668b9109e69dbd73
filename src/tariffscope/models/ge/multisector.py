"""Multi-sector general equilibrium with input-output linkages (Caliendo & Parro 2015).

Caliendo, L. and Parro, F. (2015), "Estimates of the Trade and Welfare Effects of NAFTA",
*Review of Economic Studies* 82(1): 1-44. N regions, J sectors; Eaton-Kortum sectoral trade with
elasticity ``theta_j``; Cobb-Douglas production with value-added share ``gamma_nj`` and input-output
shares ``gamma_n^{k,j}``; Cobb-Douglas final demand ``alpha_nj``; ad-valorem tariffs whose revenue is
income of the importer (not iceberg costs); fixed nominal trade deficits ``D_n``.

Equilibrium in changes (exact hat algebra; CP 2015 eqs. 10-15; ``x_hat = x'/x``)::

    c_nj   = w_n^gamma_nj prod_k P_nk^gamma_n^{k,j}                           (input bundle)
    P_nj   = [sum_i pi_nij (kappa_nij c_ij)^-theta_j]^(-1/theta_j)            (sector price)
    pi'_nij = pi_nij (kappa_nij c_ij / P_nj)^-theta_j                         (trade shares)
    X'_nj  = sum_k gamma_n^{j,k} sum_i pi'_ink X'_ik / (1+tau'_ink) + alpha_nj I'_n
    I'_n   = w_n VA_n + sum_j X'_nj sum_i pi'_nij tau'_nij / (1+tau'_nij) + D'_n
    w_n VA_n = sum_j gamma_nj sum_i pi'_inj X'_ij / (1+tau'_inj)              (labour market)

with ``kappa_nij = (1+tau'_nij)/(1+tau_nij) d_hat_nij`` and the numeraire ``sum_n w_n VA_n = sum_n VA_n``.

Solver: an outer fixed point on wages ``w <- w (labour demand / labour income)^lambda`` (a positive
multiplicative update), an inner fixed point for prices in logs (a contraction, because value-added
shares are positive) and a Neumann series for expenditures (non-negative operator applied to a
non-negative vector). No variable can turn zero or negative; every solve reports iterations and the
final residual of *all* equilibrium equations and raises :class:`GEConvergenceError` if it is not met.
Arrays are ``(sector j, importer n, exporter i)``; everything is vectorised with ``einsum``.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from tariffscope.models.ge.solver import Array, Convergence, GEConvergenceError, GEInputError

__all__ = [
    "CPResult",
    "CPSolution",
    "MultiSectorData",
    "caliendo_parro",
    "load_cp2015_nafta",
    "solve_multisector",
]


@dataclass(frozen=True)
class MultiSectorData:
    """Baseline of the multi-sector model. Trade arrays are ``(sector, importer, exporter)``.

    ``trade``: flows at producer prices (net of tariffs); ``tariff``: ad-valorem tariffs (decimals)
    in the data year; ``theta``: sectoral trade elasticities; ``va_share[n, j]``: value added / gross
    output; ``io_share[n, k, j]``: input ``k`` / gross output of sector ``j``; ``alpha[n, j]``: final
    consumption shares; ``value_added[n]``; ``deficit[n]`` (imports minus exports, nominal).
    """

    regions: tuple[str, ...]
    sectors: tuple[str, ...]
    trade: Array
    tariff: Array
    theta: Array
    va_share: Array
    io_share: Array
    alpha: Array
    value_added: Array
    deficit: Array
    scenarios: dict[str, Array] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.regions), len(self.sectors)

    def pi(self) -> Array:
        """Expenditure shares ``pi_nij`` (buyer prices, incl. tariffs)."""
        z = self.trade * (1.0 + self.tariff)
        tot = z.sum(axis=2, keepdims=True)
        return np.divide(z, tot, out=np.zeros_like(z), where=tot > 0)

    def expenditure(self) -> Array:
        """``X_nj``: absorption of sector ``j`` goods by region ``n`` at buyer prices ``(n, j)``."""
        return (self.trade * (1.0 + self.tariff)).sum(axis=2).T

    def validate(self) -> None:
        n, j = self.shape
        checks = {
            "trade": (self.trade, (j, n, n)),
            "tariff": (self.tariff, (j, n, n)),
            "theta": (self.theta, (j,)),
            "va_share": (self.va_share, (n, j)),
            "io_share": (self.io_share, (n, j, j)),
            "alpha": (self.alpha, (n, j)),
            "value_added": (self.value_added, (n,)),
            "deficit": (self.deficit, (n,)),
        }
        for name, (arr, shp) in checks.items():
            if arr.shape != shp:
                raise GEInputError(f"multi-sector data: {name} has shape {arr.shape}, expected {shp}")
            if not np.all(np.isfinite(arr)):
                raise GEInputError(f"multi-sector data: {name} has missing or infinite values")
        for name, arr in (("trade", self.trade), ("va_share", self.va_share)):
            if np.any(arr < 0):
                raise GEInputError(f"multi-sector data: {name} has negative values")
        # IO tables carry the odd small negative cell (the CP 2015 data: Canada, Other -> Basic metals,
        # -0.2% of output); tolerate those, refuse anything that could make the price system explode
        if np.any(self.io_share < -0.01):
            n_, k_, j_ = np.argwhere(self.io_share < -0.01)[0]
            raise GEInputError(
                f"multi-sector data: input share {self.sectors[k_]} -> {self.sectors[j_]} in {self.regions[n_]} "
                f"is {self.io_share[n_, k_, j_]:.4f} (below -1%)"
            )
        if np.any(self.tariff <= -1):
            raise GEInputError("multi-sector data: tariffs must exceed -100%")
        if np.any(self.theta <= 0):
            bad = [s for s, t in zip(self.sectors, self.theta, strict=True) if t <= 0]
            raise GEInputError(f"multi-sector data: theta must be positive (sector {bad[0]!r})")
        tot = self.va_share + self.io_share.sum(axis=1)
        if np.any(np.abs(tot - 1.0) > 1e-6):
            n_, j_ = np.unravel_index(int(np.argmax(np.abs(tot - 1.0))), tot.shape)
            raise GEInputError(
                f"multi-sector data: value-added and input shares of {self.regions[n_]}/{self.sectors[j_]} "
                f"sum to {tot[n_, j_]:.6f}, not 1"
            )
        if np.any(self.va_share <= 0):
            n_, j_ = np.argwhere(self.va_share <= 0)[0]
            raise GEInputError(
                f"multi-sector data: value-added share of {self.regions[n_]}/{self.sectors[j_]} is zero; "
                "the price system needs positive value added in every sector"
            )
        if np.any(np.abs(self.alpha.sum(axis=1) - 1.0) > 1e-6):
            raise GEInputError("multi-sector data: final-consumption shares must sum to 1 in every region")
        if np.any(self.expenditure() <= 0):
            n_, j_ = np.argwhere(self.expenditure() <= 0)[0]
            raise GEInputError(
                f"multi-sector data: {self.regions[n_]} absorbs nothing of sector {self.sectors[j_]}"
            )


# --------------------------------------------------------------------------- data loading
def _index(df: pl.DataFrame, col: str, names: Sequence[str], what: str, source: str) -> np.ndarray:
    pos = {v: k for k, v in enumerate(names)}
    vals = df[col].cast(pl.Utf8).to_list()
    unknown = sorted(set(vals) - set(pos))
    if unknown:
        raise GEInputError(f"{source}: unknown {what} {unknown[0]!r} in column {col!r}")
    return np.fromiter((pos[v] for v in vals), dtype=np.int64, count=len(vals))


def from_tables(
    *,
    regions: Sequence[str],
    sectors: Sequence[str],
    trade: pl.DataFrame,
    intermediate: pl.DataFrame,
    final: pl.DataFrame,
    value_added: pl.DataFrame,
    deficit: pl.DataFrame,
    theta: pl.DataFrame,
    tariff: str = "tariff",
    scenario_columns: Sequence[str] = (),
    source: str = "multi-sector data",
) -> MultiSectorData:
    """Build the arrays from tidy tables (the layout of the R package ``cp2015``'s NAFTA data).

    ``trade``: sector, exporter, importer, value (net of tariffs), ``tariff`` and optional scenario
    columns (e.g. ``tariff_cfl``, ``d_cfl``); ``intermediate``: input, sector, region, value (buyer
    prices); ``final``: sector, region, value; ``value_added``: sector, region, value; ``deficit``:
    region, D; ``theta``: sector, value. Gross output = inputs + value added (the IO table).
    """
    regions = tuple(str(r) for r in regions)
    sectors = tuple(str(s) for s in sectors)
    n, nj = len(regions), len(sectors)
    if trade.height != nj * n * n:
        raise GEInputError(f"{source}: trade has {trade.height} rows, expected {nj}x{n}x{n} = {nj * n * n}")
    sj = _index(trade, "sector", sectors, "sector", f"{source} (trade)")
    ni = _index(trade, "importer", regions, "region", f"{source} (trade)")
    ei = _index(trade, "exporter", regions, "region", f"{source} (trade)")

    def cube(col: str) -> Array:
        if col not in trade.columns:
            raise GEInputError(f"{source}: trade has no column {col!r}")
        out = np.full((nj, n, n), np.nan)
        out[sj, ni, ei] = trade[col].cast(pl.Float64).to_numpy()
        if not np.all(np.isfinite(out)):
            raise GEInputError(
                f"{source}: trade column {col!r} is missing some sector-importer-exporter cells"
            )
        return out

    flows = cube("value")
    tau = cube(tariff)
    scen = {c: cube(c) for c in scenario_columns}

    ic = np.zeros((n, nj, nj))
    ir = _index(intermediate, "region", regions, "region", f"{source} (intermediate)")
    ik = _index(intermediate, "input", sectors, "sector", f"{source} (intermediate)")
    ij = _index(intermediate, "sector", sectors, "sector", f"{source} (intermediate)")
    np.add.at(ic, (ir, ik, ij), intermediate["value"].cast(pl.Float64).to_numpy())
    va = np.zeros((n, nj))
    np.add.at(
        va,
        (
            _index(value_added, "region", regions, "region", f"{source} (value added)"),
            _index(value_added, "sector", sectors, "sector", f"{source} (value added)"),
        ),
        value_added["value"].cast(pl.Float64).to_numpy(),
    )
    fc = np.zeros((n, nj))
    np.add.at(
        fc,
        (
            _index(final, "region", regions, "region", f"{source} (final consumption)"),
            _index(final, "sector", sectors, "sector", f"{source} (final consumption)"),
        ),
        final["value"].cast(pl.Float64).to_numpy(),
    )
    output = ic.sum(axis=1) + va
    if np.any(output <= 0):
        r, s = np.argwhere(output <= 0)[0]
        raise GEInputError(f"{source}: {regions[r]}/{sectors[s]} has no gross output in the IO table")
    fc_tot = fc.sum(axis=1, keepdims=True)
    if np.any(fc_tot <= 0):
        raise GEInputError(f"{source}: a region has no final consumption")
    d = np.zeros(n)
    d[_index(deficit, "region", regions, "region", f"{source} (deficit)")] = (
        deficit["D"].cast(pl.Float64).to_numpy()
    )
    th = np.full(nj, np.nan)
    th[_index(theta, "sector", sectors, "sector", f"{source} (theta)")] = (
        theta["value"].cast(pl.Float64).to_numpy()
    )
    data = MultiSectorData(
        regions=regions,
        sectors=sectors,
        trade=flows,
        tariff=tau,
        theta=th,
        va_share=va / output,
        io_share=ic / output[:, None, :],
        alpha=fc / fc_tot,
        value_added=va.sum(axis=1),
        deficit=d,
        scenarios=scen,
    )
    data.validate()
    return data


CP2015_PREFIX = "cp2015_nafta"


def load_cp2015_nafta(folder: str | Path | None = None, prefix: str = CP2015_PREFIX) -> MultiSectorData:
    """Caliendo-Parro (2015) NAFTA data (31 regions x 40 sectors, 1993) as distributed with the R
    package ``cp2015``: files ``<prefix>_{sets.json,trade,intermediate_consumption,final_consumption,
    value_added,deficit,theta}.csv.gz`` in ``folder`` (default: ``gravity/`` of the shared data).

    ``scenarios`` holds ``tariff_bln``/``tariff_cfl`` (1993 tariffs; NAFTA members' 2005 tariffs on
    each other) and ``d_bln``/``d_cfl`` (iceberg-cost changes, all 1 here).
    """
    if folder is None:
        from tariffscope.paths import shared_data

        folder = shared_data() / "gravity"
    base = Path(folder)
    files = {
        k: base / f"{prefix}_{k}.csv.gz"
        for k in ("trade", "intermediate_consumption", "final_consumption", "value_added", "deficit", "theta")
    }
    sets_file = base / f"{prefix}_sets.json.gz"
    for f in (*files.values(), sets_file):
        if not f.is_file():
            raise GEInputError(
                f"multi-sector data file not found: {f.name} (in the folder given by the config)"
            )
    with gzip.open(sets_file, "rt", encoding="utf-8") as fh:
        sets = json.load(fh)
    for key in ("regions", "sectors"):
        if key not in sets:
            raise GEInputError(f"{sets_file.name}: missing key {key!r}")
    tables = {k: pl.read_csv(f) for k, f in files.items()}
    trade = tables["trade"]
    scen_cols = [c for c in ("tariff_bln", "tariff_cfl", "d_bln", "d_cfl") if c in trade.columns]
    return from_tables(
        regions=sets["regions"],
        sectors=sets["sectors"],
        trade=trade,
        intermediate=tables["intermediate_consumption"],
        final=tables["final_consumption"],
        value_added=tables["value_added"],
        deficit=tables["deficit"],
        theta=tables["theta"],
        scenario_columns=scen_cols,
        source=f"{prefix} data",
    )


# --------------------------------------------------------------------------- solver
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


# --------------------------------------------------------------------------- counterfactuals
_ISO2_ALIASES = {"UK": "GB", "Korea": "KR", "Row": None, "ROW": None}


def _iso2(name: str) -> str | None:
    if name in _ISO2_ALIASES:
        return _ISO2_ALIASES[name]
    from tariffscope.countries import country
    from tariffscope.errors import UnknownCountry

    try:
        return country(name).iso2
    except UnknownCountry:
        return None


@dataclass
class CPResult:
    """Results of a Caliendo-Parro counterfactual, baseline vs counterfactual equilibrium.

    ``regions``: one row per region. ``welfare_change_pct`` is CP (2015, eq. 28 and Table 2)'s
    welfare: the terms-of-trade plus volume-of-trade (plus technical-efficiency) contributions, each
    evaluated with baseline flows and discrete changes, as published; ``real_income_change_pct`` is
    the exact change of real income ``I/P`` between the two equilibria. ``pairs``: bilateral flows
    summed over sectors (producer prices).
    """

    regions: pl.DataFrame
    pairs: pl.DataFrame
    sectors: pl.DataFrame
    convergence: list[Convergence]
    meta: dict[str, Any] = field(default_factory=dict)
    method: str = "caliendo-parro"

    def rows(self) -> list[dict[str, Any]]:
        return self.regions.to_dicts()

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "meta": self.meta,
            "convergence": [c.as_dict() for c in self.convergence],
            "regions": self.regions.to_dicts(),
            "pairs": self.pairs.to_dicts(),
        }


def caliendo_parro(
    data: MultiSectorData,
    tariff_cfl: Array,
    *,
    tariff_bln: Array | None = None,
    d_cfl: Array | None = None,
    d_bln: Array | None = None,
    deficits: str = "zero",
    tol: float = 1e-10,
    name: str = "experiment",
) -> CPResult:
    """Counterfactual ``tariff_cfl`` against the baseline ``tariff_bln`` (default: the data's tariffs).

    Both equilibria are solved in changes from the data, as in Caliendo & Parro (2015, sec. 5.1) and
    the R package ``cp2015``: ``deficits="zero"`` first removes the observed deficits (their
    published NAFTA results), ``"observed"`` keeps them fixed in nominal terms. Results compare the
    counterfactual with the baseline equilibrium.
    """
    if deficits not in ("zero", "observed"):
        raise GEInputError(f"deficits must be 'zero' or 'observed' (got {deficits!r})")
    n, nj = data.shape
    D = np.zeros(n) if deficits == "zero" else data.deficit
    bln = solve_multisector(data, tariff_bln, d_hat=d_bln, deficit=D, tol=tol)
    cfl = solve_multisector(data, tariff_cfl, d_hat=d_cfl, deficit=D, tol=tol)
    bln.report = replace(bln.report, system="baseline " + bln.report.system)
    cfl.report = replace(cfl.report, system="counterfactual " + cfl.report.system)
    M0 = bln.imports()  # (j, n importer, i exporter), producer prices
    M1 = cfl.imports()
    c_hat = cfl.c_hat / bln.c_hat  # (n, j)
    I0 = bln.income
    # terms of trade (CP eq. 28): sum_j sum_i [E_nij (c_nj - 1) - M_nij (c_ij - 1)] / I_n
    exports = M0.transpose(0, 2, 1)  # (j, exporter n, importer i)
    tot_nj = (exports * (c_hat.T[:, :, None] - 1.0)).sum(axis=2) - (M0 * (c_hat.T[:, None, :] - 1.0)).sum(
        axis=2
    )
    m_hat = np.divide(M1, M0, out=np.zeros_like(M1), where=M0 > 0)
    vot_nj = (bln.tariff * M0 * (m_hat - c_hat.T[:, None, :])).sum(axis=2)
    tech_nj = -(M0 * (1.0 + bln.tariff) * (cfl.d_hat / bln.d_hat - 1.0)).sum(axis=2)
    tot = 100.0 * tot_nj.sum(axis=0) / I0
    vot = 100.0 * vot_nj.sum(axis=0) / I0
    tech = 100.0 * tech_nj.sum(axis=0) / I0
    P_hat = cfl.price_index(data.alpha) / bln.price_index(data.alpha)
    w_hat = cfl.w_hat / bln.w_hat
    off = ~np.eye(n, dtype=bool)[None, :, :]
    imp0, imp1 = (M0 * off).sum(axis=(0, 2)), (M1 * off).sum(axis=(0, 2))
    exp0, exp1 = (M0 * off).sum(axis=(0, 1)), (M1 * off).sum(axis=(0, 1))

    def pct(x: Array) -> Array:
        return 100.0 * (x - 1.0)

    regions = pl.DataFrame(
        {
            "region": list(data.regions),
            "iso2": [_iso2(r) for r in data.regions],
            "welfare_change_pct": tot + vot + tech,
            "terms_of_trade_pct": tot,
            "volume_of_trade_pct": vot,
            "technical_efficiency_pct": tech,
            "real_income_change_pct": pct((cfl.income / bln.income) / P_hat),
            "real_wage_change_pct": pct(w_hat / P_hat),
            # real GDP as value added: VA = w L with labour fixed, deflated by the consumer price index
            "real_gdp_va_change_pct": pct(w_hat / P_hat),
            "wage_change_pct": pct(w_hat),
            "price_index_change_pct": pct(P_hat),
            "exports_change_pct": pct(exp1 / exp0),
            "imports_change_pct": pct(imp1 / imp0),
            "tariff_revenue_baseline": bln.revenue,
            "tariff_revenue_counterfactual": cfl.revenue,
            "income_baseline": I0,
            "income_counterfactual": cfl.income,
        },
        schema_overrides={"iso2": pl.Utf8},
    )
    ni, ei = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    names = np.array(data.regions)
    t0, t1 = M0.sum(axis=0), M1.sum(axis=0)
    pairs = pl.DataFrame(
        {
            "importer": names[ni.ravel()],
            "exporter": names[ei.ravel()],
            "trade_baseline": t0.ravel(),
            "trade_counterfactual": t1.ravel(),
            "trade_change_pct": pct(np.divide(t1, t0, out=np.ones_like(t1), where=t0 > 0)).ravel(),
        }
    )
    sj, sn = np.meshgrid(np.arange(nj), np.arange(n), indexing="ij")
    sectors = pl.DataFrame(
        {
            "sector": np.array(data.sectors)[sj.ravel()],
            "region": names[sn.ravel()],
            "terms_of_trade_pct": (100.0 * tot_nj / I0[None, :]).ravel(),
            "volume_of_trade_pct": (100.0 * vot_nj / I0[None, :]).ravel(),
            "input_cost_change_pct": pct(c_hat.T).ravel(),
            "price_change_pct": pct((cfl.P_hat / bln.P_hat).T).ravel(),
        }
    )
    return CPResult(
        regions=regions,
        pairs=pairs,
        sectors=sectors,
        convergence=[bln.report, cfl.report],
        meta={"experiment": name, "deficits": deficits, "regions": n, "sectors": nj},
    )


def set_tariffs(
    data: MultiSectorData,
    base: Array,
    changes: Sequence[Mapping[str, Any]],
    *,
    source: str = "experiment",
) -> Array:
    """Apply tariff changes to ``base`` (``(j, n, i)``): each change names ``importers`` and
    ``exporters`` (lists of regions, or ``"all"``), optional ``sectors`` and either ``tariff``
    (new rate) or ``add`` (added to the base, in decimals); ``symmetric: true`` also applies it
    with the roles swapped. Vectorised with boolean masks.
    """
    out = base.copy()
    regions, sectors = list(data.regions), list(data.sectors)

    def mask(spec: Any, names: list[str], what: str, k: int) -> NDArray[np.bool_]:
        if spec is None or spec == "all":
            return np.ones(len(names), dtype=bool)
        vals = [spec] if isinstance(spec, str) else list(spec)
        unknown = [v for v in vals if v not in names]
        if unknown:
            raise GEInputError(f"{source}[{k}]: unknown {what} {unknown[0]!r}")
        return np.isin(np.array(names), vals)

    for k, ch in enumerate(changes):
        if not isinstance(ch, Mapping):
            raise GEInputError(f"{source}[{k}]: each change must be a mapping")
        if ("tariff" in ch) == ("add" in ch):
            raise GEInputError(f"{source}[{k}]: give exactly one of 'tariff' or 'add'")
        sm = mask(ch.get("sectors"), sectors, "sector", k)
        im = mask(ch.get("importers"), regions, "region", k)
        em = mask(ch.get("exporters"), regions, "region", k)
        directions = [(im, em), (em, im)] if ch.get("symmetric") else [(im, em)]
        for a, b in directions:
            cell = sm[:, None, None] & a[None, :, None] & b[None, None, :]
            cell &= ~np.eye(len(regions), dtype=bool)[None, :, :]  # domestic sales carry no tariff
            if "tariff" in ch:
                out[cell] = float(ch["tariff"])
            else:
                out[cell] = base[cell] + float(ch["add"])
    if np.any(out <= -1):
        raise GEInputError(f"{source}: a tariff fell to -100% or below")
    return out
