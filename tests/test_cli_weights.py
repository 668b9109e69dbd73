"""``tariffscope weights``: the weights an ETR rests on, by level, with grain and band."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tariffscope.cli.main import app


def _run(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, ["weights", *args], env={"COLUMNS": "80"})
    return r.exit_code, r.stdout if r.exit_code == 0 else r.output  # notes and errors go to stderr


def test_japan_hs4_shows_cars_near_40b_and_trucks_near_1b() -> None:
    code, out = _run("--partner", "JP", "--level", "hs4", "--format", "json")
    assert code == 0, out
    rows = {r["code"]: r for r in json.loads(out)}
    assert {"partner", "code", "imports_usd", "grain", "share", "imports_lo_usd", "imports_hi_usd"} <= set(
        rows["8703"]
    )
    assert 36e9 < rows["8703"]["imports_usd"] < 45e9 and 0.7e9 < rows["8704"]["imports_usd"] < 1.4e9
    assert rows["8703"]["grain"] == "raked_spread"
    assert rows["8703"]["imports_lo_usd"] <= rows["8703"]["imports_usd"] <= rows["8703"]["imports_hi_usd"]
    assert abs(sum(r["share"] for r in rows.values()) - 1) < 1e-9


def test_levels_formats_and_errors() -> None:
    code, out = _run("-p", "CA", "-l", "hts10", "-f", "csv")
    assert code == 0 and out.splitlines()[0].startswith("partner,code,name,imports_usd")
    assert ",2709.00.10.00," in out and "hts10_exact" in out  # HTS as people write it; exact grain
    code, out = _run("-l", "sector", "--top", "3")
    assert code == 0 and "ele" in out and max(len(line) for line in out.splitlines()) <= 80
    code, out = _run("-l", "hs9")
    assert code == 2 and "hs9" in out
    code, out = _run("-p", "Atlantis")
    assert code != 0 and "Traceback" not in out
