"""IEEPA refund exposure per partner and month: what was collected, what is owed now, the gap.

Bitemporal: each entry date is valued twice.

- *collected*: the law as known on the entry date (``as_of`` = the entry date), i.e. what CBP
  collected at the time, e.g. Japan's +15% stacked on MFN under 9903.02.30 for entries of
  2025-08-07 to 2025-09-15, before the agreement (recorded 2025-09-16) replaced it retroactively by
  the all-in 15% of 9903.02.73;
- *owed*: the law as known today (latest knowledge): retroactive deals applied, and after the
  Supreme Court's ruling (*Learning Resources, Inc. v. Trump*, 2026-02-20) nothing under IEEPA.

``refund_deals = collected - owed_latest`` (over-collection corrected by retroactive deals),
``refund_ruling = IEEPA duty still owed after the deals`` and
``refund_total = collected - owed_after_ruling = refund_deals + refund_ruling``.

IEEPA duties were collected until entries of 2026-02-23 (CSMS 67834313: the IEEPA headings are
inactive for entries from 12:00 am ET 2026-02-24). Monthly import value is the annual weight / 12
(prorated by days in partial months) unless monthly weights are given; the ``imports_basis``
column says which.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Sequence

import polars as pl

from tariffscope.analytics.common import partner_code, refundable_columns, weights_or_default
from tariffscope.analytics.etr import DEFAULT_VIEW, View, rates_for_pairs, regime_breaks
from tariffscope.catalogue.loader import Catalogue, default_catalogue, rule_rate_on

COLLECTION_END = dt.date(2026, 2, 23)  # last entry date with IEEPA duties (CSMS 67834313)

REFUND_COLUMNS = [
    "partner",
    "month",
    "days",
    "imports_usd",
    "imports_basis",
    "collected_usd",
    "collected_ieepa_usd",
    "owed_latest_usd",
    "owed_after_ruling_usd",
    "refund_deals_usd",
    "refund_ruling_usd",
    "refund_total_usd",
]


def knowledge_dates(cat: Catalogue) -> list[dt.date]:
    """Dates on which the catalogue's knowledge changes (a step recorded or superseded)."""
    out: set[dt.date] = set()
    for ref in cat.rules:
        for s in ref.rule.steps:
            if s.recorded is not None:
                out.add(s.recorded)
            if s.superseded is not None:
                out.add(s.superseded)
    return sorted(out)


def collection_start(cat: Catalogue) -> dt.date:
    """The first entry date on which a refundable (IEEPA) measure charged duty."""
    starts = [
        s.from_ for ref in cat.rules if ref.measure.refundable is not None for s in ref.rule.steps if s.rate
    ]
    if not starts:
        raise ValueError("the catalogue has no refundable measure with a rate")
    return min(starts)


def _rates_differ(cat: Catalogue, on: dt.date, as_of: dt.date) -> bool:
    """Whether any rule's rate on entry date ``on`` as known on ``as_of`` differs from today's.

    The engine's answer for an entry date depends on the knowledge date only through these rates,
    so where none differs the latest-knowledge run is reused for the collected view."""
    return any(rule_rate_on(r.rule, on, as_of) != rule_rate_on(r.rule, on) for r in cat.rules)


def _by_partner(w: pl.DataFrame, rates: pl.DataFrame, ieepa: list[str]) -> pl.DataFrame:
    j = w.join(rates.drop("usmca_share", strict=False), on=["hts10", "partner"], how="left")
    v = pl.col("imports_usd")
    return j.group_by("partner").agg(
        v.sum().alias("imports_usd"),
        (v * pl.col("total_rate").fill_null(0.0)).sum().alias("total"),
        (v * pl.sum_horizontal([pl.col(c).fill_null(0.0) for c in ieepa] or [pl.lit(0.0)]))
        .sum()
        .alias("ieepa"),
        (v * pl.col("rate_refundable").fill_null(0.0)).sum().alias("refundable"),
    )


def _daily(
    w: pl.DataFrame,
    start: dt.date,
    end: dt.date,
    view: View,
    cat: Catalogue,
    progress: Callable[[int, int], None] | None = None,
) -> pl.DataFrame:
    """Daily ``date, partner, imports_usd`` (annual) with the collected and latest rates (decimals).

    One engine run per change point of the law (latest knowledge) and one more where the law known
    on that entry date differs from today's (e.g. before a retroactive deal was recorded)."""
    ieepa = refundable_columns(cat)
    kd = {d for d in knowledge_dates(cat) if start < d <= end}
    breaks = sorted(set(regime_breaks(start, end, cat)) | kd)
    pairs = w.select([c for c in ("hts10", "partner", "usmca_share") if c in w.columns]).unique(
        subset=["hts10", "partner"]
    )
    frames = []
    for i, d in enumerate(breaks):
        latest = _by_partner(w, rates_for_pairs(pairs, d, view=view, as_of=None, cat=cat), ieepa)
        if _rates_differ(cat, d, d):
            then = _by_partner(w, rates_for_pairs(pairs, d, view=view, as_of=d, cat=cat), ieepa)
        else:
            then = latest
        tot = pl.col("imports_usd")
        frames.append(
            latest.select(
                "partner",
                "imports_usd",
                (pl.col("total") / tot).alias("owed_latest"),
                (pl.col("refundable") / tot).alias("refundable_latest"),
            )
            .join(
                then.select(
                    "partner",
                    (pl.col("total") / tot).alias("collected"),
                    (pl.col("ieepa") / tot).alias("collected_ieepa"),
                ),
                on="partner",
            )
            .with_columns(pl.lit(d).alias("date"))
        )
        if progress:
            progress(i + 1, len(breaks))
    seg = pl.concat(frames)
    nxt = [*breaks[1:], end + dt.timedelta(days=1)]
    spans = pl.DataFrame({"date": breaks, "_n": [(b - a).days for a, b in zip(breaks, nxt, strict=True)]})
    seg = seg.join(spans, on="date").filter(pl.col("_n") > 0)
    days = pl.concat(
        [
            pl.DataFrame({"date": pl.date_range(a, b - dt.timedelta(days=1), eager=True), "_start": a})
            for a, b in zip(breaks, nxt, strict=True)
            if b > a
        ]
    )
    return (
        days.join(seg.rename({"date": "_start"}), on="_start")
        .drop("_start", "_n")
        .with_columns(
            pl.col(c).fill_nan(0.0)
            for c in ("owed_latest", "refundable_latest", "collected", "collected_ieepa")
        )
    )


