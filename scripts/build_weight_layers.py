"""Rake the 2024 spread import weights to where the trade is (``weights_raked_2024.parquet``).

The GTAP-45 × partner totals (Census IMDB 2024 via the Yale Budget Lab tracker) stay the hard
controls. Inside them, a partner's value moves to the HS6 codes where its trade is, by iterative
proportional fitting (Deming & Stephan 1940) to three further layers:

1. **Chapter layer.** USITC DataWeb "general import charges" by HS2 × country, 2024 (freight,
   insurance and other costs to the first US port; *not* duties) divided by a charge-to-value ratio
   per chapter fitted on the exact HTS10 data: sea ratios on the African partners 2024, land ratios
   on Canada/Mexico (2025 values over 2024 charges). Overseas partners use the sea ratios. Only the
   partner's chapter *shares* are used (the GTAP totals fix the level). The fit is validated
   leave-one-partner-out on the African partners (``validation`` in the provenance).
2. **Partner heading controls.** US imports of 8703/8704 by partner, 2024, from UN Comtrade
   extracts (derived totals only; attribution in the provenance), and a few cited partner figures.
3. **All-partner heading controls.** Cited 2024 US import totals of the headings that move the
   ETR most; the exact partners' own value is taken off before the rest is raked.

The GTAP step is applied last, so partner × sector totals hold exactly; the other layers hold as
closely as they are consistent with it (residuals in the provenance).

Seeds (``shape``): the within-sector HS6 distribution of the exact data. Four shapes are built;
``balanced`` (CA, MX and the African partners each weighted equally) is the default and
``pooled`` (value-weighted, 96% CA/MX), ``africa`` and ``uniform`` (equal per HTS10 line) give the
sensitivity band. No spread partner is in the exact data, so every shape leaves it out.

Writes ``src/tariffscope/data/weights_raked_2024.parquet`` (partner, hs6, one value column per
shape, in thousands of USD), ``weights_controls.csv`` (every control with its source) and
``weights_layers.provenance.json``. Run after ``scripts/build_weights.py``:
``python scripts/build_weight_layers.py``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import polars as pl

from tariffscope.countries import normalize_countries
from tariffscope.paths import PACKAGE_DATA, shared_data

SHAPES = ("balanced", "pooled", "africa", "uniform")
FLOOR = 0.02  # share of each sector's seed spread equally over its lines (no HS6 is unreachable)
ITERATIONS = 40
MIN_CELL_USD = 25_000.0  # cells below this in every shape are dropped (mass put back in the sector)
LAND = ("CA", "MX")

COMTRADE = (
    "UN Comtrade, US imports by partner, HS 8703/8704, 2024 (APMCM 2025 data pack extracts); "
    "derived totals only, the extract is not redistributed"
)
# Cited 2024 US import figures (Census basis). partner "ALL" = every partner.
CITED: list[dict[str, object]] = [
    {
        "partner": "CN",
        "codes": "851713",
        "imports_usd": 41.7e9,
        "label": "smartphones 8517.13 from China",
        "source": (
            "US Census Bureau via cash.ch/AWP, 'Smartphones und Computer werden von US-Zollerhöhungen "
            "ausgenommen', April 2025: smartphones $41.7B in 2024, the largest US import from China"
        ),
        "url": "https://www.cash.ch/news/top-news/haussetrachtigste-nachricht-des-wochenendes-smartphones-und-computer-werden-von-us-zollerhohungen-ausgenommen-814605",
    },
    {
        "partner": "CN",
        "codes": "847130",
        "imports_usd": 33.1e9,
        "label": "laptops 8471.30 from China",
        "source": "same article: China-made laptops $33.1B in 2024, the second-largest US import from China",
        "url": "https://www.cash.ch/news/top-news/haussetrachtigste-nachricht-des-wochenendes-smartphones-und-computer-werden-von-us-zollerhohungen-ausgenommen-814605",
    },
    *[
        {
            "partner": p,
            "codes": "8541;8542;-854142;-854143",
            "imports_usd": v,
            "label": f"semiconductors (HS 8541 excl. solar, 8542) from {p}",
            "source": (
                "The Motley Fool Research, 'Semiconductor trade statistics and tariffs' (2025), from "
                "Census data for HTS 85.41 (excluding solar products) and 85.42, 2024"
            ),
            "url": "https://www.fool.com/research/semiconductor-trade-statistics-tariffs/",
        }
        for p, v in (("TW", 11.9e9), ("MY", 10.3e9), ("IL", 4.6e9), ("KR", 2.5e9), ("IE", 2.2e9))
    ],
]
# New York Times, "Plastic Spoons, Umbrellas, Violins: A Guide to What Americans Buy From China"
# (May 2025), from 2024 USITC DataWeb data: imports from China by heading and China's share of all US
# imports of it. All-partner totals are derived as value / share (shares are rounded to the percent,
# so the derived totals carry about +-1 pp / share of error: +-2% for 8517, +-8% for 3004).
NYT_URL = "https://newspub.live/?p=2639011"
NYT_SRC = (
    "New York Times, 'Plastic Spoons, Umbrellas, Violins: A Guide to What Americans Buy From China' "
    "(2025), 2024 USITC DataWeb data (mirror)"
)
NYT_CHINA = [  # heading, NYT label, imports from China ($M), China's share of US imports
    ("8517", "telephones", 50_085, 0.42),
    ("8471", "computers", 35_473, 0.26),
    ("8507", "electric batteries", 17_022, 0.58),
    ("9503", "other toys", 13_463, 0.76),
    ("8708", "motor vehicle parts and accessories", 9_059, 0.11),
    ("9504", "video and card games", 7_083, 0.78),
    ("8528", "video displays", 6_770, 0.33),
    ("8516", "electric heaters", 6_607, 0.55),
    ("9401", "seats", 6_582, 0.26),
    ("3004", "packaged medications", 6_146, 0.06),
]
# Controls kept as checks only (not raked): the all-partner 3004 total pulled the IPF away from it
# (3004 rose to 1.7x the control as the chapter and GTAP layers re-expanded chapter 30); the release
# check still compares the implied total with it.
CHECK_ONLY = {("ALL", "3004")}
for _h, _label, _m, _sh in NYT_CHINA:
    CITED.append(
        {
            "partner": "CN",
            "codes": _h,
            "imports_usd": _m * 1e6,
            "label": f"{_label} ({_h}) from China",
            "source": NYT_SRC,
            "url": NYT_URL,
        }
    )
    CITED.append(
        {
            "partner": "ALL",
            "codes": _h,
            "imports_usd": round(_m * 1e6 / _sh, -6),
            "label": f"all US imports of {_label} ({_h}), derived: China's value / China's share {_sh:.0%}",
            "source": NYT_SRC + "; derived total",
            "url": NYT_URL,
        }
    )
COMTRADE_ISO = {
    "BEL": "BE",
    "CAN": "CA",
    "CHN": "CN",
    "DEU": "DE",
    "ESP": "ES",
    "ITA": "IT",
    "JPN": "JP",
    "KOR": "KR",
    "MEX": "MX",
    "NLD": "NL",
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_charges(path: Path, year: int = 2024) -> pl.DataFrame:
    """DataWeb general import charges: ``partner, chapter, charges_usd`` for ``year``."""
    c = pl.read_csv(path, skip_rows=2, infer_schema_length=0)
    need = {"HTS Number", "Country", str(year)}
    if not need <= set(c.columns):
        raise SystemExit(f"{path}: expected columns {sorted(need)}, found {c.columns}")
    c = c.filter(pl.col("Data Type") == "General Import Charges")
    iso, err = normalize_countries(c["Country"])
    if err.height:
        raise SystemExit(f"{path}: unknown countries {err['value'].to_list()[:5]}")
    return (
        c.with_columns(iso.alias("partner"))
        .select(
            "partner",
            pl.col("HTS Number").str.zfill(2).alias("chapter"),
            pl.col(str(year)).str.replace_all(",", "").cast(pl.Float64).fill_null(0.0).alias("charges_usd"),
        )
        .group_by("partner", "chapter")
        .agg(pl.col("charges_usd").sum())
    )


def fit_ratios(charges: pl.DataFrame, exact_ch: pl.DataFrame, prior_usd: float = 2e9) -> pl.DataFrame:
    """Charge-to-value ratio per chapter and mode, shrunk to the mode's overall ratio by ``prior_usd``
    of pseudo-value (chapters with little exact trade borrow strength from the rest)."""
    j = exact_ch.join(charges, on=["partner", "chapter"], how="inner").with_columns(
        pl.when(pl.col("partner").is_in(LAND)).then(pl.lit("land")).otherwise(pl.lit("sea")).alias("mode")
    )
    overall = j.group_by("mode").agg((pl.col("charges_usd").sum() / pl.col("imports_usd").sum()).alias("r0"))
    return (
        j.group_by("mode", "chapter")
        .agg(pl.col("charges_usd").sum(), pl.col("imports_usd").sum())
        .join(overall, on="mode")
        .with_columns(
            ((pl.col("charges_usd") + prior_usd * pl.col("r0")) / (pl.col("imports_usd") + prior_usd)).alias(
                "ratio"
            )
        )
        .pivot(on="mode", index="chapter", values="ratio")
        .rename({"sea": "ratio_sea", "land": "ratio_land"}, strict=False)
        .sort("chapter")
    )


def _tvd(a: pl.DataFrame, b: pl.DataFrame) -> float:
    """Total variation distance between two chapter distributions (``chapter, v``)."""
    j = a.join(b, on="chapter", how="full", coalesce=True).fill_null(0.0)
    x, y = j["v"].to_numpy(), j["v_right"].to_numpy()
    return float(0.5 * np.abs(x / x.sum() - y / y.sum()).sum())


def validate(charges: pl.DataFrame, exact_ch: pl.DataFrame, gtap_ch: pl.DataFrame) -> dict[str, object]:
    """Leave-one-partner-out check of the chapter layer on the African partners (> $1B of imports),
    beside the GTAP spread's own chapter error, and the land fit on each of CA/MX."""
    af = exact_ch.filter(~pl.col("partner").is_in(LAND))
    big = af.group_by("partner").agg(pl.col("imports_usd").sum()).filter(pl.col("imports_usd") > 1e9)
    rows = []
    for p in sorted(big["partner"].to_list()):
        r = fit_ratios(charges, exact_ch.filter(pl.col("partner") != p))
        truth = af.filter(pl.col("partner") == p).select("chapter", pl.col("imports_usd").alias("v"))
        est = (
            charges.filter(pl.col("partner") == p)
            .join(r, on="chapter", how="inner")
            .select("chapter", (pl.col("charges_usd") / pl.col("ratio_sea")).alias("v"))
        )
        spread = gtap_ch.filter(pl.col("partner") == p).select("chapter", "v")
        rows.append(
            {
                "partner": p,
                "tvd_charges": round(_tvd(est, truth), 3),
                "tvd_gtap_spread": round(_tvd(spread, truth), 3),
            }
        )
    land = []
    for p in LAND:
        other = next(q for q in LAND if q != p)
        rl = fit_ratios(
            charges, exact_ch.filter(pl.col("partner") == other)
        )  # the other land partner's ratios
        truth = exact_ch.filter(pl.col("partner") == p).select("chapter", pl.col("imports_usd").alias("v"))
        est = (
            charges.filter(pl.col("partner") == p)
            .join(rl, on="chapter", how="inner")
            .select("chapter", (pl.col("charges_usd") / pl.col("ratio_land")).alias("v"))
        )
        land.append({"partner": p, "tvd_charges_land": round(_tvd(est, truth), 3)})
    return {
        "what": "total variation distance between estimated and exact chapter shares (0 = equal, 1 = disjoint)",
        "sea_leave_one_out": rows,
        "land_other_partner": land,
    }


