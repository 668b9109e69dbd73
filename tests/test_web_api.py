"""REST API of the workbench (tariffscope.web), through the ASGI test client: every endpoint, bad input."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tariffscope.web import services as sv
from tariffscope.web.app import STATIC_DIR, create_app

CAR = "8703.23.01.90"  # passenger car, 1,500-3,000 cc


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(), raise_server_exceptions=False)


def _bad(r, field: str, status: int = 422) -> None:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["field"] == field, body
    assert field in body["detail"]
    assert "Traceback" not in r.text and 'File "' not in r.text


# --- schema, pages, static files --------------------------------------------------------------------


def test_openapi_lists_every_endpoint(client: TestClient) -> None:
    paths = set(client.get("/openapi.json").json()["paths"])
    for p in (
        "/api/rate",
        "/api/rate/batch",
        "/api/timeline",
        "/api/search",
        "/api/measures",
        "/api/measures/{measure_id}",
        "/api/changes",
        "/api/etr",
        "/api/exposure",
        "/api/diff",
        "/api/rank",
        "/api/refunds",
        "/api/lab",
        "/api/scenarios",
        "/api/packages",
        "/api/packages/compare",
        "/api/downloads/country-rates",
        "/api/downloads/country-sector-rates",
        "/feed.atom",
    ):
        assert p in paths, p


def test_pages_and_static_files_served_by_the_package(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', r.text)
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    # JS per view: every view script is loaded by the page, after the shared helpers, before the router
    views = sorted(f"/static/views/{f.name}" for f in (STATIC_DIR / "views").glob("*.js"))
    assert views and set(views) <= set(assets)
    order = [a for a in assets if a.endswith(".js")]
    assert order.index("/static/common.js") < min(map(order.index, views)) < order.index("/static/app.js")
    # no CDN: nothing in the pages loads from another host (XML namespaces are names, not loads)
    for f in (p for p in STATIC_DIR.rglob("*") if p.is_file()):
        text = f.read_text()
        urls = re.findall(r"https?://[^\s\"'<>)]+", text)
        assert all("www.w3.org" in u for u in urls), (f.name, urls)


@pytest.mark.parametrize("path", ["/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fservices.py"])
def test_no_path_escapes_the_static_folder(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert "import" not in r.text


def test_internal_error_hides_the_trace(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*a: object, **k: object) -> None:
        raise RuntimeError("secret internals")

    from tariffscope.web.services import rates

    monkeypatch.setattr(rates, "rate", boom)
    monkeypatch.setattr(rates, "rate_json_cached", lambda key: None)
    r = client.get("/api/rate", params={"hts": CAR, "origin": "JP", "date": "2025-10-01"})
    assert r.status_code == 500
    assert "secret" not in r.text and "Traceback" not in r.text


# --- rates ------------------------------------------------------------------------------------------


def _schedule_ready() -> bool:
    try:
        sv.engine_function("schedule", "Schedule")
        return True
    except sv.Unavailable:
        return False


needs_schedule = pytest.mark.skipif(
    not _schedule_ready(), reason="tariffscope.schedule.Schedule not built yet"
)


@needs_schedule
def test_rate_is_the_cli_json(client: TestClient) -> None:
    from tariffscope.cli.main import app

    r = client.get("/api/rate", params={"hts": CAR, "origin": "JP", "date": "2025-10-01"})
    assert r.status_code == 200, r.text
    api = r.json()
    res = CliRunner().invoke(app, ["rate", CAR, "--origin", "JP", "--date", "2025-10-01", "--format", "json"])
    assert res.exit_code == 0, res.output
    cli = json.loads(res.stdout)
    for k, v in cli.items():
        if k == "components":
            assert [{kk: c[kk] for kk in cli["components"][0]} for c in api[k]] == v
        else:
            assert api[k] == v, k
    # US-Japan agreement: passenger cars all-in 15% from 2025-09-16 (EO 14345 sec. 4)
    assert api["total_rate"] == pytest.approx(0.15)
    assert any(c["heading"] == "9903.94.41" and c["applied"] for c in api["components"])


@needs_schedule
def test_rate_accepts_iso3_and_value(client: TestClient) -> None:
    r = client.get("/api/rate", params={"hts": CAR, "origin": "JPN", "date": "2025-10-01", "value": 40000})
    assert r.status_code == 200, r.text
    assert r.json()["origin"] == "JP"
    assert r.json()["duty_usd"] == pytest.approx(6000.0)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"hts": "abc", "origin": "JP", "date": "2025-10-01"}, "hts"),
        ({"hts": "87032301", "origin": "XX", "date": "2025-10-01"}, "origin"),
        ({"hts": CAR, "origin": "JP", "date": "2025-13-01"}, "date"),
        ({"hts": CAR, "origin": "JP"}, "date"),
        ({"hts": CAR, "origin": "JP", "date": "2025-10-01", "value": -5}, "value"),
        ({"hts": CAR, "origin": "JP", "date": "2025-10-01", "metal_share": 2}, "metal_share"),
        ({"hts": CAR, "origin": "JP", "date": "2025-10-01", "claim": "gsp"}, "claim"),
        ({"hts": CAR, "origin": "JP", "date": "2025-10-01", "as_of": "yesterday"}, "as_of"),
    ],
)
def test_rate_bad_input_names_the_field(client: TestClient, params: dict, field: str) -> None:
    _bad(client.get("/api/rate", params=params), field)


@needs_schedule
def test_rate_date_outside_horizon(client: TestClient) -> None:
    _bad(client.get("/api/rate", params={"hts": CAR, "origin": "JP", "date": "2019-01-01"}), "date")


@needs_schedule
def test_batch_upload_json_and_csv(client: TestClient) -> None:
    csv = f"hts10,origin,date,value\n{CAR},JP,2025-10-01,1000\n{CAR},ZZ,2025-10-01,1000\n"
    r = client.post("/api/rate/batch", files={"file": ("lines.csv", csv, "text/csv")})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["priced"] == 1 and body["failed"] == 1
    assert body["rows"][0]["total_rate"] == pytest.approx(0.15)
    assert "origin" in body["rows"][1]["status"]
    assert [x["row"] for x in body["rows"]] == [1, 2]  # the bad-row report names the row
    r = client.post("/api/rate/batch?format=csv", files={"file": ("lines.csv", csv, "text/csv")})
    assert r.status_code == 200 and r.text.startswith("hts10,origin,date,value,total_rate")


def test_batch_limits_and_bad_files(client: TestClient) -> None:
    big = b"hts10,origin,date\n" + b"8703230190,JP,2025-10-01\n" * 200_000
    r = client.post("/api/rate/batch", files={"file": ("big.csv", big, "text/csv")})
    assert r.status_code == 413 and r.json()["field"] == "file"
    many = "hts10,origin,date\n" + "8703230190,JP,2025-10-01\n" * (sv.BATCH_MAX_ROWS + 1)
    _bad(client.post("/api/rate/batch", files={"file": ("many.csv", many, "text/csv")}), "file")
    _bad(client.post("/api/rate/batch", files={"file": ("x.csv", "a,b\n1,2\n", "text/csv")}), "file")
    _bad(client.post("/api/rate/batch", files={"file": ("x.csv", b"", "text/csv")}), "file")
    _bad(client.post("/api/rate/batch"), "file")


@needs_schedule
def test_timeline_json_and_csv(client: TestClient) -> None:
    q = {"hts": CAR, "origin": "JP", "from": "2025-01-01", "to": "2025-12-31"}
    rows = client.get("/api/timeline", params=q).json()
    assert rows[0]["date"] == "2025-01-01"
    assert rows[-1]["total_rate"] == pytest.approx(0.15)
    assert any(r["total_rate"] == pytest.approx(0.275) for r in rows)  # 2.5% MFN + 25% Section 232
    csv = client.get("/api/timeline", params={**q, "format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv") and csv.text.startswith("date,total_rate")
    _bad(client.get("/api/timeline", params={**q, "to": "2024-01-01"}), "to")


@needs_schedule
def test_search_by_code_and_words(client: TestClient) -> None:
    hits = client.get("/api/search", params={"q": "8703.23.01"}).json()
    assert hits and all(h["hts10"].startswith("87032301") for h in hits)
    hits = client.get("/api/search", params={"q": "motor cars", "limit": 5}).json()
    assert 0 < len(hits) <= 5
    _bad(client.get("/api/search", params={"q": "x", "limit": 1000}), "limit")


@needs_schedule
def test_search_passenger_cars_finds_heading_8703_in_full(client: TestClient) -> None:
    """Everyday words find the legal wording ("motor cars ... for the transport of persons"), the most
    imported lines first, with their whole description (not two station wagons, cut short)."""
    hits = client.get("/api/search", params={"q": "passenger cars", "limit": 10}).json()
    assert len(hits) == 10 and all(h["hts10"].startswith("8703") for h in hits)
    assert any(h["hts10"].startswith("870323") for h in hits[:3])
    assert all(h["description"].startswith("Motor cars and other motor vehicles") for h in hits)
    assert max(len(h["description"]) for h in hits) > 150  # full text


def test_plotly_js_is_served_offline(client: TestClient) -> None:
    page = client.get("/").text
    assert '<script src="/vendor/plotly.min.js">' in page and "cdn" not in page.lower()
    js = client.get("/vendor/plotly.min.js")
    assert js.status_code == 200 and len(js.content) > 1_000_000 and b"plotly" in js.content[:2000].lower()


def test_sources_state_the_data_dates(client: TestClient) -> None:
    src = client.get("/api/sources").json()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", src["catalogue_recorded_to"])
    assert src["weights_years"] and src["weights_grain"]
    assert src["source_line"].startswith("Source: ") and src["catalogue_recorded_to"] in src["source_line"]


@needs_schedule
def test_us_rates_today_all_and_partners(client: TestClient) -> None:
    """The journalist's view: the US-wide rate (duty over all imports) and each partner's, with the
    view, the weights grain and a source line; the CSV is the same table."""
    r = client.get("/api/us-rates", params={"date": "2025-10-01", "view": "statutory"})
    assert r.status_code == 200, r.text
    x = r.json()
    assert x["date"] == "2025-10-01" and x["view"].startswith("statutory") and "grain" in x["weights"]
    assert x["source_line"].startswith("Source:") and "2025-10-01" in x["data_date"]
    parts = x["partners"]
    tot_imp = sum(p["imports_usd"] for p in parts)
    tot_duty = sum(p["duty_usd_per_year"] for p in parts)
    assert x["us"]["imports_usd"] == pytest.approx(tot_imp, rel=1e-6)
    assert x["us"]["etr"] == pytest.approx(tot_duty / tot_imp, rel=1e-6)  # components add up
    # the view it states is the view it computes: each partner's rate is its statutory exposure
    for code in ("JP", "CA"):
        row = next(p for p in parts if p["partner"] == code)
        q = {"partner": code, "date": "2025-10-01", "view": "statutory"}
        assert row["etr"] == pytest.approx(client.get("/api/exposure", params=q).json()["etr"], rel=1e-9)
    csv = client.get("/api/us-rates", params={"date": "2025-10-01", "format": "csv", "view": "statutory"})
    assert csv.status_code == 200 and "attachment" in csv.headers["content-disposition"]
    lines = csv.text.splitlines()
    assert lines[1].startswith("ALL,") and len(lines) == len(parts) + 2 and "Source:" in lines[1]
    _bad(client.get("/api/us-rates", params={"date": "2024-06-01"}), "date")
    # the default is the owed view (issue 12), stated; Canada's USMCA claims put it under its ceiling
    owed = client.get("/api/us-rates", params={"date": "2025-10-01"}).json()
    assert owed["view_id"] == "adjusted" and owed["view"].startswith("owed")
    ca = {v["partner"]: v["etr"] for v in owed["partners"]}["CA"]
    assert ca < next(p for p in parts if p["partner"] == "CA")["etr"]


def test_today_defaults_inside_the_catalogue() -> None:
    assert sv.parse_horizon_date(None, today=dt.date(2026, 5, 1)) == dt.date(2026, 5, 1)
    assert sv.parse_horizon_date(None, today=dt.date(2027, 3, 1)) == dt.date(2026, 12, 31)
    assert sv.parse_horizon_date("2025-10-01") == dt.date(2025, 10, 1)
    with pytest.raises(sv.InputError) as e:
        sv.parse_horizon_date("2027-03-01")
    assert e.value.field == "date"


def test_countries_include_groups(client: TestClient) -> None:
    rows = client.get("/api/countries").json()
    codes = {r["iso2"] for r in rows}
    assert {"JP", "KR", "DE", "EU27"} <= codes


# --- measures and changes ---------------------------------------------------------------------------


def test_measures_list_detail_and_citations(client: TestClient) -> None:
    rows = client.get("/api/measures", params={"origin": "JP", "on": "2025-10-01"}).json()
    assert any(r["heading"] == "9903.94.41" for r in rows)
    csv = client.get("/api/measures", params={"authority": "s232", "format": "csv"})
    assert csv.status_code == 200 and csv.text.startswith("rule,authority,heading")
    m = client.get("/api/measures/us.s232.autos").json()
    assert (
        m["id"] == "us.s232.autos"
        and m["instruments"]
        and all(s["cite"] for r in m["rules"] for s in r["steps"])
    )
    assert client.get("/api/measures/us.s232.autos/vehicles_jp").json()["id"] == "us.s232.autos"
    _bad(client.get("/api/measures/us.nope.none"), "measure_id")
    _bad(client.get("/api/measures/..%2F..%2Fetc%2Fpasswd"), "measure_id")
    _bad(client.get("/api/measures", params={"authority": "bogus"}), "authority")
    _bad(client.get("/api/measures", params={"on": "2025-02-30"}), "on")


def test_changes_feed_atom_and_downloads(client: TestClient) -> None:
    rows = client.get("/api/changes").json()
    assert rows and all(r["cite"] for r in rows)
    assert rows[0]["date"] >= rows[-1]["date"]  # newest first
    jp = [r for r in rows if r["rule"] == "us.s232.autos/vehicles_jp"]
    assert jp and jp[-1]["date"] == "2025-09-16" and jp[-1]["rate"] == pytest.approx(0.15)
    csv = client.get("/api/changes", params={"since": "2025-09-01", "until": "2025-09-30", "format": "csv"})
    assert csv.text.startswith("date,rule,")
    assert all("2025-09-01" <= line[:10] <= "2025-09-30" for line in csv.text.splitlines()[1:])
    feed = client.get("/feed.atom")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(feed.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = root.findall("a:entry", ns)
    assert entries and all(
        e.find("a:id", ns) is not None and e.find("a:updated", ns) is not None for e in entries
    )
    _bad(client.get("/api/changes", params={"since": "soon"}), "since")


# --- analytics --------------------------------------------------------------------------------------


@needs_schedule
def test_etr_partners_and_group(client: TestClient) -> None:
    q = {"partners": "JP,EU27", "start": "2025-09-10", "end": "2025-09-20"}
    rows = client.get("/api/etr", params=q).json()
    assert {r["partner"] for r in rows} == {"JP", "EU27"}
    jp = [r for r in rows if r["partner"] == "JP"]
    assert all(0 < r["etr"] < 0.3 for r in rows)
    assert jp[0]["date"] == "2025-09-10" and jp[-1]["date"] == "2025-09-20"
    # the Japan vehicle deal (15% all-in from 2025-09-16) lowers Japan's ETR
    assert [r["date"] for r in jp][1:-1] == ["2025-09-16"] and jp[1]["etr"] < jp[0]["etr"]
    csv = client.get("/api/etr", params={**q, "format": "csv"})
    assert csv.status_code == 200 and "etr" in csv.text.splitlines()[0]
    _bad(client.get("/api/etr", params={**q, "partners": "JP,QQ"}), "partners")
    _bad(client.get("/api/etr", params={**q, "end": "2025-01-01"}), "end")
    _bad(client.get("/api/etr", params={**q, "view": "bogus"}), "view")


@needs_schedule
def test_exposure_diff_rank_refunds_events(client: TestClient) -> None:
    r = client.get("/api/exposure", params={"partner": "JP", "date": "2025-10-01"})
    assert r.status_code == 200, r.text
    x = r.json()
    assert 0 < x["etr"] < 0.3 and x["duty_usd_per_hour"] == pytest.approx(x["duty_usd_per_year"] / 8760)
    assert x["top_products"] and x["composition"]
    d = client.get("/api/diff", params={"partner": "JP", "from": "2025-01-01", "to": "2025-10-01"}).json()
    assert d["etr_change"] > 0 and d["measures"]
    rk = client.get("/api/rank", params={"date": "2025-10-01", "partners": "JP,LS,CN", "top": 2}).json()
    assert [r["rank"] for r in rk] == [1, 2, None] and rk[-1]["partner"] == "ALL"
    assert rk[0]["etr"] <= rk[1]["etr"]
    rf = client.get("/api/refunds", params={"partner": "JP"})
    assert rf.status_code == 200, rf.text
    ev = client.get(
        "/api/events", params={"partner": "JP", "start": "2025-01-01", "end": "2025-12-31"}
    ).json()
    assert any(e["heading"] == "9903.94.41" for e in ev)
    _bad(client.get("/api/exposure", params={"partner": "QQ", "date": "2025-10-01"}), "partner")
    _bad(client.get("/api/diff", params={"partner": "JP", "from": "x", "to": "2025-10-01"}), "from")


@needs_schedule
def test_us_wide_exposure_agrees_with_us_rates_and_is_computed_once(client: TestClient) -> None:
    """``partner=ALL`` (every partner's imports pooled, seconds of work) gives the journalist view's
    US-wide figures, and is then answered from memory (issue 10: every endpoint bounded)."""
    from tariffscope.web.services import analytics

    q = {"partner": "ALL", "date": "2025-10-01", "view": "statutory"}
    x = client.get("/api/exposure", params=q)
    assert x.status_code == 200, x.text
    x = x.json()
    us = client.get("/api/us-rates", params={"date": "2025-10-01", "view": "statutory"}).json()["us"]
    assert x["members"] == "all partners" and x["imports_usd"] == pytest.approx(us["imports_usd"], rel=1e-9)
    assert x["etr"] == pytest.approx(us["etr"], rel=1e-9)
    assert x["duty_usd_per_year"] == pytest.approx(us["duty_usd_per_year"], rel=1e-9)
    hits = analytics._analytics.cache_info().hits
    assert client.get("/api/exposure", params=q).json() == x
    assert analytics._analytics.cache_info().hits == hits + 1


def test_identical_cold_computations_run_once() -> None:
    """Concurrent requests for one cold answer compute it once (the others wait for it); a failure is
    not remembered."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from tariffscope.web.services.state import memo

    calls: list[int] = []
    lock = threading.Lock()

    @memo(4)
    def slow(x: int) -> int:
        with lock:
            calls.append(x)
        time.sleep(0.3)
        return 2 * x

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(slow, [1, 1, 1, 1])) == [2, 2, 2, 2]
    assert calls == [1]
    assert slow(2) == 4 and calls == [1, 2]
    tries = [0]

    @memo(4)
    def flaky() -> int:
        tries[0] += 1
        if tries[0] == 1:
            raise ValueError("first try fails")
        return tries[0]

    with pytest.raises(ValueError):
        flaky()
    assert flaky() == 2 and flaky() == 2


