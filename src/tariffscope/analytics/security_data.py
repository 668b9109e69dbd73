"""Cited inputs of the security report: critical goods, leverage cards, partners' exports to the US.

- Critical goods: the law's own lists read from the catalogue (Section 232 semiconductors note 39,
  patented pharmaceuticals Proc. 11020, copper Proc. 10962, drones; Annex II of EO 14257 as amended to
  2025-09-08, before the agricultural additions of 2025-11-13) plus ``data/security_critical.yaml``
  (EO 14017 supply-chain reviews, USGS 2022 critical minerals list; HS mapping documented there).
- Leverage cards: ``data/security_cards.csv`` (``partner, side, card, value, unit, as_of, source,
  note``), replaceable by a user CSV/YAML of the same columns.
- Partners' exports: ``data/security_partner_exports.csv`` (official statistics of the partner,
  e.g. Japan's Ministry of Finance), else the WIOD 2014 bilateral table as a labelled proxy.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from tariffscope.catalogue.loader import Catalogue, default_catalogue
from tariffscope.errors import DataError
from tariffscope.paths import PACKAGE_DATA

CARD_COLUMNS = ["partner", "side", "card", "value", "unit", "as_of", "source", "note"]

# measure id -> (category, title) of the law's lists that name goods on national-security grounds
LAW_MEASURES = {
    "us.s232.semiconductors": (
        "s232_semiconductors",
        "Section 232 semiconductors (note 39, Jan. 2026 proclamation)",
    ),
    "us.s232.pharma": ("s232_pharma", "Section 232 patented pharmaceuticals (Proc. 11020 annex, note 40)"),
    "us.s232.copper": ("s232_copper", "Section 232 copper (Proc. 10962, note 36)"),
    "us.s232.drones": ("s232_drones", "Section 232 unmanned aircraft systems"),
}
ANNEX_II_CUTOFF = dt.date(2025, 11, 13)  # agricultural additions (90 FR 54091) are not security goods
# a sector of the partner's export statistics -> HS prefixes of the same goods in US imports
SECTOR_PREFIXES = {
    "all goods": [""],
    "automobiles": ["8702", "8703", "8704"],
    "automobiles and parts": ["8702", "8703", "8704", "8708"],
    "auto parts": ["8708"],
}


def _digits(code: str) -> str:
    return "".join(ch for ch in str(code) if ch.isdigit())


def _rule_prefixes(cat: Catalogue, rule: Any) -> list[str]:
    out: list[str] = []
    for item in rule.products.include:
        if isinstance(item, str):
            out.append(_digits(item))
        else:
            lst = cat.product_list(item.list)
            out.extend(lst["hts"].cast(pl.String).str.replace_all(r"\D", "").to_list())
    return out


def critical_goods(catalogue: Catalogue | None = None) -> pl.DataFrame:
    """``prefix, category, title, origin, source``: HS prefixes of critical goods (``origin`` = ``law``
    for the catalogue's lists, ``documented`` for ``security_critical.yaml``)."""
    return _critical_default() if catalogue is None else _critical(catalogue)


@functools.cache
def _critical_default() -> pl.DataFrame:
    return _critical(default_catalogue())


def _critical(cat: Catalogue) -> pl.DataFrame:
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    for ref in cat.rules:
        mid = ref.measure.id
        if mid in LAW_MEASURES and mid not in seen:
            seen.add(mid)
            cat_id, title = LAW_MEASURES[mid]
            src = f"catalogue measure {mid}"
            rows += [
                {"prefix": p, "category": cat_id, "title": title, "origin": "law", "source": src}
                for p in _rule_prefixes(cat, ref.rule)
            ]
    annex = cat.product_list("annex_ii")
    if "from" in annex.columns:
        annex = annex.filter(pl.col("from").is_null() | (pl.col("from") < ANNEX_II_CUTOFF))
    rows += [
        {
            "prefix": p,
            "category": "annex_ii",
            "title": "Annex II of EO 14257 (energy, pharmaceuticals, semiconductors, critical minerals, "
            "bullion, electronics), before the 2025-11-13 agricultural additions",
            "origin": "law",
            "source": "catalogue list annex_ii (HTSUS ch. 99 note 2(v)(iii)(a), heading 9903.01.32)",
        }
        for p in annex["hts"].cast(pl.String).str.replace_all(r"\D", "").to_list()
    ]
    doc = yaml.safe_load((PACKAGE_DATA / "security_critical.yaml").read_text())
    for cid, c in doc["categories"].items():
        src = "; ".join(" ".join(doc["sources"][s].split()) for s in c["sources"])
        rows += [
            {"prefix": str(p), "category": cid, "title": c["title"], "origin": "documented", "source": src}
            for p in c["prefixes"]
        ]
    return pl.DataFrame(rows).filter(pl.col("prefix").str.len_chars() >= 2).unique(maintain_order=True)


def flag_critical(hts10: pl.Series, catalogue: Catalogue | None = None) -> pl.DataFrame:
    """``hts10, critical_lists``: the categories whose prefixes cover each line (empty list if none)."""
    crit = critical_goods(catalogue)
    base = pl.DataFrame({"hts10": hts10.unique()})
    hits = []
    for n in sorted(set(crit["prefix"].str.len_chars().to_list())):
        sub = crit.filter(pl.col("prefix").str.len_chars() == n).select("prefix", "category")
        hits.append(
            base.with_columns(pl.col("hts10").str.slice(0, n).alias("prefix"))
            .join(sub, on="prefix", how="inner")
            .select("hts10", "category")
        )
    found = (
        pl.concat(hits).unique().group_by("hts10").agg(pl.col("category").sort().alias("critical_lists"))
        if hits
        else pl.DataFrame(schema={"hts10": pl.String, "critical_lists": pl.List(pl.String)})
    )
    return base.join(found, on="hts10", how="left").with_columns(
        pl.col("critical_lists").fill_null(pl.lit([], dtype=pl.List(pl.String)))
    )


def load_cards(path: Path | str | None = None) -> pl.DataFrame:
    """Leverage cards (``CARD_COLUMNS``) from the package or from a user CSV/YAML file.

    A YAML file holds a list of mappings with those keys. Missing ``partner``, ``card`` or ``source``
    is an error naming the row: every card must say where its number comes from.
    """
    p = Path(path) if path is not None else PACKAGE_DATA / "security_cards.csv"
    if not p.exists():
        raise DataError(f"{p}: no such cards file")
    try:
        if p.suffix.lower() in (".yaml", ".yml"):
            data = yaml.safe_load(p.read_text()) or []
            if not isinstance(data, list):
                raise DataError(f"{p}: a YAML cards file is a list of cards ({', '.join(CARD_COLUMNS)})")
            df = pl.DataFrame(
                [{k: (None if r.get(k) is None else str(r.get(k))) for k in CARD_COLUMNS} for r in data]
            )
        else:
            df = pl.read_csv(p, infer_schema_length=0)
    except (yaml.YAMLError, pl.exceptions.PolarsError, OSError) as e:
        raise DataError(f"{p}: cannot read the cards ({e})") from e
    missing = [c for c in CARD_COLUMNS if c not in df.columns]
    if missing:
        raise DataError(f"{p}: cards lack column(s) {', '.join(missing)}")
    for i, r in enumerate(df.iter_rows(named=True), start=2 if p.suffix.lower() == ".csv" else 1):
        for f in ("partner", "card", "source"):
            if not (r[f] or "").strip():
                raise DataError(f"{p}: card row {i}: field {f!r} is empty")
    vals = df["value"].cast(pl.Float64, strict=False)
    bad = df.filter(df["value"].is_not_null() & (df["value"] != "") & vals.is_null())
    if bad.height:
        raise DataError(f"{p}: card value {bad['value'][0]!r} of {bad['card'][0]!r} is not a number")
    return df.with_columns(vals.alias("value"), pl.col("partner").str.to_uppercase()).select(CARD_COLUMNS)


@functools.cache
def partner_exports() -> pl.DataFrame:
    """The cited table of partners' exports (``security_partner_exports.csv``)."""
    return pl.read_csv(
        PACKAGE_DATA / "security_partner_exports.csv",
        schema_overrides={
            "exports_to_us": pl.Float64,
            "exports_total": pl.Float64,
            "year": pl.Int32,
            "us_share_stated": pl.Float64,
        },
    )


def wiod_us_share(partner: str) -> float | None:
    """The US share of ``partner``'s international exports in the WIOD 2014 table (a proxy)."""
    path = PACKAGE_DATA / "export_destinations.csv"
    if not path.exists():
        return None
    d = pl.read_csv(path, schema_overrides={"trade_musd": pl.Float64}).filter(pl.col("exporter") == partner)
    tot = float(d["trade_musd"].sum())
    if tot <= 0:
        return None
    return float(d.filter(pl.col("importer") == "US")["trade_musd"].sum()) / tot
