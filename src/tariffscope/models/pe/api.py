"""High-level PE entry point for scenarios: :func:`run_pe` over all HTS10 x partner flows of the US market.

Each HTS10 line is one SMART market; its sources are the partners. See :mod:`tariffscope.models.pe.smart`
for the model and its conventions: imports at customs value (world prices, excluding duty); tariffs as
decimals; eta signed (< 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import polars as pl

from tariffscope.errors import DataError
from tariffscope.models.pe.elasticities import elasticities_for
from tariffscope.models.pe.smart import HOURS_PER_YEAR, SmartSolution, solve_smart

ADDITIVE = [
    "imports_new_usd",
    "imports_change_usd",
    "trade_creation_usd",
    "trade_diversion_usd",
    "price_effect_usd",
    "tariff_revenue0_usd",
    "tariff_revenue1_usd",
    "tariff_revenue_change_usd",
    "cs_change_usd",
    "cs_change_ces_usd",
    "ps_change_usd",
    "welfare_change_usd",
]
"""Per-line effects of :func:`run_pe` in USD a year: they add up over lines and partners."""
INTENSIVE = ["exporter_price_change", "us_price_change", "composite_price_change"]
"""Per-line price changes (decimals): ratios, which do not add up."""
SUM_COLS = ["imports_usd", *ADDITIVE]


@dataclass(frozen=True)
class PEResult:
    """Result of :func:`run_pe`.

    * ``lines``: one row per HTS10 x partner (inputs, elasticities and their sources, all effects);
    * ``by_partner``: sums per partner. ``exports_change_usd`` is the change of the partner's sales to the
      US at world prices, which equals its exporter revenue change; ``_per_hour`` divides by 8,760 h;
    * ``totals``: ``us_consumer_cost_usd`` (= -CS change), ``tariff_revenue_change_usd``, ``cs_change_usd``,
      ``ps_change_usd`` (foreign exporters), ``us_welfare_change_usd`` (CS + tariff revenue),
      ``welfare_change_usd`` (world: CS + tariff revenue + PS), solver diagnostics.
    """

    lines: pl.DataFrame
    by_partner: pl.DataFrame
    totals: dict[str, float] = field(default_factory=dict)


def _attach_elasticities(
    flows: pl.DataFrame,
    elasticities: pl.DataFrame | None,
    overrides: pl.DataFrame | list[dict[str, object]] | None,
    sigma_from: Literal["broda_weinstein", "protee"],
    sigma_cap: float | None = None,
    sigma_scale: float = 1.0,
    sigma_floor: float | None = None,
) -> pl.DataFrame:
    codes = flows.select(pl.col("hts10").unique())["hts10"]
    if elasticities is None:
        el = elasticities_for(
            codes,
            overrides,
            sigma_from=sigma_from,
            sigma_cap=sigma_cap,
            sigma_scale=sigma_scale,
            sigma_floor=sigma_floor,
        )
    else:
        need = {"hts10", "sigma", "import_demand_elasticity", "export_supply_elasticity"}
        miss = need - set(elasticities.columns)
        if miss:
            raise DataError(f"elasticities: missing columns {sorted(miss)}")
        el = elasticities
        for c in ("sigma_source", "eta_source", "eps_source"):
            if c not in el.columns:
                el = el.with_columns(pl.lit("user").alias(c))
        if el["hts10"].is_duplicated().any():
            raise DataError("elasticities: duplicate hts10 rows")
    el = el.select(
        "hts10",
        "sigma",
        "sigma_source",
        pl.col("import_demand_elasticity").alias("eta"),
        "eta_source",
        pl.col("export_supply_elasticity").alias("eps"),
        "eps_source",
    )
    out = flows.join(el, on="hts10", how="left")
    miss_rows = out["sigma"].is_null() | out["eta"].is_null() | out["eps"].is_null()
    if miss_rows.any():
        i = int(miss_rows.arg_max() or 0)
        raise DataError(f"elasticities: no values for hts10 {out['hts10'][i]!r}")
    return out


def run_pe(
    flows: pl.DataFrame,
    t0_col: str = "t0",
    t1_col: str = "t1",
    elasticities: pl.DataFrame | None = None,
    supply: Literal["infinite", "elastic"] = "infinite",
    *,
    overrides: pl.DataFrame | list[dict[str, object]] | None = None,
    sigma_from: Literal["broda_weinstein", "protee"] = "broda_weinstein",
    sigma_cap: float | None = None,
    sigma_scale: float = 1.0,
    sigma_floor: float | None = None,
    tol: float = 1e-12,
) -> PEResult:
    """Exact SMART/Armington PE effects of moving US tariffs from ``t0_col`` to ``t1_col``.

    ``flows``: columns ``hts10`` (10-digit string), ``partner`` (ISO alpha-2), ``imports_usd`` (customs value,
    annual), and the two tariff columns (decimals, all duties combined). ``hts10 x partner`` must be unique.
    ``elasticities``: ``None`` for the packaged table (with optional ``overrides`` by HS prefix), or a frame
    keyed by ``hts10`` with ``sigma, import_demand_elasticity, export_supply_elasticity``.
    ``supply="infinite"`` fixes world prices (eps = inf); ``"elastic"`` uses each line's eps (``inf`` allowed).
    ``sigma_cap``/``sigma_floor``/``sigma_scale``: applied to the table's sigma (see :func:`elasticities_for`).
    """
    f = _checked_flows(flows, t0_col, t1_col, supply)
    f = _attach_elasticities(f, elasticities, overrides, sigma_from, sigma_cap, sigma_scale, sigma_floor)
    group = f["hts10"].str.to_integer(strict=True).to_numpy()
    eps = np.full(f.height, np.inf) if supply == "infinite" else f["eps"].to_numpy()
    sol = solve_smart(
        group,
        f["imports_usd"].to_numpy(),
        f["t0"].to_numpy(),
        f["t1"].to_numpy(),
        f["eta"].to_numpy(),
        f["sigma"].to_numpy(),
        eps,
        tol=tol,
    )
    lines = _solution_columns(f, eps, sol)
    by_partner = (
        lines.group_by("partner")
        .agg([pl.col(c).sum() for c in SUM_COLS])
        .with_columns(
            pl.col("imports_change_usd").alias("exports_change_usd"),
            pl.col("imports_change_usd").alias("exporter_revenue_change_usd"),
            (pl.col("imports_change_usd") / HOURS_PER_YEAR).alias("exporter_revenue_change_per_hour_usd"),
            (pl.col("imports_change_usd") / pl.col("imports_usd")).alias("exports_change_pct"),
        )
        .sort("exports_change_usd")
    )
    totals = _totals(lines, sol)
    return PEResult(lines=lines, by_partner=by_partner, totals=totals)


def _checked_flows(flows: pl.DataFrame, t0_col: str, t1_col: str, supply: str) -> pl.DataFrame:
    """``hts10, partner, imports_usd, t0, t1`` cast and checked: no nulls, 10-digit codes, unique lines."""
    need = {"hts10", "partner", "imports_usd", t0_col, t1_col}
    miss = need - set(flows.columns)
    if miss:
        raise DataError(f"flows: missing columns {sorted(miss)}")
    if supply not in ("infinite", "elastic"):
        raise DataError(f"supply: {supply!r} is not 'infinite' or 'elastic'")
    f = flows.select(
        pl.col("hts10").cast(pl.Utf8),
        pl.col("partner").cast(pl.Utf8),
        pl.col("imports_usd").cast(pl.Float64),
        pl.col(t0_col).cast(pl.Float64).alias("t0"),
        pl.col(t1_col).cast(pl.Float64).alias("t1"),
    )
    for c in ("hts10", "partner", "imports_usd", "t0", "t1"):
        nulls = f[c].is_null()
        if nulls.any():
            raise DataError(f"flows: row {int(nulls.arg_max() or 0)} has a null {c}")
    bad = ~f["hts10"].str.contains(r"^\d{10}$")
    if bad.any():
        i = int(bad.arg_max() or 0)
        raise DataError(f"flows: row {i} hts10 {f['hts10'][i]!r} is not 10 digits")
    if f.select(pl.struct("hts10", "partner").is_duplicated().any()).item():
        raise DataError("flows: duplicate hts10 x partner rows; aggregate them first")
    return f


def _solution_columns(f: pl.DataFrame, eps: np.ndarray, sol: SmartSolution) -> pl.DataFrame:
    """The lines with the solution's effects per line (USD per year; price changes as decimals)."""
    erc = sol.exporter_revenue_change
    return f.with_columns(
        pl.Series("eps_used", eps),
        pl.Series("imports_new_usd", sol.imports1),
        pl.Series("imports_change_usd", sol.imports_change),
        pl.Series("trade_creation_usd", sol.trade_creation),
        pl.Series("trade_diversion_usd", sol.trade_diversion),
        pl.Series("price_effect_usd", sol.price_effect),
        pl.Series("exporter_price_change", sol.world_price_change),
        pl.Series("us_price_change", sol.domestic_price_change),
        pl.Series("composite_price_change", sol.composite_price_change),
        pl.Series("tariff_revenue0_usd", sol.tariff_revenue0),
        pl.Series("tariff_revenue1_usd", sol.tariff_revenue1),
        pl.Series("tariff_revenue_change_usd", sol.tariff_revenue_change),
        pl.Series("cs_change_usd", sol.cs_change),
        pl.Series("cs_change_ces_usd", sol.cs_change_ces),
        pl.Series("ps_change_usd", sol.ps_change),
        pl.Series("welfare_change_usd", sol.welfare_change),
        pl.Series("exporter_revenue_change_usd", erc),
        pl.Series("exporter_revenue_change_per_hour_usd", erc / HOURS_PER_YEAR),
    )


