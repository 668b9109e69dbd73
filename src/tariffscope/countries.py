"""Countries: ISO 3166-1 alpha-2 in data; ISO3, Census Schedule C codes and publisher names on input.

The table ``data/countries.csv`` is built by ``scripts/build_countries.py`` from the Census Schedule C
list (the codes of the Census international trade API and IMDB files) joined to ISO 3166-1. Census
areas without an ISO code carry user-assigned codes (``XK`` Kosovo, ``XG`` Gaza Strip, ``XW`` West
Bank; ``iso_standard`` is false for them).

>>> country("jpn").iso2, country("5880").iso2, country("JP").census_code
('JP', 'JP', '5880')
"""

from __future__ import annotations

import difflib
import functools
import unicodedata
from dataclasses import dataclass

import polars as pl

from tariffscope.errors import UnknownCountry
from tariffscope.paths import PACKAGE_DATA

COUNTRIES_CSV = PACKAGE_DATA / "countries.csv"

# Names used by US publishers (USITC DataWeb, USA Trade Online) that differ from both the ISO short
# name and the Census Schedule C name. Keys are compared after `_norm_name` (upper case, no accents).
PUBLISHER_NAMES: dict[str, str] = {
    "VATICAN CITY": "VA",  # DataWeb
    "MYANMAR (BURMA)": "MM",  # DataWeb
    "BURMA": "MM",
    "HEARD AND MCDONALD ISLANDS": "HM",  # DataWeb
    "DEMOCRATIC REPUBLIC OF THE CONGO": "CD",  # DataWeb
    "CONGO (KINSHASA)": "CD",  # USA Trade Online
    "REPUBLIC OF THE CONGO": "CG",  # DataWeb
    "CONGO (BRAZZAVILLE)": "CG",  # USA Trade Online
    "FALKLAND ISLANDS": "FK",  # DataWeb
    "ESWATINI (SWAZILAND)": "SZ",  # DataWeb
    "SWAZILAND": "SZ",
    "CZECHIA (CZECH REPUBLIC)": "CZ",  # DataWeb
    "MACAU": "MO",  # DataWeb
    "MICRONESIA": "FM",  # DataWeb
    "TURKIYE": "TR",
    "KOREA, SOUTH": "KR",
    "KOREA, NORTH": "KP",
    "UNITED STATES": "US",
    "RUSSIAN FEDERATION": "RU",
}


@dataclass(frozen=True, slots=True)
class Country:
    """One country or Census area."""

    iso2: str
    iso3: str
    census_code: str | None
    name: str
    census_name: str | None
    iso_standard: bool

    def __str__(self) -> str:
        return f"{self.name} ({self.iso2})"


def _norm_name(s: str) -> str:
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii")
    return " ".join(s.replace("`", "'").upper().split())


@functools.cache
def _table() -> pl.DataFrame:
    return pl.read_csv(COUNTRIES_CSV, schema_overrides={"census_code": pl.Utf8, "iso2": pl.Utf8})


@functools.cache
def _keys() -> pl.DataFrame:
    """Every accepted input key (upper case) -> iso2; codes first, then names."""
    t = _table()
    parts = [
        t.select(pl.col("iso2").alias("key"), "iso2"),
        t.select(pl.col("iso3").alias("key"), "iso2"),
        t.filter(pl.col("census_code").is_not_null()).select(pl.col("census_code").alias("key"), "iso2"),
    ]
    names = [
        (_norm_name(n), iso2)
        for col in ("name", "census_name")
        for n, iso2 in zip(t[col].to_list(), t["iso2"].to_list(), strict=True)
        if n
    ]
    names += list(PUBLISHER_NAMES.items())
    parts.append(pl.DataFrame(names, schema={"key": pl.Utf8, "iso2": pl.Utf8}, orient="row"))
    return pl.concat(parts).unique(subset="key", keep="first", maintain_order=True)


