"""Effective tariff rates: import-weighted duty over all imports, by partner, authority and sector.

ETR(partner, date) = sum over lines of imports x rate / sum of imports, where the denominator is
*all* imports from the partner (duty-free lines included). Rates are piecewise constant between the
regime's change points; at each change point only the (product, country class) keys covered by a
rule that changes are evaluated again (:mod:`tariffscope.resolver.series`).

Two views side by side:

- ``adjusted`` (the default, the "owed" view): preferences claimed as they are claimed, i.e. USMCA
  at each line's observed claim share (2025 DataWeb data), also for Canadian and Mexican weights
  that carry no USMCA split (then an assumption, stated in ``usmca_claims``);
- ``statutory``: the rate the law sets with no preference claimed: a ceiling.

Every result names its view (``view``, ``view_label``), its weights grain and, where the weights
carry alternative spread shapes (:data:`tariffscope.trade.weights.ALT_COLUMNS`), a sensitivity
band ``etr_band_lo``/``etr_band_hi``: the lowest and highest ETR over the shapes (the rates are the
same; only where a spread partner's value sits inside its sectors changes).

In both, Section 232 duties charged on metal content use the BEA-estimated metal share of each
line (``tariffscope.resolver.shares``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import polars as pl

from tariffscope.catalogue.loader import Catalogue, default_catalogue
from tariffscope.resolver.api import change_dates
from tariffscope.resolver.engine import RATE_COLUMNS
from tariffscope.resolver.panel import country_classes
from tariffscope.resolver.series import RateSeries
from tariffscope.trade import claims
from tariffscope.trade.claims import USMCA_VEHICLE_US_CONTENT

View = Literal["statutory", "adjusted"]
DEFAULT_VIEW: View = "adjusted"
VIEW_LABELS = {
    "adjusted": "owed: preferences claimed as claimed",
    "statutory": "no preference claimed: a ceiling",
}
ETR_COLUMNS = {c: "etr_" + c.removeprefix("rate_") for c in RATE_COLUMNS}


def regime_breaks(start: dt.date, end: dt.date, cat: Catalogue | None = None) -> list[dt.date]:
    """Dates in [start, end] on which some rate may change (catalogue steps and schedule revisions)."""
    from tariffscope.schedule import Schedule

    cat = cat or default_catalogue()
    out = {start}
    out.update(d for d in (x.astype(dt.date) for x in change_dates(cat)) if start < d <= end)
    out.update(d for d in Schedule.load().lines["valid_from"].unique().to_list() if d and start < d <= end)
    return sorted(out)


def _claim_kind(pairs: pl.DataFrame, view: View) -> pl.DataFrame:
    """Add ``claim_kind`` (``usmca``, ``fta`` or null) and ``fta_share`` to ``pairs`` (owed view only):
    USMCA for Canada and Mexico, with or without a USMCA split in the weights (see
    :func:`claims.share_matrix`), and for any pair with a USMCA share; FTA where
    :func:`claims.fta_shares` finds the partner's programme Free on the line."""
    if view != "adjusted":
        return pairs.with_columns(
            pl.lit(None, pl.String).alias("claim_kind"), pl.lit(None, pl.Float64).alias("fta_share")
        )
    fta = pl.Series("fta_share", claims.fta_shares(pairs)).fill_nan(None)
    usmca = pl.col("partner").is_in(claims.USMCA_PARTNERS)
    if "usmca_share" in pairs.columns:
        usmca = usmca | pl.col("usmca_share").is_not_null()
    return pairs.with_columns(fta).with_columns(
        pl.when(usmca)
        .then(pl.lit("usmca"))
        .when(pl.col("fta_share").is_not_null())
        .then(pl.lit("fta"))
        .otherwise(None)
        .alias("claim_kind")
    )


