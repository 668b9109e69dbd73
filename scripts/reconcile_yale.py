"""Reconcile tariffscope's line rates with a second opinion: the Yale Budget Lab tariff-rate-tracker.

Joins the tracker's HTS10 x partner snapshots (``oracle-yale/*.csv.gz`` in the shared source data; read its
README: the tracker models some things instead of stating the law) with tariffscope's statutory panel for the
same lines, partners and dates, compares the statutory columns component by component (tolerance 0.05 pp)
and groups the disagreements into classes: the components that differ, the direction, and the HS chapter.
Each known class is settled against the law in ``docs/reconciliation.md``; classes the register settles as
"tracker models" or "tracker wrong" are set aside, and agreement is measured on the comparable pairs left.

Run: ``python scripts/reconcile_yale.py [--date 2026-01-01] [--top 40] [--out disagreements.parquet]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

from tariffscope.paths import shared_data
from tariffscope.resolver.panel import panel_on

# the class predicates read this checkout's lists, so that an older tariffscope on PYTHONPATH (the "before"
# figures of docs/reconciliation.md) is measured against the same classes
LISTS = Path(__file__).resolve().parents[1] / "src" / "tariffscope" / "catalogue" / "lists"
SNAPSHOTS = {
    "yale_rev_7.csv.gz": dt.date(2025, 4, 5),
    "yale_rev_18.csv.gz": dt.date(2025, 8, 7),
    "yale_2026_basic.csv.gz": dt.date(2026, 1, 1),
    "yale_2026_rev_4.csv.gz": dt.date(2026, 2, 25),
}
TOL = 0.0005
# tariffscope column -> the tracker's statutory column (201 and "other" have no statutory variant)
COMPONENTS = {
    "mfn": ("rate_mfn", "statutory_base_rate"),
    "s232": ("rate_s232", "statutory_rate_232"),
    "s301": ("rate_s301", "statutory_rate_301"),
    "recip": ("rate_ieepa_reciprocal", "statutory_rate_ieepa_recip"),
    "fent": ("rate_ieepa_fentanyl", "statutory_rate_ieepa_fent"),
    "s122": ("rate_s122", "statutory_rate_s122"),
    "s201": ("rate_s201", "rate_section_201"),
    "other": ("rate_other_all", "rate_other"),
}


def load_tracker(name: str) -> pl.DataFrame:
    cols = [
        "hts10",
        "iso2",
        "total_rate",
        "base_rate",
        *dict.fromkeys(v[1] for v in COMPONENTS.values()),
        *(f"rate_{k}" for k in APPLIED),
        "metal_share",
        "deriv_type",
        "usmca_eligible",
    ]
    df = pl.read_csv(shared_data() / "oracle-yale" / name, infer_schema_length=0, columns=cols)
    text = ("hts10", "iso2", "deriv_type", "usmca_eligible")
    df = df.with_columns(
        pl.col(c).cast(pl.Float64, strict=False).fill_null(0.0) for c in cols if c not in text
    )
    return df.rename({"rate_s122": "y_rate_s122"})


def load_ours(on: dt.date, partners: list[str]) -> pl.DataFrame:
    p = panel_on(on).filter(pl.col("origin").is_in(partners))
    if "base_status" not in p.columns:  # an older checkout ("before" figures): every line had a rate
        p = p.with_columns(pl.lit("rate").alias("base_status"))
    return p.with_columns((pl.col("rate_other") + pl.col("rate_s338")).alias("rate_other_all")).rename(
        {"origin": "iso2"}
    )


APPLIED = ("232", "301", "ieepa_recip", "ieepa_fent", "s122")


def yrate(k: str) -> str:
    """The tracker's applied column of component ``k`` (its ``rate_s122`` is renamed: tariffscope has one too)."""
    return "y_rate_s122" if k == "s122" else f"rate_{k}"


