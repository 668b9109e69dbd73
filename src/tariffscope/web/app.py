"""The workbench's REST API and pages: ``create_app()`` builds the FastAPI application.

Every endpoint calls the same engine function as the CLI (see :mod:`tariffscope.web.services`) and
answers with the CLI's JSON field names. Bad input is a 4xx whose JSON names the field
(``{"detail": ..., "field": ...}``); an unexpected failure is a bare 500 with no stack trace.
Static files are served from the package (no CDN), so the workbench works offline.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any, Literal

import polars as pl
import pydantic
from fastapi import APIRouter, Depends, FastAPI, File, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from tariffscope import __version__
from tariffscope.errors import TariffscopeError
from tariffscope.web import services as sv
from tariffscope.web.feeds import atom_feed

STATIC_DIR = Path(__file__).resolve().parent / "static"
log = logging.getLogger("tariffscope.web")

Fmt = Literal["json", "csv"]
HEAVY = [Depends(sv.heavy_slot)]  # endpoints that may compute for seconds: bounded concurrency
HTS_Q = Query(min_length=2, max_length=20, description="HTS code, dotted or plain: 8703.23.01.90")
ORIGIN_Q = Query(min_length=2, max_length=60, description="origin: ISO2, ISO3 or Census code")
DATE_Q = Query(max_length=10, description="entry date YYYY-MM-DD")
OPT_DATE_Q = Query(max_length=10, description="YYYY-MM-DD")


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


def _table(df: pl.DataFrame, fmt: Fmt, name: str) -> Response:
    """A table as JSON rows or as a CSV download."""
    if fmt == "csv":
        return Response(
            df.write_csv(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return JSONResponse(sv.to_records(df))


def _api() -> APIRouter:
    api = APIRouter(prefix="/api", responses=ERRORS)

    @api.get("/health", tags=["meta"])
    def health() -> dict[str, Any]:
        """Version and which engine parts are installed."""
        parts = {}
        for mod in ("resolver.api", "analytics.etr", "analytics.exposure", "scenarios", "models.pe"):
            try:
                sv.engine_module(mod)
                parts[mod] = True
            except sv.Unavailable:
                parts[mod] = False
        return {"version": __version__, "engine": parts}

    # --- rates -----------------------------------------------------------------------------------
    @api.get("/rate", tags=["rates"], response_model=dict[str, Any])
    async def rate(
        hts: Annotated[str, HTS_Q],
        origin: Annotated[str, ORIGIN_Q],
        date: Annotated[str, DATE_Q],
        value: Annotated[float | None, Query(ge=0, le=1e13, description="customs value, USD")] = None,
        quantity: Annotated[float | None, Query(ge=0, le=1e13)] = None,
        metal_share: Annotated[float | None, Query(ge=0, le=1)] = None,
        copper_share: Annotated[float | None, Query(ge=0, le=1)] = None,
        us_content: Annotated[float | None, Query(ge=0, le=1)] = None,
        claim: Annotated[str | None, Query(max_length=10, description="usmca")] = None,
        as_of: Annotated[str | None, OPT_DATE_Q] = None,
    ) -> Response:
        """The duty on one entry line: the JSON of ``tariffscope rate --format json`` (plus ``hts``,
        ``rates`` by authority, and each component's ``statutory_rate`` and ``title``)."""
        key = (hts, origin, date, value, quantity, metal_share, copper_share, us_content, claim, as_of)
        body = sv.rate_json_cached(key)
        if body is None:  # the engine runs in a worker thread: the event loop keeps serving
            body = await run_in_threadpool(sv.rate_json, *key)
        return Response(body, media_type="application/json")

    @api.post("/rate/batch", tags=["rates"], dependencies=HEAVY)
    async def rate_batch(
        file: Annotated[UploadFile, File(description="CSV: hts10, origin, date [, value, quantity, ...]")],
        as_of: Annotated[str | None, OPT_DATE_Q] = None,
        format: Annotated[Fmt, Query()] = "json",
    ) -> Response:
        """Resolve a CSV of entry lines (at most 20,000 rows, 4 MB); each row gets rates and a status."""
        data = await file.read(sv.BATCH_MAX_BYTES + 1)
        table = await run_in_threadpool(sv.rate_batch, data, as_of)
        if format == "csv":
            return _table(table, "csv", "rates")
        n_bad = table.filter(pl.col("status") != "ok").height
        return JSONResponse({"rows": sv.to_records(table), "priced": table.height - n_bad, "failed": n_bad})

    @api.get("/timeline", tags=["rates"])
    def timeline(
        hts: Annotated[str, HTS_Q],
        origin: Annotated[str, ORIGIN_Q],
        start: Annotated[str, Query(alias="from", max_length=10)] = "2025-01-01",
        end: Annotated[str, Query(alias="to", max_length=10)] = "2026-12-31",
        as_of: Annotated[str | None, OPT_DATE_Q] = None,
        format: Annotated[Fmt, Query()] = "json",
    ) -> Response:
        """Every change point of a product's duty from one origin (``tariffscope timeline``)."""
        return _table(sv.timeline(hts, origin, start, end, as_of), format, "timeline")

    @api.get("/search", tags=["schedule"])
    def search(
        q: Annotated[str, Query(min_length=1, max_length=80, description="code prefix or words")],
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> list[dict[str, Any]]:
        """HTS lines by code or by words of their (HS) descriptions."""
        return sv.to_records(sv.search(q, limit))  # type: ignore[no-any-return,unused-ignore]

    @api.get("/countries", tags=["schedule"])
    def countries() -> list[dict[str, Any]]:
        """Countries (ISO2, ISO3, Census code, name) and the catalogue's groups (EU27, ...)."""
        from tariffscope.countries import countries_frame

        rows = sv.to_records(countries_frame().select("iso2", "iso3", "census_code", "name"))
        groups = [
            {"iso2": k, "iso3": None, "census_code": None, "name": g.title, "group": True}
            for k, g in sv.catalogue().groups.items()
            if k not in ("ALL",)
        ]
        return [*rows, *groups]  # type: ignore[list-item,unused-ignore]

    # --- measures and the regime-change feed ------------------------------------------------------
    @api.get("/measures", tags=["measures"])
    def measures(
        authority: Annotated[str | None, Query(max_length=40)] = None,
        origin: Annotated[str | None, Query(max_length=60)] = None,
        on: Annotated[str | None, OPT_DATE_Q] = None,
        format: Annotated[Fmt, Query()] = "json",
    ) -> Response:
        """The catalogue's rules (``tariffscope measures list``): heading, countries, rate, dates."""
        return _table(sv.measures(authority, origin, on), format, "measures")

    @api.get("/measures/{measure_id:path}", tags=["measures"])
    def measure(measure_id: Annotated[str, PathParam(max_length=120)]) -> dict[str, Any]:
        """One measure with its instruments, rules, dated steps and citations (``measures show``)."""
        return sv.measure(measure_id)

    @api.get("/changes", tags=["measures"])
    def changes(
        since: Annotated[str | None, OPT_DATE_Q] = None,
        until: Annotated[str | None, OPT_DATE_Q] = None,
        format: Annotated[Fmt, Query()] = "json",
    ) -> Response:
        """The dated regime-change feed: each step of each rule, newest first (also ``/feed.atom``)."""
        df = sv.regime_changes(
            sv.parse_date(since, "since", required=False), sv.parse_date(until, "until", required=False)
        )
        return _table(df, format, "regime_changes")

    # --- analytics -------------------------------------------------------------------------------
    @api.get("/etr", tags=["analytics"], dependencies=HEAVY)
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
        plist = sv.parse_partners(partners)
        if not plist:
            raise sv.InputError("partners", "partners: give at least one partner code")
        df = sv.etr(tuple(plist), start, end, "sector" if by == "sector" else "partner", view)
        if not daily and by != "sector":
            df = sv.compact_series(df, ["etr"])
        return _table(df, format, "etr")

    @api.get("/exposure", tags=["analytics"], dependencies=HEAVY)
    def exposure(
        partner: Annotated[str, ORIGIN_Q],
        date: Annotated[str, DATE_Q],
        sector: Annotated[str | None, Query(max_length=60)] = None,
        view: Annotated[Literal["statutory", "adjusted"], Query()] = "adjusted",
        format: Annotated[Fmt, Query()] = "json",
    ) -> Response:
        """A partner's exposure on a date: duty by sector and top products (``tariffscope exposure``).
        ``partner`` may be a group (``EU27``: its members' imports pooled) or ``ALL`` (the US-wide rate)."""
        d = sv.parse_date(date, "date")
        assert d is not None
        return JSONResponse(sv.to_records(sv.exposure(sv.parse_partner(partner), d, sector, view)))

    @api.get("/diff", tags=["analytics"], dependencies=HEAVY)
    def diff(
        partner: Annotated[str, ORIGIN_Q],
        start: Annotated[str, Query(alias="from", max_length=10)],
        end: Annotated[str, Query(alias="to", max_length=10)],
        format: Annotated[Fmt, Query()] = "json",
    ) -> Response:
        """What changed for a partner between two dates, line by line (``tariffscope diff``)."""
        return _analytics_table(
            "diff",
            "diff",
            format,
            sv.parse_country(partner, "partner"),
            sv.parse_date(start, "from"),
            sv.parse_date(end, "to"),
        )

    @api.get("/rank", tags=["analytics"], dependencies=HEAVY)
    def rank(
        date: Annotated[str, DATE_Q],
        top: Annotated[int, Query(ge=1, le=250)] = 30,
        partners: Annotated[str | None, Query(max_length=400, description="rank among these only")] = None,
        format: Annotated[Fmt, Query()] = "json",
    ) -> Response:
        """Partners ranked by effective tariff rate on a date (``tariffscope rank``); the ``ALL`` row is the
        partners ranked together."""
        members: list[str] = []
        for p in sv.parse_partners(partners, limit=60):
            members += sv._group_members(p) if p in sv.catalogue().groups else [p]
        d = sv.parse_date(date, "date")
        df = sv.call_analytics("rank", "rank", d, weights_of=tuple(sorted(set(members))) or None)
        return _table(
            pl.concat([df.filter(pl.col("rank") <= top), df.filter(pl.col("rank").is_null())]), format, "rank"
        )

    @api.get("/refunds", tags=["analytics"], dependencies=HEAVY)
    def refunds(
        partner: Annotated[str, Query(min_length=2, max_length=60, description="JP, or a group: EU27")],
        format: Annotated[Fmt, Query()] = "json",
    ) -> Response:
        """IEEPA duties refundable after Learning Resources v. Trump (``tariffscope refunds``), by month, for
        one partner or group (every partner at once takes minutes: use the CLI)."""
        return _table(sv.refunds(sv.parse_partner(partner)), format, "refunds")

    @api.get("/sources", tags=["meta"])
    def sources() -> dict[str, Any]:
        """What the figures rest on: catalogue knowledge date, weights years/grain, a one-line source."""
        return sv.sources()

    @api.get("/us-rates", tags=["analytics"], dependencies=HEAVY)
    def us_rates(
        date: Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD (default today)")] = None,
        format: Annotated[Fmt, Query()] = "json",
    ) -> Response:
        """The US-wide effective tariff rate (``ALL``) and every partner's on a date (default today), with
        the view, the weights' grain and the source stated; ``format=csv`` downloads the table."""
        d = sv.parse_horizon_date(date)
        body = sv.us_rates(d)
        if format == "csv":
            us = {"partner": "ALL", "name": "all partners (US-wide)", **body["us"]}
            df = pl.DataFrame([us, *body["partners"]], infer_schema_length=None).with_columns(
                pl.lit(body["date"]).alias("date"),
                pl.lit("statutory").alias("view"),
                pl.lit(body["weights"]).alias("weights"),
                pl.lit(body["source_line"]).alias("source"),
            )
            return _table(df, "csv", f"us_tariff_rates_{body['date']}")
        return JSONResponse(body)

    @api.get("/downloads/country-rates", tags=["downloads"], dependencies=HEAVY)
    def country_rates(date: Annotated[str, DATE_Q], format: Annotated[Fmt, Query()] = "csv") -> Response:
        """Every partner's effective tariff rate on a date (CSV or JSON)."""
        return _table(sv.country_rates(date), format, f"country_rates_{date}")

    @api.get("/downloads/country-sector-rates", tags=["downloads"], dependencies=HEAVY)
    def country_sector_rates(
        date: Annotated[str, DATE_Q],
        partners: Annotated[str | None, Query(max_length=200)] = None,
        format: Annotated[Fmt, Query()] = "csv",
    ) -> Response:
        """Effective tariff rate by partner x GTAP sector on a date (CSV or JSON)."""
        plist = tuple(sv.parse_partners(partners)) if partners else ()
        return _table(sv.country_sector_rates(date, plist), format, f"country_sector_rates_{date}")

    # --- scenarios -------------------------------------------------------------------------------
    from tariffscope.web import lab

    api.include_router(lab.router)
    return api


class BodyLimit:
    """Pure ASGI guard: refuse a request whose declared body is over ``limit`` bytes (413, names the field)."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            size = dict(scope["headers"]).get(b"content-length")
            if size is not None and (not size.isdigit() or int(size) > self.limit):
                msg = f"file: request body over the limit of {sv.BATCH_MAX_BYTES:,} bytes"
                await JSONResponse({"detail": msg, "field": "file"}, status_code=413)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _analytics_table(module: str, fn: str, fmt: Fmt, *args: Any, **kwargs: Any) -> Response:
    res = sv.call_analytics(module, fn, *args, **kwargs)
    if isinstance(res, pl.DataFrame):
        return _table(res, fmt, module)
    return JSONResponse(sv.to_records(res))


def plotly_js_path() -> Path:
    """The plotly.min.js shipped inside the plotly Python package."""
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


def create_app(*, warm: bool = False) -> FastAPI:
    """The workbench application (pages at ``/``, the API under ``/api``, schema at ``/openapi.json``)."""
    app = FastAPI(
        title="tariffscope workbench",
        version=__version__,
        description="The US tariff regime of 2025-26 as executable, dated, cited data: the same engine as "
        "the `tariffscope` CLI, with the same JSON field names.",
    )
    app.state.max_upload = sv.BATCH_MAX_BYTES

    app.add_middleware(BodyLimit, limit=sv.BATCH_MAX_BYTES + 64 * 1024)

    @app.exception_handler(sv.InputError)
    async def input_error(_: Request, exc: sv.InputError) -> JSONResponse:
        return JSONResponse({"detail": str(exc), "field": exc.field}, status_code=422)

    @app.exception_handler(sv.Busy)
    async def busy(_: Request, exc: sv.Busy) -> JSONResponse:
        return JSONResponse(
            {"detail": str(exc), "field": None}, status_code=503, headers={"Retry-After": "60"}
        )

    @app.exception_handler(sv.Unavailable)
    async def unavailable(_: Request, exc: sv.Unavailable) -> JSONResponse:
        return JSONResponse({"detail": str(exc), "field": None}, status_code=503)

    @app.exception_handler(ImportError)
    async def missing_part(_: Request, exc: ImportError) -> JSONResponse:
        log.warning("engine part missing: %s", exc)
        return JSONResponse(
            {"detail": f"a part of the engine is not available: {exc}", "field": None}, status_code=503
        )

    @app.exception_handler(TariffscopeError)
    async def engine_error(_: Request, exc: TariffscopeError) -> JSONResponse:
        return JSONResponse({"detail": str(exc), "field": None}, status_code=400)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errs = exc.errors()
        first = errs[0] if errs else {}
        loc = [str(x) for x in first.get("loc", ()) if x not in ("query", "body", "path")]
        field = loc[-1] if loc else "request"
        msg = f"{field}: {first.get('msg', 'invalid value')}"
        return JSONResponse({"detail": msg, "field": field}, status_code=422)

    @app.exception_handler(pydantic.ValidationError)
    async def model_error(_: Request, exc: pydantic.ValidationError) -> JSONResponse:
        errs: list[Any] = list(exc.errors())
        first: dict[str, Any] = dict(errs[0]) if errs else {}
        loc = [str(x) for x in first.get("loc", ())]
        field = loc[-1] if loc else "request"
        msg = f"{field}: {str(first.get('msg', 'invalid value')).removeprefix('Value error, ')}"
        return JSONResponse({"detail": msg, "field": field}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            {"detail": str(exc.detail), "field": None}, status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error on %s", request.url.path)
        return JSONResponse({"detail": "internal error (see the server log)", "field": None}, status_code=500)

    app.include_router(_api())
    from tariffscope.web import security_routes

    app.include_router(security_routes.router, responses=ERRORS)

    @app.get("/feed.atom", tags=["measures"], response_class=Response, responses=ERRORS)
    def feed(request: Request) -> Response:
        """Atom feed of dated regime changes (newest first)."""
        base = str(request.base_url).rstrip("/")
        return Response(atom_feed(sv.regime_changes(), base), media_type="application/atom+xml")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        """plotly.js as bundled by the plotly Python package (the workbench needs no CDN)."""
        return FileResponse(
            plotly_js_path(), media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"}
        )

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")

    @app.get("/robots.txt", include_in_schema=False)
    def robots() -> PlainTextResponse:
        return PlainTextResponse("User-agent: *\nDisallow: /\n")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if warm:
        sv.warm_up()
    return app