@needs_schedule
def test_groups_work_end_to_end_or_are_refused(client: TestClient) -> None:
    """Every group the dashboard offers (``/api/countries``) is priced by exposure and refunds under its
    own name, as its members pooled (not refused, and never another partner's figures)."""
    groups = [c["iso2"] for c in client.get("/api/countries").json() if c.get("group")]
    assert "EU27" in groups and "USMCA" in groups
    x = client.get("/api/exposure", params={"partner": "USMCA", "date": "2025-10-01"})
    assert x.status_code == 200, x.text
    x = x.json()
    assert x["partner"] == "USMCA" and sorted(x["members"]) == ["CA", "MX"]
    ca, mx = (
        client.get("/api/exposure", params={"partner": p, "date": "2025-10-01"}).json() for p in ("CA", "MX")
    )
    assert x["imports_usd"] == pytest.approx(ca["imports_usd"] + mx["imports_usd"], rel=1e-9)
    assert x["duty_usd_per_year"] == pytest.approx(
        ca["duty_usd_per_year"] + mx["duty_usd_per_year"], rel=1e-6
    )
    rf = client.get("/api/refunds", params={"partner": "CHINA_HK"})
    assert rf.status_code == 200, rf.text
    rows = rf.json()
    assert rows and {r["partner"] for r in rows} == {"CHINA_HK"}
    cn = client.get("/api/refunds", params={"partner": "CN"}).json()
    assert sum(r["collected_usd"] for r in rows) > sum(r["collected_usd"] for r in cn) > 0


