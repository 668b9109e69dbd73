"""Tables fit 80 and 120 columns without cutting dates, ids or headers (issue 10)."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from tariffscope.cli import output
from tariffscope.cli.main import app
from tariffscope.cli.output import fit_table

COMMANDS = {
    "etr-authority": [
        "etr",
        "--by",
        "authority",
        "-p",
        "JP",
        "-p",
        "CN",
        "--from",
        "2025-03-01",
        "--to",
        "2025-05-01",
    ],
    "measures": ["measures", "list"],
    "refunds": ["refunds", "-p", "JP"],
    "rank": ["rank", "--date", "2025-10-01", "--top", "5"],
    "scenario-run": ["scenario", "run", "pause-lapses", "-p", "JP"],
    "timeline": ["timeline", "8703230160", "-o", "JP"],
}
DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")


def run_at(width: int, args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    monkeypatch.setattr(output.console, "_width", width)
    monkeypatch.setattr(output.err_console, "_width", width)
    r = CliRunner(env={"COLUMNS": str(width)}).invoke(app, args)
    assert r.exit_code == 0, r.output
    return r.stdout, r.stderr


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("name", list(COMMANDS))
def test_tables_fit_without_cutting(name: str, width: int, monkeypatch: pytest.MonkeyPatch) -> None:
    out, err = run_at(width, COMMANDS[name], monkeypatch)
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= width
    assert "…" not in out  # nothing truncated with an ellipsis
    # every date on a table row is whole (a cut date would lose its day)
    assert all(len(d) == 10 for d in DATE.findall(out))
    if "not shown at" in err:
        assert f"not shown at {width} columns:" in " ".join(err.split())


def test_measures_list_keeps_ids_headings_and_dates_at_80(monkeypatch: pytest.MonkeyPatch) -> None:
    out, _ = run_at(80, ["measures", "list", "--authority", "s232"], monkeypatch)
    assert "9903.94.01" in out and "2025-04-03" in out
    text = out.replace("/\n", "/")
    rows = [re.sub(r"[│┃ ]+", " ", line).strip() for line in text.splitlines()]
    joined = "\n".join(rows)
    assert "us.s232.autos/" in joined and "vehicles" in joined


def test_fit_table_leaves_out_columns_in_the_given_order_and_names_them() -> None:
    cols = ["id", "date", "a_long_header_name", "b", "title"]
    rows = [["us.x/rule_one", "2025-04-03", "1.5%", "$2.00B", "a fairly long title that can wrap " * 2]]
    table, hidden = fit_table(cols, rows, width=50, drop=("title",))
    assert hidden[:1] == ["title"]
    from rich.console import Console

    c = Console(width=50, record=True)
    c.print(table)
    text = c.export_text()
    assert max(len(line) for line in text.splitlines()) <= 50
    assert "2025-04-03" in text and "…" not in text