@functools.cache
def _index() -> dict[str, Country]:
    by_iso2 = {
        r["iso2"]: Country(
            iso2=r["iso2"],
            iso3=r["iso3"],
            census_code=r["census_code"],
            name=r["name"],
            census_name=r["census_name"],
            iso_standard=bool(r["iso_standard"]),
        )
        for r in _table().iter_rows(named=True)
    }
    return {k: by_iso2[v] for k, v in _keys().iter_rows()}


def _key(code: object) -> str:
    if isinstance(code, int):
        return f"{code:04d}"
    s = str(code).strip()
    if s.isdigit():
        return s.zfill(4)
    return _norm_name(s)


def suggest(code: object, n: int = 3) -> list[str]:
    """Close matches for an unknown code or name, as ``"JP (Japan)"`` strings."""
    idx = _index()
    hits = difflib.get_close_matches(_key(code), list(idx), n=n * 3, cutoff=0.6)
    out: list[str] = []
    for h in hits:
        c = idx[h]
        label = f"{c.iso2} ({c.name})"
        if label not in out:
            out.append(label)
    return out[:n]


def country(code: str | int) -> Country:
    """The country for an ISO2, ISO3 or Census Schedule C code (or a publisher's name), any case.

    Raises :class:`~tariffscope.errors.UnknownCountry` naming the code and close matches.
    """
    c = _index().get(_key(code))
    if c is None:
        hint = suggest(code)
        msg = f"unknown country code {code!r}: not ISO 3166-1 alpha-2/alpha-3 nor a Census Schedule C code"
        if hint:
            msg += f"; did you mean {', '.join(hint)}?"
        raise UnknownCountry(msg)
    return c


def all_countries() -> list[Country]:
    """Every country and Census area in the table, sorted by ISO2."""
    return sorted(set(_index().values()), key=lambda c: c.iso2)


def countries_frame() -> pl.DataFrame:
    """The country table as a DataFrame (iso2, iso3, census_code, name, census_name, iso_standard)."""
    return _table().clone()


def normalize_countries(series: pl.Series) -> tuple[pl.Series, pl.DataFrame]:
    """Map codes or names to ISO2 in one join (no per-row Python).

    Returns the ISO2 series (null where unknown) and a frame of errors ``row, value, suggestion``
    for every row that did not resolve (nulls in the input are errors too).
    """
    raw = series.cast(pl.Utf8).str.strip_chars()
    keys = (
        pl.DataFrame({"raw": raw})
        .with_row_index("row")
        .with_columns(
            pl.when(pl.col("raw").str.contains(r"^\d+$"))
            .then(pl.col("raw").str.zfill(4))
            .otherwise(
                pl.col("raw")
                .str.to_uppercase()
                .str.replace_all("`", "'", literal=True)
                .str.replace_all(r"\s+", " ")
            )
            .alias("key")
        )
    )
    lookup = _keys()
    joined = keys.join(lookup, on="key", how="left", maintain_order="left")
    # Names with accents are rare: retry the unmatched ones through the accent-folding path.
    miss = joined.filter(pl.col("iso2").is_null() & pl.col("raw").is_not_null())
    if miss.height:
        uniq = miss["raw"].unique().to_list()
        idx = _index()
        folded = {u: (idx[_key(u)].iso2 if _key(u) in idx else None) for u in uniq}
        fill = pl.DataFrame(
            {"raw": list(folded), "iso2_fold": list(folded.values())},
            schema={"raw": pl.Utf8, "iso2_fold": pl.Utf8},
        )
        joined = joined.join(fill, on="raw", how="left", maintain_order="left").with_columns(
            pl.coalesce("iso2", "iso2_fold").alias("iso2")
        )
    iso2 = joined["iso2"].alias(series.name or "iso2")
    bad = joined.filter(pl.col("iso2").is_null())
    sugg = {v: ", ".join(suggest(v)) for v in bad["raw"].drop_nulls().unique().to_list()}
    errors = bad.select(
        pl.col("row").cast(pl.Int64),
        pl.col("raw").alias("value"),
        pl.col("raw").replace_strict(sugg, default="", return_dtype=pl.Utf8).alias("suggestion"),
    )
    return iso2, errors
