"""CLI commands: ``scenario list | show | validate | run | compare | package``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer
from rich.table import Table

from tariffscope.cli import options
from tariffscope.cli.output import console, emit_json, err_console, fail, fit_table, pct, usd
from tariffscope.errors import TariffscopeError

scenario_app = typer.Typer(
    name="scenario",
    help="Scenarios (overlays on the catalogue) and negotiation packages: run, compare, evaluate both sides.",
    no_args_is_help=True,
)

PartnerOpt = Annotated[
    list[str] | None,
    typer.Option("--partner", "-p", help="partner to report (ISO2/ISO3/Census code; repeatable; ALL = all)"),
]
DateOpt = Annotated[
    str | None, typer.Option("--date", help="entry date YYYY-MM-DD (default: the scenario's)")
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table | json")]
AgainstOpt = Annotated[
    str,
    typer.Option(
        "--against", help="the alternative changes are measured against ('baseline': the law of 2025-01-01)"
    ),
]
SupplyOpt = Annotated[
    str,
    typer.Option(
        "--supply", help="elastic (the horizon's export-supply elasticities) | infinite (fixed world prices)"
    ),
]
HorizonOpt = Annotated[
    str,
    typer.Option(
        "--horizon",
        help="short (1 year) | long (7-10 years) | cge | table | a number of years: elasticities and band",
    ),
]
DbOpt = Annotated[
    Path | None, typer.Option("--db", help="trade store with loaded imports (default: shipped)")
]
SigmaOpt = Annotated[
    list[str] | None,
    typer.Option("--sigma", help="substitution elasticity override PREFIX=VALUE, e.g. 8703=5 (repeatable)"),
]


def _overrides(items: list[str] | None) -> list[dict[str, object]] | None:
    if not items:
        return None
    out: list[dict[str, object]] = []
    for it in items:
        prefix, _, val = it.partition("=")
        try:
            sigma = float(val)
        except ValueError:
            raise typer.BadParameter(f"{it!r}: use PREFIX=VALUE, e.g. 8703=5", param_hint="--sigma") from None
        if not prefix.replace(".", "").isdigit() or sigma <= 0:
            raise typer.BadParameter(f"{it!r}: an HS prefix and a positive value", param_hint="--sigma")
        out.append({"prefix": prefix.replace(".", ""), "sigma": sigma})
    return out


def _date(s: str | None) -> dt.date | None:
    return options.optional_entry_date(s, "--date")


def _choice(v: str, options: tuple[str, ...], hint: str) -> Any:
    if v not in options:
        raise typer.BadParameter(f"{v!r}: use {' or '.join(options)}", param_hint=hint)
    return v


def _partners(ps: list[str] | None) -> list[str] | None:
    if not ps:
        return None
    return [options.partner(p, "--partner") for p in ps]


def _weights(db: Path | None) -> pl.DataFrame | None:
    if db is None:
        return None
    from tariffscope.trade.weights import SHIPPED_YEAR

    return options.weights(db, SHIPPED_YEAR)


def _bn(x: float | None) -> str:
    return "—" if x is None else usd(x)


def _horizon(h: str) -> str:
    from tariffscope.models.pe.horizons import parse_horizon

    try:
        parse_horizon(h)
    except TariffscopeError as exc:
        raise typer.BadParameter(str(exc), param_hint="--horizon") from None
    return h


def _band(r: dict[str, Any], key: str, fmt: Any = None) -> str:
    """``low to high`` of a row's elasticity band ("" when there is none)."""
    fmt = fmt or _bn
    lo_hi = (r.get("range") or {}).get(key)
    if not lo_hi or lo_hi[0] == lo_hi[1]:
        return ""
    return f"{fmt(lo_hi[0])} to {fmt(lo_hi[1])}"


ROW_MEASURES: list[tuple[str, str, Any]] = [
    ("date", "date", str),
    ("ETR", "etr", pct),
    ("ETR (against)", "etr_against", pct),
    ("duty/yr", "duty_usd_per_year", _bn),
    ("exports Δ", "exports_change_usd", _bn),
    ("exports Δ%", "exports_change_pct", pct),
    ("exports Δ range", "range", lambda rg: _band({"range": rg}, "exports_change_usd")),
    ("US consumer cost", "us_consumer_cost_usd", _bn),
    ("tariff rev Δ", "tariff_revenue_change_usd", _bn),
    ("US welfare Δ", "us_welfare_change_usd", _bn),
]


