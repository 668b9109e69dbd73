"""GSIM on a table of flows: long (product, exporter, importer) rows in, per-region and per-flow results out.

The array solvers in :mod:`tariffscope.models.pe.gsim` take dense ``(product, exporter, importer)`` cubes. This
module builds those cubes from a tidy table, the form users hold their data in (a CSV, a Parquet file, a
frame built by a package), and turns the solution back into tables:

* ``regions``: for each region, exports and the world (fob) price change as an exporter, imports and the
  composite internal price change as an importer, and the welfare split of Francois & Hall (2003, section 3):
  producer surplus as exporter, consumer surplus and tariff revenue as importer;
* ``flows``: each product x exporter x importer flow before and after, at world prices.

Columns: ``product`` (optional; one product if absent), ``exporter``, ``importer``, ``flow_usd`` (>= 0, world
prices), ``t0`` and ``t1`` (ad valorem tariffs as decimals, > -1). Optional elasticity columns override the
defaults per row: ``em`` and ``es`` belong to the importer's market, ``ex`` to the exporter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from tariffscope.errors import DataError
from tariffscope.models.pe.gsim import GsimResult, solve_gsim_exact, solve_gsim_linear

REQUIRED = ("exporter", "importer", "flow_usd", "t0", "t1")
OPTIONAL_ELASTICITIES = ("em", "es", "ex")
# Francois & Hall's sample calibration (GSIM4x4.xls): composite import demand, substitution, export supply.
FH_EM, FH_ES, FH_EX = -1.25, 5.0, 1.5


@dataclass
class GsimTableResult:
    """Per-region and per-flow GSIM outcomes, with what was skipped on the way in."""

    regions: pl.DataFrame
    flows: pl.DataFrame
    solution: GsimResult
    model: str
    elasticities: dict[str, Any]
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "elasticities": self.elasticities,
            "regions": self.regions.to_dicts(),
            "flows": self.flows.to_dicts(),
            "skipped": self.skipped,
            "warnings": self.warnings,
        }


def load_gsim_csv(path: Path) -> tuple[pl.DataFrame, list[str]]:
    """Read a GSIM flow table, keeping the good rows and naming each bad one by file line and field."""
    if not path.exists():
        raise DataError(f"{path}: file not found")
    text = path.read_text(encoding="utf-8")
    lines = [i + 1 for i, s in enumerate(text.splitlines()) if s.strip() and not s.lstrip().startswith("#")]
    try:
        df = pl.read_csv(path, comment_prefix="#", infer_schema_length=0)
    except pl.exceptions.PolarsError as exc:
        raise DataError(f"{path.name}: not a readable CSV ({exc})") from None
    return validate_flows(df, source=path.name, line_numbers=lines[1:])


def validate_flows(
    df: pl.DataFrame, *, source: str = "flows", line_numbers: list[int] | None = None
) -> tuple[pl.DataFrame, list[str]]:
    """Check types and ranges row by row; return the clean rows (typed) and one message per skipped row."""
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise DataError(f"{source}: missing column(s) {', '.join(missing)} (need {', '.join(REQUIRED)})")
    if "product" not in df.columns:
        df = df.with_columns(pl.lit("all").alias("product"))
    num = ["flow_usd", "t0", "t1", *[c for c in OPTIONAL_ELASTICITIES if c in df.columns]]
    casted = df.with_columns(
        pl.col("product").cast(pl.Utf8).str.strip_chars(),
        pl.col("exporter").cast(pl.Utf8).str.strip_chars(),
        pl.col("importer").cast(pl.Utf8).str.strip_chars(),
        *[pl.col(c).cast(pl.Utf8).str.strip_chars().cast(pl.Float64, strict=False).alias(c) for c in num],
    )
    where = line_numbers or [i + 2 for i in range(df.height)]
    checks: list[tuple[str, pl.Expr, str]] = [
        ("exporter", pl.col("exporter").is_null() | (pl.col("exporter") == ""), "is empty"),
        ("importer", pl.col("importer").is_null() | (pl.col("importer") == ""), "is empty"),
        ("flow_usd", ~(pl.col("flow_usd") >= 0) | ~pl.col("flow_usd").is_finite(), "must be a number >= 0"),
        ("t0", ~(pl.col("t0") > -1) | ~pl.col("t0").is_finite(), "must be a decimal rate > -1"),
        ("t1", ~(pl.col("t1") > -1) | ~pl.col("t1").is_finite(), "must be a decimal rate > -1"),
    ]
    if "em" in casted.columns:
        checks.append(("em", pl.col("em").is_not_null() & ~(pl.col("em") <= 0), "must be <= 0"))
    if "es" in casted.columns:
        checks.append(("es", pl.col("es").is_not_null() & ~(pl.col("es") > 0), "must be > 0"))
    if "ex" in casted.columns:
        checks.append(("ex", pl.col("ex").is_not_null() & ~(pl.col("ex") >= 0), "must be >= 0"))
    flags = casted.select(*[e.fill_null(True).alias(f"_bad_{i}") for i, (_, e, _) in enumerate(checks)])
    bad_any = np.zeros(df.height, dtype=bool)
    skipped: list[str] = []
    for i, (name, _, why) in enumerate(checks):
        b = flags[f"_bad_{i}"].to_numpy()
        for r in np.flatnonzero(b & ~bad_any):  # bad rows only
            skipped.append(f"{source}: line {where[r]}: field {name}={df[name][int(r)]!r} {why}")
        bad_any |= b
    keep = casted.filter(pl.Series(~bad_any))
    dup = keep.select("product", "exporter", "importer").is_duplicated()
    if dup.any():
        first = keep.filter(dup).row(0, named=True)
        raise DataError(
            f"{source}: product {first['product']!r} {first['exporter']}->{first['importer']} appears more than once"
        )
    return keep, skipped


def run_gsim_table(
    flows: pl.DataFrame,
    *,
    em: float = FH_EM,
    es: float = FH_ES,
    ex: float = FH_EX,
    exact: bool = False,
    skipped: list[str] | None = None,
) -> GsimTableResult:
    """Solve GSIM for every product of a validated flow table (see :func:`validate_flows`)."""
    if flows.height == 0:
        raise DataError("GSIM: no flows to solve")
    regions = sorted(set(flows["exporter"].to_list()) | set(flows["importer"].to_list()))
    products = sorted(set(flows["product"].to_list()))
    ri = {r: i for i, r in enumerate(regions)}
    pi = {p: i for i, p in enumerate(products)}
    P, N = len(products), len(regions)
    p_ix = flows["product"].replace_strict(pi, return_dtype=pl.Int64).to_numpy()
    r_ix = flows["exporter"].replace_strict(ri, return_dtype=pl.Int64).to_numpy()
    v_ix = flows["importer"].replace_strict(ri, return_dtype=pl.Int64).to_numpy()
    M = np.zeros((P, N, N))
    T0 = np.ones((P, N, N))
    T1 = np.ones((P, N, N))
    M[p_ix, r_ix, v_ix] = flows["flow_usd"].to_numpy()
    T0[p_ix, r_ix, v_ix] = 1.0 + flows["t0"].to_numpy()
    T1[p_ix, r_ix, v_ix] = 1.0 + flows["t1"].to_numpy()
    EM = np.full((P, N), em)
    ES = np.full((P, N), es)
    EX = np.full((P, N), ex)
    for col, arr, idx in (("em", EM, v_ix), ("es", ES, v_ix), ("ex", EX, r_ix)):
        if col in flows.columns:
            vals = flows[col].to_numpy()
            ok = ~np.isnan(vals)
            arr[p_ix[ok], idx[ok]] = vals[ok]
    solve = solve_gsim_exact if exact else solve_gsim_linear
    sol = solve(M, T0, T1, EM, ES, EX)
    m1 = sol.imports1
    neg = 0 if exact else int((m1 < -1e-9 * np.maximum(M, 1.0)).sum())
    warnings_out = (
        [
            f"the linear GSIM predicts {neg} negative flow(s): the change is too large for the linear system; "
            "solve the exact model (--exact)"
        ]
        if neg
        else []
    )
    flow_tab = (
        flows.select("product", "exporter", "importer")
        .with_columns(
            pl.Series("flow0_usd", M[p_ix, r_ix, v_ix]),
            pl.Series("flow1_usd", m1[p_ix, r_ix, v_ix]),
        )
        .with_columns((pl.col("flow1_usd") - pl.col("flow0_usd")).alias("change_usd"))
    )
    region_tab = _region_table(regions, M, T0, sol)
    el = {
        "em": em if "em" not in flows.columns else f"per row (default {em})",
        "es": es if "es" not in flows.columns else f"per row (default {es})",
        "ex": (None if math.isinf(ex) else ex) if "ex" not in flows.columns else f"per row (default {ex})",
    }
    return GsimTableResult(
        region_tab,
        flow_tab,
        sol,
        "exact (CES)" if exact else "linear (Francois & Hall 2003)",
        el,
        skipped or [],
        warnings_out,
    )


def _region_table(regions: list[str], M: np.ndarray, T0: np.ndarray, sol: GsimResult) -> pl.DataFrame:
    """Per region: exports and imports before and after, price changes, surpluses, revenue and welfare."""
    m1 = sol.imports1
    x0 = M.sum(axis=2)  # (P, N) exports at world prices
    imp0 = M.sum(axis=1)
    spend0 = (M * T0).sum(axis=1)
    ps, cs, tr = sol.ps_change, sol.cs_change, sol.tariff_revenue_change
    return pl.DataFrame(
        {
            "region": regions,
            "exports0_usd": x0.sum(axis=0),
            "exports1_usd": m1.sum(axis=2).sum(axis=0),
            "export_price_change": _weighted(sol.world_price_change, x0),
            "imports0_usd": imp0.sum(axis=0),
            "imports1_usd": m1.sum(axis=1).sum(axis=0),
            "composite_price_change": _weighted(sol.composite_price_change, spend0),
            "producer_surplus_usd": ps.sum(axis=0),
            "consumer_surplus_usd": cs.sum(axis=0),
            "tariff_revenue_change_usd": tr.sum(axis=0),
        }
    ).with_columns(
        (
            pl.col("producer_surplus_usd")
            + pl.col("consumer_surplus_usd")
            + pl.col("tariff_revenue_change_usd")
        ).alias("welfare_change_usd")
    )


def _weighted(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted mean over products (axis 0); NaN where a region has no weight."""
    w = weights.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(w > 0, (values * weights).sum(axis=0) / np.where(w > 0, w, 1.0), np.nan)
