"""Preference claims in the owed view: USMCA claim shares by line and month.

USMCA claim shares come from USITC DataWeb 2025 imports from Canada and Mexico by HTS10 and month
(value entered under special programme S/S+ over total value; built by
``scripts/build_usmca_claims.py``). They are regime-aware: a date in 2025 uses that month's share;
a later date uses the latest regime, July-December 2025 pooled; an earlier date uses January 2025.
Claims jumped in July 2025 (Canada 34-58% -> 86-90%, Mexico 45-49% -> 87-89%), when the fentanyl
IEEPA duties spared USMCA goods only if claimed, so the annual mean (~67%) misstates both halves.
A line not traded in the month falls back to its own 2025 share (the weights' ``usmca_share``).
Canada and Mexico always claim in the owed view: where the weights carry no USMCA split (a store
loaded without the programme field, HS2 or spread rows), a line takes its shipped 2025 share
(DataWeb, as in the shipped weights), else its partner's share in the period: an assumption that
:func:`usmca_basis` states beside the figures.
Claimed USMCA vehicles pay the 232 auto duty on their non-US content only, at
:data:`USMCA_VEHICLE_US_CONTENT`.
"""

from __future__ import annotations

import datetime as dt
import functools
import math

import numpy as np
import polars as pl

from tariffscope.paths import PACKAGE_DATA

USMCA_VEHICLE_US_CONTENT = 0.40
"""US content share of a USMCA-qualifying vehicle from Canada or Mexico, on which 9903.94.03 (HTS
chapter 99 note 33(d); Proclamation 10908 cl. 3(b)) charges no 232 duty. A documented modelling
parameter, not a fact: the Yale Budget Lab tracker uses 0.40 (``us_auto_content_share``); the true
share varies by model and is declared entry by entry."""
LATEST = 0  # period code of the latest regime (July-December 2025)
FIRST_MONTH = dt.date(2025, 1, 1)
LATEST_FROM = dt.date(2026, 1, 1)


@functools.cache
def _table() -> pl.DataFrame:
    return pl.read_parquet(PACKAGE_DATA / "usmca_claims_2025.parquet").with_columns(
        pl.col("partner").cast(pl.String), (pl.col("usmca_bp").cast(pl.Float64) / 1e4).alias("share")
    )


def period_of(d: dt.date) -> int:
    """The claim period of a date: 1-12 (a 2025 month) or ``LATEST``."""
    if d >= LATEST_FROM:
        return LATEST
    if d < FIRST_MONTH:
        return 1
    return d.month


def change_dates(start: dt.date, end: dt.date) -> list[dt.date]:
    """Dates in (start, end] on which the claim period changes."""
    firsts = [dt.date(2025, m, 1) for m in range(2, 13)] + [LATEST_FROM]
    return [d for d in firsts if start < d <= end]


USMCA_PARTNERS = ("CA", "MX")
"""The partners whose goods may claim USMCA (HTS General Note 11)."""


@functools.cache
def _line_shares() -> pl.DataFrame:
    """``hts10, partner, line_share``: each Canadian and Mexican line's 2025 claim share in the
    shipped weights (DataWeb 2025 USMCA value over value)."""
    e = pl.read_parquet(PACKAGE_DATA / "weights_exact.parquet")
    return e.filter(pl.col("partner").is_in(USMCA_PARTNERS) & (pl.col("imports_usd") > 0)).select(
        "hts10",
        "partner",
        (pl.col("usmca_usd") / pl.col("imports_usd")).clip(0.0, 1.0).alias("line_share"),
    )


@functools.cache
def partner_shares() -> dict[tuple[str, int], float]:
    """(partner, period) -> the partner's claim share in the period: the line shares of the claim
    table weighted by each line's shipped 2025 import value (the table keeps no monthly values)."""
    v = pl.read_parquet(PACKAGE_DATA / "weights_exact.parquet").select("hts10", "partner", "imports_usd")
    t = _table().join(v, on=["hts10", "partner"], how="inner")
    g = t.group_by("partner", "period").agg(
        ((pl.col("share") * pl.col("imports_usd")).sum() / pl.col("imports_usd").sum()).alias("s")
    )
    return {(p, int(k)): float(s) for p, k, s in g.iter_rows()}


def _own_shares(pairs: pl.DataFrame, periods: list[int]) -> np.ndarray:
    """Each pair's share where the claim table has no row for its line and month: its own split
    (``usmca_share``); for Canada and Mexico without one, the line's shipped 2025 share, else the
    partner's share in the period; 0 for other partners."""
    own = (
        pairs["usmca_share"].cast(pl.Float64).fill_null(np.nan).to_numpy().copy()
        if "usmca_share" in pairs.columns
        else np.full(pairs.height, np.nan)
    )
    need = np.flatnonzero(np.isnan(own) & pairs["partner"].is_in(USMCA_PARTNERS).to_numpy())
    out = np.repeat(np.clip(np.nan_to_num(own, nan=0.0), 0.0, 1.0)[:, None], len(periods), axis=1)
    if need.size:  # no split in the weights: the shipped line share, else the partner's
        sub = pairs[need].select("hts10", "partner")
        line = sub.join(_line_shares(), on=["hts10", "partner"], how="left", maintain_order="left")
        out[need] = line["line_share"].fill_null(np.nan).to_numpy()[:, None]
        means = partner_shares()
        for k, per in enumerate(periods):
            col = out[need, k]
            gap = np.isnan(col)
            col[gap] = [means.get((p, per), 0.0) for p in sub["partner"].filter(pl.Series(gap)).to_list()]
            out[need, k] = col
    return out


