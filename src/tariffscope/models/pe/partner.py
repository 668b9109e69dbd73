"""The partner side of a tariff package: the partner as an importer of US goods.

A deal such as the 2025 US-Japan agreement bundles the US tariff on the partner's goods (the US-side SMART
model, :func:`tariffscope.models.pe.api.run_pe`) with concessions in the partner's own import market. Here
each product of the partner market is one SMART market with sources ``US`` and the rest; four kinds of change
apply to the US source:

* ``tariff``: the partner's applied tariff on US goods moves from ``t0`` to ``t1``. Exact CES solve; the
  other sources are diverted.
* ``ntm``: a non-tariff measure as an ad valorem equivalent. The price wedge moves from ``(1+ntm_ave0)`` to
  ``(1+ntm_ave1)`` and raises no revenue (a cost, not a rent).
* ``trq``: more in-quota access for US goods under a *binding* tariff-rate quota. Examples are US rice inside
  Japan's WTO minimum-access (MA) quota, or a country-specific reserve. A binding quota fixes quantities, so
  prices do not clear the market: US sales rise by ``quota_change_usd x fill_rate``. ``crowd_out_share`` of that
  comes from other quota holders (1 for a fixed global quota), and ``in_quota_rate`` (or mark-up) is collected on it.
* ``purchase``: a purchase commitment, an exogenous demand shift. US sales rise by ``additionality x
  max(purchase_usd - US sales after the price changes, 0)``, and ``crowd_out_share`` of the increase displaces
  other sources pro rata.

Quantity channels (``trq``, ``purchase``) are applied after the price solve, at unchanged prices, in that order.
This is a documented simplification: the SMART equilibrium is not re-solved around the quantity constraint.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from tariffscope.errors import DataError
from tariffscope.models.pe.elasticities import elasticities_for
from tariffscope.models.pe.horizons import Band, band_scale
from tariffscope.models.pe.smart import SmartSolution, solve_smart

EXAMPLES = Path(__file__).resolve().parent / "examples"
MEASURES = ("tariff", "ntm", "trq", "purchase")
CHANGE_DEFAULTS: dict[str, float] = {
    "fill_rate": 1.0,
    "in_quota_rate": 0.0,
    "additionality": 1.0,
    "crowd_out_share": 1.0,
}


def load_japan_example() -> tuple[pl.DataFrame, pl.DataFrame]:
    """The illustrative Japan package in ``examples/japan_partner_side.csv`` as ``(flows, changes)``."""
    return load_partner_csv(EXAMPLES / "japan_partner_side.csv")


def load_partner_csv(path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split a partner-side CSV (``row_type`` = ``flow`` | ``change``) into flows and changes."""
    df = pl.read_csv(path, schema_overrides={"product": pl.Utf8}, comment_prefix="#")
    if "row_type" not in df.columns:
        raise DataError(f"{path.name}: missing column row_type")
    bad = ~df["row_type"].is_in(["flow", "change"])
    if bad.any():
        i = int(bad.arg_max() or 0)
        raise DataError(f"{path.name}: row {i + 2} row_type {df['row_type'][i]!r} is not flow|change")
    flows = df.filter(pl.col("row_type") == "flow").select("product", "source", "imports_usd", "t0")
    keep = [c for c in df.columns if c not in ("row_type", "source", "imports_usd", "t0")]
    changes = df.filter(pl.col("row_type") == "change").select(keep)
    return flows, changes


def evaluate_partner_side(
    flows_partner: pl.DataFrame,
    changes: pl.DataFrame,
    *,
    us_code: str = "US",
    eta: float | None = None,
    sigma: float | None = None,
    band: Band = "central",
) -> tuple[pl.DataFrame, dict[str, float]]:
    """Effects of a partner's concessions on its imports of US goods.

    ``flows_partner``: ``product`` (HS6-10 digits), ``source`` (ISO2, ``us_code`` for the US), ``imports_usd``
    (partner's imports, world prices), ``t0`` (partner's applied tariff). ``changes``: ``product, measure`` and
    the measure's fields (see the module docstring). At most one change per ``product x measure``.
    Elasticities: ``eta`` default from the packaged table; ``sigma`` default from CEPII ProTEE, which is
    estimated across importers and so fits a non-US market better than the US-specific Broda-Weinstein values.
    ``band``: ``low``/``high`` scale both (defaults or given) by the steady-state band
    (:func:`tariffscope.models.pe.horizons.band_scale`: sigma x 0.75/1.25, eta x 0.8/1.2).

    Returns the per ``product x source`` frame and channel totals (``us_exports_change_<measure>_usd``,
    ``us_exports_change_usd``, ``others_change_usd``, ``partner_tariff_revenue_change_usd``,
    ``partner_cs_change_usd``).
    """
    ch = _checked_changes(flows_partner, changes)
    f = _price_inputs(flows_partner, ch, us_code)
    market = _Market.of(f, eta, sigma, band)
    sol = market.solve(f["ave1"].to_numpy())
    f = f.with_columns(
        pl.Series("imports_after_price_usd", sol.imports1),
        pl.Series("cs_change_usd", sol.cs_change),
        pl.Series("tariff_revenue_change_usd", sol.tariff_revenue_change),
    )
    f = _quantity_channels(f, ch, pl.col("source") == us_code)
    lines = f.select(*LINE_COLUMNS).sort("product", "source")
    us = lines.filter(pl.col("source") == us_code)
    # split the price channel into tariff vs ntm by solving with the tariff change alone
    tariff_only = market.solve(f["ave0"].to_numpy())
    tariff_part = float(tariff_only.imports_change[(f["source"] == us_code).to_numpy()].sum())
    price_total = float(us["us_change_price_usd"].sum())
    totals = {
        "us_exports_change_tariff_usd": tariff_part,
        "us_exports_change_ntm_usd": price_total - tariff_part,
        "us_exports_change_trq_usd": float(us["us_change_trq_usd"].sum()),
        "us_exports_change_purchase_usd": float(us["us_change_purchase_usd"].sum()),
        "us_exports_change_usd": float(us["imports_change_usd"].sum()),
        "others_change_usd": float(lines.filter(pl.col("source") != us_code)["imports_change_usd"].sum()),
        "partner_tariff_revenue_change_usd": float(lines["tariff_revenue_change_usd"].sum()),
        "partner_cs_change_usd": float(lines["cs_change_usd"].sum()),
    }
    return lines, totals


