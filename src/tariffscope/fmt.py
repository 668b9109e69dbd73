"""Numbers for people: decimals in data, percent and dollars on screen (style guide)."""

from __future__ import annotations

HOURS_PER_YEAR = 8760.0
"""Hours in a (non-leap) year: duty per hour = duty per year / 8,760."""


def pct(x: float | None, digits: int = 2) -> str:
    """A decimal rate for people.

    >>> pct(0.275), pct(0.1234567), pct(None), pct(0.001, 0), pct(0.2, 0)
    ('27.5%', '12.35%', '—', '0%', '20%')
    """
    if x is None or x != x:  # None or NaN
        return "—"
    s = f"{100 * x:.{digits}f}"
    if "." in s:  # trailing zeros of the decimals only: 20% stays 20%, 0.1% at 0 digits is 0%
        s = s.rstrip("0").rstrip(".")
    return f"{s}%"


def pp(x: float | None, digits: int = 2) -> str:
    """A signed change of a rate, in percentage points.

    >>> pp(0.25), pp(-0.025), pp(None)
    ('+25 pp', '-2.5 pp', '—')
    """
    if x is None or x != x:
        return "—"
    return ("+" if x > 0 else "") + pct(x, digits)[:-1] + " pp"


def usd(x: float | None) -> str:
    """Dollars for people, with k/M/B/T above a thousand.

    >>> usd(4500), usd(-2.5e9), usd(None)
    ('$4.50k', '-$2.50B', '—')
    """
    if x is None:
        return "—"
    sign, a = ("-" if x < 0 else ""), abs(x)
    for div, suf in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            return f"{sign}${a / div:,.2f}{suf}"
    return f"{sign}${a:,.2f}"
