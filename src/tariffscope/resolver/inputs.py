"""Entry lines in, validated: codes, countries, dates and optional inputs, with per-row errors.

Bad rows never abort a batch: each gets a ``status`` naming the field and what is wrong, and the
rest are resolved.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from tariffscope.catalogue.jurisdiction import registry
from tariffscope.countries import normalize_countries
from tariffscope.resolver.ids import dense_ids

if TYPE_CHECKING:
    from tariffscope.catalogue.loader import Catalogue

HORIZON = (dt.date(2025, 1, 1), dt.date(2026, 12, 31))
"""Entry dates the catalogue answers for: the measures are verified through 2026-09-30 and assumed
unchanged to the end of 2026 (see the measures' ``uncertain`` notes)."""

FLOAT_INPUTS = (
    "value",
    "quantity",
    "metal_share",
    "steel_share",
    "aluminum_share",
    "copper_share",
    "us_content",
)
DATE_INPUTS = ("date", "loading_date")


class BatchFileError(ValueError):
    """A batch file that cannot be read as a table; the message names the row when it can."""


def read_batch_csv(source: str | Path | bytes) -> pl.DataFrame:
    """A batch CSV as text columns, one row per data line (blank lines kept, so row N is line N + 1).

    Raises :class:`BatchFileError` for an empty file, a header without rows, or a row with more
    fields than the header (named by row, found by re-reading the file only on that error).
    """
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    try:
        rows = pl.read_csv(data, infer_schema_length=0, truncate_ragged_lines=False)
    except pl.exceptions.NoDataError:
        raise BatchFileError("the batch file is empty (expected a header hts10,origin,date)") from None
    except pl.exceptions.PolarsError as exc:
        raise BatchFileError(
            _ragged_rows(data) or f"not a readable CSV ({str(exc).splitlines()[0]})"
        ) from None
    if rows.height == 0:
        raise BatchFileError("no entry lines (only a header)")
    return rows


def _ragged_rows(data: bytes, show: int = 5) -> str | None:
    """Which rows have more fields than the header (error path only: a plain CSV scan)."""
    import csv
    import io

    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, [])
    bad = [(i, len(r)) for i, r in enumerate(reader, start=1) if len(r) > len(header)]
    if not bad:
        return None
    rows = "; ".join(f"row {i} has {n} fields" for i, n in bad[:show])
    more = f" (and {len(bad) - show} more)" if len(bad) > show else ""
    return f"{rows}{more}; the header has {len(header)} ({', '.join(header)})"


def _to_date(col: str) -> pl.Expr:
    """A text date ``YYYY-MM-DD`` (a time after it ignored); null when empty or not a date."""
    return pl.col(col).cast(pl.String).str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False).alias(col)


def known_claims(catalogue: Catalogue | None = None) -> frozenset[str]:
    """Claims and declarations some rule of the catalogue (default: the shipped one) reacts to, plus ``usmca``."""
    if catalogue is None:
        return _shipped_claims()
    return _claims_of(catalogue)


@functools.cache
def _shipped_claims() -> frozenset[str]:
    from tariffscope.catalogue.loader import default_catalogue

    return _claims_of(default_catalogue())


def _claims_of(catalogue: Catalogue) -> frozenset[str]:
    names = {"usmca", ""}
    for ref in catalogue.rules:
        names.update(ref.rule.claims)
    return frozenset(names)


def prepare(rows: pl.DataFrame, catalogue: Catalogue | None = None) -> pl.DataFrame:
    """Normalise an input table; add ``row`` (0-based) and ``status`` (``ok`` or the first error).

    Required columns: ``hts10`` (or ``hts``), ``origin`` (or ``country``), ``date``. Optional:
    ``loading_date``, ``value``, ``quantity``, ``unit``, ``metal_share`` (or ``steel_share``,
    ``aluminum_share``, ``copper_share``), ``us_content``, ``claim`` (checked against the claims
    ``catalogue`` knows; the shipped catalogue by default).
    """
    renames = {"hts": "hts10", "country": "origin", "entry_date": "date"}
    rows = rows.rename({k: v for k, v in renames.items() if k in rows.columns and v not in rows.columns})
    missing = [c for c in ("hts10", "origin", "date") if c not in rows.columns]
    if missing:
        raise ValueError(f"input lacks required column(s) {missing}; expected hts10, origin, date")
    df = rows.with_row_index("row")
    lengths = (catalogue.jurisdiction if catalogue is not None else registry()).code_digits
    df = _codes_and_origins(df, lengths)
    df = df.with_columns(_blank_rows(df, rows.columns).alias("_blank"))
    df, floats = _dates_and_numbers(df)
    checks = [*_line_errors(df, lengths), *_value_errors(df, floats), *_claim_errors(df, catalogue)]
    return _with_status(df, checks).drop(
        ["_hts_ok", "_blank", "_origin_hint", *[f"_{c}_raw" for c in floats]]
    )


