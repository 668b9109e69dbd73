"""A negotiation package in one world market: GSIM (Francois & Hall 2003) across both sides of the deal.

The package's two sides (:mod:`tariffscope.scenarios.package`) each solve one importing market (SMART) at
fixed world prices. GSIM clears them together: every exporter has one world price per product, set by its
sales in *all* markets. A higher US tariff on Japan's cars lowers the price Japanese cars fetch everywhere,
so part of the lost US sales reappears in other markets and Japan's rivals lose there; Japan's concessions on
US goods raise the price US exporters get. Regions per HS6 product:

* ``US`` and the partner (``P``) as importers and exporters, with the tariffs of both sides: the US side's
  rates on the partner's goods and on everyone else's (from the scenario lines, import-weighted within the
  HS6), and the partner's tariffs and non-tariff measures (as ad valorem equivalents) on US goods (from the
  partner-side CSV);
* ``ROW``: every other exporter as one source, and every other market as one importer with no policy change.
  Sales into ROW are not in the data, so each exporter's ROW absorption is its known sales times
  ``s / (1 - s)``, ``s`` the share of its exports that go to third markets (WIOD 2014, all goods and services:
  ``data/export_destinations.csv``), unless the package overrides it.

Domestic sales are left out, as in F&H's four-region example (an import-market GSIM). Quantity measures
(tariff-rate quotas, purchase commitments) have no place in a price-clearing model and stay in the partner
side's SMART view. An NTM's ad valorem equivalent moves prices but raises no revenue, so tariff revenue is
recounted on the tariff part alone. Elasticities: ``Em`` the packaged import-demand elasticity, ``Es`` the US
Armington sigma in the US market (as the US side) and ProTEE's in the others (as the partner side), ``Ex`` the
export-supply elasticity (F&H's 1.5 by default: GSIM with infinite supply is just two SMART markets).
Solved exactly (constant elasticities, CES shares) by default: deal-sized tariff changes with Armington
elasticities near 20 are far outside the linear system's range (it can predict negative flows).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from tariffscope.errors import DataError
from tariffscope.models.pe.elasticities import elasticities_for
from tariffscope.models.pe.gsim_table import FH_EX, GsimTableResult, run_gsim_table
from tariffscope.models.pe.horizons import Band, band_scale
from tariffscope.models.pe.smart import HOURS_PER_YEAR
from tariffscope.paths import PACKAGE_DATA

ROW = "ROW"
MAX_THIRD_MARKET_SHARE = 0.99


@functools.cache
def export_destinations() -> pl.DataFrame:
    """Bilateral exports (ISO2, ``ROW``) from ``scripts/build_export_destinations.py``."""
    path = PACKAGE_DATA / "export_destinations.csv"
    if not path.exists():
        raise DataError(f"{path.name} is missing; run scripts/build_export_destinations.py")
    return pl.read_csv(path)


def third_market_shares(us: str, partner: str) -> dict[str, float]:
    """Share of each region's exports sold outside the deal's two markets (WIOD 2014, international flows).

    ``US``: outside the partner; the partner: outside the US; ``ROW``: every other economy's exports outside
    both (an export-weighted pool). A partner missing from the table takes ROW's share; shares are capped at
    ``MAX_THIRD_MARKET_SHARE``.
    """
    d = export_destinations()
    deal = [us, partner]

    def share(exporters: pl.Expr, outside: list[str]) -> float | None:
        e = d.filter(exporters)
        tot = float(e["trade_musd"].sum())
        if tot <= 0:
            return None
        return float(e.filter(~pl.col("importer").is_in(outside))["trade_musd"].sum()) / tot

    row = share(~pl.col("exporter").is_in(deal), deal) or 0.9
    out = {
        us: share(pl.col("exporter") == us, [partner]) or row,
        partner: share(pl.col("exporter") == partner, [us]) or row,
        ROW: row,
    }
    # a partner inside WIOD's rest of the world has no row of its own: the US share would read 1 (no known
    # sales to it), so absorption would be unbounded. Cap it: third markets take at most 99x known sales.
    return {k: min(v, MAX_THIRD_MARKET_SHARE) for k, v in out.items()}


@dataclass
class PackageGsim:
    """The GSIM view of a package: per region, per sector of the partner's exports, and the inputs used."""

    partner: str
    result: GsimTableResult
    regions: pl.DataFrame
    routes: pl.DataFrame
    partner_by_sector: pl.DataFrame
    third_market_share: dict[str, float]
    share_source: str
    ex: float
    products: int
    notes: list[str] = field(default_factory=list)
    range: dict[str, list[float]] = field(default_factory=dict)
    """Low and high ends over the elasticity band (:func:`gsim_range`); empty when not solved."""

    def partner_summary(self) -> dict[str, Any]:
        """The partner as exporter: world price, sales by market, producer surplus per year and per hour."""
        r = self.regions.filter(pl.col("region") == self.partner).row(0, named=True)
        by = {
            row["importer"]: row["change_usd"]
            for row in self.routes.filter(pl.col("exporter") == self.partner).iter_rows(named=True)
        }
        return {
            "world_price_change": r["export_price_change"],
            "exports_to_us_change_usd": by.get("US", 0.0),
            "exports_to_third_markets_change_usd": by.get(ROW, 0.0),
            "exports_change_usd": r["exports1_usd"] - r["exports0_usd"],
            "producer_surplus_change_usd": r["producer_surplus_usd"],
            "producer_surplus_change_usd_per_hour": r["producer_surplus_usd"] / HOURS_PER_YEAR,
            "welfare_change_usd": r["welfare_change_usd"],
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "model": f"GSIM {self.result.model}",
            "regions": [_round(r) for r in self.regions.to_dicts()],
            "routes": [_round(r) for r in self.routes.to_dicts()],
            "partner": {"region": self.partner, **_round(self.partner_summary())},
            "partner_by_sector": [_round(r) for r in self.partner_by_sector.to_dicts()],
            "third_market_share": self.third_market_share,
            "third_market_share_source": self.share_source,
            "export_supply_elasticity": self.ex,
            "products": self.products,
            "notes": self.notes,
            "range": self.range,
        }