def tracker_statutory_total(df: pl.DataFrame) -> pl.Series:
    """The tracker's total with its usage adjustments undone.

    Its component columns are shown before stacking (a steel article shows the reciprocal beside the 232; a
    Canadian steel article the fentanyl duty its total leaves out), so the components its total includes are
    found first: the subset whose sum, with the base, gives the total. Then column 1 as written replaces
    MFN x (1 - FTA/GSP usage), and for Canada and Mexico an included component scaled by USMCA usage
    (0 < applied < statutory) is put back at its statutory rate.
    """
    rates = np.column_stack([df[yrate(k)].to_numpy() for k in APPLIED])
    stat = np.column_stack([df[f"statutory_rate_{k}"].to_numpy() for k in APPLIED])
    rest = df["total_rate_y"].to_numpy() - df["base_rate"].to_numpy()
    rest -= df["rate_section_201"].to_numpy() + df["rate_other"].to_numpy()
    masks = np.array(list(itertools.product([0, 1], repeat=len(APPLIED))), dtype=float)  # subsets
    err = np.abs(rest[:, None] - rates @ masks.T)
    err += 1e-9 * (len(APPLIED) - masks.sum(axis=1))[None, :]  # ties: the larger set (zeros change nothing)
    included = masks[err.argmin(axis=1)]
    camx = df["iso2"].is_in(["CA", "MX"]).to_numpy()[:, None]
    scaled = camx & (rates > 0) & (rates < stat - TOL)
    comp = np.where(scaled, stat, rates) * included
    total = (
        df["statutory_base_rate"].to_numpy()
        + df["rate_section_201"].to_numpy()
        + df["rate_other"].to_numpy()
        + comp.sum(axis=1)
    )
    return pl.Series("total_y", total)


def _labels(cols: dict[str, str]) -> pl.Expr:
    return pl.concat_str(
        [pl.when(pl.col(c).abs() > TOL).then(pl.lit(k)).otherwise(pl.lit(None)) for k, c in cols.items()],
        separator=",",
        ignore_nulls=True,
    )


OURS = {k: v[0] for k, v in COMPONENTS.items() if k != "mfn"}
THEIRS = {k: v[1] for k, v in COMPONENTS.items() if k != "mfn"}


def compare(ours: pl.DataFrame, theirs: pl.DataFrame) -> pl.DataFrame:
    """One row per pair: both totals, the difference, and a class key (direction, components each side owes
    or shows, chapter)."""
    theirs = theirs.rename({"total_rate": "total_rate_y"})
    j = ours.join(theirs, on=["hts10", "iso2"], how="inner")
    j = j.with_columns(tracker_statutory_total(j))
    j = j.with_columns(
        (pl.col("total_rate") - pl.col("total_y")).alias("d_total"),
        (pl.col("rate_mfn") - pl.col("statutory_base_rate")).alias("d_mfn"),
        pl.col("hts10").str.slice(0, 2).alias("chapter"),
    )
    j = j.with_columns(
        (pl.col("d_total").abs() <= TOL + 1e-9).alias("agree"),  # 1e-9: float noise at exactly 0.05 pp
        pl.concat_str(
            [
                pl.when(pl.col("d_total") > 0).then(pl.lit("ts>yale")).otherwise(pl.lit("ts<yale")),
                pl.lit(" ts["),
                _labels(OURS),
                pl.lit("] yale["),
                _labels(THEIRS),
                pl.lit("]"),
                pl.when(pl.col("d_mfn").abs() > TOL).then(pl.lit(" mfn")).otherwise(pl.lit("")),
            ]
        ).alias("differs"),
    )
    return j


# Classes settled in docs/reconciliation.md as the tracker modelling or erring (not tariffscope's error).
# Each: (name, verdict, predicate over the comparison table). A pair takes the first class that matches.
Settled = tuple[str, str, Callable[[pl.DataFrame], pl.Expr]]


FLOOR_PARTNERS = {
    "JP": dt.date(2025, 8, 7),
    "DE": dt.date(2025, 8, 1),
    "KR": dt.date(2025, 11, 14),
    "CH": dt.date(2025, 11, 14),
}
AUTO_OFFSET = 0.012375  # the tracker's modelled Proc 10925 offset: 25% -> 23.7625%