Check = tuple[pl.Expr, pl.Expr]
"""A row error: when it holds, and its message (the first that holds names the row's status)."""


def _with_status(df: pl.DataFrame, checks: list[Check]) -> pl.DataFrame:
    """``status``: ``ok``, or the message of the first check that holds. Messages are built only for
    the rows that fail (a message is text per row: costly over a large batch that is mostly good)."""
    failing = pl.any_horizontal([cond.fill_null(False) for cond, _ in checks]) if checks else pl.lit(False)
    bad = df.select(failing.alias("_bad")).to_series()
    status = pl.repeat("ok", df.height, dtype=pl.String, eager=True).alias("status")
    if bad.any():
        chain: Any = pl
        for cond, msg in checks:
            chain = chain.when(cond).then(msg)
        idx = bad.arg_true()
        # every message is built from non-null parts: a null status would pass for "ok" downstream
        msgs = df[idx].select(chain.otherwise(pl.lit("ok")).fill_null(pl.lit("error: row: invalid input")))
        status = status.scatter(idx, msgs.to_series())
    return df.with_columns(status)


def _blank_rows(df: pl.DataFrame, columns: list[str]) -> pl.Series:
    """Rows whose every input cell is empty (a blank line, an Excel ``,,`` row): reported, not
    priced. Only rows without a code can be blank, so only those are checked cell by cell."""
    no_code = df.select(_no_text("hts_input")).to_series()
    blank = pl.Series(np.zeros(df.height, dtype=bool))
    if not no_code.any():
        return blank
    idx = no_code.arg_true()
    raw = {"hts10": "hts_input", "origin": "origin_input"}  # what was given, before normalising
    cells = [_empty(raw.get(c, c)) for c in columns if c != "hts10"]
    sub = df[idx].select(pl.all_horizontal(cells) if cells else pl.lit(True)).to_series()
    return blank.scatter(idx, sub)


def _code_kind(lengths: list[int]) -> str:
    """``an 8- or 10-digit HTS code`` (US), ``a 6-digit code`` (Japan's HS6 table)."""
    if lengths == [8, 10]:
        return "an 8- or 10-digit HTS code"
    parts = [f"{n}-" for n in lengths]
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]
    return ("an " if joined[0] == "8" else "a ") + joined + "digit code"


def _codes_and_origins(df: pl.DataFrame, lengths: list[int]) -> pl.DataFrame:
    """Codes to 10 digits (``_hts_ok``: a code of one of the jurisdiction's ``lengths`` given) and
    origins to ISO2 (``_origin_hint``: "did you mean"); the raw inputs are kept as ``hts_input`` and
    ``origin_input``. Each distinct text is normalised once, then its rows read the result."""
    codes = _per_distinct(df["hts10"].cast(pl.String), lambda u: _codes(u, lengths))
    origins = _per_distinct(df["origin"].cast(pl.String), _origins)
    return df.with_columns(*codes.get_columns(), *origins.get_columns())


def _per_distinct(col: pl.Series, normalise: Callable[[pl.Series], pl.DataFrame]) -> pl.DataFrame:
    """``normalise`` applied to the distinct values of ``col``, spread back to its rows."""
    ids, first = dense_ids(col)
    return normalise(col.gather(first))[ids]


def _codes(raw: pl.Series, lengths: list[int]) -> pl.DataFrame:
    stripped = raw.str.strip_chars()
    digits = stripped.str.replace_all(r"[.\s\-]", "")
    pattern = "^(" + "|".join(f"\\d{{{n}}}" for n in lengths) + ")$"
    return pl.DataFrame(
        {
            "hts10": digits.str.pad_end(10, "0"),
            "hts_input": stripped,
            "_hts_ok": digits.str.contains(pattern).fill_null(False),
        }
    )


def _origins(raw: pl.Series) -> pl.DataFrame:
    stripped = raw.str.strip_chars()
    iso, errs = normalize_countries(stripped)
    hinted = errs.filter(pl.col("suggestion") != "")
    hint = pl.repeat("", stripped.len(), dtype=pl.String, eager=True).scatter(
        hinted["row"].to_numpy(), "; did you mean " + hinted["suggestion"] + "?"
    )
    return pl.DataFrame({"origin": iso, "origin_input": stripped, "_origin_hint": hint})


