"""CLI commands: ge (structural gravity general equilibrium)."""

from __future__ import annotations

import json
from typing import Any

import typer

ge_app = typer.Typer(help="General-equilibrium structural gravity: counterfactual trade, GDP and welfare.")


def _emit_cp(res: Any, top: int) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    df = res.regions.sort("welfare_change_pct", descending=True)
    for title, part in (("Winners", df.head(top)), ("Losers", df.tail(top).reverse())):
        t = Table(title=f"{title} (welfare = terms of trade + volume of trade, % of income; Caliendo-Parro)")
        for col in (
            "region",
            "welfare %",
            "terms of trade %",
            "volume of trade %",
            "real income %",
            "real GDP (VA) %",
        ):
            t.add_column(col, justify="right" if col != "region" else "left")
        for r in part.iter_rows(named=True):
            t.add_row(
                r["region"],
                f"{r['welfare_change_pct']:+.3f}",
                f"{r['terms_of_trade_pct']:+.3f}",
                f"{r['volume_of_trade_pct']:+.3f}",
                f"{r['real_income_change_pct']:+.3f}",
                f"{r['real_gdp_va_change_pct']:+.3f}",
            )
        console.print(t)
    for c in res.convergence:
        console.print(f"{c.system}: converged in {c.iterations} iterations, residual {c.residual:.1e}")


def _emit(res: Any, fmt: str, top: int) -> None:
    is_cp = getattr(res, "method", "") == "caliendo-parro"
    if fmt == "json":
        rows = res.rows() if is_cp else res.gegravity_rows()
        typer.echo(json.dumps({"rows": rows, **res.to_dict()}, default=float))
        return
    if is_cp:
        _emit_cp(res, top)
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    df = res.countries.sort("welfare_change_pct", descending=True)
    for title, part in (("Winners", df.head(top)), ("Losers", df.tail(top).reverse())):
        t = Table(title=f"{title} (welfare = real expenditure change)")
        for col in (
            "country",
            "welfare %",
            "real gross output %",
            "factory-gate price %",
            "exports %",
            "imports %",
        ):
            t.add_column(col, justify="right" if col != "country" else "left")
        for r in part.iter_rows(named=True):
            t.add_row(
                r["country"],
                f"{r['welfare_change_pct']:+.4f}",
                f"{r['gdp_change_pct']:+.4f}",
                f"{r['factory_gate_price_change_pct']:+.4f}",
                f"{r['foreign_exports_change_pct']:+.3f}",
                f"{r['foreign_imports_change_pct']:+.3f}",
            )
        console.print(t)
    for c in res.convergence:
        console.print(f"{c.system}: converged in {c.iterations} iterations, residual {c.residual:.1e}")


@ge_app.command("run")
def run(
    config: str = typer.Argument(None, help="YAML config (data, sigma, reference, cost, experiment)."),
    example: str = typer.Option(None, "--example", help="Run a bundled example config by name."),
    scenario: str = typer.Option(None, "--scenario", help="A tariff scenario name: US tariffs by partner."),
    fmt: str = typer.Option("table", "--format", help="table or json."),
    top: int = typer.Option(5, "--top", help="Rows of winners and losers to print."),
    against: str = typer.Option(
        "baseline", "--against", help="with --scenario: the alternative ('baseline': the law of 2025-01-01)"
    ),
) -> None:
    """Solve a GE experiment from a config, a bundled example or a tariff scenario."""
    from tariffscope.models.ge import config as cfgmod

    if fmt not in ("table", "json"):
        typer.echo(f"error: --format must be 'table' or 'json' (got {fmt!r})", err=True)
        raise typer.Exit(2)
    chosen = [x for x in (config, example, scenario) if x]
    if len(chosen) != 1:
        typer.echo("error: give exactly one of CONFIG, --example NAME or --scenario NAME", err=True)
        raise typer.Exit(2)
    if scenario:
        _emit_scenario(_run_scenario(scenario, against), fmt, top)
        return
    else:
        path = cfgmod.example_path(example) if example else config
        res = cfgmod.run_config(path)
    _emit(res, fmt, top)


def _emit_scenario(res: Any, fmt: str, top: int) -> None:
    """A scenario's GE rows: central sigma and the range over the sigma band."""
    rows = res.rows()
    if fmt == "json":
        typer.echo(
            json.dumps(
                {
                    "scenario": res.scenario,
                    "against": res.against,
                    "date": res.date.isoformat(),
                    "baseline": res.baseline_date.isoformat(),
                    "rows": rows,
                    "meta": res.meta,
                },
                default=float,
            )
        )
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    rows = sorted(rows, key=lambda r: -r["welfare_change_pct"])
    for title, part in (("Winners", rows[:top]), ("Losers", rows[::-1][:top])):
        t = Table(
            title=f"{title}: {res.scenario} against {res.against} ({res.date}; baseline {res.baseline_date}); "
            f"% changes, central sigma {res.meta['sigmas']['central']:g} and range over sigma "
            f"{res.meta['sigmas']['low']:g}-{res.meta['sigmas']['high']:g}"
        )
        for col in ("country", "welfare %", "range", "real GDP %", "range "):
            t.add_column(col, justify="left" if col == "country" else "right")
        for r in part:
            va = r.get("real_gdp_va_change_pct") is not None
            key = "real_gdp_va_change_pct" if va else "real_gross_output_change_pct"
            w, g = r["range"]["welfare_change_pct"], r["range"][key]
            t.add_row(
                r["country"],
                f"{r['welfare_change_pct']:+.3f}",
                f"{w[0]:+.3f}…{w[1]:+.3f}",
                f"{r['gdp_change_pct']:+.3f}" + ("" if va else "*"),
                f"{g[0]:+.3f}…{g[1]:+.3f}",
            )
        console.print(t)
    console.print(
        "real GDP: value added from the multisector model (Caliendo & Parro 2015 data, 30 economies); "
        "* gross output from the one-sector model, which includes intermediate inputs (about 1.8x GDP), "
        "so its % change understates one of GDP"
    )


def _run_scenario(name: str, against: str) -> Any:
    from tariffscope.scenarios.ge import scenario_ge

    return scenario_ge(name, against=against)


@ge_app.command("examples")
def examples() -> None:
    """List the bundled example configs."""
    from tariffscope.models.ge.config import list_examples

    for name in list_examples():
        typer.echo(name)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the app."""
    app.add_typer(ge_app, name="ge")
