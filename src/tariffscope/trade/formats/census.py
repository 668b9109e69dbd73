"""US Census Bureau formats: the international trade API (JSON), the IMDB fixed-width
``IMP_DETL.TXT`` and USA Trade Online CSV exports."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import polars as pl

from tariffscope.errors import DataError
from tariffscope.trade.formats.common import (
    parse_period,
    read_csv_text,
    read_text,
    sum_lines,
    with_row_numbers,
)
from tariffscope.trade.schema import LoadResult, clean_number, finish, number_issues

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


def census_json_by_name(path: Path) -> bool:
    return path.name.lower().endswith(".json")


def census_json_by_content(head: str, first: str) -> bool:
    return head.lstrip().startswith("[[")


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
    res.frame = sum_lines(res.frame)
    return res


def imdb_by_name(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(".zip") or name.startswith("imp_detl")


def imdb_by_content(head: str, first: str) -> bool:
    return bool(re.match(r"^\d{14}", first)) and len(first) >= IMDB_MIN_LENGTH


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
    text = read_text(path)
    lines = text.splitlines()
    hdr_idx = next(
        (i for i, ln in enumerate(lines[:20]) if ln.lstrip('"').lower().startswith("commodity")), None
    )
    if hdr_idx is None:
        raise DataError(
            f"{path}: not a USA Trade Online export: no 'Commodity,...' header in the first 20 rows"
        )
    df = read_csv_text(path, text, skip_lines=hdr_idx)
    df = with_row_numbers(df, hdr_idx + 2)
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
    res.frame = sum_lines(res.frame)
    if qty_col is None:
        res.frame = res.frame.with_columns(pl.lit(None, dtype=res.frame["quantity"].dtype).alias("quantity"))
    return res


def usatradeonline_by_content(head: str, first: str) -> bool:
    return first.lstrip('"').lower().startswith("commodity,")