LINE_COLUMNS = [
    "product",
    "source",
    "imports_usd",
    "t0",
    "t1",
    "ave0",
    "ave1",
    "imports_new_usd",
    "imports_change_usd",
    "us_change_price_usd",
    "us_change_trq_usd",
    "us_change_purchase_usd",
    "crowd_out_usd",
    "tariff_revenue_change_usd",
    "cs_change_usd",
]


def _checked_changes(flows_partner: pl.DataFrame, changes: pl.DataFrame) -> pl.DataFrame:
    """The changes, checked, with every measure's fields present (defaults filled, products without dots)."""
    need = {"product", "source", "imports_usd", "t0"}
    if miss := need - set(flows_partner.columns):
        raise DataError(f"flows_partner: missing columns {sorted(miss)}")
    if miss := {"product", "measure"} - set(changes.columns):
        raise DataError(f"changes: missing columns {sorted(miss)}")
    bad = ~changes["measure"].is_in(list(MEASURES))
    if bad.any():
        i = int(bad.arg_max() or 0)
        raise DataError(f"changes: row {i} measure {changes['measure'][i]!r} not in {MEASURES}")
    if changes.select(pl.struct("product", "measure").is_duplicated().any()).item():
        raise DataError("changes: more than one change per product x measure")
    ch = changes
    for c, d in CHANGE_DEFAULTS.items():
        ch = ch.with_columns(
            pl.col(c).cast(pl.Float64).fill_null(d) if c in ch.columns else pl.lit(d).alias(c)
        )
    for c in ("t1", "ntm_ave0", "ntm_ave1", "quota_change_usd", "purchase_usd"):
        ch = ch.with_columns(
            pl.col(c).cast(pl.Float64) if c in ch.columns else pl.lit(None, pl.Float64).alias(c)
        )
    return ch.with_columns(pl.col("product").cast(pl.Utf8).str.replace_all(r"\.", ""))


def _price_inputs(flows_partner: pl.DataFrame, ch: pl.DataFrame, us_code: str) -> pl.DataFrame:
    """The flows with the US source's new tariff ``t1`` and NTM equivalents ``ave0``/``ave1`` (0 elsewhere)."""
    f = flows_partner.select(
        pl.col("product").cast(pl.Utf8).str.replace_all(r"\.", ""),
        pl.col("source").cast(pl.Utf8),
        pl.col("imports_usd").cast(pl.Float64),
        pl.col("t0").cast(pl.Float64),
    )
    unknown = ch.join(f.select("product").unique(), on="product", how="anti")
    if unknown.height:
        raise DataError(f"changes: product {unknown['product'][0]!r} has no flows")
    is_us = pl.col("source") == us_code

    def pick(measure: str, col: str) -> pl.DataFrame:
        return ch.filter(pl.col("measure") == measure).select(
            "product", pl.col(col).alias(f"{measure}_{col}")
        )

    f = (
        f.join(pick("tariff", "t1"), on="product", how="left")
        .join(pick("ntm", "ntm_ave0"), on="product", how="left")
        .join(pick("ntm", "ntm_ave1"), on="product", how="left")
    )
    return f.with_columns(
        pl.when(is_us & pl.col("tariff_t1").is_not_null())
        .then(pl.col("tariff_t1"))
        .otherwise("t0")
        .alias("t1"),
        pl.when(is_us).then(pl.col("ntm_ntm_ave0").fill_null(0.0)).otherwise(0.0).alias("ave0"),
        pl.when(is_us)
        .then(pl.coalesce("ntm_ntm_ave1", "ntm_ntm_ave0").fill_null(0.0))
        .otherwise(0.0)
        .alias("ave1"),
    )


