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
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import polars as pl

from tariffscope.catalogue.loader import Catalogue
from tariffscope.errors import DataError
from tariffscope.models.pe import run_pe
from tariffscope.models.pe.smart import HOURS_PER_YEAR
from tariffscope.paths import PACKAGE_DATA
from tariffscope.scenarios.overlay import (
    CURRENT_LAW,
    Scenario,
    build_catalogue,
    load_scenario,
    scenario_chain,
)

Supply = Literal["infinite", "elastic"]
View = Literal["statutory", "adjusted"]
RatesFn = Callable[[pl.DataFrame, dt.date, Catalogue, View], pl.DataFrame]
"""``(pairs[hts10, partner, usmca_share], date, catalogue, view) -> frame with hts10, partner, total_rate``."""

ADDITIVE = [
    "imports_new_usd",
    "imports_change_usd",
    "trade_creation_usd",
    "trade_diversion_usd",
    "price_effect_usd",
    "tariff_revenue0_usd",
    "tariff_revenue1_usd",
    "tariff_revenue_change_usd",
    "cs_change_usd",
    "cs_change_ces_usd",
    "ps_change_usd",
    "welfare_change_usd",
]
INTENSIVE = ["exporter_price_change", "us_price_change", "composite_price_change"]
ELASTICITY_COLS = ["sigma", "sigma_source", "eta", "eta_source", "eps_used", "eps_source"]
DIVERSION_TOP = 10


def default_rates(pairs: pl.DataFrame, on: dt.date, cat: Catalogue, view: View) -> pl.DataFrame:
    """Rates from the resolver (the production path)."""
    from tariffscope.analytics.etr import rates_for_pairs

    return rates_for_pairs(pairs, on, view=view, cat=cat).select("hts10", "partner", "total_rate")


# -- the PE core -----------------------------------------------------------------------------------------------


def pe_effects(
    flows: pl.DataFrame,
    *,
    supply: Supply = "infinite",
    elasticities: pl.DataFrame | None = None,
    overrides: pl.DataFrame | list[dict[str, object]] | None = None,
    hash_classes: bool = True,
) -> pl.DataFrame:
    """Exact SMART effects of moving every line of ``flows`` from ``t0`` to ``t1``, one row per input row.

    ``flows``: ``hts10, partner, imports_usd, t0, t1`` (unique ``hts10 x partner``, imports > 0) plus any
    passthrough columns. Products with no rate change get zero effects without a solve; within a product,
    sources with equal ``(t0, t1)`` are solved as one source and the additive effects shared back by
    baseline imports (exact: under CES with a product-level export-supply elasticity they move in proportion).
    Adds the :data:`ADDITIVE` and :data:`INTENSIVE` columns, and the elasticities used (null where unsolved).
    ``hash_classes=False`` groups on the key columns themselves (slower; the fallback on a hash collision).
    """
    need = {"hts10", "partner", "imports_usd", "t0", "t1"}
    if miss := need - set(flows.columns):
        raise DataError(f"flows: missing columns {sorted(miss)}")
    keys = ["hts10", "t0", "t1"]
    # classes of lines with the same (hts10, t0, t1), grouped by a 64-bit hash of the key; a second,
    # independent hash detects a collision, in which case the exact (slower) multi-column grouping is used
    f = flows.with_columns(
        pl.struct(keys).hash(seed=0x5EED).alias("_h"), pl.struct(keys).hash(seed=0xC0FFEE).alias("_h2")
    )
    classes = f.group_by("_h").agg(
        pl.col("hts10").first(),
        pl.col("t0").first(),
        pl.col("t1").first(),
        pl.col("imports_usd").sum(),
        (pl.col("_h2").min() != pl.col("_h2").max()).alias("_collision"),
    )
    if classes["_collision"].any() or not hash_classes:
        f = f.drop("_h").join(
            f.select(keys).unique().with_row_index("_h").with_columns(pl.col("_h").cast(pl.UInt64)), on=keys
        )
        classes = f.group_by("_h").agg(
            pl.col("hts10").first(), pl.col("t0").first(), pl.col("t1").first(), pl.col("imports_usd").sum()
        )
    f = f.drop("_h2")
    classes = classes.filter((pl.col("t1") != pl.col("t0")).any().over("hts10")).with_row_index("_c")
    solved: pl.DataFrame | None = None
    if classes.height:
        res = run_pe(
            classes.select("hts10", pl.col("_c").cast(pl.Utf8).alias("partner"), "imports_usd", "t0", "t1"),
            elasticities=elasticities,
            overrides=overrides,
            supply=supply,
        ).lines
        solved = classes.select("_h", pl.col("_c").cast(pl.Utf8)).join(
            res.select(
                pl.col("partner").alias("_c"),
                pl.col("imports_usd").alias("_cm"),
                *ADDITIVE,
                *INTENSIVE,
                *ELASTICITY_COLS,
            ),
            on="_c",
        )
    if solved is None:
        solved = pl.DataFrame(
            schema={
                "_h": pl.UInt64,
                "_c": pl.Utf8,
                "_cm": pl.Float64,
                **dict.fromkeys([*ADDITIVE, *INTENSIVE], pl.Float64),
                **{c: pl.Utf8 if c.endswith("_source") else pl.Float64 for c in ELASTICITY_COLS},
            }
        )
    out = f.join(solved, on="_h", how="left", maintain_order="left")
    hit = pl.col("_cm").is_not_null()
    share = pl.col("imports_usd") / pl.col("_cm")
    rev0 = pl.col("t0") * pl.col("imports_usd")
    fills = {
        "imports_new_usd": pl.col("imports_usd"),
        "tariff_revenue0_usd": rev0,
        "tariff_revenue1_usd": rev0,
    }
    return out.with_columns(
        [pl.when(hit).then(pl.col(c) * share).otherwise(fills.get(c, pl.lit(0.0))).alias(c) for c in ADDITIVE]
        + [pl.col(c).fill_null(0.0) for c in INTENSIVE]
    ).drop("_h", "_c", "_cm")


