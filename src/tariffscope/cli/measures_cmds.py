"""CLI: ``measures list`` and ``measures show``: the catalogue, with its citations."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from tariffscope.catalogue.jurisdiction import registry
from tariffscope.catalogue.listing import measures_frame
from tariffscope.catalogue.loader import default_catalogue
from tariffscope.catalogue.schema import Measure
from tariffscope.cli import options
from tariffscope.cli.output import Format, console, emit_frame, emit_json, pct
from tariffscope.errors import TariffscopeError

measures_app = typer.Typer(
    help="The measure catalogue: the law as data, with citations.", no_args_is_help=True
)


@measures_app.command("list")
def list_measures(
    authority: Annotated[str | None, typer.Option(help=", ".join(registry().authority_ids))] = None,
    origin: Annotated[str | None, typer.Option(help="only rules covering this country")] = None,
    on: Annotated[
        str | None, typer.Option("--on", help="only rules in force on this date (rate shown)")
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f")] = "table",
) -> None:
    """List the catalogue's rules (one Chapter 99 heading each)."""
    on_d = options.optional_entry_date(on, "--on")
    if origin is not None:
        origin = options.partner(origin, "--origin")
    try:
        df = measures_frame(default_catalogue(), authority, origin, on_d)
    except (TariffscopeError, ValueError) as exc:
        raise options.fail(exc) from None
    if df.height == 0:
        console.print("no rules match")
        return
    # narrow terminals keep the rule, heading, rate and dates, and leave out the rest first
    emit_frame(df, fmt, percent_cols=("rate",), drop=("title", "countries", "authority", "kind"))


def _show(m: Measure) -> None:
    console.print(f"[bold]{m.id}[/]: {m.title}  [dim]({m.authority})[/]")
    if m.summary:
        console.print(m.summary.strip())
    if m.uncertain:
        console.print(f"[yellow]uncertain:[/] {m.uncertain}")
    if m.refundable:
        console.print(f"[yellow]refundable from {m.refundable.from_}:[/] {m.refundable.cite}")
    t = Table(title="instruments")
    for c in ("id", "type", "title", "signed", "FR"):
        t.add_column(c)
    for i in m.instruments:
        t.add_row(i.id, i.type, i.title or "", str(i.signed or ""), i.fr or "")
    console.print(t)
    for r in m.rules:
        console.print(
            f"\n[bold]{r.id}[/] {r.heading or ''} — {r.title} [dim]kind={r.kind} basis={r.basis}[/]"
        )
        steps = Table(show_header=True)
        for c in ("from", "rate", "cite", "recorded", "superseded"):
            steps.add_column(c)
        for s in r.steps:
            steps.add_row(
                str(s.from_),
                "ends" if s.rate is None else pct(s.rate),
                s.cite,
                str(s.recorded or ""),
                str(s.superseded or ""),
            )
        console.print(steps)
        for ex in r.excludes:
            console.print(f"  excludes {ex.target}" + (f"  [dim]{ex.cite}[/]" if ex.cite else ""))
        if r.uncertain:
            console.print(f"  [yellow]uncertain:[/] {r.uncertain}")


@measures_app.command("show")
def show_measure(
    measure_id: Annotated[
        str, typer.Argument(help="measure id (us.s232.autos) or rule id (us.s232.autos/vehicles)")
    ],
    fmt: Annotated[Format, typer.Option("--format", "-f")] = "table",
) -> None:
    """Show a measure: instruments, rules, dated rates, stacking relations and citations."""
    cat = default_catalogue()
    mid = measure_id.split("/")[0]
    m = cat.measures.get(mid)
    if m is None:
        close = [k for k in cat.measures if mid.split(".")[-1] in k][:5]
        raise options.fail(
            TariffscopeError(f"no measure {mid!r}" + (f"; did you mean {', '.join(close)}?" if close else ""))
        )
    if fmt == "json":
        emit_json(m.model_dump(mode="json", by_alias=True))
    else:
        _show(m)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the app."""
    app.add_typer(measures_app, name="measures")