def test_refunds_are_bounded(client: TestClient) -> None:
    """Every partner's refunds at once take minutes and gigabytes: the API asks for a partner instead."""
    _bad(client.get("/api/refunds"), "partner")
    _bad(client.get("/api/refunds", params={"partner": "ALL"}), "partner")


# --- scenarios --------------------------------------------------------------------------------------


def test_scenarios_listed(client: TestClient) -> None:
    rows = client.get("/api/scenarios").json()
    assert any(r["id"] == "current-law" for r in rows)


@needs_schedule
def test_lab_levers_move_the_results(client: TestClient) -> None:
    # Lesotho (Phase 2 country rate 15%, EO 14326 Annex I): few lines, so the test stays fast
    base = {"partner": "LS", "effective": "2025-08-07", "date": "2025-10-01"}
    lo = client.post("/api/lab", json={**base, "reciprocal_rate": 0.15}).json()
    hi = client.post("/api/lab", json={**base, "reciprocal_rate": 0.30}).json()
    assert lo["etr_after"] == pytest.approx(lo["etr_before"], abs=1e-9)  # 15% is current law
    assert lo["markets_moved"] == 0 and lo["partner_exports_change_usd"] == 0
    assert hi["etr_after"] > lo["etr_after"]
    assert hi["partner_exports_change_usd"] < 0 < hi["diversion_to_others_usd"]
    assert hi["totals"]["tariff_revenue_change_usd"] != 0
    assert {r["partner"] for r in hi["by_partner"]} > {"LS", "CN"}
    _bad(client.post("/api/lab", json={**base, "auto_rate": 0.25}), "auto_rate")  # no vehicle rule of its own


