"""CLI: ``serve``, the local web workbench and REST API over the same engine."""

from __future__ import annotations

from typing import Annotated, Any

import typer


def serve(
    host: Annotated[str, typer.Option(help="address to listen on (loopback by default)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port")] = 8000,
    warm: Annotated[
        bool, typer.Option("--warm/--no-warm", help="load the catalogue and schedule before serving")
    ] = True,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "warning",
    workers: Annotated[
        int, typer.Option(min=1, max=16, help="server processes (each holds its own engine, ~0.2 GB)")
    ] = 1,
) -> None:
    """Start the web workbench: rate lookup, partner dashboard, scenario lab, packages, measures.

    The pages are at http://HOST:PORT/, the REST API under /api, its OpenAPI schema at /openapi.json.
    """
    import uvicorn

    from tariffscope.web.app import create_app

    typer.echo(f"tariffscope workbench on http://{host}:{port}/  (API schema: /openapi.json; Ctrl-C stops)")
    if workers > 1:  # uvicorn starts each worker process from an import string
        factory = f"{__name__}:{'warm_app' if warm else 'cold_app'}"
        uvicorn.run(
            factory,
            factory=True,
            workers=workers,
            host=host,
            port=port,
            log_level=log_level,
            access_log=False,
        )
        return
    uvicorn.run(create_app(warm=warm), host=host, port=port, log_level=log_level, access_log=False)


def warm_app() -> Any:
    """The workbench with its engine loaded (the factory of each ``--workers`` process)."""
    from tariffscope.web.app import create_app

    return create_app(warm=True)


def cold_app() -> Any:
    """The workbench, engine loaded on first use (``--no-warm --workers N``)."""
    from tariffscope.web.app import create_app

    return create_app(warm=False)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the app."""
    app.command()(serve)
