"""The trade store keeps its word: versions go back and forth, nothing is wiped or half-written (issue 10)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import polars as pl
import pytest
from typer.testing import CliRunner

from tariffscope.cli.main import app
from tariffscope.errors import DataError, NetworkUnreachable
from tariffscope.trade.store import TradeStore

runner = CliRunner()


def _version(f: Path, value: str, n: int = 1) -> Path:
    """Version ``value`` of a small CSV source: ``n`` Japanese lines of 2024."""
    codes = ["8703230190", "8708295160", "8471300100", "8542310001"][:n]
    pl.DataFrame(
        {"hts": codes, "country": ["JP"] * n, "period": ["2024"] * n, "value": [value] * n}
    ).write_csv(f)
    return f


def _values(s: TradeStore) -> list[float]:
    return s.query("SELECT value_usd FROM trade ORDER BY hts10")["value_usd"].to_list()


def test_versions_go_back_and_forth(tmp_path: Path) -> None:
    f = tmp_path / "imports.csv"
    with TradeStore(tmp_path / "t.duckdb") as s:
        assert s.load_file(_version(f, "10"))[0].status == "loaded"
        assert s.load_file(_version(f, "12"))[0].status == "replaced"
        assert _values(s) == [12.0]
        back = s.load_file(_version(f, "10"))[0]
        assert back.status == "replaced" and _values(s) == [10.0]  # was "already loaded", rows of v2 kept
        assert s.load_file(_version(f, "10"))[0].status == "unchanged"
        assert s.load_file(_version(f, "12"))[0].status == "replaced" and _values(s) == [12.0]


def test_header_only_version_is_refused_and_keeps_the_source(tmp_path: Path) -> None:
    f = tmp_path / "imports.csv"
    db = tmp_path / "t.duckdb"
    with TradeStore(db) as s:
        s.load_file(_version(f, "10"))
    f.write_text("hts,country,period,value\n")
    r = runner.invoke(app, ["data", "import", str(f), "--db", str(db)])
    assert r.exit_code != 0
    out = " ".join(r.output.split())
    assert "no data rows" in out and "the store is unchanged" in out
    with TradeStore(db) as s:
        assert _values(s) == [10.0]


def test_db_that_is_not_a_duckdb_file_is_refused(tmp_path: Path) -> None:
    f = _version(tmp_path / "imports.csv", "10")
    other = tmp_path / "existing.csv"
    other.write_text("a,b\n1,2\n")
    r = runner.invoke(app, ["data", "import", str(f), "--db", str(other)])
    assert r.exit_code == 2
    assert "not a DuckDB trade store" in " ".join(r.output.split())
    assert other.read_text() == "a,b\n1,2\n"
    with pytest.raises(DataError, match="not a DuckDB trade store"):
        TradeStore(other, read_only=True)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need POSIX")
def test_named_pipe_is_read_once(tmp_path: Path) -> None:
    content = _version(tmp_path / "v.csv", "7", n=3).read_bytes()
    fifo = tmp_path / "imports.csv"
    os.mkfifo(fifo)

    def feed() -> None:
        with fifo.open("wb") as w:
            w.write(content)

    t = threading.Thread(target=feed, daemon=True)
    t.start()
    with TradeStore(tmp_path / "t.duckdb") as s:
        o, _ = s.load_file(fifo)
        assert o.status == "loaded" and o.rows == 3
        assert s.provenance()["source"][0] == str(fifo.resolve())
    t.join(timeout=10)
    assert not t.is_alive()


def test_store_survives_a_kill_mid_load(
    tmp_path: Path, kill_load_when_staged: Callable[[Path, Path], None]
) -> None:
    """A new version of a source killed after staging leaves the store at the previous version."""
    db = tmp_path / "t.duckdb"
    f = tmp_path / "imports.csv"
    with TradeStore(db) as s:
        s.load_file(_version(f, "10", n=2))
    kill_load_when_staged(db, _version(f, "99", n=4))
    with TradeStore(db) as s:
        assert _values(s) == [10.0, 10.0]
        assert s.provenance().height == 1
        o, _ = s.load_file(f)  # and the new version loads when run again
        assert o.status == "replaced" and _values(s) == [99.0] * 4


def test_a_small_import_does_not_replace_the_shipped_weights_unasked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tariffscope.trade.weights import load_weights

    monkeypatch.setenv("TARIFFSCOPE_HOME", str(tmp_path))
    from tariffscope.paths import default_db

    with TradeStore(default_db()) as s:
        s.load_file(_version(tmp_path / "test.csv", "999"))
    jp = pl.col("partner") == "JP"
    shipped = load_weights().filter(jp)["imports_usd"].sum()
    assert shipped > 1e11  # Japan's 2024 imports, not the $999 of the test file
    mine = load_weights(default_db()).filter(jp)["imports_usd"].sum()
    assert mine == pytest.approx(999.0)
    r = runner.invoke(app, ["rank", "--date", "2025-06-01", "--db", str(default_db()), "--format", "csv"])
    assert r.exit_code == 0, r.output
    note = " ".join(r.stderr.split())
    assert "for 1 partner(s) (JP 1 line(s) $999.00)" in note
    assert "JP: the store's $999.00 is under 1% of the shipped" in note
    r = runner.invoke(app, ["rank", "--date", "2025-06-01", "--format", "csv"])
    assert "weights: the shipped 2024 imports" in " ".join(r.stderr.split())


def test_pull_without_network_fails_fast(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tariffscope.trade.census_api as ca

    calls: list[httpx.Request] = []
    sleeps: list[float] = []

    def down(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution", request=request)

    api = ca.CensusClient(client=httpx.Client(transport=httpx.MockTransport(down)), sleep=sleeps.append)
    with pytest.raises(NetworkUnreachable, match=r"cannot reach api\.census\.gov"):
        ca.pull_month(api, tmp_path, 2025, 1)
    assert len(calls) == 1 and sleeps == []
    real_init = ca.CensusClient.__init__

    def init(self: ca.CensusClient, key: str | None = None, **kw: object) -> None:
        real_init(self, key, client=httpx.Client(transport=httpx.MockTransport(down)), sleep=sleeps.append)

    monkeypatch.setattr(ca.CensusClient, "__init__", init)
    calls.clear()
    args = ["data", "pull", "--year", "2025", "--months", "1-12", "--db", str(tmp_path / "s.duckdb")]
    r = runner.invoke(app, [*args, "--cache-dir", str(tmp_path / "c")])
    assert r.exit_code == 2 and "cannot reach api.census.gov" in " ".join(r.output.split())
    assert len(calls) == 1 and sleeps == []  # one try, not twelve months of retries
