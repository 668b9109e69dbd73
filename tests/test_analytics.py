"""Exposure, diff, rank and refunds on the shipped weights: identities, shares and the Japan facts."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
from typer.testing import CliRunner

from tariffscope.analytics.common import (
    HOURS_PER_YEAR,
    SectorError,
    measure_events,
    parse_sector,
    partner_weights,
)
from tariffscope.analytics.diff import diff
from tariffscope.analytics.etr import etr_series
from tariffscope.analytics.exposure import exposure, line_rates
from tariffscope.analytics.rank import rank
from tariffscope.analytics.refunds import COLLECTION_END, refunds
from tariffscope.cli.main import app
from tariffscope.trade.weights import load_weights

D_PRE = dt.date(2025, 3, 1)  # before the 2025 measures reached Japan
D_AUTOS = dt.date(2025, 6, 2)  # 232 autos at 25% on top of MFN
D_DEAL = dt.date(2025, 10, 1)  # US-Japan agreement in force (15% all-in, cars included)


@pytest.fixture(scope="module")
def weights() -> pl.DataFrame:
    return load_weights()


@pytest.fixture(scope="module")
def jp(weights: pl.DataFrame) -> pl.DataFrame:
    return weights.filter(pl.col("partner") == "JP")


@pytest.fixture(scope="module")
def jp_deal(jp: pl.DataFrame) -> dict:
    return exposure("JP", D_DEAL, weights=jp)


def test_parse_sector() -> None:
    assert parse_sector("mvh").gtap == ("mvh",)
    s = parse_sector("84-85")
    assert s.chapters == ("84", "85") and not s.gtap
    both = parse_sector("01-03, ele")
    assert both.chapters == ("01", "02", "03") and both.gtap == ("ele",)
    for bad in ("cars", "85-84", "100", ""):
        with pytest.raises(SectorError):
            parse_sector(bad)


def test_japan_composition(jp_deal: dict) -> None:
    comp = pl.DataFrame(jp_deal["composition"])
    assert comp["share"].sum() == pytest.approx(1.0)
    assert comp["imports_usd"].sum() == pytest.approx(jp_deal["imports_usd"])
    assert comp["duty_usd_per_year"].sum() == pytest.approx(jp_deal["duty_usd_per_year"])
    mvh = comp.filter(pl.col("sector") == "mvh").row(0, named=True)
    # "a little over a third" of Japan's 2024 exports to the US are cars and parts (research notes, §6)
    assert 0.33 < mvh["share"] < 0.40
    assert comp["sector"][0] == "mvh"  # the largest sector
    # 2024 US imports from Japan: about $148-152 bn
    assert 140e9 < jp_deal["imports_usd"] < 160e9


def test_exposure_identities(jp_deal: dict) -> None:
    e = jp_deal
    assert e["duty_usd_per_hour"] == pytest.approx(e["duty_usd_per_year"] / HOURS_PER_YEAR)
    assert e["additional_duty_usd_per_hour"] == pytest.approx(e["additional_duty_usd_per_year"] / 8760)
    assert e["etr"] == pytest.approx(e["duty_usd_per_year"] / e["imports_usd"])
    auth = pl.DataFrame(e["authorities"])
    assert auth["etr_contribution"].sum() == pytest.approx(e["etr"])
    mfn = auth.filter(pl.col("authority") == "mfn")["etr_contribution"][0]
    assert e["etr_additional"] == pytest.approx(e["etr"] - mfn)
    assert ((auth["share_of_imports"] >= 0) & (auth["share_of_imports"] <= 1)).all()
    # no IEEPA duties or Section 301 on Japan under the deal; 232 and the reciprocal floor apply
    assert auth.filter(pl.col("authority") == "s301")["duty_usd_per_year"][0] == 0
    assert auth.filter(pl.col("authority") == "ieepa_fentanyl")["duty_usd_per_year"][0] == 0
    assert auth.filter(pl.col("authority") == "s232")["share_of_imports"][0] > 0.3
    top = e["top_products"]
    assert len(top) == 10
    duties = [p["duty_usd_per_year"] for p in top]
    assert duties == sorted(duties, reverse=True)
    for p in top:
        assert sum(p["rates"].values()) == pytest.approx(p["total_rate"])
    assert e["weights_grain"] == "raked_spread"
    assert set(e) >= {
        "partner", "date", "imports_usd", "etr", "duty_usd_per_year", "duty_usd_per_hour",
        "additional_duty_usd_per_hour", "weights_grain", "composition",
    }  # fmt: skip
    assert set(e["composition"][0]) >= {"sector", "imports_usd", "share", "etr", "duty_usd_per_year"}


def test_exposure_agrees_with_etr_series(jp: pl.DataFrame, jp_deal: dict) -> None:
    s = etr_series(jp, D_DEAL, D_DEAL, partners=["JP"], daily=False)
    row = s.filter(pl.col("partner") == "JP").row(0, named=True)
    assert row["etr"] == pytest.approx(jp_deal["etr"])
    assert row["imports_usd"] == pytest.approx(jp_deal["imports_usd"])


def test_sector_filter_is_a_part_of_the_whole(jp: pl.DataFrame, jp_deal: dict) -> None:
    mvh = exposure("JPN", D_DEAL, "mvh", weights=jp)  # ISO3 accepted
    rest = exposure("JP", D_DEAL, ",".join(g for g in _gtaps(jp) if g != "mvh"), weights=jp)
    assert mvh["partner"] == "JP"
    assert mvh["imports_usd"] + rest["imports_usd"] == pytest.approx(jp_deal["imports_usd"], rel=1e-9)
    assert mvh["duty_usd_per_year"] + rest["duty_usd_per_year"] == pytest.approx(
        jp_deal["duty_usd_per_year"], rel=1e-9
    )
    ch = exposure("JP", D_DEAL, "84-85", weights=jp)
    assert {c["sector"] for c in ch["composition"]} <= set(
        _gtaps(jp.filter(pl.col("hts10").str.slice(0, 2).is_in(["84", "85"])))
    )


def _gtaps(w: pl.DataFrame) -> list[str]:
    return w["gtap"].drop_nulls().unique().to_list()


def _line(hts10: str, on: dt.date, as_of: dt.date | None = None) -> float:
    w = pl.DataFrame({"hts10": [hts10], "partner": ["JP"], "imports_usd": [1e6], "gtap": ["x"]})
    r = line_rates(w, on, as_of=as_of)
    assert r["matched"][0], f"{hts10} not priced on {on}"
    return float(r["total_rate"][0])


def test_japan_cars_and_general_goods() -> None:
    car = "8703230190"  # passenger car, MFN 2.5%
    assert _line(car, D_PRE) == pytest.approx(0.025)
    assert _line(car, D_AUTOS) == pytest.approx(0.275)
    assert _line(car, D_DEAL) == pytest.approx(0.15)
    toy = "9503000090"  # toys, MFN free: the general-goods timeline of the research notes
    assert _line(toy, D_PRE) == pytest.approx(0.0)
    assert _line(toy, dt.date(2025, 5, 1)) == pytest.approx(0.10)  # 9903.01.25 baseline
    assert _line(toy, D_DEAL) == pytest.approx(0.15)  # max(MFN, 15%)
    # collected at the time: +15% stacked (9903.02.30) before the agreement was recorded, 2025-09-16
    mfn5 = "6403996075"  # footwear, MFN > 0
    known_then = _line(mfn5, dt.date(2025, 8, 20), as_of=dt.date(2025, 8, 31))
    latest = _line(mfn5, dt.date(2025, 8, 20))
    assert latest == pytest.approx(max(0.15, known_then - 0.15))
    assert known_then > latest


def test_measure_events_japan() -> None:
    ev = measure_events("JP", dt.date(2025, 1, 1), dt.date(2026, 3, 1))
    heads = {(r["heading"], r["event"], r["date"]) for r in ev.iter_rows(named=True)}
    assert ("9903.01.53", "start", dt.date(2025, 4, 9)) in heads
    assert ("9903.01.53", "end", dt.date(2025, 4, 10)) in heads
    assert ("9903.02.73", "start", dt.date(2025, 8, 7)) in heads
    assert ("9903.02.73", "end", dt.date(2026, 2, 24)) in heads
    # 9903.02.30 is visible only with the knowledge of before 2025-09-16
    assert "9903.02.30" not in ev["heading"].to_list()
    then = measure_events("JP", dt.date(2025, 8, 1), dt.date(2025, 8, 31), as_of=dt.date(2025, 8, 31))
    assert "9903.02.30" in then["heading"].to_list()
    # a rule for other countries never shows
    assert not ev["heading"].is_in(["9903.94.51", "9903.94.61"]).any()


def test_diff_japan_deal(jp: pl.DataFrame) -> None:
    d = diff("JP", dt.date(2025, 9, 1), D_DEAL, weights=jp, top=50)
    assert d["etr_change"] == pytest.approx(d["after"]["etr"] - d["before"]["etr"])
    assert d["etr_change"] < 0  # the deal lowered Japan's rate
    assert d["duty_change_usd_per_hour"] == pytest.approx(d["duty_change_usd_per_year"] / HOURS_PER_YEAR)
    heads = {m["heading"] for m in d["measures"]}
    assert {"9903.94.41", "9903.94.43"} <= heads  # Japanese cars and parts at 15% from 2025-09-16
    cars = [p for p in d["products"]["top"] if p["hts10"].startswith("8703")]
    assert cars and all(p["new_rate"] < p["old_rate"] for p in cars)
    assert any(p["old_rate"] == pytest.approx(0.275) and p["new_rate"] == pytest.approx(0.15) for p in cars)
    changes = [abs(p["duty_change_usd_per_year"]) for p in d["products"]["top"]]
    assert changes == sorted(changes, reverse=True)
    for p in d["products"]["top"]:
        assert p["duty_change_usd_per_year"] == pytest.approx(
            (p["new_rate"] - p["old_rate"]) * p["imports_usd"]
        )
    # the product moves add up to the duty change (lines that did not move contribute nothing)
    full = diff("JP", dt.date(2025, 9, 1), D_DEAL, weights=jp, top=100_000)
    total = sum(p["duty_change_usd_per_year"] for p in full["products"]["top"])
    assert total == pytest.approx(d["duty_change_usd_per_year"], rel=1e-6)


def test_rank(weights: pl.DataFrame) -> None:
    sub = weights.filter(pl.col("partner").is_in(["JP", "CA", "MX", "DE", "KR", "CN", "GB", "CH"]))
    r = rank(D_DEAL, weights=sub)
    ranked = r.filter(pl.col("rank").is_not_null())
    assert ranked["rank"].to_list() == list(range(1, ranked.height + 1))
    assert ranked["etr"].to_list() == sorted(ranked["etr"].to_list())
    assert r.filter(pl.col("partner") == "JP")["vs_reference_pp"][0] == pytest.approx(0.0)
    all_row = r.filter(pl.col("partner") == "ALL").row(0, named=True)
    assert all_row["imports_usd"] == pytest.approx(ranked["imports_usd"].sum())
    assert all_row["duty_usd_per_year"] == pytest.approx(ranked["duty_usd_per_year"].sum())
    cn = r.filter(pl.col("partner") == "CN")["etr"][0]
    assert cn > r.filter(pl.col("partner") == "JP")["etr"][0]  # China pays 301 and fentanyl on top


def test_refunds_bitemporal(jp: pl.DataFrame) -> None:
    w = jp.filter(pl.col("hts10").str.slice(0, 2).is_in(["64", "90", "95"]))  # no 232 autos/metals
    r = refunds(["JP"], weights=w, start=dt.date(2025, 7, 20), end=dt.date(2025, 10, 31))
    assert r["month"].to_list() == [dt.date(2025, m, 1) for m in (7, 8, 9, 10)]
    ann = float(w["imports_usd"].sum())
    assert r["imports_usd"][0] == pytest.approx(ann / 12 * 12 / 31)  # July 20-31 of 31 days
    assert r["imports_usd"][1] == pytest.approx(ann / 12)
    assert (r["imports_basis"] == "annual/12").all()
    tot = r["refund_deals_usd"] + r["refund_ruling_usd"]
    assert (r["refund_total_usd"] - tot).abs().max() < 1e-6
    assert ((r["collected_usd"] - r["owed_after_ruling_usd"] - r["refund_total_usd"]).abs() < 1e-6).all()
    m = {x["month"].month: x for x in r.iter_rows(named=True)}
    # MFN + 15% stacked collected in August and the first half of September, refunded by the deal
    assert m[8]["refund_deals_usd"] > 0 and m[9]["refund_deals_usd"] > 0
    assert m[8]["refund_deals_usd"] > m[9]["refund_deals_usd"]
    assert m[7]["refund_deals_usd"] == pytest.approx(0.0, abs=1e-6)
    assert m[10]["refund_deals_usd"] == pytest.approx(0.0, abs=1e-6)
    # every IEEPA dollar is refunded after the ruling
    for x in m.values():
        assert x["refund_total_usd"] >= x["collected_ieepa_usd"] - 1e-6 or x["refund_deals_usd"] < 0
        assert x["owed_after_ruling_usd"] <= x["owed_latest_usd"] + 1e-9


def test_refunds_monthly_weights(jp: pl.DataFrame) -> None:
    w = jp.filter(pl.col("hts10").str.slice(0, 2) == "95")
    monthly = w.select("hts10", "partner", (pl.col("imports_usd") / 10).alias("imports_usd")).with_columns(
        pl.lit(dt.date(2025, 9, 1)).alias("month")
    )
    r = refunds(
        ["JP"], weights=w, monthly_weights=monthly, start=dt.date(2025, 8, 1), end=dt.date(2025, 9, 30)
    )
    by = {x["month"].month: x for x in r.iter_rows(named=True)}
    assert by[9]["imports_basis"] == "monthly" and by[8]["imports_basis"] == "annual/12"
    assert by[9]["imports_usd"] == pytest.approx(float(w["imports_usd"].sum()) / 10)


def test_collection_end_is_the_day_before_ieepa_ended() -> None:
    ev = measure_events("JP", dt.date(2026, 2, 1), dt.date(2026, 3, 1))
    ends = ev.filter((pl.col("authority") == "ieepa_reciprocal") & (pl.col("event") == "end"))
    assert ends.height and ends["date"].min() == COLLECTION_END + dt.timedelta(days=1)


def test_partner_weights_errors(weights: pl.DataFrame) -> None:
    from tariffscope.errors import UnknownCountry

    with pytest.raises(UnknownCountry):
        partner_weights(weights, "XX")


def test_cli_exposure_json_and_errors() -> None:
    runner = CliRunner()
    res = runner.invoke(
        app, ["exposure", "JP", "--date", "2025-10-01", "--sector", "mvh", "--format", "json", "--top", "3"]
    )
    assert res.exit_code == 0, res.output
    e = json.loads(res.stdout)
    assert e["partner"] == "JP" and e["sector"].startswith("mvh") and len(e["top_products"]) == 3
    assert e["composition"][0]["share"] == pytest.approx(1.0)
    bad = runner.invoke(app, ["exposure", "JP", "--date", "2025-10-01", "--sector", "cars"])
    assert bad.exit_code == 2 and "unknown sector" in bad.output
    bad = runner.invoke(app, ["exposure", "ZZ", "--date", "2025-10-01"])
    assert bad.exit_code == 2 and "unknown country" in bad.output


def test_cli_etr_json_rows() -> None:
    res = CliRunner().invoke(
        app, ["etr", "--partner", "JP", "--from", "2025-04-03", "--to", "2025-04-12", "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    jp = [r for r in rows if r["partner"] == "JP"]
    assert [r["date"] for r in jp] == [str(dt.date(2025, 4, 3) + dt.timedelta(days=i)) for i in range(10)]
    by_day = {r["date"]: r["etr"] for r in jp}
    assert (
        by_day["2025-04-09"] > by_day["2025-04-08"] > by_day["2025-04-04"]
    )  # 10% baseline, then 24% for a day
    assert by_day["2025-04-10"] == pytest.approx(by_day["2025-04-08"])
    assert {"etr_additional", "etr_mfn", "etr_s232", "etr_refundable", "weights_grain", "view"} <= set(jp[0])


def test_respread_conserves_sector_totals(weights: pl.DataFrame) -> None:
    from tariffscope.analytics.approx import spread_variants

    v = spread_variants("CA", weights)
    exact = v["exact"]
    for name in ("in_sample", "leave_one_out"):
        assert v[name]["imports_usd"].sum() == pytest.approx(exact["imports_usd"].sum(), rel=1e-9)
        assert (v[name]["imports_usd"] >= 0).all()

    # the leave-one-out shape spreads Canada's value by the other partners' lines: it differs from the
    # in-sample spread, which is closer to the exact lines
    def l1(a: pl.DataFrame) -> float:
        j = exact.join(a, on=["hts10", "partner"], how="full", coalesce=True)
        return float((j["imports_usd"].fill_null(0) - j["imports_usd_right"].fill_null(0)).abs().sum())

    assert l1(v["in_sample"]) < l1(v["leave_one_out"])


def test_spread_gap_table(weights: pl.DataFrame) -> None:
    from tariffscope.analytics.approx import spread_gap

    g = spread_gap(["CA"], [D_DEAL], weights=weights)
    assert g.height == 2 and set(g["view"]) == {"statutory", "adjusted"}
    for r in g.iter_rows(named=True):
        assert r["gap_leave_one_out_pp"] == pytest.approx(100 * (r["etr_leave_one_out"] - r["etr_exact"]))
    st, ad = (g.filter(pl.col("view") == v).row(0, named=True) for v in ("statutory", "adjusted"))
    # USMCA claims lower Canada's rate from exact and from spread weights alike (spread rows carry no
    # split and claim at the shipped shares), so the owed view's gap is the spread's error alone, of
    # the statutory gap's order, not the claims' 15 pp it was when spread rows claimed nothing
    for name in ("exact", "shipped", "in_sample", "leave_one_out"):
        assert st[f"etr_{name}"] - ad[f"etr_{name}"] > 0.15, name
    assert abs(ad["gap_in_sample_pp"]) < 1.0 and abs(ad["gap_leave_one_out_pp"]) < 1.5
