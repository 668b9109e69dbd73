"""Shared pieces of the analytics: partners, sectors, weights with sectors, and dated measure events.

Sectors are the 45 GTAP goods sectors of the shipped weights (``mvh`` = motor vehicles and parts)
or HS chapters (``84``, ``84-85``, ``01-24,87``). Measure events are the dated steps of the catalogue
that reach one partner: when a Chapter 99 heading starts, changes rate or ends.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Any

import polars as pl

from tariffscope.catalogue.jurisdiction import registry
from tariffscope.catalogue.loader import Catalogue, default_catalogue, visible_steps
from tariffscope.errors import TariffscopeError, UnknownCountry
from tariffscope.fmt import HOURS_PER_YEAR as HOURS_PER_YEAR  # re-exported
from tariffscope.resolver.engine import AUTHORITY_COLUMNS, RATE_COLUMNS
from tariffscope.trade.weights import gtap_names

AUTHORITIES = [c.removeprefix("rate_") for c in RATE_COLUMNS]
AUTHORITY_LABELS = registry().column_labels
"""Label of each rate column (``s232`` -> "Section 232"), from the authority registry."""


class SectorError(TariffscopeError):
    """A sector that is neither a GTAP-45 code nor an HS chapter range."""


def partner_code(code: str) -> str:
    """ISO2 for an ISO2/ISO3/Census code or a country name (``ALL`` stays ``ALL``)."""
    if code.strip().upper() == "ALL":
        return "ALL"
    from tariffscope.countries import country

    return country(code).iso2


@functools.cache
@dataclass(frozen=True)
class SectorFilter:
    """A parsed ``--sector``: GTAP codes and/or HS chapters, with a label for people."""

    text: str
    gtap: tuple[str, ...]
    chapters: tuple[str, ...]

    @property
    def label(self) -> str:
        names = gtap_names()
        parts = [f"{g} ({names.get(g, g)})" for g in self.gtap]
        if self.chapters:
            parts.append(f"HS chapters {self.text_chapters}")
        return "; ".join(parts)

    @property
    def text_chapters(self) -> str:
        return (
            ",".join(self.chapters) if len(self.chapters) <= 4 else f"{self.chapters[0]}-{self.chapters[-1]}"
        )

    def expr(self) -> pl.Expr:
        """Filter over a weights frame (``hts10`` and ``gtap`` columns)."""
        e = pl.lit(False)
        if self.gtap:
            e = e | pl.col("gtap").is_in(list(self.gtap))
        if self.chapters:
            e = e | pl.col("hts10").str.slice(0, 2).is_in(list(self.chapters))
        return e


def parse_sector(text: str) -> SectorFilter:
    """Parse ``mvh``, ``ome,ele``, ``87``, ``84-85`` or ``01-24,87`` (GTAP codes and HS chapters)."""
    names = gtap_names()
    gtap: list[str] = []
    chapters: list[str] = []
    for raw in text.split(","):
        item = raw.strip().lower()
        if not item:
            continue
        if item in names:
            gtap.append(item)
            continue
        m = re.fullmatch(r"(\d{1,2})(?:\s*-\s*(\d{1,2}))?", item)
        if m is None:
            raise SectorError(
                f"unknown sector {raw.strip()!r}: give a GTAP-45 code (e.g. mvh = motor vehicles and parts, "
                f"ome, ele; see `tariffscope exposure --help`) or HS chapters like 87 or 84-85"
            )
        lo = int(m.group(1))
        hi = int(m.group(2) or lo)
        if not (1 <= lo <= hi <= 99):
            raise SectorError(f"bad HS chapter range {raw.strip()!r}: chapters run 01-99, low to high")
        chapters.extend(f"{c:02d}" for c in range(lo, hi + 1))
    if not gtap and not chapters:
        raise SectorError("empty sector")
    return SectorFilter(text, tuple(dict.fromkeys(gtap)), tuple(dict.fromkeys(chapters)))


def partner_weights(weights: pl.DataFrame, partner: str, sector: SectorFilter | None = None) -> pl.DataFrame:
    """The rows of one partner (``ALL``: every partner), optionally of one sector."""
    w = weights if partner == "ALL" else weights.filter(pl.col("partner") == partner)
    if sector is not None:
        w = w.filter(sector.expr())
    if w.height == 0:
        what = f"partner {partner}" + (f", sector {sector.label}" if sector else "")
        raise UnknownCountry(f"no import weights for {what} (weights grains: hts10_exact, raked_spread)")
    if "gtap" not in w.columns:
        from tariffscope.trade.weights import sectors_of

        w = w.join(sectors_of(w["hts10"].unique()).select("hts10", "gtap"), on="hts10", how="left")
    return w


def grain_label(w: pl.DataFrame) -> str:
    """The grains of a weights frame by share of import value: ``gtap_spread`` or
    ``hts10_exact 60%, gtap_spread 40%`` (``unknown`` when the frame has no ``grain`` column)."""
    if "grain" not in w.columns or w.height == 0:
        return "unknown"
    g = (
        w.group_by(pl.col("grain").cast(pl.String))
        .agg(pl.col("imports_usd").sum())
        .sort("imports_usd", descending=True)
    )
    if g.height == 1:
        return str(g["grain"][0])
    tot = float(g["imports_usd"].sum()) or 1.0
    return ", ".join(f"{k} {100 * v / tot:.0f}%" for k, v in g.iter_rows())


def weights_or_default(weights: pl.DataFrame | None) -> pl.DataFrame:
    if weights is not None:
        return weights
    from tariffscope.trade.weights import load_weights

    return load_weights()


def _covers_country(cat: Catalogue, rule: Any, partner: str) -> bool:
    inc = cat.countries(rule.countries.include)
    exc = cat.countries(rule.countries.exclude)
    if partner == "ALL":
        return True
    return ("ALL" in inc or partner in inc) and partner not in exc


def measure_events(
    partner: str,
    start: dt.date,
    end: dt.date,
    *,
    as_of: dt.date | None = None,
    catalogue: Catalogue | None = None,
) -> pl.DataFrame:
    """Catalogue steps in ``(start, end]`` of rules that cover ``partner``, with the rate before and after.

    Rows: ``date, measure, rule, heading, authority, title, event (start|change|end), old_rate,
    new_rate, cite``. A rule covering only some products still counts (the product side shows in the
    rates). ``partner="ALL"``: every rule.
    """
    cat = catalogue or default_catalogue()
    rows: list[dict[str, Any]] = []
    for ref in cat.rules:
        r = ref.rule
        if not _covers_country(cat, r, partner):
            continue
        steps = visible_steps(r, as_of)
        prev: float | None = None
        last_of_day = [s for i, s in enumerate(steps) if i + 1 == len(steps) or steps[i + 1].from_ != s.from_]
        for s in last_of_day:  # several steps on one day: the last one holds (as in rule_rate_on)
            if start < s.from_ <= end and s.rate != prev:
                event = "start" if prev is None else ("end" if s.rate is None else "change")
                rows.append(
                    {
                        "date": s.from_,
                        "measure": ref.measure.id,
                        "rule": r.id,
                        "heading": r.heading,
                        "authority": ref.authority,
                        "title": r.title,
                        "event": event,
                        "old_rate": prev,
                        "new_rate": s.rate,
                        "cite": s.cite,
                    }
                )
            prev = s.rate
        rows.extend(_list_events(cat, ref, start, end, steps))
    schema = {
        "date": pl.Date,
        "measure": pl.String,
        "rule": pl.String,
        "heading": pl.String,
        "authority": pl.String,
        "title": pl.String,
        "event": pl.String,
        "old_rate": pl.Float64,
        "new_rate": pl.Float64,
        "cite": pl.String,
    }
    return pl.DataFrame(rows, schema=schema).sort(["date", "authority", "measure", "rule"])


def _list_events(
    cat: Catalogue, ref: Any, start: dt.date, end: dt.date, steps: list[Any]
) -> list[dict[str, Any]]:
    """Dated rows of the product lists a rule includes or excludes: products added or removed."""
    out: list[dict[str, Any]] = []
    r = ref.rule
    for sign, items in ((1, r.products.include), (-1, r.products.exclude)):
        for item in items:
            if isinstance(item, str):
                continue
            lst = cat.product_list(item.list)
            if item.where:
                for k, v in item.where.items():
                    if k in lst.columns:
                        lst = lst.filter(pl.col(k) == v)
            starts = lst.filter(pl.col("from").is_not_null()).group_by("from").len()
            ends = lst.filter(pl.col("to").is_not_null()).group_by("to").len()
            dated = [(d, n, sign) for d, n in starts.iter_rows()]
            dated += [(d + dt.timedelta(days=1), n, -sign) for d, n in ends.iter_rows()]
            for d, n, direction in dated:
                rate = None
                for s_ in steps:
                    if s_.from_ <= d:
                        rate = s_.rate
                if not (start < d <= end) or rate is None:  # outside the window or rule not in force
                    continue
                out.append(
                    {
                        "date": d,
                        "measure": ref.measure.id,
                        "rule": r.id,
                        "heading": r.heading,
                        "authority": ref.authority,
                        "title": f"{r.title}: {n} list lines {'added' if direction > 0 else 'removed'} ({item.list})",
                        "event": "products added" if direction > 0 else "products removed",
                        "old_rate": rate,
                        "new_rate": rate,
                        "cite": f"product list {item.list}",
                    }
                )
    return out


def refundable_columns(cat: Catalogue | None = None) -> list[str]:
    """Rate columns of the authorities whose measures are refundable (IEEPA after the ruling)."""
    cat = cat or default_catalogue()
    auths = {m.authority for m in cat.measures.values() if m.refundable is not None}
    return sorted({AUTHORITY_COLUMNS[a] for a in auths if a in AUTHORITY_COLUMNS})


def describe(hts10: list[str], on: dt.date) -> dict[str, str]:
    """Schedule descriptions of a few HTS10 lines in force on ``on`` (best effort: '' if unknown)."""
    if not hts10:
        return {}
    from tariffscope.resolver.base import attach_base_rates
    from tariffscope.resolver.inputs import prepare

    rows = pl.DataFrame({"hts10": hts10, "origin": ["JP"] * len(hts10), "date": [on] * len(hts10)})
    t = attach_base_rates(prepare(rows))
    if "description" not in t.columns:
        return {}
    return {h: (d or "") for h, d in zip(t["hts10"].to_list(), t["description"].to_list(), strict=True)}


def format_hts(code: str) -> str:
    """``8703230190`` -> ``8703.23.01.90``."""
    return ".".join([code[:4], *[code[i : i + 2] for i in range(4, len(code), 2)]]) if len(code) > 4 else code
