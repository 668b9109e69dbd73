"""Benchmark: static export of the report's charts (PNG and SVG through kaleido in headless Chromium).

Starting Chromium dominates, so ``figures.export`` renders every image of a call in one browser. Timed:
one image (a cold browser), the report's six images (three charts x PNG+SVG) in one browser, and the
same six with a browser each (what a loop over single exports would cost).

Run: ``python benchmarks/bench_charts.py`` (needs the ``charts`` extra and Chromium).
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path

import polars as pl

from tariffscope.analytics import charts, figures
from tariffscope.analytics.common import measure_events
from tariffscope.analytics.etr import etr_series
from tariffscope.analytics.exposure import exposure
from tariffscope.analytics.rank import rank
from tariffscope.trade.weights import load_weights

START, DATE = dt.date(2025, 1, 1), dt.date(2025, 10, 1)


def main() -> None:
    if reason := figures.export_unavailable():
        raise SystemExit(f"static export unavailable: {reason}")
    w = load_weights().filter(pl.col("partner").is_in(["JP", "KR", "DE"]))
    s = etr_series(w, START, DATE, partners=["JP"], daily=True).filter(pl.col("partner") == "JP")
    e = exposure("JP", DATE, weights=w)
    figs = [
        charts.etr_timeline(s, measure_events("JP", START, DATE)),
        charts.sector_bars(pl.DataFrame(e["composition"])),
        charts.partner_bars(rank(DATE, weights=w, min_imports_usd=0, reference="JP")),
    ]
    out = Path(tempfile.mkdtemp(prefix="bench-charts-"))
    jobs = {out / f"{i}.{x}": f for i, f in enumerate(figs) for x in ("png", "svg")}
    t = time.perf_counter()
    figures.export({out / "one.png": figs[0]})
    print(f"{'one image (cold browser)':<46} {time.perf_counter() - t:6.1f} s")
    t = time.perf_counter()
    figures.export(jobs)
    print(f"{'6 images, one browser':<46} {time.perf_counter() - t:6.1f} s")
    t = time.perf_counter()
    for path, fig in jobs.items():
        figures.export({path: fig})
    print(f"{'6 images, a browser each':<46} {time.perf_counter() - t:6.1f} s")


if __name__ == "__main__":
    main()
