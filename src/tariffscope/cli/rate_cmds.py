"""CLI: ``rate`` (one line or a batch file), ``timeline`` and ``panel``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal

import polars as pl
import typer
from rich.table import Table

from tariffscope.api import batch_columns
from tariffscope.catalogue.claims import claim_registry
from tariffscope.cli import options
from tariffscope.cli.output import Format, console, date_option, emit_frame, emit_json, err_console, pct
from tariffscope.errors import TariffscopeError
from tariffscope.fmt import pp
from tariffscope.results import COMPONENT_KEYS, RateResult

BATCH_COLUMNS = batch_columns()
"""The result columns of ``rate --batch`` after the input's own (every engine writes these)."""

__all__ = ["BATCH_COLUMNS", "panel", "rate", "register", "timeline"]

Engine = Literal["embedded", "spark"]
ENGINE_HELP = "embedded (this process) | spark (Apache Spark: needs the 'spark' extra and Java 17+)"
CLAIM_NAMES = tuple(claim_registry())
"""Every claim ``--claim`` accepts (see ``catalogue/claims.yaml``)."""
MASTER_HELP = "Spark master for --engine spark (default: as spark-submit set it, else local[*])"


def _claim_epilog() -> str:
    """The ``Claims`` section of ``rate --help``: one paragraph per claim, from the claim registry."""
    lines = [f"{c.name}: {c.asserts}. Default: {c.default}." for c in claim_registry().values()]
    head = (
        "Claims (--claim NAME[,NAME...]; none by default). A single lookup lists, after the total, each"
        " claim not declared that would change the duty, with the total if declared:"
    )
    return head + "\n\n" + "\n\n".join(lines)


ValueOpt = Annotated[float | None, typer.Option(help="customs value in USD", callback=options.amount_cb)]
QuantityOpt = Annotated[
    float | None,
    typer.Option(help="quantity in the line's unit (for specific duties)", callback=options.amount_cb),
]
UnitOpt = Annotated[str | None, typer.Option(help="unit of the quantity (kg, liter, No., ...)")]
MetalShareOpt = Annotated[
    float | None, typer.Option(help="steel + aluminium share of value (0-1)", callback=options.share_cb)
]
CopperShareOpt = Annotated[
    float | None, typer.Option(help="copper share of value (0-1)", callback=options.share_cb)
]
UsContentOpt = Annotated[
    float | None, typer.Option(help="US content share of value (0-1)", callback=options.share_cb)
]
ClaimOpt = Annotated[
    str | None,
    typer.Option(
        help="claims and declarations made on the entry, comma-separated (default: none): "
        + ", ".join(CLAIM_NAMES)
        + "; each is described under Claims below"
    ),
]
LoadingDateOpt = Annotated[
    str | None, typer.Option(help="date loaded at the port of export (in-transit rules)")
]
ShipmentOpt = Annotated[
    str | None,
    typer.Option(help="formal | informal | express | postal (default by value: formal over $2,500)"),
]
TransportOpt = Annotated[
    str | None, typer.Option(help="vessel | air | land | mail (harbor fee on vessel cargo only)")
]
PostalMethodOpt = Annotated[
    str | None, typer.Option(help="postal duty: ad_valorem (default) | specific (per item)")
]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="answer with the law as known on this date")]
ImporterOpt = Annotated[
    str,
    typer.Option("--importer", help="whose tariff: US (default) or JP (Japan's catalogue, values in yen)"),
]
BatchOpt = Annotated[
    str | None,
    typer.Option(
        help="CSV (or Parquet) of entry lines: hts10, origin, date [, value, quantity, unit, metal_share, claim]"
    ),
]
OutOpt = Annotated[
    str | None,
    typer.Option(
        help="output file for --batch (CSV or JSON by --format, Parquet by extension; a path or URI "
        "with --engine spark)"
    ),
]


