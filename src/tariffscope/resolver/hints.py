"""Claims that would change the duty of one lookup: what a broker could declare, and what it costs.

Where the law turns on a fact the entry line does not show (end use, origin qualification, a
certification), the catalogue makes it a claim with a default (``catalogue/claims.yaml``; a rule's
``claims:`` map says how it reacts). A lookup charges the default, so an importer who does not know
the claims is never told that declaring one would move the duty, in either direction: ``auto_part``
on a generic note 33(g) provision *raises* it (9903.94.05 instead of 9903.94.06), ``usmca`` on a
Canadian car *lowers* it (general note 11).

For one lookup, :func:`claim_hints` finds the claims that a rule covering this line, origin and date
reacts to (the engine's coverage test, on the claim-reactive rules only), and prices each by
re-running the same resolver with that claim added: there is no second copy of the law.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl

from tariffscope.catalogue.claims import claim_registry
from tariffscope.catalogue.loader import Catalogue, RuleRef, visible_steps
from tariffscope.resolver.context import PricingContext
from tariffscope.resolver.coverage import CodeSet, product_masks, row_product_mask
from tariffscope.resolver.engine import EngineResult
from tariffscope.resolver.single import Lookup

Resolve = Callable[[Lookup], tuple[dict[str, Any], EngineResult, int]]
"""Price a lookup: its resolved record, the engine's traces and the row's key in them."""

CLAIM_ORIGINS: dict[str, frozenset[str]] = {"usmca": frozenset({"CA", "MX"})}
"""Claims only some origins can make (USMCA: goods of Canada or Mexico, general note 11)."""

_EPS = 1e-12
_CLAIM_RULES: dict[int, tuple[Catalogue, list[tuple[RuleRef, frozenset[str], frozenset[str]]]]] = {}


def _claim_rules(cat: Catalogue) -> list[tuple[RuleRef, frozenset[str], frozenset[str]]]:
    """The catalogue's claim-reactive rules with their expanded countries (included, excluded)."""
    hit = _CLAIM_RULES.get(id(cat))
    if hit is None or hit[0] is not cat:
        rules = [
            (
                ref,
                frozenset(cat.countries(ref.rule.countries.include)),
                frozenset(cat.countries(ref.rule.countries.exclude)),
            )
            for ref in cat.rules
            if ref.rule.claims
        ]
        hit = (cat, rules)
        _CLAIM_RULES[id(cat)] = hit
    return hit[1]


def declared_claims(claim: str | None) -> list[str]:
    """The claims of a ``claim`` input (comma-separated), in order, without blanks."""
    return [c.strip() for c in (claim or "").lower().split(",") if c.strip()]


def _step_in_force(ref: RuleRef, day: dt.date, as_of: dt.date | None) -> Any:
    """The rule's step in force on ``day`` as known on ``as_of`` (None: none, or one that ends it)."""
    step = None
    for st in visible_steps(ref.rule, as_of):
        if st.from_ > day:
            break
        step = st
    return None if step is None or step.rate is None else step


def reacting_rules(
    cat: Catalogue, as_of: dt.date | None, hts10: str, origin: str, day: dt.date, declared: list[str]
) -> dict[str, list[tuple[RuleRef, str, str]]]:
    """Each claim not yet declared that a rule covering the line, origin and date (as known on
    ``as_of``) reacts to: its rules as ``(rule, how, citation of the step in force)``.

    Coverage is the engine's step 1 (:meth:`Engine._coverage`: country, a rate in force, products with
    their dated lists) on one line, with the claim taken as declared; ``tests/test_hints.py`` holds it
    equal to an engine run over random lines.
    """
    codes = CodeSet(pl.Series([hts10]))
    first, days = np.zeros(1, dtype=np.int64), np.array([np.datetime64(day, "D")])
    out: dict[str, list[tuple[RuleRef, str, str]]] = {}
    for ref, inc, exc in _claim_rules(cat):
        names = [
            (k, how)
            for k, how in ref.rule.claims.items()
            if k not in declared and origin in CLAIM_ORIGINS.get(k, (origin,))
        ]
        if not names or origin in exc or not ("ALL" in inc or origin in inc):
            continue
        step = _step_in_force(ref, day, as_of)
        if step is None or not row_product_mask(product_masks(cat, ref.rule.products, codes), first, days)[0]:
            continue
        for k, how in names:
            out.setdefault(k, []).append((ref, how, step.cite))
    return out


