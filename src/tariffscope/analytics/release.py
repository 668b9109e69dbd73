"""Release check of the headline ETR: what it rests on and the outliers that would make it wrong.

On one date, in the owed view, over the shipped weights:

- ``contributions``: the top HS4 headings by their contribution to the overall ETR (pp = duty of
  the heading / all imports), with imports, the heading's own ETR and its grain;
- ``partners``: the ETR of the largest partners by imports, with the weights band;
- ``line_outliers``: lines above ``max_rate`` (60%) carrying more than ``min_usd`` ($1B) of weight;
- ``heading_outliers``: headings whose implied total is more than ``max_ratio`` (2x) its control
  (``weights_controls.csv``: Comtrade 8703/8704 by partner and in all, cited partner figures), or
  below half of it.

A release ships when both outlier tables are empty or every row is reviewed against the law and
the data (``tests/test_release_check.py`` holds the reviewed list).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from tariffscope.analytics.etr import DEFAULT_VIEW, View, etr_series, rates_for_pairs
from tariffscope.paths import PACKAGE_DATA


@dataclass(frozen=True)
class ReleaseCheck:
    date: dt.date
    view: str
    overall_etr: float
    contributions: pl.DataFrame
    partners: pl.DataFrame
    line_outliers: pl.DataFrame
    heading_outliers: pl.DataFrame


def _in_codes(codes: str) -> pl.Expr:
    inc = [c for c in codes.split(";") if not c.startswith("-")]
    exc = [c[1:] for c in codes.split(";") if c.startswith("-")]
    e = pl.any_horizontal([pl.col("hts10").str.starts_with(c) for c in inc])
    for c in exc:
        e = e & ~pl.col("hts10").str.starts_with(c)
    return e


def release_check(
    weights: pl.DataFrame,
    on: dt.date,
    *,
    view: View = DEFAULT_VIEW,
    top: int = 20,
    n_partners: int = 10,
    max_rate: float = 0.60,
    min_usd: float = 1e9,
    max_ratio: float = 2.0,
) -> ReleaseCheck:
    pairs = weights.select([c for c in ("hts10", "partner", "usmca_share") if c in weights.columns])
    r = rates_for_pairs(pairs, on, view=view)
    j = weights.select("hts10", "partner", "imports_usd", pl.col("grain").cast(pl.String)).with_columns(
        r["total_rate"].fill_null(0.0).alias("total_rate")
    )
    total = float(j["imports_usd"].sum())
    j = j.with_columns((pl.col("imports_usd") * pl.col("total_rate")).alias("duty_usd"))
    contributions = (
        j.group_by(pl.col("hts10").str.slice(0, 4).alias("hs4"))
        .agg(
            pl.col("imports_usd").sum(),
            pl.col("duty_usd").sum(),
            (
                pl.col("imports_usd").filter(pl.col("grain") == "hts10_exact").sum()
                / pl.col("imports_usd").sum()
            ).alias("exact_share"),
        )
        .with_columns(
            (pl.col("duty_usd") / total * 100).alias("contribution_pp"),
            (pl.col("duty_usd") / pl.col("imports_usd")).alias("etr"),
        )
        .sort("duty_usd", descending=True)
        .head(top)
    )
    big = j.group_by("partner").agg(pl.col("imports_usd").sum()).sort("imports_usd", descending=True)
    top_p = big.head(n_partners)["partner"].to_list()
    s = etr_series(weights, on, on, view=view, daily=False)
    partners = (
        s.filter(pl.col("partner").is_in(top_p))
        .select("partner", "imports_usd", "etr", "etr_band_lo", "etr_band_hi")
        .sort("imports_usd", descending=True)
    )
    overall = float(s.filter(pl.col("partner") == "ALL")["etr"][0])
    line_outliers = (
        j.filter((pl.col("total_rate") > max_rate) & (pl.col("imports_usd") > min_usd))
        .sort("imports_usd", descending=True)
        .select("hts10", "partner", "imports_usd", "total_rate", "grain")
    )
    ctrl = pl.read_csv(PACKAGE_DATA / "weights_controls.csv", infer_schema_length=0).with_columns(
        pl.col("imports_usd").cast(pl.Float64)
    )
    rows = []
    for partner, codes, value, label in ctrl.select("partner", "codes", "imports_usd", "label").iter_rows():
        sub = j if partner == "ALL" else j.filter(pl.col("partner") == partner)
        implied = float(sub.filter(_in_codes(codes))["imports_usd"].sum())
        rows.append(
            {"partner": partner, "codes": codes, "label": label, "control_usd": value, "implied_usd": implied}
        )
    heads = pl.DataFrame(rows).with_columns((pl.col("implied_usd") / pl.col("control_usd")).alias("ratio"))
    heading_outliers = heads.filter((pl.col("ratio") > max_ratio) | (pl.col("ratio") < 1 / max_ratio))
    return ReleaseCheck(on, view, overall, contributions, partners, line_outliers, heading_outliers)
