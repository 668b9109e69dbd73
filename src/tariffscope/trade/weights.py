"""Import weights by HTS10 line × partner, each row saying which grain it rests on.

Grains:

- ``hts10_exact``: observed HTS10 imports (the user's loaded data; in the shipped table Canada and
  Mexico 2025 and the African partners 2024);
- ``raked_spread`` (default for partners without exact data): the partner's 2024 imports by
  GTAP-45 sector (Census IMDB, the Yale Budget Lab tracker's table, total ≈ $3.12T; kept exactly)
  raked to HS6 by ``scripts/build_weight_layers.py`` onto where the trade is (chapter shares from
  DataWeb import charges, Comtrade 8703/8704 by partner, cited heading totals), then spread over each
  HS6's HTS10 lines by the pooled exact value. The alternative seed shapes ride along as
  ``imports_usd_<shape>`` columns (``ALT_SHAPES``) for the sensitivity band;
- ``gtap_spread``: the older spread (``spread="gtap"``): sector totals over the sector's HTS10
  lines in proportion to the pooled exact value (96% Canada/Mexico), kept for the bridge;
- ``hs2_spread``: a partner's imports by HS chapter (e.g. a DataWeb HS2 export the user loaded)
  spread over the chapter's HTS10 lines by the same pooled shape.

The shipped inputs are built by ``scripts/build_weights.py``; the spread is computed at load time.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from tariffscope.errors import DataError
from tariffscope.paths import PACKAGE_DATA, default_db

SHIPPED_YEAR = 2024
WEIGHT_COLUMNS = ["hts10", "partner", "imports_usd", "usmca_share", "grain", "gtap", "data_year"]
GRAINS = ("hts10_exact", "raked_spread", "gtap_spread", "hs2_spread")
ALT_SHAPES = ("pooled", "africa", "uniform")
ALT_COLUMNS = [f"imports_usd_{s}" for s in ALT_SHAPES]
GRAIN_ENUM = pl.Enum(list(GRAINS))


@functools.cache
def _shipped(name: str) -> pl.DataFrame:
    path = PACKAGE_DATA / name
    if not path.exists():
        raise DataError(f"{path}: shipped weight table missing; run scripts/build_weights.py")
    return pl.read_parquet(path) if name.endswith(".parquet") else pl.read_csv(path, infer_schema_length=0)


def provenance() -> dict[str, Any]:
    """The build record of the shipped weight inputs (sources, SHA-256, totals)."""
    return dict(json.loads((PACKAGE_DATA / "weights.provenance.json").read_text()))


def _shape_shares(key: str) -> pl.DataFrame:
    """Share of each HTS10 line within its group ``key`` (``gtap`` or ``chapter``) by pooled value;
    equal shares in a group whose pooled value is zero."""
    shape = _shipped("weights_hts10_shape.parquet").with_columns(
        pl.col("hts10").str.slice(0, 2).alias("chapter")
    )
    shape = shape.filter(pl.col(key).is_not_null())
    return (
        shape.with_columns(
            pl.col("shape_usd").sum().over(key).alias("_tot"),
            pl.len().over(key).alias("_n"),
        )
        .with_columns(
            pl.when(pl.col("_tot") > 0)
            .then(pl.col("shape_usd") / pl.col("_tot"))
            .otherwise(1.0 / pl.col("_n"))
            .alias("share")
        )
        .filter(pl.col("share") > 0)
        .select("hts10", "gtap", "chapter", "share")
    )


@functools.cache
def gtap_spread() -> pl.DataFrame:
    """The shipped 2024 GTAP table spread to HTS10 lines (grain ``gtap_spread``, all partners)."""
    g = _shipped("weights_gtap_2024.parquet")
    shares = _shape_shares("gtap")
    return g.join(shares.select("hts10", "gtap", "share"), on="gtap", how="inner").select(
        "hts10",
        "partner",
        (pl.col("imports_usd") * pl.col("share")).alias("imports_usd"),
        pl.lit(None, pl.Float64).alias("usmca_share"),
        pl.lit("gtap_spread").alias("grain"),
        "gtap",
        pl.lit(SHIPPED_YEAR, pl.Int16).alias("data_year"),
    )


@functools.cache
def raked_spread() -> pl.DataFrame:
    """The shipped raked 2024 partner × HS6 values spread to HTS10 lines (grain ``raked_spread``).

    Within an HS6, lines share its value in proportion to their pooled exact value (equal shares
    where the HS6 has none). Carries ``imports_usd`` (default ``balanced`` seed) and the
    ``ALT_COLUMNS`` of the other seeds.
    """
    r = _shipped("weights_raked_2024.parquet").with_columns(pl.col("partner").cast(pl.String))
    shape = _shipped("weights_hts10_shape.parquet").filter(pl.col("gtap").is_not_null())
    within = shape.with_columns(
        pl.col("shape_usd").sum().over("hs6").alias("_t"), pl.len().over("hs6").alias("_n")
    ).select(
        "hts10",
        "hs6",
        "gtap",
        pl.when(pl.col("_t") > 0)
        .then(pl.col("shape_usd") / pl.col("_t"))
        .otherwise(1.0 / pl.col("_n"))
        .alias("s"),
    )
    out = r.join(within.filter(pl.col("s") > 0), on="hs6", how="inner")
    return out.select(
        "hts10",
        "partner",
        (pl.col("imports_kusd_balanced") * 1e3 * pl.col("s")).alias("imports_usd"),
        pl.lit(None, pl.Float64).alias("usmca_share"),
        pl.lit("raked_spread").alias("grain"),
        "gtap",
        pl.lit(SHIPPED_YEAR, pl.Int16).alias("data_year"),
        *[(pl.col(f"imports_kusd_{a}") * 1e3 * pl.col("s")).alias(f"imports_usd_{a}") for a in ALT_SHAPES],
    )


def _with_alt(df: pl.DataFrame) -> pl.DataFrame:
    """Alternative-shape columns equal to ``imports_usd`` where the weights are not spread."""
    return df.with_columns([pl.col("imports_usd").alias(c) for c in ALT_COLUMNS if c not in df.columns])


def _exact_frame(df: pl.DataFrame, year: int) -> pl.DataFrame:
    """Exact rows (hts10, partner, imports_usd, usmca_usd) in the weight layout."""
    gtap = _shipped("weights_hts10_shape.parquet").select("hts10", "gtap")
    return (
        df.join(gtap, on="hts10", how="left")
        .with_columns(
            pl.when(pl.col("usmca_usd").is_not_null() & (pl.col("imports_usd") > 0))
            .then((pl.col("usmca_usd") / pl.col("imports_usd")).clip(0.0, 1.0))
            .otherwise(None)
            .alias("usmca_share"),
            pl.lit("hts10_exact").alias("grain"),
            (pl.col("data_year") if "data_year" in df.columns else pl.lit(year))
            .cast(pl.Int16)
            .alias("data_year"),
        )
        .select(WEIGHT_COLUMNS)
    )


def _hs2_spread(hs2: pl.DataFrame, year: int) -> pl.DataFrame:
    shares = _shape_shares("chapter")
    return hs2.join(shares, on="chapter", how="inner").select(
        "hts10",
        "partner",
        (pl.col("imports_usd") * pl.col("share")).alias("imports_usd"),
        pl.lit(None, pl.Float64).alias("usmca_share"),
        pl.lit("hs2_spread").alias("grain"),
        "gtap",
        pl.lit(year, pl.Int16).alias("data_year"),
    )


def _from_store(db: Path, year: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(exact HTS10 rows, HS2 rows) for ``year`` from a trade store."""
    from tariffscope.trade.store import TradeStore

    with TradeStore(db, read_only=True) as s:
        exact = s.annual_imports(year, level=10).select("hts10", "partner", "imports_usd", "usmca_usd")
        hs2 = s.annual_imports(year, level=2).select(
            pl.col("hts10").alias("chapter"), "partner", "imports_usd"
        )
    return exact, hs2


