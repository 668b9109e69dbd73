"""Which products and countries a rule covers, computed over arrays (no per-row Python).

Product coverage is evaluated once per distinct HTS10 code of a batch; dated product lists
(exemptions with their own windows, such as Annex II) yield masks that also depend on the entry date.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import polars as pl

from tariffscope.catalogue.loader import Catalogue
from tariffscope.catalogue.schema import ListRef, Products

DAY = np.timedelta64(1, "D")
FAR_PAST = np.datetime64("1900-01-01", "D")
FAR_FUTURE = np.datetime64("2999-12-31", "D")


@dataclass(frozen=True)
class DatedMask:
    """Codes covered between ``start`` (inclusive) and ``end`` (exclusive) entry dates."""

    start: np.datetime64
    end: np.datetime64
    codes: np.ndarray  # bool over the batch's distinct codes

    @property
    def always(self) -> bool:
        return bool(self.start == FAR_PAST and self.end == FAR_FUTURE)


def _prefix_mask(codes: pl.Series, prefixes: list[str]) -> np.ndarray:
    """True where a code starts with any prefix (or falls in a same-length range ``a-b``)."""
    out = np.zeros(codes.len(), dtype=bool)
    by_len: dict[int, list[str]] = defaultdict(list)
    for p in prefixes:
        if p == "ALL":
            return np.ones(codes.len(), dtype=bool)
        if "-" in p:
            lo, hi = p.split("-")
            head = codes.str.slice(0, len(lo))
            out |= ((head >= lo) & (head <= hi)).fill_null(False).to_numpy()
        else:
            by_len[len(p)].append(p)
    for n, ps in by_len.items():
        out |= codes.str.slice(0, n).is_in(ps).fill_null(False).to_numpy()
    return out


def _to_day(d: dt.date | None, default: np.datetime64) -> np.datetime64:
    return default if d is None else np.datetime64(d, "D")


def product_masks(cat: Catalogue, products: Products | None, codes: pl.Series) -> list[DatedMask]:
    """Coverage of ``products`` over ``codes``: a list of dated masks whose union is the coverage.

    Exclusions (also possibly dated) are subtracted window by window.
    """
    if products is None:
        return []
    inc = _items_masks(cat, products.include, codes)
    exc = _items_masks(cat, products.exclude, codes)
    if not exc:
        return inc
    out: list[DatedMask] = []
    for m in inc:
        # split the include window at every exclusion boundary, subtracting what is excluded there
        cuts = sorted({m.start, m.end} | {x.start for x in exc} | {x.end for x in exc})
        cuts = [c for c in cuts if m.start <= c <= m.end]
        for a, b in itertools.pairwise(cuts):
            mask = m.codes.copy()
            for x in exc:
                if x.start <= a and b <= x.end:
                    mask &= ~x.codes
            if mask.any():
                out.append(DatedMask(a, b, mask))
    return _merge(out)


def _items_masks(cat: Catalogue, items: list[str | ListRef], codes: pl.Series) -> list[DatedMask]:
    prefixes = [i for i in items if isinstance(i, str)]
    out: list[DatedMask] = []
    if prefixes:
        out.append(DatedMask(FAR_PAST, FAR_FUTURE, _prefix_mask(codes, prefixes)))
    for ref in (i for i in items if isinstance(i, ListRef)):
        df = cat.product_list(ref.list)
        for col, val in (ref.where or {}).items():
            df = df.filter(pl.col(col) == val)
        windows = df.group_by(["from", "to"], maintain_order=True).agg(pl.col("hts"))
        for start, end, hts in windows.iter_rows():
            # list windows: `to` is the last entry date covered (inclusive)
            out.append(
                DatedMask(
                    _to_day(start, FAR_PAST), _to_day(end, FAR_FUTURE - DAY) + DAY, _prefix_mask(codes, hts)
                )
            )
    return _merge(out)


def _merge(masks: list[DatedMask]) -> list[DatedMask]:
    """Union masks that share a window."""
    by_win: dict[tuple[np.datetime64, np.datetime64], np.ndarray] = {}
    for m in masks:
        key = (m.start, m.end)
        by_win[key] = by_win[key] | m.codes if key in by_win else m.codes
    return [DatedMask(a, b, c) for (a, b), c in by_win.items() if c.any()]


def row_product_mask(masks: list[DatedMask], code_idx: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Expand dated code masks to rows (``code_idx`` into the distinct codes, ``days`` entry dates)."""
    out = np.zeros(code_idx.shape[0], dtype=bool)
    for m in masks:
        hit = m.codes[code_idx]
        if not m.always:
            hit &= (days >= m.start) & (days < m.end)
        out |= hit
    return out
