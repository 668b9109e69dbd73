"""Build the compact 2024 import-weight inputs shipped in ``src/tariffscope/data/weights_*``.

Only the small inputs are shipped; :func:`tariffscope.trade.weights.load_weights` spreads them to
HTS10 lines at load time (the spread table would be ~1.5 M rows). Files written:

- ``weights_gtap_2024.parquet``: 2024 US consumption imports by partner (ISO2) × GTAP-45 sector,
  from ``trade/imports_by_country_gtap_2024.csv`` (Census IMDB via the Yale Budget Lab tracker;
  total ≈ $3.12T). Zero cells are dropped.
- ``weights_hts10_shape.parquet``: every HTS10 line of ``trade/hs10_gtap_crosswalk.csv`` with its
  GTAP sector and ``shape_usd``, the pooled value of that line in the exact HTS10 data (Canada and
  Mexico 2025, African partners 2024). Within a sector, a partner's GTAP value is spread over lines
  in proportion to ``shape_usd``; a sector with no observed value is spread in equal shares.
- ``weights_exact.parquet``: the exact HTS10 data that replaces the spread for its partners:
  Canada and Mexico 2025 (12 monthly files summed, with USMCA value) and the African partners 2024
  (USA Trade Online). Zero rows are dropped.
- ``weights_hs_chapters.csv``: HS chapter -> HS section (from ``hs/harmonized-system_HS2022.csv`` and
  ``hs/sections.csv``), and ``weights_gtap_sectors.csv``: GTAP code -> name.
- ``weights.provenance.json``: source files with SHA-256, build date, totals.

Run: ``python scripts/build_weights.py``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from pathlib import Path

import polars as pl

from tariffscope.countries import normalize_countries
from tariffscope.paths import PACKAGE_DATA, shared_data
from tariffscope.trade.formats import load_camx, load_usatradeonline

# US chapters outside the international HS nomenclature (HS sections stop at XXI, chapter 97).
US_CHAPTERS = {
    "77": ("RES", "Reserved for future use in the HS"),
    "98": ("US", "US special classification provisions (chapters 98-99)"),
    "99": ("US", "US special classification provisions (chapters 98-99)"),
}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for f in files:
        h.update(f.read_bytes())
    return h.hexdigest()


def build_gtap(src: Path) -> pl.DataFrame:
    g = pl.read_csv(src)
    sectors = [c for c in g.columns[3:] if not c.startswith("s232")]
    if len(sectors) != 45:
        raise SystemExit(f"{src}: expected 45 GTAP sector columns, found {len(sectors)}")
    iso2, errors = normalize_countries(g["cty_code"].cast(pl.Utf8))
    if errors.height:
        raise SystemExit(f"{src}: unknown Census codes {errors['value'].to_list()}")
    long = (
        g.with_columns(
            iso2.alias("partner"), pl.col("cty_code").cast(pl.Utf8).str.zfill(4).alias("census_code")
        )
        .unpivot(
            index=["partner", "census_code"], on=sectors, variable_name="sector", value_name="imports_usd"
        )
        .with_columns(
            pl.col("sector").str.split(" ").list.first().alias("gtap"), pl.col("imports_usd").cast(pl.Float64)
        )
        .filter(pl.col("imports_usd") > 0)
        .select("partner", "census_code", "gtap", "imports_usd")
        .sort("partner", "gtap")
    )
    total = float(g["total_imports"].sum())
    if abs(float(long["imports_usd"].sum()) - total) > 1:
        raise SystemExit(f"{src}: sector columns do not add up to total_imports")
    return long


def build_exact(camx_dir: Path, africa: Path) -> pl.DataFrame:
    camx = load_camx(camx_dir)
    if camx.n_skipped:
        raise SystemExit(f"{camx_dir}: {camx.n_skipped} rows skipped; fix the loader or the data")
    ca_mx = (
        camx.frame.group_by("hts10", "partner")
        .agg(pl.col("value_usd").sum().alias("imports_usd"), pl.col("usmca_value").sum().alias("usmca_usd"))
        .with_columns(pl.lit(2025, pl.Int16).alias("data_year"), pl.lit("camx_2025").alias("source"))
    )
    af = load_usatradeonline(africa)
    if af.n_skipped:
        raise SystemExit(f"{africa}: {af.n_skipped} rows skipped")
    afr = (
        af.frame.group_by("hts10", "partner")
        .agg(pl.col("value_usd").sum().alias("imports_usd"))
        .with_columns(
            pl.lit(None, pl.Float64).alias("usmca_usd"),
            pl.lit(2024, pl.Int16).alias("data_year"),
            pl.lit("usatradeonline_africa_2024").alias("source"),
        )
    )
    cols = ["hts10", "partner", "imports_usd", "usmca_usd", "data_year", "source"]
    return (
        pl.concat([ca_mx.select(cols), afr.select(cols)])
        .filter(pl.col("imports_usd") > 0)
        .sort("partner", "hts10")
    )


def build_shape(crosswalk: Path, exact: pl.DataFrame) -> pl.DataFrame:
    cw = pl.read_csv(crosswalk, infer_schema_length=0).select(
        pl.col("hs10").alias("hts10"),
        pl.col("hs6_code").alias("hs6"),
        pl.col("gtap_code").str.to_lowercase().alias("gtap"),
    )
    if cw["hts10"].n_unique() != cw.height:
        raise SystemExit(f"{crosswalk}: duplicate hs10 rows")
    pooled = exact.group_by("hts10").agg(pl.col("imports_usd").sum().alias("shape_usd"))
    return (
        cw.with_columns(pl.when(pl.col("gtap") == "na").then(None).otherwise(pl.col("gtap")).alias("gtap"))
        .join(pooled, on="hts10", how="left")
        .with_columns(pl.col("shape_usd").fill_null(0.0))
        .sort("hts10")
    )


def build_chapters(hs_csv: Path, sections_csv: Path) -> pl.DataFrame:
    hs = pl.read_csv(hs_csv, infer_schema_length=0)
    sec = pl.read_csv(sections_csv, infer_schema_length=0).rename({"name": "section_name"})
    ch = (
        hs.filter((pl.col("level") == "2") & (pl.col("section") != "TOTAL"))
        .select(pl.col("hscode").alias("chapter"), "section")
        .join(sec, on="section", how="left")
    )
    extra = pl.DataFrame(
        [(c, s, n) for c, (s, n) in US_CHAPTERS.items() if c not in ch["chapter"].to_list()],
        schema={"chapter": pl.Utf8, "section": pl.Utf8, "section_name": pl.Utf8},
        orient="row",
    )
    return pl.concat([ch, extra]).sort("chapter")


def main() -> int:
    sd = shared_data()
    src = {
        "gtap": sd / "trade" / "imports_by_country_gtap_2024.csv",
        "crosswalk": sd / "trade" / "hs10_gtap_crosswalk.csv",
        "camx": sd / "trade" / "ca_mx_hts10_monthly_2025",
        "africa": sd / "trade" / "us_imports_hts10_africa_2024_usatradeonline.csv",
        "gtap_names": sd / "trade" / "gtap_sector_names.csv",
        "hs": sd / "hs" / "harmonized-system_HS2022.csv",
        "sections": sd / "hs" / "sections.csv",
    }
    out = PACKAGE_DATA
    gtap = build_gtap(src["gtap"])
    exact = build_exact(src["camx"], src["africa"])
    shape = build_shape(src["crosswalk"], exact)
    chapters = build_chapters(src["hs"], src["sections"])
    names = pl.read_csv(src["gtap_names"]).rename({"gtap_code": "gtap", "sector_name": "gtap_name"})
    gtap.write_parquet(out / "weights_gtap_2024.parquet", compression="zstd", compression_level=19)
    shape.write_parquet(out / "weights_hts10_shape.parquet", compression="zstd", compression_level=19)
    exact.write_parquet(out / "weights_exact.parquet", compression="zstd", compression_level=19)
    chapters.write_csv(out / "weights_hs_chapters.csv")
    names.write_csv(out / "weights_gtap_sectors.csv")
    meta = {
        "built": dt.date.today().isoformat(),
        "script": "scripts/build_weights.py",
        "sources": {k: {"file": str(p.relative_to(sd)), "sha256": _sha256(p)} for k, p in src.items()},
        "gtap_total_usd": gtap["imports_usd"].sum(),
        "gtap_partners": gtap["partner"].n_unique(),
        "exact_rows": exact.height,
        "exact_total_usd_by_source": {
            s: v
            for s, v in exact.group_by("source").agg(pl.col("imports_usd").sum()).sort("source").iter_rows()
        },
        "shape_lines": shape.height,
        "rule": (
            "partner x GTAP sector value spread over the sector's HTS10 lines in proportion to the pooled "
            "exact HTS10 value of CA/MX 2025 and African partners 2024 (equal shares where a sector has "
            "none); replaced by the exact HTS10 data for those partners"
        ),
    }
    (out / "weights.provenance.json").write_text(json.dumps(meta, indent=2) + "\n")
    sizes = {p.name: p.stat().st_size for p in sorted(out.glob("weights*"))}
    for n, b in sizes.items():
        print(f"{n:32s} {b / 1024:8.1f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
