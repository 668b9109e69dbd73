"""Negotiation packages: US-side measure changes bundled with the partner's concessions, evaluated for both sides.

* **US side** (the US as importer of the partner's goods): the package's scenario against its alternative
  (e.g. the deal against the July letter), with :func:`tariffscope.scenarios.evaluate.evaluate`: duties, the
  partner's exports, US prices, consumer cost, tariff revenue, welfare, by sector and in total, and which
  partners take (or give back) market share.
* **Partner side** (the partner as importer of US goods): tariff cuts, tariff-rate-quota expansions, purchase
  commitments and non-tariff measures as ad valorem equivalents, from a CSV of the partner's flows and
  changes whose tariffs on US goods are resolved from the partner's catalogue (``partner_side.importer``,
  :mod:`tariffscope.scenarios.partner_rates`), with :func:`tariffscope.models.pe.evaluate_partner_side` (one SMART market per product, US source vs
  the rest). Consumer prices are the CES price index of each product at fixed world prices.
* **One world market** (GSIM, :mod:`tariffscope.scenarios.package_gsim`): both sides' changes cleared
  together, so each exporter's world price moves with its sales in every market, including third markets.
* **Timeline**: the package's deadlines, the scenarios' deadlines and the dates of their changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from tariffscope.catalogue.loader import Catalogue
from tariffscope.errors import CatalogueError, DataError
from tariffscope.models.pe import elasticities_for, evaluate_partner_side
from tariffscope.models.pe.partner import load_partner_csv
from tariffscope.scenarios.evaluate import RatesFn, ScenarioResult, evaluate
from tariffscope.scenarios.overlay import all_timeline, load_scenario, package_path, parse_package
from tariffscope.scenarios.package_gsim import PackageGsim, evaluate_package_gsim
from tariffscope.scenarios.schema import PackageSpec, PartnerSide
from tariffscope.trade.weights import hs_sections

PartnerLaw = Callable[[pl.DataFrame, pl.DataFrame], tuple[pl.DataFrame, pl.DataFrame, dict[str, Any]]]
"""Fills a partner side's blank rates from the law: (flows, changes) -> (flows, changes, provenance)."""


