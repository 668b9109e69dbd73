"""The ``tariffscope`` command: one Typer app, one module per area registering its commands."""

from __future__ import annotations

import typer

from tariffscope.cli import (
    analytics_cmds,
    data_cmds,
    ge_cmds,
    measures_cmds,
    pe_cmds,
    rate_cmds,
    scenario_cmds,
    security_cmds,
    serve_cmds,
)

app = typer.Typer(
    name="tariffscope",
    help="The US tariff regime as executable, dated, cited data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main() -> None:
    """tariffscope: duties, effective tariff rates, scenarios and their economics."""


@app.command()
def version() -> None:
    """Print the tariffscope version."""
    from tariffscope import __version__

    typer.echo(__version__)


for module in (
    rate_cmds,
    measures_cmds,
    data_cmds,
    analytics_cmds,
    scenario_cmds,
    pe_cmds,
    ge_cmds,
    security_cmds,
    serve_cmds,
):
    module.register(app)


if __name__ == "__main__":  # pragma: no cover
    app()
