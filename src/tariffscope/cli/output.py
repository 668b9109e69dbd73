"""Shared output helpers: percent for people, decimals for machines, one place for errors."""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from tariffscope.errors import TariffscopeError

Format = Literal["table", "json", "csv"]
console = Console()
err_console = Console(stderr=True)


def date_option(s: str | None, name: str) -> dt.date | None:
    """A YYYY-MM-DD command-line option as a date (None stays None); a bad value names the option."""
    if s is None:
        return None
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        raise typer.BadParameter(f"{s!r} is not a date YYYY-MM-DD", param_hint=name) from None


def pct(x: float | None, digits: int = 2) -> str:
    """A decimal rate for people: 0.275 -> '27.5%'."""
    if x is None or x != x:  # None or NaN
        return "—"
    s = f"{100 * x:.{digits}f}".rstrip("0").rstrip(".")
    return f"{s}%"


def usd(x: float | None) -> str:
    if x is None:
        return "—"
    sign, a = ("-" if x < 0 else ""), abs(x)
    for div, suf in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            return f"{sign}${a / div:,.2f}{suf}"
    return f"{sign}${a:,.2f}"


def fail(exc: Exception) -> typer.Exit:
    """Print a user-facing error and return the exit to raise."""
    err_console.print(f"[bold red]error:[/] {exc}", soft_wrap=True)
    return typer.Exit(code=getattr(exc, "exit_code", 2) if isinstance(exc, TariffscopeError) else 2)


@contextmanager
def atomic_out(out: Path) -> Iterator[Path]:
    """A temporary path beside ``out`` that replaces it on success: a failed write leaves nothing
    half-written. The folder is created if missing."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.part")
    try:
        yield tmp
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)


def emit_json(obj: Any, out: Path | None = None) -> None:
    text = json.dumps(obj, indent=2, default=str)
    if out:
        with atomic_out(out) as tmp:
            tmp.write_text(text + "\n")
    else:
        sys.stdout.write(text + "\n")


def emit_frame(
    df: pl.DataFrame,
    fmt: Format,
    out: Path | None = None,
    title: str | None = None,
    percent_cols: Sequence[str] = (),
    usd_cols: Sequence[str] = (),
) -> None:
    """Write a table as a rich table, JSON rows or CSV (to a file or stdout; Parquet by extension)."""
    if out is not None and out.suffix == ".parquet":
        with atomic_out(out) as tmp:
            df.write_parquet(tmp)
        return
    if fmt == "json":
        emit_json(df.to_dicts(), out)
        return
    if fmt == "csv":
        if out:
            with atomic_out(out) as tmp:
                df.write_csv(tmp)
        else:
            sys.stdout.write(df.write_csv())
        return
    table = Table(title=title, show_lines=False)
    for c in df.columns:
        table.add_column(c, justify="right" if df[c].dtype.is_numeric() else "left")
    for row in df.iter_rows(named=True):
        cells = []
        for c, v in row.items():
            if c in percent_cols:
                cells.append(pct(v))
            elif c in usd_cols:
                cells.append(usd(v))
            elif isinstance(v, float):
                cells.append(f"{v:,.4g}")
            else:
                cells.append("" if v is None else str(v))
        table.add_row(*cells)
    if out:
        with atomic_out(out) as tmp, tmp.open("w") as fh:
            Console(file=fh, width=200).print(table)
    else:
        console.print(table)


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
