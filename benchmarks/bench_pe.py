"""Benchmark: exact SMART over ~20,000 HTS10 x 240 partners (~330k nonzero rows), synthetic flows.

Target: run_pe under 2 s on 2 cores. Prints wall time per stage and peak memory (tracemalloc for Python/NumPy
allocations, and the process's max RSS, which includes Polars' native memory).
Run: ``python benchmarks/bench_pe.py [--rows 330000] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np
import polars as pl

from tariffscope.models.pe import run_pe, solve_smart
from tariffscope.paths import shared_data


def synthetic_flows(n_products: int = 20_000, n_partners: int = 240, rows: int = 330_000, seed: int = 0):
    """Sparse flows: real HTS10 codes where available, Zipf-like partner concentration, lognormal values,
    baseline MFN-like tariffs and a scenario with reciprocal-style increases (10-50 %)."""
    rng = np.random.default_rng(seed)
    cw = shared_data() / "trade" / "hs10_gtap_crosswalk.csv"
    codes = pl.read_csv(cw, schema_overrides={"hs10": pl.Utf8}, columns=["hs10"])["hs10"].unique().to_numpy()
    extra = n_products - codes.size
    if extra > 0:  # pad with synthetic statistical suffixes of real HS8 lines
        base = pl.Series(rng.choice(codes, 2 * extra)).str.slice(0, 8)
        suffix = pl.Series(rng.integers(10, 100, 2 * extra)).cast(pl.Utf8)
        new = (base + suffix).unique()
        new_np = new.to_numpy()
        new = new_np[~np.isin(new_np, codes)][:extra]
        codes = np.concatenate([codes, new])
    codes = codes[:n_products]
    # partners per product ~ geometric, mean rows/n_products
    k = np.clip(rng.geometric(n_products / rows, n_products), 1, n_partners)
    k = np.round(k * rows / k.sum()).astype(int).clip(1, n_partners)
    prod = np.repeat(np.arange(codes.size), k)
    pw = 1.0 / np.arange(1, n_partners + 1) ** 1.1
    pw /= pw.sum()
    # distinct partners within product: rank-based draw without replacement via Gumbel top-k
    keys = np.log(pw)[None, :]
    partner = np.empty(prod.size, dtype=np.int64)
    for kk in np.unique(k):  # loop over distinct counts only (<= 240), vectorised within
        idx = np.flatnonzero(k == kk)
        g = keys + rng.gumbel(size=(idx.size, n_partners))
        top = np.argpartition(-g, kk - 1, axis=1)[:, :kk]
        rows_idx = np.concatenate([np.arange(s, s + kk) for s in np.cumsum(np.r_[0, k])[idx]])
        partner[rows_idx] = top.ravel()
    iso = np.array([chr(65 + i // 26) + chr(65 + i % 26) for i in range(n_partners)])
    imports = np.exp(rng.normal(12, 2.5, prod.size))
    t0 = rng.choice([0.0, 0.0, 0.025, 0.05, 0.1], prod.size)
    t1 = t0 + rng.choice([0.1, 0.15, 0.25, 0.3, 0.5], n_partners)[partner]
    return pl.DataFrame(
        {"hts10": codes[prod], "partner": iso[partner], "imports_usd": imports, "t0": t0, "t1": t1}
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=330_000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    flows = synthetic_flows(rows=a.rows)
    print(
        f"flows: {flows.height:,} rows, {flows['hts10'].n_unique():,} HTS10, {flows['partner'].n_unique()} partners"
    )
    g = flows["hts10"].str.to_integer().to_numpy()
    arrs = [flows[c].to_numpy() for c in ("imports_usd", "t0", "t1")]
    run_pe(flows.head(1000))  # warm caches (elasticity table, imports)
    for supply in ("infinite", "elastic"):
        times = []
        for _ in range(a.repeat):
            t = time.perf_counter()
            r = run_pe(flows, supply=supply)  # type: ignore[arg-type]
            times.append(time.perf_counter() - t)
        print(
            f"run_pe supply={supply:8s}: best {min(times):.3f} s, median {sorted(times)[len(times) // 2]:.3f} s; "
            f"iterations {int(r.totals['solver_iterations'])}, residual {r.totals['solver_max_residual']:.1e}"
        )
    eta = np.full(g.size, -1.25)
    sig = np.full(g.size, 3.0)
    # eps uniform within a product makes the scalar equation linear (one Newton step); heterogeneous eps
    # across partners exercises the full iteration
    eps_het = np.random.default_rng(1).choice([0.5, 2.0, 10.0, np.inf], g.size)
    for name, eps in (("inf", np.inf), ("2.0", 2.0), ("heterogeneous", eps_het)):
        t = time.perf_counter()
        s = solve_smart(g, *arrs, eta, sig, eps)
        print(
            f"solve_smart eps={name}: {time.perf_counter() - t:.3f} s, {s.iterations} Newton iterations, "
            f"residual {s.max_residual:.1e}"
        )
    tracemalloc.start()
    run_pe(flows, supply="elastic")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak traced (Python+NumPy) during run_pe: {peak / 2**20:.0f} MiB; process max RSS: {rss:.0f} MiB")


if __name__ == "__main__":
    main()
