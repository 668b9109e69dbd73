"""Rates of a fixed set of (line, origin) keys through time, recomputing only what changes.

A rule's result on a key depends only on that rule and on the rules covering the same key, so when
the regime changes on a date, only keys covered by a rule that changes that day (a new rate step, a
list window opening or closing, a stacking era starting or ending) or whose base rate changes (a
new HTS revision) can move. The engine re-runs on those keys alone; every other key keeps its
rates. Daily effective-rate series then cost a few engine runs over small subsets instead of one
full run per change point.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from tariffscope.catalogue.loader import Catalogue, RuleRef, visible_steps
from tariffscope.resolver.coverage import CodeSet, DatedMask, product_masks
from tariffscope.resolver.engine import RATE_COLUMNS, Engine
from tariffscope.resolver.shares import with_default_shares

if TYPE_CHECKING:
    from tariffscope.schedule import Schedule

OUT_COLUMNS = ["total_rate", *RATE_COLUMNS, "rate_refundable"]


def _change_dates(ref: RuleRef, as_of: dt.date | None) -> np.ndarray:
    """Entry dates on which a rule's rate or stacking era changes (list windows are handled apart)."""
    r = ref.rule
    one = dt.timedelta(days=1)
    out = {s.from_ for s in visible_steps(r, as_of)}
    for ex in r.excludes:
        if ex.from_ is not None:
            out.add(ex.from_)
        if ex.to is not None:
            out.add(ex.to + one)
    return np.array(sorted(out), dtype="datetime64[D]")


def _any_between(dates: np.ndarray, lo: dt.date, hi: dt.date) -> bool:
    a = np.searchsorted(dates, np.datetime64(lo, "D"), side="right")
    b = np.searchsorted(dates, np.datetime64(hi, "D"), side="right")
    return bool(b > a)