def _keys(
    pairs: pl.DataFrame, view: View, classes: pl.DataFrame
) -> tuple[pl.DataFrame, np.ndarray, np.ndarray | None]:
    """Distinct (line, country class[, claim]) keys of ``pairs`` and each pair's key index.

    ``pairs`` carry ``claim_kind`` (:func:`_claim_kind`). Returns the keys, the index of each pair's
    unclaimed key, and (owed view) the index of its claimed key (-1 where the pair has no claim).
    Claimed USMCA keys carry the US content of USMCA vehicles (9903.94.03).
    """
    p = pairs.join(
        classes.rename({"origin": "partner"}), on="partner", how="left", maintain_order="left"
    ).with_columns(pl.coalesce("rep", "partner").alias("rep"))
    claimed = view == "adjusted" and p["claim_kind"].is_not_null().any()
    on = ["hts10", "origin", "claim"]
    base = p.select("hts10", pl.col("rep").alias("origin"), pl.lit(None, dtype=pl.String).alias("claim"))
    parts = [base.with_columns(pl.lit(None, dtype=pl.Float64).alias("us_content"))]
    if claimed:
        parts.append(
            p.filter(pl.col("claim_kind").is_not_null()).select(
                "hts10",
                pl.col("rep").alias("origin"),
                pl.col("claim_kind").alias("claim"),
                pl.when(pl.col("claim_kind") == "usmca")
                .then(pl.lit(USMCA_VEHICLE_US_CONTENT))
                .otherwise(None)
                .alias("us_content"),
            )
        )
    coded = _coded_keys(p, parts)
    if coded is not None:
        return coded
    keys = pl.concat(parts).unique(subset=on, maintain_order=True).with_row_index("_k")
    idx = keys.select(*on, "_k")
    k0 = base.join(idx, on=on, how="left", nulls_equal=True, maintain_order="left")["_k"].to_numpy()
    k1 = None
    if claimed:
        k1 = (
            p.select("hts10", pl.col("rep").alias("origin"), pl.col("claim_kind").alias("claim"))
            .join(idx, on=on, how="left", maintain_order="left")["_k"]
            .fill_null(-1)
            .to_numpy()
        )
    return keys.drop("_k"), k0.astype(np.int64), None if k1 is None else k1.astype(np.int64)


CLAIM_CODES = {"usmca": 1, "fta": 2}


