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
    assert reg.rate_columns == RATE_COLUMNS
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
    with pytest.raises(CatalogueError, match=r"authority 'section_999' is not in us/jurisdiction\.yaml"):
        load_catalogue(_write(tmp_path, "us.x.y", authority="section_999"))


def test_unknown_importer_lists_the_known_ones() -> None:
    assert "us" in known()
    assert importer_id("US") == importer_id(None) == "us"
    with pytest.raises(UnknownImporter, match=r"known importers: .*US") as err:
        importer_id("ZZ")
    assert err.value.field == "importer"


def test_unknown_authority_filter_is_refused() -> None:
    from tariffscope.catalogue.listing import measures_frame

    with pytest.raises(ValueError, match="not one of mfn, fta, s232"):
        measures_frame(load_catalogue(), authority="s999")


# ---- Japan as importer (issue 14 point 5) ---------------------------------------------------------


def test_rate_importer_jp_answers_from_japans_catalogue() -> None:
    import tariffscope as ts

    r = ts.rate("1006.30", origin="US", date="2025-06-01", importer="JP", value=100_000, quantity=1_000)
    assert (r.importer, r.currency, r.hts10) == ("JP", "JPY", "100630")
    assert r.total_rate == pytest.approx(3.41)
    assert r.components[0].measure == "jp.mfn"
    assert "Customs Tariff Act" in r.components[0].citation
    assert "341 yen/kg" in r.components[0].reason and "verified: partly" in r.components[0].reason
    d = r.to_dict()
    assert d["duty"] == pytest.approx(341_000) and "duty_usd" not in d and d["currency"] == "JPY"
    assert r.landed_cost is None  # US fees are US law


def test_us_json_contract_is_unchanged_by_the_importer_option() -> None:
    import tariffscope as ts

    d = ts.rate("8703.23.01.60", origin="JP", date="2025-05-02", importer="US").to_dict()
    assert "importer" not in d and "currency" not in d and "duty_usd" in d
    assert d["components"][0]["measure"] == "us.mfn"


def test_specific_duty_without_quantity_is_not_a_number() -> None:
    import tariffscope as ts

    r = ts.rate("1006.30", origin="US", date="2025-06-01", importer="JP")
    assert r.base_status == "by reference" and not r.total_complete and r.total_rate == 0
    assert "give the value and the quantity" in r.components[0].reason


def test_japan_takes_hs6_codes_only() -> None:
    import tariffscope as ts
    from tariffscope.errors import UnknownHTS

    with pytest.raises(UnknownHTS, match="is not a 6-digit code"):
        ts.rate("1006.30.10", origin="US", date="2025-06-01", importer="JP")


def test_unknown_importer_is_a_clear_error() -> None:
    import tariffscope as ts

    with pytest.raises(UnknownImporter, match="known importers: JP, US"):
        ts.rate("1006.30", origin="US", date="2025-06-01", importer="ZZ")


def test_cli_rate_importer_jp_and_unknown() -> None:
    from typer.testing import CliRunner

    from tariffscope.cli.main import app

    runner = CliRunner()
    ok = runner.invoke(app, ["rate", "1006.30", "--importer", "JP", "--origin", "US", "--date", "2025-06-01"])
    assert ok.exit_code == 0, ok.output
    assert "jp.mfn" in ok.output and "341 yen/kg" in ok.output and "into JP" in ok.output
    bad = runner.invoke(
        app, ["rate", "1006.30", "--importer", "XX", "--origin", "US", "--date", "2025-06-01"]
    )
    assert bad.exit_code != 0 and "known importers: JP, US" in bad.output
    assert "Traceback" not in bad.output


def test_preference_kind_is_min_of_mfn_and_rate(tmp_path: Path) -> None:
    import polars as pl

    from tariffscope.resolver.engine import Engine

    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "m.yaml").write_text(
        MEASURE.format(id="us.x.fta", authority="fta").replace("heading: 9903.01.01\n", "kind: preference\n")
    )
    cat = load_catalogue(tmp_path)
    rows = pl.DataFrame({"hts10": ["0101000000"] * 2, "origin": ["CA"] * 2, "date": ["2025-06-01"] * 2})
    rows = rows.with_columns(pl.col("date").str.to_date(), base_rate=pl.Series([0.3, 0.05]))
    out = Engine(cat).run(rows).frame()
    assert out["rate_mfn"].to_list() == pytest.approx([0.1, 0.05])  # min(MFN, 10%)
    assert out["total_rate"].to_list() == pytest.approx([0.1, 0.05])


def test_handwritten_schedule_errors_name_row_and_field(tmp_path: Path) -> None:
    from tariffscope.errors import DataError
    from tariffscope.schedule.handwritten import NEED, load_table

    head = ",".join([*NEED, "note"])
    p = tmp_path / "s.csv"
    p.write_text(
        head
        + "\n0101.21,Horses,2025-01-01,Free,free,0,,NO,src,yes,\n1006.3,Rice,2025-01-01,x,specific,0,,kg,src,yes,\n"
    )
    with pytest.raises(DataError, match=r"row 2: hs: '1006.3'"):
        load_table(p)
