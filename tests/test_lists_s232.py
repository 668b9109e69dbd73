"""Section 232 product lists: derived from the Chapter 99 notes, checked against the tracker's tables."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import polars as pl
import pytest

from tariffscope.catalogue.loader import load_catalogue
from tariffscope.catalogue.schema import ListRef
from tariffscope.paths import CATALOGUE_DIR, shared_data

ROOT = Path(__file__).resolve().parents[1]
LISTS = CATALOGUE_DIR / "lists"
TEXT = shared_data() / "hts" / "chapter99_2026_rev_6.txt"
pytestmark = pytest.mark.skipif(not TEXT.exists(), reason="shared source data not available")


@pytest.fixture(scope="module")
def build() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_lists_s232", ROOT / "scripts" / "build_lists_s232.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["build_lists_s232"] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def text(build: ModuleType) -> str:
    return str(build.read_text())


def shipped(name: str) -> pl.DataFrame:
    return pl.read_csv(LISTS / f"{name}.csv", comment_prefix="#", infer_schema_length=0)


def tracker_lines(name: str) -> set[str]:
    return {x.strip() for x in (shared_data() / "lists" / name).read_text().split() if x.strip()}


def test_auto_parts_33g_match_tracker(build: ModuleType, text: str) -> None:
    _, parts, _ = build.note33(text)
    assert len(parts) == 130
    assert set(parts) == tracker_lines("s232_auto_parts.txt")
    assert set(shipped("s232_auto_parts")["hts"]) == set(parts)


def test_vehicles_33b_and_uk_parts_33j(build: ModuleType, text: str) -> None:
    veh, _, uk = build.note33(text)
    assert veh[0] == "87032201" and "87045100" in veh and len(veh) == 17
    assert "8708305090" in uk and "9401200000" in uk and all(len(x) == 10 for x in uk)


def test_mhd_parts_38i_match_tracker(build: ModuleType, text: str) -> None:
    mhd = build.note38(text)
    assert set(mhd) == tracker_lines("s232_mhd_parts.txt")
    assert set(shipped("s232_mhd_parts")["hts"]) == set(mhd)


def test_metals_annexes_16c(build: ModuleType, text: str) -> None:
    annex = build.note16(text)
    # the (iii)/(iv)/(v) page interleaves its columns: check the split
    assert "7306" in annex["iii"] and "7301201000" not in annex["iii"]
    assert (
        "73012010" in annex["iv"]
        and "76141010" in annex["iv"]
        and not any(h.startswith("74") for h in annex["iv"])
    )
    assert annex["v"] and all(h.startswith("74") for h in annex["v"])
    assert annex["viii"] == ["85444210", "85444220", "85444290", "85444910"]
    mine = {(h, build.ANNEX_OF[k]) for k, v in annex.items() for h in v}
    ref = pl.read_csv(shared_data() / "lists" / "s232_annex_products.csv", infer_schema_length=0).filter(
        pl.col("effective_date") == "2026-04-06", pl.col("annex") != "2"
    )
    theirs = set(zip(ref["hts_prefix"], ref["annex"], strict=True))
    # one provision of (vii) the tracker lacks; otherwise the legal text is a subset of the tracker
    assert mine - theirs == {("9403999020", "1b")}
    # the tracker's extras are parent prefixes or zero-padded copies of listed provisions, bar six coarse 1b headings
    extra = {
        (h, a)
        for h, a in theirs - mine
        if not any(m.startswith(h) or h.rstrip("0") == m.rstrip("0") for m, _ in mine)
    }
    assert extra <= {
        ("8430", "1b"),
        ("843041", "1b"),
        ("843049", "1b"),
        ("8471", "1b"),
        ("851650", "1b"),
        ("8709", "1b"),
    }


def test_civil_aircraft_35(build: ModuleType, text: str) -> None:
    air = build.note35(text)
    assert len(air["GB"]) > 400 and len(air["JP"]) > 400
    df = shipped("s232_civil_aircraft")
    inherent = set(df.filter(pl.col("inherent") == "1")["hts"])
    assert inherent and all(h.startswith(("88", "84", "90", "85")) for h in inherent)
    assert not any(h.startswith("8806") for h in inherent)


def test_every_s232_list_reference_selects_rows() -> None:
    cat = load_catalogue()
    for ref in cat.rules:
        if not (ref.id.startswith("us.s232.") or ref.id.startswith("us.other.civil_aircraft")):
            continue
        # an exemption by the terms of a note (not an MHD part: 9903.74.08 simply does not apply) has no heading
        assert ref.rule.heading or ref.rule.kind == "exempt", ref.id
        for item in [*ref.rule.products.include, *ref.rule.products.exclude]:
            if isinstance(item, ListRef):
                df = cat.product_list(item.list)
                for col, val in (item.where or {}).items():
                    assert col in df.columns, f"{ref.id}: list {item.list} has no column {col}"
                    df = df.filter(pl.col(col) == val)
                assert df.height > 0, f"{ref.id}: {item} selects nothing"


def test_metals_2025_groups_and_inclusions() -> None:
    df = shipped("s232_metals_2025")
    groups = set(df["group"])
    assert groups == {
        f"{m}_{k}"
        for m in ("steel", "aluminum")
        for k in ("article", "derivative_full", "derivative_content")
    }
    incl = df.filter(pl.col("from") == "2025-08-18")
    assert 400 <= incl.height <= 500  # 407 codes in 90 FR 40326, counted per metal


def test_metals_2025_at_the_digit_level_of_note_19k(build: ModuleType, text: str) -> None:
    """Note 19(k) names 3004.90.92.44, 2106.90.99.98, 2710.19.30.50: never their whole HTS8 (issue 11)."""
    n19 = build.note19(text)
    assert "3004909244" in n19["k"] and "30049092" not in n19["k"]
    assert n19["i"] == ["76141050", "76149020", "76149040", "76149050", "87081030", "87082921"]
    df = shipped("s232_metals_2025")
    for metal in ("steel", "aluminum"):
        codes = set(df.filter(pl.col("metal") == metal)["hts"])
        assert {"3004909244", "2106909998", "2710193050"} <= codes, metal
        assert not {"30049092", "21069099", "27101930"} & codes, metal
    al = set(df.filter(pl.col("metal") == "aluminum")["hts"])
    assert al == {h for v in n19.values() for h in v}  # aluminium rows are exactly the note's provisions


def test_metals_2025_build_rule_names_file_and_line(build: ModuleType) -> None:
    """A list entry that matches no line in force, or a derivative line with no metal share, fails the build."""
    schedule = pl.DataFrame(
        {
            "hts10": ["3004909244", "0000000001"],
            "valid_from": [dt.date(2025, 1, 1)] * 2,
            "valid_to": [None, None],
        },
        schema={"hts10": pl.String, "valid_from": pl.Date, "valid_to": pl.Date},
    )
    rows = pl.DataFrame(
        {
            "hts": ["3004909244", "30049093", "0000000001"],
            "metal": ["steel"] * 3,
            "group": ["steel_derivative_content"] * 3,
            "from": ["2025-08-18", "", ""],
        }
    )
    errors = build.check_metals_2025(rows, schedule)
    assert len(errors) == 2
    assert (
        errors[0].startswith("s232_metals_2025.csv data line 2 (30049093")
        and "no HTS line in force" in errors[0]
    )
    assert "data line 3" in errors[1] and "without a metal share" in errors[1]
    shipped_rows = shipped("s232_metals_2025").with_columns(pl.col("from").fill_null(""))
    from tariffscope.paths import PACKAGE_DATA

    assert build.check_metals_2025(shipped_rows, pl.read_parquet(PACKAGE_DATA / "schedule.parquet")) == []


def test_auto_parts_generic_provisions_33h_ii() -> None:
    """Note 33(h)(ii): provisions not limited to motor vehicles by their terms are `generic` (auto-part use is a claim)."""
    use = dict(shipped("s232_auto_parts").select("hts", "use").iter_rows())
    for h in ("8471", "850760", "84254900", "84824000", "850132", "85443000", "70072151"):
        assert use[h] == "generic", h
    for h in ("870880", "94012000", "84152000", "840734", "8482200020", "85272 1".replace(" ", "")):
        assert use[h] == "inherent", h
    uk = shipped("s232_auto_parts_uk")
    assert set(uk["use"]) == {"generic", "inherent"}


def test_unmatched_entries_are_named_by_data_line(build: ModuleType) -> None:
    lines = sorted(["3004909244", "3004909259", "8471410150"])
    assert build.unmatched(["30049092", "99990000", "8471"], lines) == [(2, "99990000")]
