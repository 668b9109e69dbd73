"""PPML estimation: the tariff-coefficient route to sigma (Yotov et al. 2016, sec. 1.3) on a simulated
panel with a known elasticity, and its failure modes."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from tariffscope.models.ge.solver import GEInputError

pytest.importorskip("pyfixest")


def _panel(sigma: float, n: int = 20, years: int = 5, seed: int = 7) -> pl.DataFrame:
    """X_ijt = exp(pi_it + chi_jt + mu_ij) (1 + tau_ijt)^(-sigma) * eta, E[eta] = 1 (gamma noise).

    Tariffs vary within pairs over time (liberalisation paths), so pair effects do not absorb them."""
    rng = np.random.default_rng(seed)
    c = np.arange(n)
    e, i, t = (a.ravel() for a in np.meshgrid(c, c, np.arange(years), indexing="ij"))
    pi = rng.normal(0, 1, (n, years))
    chi = rng.normal(0, 1, (n, years))
    mu = rng.normal(0, 0.5, (n, n))
    tau0 = rng.uniform(0.0, 0.8, (n, n))
    cut = rng.uniform(0.0, 1.0, (n, n))
    tau = tau0[e, i] * (1 - cut[e, i] * t / (years - 1))
    tau[e == i] = 0.0
    mean = np.exp(pi[e, t] + chi[i, t] + mu[e, i] - sigma * np.log1p(tau))
    trade = mean * rng.gamma(25.0, 0.04, mean.size)  # CV 0.2, mean 1: PPML stays consistent
    return pl.DataFrame(
        {
            "exporter": [f"C{k:02d}" for k in e],
            "importer": [f"C{k:02d}" for k in i],
            "year": 2000 + t,
            "trade": trade,
            "tau": tau,
        }
    )


@pytest.mark.parametrize("sigma", [3.0, 6.0])
def test_sigma_from_tariff_recovers_the_simulated_elasticity(sigma: float) -> None:
    from tariffscope.models.ge.estimate import estimate_ppml

    fit = estimate_ppml(_panel(sigma), [], tariff="tau")
    assert fit.formula.endswith("fe_exporter_year + fe_importer_year + fe_pair")
    est = fit.sigma_from_tariff()
    se = fit.se["ln_one_plus_tariff"]
    assert abs(est - sigma) < 4 * se and abs(est - sigma) < 0.5, (est, se)
    assert 0 < se < 0.5


def test_sigma_from_tariff_failures() -> None:
    from tariffscope.models.ge.estimate import estimate_ppml

    fit = estimate_ppml(_panel(0.3), [], tariff="tau")
    with pytest.raises(GEInputError, match="implies sigma <= 1"):
        fit.sigma_from_tariff()
    with pytest.raises(GEInputError, match="no coefficient 'tariff'"):
        fit.sigma_from_tariff("tariff")
    with pytest.raises(GEInputError, match="no tariff column 'duty'"):
        estimate_ppml(_panel(3.0), [], tariff="duty")