def _list(name: str, **where: str) -> list[str]:
    df = pl.read_csv(LISTS / f"{name}.csv", comment_prefix="#", infer_schema_length=0)
    for col, val in where.items():
        df = df.filter(pl.col(col).str.contains(val))
    return df["hts"].unique().to_list()


def _in_force(name: str, on: dt.date) -> list[str]:
    """Entries of a dated list (column ``from``; empty = from the rule's start) in force on ``on``."""
    df = pl.read_csv(LISTS / f"{name}.csv", comment_prefix="#", infer_schema_length=0)
    return df.filter(pl.col("from").fill_null("") <= on.isoformat())["hts"].unique().to_list()


def in_list(prefixes: list[str]) -> pl.Expr:
    """Whether ``hts10`` starts with one of ``prefixes`` (of any lengths)."""
    expr = pl.lit(False)
    for n in sorted({len(p) for p in prefixes}):
        expr = expr | pl.col("hts10").str.slice(0, n).is_in([p for p in prefixes if len(p) == n])
    return expr


def settled_classes(on: dt.date) -> list[Settled]:
    """Classes settled in docs/reconciliation.md as the tracker modelling or erring, in order of precedence."""
    floors = [c for c, d in FLOOR_PARTNERS.items() if on >= d]
    d_tot, stat232, ours232 = pl.col("d_total"), pl.col("statutory_rate_232"), pl.col("rate_s232")
    metals = _list("s232_metals_2025")
    refined = sorted({h[:8] for h in metals if len(h) == 10})
    content = _list("s232_metals_2025", group="derivative") + _list("s232_copper_2025")
    regime_2025 = dt.date(2025, 3, 12) <= on <= dt.date(2026, 4, 5)
    tracker_scaled = pl.any_horizontal(
        [pl.col(f"statutory_rate_{k}") > pl.col(yrate(k)) + TOL for k in APPLIED]
    )
    # deal headings that note 2(v)(x)-(xi) does not name (UK parts 9903.94.32, Japan .40-.43, EU .50-.53, UK
    # aluminium 9903.85.12): ambiguous in law for the reciprocal (docs/reconciliation.md), left comparable
    autos = _list("s232_auto_parts") + _list("s232_vehicles")
    deal_headings_recip = pl.lit(on < dt.date(2026, 2, 24)) & (
        ((pl.col("iso2") == "GB") & in_list([*_list("s232_auto_parts_uk"), "76169951"]))
        | ((pl.col("iso2") == "DE") & pl.lit(on >= dt.date(2025, 8, 1)) & in_list(autos))
        | ((pl.col("iso2") == "JP") & pl.lit(on >= dt.date(2025, 9, 16)) & in_list(autos))
    )
    air_uk = _list("s232_civil_aircraft", country="GB", inherent="1")
    air_jp = _list("s232_civil_aircraft", country="JP", inherent="1")
    air_deal = {  # notes 2(v)(xxii), (xxiv)(b), (xxv)(c): listed articles meeting general note 6
        c: _list("floor_exempt", country_group=g, category="civil_aircraft")
        for c, g in (("DE", "eu"), ("KR", "korea"), ("CH", "swiss"))
    }
    return [
        (
            "T1 MFN specific/compound duties priced by the tracker's own equivalents",
            "tracker models",
            lambda df: (pl.col("d_mfn").abs() > TOL) & (pl.col("_mfn_kind") != "ad_valorem"),
        ),
        (
            "T17 column 1 rate by reference (ensembles, sets: 'the rate applicable to each garment'): "
            "tariffscope leaves that part unpriced and says so, the tracker prices its own equivalent",
            "tracker models",
            lambda df: pl.col("base_status") == "by reference",
        ),
        (
            "T18 column 1 rate on a named part of the value ('3.9% on the movement and case + 5.3% on the battery', "
            "'2.5% on the value of the lead content', '6.5% on the entire set', '3 percent of the fair retail value') "
            "that the tracker prices at another rate (mostly 0)",
            "tracker wrong",
            lambda df: (
                (pl.col("d_mfn").abs() > TOL)
                & ((pl.col("d_total") - pl.col("d_mfn")).abs() <= TOL + 1e-9)
                & pl.col("_general").str.contains(r"(?i)(% on |percent of )")
            ),
        ),
        (
            "T2 China 34% reciprocal before 2025-04-09",
            "tracker wrong",
            lambda df: pl.lit(on < dt.date(2025, 4, 9)) & (pl.col("iso2") == "CN") & (d_tot < 0),
        ),
        (
            "T8 auto-parts 232 on generic provisions of note 33(g) (computers, motors, bearings ...) "
            "or MHD-parts 232 on generic provisions of note 38(i) (windscreen glass 7007, 8709 parts ...)",
            "tracker wrong",
            lambda df: (
                in_list(_list("s232_auto_parts", use="generic") + _list("s232_mhd_parts", use="generic"))
                & (ours232.abs() <= TOL)
                & (stat232 > TOL)
            ),
        ),
        (
            "T9 232 derivative on a whole HTS8 where note 19(k) names statistical lines (3004.90.92.44, "
            "8415.90.80.25/.45/.85 ...), or before the line's inclusion (2025-08-18, 90 FR 40326)",
            "tracker wrong",
            lambda df: (
                pl.lit(regime_2025)
                & in_list(refined)
                & ~in_list(_in_force("s232_metals_2025", on))
                & (ours232.abs() <= TOL)
                & (stat232 > TOL)
            ),
        ),
        (
            "T10 IEEPA / Section 122 duties on informational materials (chapter 49, 9701-9705)",
            "tracker wrong",
            lambda df: in_list(["49", "9701", "9702", "9703", "9704", "9705"]) & (d_tot < 0),
        ),
        (
            "T11 reciprocal on UK / Japanese civil aircraft (note 35, 9903.96.01/.02)",
            "tracker wrong",
            lambda df: (
                (((pl.col("iso2") == "GB") & in_list(air_uk)) | ((pl.col("iso2") == "JP") & in_list(air_jp)))
                & (d_tot < 0)
            ),
        ),
        (
            "T12 Section 122 civil-aircraft exemption of every note 2(aa)(iv) provision, without general note 6 use",
            "tracker models",
            lambda df: (
                pl.lit(on >= dt.date(2026, 2, 24))
                & in_list(_list("s122_civil_aircraft", inherent="0"))
                & (((d_tot - 0.10).abs() <= TOL) | ((d_tot - pl.col("d_mfn") - 0.10).abs() <= TOL))
            ),
        ),
        (
            "T23 EU/Korean/Swiss civil-aircraft exemption of every listed provision, without general note 6 use",
            "tracker models",
            lambda df: (
                pl.lit(on < dt.date(2026, 2, 24))
                & pl.any_horizontal(
                    [
                        (pl.col("iso2") == c) & pl.lit(on >= d) & in_list(air_deal[c])
                        for c, d in (
                            ("DE", dt.date(2025, 9, 1)),
                            ("KR", dt.date(2025, 11, 14)),
                            ("CH", dt.date(2025, 11, 14)),
                        )
                    ]
                )
                & ~(in_list(["88", "8411", "840710", "840910", "9014", "8526"]) & ~in_list(["8806"]))
                & (d_tot > 0)
            ),
        ),
        (
            "T13 a 'Section 201' duty on footwear and other goods outside the safeguards",
            "tracker wrong",
            lambda df: (pl.col("rate_section_201") > TOL) & (pl.col("rate_s201") <= TOL),
        ),
        (
            "T14 China 301 exclusions (9903.88.69/.70) applied to whole lines",
            "tracker models",
            lambda df: (pl.col("iso2") == "CN") & in_list(_list("s301_exclusions")) & (d_tot > 0),
        ),
        (
            "T16 particular articles (note 2(v)(iii)(b), 9903.02.78) and agricultural Annex II lines exempted before 2025-11-13",
            "tracker wrong",
            lambda df: (
                pl.lit(on < dt.date(2025, 11, 13))
                & in_list(_list("annex_ii_particular") + _list("annex_ii", **{"from": "2025-11-13"}))
                & (d_tot > 0)
            ),
        ),
        (
            "T19 Canada/Mexico: 232 derivative stacked on the fentanyl duty before Proc 10947 "
            "(EO 14289 sec. 3, retroactive to 2025-03-04: the fentanyl duty takes the article out of the metals 232)",
            "tracker wrong",
            lambda df: (
                pl.lit(on < dt.date(2025, 6, 4))
                & pl.col("iso2").is_in(["CA", "MX"])
                & (pl.col("rate_ieepa_fentanyl") > TOL)
                & (ours232.abs() <= TOL)
                & (stat232 > TOL)
                & (d_tot < 0)
            ),
        ),
        (
            "T20 particular articles (notes 2(v)(iii)(b), 2(aa)(iii): etrogs, acai, goods for religious purposes) "
            "exempted on the whole subheading; the articles are narrower than their lines, so tariffscope asks a "
            "declaration (claim particular_article)",
            "tracker models",
            lambda df: (
                pl.lit(on >= dt.date(2025, 11, 13))
                & in_list(_list("annex_ii_particular") + _list("s122_particular"))
                & (d_tot > 0)
                # India's 9903.01.84 on these articles is ambiguous in law (9903.01.86): left comparable
                & ~(pl.lit(on < dt.date(2026, 2, 7)) & (pl.col("iso2") == "IN"))
            ),
        ),
        (
            "T21 reciprocal or Section 122 added to a 232 article whose heading the note exempts: autos and parts "
            "9903.94.01/.05/.63 (note 2(v)(x)-(xi), L12869-12883), wood 9903.76.01 (2(v)(xiii), L12884), MHD "
            "9903.74 (2(v)(xiv)-(xv)), and under S122 every auto, wood and MHD heading (2(aa)(v)(2)-(6), L15263-15300)",
            "tracker wrong",
            lambda df: (
                (ours232 > TOL)
                & ((ours232 - stat232).abs() <= TOL)
                & (pl.col("rate_ieepa_reciprocal") + pl.col("rate_s122") <= TOL)
                & (d_tot < 0)
                & ~deal_headings_recip
            ),
        ),
        (
            "T22 the EU/Japan/Korea wood rate of 15% (9903.76.21-.23) on softwood lumber: those headings cover the "
            "upholstered furniture and cabinets of note 37(d), (f) only (L36121, L36157); lumber pays 10% (9903.76.01)",
            "tracker wrong",
            lambda df: (
                in_list(["4403", "4406", "4407"])
                & pl.col("iso2").is_in(["DE", "JP", "KR"])
                & ((stat232 - 0.15).abs() <= TOL)
                & ((ours232 - 0.10).abs() <= TOL)
            ),
        ),
        (
            "T15 antiques (9706) treated as informational materials",
            "tracker wrong",
            lambda df: in_list(["9706"]) & (d_tot > 0),
        ),
        (
            "T4 auto 232 with the modelled import adjustment offset (23.76% for 25%)",
            "tracker models",
            lambda df: (
                ((stat232 - (0.25 - AUTO_OFFSET)).abs() < 1e-4)
                & ((d_tot - AUTO_OFFSET).abs() <= TOL)
                & (ours232 > 0)
            ),
        ),
        (
            "T5 Canada/Mexico scaled by USMCA usage (the statutory view claims no USMCA)",
            "tracker models",
            lambda df: pl.col("iso2").is_in(["CA", "MX"]) & (d_tot > 0) & tracker_scaled,
        ),
        (
            "T6 deal floors computed against the tracker's usage-adjusted MFN",
            "tracker models",
            lambda df: (
                pl.col("iso2").is_in(floors)
                & (d_tot.abs() <= (pl.col("statutory_base_rate") - pl.col("base_rate")).abs() + TOL)
            ),
        ),
        (
            "T7 Korea's 15% floor applied before 2025-11-14 (9903.02.56 was +15% stacked)",
            "tracker wrong",
            lambda df: pl.lit(on < dt.date(2025, 11, 14)) & (pl.col("iso2") == "KR") & (d_tot > 0),
        ),
        (
            "T3 232 on metal content: tracker share (1.0 for ch. 72-73/76, else 0.5 or its own) vs BEA estimate",
            "tracker models",
            lambda df: pl.lit(regime_2025) & in_list(content) & (ours232 > TOL) & (stat232 > TOL),
        ),
    ]


