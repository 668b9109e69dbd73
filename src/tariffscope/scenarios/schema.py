"""The schema of a scenario file: an overlay of dated changes on the measure catalogue.

A scenario is a synthetic future (or counterfactual) revision of the law: it ends, re-rates, removes or adds
measures from a date. The measures it adds are validated with the catalogue's own schema
(:class:`tariffscope.catalogue.schema.Measure`), so a scenario can say anything a measure file can. The
semantics are documented in ``docs/scenarios.md`` and implemented by :mod:`tariffscope.scenarios.overlay`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tariffscope.catalogue.schema import Measure

SCENARIO_ID = r"^[a-z0-9][a-z0-9_\-]*$"
ACTIONS = ("set", "end", "remove", "add")


class Strict(BaseModel):
    """Base: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _selectors(v: object) -> object:
    if v is None or isinstance(v, list):
        return v
    return [v]


class Change(Strict):
    """One change of a scenario; exactly one of ``set``, ``end``, ``remove``, ``add``.

    Selectors (for ``set``, ``end``, ``remove``) name rules as the catalogue's stacking targets do: a rule
    id (``us.s232.autos/vehicles_jp``), a measure id (all its rules), ``tag:NAME`` or ``authority:NAME``;
    ``a & b`` is the intersection, a list the union.

    * ``set``: the selected rules owe ``rate`` from ``from`` (a synthetic step that overrides every later
      step), until ``to`` (last day, inclusive) if given, after which the law as it was resumes.
    * ``end``: the selected rules end from ``from`` (a ``rate: null`` step), until ``to`` if given.
    * ``remove``: the selected rules never existed (stacking relations naming them are dropped too).
    * ``add``: a whole measure, in the measure-file schema of ``docs/catalogue.md``.
    """

    set: list[str] | None = None
    end: list[str] | None = None
    remove: list[str] | None = None
    add: Measure | None = None
    from_: dt.date | None = Field(default=None, alias="from")
    to: dt.date | None = Field(default=None, description="last entry date (inclusive) of a set/end")
    rate: float | None = Field(default=None, ge=0, le=10)
    cite: str | None = Field(default=None, description="why: the letter, the threat, the assumption")
    optional: bool = Field(
        default=False, description="tag:/authority: selectors may match no rule (e.g. not yet catalogued)"
    )
    note: str | None = None

    @field_validator("set", "end", "remove", mode="before")
    @classmethod
    def _listify(cls, v: object) -> object:
        return _selectors(v)

    @field_validator("set", "end", "remove")
    @classmethod
    def _nonempty(cls, v: list[str] | None) -> list[str] | None:
        if v is not None and (not v or any(not s.strip() for s in v)):
            raise ValueError("a selector is a non-empty rule id, measure id, tag:NAME or authority:NAME")
        return v

    @property
    def action(self) -> Literal["set", "end", "remove", "add"]:
        for a in ACTIONS:
            if getattr(self, a) is not None:
                return a  # type: ignore[return-value]
        raise AssertionError("validated change without action")

    @property
    def selectors(self) -> list[str]:
        return list(getattr(self, self.action) or []) if self.action != "add" else []

    @model_validator(mode="after")
    def _one_action(self) -> Change:
        given = [a for a in ACTIONS if getattr(self, a) is not None]
        if len(given) != 1:
            raise ValueError(f"a change has exactly one of {', '.join(ACTIONS)} (found: {given or 'none'})")
        act = given[0]
        if act in ("set", "end") and self.from_ is None:
            raise ValueError(f"'{act}' needs 'from' (the first entry date it applies to)")
        if act == "set" and self.rate is None:
            raise ValueError("'set' needs 'rate' (a decimal, 0.25 for 25%); use 'end' to end a rule")
        if act != "set" and self.rate is not None:
            raise ValueError(f"'rate' belongs to 'set', not '{act}'")
        if act in ("remove", "add") and (self.from_ is not None or self.to is not None):
            raise ValueError(
                f"'{act}' takes no dates ('remove' deletes a rule; dates of an added measure go in its steps)"
            )
        if self.to is not None and self.from_ is not None and self.to < self.from_:
            raise ValueError("'to' is before 'from'")
        return self


class Deadline(Strict):
    """A date on the negotiation timeline: a pause ends, a letter's rate takes effect, a deal is signed."""

    date: dt.date
    label: str = Field(min_length=3)
    cite: str | None = None


class ScenarioSpec(Strict):
    """A scenario file: ``id, title, description, base, date, changes`` (+ ``timeline``, ``partners``)."""

    id: str = Field(pattern=SCENARIO_ID)
    title: str
    description: str | None = None
    base: str = Field(
        default="current-law",
        description="the scenario this one changes (a name or a file); 'catalogue' is the shipped catalogue",
    )
    date: dt.date = Field(description="default evaluation date")
    partners: list[str] = Field(default_factory=list, description="partners to report by default (ISO2)")
    timeline: list[Deadline] = Field(default_factory=list)
    uncertain: str | None = None
    sources: list[str] = Field(default_factory=list)
    changes: list[Change] = Field(default_factory=list)


