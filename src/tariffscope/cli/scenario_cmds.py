"""CLI commands: ``scenario list | show | validate | run | compare`` (``package``: :mod:`.package_cmds`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer
from rich.table import Table

from tariffscope.cli import options
from tariffscope.cli import scenario_shared as shared
from tariffscope.cli.output import console, emit_json, err_console, pct, usd
from tariffscope.cli.package_cmds import scenario_package

scenario_app = typer.Typer(
    name="scenario",
    help="Scenarios (overlays on the catalogue) and negotiation packages: run, compare, evaluate both sides.",
    no_args_is_help=True,
)


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
    fmt: shared.FormatOpt = "table",
) -> None:
    """Validate a scenario and print its changes and timeline."""
    from tariffscope.scenarios.overlay import all_timeline, build_catalogue, describe_changes, load_scenario

    sc = load_scenario(scenario)
    build_catalogue(sc)
    changes, timeline = describe_changes(sc), all_timeline(sc)
    if shared.choice(fmt, ("table", "json"), "--format") == "json":
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
    console.print(shared.timeline_table(timeline))


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
    partner: shared.PartnerOpt = None,
    date: shared.DateOpt = None,
    fmt: shared.FormatOpt = "table",
    against: shared.AgainstOpt = "current-law",
    supply: shared.SupplyOpt = "elastic",
    horizon: shared.HorizonOpt = "short",
    lines: Annotated[
        Path | None, typer.Option("--lines", help="write every HTS10 x partner line (.parquet/.csv)")
    ] = None,
    top: Annotated[int, typer.Option("--top", help="products to list")] = 15,
    sigma: shared.SigmaOpt = None,
    db: options.DbOpt = None,
    firm: Annotated[
        str | None,
        typer.Option(
            "--firm", help="compare exporters' price cuts per hour with a firm's figure (toyota-fy2025, ...)"
        ),
    ] = None,
) -> None:
    """Evaluate one scenario: ETR, duties, exports, diversion, consumer cost, revenue, welfare; by sector and product."""
    from tariffscope.scenarios.evaluate import evaluate

    f = shared.choice(fmt, ("table", "json"), "--format")
    res = evaluate(
        scenario,
        shared.scenario_date(date),
        against=against,
        weights=shared.weights_or_shipped(db),
        supply=shared.choice(supply, ("infinite", "elastic"), "--supply"),
        overrides=shared.overrides(sigma),
        horizon=shared.horizon(horizon),
    )
    parts = shared.partners(partner) or [*res.scenario_obj.spec.partners, "ALL"]
    rows = res.rows(parts)
    firm_cmp = None
    if firm is not None:
        from tariffscope.scenarios.incidence import compare_with_firm

        firm_cmp = compare_with_firm(res.lines, firm)
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
    _print_run(res, rows, focus, top)
    if firm_cmp:
        _print_firm(firm_cmp)
    if res.unmatched_imports_usd:
        err_console.print(
            f"note: {usd(res.unmatched_imports_usd)} of imports had no rate on {res.date} (not in the schedule)"
        )


def _print_run(res: Any, rows: list[dict[str, Any]], focus: str, top: int) -> None:
    """A scenario's rows, then its largest changes by sector and by product for ``focus``."""
    console.print(
        shared.rows_table(
            rows,
            f"{res.scenario}: {res.title} (against {res.against}, {res.date}; from the {res.baseline_date} "
            f"baseline, {res.horizon} horizon, {'owed' if res.view == 'adjusted' else res.view} view)",
        )
    )
    sec = res.by_sector(focus).filter(pl.col("duty_change_usd") != 0).head(top)
    if sec.height:
        console.print(
            shared.frame_table(
                sec.select(shared.narrow_by("sector_name")), f"By sector, imports from {focus}"
            )
        )
    prod = res.by_product(focus, top=top).filter(pl.col("exports_change_usd") != 0)
    if prod.height:
        console.print(
            shared.frame_table(
                prod.select(shared.narrow_by("hts10")), f"Largest export changes by product, {focus}"
            )
        )


def _print_firm(firm_cmp: dict[str, Any]) -> None:
    """A firm's own per-hour figure beside the model's (``--firm``), with its source."""
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


def scenario_compare(
    scenarios: Annotated[list[str], typer.Argument(help="scenario names or YAML files")],
    partner: shared.PartnerOpt = None,
    date: shared.DateOpt = None,
    fmt: shared.FormatOpt = "table",
    against: shared.AgainstOpt = "current-law",
    supply: shared.SupplyOpt = "elastic",
    horizon: shared.HorizonOpt = "short",
    chart: Annotated[
        Path | None,
        typer.Option(
            "--chart", help="also draw the exports change: FILE.png or .svg (the charts extra) or .html (interactive)"
        ),
    ] = None,
    no_chart: Annotated[
        bool, typer.Option("--no-chart", hidden=True, help="(the default: no chart unless --chart)")
    ] = False,
    sigma: shared.SigmaOpt = None,
    db: options.DbOpt = None,
) -> None:
    """Compare scenarios side by side (one row per scenario and partner); ``--chart FILE`` also draws them."""
    from tariffscope.analytics.figures import sources
    from tariffscope.scenarios.chart import compare_chart
    from tariffscope.scenarios.evaluate import compare

    f = shared.choice(fmt, ("table", "json"), "--format")
    weights = shared.weights_or_shipped(db)
    rows, _ = compare(
        scenarios,
        shared.scenario_date(date),
        partners=shared.partners(partner),
        against=against,
        weights=weights,
        supply=shared.choice(supply, ("infinite", "elastic"), "--supply"),
        overrides=shared.overrides(sigma),
        horizon=shared.horizon(horizon),
    )
    if chart is not None and not no_chart:
        compare_chart(rows, chart, source=sources(weights)["source_line"])
        err_console.print(f"chart written to {chart}")
    if f == "json":
        emit_json(rows)
        return
    console.print(shared.side_by_side(rows))


def register(app: typer.Typer) -> None:
    """Add this area's commands to the app."""
    scenario_app.command("list")(scenario_list)
    scenario_app.command("show")(scenario_show)
    scenario_app.command("validate")(scenario_validate)
    scenario_app.command("run")(scenario_run)
    scenario_app.command("compare")(scenario_compare)
    scenario_app.command("package")(scenario_package)
    app.add_typer(scenario_app, name="scenario")