@functools.lru_cache(maxsize=4)
def _shipped_weights(covered: frozenset[str], exact: bool, spread: str) -> pl.DataFrame:
    """The shipped 2024 weights for every partner not in ``covered`` (cached: frames are immutable)."""
    parts = []
    done = set(covered)
    if exact:
        ex = _shipped("weights_exact.parquet").filter(~pl.col("partner").is_in(list(done)))
        parts.append(_exact_frame(ex, SHIPPED_YEAR))
        done |= set(ex["partner"].unique().to_list())
    rest = raked_spread() if spread == "raked" else gtap_spread()
    rest = rest.filter(~pl.col("partner").is_in(list(done)))
    if spread == "raked":
        # partners in the GTAP table but not in the raked one (none today) keep the GTAP spread
        missing = gtap_spread().filter(~pl.col("partner").is_in(list(done | set(rest["partner"].unique()))))
        parts.append(missing)
    parts.append(rest)
    return pl.concat([_with_alt(p) for p in parts], how="diagonal_relaxed").select(
        *WEIGHT_COLUMNS[:4], pl.col("grain").cast(GRAIN_ENUM), *WEIGHT_COLUMNS[5:], *ALT_COLUMNS
    )

def gtap_names() -> dict[str, str]:
    """GTAP-45 code -> sector name (shipped with the weights)."""
    df = pl.read_csv(PACKAGE_DATA / "weights_gtap_sectors.csv", infer_schema_length=0)
    return dict(zip(df["gtap"].to_list(), df["gtap_name"].to_list(), strict=True))



