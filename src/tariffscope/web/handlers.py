"""Every error as one JSON shape, ``{"detail": ..., "field": ...}`` (declared in ``/openapi.json``):
bad input is a 422 naming the field, a busy server or a missing engine part a 503, an engine refusal a
400, anything unexpected a bare 500 with no stack trace (it is logged). Also the body-size guard."""

from __future__ import annotations

import logging
from typing import Any

import pydantic
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from tariffscope.errors import TariffscopeError
from tariffscope.web.services.errors import Busy, InputError, Unavailable
from tariffscope.web.services.rates import BATCH_MAX_BYTES

log = logging.getLogger("tariffscope.web")


class BodyLimit:
    """Pure ASGI guard: refuse a request whose declared body is over ``limit`` bytes (413, names the field)."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            size = dict(scope["headers"]).get(b"content-length")
            if size is not None and (not size.isdigit() or int(size) > self.limit):
                msg = f"file: request body over the limit of {BATCH_MAX_BYTES:,} bytes"
                await JSONResponse({"detail": msg, "field": "file"}, status_code=413)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _error(status: int, detail: str, field: str | None = None, **kw: Any) -> JSONResponse:
    return JSONResponse({"detail": detail, "field": field}, status_code=status, **kw)


def _first_error(errs: list[Any], drop: tuple[str, ...]) -> tuple[str, str]:
    """The field and message of a validation error's first entry."""
    first: dict[str, Any] = dict(errs[0]) if errs else {}
    loc = [str(x) for x in first.get("loc", ()) if x not in drop]
    field = loc[-1] if loc else "request"
    return field, f"{field}: {str(first.get('msg', 'invalid value')).removeprefix('Value error, ')}"


async def input_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InputError)
    return _error(422, str(exc), exc.field)


async def busy(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Busy)
    return _error(503, str(exc), headers={"Retry-After": str(exc.retry_after)})


async def unavailable(_: Request, exc: Exception) -> JSONResponse:
    return _error(503, str(exc))


async def missing_part(_: Request, exc: Exception) -> JSONResponse:
    log.warning("engine part missing: %s", exc)
    return _error(503, f"a part of the engine is not available: {exc}")


async def engine_error(_: Request, exc: Exception) -> JSONResponse:
    return _error(400, str(exc))


async def validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    field, msg = _first_error(list(exc.errors()), ("query", "body", "path"))
    return _error(422, msg, field)


async def model_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, pydantic.ValidationError)
    field, msg = _first_error(list(exc.errors()), ())
    return _error(422, msg, field)


async def http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return _error(exc.status_code, str(exc.detail), headers=exc.headers)


async def internal_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("internal error on %s", request.url.path)
    return _error(500, "internal error (see the server log)")


HANDLERS: list[tuple[type[Exception], Any]] = [
    (InputError, input_error),
    (Busy, busy),
    (Unavailable, unavailable),
    (ImportError, missing_part),
    (TariffscopeError, engine_error),
    (RequestValidationError, validation_error),
    (pydantic.ValidationError, model_error),
    (StarletteHTTPException, http_error),
    (Exception, internal_error),
]


def register(app: FastAPI) -> None:
    """Install the error handlers and the body-size guard on ``app``."""
    app.add_middleware(BodyLimit, limit=BATCH_MAX_BYTES + 64 * 1024)
    for exc_class, handler in HANDLERS:
        app.add_exception_handler(exc_class, handler)
