"""The batch pricing page (brokers): an uploaded CSV of entry lines, each row priced or reported."""

from __future__ import annotations

from typing import Annotated

import polars as pl
from fastapi import File, Query, UploadFile
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from tariffscope.web.routes.common import HEAVY, OPT_DATE_Q, TABLE, Fmt, api_router, table
from tariffscope.web.services import rates
from tariffscope.web.services.state import to_records

router = api_router()


@router.post("/rate/batch", responses=TABLE, tags=["rates"], dependencies=HEAVY)
async def rate_batch(
    file: Annotated[UploadFile, File(description="CSV: hts10, origin, date [, value, quantity, ...]")],
    as_of: Annotated[str | None, OPT_DATE_Q] = None,
    format: Annotated[Fmt, Query()] = "json",
) -> Response:
    """Resolve a CSV of entry lines (at most 20,000 rows, 4 MB); each row gets rates and a status."""
    data = await file.read(rates.BATCH_MAX_BYTES + 1)
    priced = await run_in_threadpool(rates.rate_batch, data, as_of)
    if format == "csv":
        return table(priced, "csv", "rates")
    n_bad = priced.filter(pl.col("status") != "ok").height
    return JSONResponse({"rows": to_records(priced), "priced": priced.height - n_bad, "failed": n_bad})
