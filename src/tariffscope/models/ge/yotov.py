"""The GE applications of Yotov, Piermartini, Monteiro & Larch (2016), *An Advanced Guide to Trade
Policy Analysis* (WTO/UNCTAD), chapter 2, on the book's data (69 countries, 1986-2006, incl.
domestic trade; the ``agtpa_applications`` data of the R package ``tradepolicy``).

* :func:`trade_without_borders` (application 1): PPML of 2006 trade on log distance, contiguity and
  an international-border dummy with exporter and importer fixed effects; counterfactual: the border
  coefficient set to zero; sigma = 7; reference importer DEU (its price index is the numeraire);
  expenditure proportional to output (``E = phi Y``, i.e. the "multiplicative" deficit closure).
* :func:`nafta_effects` (application 2): the Anderson-Yotov two-stage procedure. Stage 1: PPML on the
  1986-2006 panel (4-year steps) with exporter-year, importer-year and (symmetric) pair fixed effects
  and an RTA dummy; pair fixed effects (domestic = 0) give the bilateral costs; stage 2 fills the
  pairs that never trade with a PPML of those costs on gravity covariates. Counterfactual in 1994:
  NAFTA's RTA dummies set to zero. Reported, as in the book, as effects *of* NAFTA (baseline
  relative to the no-NAFTA counterfactual).

The book solves the full GE by iterating PPML regressions (GEPPML) and stops when factory-gate
prices change by less than 0.01 (Stata) or 0.001/0.00001 (the ``tradepolicy`` R replication); here
the same model is solved exactly by :class:`~tariffscope.models.ge.model.StructuralGravity`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from tariffscope.models.ge.estimate import PPMLResult, estimate_ppml
from tariffscope.models.ge.model import Experiment, GEResult, StructuralGravity
from tariffscope.models.ge.solver import GEInputError

AGTPA_FILE = "gravity/yotov2016_agtpa_applications.csv.gz"


def load_agtpa(path: str | Path | None = None) -> pl.DataFrame:
    """The book's panel with ``ln_dist`` and ``intl`` (international pair) added."""
    if path is None:
        from tariffscope.paths import shared_data

        path = shared_data() / AGTPA_FILE
    p = Path(path)
    if not p.is_file():
        raise GEInputError(f"AGTPA applications data not found: {p.name}")
    df = pl.read_csv(p)
    need = {"exporter", "importer", "pair_id", "year", "trade", "dist", "cntg", "lang", "clny", "rta"}
    missing = sorted(need - set(df.columns))
    if missing:
        raise GEInputError(f"{p.name}: missing column(s) {', '.join(missing)}")
    return df.with_columns(
        pl.col("year").cast(pl.Int64),
        pl.col("dist").log().alias("ln_dist"),
        (pl.col("exporter") != pl.col("importer")).cast(pl.Float64).alias("intl"),
    )


@dataclass
class Application:
    """A reproduced application: the estimates used, the GE result and the book's summary table."""

    estimates: dict[str, float]
    result: GEResult
    table: pl.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)


def trade_without_borders(
    panel: pl.DataFrame | None = None, *, year: int = 2006, sigma: float = 7.0, reference: str = "DEU"
) -> Application:
    """Yotov et al. (2016), ch. 2, application 1: remove all international borders.

    ``table`` has one row per country with the book's indexes (percent changes, counterfactual vs
    baseline): conditional and full-endowment exports, factory-gate price, minus the inward
    multilateral resistance, real GDP.
    """
    df = (load_agtpa() if panel is None else panel).filter(pl.col("year") == year)
    fit: PPMLResult = estimate_ppml(
        df, ["ln_dist", "cntg", "intl"], fixed_effects=("exporter", "importer"), cluster=None
    )
    cost = {k: fit.coef[k] for k in ("ln_dist", "cntg", "intl")}
    model = StructuralGravity(df, cost, sigma, reference)
    intl_pairs = df.filter(pl.col("intl") == 1.0).select("exporter", "importer")
    exp = Experiment(intl_pairs.with_columns(pl.lit(0.0).alias("intl")), name="trade without borders")
    res = model.solve(exp, method="full", closure="multiplicative", numeraire="reference")
    c = res.countries
    table = c.select(
        "country",
        pl.col("conditional_foreign_exports_change_pct").alias("exports_conditional_pct"),
        pl.col("foreign_exports_change_pct").alias("exports_full_pct"),
        pl.col("factory_gate_price_change_pct").alias("factory_gate_price_pct"),
        (-pl.col("imr_change_pct")).alias("minus_imr_pct"),
        pl.col("gdp_change_pct").alias("real_gdp_pct"),
    )
    return Application(
        cost, res, table, {"application": "trade without borders", "year": year, "nobs": fit.nobs}
    )


NAFTA = ("CAN", "MEX", "USA")


