"""The ETR bridge: from the Budget Lab at Yale's published ETRs to tariffscope's, step by step.

Reproduces the tables of ``docs/etr-bridge.md``; re-run it after any change to the law (catalogue,
engine) or the weights and paste its output into the doc. Steps, each on the same dates:

1. tariffscope, statutory view, the old GTAP-sector spread weights (the 0.x default);
2. weights: the raked spread (``scripts/build_weight_layers.py``);
3. claims: the owed view with USMCA claims by month and the US content of USMCA vehicles;
4. claims: FTA claims (KORUS, AUSFTA, CAFTA-DR, ...): tariffscope's default figure;
5. legal readings and tracker modelling, partner by partner, where the Yale tracker's own line rates
   (``../shared/data/oracle-yale``, 12 partners) are available: the ETR of the same weights at
   Yale's line rates minus tariffscope's, by authority;
6. the remainder: Yale's weights (its 2024 Census HTS10 table) and what the steps do not explain.

Needs ``../shared/data`` for step 5 (skipped without it). Run:
``python benchmarks/etr_bridge.py [--dates 2025-04-10,2026-01-01,2026-02-25]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

# Published by the Budget Lab at Yale ("State of U.S. Tariffs" series): overall and Japan ETRs.
YALE = {
    dt.date(2025, 4, 10): {"ALL": 0.2280, "JP": 0.145},
    dt.date(2026, 1, 1): {"ALL": 0.1729, "JP": 0.167},
    dt.date(2026, 2, 25): {"ALL": 0.1241, "JP": 0.138},
}
ORACLE = {dt.date(2026, 1, 1): "yale_2026_basic.csv.gz", dt.date(2026, 2, 25): "yale_2026_rev_4.csv.gz"}
AUTH = {  # Yale column -> tariffscope ETR column
    "base_rate": "etr_mfn",
    "rate_232": "etr_s232",
    "rate_301": "etr_s301",
    "rate_ieepa_recip": "etr_ieepa_reciprocal",
    "rate_ieepa_fent": "etr_ieepa_fentanyl",
    "rate_s122": "etr_s122",
}


def _etr(w: pl.DataFrame, d: dt.date, view: str, fta: bool = True) -> pl.DataFrame:
    from tariffscope.analytics import etr
    from tariffscope.trade import claims

    saved = claims.fta_shares
    if not fta:
        claims.fta_shares = lambda pairs: np.full(pairs.height, np.nan)  # type: ignore[assignment]
    try:
        return etr.etr_series(w, d, d, view=view, daily=False)  # type: ignore[arg-type]
    finally:
        claims.fta_shares = saved


def _pick(df: pl.DataFrame, p: str, col: str = "etr") -> float:
    return float(df.filter(pl.col("partner") == p)[col][0])


def _joined(w: pl.DataFrame, d: dt.date) -> pl.DataFrame | None:
    """Our weights of the oracle partners with our line rates (``ts_*``) and Yale's, on ``d``."""
    from tariffscope.analytics.etr import rates_for_pairs
    from tariffscope.paths import shared_data

    try:
        path = shared_data() / "oracle-yale" / ORACLE[d]
    except (KeyError, FileNotFoundError):
        return None
    if not path.exists():
        return None
    y = pl.read_csv(path, infer_schema_length=0).select(
        "hts10",
        pl.col("iso2").alias("partner"),
        *[pl.col(c).cast(pl.Float64) for c in ("total_rate", *AUTH)],
        pl.col("deriv_type").alias("y_deriv"),
    )
    ws = w.filter(pl.col("partner").is_in(y["partner"].unique().to_list()))
    r = rates_for_pairs(ws.select("hts10", "partner", "usmca_share"), d)
    j = ws.select("hts10", "partner", "imports_usd").with_columns(
        r["total_rate"].fill_null(0.0).alias("ts_total"),
        *[r[c.replace("etr_", "rate_")].fill_null(0.0).alias("ts_" + c) for c in AUTH.values()],
    )
    return j.join(y, on=["hts10", "partner"], how="left").with_columns(
        pl.col("total_rate").fill_null(pl.col("ts_total")),
        *[pl.col(a).fill_null(pl.col("ts_" + t)) for a, t in AUTH.items()],
    )


