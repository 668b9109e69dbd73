"""Errors that name what is wrong, for people and for exit codes."""

from __future__ import annotations


class TariffscopeError(Exception):
    """Base class: a user-facing error with a clear message."""

    exit_code = 2


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