def _gains(r: dict[str, Any]) -> str:
    gains = [d for d in r["diversion"] if d["partner"] != "OTHER"]
    gains = sorted(gains, key=lambda d: -d["exports_change_usd"])[:3]
    return ", ".join(
        f"{d['partner']} {usd(d['exports_change_usd'])}" for d in gains if d["exports_change_usd"] > 0
    )


def _rows_table(rows: list[dict[str, Any]], title: str) -> Table:
    """One row per scenario and partner; on a narrow terminal, one column per partner instead."""
    cols = ["scenario", "partner", *(label for label, _, _ in ROW_MEASURES), "who gains (top 3)"]
    cells = [
        [r["scenario"], r["partner"], *(fmt(r.get(key)) for _, key, fmt in ROW_MEASURES), _gains(r)] for r in rows
    ]
    right = {label for label, _, _ in ROW_MEASURES if label != "date"}
    table, hidden = fit_table(cols, cells, title=title, right=right, labels={c: c for c in cols})
    if not hidden:
        return table
    t = Table(title=title)
    t.add_column("measure")
    for r in rows:
        t.add_column(
            r["partner"] if len({x["scenario"] for x in rows}) == 1 else f"{r['scenario']} {r['partner']}",
            justify="right",
            overflow="fold",
        )
    for label, key, fmt in ROW_MEASURES:
        t.add_row(label, *(fmt(r.get(key)) for r in rows))
    t.add_row("who gains (top 3)", *(_gains(r) or "—" for r in rows))
    return t


def _side_by_side(rows: list[dict[str, Any]]) -> Table:
    """Scenarios as columns, measures as rows, one block per partner."""
    scenarios = list(dict.fromkeys(r["scenario"] for r in rows))
    partners = list(dict.fromkeys(r["partner"] for r in rows))
    by = {(r["scenario"], r["partner"]): r for r in rows}
    against = rows[0]["against"] if rows else "current-law"
    horizon = rows[0].get("horizon", "") if rows else ""
    t = Table(
        title=f"Scenarios side by side (changes against {against}, from the {rows[0].get('baseline') if rows else ''}"
        f" baseline; {horizon} horizon; USD per year; ranges: low to high elasticities)"
    )
    t.add_column("partner")
    t.add_column("measure")
    for s in scenarios:
        t.add_column(s, justify="right")
    measures: list[tuple[str, str, Any]] = [
        ("date", "date", str),
        ("ETR", "etr", pct),
        ("duty per year", "duty_usd_per_year", _bn),
        ("exports change", "exports_change_usd", _bn),
        ("  range", "exports_change_usd", None),
        ("exports change % of 2024", "exports_change_pct", pct),
        ("exporters' price change", "exporter_price_change", pct),
        ("exporters' share of tariff", "exporter_share_of_tariff", pct),
        ("exporters' price cuts", "exporter_price_cut_usd", _bn),
        ("exporters' revenue per hour", "exporter_revenue_change_usd_per_hour", _bn),
        ("US consumer cost", "us_consumer_cost_usd", _bn),
        ("tariff revenue, own goods", "tariff_revenue_change_usd", _bn),
        ("tariff revenue, diverted", "tariff_revenue_other_partners_usd", _bn),
        ("US welfare change", "us_welfare_change_usd", _bn),
        ("  range", "us_welfare_change_usd", None),
        ("exporters' surplus change", "exporter_surplus_change_usd", _bn),
        ("welfare change (world)", "welfare_change_usd", _bn),
    ]
    for p in partners:
        for i, (label, key, fmt) in enumerate(measures):
            cells = [
                ("" if (s, p) not in by else _band(by[(s, p)], key) if fmt is None else fmt(by[(s, p)][key]))
                for s in scenarios
            ]
            t.add_row(p if i == 0 else "", label, *cells)
        if p != "ALL":
            cells = []
            for s in scenarios:
                r = by.get((s, p))
                gains = [] if r is None else [d for d in r["diversion"] if d["partner"] != "OTHER"]
                top = sorted(gains, key=lambda d: -d["exports_change_usd"])[:2]
                cells.append(", ".join(f"{d['partner']} {usd(d['exports_change_usd'])}" for d in top) or "—")
            t.add_row("", "who gains", *cells)
        t.add_section()
    return t


def _narrow_by(key: str) -> list[str]:
    """The columns of the by-sector/by-product tables that fit 80 columns (JSON has them all)."""
    return [
        key,
        "rate_against",
        "rate",
        "exports_change_usd",
        "exporter_price_change",
        "us_consumer_cost_usd",
    ]