def load_weights(
    db: Path | str | None = None, year: int = SHIPPED_YEAR, *, exact: bool = True, spread: str = "raked"
) -> pl.DataFrame:
    """Import weights ``hts10, partner, imports_usd, usmca_share, grain, gtap, data_year``.

    Data loaded into the trade store ``db`` for ``year`` come first: HTS10 data as ``hts10_exact``,
    HS2 data for partners without HTS10 data as ``hs2_spread``; they replace the shipped weights of
    the partners they cover, so a store is used only when named (a small test import in the user's
    store must not silently replace a partner's weights). Without ``db``, the user's store
    (:func:`tariffscope.paths.default_db`) is read only for a year the shipped table lacks. Every
    other partner comes from the shipped 2024 table (``gtap_spread``, replaced by the shipped exact
    HTS10 data where it exists when ``exact``). The shipped table exists only for 2024 (its
    Canada/Mexico exact rows are 2025 values: see ``data_year``). ``spread``: ``raked`` (default) or
    ``gtap`` (the older sector spread). Every frame also carries the ``ALT_COLUMNS`` (alternative
    spread shapes; equal to ``imports_usd`` where the data are exact).
    """
    if spread not in ("raked", "gtap"):
        raise ValueError(f"spread {spread!r}: use raked or gtap")
    if db is None and year == SHIPPED_YEAR:
        return _shipped_weights(frozenset(), exact, spread)
    store_path = Path(db) if db is not None else default_db()
    parts: list[pl.DataFrame] = []
    covered: set[str] = set()
    if store_path.exists():
        st_exact, st_hs2 = _from_store(store_path, year)
        if st_exact.height:
            parts.append(_with_alt(_exact_frame(st_exact, year)))
            covered |= set(st_exact["partner"].unique().to_list())
        st_hs2 = st_hs2.filter(~pl.col("partner").is_in(list(covered)))
        if st_hs2.height:
            parts.append(_with_alt(_hs2_spread(st_hs2, year)))
            covered |= set(st_hs2["partner"].unique().to_list())
    elif db is not None:
        raise DataError(f"{store_path}: no trade store here")
    if year == SHIPPED_YEAR:
        parts.append(_shipped_weights(frozenset(covered), exact, spread))
    elif not parts:
        raise DataError(
            f"no import weights for {year}: the shipped table is for {SHIPPED_YEAR}; load {year} data "
            f"with `tariffscope data pull --year {year}` or `tariffscope data import`"
        )
    if len(parts) == 1:
        return parts[0]
    return pl.concat(
        [p.with_columns(pl.col("grain").cast(GRAIN_ENUM)) for p in parts], how="vertical"
    ).select(*WEIGHT_COLUMNS, *ALT_COLUMNS)


