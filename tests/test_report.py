"""Charts and the self-contained HTML report."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from tariffscope.analytics import charts
from tariffscope.analytics.common import measure_events
from tariffscope.analytics.etr import etr_series
from tariffscope.analytics.exposure import exposure
from tariffscope.analytics.report import build_report
from tariffscope.cli.main import app
from tariffscope.trade.weights import load_weights

START, DATE = dt.date(2025, 3, 1), dt.date(2025, 10, 1)
EXTERNAL = re.compile(
    r"""(?:src|href)\s*=\s*["'](?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import|<script[^>]+src""", re.I
)


@pytest.fixture(scope="module")
def jp() -> pl.DataFrame:
    return load_weights().filter(pl.col("partner").is_in(["JP", "KR", "DE"]))


@pytest.fixture(scope="module")
def series(jp: pl.DataFrame) -> pl.DataFrame:
    s = etr_series(jp, START, DATE, partners=["JP"], daily=True)
    return s.filter(pl.col("partner") == "JP")


def test_change_points_name_the_measure(series: pl.DataFrame) -> None:
    cp = charts.change_points(series, measure_events("JP", START, DATE))
    by_date = {r["date"]: r for r in cp.iter_rows(named=True)}
    assert dt.date(2025, 4, 5) in by_date and "9903.01.25" in by_date[dt.date(2025, 4, 5)]["label"]
    assert by_date[dt.date(2025, 4, 9)]["delta"] > 0 and "9903.01.53" in by_date[dt.date(2025, 4, 9)]["label"]
    assert by_date[dt.date(2025, 4, 10)]["delta"] < 0
    assert dt.date(2025, 4, 3) in by_date and by_date[dt.date(2025, 4, 3)]["authority"] == "s232"
    sept = by_date[dt.date(2025, 9, 16)]
    assert sept["delta"] < 0 and "9903.94" in sept["label"]  # cars and parts to 15%
    # change points are exactly the days the daily series moves
    moved = series.sort("date").filter(pl.col("etr").diff().abs() >= charts.CHANGE_TOL)["date"].to_list()
    assert cp["date"].to_list() == moved


def test_charts_write_png_and_svg(tmp_path: Path, series: pl.DataFrame, jp: pl.DataFrame) -> None:
    e = exposure("JP", DATE, weights=jp)
    figs = {
        "timeline": charts.etr_timeline(series, measure_events("JP", START, DATE)),
        "sectors": charts.sector_bars(pl.DataFrame(e["composition"])),
    }
    for name, fig in figs.items():
        png = charts.save(fig, tmp_path / f"{name}.png")
        svg = charts.save(fig, tmp_path / f"{name}.svg")
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        text = svg.read_text()
        assert "<svg" in text and not EXTERNAL.search(text)
    assert "9903.01.53" in charts.to_svg(figs["timeline"])  # annotations are text in the SVG
    assert charts.to_png_data_uri(figs["sectors"]).startswith("data:image/png;base64,")
    with pytest.raises(ValueError):
        charts.save(figs["sectors"], tmp_path / "x.gif")


def test_report_is_self_contained(tmp_path: Path, jp: pl.DataFrame) -> None:
    out = tmp_path / "report.html"
    r = build_report(
        "JP",
        DATE,
        out,
        start=dt.date(2025, 8, 1),
        weights=jp,
        chart_dir=tmp_path / "charts",
        min_imports_usd=0,
    )
    html = out.read_text()
    assert r["bytes"] == out.stat().st_size
    assert html.count("<svg") >= 3  # timeline, sectors, partners
    assert not EXTERNAL.search(html)
    e = exposure("JP", DATE, weights=jp)
    for needle in ("Motor vehicles and parts", "duty per hour", "What changed", "9903.94.41", "Top products"):
        assert needle in html
    assert f"{100 * e['etr']:.2f}".rstrip("0").rstrip(".") + "%" in html
    assert len(r["charts"]) == 6 and all(Path(c).stat().st_size > 1000 for c in r["charts"])
    assert "of the 3 partners" in html


def test_report_cli_png(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    res = CliRunner().invoke(
        app,
        [
            "report",
            "JP",
            "--date",
            "2025-10-01",
            "--out",
            str(out),
            "--no-compare",
            "--embed",
            "png",
            "--from",
            "2025-09-01",
        ],
    )
    assert res.exit_code == 0, res.output
    html = out.read_text()
    assert html.count("data:image/png;base64,") == 2 and "<svg" not in html
    assert not EXTERNAL.search(html)