def _pair_costs(panel: pl.DataFrame, years: Sequence[int]) -> tuple[float, pl.DataFrame]:
    """Stage 1: PPML with exporter-year, importer-year and pair fixed effects (domestic pairs share
    one, normalised to 0); returns the RTA coefficient and ``ln t_bar`` per (exporter, importer)."""
    import pyfixest as pf

    df = panel.filter(pl.col("year").is_in(list(years)))
    df = df.with_columns(
        (pl.col("exporter") + "_" + pl.col("year").cast(pl.Utf8)).alias("fe_ey"),
        (pl.col("importer") + "_" + pl.col("year").cast(pl.Utf8)).alias("fe_iy"),
        pl.when(pl.col("exporter") == pl.col("importer"))
        .then(pl.lit("domestic"))
        .otherwise(pl.col("pair_id").cast(pl.Int64).cast(pl.Utf8))
        .alias("fe_pair"),
        pl.col("trade").sum().over("pair_id").alias("__pair_total"),
    )
    est = df.filter(pl.col("__pair_total") > 0)  # pairs that never trade identify no pair effect
    scale = float(est.select(pl.col("trade").max()).item() or 1.0)
    fit = pf.fepois(
        "y ~ rta | fe_ey + fe_iy + fe_pair",
        data=est.select((pl.col("trade") / scale).alias("y"), "rta", "fe_ey", "fe_iy", "fe_pair").to_pandas(),
        vcov="iid",
    )
    beta = float(fit.coef()["rta"])
    fe = {str(k): float(v) for k, v in fit.fixef()["C(fe_pair)"].items()}
    levels = set(est["fe_pair"].to_list())
    absent = levels - set(fe)
    if len(absent) > 1:  # pyfixest reports the reference level of a fixed effect implicitly as 0
        raise GEInputError(f"NAFTA application: no pair fixed effect for {len(absent)} estimated pairs")
    fe.update(dict.fromkeys(absent, 0.0))
    dom = fe["domestic"]
    mu = pl.DataFrame({"fe_pair": list(fe), "ln_tbar": [v - dom for v in fe.values()]})
    pairs = df.select("exporter", "importer", "fe_pair").unique(subset=["exporter", "importer"])
    return beta, pairs.join(mu, on="fe_pair", how="left").drop("fe_pair")


@dataclass
class _Stage2:
    coef: dict[str, float]
    filled: int


def nafta_effects(
    panel: pl.DataFrame | None = None,
    *,
    years: Sequence[int] = (1986, 1990, 1994, 1998, 2002, 2006),
    baseline_year: int = 1994,
    members: Sequence[str] = NAFTA,
    sigma: float = 7.0,
    reference: str = "DEU",
) -> Application:
    """Yotov et al. (2016), ch. 2, application 2: the GE effects of NAFTA (two-stage trade costs).

    ``table``: the book's Table (effects of NAFTA, percent, baseline relative to the no-NAFTA
    counterfactual): conditional and full exports, real GDP, IMR, OMR and factory-gate price, the
    latter as ``(1 - p_noNAFTA/p_NAFTA) * 100`` like the book's code.
    """
    import pyfixest as pf

    data = load_agtpa() if panel is None else panel
    beta, costs = _pair_costs(data, years)
    base = data.filter(pl.col("year") == baseline_year).join(costs, on=["exporter", "importer"], how="left")
    # stage 2: PPML of t_bar on gravity covariates (international pairs), fill the never-trading pairs
    intl = base.filter(pl.col("exporter") != pl.col("importer"))
    known = intl.filter(pl.col("ln_tbar").is_not_null()).with_columns(pl.col("ln_tbar").exp().alias("tbar"))
    covs = ["ln_dist", "cntg", "lang", "clny"]
    fit2 = pf.fepois(
        "tbar ~ " + " + ".join(covs) + " | exporter + importer",
        data=known.select("tbar", *covs, "exporter", "importer").to_pandas(),
        vcov="iid",
    )
    missing = intl.filter(pl.col("ln_tbar").is_null())
    if missing.height:
        pred = np.asarray(
            fit2.predict(newdata=missing.select(*covs, "exporter", "importer").to_pandas(), type="response")
        )
        fill = missing.select("exporter", "importer").with_columns(pl.Series("__fill", np.log(pred)))
        base = base.join(fill, on=["exporter", "importer"], how="left").with_columns(
            pl.coalesce("ln_tbar", "__fill").alias("ln_tbar")
        )
        base = base.drop("__fill")
    base = base.with_columns(
        pl.when(pl.col("exporter") == pl.col("importer"))
        .then(0.0)
        .otherwise(pl.col("ln_tbar"))
        .alias("ln_tbar")
    )
    if base["ln_tbar"].null_count():
        raise GEInputError("NAFTA application: some bilateral trade costs could not be constructed")
    model = StructuralGravity(base, {"ln_tbar": 1.0, "rta": beta}, sigma, reference)
    m = list(members)
    change = base.filter(
        pl.col("exporter").is_in(m) & pl.col("importer").is_in(m) & (pl.col("exporter") != pl.col("importer"))
    ).select("exporter", "importer", pl.lit(0.0).alias("rta"))
    res = model.solve(Experiment(change, name="no NAFTA"), method="full", closure="multiplicative")

    def inv(col: str) -> pl.Expr:  # effect of NAFTA = baseline relative to the no-NAFTA counterfactual
        return (100.0 / (1.0 + pl.col(col) / 100.0) - 100.0).alias(col)

    table = res.countries.select(
        "country",
        inv("conditional_foreign_exports_change_pct").alias("exports_conditional_pct"),
        inv("foreign_exports_change_pct").alias("exports_full_pct"),
        inv("gdp_change_pct").alias("real_gdp_pct"),
        inv("imr_change_pct").alias("imr_pct"),
        inv("omr_change_pct").alias("omr_pct"),
        (-pl.col("factory_gate_price_change_pct")).alias("factory_gate_price_pct"),
    )
    est = {"rta": beta, **{f"stage2_{k}": float(v) for k, v in fit2.coef().items()}}
    meta = {"application": "NAFTA", "baseline_year": baseline_year, "filled_pairs": missing.height}
    return Application(est, res, table, meta)
