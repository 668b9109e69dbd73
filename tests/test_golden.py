"""Golden cases: product, origin and entry date -> the duty owed per measure, each citing its source.

Cases live in ``tests/golden/<area>/*.yaml``. A case lists every component that owes duty (closed
world: a measure that owes duty but is not listed fails the case) and the total.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from tariffscope.resolver.api import resolve_one

GOLDEN = Path(__file__).parent / "golden"
INPUTS = (
    "value",
    "quantity",
    "metal_share",
    "steel_share",
    "aluminum_share",
    "copper_share",
    "us_content",
    "claim",
    "loading_date",
    "shipment",
    "transport",
    "postal_method",
    "importer",
)


def _cases() -> list[Any]:
    out = []
    for path in sorted(GOLDEN.rglob("*.yaml")):
        for i, case in enumerate(yaml.safe_load(path.read_text()) or []):
            rel = path.relative_to(GOLDEN)
            out.append(pytest.param(case, id=f"{rel.with_suffix('')}[{i}] {case.get('name', '')[:60]}"))
    return out


CASES = _cases()


def test_enough_golden_cases() -> None:
    assert len(CASES) >= 3


@pytest.mark.parametrize("case", CASES)
def test_golden(case: dict[str, Any]) -> None:
    assert case.get("source"), "every golden case names its source"
    as_of = case.get("as_of")
    result = resolve_one(
        str(case["hts10"]),
        case["origin"],
        case["date"] if isinstance(case["date"], dt.date) else dt.date.fromisoformat(case["date"]),
        as_of=as_of,
        **{k: case[k] for k in INPUTS if k in case},
    )
    expected = case["expected"]
    owed = {
        ("mfn" if c["measure"].endswith(".mfn") else c["measure"]): c["rate"]
        for c in result["components"]
        if c["rate"]
    }
    want = {k: v for k, v in expected.get("components", {}).items() if v}
    assert owed.keys() == want.keys(), f"owed {owed} != expected {want}"
    for k, v in want.items():
        assert owed[k] == pytest.approx(v, abs=1e-9), k
    assert result["total_rate"] == pytest.approx(expected["total"], abs=1e-9)
    assert result["base_status"] == expected.get("base_status", "rate")
    for k, v in expected.get("landed", {}).items():  # shipment outcome: duty owed, fees, landed cost
        got = result["landed_cost"][k] if k in result["landed_cost"] else result["landed_cost"]["fees"][k]
        assert got == (pytest.approx(v, abs=0.005) if isinstance(v, float) else v), k
    assert sum(c["rate"] or 0 for c in result["components"]) == pytest.approx(result["total_rate"], abs=1e-9)
    # `suppressed:` names rules that cover the line and would owe duty, but that a stacking rule takes out
    comps = {c["measure"]: c for c in result["components"]}
    for rule in case.get("suppressed", []):
        assert rule in comps, f"{rule} does not cover the line"
        c = comps[rule]
        assert c["statutory_rate"] > 0 and c["rate"] < c["statutory_rate"], f"{rule} is not suppressed: {c}"
        assert c["reason"].startswith(("not applied: excluded by", "applied to")), c["reason"]


def _owed_measures() -> set[str]:
    out = set()
    for p in GOLDEN.rglob("*.yaml"):
        for case in yaml.safe_load(p.read_text()) or []:
            for k, v in (case.get("expected", {}).get("components") or {}).items():
                if v:
                    out.add(k.split("/")[0])
    return out


def test_every_measure_has_a_golden_case_that_owes_duty() -> None:
    """Health (issue 11): a measure no golden case sees owing duty can silently stack wrong; exemption-only
    measures (chapter 98, informational materials, civil aircraft) owe nothing by nature."""
    from tariffscope.catalogue.loader import load_catalogue

    owed = _owed_measures()
    missing = [
        mid
        for importer in ("us", "jp")
        for mid, m in load_catalogue(importer=importer).measures.items()
        if mid not in owed and not all(r.kind == "exempt" for r in m.rules)
    ]
    assert missing == [], f"measures with no golden case owing duty: {missing}"


def test_suppressed_is_checked() -> None:
    """A `suppressed:` entry for a rule that applies in full fails the case (the check can fail)."""
    case = {
        "hts10": "7206100000",
        "origin": "CA",
        "date": dt.date(2025, 7, 1),
        "expected": {"total": 0.5, "components": {"us.s232.steel_aluminum_2025/steel": 0.5}},
        "suppressed": ["us.s232.steel_aluminum_2025/steel"],
        "source": "test",
    }
    with pytest.raises(AssertionError):
        test_golden(case)
