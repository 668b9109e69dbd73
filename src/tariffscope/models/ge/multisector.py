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

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import polars as pl

from tariffscope.models.ge.multisector_data import (
    CP2015_PREFIX,
    MultiSectorData,
    from_tables,
    load_cp2015_nafta,
    set_tariffs,
)
from tariffscope.models.ge.multisector_solver import CPSolution, solve_multisector
from tariffscope.models.ge.solver import Array, Convergence, GEInputError

__all__ = [  # data and solver live in multisector_data and multisector_solver; re-exported here
    "CP2015_PREFIX",
    "Array",
    "CPResult",
    "CPSolution",
    "MultiSectorData",
    "caliendo_parro",
    "from_tables",
    "load_cp2015_nafta",
    "set_tariffs",
    "solve_multisector",
]


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
    t = _Decomposition.of(data, bln, cfl)
    regions = _region_table(data, bln, cfl, t)
    pairs = _pair_table(data, t)
    sectors = _sector_table(data, bln, cfl, t)
    return CPResult(
        regions=regions,
        pairs=pairs,
        sectors=sectors,
        convergence=[bln.report, cfl.report],
        meta={"experiment": name, "deficits": deficits, "regions": n, "sectors": nj},
    )


@dataclass(frozen=True)
class _Decomposition:
    """Baseline and counterfactual flows and CP (2015, eq. 28)'s welfare terms per sector and region."""

    M0: Array  # (j, n importer, i exporter) flows at producer prices, baseline
    M1: Array  # the same, counterfactual
    c_hat: Array  # (n, j) input-bundle cost change between the two equilibria
    I0: Array  # (n,) baseline income
    tot_nj: Array  # (j, n) terms-of-trade term
    vot_nj: Array  # (j, n) volume-of-trade term
    tech_nj: Array  # (j, n) technical-efficiency term

    @classmethod
    def of(cls, data: MultiSectorData, bln: CPSolution, cfl: CPSolution) -> _Decomposition:
        M0 = bln.imports()
        M1 = cfl.imports()
        c_hat = cfl.c_hat / bln.c_hat  # (n, j)
        # terms of trade (CP eq. 28): sum_j sum_i [E_nij (c_nj - 1) - M_nij (c_ij - 1)] / I_n
        exports = M0.transpose(0, 2, 1)  # (j, exporter n, importer i)
        tot_nj = (exports * (c_hat.T[:, :, None] - 1.0)).sum(axis=2) - (M0 * (c_hat.T[:, None, :] - 1.0)).sum(
            axis=2
        )
        m_hat = np.divide(M1, M0, out=np.zeros_like(M1), where=M0 > 0)
        vot_nj = (bln.tariff * M0 * (m_hat - c_hat.T[:, None, :])).sum(axis=2)
        tech_nj = -(M0 * (1.0 + bln.tariff) * (cfl.d_hat / bln.d_hat - 1.0)).sum(axis=2)
        return cls(M0, M1, c_hat, bln.income, tot_nj, vot_nj, tech_nj)


def _pct(x: Array) -> Array:
    return 100.0 * (x - 1.0)


def _region_table(data: MultiSectorData, bln: CPSolution, cfl: CPSolution, t: _Decomposition) -> pl.DataFrame:
    """One row per region: CP's welfare decomposition, real income, wages, real GDP (value added), trade."""
    n = data.shape[0]
    I0 = t.I0
    tot = 100.0 * t.tot_nj.sum(axis=0) / I0
    vot = 100.0 * t.vot_nj.sum(axis=0) / I0
    tech = 100.0 * t.tech_nj.sum(axis=0) / I0
    P_hat = cfl.price_index(data.alpha) / bln.price_index(data.alpha)
    w_hat = cfl.w_hat / bln.w_hat
    off = ~np.eye(n, dtype=bool)[None, :, :]
    imp0, imp1 = (t.M0 * off).sum(axis=(0, 2)), (t.M1 * off).sum(axis=(0, 2))
    exp0, exp1 = (t.M0 * off).sum(axis=(0, 1)), (t.M1 * off).sum(axis=(0, 1))
    return pl.DataFrame(
        {
            "region": list(data.regions),
            "iso2": [_iso2(r) for r in data.regions],
            "welfare_change_pct": tot + vot + tech,
            "terms_of_trade_pct": tot,
            "volume_of_trade_pct": vot,
            "technical_efficiency_pct": tech,
            "real_income_change_pct": _pct((cfl.income / bln.income) / P_hat),
            "real_wage_change_pct": _pct(w_hat / P_hat),
            # real GDP as value added: VA = w L with labour fixed, deflated by the consumer price index
            "real_gdp_va_change_pct": _pct(w_hat / P_hat),
            "wage_change_pct": _pct(w_hat),
            "price_index_change_pct": _pct(P_hat),
            "exports_change_pct": _pct(exp1 / exp0),
            "imports_change_pct": _pct(imp1 / imp0),
            "tariff_revenue_baseline": bln.revenue,
            "tariff_revenue_counterfactual": cfl.revenue,
            "income_baseline": I0,
            "income_counterfactual": cfl.income,
        },
        schema_overrides={"iso2": pl.Utf8},
    )


def _pair_table(data: MultiSectorData, t: _Decomposition) -> pl.DataFrame:
    """Bilateral flows summed over sectors (producer prices), before and after."""
    n = data.shape[0]
    ni, ei = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    names = np.array(data.regions)
    t0, t1 = t.M0.sum(axis=0), t.M1.sum(axis=0)
    return pl.DataFrame(
        {
            "importer": names[ni.ravel()],
            "exporter": names[ei.ravel()],
            "trade_baseline": t0.ravel(),
            "trade_counterfactual": t1.ravel(),
            "trade_change_pct": _pct(np.divide(t1, t0, out=np.ones_like(t1), where=t0 > 0)).ravel(),
        }
    )


def _sector_table(data: MultiSectorData, bln: CPSolution, cfl: CPSolution, t: _Decomposition) -> pl.DataFrame:
    """Per sector and region: the welfare terms, input-cost and price changes."""
    n, nj = data.shape
    sj, sn = np.meshgrid(np.arange(nj), np.arange(n), indexing="ij")
    return pl.DataFrame(
        {
            "sector": np.array(data.sectors)[sj.ravel()],
            "region": np.array(data.regions)[sn.ravel()],
            "terms_of_trade_pct": (100.0 * t.tot_nj / t.I0[None, :]).ravel(),
            "volume_of_trade_pct": (100.0 * t.vot_nj / t.I0[None, :]).ravel(),
            "input_cost_change_pct": _pct(t.c_hat.T).ravel(),
            "price_change_pct": _pct((cfl.P_hat / bln.P_hat).T).ravel(),
        }
    )
