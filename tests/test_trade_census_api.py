"""Census API pulls with httpx.MockTransport: paging, retries with backoff, resuming, the CLI."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from tariffscope.cli.main import app
from tariffscope.errors import DataError
from tariffscope.trade.census_api import CensusClient, page_name, parse_months, pull_month
from tariffscope.trade.store import TradeStore

FIX = Path(__file__).parent / "fixtures" / "trade"


class FakeCensus:
    """Serves the fixture pages; fails the first ``fail_first`` requests of 2025-02 with HTTP 503."""

    def __init__(self, fail_first: int = 0, too_big: bool = False) -> None:
        self.calls: list[httpx.Request] = []
        self.fail_first = fail_first
        self.too_big = too_big

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        p = request.url.params
        assert p["COMM_LVL"] == "HS10" and p["SUMMARY_LVL"] == "DET"
        assert p["get"].startswith("I_COMMODITY,CTY_CODE,CON_VAL_MO")
        month = p["time"]
        if month == "2025-02" and self.fail_first > 0:
            self.fail_first -= 1
            return httpx.Response(503, text="Service Unavailable")
        if self.too_big and "CTY_CODE" not in p:
            return httpx.Response(400, text="error: your request exceeds the maximum number of cells")
        if self.too_big:
            if p["CTY_CODE"] != "5880":
                return httpx.Response(204)
            return httpx.Response(200, content=(FIX / "census_api_imports_hs10_2025_02.json").read_bytes())
        if month in ("2025-01", "2025-02"):
            return httpx.Response(
                200, content=(FIX / f"census_api_imports_hs10_{month.replace('-', '_')}.json").read_bytes()
            )
        return httpx.Response(204)


def _client(fake: FakeCensus, sleeps: list[float]) -> CensusClient:
    return CensusClient(
        "KEY123", client=httpx.Client(transport=httpx.MockTransport(fake)), sleep=sleeps.append
    )


def test_pull_month_retries_with_backoff_and_resumes(tmp_path: Path) -> None:
    fake = FakeCensus(fail_first=2)
    sleeps: list[float] = []
    api = _client(fake, sleeps)
    pages = pull_month(api, tmp_path, 2025, 2)
    assert [p.path.name for p in pages] == [page_name(2025, 2)]
    assert pages[0].downloaded
    assert sleeps == [2.0, 4.0]  # exponential backoff
    assert fake.calls[-1].url.params["key"] == "KEY123"
    n = len(fake.calls)
    again = pull_month(api, tmp_path, 2025, 2)
    assert len(fake.calls) == n and not again[0].downloaded  # resumed from the cache


def test_pull_gives_up_with_a_clear_error(tmp_path: Path) -> None:
    sleeps: list[float] = []
    api = _client(FakeCensus(fail_first=99), sleeps)
    with pytest.raises(DataError, match=r"Census API 2025-02: failed after 5 attempts \(HTTP 503"):
        pull_month(api, tmp_path, 2025, 2)
    assert not list(tmp_path.glob("*.json"))  # nothing half-written


def test_a_refused_month_is_paged_by_country(tmp_path: Path) -> None:
    fake = FakeCensus(too_big=True)
    pages = pull_month(_client(fake, []), tmp_path, 2025, 2)
    assert [p.cty_code for p in pages] == ["5880"]
    assert len(fake.calls) > 200  # one request per Census country


def test_a_corrupt_cached_page_is_fetched_again(tmp_path: Path) -> None:
    (tmp_path / page_name(2025, 1)).write_text('[["I_COMMODITY","CTY_CODE"],["01')
    fake = FakeCensus()
    pages = pull_month(_client(fake, []), tmp_path, 2025, 1)
    assert pages[0].downloaded and len(fake.calls) == 1


def test_parse_months() -> None:
    assert parse_months("1-3,6") == [1, 2, 3, 6]
    assert parse_months(None) == list(range(1, 13))
    with pytest.raises(DataError, match="1-12"):
        parse_months("0,13")


def test_cli_import_status_and_exit_codes(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    r = CliRunner(env={"COLUMNS": "200"}).invoke(
        app, ["data", "import", str(FIX / "census_api_imports_hs10_2025_02.json"), "--db", str(db)]
    )
    assert r.exit_code == 0, r.output
    assert "2 rows loaded, 0 skipped" in r.output
    r = CliRunner(env={"COLUMNS": "200"}).invoke(
        app, ["data", "import", str(FIX / "IMP_DETL.TXT"), "--db", str(db), "--format", "imdb"]
    )
    assert r.exit_code == 1  # rows were skipped
    assert "3 rows loaded, 2 skipped" in r.output and "12A45" in r.output
    r = CliRunner(env={"COLUMNS": "200"}).invoke(
        app, ["data", "import", str(FIX / "IMP_DETL.TXT"), "--db", str(db)]
    )
    assert r.exit_code == 0 and "already loaded" in r.output
    bad = tmp_path / "cut.json"
    bad.write_bytes((FIX / "census_api_imports_hs10_2025_01.json").read_bytes()[:100])
    r = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["data", "import", str(bad), "--db", str(db)])
    assert r.exit_code == 2 and "truncated JSON" in r.output
    r = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["data", "status", "--db", str(db)])
    assert r.exit_code == 0
    assert "census-json" in r.output and "imdb" in r.output


def test_cli_pull_uses_the_census_client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tariffscope.trade.census_api as ca

    fake = FakeCensus()
    real_init = ca.CensusClient.__init__

    def init(self: ca.CensusClient, key: str | None = None, **kw: object) -> None:
        real_init(self, key, client=httpx.Client(transport=httpx.MockTransport(fake)), sleep=lambda s: None)

    monkeypatch.setattr(ca.CensusClient, "__init__", init)
    db = tmp_path / "s.duckdb"
    args = [
        "data",
        "pull",
        "--year",
        "2025",
        "--months",
        "1-3",
        "--db",
        str(db),
        "--cache-dir",
        str(tmp_path / "c"),
    ]
    r = CliRunner(env={"COLUMNS": "200"}).invoke(app, [*args, "--census-key", "K"])
    # January has two skipped rows (a country grouping and a suppressed value): non-zero exit
    assert r.exit_code == 1, r.output
    assert "2025-01: 1 page(s), 5 rows, 2 skipped" in r.output
    assert "2025-03: 0 page(s)" in r.output
    with TradeStore(db, read_only=True) as s:
        prov = s.provenance()
        assert prov.height == 2 and prov["sha256"].str.len_chars().to_list() == [64, 64]
    n = len(fake.calls)
    CliRunner(env={"COLUMNS": "200"}).invoke(app, [*args])  # resumable: cached pages are not downloaded again
    assert len(fake.calls) == n + 1  # only March (no data) is asked again
