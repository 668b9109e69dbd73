"""The economic-security view in headless Chromium: the page loads with the shipped weights, says its grain,
draws the share chart and lists sourced leverage cards; a bad partner shows the server's message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def test_security_page_renders_japan(page: Any) -> None:
    page.goto(page.base + "/security?partner=JP&date=2026-01-01")
    page.wait_for_selector("body[data-ready='1']", timeout=180_000)
    assert "Grain:" in page.locator("#sec-grain").inner_text()
    rows = page.locator("#sec-products tbody tr")
    assert rows.count() > 5
    bars = page.locator("#sec-chart svg rect[data-code]")
    assert bars.count() == min(15, rows.count())
    box = page.locator("#sec-chart svg").bounding_box()
    assert box and box["width"] > 200 and box["height"] > 100
    cards = page.locator("#sec-cards").inner_text()
    assert "US Treasury securities held" in cards and "TIC" in cards
    assert "Ministry of Finance" in page.locator("#sec-dependence").inner_text()
    page.screenshot(path=str(ARTIFACTS / "security.png"), full_page=True)
    page.fill("#sec-partner", "XX")
    page.click("#sec-go")
    page.wait_for_function("document.getElementById('sec-error').textContent.length > 0")
    assert "partner" in page.locator("#sec-error").inner_text()
    assert not page.js_errors or all("422" in e or "Unprocessable" in e for e in page.js_errors), (
        page.js_errors
    )
