"""Build the USMCA claim shares by HTS10 line, partner and month (``usmca_claims_2025.parquet``).

Source: USITC DataWeb imports for consumption from Canada and Mexico by HTS10 and month, 2025,
with the value entered under USMCA (special programme indicator S/S+), as extracted by the Yale
Budget Lab tracker (``trade/ca_mx_hts10_monthly_2025``). Rows: ``hts10, partner, period,
usmca_share`` where ``period`` 1-12 is a 2025 month and 0 is the latest regime, July-December 2025
pooled (value-weighted). Claims jumped in July 2025 (Canada 34-58% -> ~86-90%) when the fentanyl
IEEPA duties began to spare USMCA goods only if claimed, so the annual mean misstates both halves.
Shares are stored in basis points (UInt16) to keep the table small.

Run: ``python scripts/build_usmca_claims.py``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys

import polars as pl

from tariffscope.paths import PACKAGE_DATA, shared_data
from tariffscope.trade.formats import load_camx

LATEST_FROM_MONTH = 7  # the July 2025 break: the latest regime pools July-December


def build() -> tuple[pl.DataFrame, dict[str, object]]:
    src = shared_data() / "trade" / "ca_mx_hts10_monthly_2025"
    r = load_camx(src)
    if r.n_skipped:
        raise SystemExit(f"{src}: {r.n_skipped} rows skipped")
    f = r.frame.filter(pl.col("value_usd") > 0).with_columns(pl.col("period").dt.month().alias("m"))
    monthly = f.group_by("hts10", "partner", pl.col("m").alias("period")).agg(
        pl.col("usmca_value").sum(), pl.col("value_usd").sum()
    )
    latest = (
        f.filter(pl.col("m") >= LATEST_FROM_MONTH)
        .group_by("hts10", "partner")
        .agg(pl.col("usmca_value").sum(), pl.col("value_usd").sum())
        .with_columns(pl.lit(0, pl.Int8).alias("period"))
    )
    out = (
        pl.concat([monthly.with_columns(pl.col("period").cast(pl.Int8)), latest.select(monthly.columns)])
        .select(
            "hts10",
            pl.col("partner").cast(pl.Categorical),
            pl.col("period").cast(pl.Int8),
            (pl.col("usmca_value") / pl.col("value_usd") * 1e4)
            .round()
            .clip(0, 1e4)
            .cast(pl.UInt16)
            .alias("usmca_bp"),
        )
        .sort("partner", "hts10", "period")
    )
    by_month = (
        f.group_by("partner", "m")
        .agg((pl.col("usmca_value").sum() / pl.col("value_usd").sum()).round(3).alias("s"))
        .sort("partner", "m")
    )
    sha = hashlib.sha256()
    for p in sorted(src.glob("*.csv*")):
        sha.update(p.read_bytes())
    meta = {
        "built": dt.date.today().isoformat(),
        "script": "scripts/build_usmca_claims.py",
        "source": {"file": "trade/ca_mx_hts10_monthly_2025", "sha256": sha.hexdigest()},
        "what": "USMCA claim share (usmca_value / total_value) by HTS10 x partner x 2025 month; period 0 = Jul-Dec 2025",
        "partner_share_by_month": {
            p: dict(zip([str(m) for m in g["m"].to_list()], g["s"].to_list(), strict=True))
            for (p,), g in by_month.group_by("partner", maintain_order=True)
        },
        "rows": out.height,
    }
    return out, meta


def main() -> int:
    out, meta = build()
    out.write_parquet(PACKAGE_DATA / "usmca_claims_2025.parquet", compression="zstd", compression_level=19)
    (PACKAGE_DATA / "usmca_claims.provenance.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(out.height, (PACKAGE_DATA / "usmca_claims_2025.parquet").stat().st_size // 1024, "KiB")
    print(json.dumps(meta["partner_share_by_month"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
