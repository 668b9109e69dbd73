"""A partner's exposure on a date: import value, effective rate, duty per year and per hour, by sector.

ETR = sum of imports x rate / sum of imports over *all* the partner's imports (duty-free lines and
lines the schedule does not know count at 0%, and the unknown value is reported). Duty per year is
the import-weighted duty at the annual import value of the weights (no demand response: the static
"mechanical" estimate used by the Yale Budget Lab and PIIE trackers); per hour = per year / 8,760.
"Additional" duty is the duty above the MFN (column 1 general) rate.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from tariffscope.analytics.common import (
    AUTHORITIES,
    AUTHORITY_LABELS,
    HOURS_PER_YEAR,
    SectorFilter,
    describe,
    format_hts,
    grain_label,
    gtap_names,
    parse_sector,
    partner_code,
    partner_weights,
    weights_or_default,
)
from tariffscope.analytics.etr import DEFAULT_VIEW, VIEW_LABELS, View, rates_for_pairs, usmca_note
from tariffscope.catalogue.loader import Catalogue, default_catalogue
from tariffscope.resolver.engine import RATE_COLUMNS

LINE_RATES = ["total_rate", *RATE_COLUMNS, "rate_refundable"]


def line_rates(
    w: pl.DataFrame,
    on: dt.date,
    *,
    view: View = DEFAULT_VIEW,
    as_of: dt.date | None = None,
    catalogue: Catalogue | None = None,
) -> pl.DataFrame:
    """The weight rows with their rates on ``on``, ``matched`` (the engine knew the line) and
    ``duty_usd`` (= imports x total rate, 0 where unmatched). Each row is priced with its own claim
    share, in place: :func:`rates_for_pairs` evaluates each distinct key once, so no unique and join."""
    cat = catalogue or default_catalogue()
    keep = [c for c in ("hts10", "partner", "usmca_share") if c in w.columns]
    rates = rates_for_pairs(w.select(keep), on, view=view, as_of=as_of, cat=cat)
    j = w.with_columns(rates.drop(keep))
    return j.with_columns(
        pl.col("total_rate").is_not_null().alias("matched"),
        *[pl.col(c).fill_null(0.0) for c in LINE_RATES],
    ).with_columns(
        (pl.col("imports_usd") * pl.col("total_rate")).alias("duty_usd"),
        (pl.col("imports_usd") * pl.col("rate_mfn")).alias("mfn_duty_usd"),
    )


def band(j: pl.DataFrame) -> dict[str, float]:
    """``etr_band_lo``/``etr_band_hi``: the ETR's range over the weights' alternative spread shapes
    (:data:`tariffscope.trade.weights.ALT_COLUMNS`; no band columns: a zero-width band)."""
    from tariffscope.trade.weights import ALT_COLUMNS

    cols = ["imports_usd", *(c for c in ALT_COLUMNS if c in j.columns)]
    sums = j.select(
        *[pl.col(c).sum().alias(f"i{k}") for k, c in enumerate(cols)],
        *[(pl.col(c) * pl.col("total_rate")).sum().alias(f"d{k}") for k, c in enumerate(cols)],
    ).row(0, named=True)
    etrs = [sums[f"d{k}"] / sums[f"i{k}"] for k in range(len(cols)) if sums[f"i{k}"]]
    return {"etr_band_lo": min(etrs, default=0.0), "etr_band_hi": max(etrs, default=0.0)}


def summarise(j: pl.DataFrame) -> dict[str, float]:
    """Totals of a ``line_rates`` frame: imports, duty, ETR, additional ETR, unmatched value."""
    imports = float(j["imports_usd"].sum())
    duty = float(j["duty_usd"].sum())
    mfn = float(j["mfn_duty_usd"].sum())
    unmatched = float(j.filter(~pl.col("matched"))["imports_usd"].sum())
    return {
        "imports_usd": imports,
        "etr": duty / imports if imports else 0.0,
        "etr_additional": (duty - mfn) / imports if imports else 0.0,
        "duty_usd_per_year": duty,
        "additional_duty_usd_per_year": duty - mfn,
        "duty_usd_per_hour": duty / HOURS_PER_YEAR,
        "additional_duty_usd_per_hour": (duty - mfn) / HOURS_PER_YEAR,
        "unmatched_imports_usd": unmatched,
    }


def composition(j: pl.DataFrame) -> pl.DataFrame:
    """By GTAP-45 sector: ``sector, sector_name, imports_usd, share, etr, duty_usd_per_year``."""
    tot = float(j["imports_usd"].sum()) or 1.0
    names = gtap_names()
    g = (
        j.group_by(pl.col("gtap").fill_null("n/a").alias("sector"))
        .agg(pl.col("imports_usd").sum(), pl.col("duty_usd").sum().alias("duty_usd_per_year"))
        .with_columns(
            (pl.col("imports_usd") / tot).alias("share"),
            (pl.col("duty_usd_per_year") / pl.col("imports_usd")).fill_nan(0.0).alias("etr"),
            pl.col("sector").replace_strict(names, default="not in the GTAP crosswalk").alias("sector_name"),
        )
        .sort("imports_usd", descending=True)
    )
    return g.select("sector", "sector_name", "imports_usd", "share", "etr", "duty_usd_per_year")


def authority_table(j: pl.DataFrame) -> pl.DataFrame:
    """Per authority: share of imports charged by it (rate > 0), its ETR contribution and duty."""
    tot = float(j["imports_usd"].sum()) or 1.0
    rows = []
    for a, c in zip(AUTHORITIES, RATE_COLUMNS, strict=True):
        covered = float(j.filter(pl.col(c) > 0)["imports_usd"].sum())
        duty = float((j[c] * j["imports_usd"]).sum())
        rows.append(
            {
                "authority": a,
                "label": AUTHORITY_LABELS.get(a, a),
                "imports_usd_charged": covered,
                "share_of_imports": covered / tot,
                "etr_contribution": duty / tot,
                "duty_usd_per_year": duty,
            }
        )
    return pl.DataFrame(rows)


def top_products(j: pl.DataFrame, on: dt.date, n: int = 10, by: str = "duty_usd") -> pl.DataFrame:
    """The ``n`` lines with the most duty (or import value), with description and rate components."""
    g = (
        j.group_by("hts10")
        .agg(
            pl.col("imports_usd").sum(),
            pl.col("duty_usd").sum(),
            pl.col("gtap").first(),
            *[(pl.col(c) * pl.col("imports_usd")).sum().alias(c) for c in LINE_RATES],
        )
        .with_columns([(pl.col(c) / pl.col("imports_usd")).fill_nan(0.0).alias(c) for c in LINE_RATES])
        .sort(by, descending=True)
        .head(n)
    )
    desc = describe(g["hts10"].to_list(), on)
    return g.with_columns(
        pl.col("hts10").map_elements(format_hts, return_dtype=pl.String).alias("hts"),
        pl.col("hts10").replace_strict(desc, default="").alias("description"),
    ).rename({"gtap": "sector", "duty_usd": "duty_usd_per_year"})


def exposure(
    partner: str,
    date: dt.date,
    sector: str | SectorFilter | None = None,
    weights: pl.DataFrame | None = None,
    view: View = DEFAULT_VIEW,
    *,
    as_of: dt.date | None = None,
    top: int = 10,
    catalogue: Catalogue | None = None,
) -> dict[str, Any]:
    """The exposure JSON of ``partner`` on ``date`` (see the module docstring for definitions).

    Keys: ``partner, date, view, view_label, sector, imports_usd, etr, etr_band_lo, etr_band_hi,
    etr_additional, duty_usd_per_year,
    duty_usd_per_hour, additional_duty_usd_per_year, additional_duty_usd_per_hour,
    unmatched_imports_usd, weights_grain, data_year, usmca_claims, composition[], authorities[],
    top_products[]``.
    """
    p = partner_code(partner)
    sf = parse_sector(sector) if isinstance(sector, str) else sector
    w = partner_weights(weights_or_default(weights), p, sf)
    j = line_rates(w, date, view=view, as_of=as_of, catalogue=catalogue)
    out: dict[str, Any] = {
        "partner": p,
        "date": date.isoformat(),
        "as_of": None if as_of is None else as_of.isoformat(),
        "view": view,
        "view_label": VIEW_LABELS[view],
        "sector": None if sf is None else sf.label,
        **summarise(j),
        **band(j),
        "weights_grain": grain_label(w),
        "data_year": sorted({int(x) for x in w["data_year"].unique().to_list()})
        if "data_year" in w.columns
        else None,
        "denominator": "all imports from the partner (unmatched lines count at 0%)",
        "usmca_claims": usmca_note(w, view),
    }
    out["composition"] = composition(j).to_dicts()
    out["authorities"] = authority_table(j).to_dicts()
    tp = top_products(j, date, top)
    out["top_products"] = [
        {
            "hts10": r["hts10"],
            "hts": r["hts"],
            "description": r["description"],
            "sector": r["sector"],
            "imports_usd": r["imports_usd"],
            "total_rate": r["total_rate"],
            "rates": {a: r[c] for a, c in zip(AUTHORITIES, RATE_COLUMNS, strict=True) if r[c]},
            "duty_usd_per_year": r["duty_usd_per_year"],
        }
        for r in tp.iter_rows(named=True)
    ]
    return out
