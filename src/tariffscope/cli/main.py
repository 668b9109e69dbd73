"""The ``tariffscope`` command: one Typer app, one module per area registering its commands."""

from __future__ import annotations

import typer

from tariffscope.cli import (
    analytics_cmds,
    data_cmds,
    etr_cmds,
    ge_cmds,
    measures_cmds,
    pe_cmds,
    rate_cmds,
    scenario_cmds,
    security_cmds,
    serve_cmds,
)
from tariffscope.cli.options import user_errors

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
    etr_cmds,
    analytics_cmds,
    scenario_cmds,
    pe_cmds,
    ge_cmds,
    security_cmds,
    serve_cmds,
):
    module.register(app)


def _guard(t: typer.Typer) -> None:
    """Every command, in sub-apps too, reports user errors without a traceback."""
    for cmd in t.registered_commands:
        if cmd.callback is not None:
            cmd.callback = user_errors(cmd.callback)
    for group in t.registered_groups:
        if group.typer_instance is not None:
            _guard(group.typer_instance)


_guard(app)


if __name__ == "__main__":  # pragma: no cover
    app()