def _monthly(daily: pl.DataFrame, basis: str) -> pl.DataFrame:
    """Sum daily values into months: daily import value = annual / 12 / days in the month."""
    d = daily.with_columns(
        pl.col("date").dt.truncate("1mo").alias("month"),
        pl.col("date").dt.month_end().dt.day().alias("_dim"),
    ).with_columns((pl.col("imports_usd") / 12.0 / pl.col("_dim")).alias("_v"))
    return (
        d.group_by(["partner", "month"])
        .agg(
            pl.len().alias("days"),
            pl.col("_v").sum().alias("imports_usd"),
            (pl.col("_v") * pl.col("collected")).sum().alias("collected_usd"),
            (pl.col("_v") * pl.col("collected_ieepa")).sum().alias("collected_ieepa_usd"),
            (pl.col("_v") * pl.col("owed_latest")).sum().alias("owed_latest_usd"),
            (pl.col("_v") * (pl.col("owed_latest") - pl.col("refundable_latest")))
            .sum()
            .alias("owed_after_ruling_usd"),
            (pl.col("_v") * pl.col("refundable_latest")).sum().alias("refund_ruling_usd"),
        )
        .with_columns(
            pl.lit(basis).alias("imports_basis"),
            (pl.col("collected_usd") - pl.col("owed_latest_usd")).alias("refund_deals_usd"),
            (pl.col("collected_usd") - pl.col("owed_after_ruling_usd")).alias("refund_total_usd"),
        )
    )


def refunds(
    partners: Sequence[str] | None = None,
    *,
    weights: pl.DataFrame | None = None,
    monthly_weights: pl.DataFrame | None = None,
    start: dt.date | None = None,
    end: dt.date = COLLECTION_END,
    view: View = DEFAULT_VIEW,
    catalogue: Catalogue | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pl.DataFrame:
    """Refund exposure per partner and month (columns ``REFUND_COLUMNS``, ``month`` a date).

    ``monthly_weights``: optional ``hts10, partner, month`` (first day of the month), ``imports_usd``
    [, ``usmca_share``]; a partner-month found there is valued on its own month's lines
    (``imports_basis = "monthly"``), every other on the annual weights / 12 (``"annual/12"``).
    """
    cat = catalogue or default_catalogue()
    start = start or collection_start(cat)
    if end < start:
        raise ValueError(f"refund window is empty: {start} .. {end}")
    w = weights_or_default(weights)
    ps = [partner_code(p) for p in partners] if partners else None
    if ps:
        w = w.filter(pl.col("partner").is_in(ps))
        if w.height == 0:
            raise ValueError(f"no import weights for {', '.join(ps)}")
    out = _monthly(_daily(w, start, end, view, cat, progress), "annual/12")
    if monthly_weights is not None and monthly_weights.height:
        mw = monthly_weights.with_columns(pl.col("month").cast(pl.Date).dt.truncate("1mo"))
        if ps:
            mw = mw.filter(pl.col("partner").is_in(ps))
        parts = []
        for m in sorted(mw["month"].unique().to_list()):
            last = dt.date(m.year, m.month, calendar.monthrange(m.year, m.month)[1])
            a, b = max(m, start), min(last, end)
            if a > b:
                continue
            wm = mw.filter(pl.col("month") == m).with_columns(pl.col("imports_usd") * 12.0)
            parts.append(_monthly(_daily(wm.drop("month"), a, b, view, cat), "monthly"))
        if parts:
            monthly = pl.concat(parts)
            out = pl.concat(
                [out.join(monthly.select("partner", "month"), on=["partner", "month"], how="anti"), monthly],
                how="vertical_relaxed",
            )
    return out.select(REFUND_COLUMNS).sort(["partner", "month"])


def refund_totals(df: pl.DataFrame) -> pl.DataFrame:
    """Per partner totals of a :func:`refunds` frame, largest refund first."""
    num = [c for c in REFUND_COLUMNS if c.endswith("_usd")]
    return (
        df.group_by("partner")
        .agg(
            pl.col("month").min().alias("from"),
            pl.col("month").max().alias("to"),
            pl.col("days").sum(),
            *[pl.col(c).sum() for c in num],
            pl.col("imports_basis").unique().sort().str.join(", "),
        )
        .sort("refund_total_usd", descending=True)
    )
