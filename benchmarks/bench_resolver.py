"""Benchmarks of the regime engine (issue #2 section 7): full panel, every revision, batch pricing.

Run: ``python benchmarks/bench_resolver.py [--all-revisions] [--batch-rows 1000000]``. Prints wall
time and peak resident memory of each step; the figures go in the README.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn()
    print(f"{label:<48} {time.perf_counter() - t:8.2f} s   peak RSS {peak_mb():8.0f} MB")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--date", default="2025-09-16")
    ap.add_argument("--all-revisions", action="store_true")
    ap.add_argument("--batch-rows", type=int, default=1_000_000)
    args = ap.parse_args()

    from tariffscope.catalogue.loader import default_catalogue
    from tariffscope.resolver.api import resolve_one
    from tariffscope.resolver.executor import price_rows
    from tariffscope.resolver.panel import panel_on, write_panel_all_revisions
    from tariffscope.schedule import Schedule

    timed("load catalogue + schedule", lambda: (default_catalogue(), Schedule.load()))
    timed("warm-up single lookup", lambda: resolve_one("8703.23.01.60", "JP", "2025-05-02"))
    t = time.perf_counter()
    for _ in range(20):
        resolve_one("8703.23.01.60", "JP", "2025-09-16")
    print(f"{'single lookup (mean of 20)':<48} {(time.perf_counter() - t) / 20 * 1000:8.1f} ms")

    day = dt.date.fromisoformat(args.date)
    panel = timed(f"panel: all HTS10 x all countries on {day}", lambda: panel_on(day))
    print(
        f"  {panel.height:,} rows ({panel['hts10'].n_unique():,} lines x {panel['origin'].n_unique()} countries)"
    )

    if args.all_revisions:
        with tempfile.TemporaryDirectory() as tmp:
            n = timed(
                "panel: every revision of 2025-26", lambda: write_panel_all_revisions(Path(tmp) / "p.parquet")
            )
            print(f"  {n:,} rows")

    rng = np.random.default_rng(0)
    lines = Schedule.load().on(day)["hts10"].to_numpy()
    origins = np.array(["JP", "CN", "DE", "MX", "CA", "KR", "VN", "IN", "GB", "BR", "CH", "TW"])
    days = np.datetime64("2025-01-01") + rng.integers(0, 700, args.batch_rows)
    batch = pl.DataFrame(
        {
            "hts10": rng.choice(lines, args.batch_rows),
            "origin": rng.choice(origins, args.batch_rows),
            "date": days.astype("datetime64[D]"),
            "value": rng.uniform(100, 100_000, args.batch_rows),
        }
    )
    timed("batch warm-up (compiles every rule's product lists once)", lambda: price_rows(batch.head(20_000)))
    times = []
    for _ in range(3):
        t = time.perf_counter()
        res = price_rows(batch)  # as rate --batch prices: slices on parallel threads
        times.append(time.perf_counter() - t)
    print(
        f"{'batch pricing: ' + format(args.batch_rows, ',') + ' entry lines':<48} {sorted(times)[1]:8.2f} s   "
        f"(median of 3: {', '.join(f'{x:.2f}' for x in times)})   peak RSS {peak_mb():8.0f} MB"
    )
    print(f"  failed rows: {res.failed.height:,}")


if __name__ == "__main__":
    main()
