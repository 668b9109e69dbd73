"""Parse the rate-of-duty text of the Harmonized Tariff Schedule into numbers.

HTS rates are written as text in three columns (General Note 3: column 1 General, column 1
Special, column 2). The forms found in the 2025-26 revisions are:

- ``Free`` (possibly with a condition: ``Free, under bond ...``);
- ad valorem: ``2.5%``, ``33 1/3%``, ``3 percent of the fair retail value``;
- specific: an amount of money per unit of quantity: ``1.9¢/kg``, ``$1.035/kg on drained weight``,
  ``44¢/liter``, ``$1.32/pf. liter``, ``$3/head``, ``10¢/doz.``, ``$1.27/m3``, ``4¢ each``;
- compound: specific and ad valorem parts joined by ``+``: ``2.4¢/kg + 5%``; watch and clock
  rates apply parts to named components (``$1.70 each + 45% on the case + 35% on the battery``);
- sugar polarity formulas (``3.6606¢/kg less 0.020668¢/kg for each degree under 100 degrees ...``);
- Chapter 99 additional duties: ``The duty provided in the applicable subheading + 25%``;
- references to another rate (``The rate applicable to the article of which it is a part``,
  ``See additional U.S. note 1``) and ``No change`` (Chapter 99 column 2).

Every text maps to a :class:`Rate`. Its ``kind`` says what it is; ``reference``, ``no_change``
and ``unparsed`` rates carry no numbers and refuse to compute a duty (a specific duty is never
silently counted as zero). Duty = ad valorem x customs value + sum(specific x quantity)
(19 U.S.C. 1401a for the value; General Note 3(a) for the columns).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

RateKind = Literal[
    "free",
    "ad_valorem",
    "specific",
    "compound",
    "additional",
    "reference",
    "no_change",
    "empty",
    "unparsed",
]

#: Kinds whose duty can be computed from value (and quantity).
NUMERIC_KINDS: frozenset[str] = frozenset({"free", "ad_valorem", "specific", "compound", "additional"})


class RateError(ValueError):
    """A rate that cannot compute a duty (missing quantity, reference text, unparsed text)."""


@dataclass(frozen=True)
class SpecificPart:
    """A specific duty: ``usd_per_unit`` dollars per ``unit`` of quantity.

    ``unit`` is normalised (``kg``, ``liter``, ``pf_liter``, ``no``, ``doz``, ``pr``, ``m``, ``m2``,
    ``m3``, ``bbl``, ``jewel``, ...); tonnes and grams are converted to kg, thousands and gross
    to ``no``. ``qualifier`` keeps what the text says the quantity is measured on
    (``on drained weight``, ``on copper content``, ``clean``, ``of total sugars`` ...).
    """

    usd_per_unit: float
    unit: str
    qualifier: str = ""


@dataclass(frozen=True)
class AdValoremPart:
    """An ad valorem part, as a decimal (0.045), optionally on a named component's value."""

    rate: float
    qualifier: str = ""


