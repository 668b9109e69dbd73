"""CLI commands: ge (structural gravity general equilibrium)."""

from __future__ import annotations

import importlib
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
            "real wage %",
        ):
            t.add_column(col, justify="right" if col != "region" else "left")
        for r in part.iter_rows(named=True):
            t.add_row(
                r["region"],
                f"{r['welfare_change_pct']:+.3f}",
                f"{r['terms_of_trade_pct']:+.3f}",
                f"{r['volume_of_trade_pct']:+.3f}",
                f"{r['real_income_change_pct']:+.3f}",
                f"{r['real_wage_change_pct']:+.3f}",
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
        for col in ("country", "welfare %", "real GDP %", "factory-gate price %", "exports %", "imports %"):
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
) -> None:
    """Solve a GE experiment from a config, a bundled example or a tariff scenario."""
    from tariffscope.errors import TariffscopeError
    from tariffscope.models.ge import config as cfgmod

    if fmt not in ("table", "json"):
        typer.echo(f"error: --format must be 'table' or 'json' (got {fmt!r})", err=True)
        raise typer.Exit(2)
    chosen = [x for x in (config, example, scenario) if x]
    if len(chosen) != 1:
        typer.echo("error: give exactly one of CONFIG, --example NAME or --scenario NAME", err=True)
        raise typer.Exit(2)
    try:
        if scenario:
            res = _run_scenario(scenario)
        else:
            path = cfgmod.example_path(example) if example else config
            res = cfgmod.run_config(path)
    except TariffscopeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from exc
    _emit(res, fmt, top)


def _run_scenario(name: str) -> Any:
    from tariffscope.errors import TariffscopeError
    from tariffscope.models.ge.us import us_tariff_counterfactual

    try:
        scen = importlib.import_module("tariffscope.scenarios")
        hook = scen.etr_by_partner
    except (ImportError, AttributeError) as exc:
        raise TariffscopeError(
            "tariff scenarios are not available yet (tariffscope.scenarios.etr_by_partner is missing); "
            "use a CONFIG or --example instead"
        ) from exc
    on = scen.scenario_date(name)
    base = hook("baseline", on)
    target = hook(name, on)
    return us_tariff_counterfactual(base, target, name=name)


@ge_app.command("examples")
def examples() -> None:
    """List the bundled example configs."""
    from tariffscope.models.ge.config import list_examples

    for name in list_examples():
        typer.echo(name)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the app."""
    app.add_typer(ge_app, name="ge")
