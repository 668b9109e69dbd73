"""CLI command ``scenario package``: a negotiation package evaluated for both sides and in one world market."""

from __future__ import annotations

from typing import Annotated, Any

import polars as pl
import typer
from rich.table import Table

from tariffscope.cli import options
from tariffscope.cli import scenario_shared as shared
from tariffscope.cli.output import console, emit_json, pct, usd


def scenario_package(
    package: Annotated[str, typer.Argument(help="shipped package name (japan-2025) or YAML file")],
    date: shared.DateOpt = None,
    fmt: shared.FormatOpt = "table",
    db: options.DbOpt = None,
    export_supply: Annotated[
        float | None,
        typer.Option(
            help="GSIM export-supply elasticity for the one-world-market view (default: the package's)"
        ),
    ] = None,
) -> None:
    """Evaluate a negotiation package for both sides, by sector and in total, with its timeline.

    Then both sides in one world market (GSIM): world prices, sales diverted to third markets, welfare by region.
    """
    from tariffscope.scenarios.package import evaluate_package

    f = shared.choice(fmt, ("table", "json"), "--format")
    if export_supply is not None and not export_supply > 0:
        raise typer.BadParameter("must be > 0", param_hint="--export-supply")
    res = evaluate_package(
        package,
        date=shared.scenario_date(date),
        weights=shared.weights_or_shipped(db),
        export_supply=export_supply,
    )
    j = res.to_json()
    if f == "json":
        emit_json(j)
        return
    _print_us_side(res, j)
    _print_partner_side(res, j["partner_side"])
    _world_tables(res)
    console.print(shared.timeline_table(res.timeline))


def _print_us_side(res: Any, j: dict[str, Any]) -> None:
    """The US side of a package: totals (ETR, duty, exports, consumer cost, welfare), then by sector."""
    flag = " [bold yellow](ILLUSTRATIVE numbers on the partner side)[/]" if res.spec.illustrative else ""
    console.print(f"[bold]{res.spec.id}[/]: {res.spec.title}{flag}")
    us = j["us_side"]
    row = res.us_summary()
    t = Table(
        title=f"US side: imports from {res.partner}, {us['scenario']} against {us['against']} ({j['date']})"
    )
    t.add_column("measure")
    t.add_column("value", justify="right")
    t.add_row("ETR (against)", f"{pct(row['etr'])} ({pct(row['etr_against'])})")
    t.add_row(
        "duty per year (change)", f"{usd(row['duty_usd_per_year'])} ({usd(row['duty_change_usd_per_year'])})"
    )
    t.add_row(
        f"{res.partner} exports change",
        f"{usd(row['exports_change_usd'])} ({pct(row['exports_change_pct'])})",
    )
    t.add_row("US consumer cost", usd(row["us_consumer_cost_usd"]))
    t.add_row("US tariff revenue change", usd(row["tariff_revenue_change_usd"]))
    t.add_row("US welfare change (CS + revenue)", usd(row["us_welfare_change_usd"]))
    t.add_row(f"{res.partner} exporters' surplus change", usd(row["exporter_surplus_change_usd"]))
    for d in sorted(row["diversion"], key=lambda d: -abs(d["exports_change_usd"]))[:6]:
        t.add_row(f"  share effect on {d['partner']}", usd(d["exports_change_usd"]))
    el = row["elasticities"]
    t.add_row(
        "elasticities (import-weighted)",
        f"sigma {el.get('sigma', '—')}, eta {el.get('eta', '—')}, {el['supply']}",
    )
    console.print(t)
    sec = res.us_by_sector().filter(pl.col("duty_change_usd") != 0).head(12)
    console.print(
        shared.frame_table(
            sec.select(
                "sector_name",
                "rate_against",
                "rate",
                "duty_change_usd",
                "exports_change_usd",
                "us_consumer_cost_usd",
            ),
            f"US side by sector ({res.partner} goods, largest 12)",
        )
    )


