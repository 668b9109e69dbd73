"""Scenario files: validation errors name file, line and field; overlays change exactly what they say."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from tariffscope.catalogue.loader import Catalogue, default_catalogue, rule_rate_on
from tariffscope.errors import CatalogueError
from tariffscope.resolver.engine import Engine
from tariffscope.scenarios.overlay import (
    all_timeline,
    apply_changes,
    build_catalogue,
    load_scenario,
    parse_scenario,
    select_rules,
    shipped_scenarios,
)

SHIPPED = ["current-law", "pause-lapses", "july-letter", "the-deal", "no-auto-relief", "ieepa-struck-down"]
OCT = dt.date(2025, 10, 1)

GOOD = """\
id: my-scenario
title: Japan at 30% from 2025-11-01
base: current-law
date: 2025-12-01
changes:
  - set: us.ieepa.reciprocal_japan/agreement
    from: 2025-11-01
    rate: 0.30
    cite: a test
"""


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return default_catalogue()


def rates(cat: Catalogue, rows: list[tuple[str, str, float]], on: dt.date) -> list[float]:
    df = pl.DataFrame(
        {
            "hts10": [r[0] for r in rows],
            "origin": [r[1] for r in rows],
            "date": [on] * len(rows),
            "base_rate": [r[2] for r in rows],
        }
    )
    return [round(x, 6) for x in Engine(cat).run(df).frame()["total_rate"].to_list()]


CAR, TOY, MFN_CAR = "8703230190", "9503000073", 0.025


def test_shipped_names_and_ids(cat: Catalogue) -> None:
    assert set(SHIPPED) <= set(shipped_scenarios())
    for name in shipped_scenarios():
        sc = load_scenario(name)
        assert sc.id == name
        build_catalogue(sc, cat)  # every id it names exists, relations resolve


def test_the_deal_is_current_law(cat: Catalogue) -> None:
    rows = [(CAR, "JP", MFN_CAR), (TOY, "JP", 0.0), (CAR, "KR", MFN_CAR)]
    assert rates(build_catalogue("the-deal", cat), rows, OCT) == rates(cat, rows, OCT)
    assert rates(cat, rows, OCT)[:2] == [0.15, 0.15]


def test_pause_lapses_and_july_letter_rates(cat: Catalogue) -> None:
    rows = [(CAR, "JP", MFN_CAR), (TOY, "JP", 0.0), (TOY, "KR", 0.0)]
    korea = rates(cat, rows, OCT)[2]
    # no deal: cars MFN + 25% (Section 232), general goods at the scenario's country rate
    assert rates(build_catalogue("pause-lapses", cat), rows, OCT) == [0.275, 0.24, korea]
    assert rates(build_catalogue("july-letter", cat), rows, OCT) == [0.275, 0.25, korea]
    # before the changes take effect the law is unchanged
    early = dt.date(2025, 7, 1)
    assert rates(build_catalogue("pause-lapses", cat), rows, early) == rates(cat, rows, early)
    # the pause-lapses rate ends with the IEEPA duties (the law resumes: S122 etc. as in current law)
    late = dt.date(2026, 3, 2)
    assert rates(build_catalogue("pause-lapses", cat), rows, late)[1:] == rates(cat, rows, late)[1:]


def test_no_auto_relief_only_touches_autos(cat: Catalogue) -> None:
    c = build_catalogue("no-auto-relief", cat)
    rows = [(CAR, "JP", MFN_CAR), (TOY, "JP", 0.0)]
    assert rates(c, rows, OCT) == [0.275, rates(cat, rows, OCT)[1]]
    removed = {r.id for r in cat.rules} - {r.id for r in c.rules}
    assert removed and all(r.startswith("us.s232.autos/") for r in removed)


def test_ieepa_struck_down(cat: Catalogue) -> None:
    c = build_catalogue("ieepa-struck-down", cat)
    rows = [(TOY, "JP", 0.0), (TOY, "DE", 0.0), (CAR, "JP", MFN_CAR)]
    on = dt.date(2026, 3, 2)
    got = rates(c, rows, on)
    assert got[:2] == [0.0, 0.0]  # no IEEPA, no Section 122 / 301-FL replacement
    assert got[2] == rates(cat, rows, on)[2] == 0.15  # the Section 232 auto deal stands
    for r in c.rules:
        if r.authority.startswith("ieepa"):
            assert rule_rate_on(r.rule, dt.date(2026, 2, 20)) is None


def test_set_with_to_restores_the_law(cat: Catalogue, tmp_path: Path) -> None:
    text = GOOD.replace("    cite: a test\n", "    to: 2025-11-30\n    cite: a test\n")
    sc = parse_scenario(tmp_path / "s.yaml", text)
    c = apply_changes(cat, sc)
    rule = c.rule("us.ieepa.reciprocal_japan/agreement").rule
    orig = cat.rule("us.ieepa.reciprocal_japan/agreement").rule
    assert rule_rate_on(rule, dt.date(2025, 11, 15)) == 0.30
    for d in (dt.date(2025, 10, 31), dt.date(2025, 12, 1), dt.date(2026, 3, 1)):
        assert rule_rate_on(rule, d) == rule_rate_on(orig, d)
    assert any("scenario my-scenario" in s.cite for s in rule.steps)


def test_remove_prunes_relations_naming_the_rule(cat: Catalogue, tmp_path: Path) -> None:
    text = GOOD.split("changes:")[0] + "changes:\n  - remove: us.s232.autos/vehicles\n"
    c = apply_changes(cat, parse_scenario(tmp_path / "s.yaml", text))
    assert "us.s232.autos/vehicles" not in {r.id for r in c.rules}
    assert all(e.target != "us.s232.autos/vehicles" for r in c.rules for e in r.rule.excludes)


def test_selectors_intersect(cat: Catalogue) -> None:
    both = {r.id for r in select_rules(cat, "us.s232.autos & tag:deal_jp")}
    assert both == {r.id for r in select_rules(cat, "tag:deal_jp") if r.measure.id == "us.s232.autos"}
    assert both


def test_timeline_has_deadlines_and_changes() -> None:
    tl = all_timeline(load_scenario("pause-lapses"))
    dates = [t["date"] for t in tl]
    assert dates == sorted(dates)
    assert dt.date(2025, 7, 9) in dates and dt.date(2025, 9, 16) in dates
    assert any("set us.ieepa.reciprocal_japan/phase1 at 24%" in t["label"] for t in tl)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("    rate: 0.30\n", "    rate: 0.30\n    colour: red\n"), ":9: changes.0.colour: Extra inputs"),
        (("    rate: 0.30\n", "    rate: -1\n"), ":8: changes.0.rate"),
        (("    rate: 0.30\n", ""), "'set' needs 'rate'"),
        (("    from: 2025-11-01\n", "    from: 2025-13-01\n"), ":7: changes.0.from"),
        (("date: 2025-12-01\n", "date: 2025-12-01\ndate: 2026-01-01\n"), "duplicate key 'date'"),
        (("id: my-scenario", "id: My Scenario"), ":1: id"),
        (("  - set:", "  - end: x\n    set:"), "exactly one of"),
    ],
)
def test_yaml_errors_name_file_line_field(tmp_path: Path, edit: tuple[str, str], expected: str) -> None:
    bad = GOOD.replace(*edit)
    assert bad != GOOD
    with pytest.raises(CatalogueError) as err:
        parse_scenario(tmp_path / "bad.yaml", bad)
    assert "bad.yaml" in str(err.value)
    assert expected in str(err.value)


def test_added_measure_is_validated_with_the_catalogue_schema(tmp_path: Path) -> None:
    text = GOOD.split("changes:")[0] + (
        "changes:\n"
        "  - add:\n"
        "      id: us.other.test\n"
        "      title: t\n"
        "      authority: other\n"
        "      instruments: [{id: x-1, type: other}]\n"
        "      rules:\n"
        "        - id: r\n"
        "          title: r\n"
        "          heading: 9903.99.1\n"
        "          products: {include: [ALL]}\n"
        "          countries: {include: [JP]}\n"
        "          steps: [{from: 2025-11-01, rate: 0.3, cite: x-1}]\n"
    )
    with pytest.raises(CatalogueError) as err:
        parse_scenario(tmp_path / "bad.yaml", text)
    assert "bad.yaml:14: changes.0.add.rules.0.heading" in str(err.value)
    ok = parse_scenario(tmp_path / "ok.yaml", text.replace("9903.99.1\n", "9903.99.01\n"))
    assert ok.spec.changes[0].add is not None


def test_missing_id_is_named_with_its_line(cat: Catalogue, tmp_path: Path) -> None:
    text = GOOD.replace("reciprocal_japan/agreement", "reciprocal_japan/agreemnt")
    sc = parse_scenario(tmp_path / "bad.yaml", text)
    with pytest.raises(CatalogueError) as err:
        apply_changes(cat, sc)
    msg = str(err.value)
    assert "bad.yaml:6: changes.0.set" in msg
    assert "'us.ieepa.reciprocal_japan/agreemnt' is not in the catalogue" in msg
    assert "did you mean us.ieepa.reciprocal_japan/agreement" in msg


def test_empty_tag_selector_needs_optional(cat: Catalogue, tmp_path: Path) -> None:
    text = GOOD.replace("us.ieepa.reciprocal_japan/agreement", "tag:no_such_tag")
    with pytest.raises(CatalogueError, match="selects no rule"):
        apply_changes(cat, parse_scenario(tmp_path / "s.yaml", text))
    ok = text.replace("    cite: a test\n", "    cite: a test\n    optional: true\n")
    assert apply_changes(cat, parse_scenario(tmp_path / "s.yaml", ok)).measures.keys() == cat.measures.keys()


def test_adding_an_existing_measure_is_an_error(cat: Catalogue, tmp_path: Path) -> None:
    sc = load_scenario("july-letter")
    with pytest.raises(CatalogueError, match="already in the catalogue"):
        apply_changes(build_catalogue(sc, cat), sc)


def test_base_cycle_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD.replace("base: current-law", "base: b.yaml"))
    (tmp_path / "b.yaml").write_text(GOOD.replace("base: current-law", "base: a.yaml").replace("my-", "b-"))
    with pytest.raises(CatalogueError, match="cycle"):
        build_catalogue(tmp_path / "a.yaml")


def test_user_scenario_on_a_user_base(cat: Catalogue, tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(GOOD)
    child = GOOD.replace("id: my-scenario", "id: child").replace("base: current-law", "base: base.yaml")
    child = child.replace("rate: 0.30", "rate: 0.35").replace("2025-11-01", "2025-11-15")
    (tmp_path / "child.yaml").write_text(child)
    rule = build_catalogue(tmp_path / "child.yaml", cat).rule("us.ieepa.reciprocal_japan/agreement").rule
    assert rule_rate_on(rule, dt.date(2025, 11, 5)) == 0.30
    assert rule_rate_on(rule, dt.date(2025, 11, 20)) == 0.35