def _frame_table(
    df: pl.DataFrame, title: str, pct_cols: tuple[str, ...] = (), skip: tuple[str, ...] = ()
) -> Table:
    """A frame as a table that fits the terminal: names first, then figures (the last ones left out
    when narrow, and named on stderr)."""
    names = [c for c in df.columns if c not in skip and not df[c].dtype.is_numeric()]
    cols = names + [c for c in df.columns if c not in skip and c not in names]
    cells = []
    for row in df.iter_rows(named=True):
        out = []
        for c in cols:
            v = row[c]
            if c in pct_cols or c.startswith(("rate", "us_tariff", "ntm_ave")) or c.endswith("price_change"):
                out.append(pct(v))
            elif isinstance(v, float):
                out.append(usd(v))
            else:
                out.append("" if v is None else str(v))
        cells.append(out)
    right = {c for c in cols if df[c].dtype.is_numeric()}
    table, hidden = fit_table(cols, cells, title=title, right=right)
    if hidden:
        err_console.print(
            f"[dim]{title}: not shown at {console.width} columns: {', '.join(hidden)} (use --format json)[/]",
            soft_wrap=True,
        )
    return table


def scenario_list() -> None:
    """List the shipped scenarios and packages."""
    from tariffscope.scenarios.overlay import (
        load_scenario,
        package_path,
        parse_package,
        shipped_packages,
        shipped_scenarios,
    )

    t = Table(title="Shipped scenarios")
    for c in ("name", "date", "base", "changes", "title"):
        t.add_column(c)
    for n in shipped_scenarios():
        s = load_scenario(n).spec
        t.add_row(n, s.date.isoformat(), s.base, str(len(s.changes)), s.title)
    console.print(t)
    p = Table(title="Shipped packages")
    for c in ("name", "partner", "US side", "against", "title"):
        p.add_column(c)
    for n in shipped_packages():
        spec, _ = parse_package(package_path(n))
        p.add_row(n, spec.partner, spec.us_side.scenario, spec.us_side.against, spec.title)
    console.print(p)


def scenario_show(
    scenario: Annotated[str, typer.Argument(help="shipped name or YAML file")],
    fmt: FormatOpt = "table",
) -> None:
    """Validate a scenario and print its changes and timeline."""
    from tariffscope.scenarios.overlay import all_timeline, build_catalogue, describe_changes, load_scenario

    try:
        sc = load_scenario(scenario)
        build_catalogue(sc)
        changes, timeline = describe_changes(sc), all_timeline(sc)
    except TariffscopeError as exc:
        raise fail(exc) from None
    if _choice(fmt, ("table", "json"), "--format") == "json":
        emit_json(
            {
                "id": sc.id,
                "title": sc.spec.title,
                "date": sc.spec.date,
                "changes": changes,
                "timeline": timeline,
            }
        )
        return
    console.print(f"[bold]{sc.id}[/]: {sc.spec.title}\n{(sc.spec.description or '').strip()}")
    ct = Table(title="Changes (base first)")
    for c in ("scenario", "action", "target", "from", "to", "rate", "cite"):
        ct.add_column(c)
    for r in changes:
        rate = pct(r["rate"]) if r["rate"] is not None else ""
        ct.add_row(
            r["scenario"],
            r["action"],
            r["target"],
            str(r["from"] or ""),
            str(r["to"] or ""),
            rate,
            r["cite"] or "",
        )
    console.print(ct)
    console.print(_timeline_table(timeline))


def _timeline_table(timeline: list[dict[str, Any]]) -> Table:
    t = Table(title="Timeline (deadlines and effective dates)")
    for c in ("date", "event", "cite", "from"):
        t.add_column(c)
    for r in timeline:
        t.add_row(str(r["date"]), r["label"], r["cite"] or "", r["scenario"])
    return t


def scenario_validate(files: Annotated[list[Path], typer.Argument(help="scenario YAML files")]) -> None:
    """Validate scenario files against the schema and the catalogue (exit 2 on any error)."""
    from tariffscope.scenarios.overlay import validate_files

    missing = [f"{f}: no such file" for f in files if not f.is_file()]
    errors = missing + validate_files([f for f in files if f.is_file()])
    for e in errors:
        err_console.print(f"[bold red]error:[/] {e}")
    if errors:
        raise typer.Exit(2)
    console.print(f"{len(files)} scenario file(s) valid")


