"""The journalist's page, "US rates today": the US-wide and per-partner effective tariff rates on a date,
with the view, grain and source stated, and the country downloads."""

from __future__ import annotations

from typing import Annotated, Literal

import polars as pl
from fastapi import Query
from fastapi.responses import JSONResponse, Response

from tariffscope.web.routes.common import DATE_Q, TABLE, Fmt, api_router, table
from tariffscope.web.services import analytics as an
from tariffscope.web.services.parse import parse_horizon_date, parse_partners
from tariffscope.web.services.state import budgeted

router = api_router()
ViewQ = Literal["adjusted", "statutory"]
VIEW_HELP = (
    "adjusted (default, owed: preferences claimed as claimed) | statutory (no preference claimed: a ceiling)"
)


@router.get("/us-rates", responses=TABLE, tags=["analytics"])
@budgeted()
def us_rates(
    date: Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD (default today)")] = None,
    format: Annotated[Fmt, Query()] = "json",
    view: Annotated[ViewQ, Query(description=VIEW_HELP)] = "adjusted",
) -> Response:
    """The US-wide effective tariff rate (``ALL``) and every partner's on a date (default today), with
    the view, the weights' grain and the source stated; ``format=csv`` downloads the table."""
    d = parse_horizon_date(date)
    body = an.us_rates(d, view)
    if format == "csv":
        us = {"partner": "ALL", "name": "all partners (US-wide)", **body["us"]}
        df = pl.DataFrame([us, *body["partners"]], infer_schema_length=None).with_columns(
            pl.lit(body["date"]).alias("date"),
            pl.lit(view).alias("view"),
            pl.lit(body["weights"]).alias("weights"),
            pl.lit(body["source_line"]).alias("source"),
        )
        return table(df, "csv", f"us_tariff_rates_{body['date']}")
    return JSONResponse(body)


@router.get("/downloads/country-rates", responses=TABLE, tags=["downloads"])
@budgeted("for every date at once use the CLI (`tariffscope etr`)")
def country_rates(
    date: Annotated[str, DATE_Q],
    format: Annotated[Fmt, Query()] = "csv",
    view: Annotated[ViewQ, Query(description=VIEW_HELP)] = "adjusted",
) -> Response:
    """Every partner's effective tariff rate on a date (CSV or JSON), with the view in a column."""
    df = an.country_rates(date, view).with_columns(pl.lit(view).alias("view"))
    return table(df, format, f"country_rates_{date}_{view}")


@router.get("/downloads/country-sector-rates", responses=TABLE, tags=["downloads"])
@budgeted("ask for fewer partners")
def country_sector_rates(
    date: Annotated[str, DATE_Q],
    partners: Annotated[str | None, Query(max_length=200)] = None,
    format: Annotated[Fmt, Query()] = "csv",
) -> Response:
    """Effective tariff rate by partner x GTAP sector on a date (CSV or JSON)."""
    plist = tuple(parse_partners(partners)) if partners else ()
    return table(an.country_sector_rates(date, plist), format, f"country_sector_rates_{date}")
