"""Batch pricing: parallel chunks, deduplication and in-place fixes give the same answers as one pass."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from tariffscope.resolver import api
from tariffscope.schedule import Schedule


def _batch(n: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    lines = Schedule.load().on(dt.date(2025, 9, 16))["hts10"].to_numpy()
    return pl.DataFrame(
        {
            "hts10": rng.choice(lines, n),
            "origin": rng.choice(np.array(["JP", "CN", "DE", "MX", "CA", "BR", "RU"]), n),
            "date": (np.datetime64("2025-01-01") + rng.integers(0, 700, n)).astype("datetime64[D]"),
            "value": rng.uniform(100, 1e5, n),
        }
    )


def test_parallel_chunks_equal_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    batch = _batch(6_000, 1)
    one = api.resolve_frame(batch).table
    monkeypatch.setattr(api, "PARALLEL_FROM", 1_000)
    par = api.resolve_frame(batch).table
    assert one["status"].to_list() == par["status"].to_list()
    for c in ("total_rate", "rate_s232", "rate_ieepa_reciprocal", "duty_usd"):
        assert np.array_equal(np.nan_to_num(one[c].to_numpy()), np.nan_to_num(par[c].to_numpy()))


def test_rows_keep_their_order_with_retired_and_8_digit_codes() -> None:
    batch = pl.DataFrame(
        {
            "hts10": ["8703.23.01.60", "6912.00.48", "0000000000", "8703.23.01.60"],
            "origin": ["JP", "JP", "JP", "DE"],
            "date": ["2025-05-02", "2025-08-20", "2025-05-02", "2025-05-02"],
        }
    )
    t = api.resolve_frame(batch).table
    assert t["row"].to_list() == [0, 1, 2, 3]
    assert t["total_rate"][0] == pytest.approx(0.275) and t["total_rate"][1] == pytest.approx(0.15)
    assert t["status"][2].startswith("error: hts10")
    assert t["total_rate"][3] == pytest.approx(0.275)


def test_large_batch_path_without_notes_gives_the_same_rates(monkeypatch: pytest.MonkeyPatch) -> None:
    batch = pl.concat(
        [
            _batch(3_000, 2).drop("value"),
            pl.DataFrame(
                {
                    "hts10": ["6912.00.48", "0901110045"],
                    "origin": ["JP", "BR"],
                    "date": [dt.date(2025, 8, 20)] * 2,
                }
            ),
        ],
        how="vertical_relaxed",
    )
    with_notes = api.resolve_frame(batch).table
    monkeypatch.setattr(api, "NOTES_UP_TO", 10)
    lean = api.resolve_frame(batch).table
    assert lean["base_note"].null_count() == lean.height
    assert np.array_equal(
        np.nan_to_num(with_notes["total_rate"].to_numpy()), np.nan_to_num(lean["total_rate"].to_numpy())
    )


def test_sliced_pricing_equals_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """Large batches are priced in slices on parallel threads: same table, same failed rows (numbered
    in the whole batch), whatever the number of slices and wherever the bad rows fall."""
    from tariffscope.resolver import executor

    raw = _batch(5_000, 3).with_columns(pl.col("date").cast(pl.String), pl.col("value").cast(pl.String))
    bad = pl.DataFrame(
        {
            "hts10": ["", "abc", "8703230160"],
            "origin": ["JP", "JP", "Narnia"],
            "date": ["2025-05-02"] * 3,
            "value": ["1"] * 3,
        }
    )
    rows = pl.concat([bad, raw.head(2_499), bad, raw.tail(2_501), bad])
    one = executor.price_rows(rows, workers=1)
    monkeypatch.setattr(executor, "SLICE_FROM", 1_000)
    sliced: list[int] = []
    price_slices = executor._price_slices
    monkeypatch.setattr(
        executor, "_price_slices", lambda r, c, a, n: sliced.append(n) or price_slices(r, c, a, n)
    )
    for n in (2, 3, 7):
        par = executor.price_rows(rows, workers=n)
        assert par.table.columns == one.table.columns
        assert par.table.equals(one.table), n
        assert par.failed.equals(one.failed), n
    assert sliced == [2, 3, 7]  # the sliced path ran
    assert one.failed["row"].to_list()[:3] == [0, 1, 2] and one.failed.height >= 9
