"""Effective tariff rates: import-weighted duty over all imports, by partner, authority and sector.

ETR(partner, date) = sum over lines of imports x rate / sum of imports, where the denominator is
*all* imports from the partner (duty-free lines included). Rates are piecewise constant between the
regime's change points, so the engine runs once per change point, not once per day, and each run
covers the distinct (product, country class) pairs of the weights only.

Two views side by side:

- ``statutory``: the rate the law sets with no preference claimed;
- ``adjusted``: USMCA claims at each line's observed claim share (2025 DataWeb data).

In both, Section 232 duties charged on metal content use the BEA-estimated metal share of each
line (``tariffscope.resolver.shares``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
import polars as pl

from tariffscope.catalogue.loader import Catalogue, default_catalogue
from tariffscope.resolver.api import change_dates, resolve_frame
from tariffscope.resolver.engine import RATE_COLUMNS
from tariffscope.resolver.panel import country_classes

View = Literal["statutory", "adjusted"]
ETR_COLUMNS = {c: "etr_" + c.removeprefix("rate_") for c in RATE_COLUMNS}
AUTHORITY_NAMES = [c.removeprefix("rate_") for c in RATE_COLUMNS]


def regime_breaks(start: dt.date, end: dt.date, cat: Catalogue | None = None) -> list[dt.date]:
    """Dates in [start, end] on which some rate may change (catalogue steps and schedule revisions)."""
    from tariffscope.schedule import Schedule

    cat = cat or default_catalogue()
    out = {start}
    out.update(d for d in (x.astype(dt.date) for x in change_dates(cat)) if start < d <= end)
    out.update(d for d in Schedule.load().lines["valid_from"].unique().to_list() if d and start < d <= end)
    return sorted(out)


def rates_for_pairs(
    pairs: pl.DataFrame,
    on: dt.date,
    *,
    view: View = "statutory",
    as_of: dt.date | None = None,
    cat: Catalogue | None = None,
) -> pl.DataFrame:
    """Rates on ``on`` for each (hts10, partner) of ``pairs`` (+ ``usmca_share`` for the adjusted view).

    Countries treated alike by every rule in force share one evaluation (see ``country_classes``).
    """
    cat = cat or default_catalogue()
    classes = country_classes(cat, on, as_of).rename({"origin": "partner"})
    p = pairs.join(classes, on="partner", how="left").with_columns(pl.coalesce("rep", "partner").alias("rep"))
    keys = p.select(["hts10", "rep"]).unique()
    rows = keys.rename({"rep": "origin"}).with_columns(pl.lit(on).alias("date"))
    base = _resolve(rows, as_of, cat)
    out = p.join(base, left_on=["hts10", "rep"], right_on=["hts10", "origin"], how="left")
    if view == "adjusted" and "usmca_share" in pairs.columns:
        claimed_keys = p.filter(pl.col("usmca_share").fill_null(0) > 0).select(["hts10", "rep"]).unique()
        if claimed_keys.height:
            rows_c = claimed_keys.rename({"rep": "origin"}).with_columns(
                pl.lit(on).alias("date"), pl.lit("usmca").alias("claim")
            )
            claimed = _resolve(rows_c, as_of, cat).rename(
                {c: c + "_c" for c in [*RATE_COLUMNS, "total_rate", "rate_refundable"]}
            )
            out = out.join(claimed, left_on=["hts10", "rep"], right_on=["hts10", "origin"], how="left")
            s = pl.col("usmca_share").fill_null(0.0).clip(0.0, 1.0)
            out = out.with_columns(
                [
                    (pl.col(c) * (1 - s) + pl.coalesce(pl.col(c + "_c"), pl.col(c)) * s).alias(c)
                    for c in [*RATE_COLUMNS, "total_rate", "rate_refundable"]
                ]
            ).drop([c + "_c" for c in [*RATE_COLUMNS, "total_rate", "rate_refundable"]])
    return out.drop("rep")


def _resolve(rows: pl.DataFrame, as_of: dt.date | None, cat: Catalogue) -> pl.DataFrame:
    res = resolve_frame(rows, as_of=as_of, catalogue=cat).table
    keep = ["hts10", "origin", "status", "total_rate", *RATE_COLUMNS, "rate_refundable"]
    return (
        res.select(keep)
        .with_columns(
            [pl.when(pl.col("status") == "ok").then(pl.col(c)).otherwise(None).alias(c) for c in keep[3:]]
        )
        .drop("status")
    )


def etr_series(
    weights: pl.DataFrame,
    start: dt.date,
    end: dt.date,
    *,
    partners: Sequence[str] | None = None,
    by: Literal["partner", "authority", "sector"] = "partner",
    view: View = "statutory",
    as_of: dt.date | None = None,
    daily: bool = True,
    progress: Callable[[int, int], None] | None = None,
    catalogue: Catalogue | None = None,
) -> pl.DataFrame:
    """Daily ETR rows ``date, partner, etr, etr_additional, etr_<authority>…, imports_usd, weights_grain``.

    ``weights``: ``hts10, partner, imports_usd`` [, ``usmca_share``, ``grain``, ``sector``]. With
    ``partners=None`` every partner is a row and so is ``ALL`` (all partners together). ``by="sector"``
    adds a ``sector`` column (the weights must carry one).
    """
    cat = catalogue or default_catalogue()
    w = weights
    if partners:
        w = w.filter(pl.col("partner").is_in(list(partners)))
    if w.height == 0:
        raise ValueError("no import weights for the partners asked")
    grain = _grain(w)
    group = ["partner", "sector"] if by == "sector" else ["partner"]
    breaks = regime_breaks(start, end, cat)
    frames = []
    pairs = w.select([c for c in ("hts10", "partner", "usmca_share") if c in w.columns]).unique(
        subset=["hts10", "partner"]
    )
    for i, d in enumerate(breaks):
        rates = rates_for_pairs(pairs, d, view=view, as_of=as_of, cat=cat)
        frames.append(_aggregate(w, rates, group, partners is None).with_columns(pl.lit(d).alias("date")))
        if progress:
            progress(i + 1, len(breaks))
    df = pl.concat(frames)
    if daily:
        df = _expand_days(df, breaks, end)
    df = df.with_columns(
        pl.lit(grain).alias("weights_grain"),
        pl.lit(view).alias("view"),
        pl.lit("all imports").alias("denominator"),
    )
    return df.sort(["date", *group])


def _grain(w: pl.DataFrame) -> str:
    if "grain" not in w.columns:
        return "unknown"
    g = w.group_by("grain").agg(pl.col("imports_usd").sum()).sort("imports_usd", descending=True)
    return (
        ", ".join(f"{r[0]} {100 * r[1] / g['imports_usd'].sum():.0f}%" for r in g.iter_rows())
        if g.height > 1
        else str(g["grain"][0])
    )


def _aggregate(w: pl.DataFrame, rates: pl.DataFrame, group: list[str], with_all: bool) -> pl.DataFrame:
    j = w.join(rates.drop("usmca_share", strict=False), on=["hts10", "partner"], how="left")
    unmatched = pl.col("total_rate").is_null()
    aggs = [
        pl.col("imports_usd").sum().alias("imports_usd"),
        pl.col("imports_usd").filter(unmatched).sum().alias("unmatched_imports_usd"),
        *[
            (pl.col(c).fill_null(0) * pl.col("imports_usd")).sum().alias(c)
            for c in ["total_rate", *RATE_COLUMNS, "rate_refundable"]
        ],
    ]
    parts = [j.group_by(group).agg(aggs)]
    if with_all:
        all_group = [g for g in group if g != "partner"]
        tot = j.group_by(all_group).agg(aggs) if all_group else j.select(aggs)
        parts.append(tot.with_columns(pl.lit("ALL").alias("partner")))
    g = pl.concat(parts, how="diagonal_relaxed")
    denom = pl.col("imports_usd")
    return g.select(
        *group,
        "imports_usd",
        "unmatched_imports_usd",
        (pl.col("total_rate") / denom).alias("etr"),
        ((pl.col("total_rate") - pl.col("rate_mfn")) / denom).alias("etr_additional"),
        *[(pl.col(c) / denom).alias(ETR_COLUMNS[c]) for c in RATE_COLUMNS],
        (pl.col("rate_refundable") / denom).alias("etr_refundable"),
        (pl.col("total_rate")).alias("duty_usd_per_year"),
    )


def _expand_days(df: pl.DataFrame, breaks: list[dt.date], end: dt.date) -> pl.DataFrame:
    """Repeat each change point's rows for every day until the next change point."""
    nxt = [*breaks[1:], end + dt.timedelta(days=1)]
    spans = pl.DataFrame({"date": breaks, "n": [(b - a).days for a, b in zip(breaks, nxt, strict=True)]})
    d = df.join(spans, on="date")
    idx = np.repeat(np.arange(d.height), d["n"].to_numpy())
    offs = np.concatenate([np.arange(n) for n in d["n"].to_numpy()]) if d.height else np.array([], dtype=int)
    out = d[idx].with_columns((pl.col("date") + pl.duration(days=pl.lit(pl.Series(offs)))).alias("date"))
    return out.drop("n")
