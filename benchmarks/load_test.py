"""Bounded load test of ``GET /api/rate`` against a workbench on loopback.

Starts ``tariffscope serve`` on 127.0.0.1 (a free port) unless ``--url`` names one on this machine,
then:

1. cold pass: ``--cold`` distinct lookups once each, one at a time (engine latency, no cache);
2. timed pass: an open-loop schedule of ``--rate`` requests per second for ``--seconds`` (at most 30 s);
   latency is measured from the scheduled send time, so a server that falls behind shows it. With
   ``--uncached`` (the default) every request is a lookup the server has not seen (the rate cache cannot
   help: target p95 < 20 ms); with ``--cached`` each is a random lookup of the cold pass's set (target
   p95 < 100 ms).

The working set is the ``--products`` HTS10 lines with the largest 2024 imports that are in force all of
2025-26, times 10 origins, times 6 entry dates. Prints p50/p95/p99/max latency, errors, achieved rate and
the server's peak resident memory. Only loopback addresses are accepted.

    python benchmarks/load_test.py            # 200 req/s for 30 s
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx

ORIGINS = ["JP", "CN", "DE", "MX", "KR", "VN", "CA", "IN", "GB", "BR"]
WORKERS = 32
DATES = ["2025-02-15", "2025-04-10", "2025-06-01", "2025-09-01", "2025-11-03", "2026-03-02"]


def working_set(n_products: int) -> list[dict[str, str]]:
    import polars as pl

    from tariffscope.schedule import Schedule
    from tariffscope.trade.weights import load_weights

    lines = Schedule.load().lines
    ok = lines.filter((pl.col("valid_from") <= dt.date(2025, 1, 1)) & pl.col("valid_to").is_null())
    top = (
        load_weights()
        .join(ok.select("hts10").unique(), on="hts10")
        .group_by("hts10")
        .agg(pl.col("imports_usd").sum())
        .sort(["imports_usd", "hts10"], descending=[True, False])
        .head(n_products)["hts10"]
        .to_list()
    )
    return [{"hts": h, "origin": o, "date": d} for h in top for o in ORIGINS for d in DATES]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (a server started with ``--workers N`` forks its workers)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def _peak_rss_mb(pid: int) -> float | None:
    """Sum of the peak resident memory of the server's processes."""
    total = 0.0
    for p in _tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total or None


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of the server's processes so far (Linux ``/proc``)."""
    total = 0.0
    for p in _tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            continue
    return total


def _pct(xs: list[float], q: float) -> float:
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


