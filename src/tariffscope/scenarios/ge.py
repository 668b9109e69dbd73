"""A scenario in general equilibrium: US tariffs by partner, from the one 2025-01-01 baseline, over a range of sigma.

The structural gravity model (:func:`tariffscope.models.ge.us.us_tariff_counterfactual`; WIOD 2014 aggregate
flows) is calibrated once, at the partners' effective US tariff rates under the law in force on 2025-01-01
(the same baseline as the PE scenarios). A scenario is solved from there; a comparison with another scenario is
the ratio of the two solutions (``(1 + a)/(1 + b) - 1``), so effects compose as in the PE.

Output measure: the one-sector model's output is **gross output** (the WIOD aggregate flows include
intermediate inputs; about 1.8 times GDP for Japan), so its ``real_gross_output_change_pct`` understates a
percentage change of GDP. Real GDP as value added (``real_gdp_va_change_pct``) comes from the multisector
model (:func:`tariffscope.models.ge.us_va.us_tariff_va`, Caliendo & Parro 2015 data, 30 economies and the rest
of the world) solved with the same tariffs by partner; ``gdp_change_pct`` is value added where that model has
the economy and gross output elsewhere, and ``gdp_measure`` says which.

Range: sigma (elasticity of substitution; trade elasticity sigma - 1) low 3 (Boehm, Levchenko &
Pandalai-Nayar 2023 long-run trade elasticity about 2), central 5 (trade elasticity 4: Simonovska & Waugh
2014; Head & Mayer 2014), high 9 (trade elasticity 8: Eaton & Kortum 2002; ProTEE median about 7.9).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from tariffscope.scenarios.etr import etr_by_partner, scenario_date
from tariffscope.scenarios.evaluate import BASELINE, DEFAULT_BASELINE

SIGMAS = {"low": 3.0, "central": 5.0, "high": 9.0}
VA = "real_gdp_va_change_pct"
MEASURES = {
    "va": "real value added (multisector model, Caliendo & Parro 2015 data)",
    "gross": "real gross output (one-sector model; no multisector data for this economy)",
}
PCT = [
    "welfare_change_pct",
    "real_gross_output_change_pct",
    "factory_gate_price_change_pct",
    "foreign_exports_change_pct",
    "foreign_imports_change_pct",
]


@dataclass
class ScenarioGE:
    """GE effects of a scenario against an alternative (default: the baseline), central sigma and range."""

    scenario: str
    against: str
    date: dt.date
    baseline_date: dt.date
    countries: pl.DataFrame  # country, PCT columns (central), <col>_low/_high over the sigma range
    meta: dict[str, Any]

    def rows(self) -> list[dict[str, Any]]:
        """One row per country: central changes (per cent), ``gdp_change_pct`` with its ``gdp_measure``,
        and ``range`` (low and high ends over sigma)."""
        out = []
        cols = [*PCT, VA] if VA in self.countries.columns else PCT
        for r in self.countries.iter_rows(named=True):
            row = {k: r[k] for k in ("country", *cols)}
            va = r.get(VA)
            row["gdp_change_pct"] = r["real_gross_output_change_pct"] if va is None else va
            row["gdp_measure"] = MEASURES["gross" if va is None else "va"]
            row["range"] = {k: [r[f"{k}_low"], r[f"{k}_high"]] for k in cols}
            out.append(row)
        return out


def _solve(base: dict[str, float], target: dict[str, float], sigma: float, name: str) -> pl.DataFrame:
    from tariffscope.models.ge.us import us_tariff_counterfactual

    res = us_tariff_counterfactual(base, target, sigma=sigma, name=name)
    return res.countries.select(
        "country",
        "welfare_change_pct",
        pl.col("gdp_change_pct").alias("real_gross_output_change_pct"),
        "factory_gate_price_change_pct",
        "foreign_exports_change_pct",
        "foreign_imports_change_pct",
    )


def _solve_va(
    base: dict[str, float], target: dict[str, float], theta_scale: float, name: str
) -> pl.DataFrame:
    from tariffscope.models.ge.us_va import us_tariff_va

    # the multisector data's rest of the world is not the one-sector model's (31 vs 44 regions): left out
    df = us_tariff_va(base, target, theta_scale=theta_scale, name=name)
    return df.filter(pl.col("country") != "ROW").select("country", VA)


def scenario_ge(
    name: str,
    *,
    against: str = BASELINE,
    on: dt.date | None = None,
    baseline: dt.date = DEFAULT_BASELINE,
    sigmas: dict[str, float] | None = None,
    value_added: bool = True,
) -> ScenarioGE:
    """Solve ``name`` (and ``against`` unless it is the baseline) from the baseline, for each sigma.

    ``value_added``: also solve the multisector model for real GDP as value added, its sectoral trade
    elasticities scaled by ``(sigma - 1) / (central sigma - 1)`` for the range.
    """
    sig = sigmas or SIGMAS
    on = on or scenario_date(name)
    base = etr_by_partner("baseline", baseline)
    ta = etr_by_partner(name, on)
    tb = None if against == BASELINE else etr_by_partner(against, on)
    cols = [*PCT, VA] if value_added else PCT
    frames = {}
    for band, s in sig.items():
        scale = (s - 1) / (sig["central"] - 1)
        a = _solve(base, ta, s, name)
        if value_added:
            a = a.join(_solve_va(base, ta, scale, name), on="country", how="left")
        if tb is not None:
            b = _solve(base, tb, s, against)
            if value_added:
                b = b.join(_solve_va(base, tb, scale, against), on="country", how="left")
            a = a.join(b, on="country", suffix="_b").select(
                "country",
                *[((1 + pl.col(c) / 100) / (1 + pl.col(f"{c}_b") / 100) * 100 - 100).alias(c) for c in cols],
            )
        frames[band] = a
    c = frames["central"]
    for band in ("low", "high"):
        c = c.join(frames[band].rename({k: f"{k}_{band}" for k in cols}), on="country")
    # the band's ends: min and max over the three sigmas (a smaller sigma need not give the smaller change)
    c = c.with_columns(
        *[pl.min_horizontal(k, f"{k}_low", f"{k}_high").alias(f"{k}_lo") for k in cols],
        *[pl.max_horizontal(k, f"{k}_low", f"{k}_high").alias(f"{k}_hi") for k in cols],
    ).select(
        "country",
        *cols,
        *[pl.col(f"{k}_lo").alias(f"{k}_low") for k in cols],
        *[pl.col(f"{k}_hi").alias(f"{k}_high") for k in cols],
    )
    return ScenarioGE(
        name,
        against,
        on,
        baseline,
        c,
        {
            "sigmas": sig,
            "baseline": f"US tariffs by partner under the law in force on {baseline} (WIOD 2014 flows)",
            "output_measure": "gdp_change_pct: real value added (multisector model) where it has the economy, "
            "else real gross output (one-sector model); see tariffscope.scenarios.ge",
            "value_added_model": "Caliendo & Parro (2015) data, 1993, 31 regions x 40 sectors; US import "
            "tariffs set to the partners' ETRs in every sector"
            if value_added
            else None,
            "etr_baseline": base,
            "etr_scenario": ta,
            "etr_against": tb,
        },
    )
