"""The workbench's REST API and pages: ``create_app()`` builds the FastAPI application.

Every endpoint calls the same engine function as the CLI (see :mod:`tariffscope.web.services`) and
answers with the CLI's JSON field names; each page's endpoints are one router under
:mod:`tariffscope.web.routes`. Bad input is a 4xx whose JSON names the field
(``{"detail": ..., "field": ...}``); an unexpected failure is a bare 500 with no stack trace
(:mod:`tariffscope.web.handlers`). Static files are served from the package (no CDN), so the workbench
works offline.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from tariffscope import __version__
from tariffscope.web import handlers
from tariffscope.web.routes import ROUTERS
from tariffscope.web.routes.pages import STATIC_DIR, plotly_js_path
from tariffscope.web.services.rates import BATCH_MAX_BYTES

__all__ = ["STATIC_DIR", "create_app", "plotly_js_path"]


def create_app(*, warm: bool = False) -> FastAPI:
    """The workbench application (pages at ``/``, the API under ``/api``, schema at ``/openapi.json``)."""
    app = FastAPI(
        title="tariffscope workbench",
        version=__version__,
        description="The US tariff regime of 2025-26 as executable, dated, cited data: the same engine as "
        "the `tariffscope` CLI, with the same JSON field names.",
    )
    app.state.max_upload = BATCH_MAX_BYTES
    handlers.register(app)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if warm:
        from tariffscope.web.warm import warm_up

        warm_up()
    return app
