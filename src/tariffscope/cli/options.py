"""What every command shares: the common options, their checks, and the one error decorator.

One place decides what a valid option is, so ``rate``, ``etr``, ``exposure``, ``rank``, ``report`` and
``scenario`` refuse the same things with the same words (a usage error naming the option, exit 2), and
one decorator (:func:`user_errors`, applied to every command by ``cli.main``) turns a
:class:`~tariffscope.errors.TariffscopeError` or an OS error into ``error: ...`` on stderr and a
non-zero exit, so commands need no try/except of their own.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

import polars as pl
import typer

from tariffscope.cli.output import Format, err_console
from tariffscope.cli.output import date_option as parse_date
from tariffscope.errors import TariffscopeError, UnknownCountry
from tariffscope.resolver.inputs import HORIZON


def fail(exc: Exception) -> typer.Exit:
    """Print a user-facing error and return the exit to raise."""
    from rich.markup import escape

    err_console.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)  # [..] in a message is text
    return typer.Exit(code=getattr(exc, "exit_code", 2) if isinstance(exc, TariffscopeError) else 2)


def user_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a command so that no traceback reaches a user: a TariffscopeError or an OS error on a
    path prints ``error: ...`` and exits non-zero."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except TariffscopeError as exc:
            raise fail(exc) from None
        except OSError as exc:  # a missing, forbidden or clashing path; a full disk
            what = exc.filename or ""
            raise fail(
                TariffscopeError(f"{what}: {exc.strerror}" if what and exc.strerror else str(exc))
            ) from None

    return wrapper


DbOpt = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="trade store, a DuckDB file (default: the user store, tariffscope.duckdb under "
        "$TARIFFSCOPE_HOME; `data` commands write it, weights read it only for a year the shipped "
        "2024 imports lack)",
    ),
]
"""``--db``, the one definition every command uses (issue 14: it had three, with different defaults)."""


ViewOpt = Annotated[
    str,
    typer.Option(
        "--view",
        help="adjusted (default, the owed view: preferences claimed as claimed) | "
        "statutory (no preference claimed: a ceiling)",
    ),
]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="the law as known on this date (YYYY-MM-DD)")]
YearOpt = Annotated[int, typer.Option("--year", help="import weights year")]
TableFormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table | json | csv")]
OutOpt = Annotated[Path | None, typer.Option("--out", help="write to a file (CSV/JSON/Parquet by extension)")]


def view(v: str) -> Literal["statutory", "adjusted"]:
    """The ``--view`` of an aggregate: ``statutory`` or ``adjusted``."""
    if v not in ("statutory", "adjusted"):
        raise typer.BadParameter(f"{v!r}: use statutory or adjusted", param_hint="--view")
    return v  # type: ignore[return-value]


def checked(fn: Callable[[], Any]) -> Any:
    """Run ``fn``; a ValueError from a model or solver is reported like a TariffscopeError."""
    try:
        return fn()
    except (TariffscopeError, ValueError) as exc:
        raise fail(exc) from None


def entry_date(s: str | None, name: str) -> dt.date:
    """A required entry date inside the catalogue's horizon (as ``rate`` and the batch check it)."""
    d = parse_date(s, name)
    if d is None:
        raise typer.BadParameter("required", param_hint=name)
    if not HORIZON[0] <= d <= HORIZON[1]:
        raise typer.BadParameter(
            f"{d} is outside the catalogue's horizon {HORIZON[0]} to {HORIZON[1]}", param_hint=name
        )
    return d


def optional_entry_date(s: str | None, name: str) -> dt.date | None:
    """An entry date that may be left out (a scenario's own date then applies)."""
    return None if s is None else entry_date(s, name)


def date_span(start: str | None, end: str | None, names: tuple[str, str]) -> tuple[dt.date, dt.date]:
    """Two entry dates in the horizon, the second not before the first."""
    a, b = entry_date(start, names[0]), entry_date(end, names[1])
    if b < a:
        raise typer.BadParameter(f"{b} is before {names[0]} {a}", param_hint=names[1])
    return a, b


