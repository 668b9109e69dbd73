"""One chart style for the workbench and the static exports: the server sends
``analytics.figures.style()`` with ``/api/sources`` and ``web/static/charts.js`` applies it (its own
defaults are a copy, for a page that could not fetch it)."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from tariffscope.analytics import figures
from tariffscope.web.app import STATIC_DIR, create_app


def test_sources_carry_the_chart_style() -> None:
    r = TestClient(create_app()).get("/api/sources")
    assert r.status_code == 200
    body = r.json()
    assert body["chart_style"] == json.loads(json.dumps(figures.style()))
    assert body["source_line"].startswith("Source: tariffscope; US tariff measures as recorded to")


def test_charts_js_applies_it_and_its_defaults_match() -> None:
    js = (STATIC_DIR / "charts.js").read_text()
    app = (STATIC_DIR / "common.js").read_text()  # the start-up helpers every view shares
    assert "TSChart.setSource(SOURCES.source_line, SOURCES.chart_style)" in app
    style = figures.style()
    m = re.search(r"const STYLE = \{(.*?)\n  \};", js, re.S)
    assert m, "charts.js has no STYLE block"
    block = m.group(1)
    for c in style["palette"]:
        assert f'"{c}"' in block
    for key in ("footer_shift", "footer_line", "export_width"):
        assert f"{key}: {style[key]}" in block, key
    for unit, ax in style["axes"].items():
        for k, v in ax.items():
            assert f'{k}: "{v}"' in block, (unit, k)
    assert "#0b5cad" not in js.replace(block, "")  # no colour hard-coded outside the style
