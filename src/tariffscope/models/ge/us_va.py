"""Real GDP as value added for a change in US tariffs by partner: the multisector model (Caliendo & Parro 2015).

The one-sector gravity model (:mod:`tariffscope.models.ge.us`) measures output as gross output. The
multisector model with input-output linkages measures value added: with labour fixed, real GDP changes as
the real wage ``w_hat / P_hat`` (CP 2015, :func:`tariffscope.models.ge.multisector.caliendo_parro`). Its data
are CP's (31 regions x 40 sectors, 1993 input-output and trade tables, shipped with the GE examples), so only
the 30 economies it names (and the rest of the world) get a value-added number.

Tariffs: the data's tariffs everywhere except the US's imports, which are set, in every sector, to the
partner's effective rate in the baseline (``tariff_bln``) and in the scenario (``tariff_cfl``); the rest of the
world takes the simple mean of the partners outside the model (as :func:`tariffscope.models.ge.us.partner_rates`).
Deficits are removed in both equilibria, as in CP's published experiment. ``theta_scale`` multiplies CP's
sectoral trade elasticities (the range over the trade elasticity).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import replace

import polars as pl

from tariffscope.models.ge.config import EXAMPLES_DIR
from tariffscope.models.ge.multisector import Array, MultiSectorData, _iso2, caliendo_parro, load_cp2015_nafta
from tariffscope.models.ge.us import US, partner_rates

SOURCE = "Caliendo & Parro (2015) multisector model, 1993 input-output data (31 regions x 40 sectors)"


@functools.cache
def cp_data() -> MultiSectorData:
    """The shipped Caliendo-Parro tables (``models/ge/examples/data/cp2015``)."""
    return load_cp2015_nafta(EXAMPLES_DIR / "data" / "cp2015")


def _codes(data: MultiSectorData) -> list[str]:
    return [_iso2(r) or "ROW" for r in data.regions]


def us_tariff_va(
    baseline_etr: Mapping[str, float],
    scenario_etr: Mapping[str, float],
    *,
    theta_scale: float = 1.0,
    name: str = "US tariff scenario",
) -> pl.DataFrame:
    """``country`` (ISO2, ``ROW``), ``real_gdp_va_change_pct`` and ``welfare_cp_change_pct`` (CP eq. 28) of
    moving US tariffs by partner from ``baseline_etr`` to ``scenario_etr`` (decimals by ISO2). Cached per
    rates and scale (a scenario range and a comparison solve the same rates more than once)."""
    return _solve(tuple(sorted(baseline_etr.items())), tuple(sorted(scenario_etr.items())), theta_scale, name)


@functools.lru_cache(maxsize=32)
def _solve(
    baseline_etr: tuple[tuple[str, float], ...],
    scenario_etr: tuple[tuple[str, float], ...],
    theta_scale: float,
    name: str,
) -> pl.DataFrame:
    data = cp_data()
    if theta_scale != 1.0:
        data = replace(data, theta=data.theta * theta_scale)
    codes = _codes(data)
    us = codes.index(US)

    def tariffs(etr: Mapping[str, float], label: str) -> Array:
        rates = partner_rates(etr, codes, label)
        tau = data.tariff.copy()
        for i, c in enumerate(codes):
            if i != us:
                tau[:, us, i] = rates.get(c, 0.0)
        return tau

    res = caliendo_parro(
        data,
        tariffs(dict(scenario_etr), "scenario_etr"),
        tariff_bln=tariffs(dict(baseline_etr), "baseline_etr"),
        deficits="zero",
        name=name,
    )
    return pl.DataFrame(
        {
            "country": codes,
            "real_gdp_va_change_pct": res.regions["real_gdp_va_change_pct"],
            "welfare_cp_change_pct": res.regions["welfare_change_pct"],
        }
    )
