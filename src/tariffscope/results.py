"""Result objects of the flat API (:mod:`tariffscope.api`): typed, immutable, one shape for all.

Every result has ``to_polars()`` (its main table), ``to_dict()`` (JSON-ready, the CLI's JSON where a
command prints one) and ``summary()`` (a few lines for people, percent and dollars). The wrappers
around the analytics, scenarios and models keep the library object they wrap as ``.raw``.
"""

from __future__ import annotations

import datetime as dt
import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from tariffscope.fmt import pct, pp, usd

if TYPE_CHECKING:
    from tariffscope.models.ge.model import GEResult
    from tariffscope.models.ge.multisector import CPResult
    from tariffscope.scenarios.evaluate import ScenarioResult
    from tariffscope.scenarios.package import PackageResult


class Result(ABC):
    """What every result offers: a table, a JSON-ready dict and a summary for people."""

    @abstractmethod
    def to_polars(self) -> pl.DataFrame:
        """The result's main table."""

    @abstractmethod
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: decimals, ISO dates as strings."""

    @abstractmethod
    def summary(self) -> str:
        """A few lines for people."""

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, default=str)

    def __str__(self) -> str:
        return self.summary()


COMPONENT_KEYS = (
    "measure",
    "authority",
    "heading",
    "rate",
    "basis",
    "applied",
    "reason",
    "citation",
    "refundable",
)
"""The keys of a component in the JSON contract of ``tariffscope rate --format json``."""


@dataclass(frozen=True)
class Component:
    """One measure considered for an entry line: its Chapter 99 heading, rate, why and legal citation.

    ``rate`` is what is owed under this measure (0 when not applied); ``statutory_rate`` the rate the
    measure would charge had it applied (None for the base rate); ``basis`` what the rate is charged on.

    >>> c = Component("us.s232.autos/vehicles", "s232", "9903.94.01", 0.25, "value", True,
    ...               "applies: Passenger vehicles", "proc-10908 cl. 2", statutory_rate=0.25)
    >>> list(c.to_dict())  # the keys of a component in ``tariffscope rate --format json``
    ['measure', 'authority', 'heading', 'rate', 'basis', 'applied', 'reason', 'citation', 'refundable']
    """

    measure: str
    authority: str
    heading: str | None
    rate: float | None
    basis: str
    applied: bool
    reason: str
    citation: str
    refundable: bool = False
    statutory_rate: float | None = None

    @classmethod
    def from_record(cls, c: Mapping[str, Any]) -> Component:
        return cls(
            measure=c["measure"],
            authority=c["authority"],
            heading=c.get("heading"),
            rate=c.get("rate"),
            basis=c["basis"],
            applied=c["applied"],
            reason=c["reason"],
            citation=c["citation"],
            refundable=c.get("refundable", False),
            statutory_rate=c.get("statutory_rate"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in COMPONENT_KEYS}


@dataclass(frozen=True)
class ClaimHint:
    """A claim the entry did not make that would change its duty (:mod:`tariffscope.resolver.hints`).

    ``total_rate`` is the total with the claim declared, ``change`` the difference (decimals; positive:
    the claim raises the duty); ``condition`` the fact the importer must be able to prove; ``rules`` the
    rules that react to it (measure, heading, how, title, citation); ``changes`` the measures it moves.
    """

    claim: str
    effect: str
    total_rate: float
    change: float
    duty_usd: float | None
    condition: str
    default: str
    rules: list[Mapping[str, Any]]
    changes: list[Mapping[str, Any]]

    @classmethod
    def from_record(cls, h: Mapping[str, Any]) -> ClaimHint:
        return cls(**{k: h[k] for k in cls.__dataclass_fields__})

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class RateResult(Result):
    """The duty on one entry line: the total, each component with its citation, and the duty in USD.

    ``total_rate`` is the sum of the components' ``rate`` (decimals: 0.275 is 27.5%); ``duty_usd`` is
    None unless a customs value was given; ``refundable_rate`` is the IEEPA part (Learning Resources
    v. Trump); ``rates`` the total by authority column (``rate_mfn``, ``rate_s232``, ...);
    ``claim_hints`` the claims not made that would change the total, largest change first.
    """

    hts10: str
    origin: str
    date: str
    as_of: str | None
    description: str | None
    total_rate: float
    duty_usd: float | None
    refundable_rate: float | None
    rates: Mapping[str, float | None]
    components: list[Component]
    base_status: str = "rate"
    total_complete: bool = True
    landed_cost: Mapping[str, Any] | None = None
    importer: str = "US"
    currency: str = "USD"
    claim_hints: list[ClaimHint] = field(default_factory=list)

    @classmethod
    def from_record(cls, r: Mapping[str, Any]) -> RateResult:
        """From :func:`tariffscope.resolver.api.resolve_one`'s record."""
        return cls(
            hts10=r["hts10"],
            origin=r["origin"],
            date=r["date"],
            as_of=r["as_of"],
            description=r["description"],
            total_rate=r["total_rate"],
            duty_usd=r["duty_usd"],
            refundable_rate=r["refundable_rate"],
            rates=dict(r["rates"]),
            components=[Component.from_record(c) for c in r["components"]],
            base_status=r.get("base_status", "rate"),
            total_complete=r.get("total_complete", True),
            landed_cost=r.get("landed_cost"),
            importer=r.get("importer", "US"),
            currency=r.get("currency", "USD"),
            claim_hints=[ClaimHint.from_record(h) for h in r.get("claim_hints", [])],
        )

    @property
    def hts(self) -> str:
        """The HTS code as people write it: 8703.23.01.60."""
        from tariffscope.schedule.hts import format_hts

        return format_hts(self.hts10)

    @property
    def applied(self) -> list[Component]:
        """The components that charge something."""
        return [c for c in self.components if c.applied]

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``tariffscope rate --format json``.

        For another importer than the US it names the ``importer`` and the ``currency``, and the duty
        is ``duty`` (in that currency) instead of ``duty_usd``."""
        out = {
            "hts10": self.hts10,
            "origin": self.origin,
            "date": self.date,
            "as_of": self.as_of,
            "description": self.description,
            "total_rate": self.total_rate,
            "base_status": self.base_status,
            "total_complete": self.total_complete,
            "duty_usd": self.duty_usd,
            "refundable_rate": self.refundable_rate,
            "landed_cost": None if self.landed_cost is None else dict(self.landed_cost),
            "components": [c.to_dict() for c in self.components],
            "claim_hints": [h.to_dict() for h in self.claim_hints],
        }
        if self.importer != "US":
            out = {"importer": self.importer, "currency": self.currency, **out}
            out["duty"] = out.pop("duty_usd")
        return out

    def to_polars(self) -> pl.DataFrame:
        """One row per component considered, applied or not."""
        schema = {
            "measure": pl.String,
            "authority": pl.String,
            "heading": pl.String,
            "rate": pl.Float64,
            "statutory_rate": pl.Float64,
            "basis": pl.String,
            "applied": pl.Boolean,
            "refundable": pl.Boolean,
            "reason": pl.String,
            "citation": pl.String,
        }
        rows = [{k: getattr(c, k) for k in schema} for c in self.components]
        return pl.DataFrame(rows, schema=schema, orient="row" if not rows else None)

    def summary(self) -> str:
        head = f"{self.hts} from {self.origin} entered {self.date}"
        if self.importer != "US":
            head += f" into {self.importer}"
        if self.as_of:
            head += f" (law as known on {self.as_of})"
        lines = [head]
        for c in self.applied:
            lines.append(f"  {c.heading or '(base)':<12} {pct(c.rate):>7}  {c.measure}  [{c.citation}]")
        total = f"total {pct(self.total_rate)}"
        if self.duty_usd is not None:
            duty = usd(self.duty_usd) if self.currency == "USD" else f"{self.duty_usd:,.0f} {self.currency}"
            total += f", duty {duty}"
        if self.refundable_rate:
            total += f", of which refundable (IEEPA) {pct(self.refundable_rate)}"
        hints = [
            f"  declaring {h.claim} would {h.effect[:-1]} it to {pct(h.total_rate)} ({pp(h.change)})"
            for h in self.claim_hints
        ]
        return "\n".join([*lines, total, *hints])


@dataclass(frozen=True)
class PanelResult(Result):
    """Statutory rates of every HTS10 line in force on a date x every country (``panel_on``)."""

    date: dt.date
    as_of: dt.date | None
    table: pl.DataFrame

    def to_polars(self) -> pl.DataFrame:
        return self.table

    def to_dict(self, rows: bool = False) -> dict[str, Any]:
        """Counts and columns; the rows too with ``rows=True`` (millions of them)."""
        out: dict[str, Any] = {
            "date": self.date.isoformat(),
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
            "rows": self.table.height,
            "lines": self.table["hts10"].n_unique(),
            "countries": self.table["origin"].n_unique(),
            "columns": self.table.columns,
        }
        if rows:
            out["records"] = self.table.with_columns(pl.col("date").cast(pl.String)).to_dicts()
        return out

    def summary(self) -> str:
        d = self.to_dict()
        known = f", law as known on {d['as_of']}" if d["as_of"] else ""
        return (
            f"panel of {d['date']}{known}: {d['lines']:,} HTS10 lines x {d['countries']} countries "
            f"= {d['rows']:,} rows (statutory rates, no preference claimed)"
        )


@dataclass(frozen=True)
class EtrResult(Result):
    """Effective tariff rates per day (``etr_series``): duty over all imports, by partner."""

    table: pl.DataFrame

    def to_polars(self) -> pl.DataFrame:
        return self.table

    def to_dict(self) -> dict[str, Any]:
        """The rows of ``tariffscope etr --format json`` (decimals, dates as strings)."""
        return {"rows": self.table.with_columns(pl.col("date").cast(pl.String)).to_dicts()}

    def summary(self) -> str:
        t = self.table
        last = t.filter(pl.col("date") == t["date"].max())
        group = [c for c in ("partner", "sector") if c in t.columns]
        lines = [
            f"effective tariff rate on {last['date'][0]} ({t['view'][0]} view, weights {t['weights_grain'][0]}, "
            f"denominator {t['denominator'][0]}):"
        ]
        for r in last.sort("imports_usd", descending=True).head(10).iter_rows(named=True):
            who = " ".join(str(r[g]) for g in group)
            lines.append(f"  {who:<10} {pct(r['etr']):>7}  on {usd(r['imports_usd'])}/year of imports")
        return "\n".join(lines)


@dataclass(frozen=True)
class ExposureResult(Result):
    """A partner's imports, ETR and duty by sector and authority, and its top products (``exposure``)."""

    raw: Mapping[str, Any]

    def to_polars(self, table: str = "composition") -> pl.DataFrame:
        """``composition`` (by sector), ``authorities`` or ``top_products``."""
        if table not in ("composition", "authorities", "top_products"):
            raise ValueError(f"table: {table!r}; use composition, authorities or top_products")
        return pl.DataFrame(self.raw[table])

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``tariffscope exposure --format json``."""
        return dict(self.raw)

    def summary(self) -> str:
        e = self.raw
        return (
            f"{e['partner']} on {e['date']} ({e['view']} view, weights {e['weights_grain']}): "
            f"imports {usd(e['imports_usd'])}/year, ETR {pct(e['etr'])} (above MFN {pct(e['etr_additional'])}), "
            f"duty {usd(e['duty_usd_per_year'])}/year = {usd(e['duty_usd_per_hour'])}/hour"
        )


@dataclass(frozen=True)
class ScenarioRun(Result):
    """A scenario evaluated against an alternative (``evaluate``): one row per partner, effects by line."""

    raw: ScenarioResult
    partners: list[str]
    top: int = 15

    def rows(self) -> list[dict[str, Any]]:
        return self.raw.rows(self.partners)

    def to_polars(self) -> pl.DataFrame:
        """One row per partner asked (``ALL``: all partners together); every line is in ``raw.lines``."""
        return pl.DataFrame(self.rows())

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``tariffscope scenario run --format json``."""
        focus = next((p for p in self.partners if p != "ALL"), "ALL")
        return {
            "rows": self.rows(),
            "by_sector": self.raw.by_sector(focus).to_dicts(),
            "by_product": self.raw.by_product(focus, top=self.top).to_dicts(),
            "unmatched_imports_usd": self.raw.unmatched_imports_usd,
        }

    def summary(self) -> str:
        r = self.raw
        lines = [f"{r.scenario}: {r.title} (against {r.against}, {r.date}, supply {r.supply})"]
        for row in self.rows():
            lines.append(
                f"  {row['partner']:<4} ETR {pct(row['etr_against'])} -> {pct(row['etr'])}, "
                f"duty change {usd(row['duty_change_usd_per_year'])}/year, "
                f"exports change {usd(row['exports_change_usd'])}"
            )
        return "\n".join(lines)


