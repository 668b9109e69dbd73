"""What each rule ``kind`` charges and how its trail reads: one :class:`KindHandler` per kind.

The stacking engine asks the handler of a rule's kind for the statutory rate of the rows it covers and
for the kind's own line in a component's reason; a new kind is one entry of :data:`KINDS` (and its
name in ``catalogue.schema.Kind``, which a test holds equal to these keys).

- ``add``: an additional duty, ``rate x share`` of value (e.g. 9903.01.25, EO 14257 sec. 3).
- ``floor``: an all-in floor, ``max(0, rate - base) x share`` so that the line pays ``max(MFN, rate)``
  (e.g. the EU and Japan 15% all-in headings 9903.02.20 / 9903.02.73; the paired "MFN at or above the
  floor" heading, ``heading_no_duty``, applies when nothing is owed).
- ``preference``: a trade agreement's rate, ``min(0, rate - base)`` on the whole value, so that the
  line pays ``min(MFN, rate)`` all-in (e.g. Japan's rates for US goods under the Japan-US Trade
  Agreement, ``catalogue/jp/fta``; claimed by the importer).
- ``exempt``: charges nothing and takes the article out of the rules it excludes (e.g. Annex II,
  9903.01.32).

Exemptions and floors take articles out of the rules they exclude even when they owe 0% (CSMS
65054270: the paired heading still replaces the general rate); an additional duty does so only when
it owes more than 0% (``excludes_at_zero``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from tariffscope.catalogue.schema import Rule


def pct(x: float) -> str:
    """A decimal rate for people: 0.275 -> ``27.5%``."""
    return f"{100 * x:.4g}%"


@dataclass(frozen=True)
class KindHandler:
    """How rules of one kind charge and explain themselves.

    ``statutory(rate, base, share)``: the rate charged on each covered row before displacement
    (``rate`` the step in force, ``base`` the row's base rate, ``share`` the share of value charged).
    ``own_reason(rule, step, base_rate, statutory)``: the kind's own ``(reason, heading)`` for an
    applied component, which comes before any displacement (None: the generic reasons follow).
    ``applies(rule, step)``: the reason of a component that applies in full.
    """

    statutory: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    excludes_at_zero: bool
    own_reason: Callable[[Rule, Any, float, float], tuple[str, str | None] | None]
    applies: Callable[[Rule, Any], str]


def _no_reason(rule: Rule, step: Any, base_rate: float, statutory: float) -> None:
    return None


def _exempt_reason(rule: Rule, step: Any, base_rate: float, statutory: float) -> tuple[str, str | None]:
    return f"exemption: {rule.title}", rule.heading


def _floor_reason(rule: Rule, step: Any, base_rate: float, statutory: float) -> tuple[str, str | None] | None:
    if statutory != 0:
        return None
    rate = step.rate if step is not None else 0.0
    return (
        f"no additional duty: base {pct(base_rate)} is at or above the {pct(rate)} floor",
        rule.heading_no_duty or rule.heading,
    )


def _preference_reason(rule: Rule, step: Any, base_rate: float, statutory: float) -> tuple[str, str | None]:
    pref = pct(step.rate if step is not None else 0.0)
    if statutory == 0:
        return f"no reduction: base {pct(base_rate)} is at or below the {pref} preference", rule.heading
    return f"applies: min(MFN, {pref}) all-in: {rule.title}", rule.heading


KINDS: dict[str, KindHandler] = {
    "add": KindHandler(
        statutory=lambda rate, base, share: rate * share,
        excludes_at_zero=False,
        own_reason=_no_reason,
        applies=lambda rule, step: rule.title,
    ),
    "floor": KindHandler(
        statutory=lambda rate, base, share: np.maximum(0.0, rate - base) * share,
        excludes_at_zero=True,
        own_reason=_floor_reason,
        applies=lambda rule, step: f"max(MFN, {pct(step.rate)}) all-in" if step else rule.title,
    ),
    "preference": KindHandler(
        statutory=lambda rate, base, share: np.minimum(0.0, rate - base),
        excludes_at_zero=True,
        own_reason=_preference_reason,
        applies=lambda rule, step: rule.title,
    ),
    "exempt": KindHandler(
        statutory=lambda rate, base, share: np.zeros(rate.size),
        excludes_at_zero=True,
        own_reason=_exempt_reason,
        applies=lambda rule, step: rule.title,
    ),
}
"""Every rule kind of the catalogue schema and its handler."""
