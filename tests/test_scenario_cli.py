"""``tariffscope scenario ...`` as a new user would run it (engine rates and small weights for speed)."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

import tariffscope.trade.weights as weights_mod
from tariffscope.analytics import figures
from tariffscope.cli.main import app
from test_package import WEIGHTS
from test_scenario_evaluate import JSON_KEYS, engine_rates

ev = importlib.import_module(
    "tariffscope.scenarios.evaluate"
)  # the package re-exports a function of that name


@pytest.fixture(autouse=True)
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ev, "default_rates", engine_rates)
    monkeypatch.setattr(weights_mod, "load_weights", lambda *a, **k: WEIGHTS)
    ev._RATE_CACHE.clear()


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, ["scenario", *args])
    return r.exit_code, r.stdout, " ".join(r.stderr.split())  # rich wraps long error lines


def test_compare_table_and_chart(tmp_path: Path) -> None:
    """``--chart x.html`` needs no Chromium: the interactive figure with plotly.js inline."""
    chart = tmp_path / "c.html"
    code, out, err = run("compare", "current-law", "pause-lapses", "the-deal", "--chart", str(chart))
    assert code == 0, err
    for s in ("current-law", "pause-lapses", "the-deal", "who gains", "ETR"):
        assert s in out
    html = chart.read_text()
    assert "Plotly.newPlot" in html and "change (USD bn" in html and "Source: tariffscope" in html
    assert "cdn.plot.ly" not in html.replace(figures.plotly_js(), "")


@pytest.mark.skipif(figures.export_unavailable() is not None, reason=f"{figures.export_unavailable()}")
def test_compare_chart_png(tmp_path: Path) -> None:
    chart = tmp_path / "sub" / "c.png"
    code, _, err = run("compare", "current-law", "pause-lapses", "--chart", str(chart))
    assert code == 0, err
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_compare_chart_bad_suffix_is_a_clear_error(tmp_path: Path) -> None:
    code, _, err = run("compare", "current-law", "pause-lapses", "--chart", str(tmp_path / "c.gif"))
    assert code != 0 and "c.gif: charts are written as .png or .svg, or .html" in err


def test_compare_json_rows(tmp_path: Path) -> None:
    code, out, err = run(
        "compare", "pause-lapses", "july-letter", "--partner", "JPN", "--format", "json", "--no-chart"
    )
    assert code == 0, err
    rows = json.loads(out)
    assert [(r["scenario"], r["partner"]) for r in rows] == [("pause-lapses", "JP"), ("july-letter", "JP")]
    assert all(set(r) >= JSON_KEYS for r in rows)
    assert rows[0]["diversion"] and rows[0]["exports_change_usd"] < 0
    assert rows[0]["exporter_revenue_change_usd_per_hour"] * 8760 == pytest.approx(
        rows[0]["exports_change_usd"], rel=1e-6
    )


def test_run_with_date_and_lines(tmp_path: Path) -> None:
    out_lines = tmp_path / "lines.parquet"
    code, out, err = run(
        "run", "no-auto-relief", "--date", "2025-10-15", "--lines", str(out_lines), "-f", "json"
    )
    assert code == 0, err
    res = json.loads(out)
    assert res["rows"][0]["date"] == "2025-10-15"
    assert res["by_sector"] and res["by_product"]
    assert pl.read_parquet(out_lines).height == WEIGHTS.height


def test_package_table_and_json() -> None:
    code, out, err = run("package", "japan-2025")
    assert code == 0, err
    assert "ILLUSTRATIVE" in out and "Partner side" in out and "Timeline" in out
    code, out, _ = run("package", "japan-2025", "--format", "json")
    j = json.loads(out)
    assert j["us_side"]["against"] == "july-letter" and j["partner_side"]["by_product"]


def test_errors_are_clean(tmp_path: Path) -> None:
    code, _, err = run("run", "no-such-scenario")
    assert code == 2 and "no shipped scenario 'no-such-scenario'" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "id: x\ntitle: t\ndate: 2025-10-01\nchanges:\n  - end: us.nope/rule\n    from: 2025-10-01\n"
    )
    code, _, err = run("validate", str(bad))
    assert code == 2 and "bad.yaml:5: changes.0.end" in err and "us.nope/rule" in err
    code, out, _ = run("list")
    assert code == 0 and "pause-lapses" in out and "japan-2025" in out


def test_sigma_override_option() -> None:
    code, out, err = run("run", "pause-lapses", "--sigma", "8703=2", "-f", "json")
    assert code == 0, err
    assert "override:8703" in json.loads(out)["rows"][0]["elasticities"]["sigma_sources"]
    code, _, err = run("run", "pause-lapses", "--sigma", "cars=2")
    assert code == 2 and "HS prefix" in err