class UsSide(Strict):
    """The US side of a package: a scenario evaluated against an alternative (the no-deal counterfactual)."""

    scenario: str
    against: str = Field(default="current-law", description="the alternative the package is weighed against")


class PartnerSide(Strict):
    """The partner's concessions: a CSV of flows and changes (``row_type`` flow|change; see docs)."""

    data: str = Field(description="CSV file, relative to the package file")
    importer: str | None = Field(
        default=None,
        description="the partner's catalogue (JP): blank t0 of US flows and blank t1 of tariff changes are "
        "resolved from it at the package's date (scenarios/partner_rates.py)",
    )
    claim: str | None = Field(
        default=None,
        description="preference claimed on US goods when resolving (japan_us): a documented default",
    )
    overlay: str | None = Field(
        default=None,
        description="scenario file (base: catalogue) of the partner's concessions over its catalogue: gives t1",
    )
    eta: float | None = Field(default=None, lt=0, description="override of the import-demand elasticity")
    sigma: float | None = Field(default=None, gt=0, description="override of the substitution elasticity")


class WorldMarket(Strict):
    """Settings of the package's one-world-market view (GSIM; :mod:`tariffscope.scenarios.package_gsim`)."""

    export_supply_elasticity: float = Field(default=1.5, gt=0, description="Ex of every exporter (F&H: 1.5)")
    third_market_share: dict[str, float] = Field(
        default_factory=dict,
        description="share of a region's exports sold outside the deal's two markets (US, partner code, ROW)",
    )
    exact: bool = Field(
        default=True, description="solve the nonlinear CES GSIM (default; false: F&H's linear system)"
    )

    @field_validator("third_market_share")
    @classmethod
    def _shares_in_range(cls, v: dict[str, float]) -> dict[str, float]:
        bad = {k: x for k, x in v.items() if not 0 <= x < 1}
        if bad:
            raise ValueError(f"shares must be in [0, 1): {bad}")
        return v


class Lever(BaseModel):
    """One security lever of a package (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    kind: Literal["shift", "purchase"]
    product: str = Field(description="HS prefix (2-10 digits, dots allowed) or a GTAP-45 sector code")
    from_: str | None = Field(default=None, alias="from", description="supplier losing imports, or 'others'")
    to: str | None = Field(default=None, description="supplier gaining imports (shift)")
    share: float | None = Field(default=None, gt=0, le=1, description="fraction of from's imports moved")
    partner: str | None = Field(default=None, description="supplier of the purchase")
    usd: float | None = Field(default=None, gt=0, description="extra US imports a year (purchase)")
    cite: str | None = None
    note: str | None = None

    @field_validator("product")
    @classmethod
    def _product(cls, v: str) -> str:
        digits = v.replace(".", "").replace(" ", "")
        if digits.isdigit() and 2 <= len(digits) <= 10:
            return digits
        if digits.isalpha() and digits.islower() and len(digits) <= 4:
            return digits
        raise ValueError(f"{v!r}: give an HS prefix like 8486 or 2846.90, or a GTAP-45 code like mvh")

    @model_validator(mode="after")
    def _complete(self) -> Lever:
        if self.kind == "shift" and (self.from_ is None or self.to is None or self.share is None):
            raise ValueError("a shift needs from, to and share")
        if self.kind == "purchase" and (self.partner is None or self.usd is None):
            raise ValueError("a purchase needs partner and usd")
        return self

    def label(self) -> str:
        from tariffscope.analytics.common import format_hts

        prod = format_hts(self.product) if self.product.isdigit() else self.product
        if self.kind == "shift":
            return f"shift {100 * (self.share or 0):.0f}% of {self.from_}'s US imports of {prod} to {self.to}"
        return f"purchase of USD {(self.usd or 0) / 1e6:,.1f} M a year of {prod} from {self.partner}"


class PackageSpec(Strict):
    """A negotiation package: US-side measure changes bundled with partner-side concessions."""

    id: str = Field(pattern=SCENARIO_ID)
    title: str
    description: str | None = None
    partner: str = Field(pattern=r"^[A-Z]{2}$")
    date: dt.date | None = Field(default=None, description="evaluation date (default: the US scenario's)")
    us_side: UsSide
    partner_side: PartnerSide | None = None
    supply: Literal["infinite", "elastic"] = "elastic"
    world_market: WorldMarket = Field(default_factory=WorldMarket)
    timeline: list[Deadline] = Field(default_factory=list)
    security: list[Lever] = Field(
        default_factory=list, description="sourcing shifts and purchases (security)"
    )
    illustrative: bool = Field(default=False, description="true if any number is a placeholder, not data")
    sources: list[str] = Field(default_factory=list)


def field_path(loc: tuple[Any, ...]) -> list[int | str]:
    """A pydantic error location without union-member tags (for line lookup and messages)."""
    return [p for p in loc if not (isinstance(p, str) and (p in {"str", "ListRef"} or p.startswith("list[")))]
