"""The measures page: the catalogue's rules, one measure with its citations, and the dated regime-change
feed (JSON/CSV under ``/api/changes``, Atom at ``/feed.atom``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response

from tariffscope.web.feeds import atom_feed
from tariffscope.web.routes.common import ERRORS, OPT_DATE_Q, TABLE, Fmt, api_router, table
from tariffscope.web.services import measures as ms
from tariffscope.web.services.parse import parse_date

router = api_router()
feed_router = APIRouter(responses=ERRORS)


@router.get("/measures", responses=TABLE, tags=["measures"])
def measures(
    authority: Annotated[str | None, Query(max_length=40)] = None,
    origin: Annotated[str | None, Query(max_length=60)] = None,
    on: Annotated[str | None, OPT_DATE_Q] = None,
    format: Annotated[Fmt, Query()] = "json",
) -> Response:
    """The catalogue's rules (``tariffscope measures list``): heading, countries, rate, dates."""
    return table(ms.measures(authority, origin, on), format, "measures")


@router.get("/measures/{measure_id:path}", tags=["measures"])
def measure(measure_id: Annotated[str, PathParam(max_length=120)]) -> dict[str, Any]:
    """One measure with its instruments, rules, dated steps and citations (``measures show``)."""
    return ms.measure(measure_id)


@router.get("/changes", responses=TABLE, tags=["measures"])
def changes(
    since: Annotated[str | None, OPT_DATE_Q] = None,
    until: Annotated[str | None, OPT_DATE_Q] = None,
    format: Annotated[Fmt, Query()] = "json",
) -> Response:
    """The dated regime-change feed: each step of each rule, newest first (also ``/feed.atom``)."""
    df = ms.regime_changes(
        parse_date(since, "since", required=False), parse_date(until, "until", required=False)
    )
    return table(df, format, "regime_changes")


@feed_router.get("/feed.atom", tags=["measures"], response_class=Response)
def feed(request: Request) -> Response:
    """Atom feed of dated regime changes (newest first)."""
    base = str(request.base_url).rstrip("/")
    return Response(atom_feed(ms.regime_changes(), base), media_type="application/atom+xml")