def classify(j: pl.DataFrame, on: dt.date) -> pl.DataFrame:
    expr: pl.Expr = pl.lit(None, dtype=pl.String)
    for name, verdict, pred in reversed(settled_classes(on)):
        expr = pl.when(~pl.col("agree") & pred(j)).then(pl.lit(f"{name} [{verdict}]")).otherwise(expr)
    return j.with_columns(expr.alias("settled"))


def with_mfn_kind(j: pl.DataFrame, on: dt.date) -> pl.DataFrame:
    from tariffscope.schedule import Schedule

    kinds = (
        Schedule.load()
        .on(on)
        .select(
            "hts10",
            pl.col("mfn_kind").cast(pl.String).alias("_mfn_kind"),
            pl.col("general_text").alias("_general"),
        )
        .unique("hts10")
    )
    return j.join(kinds, on="hts10", how="left")


def report(name: str, on: dt.date, top: int) -> tuple[pl.DataFrame, dict[str, float]]:
    theirs = load_tracker(name)
    partners = sorted(theirs["iso2"].unique().to_list())
    t0 = time.perf_counter()
    ours = load_ours(on, partners)
    secs = time.perf_counter() - t0
    j = classify(with_mfn_kind(compare(ours, theirs), on), on)
    n = j.height
    raw = j["agree"].mean()
    comparable = j.filter(pl.col("settled").is_null())
    agree_cmp = comparable["agree"].mean()
    print(f"\n## {on} ({name}): {n:,} pairs, {len(partners)} partners; panel {secs:.1f} s")
    print(
        f"raw agreement {100 * float(raw):.2f}%; on comparable pairs {100 * float(agree_cmp):.2f}% ({comparable.height:,})"
    )
    settled = j.filter(pl.col("settled").is_not_null()).group_by("settled").len().sort("len", descending=True)
    for r in settled.iter_rows():
        print(f"  set aside: {r[0]}: {r[1]:,}")
    classes = (
        comparable.filter(~pl.col("agree"))
        .group_by("differs", "chapter")
        .agg(
            pl.len().alias("pairs"),
            pl.col("iso2").unique().sort().str.join(",").alias("partners"),
            pl.col("hts10").first().alias("example"),
            pl.col("d_total").mean().alias("mean_d_total"),
        )
        .sort("pairs", descending=True)
    )
    with pl.Config(tbl_rows=top, tbl_width_chars=140, fmt_str_lengths=60):
        print(classes.head(top))
    return j, {"raw": float(raw), "comparable": float(agree_cmp)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--date", help="only this snapshot date (YYYY-MM-DD)")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--out", help="write the disagreeing pairs to this Parquet file")
    a = ap.parse_args(argv)
    if not (shared_data() / "oracle-yale").exists():
        print("oracle-yale not found in the shared source data", file=sys.stderr)
        return 2
    frames = []
    for name, on in SNAPSHOTS.items():
        if a.date and on.isoformat() != a.date:
            continue
        j, _ = report(name, on, a.top)
        frames.append(j.filter(~pl.col("agree")).with_columns(pl.lit(on).alias("date")))
    if a.out and frames:
        pl.concat(frames, how="diagonal_relaxed").write_parquet(a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
