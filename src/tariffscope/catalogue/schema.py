"""The schema of a measure file: one YAML file per legal action, validated when loaded.

A *measure* is a legal action (a proclamation, an executive order, a USTR notice) with its
instruments and citations. It holds one or more *rules*: one Chapter 99 heading each, with the
products and countries it covers, how its rate works (``kind`` and ``basis``), dated rate steps and
its stacking relations. The semantics are documented in ``docs/catalogue.md`` and implemented by
:mod:`tariffscope.resolver`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Authority = str
"""A legal authority id of the measure's jurisdiction (``s232``, ``ieepa_reciprocal``, ``fta`` ...): the
registry of ``catalogue/<jurisdiction>/jurisdiction.yaml`` lists them, each with its rate column
(:mod:`tariffscope.catalogue.jurisdiction`); the loader checks a measure's authority against it."""

Kind = Literal["add", "floor", "exempt", "preference"]
"""How a rule's rate works.

- ``add``: a surcharge, ``+rate`` on its basis (most Chapter 99 headings).
- ``floor``: all-in ``max(MFN, rate)``: the rule adds ``max(0, rate - MFN)`` (the Japan/EU/Korea deals).
- ``exempt``: a heading that exempts an article from other rules (``excludes``); it owes nothing itself.
- ``preference``: an all-in preferential rate ``min(MFN, rate)`` (a free trade agreement's staged rate):
  the rule adds ``min(0, rate - MFN)``, so the MFN column holds the preferential rate.
"""

Basis = Literal["value", "metal", "steel", "aluminum", "copper", "non_us_content", "us_content"]
"""The share of customs value a rule is charged on: full value, or the metal (steel + aluminium),
steel, aluminium or copper content, the non-US content (USMCA vehicles) or the US content (for an
exemption: the US goods of a chapter 98 repair or assembly entry, 9802.00.40-.80)."""

HEADING_RE = re.compile(r"^99\d\d\.\d\d\.\d\d$")
ISO2_OR_GROUP_RE = re.compile(r"^([A-Z]{2}|[A-Z][A-Z0-9_]{2,})$")
HTS_PREFIX_RE = re.compile(r"^\d{2,10}(-\d{2,10})?$")


class Strict(BaseModel):
    """Base: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Instrument(Strict):
    """A legal document: proclamation, executive order, FR notice, CBP CSMS, court ruling, statute."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.\-]*$", description="e.g. proc-10908, eo-14257, csms-65054270")
    type: Literal[
        "proclamation",
        "executive_order",
        "fr_notice",
        "csms",
        "statute",
        "court",
        "hts",
        "ustr_notice",
        "other",
    ]
    title: str | None = None
    number: str | None = None
    signed: dt.date | None = None
    published: dt.date | None = None
    fr: str | None = Field(default=None, description='Federal Register cite, e.g. "90 FR 14705"')
    url: str | None = None


def _norm_hts_prefix(v: str) -> str:
    s = str(v).replace(".", "").replace(" ", "")
    if not HTS_PREFIX_RE.match(s):
        raise ValueError(f"{v!r} is not an HTS prefix (2-10 digits, dots allowed) or a range 'a-b'")
    if "-" in s:
        a, b = s.split("-")
        if len(a) != len(b) or a > b:
            raise ValueError(f"range {v!r} needs two prefixes of the same length, low first")
    return s


class ListRef(Strict):
    """A product list shipped in ``catalogue/lists/<name>.csv`` (columns ``hts`` [, ``from``, ``to``, ``note``])."""

    list: str = Field(pattern=r"^[a-z0-9_]+$")
    where: dict[str, str] | None = Field(
        default=None, description="keep only rows whose columns equal these values, e.g. {annex: 1a}"
    )


ProductItem = Annotated[str, Field()] | ListRef


class Products(Strict):
    """Product coverage: HTS prefixes, prefix ranges and named lists; exclusions win."""

    include: list[ProductItem] = Field(min_length=1)
    exclude: list[ProductItem] = Field(default_factory=list)

    @field_validator("include", "exclude")
    @classmethod
    def _prefixes(cls, items: list[ProductItem]) -> list[ProductItem]:
        out: list[ProductItem] = []
        for it in items:
            if isinstance(it, str):
                out.append("ALL" if it == "ALL" else _norm_hts_prefix(it))
            else:
                out.append(it)
        return out


class Countries(Strict):
    """Country coverage: ISO 3166 alpha-2 codes and named groups (``ALL``, ``EU27``, ``COLUMN2`` ...)."""

    include: list[str] = Field(min_length=1)
    exclude: list[str] = Field(default_factory=list)

    @field_validator("include", "exclude")
    @classmethod
    def _codes(cls, items: list[str]) -> list[str]:
        for c in items:
            if not ISO2_OR_GROUP_RE.match(c):
                raise ValueError(f"{c!r} is neither an ISO alpha-2 code nor a group name")
        return items


