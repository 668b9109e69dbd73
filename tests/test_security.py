"""The security report on a loaded exact-HTS10 fixture (shares and HHI by hand), on the shipped weights
(grain fallback), its data tables and the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from tariffscope.analytics.security import SecurityError, dependence, level_for, security_report
from tariffscope.analytics.security_data import critical_goods, flag_critical, load_cards
from tariffscope.cli.main import app
from tariffscope.errors import DataError
from tariffscope.scenarios.security_levers import with_package
from tariffscope.trade.store import TradeStore
from tariffscope.trade.weights import load_weights

FIX = Path(__file__).parent / "fixtures" / "security" / "us_imports_hts10_2025.csv"
D = dt.date(2026, 1, 1)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("sec") / "t.duckdb"
    with TradeStore(db) as s:
        s.load_file(FIX)
    return db


@pytest.fixture(scope="module")
def fixture_weights(store: Path) -> pl.DataFrame:
    return load_weights(store, 2025)


def _by_code(r: dict) -> dict:
    return {p["code"]: p for p in r["products"]}


def test_shares_and_hhi_by_hand(fixture_weights: pl.DataFrame) -> None:
    r = security_report("JP", D, weights=fixture_weights, top=0, min_usd=0)
    assert r["level"] == "hts10" and r["weights_grain"] == "hts10_exact" and r["data_year"] == [2025]
    assert r["supplier_universe"]["partners"] == 9 and "only 9 partners" in r["grain_note"]
    p = _by_code(r)
    assert set(p) == {"8486.20.00.00", "8486.40.00.10", "8703.23.01.90", "8471.50.01.50", "2846.90.20.05"}
    sme = p["8486.20.00.00"]  # JP 250+350 (two months), NL 300, KR 100
    assert sme["us_imports_from_partner_usd"] == 600
    assert sme["partner_share_of_us_imports"] == pytest.approx(0.6)
    assert sme["supplier_hhi"] == pytest.approx(0.6**2 + 0.3**2 + 0.1**2)
    assert sme["top_alternatives"] == [
        {"partner": "NL", "share": pytest.approx(0.3)},
        {"partner": "KR", "share": pytest.approx(0.1)},
    ]
    assert sme["critical"] and "semiconductor_equipment" in sme["critical_lists"]
    cars = p["8703.23.01.90"]  # JP 400, MX 300, DE 200, KR 100
    assert cars["partner_share_of_us_imports"] == pytest.approx(0.4)
    assert cars["supplier_hhi"] == pytest.approx(0.16 + 0.09 + 0.04 + 0.01)
    assert not cars["critical"]
    # Japanese cars on 2026-01-01: all-in 15% under EO 14345 (9903.94.41, MFN 2.5% < 15%)
    assert cars["tariff_rate"] == pytest.approx(0.15)
    ree = p["2846.90.20.05"]  # CN 700, JP 200, EE 100
    assert ree["partner_share_of_us_imports"] == pytest.approx(0.2)
    assert ree["supplier_hhi"] == pytest.approx(0.49 + 0.04 + 0.01)
    assert ree["top_alternatives"][0] == {"partner": "CN", "share": pytest.approx(0.7)}
    assert "critical_minerals" in ree["critical_lists"]
    # ranked by the partner's share; Japan supplies more than half of US imports of 8486.20
    shares = [x["partner_share_of_us_imports"] for x in r["products"]]
    assert shares == sorted(shares, reverse=True)
    assert r["summary"]["products_partner_share_over_half"] == 1  # 8486.40 is exactly half
    assert r["summary"]["partner_share_of_all_us_imports"] == pytest.approx(1350 / 3900)
    for x in r["products"]:
        assert 0 < x["partner_share_of_us_imports"] <= 1 and 0 < x["supplier_hhi"] <= 1
        assert x["supplier_hhi"] >= x["partner_share_of_us_imports"] ** 2


def test_rates_are_the_owed_view_by_default_and_say_so(fixture_weights: pl.DataFrame) -> None:
    """Like every other figure, the security rates default to the owed view (USMCA claimed as claimed:
    Mexican cars pay less than with no preference claimed) and the JSON names the view."""
    w = fixture_weights.with_columns(  # the loaded rows carry no 2025 share: the shipped monthly table's
        pl.when(pl.col("partner") == "MX").then(0.5).otherwise(None).alias("usmca_share")
    )
    owed = security_report("MX", D, weights=w, top=0, min_usd=0)
    ceiling = security_report("MX", D, weights=w, top=0, min_usd=0, view="statutory")
    assert owed["view"] == "adjusted" and owed["view_label"].startswith("owed")
    assert ceiling["view"] == "statutory" and "ceiling" in ceiling["view_label"]
    car_owed = _by_code(owed)["8703.23.01.90"]["tariff_rate"]
    car_ceiling = _by_code(ceiling)["8703.23.01.90"]["tariff_rate"]
    assert car_owed < car_ceiling
    assert owed["partner_dependence"]["etr"] < ceiling["partner_dependence"]["etr"]
    card = next(c for c in owed["leverage"] if c["card"].startswith("US tariff on the partner"))
    assert "adjusted view" in card["card"] and "statutory" not in card["card"]
    assert "adjusted view" in owed["definitions"]["tariff_rate"]


def test_hs4_aggregates_before_squaring(fixture_weights: pl.DataFrame) -> None:
    r = security_report("JP", D, weights=fixture_weights, level="hs4", top=0, min_usd=0)
    sme = _by_code(r)["8486"]  # JP 700, NL 400, KR 100 of 1,200
    assert sme["partner_share_of_us_imports"] == pytest.approx(700 / 1200)
    assert sme["supplier_hhi"] == pytest.approx((700**2 + 400**2 + 100**2) / 1200**2)
    assert sme["description"].startswith("Machines and apparatus of a kind used solely or principally")
    assert r["summary"]["products_partner_share_over_half"] == 1


def test_any_partner_and_coffee_not_in_japan(fixture_weights: pl.DataFrame) -> None:
    cn = security_report("CHN", D, weights=fixture_weights, top=0, min_usd=0)
    assert cn["partner"] == "CN"
    assert _by_code(cn)["2846.90.20.05"]["partner_share_of_us_imports"] == pytest.approx(0.7)
    br = security_report("BR", D, weights=fixture_weights, top=0, min_usd=0)
    assert _by_code(br)["0901.11.00.15"]["supplier_hhi"] == pytest.approx(0.5)
    with pytest.raises(SecurityError, match="no US imports from FR"):
        security_report("FR", D, weights=fixture_weights)


def test_dependence_frame_directly() -> None:
    w = pl.DataFrame(
        {
            "hts10": ["1111111111"] * 3 + ["2222222222"],
            "partner": ["JP", "KR", "CN", "JP"],
            "imports_usd": [1.0, 1.0, 2.0, 5.0],
        }
    )
    d = dependence(w, "JP", "hts10").sort("code")
    assert d["partner_share_of_us_imports"].to_list() == pytest.approx([0.25, 1.0])
    assert d["supplier_hhi"].to_list() == pytest.approx([0.0625 + 0.0625 + 0.25, 1.0])
    assert d["top_alternatives"][1].to_list() == []


def test_shipped_weights_fall_back_to_gtap_sectors() -> None:
    from tariffscope.trade.weights import gtap_spread

    shipped = gtap_spread()
    shipped = shipped.with_columns(pl.col("grain").cast(pl.String))
    used, note = level_for(shipped, "JP", "hts10")
    assert used == "gtap" and "GTAP-45" in note and "data pull" in note
    r = security_report("JP", D, weights=shipped, top=5)
    assert r["level"] == "gtap" and r["level_requested"] == "hts10" and r["weights_grain"] == "gtap_spread"
    mvh = _by_code(r)["mvh"]
    assert mvh["description"] == "Motor vehicles and parts"
    # the 2024 GTAP table: Japan's share of US motor-vehicle imports is its sector value over the sector total
    g = shipped.group_by("gtap", "partner").agg(pl.col("imports_usd").sum())
    tot = float(g.filter(pl.col("gtap") == "mvh")["imports_usd"].sum())
    jp = float(g.filter((pl.col("gtap") == "mvh") & (pl.col("partner") == "JP"))["imports_usd"].sum())
    assert mvh["partner_share_of_us_imports"] == pytest.approx(jp / tot)
    assert 0.05 < mvh["partner_share_of_us_imports"] < 0.3


def test_leverage_cards_and_partner_dependence(fixture_weights: pl.DataFrame, tmp_path: Path) -> None:
    r = security_report("JP", D, weights=fixture_weights, top=0, min_usd=0)
    tic = [c for c in r["leverage"] if c["card"] == "US Treasury securities held"]
    assert tic and tic[0]["value"] > 1000 and tic[0]["unit"] == "USD bn" and "TIC" in tic[0]["source"]
    assert all(c["source"] for c in r["leverage"])
    pledge = [c for c in r["leverage"] if "pledge" in c["card"]]
    assert pledge[0]["value"] == 550 and "14345" in pledge[0]["source"]
    d = r["partner_dependence"]
    assert 0.1 < d["us_share_of_partner_exports"]["value"] < 0.3
    assert "Ministry of Finance" in d["us_share_of_partner_exports"]["source"]
    cars = next(s for s in d["sectors"] if s["sector"] == "automobiles")
    assert cars["us_side"]["us_imports_usd"] == 400 and cars["us_side"]["etr"] == pytest.approx(0.15)
    assert cars["us_side"]["duty_usd_per_hour"] == pytest.approx(400 * 0.15 / 8760)
    # a user file replaces the shipped cards
    f = tmp_path / "cards.yaml"
    f.write_text(
        "- {partner: JP, side: partner, card: LNG offtake, value: 7, unit: Mt/yr, as_of: 2026-01, source: test}\n"
    )
    r2 = security_report("JP", D, weights=fixture_weights, cards=f, min_usd=0)
    assert [c["card"] for c in r2["leverage"] if c["side"] == "partner"] == ["LNG offtake"]
    # any partner: the WIOD proxy says so
    cn = security_report("CN", D, weights=fixture_weights, min_usd=0)["partner_dependence"]
    assert (
        cn["us_share_of_partner_exports"]["year"] == 2014
        and "proxy" in cn["us_share_of_partner_exports"]["source"]
    )


def test_cards_file_errors_name_the_row(tmp_path: Path) -> None:
    f = tmp_path / "c.csv"
    f.write_text("partner,side,card,value,unit,as_of,source,note\nJP,partner,X,1,USD,2025,,\n")
    with pytest.raises(DataError, match="row 2: field 'source' is empty"):
        load_cards(f)
    f.write_text("partner,side,card,value,unit,as_of,source,note\nJP,partner,X,lots,USD,2025,s,\n")
    with pytest.raises(DataError, match="'lots'"):
        load_cards(f)
    assert load_cards()["source"].is_not_null().all()


def test_critical_lists_come_from_the_law_and_the_documented_list() -> None:
    c = critical_goods()
    assert {"s232_semiconductors", "s232_pharma", "annex_ii", "critical_minerals", "batteries"} <= set(
        c["category"]
    )
    f = flag_critical(pl.Series(["8471500150", "3004909290", "8507600020", "0201100510"]))
    lists = dict(zip(f["hts10"].to_list(), f["critical_lists"].to_list(), strict=True))
    assert "s232_semiconductors" in lists["8471500150"]
    assert "pharmaceuticals" in lists["3004909290"]
    assert "batteries" in lists["8507600020"]
    assert lists["0201100510"] == []  # beef: Annex II only from the 2025-11-13 agricultural additions


def test_cli_json_and_table(store: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(
        app,
        ["security", "JP", "--date", "2026-01-01", "--db", str(store), "--format", "json", "--min-usd", "0"],
    )
    assert res.exit_code == 0, res.output
    r = json.loads(res.output)
    assert {"partner", "date", "weights_grain", "products", "partner_dependence", "leverage"} <= set(r)
    assert r["data_year"] == [2025]  # the latest HTS10 year in the store
    assert {"code", "description", "us_imports_from_partner_usd", "partner_share_of_us_imports", "supplier_hhi",
            "top_alternatives", "critical", "tariff_rate"} <= set(r["products"][0])  # fmt: skip
    res = runner.invoke(app, ["security", "JP", "--date", "2026-01-01", "--db", str(store), "--min-usd", "0"])
    assert res.exit_code == 0 and "8486.20.00.00" in res.output and "hts10_exact" in res.output
    bad = runner.invoke(app, ["security", "JP", "--db", str(store), "--level", "hs5"])
    assert bad.exit_code != 0 and "unknown level" in bad.output and "Traceback" not in bad.output


def test_security_levers_by_hand(fixture_weights: pl.DataFrame, tmp_path: Path) -> None:
    from tariffscope.scenarios.security_levers import apply_levers, lever_effects, parse_levers

    levers = parse_levers(
        [
            {"kind": "shift", "product": "8486.20", "from": "NL", "to": "JP", "share": 0.5},
            {"kind": "purchase", "product": "2846", "partner": "JPN", "usd": 200},
            {"kind": "shift", "product": "8471.50.01.50", "from": "MX", "to": "KR", "share": 1.0},
        ]
    )
    assert levers[1].partner == "JP"
    eff = lever_effects(fixture_weights, levers, "JP")
    sme, ree, comp = (x["after"] for x in eff["levers"])
    assert eff["levers"][0]["before"]["partner_share"] == pytest.approx(0.6)
    assert sme["partner_share"] == pytest.approx(0.75)  # JP 600 + 150 of 1,000
    assert sme["supplier_hhi"] == pytest.approx(0.75**2 + 0.15**2 + 0.1**2)
    assert ree["partner_share"] == pytest.approx(400 / 1200)  # the purchase adds to the total
    assert ree["supplier_hhi"] == pytest.approx((400**2 + 700**2 + 100**2) / 1200**2)
    assert comp["top_supplier"] == {"partner": "KR", "share": pytest.approx(0.6)}  # KR had no such line
    assert eff["partner_exports_to_us_usd"] == {"before": 1350, "after": 1700, "change": 350}
    after = apply_levers(fixture_weights, levers)
    assert after["imports_usd"].sum() == pytest.approx(fixture_weights["imports_usd"].sum() + 200)
    others = parse_levers([{"kind": "shift", "product": "8703", "from": "others", "to": "JP", "share": 0.5}])
    cars = lever_effects(fixture_weights, others, "JP")["levers"][0]["after"]
    assert cars["partner_share"] == pytest.approx(0.7)  # 400 + half of 600
    from tariffscope.errors import CatalogueError

    with pytest.raises(CatalogueError, match="lever 1: share"):
        parse_levers([{"kind": "shift", "product": "8486", "from": "NL", "to": "JP", "share": 1.5}])
    with pytest.raises(CatalogueError, match="needs partner and usd"):
        parse_levers([{"kind": "purchase", "product": "8486"}])
    with pytest.raises(CatalogueError, match="no US imports of 9999"):
        apply_levers(
            fixture_weights,
            parse_levers([{"kind": "purchase", "product": "9999", "partner": "JP", "usd": 1}]),
        )


def test_package_levers_in_the_report(fixture_weights: pl.DataFrame) -> None:
    from tariffscope.scenarios.overlay import package_path, parse_package

    spec, _ = parse_package(package_path("japan-2025-security"))
    assert spec.security and spec.illustrative
    r = with_package("JP", D, "japan-2025-security", weights=fixture_weights, min_usd=0)
    sc = r["scenario"]
    assert sc["package"] == "japan-2025-security"
    buy = next(x for x in sc["levers"] if x["kind"] == "purchase")
    assert buy["critical"] and buy["after"]["us_imports_usd"] == pytest.approx(1200 + 1e9)
    assert sc["partner_exports_to_us_usd"]["change"] == pytest.approx(
        1e9
    )  # no 8507.60 from CN in the fixture
    with pytest.raises(SecurityError, match="no security levers"):
        with_package("JP", D, "japan-2025", weights=fixture_weights, min_usd=0)


def test_api_security_answers_the_cli_json_and_names_bad_fields() -> None:
    from fastapi.testclient import TestClient

    from tariffscope.web.app import create_app

    c = TestClient(create_app(), raise_server_exceptions=False)
    r = c.get("/api/security", params={"partner": "JPN", "date": "2026-01-01", "top": 3})
    assert r.status_code == 200
    body = r.json()
    assert body["partner"] == "JP" and len(body["products"]) == 3 and body["level"] == "gtap"
    assert body["view"] == "adjusted"
    stat = c.get(
        "/api/security", params={"partner": "JP", "date": "2026-01-01", "top": 3, "view": "statutory"}
    )
    assert stat.status_code == 200 and stat.json()["view"] == "statutory"
    assert any(x["card"] == "US Treasury securities held" for x in body["leverage"])
    bad = c.get("/api/security", params={"partner": "XX", "date": "2026-01-01"})
    assert bad.status_code == 422 and bad.json()["field"] == "partner"
    bad = c.get("/api/security", params={"partner": "JP", "date": "2026-13-01"})
    assert bad.status_code == 422 and bad.json()["field"] == "date"
    assert c.get("/security").text.startswith("<!doctype html>")


def test_partner_statistics_shipped_for_korea_and_germany(fixture_weights: pl.DataFrame) -> None:
    kr = security_report("KR", D, weights=fixture_weights, min_usd=0)["partner_dependence"]
    assert kr["us_share_of_partner_exports"]["value"] == pytest.approx(127.8 / 683.8)
    assert "MOTIE" in kr["us_share_of_partner_exports"]["source"]
    de = security_report("DE", D, weights=fixture_weights, min_usd=0)["partner_dependence"]
    assert de["us_share_of_partner_exports"]["value"] == pytest.approx(0.099)  # stated by Destatis


def test_cli_default_year_does_not_read_the_user_store(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --db the answer rests on the shipped weights, whatever the user loaded before (here a
    2025 store in TARIFFSCOPE_HOME that would otherwise become the default year and the only data);
    with --db the output names the store and the year taken from it."""
    import shutil

    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(store, home / "tariffscope.duckdb")
    monkeypatch.setenv("TARIFFSCOPE_HOME", str(home))
    runner = CliRunner()
    args = ["security", "JP", "--date", "2026-01-01", "--format", "json", "--top", "3"]
    r = json.loads(runner.invoke(app, args).stdout)
    assert r["data_year"] == [2024] and r["supplier_universe"]["partners"] > 200
    assert r["weights_source"] == "the shipped 2024 import weights"
    mine = json.loads(runner.invoke(app, [*args, "--year", "2025", "--min-usd", "0"]).stdout)
    assert mine["data_year"] == [2025] and "(--year)" in mine["weights_source"]
    assert str(home / "tariffscope.duckdb") in mine["weights_source"]
    monkeypatch.setenv("TARIFFSCOPE_HOME", str(tmp_path / "empty"))
    assert json.loads(runner.invoke(app, args).stdout)["products"] == r["products"]
    named = json.loads(runner.invoke(app, [*args, "--db", str(store), "--min-usd", "0"]).stdout)
    assert named["data_year"] == [2025]
    assert named["weights_source"] == (
        f"2025 imports loaded in {store} for 9 partner(s) (the latest HTS10 year there)"
    )
    table = runner.invoke(
        app, ["security", "JP", "--date", "2026-01-01", "--db", str(store), "--min-usd", "0"]
    )
    assert table.exit_code == 0 and "the latest HTS10 year there" in " ".join(table.output.split())
