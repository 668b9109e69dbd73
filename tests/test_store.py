"""The DuckDB trade store: idempotent, atomic loads with provenance."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from tariffscope.paths import shared_data
from tariffscope.trade.store import TradeStore

FIX = Path(__file__).parent / "fixtures" / "trade"
AFRICA = shared_data() / "trade" / "us_imports_hts10_africa_2024_usatradeonline.csv"


def _count(store: TradeStore) -> int:
    return int(store.query("SELECT count(*) AS n FROM trade")["n"][0])


def test_load_is_idempotent_and_records_provenance(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    with TradeStore(db) as s:
        o1, r1 = s.load_file(FIX / "census_api_imports_hs10_2025_01.json")
        assert (o1.status, o1.rows, o1.skipped) == ("loaded", 5, 2)
        assert r1 is not None
        o2, r2 = s.load_file(FIX / "census_api_imports_hs10_2025_01.json")
        assert o2.status == "unchanged" and r2 is None and o2.load_id == o1.load_id
        assert _count(s) == 5
        prov = s.provenance()
        assert prov.height == 1
        assert prov["format"][0] == "census-json" and len(prov["sha256"][0]) == 64
        assert s.issues(o1.load_id)["field"].to_list() == ["CTY_CODE", "CON_VAL_MO"]
    # the same content under another name is still the same data
    copy = tmp_path / "copy.json"
    copy.write_bytes((FIX / "census_api_imports_hs10_2025_01.json").read_bytes())
    with TradeStore(db) as s:
        assert s.load_file(copy)[0].status == "unchanged"
        assert _count(s) == 5


def test_new_version_of_a_source_replaces_its_rows(tmp_path: Path) -> None:
    f = tmp_path / "imports.csv"
    pl.DataFrame({"hts": ["8703230190"], "country": ["JP"], "period": ["2024"], "value": ["10"]}).write_csv(f)
    with TradeStore(tmp_path / "t.duckdb") as s:
        s.load_file(FIX / "census_api_imports_hs10_2025_02.json")
        assert s.load_file(f)[0].status == "loaded"
        pl.DataFrame(
            {"hts": ["8703230190"], "country": ["JP"], "period": ["2024"], "value": ["12"]}
        ).write_csv(f)
        o, _ = s.load_file(f)
        assert o.status == "replaced"
        rows = s.query("SELECT value_usd FROM trade WHERE year(period) = 2024")
        assert rows["value_usd"].to_list() == [12.0]
        assert _count(s) == 3  # the other source is untouched
        assert s.provenance().height == 3


@pytest.mark.shared
def test_killed_load_leaves_previous_data_intact(
    tmp_path: Path, kill_load_when_staged: Callable[[Path, Path], None]
) -> None:
    db = tmp_path / "t.duckdb"
    with TradeStore(db) as s:
        s.load_file(FIX / "census_api_imports_hs10_2025_01.json")
    kill_load_when_staged(db, AFRICA)
    with TradeStore(db) as s:
        assert _count(s) == 5
        assert s.provenance()["format"].to_list() == ["census-json"]
        # and the interrupted load can simply be run again
        o, _ = s.load_file(AFRICA)
        assert o.status == "loaded" and _count(s) == 5 + 15833


def test_annual_imports_prefers_monthly_and_latest(tmp_path: Path) -> None:
    with TradeStore(tmp_path / "t.duckdb") as s:
        s.load_file(FIX / "census_api_imports_hs10_2025_01.json")
        s.load_file(FIX / "census_api_imports_hs10_2025_02.json")
        a = s.annual_imports(2025).sort("hts10", "partner")
        jp = a.filter((pl.col("partner") == "JP") & (pl.col("hts10") == "8703230190"))
        assert jp["imports_usd"].to_list() == [1843250117.0 + 1701884002.0]
        assert jp["periods"].to_list() == [2]
