"""GE benchmark: tariffscope vs USITC gegravity 0.3 on its sample; 200/500-country solves; the
multi-sector Caliendo-Parro NAFTA counterfactual (31 regions x 40 sectors); the Yotov et al. (2016)
ch. 2 applications (PPML + exact GE).

Run: ``python benchmarks/bench_ge.py [--skip-gegravity]``. Prints wall times (best of repeats),
speed-up, the largest difference from gegravity's results, and peak traced memory.
"""

from __future__ import annotations

import time
import tracemalloc
import warnings

import numpy as np
import polars as pl

from tariffscope.models.ge.model import Experiment, StructuralGravity
from tariffscope.models.ge.solver import solve_full_ge, solve_resistances
from tariffscope.paths import shared_data

SAMPLE = shared_data() / "gravity" / "gegravity_sample_data_set.csv"
COST = {
    "lndist": -0.3898623,
    "contiguity": 0.891577,
    "common_language": 0.0326249,
    "pta": 0.4711383,
    "international": -3.412584,
    "constant": 16.32434,
}
EXP = Experiment.set_pairs([("CAN", "JPN"), ("JPN", "CAN")], {"pta": 1})


def best(f, repeat: int = 7) -> float:
    f()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def ours(panel: pl.DataFrame, method: str):
    m = StructuralGravity(panel, COST, 5, "DEU", output="Y", expenditure="E")
    return m.solve(EXP, method=method)


