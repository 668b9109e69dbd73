"""Elasticities for the PE models, by HTS10 line, with their source on every row.

The packaged table ``tariffscope/data/elasticities.parquet`` (built by ``scripts/build_elasticities.py``, see
its docstring and the ``.provenance.json`` sidecar) holds one row per HS6 code:

* ``sigma``: US Armington elasticity of substitution between sources (Broda & Weinstein 2006, HS6 median);
* ``import_demand_elasticity``: eta, signed (< 0); default -1.25 (Francois & Hall 2003 GSIM calibration);
* ``export_supply_elasticity``: eps; default 99 (WITS-SMART);
* ``trade_elasticity``: CEPII ProTEE (signed, = -sigma under CES), used for sigma when
  ``sigma_from="protee"``.

An HTS10 line takes its HS6 row (the first six digits of an HTS10 are its HS6 subheading). HS6 codes absent
from the table take the table's HS4 median, then HS2 median, then global median. User ``overrides`` apply by
HS/HTS prefix (2-10 digits); the longest matching prefix wins, column by column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Literal

import polars as pl

from tariffscope.errors import DataError
from tariffscope.paths import PACKAGE_DATA

TABLE = PACKAGE_DATA / "elasticities.parquet"
VALUE_COLS = {
    "sigma": "sigma_source",
    "import_demand_elasticity": "eta_source",
    "export_supply_elasticity": "eps_source",
}


@lru_cache(maxsize=1)
def load_table() -> pl.DataFrame:
    """The packaged HS6 elasticity table (source columns as strings)."""
    if not TABLE.exists():
        raise DataError(f"{TABLE.name} is missing; run scripts/build_elasticities.py")
    df = pl.read_parquet(TABLE)
    need = {"hs6", *VALUE_COLS, *VALUE_COLS.values(), "trade_elasticity", "trade_elasticity_source"}
    missing = need - set(df.columns)
    if missing:
        raise DataError(f"{TABLE.name}: missing columns {sorted(missing)}")
    return df.with_columns(pl.col(pl.Categorical).cast(pl.Utf8))


def _normalise_hts(s: pl.Series) -> pl.Series:
    out = s.cast(pl.Utf8).str.replace_all(r"[.\s]", "")
    bad = out.is_null() | ~out.str.contains(r"^\d{6,10}$")
    if bad.any():
        i = int(bad.arg_max() or 0)
        raise DataError(f"hts10: row {i} has {s[i]!r}; expected 6-10 digits")
    return out.str.pad_end(10, "0")


def _overrides_frame(overrides: pl.DataFrame | Iterable[Mapping[str, object]]) -> pl.DataFrame:
    ov = overrides if isinstance(overrides, pl.DataFrame) else pl.DataFrame(list(overrides))
    if "prefix" not in ov.columns:
        raise DataError("overrides: need a 'prefix' column (HS/HTS digits)")
    unknown = set(ov.columns) - {"prefix", *VALUE_COLS}
    if unknown:
        raise DataError(
            f"overrides: unknown columns {sorted(unknown)}; allowed: prefix, {', '.join(VALUE_COLS)}"
        )
    ov = ov.with_columns(pl.col("prefix").cast(pl.Utf8).str.replace_all(r"[.\s]", ""))
    bad = ~ov["prefix"].str.contains(r"^\d{2,10}$")
    if bad.any():
        i = int(bad.arg_max() or 0)
        raise DataError(f"overrides: row {i} prefix {ov['prefix'][i]!r} is not 2-10 digits")
    if ov["prefix"].is_duplicated().any():
        raise DataError("overrides: duplicate prefixes")
    for c in VALUE_COLS:
        if c in ov.columns:
            ov = ov.with_columns(pl.col(c).cast(pl.Float64))
    return ov


def elasticities_for(
    hts10: pl.Series | Iterable[str],
    overrides: pl.DataFrame | Iterable[Mapping[str, object]] | None = None,
    *,
    sigma_from: Literal["broda_weinstein", "protee"] = "broda_weinstein",
    sigma_cap: float | None = None,
    sigma_scale: float = 1.0,
    sigma_floor: float | None = None,
) -> pl.DataFrame:
    """Elasticities per HTS10 line (one output row per input row, same order).

    Columns: ``hts10, hs6, sigma, sigma_source, import_demand_elasticity, eta_source,
    export_supply_elasticity, eps_source``. ``overrides`` rows hold ``prefix`` plus any of the value columns;
    an overridden value's source reads ``override:<prefix>``. ``sigma_cap`` and ``sigma_scale`` apply to the
    table's sigma before overrides (a capped value's source gains ``+cap<N>``, a scaled one ``x<f>``);
    ``sigma_floor`` raises the table's sigma to at least that value (source ``+floor<N>``) before scaling.
    """
    s = hts10 if isinstance(hts10, pl.Series) else pl.Series("hts10", list(hts10), dtype=pl.Utf8)
    codes = _normalise_hts(s)
    tab = _sigma_table(sigma_from, sigma_cap, sigma_scale, sigma_floor)
    df = _table_lookup(codes, tab)
    if overrides is not None:
        df = _apply_overrides(df, overrides)
    return df.sort("_i").select(
        "hts10",
        "hs6",
        "sigma",
        "sigma_source",
        "import_demand_elasticity",
        "eta_source",
        "export_supply_elasticity",
        "eps_source",
    )


def _sigma_table(
    sigma_from: str, sigma_cap: float | None, sigma_scale: float, sigma_floor: float | None
) -> pl.DataFrame:
    """The packaged HS6 table with sigma from ``sigma_from``, capped, floored and scaled (sources say so)."""
    tab = load_table()
    if sigma_from == "protee":
        tab = tab.with_columns(
            (-pl.col("trade_elasticity")).alias("sigma"),
            pl.col("trade_elasticity_source").alias("sigma_source"),
        )
    elif sigma_from != "broda_weinstein":
        raise DataError(f"sigma_from: {sigma_from!r} is not 'broda_weinstein' or 'protee'")
    if sigma_cap is not None:
        capped = pl.col("sigma") > sigma_cap
        tab = tab.with_columns(
            pl.when(capped).then(pl.lit(sigma_cap)).otherwise(pl.col("sigma")).alias("sigma"),
            pl.when(capped)
            .then(pl.col("sigma_source").cast(pl.Utf8) + f"+cap{sigma_cap:g}")
            .otherwise(pl.col("sigma_source").cast(pl.Utf8))
            .alias("sigma_source"),
        )
    if sigma_floor is not None:
        low = pl.col("sigma") < sigma_floor
        tab = tab.with_columns(
            pl.when(low).then(pl.lit(sigma_floor)).otherwise(pl.col("sigma")).alias("sigma"),
            pl.when(low)
            .then(pl.col("sigma_source").cast(pl.Utf8) + f"+floor{sigma_floor:g}")
            .otherwise(pl.col("sigma_source").cast(pl.Utf8))
            .alias("sigma_source"),
        )
    if sigma_scale != 1.0:
        tab = tab.with_columns(
            pl.col("sigma") * sigma_scale, pl.col("sigma_source").cast(pl.Utf8) + f"x{sigma_scale:g}"
        )
    return tab


def _table_lookup(codes: pl.Series, tab: pl.DataFrame) -> pl.DataFrame:
    """Each code's HS6 values, else the median of its HS4, HS2 or all HS6 lines (the source says which)."""
    vals = list(VALUE_COLS)
    base = tab.select("hs6", *vals, *VALUE_COLS.values())
    med4 = tab.group_by(pl.col("hs6").str.slice(0, 4).alias("hs4")).agg(
        [pl.col(c).median().alias(f"{c}__4") for c in vals]
    )
    med2 = tab.group_by(pl.col("hs6").str.slice(0, 2).alias("hs2")).agg(
        [pl.col(c).median().alias(f"{c}__2") for c in vals]
    )
    glob = {c: float(tab[c].median()) for c in vals}  # type: ignore[arg-type]

    df = pl.DataFrame({"hts10": codes}).with_row_index("_i")
    df = df.with_columns(
        pl.col("hts10").str.slice(0, 6).alias("hs6"),
        pl.col("hts10").str.slice(0, 4).alias("hs4"),
        pl.col("hts10").str.slice(0, 2).alias("hs2"),
    )
    df = df.join(base, on="hs6", how="left").join(med4, on="hs4", how="left").join(med2, on="hs2", how="left")
    exprs = []
    for c, src in VALUE_COLS.items():
        exprs.append(pl.coalesce(c, f"{c}__4", f"{c}__2", pl.lit(glob[c])).alias(c))
        exprs.append(
            pl.when(pl.col(c).is_not_null())
            .then(pl.col(src))
            .when(pl.col(f"{c}__4").is_not_null())
            .then(pl.lit("table_hs4_median"))
            .when(pl.col(f"{c}__2").is_not_null())
            .then(pl.lit("table_hs2_median"))
            .otherwise(pl.lit("table_global_median"))
            .alias(src)
        )
    return df.with_columns(exprs)


