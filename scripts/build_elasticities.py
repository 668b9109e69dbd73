"""Build the compact HS6 elasticity table used by the PE models (``tariffscope/data/elasticities.parquet``).

Sources (read from ``tariffscope.paths.shared_data()/elasticities`` and ``.../hs``, ``.../trade``):

* Broda & Weinstein (2006), US elasticities of substitution between import varieties at HTS10, 1990-2001
  (``BrodaWeinstein2006_US_HTS_sigma_1990_2001.csv``). Leading zeros were lost upstream, so codes are
  re-padded to 10 digits. This is the Armington ``sigma`` of the US market, the quantity SMART needs.
* Broda, Greenfield & Weinstein, 73 countries at HS3 (``Sigmas73countries_9403_HS3digit.csv``): USA rows only.
* CEPII ProTEE 0.1 (Fontagne, Guimbard & Orefice 2022), tariff-based *trade elasticities* at HS6 (HS2007),
  ``ProTEE_0_1.csv``, Etalab Open Licence 2.0. The published value is the elasticity of bilateral imports to
  ``(1+tariff)``. Under CES with the duty levied on the pre-duty value it equals ``-sigma``. We keep it as
  ``trade_elasticity`` (signed, as published), an alternative source of ``sigma``. Rows flagged ``zero=1``
  (not significant) or ``positive=1`` (positive raw estimate) are not used at HS6 and fall back to HS4/HS2 medians.
* HS2022 nomenclature and the HTS10->HS6 crosswalk define the HS6 universe of the HTS.

Nomenclature gap (HS2007 / HTS 1990-2001 vs HS2022): a source value is used at HS6 only when the HS6 *code*
matches. Codes created or split since then (about 1,000 HS2022 subheadings) take the median of the
source's HS6 values in the same HS4 heading, else the HS3 (USA, BGW) value for sigma, else the HS2 chapter
median, else the global median. A matching code whose scope changed between vintages is not detected; this
is a known limitation. ``*_source`` records which rule applied to every row.

Defaults (research note, section 2):
* ``import_demand_elasticity`` (eta, signed, < 0): no licence-compatible HS6 estimate exists in the source
  data. Kee-Nicita-Olarreaga (2008), SMART's source, cannot be redistributed. We use -1.25, the composite
  import-demand elasticity of the Francois & Hall (2003) GSIM calibration. SMART's KNO example (HS 5401) is -1.47.
* ``export_supply_elasticity`` (eps): 99, the WITS-SMART default (near-perfectly elastic supply).
* ``sigma``: Broda-Weinstein HS6 median, capped at ``SIGMA_CAP`` = 20. B-W's upper tail (up to 4,300)
  reflects near-homogeneous goods and estimation noise, and above 20 SMART results hardly change except for
  numerical stiffness. Capped rows carry ``+capped`` in ``sigma_source``.

Run: ``python scripts/build_elasticities.py`` (writes the parquet and a ``.provenance.json`` sidecar).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import polars as pl

from tariffscope.paths import PACKAGE_DATA, shared_data

ETA_DEFAULT = -1.25
EPS_DEFAULT = 99.0
SIGMA_CAP = 20.0

OUT = PACKAGE_DATA / "elasticities.parquet"
PROV = PACKAGE_DATA / "elasticities.provenance.json"


def _sha256(p: Path) -> str:
    h = hashlib.sha256()
    with p.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _prefix_medians(df: pl.DataFrame, code: str, val: str, n: int) -> pl.DataFrame:
    return df.group_by(pl.col(code).str.slice(0, n).alias(f"k{n}")).agg(pl.col(val).median().alias(f"m{n}"))


def build(shared: Path) -> tuple[pl.DataFrame, dict[str, object]]:
    el = shared / "elasticities"
    f_bw = el / "BrodaWeinstein2006_US_HTS_sigma_1990_2001.csv"
    f_bgw = el / "Sigmas73countries_9403_HS3digit.csv"
    f_pt = el / "ProTEE_0_1.csv"
    f_hs = shared / "hs" / "harmonized-system_HS2022.csv"
    f_cw = shared / "trade" / "hs10_gtap_crosswalk.csv"

    hs = pl.read_csv(f_hs, schema_overrides={"hscode": pl.Utf8})
    cw = pl.read_csv(f_cw, schema_overrides={"hs10": pl.Utf8, "hs6_code": pl.Utf8}, columns=["hs6_code"])
    universe = (
        pl.concat(
            [
                hs.filter(pl.col("level") == 6).select(pl.col("hscode").alias("hs6")),
                cw.select(pl.col("hs6_code").alias("hs6")),
            ]
        )
        .unique()
        .filter(pl.col("hs6").str.contains(r"^\d{6}$"))
        .sort("hs6")
    )

    # --- Broda-Weinstein sigma, HTS10 -> HS6 medians
    bw = pl.read_csv(f_bw, schema_overrides={"HTS": pl.Utf8}).select(
        pl.col("HTS").str.zfill(10).alias("hts"), pl.col("sigma_1990_2001").alias("s")
    )
    bw6 = _prefix_medians(bw, "hts", "s", 6)
    bw4 = _prefix_medians(bw, "hts", "s", 4)
    bw2 = _prefix_medians(bw, "hts", "s", 2)
    bw_all = float(bw6["m6"].median())  # type: ignore[arg-type]
    bgw = (
        pl.read_csv(f_bgw)
        .filter(pl.col("cname") == "USA")
        .select(
            pl.col("hs_3digit").cast(pl.Int64).cast(pl.Utf8).str.zfill(3).alias("k3"),
            pl.col("sigma").alias("m3"),
        )
    )

    # --- ProTEE trade elasticity (signed), reliable estimates only at HS6
    pt = pl.read_csv(f_pt, schema_overrides={"HS6": pl.Utf8})
    ok = pt.filter((pl.col("zero") == 0) & (pl.col("positive") == 0) & pl.col("sigma").is_not_null())
    ok = ok.select(pl.col("HS6").alias("hs6"), pl.col("sigma").alias("te"))
    pt6 = ok.rename({"hs6": "k6", "te": "m6"})
    pt4 = _prefix_medians(ok, "hs6", "te", 4)
    pt2 = _prefix_medians(ok, "hs6", "te", 2)
    pt_all = float(ok["te"].median())  # type: ignore[arg-type]

    u = universe.with_columns(
        pl.col("hs6").alias("k6"),
        pl.col("hs6").str.slice(0, 4).alias("k4"),
        pl.col("hs6").str.slice(0, 3).alias("k3"),
        pl.col("hs6").str.slice(0, 2).alias("k2"),
    )
    s = (
        u.join(bw6.rename({"m6": "bw6"}), on="k6", how="left")
        .join(bw4.rename({"m4": "bw4"}), on="k4", how="left")
        .join(bgw.rename({"m3": "bgw3"}), on="k3", how="left")
        .join(bw2.rename({"m2": "bw2"}), on="k2", how="left")
        .join(pt6.rename({"m6": "pt6"}), on="k6", how="left")
        .join(pt4.rename({"m4": "pt4"}), on="k4", how="left")
        .join(pt2.rename({"m2": "pt2"}), on="k2", how="left")
    )
    sigma_raw = pl.coalesce("bw6", "bw4", "bgw3", "bw2", pl.lit(bw_all))
    sigma_src = (
        pl.when(pl.col("bw6").is_not_null())
        .then(pl.lit("broda_weinstein_hs6_median"))
        .when(pl.col("bw4").is_not_null())
        .then(pl.lit("broda_weinstein_hs4_median"))
        .when(pl.col("bgw3").is_not_null())
        .then(pl.lit("bgw_usa_hs3"))
        .when(pl.col("bw2").is_not_null())
        .then(pl.lit("broda_weinstein_hs2_median"))
        .otherwise(pl.lit("broda_weinstein_global_median"))
    )
    te_src = (
        pl.when(pl.col("pt6").is_not_null())
        .then(pl.lit("protee_hs6"))
        .when(pl.col("pt4").is_not_null())
        .then(pl.lit("protee_hs4_median"))
        .when(pl.col("pt2").is_not_null())
        .then(pl.lit("protee_hs2_median"))
        .otherwise(pl.lit("protee_global_median"))
    )
    out = s.select(
        "hs6",
        pl.min_horizontal(sigma_raw, pl.lit(SIGMA_CAP)).alias("sigma"),
        pl.when(sigma_raw > SIGMA_CAP)
        .then(sigma_src + pl.lit("+capped"))
        .otherwise(sigma_src)
        .alias("sigma_source"),
        pl.lit(ETA_DEFAULT).alias("import_demand_elasticity"),
        pl.lit("default_gsim_calibration").alias("eta_source"),
        pl.lit(EPS_DEFAULT).alias("export_supply_elasticity"),
        pl.lit("default_smart_99").alias("eps_source"),
        pl.coalesce("pt6", "pt4", "pt2", pl.lit(pt_all)).alias("trade_elasticity"),
        te_src.alias("trade_elasticity_source"),
    ).sort("hs6")
    for c in ("sigma_source", "eta_source", "eps_source", "trade_elasticity_source"):
        out = out.with_columns(pl.col(c).cast(pl.Categorical))

    prov: dict[str, object] = {
        "built": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "script": "scripts/build_elasticities.py",
        "sources": {
            p.name: {"sha256": _sha256(p), "folder": p.parent.name} for p in (f_bw, f_bgw, f_pt, f_hs, f_cw)
        },
        "licences": {
            "ProTEE_0_1.csv": "Etalab Open Licence 2.0 - CEPII ProTEE 0.1 (Fontagne, Guimbard & Orefice 2022)",
            "BrodaWeinstein2006_US_HTS_sigma_1990_2001.csv": "MIT (R package concordance data)",
            "Sigmas73countries_9403_HS3digit.csv": "MIT (R package concordance data)",
            "harmonized-system_HS2022.csv": "ODC-PDDL",
            "hs10_gtap_crosswalk.csv": "MIT (Yale Budget Lab tariff-rate-tracker)",
        },
        "defaults": {
            "import_demand_elasticity": ETA_DEFAULT,
            "export_supply_elasticity": EPS_DEFAULT,
            "sigma_cap": SIGMA_CAP,
            "sigma_global_median": bw_all,
            "trade_elasticity_global_median": pt_all,
        },
        "rows": out.height,
        "sigma_source_counts": {
            str(k): int(v) for k, v in out.group_by("sigma_source").len().sort("sigma_source").iter_rows()
        },
        "trade_elasticity_source_counts": {
            str(k): int(v)
            for k, v in out.group_by("trade_elasticity_source")
            .len()
            .sort("trade_elasticity_source")
            .iter_rows()
        },
    }
    return out, prov


def main() -> None:
    out, prov = build(shared_data())
    OUT.parent.mkdir(parents=True, exist_ok=True)
    out.write_parquet(OUT, compression="zstd")
    PROV.write_text(json.dumps(prov, indent=2) + "\n")
    print(f"wrote {OUT.name}: {out.height} HS6 rows, {OUT.stat().st_size / 1024:.0f} KiB")
    print(json.dumps(prov["sigma_source_counts"], indent=2))


if __name__ == "__main__":
    main()
