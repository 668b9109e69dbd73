"""PPML gravity estimation with high-dimensional fixed effects (``pyfixest.fepois``).

Santos Silva & Tenreyro (2006) PPML; the structural specification of Yotov et al. (2016, ch. 1-2):
``X_ijt = exp(pi_it + chi_jt + mu_ij + b' z_ijt) * e_ijt`` with exporter-year, importer-year and pair
fixed effects. With ad-valorem tariffs on the fob value and CES demand, the coefficient on
``ln(1 + tariff)`` is ``-sigma`` (the tariff elasticity of fob trade; Yotov et al. 2016, sec. 1.3),
which identifies the elasticity of substitution.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from tariffscope.models.ge.solver import GEInputError

FIXED_EFFECTS = {
    "exporter-year": ("exporter", "year"),
    "importer-year": ("importer", "year"),
    "pair": ("exporter", "importer"),
    "exporter": ("exporter",),
    "importer": ("importer",),
}


@dataclass(frozen=True)
class PPMLResult:
    """Coefficients, standard errors and the fit's size."""

    coef: dict[str, float]
    se: dict[str, float]
    nobs: int
    fixed_effects: tuple[str, ...]
    formula: str

    def sigma_from_tariff(self, tariff_term: str = "ln_one_plus_tariff") -> float:
        """Elasticity of substitution implied by the tariff coefficient: ``sigma = -b_tariff``."""
        if tariff_term not in self.coef:
            raise GEInputError(f"no coefficient {tariff_term!r} in the fit ({', '.join(self.coef)})")
        sigma = -self.coef[tariff_term]
        if not sigma > 1:
            raise GEInputError(f"tariff coefficient {self.coef[tariff_term]:.3f} implies sigma <= 1")
        return sigma


def estimate_ppml(
    panel: Any,
    covariates: Sequence[str],
    *,
    trade: str = "trade",
    fixed_effects: Sequence[str] = ("exporter-year", "importer-year", "pair"),
    tariff: str | None = None,
    international_only: bool = False,
    cluster: str | None = "pair",
) -> PPMLResult:
    """Estimate a PPML gravity equation on a tidy panel with ``pyfixest.fepois``.

    ``covariates`` are columns of the panel; if ``tariff`` names a column of ad-valorem tariffs
    (decimals), ``ln(1 + tariff)`` is added as ``ln_one_plus_tariff``. ``international_only`` drops
    domestic pairs (as in the ``ge_gravity`` EU-enlargement example).
    """
    import pyfixest as pf

    df = panel if isinstance(panel, pl.DataFrame) else pl.from_pandas(panel)
    needed = {"exporter", "importer", trade, *covariates}
    if any(fe.endswith("year") for fe in fixed_effects):
        needed.add("year")
    missing = sorted(needed - set(df.columns))
    if missing:
        raise GEInputError(f"panel lacks column(s) {', '.join(missing)} needed for the PPML fit")
    if international_only:
        df = df.filter(pl.col("exporter") != pl.col("importer"))
    terms = list(covariates)
    if tariff is not None:
        if tariff not in df.columns:
            raise GEInputError(f"panel has no tariff column {tariff!r}")
        df = df.with_columns(np.log1p(pl.col(tariff).cast(pl.Float64)).alias("ln_one_plus_tariff"))
        terms.append("ln_one_plus_tariff")
    fe_cols = []
    exprs = []
    for fe in fixed_effects:
        if fe not in FIXED_EFFECTS:
            raise GEInputError(f"unknown fixed effect {fe!r}; use one of {', '.join(FIXED_EFFECTS)}")
        name = "fe_" + fe.replace("-", "_")
        parts = [pl.col(c).cast(pl.Utf8) for c in FIXED_EFFECTS[fe]]
        exprs.append(pl.concat_str(parts, separator="|").alias(name))
        fe_cols.append(name)
    # scale trade to improve conditioning (coefficients are invariant to it)
    scale = float(df.select(pl.col(trade).cast(pl.Float64).max()).item() or 1.0)
    df = df.with_columns(*exprs, (pl.col(trade).cast(pl.Float64) / scale).alias("__y"))
    formula = "__y ~ " + " + ".join(terms) + (" | " + " + ".join(fe_cols) if fe_cols else "")
    vcov: Any = {"CRV1": "fe_pair"} if cluster == "pair" and "fe_pair" in fe_cols else "hetero"
    fit = pf.fepois(formula, data=df.select(["__y", *terms, *fe_cols]).to_pandas(), vcov=vcov)
    coef = {str(k): float(v) for k, v in fit.coef().items()}
    se = {str(k): float(v) for k, v in fit.se().items()}
    return PPMLResult(coef, se, int(fit._N), tuple(fixed_effects), formula.replace("__y", trade))