def _shape_vectors(shape: pl.DataFrame, exact: pl.DataFrame) -> pl.DataFrame:
    """HS6 seed weights within each GTAP sector, one column per shape (each sums to 1 per sector)."""
    lines = shape.filter(pl.col("gtap").is_not_null()).select("hts10", "hs6", "gtap")
    ex = exact.join(lines.select("hts10", "hs6"), on="hts10", how="inner").with_columns(
        pl.when(pl.col("partner").is_in(LAND)).then(pl.col("partner")).otherwise(pl.lit("AF")).alias("grp")
    )
    by = (
        ex.group_by("hs6", "grp")
        .agg(pl.col("imports_usd").sum())
        .pivot(on="grp", index="hs6", values="imports_usd")
    )
    hs6 = (
        lines.group_by("hs6", "gtap")
        .agg(pl.len().alias("n_lines"))
        .join(by, on="hs6", how="left")
        .fill_null(0.0)
    )

    def norm(e: pl.Expr) -> pl.Expr:
        tot = e.sum().over("gtap")
        return pl.when(tot > 0).then(e / tot).otherwise(None)

    uni = norm(pl.col("n_lines").cast(pl.Float64))
    groups = [g for g in ("CA", "MX", "AF") if g in hs6.columns]
    hs6 = hs6.with_columns([norm(pl.col(g)).alias(f"_{g}") for g in groups])
    bal = pl.mean_horizontal([pl.col(f"_{g}") for g in groups])  # skips groups with no value in the sector
    out = hs6.with_columns(
        bal.fill_null(uni).alias("balanced"),
        norm(pl.sum_horizontal(groups)).fill_null(uni).alias("pooled"),
        pl.col("_AF").fill_null(uni).alias("africa") if "AF" in groups else uni.alias("africa"),
        uni.alias("uniform"),
    )
    return out.with_columns([((1 - FLOOR) * pl.col(s) + FLOOR * uni).alias(s) for s in SHAPES]).select(
        "hs6", "gtap", *SHAPES
    )