def _print_partner_side(res: Any, ps: dict[str, Any] | None) -> None:
    """The partner as importer of US goods: totals, by sector and by product (nothing without one)."""
    if ps is None:
        return
    t = Table(title=f"Partner side: {res.partner} as importer of US goods (total)")
    t.add_column("measure")
    t.add_column("value", justify="right")
    t.add_row(f"{res.partner} duties on US goods, change", usd(ps["duty_change_usd_per_year"]))
    t.add_row("US exports change", usd(ps["us_exports_change_usd"]))
    t.add_row("  range (elasticity band)", shared.band(ps, "us_exports_change_usd"))
    for k, v in ps["us_exports_change_by_channel_usd"].items():
        t.add_row(f"  of which {k}", usd(v))
    t.add_row("other suppliers' exports change", usd(ps["others_exports_change_usd"]))
    t.add_row("consumer price change (products in the file)", pct(ps["consumer_price_change"], 3))
    t.add_row(f"{res.partner} tariff revenue change", usd(ps["tariff_revenue_change_usd"]))
    t.add_row(f"{res.partner} consumer surplus change", usd(ps["consumer_surplus_change_usd"]))
    t.add_row(f"{res.partner} welfare change (CS + revenue)", usd(ps["welfare_change_usd"]))
    t.add_row("  range (elasticity band)", shared.band(ps, "welfare_change_usd"))
    console.print(t)
    console.print(
        shared.frame_table(
            res.partner_by_sector().select(
                "sector",
                "duty_change_usd",
                "us_exports_change_usd",
                "consumer_price_change",
                "welfare_change_usd",
            ),
            "Partner side by sector",
        )
    )
    console.print(
        shared.frame_table(
            res.partner_by_product().select(
                "product",
                "measures",
                "us_tariff1",
                "us_exports_change_usd",
                "others_change_usd",
                "consumer_price_change",
                "welfare_change_usd",
            ),
            "Partner side by product",
        )
    )


def _world_tables(res: Any) -> None:
    """The package's one-world-market (GSIM) view: regions, then the partner's sales by market."""
    w = res.world
    if w is None:
        console.print(f"[yellow]One world market (GSIM): not solved: {res.world_error}[/]")
        return
    t = Table(
        title=f"Both sides in one world market (GSIM, {w.result.model}; Ex = {w.ex}; {w.products} HS6 products)"
    )
    band = {"range": w.range}
    for c in ("region", "world price", "exports", "PS", "CS", "tariff revenue", "welfare"):
        t.add_column(c, justify="left" if c == "region" else "right")
    for r in w.regions.iter_rows(named=True):
        t.add_row(
            r["region"],
            pct(r["export_price_change"], 3),
            usd(r["exports1_usd"] - r["exports0_usd"]),
            usd(r["producer_surplus_usd"]),
            usd(r["consumer_surplus_usd"]),
            usd(r["tariff_revenue_change_usd"]),
            usd(r["welfare_change_usd"]),
        )
    console.print(t)
    console.print(
        "welfare over the elasticity band: "
        + "; ".join(
            f"{r} {shared.band(band, f'{r}_welfare_change_usd') or '-'}" for r in w.regions["region"].to_list()
        )
    )
    p = w.partner_summary()
    console.print(
        f"{w.partner} exporters: to the US {usd(p['exports_to_us_change_usd'])}, to third markets "
        f"{usd(p['exports_to_third_markets_change_usd'])}; producer surplus {usd(p['producer_surplus_change_usd'])}"
        f"/yr = {usd(p['producer_surplus_change_usd_per_hour'])}/hour (elasticity band: exports "
        f"{shared.band(band, 'exports_change_usd') or '-'}, producer surplus "
        f"{shared.band(band, 'producer_surplus_change_usd') or '-'}). Third-market shares: "
        + ", ".join(f"{k} {pct(v, 1)}" for k, v in w.third_market_share.items())
        + f" ({w.share_source})."
    )
