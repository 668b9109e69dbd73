"""The partner side's tariffs read from the law: the importer's catalogue resolved at the package's date.

A package's partner side (``partner_side.importer: JP``) leaves ``t0`` blank on the flows of US goods and
``t1`` blank on its ``tariff`` changes: ``t0`` is what the importer's catalogue charges US goods on the
package's date (MFN, or the trade agreement's rate when ``claim`` names it), ``t1`` what the catalogue with
the package's partner overlay (a scenario file over that catalogue) charges then. A rate the CSV gives
stays as given, and is reported as such: the catalogue holds the importer's MFN and its preference for
US goods, not third countries' agreements (CPTPP, EPAs), nor state trading or quotas.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl

from tariffscope.catalogue.loader import Catalogue, catalogue_of
from tariffscope.errors import DataError
from tariffscope.resolver.api import resolve_frame
from tariffscope.resolver.context import PricingContext, schedule_of


def _resolve(
    cat: Catalogue, products: pl.Series, on: dt.date, origin: str, claim: str | None
) -> pl.DataFrame:
    """``product``, ``rate`` (null when not a number) and ``status`` of each product from ``origin`` on ``on``."""
    rows = pl.DataFrame({"hts10": products, "origin": origin, "date": on})
    if claim:
        rows = rows.with_columns(pl.lit(claim).alias("claim"))
    ctx = PricingContext.of(cat, schedule_of(cat.jurisdiction_id))
    t = resolve_frame(rows, context=ctx).table
    # a base rate that is not a number (a specific duty without value and quantity) leaves no rate
    t = t.with_columns(
        pl.when(pl.col("base_status").cast(pl.String) == "by reference")
        .then(None)
        .otherwise("total_rate")
        .alias("total_rate")
    )
    return pl.DataFrame(
        {
            "product": products,
            "rate": t["total_rate"].round(10).to_list(),
            "status": t["status"].to_list(),
            "base_status": t["base_status"].cast(pl.String).to_list(),
        },
        schema_overrides={"rate": pl.Float64},
    )


def _fill(
    frame: pl.DataFrame,
    col: str,
    resolved: pl.DataFrame,
    us: pl.Expr,
    csv: Path,
    what: str,
    scope: pl.Expr | None = None,
) -> pl.DataFrame:
    """Fill the blank ``col`` of US rows from ``resolved``; a blank that the law cannot fill is an error
    (among the rows of ``scope``: every row by default)."""
    scope = pl.lit(True) if scope is None else scope
    f = frame.join(resolved, on="product", how="left", maintain_order="left")
    need = us & pl.col(col).is_null()
    bad = f.filter(need & (pl.col("rate").is_null()))
    if bad.height:
        r = bad.row(0, named=True)
        why = (
            "its rate is specific (not a number without value and quantity)"
            if r["base_status"] == "by reference"
            else (r["status"] or "not in the catalogue").removeprefix("error: ")
        )
        raise DataError(f"{csv.name}: {what} product {r['product']}: {col} is blank and {why}: give {col}")
    blank_other = f.filter(scope & ~us & pl.col(col).is_null())
    if blank_other.height:
        p = blank_other["product"][0]
        raise DataError(
            f"{csv.name}: {what} product {p}: {col} is blank for a source other than the US: the catalogue "
            "holds the importer's MFN and its US preference only; give the rate"
        )
    filled = pl.when(need).then(pl.col("rate")).otherwise(pl.col(col).cast(pl.Float64)).alias(col)
    return f.with_columns(filled).drop("rate", "status", "base_status")


def rates_from_law(
    flows: pl.DataFrame,
    changes: pl.DataFrame,
    *,
    csv: Path,
    importer: str,
    on: dt.date,
    claim: str | None,
    overlay: Catalogue | None,
    us_code: str = "US",
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, Any]]:
    """Flows with ``t0`` and changes with ``t1`` filled from the importer's law (see the module docstring),
    and a provenance record: which rates were resolved and which the CSV gave."""
    base = catalogue_of(importer)
    flows = flows.with_columns(pl.col("product").cast(pl.String).str.replace_all(r"\.", ""))
    is_us = pl.col("source") == us_code
    us_blank = flows.filter(is_us & pl.col("t0").is_null())["product"].unique().sort()
    flows_out = _fill(flows, "t0", _resolve(base, us_blank, on, us_code, claim), is_us, csv, "flow")
    changes_out = changes
    t1_products: list[str] = []
    if "t1" in changes.columns:
        changes = changes.with_columns(pl.col("product").cast(pl.String).str.replace_all(r"\.", ""))
        tariff = (pl.col("measure") == "tariff") & pl.col("t1").is_null()
        t1_products = changes.filter(tariff)["product"].unique().sort().to_list()
        if t1_products:
            cat = overlay or base
            res = _resolve(cat, pl.Series(t1_products, dtype=pl.String), on, us_code, claim)
            is_tariff = pl.col("measure") == "tariff"  # a change row is about US goods
            changes_out = _fill(changes, "t1", res, is_tariff, csv, "change", scope=is_tariff)
    given = (
        flows.filter(pl.col("t0").is_not_null())
        .select("product", "source")
        .unique()
        .sort("product", "source")
    )
    prov = {
        "importer": importer.upper(),
        "date": on.isoformat(),
        "claim": claim,
        "t0_from_catalogue": us_blank.to_list(),
        "t1_from_overlay": t1_products,
        "t0_given_in_csv": [f"{p}/{s}" for p, s in given.iter_rows()],
    }
    return flows_out, changes_out, prov
