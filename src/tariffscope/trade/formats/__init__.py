"""The trade-data formats, one module per publisher, and the one registry that detects and loads them.

Each format (``--format`` name of ``tariffscope data import``) returns a tidy
:class:`~tariffscope.trade.schema.LoadResult`:

- ``census-json``, ``imdb``, ``usatradeonline``: US Census Bureau (:mod:`.census`);
- ``dataweb``, ``camx``: USITC DataWeb (:mod:`.usitc`);
- ``csv``, ``parquet``: a plain table shaped by the user (:mod:`.plain`).

Rows that cannot be used (unknown country, bad code, non-numeric value) are skipped and reported;
a truncated or structurally malformed file raises :class:`~tariffscope.errors.DataError` naming the
file, row and field. To add a format, write its loader and detection rules in its publisher's module
and add one :class:`Format` to :data:`REGISTRY` (see CONTRIBUTING.md).
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tariffscope.errors import DataError
from tariffscope.trade.formats import census, plain, usitc
from tariffscope.trade.formats.census import load_census_json, load_imdb, load_usatradeonline
from tariffscope.trade.formats.common import parse_period
from tariffscope.trade.formats.plain import load_table
from tariffscope.trade.formats.usitc import load_camx, load_dataweb
from tariffscope.trade.schema import LoadResult


def _never(*_args: object) -> bool:
    return False


@dataclass(frozen=True)
class Format:
    """One trade-data format: its name, publisher, loader and how ``auto`` recognises it.

    Detection runs in three passes over :data:`REGISTRY` in order, the first match winning:
    ``by_folder(path)`` for a folder, then ``by_name(path)`` on the file name, then
    ``by_content(head, first_line)`` on the first 4 KiB (gunzipped if ``.gz``). A file that no
    rule claims is read as ``csv``.
    """

    name: str
    publisher: str
    summary: str
    load: Callable[[Path], LoadResult]
    by_folder: Callable[[Path], bool] = _never
    by_name: Callable[[Path], bool] = _never
    by_content: Callable[[str, str], bool] = _never


REGISTRY: dict[str, Format] = {
    f.name: f
    for f in (
        # Order is detection priority: name rules parquet > imdb > census-json, then content rules.
        Format(
            "parquet", "plain", "a plain table in Parquet", plain.load_parquet, by_name=plain.parquet_by_name
        ),
        Format(
            "imdb",
            "US Census Bureau",
            "IMDB IMP_DETL.TXT, fixed width (or the IMDByymm.ZIP holding it)",
            load_imdb,
            by_name=census.imdb_by_name,
            by_content=census.imdb_by_content,
        ),
        Format(
            "census-json",
            "US Census Bureau",
            "international trade API response (timeseries/intltrade/imports/hs)",
            load_census_json,
            by_name=census.census_json_by_name,
            by_content=census.census_json_by_content,
        ),
        Format(
            "dataweb",
            "USITC",
            "DataWeb CSV export (preamble, Data Type/HTS Number/Country/<years>, Total footer)",
            load_dataweb,
            by_content=usitc.dataweb_by_content,
        ),
        Format(
            "usatradeonline",
            "US Census Bureau",
            "USA Trade Online CSV export (Commodity, Country, Time, <value>)",
            load_usatradeonline,
            by_content=census.usatradeonline_by_content,
        ),
        Format(
            "camx",
            "USITC",
            "monthly CA/MX HTS10 imports with USMCA values (..._YYYY_MM.csv[.gz], or a folder)",
            load_camx,
            by_folder=usitc.camx_by_folder,
            by_content=usitc.camx_by_content,
        ),
        Format("csv", "plain", "a plain table hts, country, period, value[, ...] in CSV", plain.load_csv),
    )
}
"""Every format ``data import`` reads, by name, in detection order."""

FORMATS: tuple[str, ...] = tuple(REGISTRY)
"""The format names (what ``--format`` accepts besides ``auto``)."""

__all__ = [
    "FORMATS",
    "REGISTRY",
    "Format",
    "detect_format",
    "load",
    "load_camx",
    "load_census_json",
    "load_dataweb",
    "load_imdb",
    "load_table",
    "load_usatradeonline",
    "parse_period",
]


def _head(path: Path) -> tuple[str, str]:
    """The first 4 KiB of ``path`` (gunzipped if ``.gz``) as text, and its first line."""
    try:
        if path.name.lower().endswith(".gz"):
            with gzip.open(path) as gz:
                head_bytes = gz.read(4096)
        else:
            with path.open("rb") as fh:
                head_bytes = fh.read(4096)
    except (OSError, EOFError) as e:
        raise DataError(f"{path}: unreadable ({e})") from e
    head = head_bytes.decode("latin-1").lstrip("\ufeff").lstrip("ï»¿")
    return head, head.splitlines()[0] if head else ""


def detect_format(path: Path) -> str:
    """Guess the format of ``path`` from its name and first bytes (see :class:`Format`)."""
    path = Path(path)
    if path.is_dir():
        found = next((f.name for f in REGISTRY.values() if f.by_folder(path)), None)
        if found is None:
            raise DataError(f"{path}: a folder, but not of CA/MX monthly files; name a file")
        return found
    found = next((f.name for f in REGISTRY.values() if f.by_name(path)), None)
    if found is not None:
        return found
    head, first = _head(path)
    return next((f.name for f in REGISTRY.values() if f.by_content(head, first)), "csv")


def load(path: Path | str, fmt: str = "auto") -> LoadResult:
    """Load a trade-data file in any registered format (``fmt="auto"`` detects it)."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if fmt == "auto":
        fmt = detect_format(path)
    if fmt not in REGISTRY:
        raise DataError(f"unknown format {fmt!r}; choose one of auto, {', '.join(FORMATS)}")
    return REGISTRY[fmt].load(path)
