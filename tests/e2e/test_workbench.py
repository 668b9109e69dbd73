"""The workbench in headless Chromium, as a new user meets it: each page loads, a lookup shows the
right total, a slider changes the result, charts render, downloads work. Screenshots go to
``tests/artifacts/``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _chart_ok(page: Any, sel: str) -> None:
    """A rendered Plotly chart: a visible plot with drawn lines or bars, and its source line."""
    plot = page.locator(f"{sel} .js-plotly-plot .main-svg").first
    plot.wait_for()
    box = plot.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 100
    marks = page.locator(f"{sel} .scatterlayer path.js-line, {sel} .barlayer .point path")
    assert marks.count() >= 1
    d = marks.first.get_attribute("d")
    assert d and len(d) > 10
    assert "Source:" in (page.locator(f"{sel} .infolayer").first.text_content() or "")


def _series(page: Any, sel: str) -> set[str]:
    names = page.locator(f"{sel} .legend .legendtext")
    return {names.nth(i).text_content() for i in range(names.count())}


def _download(page: Any, button: Any) -> bytes:
    with page.expect_download() as info:
        button.click()
    path = info.value.path()
    return Path(path).read_bytes()


def test_every_page_loads(page: Any) -> None:
    page.goto(page.base + "/")
    page.wait_for_selector("body[data-ready='1']")
    for name, heading in [
        ("lookup", "Rate lookup"),
        ("packages", "Package comparator"),
        ("measures", "Measures and regime changes"),
    ]:
        page.click(f"nav a[data-page='{name}']")
        page.wait_for_selector(f"#page-{name}.active")
        assert page.locator(f"#page-{name} h2").inner_text() == heading
        assert page.locator(f"nav a[data-page='{name}']").get_attribute("aria-current") == "page"
    page.wait_for_selector("#meas-table table tbody tr")
    assert page.locator("#meas-table tbody tr").count() > 20
    page.locator("#meas-table a[data-measure]").first.click()
    page.wait_for_selector("#meas-detail h3")
    _shot(page, "measures")
    assert not page.js_errors, page.js_errors


def _look_up(page: Any, hts: str, origin: str, date: str) -> None:
    """Fill the lookup form and run it."""
    page.goto(page.base + "/#lookup")
    page.wait_for_selector("body[data-ready='1']")
    page.fill("#lookup-hts", hts)
    page.select_option("#lookup-origin", origin)
    page.fill("#lookup-date", date)
    page.keyboard.press("Escape")
    page.click("#lookup-go")


def test_lookup_shows_the_total_citations_and_timeline(page: Any) -> None:
    _look_up(page, "8703.23.01.90", "JP", "2025-10-01")
    total = page.wait_for_selector("#lookup-total")
    # US-Japan agreement: passenger cars all-in 15% (EO 14345 sec. 4; heading 9903.94.41)
    assert total.inner_text() == "15%"
    comp = page.locator("#lookup-components table").inner_text()
    assert "9903.94.41" in comp and "eo-14345" in comp.lower()
    _chart_ok(page, "#lookup-timeline")
    page.wait_for_selector("#lookup-timeline-table tbody tr")
    _shot(page, "lookup")
    csv = _download(page, page.locator("#lookup-components button[data-download='csv']"))
    assert csv.decode().startswith("Measure,Heading,Rate owed")
    svg = _download(page, page.locator("#lookup-timeline button[data-download='svg']"))
    assert b"<svg" in svg and b"path" in svg
    png = _download(page, page.locator("#lookup-timeline button[data-download='png']"))
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    assert not page.js_errors, page.js_errors


def test_lookup_lists_the_claims_that_would_change_the_duty(page: Any) -> None:
    _look_up(page, "8471.41.01.50", "CN", "2025-06-01")
    page.wait_for_selector("#lookup-hints table")
    hints = page.locator("#lookup-hints table").inner_text()
    # note 33(h)(ii): a computer owes the auto-parts duty (9903.94.05) only if declared a vehicle part
    assert "auto_part" in hints and "52.5%" in hints and "9903.94.05" in hints
    assert not page.js_errors, page.js_errors


def test_search_by_words_suggests_products(page: Any) -> None:
    page.goto(page.base + "/#lookup")
    page.wait_for_selector("body[data-ready='1']")
    page.locator("#lookup-hts").press_sequentially("motor cars", delay=20)
    page.wait_for_selector("#lookup-suggest li")
    assert page.locator("#lookup-suggest li").count() > 0
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.input_value("#lookup-hts")[:4].isdigit()


def test_dashboard_compares_partners(page: Any) -> None:
    # a short window keeps the test fast; the page's default is all of 2025-26
    page.goto(page.base + "/#dashboard?partner=JP&compare=KR,EU27&start=2025-08-01&end=2025-10-31")
    page.wait_for_selector("#dash-etr .js-plotly-plot", timeout=180_000)
    _chart_ok(page, "#dash-etr")
    assert _series(page, "#dash-etr") - {"measure changes (hover)"} == {
        "Japan (JP)",
        "South Korea (KR)",
        "EU27",
    }
    page.wait_for_selector("#kpi-etr")
    assert page.locator("#kpi-etr .v").inner_text().endswith("%")
    page.wait_for_selector("#dash-sectors .js-plotly-plot")
    _chart_ok(page, "#dash-sectors")
    page.wait_for_selector("#dash-top tbody tr")
    _shot(page, "dashboard")
    png = _download(page, page.locator("#dash-etr button[data-download='png']"))
    assert png[:4] == b"\x89PNG"
    assert not page.js_errors, page.js_errors


def test_slider_changes_the_lab_result(page: Any) -> None:
    # Lesotho (Phase 2 rate 15%) has few HTS10 lines, so each solve is quick; Japan is the page's default
    page.goto(page.base + "/#lab?partner=LS&recip=15")
    page.wait_for_selector("#lab-exports", timeout=180_000)
    before = page.locator("#lab-exports .v").inner_text()
    etr_before = page.locator("#lab-etr .v").inner_text()
    slider = page.locator("#lab-recip")
    slider.focus()
    for _ in range(10):  # keyboard: 15% -> 25%
        page.keyboard.press("ArrowRight")
    assert page.locator("#lab-recip-out").inner_text() == "25%"
    page.wait_for_function(
        "(b) => document.querySelector('#lab-etr .v').textContent !== b", arg=etr_before, timeout=120_000
    )
    after = page.locator("#lab-exports .v").inner_text()
    assert after != before and after.startswith("−$")
    _chart_ok(page, "#lab-partners")
    _shot(page, "lab")
    assert not page.js_errors, page.js_errors


def test_package_comparator_shows_three_views_per_package(page: Any) -> None:
    """Two shipped packages side by side: the US market, the partner's market, and both in one world (GSIM)."""
    page.goto(page.base + "/#packages")
    page.wait_for_selector("#pkg-list input[name='pkg']")
    assert page.locator("#pkg-list input[name='pkg']:checked").count() >= 2
    page.click("#pkg-form button[type='submit']")
    page.wait_for_selector("#pkg-table tbody tr", timeout=240_000)
    rows = page.locator("#pkg-table tbody tr")
    assert rows.count() == 6
    text = page.locator("#pkg-table").inner_text()
    assert "US market" in text and "JP market" in text and "one world (GSIM)" in text
    _chart_ok(page, "#pkg-chart")
    _shot(page, "packages")
    assert not page.js_errors, page.js_errors


