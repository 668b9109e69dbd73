"""HTS code normalisation and formatting.

Codes are kept in data as digit strings (``"8703230160"``) and written for people with dots
(``8703.23.01.60``), as in the USITC schedule: heading (4), subheading (6), tariff line (8,
the legal rate line) and statistical suffix (10, Census statistical annotation).
"""

from __future__ import annotations

import re

from tariffscope.errors import UnknownHTS


class InvalidHTS(UnknownHTS, ValueError):
    """A string that is not an HTS code at all (both a project error and a ``ValueError``)."""


_SEPARATORS = re.compile(r"[\s.\-]")
_VALID_LENGTHS = (2, 4, 6, 8, 10)


def normalize_hts(code: str | int) -> str:
    """Return the digits of an HTS code: ``"8703.23.01.60"`` -> ``"8703230160"``.

    Accepts dotted or plain forms of 4, 6, 8 or 10 digits (and 2-digit chapters). Integers are
    accepted only with the digits they show (a leading zero lost to ``int`` cannot be recovered,
    so ``101210010`` is refused). Raises :class:`InvalidHTS` (an ``UnknownHTS`` and a
    ``ValueError``) for anything else.
    """
    if isinstance(code, bool) or not isinstance(code, str | int):
        raise InvalidHTS(f"HTS code must be a string like '8703.23.01.60', got {type(code).__name__}")
    raw = str(code).strip()
    digits = _SEPARATORS.sub("", raw)
    if not digits.isdigit():
        raise InvalidHTS(
            f"not an HTS code: {raw!r} (expected digits with optional dots, e.g. '8703.23.01.60')"
        )
    if len(digits) not in _VALID_LENGTHS:
        raise InvalidHTS(
            f"not an HTS code: {raw!r} has {len(digits)} digits; HTS codes have 2, 4, 6, 8 or 10 digits"
        )
    return digits


def format_hts(digits: str) -> str:
    """Write an HTS code for people: ``"8703230160"`` -> ``"8703.23.01.60"``; 8/6/4 digits too."""
    d = normalize_hts(digits)
    if len(d) <= 4:
        return d
    parts = [d[:4]] + [d[i : i + 2] for i in range(4, len(d), 2)]
    return ".".join(parts)


def hts10(code: str | int) -> str:
    """Normalise to 10 digits, padding an 8-digit tariff line with suffix ``00``."""
    d = normalize_hts(code)
    if len(d) == 8:
        return d + "00"
    if len(d) != 10:
        raise InvalidHTS(f"{code!r} is not an 8- or 10-digit HTS line")
    return d
