"""The legal trail of one priced row: each rule that covered it, applied or not, and why.

Reads the engine's traces (:class:`~tariffscope.resolver.engine.EngineResult` with ``explain=True``);
the kind's own wording comes from its handler (:mod:`tariffscope.resolver.kinds`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tariffscope.catalogue.jurisdiction import registry
from tariffscope.catalogue.loader import RuleRef
from tariffscope.catalogue.schema import Rule
from tariffscope.resolver.engine import EngineResult, _Trace
from tariffscope.resolver.kinds import KINDS
from tariffscope.resolver.kinds import pct as _pct


def _cite(rule: Rule, step_cite: str | None) -> str:
    return step_cite or (rule.steps[0].cite if rule.steps else "")


def explain_row(
    result: EngineResult,
    row: int,
    base_rate: float,
    base_note: str,
    as_of: dt.date | None = None,
    base: tuple[str, str] | None = None,
) -> list[dict[str, Any]]:
    """The components of one row: the base rate (``base``: measure id and citation of the importer's
    schedule; the US one by default), then every rule that covered it, applied or not."""
    base = base or ("us.mfn", registry().base_citation)
    comps: list[dict[str, Any]] = [
        {
            "measure": base[0],
            "authority": "mfn",
            "heading": None,
            "rate": base_rate,
            "basis": "value",
            "applied": True,
            "reason": base_note,
            "citation": base[1],
            "refundable": False,
        }
    ]
    for tr in result.traces:
        i = tr.at(row)
        if i >= 0:
            comps.append(_component(result, tr, i, base_rate, as_of))
    return comps


def _component(
    result: EngineResult, tr: _Trace, i: int, base_rate: float, as_of: dt.date | None
) -> dict[str, Any]:
    """One rule's component of a row (``i``: the row's position in the rule's trace)."""
    rule = tr.ref.rule
    step = tr.steps[tr.step_idx[i]] if tr.step_idx[i] >= 0 else None
    owed = float(tr.owed[i])
    reason, heading, applied = _reason(result, tr, i, base_rate, step)
    refund = tr.ref.measure.refundable
    return {
        "measure": tr.ref.id,
        "authority": tr.ref.authority,
        "heading": heading,
        "rate": owed,
        "statutory_rate": float(tr.statutory[i]),
        "basis": rule.basis if rule.basis == "value" else f"{rule.basis} share {float(tr.share[i]):.3g}",
        "applied": applied,
        "reason": reason,
        "citation": _cite(rule, step.cite if step else None),
        "refundable": refund is not None and owed > 0 and (as_of is None or as_of >= refund.from_),
    }


def _reason(
    result: EngineResult, tr: _Trace, i: int, base_rate: float, step: Any
) -> tuple[str, str | None, bool]:
    """Why a rule did what it did to a row: ``(reason, heading, applied)``. Escapes first (in transit,
    an exempting claim), then the kind's own reason, then displacement by an earlier rule."""
    rule = tr.ref.rule
    rate_stat, owed = float(tr.statutory[i]), float(tr.owed[i])
    if tr.transit_out[i]:
        return "not applied: goods in transit (loaded and entered before the cut-off)", rule.heading, False
    if tr.claimed_out[i]:
        claims = ", ".join(k for k, v in rule.claims.items() if v == "exempt")
        return f"not applied: the entry claims or declares ({claims})", rule.heading, False
    kind = KINDS[rule.kind]
    own = kind.own_reason(rule, step, base_rate, rate_stat)
    if own is not None:
        return own[0], own[1], True
    if owed < rate_stat:
        by = tr.displaced_by[i]
        who = result.traces[by].ref if by >= 0 else None
        name = f"{who.id if who else '?'} ({who.rule.heading if who else ''})"
        if owed == 0:
            cite = _exclusion_cite(who, tr.ref) if who else ""
            return f"not applied: excluded by {name}{cite}", rule.heading, False
        kept = owed / rate_stat  # owed = statutory x (1 - displaced share): the share still charged
        return (
            f"applied to {_pct(kept)} of value: the other {_pct(1 - kept)} is covered by {name}",
            rule.heading,
            True,
        )
    return f"applies: {kind.applies(rule, step)}", rule.heading, True


def _exclusion_cite(who: RuleRef, target: RuleRef) -> str:
    for ex in who.rule.excludes:
        if ex.cite and (
            ex.target in (target.id, target.measure.id)
            or (ex.target.startswith("tag:") and ex.target[4:] in target.rule.tags)
            or ex.target == f"authority:{target.authority}"
        ):
            return f"; {ex.cite}"
    return ""
