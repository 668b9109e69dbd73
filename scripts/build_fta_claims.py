"""Build the FTA claim shares of the owed view (``src/tariffscope/data/fta_claim_shares.csv``).

Source: ``adjustments/mfn_exemption_shares.csv`` of the Yale Budget Lab tracker (MIT): the share of
the statutory MFN duty waived by preference claims, by HS2 chapter x country, computed from Census
"calculated duty" against MFN duty on 2024 imports. Kept only for the partners of a US free trade
agreement whose programme symbol the HTS special column lists (``PROGRAMMES``); that share is
taken as the claim rate on the lines where the programme's special rate is Free. For other
partners (GSP expired 2020-12-31; AGOA, CBERA/CBTPA and the rest) no claim is assumed: the
table's share for them mixes other duty-free provisions (it is 0.55 for China, which has no FTA).

Run: ``python scripts/build_fta_claims.py``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys

import polars as pl

from tariffscope.countries import normalize_countries
from tariffscope.paths import PACKAGE_DATA, shared_data

# ISO2 -> HTS special programme symbols of its US agreement (HTS General Note 3(c)(i)).
PROGRAMMES: dict[str, str] = {
    "AU": "AU", "BH": "BH", "CL": "CL", "CO": "CO", "IL": "IL", "JO": "JO", "KR": "KR", "MA": "MA",
    "OM": "OM", "PA": "PA", "PE": "PE", "SG": "SG", "JP": "JP",
    # CAFTA-DR: P and P+
    "CR": "P;P+", "DO": "P;P+", "SV": "P;P+", "GT": "P;P+", "HN": "P;P+", "NI": "P;P+",
}  # fmt: skip


def main() -> int:
    src = shared_data() / "adjustments" / "mfn_exemption_shares.csv"
    m = pl.read_csv(src, infer_schema_length=0)
    iso, err = normalize_countries(m["cty_code"])
    if err.height:
        raise SystemExit(f"{src}: unknown Census codes {err['value'].to_list()[:5]}")
    out = (
        m.with_columns(iso.alias("partner"), pl.col("exemption_share").cast(pl.Float64).clip(0.0, 1.0))
        .filter(pl.col("partner").is_in(list(PROGRAMMES)))
        .select(
            "partner",
            pl.col("partner").replace_strict(PROGRAMMES).alias("programmes"),
            pl.col("hs2").str.zfill(2).alias("chapter"),
            pl.col("exemption_share").round(4).alias("claim_share"),
        )
        .sort("partner", "chapter")
    )
    out.write_csv(PACKAGE_DATA / "fta_claim_shares.csv")
    meta = {
        "built": dt.date.today().isoformat(),
        "script": "scripts/build_fta_claims.py",
        "source": {
            "file": "adjustments/mfn_exemption_shares.csv",
            "sha256": hashlib.sha256(src.read_bytes()).hexdigest(),
            "origin": "Budget Lab at Yale, tariff-rate-tracker (MIT), from Census calculated duty, 2024",
        },
        "rule": "claim share on lines whose HTS special column lists the partner's programme as Free; "
        "a chapter missing for the partner uses the partner's mean share; other partners: no claim",
        "partners": sorted(PROGRAMMES),
    }
    (PACKAGE_DATA / "fta_claim_shares.provenance.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(out.height, "rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
