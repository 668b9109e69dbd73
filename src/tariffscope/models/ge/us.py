"""US tariff regime -> GE counterfactual on the bundled WIOD 2014 baseline.

The baseline is ``data/wiod2014_flows.csv`` (43 economies + rest of world ``ROW``, 2014 flows incl.
domestic sales, built by :mod:`tariffscope.models.ge.build_baseline`). A scenario changes only the
US import tariff on each partner ``i`` (``tau_{i,US}``) from ``baseline_etr[i]`` to
``scenario_etr[i]``; the model is the one-sector full GE with tariff revenue spent by the US and
fixed trade deficits (Caliendo & Parro 2015, one sector; Baier, Yotov & Zylkin 2019 fixed point).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import polars as pl

from tariffscope.models.ge.model import Experiment, GEResult, StructuralGravity
from tariffscope.models.ge.solver import GEInputError

BASELINE_FILE = Path(__file__).resolve().parent / "data" / "wiod2014_flows.csv"
US = "US"


def load_baseline() -> pl.DataFrame:
    """The bundled baseline flows (exporter, importer ISO2 or ``ROW``, trade)."""
    if not BASELINE_FILE.is_file():
        raise GEInputError(f"bundled GE baseline missing: {BASELINE_FILE.name}; run build_baseline")
    return pl.read_csv(BASELINE_FILE)


def _normalise(rates: Mapping[str, float], label: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for k, v in rates.items():
        code = str(k).strip().upper()
        r = float(v)
        if not np.isfinite(r) or r <= -1:
            raise GEInputError(f"{label}[{k!r}] = {v!r} is not a valid tariff rate (decimal > -1)")
        out[code] = r
    return out


def partner_rates(rates: Mapping[str, float], economies: list[str], label: str) -> dict[str, float]:
    """Rate per model economy. ``ROW`` gets ``rates['ROW']`` if given, else the simple mean of the
    rates for partners outside the model (else of all rates; 0 if none)."""
    r = _normalise(rates, label)
    out = {c: r[c] for c in economies if c in r and c != US}
    if "ROW" in economies and "ROW" not in out:
        outside = [v for k, v in r.items() if k not in economies]
        pool = outside or list(r.values())
        out["ROW"] = float(np.mean(pool)) if pool else 0.0
    return out


def us_tariff_counterfactual(
    baseline_etr: Mapping[str, float],
    scenario_etr: Mapping[str, float],
    *,
    sigma: float = 5.0,
    closure: str = "additive",
    numeraire: str | None = "world",
    tariff_revenue: bool = True,
    name: str = "US tariff scenario",
) -> GEResult:
    """Solve the GE effects of moving US tariffs by partner from ``baseline_etr`` to ``scenario_etr``.

    Keys are ISO 3166 alpha-2 partner codes (``ROW`` for the rest of the world), values decimal
    effective tariff rates. Partners missing from a mapping keep rate 0 there (``ROW``: see
    :func:`partner_rates`). ``sigma`` is the elasticity of substitution (trade elasticity
    ``sigma - 1``; default 5, i.e. the ``ge_gravity`` default theta = 4). Returns tidy results with
    ISO2 country codes; ``meta`` records the baseline and rates used.
    """
    flows = load_baseline()
    economies = sorted(set(flows["exporter"].to_list()))
    b = partner_rates(baseline_etr, economies, "baseline_etr")
    s = partner_rates(scenario_etr, economies, "scenario_etr")
    panel = flows.with_columns(
        pl.when(pl.col("importer") == US)
        .then(pl.col("exporter").replace_strict(b, default=0.0, return_dtype=pl.Float64))
        .otherwise(0.0)
        .alias("tariff")
    )
    model = StructuralGravity(panel, {}, sigma, US, tariff="tariff")
    changes = pl.DataFrame(
        {
            "exporter": [c for c in economies if c != US],
            "importer": [US] * (len(economies) - 1),
            "tariff": [s.get(c, 0.0) for c in economies if c != US],
        }
    )
    res = model.solve(
        Experiment(changes, name=name),
        method="full",
        closure=closure,
        numeraire=numeraire,
        tariff_revenue=tariff_revenue,
        baseline_flows="observed",
    )
    res.meta.update(
        {
            "baseline": "WIOD 2014 aggregate flows (bundled: wiod2014_flows.csv)",
            "baseline_etr": b,
            "scenario_etr": s,
            "closure": closure,
            "numeraire": numeraire,
            "tariff_revenue": tariff_revenue,
        }
    )
    return res
