"""Build the compact GE baseline shipped with tariffscope (run: ``python -m tariffscope.models.ge.build_baseline``).

Source: ``gravity/wiod_tradedata_2000_2014.csv`` in the shared data folder — WIOD-based aggregate
bilateral flows incl. domestic sales for 43 economies and the rest of the world (the example data
of the ``ge_gravity`` / GEGravity packages; Timmer et al. 2015, WIOD 2016 release, attribution).
Output: ``data/wiod2014_flows.csv`` (exporter, importer as ISO 3166 alpha-2, ``ROW`` kept; trade in
millions of USD, 2014) and ``data/wiod2014_flows.provenance.json``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import polars as pl

from tariffscope.paths import shared_data

SOURCE = "gravity/wiod_tradedata_2000_2014.csv"
OUT_DIR = Path(__file__).resolve().parent / "data"
OUT = OUT_DIR / "wiod2014_flows.csv"

ISO3_TO_ISO2 = {
    "AUS": "AU", "AUT": "AT", "BEL": "BE", "BGR": "BG", "BRA": "BR", "CAN": "CA", "CHE": "CH",
    "CHN": "CN", "CYP": "CY", "CZE": "CZ", "DEU": "DE", "DNK": "DK", "ESP": "ES", "EST": "EE",
    "FIN": "FI", "FRA": "FR", "GBR": "GB", "GRC": "GR", "HRV": "HR", "HUN": "HU", "IDN": "ID",
    "IND": "IN", "IRL": "IE", "ITA": "IT", "JPN": "JP", "KOR": "KR", "LTU": "LT", "LUX": "LU",
    "LVA": "LV", "MEX": "MX", "MLT": "MT", "NLD": "NL", "NOR": "NO", "POL": "PL", "PRT": "PT",
    "ROU": "RO", "ROW": "ROW", "RUS": "RU", "SVK": "SK", "SVN": "SI", "SWE": "SE", "TUR": "TR",
    "TWN": "TW", "USA": "US",
}  # fmt: skip


def build(year: int = 2014) -> Path:
    src = shared_data() / SOURCE
    df = pl.read_csv(src).filter(pl.col("year") == float(year))
    codes = pl.DataFrame({"iso3": list(ISO3_TO_ISO2), "iso2": list(ISO3_TO_ISO2.values())})
    out = (
        df.join(codes, left_on="exporter", right_on="iso3")
        .rename({"iso2": "exp2"})
        .join(codes, left_on="importer", right_on="iso3")
        .select(pl.col("exp2").alias("exporter"), pl.col("iso2").alias("importer"), pl.col("trade").round(6))
        .sort("exporter", "importer")
    )
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out.write_csv(OUT)
    meta = {
        "source_files": [SOURCE],
        "source_sha256": {SOURCE: hashlib.sha256(src.read_bytes()).hexdigest()},
        "year": year,
        "rows": out.height,
        "built": dt.date.today().isoformat(),
        "builder": "tariffscope.models.ge.build_baseline",
        "licence": "WIOD data (Timmer et al. 2015), attribution",
    }
    OUT.with_suffix(".provenance.json").write_text(json.dumps(meta, indent=2) + "\n")
    return OUT


if __name__ == "__main__":  # pragma: no cover
    print(build())
