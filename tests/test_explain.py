"""The "why" text of a component says what the engine computed (issue 10)."""

from __future__ import annotations

import re

import pytest

from tariffscope.resolver.api import resolve_one


@pytest.mark.parametrize(("metal", "kept"), [(None, None), (0.3, 0.7), (0.9, 0.1)])
def test_partial_value_text_names_the_share_charged(metal: float | None, kept: float | None) -> None:
    """Steel screws from Japan: the reciprocal is owed on the value outside the steel content.

    EO 14257 §3(b): the reciprocal duty does not apply to the steel content charged under s232, so
    it is charged on (1 - steel share) of the value; the text must give that share, not the steel one.
    """
    r = resolve_one("7318190000", "JP", "2025-09-16", metal_share=metal)
    comps = {c["measure"]: c for c in r["components"]}
    s232 = comps["us.s232.steel_aluminum_2025/steel_derivatives_ch73"]
    recip = comps["us.ieepa.reciprocal_japan/agreement"]
    steel = float(s232["basis"].split()[-1]) if metal is None else metal
    expect = 1 - steel if kept is None else kept
    # the value: 15% all-in less the 5.7% MFN, on the value outside the steel content
    assert recip["rate"] == pytest.approx((0.15 - 0.057) * expect, rel=1e-3)
    m = re.match(r"applied to ([\d.]+)% of value: the other ([\d.]+)% is covered by", recip["reason"])
    assert m, recip["reason"]
    assert float(m.group(1)) / 100 == pytest.approx(expect, abs=1e-3)
    assert float(m.group(2)) / 100 == pytest.approx(1 - expect, abs=1e-3)
    assert recip["rate"] == pytest.approx(recip["statutory_rate"] * float(m.group(1)) / 100, rel=1e-3)
