"""The IEEPA / S122 / S301 lists and generated measure files agree with the legal text they derive from."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tariffscope.catalogue.loader import load_catalogue, rule_rate_on
from tariffscope.paths import shared_data

ROOT = Path(__file__).resolve().parents[1]
TEXT = shared_data() / "hts" / "chapter99_2026_rev_6.txt"
pytestmark = pytest.mark.skipif(not TEXT.exists(), reason="needs the shared HTS data")


def _builder() -> Any:
    spec = importlib.util.spec_from_file_location(
        "build_lists_ieepa", ROOT / "scripts" / "build_lists_ieepa.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["build_lists_ieepa"] = mod
    spec.loader.exec_module(mod)
    return mod


def test_committed_lists_are_reproducible() -> None:
    """Rebuilding from the shared data changes nothing (exit status 0 of --check)."""
    assert _builder().build(check=True, revisions=False) == 0


def test_annex_ii_parsed_from_note_matches_tracker() -> None:
    b = _builder()
    lines = TEXT.read_text(encoding="utf-8", errors="replace").splitlines()
    codes = b.note_codes(
        lines, r"\(a\) As provided for in heading 9903\.01\.32", r"\(b\) As provided in heading 9903\.02\.78"
    )
    assert len(codes) > 1000 and "8471" in codes and "02013002" in codes
    assert not [c for c in codes if c.startswith("9903")]
    cur = pl.read_csv(
        shared_data() / "lists" / "annex_ii_first_appearance.csv", infer_schema_length=0
    ).filter(pl.col("end_effective_date") == "NA")
    prefixes = set(cur["prefix"].to_list())
    assert all(any(c.startswith(p) for p in prefixes) for c in codes)  # 8505.11.0070 is under 8505.11.00
    assert all(any(c.startswith(p) or p.startswith(c) for c in codes) for p in prefixes)


def test_section_122_list_parsed_from_note() -> None:
    b = _builder()
    lines = TEXT.read_text(encoding="utf-8", errors="replace").splitlines()
    codes = b.note_codes(
        lines, r"\(ii\) As provided in heading 9903\.03\.03", r"\(iii\) As provided in heading 9903\.03\.04"
    )
    assert "27141000" in codes  # on a line shared with a page header
    assert "85051100" + "70" in codes  # a 10-digit statistical line
    particular = b.classifiable_codes(
        lines, r"\(iii\) As provided in heading 9903\.03\.04", r"\(iv\) As provided in heading 9903\.03\.05"
    )
    assert particular[0] == "08059001" and len(particular) == 11
    # note 2(v)(iii)(b): item (3) breaks "(classifiable / in subheading 1404.90.90)" across lines
    reciprocal = b.classifiable_codes(
        lines, r"\(b\) As provided in heading 9903\.02\.78", r"^\(iv\) As provided in 9903\.01\.26"
    )
    assert "14049090" in reciprocal and len(reciprocal) == 11


def test_phase_rates_read_from_hts_revisions() -> None:
    cat = load_catalogue()
    on1, on2 = dt.date(2025, 4, 9), dt.date(2025, 8, 7)
    want1 = {
        "p1_eu27_jo": 0.20,
        "p1_vn": 0.46,
        "p1_kr": 0.25,
        "p1_th": 0.36,
        "p1_ly_md_ch": 0.31,
        "p1_bn_my": 0.24,
    }
    for rid, rate in want1.items():
        assert rule_rate_on(cat.rule(f"us.ieepa.reciprocal_phase1/{rid}").rule, on1) == rate
        assert rule_rate_on(cat.rule(f"us.ieepa.reciprocal_phase1/{rid}").rule, on1 + dt.timedelta(1)) is None
    want2 = {
        "p2_vn": 0.20,
        "p2_tw": 0.20,
        "p2_in": 0.25,
        "p2_gb": 0.10,
        "p2_br": 0.10,
        "p2_ch": 0.39,
        "p2_kr": 0.15,
    }
    for rid, rate in want2.items():
        assert rule_rate_on(cat.rule(f"us.ieepa.reciprocal_phase2/{rid}").rule, on2) == rate
    # Korea and Switzerland leave Phase 2 for their floors on 2025-11-14; the rest end with IEEPA
    assert rule_rate_on(cat.rule("us.ieepa.reciprocal_phase2/p2_kr").rule, dt.date(2025, 11, 14)) is None
    assert rule_rate_on(cat.rule("us.ieepa.reciprocal_phase2/p2_vn").rule, dt.date(2026, 2, 24)) is None
    # Japan is in its own file, never in the generated ones
    for rid in ("us.ieepa.reciprocal_phase1", "us.ieepa.reciprocal_phase2"):
        assert all("JP" not in r.countries.include for r in cat.measures[rid].rules)


def test_every_ieepa_measure_is_refundable_and_ends() -> None:
    cat = load_catalogue()
    for mid, m in cat.measures.items():
        if m.authority.startswith("ieepa"):
            assert m.refundable is not None and m.refundable.from_ == dt.date(2026, 2, 20), mid
            for r in m.rules:
                assert rule_rate_on(r, dt.date(2026, 2, 24)) is None, f"{mid}/{r.id} outlives IEEPA"


def test_s301_lists_from_note_20_one_list_per_line() -> None:
    """Lists 1, 2, 3, 4A come from note 20(b), (d), (f), (s); no line is on two of them (issue 11)."""
    b = _builder()
    lines = TEXT.read_text(encoding="utf-8", errors="replace").splitlines()
    n20 = b.s301_note20(lines)
    assert {k: len(v) for k, v in n20.items() if k != "4A"} == {"1": 856, "2": 283, "3": 5906}
    assert "84791000" in n20["1"] and "84791000" not in n20["3"]
    assert "4901990040" not in n20["4A"] and "4901990010" in n20["4A"] and "49019900" not in n20["4A"]
    _, errors = b.s301_rows(n20, [])
    assert errors == []
    clash = {"1": ["84791000"], "2": [], "3": ["84791000"], "4A": []}
    assert b.s301_rows(clash, [])[1] == ["note 20: 84791000 on list 3 and 84791000 on list 1"]