@needs_schedule
def test_lab_named_scenario_on_its_own_date(client: TestClient) -> None:
    """The "IEEPA struck down" scenario starts in 2026: on the lever date it would show zeros."""
    dates = {s["id"]: s["date"] for s in client.get("/api/scenarios").json()}
    r = client.post("/api/lab", json={"partner": "LS", "scenario": "ieepa-struck-down"})
    assert r.status_code == 200, r.text
    x = r.json()
    assert x["date"] == dates["ieepa-struck-down"] != "2025-10-01"
    assert x["etr_after"] < x["etr_before"] and x["markets_moved"] > 0
    assert x["partner_exports_change_usd"] > 0
    # scenario run answers from the same evaluation: its row for the partner is the lab's figures
    run = client.post("/api/scenarios/run", json={"scenarios": ["ieepa-struck-down"], "partners": ["LS"]})
    assert run.status_code == 200, run.text
    (row,) = run.json()
    assert (row["partner"], row["etr"], row["etr_against"]) == ("LS", x["etr_after"], x["etr_before"])
    assert row["exports_change_usd"] == x["partner_exports_change_usd"]


def test_lab_bad_levers(client: TestClient) -> None:
    _bad(
        client.post(
            "/api/lab",
            json={"partner": "JP", "reciprocal_rate": 0.2, "effective": "2025-09-01", "until": "2025-08-01"},
        ),
        "until",
    )
    _bad(client.post("/api/lab", json={"partner": "JP", "reciprocal_rate": 5}), "reciprocal_rate")
    _bad(client.post("/api/lab", json={"partner": "QQ", "reciprocal_rate": 0.2}), "partner")
    _bad(client.post("/api/lab", json={"partner": "JP"}), "reciprocal_rate")
    _bad(client.post("/api/lab", json={"partner": "JP", "reciprocal_rate": 0.2, "date": "2025-1-1"}), "date")
    _bad(client.post("/api/lab", json={"partner": "JP", "scenario": "../../etc/passwd"}), "scenario")


