"""The workbench's errors: each names the request field at fault, so the API can answer in one shape."""

from __future__ import annotations

from tariffscope.errors import DateOutOfRange, TariffscopeError, UnknownCountry, UnknownHTS


class InputError(TariffscopeError):
    """Bad input to an endpoint: the message says what is wrong and ``field`` names the parameter."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)
        self.field: str = field


class Unavailable(TariffscopeError):
    """A part of the engine that this installation does not provide (HTTP 503)."""


class Busy(TariffscopeError):
    """Every slot for long computations is taken, or the answer is still being computed (HTTP 503 with
    ``Retry-After``: ``retry_after`` seconds)."""

    def __init__(self, message: str, *, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def engine_error(exc: TariffscopeError) -> InputError:
    """An engine error as an :class:`InputError` whose field its class or message points at (``hts``,
    ``origin``, ``date``, ``claim``, ``value``), else ``request``."""
    field = next(
        (
            n
            for c, n in ((UnknownHTS, "hts"), (UnknownCountry, "origin"), (DateOutOfRange, "date"))
            if isinstance(exc, c)
        ),
        None,
    )
    msg = str(exc)
    if field is None:
        low = msg.lower()
        field = next((f for f in ("hts", "origin", "date", "claim", "value") if low.startswith(f)), "request")
    return InputError(field, msg if msg.startswith(field) else f"{field}: {msg}")


def field_error(exc: TariffscopeError, default: str) -> InputError:
    """An error of the library as an :class:`InputError` naming its own ``field`` (else ``default``)."""
    field = exc.field or default
    msg = str(exc)
    return InputError(field, msg if msg.startswith(f"{field}:") else f"{field}: {msg}")


def as_partner_field(exc: InputError) -> InputError:
    """An origin (or unplaced) error of an analytics call, re-addressed to the ``partner`` parameter."""
    if exc.field in ("origin", "request"):
        msg = str(exc).split(": ", 1)[-1]
        return InputError("partner", f"partner: {msg}")
    return exc
