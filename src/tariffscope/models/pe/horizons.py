"""Elasticities by horizon, with a low/central/high band: what the PE scenarios solve with.

Trade responds slowly to tariffs. Boehm, Levchenko & Pandalai-Nayar (2023, "The Long and Short (Run) of
Trade Elasticities", AER 113(4)) estimate the elasticity of tariff-exclusive imports at about -0.76 one year
after a tariff change and -1.75 to -2.25 in the long run, reached after 7-10 years. Long-run CGE practice uses
far higher Armington elasticities (GTAP motor vehicles 5.6; CEPII ProTEE median about 7.9). Broda-Weinstein
sigmas within one HS4 heading span 1.8 to 131 (HS 8703) and are noise for single lines, so no horizon uses
them raw (``table`` keeps the packaged, capped table for comparison).

Horizons (the defaults, with their sources, are in ``tariffscope/data/elasticity_horizons.csv``):

* ``short`` (one year): sigma 0.76, eta -0.38 (half of sigma: GTAP's rule of two); world prices fixed (complete pass-through, Amiti, Redding &
  Weinstein 2019) except motor vehicles and parts, whose export-supply elasticity 0.23 is calibrated to
  Japan's May 2025 car exports (value -24.7% in yen, volume -3.9%; docs/us-japan-2025.md);
* ``long`` (7-10 years): sigma 2.0 (1.75-2.25), eta -1.0; vehicles' eps 2 (assumption);
  passenger cars at one year: eta -0.83 with eps 0.23 (calibrated) and sigma 1.66 (rule of two);
* ``cge`` (steady state): sigma from ProTEE per HS6, kept within [2.5, 8] (2.5 = twice |eta|, GTAP's rule
  of two, so sources stay gross substitutes; 8 = the top of CGE practice), scaled 0.75/1/1.25 for the band;
  motor vehicles (HS 87) GTAP's 5.6; eta -1.25 (GSIM);
* a number of years ``y``: each parameter interpolated linearly between ``short`` (1 year) and ``long``
  (10 years); export-supply elasticities in ``1/eps`` (so that ``inf`` blends smoothly);
* ``table``: the packaged HS6 table (Broda-Weinstein capped at 20, eta -1.25, eps 99), no band.

The band moves every elasticity together: ``low`` = the low magnitudes (slow substitution, more absorption
by exporters), ``high`` = the high ones; a result's range is the min and max over the three solves.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from tariffscope.errors import DataError
from tariffscope.paths import PACKAGE_DATA

TABLE = PACKAGE_DATA / "elasticity_horizons.csv"
Band = Literal["low", "central", "high"]
BANDS: tuple[Band, ...] = ("low", "central", "high")
NAMED = ("short", "long", "cge", "table")
PARAM_COL = {"sigma": "sigma", "eta": "import_demand_elasticity", "eps": "export_supply_elasticity"}
SHORT_YEARS, LONG_YEARS = 1.0, 10.0
CGE_SIGMA_CAP = 8.0
CGE_SIGMA_FLOOR = 2.5  # twice the cge |eta| (GTAP's rule of two): foreign sources stay gross substitutes
CGE_SIGMA_SCALE = {"low": 0.75, "central": 1.0, "high": 1.25}


@dataclass(frozen=True)
class ElasticitySet:
    """How to build the elasticities of one solve: the table column for sigma, its cap and scale, overrides."""

    horizon: str
    band: Band
    overrides: list[dict[str, object]] = field(default_factory=list)
    sigma_from: Literal["broda_weinstein", "protee"] = "broda_weinstein"
    sigma_cap: float | None = None
    sigma_scale: float = 1.0
    sigma_floor: float | None = None


@functools.cache
def horizon_table() -> pl.DataFrame:
    """The shipped defaults: ``horizon, prefix, param, low, central, high, source``."""
    df = pl.read_csv(TABLE, schema_overrides={"prefix": pl.Utf8}).with_columns(pl.col("prefix").fill_null(""))
    bad = ~df["param"].is_in(list(PARAM_COL))
    if bad.any():
        raise DataError(f"{TABLE.name}: row {int(bad.arg_max() or 0) + 2} param must be sigma, eta or eps")
    return df


def parse_horizon(h: str | float | None) -> str | float:
    """``short|long|cge|table`` or a number of years (>= 1)."""
    if h is None:
        return "short"
    if isinstance(h, (int, float)):
        years = float(h)
    elif h in NAMED:
        return h
    else:
        try:
            years = float(h)
        except ValueError:
            raise DataError(f"horizon: {h!r} is not short, long, cge, table or a number of years") from None
    if not (math.isfinite(years) and years >= SHORT_YEARS):
        raise DataError(f"horizon: {h!r} years must be a number >= 1")
    return years


def _rows(horizon: str, band: Band) -> dict[tuple[str, str], float]:
    t = horizon_table().filter(pl.col("horizon") == horizon)
    return {(p, q): float(v) for p, q, v in t.select("prefix", "param", band).iter_rows()}


def _interpolate(years: float, band: Band) -> dict[tuple[str, str], float]:
    w = min(max((years - SHORT_YEARS) / (LONG_YEARS - SHORT_YEARS), 0.0), 1.0)
    a, b = _rows("short", band), _rows("long", band)
    out = {}
    for key in a.keys() | b.keys():
        va, vb = a.get(key, a.get(("", key[1]))), b.get(key, b.get(("", key[1])))
        if va is None or vb is None:
            continue
        if key[1] == "eps":  # blend the inverse: inf (complete pass-through) and finite mix smoothly
            ia, ib = 1 / va, 1 / vb
            inv = (1 - w) * ia + w * ib
            out[key] = math.inf if inv == 0 else 1 / inv
        else:
            out[key] = (1 - w) * va + w * vb
    return out


def _overrides(rows: dict[tuple[str, str], float]) -> list[dict[str, object]]:
    """Override rows by prefix; a row with an empty prefix applies to every HS chapter (01-99)."""
    by_prefix: dict[str, dict[str, object]] = {}
    for (prefix, param), v in rows.items():
        targets = [f"{c:02d}" for c in range(1, 100)] if prefix == "" else [prefix]
        for p in targets:
            d = by_prefix.setdefault(p, {"prefix": p, **dict.fromkeys(PARAM_COL.values())})
            if prefix == "" and d[PARAM_COL[param]] is not None:
                continue  # an explicit chapter row wins over the all-lines row
            d[PARAM_COL[param]] = v
    return list(by_prefix.values())


def elasticity_set(horizon: str | float | None = "short", band: Band = "central") -> ElasticitySet:
    """The elasticity settings of one horizon and band (see the module docstring)."""
    h = parse_horizon(horizon)
    if band not in BANDS:
        raise DataError(f"band: {band!r} is not low, central or high")
    if h == "table":
        return ElasticitySet("table", band)
    if isinstance(h, float):
        return ElasticitySet(f"{h:g}y", band, _overrides(_interpolate(h, band)))
    es = ElasticitySet(h, band, _overrides(_rows(h, band)))
    if h == "cge":
        return ElasticitySet(
            h,
            band,
            es.overrides,
            "protee",
            sigma_cap=CGE_SIGMA_CAP,
            sigma_scale=CGE_SIGMA_SCALE[band],
            sigma_floor=CGE_SIGMA_FLOOR,
        )
    return es


def merge_overrides(
    base: list[dict[str, object]], user: list[dict[str, object]] | None
) -> list[dict[str, object]]:
    """``base`` overrides with the user's on top (same prefix: the user's values win, column by column)."""
    out = {str(d["prefix"]): dict(d) for d in base}
    for d in user or []:
        p = str(d["prefix"]).replace(".", "")
        out.setdefault(p, {"prefix": p}).update({k: v for k, v in d.items() if k != "prefix"})
    return list(out.values())


def band_scale(param: Literal["sigma", "eta", "eps"], band: Band) -> float:
    """A band end relative to the central value, for models that take one elasticity per product from a table
    rather than a horizon (the package's partner side and its GSIM view, both on ProTEE-type steady-state
    values): the ``cge`` horizon's band, sigma x 0.75/1.25 and eta -1.0/-1.5 over -1.25 (x 0.8/1.2). An
    export-supply elasticity (``eps``) moves with sigma (an assumption: no estimate of its range was found).
    """
    if band not in BANDS:
        raise DataError(f"band: {band!r} is not low, central or high")
    if param in ("sigma", "eps"):
        return CGE_SIGMA_SCALE[band]
    return _rows("cge", band)[("", "eta")] / _rows("cge", "central")[("", "eta")]


def band_label(es: ElasticitySet) -> str:
    return f"{es.horizon}/{es.band}"
