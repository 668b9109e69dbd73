"""Loaders for the US publishers' trade-data formats, each returning a tidy :class:`LoadResult`.

Formats (``fmt`` names as used by ``tariffscope data import --format``):

- ``census-json``: the Census international trade API (``timeseries/intltrade/imports/hs``), an
  array of arrays whose first row is the header (``I_COMMODITY, CTY_CODE, CON_VAL_MO, time, ...``);
- ``imdb``: the Census monthly Merchandise Trade Imports file ``IMP_DETL.TXT`` (fixed width; layout
  in :data:`IMDB_LAYOUT`), alone or inside the monthly ``IMDByymm.ZIP``;
- ``dataweb``: USITC DataWeb CSV exports (preamble rows, ``Data Type, HTS Number, Description,
  Country, <year>...``, a ``Total:`` footer);
- ``usatradeonline``: Census USA Trade Online CSV exports (``Commodity, Country, Time, <measure>``;
  values such as ``"2,429="``);
- ``camx``: monthly HTS10 imports from Canada and Mexico with USMCA values
  (``hts10, cty_code, usmca_share, total_value, usmca_value``; period from the file name);
- ``csv`` / ``parquet``: a plain table ``hts, country, period, value[, quantity, unit, usmca_value]``.

Rows that cannot be used (unknown country, bad code, non-numeric value) are skipped and reported;
a truncated or structurally malformed file raises :class:`~tariffscope.errors.DataError` naming the
file, row and field.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from tariffscope.errors import DataError
from tariffscope.trade.schema import (
    LoadResult,
    check_csv_complete,
    clean_number,
    find_ragged_row,
    finish,
    number_issues,
)

FORMATS = ("census-json", "imdb", "dataweb", "usatradeonline", "camx", "csv", "parquet")

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


def _read_text(path: Path) -> str:
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


def _read_csv_text(path: Path, text: str, *, skip_lines: int = 0) -> pl.DataFrame:
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


def _with_row_numbers(df: pl.DataFrame, first_data_line: int) -> pl.DataFrame:
    """Add ``_row``: the 1-based line number in the file (assumes one line per record)."""
    return df.with_row_index("_row", offset=first_data_line).with_columns(pl.col("_row").cast(pl.Int64))


# --------------------------------------------------------------------------------------------------
# Census international trade API (JSON)

#: Census API value variables in order of preference, with the measure they give.
CENSUS_VALUE_VARS = (("CON_VAL_MO", "imports_cons"), ("GEN_VAL_MO", "imports_gen"))
CENSUS_QTY_VARS = ("CON_QY1_MO", "GEN_QY1_MO")


def load_census_json(source: Path | str | bytes | list[list[Any]], *, name: str | None = None) -> LoadResult:
    """Parse a Census international trade API response (``timeseries/intltrade/imports/hs``).

    The response is a JSON array of arrays; row 0 names the variables. Needed: ``I_COMMODITY``,
    ``CTY_CODE``, ``time`` (``YYYY-MM``, or ``YEAR`` and ``MONTH``) and ``CON_VAL_MO`` or
    ``GEN_VAL_MO``; used if present: ``CON_QY1_MO``/``GEN_QY1_MO`` and ``UNIT_QY1``. Rows for
    country groupings (``CTY_CODE`` such as ``0003`` or ``1XXX``) are skipped and reported.
    """
    label = name or (str(source) if isinstance(source, Path | str) else "<census api response>")
    if isinstance(source, list):
        data: Any = source
    else:
        raw = Path(source).read_bytes() if isinstance(source, Path | str) else source
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as e:
            end = len(raw.rstrip())
            what = "truncated" if e.pos >= end - 1 else "malformed"
            raise DataError(f"{label}: {what} JSON at line {e.lineno}, column {e.colno}: {e.msg}") from e
    if not isinstance(data, list) or not data or not isinstance(data[0], list):
        raise DataError(f"{label}: expected a JSON array of arrays with a header row")
    header = [str(h) for h in data[0]]
    width = len(header)
    for i, rec in enumerate(data[1:], start=1):
        if not isinstance(rec, list) or len(rec) != width:
            n = len(rec) if isinstance(rec, list) else "not a list"
            raise DataError(f"{label}: record {i} has {n} fields, expected {width} ({', '.join(header)})")
    cols = {h.upper() if h != "time" else "time": i for i, h in enumerate(header)}
    need = ["I_COMMODITY", "CTY_CODE"]
    missing = [c for c in need if c not in cols]
    value_var = next(((v, m) for v, m in CENSUS_VALUE_VARS if v in cols), None)
    if value_var is None:
        missing.append("CON_VAL_MO or GEN_VAL_MO")
    if "time" not in cols and not {"YEAR", "MONTH"} <= set(cols):
        missing.append("time (or YEAR and MONTH)")
    if missing:
        raise DataError(f"{label}: header lacks {', '.join(missing)}; got {', '.join(header)}")
    assert value_var is not None
    columns = list(zip(*data[1:], strict=True)) if len(data) > 1 else [() for _ in header]
    df = pl.DataFrame(
        {
            (h.upper() if h != "time" else "time"): pl.Series(
                [None if v is None else str(v) for v in col], dtype=pl.Utf8
            )
            for h, col in zip(header, columns, strict=True)
        }
    )
    df = df.with_row_index("_row", offset=1).with_columns(pl.col("_row").cast(pl.Int64))
    period_src = (
        pl.col("time")
        if "time" in cols
        else pl.concat_str([pl.col("YEAR"), pl.lit("-"), pl.col("MONTH").str.zfill(2)])
    )
    date, freq = parse_period(period_src)
    val, vflag = clean_number(value_var[0])
    qty_var = next((q for q in CENSUS_QTY_VARS if q in cols), None)
    exprs = [
        pl.col("I_COMMODITY").alias("hts10"),
        pl.col("CTY_CODE").alias("_country"),
        date.alias("period"),
        freq.alias("freq"),
        pl.lit(value_var[1]).alias("measure"),
        val.alias("value_usd"),
        vflag.alias("_vflag"),
    ]
    if qty_var:
        q, _ = clean_number(qty_var)
        exprs.append(q.alias("quantity"))
    if "UNIT_QY1" in cols:
        exprs.append(pl.col("UNIT_QY1").str.strip_chars().alias("unit"))
    out = df.with_columns(exprs)
    issues = [number_issues(out, value_var[0], "_vflag", value_var[0])]
    return finish(out, source=label, fmt="census-json", issues=issues, country_field="CTY_CODE")


# --------------------------------------------------------------------------------------------------
# Census IMDB fixed-width IMP_DETL.TXT

#: IMP_DETL.TXT fields used here: (name, first column, last column), 1-based inclusive, as in the
#: Census "U.S. Imports Merchandise Trade Files - Layouts" (IMDB). The full record continues with
#: air/vessel/containerised values and the year-to-date fields; a record must reach ``gen_cif_mo``.
IMDB_LAYOUT: tuple[tuple[str, int, int], ...] = (
    ("commodity", 1, 10),
    ("cty_code", 11, 14),
    ("cty_subco", 15, 16),
    ("dist_entry", 17, 18),
    ("dist_unlad", 19, 20),
    ("rate_prov", 21, 22),
    ("year", 23, 26),
    ("month", 27, 28),
    ("cards_mo", 29, 43),
    ("con_qy1_mo", 44, 58),
    ("con_qy2_mo", 59, 73),
    ("con_val_mo", 74, 88),
    ("dut_val_mo", 89, 103),
    ("cal_dut_mo", 104, 118),
    ("con_cha_mo", 119, 133),
    ("con_cif_mo", 134, 148),
    ("gen_qy1_mo", 149, 163),
    ("gen_qy2_mo", 164, 178),
    ("gen_val_mo", 179, 193),
    ("gen_cha_mo", 194, 208),
    ("gen_cif_mo", 209, 223),
)
IMDB_MIN_LENGTH = IMDB_LAYOUT[-1][2]


def load_imdb(path: Path) -> LoadResult:
    """Parse ``IMP_DETL.TXT`` (or the ``IMDByymm.ZIP`` holding it): HTS10 × country × district ×
    rate provision monthly records, summed to HTS10 × country × month (imports for consumption)."""
    path = Path(path)
    if path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as z:
                member = next((n for n in z.namelist() if Path(n).name.upper() == "IMP_DETL.TXT"), None)
                if member is None:
                    raise DataError(f"{path}: no IMP_DETL.TXT in the archive")
                raw = z.read(member)
        except zipfile.BadZipFile as e:
            raise DataError(f"{path}: truncated or corrupt ZIP archive ({e})") from e
        label = f"{path}!IMP_DETL.TXT"
    else:
        raw = path.read_bytes()
        label = str(path)
    text = raw.decode("latin-1")
    lines = pl.Series("line", text.splitlines(), dtype=pl.Utf8)
    df = pl.DataFrame(lines).with_row_index("_row", offset=1).with_columns(pl.col("_row").cast(pl.Int64))
    df = df.filter(pl.col("line").str.strip_chars() != "")
    if df.height == 0:
        raise DataError(f"{label}: no records")
    short = df.filter(pl.col("line").str.len_chars() < IMDB_MIN_LENGTH)
    if short.height and short["_row"][-1] == df["_row"][-1] and not text.endswith("\n"):
        n = short["_row"][-1]
        got = short["line"][-1]
        field = next(name for name, _a, b in IMDB_LAYOUT if b > len(got))
        raise DataError(
            f"{label}: truncated file: record at row {n} ends at column {len(got)}, inside field "
            f"{field!r} (records need {IMDB_MIN_LENGTH}+ columns)"
        )
    df = df.with_columns(
        [
            pl.col("line").str.slice(a - 1, b - a + 1).str.strip_chars().alias(name)
            for name, a, b in IMDB_LAYOUT
        ]
    )
    issues: list[pl.DataFrame] = []
    if short.height:
        issues.append(
            short.select(
                pl.col("_row").alias("row"),
                pl.lit("record").alias("field"),
                pl.col("line").str.slice(0, 40).alias("value"),
                (
                    pl.lit("record too short: ")
                    + pl.col("line").str.len_chars().cast(pl.Utf8)
                    + pl.lit(" columns")
                ).alias("reason"),
                pl.lit("skipped").alias("action"),
            )
        )
    date, freq = parse_period(pl.concat_str([pl.col("year"), pl.lit("-"), pl.col("month")]))
    val, vflag = clean_number("con_val_mo")
    qty, _ = clean_number("con_qy1_mo")
    df = df.with_columns(
        pl.col("commodity").alias("hts10"),
        pl.col("cty_code").alias("_country"),
        date.alias("period"),
        freq.alias("freq"),
        pl.lit("imports_cons").alias("measure"),
        val.alias("value_usd"),
        vflag.alias("_vflag"),
        qty.alias("quantity"),
    )
    df = df.filter(~pl.col("_row").is_in(short["_row"].implode()))
    issues.append(number_issues(df, "con_val_mo", "_vflag", "con_val_mo"))
    res = finish(df, source=label, fmt="imdb", issues=issues, country_field="cty_code")
    # One HTS10 × country × month is split over districts and rate provisions: sum them.
    res.frame = _sum_lines(res.frame)
    return res


def _sum_lines(frame: pl.DataFrame) -> pl.DataFrame:
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


# --------------------------------------------------------------------------------------------------
# USITC DataWeb CSV

_DATAWEB_MEASURES = {
    "general import charges": "import_charges",
    "calculated duties": "import_charges",
    "customs value": "imports_cons",
    "imports for consumption": "imports_cons",
    "general customs value": "imports_gen",
    "general imports": "imports_gen",
    "fas value": "exports_fas",
    "total exports": "exports_fas",
}


def load_dataweb(path: Path) -> LoadResult:
    """Parse a USITC DataWeb CSV export.

    Layout: preamble rows (``General Imports|Annual Data``, ``Data Row Count,N``), a header
    ``Data Type, HTS Number, Description, Country, <period>...``, data rows and a ``Total:`` footer.
    The declared row count and the footer totals are checked: fewer data rows than declared means a
    truncated download.
    """
    path = Path(path)
    text = _read_text(path)
    lines = text.splitlines()
    hdr_idx = next((i for i, ln in enumerate(lines[:20]) if ln.lower().startswith("data type,")), None)
    if hdr_idx is None:
        raise DataError(f"{path}: not a DataWeb export: no 'Data Type,...' header in the first 20 rows")
    declared = None
    for ln in lines[:hdr_idx]:
        m = re.match(r"^Data Row Count,\s*\"?([\d,]+)", ln)
        if m:
            declared = int(m.group(1).replace(",", ""))
    df = _read_csv_text(path, text, skip_lines=hdr_idx)
    df = _with_row_numbers(df, hdr_idx + 2)
    code_col = next((c for c in df.columns if c.lower().startswith("hts") or c.lower() == "hs code"), None)
    if code_col is None or "Country" not in df.columns:
        raise DataError(f"{path}: DataWeb header lacks 'HTS Number' or 'Country': {', '.join(df.columns)}")
    is_total = pl.col("Data Type").str.strip_chars().str.to_lowercase().str.starts_with("total")
    footer = df.filter(is_total)
    data = df.filter(~is_total & pl.col("Data Type").is_not_null())
    if declared is not None and data.height != declared:
        last = int(data["_row"].max() or hdr_idx + 1)  # type: ignore[arg-type]
        raise DataError(
            f"{path}: truncated file: header declares {declared:,} data rows, found {data.height:,} "
            f"(last data row {last}, field 'Data Row Count')"
        )
    period_cols = [c for c in df.columns if re.fullmatch(r"(?:19|20)\d{2}(?:[-/]\d{2})?", c.strip())]
    if not period_cols:
        raise DataError(f"{path}: no period columns (e.g. 2024) in the header")
    long = data.unpivot(
        index=["_row", "Data Type", code_col, "Country"],
        on=period_cols,
        variable_name="_period",
        value_name="_raw",
    )
    val, vflag = clean_number("_raw")
    date, freq = parse_period("_period")
    long = long.with_columns(
        pl.col(code_col).str.strip_chars().alias("hts10"),
        pl.col("Country").str.strip_chars().alias("_country"),
        date.alias("period"),
        freq.alias("freq"),
        pl.col("Data Type")
        .str.strip_chars()
        .str.to_lowercase()
        .replace_strict(_DATAWEB_MEASURES, default=None)
        .alias("_m"),
        val.alias("_val"),
        vflag.alias("_vflag"),
    )
    is_qty = pl.col("Data Type").str.to_lowercase().str.contains("quantity")
    long = long.with_columns(
        pl.coalesce(
            pl.col("_m"),
            pl.col("Data Type").str.strip_chars().str.to_lowercase().str.replace_all(r"[^a-z0-9]+", "_"),
        ).alias("measure"),
        pl.when(is_qty).then(None).otherwise(pl.col("_val")).alias("value_usd"),
        pl.when(is_qty).then(pl.col("_val")).otherwise(None).alias("quantity"),
    )
    issues = [number_issues(long, "_raw", "_vflag", "value")]
    res = finish(long, source=str(path), fmt="dataweb", issues=issues, country_field="Country")
    # Check the footer totals against the loaded values (catches silently dropped rows).
    if footer.height == 1:
        for pc in period_cols:
            raw_total = footer[pc][0]
            tot = float(str(raw_total).replace(",", "")) if raw_total not in (None, "") else None
            got = float(
                res.frame.filter(pl.col("period") == pl.select(parse_period(pl.lit(pc))[0]).item())[
                    "value_usd"
                ].sum()
            )
            if tot is not None and res.n_skipped == 0 and abs(got - tot) > max(1.0, 1e-6 * abs(tot)):
                raise DataError(
                    f"{path}: footer total for {pc} is {tot:,.0f} but the rows sum to {got:,.0f} "
                    f"(row {int(footer['_row'][0])}, field {pc!r})"
                )
    return res


# --------------------------------------------------------------------------------------------------
# USA Trade Online CSV

_USATO_MEASURES = (
    (r"customs\s+value\s*\(cons\)", "imports_cons"),
    (r"customs\s+value\s*\(gen\)", "imports_gen"),
    (r"general\s+customs\s+value", "imports_gen"),
    (r"calculated\s+duty", "import_charges"),
)


def load_usatradeonline(path: Path) -> LoadResult:
    """Parse a USA Trade Online CSV export: ``Commodity`` (``"0101210020 Horses, ..."``), ``Country``,
    ``District``, ``Time``, a value column such as ``Customs Value (Cons) ($US)`` and optionally
    ``First Unit of Quantity``. Values like ``"2,429="`` are cleaned and reported; rows are summed
    over districts."""
    path = Path(path)
    text = _read_text(path)
    lines = text.splitlines()
    hdr_idx = next(
        (i for i, ln in enumerate(lines[:20]) if ln.lstrip('"').lower().startswith("commodity")), None
    )
    if hdr_idx is None:
        raise DataError(
            f"{path}: not a USA Trade Online export: no 'Commodity,...' header in the first 20 rows"
        )
    df = _read_csv_text(path, text, skip_lines=hdr_idx)
    df = _with_row_numbers(df, hdr_idx + 2)
    for need in ("Commodity", "Country", "Time"):
        if need not in df.columns:
            raise DataError(f"{path}: header lacks {need!r}: {', '.join(df.columns)}")
    value_col, measure = None, None
    for c in df.columns:
        for pat, m in _USATO_MEASURES:
            if re.search(pat, c, flags=re.I):
                value_col, measure = c, m
                break
        if value_col:
            break
    if value_col is None:
        raise DataError(
            f"{path}: no value column (e.g. 'Customs Value (Cons) ($US)') in {', '.join(df.columns)}"
        )
    qty_col = next((c for c in df.columns if re.search(r"first\s+unit\s+of\s+quantity", c, re.I)), None)
    val, vflag = clean_number(value_col)
    date, freq = parse_period("Time")
    exprs = [
        pl.col("Commodity")
        .str.strip_chars()
        .str.extract(r"^(\d+)", 1)
        .fill_null(pl.col("Commodity"))
        .alias("hts10"),
        pl.col("Country").str.strip_chars().alias("_country"),
        date.alias("period"),
        freq.alias("freq"),
        pl.lit(measure).alias("measure"),
        val.alias("value_usd"),
        vflag.alias("_vflag"),
    ]
    if qty_col:
        q, _ = clean_number(qty_col)
        exprs += [
            q.alias("quantity"),
            pl.col("Commodity").str.extract(r"\(([a-z0-9. ]+)\)\s*$", 1).alias("unit"),
        ]
    df = df.with_columns(exprs)
    issues = [number_issues(df, value_col, "_vflag", value_col.strip())]
    res = finish(df, source=str(path), fmt="usatradeonline", issues=issues, country_field="Country")
    res.frame = _sum_lines(res.frame)
    if qty_col is None:
        res.frame = res.frame.with_columns(pl.lit(None, dtype=res.frame["quantity"].dtype).alias("quantity"))
    return res


# --------------------------------------------------------------------------------------------------
# CA/MX monthly HTS10 with USMCA values

_CAMX_RE = re.compile(r"(20\d{2})[_-](\d{2})")


def _camx_file(path: Path) -> LoadResult:
    m = _CAMX_RE.search(path.name)
    if not m:
        raise DataError(f"{path}: cannot tell the month from the file name (expected ..._YYYY_MM.csv[.gz])")
    text = _read_text(path)
    df = _read_csv_text(path, text)
    need = ["hts10", "cty_code", "total_value", "usmca_value"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise DataError(f"{path}: header lacks {', '.join(missing)}: {', '.join(df.columns)}")
    df = _with_row_numbers(df, 2)
    val, vflag = clean_number("total_value")
    usm, uflag = clean_number("usmca_value")
    df = df.with_columns(
        pl.col("hts10").str.strip_chars().str.zfill(10).alias("hts10"),
        pl.col("cty_code").alias("_country"),
        pl.date(int(m.group(1)), int(m.group(2)), 1).alias("period"),
        pl.lit("M").alias("freq"),
        pl.lit("imports_cons").alias("measure"),
        val.alias("value_usd"),
        vflag.alias("_vflag"),
        usm.alias("usmca_value"),
        uflag.alias("_uflag"),
    )
    issues = [
        number_issues(df, "total_value", "_vflag", "total_value"),
        number_issues(df, "usmca_value", "_uflag", "usmca_value"),
    ]
    over = df.filter(pl.col("usmca_value") > pl.col("value_usd") * (1 + 1e-9) + 1)
    if over.height:
        issues.append(
            over.select(
                pl.col("_row").alias("row"),
                pl.lit("usmca_value").alias("field"),
                pl.col("usmca_value").cast(pl.Utf8).alias("value"),
                pl.lit("USMCA value exceeds total value").alias("reason"),
                pl.lit("skipped").alias("action"),
            )
        )
    return finish(df, source=str(path), fmt="camx", issues=issues, country_field="cty_code")


def load_camx(path: Path) -> LoadResult:
    """Parse one CA/MX monthly file (``usmca_product_shares_2025_01.csv.gz``) or a folder of them."""
    path = Path(path)
    files = sorted(path.glob("*.csv*")) if path.is_dir() else [path]
    if not files:
        raise DataError(f"{path}: no CSV files in the folder")
    parts = [_camx_file(f) for f in files]
    merged = parts[0].issues
    if len(parts) > 1:
        # Row numbers are per file: name the file in ``field`` ("<file>:<field>") to keep them apart.
        merged = pl.concat(
            [
                p.issues.with_columns((pl.lit(Path(p.source).name + ":") + pl.col("field")).alias("field"))
                for p in parts
            ]
        )
    return LoadResult(frame=pl.concat([p.frame for p in parts]), issues=merged, source=str(path), fmt="camx")


# --------------------------------------------------------------------------------------------------
# Plain CSV / Parquet

_PLAIN_ALIASES = {
    "hts": ("hts", "hts10", "hs10", "commodity", "hts_code"),
    "country": ("country", "partner", "cty_code", "iso2", "iso3"),
    "period": ("period", "time", "date", "year", "month"),
    "value": ("value", "value_usd", "imports_usd", "customs_value"),
    "quantity": ("quantity", "qty"),
    "unit": ("unit",),
    "usmca_value": ("usmca_value",),
    "measure": ("measure",),
}


def load_table(path: Path, fmt: str | None = None) -> LoadResult:
    """Parse a plain table ``hts, country, period, value[, quantity, unit, usmca_value, measure]``
    from CSV (optionally gzipped) or Parquet."""
    path = Path(path)
    fmt = fmt or ("parquet" if path.suffix.lower() in (".parquet", ".pq") else "csv")
    if fmt == "parquet":
        try:
            df = pl.read_parquet(path)
        except Exception as e:  # polars raises several error types for a damaged file
            raise DataError(f"{path}: unreadable or truncated Parquet file ({e})") from e
        df = df.with_columns(pl.all().cast(pl.Utf8))
        df = _with_row_numbers(df, 1)
    else:
        text = _read_text(path)
        df = _with_row_numbers(_read_csv_text(path, text), 2)
    lower = {c.lower().strip(): c for c in df.columns}
    found: dict[str, str] = {}
    for key, names in _PLAIN_ALIASES.items():
        for n in names:
            if n in lower:
                found[key] = lower[n]
                break
    missing = [k for k in ("hts", "country", "period", "value") if k not in found]
    if missing:
        raise DataError(f"{path}: header lacks {', '.join(missing)}; got {', '.join(df.columns)}")
    val, vflag = clean_number(found["value"])
    date, freq = parse_period(found["period"])
    exprs = [
        pl.col(found["hts"]).str.replace_all(r"[.\s]", "").alias("hts10"),
        pl.col(found["country"]).alias("_country"),
        date.alias("period"),
        freq.alias("freq"),
        (pl.col(found["measure"]) if "measure" in found else pl.lit("imports_cons")).alias("measure"),
        val.alias("value_usd"),
        vflag.alias("_vflag"),
    ]
    if "quantity" in found:
        exprs.append(clean_number(found["quantity"])[0].alias("quantity"))
    if "unit" in found:
        exprs.append(pl.col(found["unit"]).alias("unit"))
    if "usmca_value" in found:
        exprs.append(clean_number(found["usmca_value"])[0].alias("usmca_value"))
    df = df.with_columns(exprs)
    issues = [number_issues(df, found["value"], "_vflag", found["value"])]
    return finish(df, source=str(path), fmt=fmt, issues=issues, country_field=found["country"])


# --------------------------------------------------------------------------------------------------
# Dispatch


def detect_format(path: Path) -> str:
    """Guess the format of ``path`` from its name and first bytes."""
    path = Path(path)
    name = path.name.lower()
    if path.is_dir():
        if any(_CAMX_RE.search(p.name) for p in path.glob("*.csv*")):
            return "camx"
        raise DataError(f"{path}: a folder, but not of CA/MX monthly files; name a file")
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    if name.endswith(".zip") or name.startswith("imp_detl"):
        return "imdb"
    if name.endswith(".json"):
        return "census-json"
    try:
        if name.endswith(".gz"):
            with gzip.open(path) as gz:
                head_bytes = gz.read(4096)
        else:
            with path.open("rb") as fh:
                head_bytes = fh.read(4096)
    except (OSError, EOFError) as e:
        raise DataError(f"{path}: unreadable ({e})") from e
    head = head_bytes.decode("latin-1").lstrip("\ufeff").lstrip("ï»¿")
    first = head.splitlines()[0] if head else ""
    if head.lstrip().startswith("[["):
        return "census-json"
    if "data type," in head.lower() or "|" in first:
        return "dataweb"
    if first.lstrip('"').lower().startswith("commodity,"):
        return "usatradeonline"
    if first.lower().startswith("hts10,cty_code") and "usmca" in first.lower():
        return "camx"
    if re.match(r"^\d{14}", first) and len(first) >= IMDB_MIN_LENGTH:
        return "imdb"
    return "csv"


LOADERS: dict[str, Callable[[Path], LoadResult]] = {
    "census-json": load_census_json,
    "imdb": load_imdb,
    "dataweb": load_dataweb,
    "usatradeonline": load_usatradeonline,
    "camx": load_camx,
    "csv": lambda p: load_table(p, "csv"),
    "parquet": lambda p: load_table(p, "parquet"),
}


def load(path: Path | str, fmt: str = "auto") -> LoadResult:
    """Load a trade-data file in any supported format (``fmt="auto"`` detects it)."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if fmt == "auto":
        fmt = detect_format(path)
    if fmt not in LOADERS:
        raise DataError(f"unknown format {fmt!r}; choose one of auto, {', '.join(FORMATS)}")
    return LOADERS[fmt](path)
