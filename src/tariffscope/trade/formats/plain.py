"""Plain tables: ``hts, country, period, value[, quantity, unit, usmca_value, measure]`` as CSV
(optionally gzipped) or Parquet, for data a user has shaped themselves."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from tariffscope.errors import DataError
from tariffscope.trade.formats.common import parse_period, read_csv_text, read_text, with_row_numbers
from tariffscope.trade.schema import LoadResult, clean_number, finish, number_issues

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
        df = with_row_numbers(df, 1)
    else:
        text = read_text(path)
        df = with_row_numbers(read_csv_text(path, text), 2)
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


def load_csv(path: Path) -> LoadResult:
    """A plain CSV table (see :func:`load_table`)."""
    return load_table(path, "csv")


def load_parquet(path: Path) -> LoadResult:
    """A plain Parquet table (see :func:`load_table`)."""
    return load_table(path, "parquet")


def parquet_by_name(path: Path) -> bool:
    return path.name.lower().endswith((".parquet", ".pq"))