def store_coverage(db: Path | str, year: int = SHIPPED_YEAR) -> pl.DataFrame:
    """What a trade store contributes to the weights of ``year``: ``partner, lines, imports_usd, level``."""
    exact, hs2 = _from_store(Path(db), year)
    parts = [
        exact.group_by("partner").agg(
            pl.len().alias("lines"), pl.col("imports_usd").sum(), pl.lit(10).alias("level")
        ),
        hs2.filter(~pl.col("partner").is_in(exact["partner"].unique().to_list()))
        .group_by("partner")
        .agg(pl.len().alias("lines"), pl.col("imports_usd").sum(), pl.lit(2).alias("level")),
    ]
    return pl.concat(parts, how="vertical_relaxed").sort("imports_usd", descending=True)


def grain_summary(weights: pl.DataFrame) -> pl.DataFrame:
    """Import value and its share by grain."""
    tot = weights["imports_usd"].sum()
    return (
        weights.group_by("grain")
        .agg(pl.col("imports_usd").sum(), pl.col("partner").n_unique().alias("partners"))
        .with_columns((pl.col("imports_usd") / tot).alias("share"))
        .sort("grain")
    )


def _lines_in_force(date: Any = None) -> tuple[set[str], str]:
    """HTS10 lines in force on ``date`` (default: the first day of the catalogue, 2025-01-01)."""
    import datetime as dt

    from tariffscope.schedule import Schedule

    when = date if date is not None else dt.date(2025, 1, 1)
    return set(Schedule.load().on(when)["hts10"].to_list()), f"schedule in force on {when}"


def matched_share(
    weights: pl.DataFrame, lines: Iterable[str] | None = None, date: Any = None
) -> tuple[float, str]:
    """Share of import value on HTS10 lines in force (``lines``, else see :func:`_lines_in_force`).

    Returns (share, reference used: ``given``, ``schedule`` or ``crosswalk``).
    """
    if lines is not None:
        ref, used = set(lines), "given"
    else:
        ref, used = _lines_in_force(date)
    tot = float(weights["imports_usd"].sum())
    if tot == 0:
        return 0.0, used
    matched = float(weights.filter(pl.col("hts10").is_in(list(ref)))["imports_usd"].sum())
    return matched / tot, used


@dataclass(frozen=True)
class Sector:
    """The sectors of one HTS10 line."""

    hts10: str
    gtap: str | None
    gtap_name: str | None
    hs_section: str | None
    hs_section_name: str | None


@functools.cache
def hs_sections() -> dict[str, str]:
    """HS chapter (2 digits) -> ``"<section> <section name>"`` (shipped with the weights; empty if absent)."""
    if not (PACKAGE_DATA / "weights_hs_chapters.csv").exists():
        return {}
    df = _shipped("weights_hs_chapters.csv")
    return {c: f"{s} {n}" for c, s, n in df.select("chapter", "section", "section_name").iter_rows()}


def sectors_of(codes: Iterable[str] | pl.Series) -> pl.DataFrame:
    """GTAP-45 sector and HS section for each code: ``hts10, gtap, gtap_name, hs_section, hs_section_name``."""
    s = pl.Series("hts10", list(codes), dtype=pl.Utf8).str.replace_all(r"[.\s]", "")
    shape = _shipped("weights_hts10_shape.parquet").select("hts10", "gtap")
    names = _shipped("weights_gtap_sectors.csv")
    chapters = _shipped("weights_hs_chapters.csv").rename(
        {"section": "hs_section", "section_name": "hs_section_name"}
    )
    return (
        pl.DataFrame(s)
        .with_columns(pl.col("hts10").str.slice(0, 2).alias("chapter"))
        .join(shape, on="hts10", how="left", maintain_order="left")
        .join(names, on="gtap", how="left", maintain_order="left")
        .join(chapters, on="chapter", how="left", maintain_order="left")
        .select("hts10", "gtap", "gtap_name", "hs_section", "hs_section_name")
    )


def sector_of(hts10: str) -> Sector:
    """GTAP-45 sector and HS section of one HTS10 line (``gtap`` is None for lines outside the
    crosswalk, e.g. chapter 98)."""
    r = sectors_of([hts10]).row(0, named=True)
    return Sector(**r)
