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
from tariffscope.models.pe.horizons import BANDS, ElasticitySet, elasticity_set, merge_overrides
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
DEFAULT_VIEW: View = "adjusted"
"""Scenarios are solved in the owed view (preferences claimed as they are claimed; the issue 12 default of
:mod:`tariffscope.analytics.etr`): most of Canada's and Mexico's trade enters duty free under USMCA, so the
statutory view (no claims: a ceiling) would calibrate the baseline at duties nobody pays and overstate what a
scenario's tariff changes do to them. ``view="statutory"`` gives the ceiling."""
VIEW_LABELS = {
    "adjusted": "owed: preferences claimed as claimed",
    "statutory": "statutory: no preference claimed (a ceiling)",
}
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
    elasticity: ElasticitySet | None = None,
) -> pl.DataFrame:
    """Exact SMART effects of moving every line of ``flows`` from ``t0`` to ``t1``, one row per input row.

    ``flows``: ``hts10, partner, imports_usd, t0, t1`` (unique ``hts10 x partner``, imports > 0) plus any
    passthrough columns. Products with no rate change get zero effects without a solve; within a product,
    sources with equal ``(t0, t1)`` are solved as one source and the additive effects shared back by
    baseline imports (exact: under CES with a product-level export-supply elasticity they move in proportion).
    Adds the :data:`ADDITIVE` and :data:`INTENSIVE` columns, and the elasticities used (null where unsolved).
    ``hash_classes=False`` groups on the key columns themselves (slower; the fallback on a hash collision).
    ``elasticity``: a horizon's settings (:func:`tariffscope.models.pe.horizons.elasticity_set`; ``overrides``
    go on top); ``None`` uses the packaged table as it is.
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
        kw: dict[str, Any] = {}
        if elasticity is not None and elasticities is None:
            user = overrides.to_dicts() if isinstance(overrides, pl.DataFrame) else overrides
            overrides = merge_overrides(elasticity.overrides, user) or None
            kw = {
                "sigma_from": elasticity.sigma_from,
                "sigma_cap": elasticity.sigma_cap,
                "sigma_scale": elasticity.sigma_scale,
                "sigma_floor": elasticity.sigma_floor,
            }
        res = run_pe(
            classes.select("hts10", pl.col("_c").cast(pl.Utf8).alias("partner"), "imports_usd", "t0", "t1"),
            elasticities=elasticities,
            overrides=overrides,
            supply=supply,
            **kw,
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


# -- one baseline: a comparison is the difference of two solutions --------------------------------------------

DIFF = [
    "trade_creation_usd",
    "trade_diversion_usd",
    "price_effect_usd",
    "cs_change_usd",
    "cs_change_ces_usd",
    "ps_change_usd",
    "welfare_change_usd",
]
ACCOUNT = ["cs_attributed_usd", "tariff_revenue_attributed_usd"]


def pe_compare(
    flows: pl.DataFrame,
    *,
    supply: Supply = "elastic",
    elasticity: ElasticitySet | None = None,
    overrides: list[dict[str, object]] | None = None,
) -> pl.DataFrame:
    """Effects of rates ``t1`` against rates ``t0``, both solved from one baseline at rates ``tb``.

    ``flows``: ``hts10, partner, imports_usd, tb, t0, t1`` (+ passthrough columns). ``imports_usd`` are the
    data year's flows, the equilibrium at ``tb`` (the law in force on the first day after the data year). Each
    side is solved exactly from that baseline (hat algebra: :func:`pe_effects`) and every additive effect is the
    difference of the two solutions, so ``compare(A, B) = -compare(B, A)`` and ``A->B + B->C = A->C`` exactly.
    Products are separate markets, so only products where some line has ``t1 != t0`` are solved; elsewhere the
    effects are zero and the levels ``imports_against_usd``/``imports_new_usd`` are left null (not solved).
    Intensive columns (price changes) are ratios of the two solutions minus one.
    """
    need = {"hts10", "partner", "imports_usd", "tb", "t0", "t1"}
    if miss := need - set(flows.columns):
        raise DataError(f"flows: missing columns {sorted(miss)}")
    # lines with the same (hts10, tb, t0, t1) move in proportion on both sides (see pe_effects): solve classes
    keys = ["hts10", "tb", "t0", "t1"]
    f = flows.with_columns(
        pl.struct(keys).hash(seed=0x5EED).alias("_h"), pl.struct(keys).hash(seed=0xC0FFEE).alias("_h2")
    )
    classes = f.group_by("_h").agg(
        *[pl.col(k).first() for k in keys],
        pl.col("imports_usd").sum(),
        (pl.col("_h2").min() != pl.col("_h2").max()).alias("_collision"),
    )
    if classes["_collision"].any():  # two keys share a 64-bit hash: group on the keys themselves
        ids = f.select(keys).unique().with_row_index("_h").with_columns(pl.col("_h").cast(pl.UInt64))
        f = f.drop("_h").join(ids, on=keys, how="left", maintain_order="left")
        classes = f.group_by("_h").agg(*[pl.col(k).first() for k in keys], pl.col("imports_usd").sum())
    f = f.drop("_h2")
    # products are separate markets: only those where some line has t1 != t0 are solved
    classes = classes.filter((pl.col("t1") != pl.col("t0")).any().over("hts10"))
    kw: dict[str, Any] = {"supply": supply, "elasticity": elasticity, "overrides": overrides}
    cls = classes.select("hts10", pl.col("_h").cast(pl.Utf8).alias("partner"), "imports_usd")
    a = pe_effects(cls.with_columns(classes["tb"].alias("t0"), classes["t1"]), **kw)
    b = pe_effects(cls.with_columns(classes["tb"].alias("t0"), classes["t0"].alias("t1")), **kw)
    per_class = [
        b["imports_new_usd"].alias("imports_against_usd"),
        a["imports_new_usd"].alias("imports_new_usd"),
        (a["imports_new_usd"] - b["imports_new_usd"]).alias("imports_change_usd"),
        (a["tariff_revenue1_usd"] - b["tariff_revenue1_usd"]).alias("tariff_revenue_change_usd"),
        *[(a[c] - b[c]).alias(c) for c in DIFF],
    ]
    solved = attribute_us_accounts(classes.with_columns(per_class))
    additive = [x.name for x in per_class] + ACCOUNT
    solved = solved.select(
        "_h",
        pl.col("imports_usd").alias("_cm"),
        *additive,
        *[((1 + a[c]) / (1 + b[c]) - 1).alias(c) for c in INTENSIVE],
        # a product may move on one side only (the other equals the baseline and is not solved there)
        *[
            (
                a[c].fill_null(b[c]).cast(pl.Categorical) if c.endswith("_source") else a[c].fill_null(b[c])
            ).alias(c)
            for c in ELASTICITY_COLS
        ],
    )
    m = f.join(solved, on="_h", how="left", maintain_order="left")
    share = pl.col("imports_usd") / pl.col("_cm")
    levels = {"imports_against_usd", "imports_new_usd"}  # null where not solved; effects are zero there
    return m.with_columns(
        *[
            (pl.col(c) * share if c in levels else (pl.col(c) * share).fill_null(0.0)).alias(c)
            for c in additive
        ],
        (pl.col("t0") * pl.col("imports_against_usd") * share).alias("tariff_revenue0_usd"),
        (pl.col("t1") * pl.col("imports_new_usd") * share).alias("tariff_revenue1_usd"),
        *[pl.col(c).fill_null(0.0) for c in INTENSIVE],
    ).drop("_h", "_cm")


def attribute_us_accounts(lines: pl.DataFrame) -> pl.DataFrame:
    """Attribute each product's US consumer surplus and tariff revenue changes to the partners whose rates moved.

    Works on lines or on classes of lines (``hts10, imports_usd, t0, t1, cs_change_usd,
    tariff_revenue_change_usd``); within a class the shares are proportional to imports.

    A partner's rate change moves the whole product: prices, and revenue on the imports diverted to (or from)
    other suppliers. The product's US accounts are shared among its lines by their share of the product's
    absolute duty change at data-year flows, ``|t1 - t0| M``; lines whose rate did not move get nothing. The
    attributed columns therefore add up, over partners, to the US totals (``ALL``).
    """
    d = ((pl.col("t1") - pl.col("t0")) * pl.col("imports_usd")).abs()
    tot = d.sum().over("hts10")
    w = pl.when(tot > 0).then(d / tot).otherwise(0.0)
    return lines.with_columns(
        (w * pl.col("cs_change_usd").sum().over("hts10")).alias("cs_attributed_usd"),
        (w * pl.col("tariff_revenue_change_usd").sum().over("hts10")).alias("tariff_revenue_attributed_usd"),
    )


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


BAND_KEYS = [
    "exports_change_usd",
    "exports_change_pct",
    "exporter_price_change",
    "exporter_price_cut_usd",
    "us_consumer_cost_usd",
    "tariff_revenue_change_usd",
    "us_welfare_change_usd",
    "exporter_surplus_change_usd",
    "welfare_change_usd",
]


@dataclass
class ScenarioResult:
    """A scenario evaluated on one date against an alternative (current law by default), from one baseline.

    ``lines``: every HTS10 x partner line with ``imports_usd`` (data-year flows), ``tb`` (baseline rate),
    ``t0`` (the alternative's rate), ``t1`` (the scenario's), ``sector`` and the PE effects of the scenario
    against the alternative (differences of two solutions from the baseline; zero where nothing changed).
    ``bands``: the same lines solved with the horizon's low and high elasticities. ``unmatched``: weight lines
    with no rate on the date (not in the schedule then).
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
    elasticity: ElasticitySet | None = None
    bands: dict[str, pl.DataFrame] = field(default_factory=dict)
    baseline_date: dt.date | None = None
    baseline_filled_imports_usd: float = 0.0
    view: View = DEFAULT_VIEW

    @property
    def horizon(self) -> str:
        return self.elasticity.horizon if self.elasticity else "table"

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
                    "tb",
                    "t0",
                    pl.when(pl.col("partner") == partner)
                    .then(pl.col("t1"))
                    .otherwise(pl.col("t0"))
                    .alias("t1"),
                )
                eff = pe_compare(
                    sub, supply=self.supply, elasticity=self.elasticity, overrides=self.overrides
                )
                self.diversion[partner] = (
                    eff.filter(pl.col("partner") != partner)
                    .group_by("partner")
                    .agg(pl.col("imports_change_usd").sum().alias("exports_change_usd"))
                    .sort("exports_change_usd", descending=True)
                )
        return self.diversion[partner]

    def row(self, partner: str = "ALL", top: int = DIVERSION_TOP) -> dict[str, Any]:
        """The JSON row of ``scenario compare`` for one partner (``ALL``: all partners together).

        Money is USD per year; ``exports_change_pct`` is per cent of the data year's flows; ``range`` holds
        the low and high ends over the horizon's elasticity band (min and max of the three solves).
        """
        lines = self.lines if partner == "ALL" else self.lines.filter(pl.col("partner") == partner)
        imports = float(lines["imports_usd"].sum())
        duty1 = float((lines["t1"] * lines["imports_usd"]).sum())
        duty0 = float((lines["t0"] * lines["imports_usd"]).sum())
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
        m = _metrics(lines)
        band = [m] + [
            _metrics(b if partner == "ALL" else b.filter(pl.col("partner") == partner))
            for b in self.bands.values()
        ]
        rng = {
            k: [min(x[k] for x in band if x[k] is not None), max(x[k] for x in band if x[k] is not None)]
            for k in BAND_KEYS
            if m[k] is not None
        }
        return {
            "scenario": self.scenario,
            "partner": partner,
            "date": self.date.isoformat(),
            "against": self.against,
            "baseline": self.baseline_date.isoformat() if self.baseline_date else None,
            "horizon": self.horizon,
            "view": self.view,
            "view_label": VIEW_LABELS[self.view],
            "etr": _ratio(duty1, imports),
            "etr_against": _ratio(duty0, imports),
            "imports_usd": _r(imports),
            "duty_usd_per_year": _r(duty1),
            "duty_change_usd_per_year": _r(duty1 - duty0),
            **m,
            # the exporters' revenue at world prices moves with their sales: per year and per hour (8,760 h)
            "exporter_revenue_change_usd_per_hour": _r(m["exports_change_usd"] / HOURS_PER_YEAR),
            "exporter_price_cut_usd_per_hour": _r(m["exporter_price_cut_usd"] / HOURS_PER_YEAR),
            "diversion": diversion,
            "range": rng,
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


def _metrics(lines: pl.DataFrame) -> dict[str, Any]:
    """The additive accounts of some lines (USD per year), with the exporters' incidence.

    ``us_consumer_cost_usd`` and ``us_welfare_change_usd`` use the attributed US accounts (see
    :func:`attribute_us_accounts`): a partner's row includes the tariff revenue on imports its rate change
    diverts to other suppliers (``tariff_revenue_other_partners_usd``), so partner rows add up to ``ALL``.
    ``exporter_price_cut_usd``: what exporters give up by cutting their prices, on the volumes they still sell
    (the duty they bear); ``exporter_share_of_tariff``: the exporters' price cut over the tariff wedge's rise.
    """
    imports = float(lines["imports_usd"].sum())
    exp_change = float(lines["imports_change_usd"].sum())
    rev_own = float(lines["tariff_revenue_change_usd"].sum())
    cs_attr = float(lines["cs_attributed_usd"].sum())
    rev_attr = float(lines["tariff_revenue_attributed_usd"].sum())
    x = lines["exporter_price_change"]
    wedge = (1 + lines["t1"]) / (1 + lines["t0"]) - 1
    moved = wedge.abs() > 1e-12
    wm = (lines["imports_usd"] * wedge.abs()).filter(moved)
    share = None
    if float(wm.sum()) > 0:
        share = round(float((-x.filter(moved) / wedge.filter(moved) * wm).sum()) / float(wm.sum()), 6) + 0.0
    return {
        "exports_change_usd": _r(exp_change),
        "exports_change_pct": _ratio(exp_change, imports),
        "exporter_price_change": _ratio(float((x * lines["imports_usd"]).sum()), imports),
        "exporter_share_of_tariff": share,
        "exporter_price_cut_usd": _r(-float(lines["price_effect_usd"].sum())),
        "us_consumer_cost_usd": _r(-cs_attr),
        "tariff_revenue_change_usd": _r(rev_own),
        "tariff_revenue_other_partners_usd": _r(rev_attr - rev_own),
        "us_welfare_change_usd": _r(cs_attr + rev_attr),
        "exporter_surplus_change_usd": _r(lines["ps_change_usd"].sum()),
        "welfare_change_usd": _r(cs_attr + rev_attr + float(lines["ps_change_usd"].sum())),
    }


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
            (
                (pl.col("exporter_price_change") * pl.col("imports_usd")).sum() / pl.col("imports_usd").sum()
            ).alias("exporter_price_change"),
            ((pl.col("us_price_change") * pl.col("imports_usd")).sum() / pl.col("imports_usd").sum()).alias(
                "us_price_change"
            ),
            (-pl.col("cs_attributed_usd").sum()).alias("us_consumer_cost_usd"),
            pl.col("tariff_revenue_change_usd").sum(),
            pl.col("ps_change_usd").sum().alias("exporter_surplus_change_usd"),
            (-pl.col("price_effect_usd").sum()).alias("exporter_price_cut_usd"),
            pl.col("welfare_change_usd").sum(),
        )
        .sort(pl.col("duty_change_usd").abs(), descending=True)
    )


