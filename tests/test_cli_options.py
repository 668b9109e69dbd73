"""Every command refuses the same bad dates and values, the way ``rate`` does (issue 10)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tariffscope.cli.main import app

runner = CliRunner()


def flat(text: str) -> str:
    """Output without rich's panel borders and line wrapping."""
    return " ".join(text.replace("│", " ").split())


OUT_OF_RANGE = [
    ["etr", "--from", "2024-01-01", "--to", "2024-06-30"],
    ["etr", "--to", "2027-01-01"],
    ["exposure", "JP", "--date", "2024-06-01"],
    ["exposure", "JP", "--date", "2027-01-01"],
    ["rank", "--date", "2024-06-01"],
    ["report", "JP", "--date", "2027-01-01"],
    ["report", "JP", "--date", "2025-06-01", "--since", "2024-01-01"],
    ["diff", "-p", "JP", "--from", "2024-06-01", "--to", "2025-06-01"],
    ["scenario", "run", "current-law", "--date", "2027-01-01"],
    ["scenario", "compare", "current-law", "july-letter", "--date", "2024-01-01"],
    ["measures", "list", "--on", "2027-01-01"],
    ["timeline", "8703230160", "-o", "JP", "--from", "2024-01-01"],
    ["panel", "--date", "2027-03-01"],
]


@pytest.mark.parametrize("args", OUT_OF_RANGE, ids=lambda a: " ".join(a[:2]))
def test_dates_outside_the_catalogue_are_refused(args: list[str]) -> None:
    r = runner.invoke(app, args)
    assert r.exit_code == 2, r.output
    assert "outside the catalogue's horizon 2025-01-01 to 2026-12-31" in flat(r.output)


IMPOSSIBLE = [
    ["rank", "--date", "2025-02-30"],
    ["exposure", "JP", "--date", "2025-13-01"],
    ["etr", "--from", "yesterday"],
    ["rate", "8703230160", "-o", "JP", "-d", "2025-05-02", "--as-of", "2025-02-29"],
    ["rate", "8703230160", "-o", "JP", "-d", "2025-05-02", "--loading-date", "2025-04-31"],
    ["scenario", "run", "current-law", "--date", "2025/10/01"],
]


@pytest.mark.parametrize("args", IMPOSSIBLE, ids=lambda a: " ".join(a[:3]))
def test_impossible_dates_are_refused(args: list[str]) -> None:
    r = runner.invoke(app, args)
    assert r.exit_code == 2, r.output
    assert "is not a date YYYY-MM-DD" in flat(r.output)


BAD_VALUES = [
    (["--value", "nan"], "not a finite number"),
    (["--value", "inf"], "not a finite number"),
    (["--value", "-1"], "negative"),
    (["--quantity", "-inf"], "not a finite number"),
    (["--metal-share", "nan"], "not a finite number"),
    (["--metal-share", "1.2"], "not between 0 and 1"),
    (["--us-content", "-0.1"], "not between 0 and 1"),
]


@pytest.mark.parametrize(
    ("extra", "why"), BAD_VALUES, ids=lambda x: " ".join(x) if isinstance(x, list) else x
)
def test_rate_refuses_bad_values(extra: list[str], why: str) -> None:
    r = runner.invoke(app, ["rate", "8703230160", "-o", "JP", "-d", "2025-05-02", *extra])
    assert r.exit_code == 2, r.output
    assert why in flat(r.output)


def test_other_commands_refuse_bad_values() -> None:
    r = runner.invoke(app, ["rank", "--date", "2025-06-01", "--min-imports", "nan"])
    assert r.exit_code == 2 and "not a finite number" in flat(r.output)
    r = runner.invoke(app, ["pe", "gsim", "gsim-4x4-us-eu", "--em", "nan"])
    assert r.exit_code == 2 and "not a finite number" in flat(r.output)
    r = runner.invoke(app, ["pe", "gsim", "gsim-4x4-us-eu", "--ex", "nan"])
    assert r.exit_code == 2


def test_batch_rejects_bad_loading_date(tmp_path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "b.csv"
    f.write_text("hts10,origin,date,loading_date\n8703230160,JP,2025-05-02,2025-04-31\n")
    r = runner.invoke(app, ["rate", "--batch", str(f)])
    assert r.exit_code == 1
    assert "loading_date: 2025-04-31 is not a date" in r.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["rate", "8703230160", "-o", "Japn", "-d", "2025-05-02"],
        ["exposure", "Japn", "--date", "2025-06-01"],
        ["etr", "-p", "Japn"],
        ["rank", "--date", "2025-06-01", "--reference", "Japn"],
        ["scenario", "run", "current-law", "-p", "Japn"],
        ["measures", "list", "--origin", "Japn"],
    ],
    ids=lambda a: a[0] + (" " + a[1] if a[0] == "scenario" else ""),
)
def test_unknown_country_suggests_close_matches(args: list[str]) -> None:
    r = runner.invoke(app, args)
    assert r.exit_code == 2, r.output
    assert "did you mean JP (Japan)" in flat(r.output)
