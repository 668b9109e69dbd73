"""Benchmark: the daily ETR series of every partner over 730 days from a ~330k-row HTS10 x country table.

Target: under 10 s on 2 cores. Prints wall time, peak memory (process RSS and Python heap), the
number of change points, and with ``--profile`` where the time goes (tariffscope functions by
cumulative time). ``--gap`` also prints what the spread weights cost (docs/analytics.md).

The weight table: the shipped weights (:func:`tariffscope.trade.weights.load_weights`: exact HTS10
rows for Canada, Mexico and the African partners, the GTAP spread for the others), cut to the
``--rows`` largest rows (every partner keeps its exact rows), about the size of a year of Census
HTS10 x country imports.

Run: ``python benchmarks/bench_etr.py [--rows 330000] [--days 730] [--cores 2] [--profile] [--gap]``.
"""

from __future__ import annotations

import argparse
import os
import sys


def _limit_cores(n: int) -> str:
    """Pin the process to ``n`` CPUs and size Polars' pool to match (before Polars is imported)."""
    os.environ["POLARS_MAX_THREADS"] = str(n)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)
    if hasattr(os, "sched_setaffinity"):
        cpus = sorted(os.sched_getaffinity(0))[:n]
        os.sched_setaffinity(0, cpus)
        return f"pinned to CPUs {cpus}"
    return "affinity not available; POLARS_MAX_THREADS set"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=330_000)
    ap.add_argument("--days", type=int, default=730)
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--view", default="adjusted", choices=["statutory", "adjusted"])
    ap.add_argument("--profile", action="store_true", help="print where the time goes")
    ap.add_argument("--gap", action="store_true", help="also compare exact and spread weights (CA, MX)")
    args = ap.parse_args(argv)
    pinned = _limit_cores(args.cores)

    import cProfile
    import datetime as dt
    import pstats
    import resource
    import time

    import polars as pl

    from tariffscope.analytics.etr import etr_series, regime_breaks
    from tariffscope.catalogue.loader import default_catalogue
    from tariffscope.schedule import Schedule
    from tariffscope.trade.weights import load_weights

    def rss_mib() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"cores: {args.cores} ({pinned}); polars threads {pl.thread_pool_size()}")
    t0 = time.perf_counter()
    w_all = load_weights()
    exact = w_all.filter(pl.col("grain").cast(pl.String) == "hts10_exact")
    rest = w_all.filter(pl.col("grain").cast(pl.String) != "hts10_exact").sort("imports_usd", descending=True)
    w = pl.concat([exact, rest.head(max(0, args.rows - exact.height))])
    cat = default_catalogue()
    Schedule.load()
    t_load = time.perf_counter() - t0
    start = dt.date(2025, 1, 1)
    end = start + dt.timedelta(days=args.days - 1)
    breaks = regime_breaks(start, end, cat)
    print(
        f"weights: {w.height:,} rows, {w['partner'].n_unique()} partners, {w['hts10'].n_unique():,} lines, "
        f"${w['imports_usd'].sum() / 1e12:.3f}T of ${w_all['imports_usd'].sum() / 1e12:.3f}T "
        f"({exact.height:,} exact rows); loaded with catalogue and schedule in {t_load:.1f} s"
    )
    print(f"window: {start} .. {end} ({args.days} days), {len(breaks)} change points, view {args.view}")
    rss0 = rss_mib()

    # no tracemalloc around the timed run: it slows every allocation several-fold; RSS is the memory figure
    prof = cProfile.Profile() if args.profile else None
    t0, c0 = time.perf_counter(), time.process_time()
    if prof:
        prof.enable()
    s = etr_series(w, start, end, view=args.view, daily=True, catalogue=cat)
    if prof:
        prof.disable()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    rss1 = rss_mib()
    print(
        f"etr_series: {s.height:,} rows ({s['partner'].n_unique()} partners incl. ALL x {s['date'].n_unique()} days) "
        f"in {wall:.2f} s = {wall / len(breaks):.3f} s per change point; target < 10 s: {'met' if wall < 10 else 'NOT met'}"
    )
    print(
        f"CPU time {cpu:.2f} s (all threads); machine load average {load:.1f} on {os.cpu_count()} CPUs "
        "(wall time is only meaningful when the load is below the core count)"
    )
    print(f"peak memory: process RSS {rss1:,.0f} MiB (before the run {rss0:,.0f} MiB)")
    allrow = s.filter((pl.col("partner") == "ALL") & (pl.col("date") == dt.date(2025, 10, 15)))
    if allrow.height:
        print(f"check: all-partner ETR on 2025-10-15 = {100 * allrow['etr'][0]:.2f}% of this table's imports")

    if prof:
        st = pstats.Stats(prof, stream=sys.stdout)
        st.sort_stats("cumulative")
        print("\nwhere the time goes (tariffscope functions, cumulative seconds):")
        rows = [
            (v[3], v[0], f"{k[0].split('tariffscope/')[-1]}:{k[1]} {k[2]}")
            for k, v in st.stats.items()  # type: ignore[attr-defined]
            if "tariffscope" in k[0]
        ]
        for cum, calls, name in sorted(rows, reverse=True)[:18]:
            print(f"  {cum:8.2f} s  {calls:6d} calls  {name}")
        print("\nlargest self time (any function):")
        st.sort_stats("tottime").print_stats(8)

    if args.gap:
        from tariffscope.analytics.approx import spread_gap

        g = spread_gap(weights=w_all)
        pl.Config.set_tbl_rows(50)
        pl.Config.set_tbl_cols(20)
        pl.Config.set_tbl_width_chars(200)
        print("\nETR from exact HTS10 weights vs spread weights (pp = spread - exact):")
        print(
            g.select(
                "partner",
                "date",
                "view",
                *[
                    pl.col(c).mul(100).round(2)
                    for c in ("etr_exact", "etr_shipped", "etr_in_sample", "etr_leave_one_out")
                ],
                *[pl.col(c).round(2) for c in ("gap_shipped_pp", "gap_in_sample_pp", "gap_leave_one_out_pp")],
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
