"""The single-lookup path (one origin: only the rules covering it, from per-rule plans built once) gives
exactly what the same rows give in one multi-origin batch, on the shipped catalogue."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from tariffscope.resolver.api import resolve_frame, resolve_one

LINES = ["8703230190", "7318150000", "8471300100", "6109100012", "7208100000", "8542310000", "0901210020"]
ORIGINS = ["JP", "CN", "DE", "MX", "CA", "BR", "IN", "CH"]
DATES = [dt.date(2025, 2, 15), dt.date(2025, 4, 10), dt.date(2025, 9, 1), dt.date(2026, 3, 2)]


def test_single_lookups_equal_one_batch() -> None:
    rows = [(h, o, d) for h in LINES for o in ORIGINS for d in DATES]
    batch = resolve_frame(
        pl.DataFrame(
            {"hts10": [r[0] for r in rows], "origin": [r[1] for r in rows], "date": [r[2] for r in rows]}
        )
    ).table
    checked = 0
    for (h, o, d), rec in zip(rows, batch.iter_rows(named=True), strict=True):
        if rec["status"] != "ok":
            continue
        one = resolve_one(h, o, d)
        assert one["total_rate"] == pytest.approx(rec["total_rate"], abs=1e-12), (h, o, d)
        checked += 1
    assert checked > 150