def scenario_run(
    scenario: Annotated[
        str, typer.Argument(help="shipped name (current-law, pause-lapses, ...) or YAML file")
    ],
    partner: PartnerOpt = None,
    date: DateOpt = None,
    fmt: FormatOpt = "table",
    against: AgainstOpt = "current-law",
    supply: SupplyOpt = "elastic",
    horizon: HorizonOpt = "short",
    lines: Annotated[
        Path | None, typer.Option("--lines", help="write every HTS10 x partner line (.parquet/.csv)")
    ] = None,
    top: Annotated[int, typer.Option("--top", help="products to list")] = 15,
    sigma: SigmaOpt = None,
    db: DbOpt = None,
    firm: Annotated[
        str | None,
        typer.Option(
            "--firm", help="compare exporters' price cuts per hour with a firm's figure (toyota-fy2025, ...)"
        ),
    ] = None,
) -> None:
    """Evaluate one scenario: ETR, duties, exports, diversion, consumer cost, revenue, welfare; by sector and product."""
    from tariffscope.scenarios.evaluate import evaluate

    f = _choice(fmt, ("table", "json"), "--format")
    try:
        res = evaluate(
            scenario,
            _date(date),
            against=against,
            weights=_weights(db),
            supply=_choice(supply, ("infinite", "elastic"), "--supply"),
            overrides=_overrides(sigma),
            horizon=_horizon(horizon),
        )
        parts = _partners(partner) or [*res.scenario_obj.spec.partners, "ALL"]
        rows = res.rows(parts)
        firm_cmp = None
        if firm is not None:
            from tariffscope.scenarios.incidence import compare_with_firm

            firm_cmp = compare_with_firm(res.lines, firm)
    except TariffscopeError as exc:
        raise fail(exc) from None
    if lines is not None:
        out = res.lines
        out.write_parquet(lines) if lines.suffix == ".parquet" else out.write_csv(lines)
        err_console.print(f"wrote {out.height:,} lines to {lines}")
    focus = next((p for p in parts if p != "ALL"), "ALL")
    if f == "json":
        emit_json(
            {
                "rows": rows,
                "by_sector": res.by_sector(focus).to_dicts(),
                "by_product": res.by_product(focus, top=top).to_dicts(),
                "unmatched_imports_usd": res.unmatched_imports_usd,
                **({"firm": firm_cmp} if firm_cmp else {}),
            }
        )
        return
    console.print(
        _rows_table(
            rows,
            f"{res.scenario}: {res.title} (against {res.against}, {res.date}; from the {res.baseline_date} "
            f"baseline, {res.horizon} horizon)",
        )
    )
    sec = res.by_sector(focus).filter(pl.col("duty_change_usd") != 0).head(top)
    if sec.height:
        console.print(_frame_table(sec.select(_narrow_by("sector_name")), f"By sector, imports from {focus}"))
    prod = res.by_product(focus, top=top).filter(pl.col("exports_change_usd") != 0)
    if prod.height:
        console.print(
            _frame_table(prod.select(_narrow_by("hts10")), f"Largest export changes by product, {focus}")
        )
    if firm_cmp:
        ft = Table(
            title=f"Per hour: {firm_cmp['firm']} against the model ({firm_cmp['country']}, HS "
            f"{'/'.join(firm_cmp['hs_prefixes'])})"
        )
        ft.add_column("measure")
        ft.add_column("USD per hour", justify="right")
        ft.add_row(
            f"firm's own figure ({firm_cmp['reported']}, {firm_cmp['period']})", usd(firm_cmp["usd_per_hour"])
        )
        ft.add_row(
            "model: exporters' price cuts (duty they absorb)",
            usd(firm_cmp["model_exporter_price_cut_usd_per_hour"]),
        )
        ft.add_row("model: extra duty on these goods", usd(firm_cmp["model_duty_change_usd_per_hour"]))
        console.print(ft)
        err_console.print(f"source: {firm_cmp['source']}")
    if res.unmatched_imports_usd:
        err_console.print(
            f"note: {usd(res.unmatched_imports_usd)} of imports had no rate on {res.date} (not in the schedule)"
        )