def _in_codes(hs6: np.ndarray, codes: str) -> np.ndarray:
    """Mask of HS6 codes matching ``8541;8542;-854142`` (prefixes; ``-`` excludes)."""
    inc = [c for c in codes.split(";") if not c.startswith("-")]
    exc = [c[1:] for c in codes.split(";") if c.startswith("-")]
    s = pl.Series(hs6)
    m = np.zeros(len(hs6), dtype=bool)
    for c in inc:
        m |= s.str.starts_with(c).to_numpy()
    for c in exc:
        m &= ~s.str.starts_with(c).to_numpy()
    return m


def rake(
    seed: np.ndarray,
    partners: list[str],
    hs6: np.ndarray,
    gtap_idx: np.ndarray,
    gtap_tot: np.ndarray,
    ch_idx: np.ndarray,
    ch_share: np.ndarray,
    controls: pl.DataFrame,
    exact_in: dict[str, float],
) -> tuple[np.ndarray, dict[str, object]]:
    """IPF of ``seed`` (partners × HS6) to chapter shares, heading controls, then GTAP totals.

    ``gtap_tot``: partners × sectors; ``ch_share``: partners × chapters (rows of zeros: no layer);
    ``controls``: ``partner, codes, imports_usd`` (``ALL`` = every partner; ``exact_in[codes]``
    is the exact partners' value in the codes, taken off the ALL controls).
    """
    x = seed.copy()
    pidx = {p: i for i, p in enumerate(partners)}
    n_g, n_c = gtap_tot.shape[1], ch_share.shape[1]
    g_onehot = np.zeros((len(hs6), n_g))
    g_onehot[np.arange(len(hs6)), gtap_idx] = 1.0
    c_onehot = np.zeros((len(hs6), n_c))
    c_onehot[np.arange(len(hs6)), ch_idx] = 1.0
    has_ch = ch_share.sum(axis=1) > 0
    own = [r for r in controls.filter(pl.col("partner") != "ALL").iter_rows() if r[0] in pidx]
    part_ctrl = [(pidx[p], _in_codes(hs6, c), v) for p, c, v in own]
    part_codes = [c for _, c, _ in own]
    all_ctrl = []
    for c, v in controls.filter(pl.col("partner") == "ALL").select("codes", "imports_usd").iter_rows():
        fixed = np.zeros(len(partners), dtype=bool)
        m = _in_codes(hs6, c)
        for pi, pm, _ in part_ctrl:
            if (pm & m).any():
                fixed[pi] = True
        all_ctrl.append((m, c, v - exact_in.get(c, 0.0), fixed))

    def scale_group(onehot: np.ndarray, target: np.ndarray, rows: np.ndarray) -> None:
        cur = x[rows] @ onehot
        f = np.divide(target, cur, out=np.ones_like(cur), where=cur > 0)
        x[rows] *= f @ onehot.T

    for _ in range(ITERATIONS):
        # chapter shares of the mass in the chapters the layer covers
        cur = x @ c_onehot
        covered = (ch_share > 0) | (cur == 0)
        mass = np.where(covered, cur, 0.0).sum(axis=1, keepdims=True)
        tgt = np.where(
            covered, ch_share / np.maximum(ch_share.sum(axis=1, keepdims=True), 1e-300) * mass, cur
        )
        scale_group(c_onehot, tgt[has_ch], has_ch)
        for pi, m, v in part_ctrl:
            s = x[pi, m].sum()
            if s > 0:
                x[pi, m] *= v / s
        for m, _, v, fixed in all_ctrl:
            free = ~fixed
            s = x[np.ix_(free, m)].sum()
            rest = v - x[np.ix_(fixed, m)].sum()
            if s > 0 and rest > 0:
                x[np.ix_(free, m)] *= rest / s
        scale_group(g_onehot, gtap_tot, np.ones(len(partners), dtype=bool))
    resid: dict[str, float | None] = {}
    for (pi, m, v), codes in zip(part_ctrl, part_codes, strict=True):
        resid[f"{partners[pi]}:{codes}"] = round(float(x[pi, m].sum() / v), 3)
    for m, c, v, _fixed in all_ctrl:
        resid[f"ALL-exact:{c}"] = round(float(x[:, m].sum() / v), 3) if v > 0 else None
    return x, {"ratio_achieved_to_control": resid}


