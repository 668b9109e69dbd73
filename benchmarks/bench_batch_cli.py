"""The whole command ``tariffscope rate --batch`` on a 1M-line CSV (issue 11: target under 3 s).

Run: ``python benchmarks/bench_batch_cli.py [--rows 1000000] [--runs 5]``. Writes a seeded batch
(every HTS10 line in force on 2025-09-16 x 12 origins x entry dates over 700 days from 2025-01-01,
random values), then times the command as a user runs it: a fresh process each run, start-up,
read, pricing, write. Prints wall time (min, median, max), CPU time and peak memory of each run.
The command exits 1 on this batch (some lines are not in force on their random date): expected.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl


def write_batch(path: Path, rows: int, seed: int = 0) -> None:
    from tariffscope.schedule import Schedule

    rng = np.random.default_rng(seed)
    lines = Schedule.load().on(dt.date(2025, 9, 16))["hts10"].to_numpy()
    origins = np.array(["JP", "CN", "DE", "MX", "CA", "KR", "VN", "IN", "GB", "BR", "CH", "TW"])
    pl.DataFrame(
        {
            "hts10": rng.choice(lines, rows),
            "origin": rng.choice(origins, rows),
            "date": (np.datetime64("2025-01-01") + rng.integers(0, 700, rows)).astype("datetime64[D]"),
            "value": rng.uniform(100, 100_000, rows),
        }
    ).write_csv(path)


def run_once(src: Path, out: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (GB) of one fresh ``rate --batch`` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    cmd = [sys.executable, "-m", "tariffscope.cli.main", "rate", "--batch", str(src), "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy(), check=False)
    wall = time.perf_counter() - t
    if proc.returncode not in (0, 1):
        raise SystemExit(f"rate --batch failed ({proc.returncode}): {proc.stderr[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss / 1024**2


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "batch.csv", Path(tmp) / "priced.csv"
        write_batch(src, args.rows)
        runs = [run_once(src, out) for _ in range(args.runs)]
        walls = [w for w, _, _ in runs]
        print(
            f"rate --batch, {args.rows:,} lines, {args.runs} fresh processes (load {os.getloadavg()[0]:.1f})"
        )
        print(
            f"  wall min {min(walls):.2f} s, median {statistics.median(walls):.2f} s, max {max(walls):.2f} s;"
            f" CPU median {statistics.median(c for _, c, _ in runs):.2f} s; peak RSS {max(m for _, _, m in runs):.2f} GB"
        )
        print(f"  output: {pl.scan_csv(out).select(pl.len()).collect().item():,} rows")


if __name__ == "__main__":
    main()