def rate(
    hts: Annotated[str | None, typer.Argument(help="HTS code, dotted or plain: 8703.23.01.60")] = None,
    origin: Annotated[
        str | None, typer.Option("--origin", "-o", help="country of origin: ISO2, ISO3 or Census code")
    ] = None,
    date: Annotated[str | None, typer.Option("--date", "-d", help="entry date YYYY-MM-DD")] = None,
    value: ValueOpt = None,
    quantity: QuantityOpt = None,
    unit: UnitOpt = None,
    metal_share: MetalShareOpt = None,
    copper_share: CopperShareOpt = None,
    us_content: UsContentOpt = None,
    claim: ClaimOpt = None,
    importer: ImporterOpt = "US",
    loading_date: LoadingDateOpt = None,
    shipment: ShipmentOpt = None,
    transport: TransportOpt = None,
    postal_method: PostalMethodOpt = None,
    as_of: AsOfOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table | json | csv")] = "table",
    batch: BatchOpt = None,
    out: OutOpt = None,
    engine: Annotated[Engine, typer.Option("--engine", help=ENGINE_HELP)] = "embedded",
    spark_master: Annotated[str | None, typer.Option("--spark-master", help=MASTER_HELP)] = None,
) -> None:
    """The duty on an entry line, with each component, its Chapter 99 heading and its legal citation, and
    the claims not declared that would change it (each with the total if declared and what to prove)."""
    from tariffscope.resolver.api import resolve_one

    as_of_d = _checked_dates(out, batch, as_of, loading_date)
    if batch is not None:
        if importer.strip().upper() != "US":
            raise typer.BadParameter(
                "a batch is priced against the US catalogue only", param_hint="--importer"
            )
        _run_batch(batch, out, as_of_d, fmt, engine, spark_master)
        return
    if not hts or not origin or not date:
        raise options.fail(TariffscopeError("give HTS, --origin and --date (or --batch FILE)"))
    result = resolve_one(
        hts,
        origin,
        date,
        value=value,
        quantity=quantity,
        unit=unit,
        metal_share=metal_share,
        copper_share=copper_share,
        us_content=us_content,
        claim=claim,
        loading_date=loading_date,
        shipment=shipment,
        transport=transport,
        postal_method=postal_method,
        as_of=as_of_d,
        importer=importer,
    )
    _emit_rate(result, fmt)


def _checked_dates(
    out: str | None, batch: str | None, as_of: str | None, loading_date: str | None
) -> dt.date | None:
    """Refuse ``--out`` without ``--batch`` and malformed dates; return the ``--as-of`` date."""
    if out is not None and batch is None:
        raise typer.BadParameter("writes the output of --batch; give --batch FILE", param_hint="--out")
    as_of_d = date_option(as_of, "--as-of")
    if loading_date is not None:
        date_option(loading_date, "--loading-date")
    return as_of_d


def _run_batch(
    batch: str, out: str | None, as_of: dt.date | None, fmt: Format, engine: Engine, master: str | None
) -> None:
    """``rate --batch`` on the chosen engine."""
    if engine == "spark":
        _batch_spark(batch, out, as_of, master)
    else:
        _batch(Path(batch), None if out is None else Path(out), as_of, "csv" if fmt == "table" else fmt)


def _emit_rate(result: dict[str, Any], fmt: Format) -> None:
    """One priced line as JSON (the contract), CSV (a row per component) or a table for people."""
    if fmt == "json":
        emit_json(_contract(result))
    elif fmt == "csv":
        emit_frame(_components_frame(result), "csv")
    else:
        _print_rate(result)


HINT_COLUMNS = {
    "section": pl.String,
    "claim": pl.String,
    "claim_total_rate": pl.Float64,
    "claim_change": pl.Float64,
}
"""The CSV's columns after the components': the row's section (``component`` or ``claim_hint``) and, on a
hint row, the claim, the total with it declared and the change (the hint rows' ``rate`` is empty, so
the ``rate`` column still adds up to the total)."""


def _components_frame(r: dict[str, Any]) -> pl.DataFrame:
    """One CSV row per component (decimal rates), then one per claim that would change the duty; the
    line's keys and total repeated on each."""
    rows = [{k: c.get(k) for k in COMPONENT_KEYS} | {"section": "component"} for c in r["components"]]
    rows += [_hint_row(h) for h in _hints(r)]
    schema = {
        k: pl.Boolean if k in ("applied", "refundable") else pl.Float64 if k == "rate" else pl.String
        for k in COMPONENT_KEYS
    } | HINT_COLUMNS
    return pl.DataFrame(rows, schema=schema).select(
        pl.lit(r["hts10"]).alias("hts10"),
        pl.lit(r["origin"]).alias("origin"),
        pl.lit(r["date"]).alias("date"),
        pl.lit(r["total_rate"], dtype=pl.Float64).alias("total_rate"),
        pl.lit(r["duty_usd"], dtype=pl.Float64).alias("duty_usd"),
        pl.all(),
    )


