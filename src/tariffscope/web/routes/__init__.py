"""One router per page of the workbench: each module holds its page's endpoints and nothing else.

``lookup`` (rate lookup), ``batch`` (batch pricing), ``today`` (US rates today, the journalist's view),
``dashboard`` (partner dashboard), ``lab`` (scenario lab), ``packages`` (package comparator),
``measures`` (measures and the regime-change feed), ``security`` (economic security), ``meta``
(health, countries, sources) and ``pages`` (HTML and static assets)."""

from fastapi import APIRouter

from tariffscope.web.routes import (
    batch,
    dashboard,
    lab,
    lookup,
    measures,
    meta,
    packages,
    pages,
    security,
    today,
)

ROUTERS: list[APIRouter] = [
    meta.router,
    lookup.router,
    batch.router,
    today.router,
    dashboard.router,
    measures.router,
    measures.feed_router,
    lab.router,
    packages.router,
    security.router,
    pages.router,
]
"""Every router, in the order the app includes them."""
