"""A scenario's result: the lines' PE effects and their accounts per partner, sector and product, with bands."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from tariffscope.analytics.etr import DEFAULT_VIEW as DEFAULT_VIEW
from tariffscope.analytics.etr import View as View
from tariffscope.models.pe.horizons import ElasticitySet
from tariffscope.models.pe.smart import HOURS_PER_YEAR
from tariffscope.paths import PACKAGE_DATA
from tariffscope.scenarios.overlay import Scenario
from tariffscope.scenarios.pe_solve import Supply, pe_compare

# Scenarios are solved in the owed view (preferences claimed as they are claimed), the default of the ETRs
# (``View`` and ``DEFAULT_VIEW`` are analytics.etr's): most of Canada's and Mexico's trade enters duty free
# under USMCA, so the statutory view (no claims: a ceiling) would calibrate the baseline at duties nobody
# pays and overstate what a scenario's tariff changes do to them. ``view="statutory"`` gives the ceiling.
# The labels name the view first, as a scenario row is read on its own.
VIEW_LABELS = {
    "adjusted": "owed: preferences claimed as claimed",
    "statutory": "statutory: no preference claimed (a ceiling)",
}
DIVERSION_TOP = 10


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
        """Exports change of every other partner when only ``partner``'s rates change (cached). When no other
        partner's rate moves, that is the scenario's own solve (products are separate markets), not solved
        again."""
        if partner not in self.diversion:
            own = self.lines.filter(pl.col("partner") == partner)
            products = own.filter(pl.col("t1") != pl.col("t0")).select("hts10").unique()
            moved = (pl.col("partner") != partner) & (pl.col("t1") != pl.col("t0"))
            others_move = bool(self.lines.select(moved.any()).item())
            if products.height == 0:
                self.diversion[partner] = pl.DataFrame(
                    schema={"partner": pl.Utf8, "exports_change_usd": pl.Float64}
                )
            else:
                sub = self.lines.join(products, on="hts10", how="semi")
                eff = sub
                if others_move:
                    eff = pe_compare(
                        sub.select(
                            "hts10",
                            "partner",
                            "imports_usd",
                            "tb",
                            "t0",
                            pl.when(pl.col("partner") == partner)
                            .then(pl.col("t1"))
                            .otherwise(pl.col("t0"))
                            .alias("t1"),
                        ),
                        supply=self.supply,
                        elasticity=self.elasticity,
                        overrides=self.overrides,
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