def _round(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in row.items()}


def _weighted_rates(df: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    w = pl.col("imports_usd")
    return df.group_by(keys).agg(
        w.sum().alias("flow_usd"),
        ((pl.col("t0") * w).sum() / w.sum()).alias("t0"),
        ((pl.col("t1") * w).sum() / w.sum()).alias("t1"),
        ((pl.col("ave0") * w).sum() / w.sum()).alias("ave0"),
        ((pl.col("ave1") * w).sum() / w.sum()).alias("ave1"),
    )


def package_flows(
    us_lines: pl.DataFrame, partner_lines: pl.DataFrame | None, partner: str, shares: dict[str, float]
) -> pl.DataFrame:
    """The GSIM flow table (HS6 x exporter x importer) of a package, products with any policy change only."""
    us = (
        us_lines.filter(pl.col("imports_usd") > 0)
        .select(
            pl.col("hts10").str.slice(0, 6).alias("product"),
            pl.when(pl.col("partner") == partner)
            .then(pl.lit(partner))
            .otherwise(pl.lit(ROW))
            .alias("exporter"),
            pl.lit("US").alias("importer"),
            "imports_usd",
            "t0",
            "t1",
            pl.lit(0.0).alias("ave0"),
            pl.lit(0.0).alias("ave1"),
        )
        .filter(pl.col("exporter") != "US")
    )
    parts = [_weighted_rates(us, ["product", "exporter", "importer"])]
    if partner_lines is not None and partner_lines.height:
        pm = partner_lines.filter(pl.col("imports_usd") > 0).select(
            pl.col("product").str.slice(0, 6),
            pl.when(pl.col("source") == "US").then(pl.lit("US")).otherwise(pl.lit(ROW)).alias("exporter"),
            pl.lit(partner).alias("importer"),
            "imports_usd",
            "t0",
            "t1",
            pl.col("ave0").fill_null(0.0),
            pl.col("ave1").fill_null(0.0),
        )
        parts.append(_weighted_rates(pm, ["product", "exporter", "importer"]))
    known = pl.concat(parts, how="vertical_relaxed")
    moved = (
        known.filter(
            ((pl.col("t1") - pl.col("t0")).abs() > 1e-12) | ((pl.col("ave1") - pl.col("ave0")).abs() > 1e-12)
        )
        .select("product")
        .unique()
    )
    known = known.join(moved, on="product", how="semi")
    share = pl.col("exporter").replace_strict(shares, return_dtype=pl.Float64)
    third = (
        known.group_by("product", "exporter")
        .agg(pl.col("flow_usd").sum())
        .with_columns(
            pl.lit(ROW).alias("importer"),
            (pl.col("flow_usd") * share / (1 - share)).alias("flow_usd"),
            pl.lit(0.0).alias("t0"),
            pl.lit(0.0).alias("t1"),
            pl.lit(0.0).alias("ave0"),
            pl.lit(0.0).alias("ave1"),
        )
        .select(known.columns)
    )
    return pl.concat([known, third]).sort("product", "exporter", "importer")


def evaluate_package_gsim(
    us_lines: pl.DataFrame,
    partner_lines: pl.DataFrame | None,
    partner: str,
    *,
    ex: float = FH_EX,
    third_market_share: dict[str, float] | None = None,
    exact: bool = True,
    band: Band = "central",
    bands: bool = True,
) -> PackageGsim:
    """Solve the package's products in one GSIM (see the module docstring for regions, data and elasticities).

    ``band``: ``low``/``high`` scale every elasticity (Em, Es, Ex) by the steady-state band
    (:func:`tariffscope.models.pe.horizons.band_scale`); ``bands``: also solve both ends (:func:`gsim_range`).
    """
    if bands:
        kw: dict[str, Any] = {"ex": ex, "third_market_share": third_market_share, "exact": exact}
        central = evaluate_package_gsim(us_lines, partner_lines, partner, band=band, bands=False, **kw)
        ends = [
            evaluate_package_gsim(us_lines, partner_lines, partner, band=b, bands=False, **kw)
            for b in ("low", "high")
        ]
        central.range = gsim_range([central, *ends])
        return central
    ex = ex * band_scale("eps", band)
    shares, source = _shares(partner, third_market_share)
    flows = package_flows(us_lines, partner_lines, partner, shares)
    if flows.height == 0:
        raise DataError("the package changes no tariff on either side: nothing for GSIM to solve")
    table = _elasticity_table(flows, band)
    res = run_gsim_table(
        table.select("product", "exporter", "importer", "flow_usd", "t0", "t1", "em", "es"),
        ex=ex,
        exact=exact,
    )
    f = res.flows.join(
        table.select("product", "exporter", "importer", "tariff0", "tariff1"),
        on=["product", "exporter", "importer"],
        how="left",
    )
    regions, routes = _regions_and_routes(res, f)
    by_sector = _partner_by_sector(f, partner)
    notes = [
        "Sales into third markets are not in the data: each exporter's are its known sales scaled by its "
        "WIOD 2014 third-market export share (all goods and services), a proxy for every product.",
        "Domestic sales are left out (an import-market GSIM, as F&H's four-region example).",
        "Tariff-rate quotas and purchase commitments are quantity measures: see the partner side (SMART).",
    ]
    n = int(np.unique(f["product"].to_numpy()).size)
    return PackageGsim(partner, res, regions, routes, by_sector, shares, source, ex, n, notes)


def _shares(partner: str, override: dict[str, float] | None) -> tuple[dict[str, float], str]:
    """Third-market shares (WIOD, or the package's override) and their source."""
    shares = third_market_shares("US", partner)
    source = "WIOD 2014 international flows (data/export_destinations.csv)"
    if override:
        bad = {k: v for k, v in override.items() if not 0 <= v < 1}
        if bad:
            raise DataError(f"third_market_share: values must be in [0, 1): {bad}")
        unknown = sorted(set(override) - set(shares))
        if unknown:
            raise DataError(f"third_market_share: {unknown} not among the regions {sorted(shares)}")
        shares.update({k: float(v) for k, v in override.items()})
        source += f"; overridden for {', '.join(sorted(override))}"
    return shares, source


def _elasticity_table(flows: pl.DataFrame, band: Band) -> pl.DataFrame:
    """The flows with ``em``, ``es`` (Broda-Weinstein in the US market, ProTEE elsewhere; scaled for the band)
    and the whole wedge ``(1+t)(1+ave) - 1`` as GSIM's ``t0``/``t1`` (``tariff0``/``tariff1``: the tariff)."""
    codes = flows["product"].unique().sort()
    bw = elasticities_for(codes.str.pad_end(10, "0"))
    pt = elasticities_for(codes.str.pad_end(10, "0"), sigma_from="protee")
    el = pl.DataFrame(
        {
            "product": codes,
            "em": bw["import_demand_elasticity"] * band_scale("eta", band),
            "_es_us": bw["sigma"] * band_scale("sigma", band),
            "_es_other": pt["sigma"] * band_scale("sigma", band),
        }
    )
    return (
        flows.join(el, on="product", how="left")
        .with_columns(
            pl.when(pl.col("importer") == "US").then("_es_us").otherwise("_es_other").alias("es"),
            # GSIM prices carry the whole wedge: (1+t)(1+ave) - 1
            ((1 + pl.col("t0")) * (1 + pl.col("ave0")) - 1).alias("t0"),
            ((1 + pl.col("t1")) * (1 + pl.col("ave1")) - 1).alias("t1"),
            pl.col("t0").alias("tariff0"),
            pl.col("t1").alias("tariff1"),
        )
        .drop("_es_us", "_es_other")
    )


def _regions_and_routes(res: GsimTableResult, f: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per region (tariff revenue on the tariff part only: an NTM's equivalent is a cost, not a rent) and per
    exporter x importer route."""
    # tariff revenue on the tariff part only (an NTM's equivalent is a cost, not a rent)
    rev = f.group_by(pl.col("importer").alias("region")).agg(
        ((pl.col("flow1_usd") * pl.col("tariff1")) - (pl.col("flow0_usd") * pl.col("tariff0")))
        .sum()
        .alias("tariff_revenue_change_usd")
    )
    regions = (
        res.regions.drop("tariff_revenue_change_usd", "welfare_change_usd")
        .join(rev, on="region", how="left")
        .with_columns(pl.col("tariff_revenue_change_usd").fill_null(0.0))
        .with_columns(
            (
                pl.col("producer_surplus_usd")
                + pl.col("consumer_surplus_usd")
                + pl.col("tariff_revenue_change_usd")
            ).alias("welfare_change_usd")
        )
    )
    routes = (
        f.group_by("exporter", "importer")
        .agg(pl.col("flow0_usd").sum(), pl.col("flow1_usd").sum())
        .with_columns((pl.col("flow1_usd") - pl.col("flow0_usd")).alias("change_usd"))
        .sort("exporter", "importer")
    )
    return regions, routes


def _partner_by_sector(f: pl.DataFrame, partner: str) -> pl.DataFrame:
    """The partner's exports by HS section: to the US, to third markets, in total."""
    from tariffscope.trade.weights import hs_sections

    sections = hs_sections()
    return (
        f.filter(pl.col("exporter") == partner)
        .with_columns(
            pl.col("product")
            .str.slice(0, 2)
            .replace_strict(sections, default=None)
            .fill_null("other")
            .alias("sector")
        )
        .group_by("sector")
        .agg(
            pl.col("flow0_usd").filter(pl.col("importer") == "US").sum().alias("exports_to_us_usd"),
            (pl.col("flow1_usd") - pl.col("flow0_usd"))
            .filter(pl.col("importer") == "US")
            .sum()
            .alias("to_us_change_usd"),
            (pl.col("flow1_usd") - pl.col("flow0_usd"))
            .filter(pl.col("importer") == ROW)
            .sum()
            .alias("to_third_markets_change_usd"),
            (pl.col("flow1_usd") - pl.col("flow0_usd")).sum().alias("exports_change_usd"),
        )
        .sort("exports_change_usd")
    )


def gsim_range(solves: list[PackageGsim]) -> dict[str, list[float]]:
    """Min and max over solves of the partner's summary and of each region's welfare change (USD per year)."""
    vals: dict[str, list[float]] = {}
    for g in solves:
        for k, v in g.partner_summary().items():
            vals.setdefault(k, []).append(float(v))
        for region, w in g.regions.select("region", "welfare_change_usd").iter_rows():
            vals.setdefault(f"{region}_welfare_change_usd", []).append(float(w))
    return {k: [round(min(v), 6), round(max(v), 6)] for k, v in vals.items()}