def disagreements(j: pl.DataFrame, partner: str, top: int = 10) -> pl.DataFrame:
    """The HS4 headings where Yale's line rates and ours differ most for ``partner`` (pp of its ETR)."""
    s = j.filter(pl.col("partner") == partner) if partner != "12 partners" else j
    tot = float(s["imports_usd"].sum())
    v = pl.col("imports_usd")
    return (
        s.group_by(pl.col("hts10").str.slice(0, 4).alias("hs4"))
        .agg(
            (((pl.col("total_rate") - pl.col("ts_total")) * v).sum() / tot * 100).alias("pp"),
            (v.sum() / 1e9).round(2).alias("imports_bn"),
            ((pl.col("ts_total") * v).sum() / v.sum() * 100).round(1).alias("ours_pct"),
            ((pl.col("total_rate") * v).sum() / v.sum() * 100).round(1).alias("yale_pct"),
        )
        # ranked before rounding, ties by heading: the same table on every run
        .sort([pl.col("pp").abs(), "hs4"], descending=[True, False])
        .head(top)
        .with_columns(pl.col("pp").round(2))
    )


def _list_path(name: str) -> Path:
    from tariffscope.paths import PACKAGE_DATA

    return PACKAGE_DATA.parent / "catalogue" / "lists" / f"{name}.csv"


def _catalogue_list(name: str) -> list[str]:
    """HTS prefixes (no dots) of a shipped catalogue list (``catalogue/lists/<name>.csv``)."""
    return pl.read_csv(_list_path(name), comment_prefix="#", infer_schema_length=0)["hts"].to_list()


def _mhd_vehicles() -> list[str]:
    """The vehicles and buses of note 38(b)-(c) (9903.74.01/.02), read from the catalogue rule."""
    import yaml

    from tariffscope.paths import PACKAGE_DATA

    doc = yaml.safe_load((PACKAGE_DATA.parent / "catalogue" / "us" / "s232" / "mhd.yaml").read_text())
    rules = {r["id"]: r for r in doc["rules"]}
    return [c.replace(".", "") for k in ("vehicles", "buses") for c in rules[k]["products"]["include"]]


def _starts(prefixes: list[str]) -> pl.Expr:
    return (
        pl.any_horizontal([pl.col("hts10").str.starts_with(p) for p in prefixes])
        if prefixes
        else pl.lit(False)
    )


# Why Yale's line rate differs from tariffscope's, first matching reason wins; each settled against the law
# (docs/etr-bridge.md, "Step 5 by reason"; docs/reconciliation.md classes).
REASONS: tuple[tuple[str, str], ...] = (
    (
        "mhd",
        "MHD vehicles/buses: tracker adds metals and reciprocal (note 38(a)(1), 2(v)(xiv)): tracker wrong",
    ),
    (
        "parts",
        "auto/MHD parts: tracker adds metals to the parts duty (notes 33(h),(j),(l); 38(h)): tracker wrong",
    ),
    (
        "generic",
        "generic 33(g) provisions (batteries, bearings...) as auto parts (note 33(h)(ii); T8): tracker wrong",
    ),
    ("aircraft", "JP/GB civil aircraft: tracker charges reciprocal (note 35, 9903.96.01/.02): tracker wrong"),
    (
        "unlisted",
        "metal derivatives the notes do not list at that digit level (note 19(k); F1, T9): tracker wrong",
    ),
    ("content", "metals on full value, not on metal content (notes 16, 19; T3): tracker models"),
    ("other", "other: deal floors on usage-adjusted MFN, MFN usage, claims, specific duties (T1, T6)"),
)


def reasons(j: pl.DataFrame, partner: str) -> pl.DataFrame:
    """Step 5 split by reason: pp of ``partner``'s ETR (``12 partners`` = all) and the imports concerned."""
    s = j.filter(pl.col("partner") == partner) if partner != "12 partners" else j
    tot = float(s["imports_usd"].sum())
    metal = pl.col("y_deriv").is_not_null() | (
        pl.col("hts10").str.slice(0, 2).is_in(["72", "73", "76"]) & (pl.col("rate_232") > 0)
    )
    parts = (
        pl.read_csv(_list_path("s232_auto_parts"), comment_prefix="#", infer_schema_length=0)
        .filter(pl.col("use") == "generic")["hts"]
        .to_list()
    )
    why = (
        pl.when(_starts(_mhd_vehicles()))
        .then(pl.lit("mhd"))
        .when(_starts(_catalogue_list("s232_auto_parts") + _catalogue_list("s232_mhd_parts")) & metal)
        .then(pl.lit("parts"))
        .when(_starts(parts) & (pl.col("rate_232") > 0) & (pl.col("ts_etr_s232") <= 0))
        .then(pl.lit("generic"))
        .when(pl.col("partner").is_in(["JP", "GB"]) & pl.col("hts10").str.starts_with("88"))
        .then(pl.lit("aircraft"))
        .when(metal & (pl.col("ts_etr_s232") <= 0))
        .then(pl.lit("unlisted"))
        .when(metal)
        .then(pl.lit("content"))
        .otherwise(pl.lit("other"))
    )
    v = pl.col("imports_usd")
    g = (
        s.with_columns(why.alias("reason"))
        .group_by("reason")
        .agg(
            (((pl.col("total_rate") - pl.col("ts_total")) * v).sum() / tot * 100).round(2).alias("pp"),
            (v.filter((pl.col("total_rate") - pl.col("ts_total")).abs() > 5e-4).sum() / 1e9)
            .round(1)
            .alias("imports_differing_bn"),
        )
    )
    order = pl.DataFrame({"reason": [r for r, _ in REASONS], "why": [w for _, w in REASONS]})
    return (
        order.join(g, on="reason", how="left").fill_null(0.0).select("reason", "pp", "imports_differing_bn")
    )