@dataclass
class PackageResult:
    """Both sides of a package on one date."""

    spec: PackageSpec
    path: Path
    date: dt.date
    us: ScenarioResult
    partner_lines: pl.DataFrame | None
    partner_totals: dict[str, float]
    timeline: list[dict[str, Any]]
    world: PackageGsim | None = None
    world_error: str | None = None

    @property
    def partner(self) -> str:
        return self.spec.partner

    def us_summary(self) -> dict[str, Any]:
        """The partner's row of the US side (see :meth:`ScenarioResult.row`)."""
        return self.us.row(self.partner)

    def us_by_sector(self) -> pl.DataFrame:
        return self.us.by_sector(self.partner)

    def partner_by_product(self) -> pl.DataFrame:
        """Partner side per product: tariff on US goods, US exports by channel, prices, revenue, surplus."""
        if self.partner_lines is None:
            return pl.DataFrame()
        f = self.partner_lines
        us = pl.col("source") == "US"
        return (
            f.group_by("product")
            .agg(
                pl.col("description").drop_nulls().first(),
                pl.col("sector").first(),
                pl.col("measures").first(),
                pl.col("t0").filter(us).first().alias("us_tariff0"),
                pl.col("t1").filter(us).first().alias("us_tariff1"),
                pl.col("ave0").filter(us).first().alias("ntm_ave0"),
                pl.col("ave1").filter(us).first().alias("ntm_ave1"),
                pl.col("imports_usd").filter(us).sum().alias("us_exports_usd"),
                ((pl.col("t1") - pl.col("t0")) * pl.col("imports_usd"))
                .filter(us)
                .sum()
                .alias("duty_change_usd"),
                pl.col("imports_change_usd").filter(us).sum().alias("us_exports_change_usd"),
                pl.col("us_change_price_usd").filter(us).sum().alias("us_change_price_usd"),
                pl.col("us_change_trq_usd").filter(us).sum().alias("us_change_trq_usd"),
                pl.col("us_change_purchase_usd").filter(us).sum().alias("us_change_purchase_usd"),
                pl.col("imports_change_usd").filter(~us).sum().alias("others_change_usd"),
                pl.col("us_price_change").filter(us).first(),
                pl.col("consumer_price_change").first(),
                pl.col("tariff_revenue_change_usd").sum(),
                pl.col("cs_change_usd").sum(),
            )
            .with_columns(
                (pl.col("cs_change_usd") + pl.col("tariff_revenue_change_usd")).alias("welfare_change_usd"),
                pl.lit(0.0).alias("us_exporter_surplus_change_usd"),
            )
            .sort("us_exports_change_usd", descending=True)
        )

    def partner_by_sector(self) -> pl.DataFrame:
        p = self.partner_by_product()
        if p.height == 0:
            return p
        return (
            p.group_by("sector")
            .agg(
                pl.col("us_exports_usd").sum(),
                pl.col("duty_change_usd").sum(),
                pl.col("us_exports_change_usd").sum(),
                pl.col("others_change_usd").sum(),
                (
                    (pl.col("consumer_price_change") * pl.col("us_exports_usd")).sum()
                    / pl.col("us_exports_usd").sum()
                )
                .fill_nan(None)
                .alias("consumer_price_change"),
                pl.col("tariff_revenue_change_usd").sum(),
                pl.col("cs_change_usd").sum(),
                pl.col("welfare_change_usd").sum(),
            )
            .sort("us_exports_change_usd", descending=True)
        )

    def to_json(self) -> dict[str, Any]:
        us_row = self.us_summary()
        partner: dict[str, Any] | None = None
        if self.partner_lines is not None:
            t = self.partner_totals
            partner = {
                "importer": self.partner,
                "duty_change_usd_per_year": round(t["partner_duty_change_usd"], 2),
                "us_exports_change_usd": round(t["us_exports_change_usd"], 2),
                "us_exports_change_by_channel_usd": {
                    k.removeprefix("us_exports_change_").removesuffix("_usd"): round(v, 2)
                    for k, v in t.items()
                    if k.startswith("us_exports_change_") and k != "us_exports_change_usd"
                },
                "others_exports_change_usd": round(t["others_change_usd"], 2),
                "consumer_price_change": t["consumer_price_change"],
                "tariff_revenue_change_usd": round(t["partner_tariff_revenue_change_usd"], 2),
                "consumer_surplus_change_usd": round(t["partner_cs_change_usd"], 2),
                "welfare_change_usd": round(
                    t["partner_cs_change_usd"] + t["partner_tariff_revenue_change_usd"], 2
                ),
                "us_exporter_surplus_change_usd": 0.0,
                "by_sector": _records(self.partner_by_sector()),
                "by_product": _records(self.partner_by_product()),
                "elasticities": t.get("elasticities"),
                "range": t.get("range", {}),
            }
            if "rates_from_law" in t:  # which tariffs the partner's catalogue gave, which the CSV typed
                partner["rates_from_law"] = t["rates_from_law"]
        return {
            "package": self.spec.id,
            "title": self.spec.title,
            "illustrative": self.spec.illustrative,
            "partner": self.partner,
            "date": self.date.isoformat(),
            "us_side": {
                "importer": "US",
                "scenario": self.us.scenario,
                "against": self.us.against,
                **{k: v for k, v in us_row.items() if k not in ("scenario", "against", "date")},
                "by_sector": _records(self.us_by_sector()),
                "by_product": _records(self.us.by_product(self.partner, top=25)),
            },
            "partner_side": partner,
            "world_market": self.world.to_json() if self.world else {"error": self.world_error},
            "timeline": [{**t, "date": t["date"].isoformat()} for t in self.timeline],
        }


def _records(df: pl.DataFrame) -> list[dict[str, Any]]:
    out = []
    for r in df.iter_rows(named=True):
        out.append({k: (round(v, 6) if isinstance(v, float) else v) for k, v in r.items()})
    return out


