"""The economic-security page: ``GET /api/security`` (the JSON of ``tariffscope security``); the page
itself is ``/security`` (static ``security.html`` + ``security.js``, see :mod:`.pages`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from tariffscope.web.routes.common import ERRORS
from tariffscope.web.services.parse import need_date, parse_country
from tariffscope.web.services.state import memo, weights

router = APIRouter(responses=ERRORS)


@memo(64)
def _report(
    partner: str, date: dt.date, level: str, top: int, critical_only: bool, view: str
) -> dict[str, Any]:
    from tariffscope.analytics.security import security_report

    return security_report(
        partner,
        date,
        level=level,
        weights=weights(),
        top=top,
        critical_only=critical_only,
        view="statutory" if view == "statutory" else "adjusted",
    )


@router.get("/api/security", tags=["security"], response_model=dict[str, Any])
async def security(
    partner: Annotated[str, Query(min_length=2, max_length=60, description="ISO2, ISO3 or Census code")],
    date: Annotated[str, Query(max_length=10, description="entry date YYYY-MM-DD")],
    level: Annotated[Literal["hts10", "hs8", "hs6", "hs4", "gtap"], Query()] = "hts10",
    top: Annotated[int, Query(ge=0, le=500, description="products listed (0 = all)")] = 25,
    critical_only: Annotated[bool, Query(description="critical products only")] = False,
    view: Annotated[
        Literal["adjusted", "statutory"],
        Query(description="adjusted (owed: preferences claimed as claimed) | statutory (a ceiling)"),
    ] = "adjusted",
) -> dict[str, Any]:
    """US dependence on the partner by product, its dependence on the US, leverage cards (see
    ``docs/security.md``); the product level falls back to GTAP-45 sectors where the weights are not
    observed at HTS10, and ``grain_note`` says so."""
    p = parse_country(partner, "partner")
    d = need_date(date, "date")
    return await run_in_threadpool(_report, p, d, level, top, critical_only, view)