@dataclass(frozen=True)
class _Market:
    """The SMART markets of the partner's products (one per product) with their elasticities."""

    group: np.ndarray
    imports: np.ndarray
    t0: np.ndarray
    t1: np.ndarray
    ave0: np.ndarray
    eta: np.ndarray
    sigma: np.ndarray

    @classmethod
    def of(cls, f: pl.DataFrame, eta: float | None, sigma: float | None, band: Band) -> _Market:
        el = elasticities_for(f["product"].str.pad_end(10, "0"), sigma_from="protee")
        eta_v = el["import_demand_elasticity"].to_numpy() if eta is None else np.full(f.height, eta)
        sig_v = el["sigma"].to_numpy() if sigma is None else np.full(f.height, sigma)
        # elasticities must be constant within product: the table is per HS6 and products are <= 10 digits
        return cls(
            f["product"].rank("dense").to_numpy(),
            f["imports_usd"].to_numpy(),
            f["t0"].to_numpy(),
            f["t1"].to_numpy(),
            f["ave0"].to_numpy(),
            eta_v * band_scale("eta", band),
            sig_v * band_scale("sigma", band),
        )

    def solve(self, ave1: np.ndarray) -> SmartSolution:
        """Exact solve from ``(1+t0)(1+ave0)`` to ``(1+t1)(1+ave1)``, at fixed world prices."""
        return solve_smart(
            self.group,
            self.imports,
            self.t0,
            self.t1,
            self.eta,
            self.sigma,
            np.inf,
            wedge0=(1 + self.t0) * (1 + self.ave0),
            wedge1=(1 + self.t1) * (1 + ave1),
        )


def _quantity_channels(f: pl.DataFrame, ch: pl.DataFrame, is_us: pl.Expr) -> pl.DataFrame:
    """After the price solve: the US price-channel change, then TRQ access and purchases (at unchanged prices,
    in that order) with the other sources crowded out pro rata; new imports, their change and revenue."""
    f = f.with_columns(
        pl.when(is_us)
        .then(pl.col("imports_after_price_usd") - pl.col("imports_usd"))
        .otherwise(0.0)
        .alias("us_change_price_usd")
    )
    trq = ch.filter(pl.col("measure") == "trq").select(
        "product",
        (pl.col("quota_change_usd").fill_null(0.0) * pl.col("fill_rate")).alias("trq_add"),
        pl.col("crowd_out_share").alias("trq_crowd"),
        pl.col("in_quota_rate").alias("trq_rate"),
    )
    pur = ch.filter(pl.col("measure") == "purchase").select(
        "product",
        pl.col("purchase_usd").alias("pur_target"),
        pl.col("additionality").alias("pur_add"),
        pl.col("crowd_out_share").alias("pur_crowd"),
    )
    f = f.join(trq, on="product", how="left").join(pur, on="product", how="left")
    us_after = (
        f.filter(is_us)
        .group_by("product")
        .agg(
            (pl.col("imports_after_price_usd").sum() + pl.col("trq_add").fill_null(0.0).first()).alias(
                "us_pre"
            )
        )
    )
    f = f.join(us_after, on="product", how="left").with_columns(
        pl.when(is_us).then(pl.col("trq_add").fill_null(0.0)).otherwise(0.0).alias("us_change_trq_usd"),
        pl.when(is_us)
        .then(
            (pl.col("pur_target") - pl.col("us_pre")).clip(lower_bound=0.0).fill_null(0.0)
            * pl.col("pur_add").fill_null(0.0)
        )
        .otherwise(0.0)
        .alias("us_change_purchase_usd"),
    )
    prod_q = f.group_by("product").agg(
        pl.col("us_change_trq_usd").sum().alias("trq_total"),
        pl.col("us_change_purchase_usd").sum().alias("pur_total"),
        pl.col("imports_after_price_usd").filter(~is_us).sum().alias("others_base"),
    )
    f = f.join(prod_q, on="product", how="left").with_columns(
        pl.when(~is_us & (pl.col("others_base") > 0))
        .then(
            -(
                pl.col("trq_total") * pl.col("trq_crowd").fill_null(0.0)
                + pl.col("pur_total") * pl.col("pur_crowd").fill_null(0.0)
            )
            * pl.col("imports_after_price_usd")
            / pl.col("others_base")
        )
        .otherwise(0.0)
        .alias("crowd_out_usd")
    )
    return f.with_columns(
        (
            pl.col("imports_after_price_usd")
            + pl.col("us_change_trq_usd")
            + pl.col("us_change_purchase_usd")
            + pl.col("crowd_out_usd")
        )
        .clip(lower_bound=0.0)
        .alias("imports_new_usd"),
        (
            pl.col("tariff_revenue_change_usd")
            + pl.col("us_change_trq_usd") * pl.col("trq_rate").fill_null(0.0)
        ).alias("tariff_revenue_change_usd"),
    ).with_columns((pl.col("imports_new_usd") - pl.col("imports_usd")).alias("imports_change_usd"))