PACKAGE_TABLES = ("us_by_sector", "us_by_product", "partner_by_sector", "partner_by_product", "timeline")


@dataclass(frozen=True)
class PackageRun(Result):
    """Both sides of a negotiation package on one date (``evaluate_package``)."""

    raw: PackageResult

    def to_polars(self, table: str = "us_by_sector") -> pl.DataFrame:
        """One of ``us_by_sector``, ``us_by_product``, ``partner_by_sector``, ``partner_by_product``, ``timeline``."""
        r = self.raw
        if table == "us_by_sector":
            return r.us_by_sector()
        if table == "us_by_product":
            return r.us.by_product(r.partner, top=None)
        if table == "partner_by_sector":
            return r.partner_by_sector()
        if table == "partner_by_product":
            return r.partner_by_product()
        if table == "timeline":
            return pl.DataFrame(r.timeline)
        raise ValueError(f"table: {table!r}; use {', '.join(PACKAGE_TABLES)}")

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``tariffscope scenario package --format json``."""
        return self.raw.to_json()

    def summary(self) -> str:
        r = self.raw
        row = r.us_summary()
        flag = " (ILLUSTRATIVE partner side)" if r.spec.illustrative else ""
        lines = [
            f"{r.spec.id}: {r.spec.title}{flag}",
            f"  US side ({r.date}): ETR on {r.partner} {pct(row['etr_against'])} -> {pct(row['etr'])}, "
            f"duty change {usd(row['duty_change_usd_per_year'])}/year, "
            f"US welfare change {usd(row['us_welfare_change_usd'])}",
        ]
        if r.partner_lines is not None:
            t = r.partner_totals
            lines.append(
                f"  {r.partner} side: duty change on US goods {usd(t['partner_duty_change_usd'])}/year, "
                f"US exports change {usd(t['us_exports_change_usd'])}"
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class GeRun(Result):
    """A general-equilibrium counterfactual: structural gravity or Caliendo-Parro (``models.ge``)."""

    raw: GEResult | CPResult
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_cp(self) -> bool:
        return self.raw.method == "caliendo-parro"

    def to_polars(self) -> pl.DataFrame:
        """One row per country (per region for Caliendo-Parro)."""
        from tariffscope.models.ge.multisector import CPResult

        return self.raw.regions if isinstance(self.raw, CPResult) else self.raw.countries

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``tariffscope ge run --format json``."""
        from tariffscope.models.ge.multisector import CPResult

        rows = self.raw.rows() if isinstance(self.raw, CPResult) else self.raw.gegravity_rows()
        return {"rows": rows, **self.raw.to_dict()}

    def summary(self) -> str:
        df = self.to_polars()
        who = "region" if self.is_cp else "country"
        key = "region" if "region" in df.columns else "country"
        top = df.sort("welfare_change_pct", descending=True)
        name = self.raw.meta.get("experiment") or self.raw.meta.get("config") or self.raw.method
        lines = [f"{name} ({self.raw.method}): welfare change by {who}, percent"]
        for r in [*top.head(3).iter_rows(named=True), *top.tail(3).iter_rows(named=True)]:
            lines.append(f"  {r[key]:<6} {r['welfare_change_pct']:+.4f}%")
        return "\n".join(lines)
