"""CLI commands: ``tariffscope data import | pull | status``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from tariffscope.cli.options import DbOpt
from tariffscope.errors import NetworkUnreachable, TariffscopeError
from tariffscope.trade.formats import FORMATS

data_app = typer.Typer(
    help="Load trade data into the local store and see what is loaded.", no_args_is_help=True
)

FORMAT_CHOICES = ("auto", *FORMATS)

def _console() -> Console:
    return Console(stderr=False, highlight=False)


def _progress(console: Console) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def _issues_table(issues: object, limit: int = 10) -> Table:
    import polars as pl

    assert isinstance(issues, pl.DataFrame)
    t = Table(
        "row",
        "field",
        "value",
        "reason",
        "action",
        title=f"first {min(limit, issues.height)} of {issues.height} issues",
    )
    for r in issues.head(limit).iter_rows():
        t.add_row(*("" if v is None else str(v) for v in r))
    return t


@data_app.command("import")
def import_cmd(
    path: Annotated[Path, typer.Argument(help="A trade-data file (or a folder of CA/MX monthly files).")],
    fmt: Annotated[str, typer.Option("--format", help="|".join(FORMAT_CHOICES))] = "auto",
    db: DbOpt = None,
) -> None:
    """Load a trade-data file into the store. Exits non-zero if any row was skipped or the load failed."""
    from tariffscope.trade.store import TradeStore

    console = _console()
    if fmt not in FORMAT_CHOICES:
        console.print(f"[red]error:[/red] unknown format {fmt!r}; choose one of {', '.join(FORMAT_CHOICES)}")
        raise typer.Exit(code=2)
    with TradeStore(db) as store, _progress(console) as progress:
        task = progress.add_task(f"importing {path.name}", total=2)
        progress.update(task, description=f"parsing {path.name}")
        outcome, result = store.load_file(path, fmt, on_staged=lambda: progress.update(task, advance=1))
        progress.update(task, completed=2, description=f"stored {path.name}")
        issues = store.issues(outcome.load_id)
        store_path = store.path
    if outcome.status == "unchanged":
        console.print(
            f"{path}: already loaded (load {outcome.load_id}, same SHA-256: {outcome.rows:,} rows, "
            f"{outcome.skipped:,} skipped then); nothing to do"
        )
        return
    else:
        console.print(
            f"{path}: {outcome.status} as load {outcome.load_id} ({result.fmt if result else fmt}): "
            f"{outcome.rows:,} rows loaded, {outcome.skipped:,} skipped, {outcome.cleaned:,} values cleaned",
            soft_wrap=True,
        )
        console.print(
            f"[dim]store {store_path}; to weight etr, exposure, rank, report or scenarios by these imports, "
            f"pass --db {store_path} (the shipped 2024 weights are used otherwise)[/]",
            soft_wrap=True,
        )
    if issues.height:
        console.print(_issues_table(issues))
    if outcome.skipped:
        raise typer.Exit(code=1)


@data_app.command("pull")
def pull_cmd(
    census_key: Annotated[
        str | None, typer.Option("--census-key", envvar="CENSUS_API_KEY", help="Census API key.")
    ] = None,
    year: Annotated[int, typer.Option("--year", help="Statistical year.")] = dt.date.today().year - 1,
    months: Annotated[str | None, typer.Option("--months", help="e.g. 1-6 or 1,2,3 (default: all).")] = None,
    hts_revisions: Annotated[
        list[str] | None, typer.Option("--hts-revisions", help="HTS revisions to download, e.g. 2026_rev_3.")
    ] = None,
    db: DbOpt = None,
    cache_dir: Annotated[
        Path | None, typer.Option("--cache-dir", help="Where downloaded pages are kept (resumable).")
    ] = None,
    no_trade: Annotated[bool, typer.Option("--no-trade", help="Only download HTS revisions.")] = False,
) -> None:
    """Download imports by HTS10 × country × month from the Census API (and HTS revisions) into the store."""
    from tariffscope.paths import user_home
    from tariffscope.trade.census_api import CensusClient, parse_months, pull_month
    from tariffscope.trade.store import TradeStore

    console = _console()
    failures = 0
    if hts_revisions:
        from tariffscope.schedule.pull import pull_hts

        dest = user_home() / "hts"
        with _progress(console) as progress:
            task = progress.add_task("HTS revisions", total=len(hts_revisions))
            for rev in hts_revisions:
                paths = pull_hts(dest, [rev])
                progress.update(task, advance=1, description=f"HTS {rev}")
                for p in paths:
                    console.print(f"HTS {rev}: {p.name}")
    if not no_trade:
        month_list = parse_months(months)
        cache = cache_dir or (user_home() / "census")
        with TradeStore(db) as store, CensusClient(census_key) as api, _progress(console) as progress:
            task = progress.add_task(f"Census {year}", total=len(month_list))
            for m in month_list:
                progress.update(task, description=f"Census {year}-{m:02d}: downloading")
                try:
                    pages = pull_month(api, cache, year, m)
                except NetworkUnreachable:
                    raise  # the other months would fail the same way
                except TariffscopeError as e:
                    console.print(f"[red]{year}-{m:02d} failed:[/red] {e}")
                    failures += 1
                    progress.update(task, advance=1)
                    continue
                rows = skipped = 0
                for page in pages:
                    progress.update(task, description=f"Census {year}-{m:02d}: storing {page.path.name}")
                    try:
                        outcome, _ = store.load_file(
                            page.path, "census-json", retrieved_at=page.retrieved_at
                        )
                    except TariffscopeError as e:
                        console.print(f"[red]{year}-{m:02d} {page.path.name} not stored:[/red] {e}")
                        failures += 1
                        continue
                    rows += outcome.rows
                    skipped += outcome.skipped
                failures += 1 if skipped else 0
                progress.update(task, advance=1)
                console.print(f"{year}-{m:02d}: {len(pages)} page(s), {rows:,} rows, {skipped:,} skipped")
    if failures:
        raise typer.Exit(code=1)


@data_app.command("status")
def status_cmd(db: DbOpt = None) -> None:
    """What is loaded in the store, and the provenance of every load."""
    from tariffscope.trade.store import TradeStore

    console = _console()
    with TradeStore(db, read_only=True) as store:
        prov = store.provenance()
        status = store.status()
        path = store.path
    console.print(f"store: {path}")
    t = Table(
        "measure", "level", "freq", "year", "rows", "partners", "codes", "value (USD bn)", title="loaded data"
    )
    for r in status.iter_rows(named=True):
        t.add_row(
            r["measure"],
            str(r["level"]),
            r["freq"],
            str(r["year"]),
            f"{r['rows']:,}",
            str(r["partners"]),
            f"{r['codes']:,}",
            f"{(r['value_usd'] or 0) / 1e9:,.2f}",
        )
    console.print(t)
    p = Table(
        "load", "source", "format", "retrieved", "loaded", "sha256", "rows", "skipped", title="provenance"
    )
    for r in prov.iter_rows(named=True):
        p.add_row(
            str(r["load_id"]),
            Path(r["source"]).name if "/" in r["source"] else r["source"],
            r["format"],
            str(r["retrieved_at"])[:19],
            str(r["loaded_at"])[:19],
            r["sha256"][:12],
            f"{r['rows']:,}",
            f"{r['skipped']:,}",
        )
    console.print(p)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the app."""
    app.add_typer(data_app, name="data")