def _hints(r: dict[str, Any]) -> list[dict[str, Any]]:
    """The lookup's claim hints, each knowing the currency of its duty (yen for Japan's tariff)."""
    return [{**h, "currency": r.get("currency", "USD")} for h in r.get("claim_hints", [])]


def _hint_row(h: dict[str, Any]) -> dict[str, Any]:
    """A claim hint as a CSV row: the rules it turns on, what it moves, and the fact to prove."""
    return {
        "measure": "; ".join(x["measure"] for x in h["rules"]),
        "heading": "; ".join(dict.fromkeys(x["heading"] for x in h["rules"] if x["heading"])),
        "reason": f"{_hint_effect(h)}; to prove: {h['condition']}",
        "citation": "; ".join(dict.fromkeys(x["citation"] for x in h["rules"])),
        "section": "claim_hint",
        "claim": h["claim"],
        "claim_total_rate": h["total_rate"],
        "claim_change": h["change"],
    }


def _hint_effect(h: dict[str, Any]) -> str:
    """'declaring auto_part raises the total to 52.5% (+25 pp): 9903.94.05 0% -> 25%'."""
    moves = ", ".join(
        f"{c['heading'] or c['measure']} {pct(c['rate'])} -> {pct(c['rate_with_claim'])}"
        for c in h["changes"]
    )
    cur = h.get("currency", "USD")
    amount = (
        None
        if h["duty_usd"] is None
        else f"${h['duty_usd']:,.2f}"
        if cur == "USD"
        else f"{h['duty_usd']:,.0f} {cur}"
    )
    duty = "" if amount is None else f", duty {amount}"
    return f"declaring {h['claim']} {h['effect']} the total to {pct(h['total_rate'])} ({pp(h['change'])}{duty}): {moves}"


def _print_hints(r: dict[str, Any]) -> None:
    """The claims the entry did not make that would change its duty (none: say it was checked)."""
    hints = _hints(r)
    if not hints:
        console.print("[dim]No claim the entry could still declare would change this duty.[/]")
        return
    console.print(
        "[bold]Claims that would change this duty[/] (declare with --claim NAME only if its facts hold):"
    )
    t = Table(show_lines=True, expand=True)
    t.add_column("claim", no_wrap=True)
    t.add_column("total", justify="right", no_wrap=True)
    t.add_column("what it changes, the rule it turns on, what must be proved", ratio=1, overflow="fold")
    for h in hints:
        rules = "; ".join(
            f"{x['heading'] or ''} {x['measure']} ({x['citation']})".strip() for x in h["rules"]
        )
        text = f"{_hint_effect(h)}\n[dim]turns on {rules}[/]\nto prove: {h['condition']}"
        t.add_row(h["claim"], f"{pct(h['total_rate'])}\n{pp(h['change'])}", text)
    console.print(t)


def _contract(r: dict[str, Any]) -> dict[str, Any]:
    """The JSON contract of ``tariffscope rate --format json``."""
    return RateResult.from_record(r).to_dict()


def _print_rate(r: dict[str, Any]) -> None:
    from tariffscope.schedule.hts import format_hts

    head = f"[bold]{format_hts(r['hts10'])}[/] from [bold]{r['origin']}[/] entered {r['date']}"
    if r.get("importer"):
        head += f" into [bold]{r['importer']}[/] (values in {r['currency']})"
    if r["as_of"]:
        head += f" (law as known on {r['as_of']})"
    console.print(head)
    if r.get("description"):
        console.print(f"[dim]{r['description'][:160]}[/]")
    t = Table(show_lines=False, expand=True)
    t.add_column("heading", no_wrap=True)
    t.add_column("rate", justify="right", no_wrap=True)
    t.add_column("", no_wrap=True)
    t.add_column("measure, why, citation", ratio=1, overflow="fold")
    for c in r["components"]:
        mark = "[green]✓[/]" if c["applied"] else "[dim]✗[/]"
        basis = "" if c["basis"] == "value" else f" [dim](on {c['basis']})[/]"
        text = f"[bold]{c['measure']}[/]{basis}\n{c['reason']}\n[dim]{c['citation']}[/]"
        t.add_row(c["heading"] or "(base)", pct(c["rate"]), mark, text)
    console.print(t)
    line = f"[bold]Total: {pct(r['total_rate'])}[/]"
    if not r["total_complete"] and r.get("importer"):
        line += (
            " [yellow]+ the base rate, not a number without value and quantity (see above), not included[/]"
        )
    elif not r["total_complete"]:
        line += " [yellow]+ the MFN rate by reference (not a number, not included)[/]"
    if r["duty_usd"] is not None:
        cur = r.get("currency", "USD")
        line += f"   duty: ${r['duty_usd']:,.2f}" if cur == "USD" else f"   duty: {r['duty_usd']:,.0f} {cur}"
    if r["refundable_rate"]:
        line += f"   [yellow]refundable (IEEPA, Learning Resources v. Trump): {pct(r['refundable_rate'])}[/]"
    console.print(line)
    lc = r["landed_cost"]
    if lc:
        fees = lc["fees"]
        console.print(
            f"{lc['shipment']} entry by {lc['transport']}: duty owed ${lc['duty_owed_usd']:,.2f}"
            f" + fees ${fees['total_usd']:,.2f} (MPF ${fees['mpf_usd']:,.2f}, HMF ${fees['hmf_usd']:,.2f})"
            f" = [bold]landed ${lc['landed_cost_usd']:,.2f}[/] on value ${lc['value_usd']:,.2f}"
        )
        console.print(f"[dim]{lc['de_minimis']}; {'; '.join(lc['notes'])}[/]")
    _print_hints(r)