@dataclass(frozen=True)
class Rate:
    """A parsed HTS rate of duty.

    ``ad_valorem`` is the decimal rate applied to the whole customs value (for component rates,
    e.g. watches, the rate of the first named component; ``approximate`` is then True).
    For ``additional`` (Chapter 99) rates it is the additional rate on top of the applicable
    subheading's duty.
    """

    text: str
    ad_valorem: float
    specific: tuple[SpecificPart, ...]
    kind: RateKind
    ad_valorem_parts: tuple[AdValoremPart, ...] = ()
    approximate: bool = False
    note: str = ""
    programs: tuple[str, ...] = field(default=(), compare=False)

    @property
    def numeric(self) -> bool:
        """Whether a duty can be computed from this rate."""
        return self.kind in NUMERIC_KINDS

    @property
    def units(self) -> tuple[str, ...]:
        """Distinct units of the specific parts, in order."""
        return tuple(dict.fromkeys(p.unit for p in self.specific))

    def _require_numeric(self) -> None:
        if not self.numeric:
            raise RateError(f"rate {self.text!r} is of kind {self.kind!r}: no duty can be computed from it")

    def _quantity_for(self, part: SpecificPart, quantity: float | Mapping[str, float] | None) -> float:
        if quantity is None:
            raise RateError(
                f"rate {self.text!r} has a specific part {part.usd_per_unit} USD/{part.unit}: "
                f"a quantity in {part.unit} is required"
            )
        if isinstance(quantity, Mapping):
            if part.unit not in quantity:
                raise RateError(
                    f"rate {self.text!r} needs a quantity in {part.unit!r}; got units {sorted(quantity)}"
                )
            q = float(quantity[part.unit])
        else:
            if len(self.units) > 1:
                raise RateError(
                    f"rate {self.text!r} has specific parts in units {self.units}: "
                    "give quantity as a mapping unit -> quantity"
                )
            q = float(quantity)
        if q < 0 or math.isnan(q):
            raise RateError(f"quantity must be a non-negative number, got {q}")
        return q

    def duty(self, value_usd: float, quantity: float | Mapping[str, float] | None = None) -> float:
        """Duty in USD on an entry of customs value ``value_usd`` and ``quantity`` units.

        ``quantity`` is a number in the unit of the specific part, or a mapping unit -> quantity
        when the specific parts use several units. Raises :class:`RateError` if a specific part
        needs a quantity that was not given, or if the rate is not numeric.
        """
        self._require_numeric()
        if value_usd < 0 or math.isnan(value_usd):
            raise RateError(f"customs value must be a non-negative number, got {value_usd}")
        total = self.ad_valorem * value_usd
        for part in self.specific:
            total += part.usd_per_unit * self._quantity_for(part, quantity)
        return max(total, 0.0)

    def ave(self, unit_value_usd: float | Mapping[str, float]) -> float:
        """Ad valorem equivalent (decimal) at a unit value: duty on one unit / its value.

        ``unit_value_usd`` is USD per unit of the specific part's unit (or a mapping unit -> USD per
        unit when there are several units; the quantity of each unit is then value / unit value
        for a notional entry of 1 USD). For a pure ad valorem rate the AVE is the rate itself.
        """
        self._require_numeric()
        if not self.specific:
            return self.ad_valorem
        total = self.ad_valorem
        for part in self.specific:
            if isinstance(unit_value_usd, Mapping):
                if part.unit not in unit_value_usd:
                    raise RateError(f"rate {self.text!r} needs a unit value for {part.unit!r}")
                uv = float(unit_value_usd[part.unit])
            else:
                if len(self.units) > 1:
                    raise RateError(
                        f"rate {self.text!r} has specific parts in units {self.units}: "
                        "give unit values as a mapping unit -> USD"
                    )
                uv = float(unit_value_usd)
            if not uv > 0:
                raise RateError(f"unit value must be positive, got {uv}")
            total += part.usd_per_unit / uv
        return max(total, 0.0)


# ---------------------------------------------------------------------------------------------
# Text normalisation

_TAG = re.compile(r"<sup>\s*(\d)\s*</sup>|<[^>]*>")
_HYPHEN_BREAK = re.compile(r"(\w)- (\w)")
_SPACES = re.compile(r"\s+")


def clean_text(text: str | None) -> str:
    """Strip HTML markup and line-break artefacts from a rate text (``m<sup>2</sup>`` -> ``m2``)."""
    if not text:
        return ""
    t = _TAG.sub(lambda m: m.group(1) or "", text)
    t = t.replace("\u00a0", " ")
    t = _HYPHEN_BREAK.sub(r"\1\2", t)
    t = _SPACES.sub(" ", t).strip()
    t = t.rstrip(" ./").strip()
    return t


# ---------------------------------------------------------------------------------------------
# Units