def evaluate_partner(
    csv: Path,
    *,
    eta: float | None = None,
    sigma: float | None = None,
    us_code: str = "US",
    law: PartnerLaw | None = None,
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """The partner side from a CSV (``row_type`` flow|change): per product x source lines and totals.

    Adds to :func:`evaluate_partner_side`: product descriptions and sectors (HS section), the change in the
    partner's duties on US goods at baseline flows, and consumer prices: the US good's buyer-price change
    ``W1/W0 - 1`` and the product's CES price index ``[sum_s theta_s (W1_s/W0_s)^(1-sigma)]^(1/(1-sigma)) - 1``
    at fixed world prices (quantity channels move no prices in this model). ``law`` fills the rates the CSV
    leaves blank from the partner's catalogue (:func:`partner_law`).
    """
    if not csv.exists():
        raise DataError(f"partner-side data {csv} not found")
    flows, changes = load_partner_csv(csv)
    if flows.height == 0:
        raise DataError(f"{csv.name}: no row_type=flow rows")
    flows, changes, provenance = _apply_law(csv, flows, changes, law)
    lines, pe_totals = evaluate_partner_side(flows, changes, us_code=us_code, eta=eta, sigma=sigma)
    totals: dict[str, Any] = dict(pe_totals)
    if provenance is not None:
        totals["rates_from_law"] = provenance
    desc, measures = _descriptions(csv, changes)
    codes = lines["product"].unique().sort()
    el = elasticities_for(codes.str.pad_end(10, "0"), sigma_from="protee")
    sig = pl.DataFrame(
        {"product": codes, "_sigma": el["sigma"] if sigma is None else np.full(len(codes), sigma)}
    )
    sections = hs_sections()
    f = (
        lines.join(desc, on="product", how="left")
        .join(measures, on="product", how="left")
        .join(sig, on="product", how="left")
        .with_columns(
            pl.col("product").str.slice(0, 2).replace_strict(sections, default=None).alias("sector"),
            (
                (1 + pl.col("t1")) * (1 + pl.col("ave1")) / ((1 + pl.col("t0")) * (1 + pl.col("ave0"))) - 1
            ).alias("us_price_change"),
        )
        .with_columns(pl.coalesce("sector", pl.lit("HS") + pl.col("product").str.slice(0, 2)).alias("sector"))
    )
    # CES price index per product (theta at domestic prices, baseline)
    e0 = pl.col("imports_usd") * (1 + pl.col("t0")) * (1 + pl.col("ave0"))
    rel = (1 + pl.col("us_price_change")).pow(1 - pl.col("_sigma"))
    idx = f.group_by("product").agg(
        ((e0 * rel).sum() / e0.sum())
        .pow(1 / (1 - pl.col("_sigma").first()))
        .sub(1)
        .alias("consumer_price_change")
    )
    f = f.join(idx, on="product", how="left").drop("_sigma")
    us = f.filter(pl.col("source") == us_code)
    prod = f.group_by("product").agg(pl.col("consumer_price_change").first(), e0.sum().alias("e"))
    e_tot = float(prod["e"].sum())
    cpi = float((prod["consumer_price_change"] * prod["e"]).sum()) / e_tot if e_tot else 0.0
    out: dict[str, Any] = dict(totals)
    out["partner_duty_change_usd"] = float(((us["t1"] - us["t0"]) * us["imports_usd"]).sum())
    out["consumer_price_change"] = round(cpi, 8)
    out["elasticities"] = {
        "sigma_source": "user" if sigma is not None else "protee (elasticities_for, sigma_from='protee')",
        "eta_source": "user" if eta is not None else "packaged import-demand elasticity",
        "supply": "infinite (fixed world prices)",
        "band": "low/high: sigma x 0.75/1.25, eta x 0.8/1.2 (models.pe.horizons.band_scale)",
    }
    out["range"] = partner_range(flows, changes, totals, us_code=us_code, eta=eta, sigma=sigma)
    return f, out


def _descriptions(csv: Path, changes: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each product's description (the CSV's first) and the measures that change its duty."""
    raw = pl.read_csv(csv, schema_overrides={"product": pl.Utf8}, comment_prefix="#")
    desc = (
        raw.select(pl.col("product").str.replace_all(r"\.", ""), "description")
        if "description" in raw.columns
        else pl.DataFrame(schema={"product": pl.Utf8, "description": pl.Utf8})
    )
    desc = desc.filter(pl.col("description").is_not_null()).unique("product", keep="first")
    measures = (
        changes.select(pl.col("product").cast(pl.Utf8).str.replace_all(r"\.", ""), "measure")
        .group_by("product")
        .agg(pl.col("measure").sort().str.join(", ").alias("measures"))
    )
    return desc, measures


PARTNER_BAND_KEYS = {
    "us_exports_change_usd": "us_exports_change_usd",
    "others_change_usd": "others_exports_change_usd",
    "partner_tariff_revenue_change_usd": "tariff_revenue_change_usd",
    "partner_cs_change_usd": "consumer_surplus_change_usd",
}


def partner_range(
    flows: pl.DataFrame,
    changes: pl.DataFrame,
    central: dict[str, float],
    *,
    us_code: str = "US",
    eta: float | None = None,
    sigma: float | None = None,
) -> dict[str, list[float]]:
    """Low and high ends (min and max over the three solves) of the partner side's totals, with the low and
    high elasticities (:func:`tariffscope.models.pe.horizons.band_scale`), keyed as in the JSON."""
    solves = [central] + [
        evaluate_partner_side(flows, changes, us_code=us_code, eta=eta, sigma=sigma, band=b)[1]
        for b in ("low", "high")
    ]
    vals = {name: [t[k] for t in solves] for k, name in PARTNER_BAND_KEYS.items()} | {
        "welfare_change_usd": [
            t["partner_cs_change_usd"] + t["partner_tariff_revenue_change_usd"] for t in solves
        ]
    }
    return {name: [round(min(v), 2), round(max(v), 2)] for name, v in vals.items()}


def _apply_law(
    csv: Path, flows: pl.DataFrame, changes: pl.DataFrame, law: PartnerLaw | None
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, Any] | None]:
    """The rates the law gives (``law``); without it every ``t0`` must be typed."""
    if law is not None:
        return law(flows, changes)
    if flows["t0"].is_null().any():
        p = flows.filter(pl.col("t0").is_null()).row(0, named=True)
        raise DataError(
            f"{csv.name}: flow product {p['product']} from {p['source']}: t0 is blank; give it, or name the "
            "partner's catalogue (partner_side.importer) to resolve it from the law"
        )
    return flows, changes, None


def partner_law(side: PartnerSide, path: Path, csv: Path, on: dt.date) -> PartnerLaw | None:
    """The partner side's rate source: its importer's catalogue (with the package's overlay) on ``on``,
    or None when the package names no importer (the CSV's rates as typed)."""
    if side.importer is None:
        return None
    from tariffscope.catalogue.loader import catalogue_of
    from tariffscope.scenarios.overlay import build_catalogue
    from tariffscope.scenarios.partner_rates import rates_from_law

    importer = side.importer
    overlay = None
    if side.overlay is not None:
        try:
            overlay = build_catalogue(
                load_scenario(side.overlay, relative_to=path), base=catalogue_of(importer)
            )
        except CatalogueError as exc:
            raise CatalogueError(f"{path}: partner_side.overlay: {exc}") from None

    def law(flows: pl.DataFrame, changes: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, Any]]:
        return rates_from_law(
            flows, changes, csv=csv, importer=importer, on=on, claim=side.claim, overlay=overlay
        )

    return law


def evaluate_package(
    package: str | Path,
    *,
    date: dt.date | None = None,
    weights: pl.DataFrame | None = None,
    base: Catalogue | None = None,
    rates_fn: RatesFn | None = None,
    export_supply: float | None = None,
    bands: bool = True,
) -> PackageResult:
    """Evaluate both sides of a package (a shipped name or a YAML file), and both in one world market.

    ``export_supply`` overrides the package's ``world_market.export_supply_elasticity`` (GSIM's ``Ex``).
    ``bands=False`` skips the low and high elasticity solves of the US side and of the world market (only
    their ``range`` needs them; the central figures are the same).
    """
    spec, path = parse_package(package_path(package))
    try:
        sc = load_scenario(spec.us_side.scenario, relative_to=path)
        alt = load_scenario(spec.us_side.against, relative_to=path)
    except CatalogueError as exc:
        raise CatalogueError(f"{path}: us_side: {exc}") from None
    on = date or spec.date or sc.spec.date
    us = evaluate(
        sc, on, against=alt, weights=weights, supply=spec.supply, base=base, rates_fn=rates_fn, bands=bands
    )
    lines = None
    totals: dict[str, Any] = {}
    if spec.partner_side is not None:
        csv = Path(spec.partner_side.data)
        if not csv.is_absolute():
            csv = path.parent / csv
        lines, totals = evaluate_partner(
            csv,
            eta=spec.partner_side.eta,
            sigma=spec.partner_side.sigma,
            law=partner_law(spec.partner_side, path, csv, on),
        )
    timeline = [
        {"date": d.date, "label": d.label, "cite": d.cite, "scenario": spec.id} for d in spec.timeline
    ]
    seen = {(t["date"], t["label"]) for t in timeline}
    for s in (sc, alt):
        for t in all_timeline(s):
            if (t["date"], t["label"]) not in seen:
                seen.add((t["date"], t["label"]))
                timeline.append(t)
    timeline.sort(key=lambda t: (t["date"], t["label"]))
    world, world_error = world_market(spec, us.lines, lines, export_supply=export_supply, bands=bands)
    return PackageResult(spec, path, on, us, lines, totals, timeline, world, world_error)


def world_market(
    spec: PackageSpec,
    us_lines: pl.DataFrame,
    partner_lines: pl.DataFrame | None,
    *,
    export_supply: float | None = None,
    bands: bool = True,
) -> tuple[PackageGsim | None, str | None]:
    """The package's one-world-market view with its ``world_market`` settings (``bands``: with its range), or
    why it was not solved."""
    wm = spec.world_market
    try:
        world = evaluate_package_gsim(
            us_lines,
            partner_lines,
            spec.partner,
            ex=export_supply if export_supply is not None else wm.export_supply_elasticity,
            third_market_share=wm.third_market_share,
            exact=wm.exact,
            bands=bands,
        )
    except (DataError, ValueError) as exc:  # nothing changes, or the solver refuses the inputs
        return None, str(exc)
    return world, None