def share_matrix(pairs: pl.DataFrame, periods: list[int]) -> np.ndarray:
    """USMCA claim share of each pair (``hts10, partner[, usmca_share]``) in each period: an
    ``n_pairs x len(periods)`` array from the claim table by line and month, else
    :func:`_own_shares`."""
    out = _own_shares(pairs, periods)
    t = _table().filter(pl.col("period").is_in(periods))
    if t.height == 0 or pairs.height == 0:
        return out
    keyed = pairs.select("hts10", "partner").with_row_index("_i")
    j = keyed.join(t, on=["hts10", "partner"], how="inner")
    col = {p: k for k, p in enumerate(periods)}
    rows = j["_i"].to_numpy()
    cols = j["period"].replace_strict(col, return_dtype=pl.Int64).to_numpy()
    out[rows, cols] = j["share"].to_numpy()
    return out


def usmca_basis(pairs: pl.DataFrame) -> str | None:
    """What the owed view's USMCA claims on ``pairs`` (``partner[, usmca_share]``) rest on, for
    people; None when no pair is Canadian or Mexican."""
    u = pairs.filter(pl.col("partner").is_in(USMCA_PARTNERS))
    if u.height == 0:
        return None
    text = "USMCA claimed at the shipped DataWeb 2025 shares by line and month (Jul-Dec 2025 after 2025)"
    bare = u if "usmca_share" not in u.columns else u.filter(pl.col("usmca_share").is_null())
    if bare.height == 0:
        return text + "; the weights' own split where a line is not in the table"
    names = ", ".join(sorted(bare["partner"].unique().to_list()))
    return (
        f"{text}; assumed for {names}: the weights carry no USMCA split (a line not in the table "
        "takes its shipped 2025 share, else the partner's)"
    )


@functools.cache
def _fta() -> pl.DataFrame:
    return pl.read_csv(PACKAGE_DATA / "fta_claim_shares.csv", schema_overrides={"chapter": pl.String})


@functools.cache
def _line_programmes() -> pl.DataFrame:
    """``hts10, programme``: the special programmes with a Free rate on each line, in any version
    of the schedule (programme lists rarely change between revisions)."""
    from tariffscope.schedule import Schedule

    return (
        Schedule.load()
        .lines.select("hts10", pl.col("special_programs").alias("programme"))
        .explode("programme")
        .drop_nulls()
        .unique()
    )


def fta_shares(pairs: pl.DataFrame) -> np.ndarray:
    """FTA claim share of each pair (``hts10, partner``): NaN where the partner has no US free trade
    agreement in ``fta_claim_shares.csv`` or the line's special column does not list its programme
    as Free; else the partner x chapter share of MFN duty waived by claims in 2024 (Census calculated
    duty, via the Yale Budget Lab tracker), or the partner's mean share where the chapter is missing.
    GSP (expired 2020-12-31), AGOA, CBERA and other programmes: no claim assumed."""
    f = _fta()
    out = np.full(pairs.height, np.nan)
    cand = (
        pairs.select("hts10", "partner")
        .with_row_index("_i")
        .filter(pl.col("partner").is_in(f["partner"].unique().implode()))
    )
    if cand.height == 0:
        return out
    progs = (
        f.select("partner", pl.col("programmes").str.split(";").alias("programme"))
        .unique("partner")
        .explode("programme")
    )
    eligible = (
        cand.join(progs, on="partner")
        .join(_line_programmes(), on=["hts10", "programme"], how="semi")
        .unique("_i")
        .with_columns(pl.col("hts10").str.slice(0, 2).alias("chapter"))
    )
    # the partner's mean share, summed exactly (math.fsum): the same to the last digit on every run,
    # whatever order a parallel group_by hands the chapters over in
    mean = pl.DataFrame(
        [
            {"partner": p, "_m": math.fsum(v) / len(v)}
            for p, v in f.group_by("partner").agg(pl.col("claim_share").drop_nulls()).iter_rows()
            if v
        ],
        schema={"partner": pl.String, "_m": pl.Float64},
    )
    j = (
        eligible.join(f.select("partner", "chapter", "claim_share"), on=["partner", "chapter"], how="left")
        .join(mean, on="partner", how="left")
        .with_columns(pl.coalesce("claim_share", "_m").alias("s"))
    )
    out[j["_i"].to_numpy()] = j["s"].to_numpy()
    return out
