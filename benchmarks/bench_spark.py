"""Benchmark of batch pricing on Apache Spark (local mode) against the embedded path (issue 15).

Run: ``python benchmarks/bench_spark.py --rows 10000000 --cores 1 2 [--embedded-rows 1000000]``.

Synthetic entry lines (every HTS10 line of any revision, 60 origins weighted like US imports'
long tail, entry dates over 2025-26, values) are written once as Parquet files under ``--work``
(generated in slices: the generator's memory does not grow with ``--rows``). Each run reads them with
Spark, prices them with ``tariffscope.scale.spark.price_batch`` and writes Parquet. Printed per run:
wall time, lines per second, and the peak resident memory of the driver (the Python process and the
JVM, which in local mode also hosts the executors) and of all Python workers together. Spark's fixed
cost per job is measured on a 1,000-line input.
"""

from __future__ import annotations

import argparse
import os
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import polars as pl

SLICE = 5_000_000


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return out


class PeakMemory:
    """Sample the RSS of this process, the JVM (its java child) and the Python workers every 0.2 s."""

    def __init__(self) -> None:
        self.peak = {"python driver": 0, "jvm driver": 0, "python workers": 0}
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            drv, jvm, workers = _rss_kb(me), 0, 0
            stack = _children(me)
            while stack:
                pid = stack.pop()
                try:
                    exe = os.readlink(f"/proc/{pid}/exe")
                except OSError:
                    continue
                if exe.endswith("java"):
                    jvm += _rss_kb(pid)
                elif "python" in exe:
                    workers += _rss_kb(pid)
                stack += _children(pid)
            for k, v in (("python driver", drv), ("jvm driver", jvm), ("python workers", workers)):
                self.peak[k] = max(self.peak[k], v)
            time.sleep(0.2)

    def __enter__(self) -> PeakMemory:
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()

    def text(self) -> str:
        return ", ".join(f"{k} {v / 1024:,.0f} MB" for k, v in self.peak.items())


def synthesize(rows: int, work: Path, seed: int = 0) -> Path:
    """``rows`` synthetic entry lines as Parquet files of up to 5 M lines (reused when present)."""
    from tariffscope.schedule import Schedule

    out = work / f"entries-{rows}.parquet"
    if out.is_dir() and (out / "_done").exists():
        return out
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    lines = Schedule.load().lines["hts10"].unique().sort().to_numpy()
    origins = np.array(
        [
            "CN",
            "MX",
            "CA",
            "DE",
            "JP",
            "KR",
            "VN",
            "TW",
            "IN",
            "IE",
            "IT",
            "CH",
            "GB",
            "TH",
            "MY",
            "FR",
            "SG",
            "ID",
            "BR",
            "IL",
            "NL",
            "AU",
            "ES",
            "PH",
            "BE",
            "SE",
            "AT",
            "KH",
            "BD",
            "PK",
            "TR",
            "CL",
            "CO",
            "PE",
            "AR",
            "ZA",
            "EG",
            "SA",
            "AE",
            "RU",
            "BY",
            "CU",
            "NG",
            "GH",
            "KE",
            "ET",
            "DK",
            "NO",
            "FI",
            "PL",
            "CZ",
            "HU",
            "RO",
            "PT",
            "GR",
            "NZ",
            "HK",
            "LK",
        ]
    )
    weights = 1.0 / np.arange(1, origins.size + 1) ** 1.1  # a long tail, like import shares
    weights /= weights.sum()
    done = 0
    while done < rows:
        n = min(SLICE, rows - done)
        days = np.datetime64("2025-01-01") + rng.integers(0, 730, n)
        pl.DataFrame(
            {
                "hts10": rng.choice(lines, n),
                "origin": rng.choice(origins, n, p=weights),
                "date": days.astype("datetime64[D]"),
                "value": rng.lognormal(9.0, 1.5, n).round(2),
            }
        ).write_parquet(out / f"part-{done // SLICE:05d}.parquet", row_group_size=1_000_000)
        done += n
    (out / "_done").touch()
    return out


def _progress(spark: object, stop: threading.Event, every: float = 60.0) -> None:
    """Print the big job's completed tasks now and then (a partial figure if the run must stop)."""
    tracker = spark.sparkContext.statusTracker()  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    while not stop.wait(every):
        for sid in tracker.getActiveStageIds():
            info = tracker.getStageInfo(sid)
            if info is not None and info.numTasks > 1:
                print(
                    f"  {time.perf_counter() - t0:6.0f} s: {info.numCompletedTasks} of {info.numTasks} tasks done",
                    flush=True,
                )


def run_spark(src: Path, out: Path, cores: int, driver_memory: str) -> tuple[float, int, int, str]:
    """Price ``src`` on Spark ``local[cores]``; (seconds, rows, failed, memory) — session start excluded."""
    from pyspark.sql import SparkSession

    from tariffscope.scale import spark as sp

    spark = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("tariffscope-bench")
        .config("spark.driver.memory", driver_memory)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        with PeakMemory() as mem:
            small = src.parent / "entries-1000.parquet"
            if not small.exists():
                pl.read_parquet(sorted(src.glob("*.parquet"))[0]).head(1000).write_parquet(small)
            t = time.perf_counter()
            sp.rate_batch(spark, str(small), str(out / "fixed.parquet"))
            fixed = time.perf_counter() - t
            stop = threading.Event()
            threading.Thread(target=_progress, args=(spark, stop), daemon=True).start()
            t = time.perf_counter()
            rep = sp.rate_batch(spark, str(src), str(out / "priced.parquet"))
            secs = time.perf_counter() - t
            stop.set()
            t = time.perf_counter()
            sp.rate_batch(spark, str(small), str(out / "fixed2.parquet"))
            warm = time.perf_counter() - t
        print(f"  first job (1,000 lines: starts the Python workers, loads the broadcast): {fixed:.1f} s")
        print(f"  a later job of 1,000 lines (workers running; a new broadcast): {warm:.1f} s")
        return secs, rep.rows, rep.failed, mem.text()
    finally:
        spark.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, nargs="*", default=[10_000_000])
    ap.add_argument("--cores", type=int, nargs="+", default=[2])
    ap.add_argument("--embedded-rows", type=int, nargs="*", default=[])
    ap.add_argument("--driver-memory", default="2g")
    ap.add_argument("--work", type=Path, default=Path("bench-spark-work"))
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")

    for n in args.embedded_rows:
        from tariffscope.resolver.executor import price_rows

        src = synthesize(n, args.work)
        with PeakMemory() as mem:
            rows = pl.read_parquet(src)
            t = time.perf_counter()
            priced = price_rows(rows)
            secs = time.perf_counter() - t
            del rows
        print(
            f"embedded {n:>12,} lines  {secs:8.1f} s  {n / secs:>10,.0f} lines/s  "
            f"failed {priced.failed.height:,}  peak: {mem.text()}"
        )
        del priced

    for n in args.rows:
        src = synthesize(n, args.work)
        for cores in args.cores:
            out = args.work / f"out-{n}-{cores}"
            secs, rows, failed, mem = run_spark(src, out, cores, args.driver_memory)
            print(
                f"spark local[{cores}] {n:>12,} lines  {secs:8.1f} s  {rows / secs:>10,.0f} lines/s  "
                f"failed {failed:,}  peak: {mem}"
            )
            shutil.rmtree(out, ignore_errors=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