def _apply_overrides(
    df: pl.DataFrame, overrides: pl.DataFrame | Iterable[Mapping[str, object]]
) -> pl.DataFrame:
    """Override values by HS prefix, the longest prefix first; the source reads ``override:<prefix>``."""
    ov = _overrides_frame(overrides)
    lengths = sorted({len(p) for p in ov["prefix"]}, reverse=True)
    for c, src in VALUE_COLS.items():
        if c not in ov.columns:
            continue
        val = pl.lit(None, dtype=pl.Float64)
        lab = pl.lit(None, dtype=pl.Utf8)
        # longest prefix first: build coalesce chains
        chain_v, chain_l = [], []
        for n in lengths:
            sub = ov.filter((pl.col("prefix").str.len_chars() == n) & pl.col(c).is_not_null()).select(
                pl.col("prefix").alias(f"_p{n}"), pl.col(c).alias(f"_v{n}")
            )
            if sub.height == 0:
                continue
            df = df.with_columns(pl.col("hts10").str.slice(0, n).alias(f"_p{n}")).join(
                sub, on=f"_p{n}", how="left"
            )
            chain_v.append(pl.col(f"_v{n}"))
            chain_l.append(
                pl.when(pl.col(f"_v{n}").is_not_null()).then(pl.lit("override:") + pl.col(f"_p{n}"))
            )
        if chain_v:
            val = pl.coalesce(chain_v)
            lab = pl.coalesce(chain_l)
            df = df.with_columns(
                pl.coalesce(val, pl.col(c)).alias(c), pl.coalesce(lab, pl.col(src)).alias(src)
            ).drop([x for n in lengths for x in (f"_p{n}", f"_v{n}") if x in df.columns])
    return df