def us_accounts(tot: dict[str, float]) -> dict[str, float]:
    """The importer's accounts from summed line effects: consumer cost = -CS, national welfare =
    CS + tariff revenue (the foreign exporters' PS is theirs; world welfare adds it)."""
    return {
        "us_consumer_cost_usd": -tot["cs_change_usd"],
        "us_welfare_change_usd": tot["cs_change_usd"] + tot["tariff_revenue_change_usd"],
    }


def _totals(lines: pl.DataFrame, sol: SmartSolution) -> dict[str, float]:
    """Totals over all lines, the US accounts and the solver's report."""
    tot = {c: float(lines[c].sum()) for c in SUM_COLS}
    return {
        "imports0_usd": tot["imports_usd"],
        "imports1_usd": tot["imports_new_usd"],
        "imports_change_usd": tot["imports_change_usd"],
        "trade_creation_usd": tot["trade_creation_usd"],
        "trade_diversion_usd": tot["trade_diversion_usd"],
        "tariff_revenue0_usd": tot["tariff_revenue0_usd"],
        "tariff_revenue1_usd": tot["tariff_revenue1_usd"],
        "tariff_revenue_change_usd": tot["tariff_revenue_change_usd"],
        "cs_change_usd": tot["cs_change_usd"],
        "cs_change_ces_usd": tot["cs_change_ces_usd"],
        "ps_change_usd": tot["ps_change_usd"],
        **us_accounts(tot),
        "welfare_change_usd": tot["welfare_change_usd"],
        "solver_iterations": float(sol.iterations),
        "solver_max_residual": sol.max_residual,
    }