def elasticity_summary(lines: pl.DataFrame, supply: Supply) -> dict[str, Any]:
    """Which elasticities the result used: import-weighted means and the share of imports by source.

    ``complete_pass_through_share``: the share of solved imports at fixed world prices (``eps = inf``);
    ``eps``: the import-weighted mean over the others.
    """
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
        fin = solved.filter(pl.col("eps_used").is_finite())
        out["complete_pass_through_share"] = round(1 - float(fin["imports_usd"].sum()) / tot, 4)
        if fin.height:
            fw = float(fin["imports_usd"].sum())
            out["eps"] = round(float((fin["eps_used"] * fin["imports_usd"]).sum()) / fw, 4)
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
    pairs = w.select([c for c in ("hts10", "partner", "usmca_share") if c in w.columns])
    ck = "default-weights" if weights is None else None
    cur = load_scenario(CURRENT_LAW)
    rb = scenario_rates(cur, bdate, pairs, view=view, base=base, rates_fn=rates_fn, cache_key=ck)
    r0 = (
        rb
        if vs_baseline
        else scenario_rates(alt, on, pairs, view=view, base=base, rates_fn=rates_fn, cache_key=ck)
    )
    lines = w.join(r0.rename({"rate": "t0"}), on=["hts10", "partner"], how="left")
    # only partners covered by a rule that differs between the catalogues can have other rates
    parts = None if vs_baseline else changed_partners(_catalogue(alt, base), _catalogue(sc, base))
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
    lines = lines.join(rb.rename({"rate": "tb"}), on=["hts10", "partner"], how="left")
    lines = lines.with_columns(_sector_expr(w.columns))
    unmatched = lines.filter(pl.col("t0").is_null() | pl.col("t1").is_null())
    lines = lines.filter(pl.col("t0").is_not_null() & pl.col("t1").is_not_null())
    # a line not in the schedule on the baseline date is calibrated at the alternative's rate
    filled = float(lines.filter(pl.col("tb").is_null())["imports_usd"].sum())
    lines = lines.with_columns(pl.coalesce("tb", "t0").alias("tb")).drop(
        [c for c in ("usmca_share", "gtap", "data_year", "grain") if c in lines.columns]
    )
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
        unmatched_imports_usd=float(unmatched["imports_usd"].sum()),
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
