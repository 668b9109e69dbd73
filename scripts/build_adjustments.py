"""Build the compact per-HTS10 metal-content shares shipped with the package.

Source: ``../shared/data/adjustments/metal_content_shares_bea_hs10.csv`` (steel, aluminium and
copper share of value per HTS10, estimated from BEA input-output tables by the Budget Lab at Yale's
tariff-rate-tracker, MIT licence). Output: ``src/tariffscope/data/metal_shares.parquet`` with
provenance in its sidecar JSON. The resolver uses these shares for the ``steel``/``aluminum``/
``copper``/``metal`` bases when an entry line does not declare its own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import polars as pl

from tariffscope.paths import PACKAGE_DATA, shared_data

SOURCE = "adjustments/metal_content_shares_bea_hs10.csv"


def main() -> None:
    src = shared_data() / SOURCE
    df = pl.read_csv(src, schema_overrides={"hs10": pl.String, "bea_detail_code": pl.String})
    # Rows with no BEA commodity (NAICS 910000/930000/980000/990000 placeholders, bea_detail_code NA) carry
    # shares of 0 with metal_share 1: unknown, not "no metal". Dropped where their heading has mapped lines,
    # so the resolver uses the line's parent mean (resolver/shares.py) instead of pricing a 232 derivative's
    # content at 0; kept (0) where the whole heading is unmapped (artworks and antiques of chapter 97).
    na = pl.col("bea_detail_code").is_null() | (pl.col("bea_detail_code") == "NA")
    mapped4 = df.filter(~na)["hs10"].str.zfill(10).str.slice(0, 4).unique()
    unknown = na & pl.col("hs10").str.zfill(10).str.slice(0, 4).is_in(mapped4.implode())
    out = (
        df.filter(~unknown)
        .select(
            pl.col("hs10").str.zfill(10).alias("hts10"),
            pl.col("steel_share").cast(pl.Float32),
            pl.col("aluminum_share").cast(pl.Float32),
            pl.col("copper_share").cast(pl.Float32),
        )
        .unique("hts10", keep="first")
        .sort("hts10")
    )
    dest = PACKAGE_DATA / "metal_shares.parquet"
    out.write_parquet(dest, compression="zstd")
    prov = {
        "output": dest.name,
        "source": SOURCE,
        "sha256": hashlib.sha256(src.read_bytes()).hexdigest(),
        "origin": "Budget Lab at Yale, tariff-rate-tracker (BEA input-output based estimates), MIT",
        "rows": out.height,
        "dropped_unknown": df.filter(unknown).height,
        "built": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    Path(dest.with_suffix(".provenance.json")).write_text(json.dumps(prov, indent=2) + "\n")
    print(f"wrote {dest.name}: {out.height} rows")


if __name__ == "__main__":
    main()
