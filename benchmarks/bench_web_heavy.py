"""Cold timings of the workbench's long endpoints against a server on loopback.

Starts ``tariffscope serve`` (warm-up on, as by default) on 127.0.0.1, waits for what the warm-up computes
(the landing page's US rates today and the US-wide exposure on the dashboard's date), then times, one at a
time, requests nobody has made yet: the US-wide exposure (``partner=ALL``) on dates and views the warm-up did
not compute, and the package comparator over every shipped package; then one repeat (served from memory).
Prints each request's wall time, status, the server's CPU seconds for it and the server's resident and peak
memory after it.

    python benchmarks/bench_web_heavy.py
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from load_test import _cpu_seconds, _free_port

COLD = [
    ("/api/exposure", {"partner": "ALL", "date": "2026-02-01"}),
    ("/api/exposure", {"partner": "ALL", "date": "2025-06-01", "view": "statutory"}),
    ("/api/exposure", {"partner": "ALL", "date": "2025-11-15"}),
    ("/api/packages/compare", {"ids": "japan-2025,japan-2025-security,japan-2025-no-auto-relief"}),
    ("/api/packages/compare", {"ids": "japan-2025,japan-2025-security,japan-2025-no-auto-relief"}),
]


def _mem_gb(pid: int) -> tuple[float, float]:
    """The server's resident and peak resident memory (GB)."""
    got = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, val = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            got[key] = int(val.split()[0]) / 1024**2
    return got["VmRSS"], got["VmHWM"]


def _wait_idle(pid: int, timeout: float = 120.0) -> None:
    """Until the server uses under 0.05 s of CPU in a second."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        before = _cpu_seconds(pid) or 0.0
        time.sleep(1.0)
        if (_cpu_seconds(pid) or 0.0) - before < 0.05:
            return


def _start() -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "tariffscope.cli.main", "serve", "--port", str(port), "--warm"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(url + "/api/health", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise SystemExit("the server did not start")
        time.sleep(0.3)


def main() -> None:
    proc, url = _start()
    try:
        with httpx.Client(base_url=url, timeout=600) as c:
            t = time.perf_counter()
            for path, q in [
                ("/api/us-rates", {}),
                ("/api/exposure", {"partner": "ALL", "date": "2025-10-01"}),
            ]:
                c.get(path, params=q).raise_for_status()  # waits for the warm-up's answers
            _wait_idle(proc.pid)  # the warm-up's other tasks (lab baseline, dashboard ETRs) finish too
            rss, hwm = _mem_gb(proc.pid)
            print(
                f"warm-up done after {time.perf_counter() - t:.1f} s: server RSS {rss:.2f} GB, peak {hwm:.2f} GB"
            )
            for path, q in COLD:
                cpu0, t = _cpu_seconds(proc.pid) or 0.0, time.perf_counter()
                r = c.get(path, params=q)
                wall, cpu = time.perf_counter() - t, (_cpu_seconds(proc.pid) or 0.0) - cpu0
                rss, hwm = _mem_gb(proc.pid)
                query = "&".join(f"{k}={v}" for k, v in q.items())
                print(
                    f"{path}?{query}: {r.status_code} in {wall:.2f} s (server CPU {cpu:.2f} s); "
                    f"server RSS {rss:.2f} GB, peak {hwm:.2f} GB"
                )
    finally:
        proc.terminate()
        proc.wait(timeout=20)


if __name__ == "__main__":
    main()
