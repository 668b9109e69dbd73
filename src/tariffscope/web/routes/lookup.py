"""The rate lookup page: one entry line's duty, a product's timeline, and product search."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from tariffscope.web.routes.common import DATE_Q, HTS_Q, OPT_DATE_Q, ORIGIN_Q, TABLE, Fmt, api_router, table
from tariffscope.web.services import rates
from tariffscope.web.services.search import search as search_lines
from tariffscope.web.services.state import to_records

router = api_router()


@router.get("/rate", tags=["rates"], response_model=dict[str, Any])
async def rate(
    hts: Annotated[str, HTS_Q],
    origin: Annotated[str, ORIGIN_Q],
    date: Annotated[str, DATE_Q],
    value: Annotated[float | None, Query(ge=0, le=1e13, description="customs value, USD")] = None,
    quantity: Annotated[float | None, Query(ge=0, le=1e13)] = None,
    metal_share: Annotated[float | None, Query(ge=0, le=1)] = None,
    copper_share: Annotated[float | None, Query(ge=0, le=1)] = None,
    us_content: Annotated[float | None, Query(ge=0, le=1)] = None,
    claim: Annotated[
        str | None,
        Query(max_length=200, description="claims declared, comma-separated (usmca, auto_part, ...)"),
    ] = None,
    as_of: Annotated[str | None, OPT_DATE_Q] = None,
) -> Response:
    """The duty on one entry line: the JSON of ``tariffscope rate --format json`` (plus ``hts``,
    ``rates`` by authority, and each component's ``statutory_rate`` and ``title``), with
    ``claim_hints``: the claims not declared that would change the duty, and by how much."""
    key = (hts, origin, date, value, quantity, metal_share, copper_share, us_content, claim, as_of)
    body = rates.rate_json_cached(key)
    if body is None:  # the engine runs in a worker thread: the event loop keeps serving
        body = await run_in_threadpool(rates.rate_json, *key)
    return Response(body, media_type="application/json")


@router.get("/timeline", responses=TABLE, tags=["rates"])
def timeline(
    hts: Annotated[str, HTS_Q],
    origin: Annotated[str, ORIGIN_Q],
    start: Annotated[str, Query(alias="from", max_length=10)] = "2025-01-01",
    end: Annotated[str, Query(alias="to", max_length=10)] = "2026-12-31",
    as_of: Annotated[str | None, OPT_DATE_Q] = None,
    format: Annotated[Fmt, Query()] = "json",
) -> Response:
    """Every change point of a product's duty from one origin (``tariffscope timeline``)."""
    return table(rates.timeline(hts, origin, start, end, as_of), format, "timeline")


@router.get("/search", tags=["schedule"])
def search(
    q: Annotated[str, Query(min_length=1, max_length=80, description="code prefix or words")],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[dict[str, Any]]:
    """HTS lines by code or by words of their (HS) descriptions."""
    return to_records(search_lines(q, limit))  # type: ignore[no-any-return,unused-ignore]
