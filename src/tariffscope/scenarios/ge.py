"""A scenario in general equilibrium: US tariffs by partner, from the one 2025-01-01 baseline, over a range of sigma.

The structural gravity model (:func:`tariffscope.models.ge.us.us_tariff_counterfactual`; WIOD 2014 aggregate
flows) is calibrated once, at the partners' effective US tariff rates under the law in force on 2025-01-01
(the same baseline as the PE scenarios). A scenario is solved from there; a comparison with another scenario is
the ratio of the two solutions (``(1 + a)/(1 + b) - 1``), so effects compose as in the PE.

Output measure: the one-sector model's output is **gross output** (the WIOD aggregate flows include
intermediate inputs; about 1.8 times GDP for Japan), so its ``real_gross_output_change_pct`` (= the model's
``gdp_change_pct``) understates a percentage change of GDP; real GDP as value added comes from the multisector
model (:func:`tariffscope.models.ge.multisector.caliendo_parro`, ``real_gdp_va_change_pct``).

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
        out = []
        for r in self.countries.iter_rows(named=True):
            row = {k: r[k] for k in ("country", *PCT)}
            row["gdp_change_pct"] = r["real_gross_output_change_pct"]  # the model's name; it is gross output
            row["range"] = {k: [r[f"{k}_low"], r[f"{k}_high"]] for k in PCT}
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


def scenario_ge(
    name: str,
    *,
    against: str = BASELINE,
    on: dt.date | None = None,
    baseline: dt.date = DEFAULT_BASELINE,
    sigmas: dict[str, float] | None = None,
) -> ScenarioGE:
    """Solve ``name`` (and ``against`` unless it is the baseline) from the baseline, for each sigma."""
    sig = sigmas or SIGMAS
    on = on or scenario_date(name)
    base = etr_by_partner("baseline", baseline)
    ta = etr_by_partner(name, on)
    tb = None if against == BASELINE else etr_by_partner(against, on)
    frames = {}
    for band, s in sig.items():
        a = _solve(base, ta, s, name)
        if tb is not None:
            b = _solve(base, tb, s, against)
            a = a.join(b, on="country", suffix="_b").select(
                "country",
                *[((1 + pl.col(c) / 100) / (1 + pl.col(f"{c}_b") / 100) * 100 - 100).alias(c) for c in PCT],
            )
        frames[band] = a
    c = frames["central"]
    for band in ("low", "high"):
        c = c.join(frames[band].rename({k: f"{k}_{band}" for k in PCT}), on="country")
    # the band's ends: min and max over the three sigmas (a smaller sigma need not give the smaller change)
    c = c.with_columns(
        *[pl.min_horizontal(k, f"{k}_low", f"{k}_high").alias(f"{k}_lo") for k in PCT],
        *[pl.max_horizontal(k, f"{k}_low", f"{k}_high").alias(f"{k}_hi") for k in PCT],
    ).select(
        "country",
        *PCT,
        *[pl.col(f"{k}_lo").alias(f"{k}_low") for k in PCT],
        *[pl.col(f"{k}_hi").alias(f"{k}_high") for k in PCT],
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
            "output_measure": "gross output (not GDP): see tariffscope.scenarios.ge",
            "etr_baseline": base,
            "etr_scenario": ta,
            "etr_against": tb,
        },
    )
