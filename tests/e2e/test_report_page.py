"""The HTML report (``tariffscope report``) in headless Chromium: the interactive charts draw from the
plotly.js embedded in the file, with their source lines, and the page asks the network for nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tariffscope.analytics.report import build_report
from tariffscope.trade.weights import load_weights

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def test_report_opens_offline_with_its_charts(browser: Any, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    w = load_weights().filter(pl.col("partner").is_in(["JP", "KR", "DE"]))
    build_report("JP", dt.date(2025, 10, 1), out, start=dt.date(2025, 8, 1), weights=w, min_imports_usd=0)
    ctx = browser.new_context(viewport={"width": 1200, "height": 900}, offline=True)
    page = ctx.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(out.as_uri())
        page.locator("#chart-partners .main-svg").first.wait_for(timeout=60_000)
        for k in ("etr_timeline", "sectors", "partners"):
            box = page.locator(f"#chart-{k} .main-svg").first.bounding_box()
            assert box and box["width"] > 400 and box["height"] > 200, k
            assert page.locator(f"#chart-{k} .scatterlayer path.js-line, #chart-{k} .barlayer .point path").count()
            assert "Source: tariffscope" in (page.locator(f"#chart-{k} .infolayer").first.text_content() or "")
            assert "Data: rates" in (page.locator(f"#chart-{k} .infolayer").first.text_content() or "")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    finally:
        ctx.close()
    assert [u for u in requests if not u.startswith(("file:", "data:", "blob:"))] == []
    assert errors == []