def test_dashboard_group_partner_and_no_stale_figures(page: Any) -> None:
    """A group offered in the partner list is priced under its own name; switching partner never leaves
    the previous partner's figures on screen."""
    page.goto(page.base + "/#dashboard?partner=JP&compare=&start=2025-09-01&end=2025-10-31&date=2025-10-01")
    page.wait_for_selector("#kpi-etr", timeout=180_000)
    jp = page.locator("#kpi-etr .v").inner_text()
    page.select_option("#dash-partner", "USMCA")
    page.click("#dash-form button[type='submit']")
    # at once: JP's figures are gone (cleared before the new request)
    assert page.locator("#kpi-etr").count() == 0 or page.locator("#kpi-etr .l").inner_text().endswith(
        "2025-10-01"
    )
    page.wait_for_selector("#kpi-etr", timeout=180_000)
    page.wait_for_selector("#dash-refunds table tbody tr", timeout=180_000)
    assert page.locator("#dash-error").inner_text() == ""
    usmca = page.locator("#kpi-etr .v").inner_text()
    assert usmca.endswith("%") and usmca != jp
    assert "USMCA" in page.locator("#dash-refunds").inner_text()
    _chart_ok(page, "#dash-etr")
    assert "USMCA" in _series(page, "#dash-etr")
    _shot(page, "dashboard_group")
    assert not page.js_errors, page.js_errors


