"""Benchmark: import-weight load time and peak memory; loading the Africa file into the store.

Each case runs in a fresh Python process so peak RSS (ru_maxrss) belongs to that case alone.
Run: ``python benchmarks/bench_trade.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

CASES = {
    "import tariffscope.trade (baseline)": "import tariffscope.trade.weights, tariffscope.trade.store",
    "load_weights() shipped 2024, first call": textwrap.dedent(
        """
        import tempfile, pathlib
        from tariffscope.trade.store import TradeStore
        from tariffscope.trade.weights import load_weights
        db = pathlib.Path(tempfile.mkdtemp()) / "empty.duckdb"
        TradeStore(db).close()
        t0 = time.perf_counter(); w = load_weights(db); elapsed = time.perf_counter() - t0
        extra = {"rows": w.height, "frame_MB": round(w.estimated_size() / 1e6, 1)}
        """
    ),
    "load_weights() second call (cached spread)": textwrap.dedent(
        """
        import tempfile, pathlib
        from tariffscope.trade.store import TradeStore
        from tariffscope.trade.weights import load_weights
        db = pathlib.Path(tempfile.mkdtemp()) / "empty.duckdb"
        TradeStore(db).close()
        load_weights(db)
        t0 = time.perf_counter(); w = load_weights(db); elapsed = time.perf_counter() - t0
        extra = {"rows": w.height}
        """
    ),
    "store: load Africa USA Trade Online file": textwrap.dedent(
        """
        import tempfile, pathlib
        from tariffscope.paths import shared_data
        from tariffscope.trade.store import TradeStore
        db = pathlib.Path(tempfile.mkdtemp()) / "s.duckdb"
        src = shared_data() / "trade" / "us_imports_hts10_africa_2024_usatradeonline.csv"
        with TradeStore(db) as s:
            t0 = time.perf_counter(); o, _ = s.load_file(src); elapsed = time.perf_counter() - t0
            t1 = time.perf_counter(); o2, _ = s.load_file(src); again = time.perf_counter() - t1
        extra = {"rows": o.rows, "reload_unchanged_s": round(again, 3)}
        """
    ),
    "store: load CA/MX 2025 monthly folder": textwrap.dedent(
        """
        import tempfile, pathlib
        from tariffscope.paths import shared_data
        from tariffscope.trade.store import TradeStore
        db = pathlib.Path(tempfile.mkdtemp()) / "s.duckdb"
        with TradeStore(db) as s:
            t0 = time.perf_counter(); o, _ = s.load_file(shared_data() / "trade" / "ca_mx_hts10_monthly_2025")
            elapsed = time.perf_counter() - t0
        extra = {"rows": o.rows}
        """
    ),
}

RUNNER = """
import json, resource, time
elapsed = None
extra = {{}}
{body}
print(json.dumps({{"elapsed_s": elapsed, "peak_rss_MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  **extra}}))
"""


def main() -> int:
    for name, body in CASES.items():
        out = subprocess.run(
            [sys.executable, "-c", RUNNER.format(body=body)], capture_output=True, text=True, check=False
        )
        if out.returncode:
            print(f"{name}: FAILED\n{out.stderr}")
            return 1
        r = json.loads(out.stdout.strip().splitlines()[-1])
        el = f"{r.pop('elapsed_s'):.3f} s" if r.get("elapsed_s") is not None else "-"
        r.pop("elapsed_s", None)
        print(f"{name:45s} time {el:>9s}  peak RSS {r.pop('peak_rss_MB'):7.1f} MB  {r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