def _batch(path: Path, out: Path | None, as_of: dt.date | None, fmt: Format = "csv") -> None:
    """Price a file of entry lines: every row gets a status; rows that cannot be priced exit 1.

    A CSV is read with :func:`~tariffscope.resolver.inputs.read_batch_csv` (a blank line is a
    reported row); Parquet by extension.
    """
    from concurrent.futures import ThreadPoolExecutor

    from tariffscope.resolver.context import default_context
    from tariffscope.resolver.executor import price_rows

    with ThreadPoolExecutor(max_workers=1) as pool:
        # the catalogue and schedule load while the file is read (Polars reads without the GIL)
        context = pool.submit(default_context)
        rows = _read_batch(path)
        ctx = context.result()
    try:
        priced = price_rows(rows, context=ctx, as_of=as_of)
    except ValueError as exc:
        raise options.fail(TariffscopeError(f"{path}: {exc}")) from None
    emit_frame(priced.table, fmt, out)
    failures = [(r + 1, s) for r, s in priced.failed.head(MAX_REPORTED).iter_rows()]
    _report(priced.table.height, priced.failed.height, failures)


def _read_batch(path: Path) -> pl.DataFrame:
    """The rows of a batch file (Parquet by extension, else CSV); a clear error when unreadable."""
    from tariffscope.resolver.inputs import BatchFileError, read_batch_csv

    try:
        parquet = path.suffix.lower() in (".parquet", ".pq")
        return pl.read_parquet(path) if parquet else read_batch_csv(path)
    except BatchFileError as exc:
        raise options.fail(TariffscopeError(f"{path}: {exc}")) from None
    except OSError as exc:
        raise options.fail(
            TariffscopeError(f"{path}: cannot read the batch file: {exc.strerror or exc}")
        ) from None
    except pl.exceptions.PolarsError as exc:
        raise options.fail(TariffscopeError(f"{path}: cannot read the batch file: {exc}")) from None


MAX_REPORTED = 20
"""Failed rows listed on the terminal (all are in the output's ``status`` column)."""


def _report(n: int, n_bad: int, first: list[tuple[int, str]]) -> None:
    """The batch summary on stderr (the same for every engine); exit 1 when a line failed."""
    err_console.print(f"{n - n_bad} of {n} lines priced; {n_bad} failed", soft_wrap=True)
    for row, status in first[:MAX_REPORTED]:
        err_console.print(f"  row {row}: {status.removeprefix('error: ')}", soft_wrap=True)
    if n_bad > MAX_REPORTED:
        err_console.print(f"  ... and {n_bad - MAX_REPORTED} more (see the status column)", soft_wrap=True)
    if n_bad:
        raise typer.Exit(code=1)


def _batch_spark(src: str, out: str | None, as_of: dt.date | None, master: str | None) -> None:
    """``rate --batch`` on Spark: read, price per partition, write ``out`` (a directory of part files)."""
    if out is None:
        raise options.fail(
            TariffscopeError("--engine spark writes its result with Spark: give --out (a path or URI)")
        )
    try:
        from tariffscope.scale import spark as sp

        report = sp.rate_batch(sp.session(master), src, out, as_of=as_of)
    except ValueError as exc:
        raise options.fail(TariffscopeError(f"{src}: {exc}")) from None
    _report(report.rows, report.failed, report.first_failures)


