"""Stacking semantics of the engine on a small, self-contained catalogue (docs/catalogue.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tariffscope.catalogue.loader import Catalogue, load_catalogue
from tariffscope.errors import CatalogueError
from tariffscope.resolver.engine import RATE_COLUMNS, Engine
from tariffscope.resolver.explain import explain_row

MEASURES = {
    "ieepa/recip.yaml": """
id: us.ieepa.recip
title: Reciprocal
authority: ieepa_reciprocal
instruments: [{id: eo-1, type: executive_order}, {id: eo-2, type: executive_order}]
refundable: {from: 2026-02-20, cite: ruling}
rules:
  - id: baseline
    title: Baseline
    heading: 9903.01.25
    products: {include: [ALL]}
    countries: {include: [ALL], exclude: [CA]}
    in_transit: [{loaded_before: 2025-04-05, entered_before: 2025-05-28}]
    steps:
      - {from: 2025-04-05, rate: 0.10, cite: eo-1}
      - {from: 2026-02-24, rate: null, cite: eo-2}
  - id: jp_floor
    title: Japan floor
    heading: 9903.02.73
    heading_no_duty: 9903.02.72
    kind: floor
    products: {include: [ALL]}
    countries: {include: [JP]}
    steps:
      - {from: 2025-08-07, rate: 0.15, cite: eo-2, recorded: 2025-09-16}
    excludes: [us.ieepa.recip/baseline]
  - id: jp_stacked
    title: Japan stacked
    heading: 9903.02.30
    products: {include: [ALL]}
    countries: {include: [JP]}
    steps:
      - {from: 2025-08-07, rate: 0.15, cite: eo-1, superseded: 2025-09-16}
    excludes: [us.ieepa.recip/baseline]
  - id: annex_ii
    title: Annex II exemption
    heading: 9903.01.32
    kind: exempt
    products: {include: ["2709"]}
    countries: {include: [ALL]}
    steps: [{from: 2025-04-05, rate: 0, cite: eo-1}]
    excludes: [us.ieepa.recip]
""",
    "s232/steel.yaml": """
id: us.s232.steel
title: Steel
authority: s232
instruments: [{id: proc-1, type: proclamation}]
rules:
  - id: derivatives
    title: Steel derivatives on steel content
    heading: 9903.81.89
    basis: steel
    products: {include: ["7326"]}
    countries: {include: [ALL]}
    tags: [s232_metals]
    steps: [{from: 2025-03-12, rate: 0.25, cite: proc-1}, {from: 2025-06-04, rate: 0.5, cite: proc-1}]
    excludes: [{target: "authority:ieepa_reciprocal", cite: EO 14257 sec. 3(b)}]
  - id: parts
    title: Auto parts
    heading: 9903.94.05
    products: {include: ["8708"]}
    countries: {include: [ALL]}
    claims: {usmca: exempt}
    steps: [{from: 2025-05-03, rate: 0.25, cite: proc-1}]
    excludes: [tag:s232_metals, "authority:ieepa_reciprocal"]
  - id: parts_metal
    title: Metal content of parts
    heading: 9903.81.90
    basis: steel
    products: {include: ["8708"]}
    countries: {include: [ALL]}
    tags: [s232_metals]
    steps: [{from: 2025-03-12, rate: 0.5, cite: proc-1}]