def scenario_compare(
    scenarios: Annotated[list[str], typer.Argument(help="scenario names or YAML files")],
    partner: PartnerOpt = None,
    date: DateOpt = None,
    fmt: FormatOpt = "table",
    against: AgainstOpt = "current-law",
    supply: SupplyOpt = "elastic",
    horizon: HorizonOpt = "short",
    chart: Annotated[
        Path | None,
        typer.Option(
            "--chart", help="also draw the exports change: FILE.png or .svg (the charts extra) or .html (interactive)"
        ),
    ] = None,
    no_chart: Annotated[
        bool, typer.Option("--no-chart", hidden=True, help="(the default: no chart unless --chart)")
    ] = False,
    sigma: SigmaOpt = None,
    db: DbOpt = None,
) -> None:
    """Compare scenarios side by side (one row per scenario and partner); ``--chart FILE`` also draws them."""
    from tariffscope.analytics.figures import sources
    from tariffscope.scenarios.chart import compare_chart
    from tariffscope.scenarios.evaluate import compare

    f = _choice(fmt, ("table", "json"), "--format")
    weights = _weights(db)
    try:
        rows, _ = compare(
            scenarios,
            _date(date),
            partners=_partners(partner),
            against=against,
            weights=weights,
            supply=_choice(supply, ("infinite", "elastic"), "--supply"),
            overrides=_overrides(sigma),
            horizon=_horizon(horizon),
        )
    except TariffscopeError as exc:
        raise fail(exc) from None
    if chart is not None and not no_chart:
        try:
            compare_chart(rows, chart, source=sources(weights)["source_line"])
        except TariffscopeError as exc:
            raise fail(exc) from None
        err_console.print(f"chart written to {chart}")
    if f == "json":
        emit_json(rows)
        return
    console.print(_side_by_side(rows))


def scenario_package(
    package: Annotated[str, typer.Argument(help="shipped package name (japan-2025) or YAML file")],
    date: DateOpt = None,
    fmt: FormatOpt = "table",
    db: DbOpt = None,
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

    f = _choice(fmt, ("table", "json"), "--format")
    if export_supply is not None and not export_supply > 0:
        raise typer.BadParameter("must be > 0", param_hint="--export-supply")
    try:
        res = evaluate_package(package, date=_date(date), weights=_weights(db), export_supply=export_supply)
    except TariffscopeError as exc:
        raise fail(exc) from None
    if f == "json":
        emit_json(res.to_json())
        return
    j = res.to_json()
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
        _frame_table(
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
    ps = j["partner_side"]
    if ps is not None:
        t = Table(title=f"Partner side: {res.partner} as importer of US goods (total)")
        t.add_column("measure")
        t.add_column("value", justify="right")
        t.add_row(f"{res.partner} duties on US goods, change", usd(ps["duty_change_usd_per_year"]))
        t.add_row("US exports change", usd(ps["us_exports_change_usd"]))
        for k, v in ps["us_exports_change_by_channel_usd"].items():
            t.add_row(f"  of which {k}", usd(v))
        t.add_row("other suppliers' exports change", usd(ps["others_exports_change_usd"]))
        t.add_row("consumer price change (products in the file)", pct(ps["consumer_price_change"], 3))
        t.add_row(f"{res.partner} tariff revenue change", usd(ps["tariff_revenue_change_usd"]))
        t.add_row(f"{res.partner} consumer surplus change", usd(ps["consumer_surplus_change_usd"]))
        t.add_row(f"{res.partner} welfare change (CS + revenue)", usd(ps["welfare_change_usd"]))
        console.print(t)
        console.print(
            _frame_table(
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
            _frame_table(
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
    _world_tables(res)
    console.print(_timeline_table(res.timeline))


def _world_tables(res: Any) -> None:
    """The package's one-world-market (GSIM) view: regions, then the partner's sales by market."""
    w = res.world
    if w is None:
        console.print(f"[yellow]One world market (GSIM): not solved: {res.world_error}[/]")
        return
    t = Table(
        title=f"Both sides in one world market (GSIM, {w.result.model}; Ex = {w.ex}; {w.products} HS6 products)"
    )
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
    p = w.partner_summary()
    console.print(
        f"{w.partner} exporters: to the US {usd(p['exports_to_us_change_usd'])}, to third markets "
        f"{usd(p['exports_to_third_markets_change_usd'])}; producer surplus {usd(p['producer_surplus_change_usd'])}"
        f"/yr = {usd(p['producer_surplus_change_usd_per_hour'])}/hour. Third-market shares: "
        + ", ".join(f"{k} {pct(v, 1)}" for k, v in w.third_market_share.items())
        + f" ({w.share_source})."
    )


def register(app: typer.Typer) -> None:
    """Add this area's commands to the app."""
    scenario_app.command("list")(scenario_list)
    scenario_app.command("show")(scenario_show)
    scenario_app.command("validate")(scenario_validate)
    scenario_app.command("run")(scenario_run)
    scenario_app.command("compare")(scenario_compare)
    scenario_app.command("package")(scenario_package)
    app.add_typer(scenario_app, name="scenario")
