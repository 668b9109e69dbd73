"""CLI commands on change and its consequences: ``diff``, ``refunds`` and ``report``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.table import Table

from tariffscope.cli import options
from tariffscope.cli.output import (
    Format,
    console,
    date_option,
    emit_frame,
    emit_json,
    err_console,
    pct,
    progress_bar,
    usd,
)


def diff(
    partner: Annotated[str, typer.Option("--partner", "-p", help="partner: ISO2, ISO3 or Census code")],
    date_from: Annotated[str, typer.Option("--from", help="earlier entry date")],
    date_to: Annotated[str, typer.Option("--to", help="later entry date")],
    sector: Annotated[str | None, typer.Option("--sector", "-s", help="GTAP-45 code or HS chapters")] = None,
    view: options.ViewOpt = "adjusted",
    as_of: options.AsOfOpt = None,
    top: Annotated[int, typer.Option("--top", help="number of products shown")] = 20,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table | json")] = "table",
    db: options.DbOpt = None,
    year: options.YearOpt = 2024,
) -> None:
    """What changed for a partner between two dates: measures, products, ETR and duty."""
    from tariffscope.analytics.diff import diff as run

    a, b = options.entry_date(date_from, "--from"), options.entry_date(date_to, "--to")
    partner = options.partner(partner, "--partner")
    w = options.checked(lambda: options.weights(db, year))
    r = options.checked(
        lambda: run(
            partner,
            a,
            b,
            sector=sector,
            weights=w,
            view=options.view(view),
            as_of=date_option(as_of, "--as-of"),
            top=top,
        )
    )
    if fmt == "json":
        emit_json(r)
        return
    console.print(
        f"[bold]{r['partner']}[/] {r['from']} → {r['to']}: ETR {pct(r['before']['etr'])} → [bold]{pct(r['after']['etr'])}[/] "
        f"({100 * r['etr_change']:+.2f} pp); duty {usd(r['before']['duty_usd_per_year'])} → "
        f"{usd(r['after']['duty_usd_per_year'])}/year ({usd(r['duty_change_usd_per_hour'])}/hour)"
    )
    t = Table(title="ETR by authority")
    for c in ("authority", "before", "after", "change"):
        t.add_column(c, justify="left" if c == "authority" else "right")
    for x in r["authorities"]:
        if x["etr_before"] or x["etr_after"]:
            t.add_row(
                x["authority"],
                pct(x["etr_before"]),
                pct(x["etr_after"]),
                f"{100 * (x['etr_after'] - x['etr_before']):+.2f} pp",
            )
    console.print(t)
    t = Table(title="measures that started, changed or ended")
    for c in ("date", "measure/rule", "heading", "event", "old", "new", "citation"):
        t.add_column(c, overflow="fold")
    for m in r["measures"]:
        t.add_row(
            m["date"],
            f"{m['measure']}/{m['rule']}",
            m["heading"] or "",
            m["event"],
            pct(m["old_rate"]),
            pct(m["new_rate"]),
            m["cite"],
        )
    console.print(t)
    pr = r["products"]
    t = Table(
        title=f"{pr['lines_moved']} lines moved ({pct(pr['share_of_imports_moved'], 1)} of imports); largest duty changes"
    )
    for c in ("HTS", "description", "imports", "old", "new", "duty change/year"):
        t.add_column(c, justify="right" if c not in ("HTS", "description") else "left", overflow="fold")
    for p in pr["top"]:
        t.add_row(
            p["hts"],
            p["description"][:60],
            usd(p["imports_usd"]),
            pct(p["old_rate"]),
            pct(p["new_rate"]),
            usd(p["duty_change_usd_per_year"]),
        )
    console.print(t)


def refunds(
    partner: Annotated[
        list[str] | None, typer.Option("--partner", "-p", help="partner; repeat; default all")
    ] = None,
    by_month: Annotated[
        bool, typer.Option("--by-month/--totals", help="rows per month or per partner")
    ] = True,
    view: options.ViewOpt = "adjusted",
    monthly: Annotated[
        Path | None,
        typer.Option(
            "--monthly-weights", help="CSV/Parquet of hts10, partner, month, imports_usd (else annual/12)"
        ),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table | json | csv")] = "table",
    out: Annotated[Path | None, typer.Option("--out", help="write to a file")] = None,
    db: options.DbOpt = None,
    year: options.YearOpt = 2024,
) -> None:
    """IEEPA refund exposure per partner and month: collected at the time vs owed after deals and the ruling."""
    from tariffscope.analytics.refunds import refund_totals
    from tariffscope.analytics.refunds import refunds as run

    w = options.checked(lambda: options.weights(db, year))
    mw = None
    if monthly is not None:
        mw = options.checked(
            lambda: (
                pl.read_parquet(monthly)
                if monthly.suffix == ".parquet"
                else pl.read_csv(monthly, try_parse_dates=True)
            )
        )
    with progress_bar("refunds: knowledge intervals") as cb:
        df = options.checked(
            lambda: run(partner, weights=w, monthly_weights=mw, view=options.view(view), progress=cb)
        )
    if not by_month:
        df = refund_totals(df)
    usd_cols = [c for c in df.columns if c.endswith("_usd")]
    if fmt == "table":
        if not partner and by_month:
            df = refund_totals(df)
            err_console.print(
                "[dim]all partners: showing totals (use --partner or --format csv for months)[/]"
            )
        basis = ", ".join(sorted(set(", ".join(df["imports_basis"].to_list()).split(", "))))
        keep = [c for c in df.columns if c not in ("collected_ieepa_usd", "owed_latest_usd", "imports_basis")]
        emit_frame(
            df.select(keep).head(60),
            fmt,
            out,
            title=f"IEEPA refund exposure (imports basis: {basis})",
            usd_cols=usd_cols,
        )
        return
    emit_frame(df, fmt, out)


def report(
    partner: Annotated[str, typer.Argument(help="partner: ISO2, ISO3 or Census code")],
    date: Annotated[str, typer.Option("--date", "-d", help="entry date")],
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write")] = Path("report.html"),
    chart_dir: Annotated[
        Path | None,
        typer.Option("--chart-dir", help="also write each chart as PNG and SVG here (the charts extra)"),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="baseline date of 'what changed' (default: --from)")
    ] = None,
    date_from: Annotated[str, typer.Option("--from", help="first date of the ETR timeline")] = "2025-01-01",
    view: options.ViewOpt = "adjusted",
    as_of: options.AsOfOpt = None,
    compare: Annotated[
        bool, typer.Option("--compare/--no-compare", help="include the comparison with all partners")
    ] = True,
    embed: Annotated[
        str,
        typer.Option("--embed", help="html (interactive, plotly.js inline) | svg | png (static: the charts extra)"),
    ] = "html",
    db: options.DbOpt = None,
    year: options.YearOpt = 2024,
) -> None:
    """A self-contained HTML report: ETR timeline, sectors, duty per hour, what changed, top products."""
    from tariffscope.analytics.report import build_report

    d = options.entry_date(date, "--date")
    partner = options.partner(partner, "PARTNER")
    since_d = options.optional_entry_date(since, "--since")
    start = options.entry_date(date_from, "--from")
    if embed not in ("html", "svg", "png"):
        raise typer.BadParameter(f"{embed!r}: use html, svg or png", param_hint="--embed")
    w = options.checked(lambda: options.weights(db, year))
    with console.status("building the report"):
        r = options.checked(
            lambda: build_report(
                partner, d, out, since=since_d, start=start, weights=w, view=options.view(view),
                as_of=date_option(as_of, "--as-of"), chart_dir=chart_dir, compare=compare, embed=embed,
            )
        )  # fmt: skip
    err_console.print(f"wrote {r['out']} ({r['bytes'] / 1024:,.0f} KiB); ETR {pct(r['etr'])}")
    for c in r["charts"]:
        err_console.print(f"  chart {c}")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the app."""
    app.command(name="diff")(diff)
    app.command(name="refunds")(refunds)
    app.command(name="report")(report)
