"""Benchmark: a scenario over all HTS10 x partner lines of the shipped import weights (~2 million lines).

Target: the PE part (:func:`tariffscope.scenarios.evaluate.pe_compare`: the scenario and its alternative, each
solved exactly from the 2025-01-01 baseline over every line) under 2 s on 2 cores. Also timed: loading the weights, resolving the rates under current law and under the
scenario (the resolver), the partner's diversion solve, the whole ``evaluate``, and the one-world-market GSIM
view of the same lines (:mod:`tariffscope.scenarios.package_gsim`). Peak memory: tracemalloc
(Python/NumPy allocations) and the process max RSS (includes Polars' native memory).

Run: ``python benchmarks/bench_scenario.py [--scenario ieepa-struck-down] [--date 2026-03-02] [--repeat 3]``.
``--synthetic`` skips the resolver: ``t0`` is a country-class rate and ``t1`` moves every line, which is the
worst case for the PE part (every product solved).
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl

from tariffscope.models.pe.horizons import elasticity_set
from tariffscope.scenarios.evaluate import _RATE_CACHE, evaluate, pe_compare, pe_effects


def timed(label: str, fn: Callable[[], Any], repeat: int = 1) -> Any:
    best = float("inf")
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    print(f"{label:<58} {best:8.3f} s" + (f"  (best of {repeat})" if repeat > 1 else ""))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scenario", default="ieepa-struck-down")
    ap.add_argument("--date", default=None)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--synthetic", action="store_true", help="skip the resolver (synthetic rates)")
    args = ap.parse_args()

    from tariffscope.trade.weights import load_weights

    tracemalloc.start()
    w = timed("load_weights()", load_weights)
    w = w.filter(pl.col("imports_usd") > 0)
    print(f"lines: {w.height:,} ({w['hts10'].n_unique():,} HTS10 x {w['partner'].n_unique()} partners)")
    on = dt.date.fromisoformat(args.date) if args.date else None

    if args.synthetic:
        rng = np.random.default_rng(0)
        partners = w["partner"].unique().sort()
        rate = dict(
            zip(partners.to_list(), rng.choice([0.1, 0.15, 0.25, 0.3, 0.5], partners.len()), strict=True)
        )
        flows = w.select("hts10", "partner", "imports_usd").with_columns(
            pl.col("partner").replace_strict(rate, return_dtype=pl.Float64).alias("t0")
        )
        flows = flows.with_columns((pl.col("t0") * 0.4).alias("t1"), pl.lit(0.025).alias("tb"))
    else:
        res = timed(
            f"evaluate({args.scenario!r}) cold (resolver x2 + PE)", lambda: evaluate(args.scenario, on)
        )
        print(
            f"  date {res.date}, lines with rates: {res.lines.height:,}, unmatched ${res.unmatched_imports_usd:,.0f}"
        )
        _RATE_CACHE.clear()
        from tariffscope.analytics.etr import rates_for_pairs
        from tariffscope.scenarios.overlay import scenario_catalogue

        pairs = w.select("hts10", "partner", "usmca_share")
        timed("rates_for_pairs, current law (all lines)", lambda: rates_for_pairs(pairs, res.date))
        cat = scenario_catalogue(args.scenario)
        timed(
            f"rates_for_pairs, {args.scenario} (all lines)", lambda: rates_for_pairs(pairs, res.date, cat=cat)
        )
        flows = res.lines.select("hts10", "partner", "imports_usd", "tb", "t0", "t1")
        timed("evaluate() warm (rates cached)", lambda: evaluate(args.scenario, on), args.repeat)
        jp = timed("diversion solve for JP", lambda: res._diversion("JP"))
        print(f"  JP diversion rows: {jp.height}")

    moved = flows.filter(pl.col("t0") != pl.col("t1"))
    print(
        f"PE input: {flows.height:,} lines, {moved.height:,} with a rate change, "
        f"{moved['hts10'].n_unique():,} products solved"
    )
    one = flows.select("hts10", "partner", "imports_usd", "t0", "t1")
    eff = timed("pe_effects, supply=infinite (one solve)", lambda: pe_effects(one), args.repeat)
    timed("pe_effects, supply=elastic (one solve)", lambda: pe_effects(one, supply="elastic"), args.repeat)
    es = elasticity_set("short")
    timed(
        "pe_compare, short horizon: two solves from the baseline (target < 2 s)",
        lambda: pe_compare(flows, elasticity=es),
        args.repeat,
    )
    print(
        f"  imports change ${eff['imports_change_usd'].sum() / 1e9:,.2f} bn; "
        f"diversion sum ${eff['trade_diversion_usd'].sum():,.2f}"
    )
    from tariffscope.scenarios.package_gsim import evaluate_package_gsim

    g = timed(
        "GSIM one world market (US, JP, ROW per HS6)",
        lambda: evaluate_package_gsim(flows, None, "JP"),
        args.repeat,
    )
    print(f"  {g.products:,} HS6 products; JP world price {g.partner_summary()['world_price_change']:+.4%}")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak traced memory {peak / 2**20:,.0f} MiB; process max RSS {rss:,.0f} MiB")


if __name__ == "__main__":
    main()