def test_journalist_view_us_rate_today(page: Any) -> None:
    """The US-wide rate and each partner's on a date, with view, weights, source and a CSV download."""
    page.goto(page.base + "/#today")
    page.wait_for_selector("body[data-ready='1']")
    page.fill("#today-date", "2025-10-01")
    page.click("#today-form button[type='submit']")
    page.wait_for_selector("#today-us", timeout=180_000)
    page.wait_for_function("() => document.querySelector('#today-us .l').textContent.endsWith('2025-10-01')")
    us = page.locator("#today-us .v").inner_text()
    assert us.endswith("%") and 5 < float(us.rstrip("%")) < 40
    facts = page.locator("#today-facts").inner_text()
    assert "owed" in facts and "grain" in facts and "Source:" in facts
    _chart_ok(page, "#today-chart")
    labels = page.locator("#today-chart .yaxislayer-above .ytick text")
    names = [labels.nth(i).text_content() for i in range(labels.count())]
    assert "United States, all partners" in names and "Japan (JP)" in names and len(names) == 26
    assert page.locator("#today-table tbody tr").count() >= 50
    csv = _download(page, page.locator("#today-csv")).decode()
    head, first = csv.splitlines()[:2]
    assert head.startswith("partner,name,imports_usd") and first.startswith("ALL,")
    png = _download(page, page.locator("#today-chart button[data-download='png']"))
    assert png[:4] == b"\x89PNG"
    _shot(page, "today")
    assert not page.js_errors, page.js_errors


def test_batch_upload_prices_rows_and_reports_bad_ones(page: Any, tmp_path: Path) -> None:
    src = tmp_path / "entries.csv"
    src.write_text(
        "hts10,origin,date,value\n"
        "8703.23.01.90,JP,2025-10-01,30000\n"
        "8703.23.01.90,QQ,2025-10-01,1000\n"
        "8703.23.01.90,KR,2025-10-01,20000\n"
    )
    page.goto(page.base + "/#batch")
    page.wait_for_selector("body[data-ready='1']")
    page.set_input_files("#batch-file", str(src))
    page.click("#batch-go")
    page.wait_for_selector("#batch-priced", timeout=120_000)
    assert page.locator("#batch-priced .v").inner_text() == "2"
    assert page.locator("#batch-failed .v").inner_text() == "1"
    bad = page.locator("#batch-bad tbody tr")
    assert (
        bad.count() == 1
        and "QQ" in bad.first.inner_text()
        and bad.first.locator("td").first.inner_text() == "2"
    )
    priced = _download(page, page.locator("#batch-priced-csv")).decode().splitlines()
    assert priced[0].startswith("hts10,origin,date,value,total_rate") and len(priced) == 4
    report = _download(page, page.locator("#batch-bad-csv")).decode().splitlines()
    assert report[0] == "Row,HTS,Origin,Date,Why not priced" and report[1].startswith("2,")
    _shot(page, "batch")
    assert not page.js_errors, page.js_errors


def test_lab_opens_on_a_prompt_and_narrow_tables_wrap(page: Any) -> None:
    page.goto(page.base + "/#lab")
    page.wait_for_selector("#lab-prompt")
    assert "$0.00" not in page.locator("#lab-kpis").inner_text()
    for sel in ("#lab-recip", "#lab-auto"):
        assert page.locator(sel).get_attribute("aria-label")
    page.set_viewport_size({"width": 800, "height": 900})
    page.goto(page.base + "/#lookup?hts=8703.23.01.90&origin=JP&date=2025-10-01")
    page.wait_for_selector("#lookup-components table")
    for th in ("Why", "Citation"):
        box = page.locator("#lookup-components th", has_text=th).first.bounding_box()
        assert box and box["x"] + box["width"] <= 800, (th, box)
    _shot(page, "lookup_800px")
