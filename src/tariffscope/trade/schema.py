"""The tidy trade table every loader returns, and the vectorised cleaning steps they share.

Tidy columns (one row per commodity × partner × period × measure):

- ``hts10``: the commodity code as published, digits only (10 digits for HTS10 sources; DataWeb
  HS2 exports give 2-digit codes, and ``level`` says how many digits);
- ``level``: number of digits of ``hts10`` (2, 4, 6, 8 or 10);
- ``partner``: ISO 3166-1 alpha-2 (see :mod:`tariffscope.countries`);
- ``period``: first day of the month (monthly data) or of the year (annual data);
- ``freq``: ``"M"`` or ``"A"``;
- ``measure``: what ``value_usd`` is, e.g. ``imports_cons`` (customs value, imports for
  consumption), ``imports_gen`` (general imports), ``import_charges``, ``exports_fas``;
- ``value_usd``, ``quantity``, ``unit``, ``usmca_value`` (USD entered under USMCA; CA/MX files only).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from tariffscope.countries import normalize_countries
from tariffscope.errors import DataError

TIDY_SCHEMA: dict[str, pl.DataType] = {
    "hts10": pl.Utf8(),
    "level": pl.Int8(),
    "partner": pl.Utf8(),
    "period": pl.Date(),
    "freq": pl.Utf8(),
    "measure": pl.Utf8(),
    "value_usd": pl.Float64(),
    "quantity": pl.Float64(),
    "unit": pl.Utf8(),
    "usmca_value": pl.Float64(),
}

ISSUE_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.Int64(),
    "field": pl.Utf8(),
    "value": pl.Utf8(),
    "reason": pl.Utf8(),
    "action": pl.Utf8(),
}

IMPORT_MEASURES = ("imports_cons", "imports_gen")


def empty_issues() -> pl.DataFrame:
    return pl.DataFrame(schema=ISSUE_SCHEMA)


@dataclass
class LoadResult:
    """A loader's output: the tidy frame and every row it skipped or cleaned.

    ``issues`` has columns ``row`` (line number in the file, 1-based, counting header lines; for
    JSON the record index), ``field``, ``value``, ``reason`` and ``action`` (``skipped`` or
    ``cleaned``).
    """

    frame: pl.DataFrame
    issues: pl.DataFrame = field(default_factory=empty_issues)
    source: str = ""
    fmt: str = ""

    @property
    def skipped(self) -> pl.DataFrame:
        return self.issues.filter(pl.col("action") == "skipped")

    @property
    def cleaned(self) -> pl.DataFrame:
        return self.issues.filter(pl.col("action") == "cleaned")

    @property
    def n_skipped(self) -> int:
        if not self.issues.height:
            return 0
        # one row may have several issues; rows of different files (``"<file>:<field>"``) are distinct
        keys = self.skipped.select("row", pl.col("field").str.extract(r"^(.+):", 1).alias("file"))
        return int(keys.unique().height)

    def summary(self) -> str:
        s = f"{self.source}: {self.frame.height:,} rows loaded ({self.fmt})"
        if self.n_skipped:
            s += f", {self.n_skipped:,} skipped"
        if self.cleaned.height:
            s += f", {self.cleaned.height:,} values cleaned"
        return s


def clean_number(col: str, *, row: str = "_row", field_name: str | None = None) -> tuple[pl.Expr, pl.Expr]:
    """An expression parsing publisher numbers (``"1,716,414"``, ``" 2,429="``, ``"(D)"``) to Float64.

    Thousands separators and spaces are removed; a trailing ``=`` or other footnote marks after the
    digits (USA Trade Online flags revised values with ``=``) are stripped and the row is reported as
    *cleaned*. Returns (value expression, flag expression: 0 ok, 1 cleaned, 2 unparseable).
    """
    s = pl.col(col).cast(pl.Utf8).str.strip_chars()
    plain = s.str.replace_all(r"[,\s]", "")
    stripped = plain.str.replace(r"^\(?(-?\d+(?:\.\d+)?)\)?[=*A-Za-z()]*$", "${1}")
    value = stripped.cast(pl.Float64, strict=False)
    direct = plain.cast(pl.Float64, strict=False)
    flag = (
        pl.when(s.is_null() | (s == ""))
        .then(pl.lit(2))
        .when(direct.is_not_null())
        .then(pl.lit(0))
        .when(value.is_not_null())
        .then(pl.lit(1))
        .otherwise(pl.lit(2))
    )
    return pl.when(flag == 2).then(None).otherwise(value), flag


def number_issues(df: pl.DataFrame, col: str, flag_col: str, label: str) -> pl.DataFrame:
    """Issue rows for a column parsed by :func:`clean_number`."""
    bad = df.filter(pl.col(flag_col) > 0)
    return bad.select(
        pl.col("_row").cast(pl.Int64).alias("row"),
        pl.lit(label).alias("field"),
        pl.col(col).cast(pl.Utf8).alias("value"),
        pl.when(pl.col(flag_col) == 1)
        .then(pl.lit("stripped footnote marks from the number"))
        .otherwise(pl.lit("not a number"))
        .alias("reason"),
        pl.when(pl.col(flag_col) == 1).then(pl.lit("cleaned")).otherwise(pl.lit("skipped")).alias("action"),
    )


def finish(
    df: pl.DataFrame,
    *,
    source: str,
    fmt: str,
    issues: list[pl.DataFrame] | None = None,
    country_field: str = "country",
    partner_from: str = "_country",
) -> LoadResult:
    """Normalise partners and HTS codes, drop the rows with issues, and return the tidy result.

    ``df`` must hold ``_row`` (file line number), ``partner_from`` (raw country code or name) and the
    tidy columns other than ``partner``/``level``; numeric columns already parsed (nulls where bad).
    """
    all_issues = list(issues or [])
    iso2, cerr = normalize_countries(df[partner_from])
    rows = df["_row"]
    if cerr.height:
        all_issues.append(
            cerr.select(
                rows.gather(cerr["row"]).cast(pl.Int64).alias("row"),
                pl.lit(country_field).alias("field"),
                pl.col("value"),
                pl.when(
                    pl.col("value")
                    .str.contains(r"(?i)^(0\d{3}|\d?X+|-|TOTAL.*|WORLD.*|ALL .*)$")
                    .fill_null(False)
                )
                .then(pl.lit("a country grouping or total, not a single country"))
                .when(pl.col("suggestion") != "")
                .then(pl.lit("unknown country; did you mean ") + pl.col("suggestion") + pl.lit("?"))
                .otherwise(pl.lit("unknown country or a country grouping"))
                .alias("reason"),
                pl.lit("skipped").alias("action"),
            )
        )
    df = df.with_columns(iso2.alias("partner"), pl.col("hts10").cast(pl.Utf8).str.strip_chars())
    bad_hts = df.filter(~pl.col("hts10").str.contains(r"^(\d{2}|\d{4}|\d{6}|\d{8}|\d{10})$").fill_null(False))
    if bad_hts.height:
        all_issues.append(
            bad_hts.select(
                pl.col("_row").cast(pl.Int64).alias("row"),
                pl.lit("hts").alias("field"),
                pl.col("hts10").alias("value"),
                pl.lit("not a 2/4/6/8/10-digit HS code").alias("reason"),
                pl.lit("skipped").alias("action"),
            )
        )
    if df.filter(pl.col("period").is_null()).height:
        all_issues.append(
            df.filter(pl.col("period").is_null()).select(
                pl.col("_row").cast(pl.Int64).alias("row"),
                pl.lit("period").alias("field"),
                pl.lit(None, pl.Utf8).alias("value"),
                pl.lit("no valid period").alias("reason"),
                pl.lit("skipped").alias("action"),
            )
        )
    issues_df = (
        pl.concat([i.select(list(ISSUE_SCHEMA)).cast(ISSUE_SCHEMA) for i in all_issues])  # type: ignore[arg-type]
        if all_issues
        else empty_issues()
    ).sort("row")
    skip_rows = issues_df.filter(pl.col("action") == "skipped")["row"].unique()
    keep = df.filter(~pl.col("_row").is_in(skip_rows.implode()))
    for c in TIDY_SCHEMA:
        if c not in keep.columns:
            keep = keep.with_columns(pl.lit(None).alias(c))
    keep = keep.with_columns(pl.col("hts10").str.len_chars().alias("level"))
    out = keep.select([pl.col(c).cast(t) for c, t in TIDY_SCHEMA.items()])
    return LoadResult(frame=out, issues=issues_df, source=source, fmt=fmt)


def check_csv_complete(path: Path, text: str, n_header_fields: int, *, delimiter: str = ",") -> None:
    """Raise :class:`DataError` if the file ends mid-row (a truncated download).

    A file whose last line has fewer fields than the header, or an unclosed quote, is truncated.
    """
    if not text or text.endswith("\n"):
        return
    last_start = text.rfind("\n") + 1
    last = text[last_start:]
    line_no = text.count("\n") + 1
    if last.count('"') % 2 == 1:
        raise DataError(f"{path}: truncated file: row {line_no} ends inside a quoted field: {last[:60]!r}")
    fields = next(csv.reader(io.StringIO(last), delimiter=delimiter), [])
    if len(fields) < n_header_fields:
        missing = n_header_fields - len(fields)
        raise DataError(
            f"{path}: truncated file: row {line_no} has {len(fields)} of {n_header_fields} fields "
            f"({missing} missing, last field {fields[-1][:30] if fields else ''!r})"
        )


def find_ragged_row(path: Path, text: str, n_fields: int, skip_lines: int = 0) -> str:
    """Locate the first CSV row whose field count differs from the header (slow path, errors only)."""
    reader = csv.reader(io.StringIO(text))
    for i, rec in enumerate(reader, start=1):
        if i <= skip_lines or not rec:
            continue
        if len(rec) != n_fields:
            return f"{path}: row {reader.line_num} has {len(rec)} fields, expected {n_fields}"
    return f"{path}: malformed CSV"