# (regex on the text after the amount, normalised unit, factor to convert to the normalised unit)
# factor: usd_per_written_unit * factor = usd_per_normalised_unit
_UNITS: list[tuple[str, str, float]] = [
    (r"/\s*pf\.?\s*liters?", "pf_liter", 1.0),
    (r"/\s*liters?", "liter", 1.0),
    (r"/\s*clean\s*kg", "kg", 1.0),
    (r"/\s*kg", "kg", 1.0),
    (r"/\s*g\b", "kg", 1000.0),
    (r"/\s*t\b", "kg", 0.001),
    (r"/\s*bbl", "bbl", 1.0),
    (r"/\s*m3", "m3", 1.0),
    (r"/\s*m2", "m2", 1.0),
    (r"/\s*lin\.?\s*m\b", "m", 1.0),
    (r"/\s*m\b", "m", 1.0),
    (r"/\s*doz\.?", "doz", 1.0),
    (r"/\s*pr\.?", "pr", 1.0),
    (r"/\s*head", "no", 1.0),
    (r"/\s*line\s*/\s*gross", "line_gross", 1.0),
    (r"/\s*gross", "no", 1.0 / 144.0),
    (r"/\s*(?:1,?000|thousand)(?:\s*pins)?", "no", 0.001),
    (r"/\s*jewel", "jewel", 1.0),
    (r"/\s*article", "no", 1.0),
    (r"/\s*pack", "pack", 1.0),
    (r"\s*each", "no", 1.0),
    (r"\s*for each other piece or part", "piece", 1.0),
]
_UNIT_RES = [(re.compile(p, re.I), u, f) for p, u, f in _UNITS]

_AMOUNT = re.compile(r"^(?:\$\s*(?P<usd>\d[\d,]*(?:\.\d+)?)|(?P<cents>\d[\d,]*(?:\.\d+)?)\s*¢)\s*", re.I)
_PERCENT = re.compile(r"^(?P<num>\d+(?:\.\d+)?)(?:\s+(?P<frac>\d+)/(?P<den>\d+))?\s*(?:%|percent\b)\s*", re.I)
_POLARITY = re.compile(r"\s*less\s.*?for each degree.*$", re.I)
_CAP = re.compile(r",\s*but\s+(?:if|not)\b.*$", re.I)

_ADDITIONAL = re.compile(
    r"^the duty (?:rate )?provided (?:for )?in\s*(?:the applicable subheading|such subheading|"
    r"subheadings? [\d., or]+)\s*(?P<rest>.*)$",
    re.I,
)
_REFERENCE = re.compile(
    r"^(?:the rate|see |a duty|the duty)",
    re.I,
)


def _num(s: str) -> float:
    return float(s.replace(",", ""))


def _parse_percent(term: str) -> AdValoremPart | None:
    m = _PERCENT.match(term)
    if not m:
        return None
    v = float(m.group("num"))
    if m.group("frac"):
        v += float(m.group("frac")) / float(m.group("den"))
    rest = term[m.end() :].strip()
    return AdValoremPart(round(v / 100.0, 10), rest)


def _parse_specific(term: str) -> SpecificPart | None:
    m = _AMOUNT.match(term)
    if not m:
        return None
    usd = _num(m.group("usd")) if m.group("usd") else _num(m.group("cents")) / 100.0
    rest = term[m.end() :]
    for rx, unit, factor in _UNIT_RES:
        um = rx.match(rest)
        if um:
            qual = rest[um.end() :].strip(" ,")
            if rx.pattern.startswith(r"/\s*clean"):
                qual = ("clean " + qual).strip()
            return SpecificPart(round(usd * factor, 12), unit, qual)
    return None


def _split_terms(text: str) -> list[str]:
    return [t.strip() for t in re.split(r"\s*\+\s*", text) if t.strip()]


def _parse_arith(text: str) -> tuple[list[AdValoremPart], list[SpecificPart], bool, str] | None:
    """Parse ``a + b + c`` where each term is a percent or a specific amount."""
    approx = False
    note = ""
    cap = _CAP.search(text)
    if cap:
        note = cap.group(0).lstrip(", ")
        text = text[: cap.start()]
        approx = True
    pol = _POLARITY.search(text)
    if pol:
        note = (note + "; " if note else "") + pol.group(0).strip()
        text = text[: pol.start()]
        approx = True
    avs: list[AdValoremPart] = []
    sps: list[SpecificPart] = []
    for term in _split_terms(text):
        av = _parse_percent(term)
        if av is not None:
            avs.append(av)
            continue
        sp = _parse_specific(term)
        if sp is not None:
            sps.append(sp)
            continue
        return None
    if not avs and not sps:
        return None
    return avs, sps, approx, note


