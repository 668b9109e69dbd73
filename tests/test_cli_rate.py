"""The ``rate``, ``timeline`` and ``measures`` commands: the CLI contract of issue #2."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from tariffscope.cli.main import app

runner = CliRunner()


def test_rate_json_contract_japanese_car() -> None:
    r = runner.invoke(
        app, ["rate", "8703.23.01.60", "--origin", "JP", "--date", "2025-05-02", "--format", "json"]
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["total_rate"] == 0.275
    assert {"hts10", "origin", "date", "total_rate", "duty_usd", "components"} <= out.keys()
    applied = {c["measure"]: c for c in out["components"] if c["applied"] and c["rate"]}
    assert applied["us.s232.autos/vehicles"]["heading"] == "9903.94.01"
    assert "10908" in applied["us.s232.autos/vehicles"]["citation"]
    for c in out["components"]:
        assert set(c) >= {"measure", "authority", "heading", "rate", "basis", "applied", "reason", "citation"}
    assert sum(c["rate"] for c in out["components"]) == 0.275


def test_rate_table_shows_percent_and_headings() -> None:
    r = runner.invoke(
        app, ["rate", "8703230160", "--origin", "JPN", "--date", "2025-09-16", "--value", "30000"]
    )
    assert r.exit_code == 0, r.output
    assert "Total: 15%" in r.stdout
    assert "9903.94.41" in r.stdout
    assert "$4,500.00" in r.stdout


def test_census_country_code_is_accepted() -> None:
    r = runner.invoke(app, ["rate", "8703.23.01.60", "-o", "5880", "-d", "2025-05-02", "-f", "json"])
    assert json.loads(r.stdout)["origin"] == "JP"


def test_errors_name_what_is_wrong() -> None:
    r = runner.invoke(app, ["rate", "9999.99.99.99", "--origin", "JP", "--date", "2025-05-02"])
    assert r.exit_code != 0 and "9999.99.99.99" in r.output
    r = runner.invoke(app, ["rate", "8703.23.01.60", "--origin", "XX", "--date", "2025-05-02"])
    assert r.exit_code != 0 and "XX" in r.output
    r = runner.invoke(app, ["rate", "8703.23.01.60", "--origin", "JP", "--date", "2024-12-31"])
    assert r.exit_code != 0 and "horizon" in r.output
    r = runner.invoke(app, ["rate", "9403.60.80.10", "--origin", "VN", "--date", "2026-03-01", "--claim", "usmca"])
    assert r.exit_code != 0 and "Canada or Mexico" in r.output


def test_batch_keeps_going_and_reports_bad_rows(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text(
        "hts10,origin,date,value\n"
        "8703.23.01.60,JP,2025-05-02,10000\n"
        "8703.23.01.60,ZZ,2025-05-02,10000\n"
        "87xx,JP,2025-05-02,1\n"
        "6912.00.48.10,JP,2025-08-20,abc\n"
        "6912.00.48.10,JP,2025-08-20,200\n"
    )
    out = tmp_path / "out.csv"
    r = runner.invoke(app, ["rate", "--batch", str(src), "--out", str(out)])
    assert r.exit_code == 1
    assert "2 of 5 lines priced; 3 failed" in r.output
    df = pl.read_csv(out)
    assert df.height == 5
    assert df["status"].to_list()[0] == "ok"
    assert "origin" in df["status"][1] and "hts10" in df["status"][2] and "value" in df["status"][3]
    assert df["total_rate"][0] == 0.275 and df["duty_usd"][0] == 2750.0
    assert df["rate_s232"][0] == 0.25
    assert abs(df["total_rate"][4] - 0.15) < 1e-12


def test_batch_equals_single() -> None:
    from tariffscope.resolver.api import resolve_frame, resolve_one

    rows = [
        ("8703.23.01.60", "JP", "2025-05-02"),
        ("6912.00.48.10", "JP", "2025-08-20"),
        ("7208.51.00.30", "CN", "2025-07-01"),
        ("0901.21.00.35", "BR", "2025-09-01"),
        ("8708.29.21.20", "MX", "2025-06-01"),
        ("9403.60.80.10", "VN", "2026-03-01"),
    ]
    batch = resolve_frame(pl.DataFrame(rows, schema=["hts10", "origin", "date"], orient="row")).table
    for i, (h, o, d) in enumerate(rows):
        assert resolve_one(h, o, d)["total_rate"] == round(batch["total_rate"][i], 10)


def test_timeline_lists_change_points() -> None:
    r = runner.invoke(app, ["timeline", "8703.23.01.60", "--origin", "JP", "--format", "json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    dates = [x["date"] for x in rows]
    assert "2025-04-03" in dates and "2025-09-16" in dates
    by_date = {x["date"]: x["total_rate"] for x in rows}
    assert by_date["2025-04-03"] == 0.275 and by_date["2025-09-16"] == 0.15


def test_measures_list_and_show() -> None:
    r = runner.invoke(app, ["measures", "list", "--origin", "JP", "--on", "2025-09-16", "--format", "json"])
    assert r.exit_code == 0, r.output
    rules = {x["rule"] for x in json.loads(r.stdout)}
    assert "us.s232.autos/vehicles_jp" in rules and "us.ieepa.reciprocal_japan/agreement" in rules
    r = runner.invoke(app, ["measures", "show", "us.s232.autos", "--format", "json"])
    m = json.loads(r.stdout)
    assert m["authority"] == "s232" and any(i["fr"] == "90 FR 14705" for i in m["instruments"])
    r = runner.invoke(app, ["measures", "show", "us.s232.nope"])
    assert r.exit_code != 0
