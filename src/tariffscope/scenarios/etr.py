"""A scenario's effective US tariff rate on each partner: the link to the general-equilibrium model.

``tariffscope ge run --scenario NAME`` turns a scenario into a change in US tariffs by partner:
the ETR of each partner under current law and under the scenario, on the scenario's evaluation
date, over the shipped 2024 import weights (:func:`tariffscope.analytics.etr.etr_series`).
"""

from __future__ import annotations

import datetime as dt
import functools

import polars as pl

from tariffscope.analytics.etr import etr_series
from tariffscope.catalogue.loader import default_catalogue
from tariffscope.scenarios.overlay import load_scenario, scenario_catalogue
from tariffscope.trade.weights import load_weights

BASELINE_NAMES = ("baseline", "current-law")


def scenario_date(name: str) -> dt.date:
    """The evaluation date a scenario file names (its ``date``)."""
    return load_scenario(name).spec.date


def etr_by_partner(name: str, on: dt.date | None = None) -> dict[str, float]:
    """ISO2 partner -> US effective tariff rate under scenario ``name`` on ``on`` (default: its date).

    ``baseline`` (or ``current-law``) is the shipped catalogue; it needs ``on``, or takes the
    current-law scenario's date.
    """
    if on is None:
        on = scenario_date("current-law" if name in BASELINE_NAMES else name)
    key = "" if name in BASELINE_NAMES else str(load_scenario(name).path)
    mtime = 0.0 if not key else load_scenario(name).path.stat().st_mtime
    return dict(_etr_by_partner(name, on, key, mtime))


@functools.lru_cache(maxsize=32)
def _etr_by_partner(name: str, on: dt.date, _path: str, _mtime: float) -> tuple[tuple[str, float], ...]:
    """Cached per scenario file version and date (the GE range solves the same rates three times)."""
    cat = default_catalogue() if name in BASELINE_NAMES else scenario_catalogue(name)
    df = etr_series(load_weights(), on, on, daily=False, catalogue=cat)
    rows = df.filter((pl.col("date") == on) & (pl.col("partner") != "ALL"))
    return tuple(zip(rows["partner"].to_list(), rows["etr"].to_list(), strict=True))
