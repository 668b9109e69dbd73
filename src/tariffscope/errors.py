"""Errors that name what is wrong, for people and for exit codes."""

from __future__ import annotations


class TariffscopeError(Exception):
    """Base class: a user-facing error with a clear message.

    ``field`` names the input at fault (``hts10``, ``origin``, ``date``, ``value``, ...) when one is,
    so the CLI can point at its option and the REST API at its parameter.

    >>> e = TariffscopeError("origin: unknown country code XX", field="origin")
    >>> str(e), e.field
    ('origin: unknown country code XX', 'origin')
    """

    exit_code = 2

    def __init__(self, message: str = "", field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class UnknownHTS(TariffscopeError):
    """An HTS code that no revision of the schedule knows."""


class UnknownCountry(TariffscopeError):
    """A country code that is neither ISO 3166 nor a Census Schedule C code."""


class DateOutOfRange(TariffscopeError):
    """A date outside the catalogue's horizon."""


class CatalogueError(TariffscopeError):
    """An invalid measure file: the message names the file, the place and the field."""


class DataError(TariffscopeError):
    """A malformed or truncated data file: the message names the file, row and field."""


class NetworkUnreachable(DataError):
    """A server that cannot be reached at all (no network, DNS, refused): not worth retrying."""


_BY_FIELD: dict[str, type[TariffscopeError]] = {
    "hts10": UnknownHTS,
    "origin": UnknownCountry,
    "date": DateOutOfRange,
}


def from_status(status: str) -> TariffscopeError:
    """The error a resolver status ``"error: <field>: <message>"`` stands for, with its field set.

    >>> e = from_status("error: origin: unknown country code XX")
    >>> type(e).__name__, e.field, str(e)
    ('UnknownCountry', 'origin', 'origin: unknown country code XX')
    """
    message = status.removeprefix("error: ")
    head = message.split(":", 1)[0].strip() if ":" in message and status != message else ""
    field = head if head.isidentifier() else None
    return _BY_FIELD.get(head, TariffscopeError)(message, field=field)
