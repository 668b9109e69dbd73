"""Trade-data loaders on the real publisher files and on hand-written fixtures."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import polars as pl
import pytest

from tariffscope.errors import DataError
from tariffscope.paths import shared_data
from tariffscope.trade.formats import detect_format, load, load_census_json, parse_period
from tariffscope.trade.schema import TIDY_SCHEMA

FIX = Path(__file__).parent / "fixtures" / "trade"
TRADE = shared_data() / "trade"
AFRICA = TRADE / "us_imports_hts10_africa_2024_usatradeonline.csv"


def _tidy(df: pl.DataFrame) -> None:
    assert dict(df.schema) == TIDY_SCHEMA


def test_parse_period_forms() -> None:
    s = pl.DataFrame({"p": ["2024", "2025-01", "202503", "January 2025", "2025 - February", "2025-13", "x"]})
    date, freq = parse_period("p")
    out = s.select(date.alias("d"), freq.alias("f"))
    assert out["d"].to_list() == [
        dt.date(2024, 1, 1),
        dt.date(2025, 1, 1),
        dt.date(2025, 3, 1),
        dt.date(2025, 1, 1),
        dt.date(2025, 2, 1),
        None,
        None,
    ]
    assert out["f"].to_list() == ["A", "M", "M", "M", "M", None, None]


@pytest.mark.shared
def test_usatradeonline_africa_cleans_dirty_value() -> None:
    r = load(AFRICA)
    assert r.fmt == "usatradeonline"
    _tidy(r.frame)
    assert r.frame.height == 15833 and r.n_skipped == 0
    cleaned = r.cleaned
    assert cleaned.height == 1 and cleaned["value"][0] == "2,429="
    row = r.frame.filter((pl.col("hts10") == "9027905625") & (pl.col("partner") == "MU"))
    assert row["value_usd"].to_list() == [2429.0]
    # Congo (Kinshasa) resolves to CD; every value is an annual 2024 consumption import
    assert "CD" in r.frame["partner"].to_list()
    assert r.frame["period"].unique().to_list() == [dt.date(2024, 1, 1)]
    assert r.frame["value_usd"].sum() == pytest.approx(41_060_000_000, rel=0.01)


@pytest.mark.shared
def test_truncated_file_is_rejected_with_row_and_field(tmp_path: Path) -> None:
    text = AFRICA.read_text()
    cut = tmp_path / "africa_truncated.csv"
    cut.write_text(text[: text.rfind("Uganda")] + "Ugan")  # the last row stops in the Country field
    with pytest.raises(
        DataError, match=r"africa_truncated\.csv: truncated file: row 15832 has 2 of 6 fields"
    ):
        load(cut)
    cut.write_text(text[: text.rfind('"396,3') + 5])  # stops inside the quoted value
    with pytest.raises(DataError, match=r"row 15832 ends inside a quoted field"):
        load(cut)


@pytest.mark.shared
def test_ragged_row_in_the_middle_names_the_row(tmp_path: Path) -> None:
    lines = AFRICA.read_text().splitlines(keepends=True)
    lines[99] = "0106110000 Primates,Kenya\n"
    bad = tmp_path / "ragged.csv"
    bad.write_text("".join(lines))
    with pytest.raises(DataError, match=r"ragged\.csv: row 100 has 2 fields, expected 6"):
        load(bad, "usatradeonline")


@pytest.mark.shared
def test_bad_rows_are_skipped_and_reported(tmp_path: Path) -> None:
    lines = AFRICA.read_text().splitlines(keepends=True)
    lines[1] = lines[1].replace("South Africa", "Atlantis")
    lines[2] = lines[2].replace('"26,320"', '"n/a"')
    f = tmp_path / "dirty.csv"
    f.write_text("".join(lines))
    r = load(f, "usatradeonline")
    assert r.frame.height == 15831
    sk = r.skipped
    assert sk.select("row", "field").rows() == [(2, "Country"), (3, "Customs  Value (Cons) ($US)")]
    assert "unknown country" in sk["reason"][0]


@pytest.mark.shared
def test_dataweb_multirow_header_and_footer() -> None:
    r = load(TRADE / "dataweb_hs2_country_import_charges_2020_2025.csv")
    assert r.fmt == "dataweb"
    _tidy(r.frame)
    assert r.n_skipped == 0
    assert set(r.frame["measure"].unique()) == {"import_charges"}
    assert r.frame["level"].unique().to_list() == [2]
    assert r.frame["period"].dt.year().unique().sort().to_list() == [2020, 2021, 2022, 2023, 2024, 2025]
    # 14,176 declared rows × 6 years; the 2024 column sums to the footer total
    assert r.frame.height == 14176 * 6
    y24 = r.frame.filter(pl.col("period") == dt.date(2024, 1, 1))["value_usd"].sum()
    assert y24 == pytest.approx(91_836_952_377)


@pytest.mark.shared
def test_dataweb_truncated_by_row_count(tmp_path: Path) -> None:
    lines = (TRADE / "dataweb_hs2_country_exports_fas_2020_2025.csv").read_text().splitlines(keepends=True)
    f = tmp_path / "dw.csv"
    f.write_text("".join(lines[:5000]))
    with pytest.raises(
        DataError, match=r"dw\.csv: truncated file: header declares 17,773 data rows, found 4,997"
    ):
        load(f)


@pytest.mark.shared
def test_camx_month_and_truncated_gzip(tmp_path: Path) -> None:
    src = TRADE / "ca_mx_hts10_monthly_2025" / "usmca_product_shares_2025_07.csv.gz"
    r = load(src)
    assert r.fmt == "camx"
    assert set(r.frame["partner"].unique()) == {"CA", "MX"}
    assert r.frame["period"].unique().to_list() == [dt.date(2025, 7, 1)]
    assert (r.frame["usmca_value"] <= r.frame["value_usd"] + 1).all()
    cut = tmp_path / "usmca_product_shares_2025_07.csv.gz"
    cut.write_bytes(src.read_bytes()[:5000])
    with pytest.raises(DataError, match="truncated or corrupt gzip"):
        load(cut)


def test_census_json_fixture() -> None:
    r = load(FIX / "census_api_imports_hs10_2025_01.json")
    assert r.fmt == "census-json"
    _tidy(r.frame)
    assert r.frame.height == 5
    assert r.skipped.select("row", "field").rows() == [(5, "CTY_CODE"), (7, "CON_VAL_MO")]
    assert "grouping" in r.skipped["reason"][0]
    jp = r.frame.filter(pl.col("partner") == "JP")
    assert jp["value_usd"].to_list() == [1843250117.0] and jp["unit"].to_list() == ["NO"]


def test_census_json_truncated_and_ragged(tmp_path: Path) -> None:
    raw = (FIX / "census_api_imports_hs10_2025_01.json").read_bytes()
    with pytest.raises(DataError, match="truncated JSON"):
        load_census_json(raw[:-40], name="page.json")
    data = json.loads(raw)
    data[3] = data[3][:4]
    with pytest.raises(DataError, match="record 3 has 4 fields, expected 8"):
        load_census_json(data)
    with pytest.raises(DataError, match="header lacks CON_VAL_MO or GEN_VAL_MO"):
        load_census_json([["I_COMMODITY", "CTY_CODE", "time"], ["0101210010", "1220", "2025-01"]])


def test_imdb_fixture_sums_districts_and_reports() -> None:
    r = load(FIX / "IMP_DETL.TXT")
    assert r.fmt == "imdb"
    _tidy(r.frame)
    jp = r.frame.filter((pl.col("partner") == "JP") & (pl.col("hts10") == "8703230190"))
    assert jp["value_usd"].to_list() == [12_300_000.0]  # two districts summed
    assert jp["quantity"].to_list() == [410.0]
    assert jp["period"].to_list() == [dt.date(2025, 3, 1)]
    assert r.skipped.select("row", "field").rows() == [(4, "cty_code"), (5, "con_val_mo")]


def test_imdb_truncated_names_field(tmp_path: Path) -> None:
    raw = (FIX / "IMP_DETL.TXT").read_bytes()
    cut = tmp_path / "IMP_DETL.TXT"
    cut.write_bytes(raw[: raw.rfind(b"\r\n", 0, len(raw) - 2) + 2 + 80])
    with pytest.raises(
        DataError, match=r"truncated file: record at row 6 ends at column 80, inside field 'con_val_mo'"
    ):
        load(cut)


def test_plain_csv_and_parquet(tmp_path: Path) -> None:
    df = pl.DataFrame(
        {
            "hts": ["8703.23.01.90", "8703230190", "0901110025"],
            "country": ["JPN", "5880", "co"],
            "period": ["2024", "2023", "2024-05"],
            "value": ["100", "1,000", "7"],
        }
    )
    df.write_csv(tmp_path / "t.csv")
    df.write_parquet(tmp_path / "t.parquet")
    for name in ("t.csv", "t.parquet"):
        r = load(tmp_path / name)
        assert r.frame["hts10"].to_list() == ["8703230190", "8703230190", "0901110025"]
        assert r.frame["partner"].to_list() == ["JP", "JP", "CO"]
        assert r.frame["value_usd"].to_list() == [100.0, 1000.0, 7.0]
        assert r.frame["freq"].to_list() == ["A", "A", "M"]


def test_detect_format(tmp_path: Path) -> None:
    assert detect_format(FIX / "IMP_DETL.TXT") == "imdb"
    assert detect_format(FIX / "census_api_imports_hs10_2025_01.json") == "census-json"
    g = tmp_path / "x_2025_01.csv.gz"
    g.write_bytes(
        gzip.compress(b"hts10,cty_code,usmca_share,total_value,usmca_value\n0101210010,1220,0,1,0\n")
    )
    assert detect_format(g) == "camx"
    with pytest.raises(DataError, match="no such file"):
        load(tmp_path / "missing.csv")


@pytest.mark.shared
def test_camx_folder_reports_rows_per_file(tmp_path: Path) -> None:
    src = TRADE / "ca_mx_hts10_monthly_2025"
    for m in ("01", "02"):
        text = gzip.decompress((src / f"usmca_product_shares_2025_{m}.csv.gz").read_bytes()).decode()
        lines = text.splitlines(keepends=True)
        lines[3] = lines[3].replace(",1220,", ",9999,")
        (tmp_path / f"usmca_product_shares_2025_{m}.csv").write_text("".join(lines))
    r = load(tmp_path)
    assert r.fmt == "camx" and r.n_skipped == 2
    assert r.skipped["field"].to_list() == [
        "usmca_product_shares_2025_01.csv:cty_code",
        "usmca_product_shares_2025_02.csv:cty_code",
    ]


_IMDB_LINE = "0101210010" + "5880" + " " * 209 + "\n"
DETECT_CASES = [
    ("a.parquet", b"", "parquet"),
    ("a.pq", b"", "parquet"),
    ("IMDB2501.ZIP", b"", "imdb"),
    ("imp_detl.txt", b"", "imdb"),
    ("x.txt", _IMDB_LINE.encode(), "imdb"),
    ("resp.json", b"", "census-json"),
    ("resp.txt", b'[["I_COMMODITY","CTY_CODE"]]', "census-json"),
    ("dw.csv", b"General Imports|Annual Data\nData Type,HTS Number\n", "dataweb"),
    ("dw.csv", b"\xef\xbb\xbfx\nData Type,HTS Number,Country\n", "dataweb"),
    ("uto.csv", b"Commodity,Country,Time\n", "usatradeonline"),
    ("m_2025_01.csv", b"hts10,cty_code,usmca_share,total_value,usmca_value\n", "camx"),
    ("plain.csv", b"hts,country,period,value\n", "csv"),
    ("plain.csv.gz", gzip.compress(b"hts,country,period,value\n"), "csv"),
]


@pytest.mark.parametrize(("name", "content", "expected"), DETECT_CASES)
def test_detect_each_registered_format(tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    p = tmp_path / name
    p.write_bytes(content)
    assert detect_format(p) == expected


def test_registry_is_the_one_list_of_formats() -> None:
    """Every registered format is detectable, and ``data import --format`` offers exactly the registry."""
    from typer.testing import CliRunner

    from tariffscope.cli.main import app
    from tariffscope.trade.formats import FORMATS, REGISTRY

    assert set(FORMATS) == {c[2] for c in DETECT_CASES} == set(REGISTRY)
    out = CliRunner().invoke(app, ["data", "import", "--help"], env={"COLUMNS": "200"}).output
    assert "|".join(("auto", *FORMATS)) in out


def test_folder_detection(tmp_path: Path) -> None:
    (tmp_path / "m_2025_01.csv").write_text("hts10,cty_code,usmca_share,total_value,usmca_value\n")
    assert detect_format(tmp_path) == "camx"
    other = tmp_path / "other"
    other.mkdir()
    with pytest.raises(DataError, match="a folder, but not of CA/MX monthly files"):
        detect_format(other)
