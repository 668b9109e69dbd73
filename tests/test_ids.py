"""The resolver's integer keys agree with their plain definitions (np.unique, np.searchsorted)."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from tariffscope.resolver.ids import dense_ids, interval_of

CODES = st.lists(
    st.one_of(st.none(), st.sampled_from(["8703230160", "0101210010", "", "x", "9999"])), max_size=60
)


@settings(max_examples=60, deadline=None)
@given(CODES)
def test_dense_ids_number_each_distinct_value_once(values: list[str | None]) -> None:
    s = pl.Series(values, dtype=pl.String)
    ids, first = dense_ids(s)
    assert ids.size == s.len() and first.size == s.n_unique()
    assert all(ids[f] == k for k, f in enumerate(first))  # each id's first row carries it
    for i, v in enumerate(values):
        assert values[first[ids[i]]] == v  # same id, same value
        assert first[ids[i]] <= i  # the first row of its value


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 10_000), st.integers(1, 900), st.lists(st.integers(-50, 950), max_size=40), st.booleans()
)
def test_interval_of_is_searchsorted_right(n: int, span: int, cut_days: list[int], with_nat: bool) -> None:
    rng = np.random.default_rng(n)
    start = np.datetime64("2025-01-01")
    cuts = np.unique(start + np.array(cut_days, dtype=np.int64)).astype("datetime64[D]")
    days = (start + rng.integers(0, span, n)).astype("datetime64[D]")
    if with_nat and n:
        days[rng.integers(0, n)] = np.datetime64("NaT")
    assert (interval_of(days, cuts) == np.searchsorted(cuts, days, side="right")).all()
    assert (interval_of(pl.Series(days), cuts) == np.searchsorted(cuts, days, side="right")).all()
