"""The catalogue loads, validates and reports errors by file, line and field."""

from pathlib import Path

import pytest

from tariffscope.catalogue.loader import load_catalogue, parse_measure
from tariffscope.errors import CatalogueError

GOOD = """\
id: us.other.example
title: Example
authority: other
instruments:
  - {id: proc-1, type: proclamation}
rules:
  - id: r1
    title: Rule
    heading: 9903.99.01
    products: {include: ["8703"]}
    countries: {include: [JP]}
    steps:
      - {from: 2025-01-01, rate: 0.1, cite: proc-1}
"""


def test_shipped_catalogue_loads() -> None:
    cat = load_catalogue()
    assert len(cat.measures) >= 2
    ids = [r.id for r in cat.rules]
    assert len(ids) == len(set(ids))


def test_good_measure_parses(tmp_path: Path) -> None:
    m = parse_measure(tmp_path / "x.yaml", GOOD)
    assert m.rules[0].steps[0].rate == 0.1


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (GOOD.replace("rate: 0.1", "rate: -0.1"), ":13: rules.0.steps.0.rate"),
        (GOOD.replace("heading: 9903.99.01", "heading: 9903.991"), ":9: rules.0.heading"),
        (GOOD.replace("    title: Rule\n", "    title: Rule\n    colour: red\n"), "rules.0.colour"),
        (GOOD.replace('["8703"]', '["87x3"]'), "rules.0.products.include"),
        (GOOD.replace("cite: proc-1}", "cite: proc-2 sec. 1}"), "proc-2"),
        (GOOD.replace("title: Example\n", "title: Example\ntitle: Again\n"), "duplicate key 'title'"),
    ],
)
def test_bad_measure_names_file_line_and_field(tmp_path: Path, bad: str, expected: str) -> None:
    with pytest.raises(CatalogueError) as err:
        parse_measure(tmp_path / "bad.yaml", bad)
    assert "bad.yaml" in str(err.value)
    assert expected in str(err.value)


def test_unsafe_yaml_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError):
        parse_measure(tmp_path / "evil.yaml", "!!python/object/apply:os.system ['true']\n")
