"""Charts (Plotly figures in the house style), their PNG/SVG export, and the self-contained HTML report."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from tariffscope.analytics import charts, figures
from tariffscope.analytics.common import measure_events
from tariffscope.analytics.etr import etr_series
from tariffscope.analytics.exposure import exposure
from tariffscope.analytics.report import build_report
from tariffscope.cli.main import app
from tariffscope.scenarios.chart import compare_figure
from tariffscope.trade.weights import load_weights

START, DATE = dt.date(2025, 3, 1), dt.date(2025, 10, 1)
EXTERNAL = re.compile(
    r"""(?:src|href)\s*=\s*["'](?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import|<script[^>]+src""", re.I
)
NO_EXPORT = figures.export_unavailable()
needs_export = pytest.mark.skipif(NO_EXPORT is not None, reason=f"static chart export: {NO_EXPORT}")


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


@pytest.fixture(scope="module")
def figs(series: pl.DataFrame, jp: pl.DataFrame) -> dict[str, object]:
    e = exposure("JP", DATE, weights=jp)
    src = figures.sources(jp)["source_line"]
    return {
        "timeline": charts.etr_timeline(
            series, measure_events("JP", START, DATE), source=src, data_date="rates in force each day"
        ),
        "sectors": charts.sector_bars(pl.DataFrame(e["composition"]), source=src, data_date="rates on a day"),
        "partners": charts.partner_bars(etr_ranked(jp), highlight="JP", source=src, data_date="x"),
    }


def etr_ranked(jp: pl.DataFrame) -> pl.DataFrame:
    from tariffscope.analytics.rank import rank

    return rank(DATE, weights=jp, min_imports_usd=0, reference="JP")


def _footer(fig: object) -> list[str]:
    return [a.text for a in fig.layout.annotations if a.yref == "paper" and (a.yshift or 0) < 0]  # type: ignore[attr-defined]


def test_figures_carry_titles_units_tooltips_and_source(figs: dict[str, object]) -> None:
    for name, fig in figs.items():
        lay = fig.layout  # type: ignore[attr-defined]
        assert lay.title.text, name
        assert lay.xaxis.title.text or lay.yaxis.title.text, name
        foot = _footer(fig)
        assert any(t.startswith("Source: tariffscope; US tariff measures as recorded to") for t in foot), name
        assert any(t.startswith("Data: ") for t in foot), name
        assert all(t.hovertemplate for t in fig.data), name  # type: ignore[attr-defined]
    tl = figs["timeline"].layout  # type: ignore[attr-defined]
    assert tl.yaxis.tickformat == ".0%" and "effective tariff rate" in tl.yaxis.title.text
    # the change points are numbered on the chart and listed under it (hover and PNG alike)
    assert any("9903.01.53" in t for t in _footer(figs["timeline"]))
    assert figs["partners"].layout.xaxis.tickformat == ".0%"  # type: ignore[attr-defined]
    sec = figs["sectors"].layout  # type: ignore[attr-defined]
    assert sec.xaxis.tickprefix == "$" and sec.xaxis2.tickformat == ".0%"


def test_compare_figure_bars_and_band() -> None:
    rows = [
        {"scenario": s, "partner": p, "date": "2025-10-01", "against": "current-law", "horizon": "short",
         "exports_change_usd": v, "range": {"exports_change_usd": [v * 1.2, v * 0.8]}}
        for s, p, v in [("a", "ALL", -6e9), ("a", "JP", -8e9), ("b", "JP", -1e9), ("b", "ALL", -2e9)]
    ]  # fmt: skip
    fig = compare_figure(rows, source="Source: test")
    assert [t.name for t in fig.data] == ["a", "b"]
    assert list(fig.data[0].x) == ["JP", "all partners"] and fig.data[0].y[0] == pytest.approx(-8.0)
    assert fig.data[0].error_y.arrayminus[0] == pytest.approx(1.6)  # -8 down to -9.6
    assert "USD bn/yr" in fig.layout.yaxis.title.text
    assert _footer(fig)[0] == "Source: test" and "elasticity band" in _footer(fig)[-1]


def test_the_workbench_gets_the_same_style() -> None:
    style = figures.style()
    js = (Path(figures.__file__).parents[1] / "web" / "static" / "charts.js").read_text()
    assert all(c in js for c in style["palette"])  # the page's fallback copy matches
    assert style["axes"]["pct"]["tickformat"] == ".0%"
    assert figures.sources()["chart_style"] == style