def comtrade_controls(path: Path) -> pl.DataFrame:
    a = pl.read_csv(path, infer_schema_length=0).rename(lambda c: c.lstrip("\ufeff"))
    a = a.filter(pl.col("refYear") == "2024")
    return a.select(
        pl.col("partnerISO").replace_strict(COMTRADE_ISO, default=None).alias("partner"),
        pl.col("cmdCode").alias("codes"),
        pl.col("import_value_usd").cast(pl.Float64).alias("imports_usd"),
        pl.format(
            "passenger cars 8703 / goods vehicles 8704 ({}) from {}", pl.col("cmdCode"), pl.col("partnerDesc")
        ).alias("label"),
        pl.lit(COMTRADE).alias("source"),
        pl.lit("https://comtradeplus.un.org/").alias("url"),
    ).filter(pl.col("partner").is_not_null())


def comtrade_world(path: Path) -> pl.DataFrame:
    a = pl.read_csv(path, infer_schema_length=0).filter(pl.col("refYear") == "2024")
    w = a.group_by("cmd").agg(pl.col("value_total_cmd").first().cast(pl.Float64))
    code = {"passenger_vehicles": "8703", "goods_vehicles": "8704"}
    return w.select(
        pl.lit("ALL").alias("partner"),
        pl.col("cmd").replace_strict(code).alias("codes"),
        pl.col("value_total_cmd").alias("imports_usd"),
        pl.format("all US imports of {}", pl.col("cmd").replace_strict(code)).alias("label"),
        pl.lit(COMTRADE).alias("source"),
        pl.lit("https://comtradeplus.un.org/").alias("url"),
    )


