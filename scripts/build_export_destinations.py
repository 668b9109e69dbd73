"""Build the compact table of where each country's exports go (``tariffscope/data/export_destinations.csv``).

The GSIM view of a negotiation package (:mod:`tariffscope.scenarios.package_gsim`) must know how much of an
exporter's sales go to markets other than the two sides of the deal: a tariff that closes part of the US
market pushes the partner's goods into those other markets, and their size sets how far its world price falls.

Source (read from ``tariffscope.paths.shared_data()/gravity``): ``wiod_tradedata_2000_2014.csv``, the WIOD-based
bilateral trade of 43 economies and a rest of the world, the example data of the GEGravity package
(Baier, Yotov & Zylkin). We keep year 2014 (the latest), international flows only (no domestic sales), and
write ``exporter, importer, trade_musd`` with ISO2 codes (``ROW`` stays ``ROW``). Values are all goods and
services together, so destination shares are a proxy for any single product; the package view reports this
and lets users override the shares.

Run: ``python scripts/build_export_destinations.py`` (writes the CSV and a ``.provenance.json`` sidecar).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import polars as pl

from tariffscope.countries import country
from tariffscope.paths import PACKAGE_DATA, shared_data

YEAR = 2014
OUT = PACKAGE_DATA / "export_destinations.csv"
PROV = PACKAGE_DATA / "export_destinations.provenance.json"


def _sha256(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _iso2(code: str) -> str:
    return "ROW" if code == "ROW" else country(code).iso2


def build(shared: Path) -> tuple[pl.DataFrame, dict[str, object]]:
    src = shared / "gravity" / "wiod_tradedata_2000_2014.csv"
    raw = pl.read_csv(src)
    df = raw.filter((pl.col("year") == YEAR) & (pl.col("exporter") != pl.col("importer")))
    codes = sorted(set(df["exporter"].to_list()) | set(df["importer"].to_list()))
    iso = {c: _iso2(c) for c in codes}
    out = (
        df.select(
            pl.col("exporter").replace_strict(iso).alias("exporter"),
            pl.col("importer").replace_strict(iso).alias("importer"),
            pl.col("trade").round(3).alias("trade_musd"),
        )
        .filter(pl.col("trade_musd") > 0)
        .sort("exporter", "importer")
    )
    prov: dict[str, object] = {
        "built": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "script": "scripts/build_export_destinations.py",
        "sources": {src.name: {"sha256": _sha256(src), "folder": src.parent.name}},
        "licences": {src.name: "WIOD data (attribution: Timmer et al. 2015, WIOD 2016 release), via R GEGravity"},
        "year": YEAR,
        "rows": out.height,
        "units": "the source's trade values (millions of US dollars); only shares are used",
        "note": "international flows only; all goods and services, so a proxy for any single product",
    }
    return out, prov


def main() -> None:
    out, prov = build(shared_data())
    out.write_csv(OUT)
    PROV.write_text(json.dumps(prov, indent=2) + "\n")
    print(f"wrote {OUT.name}: {out.height} rows")


if __name__ == "__main__":
    main()