""",
}


@pytest.fixture(scope="module")
def cat(tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    root = tmp_path_factory.mktemp("cat")
    for name, text in MEASURES.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return load_catalogue(root)


def run(cat: Catalogue, as_of: dt.date | None = None, **cols: list) -> pl.DataFrame:
    n = len(cols["hts10"])
    cols.setdefault("base_rate", [0.0] * n)
    return Engine(cat, as_of).run(pl.DataFrame(cols)).frame()


D = dt.date


def test_floor_tops_up_to_the_floor_and_never_lowers_a_higher_mfn(cat: Catalogue) -> None:
    f = run(
        cat,
        hts10=["6912004810", "6912004810"],
        origin=["JP", "JP"],
        date=[D(2025, 8, 20)] * 2,
        base_rate=[0.098, 0.20],
    )
    assert f["total_rate"].to_list() == pytest.approx([0.15, 0.20])
    assert f["rate_ieepa_reciprocal"].to_list() == pytest.approx([0.052, 0.0])


def test_bitemporal_as_of_sees_what_was_collected(cat: Catalogue) -> None:
    f = run(
        cat, D(2025, 8, 20), hts10=["6912004810"], origin=["JP"], date=[D(2025, 8, 20)], base_rate=[0.098]
    )
    assert f["total_rate"][0] == pytest.approx(0.248)
    assert f["rate_refundable"][0] == 0.0  # before the ruling nothing was refundable
    g = run(cat, hts10=["6912004810"], origin=["JP"], date=[D(2025, 8, 20)], base_rate=[0.098])
    assert g["rate_refundable"][0] == pytest.approx(0.052)


def test_metal_content_displaces_reciprocal_only_on_that_share(cat: Catalogue) -> None:
    f = run(cat, hts10=["7326900000"], origin=["DE"], date=[D(2025, 7, 1)], steel_share=[0.4])
    assert f["rate_s232"][0] == pytest.approx(0.5 * 0.4)
    assert f["rate_ieepa_reciprocal"][0] == pytest.approx(0.10 * 0.6)


def test_subject_to_means_more_than_zero_usmca_part_falls_through_to_metals(cat: Catalogue) -> None:
    f = run(
        cat,
        hts10=["8708990000"] * 2,
        origin=["MX", "MX"],
        date=[D(2025, 7, 1)] * 2,
        claim=["usmca", None],
        steel_share=[1.0, 1.0],
    )
    assert f["rate_s232"].to_list() == pytest.approx([0.5, 0.25])


def test_exemption_and_in_transit(cat: Catalogue) -> None:
    f = run(
        cat,
        hts10=["2709000000", "6912004810", "6912004810"],
        origin=["DE", "DE", "DE"],
        date=[D(2025, 4, 10), D(2025, 4, 10), D(2025, 4, 10)],
        loading_date=[None, D(2025, 4, 1), D(2025, 4, 6)],
    )
    assert f["rate_ieepa_reciprocal"].to_list() == pytest.approx([0.0, 0.0, 0.10])


def test_dates_and_countries(cat: Catalogue) -> None:
    f = run(
        cat,
        hts10=["6912004810"] * 4,
        origin=["DE", "DE", "DE", "CA"],
        date=[D(2025, 4, 4), D(2025, 4, 5), D(2026, 2, 24), D(2025, 5, 1)],
    )
    assert f["rate_ieepa_reciprocal"].to_list() == pytest.approx([0.0, 0.10, 0.0, 0.0])


def test_explanation_names_the_excluding_rule(cat: Catalogue) -> None:
    rows = pl.DataFrame(
        {"hts10": ["8708990000"], "origin": ["DE"], "date": [D(2025, 7, 1)], "base_rate": [0.025]}
    )
    res = Engine(cat).run(rows, explain=True)
    comps = {c["measure"]: c for c in explain_row(res, 0, 0.025, "MFN 2.5%")}
    assert comps["us.s232.steel/parts"]["applied"]
    assert "excluded by us.s232.steel/parts" in comps["us.ieepa.recip/baseline"]["reason"]
    assert sum(c["rate"] for c in comps.values()) == pytest.approx(float(res.total[0]))


def test_cycle_is_a_catalogue_error(tmp_path: Path) -> None:
    text = MEASURES["ieepa/recip.yaml"].replace(
        "excludes: [us.ieepa.recip/baseline]\n  - id: jp_stacked",
        "excludes: [us.ieepa.recip/baseline]\n  - id: jp_stacked",
        1,
    )
    text = text.replace(
        "    countries: {include: [ALL], exclude: [CA]}\n",
        "    countries: {include: [ALL], exclude: [CA]}\n    excludes: [us.ieepa.recip/jp_floor]\n",
        1,
    )
    (tmp_path / "x.yaml").write_text(text)
    with pytest.raises(CatalogueError, match="cycle"):
        load_catalogue(tmp_path)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["6912004810", "7326900000", "8708990000", "2709000000"]),
            st.sampled_from(["JP", "DE", "CA", "MX", "CN"]),
            st.dates(D(2025, 1, 1), D(2026, 12, 31)),
            st.floats(0, 0.4),
            st.floats(0, 1),
            st.sampled_from([None, "usmca"]),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_properties_sum_nonnegative_batch_equals_single(cat: Catalogue, rows: list) -> None:
    cols = dict(
        zip(
            ["hts10", "origin", "date", "base_rate", "steel_share", "claim"],
            map(list, zip(*rows, strict=True)),
            strict=True,
        )
    )
    batch = run(cat, **cols)
    parts = np.sum([batch[c].to_numpy() for c in RATE_COLUMNS], axis=0)
    assert np.allclose(parts, batch["total_rate"].to_numpy())
    assert (batch["total_rate"].to_numpy() >= -1e-12).all()
    assert (
        batch["total_rate"].to_numpy() >= np.array(cols["base_rate"]) - 1e-12
    ).all()  # a floor never lowers the base
    for i in range(min(len(rows), 5)):
        one = run(cat, **{k: [v[i]] for k, v in cols.items()})
        assert one["total_rate"][0] == pytest.approx(batch["total_rate"][i])
    again = run(cat, **cols)
    assert again.equals(batch)
