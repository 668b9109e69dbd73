"""The partner dashboard: ETR through time, exposure on a date, what changed, rankings, refunds, and the
catalogue events that moved a partner's duties."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import polars as pl
from fastapi import Query
from fastapi.responses import JSONResponse, Response

from tariffscope.web.routes.common import DATE_Q, ORIGIN_Q, TABLE, Fmt, api_router, table
from tariffscope.web.services import analytics as an
from tariffscope.web.services.errors import InputError
from tariffscope.web.services.parse import need_date, parse_country, parse_partner, parse_partners
from tariffscope.web.services.state import budgeted, catalogue, group_members, to_records

router = api_router()


@router.get("/etr", responses=TABLE, tags=["analytics"])
@budgeted("ask for fewer partners or a shorter date range")
def etr(
    partners: Annotated[str, Query(max_length=200, description="JP,KR,EU27 (codes or groups)")],
    start: Annotated[str, Query(max_length=10)] = "2025-01-01",
    end: Annotated[str, Query(max_length=10)] = "2026-12-31",
    by: Annotated[Literal["partner", "authority", "sector"], Query()] = "partner",
    view: Annotated[Literal["statutory", "adjusted"], Query()] = "adjusted",
    daily: Annotated[bool, Query(description="every day, or only the days the ETR changes")] = False,
    format: Annotated[Fmt, Query()] = "json",
) -> Response:
    """Effective tariff rate (import-weighted, all imports in the denominator) through time."""
    plist = parse_partners(partners)
    if not plist:
        raise InputError("partners", "partners: give at least one partner code")
    df = an.etr(tuple(plist), start, end, "sector" if by == "sector" else "partner", view)
    if not daily and by != "sector":
        df = an.compact_series(df, ["etr"])
    return table(df, format, "etr")


@router.get("/exposure", responses=TABLE, tags=["analytics"])
@budgeted("ask for one partner or group instead of ALL, or one sector")
def exposure(
    partner: Annotated[str, ORIGIN_Q],
    date: Annotated[str, DATE_Q],
    sector: Annotated[str | None, Query(max_length=60)] = None,
    view: Annotated[Literal["statutory", "adjusted"], Query()] = "adjusted",
    format: Annotated[Fmt, Query()] = "json",
) -> Response:
    """A partner's exposure on a date: duty by sector and top products (``tariffscope exposure``).
    ``partner`` may be a group (``EU27``: its members' imports pooled) or ``ALL`` (the US-wide rate)."""
    d = need_date(date, "date")
    return JSONResponse(to_records(an.exposure(parse_partner(partner), d, sector, view)))


@router.get("/diff", responses=TABLE, tags=["analytics"])
@budgeted("ask for two nearer dates")
def diff(
    partner: Annotated[str, ORIGIN_Q],
    start: Annotated[str, Query(alias="from", max_length=10)],
    end: Annotated[str, Query(alias="to", max_length=10)],
    format: Annotated[Fmt, Query()] = "json",
) -> Response:
    """What changed for a partner between two dates, line by line (``tariffscope diff``)."""
    from tariffscope.analytics.diff import diff as run

    p = parse_country(partner, "partner")
    res = an.call_analytics(run, p, need_date(start, "from"), need_date(end, "to"))
    if isinstance(res, pl.DataFrame):
        return table(res, format, "diff")
    return JSONResponse(to_records(res))


@router.get("/rank", responses=TABLE, tags=["analytics"])
@budgeted("rank fewer partners")
def rank(
    date: Annotated[str, DATE_Q],
    top: Annotated[int, Query(ge=1, le=250)] = 30,
    partners: Annotated[str | None, Query(max_length=400, description="rank among these only")] = None,
    format: Annotated[Fmt, Query()] = "json",
) -> Response:
    """Partners ranked by effective tariff rate on a date (``tariffscope rank``); the ``ALL`` row is the
    partners ranked together."""
    from tariffscope.analytics.rank import rank as run

    ms: list[str] = []
    for p in parse_partners(partners, limit=60):
        ms += group_members(p) if p in catalogue().groups else [p]
    d = need_date(date, "date")
    df = an.call_analytics(run, d, weights_of=tuple(sorted(set(ms))) or None)
    return table(
        pl.concat([df.filter(pl.col("rank") <= top), df.filter(pl.col("rank").is_null())]), format, "rank"
    )


@router.get("/refunds", responses=TABLE, tags=["analytics"])
@budgeted("ask for one country or a smaller group")
def refunds(
    partner: Annotated[str, Query(min_length=2, max_length=60, description="JP, or a group: EU27")],
    format: Annotated[Fmt, Query()] = "json",
) -> Response:
    """IEEPA duties refundable after Learning Resources v. Trump (``tariffscope refunds``), by month, for
    one partner or group (every partner at once takes minutes: use the CLI)."""
    return table(an.refunds(parse_partner(partner)), format, "refunds")


@router.get("/events", tags=["scenarios"])
@budgeted("ask for a shorter date range")
def events(
    partner: Annotated[str, Query(min_length=2, max_length=60)],
    start: Annotated[str, Query(max_length=10)] = "2025-01-01",
    end: Annotated[str, Query(max_length=10)] = "2026-12-31",
) -> list[dict[str, Any]]:
    """Catalogue steps that changed a partner's duties between two dates (to annotate ETR charts)."""
    from tariffscope.analytics.common import measure_events

    s, e = need_date(start, "start"), need_date(end, "end")
    p = partner.upper()
    # a group's first member stands for the group's events
    p = next(iter(group_members(p)), p) if p in catalogue().groups else parse_country(partner, "partner")
    return to_records(an.call_analytics(measure_events, p, s, e))  # type: ignore[no-any-return,unused-ignore]