def _finite(value: float | None, name: str) -> float | None:
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a finite number", param_hint=name)
    return value


def amount(value: float | None, name: str) -> float | None:
    """A finite, non-negative amount (USD, quantity)."""
    v = _finite(value, name)
    if v is not None and v < 0:
        raise typer.BadParameter(f"{v} is negative", param_hint=name)
    return v


def share(value: float | None, name: str) -> float | None:
    """A share of value between 0 and 1."""
    v = _finite(value, name)
    if v is not None and not 0 <= v <= 1:
        raise typer.BadParameter(f"{v} is not between 0 and 1", param_hint=name)
    return v


def amount_cb(param: typer.CallbackParam, value: float | None) -> float | None:
    """Typer callback form of :func:`amount` (the option's own name in the message)."""
    return amount(value, "/".join(param.opts) or str(param.name))


def share_cb(param: typer.CallbackParam, value: float | None) -> float | None:
    """Typer callback form of :func:`share`."""
    return share(value, "/".join(param.opts) or str(param.name))


def finite_cb(param: typer.CallbackParam, value: float | None) -> float | None:
    """Typer callback: any finite number."""
    return _finite(value, "/".join(param.opts) or str(param.name))


def not_nan_cb(param: typer.CallbackParam, value: float | None) -> float | None:
    """Typer callback: a number, infinity allowed (an elasticity that may be infinite)."""
    if value is not None and math.isnan(value):
        raise typer.BadParameter("nan is not a number", param_hint="/".join(param.opts) or str(param.name))
    return value


def partner(code: str, name: str) -> str:
    """ISO2 of a partner (``ALL`` stays ``ALL``); an unknown code gets a "did you mean"."""
    if code.strip().upper() == "ALL":
        return "ALL"
    from tariffscope.countries import country

    try:
        return country(code).iso2
    except UnknownCountry as exc:
        raise typer.BadParameter(str(exc), param_hint=name) from None


def weights(db: Path | None, year: int) -> pl.DataFrame:
    """Import weights for ``--db``/``--year``, saying on stderr which weights are in use.

    A store's partners replace the shipped weights of those partners (see
    :func:`tariffscope.trade.weights.load_weights`): the note names them, and warns when a partner's
    loaded imports are a small fraction of its shipped total (a partial or test load).
    """
    from tariffscope.cli.output import usd
    from tariffscope.paths import default_db
    from tariffscope.trade.weights import SHIPPED_YEAR, load_weights, store_coverage

    w = load_weights(db, year)
    store = db if db is not None else (default_db() if year != SHIPPED_YEAR else None)
    cov = store_coverage(store, year) if store is not None and store.exists() else None
    if cov is None or cov.height == 0:
        err_console.print(
            f"[dim]weights: the shipped {SHIPPED_YEAR} imports (--db STORE: your loaded imports)[/]",
        )
        return w
    shown = ", ".join(
        f"{r['partner']} {r['lines']:,} line(s) {usd(r['imports_usd'])}"
        for r in cov.head(8).iter_rows(named=True)
    )
    more = f" and {cov.height - 8} more" if cov.height > 8 else ""
    err_console.print(
        f"[dim]weights: {year} imports loaded in {store} for {cov.height} partner(s) ({shown}{more})"
        + (f"; shipped {SHIPPED_YEAR} weights for the others[/]" if year == SHIPPED_YEAR else "[/]"),
        soft_wrap=True,
    )
    if year == SHIPPED_YEAR:
        shipped = (
            load_weights(None, year).group_by("partner").agg(pl.col("imports_usd").sum().alias("shipped"))
        )
        low = cov.join(shipped, on="partner").filter(pl.col("imports_usd") < 0.01 * pl.col("shipped"))
        for r in low.head(8).iter_rows(named=True):
            err_console.print(
                f"[yellow]warning:[/] {r['partner']}: the store's {usd(r['imports_usd'])} is under 1% of the "
                f"shipped {usd(r['shipped'])}: a partial or test load replaces this partner's weights",
                soft_wrap=True,
            )
    return w