def _coded_keys(
    p: pl.DataFrame, parts: list[pl.DataFrame]
) -> tuple[pl.DataFrame, np.ndarray, np.ndarray | None] | None:
    """:func:`_keys` by integer codes instead of string joins: each (line, class, claim) as one int64,
    distinct codes in order of first appearance (as ``unique(maintain_order=True)``) with each row's
    index among them. The same keys in the same order; ``None`` (use the joins) unless every ``hts10``
    is 10 digits and every claim is a known kind."""
    hts = p["hts10"]
    num = hts.cast(pl.Int64, strict=False)
    if num.null_count() or p["rep"].null_count() or not (hts.str.len_bytes() == 10).all():
        return None
    rep = p["rep"].rank("dense").cast(pl.Int64)
    code = (num * (rep.n_unique() + 1) + rep).to_numpy() * 4  # < 1e10 x 4 x (classes + 1)
    codes = [code]
    has = None
    if len(parts) > 1:
        kind = p["claim_kind"]
        has = kind.is_not_null().to_numpy()
        claim = kind.filter(kind.is_not_null()).replace_strict(CLAIM_CODES, default=None)
        if claim.null_count():
            return None
        codes.append(code[has] + claim.cast(pl.Int64).to_numpy())
    _, first, inv = np.unique(np.concatenate(codes), return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    at = rank[inv.ravel()]
    keys = pl.concat(parts)[first[order]]
    n = p.height
    k1 = None
    if has is not None:
        k1 = np.full(n, -1, dtype=np.int64)
        k1[has] = at[n:]
    return keys, at[:n], k1


def _claim_shares(pairs: pl.DataFrame, periods: list[int]) -> np.ndarray:
    """Claim share of each pair in each claim period: USMCA by month, FTA constant, else 0."""
    usm = claims.share_matrix(pairs, periods)
    fta = pairs["fta_share"].fill_null(0.0).to_numpy()
    is_fta = (pairs["claim_kind"] == "fta").fill_null(False).to_numpy()
    return np.where(is_fta[:, None], fta[:, None], usm)


def _pair_rates(
    rates: pl.DataFrame, k0: np.ndarray, k1: np.ndarray | None, share: np.ndarray | None
) -> dict[str, np.ndarray]:
    """Rates of each pair: its key's, blended with its claimed key's at the pair's claim share."""
    out = {}
    claimed = None
    if k1 is not None and share is not None:  # the same for every column
        has = k1 >= 0
        claimed = (has, np.where(has, share, 0.0), np.maximum(k1, 0))
    for c in [*RATE_COLUMNS, "total_rate", "rate_refundable"]:
        v = rates[c].to_numpy()
        r = v[k0]
        if claimed is not None:
            has, s, k1c = claimed
            r = r * (1 - s) + np.where(has, v[k1c], r) * s
        out[c] = r
    return out


def rates_for_pairs(
    pairs: pl.DataFrame,
    on: dt.date,
    *,
    view: View = DEFAULT_VIEW,
    as_of: dt.date | None = None,
    cat: Catalogue | None = None,
) -> pl.DataFrame:
    """Rates on ``on`` for each (hts10, partner) of ``pairs`` (+ ``usmca_share`` for the adjusted view).

    Countries treated alike by every rule in force share one evaluation (see ``country_classes``).
    Pairs whose line is not in force on the date get null rates.
    """
    cat = cat or default_catalogue()
    ck = _claim_kind(pairs, view)
    keys, k0, k1 = _keys(ck, view, country_classes(cat, on, as_of))
    _, rates = next(RateSeries(cat, as_of).run(keys, [on]))
    share = _claim_shares(ck, [claims.period_of(on)])[:, 0] if k1 is not None else None
    cols = _pair_rates(rates, k0, k1, share)
    out = pairs.with_columns([pl.Series(c, v).fill_nan(None) for c, v in cols.items()])
    if share is not None:
        out = out.with_columns(ck["claim_kind"], pl.Series("claim_share", share))
    return out


def etr_series(
    weights: pl.DataFrame,
    start: dt.date,
    end: dt.date,
    *,
    partners: Sequence[str] | None = None,
    by: Literal["partner", "authority", "sector"] = "partner",
    view: View = DEFAULT_VIEW,
    as_of: dt.date | None = None,
    daily: bool = True,
    progress: Callable[[int, int], None] | None = None,
    catalogue: Catalogue | None = None,
) -> pl.DataFrame:
    """Daily ETR rows ``date, partner, etr, etr_additional, etr_<authority>…, etr_band_lo,
    etr_band_hi, imports_usd, duty_usd_per_year, weights_grain, view, view_label,
    usmca_claims``.

    ``weights``: ``hts10, partner, imports_usd`` [, ``usmca_share``, ``grain``, ``sector``]. With
    ``partners=None`` every partner is a row and so is ``ALL`` (all partners together). ``by="sector"``
    adds a ``sector`` column (the weights must carry one). Rates are evaluated incrementally at each
    change point of the regime (:class:`tariffscope.resolver.series.RateSeries`).
    """
    cat = catalogue or default_catalogue()
    w = weights
    if partners:
        w = w.filter(pl.col("partner").is_in(list(partners)))
    if w.height == 0:
        raise ValueError("no import weights for the partners asked")
    grain = _grain(w)
    group = ["partner", "sector"] if by == "sector" else ["partner"]
    groups = w.select(group).with_columns(pl.struct(group).rank("dense").cast(pl.Int64).alias("_g") - 1)
    gidx = groups["_g"].to_numpy()
    labels = groups.unique("_g").sort("_g").drop("_g")
    n_groups = labels.height
    imports = w["imports_usd"].fill_null(0.0).to_numpy().astype(float)
    alts = [w[c].fill_null(0.0).to_numpy().astype(float) for c in _alt_columns(w)]
    breaks = regime_breaks(start, end, cat)
    ck = _claim_kind(w.select([c for c in ("hts10", "partner", "usmca_share") if c in w.columns]), view)
    keys, k0, k1 = _keys(ck, view, country_classes(cat, None, as_of))
    shares = None
    if k1 is not None:  # claim shares change by month in 2025: those days are change points too
        breaks = sorted(set(breaks) | set(claims.change_dates(start, end)))
        periods = sorted({claims.period_of(d) for d in breaks})
        shares = _claim_shares(ck, periods)
        col_of = {p: i for i, p in enumerate(periods)}
    all_group = [g for g in group if g != "partner"]
    frames = []
    mats: dict[int | None, list[Any]] = {}  # group x key weight matrices, one set per claim period
    for i, (d, rates) in enumerate(RateSeries(cat, as_of).run(keys, breaks)):
        per = None if shares is None else claims.period_of(d)
        if per not in mats:
            share = None if shares is None or per is None else shares[:, col_of[per]]
            mats[per] = _key_weights(k0, k1, share, gidx, keys.height, n_groups, [imports, *alts])
        sums = _group_sums(rates, mats[per])
        frames.append(_aggregate(sums, labels, d, partners is None, all_group, len(alts)))
        if progress:
            progress(i + 1, len(breaks))
    df = pl.concat(frames, how="diagonal_relaxed")
    if daily:
        df = _expand_days(df, breaks, end)
    df = df.with_columns(
        pl.lit(grain).alias("weights_grain"),
        pl.lit(view).alias("view"),
        pl.lit(VIEW_LABELS[view]).alias("view_label"),
        pl.lit(usmca_note(ck, view), pl.String).alias("usmca_claims"),
        pl.lit("all imports").alias("denominator"),
    )
    return df.sort(["date", *group])


def usmca_note(pairs: pl.DataFrame, view: View) -> str | None:
    """What the USMCA claims of ``view`` rest on (:func:`claims.usmca_basis`); None in the
    statutory view or without Canadian or Mexican weights."""
    return claims.usmca_basis(pairs) if view == "adjusted" else None


def _alt_columns(w: pl.DataFrame) -> list[str]:
    from tariffscope.trade.weights import ALT_COLUMNS

    return [c for c in ALT_COLUMNS if c in w.columns]


def _grain(w: pl.DataFrame) -> str:
    if "grain" not in w.columns:
        return "unknown"
    g = w.group_by("grain").agg(pl.col("imports_usd").sum()).sort("imports_usd", descending=True)
    return (
        ", ".join(f"{r[0]} {100 * r[1] / g['imports_usd'].sum():.0f}%" for r in g.iter_rows())
        if g.height > 1
        else str(g["grain"][0])
    )


SUM_COLUMNS = ["total_rate", *RATE_COLUMNS, "rate_refundable"]


def _key_weights(
    k0: np.ndarray,
    k1: np.ndarray | None,
    share: np.ndarray | None,
    gidx: np.ndarray,
    n_keys: int,
    n_groups: int,
    vecs: Sequence[np.ndarray],
) -> list[Any]:
    """One sparse (group x key) matrix per weight vector: each pair's weight goes to its unclaimed
    key at (1 - claim share) and to its claimed key at the claim share. Aggregating in key space
    (rates of ~10^5 keys times a sparse matrix) replaces a gather over every pair at every change
    point."""
    from scipy import sparse

    has = np.zeros(k0.size, dtype=bool) if k1 is None else k1 >= 0
    s = np.zeros(k0.size) if k1 is None or share is None else np.where(has, share, 0.0)
    rows = k0 if k1 is None else np.concatenate([k0, k1[has]])
    cols = np.concatenate([gidx, gidx[has]])
    return [
        sparse.csr_matrix(
            (np.concatenate([v * (1 - s), (v * s)[has]]), (cols, rows)), shape=(n_groups, n_keys)
        )
        for v in vecs
    ]


def _group_sums(rates: pl.DataFrame, mats: list[Any]) -> dict[str, np.ndarray]:
    """Import-weighted rate sums per group, from key rates and the key weight matrices (the first
    is the default weights, the others the alternative spread shapes)."""
    r = rates.select(pl.col(SUM_COLUMNS).cast(pl.Float64)).to_numpy()
    unmatched = np.isnan(r[:, 0]).astype(float)
    np.nan_to_num(r, copy=False)
    main = mats[0]
    by = main @ r
    sums = {
        "imports_usd": np.asarray(main.sum(axis=1)).ravel(),
        "unmatched_imports_usd": main @ unmatched,
        **{c: by[:, j] for j, c in enumerate(SUM_COLUMNS)},
    }
    for i, m in enumerate(mats[1:]):
        sums[f"_alt_imp{i}"] = np.asarray(m.sum(axis=1)).ravel()
        sums[f"_alt_duty{i}"] = m @ r[:, 0]
    return sums


def _aggregate(
    sums: dict[str, np.ndarray],
    labels: pl.DataFrame,
    day: dt.date,
    with_all: bool,
    all_group: list[str],
    n_alts: int = 0,
) -> pl.DataFrame:
    """Rates over all imports of each group (and ``ALL``) from the group sums; the band is the range
    of the ETR over the default and the ``n_alts`` alternative weights."""
    g = pl.concat([labels, pl.DataFrame(sums)], how="horizontal")
    if with_all:
        tot = (
            g.group_by(all_group).agg(pl.exclude(labels.columns).sum())
            if all_group
            else g.select(pl.exclude(labels.columns).sum())
        )
        g = pl.concat([g, tot.with_columns(pl.lit("ALL").alias("partner"))], how="diagonal_relaxed")
    denom = pl.col("imports_usd")
    group = labels.columns
    band = [pl.col("total_rate") / denom] + [
        pl.col(f"_alt_duty{i}") / pl.col(f"_alt_imp{i}") for i in range(n_alts)
    ]
    return g.select(
        pl.lit(day).alias("date"),
        *group,
        "imports_usd",
        "unmatched_imports_usd",
        (pl.col("total_rate") / denom).alias("etr"),
        ((pl.col("total_rate") - pl.col("rate_mfn")) / denom).alias("etr_additional"),
        *[(pl.col(c) / denom).alias(ETR_COLUMNS[c]) for c in RATE_COLUMNS],
        (pl.col("rate_refundable") / denom).alias("etr_refundable"),
        pl.min_horizontal(band).alias("etr_band_lo"),
        pl.max_horizontal(band).alias("etr_band_hi"),
        pl.col("total_rate").alias("duty_usd_per_year"),
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