def timeline(
    hts: Annotated[str, typer.Argument(help="HTS code")],
    origin: Annotated[str, typer.Option("--origin", "-o")],
    date_from: Annotated[str, typer.Option("--from")] = "2025-01-01",
    date_to: Annotated[str, typer.Option("--to")] = "2026-12-31",
    as_of: Annotated[str | None, typer.Option("--as-of")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f")] = "table",
) -> None:
    """Every change point of a product's duty from one origin, with what changed and why."""
    from tariffscope.resolver.timeline import product_timeline

    start, end = options.date_span(date_from, date_to, ("--from", "--to"))
    df = product_timeline(hts, origin, start, end, as_of=date_option(as_of, "--as-of"))
    emit_frame(df, fmt, title=f"{hts} from {origin}", percent_cols=("total_rate", "change"))


def panel(
    date: Annotated[str | None, typer.Option("--date", "-d", help="entry date")] = None,
    out: Annotated[
        str, typer.Option(help="Parquet file to write (a path or URI for Spark)")
    ] = "panel.parquet",
    all_revisions: Annotated[
        bool, typer.Option("--all-revisions", help="one panel per HTS revision date")
    ] = False,
    date_from: Annotated[
        str | None, typer.Option("--from", help="daily panels from this date (with --to)")
    ] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="last date of the daily panels")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of")] = None,
    engine: Annotated[Engine, typer.Option("--engine", help=ENGINE_HELP)] = "embedded",
    spark_master: Annotated[str | None, typer.Option("--spark-master", help=MASTER_HELP)] = None,
) -> None:
    """All HTS10 lines x all countries: the statutory rates of a date (or of every revision, or of every
    day of a range), as Parquet. Several dates are written partitioned by date (out/date=YYYY-MM-DD/)."""
    from rich.progress import Progress

    from tariffscope.resolver.panel import panel_on, write_panel_all_revisions

    days = _panel_days(date, date_from, date_to, all_revisions)
    as_of_d = date_option(as_of, "--as-of")
    if engine == "spark":
        from tariffscope.scale import spark as sp

        n_rows = sp.write_panel(sp.session(spark_master), days, out, as_of=as_of_d)
    elif days is not None and len(days) > 1:
        n_rows = _write_daily(days, Path(out), as_of_d)
    elif all_revisions:
        with Progress(console=err_console) as bar:
            task = bar.add_task("revisions", total=None)

            def tick(i: int, n: int, d: dt.date) -> None:
                bar.update(task, completed=i, total=n, description=f"revision of {d}")

            n_rows = write_panel_all_revisions(Path(out), as_of=as_of_d, progress=tick)
    else:
        assert days is not None
        df = panel_on(days[0], as_of=as_of_d)
        df.write_parquet(out, compression="zstd")
        n_rows = df.height
    err_console.print(f"wrote {out}: {n_rows:,} rows")


def _panel_days(
    date: str | None, date_from: str | None, date_to: str | None, all_revisions: bool
) -> list[dt.date] | None:
    """The panel's dates: one, every day of --from..--to, or None for every revision."""
    given = sum([date is not None, date_from is not None or date_to is not None, all_revisions])
    if given != 1:
        raise TariffscopeError("give one of --date, --from/--to or --all-revisions")
    if all_revisions:
        return None
    if date is not None:
        return [options.entry_date(date, "--date")]
    if date_from is None or date_to is None:
        raise TariffscopeError("a daily panel needs both --from and --to")
    start, end = options.date_span(date_from, date_to, ("--from", "--to"))
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def _write_daily(days: list[dt.date], out: Path, as_of: dt.date | None) -> int:
    """Daily panels on this machine, one Parquet file per day under ``out/date=YYYY-MM-DD/``."""
    import shutil

    from tariffscope.resolver.panel import panel_on

    if out.is_dir():
        if any(not p.name.startswith("date=") for p in out.iterdir()):
            raise TariffscopeError(f"{out} is a folder that is not a daily panel: not replacing it")
        shutil.rmtree(out)
    elif out.exists():
        out.unlink()
    total = 0
    for day in days:
        part = out / f"date={day}"
        part.mkdir(parents=True)
        df = panel_on(day, as_of=as_of)
        df.drop("date").write_parquet(part / "part-0.parquet", compression="zstd")
        total += df.height
    return total


def register(app: typer.Typer) -> None:
    """Add this area's commands to the app."""
    app.command(epilog=_claim_epilog())(rate)
    app.command()(timeline)
    app.command()(panel)