def gegravity_run(rescale: float = 100):
    import gegravity as ge
    import pandas as pd

    d = pd.read_csv(SAMPLE)
    d["constant"] = 1
    ests = pd.DataFrame([(k, v, 0.1) for k, v in COST.items()], columns=["var", "beta", "stderr"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cp = ge.CostCoeffs(estimates=ests, identifier_col="var", coeff_col="beta", stderr_col="stderr")
        b = ge.BaselineData(d, trade_var_name="trade", expend_var_name="E", output_var_name="Y")
        m = ge.OneSectorGE(
            baseline=b, cost_coeff_values=cp, cost_variables=list(COST), year="2006",
            reference_importer="DEU", sigma=5, quiet=True,
        )  # fmt: skip
        m.build_baseline(omr_rescale=rescale)
        e = m.baseline_data.copy()
        e.loc[(e.importer == "CAN") & (e.exporter == "JPN"), "pta"] = 1
        e.loc[(e.importer == "JPN") & (e.exporter == "CAN"), "pta"] = 1
        m.define_experiment(e)
        m.simulate()
    return m


def synthetic(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lnd = np.log(rng.uniform(500, 15000, (n, n)))
    lnd = (lnd + lnd.T) / 2
    T = np.exp(16 - 0.9 * lnd - 3.0 * (1 - np.eye(n)))
    Y = rng.lognormal(11, 1.5, n)
    y = Y / Y.sum()
    a, b, _ = solve_resistances(T * y[:, None], T * y[None, :], 0)
    X = T * y[:, None] * Y[None, :] / (b[:, None] * a[None, :])
    return X, T


def multisector() -> None:
    from tariffscope.models.ge.multisector import caliendo_parro, load_cp2015_nafta, solve_multisector

    t0 = time.perf_counter()
    data = load_cp2015_nafta()
    t_load = time.perf_counter() - t0
    n = len(data.regions)
    tau = data.scenarios["tariff_cfl"]
    tracemalloc.start()
    t_one = best(lambda: solve_multisector(data, tau, deficit=np.zeros(n)), repeat=3)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    sol = solve_multisector(data, tau, deficit=np.zeros(n))
    t_cf = best(lambda: caliendo_parro(data, tau, tariff_bln=data.scenarios["tariff_bln"]), repeat=2)
    print(
        f"Caliendo-Parro NAFTA ({n} regions x {len(data.sectors)} sectors): load {t_load * 1e3:.0f} ms; one "
        f"equilibrium {t_one * 1e3:.0f} ms ({sol.report.iterations} wage iterations, residual "
        f"{sol.report.residual:.1e}); baseline + counterfactual + decomposition {t_cf:.2f} s; "
        f"peak traced memory {peak / 2**20:.1f} MiB"
    )


def yotov() -> None:
    from tariffscope.models.ge.yotov import nafta_effects, trade_without_borders

    for name, f in (("trade without borders", trade_without_borders), ("NAFTA (two-stage)", nafta_effects)):
        t0 = time.perf_counter()
        app = f()
        t = time.perf_counter() - t0
        it = [c.iterations for c in app.result.convergence]
        print(
            f"Yotov et al. 2016, {name}: {t:.1f} s incl. PPML (first call compiles pyfixest); GE iterations {it}"
        )


def main() -> None:
    import sys

    multisector()
    yotov()
    if "--skip-gegravity" in sys.argv:
        return
    panel = pl.read_csv(SAMPLE)
    t_geg_method = best(lambda: ours(panel, "gegravity"))
    t_full = best(lambda: ours(panel, "full"))
    print(f"tariffscope, gegravity sample (30 countries), gegravity convention: {t_geg_method * 1e3:.2f} ms")
    print(f"tariffscope, gegravity sample, full GE with market clearing:        {t_full * 1e3:.2f} ms")
    try:
        t0 = time.perf_counter()
        m = gegravity_run()
        t_ref = time.perf_counter() - t0
        t_ref = min(t_ref, best(gegravity_run, repeat=2))
        print(f"gegravity 0.3 (omr_rescale=100):                                     {t_ref * 1e3:.0f} ms")
        print(f"speed-up: {t_ref / t_geg_method:.0f}x")
        res = ours(panel, "gegravity")
        rows = {r["country"]: r for r in res.countries.to_dicts()}
        cols = {
            "factory_gate_price_change_pct": "factory gate price change (percent)",
            "imr_change_pct": "imr change (percent)",
            "omr_change_pct": "omr change (percent)",
            "gdp_change_pct": "GDP change (percent)",
            "welfare_statistic": "welfare statistic",
        }
        diff = max(abs(rows[c][k] - r[v]) for c, r in m.country_results.iterrows() for k, v in cols.items())
        print(f"max abs difference from gegravity (country results): {diff:.2e}")
        bad = gegravity_run(rescale=1e4)
        fg = bad.factory_gate_prices.iloc[:, 0].to_numpy()
        good = m.factory_gate_prices.iloc[:, 0].to_numpy()
        print(
            f"gegravity with omr_rescale=1e4 reports success={bad.solver_diagnostics['full_GE'].success} "
            f"but its prices differ by up to {np.max(np.abs(fg - good)):.3f}"
        )
    except ImportError:
        print("gegravity not installed: skipped the side-by-side run")
    for n in (200, 500):
        X, T = synthetic(n)
        B = np.ones_like(X)
        B[:10, :10] = np.exp(0.5)
        np.fill_diagonal(B, 1.0)
        tau1 = np.zeros_like(X)
        tau1[1:, 0] = 0.25
        tracemalloc.start()
        t = best(lambda X=X, B=B, tau1=tau1: solve_full_ge(X, 5.0, B_hat=B, tau1=tau1), repeat=3)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        sol = solve_full_ge(X, 5.0, B_hat=B, tau1=tau1)
        y = X.sum(axis=1) / X.sum()
        tm = best(lambda T=T, y=y: solve_resistances(T * y[:, None], T * y[None, :], 0), repeat=3)
        print(
            f"{n} countries: full GE {t * 1e3:.1f} ms ({sol.report.iterations} iterations, residual "
            f"{sol.report.residual:.1e}); baseline MRs {tm * 1e3:.1f} ms; peak traced memory {peak / 2**20:.1f} MiB"
        )


if __name__ == "__main__":
    main()