def test_no_request_path_reaches_the_file_system(tmp_path: Path) -> None:
    """Scenario names are looked up in the shipped list; a path-like name is refused before any open."""
    from tariffscope.web.routes import lab

    with pytest.raises(sv.InputError) as e:
        lab.shipped_name(str(tmp_path / "x.yaml"))
    assert e.value.field == "scenario"
    assert io is not None


def test_package_comparator_shows_both_sides_of_two_packages(client: TestClient) -> None:
    listed = {p["id"] for p in client.get("/api/packages").json()}
    assert {"japan-2025", "japan-2025-no-auto-relief"} <= listed
    r = client.get("/api/packages/compare", params={"ids": "japan-2025,japan-2025-no-auto-relief"})
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    us = {x["package"]: x for x in rows if x["side"] == "US market"}
    assert {x["side"] for x in rows} == {"US market", "JP market", "one world (GSIM)"}
    world = {x["package"]: x for x in rows if "GSIM" in x["side"]}
    # in one world market the deal raises the price Japanese exporters get, less so without the car relief
    assert (
        world["japan-2025"]["partner_world_price_change"]
        > world["japan-2025-no-auto-relief"]["partner_world_price_change"]
        > 0
    )
    assert all(set(x) >= set(rows[0]) for x in rows)  # every row carries the table's columns
    # against the July letter, car relief is worth more Japanese exports than the deal without it
    assert (
        us["japan-2025"]["partner_exports_change_usd"]
        > us["japan-2025-no-auto-relief"]["partner_exports_change_usd"]
        > 0
    )
    csv = client.get(
        "/api/packages/compare", params={"ids": "japan-2025,japan-2025-no-auto-relief", "format": "csv"}
    )
    assert csv.status_code == 200 and csv.text.startswith("package,")


def test_long_computations_are_bounded(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """At most ``HEAVY_SLOTS`` long computations run at once; a request that cannot get a slot in time
    gets a 503 with Retry-After in the declared error shape, and quick endpoints keep answering."""
    from tariffscope.web.services import state

    monkeypatch.setattr(state, "HEAVY_WAIT_S", 0.05)
    held = 0
    try:
        while state._HEAVY.acquire(blocking=False):
            held += 1
        assert held == state.HEAVY_SLOTS
        for path, q in [
            ("/api/etr", {"partners": "JP"}),
            ("/api/us-rates", {"date": "2025-10-01"}),
            ("/api/refunds", {"partner": "JP"}),
        ]:
            r = client.get(path, params=q)
            assert r.status_code == 503 and r.headers["retry-after"], (path, r.text)
            assert set(r.json()) == {"detail", "field"} and "busy" in r.json()["detail"]
        r = client.post("/api/lab", json={"partner": "JP", "reciprocal_rate": 0.2})
        assert r.status_code == 503
        assert client.get("/api/countries").status_code == 200
    finally:
        for _ in range(held):
            state._HEAVY.release()
    schema = client.get("/openapi.json").json()
    assert "503" in schema["paths"]["/api/etr"]["get"]["responses"]