async def run(
    url: str,
    lookups: list[dict[str, str]],
    rate: float,
    seconds: float,
    n_cold: int,
    uncached: bool,
    pid: int | None = None,
) -> dict[str, float]:
    limits = httpx.Limits(max_connections=WORKERS, max_keepalive_connections=WORKERS)
    random.Random(3).shuffle(lookups)
    warm, fresh = lookups[:n_cold], lookups[n_cold:]
    async with httpx.AsyncClient(base_url=url, timeout=10.0, limits=limits) as client:
        cold = []
        for q in warm:
            t0 = time.perf_counter()
            r = await client.get("/api/rate", params=q)
            cold.append(time.perf_counter() - t0)
            if r.status_code != 200:
                raise SystemExit(f"cold pass: {q} -> {r.status_code} {r.text[:200]}")
        cold.sort()
        rng = random.Random(7)
        n = min(int(rate * seconds), len(fresh)) if uncached else int(rate * seconds)
        todo = iter(fresh) if uncached else None
        lat: list[float] = []
        errors = 0
        cpu0 = _cpu_seconds(pid) if pid else None
        start = time.perf_counter() + 0.2

        counter = iter(range(n))

        async def worker() -> None:
            # a fixed pool of workers takes the scheduled send times in order (open loop, bounded concurrency)
            nonlocal errors
            for i in counter:
                due = start + i / rate
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                try:
                    q = next(todo) if todo is not None else rng.choice(warm)
                    r = await client.get("/api/rate", params=q)
                    ok = r.status_code == 200 and "total_rate" in r.json()
                except httpx.HTTPError:
                    ok = False
                lat.append(time.perf_counter() - due)
                errors += not ok

        await asyncio.gather(*(worker() for _ in range(WORKERS)))
        wall = time.perf_counter() - start
        cpu1 = _cpu_seconds(pid) if pid else None
    lat.sort()
    return {
        "distinct_lookups": len(warm) + (n if uncached else 0),
        "cold_p50_ms": 1000 * _pct(cold, 0.5),
        "cold_p95_ms": 1000 * _pct(cold, 0.95),
        "requests": n,
        "errors": errors,
        "achieved_rps": n / wall,
        "p50_ms": 1000 * _pct(lat, 0.5),
        "p95_ms": 1000 * _pct(lat, 0.95),
        "p99_ms": 1000 * _pct(lat, 0.99),
        "max_ms": 1000 * lat[-1],
        "mean_ms": 1000 * statistics.fmean(lat),
        # the server's CPU per request: what a loaded machine cannot inflate, unlike latency
        "cpu_ms_per_request": (
            1000 * (cpu1 - cpu0) / n if cpu0 is not None and cpu1 is not None and n else float("nan")
        ),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", help="a running workbench on loopback (default: start one)")
    ap.add_argument("--rate", type=float, default=200.0, help="requests per second")
    ap.add_argument("--seconds", type=float, default=30.0, help="duration (at most 30)")
    ap.add_argument("--products", type=int, default=60, help="HTS10 lines in the working set")
    ap.add_argument("--workers", type=int, default=1, help="server processes (tariffscope serve --workers)")
    ap.add_argument("--cold", type=int, default=100, help="lookups in the one-at-a-time pass")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--uncached", dest="uncached", action="store_true", default=True, help="(default)")
    mode.add_argument("--cached", dest="uncached", action="store_false")
    a = ap.parse_args()
    seconds = min(a.seconds, 30.0)
    proc = None
    url = a.url
    if url:
        host = urlparse(url).hostname or ""
        if not (host == "localhost" or host.startswith("127.") or host == "::1"):
            raise SystemExit("--url must be a loopback address (127.0.0.0/8, localhost, ::1)")
    else:
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tariffscope.cli.main",
                "serve",
                "--port",
                str(port),
                "--no-warm",
                "--workers",
                str(a.workers),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.3)
    try:
        lookups = working_set(a.products)
        pid = proc.pid if proc is not None else None
        res = asyncio.run(run(url, lookups, a.rate, seconds, a.cold, a.uncached, pid))
    finally:
        if proc is not None:
            res_mem = _peak_rss_mb(proc.pid)
            proc.terminate()
            proc.wait(timeout=10)
        else:
            res_mem = None
    print(
        f"GET /api/rate on {url}: {a.rate:g} req/s for {seconds:g} s, {res['distinct_lookups']} distinct lookups"
        f" ({'each timed request a new one' if a.uncached else 'timed requests repeat the cold set'})"
    )
    print(
        f"  cold pass (engine, one at a time): p50 {res['cold_p50_ms']:.1f} ms, p95 {res['cold_p95_ms']:.1f} ms"
    )
    print(
        f"  timed pass: {res['requests']} requests, {res['errors']} errors, {res['achieved_rps']:.1f} req/s achieved"
    )
    print(
        f"  latency: p50 {res['p50_ms']:.1f} ms, p95 {res['p95_ms']:.1f} ms, p99 {res['p99_ms']:.1f} ms, "
        f"max {res['max_ms']:.1f} ms, mean {res['mean_ms']:.1f} ms"
    )
    if res_mem is not None:
        print(f"  server peak RSS: {res_mem:.0f} MB; CPU {res['cpu_ms_per_request']:.2f} ms per request")
    load = os.getloadavg()[0]
    print(f"  machine load average (1 min) at the end: {load:.1f} on {os.cpu_count()} cores")
    target = 20.0 if a.uncached else 100.0
    ok = res["errors"] == 0 and res["p95_ms"] < target
    what = "uncached" if a.uncached else "cached"
    print(f"{'PASS' if ok else 'FAIL'}: target for {what} lookups is p95 < {target:g} ms with no errors")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
