"""Which products a rule covers, computed over arrays (no per-row Python).

A rule's product coverage is compiled once into prefix sets grouped by length, with the dated
windows of its lists (exemptions with their own windows, such as Annex II). Matching runs once per
distinct HTS10 code of a batch: plain set look-ups for a handful of codes (single lookups), Polars
``is_in`` per prefix length for large batches.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from tariffscope.catalogue.loader import Catalogue
from tariffscope.catalogue.schema import ListRef, Products

DAY = np.timedelta64(1, "D")
FAR_PAST = np.datetime64("1900-01-01", "D")
FAR_FUTURE = np.datetime64("2999-12-31", "D")
SMALL_BATCH = 512


@dataclass(frozen=True)
class DatedMask:
    """Codes covered between ``start`` (inclusive) and ``end`` (exclusive) entry dates."""

    start: np.datetime64
    end: np.datetime64
    codes: np.ndarray  # bool over the batch's distinct codes

    @property
    def always(self) -> bool:
        return bool(self.start == FAR_PAST and self.end == FAR_FUTURE)


@dataclass
class PrefixSet:
    """Prefixes grouped by length, plus same-length ranges ``(lo, hi)``; ``everything`` for ALL."""

    by_len: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    ranges: list[tuple[str, str]] = field(default_factory=list)
    everything: bool = False
    _arrays: dict[int, np.ndarray] | None = None

    def add(self, p: str) -> None:
        if p == "ALL":
            self.everything = True
        elif "-" in p:
            lo, hi = p.split("-")
            self.ranges.append((lo, hi))
        else:
            self.by_len[len(p)].add(p)

    def match(self, codes: CodeSet) -> np.ndarray:
        """Which of the batch's distinct codes start with one of these prefixes."""
        n = codes.ints.size
        if self.everything:
            return np.ones(n, dtype=bool)
        if codes.small is not None:
            return np.array(
                [
                    any(c[:k] in s for k, s in self.by_len.items())
                    or any(lo <= c[: len(lo)] <= hi for lo, hi in self.ranges)
                    for c in codes.small
                ],
                dtype=bool,
            )
        out = np.zeros(n, dtype=bool)
        for k, arr in self.arrays().items():
            head = codes.head(k)
            pos = np.minimum(np.searchsorted(arr, head), arr.size - 1)
            out |= arr[pos] == head
        for lo, hi in self.ranges:
            head = codes.head(len(lo))
            out |= (head >= int(lo)) & (head <= int(hi))
        return out

    def arrays(self) -> dict[int, np.ndarray]:
        """The prefixes of each length as a sorted integer array (built once)."""
        if self._arrays is None:
            self._arrays = {
                k: np.unique(np.array([int(p) for p in s], dtype=np.int64)) for k, s in self.by_len.items()
            }
        return self._arrays


class CodeSet:
    """A batch's distinct 10-digit codes, as strings (small batches) and integers (prefix arithmetic)."""

    def __init__(self, codes: pl.Series) -> None:
        self.small = codes.to_list() if codes.len() <= SMALL_BATCH else None
        if self.small is not None:  # a lookup: plain Python beats three Polars string kernels
            self.ints = np.array([_code_int(c) for c in self.small], dtype=np.int64)
        else:
            self.ints = (
                codes.str.slice(0, 10)
                .str.pad_end(10, "0")
                .cast(pl.Int64, strict=False)
                .fill_null(0)
                .to_numpy()
            )
        self._heads: dict[int, np.ndarray] = {}

    def head(self, k: int) -> np.ndarray:
        if k not in self._heads:
            self._heads[k] = self.ints // (10 ** (10 - k))
        return self._heads[k]


def _code_int(code: str | None) -> int:
    """A code's first 10 digits, right-padded with zeros, as an integer (0 when not all digits)."""
    if code is None:
        return 0
    head = code[:10].ljust(10, "0")
    return int(head) if head.isascii() and head.isdigit() else 0


Window = tuple[np.datetime64, np.datetime64]
_COMPILED: dict[int, tuple[Products, dict[Window, PrefixSet], dict[Window, PrefixSet]]] = {}


def _day(d: dt.date | None, default: np.datetime64) -> np.datetime64:
    return default if d is None else np.datetime64(d, "D")


def _compile_items(cat: Catalogue, items: list[str | ListRef]) -> dict[Window, PrefixSet]:
    out: dict[Window, PrefixSet] = defaultdict(PrefixSet)
    for it in items:
        if isinstance(it, str):
            out[(FAR_PAST, FAR_FUTURE)].add(it)
            continue
        df = cat.product_list(it.list)
        for col, val in (it.where or {}).items():
            df = df.filter(pl.col(col) == val)
        for start, end, hts in df.group_by(["from", "to"]).agg(pl.col("hts")).iter_rows():
            # list windows: `to` is the last entry date covered (inclusive)
            ps = out[(_day(start, FAR_PAST), _day(end, FAR_FUTURE - DAY) + DAY)]
            for h in hts:
                ps.add(h)
    return dict(out)


def compile_products(
    cat: Catalogue, products: Products
) -> tuple[dict[Window, PrefixSet], dict[Window, PrefixSet]]:
    """A rule's products as prefix sets by dated window (included, excluded), built once per object."""
    hit = _COMPILED.get(id(products))
    if hit is None or hit[0] is not products:
        hit = (products, _compile_items(cat, products.include), _compile_items(cat, products.exclude))
        _COMPILED[id(products)] = hit
    return hit[1], hit[2]


def product_masks(cat: Catalogue, products: Products | None, codes: CodeSet) -> list[DatedMask]:
    """Coverage of ``products`` over ``codes``: dated masks whose union is the coverage.

    Exclusions (also possibly dated) are subtracted window by window.
    """
    if products is None:
        return []
    inc_sets, exc_sets = compile_products(cat, products)
    inc = [DatedMask(a, b, ps.match(codes)) for (a, b), ps in inc_sets.items()]
    inc = [m for m in inc if m.codes.any()]
    if not exc_sets or not inc:
        return inc
    exc = [DatedMask(a, b, ps.match(codes)) for (a, b), ps in exc_sets.items()]
    exc = [x for x in exc if x.codes.any()]
    out: list[DatedMask] = []
    for m in inc:
        cuts = sorted({m.start, m.end} | {x.start for x in exc} | {x.end for x in exc})
        cuts = [c for c in cuts if m.start <= c <= m.end]
        for a, b in itertools.pairwise(cuts):
            mask = m.codes.copy()
            for x in exc:
                if x.start <= a and b <= x.end:
                    mask &= ~x.codes
            if mask.any():
                out.append(DatedMask(a, b, mask))
    return out


def row_product_mask(masks: list[DatedMask], code_idx: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Expand dated code masks to rows (``code_idx`` into the distinct codes, ``days`` entry dates)."""
    out = np.zeros(code_idx.shape[0], dtype=bool)
    for m in masks:
        hit = m.codes[code_idx]
        if not m.always:
            hit &= (days >= m.start) & (days < m.end)
        out |= hit
    return out