def legal_step(w: pl.DataFrame, ours: pl.DataFrame, d: dt.date) -> pl.DataFrame | None:
    """Per oracle partner: ETR at Yale's line rates on our weights, minus ours, in total and by
    authority (pp). Lines missing from the oracle count at our rate (no difference)."""
    j = _joined(w, d)
    if j is None:
        return None
    v = pl.col("imports_usd")
    agg = j.group_by("partner").agg(
        v.sum().alias("imports_usd"),
        ((pl.col("total_rate") - pl.col("ts_total")) * v).sum().alias("d_total"),
        *[((pl.col(a) - pl.col("ts_" + t)) * v).sum().alias("d_" + a) for a, t in AUTH.items()],
    )
    tot = agg.select(pl.exclude("partner").sum()).with_columns(pl.lit("12 partners").alias("partner"))
    agg = pl.concat([agg, tot.select(agg.columns)])
    return agg.select(
        "partner",
        (100 * pl.col("d_total") / pl.col("imports_usd")).alias("total_pp"),
        *[(100 * pl.col("d_" + a) / pl.col("imports_usd")).round(2).alias(a) for a in AUTH],
    ).sort("partner")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dates", default="2025-04-10,2026-01-01,2026-02-25")
    args = ap.parse_args(argv)
    from tariffscope.trade.weights import load_weights

    t0 = time.perf_counter()
    w_old = load_weights(spread="gtap")
    w = load_weights()
    rows, legal = [], {}
    for d in [dt.date.fromisoformat(s) for s in args.dates.split(",")]:
        s1 = _etr(w_old, d, "statutory")
        s2 = _etr(w, d, "statutory")
        s3 = _etr(w, d, "adjusted", fta=False)
        s4 = _etr(w, d, "adjusted")
        for p in ("ALL", "JP", "CA", "MX"):
            pub = YALE.get(d, {}).get(p)
            v = [_pick(s, p) for s in (s1, s2, s3, s4)]
            rows.append(
                {
                    "date": d,
                    "partner": p,
                    "yale_published": pub,
                    "1_statutory_old_weights": v[0],
                    "2_weights_raked": v[1] - v[0],
                    "3_usmca_claims": v[2] - v[1],
                    "4_fta_claims": v[3] - v[2],
                    "tariffscope_owed": v[3],
                    "band_lo": _pick(s4, p, "etr_band_lo"),
                    "band_hi": _pick(s4, p, "etr_band_hi"),
                    "gap_to_yale_pp": None if pub is None else 100 * (pub - v[3]),
                }
            )
        lg = legal_step(w, s4, d)
        if lg is not None:
            j = _joined(w, d)
            assert j is not None
            legal[d] = (
                lg,
                disagreements(j, "JP"),
                disagreements(j, "12 partners"),
                reasons(j, "JP"),
                reasons(j, "12 partners"),
            )
    out = pl.DataFrame(rows)
    pct = [c for c in out.columns if c not in ("date", "partner", "gap_to_yale_pp")]
    shown = out.with_columns([(pl.col(c) * 100).round(2) for c in pct]).with_columns(
        pl.col("gap_to_yale_pp").round(2)
    )
    with pl.Config(
        tbl_formatting="MARKDOWN",
        tbl_hide_column_data_types=True,
        tbl_rows=100,
        tbl_cols=-1,
        tbl_width_chars=400,
        tbl_hide_dataframe_shape=True,
    ):
        print("## Steps (percent; steps 2-4 in pp)\n")
        print(shown)
        for d, (lg, jp, allp, rjp, rall) in legal.items():
            print(f"\n## Yale line rates on tariffscope's weights minus tariffscope, {d} (pp)\n")
            print(lg.with_columns(pl.col("total_pp").round(2)))
            print(f"\n### Japan, {d}: headings where the line rates differ most\n")
            print(jp)
            print(f"\n### 12 partners, {d}: headings where the line rates differ most\n")
            print(allp)
            print(f"\n### Step 5 by reason, {d}: 12 partners\n")
            print(rall)
            print(f"\n### Step 5 by reason, {d}: Japan\n")
            print(rjp)
    print(f"\n(run time {time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
