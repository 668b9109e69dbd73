"""Benchmark the HTS schedule: load, on(date), lookup, resolve_codes and (optionally) the build.

Usage: ``python benchmarks/bench_schedule.py [--build] [--n 200000]``. Prints wall times and
peak resident memory (this process; the build runs in a child process and is reported apart).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from tariffscope.paths import PACKAGE_DATA
from tariffscope.schedule import Schedule


def _peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _best(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", action="store_true", help="also time scripts/build_schedule.py")
    ap.add_argument("--n", type=int, default=200_000, help="pairs for resolve_codes")
    args = ap.parse_args()

    t = time.perf_counter()
    s = Schedule._read(PACKAGE_DATA)
    print(f"Schedule load (uncached read): {time.perf_counter() - t:8.3f} s  rows={s.lines.height}")
    print(f"Schedule.load() cached:        {_best(Schedule.load) * 1e6:8.1f} us")
    print(f"on('2025-06-01'):              {_best(lambda: s.on('2025-06-01')) * 1e3:8.2f} ms")
    print(f"chapter99('2025-06-01'):       {_best(lambda: s.chapter99('2025-06-01')) * 1e3:8.2f} ms")
    print(
        f"lookup(8703.23.01.60):         {_best(lambda: s.lookup('8703.23.01.60', '2025-06-01')) * 1e3:8.2f} ms"
    )
    print(
        f"lookup(retired 0901.11.00.45): {_best(lambda: s.lookup('0901.11.00.45', '2026-01-01')) * 1e3:8.2f} ms"
    )
    print(f"search('motor cars'):          {_best(lambda: s.search('motor cars', 20)) * 1e3:8.2f} ms")

    rng = np.random.default_rng(0)
    uni = s.universe
    codes = pl.Series(uni[rng.integers(0, len(uni), args.n)])
    start = date(2025, 1, 1)
    dates = pl.Series([start + timedelta(days=int(k)) for k in rng.integers(0, 540, args.n)], dtype=pl.Date)
    tr = _best(lambda: s.resolve_codes(codes, dates), repeat=3)
    out = s.resolve_codes(codes, dates)
    print(
        f"resolve_codes({args.n:,} pairs):  {tr:8.3f} s  "
        f"({args.n / tr / 1e6:.2f} M pairs/s; {out['resolution'].value_counts().sort('resolution').rows()})"
    )
    print(f"peak RSS (this process):       {_peak_mb():8.1f} MB")

    if args.build:
        root = Path(__file__).resolve().parents[1]
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            subprocess.run(
                [sys.executable, str(root / "scripts" / "build_schedule.py"), "--out", tmp], check=True
            )
            print(f"build_schedule.py:             {time.perf_counter() - t:8.1f} s")
            print(f"peak RSS (build, largest child): {_peak_mb(resource.RUSAGE_CHILDREN):6.1f} MB")
            sizes = {p.name: p.stat().st_size for p in Path(tmp).glob("*.parquet")}
            print(f"outputs: {sizes}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