def _owed(
    engine: EngineResult, key: int, mfn: float | None, base_id: str
) -> dict[str, tuple[str | None, float]]:
    """What each measure owes on a row: rule id -> (heading, owed rate), the base rate (``base_id``,
    e.g. ``us.mfn``) first."""
    out: dict[str, tuple[str | None, float]] = {base_id: (None, mfn or 0.0)}
    for tr in engine.traces:
        i = tr.at(key)
        if i >= 0:
            out[tr.ref.id] = (tr.ref.rule.heading, float(tr.owed[i]))
    return out


def _changes(
    before: dict[str, tuple[str | None, float]], after: dict[str, tuple[str | None, float]]
) -> list[dict[str, Any]]:
    """The measures whose owed rate moves, with the rate before and after the claim."""
    out = []
    for mid in dict.fromkeys([*before, *after]):
        head, a = before.get(mid, (after.get(mid, (None, 0.0))[0], 0.0))
        b = after.get(mid, (head, 0.0))[1]
        if abs(b - a) > _EPS:
            out.append(
                {"measure": mid, "heading": head, "rate": round(a, 10), "rate_with_claim": round(b, 10)}
            )
    return out


def _rule_entry(ref: RuleRef, how: str, cite: str) -> dict[str, Any]:
    rule = ref.rule
    return {
        "measure": ref.id,
        "heading": rule.heading,
        "reacts": how,
        "title": " ".join(rule.title.split()),
        "citation": cite,
        "uncertain": rule.uncertain,
    }


def claim_hints(
    q: Lookup,
    ctx: PricingContext,
    as_of: dt.date | None,
    rec: dict[str, Any],
    engine: EngineResult,
    key: int,
    resolve: Resolve,
) -> list[dict[str, Any]]:
    """The claims that would change this lookup's duty, largest change first: for each, the total with
    it declared, the change, the rules it turns on (with citations), the measures it moves, and the
    fact the importer must be able to prove. Claims already declared are not listed."""
    declared = declared_claims(q.optional.get("claim"))
    rules = reacting_rules(ctx.catalogue, as_of, rec["hts10"], rec["origin"], rec["date"], declared)
    if not rules:
        return []
    registry = claim_registry()
    base_id = f"{ctx.catalogue.jurisdiction_id}.mfn"
    before = _owed(engine, key, rec.get("base_rate"), base_id)
    hints = []
    for name, refs in rules.items():
        claimed = dataclasses.replace(q, optional={**q.optional, "claim": ",".join([*declared, name])})
        rec2, engine2, key2 = resolve(claimed)
        change = float(rec2["total_rate"]) - float(rec["total_rate"])
        if abs(change) <= _EPS:
            continue
        info = registry.get(name)
        hints.append(
            {
                "claim": name,
                "effect": "raises" if change > 0 else "lowers",
                "total_rate": round(float(rec2["total_rate"]), 10),
                "change": round(change, 10),
                "duty_usd": None if rec2.get("duty_usd") is None else round(float(rec2["duty_usd"]), 2),
                "condition": info.asserts
                if info
                else "; ".join(" ".join(r.rule.title.split()) for r, _, _ in refs),
                "default": info.default if info else "not declared",
                "rules": [_rule_entry(*r) for r in refs],
                "changes": _changes(before, _owed(engine2, key2, rec2.get("base_rate"), base_id)),
            }
        )
    return sorted(hints, key=lambda h: -abs(h["change"]))
