"""CLI: ``serve``, the local web workbench and REST API over the same engine."""

from __future__ import annotations

from typing import Annotated

import typer


def serve(
    host: Annotated[str, typer.Option(help="address to listen on (loopback by default)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port")] = 8000,
    warm: Annotated[
        bool, typer.Option("--warm/--no-warm", help="load the catalogue and schedule before serving")
    ] = True,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "warning",
) -> None:
    """Start the web workbench: rate lookup, partner dashboard, scenario lab, packages, measures.

    The pages are at http://HOST:PORT/, the REST API under /api, its OpenAPI schema at /openapi.json.
    """
    import uvicorn

    from tariffscope.web.app import create_app

    app = create_app(warm=warm)
    typer.echo(f"tariffscope workbench on http://{host}:{port}/  (API schema: /openapi.json; Ctrl-C stops)")
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the app."""
    app.command()(serve)
