"""Shared output helpers: percent for people, decimals for machines, one place for errors."""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import polars as pl
import typer
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from tariffscope.errors import TariffscopeError
from tariffscope.fmt import pct, usd

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


def fail(exc: Exception) -> typer.Exit:
    """Print a user-facing error and return the exit to raise."""
    from rich.markup import escape

    err_console.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)  # [..] in a message is text
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
    labels: Mapping[str, str] | None = None,
    drop: Sequence[str] = (),
) -> None:
    """Write a table as a rich table, JSON rows or CSV (to a file or stdout; Parquet by extension).

    A rich table fits the terminal (see :func:`fit_table`); ``labels`` rename headers, ``drop``
    names the columns to leave out first when it is narrow.
    """
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
    rows = []
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
        rows.append(cells)
    right = {c for c in df.columns if df[c].dtype.is_numeric()}
    if out:
        table, _ = fit_table(df.columns, rows, title=title, right=right, labels=labels, width=200)
        with atomic_out(out) as tmp, tmp.open("w") as fh:
            Console(file=fh, width=200).print(table)
    else:
        print_fitted(df.columns, rows, title=title, right=right, labels=labels, drop=drop)


def _label(c: str) -> str:
    """A header that wraps between words instead of being cut: ``etr_ieepa_reciprocal`` -> ``etr ieepa reciprocal``."""
    return c.replace("_", " ")


def _break_ids(cell: str) -> str:
    """An id on several lines after each ``/`` (``measure/rule``): every character kept."""
    return cell.replace("/", "/\n")


def fit_table(
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    title: str | None = None,
    right: Collection[str] = (),
    labels: Mapping[str, str] | None = None,
    drop: Sequence[str] = (),
    width: int | None = None,
) -> tuple[Table, list[str]]:
    """A table that fits ``width`` (default: the terminal's) without cutting a date, id, number or header.

    Headers wrap between words; text with spaces wraps; ids break after ``/`` when they must; dates
    and numbers are never wrapped. Columns that still do not fit are left out (first those named in
    ``drop``, then from the right) and returned, so the caller can say so. Widths are set here, not
    by rich, whose last-resort shrinking would cut cells.
    """
    width = width or console.width
    labels = labels or {}
    cols = list(columns)
    data = [list(r) for r in rows]
    heads = {c: labels.get(c, _label(c)) for c in cols}
    text_cols = {
        c
        for i, c in enumerate(cols)
        if any(" " in r[i] for r in data) and max((cell_len(r[i]) for r in data), default=0) > 20
    }
    id_cols = {c for i, c in enumerate(cols) if c not in text_cols and any("/" in r[i] for r in data)}

    def cells(c: str, broken: bool) -> list[str]:
        i = cols.index(c)
        return [_break_ids(r[i]) if broken and c in id_cols else r[i] for r in data]

    def span(c: str, broken: bool) -> tuple[int, int]:
        """(narrowest, natural) width of a column."""
        longest_line = max((cell_len(line) for x in cells(c, broken) for line in x.split("\n")), default=0)
        word = max((cell_len(w) for w in heads[c].split()), default=1)
        if c in text_cols:
            # wrapped between words: as narrow as its longest word (ids inside text stay whole up to 30)
            token = max((cell_len(t) for x in cells(c, broken) for t in x.split()), default=0)
            return max(word, min(longest_line, max(16, min(token, 30)))), max(
                cell_len(heads[c]), longest_line
            )
        return max(word, longest_line), max(cell_len(heads[c]), longest_line)

    def overhead(n: int, edge: bool) -> int:
        return 3 * n + 1 if edge else 3 * n - 1

    keep = list(cols)
    natural = {c: span(c, False)[1] for c in keep}
    if sum(natural.values()) + overhead(len(keep), True) <= width:
        return _table(title, keep, heads, right, text_cols, natural, data, cols, id_cols, False, True), []
    # narrow: no outer border, ids broken after "/", and columns left out until the rest fit
    order = [c for c in drop if c in cols] + [c for c in reversed(cols) if c not in drop]
    spans = {c: span(c, True) for c in keep}
    hidden: list[str] = []
    while sum(spans[c][0] for c in keep) + overhead(len(keep), False) > width and len(keep) > 1:
        c = next(c for c in order if c in keep and c != keep[0])
        keep.remove(c)
        hidden.append(c)
    widths = {c: spans[c][0] for c in keep}
    slack = width - overhead(len(keep), False) - sum(widths.values())
    # spare room goes to wrapped text first (shared by need), then to the headers that need least
    texts = [c for c in keep if c in text_cols]
    need = sum(spans[c][1] - widths[c] for c in texts)
    if texts and need > 0 and slack > 0:
        share = min(1.0, slack / need)
        for c in texts:
            more = int((spans[c][1] - widths[c]) * share)
            widths[c] += more
            slack -= more
    for c in sorted(keep, key=lambda c: (c not in text_cols, spans[c][1] - widths[c])):
        more = min(max(slack, 0), spans[c][1] - widths[c])
        widths[c] += more
        slack -= more
    return _table(title, keep, heads, right, text_cols, widths, data, cols, id_cols, True, False), hidden


def _table(
    title: str | None,
    keep: list[str],
    heads: Mapping[str, str],
    right: Collection[str],
    text_cols: Collection[str],
    widths: Mapping[str, int],
    data: list[list[str]],
    cols: list[str],
    id_cols: Collection[str],
    broken: bool,
    edge: bool,
) -> Table:
    t = Table(title=title, show_lines=False, show_edge=edge)
    for c in keep:
        t.add_column(
            heads[c],
            justify="right" if c in right and c not in text_cols else "left",
            overflow="fold",
            width=widths[c],
        )
    idx = [cols.index(c) for c in keep]
    for r in data:
        t.add_row(*(_break_ids(r[i]) if broken and cols[i] in id_cols else r[i] for i in idx))
    return t


def print_fitted(
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    title: str | None = None,
    right: Collection[str] = (),
    labels: Mapping[str, str] | None = None,
    drop: Sequence[str] = (),
) -> None:
    """Print :func:`fit_table` and name the columns left out at this width."""
    table, hidden = fit_table(columns, rows, title=title, right=right, labels=labels, drop=drop)
    console.print(table)
    if hidden:
        names = ", ".join(_label(c) for c in hidden)
        err_console.print(
            f"[dim]not shown at {console.width} columns: {names} (widen the terminal, or use --format csv)[/]",
            soft_wrap=True,
        )


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
