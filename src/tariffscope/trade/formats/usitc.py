"""USITC DataWeb formats: the DataWeb CSV export and the monthly CA/MX HTS10 files with USMCA values
(DataWeb figures, one file per month)."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from tariffscope.errors import DataError
from tariffscope.trade.formats.common import parse_period, read_csv_text, read_text, with_row_numbers
from tariffscope.trade.schema import LoadResult, clean_number, finish, number_issues

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
    text = read_text(path)
    hdr_idx, declared = _dataweb_preamble(path, text.splitlines())
    df = with_row_numbers(read_csv_text(path, text, skip_lines=hdr_idx), hdr_idx + 2)
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
    long = _dataweb_long(data, code_col, period_cols)
    issues = [number_issues(long, "_raw", "_vflag", "value")]
    res = finish(long, source=str(path), fmt="dataweb", issues=issues, country_field="Country")
    if footer.height == 1 and res.n_skipped == 0:
        _check_dataweb_footer(path, res.frame, footer, period_cols)
    return res


def _dataweb_preamble(path: Path, lines: list[str]) -> tuple[int, int | None]:
    """The index of the ``Data Type,...`` header line and the ``Data Row Count`` the preamble declares."""
    hdr_idx = next((i for i, ln in enumerate(lines[:20]) if ln.lower().startswith("data type,")), None)
    if hdr_idx is None:
        raise DataError(f"{path}: not a DataWeb export: no 'Data Type,...' header in the first 20 rows")
    declared = None
    for ln in lines[:hdr_idx]:
        m = re.match(r"^Data Row Count,\s*\"?([\d,]+)", ln)
        if m:
            declared = int(m.group(1).replace(",", ""))
    return hdr_idx, declared


def _dataweb_long(data: pl.DataFrame, code_col: str, period_cols: list[str]) -> pl.DataFrame:
    """One row per line x country x period column, with the tidy columns (values or quantities)."""
    long = data.unpivot(
        index=["_row", "Data Type", code_col, "Country"],
        on=period_cols,
        variable_name="_period",
        value_name="_raw",
    )
    val, vflag = clean_number("_raw")
    date, freq = parse_period("_period")
    data_type = pl.col("Data Type").str.strip_chars().str.to_lowercase()
    long = long.with_columns(
        pl.col(code_col).str.strip_chars().alias("hts10"),
        pl.col("Country").str.strip_chars().alias("_country"),
        date.alias("period"),
        freq.alias("freq"),
        data_type.replace_strict(_DATAWEB_MEASURES, default=None).alias("_m"),
        val.alias("_val"),
        vflag.alias("_vflag"),
    )
    is_qty = pl.col("Data Type").str.to_lowercase().str.contains("quantity")
    return long.with_columns(
        pl.coalesce(pl.col("_m"), data_type.str.replace_all(r"[^a-z0-9]+", "_")).alias("measure"),
        pl.when(is_qty).then(None).otherwise(pl.col("_val")).alias("value_usd"),
        pl.when(is_qty).then(pl.col("_val")).otherwise(None).alias("quantity"),
    )


def _check_dataweb_footer(
    path: Path, frame: pl.DataFrame, footer: pl.DataFrame, period_cols: list[str]
) -> None:
    """Check the ``Total:`` footer against the loaded values (catches silently dropped rows)."""
    for pc in period_cols:
        raw_total = footer[pc][0]
        tot = float(str(raw_total).replace(",", "")) if raw_total not in (None, "") else None
        period = pl.select(parse_period(pl.lit(pc))[0]).item()
        got = float(frame.filter(pl.col("period") == period)["value_usd"].sum())
        if tot is not None and abs(got - tot) > max(1.0, 1e-6 * abs(tot)):
            raise DataError(
                f"{path}: footer total for {pc} is {tot:,.0f} but the rows sum to {got:,.0f} "
                f"(row {int(footer['_row'][0])}, field {pc!r})"
            )


def dataweb_by_content(head: str, first: str) -> bool:
    return "data type," in head.lower() or "|" in first


# --------------------------------------------------------------------------------------------------
# CA/MX monthly HTS10 with USMCA values

_CAMX_RE = re.compile(r"(20\d{2})[_-](\d{2})")


def _camx_file(path: Path) -> LoadResult:
    m = _CAMX_RE.search(path.name)
    if not m:
        raise DataError(f"{path}: cannot tell the month from the file name (expected ..._YYYY_MM.csv[.gz])")
    text = read_text(path)
    df = read_csv_text(path, text)
    need = ["hts10", "cty_code", "total_value", "usmca_value"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise DataError(f"{path}: header lacks {', '.join(missing)}: {', '.join(df.columns)}")
    df = with_row_numbers(df, 2)
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


def camx_by_folder(path: Path) -> bool:
    return any(_CAMX_RE.search(p.name) for p in path.glob("*.csv*"))


def camx_by_content(head: str, first: str) -> bool:
    return first.lower().startswith("hts10,cty_code") and "usmca" in first.lower()
