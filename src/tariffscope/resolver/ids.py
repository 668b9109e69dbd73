"""Integer keys of a batch's columns: dense ids of distinct values, and the interval of each date."""

from __future__ import annotations

import numpy as np
import polars as pl


def dense_ids(values: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Dense ids of a string column (0..k-1; a null is one more value) and the first row of each
    distinct value. Linear time: a hash to categories, then their numbers renumbered."""
    if values.len() <= 1:  # a lookup
        return np.zeros(values.len(), dtype=np.int64), np.zeros(values.len(), dtype=np.int64)
    phys = values.cast(pl.Categorical).to_physical()
    if phys.null_count():
        phys = phys.fill_null((phys.max() or 0) + 1)  # type: ignore[operator]
    cats = phys.to_numpy()
    top = int(cats.max()) + 1
    if top <= 4 * cats.size + 1024:
        # category numbers are small: renumber the ones present in order, in linear time (no sort)
        present = np.zeros(top, dtype=bool)
        present[cats] = True
        ids = (np.cumsum(present) - 1)[cats]
        n_ids = int(present.sum())
    else:
        uniq, ids = np.unique(cats, return_inverse=True)
        n_ids = uniq.size
    ids = ids.astype(np.int64, copy=False)
    first = np.zeros(n_ids, dtype=np.int64)
    first[ids[::-1]] = np.arange(ids.size, dtype=np.int64)[::-1]
    return ids, first


def interval_of(dates: pl.Series | np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """For each date, how many of the sorted ``cuts`` are on or before it (``searchsorted`` right).

    A batch spans a few hundred days: each day is placed once, then its rows read a table."""
    days = dates.to_numpy() if isinstance(dates, pl.Series) else dates
    days = days.astype("datetime64[D]", copy=False)
    if days.size < 4096 or np.isnat(days).any():
        return np.searchsorted(cuts, days, side="right")
    lo, hi = days.min(), days.max()
    span = int((hi - lo).astype(np.int64)) + 1
    if span > days.size:
        return np.searchsorted(cuts, days, side="right")
    table = np.searchsorted(cuts, lo + np.arange(span), side="right")
    return table[(days - lo).astype(np.int64)]
