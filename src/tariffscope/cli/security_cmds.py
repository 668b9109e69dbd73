"""CLI command ``security``: US dependence on a partner by product, its dependence on the US, leverage cards."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from tariffscope.cli import options
from tariffscope.cli.output import console, date_option, emit_json, pct, usd


def _short(desc: str, n: int = 34) -> str:
    segs = desc.split(": ") if desc else [""]
    last = segs[-1] if len(segs[-1]) >= 12 or len(segs) < 2 else f"{segs[-2]}: {segs[-1]}"
    return last if len(last) <= n else last[: n - 1] + "…"


def _print(r: dict[str, Any]) -> None:
    s = r["summary"]
    console.print(f"[bold]{r['partner']}[/] on {r['date']}: US dependence by {r['level']}")
    console.print(f"[dim]data: {r['weights_source']}[/]")
    console.print(f"[dim]weights: {r['weights_grain']}, data year {r['data_year']}; {r['grain_note']}[/]")
    console.print(f"[dim]rates: {r['view']} view ({r['view_label']})[/]")
    console.print(
        f"{r['partner']} supplies {pct(s['partner_share_of_all_us_imports'], 1)} of US imports; "
        f"{s['products_partner_share_over_half']} of {s['products']} products over half "
        f"({usd(s['us_imports_usd_where_partner_share_over_half'])}); critical: {s['critical_products']} "
        f"({usd(s['critical_us_imports_from_partner_usd'])} on critical lines)"
    )
    t = Table(title=f"products (grain: {r['level']})")
    for c in ("code", "description", "imports", "share", "HHI", "next", "crit.", "rate"):
        t.add_column(
            c,
            justify="right" if c in ("imports", "share", "HHI", "crit.", "rate") else "left",
            no_wrap=c in ("code", "share", "rate"),
        )
    for p in r["products"]:
        alts = " ".join(f"{a['partner']} {100 * a['share']:.0f}%" for a in p["top_alternatives"][:1])
        t.add_row(
            p["code"], _short(p["description"], 16), usd(p["us_imports_from_partner_usd"]),
            pct(p["partner_share_of_us_imports"], 1), f"{p['supplier_hhi']:.2f}", alts,
            pct(p["critical_share"], 1) if p["critical_share"] else "", pct(p["tariff_rate"], 1),
        )  # fmt: skip
    console.print(t)
    d = r["partner_dependence"]
    u = d["us_share_of_partner_exports"]
    console.print(
        f"[bold]{r['partner']}'s dependence on the US[/]: US share of its exports "
        f"{pct(u['value'], 1)} ({u['year']}; {u['source']})"
    )
    console.print(
        f"duty on its goods {usd(d['duty_usd_per_hour'])}/hour at ETR {pct(d['etr'], 1)} "
        f"(weights {d['weights_grain']})"
    )
    for sec in d["sectors"]:
        us = sec.get("us_side") or {}
        console.print(
            f"  {sec['sector']}: {sec['exports_to_us']:,.1f} {sec['unit']} to the US = "
            f"{pct(sec['share_of_exports_to_us'], 1)} of its US exports, {pct(sec['share_of_all_exports'], 1)} of all; "
            f"US side ETR {pct(us.get('etr'), 1)}, {usd(us.get('duty_usd_per_hour'))}/hour"
        )
    console.print("[bold]leverage cards[/] (side: card = value, as of; source)")
    for c in r["leverage"]:
        v, unit = c["value"], c["unit"] or ""
        val = "—" if v is None else (pct(v, 1) if unit == "share of import value" else f"{v:,.1f} {unit}")
        console.print(f"  {c['side']}: {c['card']} = [bold]{val}[/], {c['as_of']}; [dim]{c['source']}[/]")
    sc = r.get("scenario")
    if sc:
        console.print(
            f"[bold]security levers of {sc['package']}[/] (weights {sc['weights_grain']}; {sc['note']})"
        )
        for lv in sc["levers"]:
            b, a = lv["before"], lv["after"]
            console.print(
                f"  {lv['lever']}{' (critical)' if lv['critical'] else ''}: {r['partner']} share "
                f"{pct(b['partner_share'], 1)} -> {pct(a['partner_share'], 1)}, HHI {b['supplier_hhi']:.3f} -> "
                f"{a['supplier_hhi']:.3f}, top {a['top_supplier']['partner']} {pct(a['top_supplier']['share'], 1)}"
            )
        e = sc["partner_exports_to_us_usd"]
        console.print(
            f"  {r['partner']}'s exports to the US {usd(e['before'])} -> {usd(e['after'])} ({usd(e['change'])})"
        )


def _weights_source(db: Path | None, year: int, default: bool) -> str:
    """Which import data and year a report rests on, for people (see ``load_weights``)."""
    from tariffscope.paths import default_db
    from tariffscope.trade.weights import SHIPPED_YEAR, store_coverage

    if db is None and year == SHIPPED_YEAR:
        return f"the shipped {SHIPPED_YEAR} import weights"
    store = db if db is not None else default_db()
    n = store_coverage(store, year).height if store.exists() else 0
    why = "--year" if not default else "the latest HTS10 year there" if n else "no HTS10 year there"
    text = f"{year} imports loaded in {store} for {n} partner(s) ({why})"
    return text + (f", the shipped {SHIPPED_YEAR} weights for the others" if year == SHIPPED_YEAR else "")


def security(
    partner: Annotated[str, typer.Argument(help="partner: ISO2, ISO3 or Census code")],
    date: Annotated[str | None, typer.Option("--date", "-d", help="entry date (default today)")] = None,
    level: Annotated[str, typer.Option("--level", help="hts10 | hs8 | hs6 | hs4 | gtap")] = "hts10",
    fmt: Annotated[str, typer.Option("--format", "-f", help="table | json")] = "table",
    top: Annotated[int, typer.Option("--top", help="products to list (0 = all)")] = 25,
    min_usd: Annotated[
        float, typer.Option("--min-usd", help="smallest imports from the partner listed")
    ] = 1e6,
    critical_only: Annotated[
        bool, typer.Option("--critical-only", help="list critical products only")
    ] = False,
    cards: Annotated[
        Path | None, typer.Option("--cards", help="leverage cards CSV/YAML replacing the shipped ones")
    ] = None,
    package: Annotated[
        str | None, typer.Option("--package", help="package (name or file) whose security levers to apply")
    ] = None,
    db: options.DbOpt = None,
    year: Annotated[
        int | None,
        typer.Option("--year", help="weights year (default: with --db its latest HTS10 year, else 2024, shipped)"),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write JSON here")] = None,
    view: options.ViewOpt = "adjusted",
) -> None:
    """Where the US depends on PARTNER (shares, HHI, alternatives, critical goods), its dependence on the
    US market, and the cards each side holds, each figure with its grain and source."""
    import datetime as dt

    from tariffscope.analytics.security import default_year, security_report
    from tariffscope.scenarios.security_levers import with_package
    from tariffscope.trade.weights import load_weights

    if fmt not in ("table", "json"):
        raise options.fail(typer.BadParameter(f"{fmt!r}: use table or json", param_hint="--format"))
    d = date_option(date, "--date") or dt.date.today()
    y = year if year is not None else default_year(db)
    w = load_weights(db, y)
    source = _weights_source(db, y, year is None)
    kw: dict[str, Any] = dict(
        weights=w, level=level, top=top, min_usd=min_usd, critical_only=critical_only, cards=cards,
        view=options.view(view),
    )
    r = security_report(partner, d, **kw) if package is None else with_package(partner, d, package, **kw)
    r = {**r, "weights_source": source}
    if fmt == "json" or out is not None:
        emit_json(r, out)
        return
    _print(r)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the app."""
    app.command(name="security")(security)
