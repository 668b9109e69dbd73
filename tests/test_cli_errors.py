"""No traceback reaches a user; options are not silently ignored (issue 10)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from tariffscope.cli.main import app

runner = CliRunner()

BATCH = "hts10,origin,date\n8703230160,JP,2025-05-02\n"


def flat(text: str) -> str:
    return " ".join(text.replace("│", " ").split())


def test_out_in_a_missing_folder_is_created(tmp_path: Path) -> None:
    f = tmp_path / "b.csv"
    f.write_text(BATCH)
    out = tmp_path / "new" / "deeper" / "rates.csv"
    r = runner.invoke(app, ["rate", "--batch", str(f), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert pl.read_csv(out)["total_rate"].to_list() == [0.275]
    assert not list(out.parent.glob(".*.part"))  # written through a temporary file


def test_file_errors_are_reported_without_traceback(tmp_path: Path) -> None:
    f = tmp_path / "b.csv"
    f.write_text(BATCH)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = runner.invoke(app, ["rate", "--batch", str(f), "--out", str(blocker / "rates.csv")])
    assert r.exit_code == 2
    assert "error:" in r.output and "File exists" in flat(r.output)
    assert isinstance(r.exception, SystemExit)  # no traceback


def test_scenario_validate_missing_file(tmp_path: Path) -> None:
    r = runner.invoke(app, ["scenario", "validate", str(tmp_path / "nope.yaml")])
    assert r.exit_code == 2
    assert "nope.yaml: no such file" in flat(r.output)
    assert isinstance(r.exception, SystemExit)


def test_out_without_batch_is_an_error() -> None:
    r = runner.invoke(app, ["rate", "8703230160", "-o", "JP", "-d", "2025-05-02", "--out", "x.csv"])
    assert r.exit_code == 2 and "--out" in flat(r.output) and "--batch" in flat(r.output)


def test_rate_format_csv_prints_csv() -> None:
    r = runner.invoke(app, ["rate", "8703230160", "-o", "JP", "-d", "2025-05-02", "-f", "csv"])
    assert r.exit_code == 0, r.output
    df = pl.read_csv(r.stdout.encode())
    assert {"hts10", "total_rate", "measure", "heading", "rate", "citation"} <= set(df.columns)
    assert df["total_rate"][0] == pytest.approx(0.275)
    assert df["rate"].sum() == pytest.approx(0.275)  # components add up to the total


def test_batch_format_json(tmp_path: Path) -> None:
    f = tmp_path / "b.csv"
    f.write_text(BATCH)
    r = runner.invoke(app, ["rate", "--batch", str(f), "-f", "json"])
    assert r.exit_code == 0, r.output
    import json

    assert json.loads(r.stdout)[0]["total_rate"] == pytest.approx(0.275)


def test_scenario_compare_writes_no_chart_unless_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    ev = importlib.import_module("tariffscope.scenarios.evaluate")

    rows = [{"scenario": "current-law", "partner": "JP", "against": "current-law"}]
    monkeypatch.setattr(ev, "compare", lambda *a, **k: (rows, None))
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, ["scenario", "compare", "current-law", "--format", "json"])
    assert r.exit_code == 0, r.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["rate", "0000.00.00.00", "--origin", "JP", "--date", "2025-05-02"],
            "error: hts10: 0000.00.00.00 is not",
        ),
        (["data", "status", "--db", "{d}/notdb.duckdb"], "error: {d}/notdb.duckdb: not a DuckDB trade store"),
        (
            ["data", "import", "{d}/missing.csv", "--db", "{d}/s.duckdb"],
            "error: {d}/missing.csv: no such file",
        ),
        (["scenario", "package", "nosuchpackage"], "error: no shipped package 'nosuchpackage'; shipped:"),
        (["security", "JP", "--db", "{d}/nostore.duckdb"], "error: {d}/nostore.duckdb: no trade store here"),
        (["ge", "run", "--example", "nosuch"], "error: no GE example 'nosuch'; available:"),
        (["pe", "gsim", "{d}/missing.csv"], "error: {d}/missing.csv: file not found"),
        (["etr", "--db", "{d}/notdb.duckdb"], "error: {d}/notdb.duckdb: not a DuckDB trade store"),
    ],
)
def test_errors_go_through_the_one_decorator(tmp_path: Path, args: list[str], message: str) -> None:
    """The commands have no try/except of their own: the decorator in cli/options.py prints the same
    ``error: ...`` line on stderr for all of them and exits 2 (text as before issue 14 removed the copies)."""
    (tmp_path / "notdb.duckdb").write_text("hello")
    r = CliRunner().invoke(app, [a.format(d=tmp_path) for a in args], env={"COLUMNS": "300"})
    assert r.exit_code == 2, r.output
    assert isinstance(r.exception, SystemExit)
    assert message.format(d=tmp_path) in r.stderr.replace("\n", "")
    assert "error:" not in r.stdout


def test_no_command_catches_tariffscope_errors_itself() -> None:
    """The repeated ``except TariffscopeError: raise fail(...)`` blocks stay gone (issue 14)."""
    import re

    cli = Path(__file__).resolve().parents[1] / "src" / "tariffscope" / "cli"
    pattern = re.compile(r"except TariffscopeError as \w+:\n\s+raise (?:_?fail|options\.fail)\(")
    offenders = [p.name for p in cli.glob("*.py") if p.name != "options.py" and pattern.search(p.read_text())]
    assert offenders == []
