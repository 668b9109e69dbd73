"""Evaluate a scenario: duties, ETR and the PE effects on trade, prices, revenue and welfare, against current law.

For a scenario and an entry date, the rate of every (HTS10, partner) line of the import weights is resolved
twice, under the scenario's catalogue (``t1``) and under the alternative's (``t0``, current law by default),
with :func:`tariffscope.analytics.etr.rates_for_pairs`. The exact SMART/Armington model
(:func:`tariffscope.models.pe.run_pe`; WITS-SMART, Laird & Yeats 1986) then moves every product from ``t0``
to ``t1`` at once.

Two exact reductions keep this fast over all ~2 million HTS10 x partner lines:

* a product in which no source's rate changes has no effects at all, so it is not solved;
* within a product, sources with the same ``(t0, t1)`` (and, as in the packaged elasticities, the same export
  supply elasticity) see the same proportional price and quantity changes under CES, so they are solved as one
  source and every additive effect is shared back in proportion to baseline imports (see
  :func:`pe_effects`; ``tests/test_scenario_evaluate.py`` checks it against the direct solve).

"Who takes the market share" (``diversion``): for a partner whose rates change, the model is solved again with
only that partner's rates changed; the other partners' export changes in that solve are what its rate change
alone diverts to (or away from) them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from tariffscope.catalogue.loader import Catalogue
from tariffscope.errors import DataError
from tariffscope.models.pe.horizons import BANDS, elasticity_set
from tariffscope.scenarios.overlay import (
    CURRENT_LAW,
    Scenario,
    build_catalogue,
    load_scenario,
    scenario_chain,
)
from tariffscope.scenarios.pe_solve import (
    ACCOUNT,
    ADDITIVE,
    DIFF,
    ELASTICITY_COLS,
    INTENSIVE,
    Supply,
    attribute_us_accounts,
    pe_compare,
    pe_effects,
)
from tariffscope.scenarios.result import (
    BAND_KEYS,
    DEFAULT_VIEW,
    DIVERSION_TOP,
    VIEW_LABELS,
    ScenarioResult,
    View,
    _sector_expr,
    elasticity_summary,
    sector_names,
)

__all__ = [  # the PE core and the result live in pe_solve and result; re-exported for callers of this module
    "ACCOUNT",
    "ADDITIVE",
    "BAND_KEYS",
    "BASELINE",
    "DEFAULT_BASELINE",
    "DEFAULT_VIEW",
    "DIFF",
    "DIVERSION_TOP",
    "ELASTICITY_COLS",
    "INTENSIVE",
    "VIEW_LABELS",
    "RatesFn",
    "ScenarioResult",
    "Supply",
    "View",
    "attribute_us_accounts",
    "baseline_date",
    "changed_partners",
    "compare",
    "compare_rates",
    "default_rates",
    "elasticity_summary",
    "evaluate",
    "pe_compare",
    "pe_effects",
    "scenario_rates",
    "sector_names",
]

RatesFn = Callable[[pl.DataFrame, dt.date, Catalogue, View], pl.DataFrame]
"""``(pairs[hts10, partner, usmca_share], date, catalogue, view) -> frame with hts10, partner, total_rate``."""


def default_rates(pairs: pl.DataFrame, on: dt.date, cat: Catalogue, view: View) -> pl.DataFrame:
    """Rates from the resolver (the production path)."""
    from tariffscope.analytics.etr import rates_for_pairs

    return rates_for_pairs(pairs, on, view=view, cat=cat).select("hts10", "partner", "total_rate")


def _weights(weights: pl.DataFrame | None) -> pl.DataFrame:
    check = weights is not None  # the shipped weights are unique by construction
    if weights is None:
        from tariffscope.trade.weights import load_weights

        weights = load_weights()
    need = {"hts10", "partner", "imports_usd"}
    if miss := need - set(weights.columns):
        raise DataError(f"weights: missing columns {sorted(miss)}")
    cols = [c for c in ("hts10", "partner", "imports_usd", "usmca_share", "gtap") if c in weights.columns]
    w = weights.select(cols).filter(pl.col("imports_usd") > 0)
    if check and w.select(pl.struct("hts10", "partner").is_duplicated().any()).item():
        raise DataError("weights: duplicate hts10 x partner rows; aggregate them first")
    return w


def _chain_key(sc: Scenario) -> tuple[tuple[str, float], ...]:
    return tuple((str(s.path.resolve()), s.path.stat().st_mtime) for s in scenario_chain(sc))


_RATE_CACHE: dict[tuple[Any, ...], pl.DataFrame] = {}


def _catalogue(sc: Scenario, base: Catalogue | None) -> Catalogue:
    if base is None and sc.path.exists():
        from tariffscope.scenarios.overlay import _cached_catalogue

        # the cache is keyed by the scenario file; a base that changed on disk changes the chain key below
        return _cached_catalogue(str(sc.path.resolve()), sc.path.stat().st_mtime)
    return build_catalogue(sc, base)


def changed_partners(cat0: Catalogue, cat1: Catalogue) -> set[str] | None:
    """Countries covered by some rule that differs between two catalogues (``None``: possibly every country).

    A rule's duty, and the stacking relations it takes part in, act line by line, so lines of other countries
    have the same rates under both catalogues.
    """
    r0 = {r.id: r.rule for r in cat0.rules}
    r1 = {r.id: r.rule for r in cat1.rules}
    out: set[str] = set()
    for rid in r0.keys() | r1.keys():
        a, b = r0.get(rid), r1.get(rid)
        if a == b:
            continue
        for rule, cat in ((a, cat0), (b, cat1)):
            if rule is None:
                continue
            cs = cat.countries(rule.countries.include)
            if "ALL" in cs:
                return None
            out |= cs
    return out


def scenario_rates(
    sc: Scenario,
    on: dt.date,
    pairs: pl.DataFrame,
    *,
    view: View = DEFAULT_VIEW,
    base: Catalogue | None = None,
    rates_fn: RatesFn | None = None,
    cache_key: Any = None,
    partners: set[str] | None = None,
) -> pl.DataFrame:
    """``hts10, partner, rate`` under a scenario on a date, for the pairs of ``partners`` (``None``: all).

    Cached per scenario file versions, date, view and partners when ``cache_key`` names the pairs.
    """
    key = None
    if cache_key is not None and base is None and rates_fn is None:
        key = (_chain_key(sc), on, view, cache_key, None if partners is None else tuple(sorted(partners)))
        if key in _RATE_CACHE:
            return _RATE_CACHE[key]
    if partners is not None:
        pairs = pairs.filter(pl.col("partner").is_in(sorted(partners)))
    r = (rates_fn or default_rates)(pairs, on, _catalogue(sc, base), view).select(
        "hts10", "partner", pl.col("total_rate").alias("rate")
    )
    if key is not None:
        if len(_RATE_CACHE) > 16:
            _RATE_CACHE.clear()
        _RATE_CACHE[key] = r
    return r


BASELINE = "baseline"
"""``--against baseline``: the law in force on the baseline date (the data year's own rates)."""
DEFAULT_BASELINE = dt.date(2025, 1, 1)


def baseline_date(weights: pl.DataFrame | None) -> dt.date:
    """The day after the data year: the flows of year ``y`` are the equilibrium at the law of ``y+1``-01-01.

    (The shipped 2024 flows -> 2025-01-01: the rates in force as the 2025 measures began.) Weights that mix
    years (the shipped ones add 2025 HTS10 flows of Canada and Mexico, mostly USMCA duty-free, for their USMCA
    shares) take the year that carries most of the imports; the other rows are treated as if observed then.
    """
    if (
        weights is None
        or "data_year" not in weights.columns
        or weights["data_year"].null_count() == weights.height
    ):
        return DEFAULT_BASELINE
    by = weights.group_by("data_year").agg(pl.col("imports_usd").sum()).drop_nulls("data_year")
    year = by.sort(["imports_usd", "data_year"], descending=[True, False])["data_year"][0]
    return dt.date(int(year) + 1, 1, 1)


@dataclass(frozen=True)
class _Rates:
    """How one evaluation resolves rates: its weights' pairs, view, catalogue base, resolver and cache key."""

    weights: pl.DataFrame
    view: View
    base: Catalogue | None
    rates_fn: RatesFn | None
    cache_key: Any

    def get(self, sc: Scenario, on: dt.date, partners: set[str] | None = None) -> pl.DataFrame:
        pairs = self.weights.select(
            [c for c in ("hts10", "partner", "usmca_share") if c in self.weights.columns]
        )
        return scenario_rates(
            sc,
            on,
            pairs,
            view=self.view,
            base=self.base,
            rates_fn=self.rates_fn,
            cache_key=self.cache_key,
            partners=partners,
        ).rename({"rate": "r"})


def _with_rate(lines: pl.DataFrame, r: pl.DataFrame, name: str) -> pl.DataFrame:
    """``lines`` with the rate ``r`` (``hts10, partner, r``) as column ``name``: by position when ``r`` is the
    lines' own pairs in their order (as the resolver returns them), else by a left join on the pair."""
    keys = ["hts10", "partner"]
    if r.height == lines.height and all(r[k].equals(lines[k]) for k in keys):
        return lines.with_columns(r["r"].alias(name))
    return lines.join(r.rename({"r": name}), on=keys, how="left")


def _scenario_lines(
    rates: _Rates, sc: Scenario, alt: Scenario | None, on: dt.date, bdate: dt.date
) -> tuple[pl.DataFrame, float, float]:
    """The lines with ``tb`` (current law on ``bdate``), ``t0`` (``alt`` on ``on``; ``None``: the baseline) and
    ``t1`` (``sc`` on ``on``), the imports with no rate on ``on`` and those calibrated at ``t0`` (not in the
    schedule on ``bdate``). Only partners covered by a rule that differs between the catalogues are resolved
    again for ``t1`` (:func:`changed_partners`)."""
    w = rates.weights
    rb = rates.get(load_scenario(CURRENT_LAW), bdate)
    r0 = rb if alt is None else rates.get(alt, on)
    lines = _with_rate(w, r0, "t0")
    parts = None if alt is None else changed_partners(_catalogue(alt, rates.base), _catalogue(sc, rates.base))
    if parts is None:
        lines = _with_rate(lines, rates.get(sc, on), "t1")
    else:
        lines = lines.with_columns(pl.col("t0").alias("t1"))
        if parts:
            moved = pl.col("partner").is_in(sorted(parts))
            r1 = rates.get(sc, on, parts)
            lines = pl.concat(
                [
                    lines.filter(~moved),
                    _with_rate(lines.filter(moved).drop("t1"), r1, "t1").select(lines.columns),
                ]
            )
    lines = _with_rate(lines, rb, "tb").with_columns(_sector_expr(w.columns))
    unmatched = lines.filter(pl.col("t0").is_null() | pl.col("t1").is_null())
    lines = lines.filter(pl.col("t0").is_not_null() & pl.col("t1").is_not_null())
    # a line not in the schedule on the baseline date is calibrated at the alternative's rate
    filled = float(lines.filter(pl.col("tb").is_null())["imports_usd"].sum())
    lines = lines.with_columns(pl.coalesce("tb", "t0").alias("tb")).drop(
        [c for c in ("usmca_share", "gtap", "data_year", "grain") if c in lines.columns]
    )
    return lines, float(unmatched["imports_usd"].sum()), filled


def evaluate(
    scenario: str | Path | Scenario,
    date: dt.date | None = None,
    *,
    against: str | Path | Scenario = CURRENT_LAW,
    weights: pl.DataFrame | None = None,
    supply: Supply = "elastic",
    view: View = DEFAULT_VIEW,
    base: Catalogue | None = None,
    rates_fn: RatesFn | None = None,
    overrides: list[dict[str, object]] | None = None,
    horizon: str | float | None = "short",
    bands: bool = True,
    baseline: dt.date | None = None,
) -> ScenarioResult:
    """Evaluate a scenario on ``date`` (default: the scenario's own) against ``against`` (default current law).

    Both are solved from one baseline: the weights' flows at the law in force on ``baseline`` (default the
    day after the data year, 2025-01-01 for the shipped 2024 flows; :func:`baseline_date`), and the result is
    the difference of the two solutions (:func:`pe_compare`). ``against="baseline"`` compares with the
    baseline itself. ``weights``: ``hts10, partner, imports_usd`` [, ``usmca_share``, ``gtap``, ``data_year``];
    default the shipped import weights (:func:`tariffscope.trade.weights.load_weights`). ``base``: the
    catalogue the overlays apply to (default the shipped one). ``rates_fn``: how rates are resolved (default
    the resolver). ``horizon``: ``short|long|cge|table`` or years (:mod:`tariffscope.models.pe.horizons`);
    ``bands``: also solve the horizon's low and high elasticities (the ``range`` of every row).
    ``overrides``: elasticities by HS prefix on top of the horizon's, e.g. ``[{"prefix": "8703", "sigma": 5.0}]``.
    ``view``: the rates of the baseline and both scenarios, owed by default (:data:`DEFAULT_VIEW`).
    """
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    vs_baseline = isinstance(against, str) and against == BASELINE
    alt = (
        load_scenario(CURRENT_LAW)
        if vs_baseline
        else (against if isinstance(against, Scenario) else load_scenario(against))
    )
    on = date or sc.spec.date
    w = _weights(weights)
    bdate = baseline or baseline_date(weights if weights is not None else w)
    # the default weights' rates are cached per process; the key names the frame's size and total so that
    # weights that changed in between (another store or year, a test's stand-in) never reuse stale rates
    ck = ("default-weights", w.height, float(w["imports_usd"].sum())) if weights is None else None
    rates = _Rates(w, view, base, rates_fn, ck)
    lines, unmatched, filled = _scenario_lines(rates, sc, None if vs_baseline else alt, on, bdate)
    es = elasticity_set(horizon, "central")
    kw: dict[str, Any] = {"supply": supply, "overrides": overrides}
    effects = pe_compare(lines, elasticity=es, **kw)
    band_lines: dict[str, pl.DataFrame] = {}
    if bands and es.horizon != "table":
        for b in BANDS:
            if b != "central":
                band_lines[b] = pe_compare(lines, elasticity=elasticity_set(horizon, b), **kw)
    return ScenarioResult(
        scenario=sc.id,
        title=sc.spec.title,
        date=on,
        against=BASELINE if vs_baseline else alt.id,
        supply=supply,
        lines=effects,
        unmatched_imports_usd=unmatched,
        scenario_obj=sc,
        overrides=overrides,
        elasticity=es,
        bands=band_lines,
        baseline_date=bdate,
        baseline_filled_imports_usd=filled,
        view=view,
    )


def compare_rates(
    flows: pl.DataFrame,
    *,
    base: Catalogue | None = None,
    rates_fn: RatesFn | None = None,
    baseline: dt.date | None = None,
    view: View = DEFAULT_VIEW,
    supply: Supply = "elastic",
    horizon: str | float | None = "short",
    overrides: list[dict[str, object]] | None = None,
    cache_key: Any = None,
) -> pl.DataFrame:
    """Effects of rates ``t1`` against ``t0`` on ``flows`` (``hts10, partner, imports_usd, t0, t1``), from the
    one baseline that :func:`evaluate` uses: the current law (catalogue ``base``) on ``baseline`` (default
    2025-01-01, or the day after the flows' ``data_year``). For callers that build their own rates, e.g. the
    workbench's scenario lab, so that they agree with ``scenario run``/``compare``. ``cache_key`` names the
    pairs of ``flows`` so that their baseline rates are resolved once per process (with the shipped catalogue).
    """
    bdate = baseline or baseline_date(flows)
    pairs = flows.select("hts10", "partner")
    rb = scenario_rates(
        load_scenario(CURRENT_LAW), bdate, pairs, view=view, base=base, rates_fn=rates_fn, cache_key=cache_key
    )
    f = flows.join(rb.rename({"rate": "tb"}), on=["hts10", "partner"], how="left", maintain_order="left")
    f = f.with_columns(pl.coalesce("tb", "t0").alias("tb"))
    return pe_compare(f, supply=supply, elasticity=elasticity_set(horizon), overrides=overrides)


def compare(
    scenarios: Sequence[str | Path],
    date: dt.date | None = None,
    *,
    partners: Sequence[str] | None = None,
    against: str | Path = CURRENT_LAW,
    weights: pl.DataFrame | None = None,
    supply: Supply = "elastic",
    view: View = DEFAULT_VIEW,
    base: Catalogue | None = None,
    rates_fn: RatesFn | None = None,
    overrides: list[dict[str, object]] | None = None,
    horizon: str | float | None = "short",
    bands: bool = True,
) -> tuple[list[dict[str, Any]], list[ScenarioResult]]:
    """Evaluate several scenarios; one row per scenario and partner (see :meth:`ScenarioResult.row`).

    Each scenario is evaluated on ``date`` if given, else on its own date, from the same baseline. Default
    partners: the union of the scenarios' partners of interest, then ``ALL``.
    """
    results = [
        evaluate(
            s,
            date,
            against=against,
            weights=weights,
            supply=supply,
            view=view,
            base=base,
            rates_fn=rates_fn,
            overrides=overrides,
            horizon=horizon,
            bands=bands,
        )
        for s in scenarios
    ]
    if not partners:
        seen: list[str] = []
        for r in results:
            seen.extend(p for p in r.scenario_obj.spec.partners if p not in seen)
        partners = [*seen, "ALL"]
    rows = [res.row(p) for res in results for p in partners]
    return rows, results
