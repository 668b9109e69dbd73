"""What every page's router shares: the error shape declared in ``/openapi.json``, the query parameters
used on several pages, the bound on long computations, and tables as JSON rows or CSV downloads."""

from __future__ import annotations

from typing import Any, Literal

import polars as pl
import pydantic
from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response

from tariffscope.web.services.state import heavy_slot, to_records


class ApiError(pydantic.BaseModel):
    """Every error answer: what is wrong, and the request field it concerns (``null`` if none)."""

    detail: str
    field: str | None


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ApiError, "description": "the engine refused the request"},
    413: {"model": ApiError, "description": "request body too large"},
    422: {"model": ApiError, "description": "bad input: `field` names the parameter"},
    500: {"model": ApiError, "description": "unexpected failure (no stack trace)"},
    503: {"model": ApiError, "description": "a part of the engine is not installed, or the server is busy"},
}

Fmt = Literal["json", "csv"]
TABLE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "JSON, or with ``format=csv`` a CSV download",
        "content": {"application/json": {}, "text/csv": {"schema": {"type": "string"}}},
    }
}
"""The answer of an endpoint with a ``format`` parameter: both media types declared in /openapi.json."""
HEAVY = [Depends(heavy_slot)]  # async endpoints that may compute for seconds (sync ones: ``@budgeted``)
HTS_Q = Query(min_length=2, max_length=20, description="HTS code, dotted or plain: 8703.23.01.90")
ORIGIN_Q = Query(min_length=2, max_length=60, description="origin: ISO2, ISO3 or Census code")
DATE_Q = Query(max_length=10, description="entry date YYYY-MM-DD")
OPT_DATE_Q = Query(max_length=10, description="YYYY-MM-DD")


def api_router() -> APIRouter:
    """A page's router: under ``/api``, every error in the :class:`ApiError` shape."""
    return APIRouter(prefix="/api", responses=ERRORS)


def table(df: pl.DataFrame, fmt: Fmt, name: str) -> Response:
    """A table as JSON rows or as a CSV download."""
    if fmt == "csv":
        return Response(
            df.write_csv(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return JSONResponse(to_records(df))