@dataclass
class RateSeries:
    """Evaluate ``keys`` (``hts10, origin`` [, ``claim``]) at successive dates, incrementally."""

    catalogue: Catalogue
    as_of: dt.date | None = None
    schedule: Schedule | None = None
    """The HTS schedule of the base rates (the shipped one by default)."""
    metal_shares: pl.DataFrame | None = None
    by_reference: bool = False
    """Also price lines in force whose base rate names another rate (column 1 or, for column 2 countries,
    column 2 "the rate applicable ..."): their chapter 99 duties, ``rate_mfn`` NaN and a ``by_reference``
    flag column, as the one-date panel does. Off by default: effective-rate series leave them out."""

    def run(self, keys: pl.DataFrame, dates: list[dt.date]) -> Iterator[tuple[dt.date, pl.DataFrame]]:
        """Yield ``(date, rates)`` for each date (sorted); ``rates`` rows align with ``keys``."""
        from tariffscope.schedule import Schedule

        cat = self.catalogue
        eng = Engine(cat, self.as_of)
        keys = keys.select([c for c in ("hts10", "origin", "claim", "us_content") if c in keys.columns])
        if "claim" not in keys.columns:
            keys = keys.with_columns(pl.lit(None, dtype=pl.String).alias("claim"))
        keys = with_default_shares(keys, self.metal_shares)
        col2 = list(cat.countries(["COLUMN2"]))
        is_col2 = keys["origin"].is_in(col2).to_numpy()
        claimed_s = keys["claim"].fill_null("").str.contains("usmca").to_numpy()
        # "fta": a free trade agreement's Free special rate claimed; the caller attaches it only to
        # lines whose special column lists the partner's programme (analytics.etr)
        claimed_f = keys["claim"].fill_null("").str.contains(r"(^|,)fta(,|$)").to_numpy()
        code_strings = keys["hts10"].unique(maintain_order=True).to_list()
        codes = CodeSet(pl.Series(code_strings))
        code_idx = (
            keys.select("hts10")
            .join(
                pl.DataFrame({"hts10": code_strings}).with_row_index("i"),
                on="hts10",
                how="left",
                maintain_order="left",
            )["i"]
            .to_numpy()
        )
        origins = keys["origin"].to_numpy().astype(str)
        sched = self.schedule or Schedule.load()
        revisions = np.array(
            sorted(set(sched.lines["valid_from"].drop_nulls().to_list())), dtype="datetime64[D]"
        )
        changes = {ref.id: _change_dates(ref, self.as_of) for ref in cat.rules}
        uniq_origins, origin_inv = np.unique(origins, return_inverse=True)
        mask_cache: dict[str, list[DatedMask]] = {}
        rates: dict[str, np.ndarray] = {c: np.full(keys.height, np.nan) for c in OUT_COLUMNS}
        prev_base: np.ndarray | None = None
        prev_day: dt.date | None = None
        for day in sorted(dates):
            if prev_day is None or prev_base is None or _any_between(revisions, prev_day, day):
                base, by_ref = self._base(sched, code_strings, code_idx, day, is_col2, claimed_s, claimed_f)
                if self.by_reference:  # priced on a zero base; the base itself is reported as no number
                    base = np.where(by_ref, 0.0, base)
            else:
                base = prev_base
            if prev_day is None or prev_base is None:
                todo = np.ones(keys.height, dtype=bool)
            else:
                todo = ~np.isclose(base, prev_base, equal_nan=True)
                for ref in cat.rules:
                    if ref.id not in mask_cache:
                        mask_cache[ref.id] = product_masks(cat, ref.rule.products, codes)
                    masks = mask_cache[ref.id]
                    whole = _any_between(changes[ref.id], prev_day, day)
                    if not whole and all(m.always for m in masks):
                        continue
                    hit = self._covered(masks, code_idx, day, prev_day, boundaries_only=not whole)
                    if hit.any():
                        todo |= hit & eng._country_mask(ref.rule, list(uniq_origins))[origin_inv]
            idx = np.nonzero(todo & ~np.isnan(base))[0]
            gone = np.nonzero(todo & np.isnan(base))[0]
            for c in OUT_COLUMNS:
                rates[c][gone] = np.nan
            if idx.size:
                sub = keys[idx].with_columns(pl.lit(day).alias("date"), pl.Series("base_rate", base[idx]))
                res = eng.run(sub).frame()
                for c in OUT_COLUMNS:
                    rates[c][idx] = res[c].to_numpy()
            prev_base, prev_day = base, day
            out = pl.DataFrame({c: rates[c].copy() for c in OUT_COLUMNS})
            if self.by_reference:
                out = out.with_columns(
                    pl.when(pl.Series(by_ref)).then(None).otherwise(pl.col("rate_mfn")).alias("rate_mfn"),
                    pl.Series("by_reference", by_ref),
                )
            yield day, out

    @staticmethod
    def _base(
        sched: Schedule,
        codes: list[str],
        code_idx: np.ndarray,
        day: dt.date,
        is_col2: np.ndarray,
        claimed_s: np.ndarray,
        claimed_f: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Base rate of each key on ``day``: the line in force as a single lookup finds it (exact code,
        concordance, or the 8-digit tariff line), column 2 or the USMCA special rate where they apply;
        and whether a key's line is in force with a base rate "by reference" (NaN base, General column
        not empty: the one-date panel's ``base_status``)."""
        from tariffscope.resolver.base import _lookup

        q = pl.DataFrame({"hts10": codes, "date": [day] * len(codes)}).with_row_index("row")
        found = _lookup(q, sched).sort("row")
        mfn = found["mfn_ave"].to_numpy().astype(float)[code_idx]
        col2 = found["col2_ave"].to_numpy().astype(float)[code_idx]
        has_s = found["usmca_free"].fill_null(False).to_numpy()[code_idx]
        base = np.where(is_col2, col2, mfn)
        free = claimed_s & has_s if claimed_f is None else (claimed_s & has_s) | claimed_f
        kind = found["mfn_kind"].cast(pl.String).fill_null("empty").to_numpy()[code_idx]
        by_ref = np.isnan(base) & (kind != "empty")
        return np.where(free & ~np.isnan(base), 0.0, base), by_ref

    @staticmethod
    def _covered(
        masks: list[DatedMask],
        code_idx: np.ndarray,
        day: dt.date,
        prev_day: dt.date,
        boundaries_only: bool = False,
    ) -> np.ndarray:
        """Keys a rule's products cover after ``prev_day`` up to ``day`` (coverage may shrink), or, with
        ``boundaries_only``, the keys of the dated list windows that open or close in that span."""
        if not masks:
            return np.zeros(code_idx.size, dtype=bool)
        hit = np.zeros(masks[0].codes.size, dtype=bool)
        d0, d1 = np.datetime64(prev_day, "D"), np.datetime64(day, "D")
        for m in masks:
            if boundaries_only:
                if not m.always and ((d0 < m.start <= d1) or (d0 < m.end <= d1)):
                    hit |= m.codes
            elif m.always or (m.start <= d1 and m.end > d0):
                hit |= m.codes
        return hit[code_idx]
