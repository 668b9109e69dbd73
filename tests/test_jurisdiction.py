"""Jurisdiction as a parameter (issue 14 points 4-5): the authority registry and the folder rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from tariffscope.catalogue.jurisdiction import UnknownImporter, importer_id, known, registry
from tariffscope.catalogue.loader import load_catalogue
from tariffscope.errors import CatalogueError

MEASURE = """\
id: {id}
title: A test measure
authority: {authority}
instruments: [{{id: proc-1, type: proclamation}}]
rules:
  - id: r
    title: r
    heading: 9903.01.01
    products: {{include: ["0101"]}}
    countries: {{include: [ALL]}}
    steps: [{{from: 2025-01-01, rate: 0.1, cite: proc-1}}]
"""


def _write(root: Path, mid: str, authority: str = "s232") -> Path:
    (root / "x").mkdir(parents=True, exist_ok=True)
    (root / "x" / "m.yaml").write_text(MEASURE.format(id=mid, authority=authority))
    return root


def test_registry_is_the_engines_column_list() -> None:
    from tariffscope.analytics.charts import COLORS
    from tariffscope.analytics.common import AUTHORITY_LABELS
    from tariffscope.resolver.engine import AUTHORITY_COLUMNS, RATE_COLUMNS

    reg = registry()
    assert RATE_COLUMNS == reg.rate_columns
    assert RATE_COLUMNS[0] == "rate_mfn" and "rate_ieepa_reciprocal" in RATE_COLUMNS
    assert AUTHORITY_COLUMNS["fta"] == "rate_mfn"
    assert AUTHORITY_LABELS["s232"] == "Section 232" and AUTHORITY_LABELS["mfn"] == "MFN (column 1)"
    assert set(COLORS) == {c.removeprefix("rate_") for c in RATE_COLUMNS}


def test_every_shipped_measure_names_a_registered_authority() -> None:
    cat = load_catalogue()
    assert cat.jurisdiction.id == "us"
    assert {m.authority for m in cat.measures.values()} <= set(registry().authority_ids)


def test_measure_id_must_carry_its_jurisdiction(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match=r"must start with 'us\.'"):
        load_catalogue(_write(tmp_path, "jp.s232.cars"))


def test_authority_must_be_in_the_registry(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="authority 'section_999' is not in us/jurisdiction.yaml"):
        load_catalogue(_write(tmp_path, "us.x.y", authority="section_999"))


def test_unknown_importer_lists_the_known_ones() -> None:
    assert "us" in known()
    assert importer_id("US") == importer_id(None) == "us"
    with pytest.raises(UnknownImporter, match="known importers: .*US") as err:
        importer_id("ZZ")
    assert err.value.field == "importer"


def test_unknown_authority_filter_is_refused() -> None:
    from tariffscope.catalogue.listing import measures_frame

    with pytest.raises(ValueError, match="not one of mfn, fta, s232"):
        measures_frame(load_catalogue(), authority="s999")