def _dates_and_numbers(df: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """Dates parsed (raw kept as ``<col>_input``), text numbers parsed (raw kept as ``_<col>_raw``),
    a declared metal share copied to the steel and aluminium shares, claims lower-cased. Returns the
    table and the number columns that were text."""
    for col in DATE_INPUTS:
        if col in df.columns and df[col].dtype != pl.Date:
            df = df.with_columns(pl.col(col).alias(f"{col}_input"), _to_date(col))
    # text columns (CSV) are parsed and checked; numeric columns are taken as they are
    floats = [c for c in FLOAT_INPUTS if c in df.columns and not df[c].dtype.is_numeric()]
    for col in floats:
        raw = pl.col(col).cast(pl.String).str.strip_chars()
        df = df.with_columns(raw.alias(f"_{col}_raw"), raw.cast(pl.Float64, strict=False).alias(col))
    for col in (c for c in FLOAT_INPUTS if c in df.columns and df[c].dtype.is_numeric()):
        df = df.with_columns(pl.col(col).cast(pl.Float64))
    if "metal_share" in df.columns:
        # one declared metal share: the content the steel, aluminium or metal rules charge
        df = df.with_columns(
            [
                (pl.coalesce(c, "metal_share") if c in df.columns else pl.col("metal_share")).alias(c)
                for c in ("steel_share", "aluminum_share")
            ]
        )
    if "claim" in df.columns:
        # one spelling for the rules: lower case, no spaces around the commas ("x, usmca" is "x,usmca")
        df = df.with_columns(
            pl.col("claim")
            .cast(pl.String)
            .str.strip_chars()
            .str.to_lowercase()
            .str.replace_all(r"\s*,\s*", ",")
            .fill_null("")
        )
    return df, floats


def _empty(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.String).str.strip_chars().fill_null("") == ""


def _no_text(col: str) -> pl.Expr:
    """An empty text column already stripped of spaces (``hts_input``, ``origin_input``)."""
    return pl.col(col).is_null() | (pl.col(col).str.len_bytes() == 0)


def _line_errors(df: pl.DataFrame, lengths: list[int]) -> list[Check]:
    """The first checks: an empty row, the code, the origin, the dates."""
    checks: list[Check] = [
        (pl.col("_blank"), pl.lit("error: row: empty row (no hts10, origin or date)")),
        (_no_text("hts_input"), pl.lit("error: hts10: missing")),
        (~pl.col("_hts_ok"), pl.format("error: hts10: {} is not " + _code_kind(lengths), pl.col("hts_input"))),
        (_no_text("origin_input"), pl.lit("error: origin: missing")),
        (
            pl.col("origin").is_null(),
            pl.format("error: origin: unknown country code {}{}", pl.col("origin_input"), "_origin_hint"),
        ),
        (pl.col("date").is_null(), pl.lit("error: date: missing or not YYYY-MM-DD")),
        (
            (pl.col("date") < HORIZON[0]) | (pl.col("date") > HORIZON[1]),
            pl.format(
                "error: date: {} is outside the catalogue's horizon {} to {}",
                pl.col("date"),
                pl.lit(str(HORIZON[0])),
                pl.lit(str(HORIZON[1])),
            ),
        ),
    ]
    if "loading_date_input" in df.columns:
        checks.append(
            (
                pl.col("loading_date").is_null() & ~_empty("loading_date_input"),
                pl.format("error: loading_date: {} is not a date YYYY-MM-DD", pl.col("loading_date_input")),
            )
        )
    return checks


def _value_errors(df: pl.DataFrame, floats: list[str]) -> list[Check]:
    """Then numbers that are not numbers, not finite, shares outside [0, 1], negative values."""
    checks: list[Check] = [
        (
            pl.col(col).is_null() & (pl.col(f"_{col}_raw").str.len_bytes() > 0),
            pl.format("error: {}: {} is not a number", pl.lit(col), pl.col(f"_{col}_raw")),
        )
        for col in floats
    ]
    checks += [
        (~pl.col(col).is_finite(), pl.format("error: {}: {} is not a finite number", pl.lit(col), pl.col(col)))
        for col in FLOAT_INPUTS
        if col in df.columns
    ]
    checks += [
        ((pl.col(col) < 0) | (pl.col(col) > 1), pl.lit(f"error: {col}: must be between 0 and 1"))
        for col in ("metal_share", "steel_share", "aluminum_share", "copper_share", "us_content")
        if col in df.columns
    ]
    checks += [
        (pl.col(col) < 0, pl.lit(f"error: {col}: must not be negative"))
        for col in ("value", "quantity")
        if col in df.columns
    ]
    return checks


def _claim_errors(df: pl.DataFrame, catalogue: Catalogue | None) -> list[Check]:
    """Last, claims the catalogue does not know, and USMCA claimed for goods not of Canada or Mexico."""
    if "claim" not in df.columns:
        return []
    known = sorted(known_claims(catalogue))
    unknown = (
        pl.col("claim")
        .str.split(",")
        .list.eval(pl.element().str.strip_chars().is_in(known).not_())
        .list.any()
    )
    return [
        (
            unknown,
            pl.format(
                "error: claim: {} is not a known claim or declaration ({})",
                pl.col("claim"),
                pl.lit(", ".join(known)),
            ),
        ),
        (
            pl.col("claim").str.contains(r"(^|,)\s*usmca\s*(,|$)") & ~pl.col("origin").is_in(["CA", "MX"]),
            pl.format(
                "error: claim: usmca is for goods of Canada or Mexico (general note 11), not {}",
                pl.col("origin"),
            ),
        ),
    ]
