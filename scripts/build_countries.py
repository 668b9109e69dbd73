"""Build ``src/tariffscope/data/countries.csv``: Census Schedule C codes joined to ISO 3166-1.

Input: ``trade/census_country_codes.csv`` in the shared source data (Census Schedule C, 240 rows,
Japan = 5880). ISO 3166-1 comes from ``pycountry`` (a build-time dependency only, in the ``dev``
extra). Census names are matched to ISO by ``pycountry.countries.lookup``; the names it does not
recognise are resolved by the explicit table ``CENSUS_TO_ISO2`` below. Census areas that have no
ISO 3166-1 code get a *user-assigned* code (ISO 3166-1 reserves ``XA``-``XZ`` for such use) listed in
``NON_ISO``; the output marks them ``iso_standard = false``.

ISO countries without a Census code of their own (Census folds e.g. Jersey into the United Kingdom)
are kept with an empty ``census_code`` so that ISO input still resolves.

Run: ``python scripts/build_countries.py`` (writes the CSV and a ``countries.provenance.json``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from pathlib import Path

import polars as pl
import pycountry

from tariffscope.paths import PACKAGE_DATA, shared_data

# Census Schedule C names that pycountry's lookup does not recognise -> ISO 3166-1 alpha-2.
CENSUS_TO_ISO2: dict[str, str] = {
    "Sint Maarten": "SX",  # Sint Maarten (Dutch part)
    "Curacao": "CW",  # Curaçao
    "Falkland Islands (Islas Malvinas)": "FK",
    "Denmark, except Greenland": "DK",  # Census reports Greenland separately (1010 -> GL)
    "Germany (Federal Republic of Germany)": "DE",
    "Russia": "RU",  # Russian Federation
    "Moldova (Republic of Moldova)": "MD",
    "Holy See (Vatican City)": "VA",
    "Turkey": "TR",  # ISO short name: Türkiye
    "Syria (Syrian Arab Republic)": "SY",
    "Yemen (Republic of Yemen)": "YE",
    "Burma (Myanmar)": "MM",
    "Laos (Lao People's Democratic Republic)": "LA",
    "Brunei": "BN",  # Brunei Darussalam
    "North Korea (Democratic People's Republic of Korea)": "KP",
    "South Korea (Republic of Korea)": "KR",
    "Christmas Island (in the Indian Ocean)": "CX",
    "Samoa (Western Samoa)": "WS",
    "Pitcairn Islands": "PN",  # ISO: Pitcairn
    "Cote d'Ivoire": "CI",
    "Saint Helena": "SH",  # ISO: Saint Helena, Ascension and Tristan da Cunha
    "Congo, Republic of the Congo": "CG",
    "Congo, Democratic Republic of the Congo (formerly Za": "CD",  # Census truncates the name
    "Tanzania (United Republic of Tanzania)": "TZ",
    "Reunion": "RE",  # Réunion
    "French Southern and Antarctic Lands": "TF",  # ISO: French Southern Territories
}

# Census areas with no ISO 3166-1 code: stable user-assigned codes (ISO 3166-1 §3.4 reserves XA-XZ).
# Kosovo's XK/XKX is the code the European Commission, IMF and World Bank use. ISO's PS (Palestine)
# covers both Gaza and the West Bank, which Census reports separately, so each gets its own code.
NON_ISO: dict[str, tuple[str, str, str]] = {
    "Kosovo": ("XK", "XKX", "Kosovo"),
    "Gaza Strip administered by Israel": ("XG", "XGZ", "Gaza Strip"),
    "West Bank administered by Israel": ("XW", "XWB", "West Bank"),
}


# Display names where the ISO short name is in inverted "X, Y of" form.
DISPLAY_NAMES: dict[str, str] = {
    "CD": "Democratic Republic of the Congo",
    "CG": "Republic of the Congo",
    "FM": "Micronesia",
    "PS": "Palestine",
    "VG": "British Virgin Islands",
    "VI": "US Virgin Islands",
}


def _display(rec: object) -> str:
    code = getattr(rec, "alpha_2", "")
    return str(DISPLAY_NAMES.get(code) or getattr(rec, "common_name", None) or getattr(rec, "name", code))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def build(src: Path, out: Path) -> pl.DataFrame:
    """Join Census Schedule C to ISO 3166-1 and write ``out``; fail on any unmatched name."""
    census = pl.read_csv(src, schema_overrides={"Code": pl.Utf8})
    rows: list[dict[str, object]] = []
    seen_iso2: dict[str, str] = {}
    unmatched: list[str] = []
    for code, cname in census.iter_rows():
        code = code.zfill(4)
        if cname in NON_ISO:
            iso2, iso3, name = NON_ISO[cname]
            rows.append(
                {
                    "iso2": iso2,
                    "iso3": iso3,
                    "census_code": code,
                    "name": name,
                    "census_name": cname,
                    "iso_standard": False,
                }
            )
            seen_iso2[iso2] = code
            continue
        try:
            rec = (
                pycountry.countries.get(alpha_2=CENSUS_TO_ISO2[cname])
                if cname in CENSUS_TO_ISO2
                else pycountry.countries.lookup(cname)
            )
        except LookupError:
            rec = None
        if rec is None:
            unmatched.append(f"{code} {cname}")
            continue
        if rec.alpha_2 in seen_iso2:
            raise SystemExit(f"ISO {rec.alpha_2} matched by Census {seen_iso2[rec.alpha_2]} and {code}")
        seen_iso2[rec.alpha_2] = code
        rows.append(
            {
                "iso2": rec.alpha_2,
                "iso3": rec.alpha_3,
                "census_code": code,
                "name": _display(rec),
                "census_name": cname,
                "iso_standard": True,
            }
        )
    if unmatched:
        raise SystemExit(
            "Census names with no ISO match; add them to CENSUS_TO_ISO2: " + "; ".join(unmatched)
        )
    for rec in pycountry.countries:
        if rec.alpha_2 not in seen_iso2:
            rows.append(
                {
                    "iso2": rec.alpha_2,
                    "iso3": rec.alpha_3,
                    "census_code": None,
                    "name": _display(rec),
                    "census_name": None,
                    "iso_standard": True,
                }
            )
    df = pl.DataFrame(
        rows,
        schema={
            "iso2": pl.Utf8,
            "iso3": pl.Utf8,
            "census_code": pl.Utf8,
            "name": pl.Utf8,
            "census_name": pl.Utf8,
            "iso_standard": pl.Boolean,
        },
    ).sort("iso2")
    out.parent.mkdir(parents=True, exist_ok=True)
    df.write_csv(out)
    meta = {
        "table": out.name,
        "built": dt.date.today().isoformat(),
        "script": "scripts/build_countries.py",
        "sources": [
            {"file": "trade/census_country_codes.csv", "sha256": _sha256(src), "what": "Census Schedule C"},
            {
                "package": "pycountry",
                "version": getattr(pycountry, "__version__", "unknown"),
                "what": "ISO 3166-1",
            },
        ],
        "rows": df.height,
        "census_rows": int(df["census_code"].is_not_null().sum()),
        "non_iso_codes": {v[0]: k for k, v in NON_ISO.items()},
    }
    out.with_name("countries.provenance.json").write_text(json.dumps(meta, indent=2) + "\n")
    return df


def main() -> int:
    src = shared_data() / "trade" / "census_country_codes.csv"
    df = build(src, PACKAGE_DATA / "countries.csv")
    print(f"wrote {df.height} countries ({df['census_code'].is_not_null().sum()} with a Census code)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