def test_export_errors_name_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, figs: dict) -> None:
    with pytest.raises(figures.ChartExportError, match=r"\.png or \.svg"):
        figures.export({tmp_path / "x.gif": figs["sectors"]})
    monkeypatch.setitem(__import__("sys").modules, "kaleido", None)
    with pytest.raises(figures.ChartExportError, match=r"tariffscope\[charts\]"):
        figures.export({tmp_path / "x.png": figs["sectors"]})
    assert "tariffscope[charts]" in str(figures.export_unavailable())


@needs_export
def test_export_without_chromium_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, figs: dict
) -> None:
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-chromium"))
    assert "no Chromium" in str(figures.export_unavailable())
    with pytest.raises(figures.ChartExportError, match="Chromium"):
        figures.export({tmp_path / "x.png": figs["sectors"]})


@needs_export
def test_charts_export_png_and_svg_in_one_browser(tmp_path: Path, figs: dict) -> None:
    paths = figures.export({tmp_path / f"{k}.{ext}": f for k, f in figs.items() for ext in ("png", "svg")})
    assert len(paths) == 6
    for p in paths:
        data = p.read_bytes()
        if p.suffix == ".png":
            assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
        else:
            text = data.decode()
            assert "<svg" in text and not EXTERNAL.search(text)
            assert "Source: tariffscope" in text  # the footer is text in the image
    assert "9903.01.53" in (tmp_path / "timeline.svg").read_text()


def test_report_is_self_contained(tmp_path: Path, jp: pl.DataFrame) -> None:
    out = tmp_path / "report.html"
    r = build_report("JP", DATE, out, start=dt.date(2025, 8, 1), weights=jp, min_imports_usd=0)
    html = out.read_text()
    assert r["bytes"] == out.stat().st_size and r["charts"] == []
    page = html.replace(figures.plotly_js(), "")  # plotly.js inline once; the rest is the report
    assert html.count(figures.plotly_js()) == 1 and not EXTERNAL.search(page)
    for k in ("etr_timeline", "sectors", "partners"):
        assert f'id="chart-{k}"' in page
    assert page.count("Plotly.newPlot") == 3 and "Source: tariffscope" in page
    e = exposure("JP", DATE, weights=jp)
    for needle in ("Motor vehicles and parts", "duty per hour", "What changed", "9903.94.41", "Top products"):
        assert needle in page
    assert f"{100 * e['etr']:.2f}".rstrip("0").rstrip(".") + "%" in page
    assert "of the 3 partners" in page


@needs_export
def test_report_static_svg_and_chart_dir(tmp_path: Path, jp: pl.DataFrame) -> None:
    out = tmp_path / "report.html"
    r = build_report(
        "JP", DATE, out, start=dt.date(2025, 8, 1), weights=jp, chart_dir=tmp_path / "charts",
        min_imports_usd=0, embed="svg",
    )  # fmt: skip
    html = out.read_text()
    assert html.count("<svg") >= 3 and "Plotly.newPlot" not in html and not EXTERNAL.search(html)
    assert len(r["charts"]) == 6 and all(Path(c).stat().st_size > 1000 for c in r["charts"])


@needs_export
def test_report_cli_png(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    res = CliRunner().invoke(
        app,
        ["report", "JP", "--date", "2025-10-01", "--out", str(out), "--no-compare", "--embed", "png",
         "--from", "2025-09-01"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    html = out.read_text()
    assert html.count("data:image/png;base64,") == 2 and "<svg" not in html
    assert not EXTERNAL.search(html)


def test_report_cli_static_without_export_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(__import__("sys").modules, "kaleido", None)
    out = tmp_path / "r.html"
    res = CliRunner().invoke(
        app, ["report", "JP", "--date", "2025-10-01", "--out", str(out), "--no-compare", "--embed", "svg",
              "--from", "2025-09-01"],
    )  # fmt: skip
    assert res.exit_code != 0 and "tariffscope[charts]" in " ".join(res.output.split())
    assert res.exception is None or isinstance(res.exception, SystemExit)  # no traceback
    assert not out.exists()


@needs_export
def test_svg_export_is_reproducible(tmp_path: Path, figs: dict) -> None:
    """The same figure gives the same SVG file (plotly.js draws a random id into each)."""
    a, b = tmp_path / "a" / "sectors.svg", tmp_path / "b" / "sectors.svg"
    figures.export({a: figs["sectors"], b: figs["sectors"]})
    assert a.read_bytes() == b.read_bytes()
    c = tmp_path / "partners.svg"
    figures.export({c: figs["partners"]})
    ids = set(re.findall(r'<defs id="(defs-[0-9a-f]{6})"', a.read_text() + c.read_text()))
    assert len(ids) == 2  # distinct ids: both can be inlined in one page