# -- scenario evaluation ---------------------------------------------------------------------------------------


@functools.cache
def sector_names() -> dict[str, str]:
    """GTAP sector code -> name (shipped with the import weights)."""
    path = PACKAGE_DATA / "weights_gtap_sectors.csv"
    if not path.exists():
        return {}
    df = pl.read_csv(path, infer_schema_length=0)
    return dict(zip(df["gtap"].to_list(), df["gtap_name"].to_list(), strict=True))


def _sector_expr(columns: Sequence[str]) -> pl.Expr:
    if "gtap" in columns:
        return pl.coalesce(pl.col("gtap"), pl.lit("HS") + pl.col("hts10").str.slice(0, 2)).alias("sector")
    return (pl.lit("HS") + pl.col("hts10").str.slice(0, 2)).alias("sector")


@dataclass
class ScenarioResult:
    """A scenario evaluated on one date against an alternative (current law by default).

    ``lines``: every HTS10 x partner line with ``imports_usd, t0, t1, sector`` and the PE effects (zero where
    nothing changed). ``unmatched``: weight lines with no rate on the date (not in the schedule then).
    """

    scenario: str
    title: str
    date: dt.date
    against: str
    supply: Supply
    lines: pl.DataFrame
    unmatched_imports_usd: float
    scenario_obj: Scenario
    overrides: list[dict[str, object]] | None = None
    diversion: dict[str, pl.DataFrame] = field(default_factory=dict)

    @property
    def partners(self) -> list[str]:
        return sorted(self.lines["partner"].unique().to_list())

    def affected_partners(self, limit: int = 10) -> list[str]:
        """Partners whose duty changes most (in absolute value) under the scenario."""
        d = (
            self.lines.group_by("partner")
            .agg(((pl.col("t1") - pl.col("t0")) * pl.col("imports_usd")).sum().alias("d"))
            .filter(pl.col("d").abs() > 0)
            .sort(pl.col("d").abs(), descending=True)
        )
        return d["partner"].head(limit).to_list()

    def _diversion(self, partner: str) -> pl.DataFrame:
        """Exports change of every other partner when only ``partner``'s rates change (cached)."""
        if partner not in self.diversion:
            own = self.lines.filter(pl.col("partner") == partner)
            products = own.filter(pl.col("t1") != pl.col("t0")).select("hts10").unique()
            if products.height == 0:
                self.diversion[partner] = pl.DataFrame(
                    schema={"partner": pl.Utf8, "exports_change_usd": pl.Float64}
                )
            else:
                sub = self.lines.join(products, on="hts10", how="semi").select(
                    "hts10",
                    "partner",
                    "imports_usd",
                    "t0",
                    pl.when(pl.col("partner") == partner)
                    .then(pl.col("t1"))
                    .otherwise(pl.col("t0"))
                    .alias("t1"),
                )
                eff = pe_effects(sub, supply=self.supply, overrides=self.overrides)
                self.diversion[partner] = (
                    eff.filter(pl.col("partner") != partner)
                    .group_by("partner")
                    .agg(pl.col("imports_change_usd").sum().alias("exports_change_usd"))
                    .sort("exports_change_usd", descending=True)
                )
        return self.diversion[partner]

    def row(self, partner: str = "ALL", top: int = DIVERSION_TOP) -> dict[str, Any]:
        """The JSON row of ``scenario compare`` for one partner (``ALL``: all partners together)."""
        lines = self.lines if partner == "ALL" else self.lines.filter(pl.col("partner") == partner)
        imports = float(lines["imports_usd"].sum())
        duty1 = float((lines["t1"] * lines["imports_usd"]).sum())
        duty0 = float((lines["t0"] * lines["imports_usd"]).sum())
        exp_change = float(lines["imports_change_usd"].sum())
        diversion: list[dict[str, Any]] = []
        if partner != "ALL":
            d = self._diversion(partner)
            head = d.sort(pl.col("exports_change_usd").abs(), descending=True).head(top)
            head = head.sort("exports_change_usd", descending=True)
            diversion = [
                {"partner": p, "exports_change_usd": _r(v)} for p, v in head.iter_rows() if abs(v) >= 0.005
            ]
            rest = float(d["exports_change_usd"].sum()) - float(head["exports_change_usd"].sum())
            if d.height > head.height and abs(rest) >= 0.005:
                diversion.append({"partner": "OTHER", "exports_change_usd": _r(rest)})
        return {
            "scenario": self.scenario,
            "partner": partner,
            "date": self.date.isoformat(),
            "against": self.against,
            "etr": _ratio(duty1, imports),
            "etr_against": _ratio(duty0, imports),
            "imports_usd": _r(imports),
            "duty_usd_per_year": _r(duty1),
            "duty_change_usd_per_year": _r(duty1 - duty0),
            "exports_change_usd": _r(exp_change),
            "exports_change_pct": _ratio(exp_change, imports),
            # the exporters' revenue at world prices moves with their sales: per year and per hour (8,760 h)
            "exporter_revenue_change_usd_per_hour": _r(exp_change / HOURS_PER_YEAR),
            "diversion": diversion,
            "us_consumer_cost_usd": _r(-float(lines["cs_change_usd"].sum())),
            "tariff_revenue_change_usd": _r(lines["tariff_revenue_change_usd"].sum()),
            "welfare_change_usd": _r(lines["welfare_change_usd"].sum()),
            "us_welfare_change_usd": _r(
                float(lines["cs_change_usd"].sum()) + float(lines["tariff_revenue_change_usd"].sum())
            ),
            "exporter_surplus_change_usd": _r(lines["ps_change_usd"].sum()),
            "elasticities": elasticity_summary(lines, self.supply),
        }

    def rows(self, partners: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """Rows for ``partners`` (default: the scenario's partners of interest, then ``ALL``)."""
        if not partners:
            partners = [*self.scenario_obj.spec.partners, "ALL"]
        return [self.row(p) for p in partners]

    def by_sector(self, partner: str | None = None) -> pl.DataFrame:
        """Effects by sector (GTAP sector of the weights, else HS chapter), for one partner or all."""
        lines = self.lines if partner in (None, "ALL") else self.lines.filter(pl.col("partner") == partner)
        return _by(lines, "sector").with_columns(
            pl.col("sector").replace_strict(sector_names(), default=pl.col("sector")).alias("sector_name")
        )

    def by_product(self, partner: str | None = None, top: int | None = 20) -> pl.DataFrame:
        """Effects by HTS10 line (largest export changes first), for one partner or all."""
        lines = self.lines if partner in (None, "ALL") else self.lines.filter(pl.col("partner") == partner)
        out = _by(lines, "hts10").sort(pl.col("exports_change_usd").abs(), descending=True)
        return out.head(top) if top else out


def _ratio(a: float, b: float) -> float | None:
    return None if b == 0 else round(a / b, 8) + 0.0


def _r(x: Any) -> float:
    """Rounded to cents, without a negative zero."""
    return round(float(x), 2) + 0.0


def _by(lines: pl.DataFrame, key: str) -> pl.DataFrame:
    return (
        lines.group_by(key)
        .agg(
            pl.col("imports_usd").sum(),
            ((pl.col("t0") * pl.col("imports_usd")).sum() / pl.col("imports_usd").sum()).alias(
                "rate_against"
            ),
            ((pl.col("t1") * pl.col("imports_usd")).sum() / pl.col("imports_usd").sum()).alias("rate"),
            ((pl.col("t1") - pl.col("t0")) * pl.col("imports_usd")).sum().alias("duty_change_usd"),
            pl.col("imports_change_usd").sum().alias("exports_change_usd"),
            ((pl.col("us_price_change") * pl.col("imports_usd")).sum() / pl.col("imports_usd").sum()).alias(
                "us_price_change"
            ),
            (-pl.col("cs_change_usd").sum()).alias("us_consumer_cost_usd"),
            pl.col("tariff_revenue_change_usd").sum(),
            pl.col("ps_change_usd").sum().alias("exporter_surplus_change_usd"),
            pl.col("welfare_change_usd").sum(),
        )
        .sort(pl.col("duty_change_usd").abs(), descending=True)
    )


def elasticity_summary(lines: pl.DataFrame, supply: Supply) -> dict[str, Any]:
    """Which elasticities the result used: import-weighted means and the share of imports by source."""
    solved = lines.filter(pl.col("sigma").is_not_null())
    out: dict[str, Any] = {"supply": supply, "solved_lines": solved.height}
    if solved.height == 0:
        return out
    w = solved["imports_usd"]
    tot = float(w.sum())
    for col, src in (("sigma", "sigma_source"), ("eta", "eta_source")):
        out[col] = round(float((solved[col] * w).sum()) / tot, 4)
        shares = solved.group_by(src).agg(pl.col("imports_usd").sum()).sort("imports_usd", descending=True)
        out[f"{col}_sources"] = {str(k): round(float(v) / tot, 4) for k, v in shares.iter_rows()}
    if supply == "elastic":
        out["eps"] = round(float((solved["eps_used"] * w).sum()) / tot, 4)
    return out


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
    view: View = "statutory",
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


def evaluate(
    scenario: str | Path | Scenario,
    date: dt.date | None = None,
    *,
    against: str | Path | Scenario = CURRENT_LAW,
    weights: pl.DataFrame | None = None,
    supply: Supply = "infinite",
    view: View = "statutory",
    base: Catalogue | None = None,
    rates_fn: RatesFn | None = None,
    overrides: list[dict[str, object]] | None = None,
) -> ScenarioResult:
    """Evaluate a scenario on ``date`` (default: the scenario's own) against ``against`` (default current law).

    ``weights``: ``hts10, partner, imports_usd`` [, ``usmca_share``, ``gtap``]; default the shipped import
    weights (:func:`tariffscope.trade.weights.load_weights`). ``base``: the catalogue the overlays apply to
    (default the shipped one). ``rates_fn``: how rates are resolved (default the resolver). ``overrides``:
    elasticities by HS prefix, e.g. ``[{"prefix": "8703", "sigma": 5.0}]`` (see ``elasticities_for``).
    """
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    alt = against if isinstance(against, Scenario) else load_scenario(against)
    on = date or sc.spec.date
    w = _weights(weights)
    pairs = w.select([c for c in ("hts10", "partner", "usmca_share") if c in w.columns])
    ck = "default-weights" if weights is None else None
    r0 = scenario_rates(alt, on, pairs, view=view, base=base, rates_fn=rates_fn, cache_key=ck)
    lines = w.join(r0.rename({"rate": "t0"}), on=["hts10", "partner"], how="left")
    # only partners covered by a rule that differs between the catalogues can have other rates
    parts = changed_partners(_catalogue(alt, base), _catalogue(sc, base))
    if parts is None:
        r1 = scenario_rates(sc, on, pairs, view=view, base=base, rates_fn=rates_fn, cache_key=ck)
        lines = lines.join(r1.rename({"rate": "t1"}), on=["hts10", "partner"], how="left")
    else:
        lines = lines.with_columns(pl.col("t0").alias("t1"))
        if parts:
            r1 = scenario_rates(
                sc, on, pairs, view=view, base=base, rates_fn=rates_fn, cache_key=ck, partners=parts
            )
            moved = pl.col("partner").is_in(sorted(parts))
            lines = pl.concat(
                [
                    lines.filter(~moved),
                    lines.filter(moved)
                    .drop("t1")
                    .join(r1.rename({"rate": "t1"}), on=["hts10", "partner"], how="left")
                    .select(lines.columns),
                ]
            )
    lines = lines.with_columns(_sector_expr(w.columns))
    unmatched = lines.filter(pl.col("t0").is_null() | pl.col("t1").is_null())
    lines = lines.filter(pl.col("t0").is_not_null() & pl.col("t1").is_not_null())
    effects = pe_effects(
        lines.drop([c for c in ("usmca_share", "gtap") if c in lines.columns]),
        supply=supply,
        overrides=overrides,
    )
    return ScenarioResult(
        scenario=sc.id,
        title=sc.spec.title,
        date=on,
        against=alt.id,
        supply=supply,
        lines=effects,
        unmatched_imports_usd=float(unmatched["imports_usd"].sum()),
        scenario_obj=sc,
        overrides=overrides,
    )


def compare(
    scenarios: Sequence[str | Path],
    date: dt.date | None = None,
    *,
    partners: Sequence[str] | None = None,
    against: str | Path = CURRENT_LAW,
    weights: pl.DataFrame | None = None,
    supply: Supply = "infinite",
    view: View = "statutory",
    base: Catalogue | None = None,
    rates_fn: RatesFn | None = None,
    overrides: list[dict[str, object]] | None = None,
) -> tuple[list[dict[str, Any]], list[ScenarioResult]]:
    """Evaluate several scenarios; one row per scenario and partner (see :meth:`ScenarioResult.row`).

    Each scenario is evaluated on ``date`` if given, else on its own date. Default partners: the union of the
    scenarios' partners of interest, then ``ALL``.
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
