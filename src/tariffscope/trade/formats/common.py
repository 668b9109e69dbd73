"""What the trade-data formats share: period parsing, text and strict CSV reading, row numbers."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import polars as pl

from tariffscope.errors import DataError
from tariffscope.trade.schema import check_csv_complete, find_ragged_row

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}


def parse_period(col: str | pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Vectorised period parsing: ``2024``, ``2025-01``, ``202501``, ``2025-01-01``, ``January 2025``,
    ``2025 - January``. Returns (date expression, frequency expression ``"A"``/``"M"``)."""
    s = (pl.col(col) if isinstance(col, str) else col).cast(pl.Utf8).str.strip_chars().str.to_lowercase()
    year = s.str.extract(r"((?:19|20)\d{2})", 1).cast(pl.Int32, strict=False)
    num_month = pl.coalesce(
        s.str.extract(r"^(?:19|20)\d{2}[-/]?(\d{2})(?:[-/]\d{2})?$", 1),
        s.str.extract(r"^(\d{1,2})[-/](?:19|20)\d{2}$", 1),
    ).cast(pl.Int32, strict=False)
    word = s.str.extract(r"([a-z]+)", 1)
    word_month = word.replace_strict(_MONTHS, default=None, return_dtype=pl.Int32)
    month = pl.coalesce(num_month, word_month)
    is_year = s.str.contains(r"^(?:19|20)\d{2}$")
    valid_month = month.is_between(1, 12)
    date = (
        pl.when(is_year)
        .then(pl.date(year, 1, 1))
        .when(valid_month & year.is_not_null())
        .then(pl.date(year, month.clip(1, 12), 1))
        .otherwise(None)
    )
    freq = pl.when(is_year).then(pl.lit("A")).when(valid_month).then(pl.lit("M")).otherwise(None)
    return date, freq


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, gzip.BadGzipFile) as e:
            raise DataError(f"{path}: truncated or corrupt gzip file ({e})") from e
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def read_csv_text(path: Path, text: str, *, skip_lines: int = 0) -> pl.DataFrame:
    """Strict CSV read of ``text`` (all columns as strings) with a row/field-naming error on failure."""
    lines = text.splitlines()
    header = next(csv.reader([lines[skip_lines]])) if len(lines) > skip_lines else []
    if not header:
        raise DataError(f"{path}: empty file (no header at row {skip_lines + 1})")
    check_csv_complete(path, text, len(header))
    # Polars pads short rows with nulls; count the fields of every line (quoted commas removed)
    # to reject a ragged row with its line number.
    counts = (
        pl.Series("l", lines[skip_lines:], dtype=pl.Utf8)
        .str.replace_all(r'"[^"]*"', "")
        .str.count_matches(",")
        + 1
    )
    blank = pl.Series(lines[skip_lines:], dtype=pl.Utf8).str.strip_chars() == ""
    bad = (counts != len(header)) & ~blank
    if bad.any():
        i = int(bad.arg_true()[0])
        raise DataError(f"{path}: row {skip_lines + i + 1} has {counts[i]} fields, expected {len(header)}")
    try:
        return pl.read_csv(
            io.StringIO(text),
            skip_rows=skip_lines,
            infer_schema_length=0,
            has_header=True,
            truncate_ragged_lines=False,
        )
    except pl.exceptions.PolarsError as e:
        raise DataError(
            find_ragged_row(path, text, len(header), skip_lines=skip_lines + 1) + f" ({e})"
        ) from e


def with_row_numbers(df: pl.DataFrame, first_data_line: int) -> pl.DataFrame:
    """Add ``_row``: the 1-based line number in the file (assumes one line per record)."""
    return df.with_row_index("_row", offset=first_data_line).with_columns(pl.col("_row").cast(pl.Int64))


def sum_lines(frame: pl.DataFrame) -> pl.DataFrame:
    """Sum the rows of one line × partner × period (split by district or rate provision in the source)."""
    keys = ["hts10", "level", "partner", "period", "freq", "measure"]
    return (
        frame.group_by(keys, maintain_order=True)
        .agg(
            pl.col("value_usd").sum(),
            pl.col("quantity").sum(),
            pl.col("unit").first(),
            pl.col("usmca_value").first(),
        )
        .select(frame.columns)
    )
