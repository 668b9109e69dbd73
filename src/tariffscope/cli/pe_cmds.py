"""CLI commands: pe (partial-equilibrium models on user data): ``tariffscope pe gsim FILE|EXAMPLE``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from tariffscope.cli import options
from tariffscope.cli.output import Format, emit_frame, emit_json, err_console

pe_app = typer.Typer(help="Partial-equilibrium trade models on your own flows (GSIM).")

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "models" / "pe" / "examples"
GSIM_EXAMPLES = {"gsim-4x4-us-eu": "gsim_4x4_us_eu.csv"}


@pe_app.command("gsim")
def gsim(
    source: Annotated[str, typer.Argument(help=f"flow CSV, or an example: {', '.join(GSIM_EXAMPLES)}")],
    em: Annotated[
        float, typer.Option(help="composite import-demand elasticity (< 0)", callback=options.finite_cb)
    ] = -1.25,
    es: Annotated[
        float, typer.Option(help="substitution elasticity between sources (> 0)", callback=options.finite_cb)
    ] = 5.0,
    ex: Annotated[
        float,
        typer.Option(
            help="export-supply elasticity (>= 0; 'inf' for fixed world prices)", callback=options.not_nan_cb
        ),
    ] = 1.5,
    exact: Annotated[
        bool, typer.Option(help="solve the nonlinear CES system instead of the linear GSIM")
    ] = False,
    fmt: Annotated[Format, typer.Option("--format", help="table | json | csv")] = "table",
    flows: Annotated[bool, typer.Option(help="print every flow instead of the per-region summary")] = False,
    out: Annotated[Path | None, typer.Option(help="write to a file (.parquet by extension)")] = None,
) -> None:
    """GSIM (Francois & Hall 2003): global market clearing for one or more products.

    FILE has columns product (optional), exporter, importer, flow_usd, t0, t1 (decimal tariffs before and after)
    and optional em/es/ex per row. Prints world-price changes, trade and the welfare split per region.
    Bad rows are reported by line and field and skipped; the exit code is then 1.
    """
    from tariffscope.models.pe.gsim_table import load_gsim_csv, run_gsim_table

    path = EXAMPLES_DIR / GSIM_EXAMPLES[source] if source in GSIM_EXAMPLES else Path(source)
    try:
        table, skipped = load_gsim_csv(path)
        res = run_gsim_table(table, em=em, es=es, ex=ex, exact=exact, skipped=skipped)
    except ValueError as exc:  # ModelInputError / ConvergenceError from the solvers
        raise options.fail(exc) from None
    if fmt == "json" and not flows:
        emit_json(res.to_json(), out)
    elif flows:
        emit_frame(
            res.flows,
            fmt,
            out,
            title="GSIM flows (world prices)",
            usd_cols=("flow0_usd", "flow1_usd", "change_usd"),
        )
    elif fmt == "csv":
        emit_frame(res.regions, fmt, out)
    else:
        names = {
            "region": "region",
            "export_price_change": "world price",
            "exports0_usd": "exports",
            "exports1_usd": "exports after",
            "composite_price_change": "import price",
            "producer_surplus_usd": "PS",
            "consumer_surplus_usd": "CS",
            "tariff_revenue_change_usd": "tariff rev.",
            "welfare_change_usd": "welfare",
        }
        view = res.regions.select([pl.col(k).alias(v) for k, v in names.items()])
        emit_frame(
            view,
            "table",
            out,
            title=f"GSIM, {res.model}: Em={em}, Es={es}, Ex={ex} (changes; PS as exporter, CS and revenue as importer)",
            percent_cols=("world price", "import price"),
            usd_cols=tuple(view.columns[2:4]) + tuple(view.columns[5:]),
        )
    for msg in res.warnings:
        err_console.print(f"[yellow]warning:[/] {msg}")
    for msg in res.skipped:
        err_console.print(f"[yellow]skipped:[/] {msg}")
    if res.skipped:
        err_console.print(f"{len(res.skipped)} row(s) skipped; results use the remaining {res.flows.height}")
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the app."""
    app.add_typer(pe_app, name="pe")