def _effective_ad_valorem(avs: list[AdValoremPart]) -> tuple[float, bool]:
    """Whole-value ad valorem rate from the parts.

    Unqualified parts add up. Parts on a named component (``45% on the case``) cannot be applied
    to the whole value exactly: the first such part (the principal component) stands for the whole
    and the result is flagged approximate. Qualifiers that describe the whole article
    (``on the entire set``) count as unqualified.
    """
    whole = [a for a in avs if not a.qualifier or "entire" in a.qualifier]
    comp = [a for a in avs if a.qualifier and "entire" not in a.qualifier]
    total = float(sum(a.rate for a in whole))
    if comp:
        return total + comp[0].rate, True
    return total, False


@lru_cache(maxsize=65536)
def parse_rate(text: str | None) -> Rate:
    """Parse one HTS rate text (General or Column 2 column, or a Chapter 99 line)."""
    raw = text or ""
    t = clean_text(raw)
    if not t or t == ":":
        return Rate(raw, 0.0, (), "empty")
    low = t.lower()
    if low == "no change":
        return Rate(raw, 0.0, (), "no_change")
    if low.startswith("free"):
        note = t[4:].strip(" ,")
        return Rate(raw, 0.0, (), "free", note=note)
    m = _ADDITIONAL.match(t)
    if m:
        rest = m.group("rest").strip()
        if not rest:
            return Rate(raw, 0.0, (), "additional", note="the applicable subheading's duty only")
        sign = 1.0
        mm = re.match(r"^(?:\+|plus)\s*(?:a duty of\s*)?(?P<pct>\d+(?:\.\d+)?)%\s*(?P<q>.*)$", rest, re.I)
        if not mm:
            mm = re.match(r"^minus\s*(?P<pct>\d+(?:\.\d+)?)%\s*(?P<q>.*)$", rest, re.I)
            sign = -1.0
        if mm:
            rate = sign * float(mm.group("pct")) / 100.0
            q = mm.group("q").strip()
            return Rate(
                raw,
                round(rate, 10),
                (),
                "additional",
                ad_valorem_parts=(AdValoremPart(round(rate, 10), q),),
                approximate=bool(q),
                note=q,
            )
        return Rate(raw, 0.0, (), "unparsed")
    parsed = _parse_arith(t)
    if parsed is not None:
        avs, sps, approx, note = parsed
        av, comp_approx = _effective_ad_valorem(avs)
        if sps and avs:
            kind: RateKind = "compound"
        elif sps:
            kind = "specific"
        else:
            kind = "ad_valorem"
        qual_av = any(a.qualifier and "entire" not in a.qualifier for a in avs)
        return Rate(
            raw,
            round(av, 10),
            tuple(sps),
            kind,
            ad_valorem_parts=tuple(avs),
            approximate=approx or comp_approx or qual_av,
            note=note,
        )
    if _REFERENCE.match(t):
        return Rate(raw, 0.0, (), "reference", note=t)
    return Rate(raw, 0.0, (), "unparsed")


# ---------------------------------------------------------------------------------------------
# Special column: preferential programs

_PAREN = re.compile(r"\(([^)]*)\)")
_PROGRAM = re.compile(r"^[A-Z][A-Z+*]{0,3}$")


def special_programs(text: str | None) -> list[str]:
    """Program codes (General Note 3(c)) listed in a Special-column text, in order, deduplicated.

    ``Free (A+,AU,BH,CL) 0.5% (JO)`` -> ``["A+", "AU", "BH", "CL", "JO"]``.
    """
    if not text:
        return []
    out: dict[str, None] = {}
    for grp in _PAREN.findall(clean_text(text)):
        for tok in grp.split(","):
            tok = tok.strip()
            if _PROGRAM.match(tok):
                out[tok] = None
    return list(out)