class Step(Strict):
    """A dated rate: in force for entries from ``from`` (inclusive) until the next step.

    ``rate: null`` ends the rule (a repeal, a pause, an expiry). Two time axes: ``from`` is the
    entry date the law reaches (valid time); ``recorded`` is when it became known (a retroactive
    amendment is recorded after it takes effect) and ``superseded`` when it was retroactively
    replaced. Queries with ``as_of`` see only what was recorded by then and not yet superseded.
    """

    from_: dt.date = Field(alias="from")
    rate: float | None = Field(ge=0, le=10)
    cite: str = Field(min_length=3, description="instrument id or free citation for this date and rate")
    recorded: dt.date | None = None
    superseded: dt.date | None = None
    note: str | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Exclusion(Strict):
    """A stacking relation: while this rule owes duty (or is an exemption), ``target`` is not owed.

    ``target`` is a rule id (``us.s232.autos/vehicles``), a measure id (all its rules), ``tag:NAME``
    or ``authority:NAME``. For a rule charged on a share of value (metal content), the target is
    displaced only on that share (EO 14257 §3(b): the reciprocal duty applies to the non-metal content).
    """

    target: str
    from_: dt.date | None = Field(default=None, alias="from")
    to: dt.date | None = Field(default=None, description="last entry date (inclusive) the relation holds")
    whole: bool = Field(
        default=False,
        description=(
            "the note takes the whole article out of the target (no 'but applies to the non-metal content' "
            "clause, e.g. note 2(aa)(v)): displaced on the full value even when this rule is charged on a share"
        ),
    )
    cite: str | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class InTransit(Strict):
    """Goods loaded before ``loaded_before`` and entered before ``entered_before`` escape this rule."""

    loaded_before: dt.date
    entered_before: dt.date
    heading: str | None = None
    cite: str | None = None


Claim = Literal["exempt", "only"]


class Rule(Strict):
    """One Chapter 99 heading (or an MFN-like base rule) with coverage, rate semantics and steps."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    heading: str | None = None
    heading_no_duty: str | None = Field(
        default=None, description="for floors: the paired heading used when MFN >= the floor (no duty)"
    )
    kind: Kind = "add"
    basis: Basis = "value"
    products: Products
    countries: Countries
    steps: list[Step] = Field(min_length=1)
    excludes: list[Exclusion] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    claims: dict[str, Claim] = Field(
        default_factory=dict,
        description=(
            "claims and declarations made on the entry (usmca, or a named certification such as "
            "semiconductor_parameters): exempt -> no duty when declared; only -> the rule exists only then"
        ),
    )
    in_transit: list[InTransit] = Field(default_factory=list)
    note: str | None = None
    uncertain: str | None = None

    @field_validator("claims")
    @classmethod
    def _claim_names(cls, v: dict[str, Claim]) -> dict[str, Claim]:
        for k in v:
            if not re.match(r"^[a-z][a-z0-9_]*$", k):
                raise ValueError(f"claim/declaration name {k!r} must be lower_snake_case")
        return v

    @field_validator("heading", "heading_no_duty")
    @classmethod
    def _heading(cls, v: str | None) -> str | None:
        if v is not None and not HEADING_RE.match(v):
            raise ValueError(f"{v!r} is not a Chapter 99 heading like 9903.94.01")
        return v

    @field_validator("excludes", mode="before")
    @classmethod
    def _excl(cls, v: object) -> object:
        if isinstance(v, list):
            return [{"target": x} if isinstance(x, str) else x for x in v]
        return v

    @model_validator(mode="after")
    def _steps_ordered(self) -> Rule:
        keys = [(s.from_, s.recorded or dt.date.min) for s in self.steps]
        if keys != sorted(keys):
            raise ValueError(f"rule {self.id}: steps must be in date order")
        if self.kind == "preference" and self.basis != "value":
            raise ValueError(
                f"rule {self.id}: a preference replaces the rate on the whole value (basis: value)"
            )
        if self.kind == "exempt" and any(s.rate not in (0, None) for s in self.steps):
            raise ValueError(f"rule {self.id}: an exempt rule has rate 0 (or null to end it)")
        return self


class Refundable(Strict):
    """From ``from`` the duties collected under the measure are owed back (e.g. IEEPA after the ruling)."""

    from_: dt.date = Field(alias="from")
    cite: str

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Measure(Strict):
    """A legal action and its rules: the unit of the catalogue, one YAML file."""

    id: str = Field(
        pattern=r"^[a-z]{2}\.[a-z0-9_]+\.[a-z0-9_]+$",
        description="<jurisdiction>.<authority group>.<name>, e.g. us.s232.autos, jp.mfn.rice",
    )
    title: str
    authority: Authority = Field(pattern=r"^[a-z][a-z0-9_]*$")
    summary: str | None = None
    instruments: list[Instrument] = Field(min_length=1)
    rules: list[Rule] = Field(min_length=1)
    refundable: Refundable | None = None
    uncertain: str | None = Field(default=None, description="where the sources are uncertain, say so here")
    sources: list[str] = Field(default_factory=list, description="secondary sources (research keys, URLs)")

    @model_validator(mode="after")
    def _unique_rules(self) -> Measure:
        ids = [r.id for r in self.rules]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"measure {self.id}: duplicate rule ids {sorted(dup)}")
        known = {i.id for i in self.instruments}
        for r in self.rules:
            for s in r.steps:
                head = s.cite.split()[0].rstrip(",;")
                if re.match(r"^[a-z]+-[0-9a-z.\-]+$", head) and head not in known:
                    raise ValueError(
                        f"measure {self.id}, rule {r.id}: step cite {s.cite!r} names instrument {head!r} "
                        f"that is not in this measure's instruments"
                    )
        return self


class Group(Strict):
    """A named country group with dated membership changes."""

    title: str
    members: list[str]
    cite: str | None = None