def main() -> int:
    sd = shared_data()
    src = {
        "charges": sd / "trade" / "dataweb_hs2_country_import_charges_2020_2025.csv",
        "comtrade_partner": sd / "trade" / "us_auto_imports_8703_8704_extended_kor_chn_eu.csv",
        "comtrade_world": sd / "trade" / "auto_imports_partner_cmd_annual.csv",
    }
    shape = pl.read_parquet(PACKAGE_DATA / "weights_hts10_shape.parquet")
    exact = pl.read_parquet(PACKAGE_DATA / "weights_exact.parquet")
    gtap = pl.read_parquet(PACKAGE_DATA / "weights_gtap_2024.parquet")
    charges = load_charges(src["charges"])
    exact_ch = exact.group_by("partner", pl.col("hts10").str.slice(0, 2).alias("chapter")).agg(
        pl.col("imports_usd").sum()
    )
    ratios = fit_ratios(charges, exact_ch)
    vec = _shape_vectors(shape, exact)
    # the GTAP spread's chapter distribution (pooled shape), to compare in the validation
    gtap_ch = (
        gtap.join(vec.select("hs6", "gtap", "pooled"), on="gtap")
        .group_by("partner", pl.col("hs6").str.slice(0, 2).alias("chapter"))
        .agg((pl.col("imports_usd") * pl.col("pooled")).sum().alias("v"))
    )
    validation = validate(charges, exact_ch, gtap_ch)

    exact_partners = set(exact["partner"].unique().to_list())
    spread = gtap.filter(~pl.col("partner").is_in(list(exact_partners)))
    partners = sorted(spread["partner"].unique().to_list())
    sectors = sorted(vec["gtap"].unique().to_list())
    vec = vec.sort("gtap", "hs6")
    hs6 = vec["hs6"].to_numpy()
    gi = {g: i for i, g in enumerate(sectors)}
    gtap_idx = np.array([gi[g] for g in vec["gtap"].to_list()])
    chapters = sorted(set(hs6.astype(str).tolist()) and {h[:2] for h in hs6})
    ci = {c: i for i, c in enumerate(chapters)}
    ch_idx = np.array([ci[h[:2]] for h in hs6])
    pi = {p: i for i, p in enumerate(partners)}
    gtap_tot = np.zeros((len(partners), len(sectors)))
    for p, g, v in spread.select("partner", "gtap", "imports_usd").iter_rows():
        gtap_tot[pi[p], gi[g]] += v
    est = (
        charges.filter(pl.col("partner").is_in(partners))
        .join(ratios, on="chapter", how="inner")
        .with_columns((pl.col("charges_usd") / pl.col("ratio_sea")).alias("v"))
    )
    ch_share = np.zeros((len(partners), len(chapters)))
    for p, c, v in est.select("partner", "chapter", "v").iter_rows():
        if c in ci and v > 0:
            ch_share[pi[p], ci[c]] = v
    controls = pl.concat(
        [
            comtrade_controls(src["comtrade_partner"]),
            comtrade_world(src["comtrade_world"]),
            pl.DataFrame(CITED).select("partner", "codes", "imports_usd", "label", "source", "url"),
        ]
    ).with_columns(
        pl.struct("partner", "codes")
        .map_elements(lambda r: (r["partner"], r["codes"]) not in CHECK_ONLY, return_dtype=pl.Boolean)
        .alias("raked")
    )
    ex6 = exact.with_columns(pl.col("hts10").str.slice(0, 6).alias("hs6"))
    exact_in = {
        c: float(ex6.filter(pl.Series(_in_codes(ex6["hs6"].to_numpy(), c)))["imports_usd"].sum())
        for c in controls.filter(pl.col("partner") == "ALL", pl.col("raked"))["codes"].to_list()
    }
    cols: dict[str, np.ndarray] = {}
    diag: dict[str, object] = {}
    for s in SHAPES:
        seed = gtap_tot[:, gtap_idx] * vec[s].to_numpy()[None, :]
        x, d = rake(
            seed,
            partners,
            hs6,
            gtap_idx,
            gtap_tot,
            ch_idx,
            ch_share,
            controls.filter(pl.col("raked")).select("partner", "codes", "imports_usd"),
            exact_in,
        )
        cols[s] = x
        diag[s] = d
    keep = np.maximum.reduce([cols[s] for s in SHAPES]) >= MIN_CELL_USD
    for g in range(len(sectors)):  # every partner x sector keeps at least its largest cell
        j = np.flatnonzero(gtap_idx == g)
        best = j[np.argmax(cols["balanced"][:, j], axis=1)]
        rows_ = np.flatnonzero(gtap_tot[:, g] > 0)
        keep[rows_, best[rows_]] = True
    # put dropped mass back in the partner × sector so the GTAP totals still hold
    for s in SHAPES:
        kept = np.where(keep, cols[s], 0.0)
        g_onehot = np.zeros((len(hs6), len(sectors)))
        g_onehot[np.arange(len(hs6)), gtap_idx] = 1.0
        cur = kept @ g_onehot
        f = np.divide(gtap_tot, cur, out=np.ones_like(cur), where=cur > 0)
        cols[s] = kept * (f @ g_onehot.T)
    r, c = np.nonzero(keep)
    out = pl.DataFrame(
        {
            "partner": pl.Series([partners[i] for i in r], dtype=pl.Categorical),
            "hs6": hs6[c],
            # thousands of USD keep the shipped table small; the loader converts back
            **{f"imports_kusd_{s}": np.round(cols[s][r, c] / 1e3).astype(np.int32) for s in SHAPES},
        }
    ).sort("partner", "hs6")
    out.write_parquet(PACKAGE_DATA / "weights_raked_2024.parquet", compression="zstd", compression_level=19)
    controls.write_csv(PACKAGE_DATA / "weights_controls.csv")
    meta = {
        "built": dt.date.today().isoformat(),
        "script": "scripts/build_weight_layers.py",
        "sources": {k: {"file": str(p.relative_to(sd)), "sha256": _sha256(p)} for k, p in src.items()},
        "inputs": ["weights_gtap_2024.parquet", "weights_exact.parquet", "weights_hts10_shape.parquet"],
        "method": (
            "IPF (Deming & Stephan 1940) of partner x HS6 value seeded by each shape, "
            f"{ITERATIONS} rounds of: chapter shares from DataWeb 2024 general import charges / fitted "
            "sea charge-to-value ratio; partner heading controls; all-partner heading controls net of the "
            "exact partners; GTAP-45 x partner 2024 totals (last, exact)"
        ),
        "shapes": {
            "balanced": "default: mean of the within-sector HS6 shares of CA 2025, MX 2025 and African partners 2024",
            "pooled": "value-pooled exact data (96% CA/MX)",
            "africa": "African partners 2024 only (sea trade)",
            "uniform": "equal value per HTS10 line",
        },
        "floor": FLOOR,
        "min_cell_usd": MIN_CELL_USD,
        "partners": len(partners),
        "rows": out.height,
        "charge_to_value_ratios": {
            "sea_median": float(ratios["ratio_sea"].median() or 0.0),
            "land_median": float(ratios["ratio_land"].median() or 0.0),
        },
        "validation": validation,
        "raking": diag,
        "controls_attribution": COMTRADE,
    }
    (PACKAGE_DATA / "weights_layers.provenance.json").write_text(
        json.dumps(meta, indent=2, default=str) + "\n"
    )
    ratios.write_csv(PACKAGE_DATA / "weights_charge_ratios.csv")
    print(f"{out.height} rows, {(PACKAGE_DATA / 'weights_raked_2024.parquet').stat().st_size / 1024:.0f} KiB")
    print(json.dumps({"validation": validation, "raking": diag}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
