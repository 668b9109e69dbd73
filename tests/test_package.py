"""Negotiation packages: both sides, by sector and in total, with the timeline; errors name file and field."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest

from tariffscope.errors import CatalogueError, DataError
from tariffscope.scenarios.overlay import PACKAGES_DIR, parse_package
from tariffscope.scenarios.package import evaluate_package, evaluate_partner, partner_law
from tariffscope.scenarios.schema import PartnerSide
from test_scenario_evaluate import CAR, TOY, engine_rates

WEIGHTS = pl.DataFrame(
    [(CAR, "JP", 40e9), (CAR, "KR", 30e9), (CAR, "DE", 20e9), (TOY, "JP", 1e9), (TOY, "CN", 20e9)],
    schema=["hts10", "partner", "imports_usd"],
    orient="row",
)


@pytest.fixture(scope="module")
def result():  # type: ignore[no-untyped-def]
    return evaluate_package("japan-2025", weights=WEIGHTS, rates_fn=engine_rates)


def test_us_side_the_deal_against_the_letter(result) -> None:  # type: ignore[no-untyped-def]
    assert result.spec.illustrative
    us = result.us_summary()
    assert us["scenario"] == "the-deal" and us["against"] == "july-letter" and us["partner"] == "JP"
    assert us["etr"] < us["etr_against"]
    assert us["exports_change_usd"] > 0  # the deal lets Japan sell more than under the letter
    assert us["duty_change_usd_per_year"] < 0
    losers = {d["partner"] for d in us["diversion"] if d["exports_change_usd"] < 0}
    assert "KR" in losers  # Korea gives back the share it would have taken
    sec = result.us_by_sector()
    assert float(sec["duty_change_usd"].sum()) == pytest.approx(us["duty_change_usd_per_year"], rel=1e-9)


def test_partner_side_channels_add_up(result) -> None:  # type: ignore[no-untyped-def]
    j = result.to_json()
    ps = j["partner_side"]
    ch = ps["us_exports_change_by_channel_usd"]
    assert set(ch) == {"tariff", "ntm", "trq", "purchase"}
    assert sum(ch.values()) == pytest.approx(ps["us_exports_change_usd"], abs=1.0)
    assert ch["trq"] == pytest.approx(187.5e6)  # rice: +75% of the US MA share, fill rate 1
    assert ch["tariff"] > 0 and ch["ntm"] > 0 and ch["purchase"] > 0
    assert ps["duty_change_usd_per_year"] == pytest.approx(900e6 * (0.18 - 0.216))
    assert ps["consumer_price_change"] < 0  # tariff cut and NTM removal lower prices
    # by product: quantity channels move no prices; the beef cut lowers the US beef price by the wedge
    prod = result.partner_by_product()
    beef = prod.filter(pl.col("product") == "020230").row(0, named=True)
    assert beef["us_price_change"] == pytest.approx(1.18 / 1.216 - 1)
    assert -0.03 < beef["consumer_price_change"] < 0
    rice = prod.filter(pl.col("product") == "100630").row(0, named=True)
    assert rice["consumer_price_change"] == 0 and rice["others_change_usd"] == pytest.approx(-187.5e6)
    sec = result.partner_by_sector()
    assert float(sec["us_exports_change_usd"].sum()) == pytest.approx(ps["us_exports_change_usd"], abs=1.0)


def test_timeline_merges_deadlines(result) -> None:  # type: ignore[no-untyped-def]
    dates = [t["date"] for t in result.timeline]
    assert dates == sorted(dates)
    labels = " | ".join(t["label"] for t in result.timeline)
    assert "Agreement announced" in labels and "Letter's 25% would take effect" in labels
    assert dt.date(2025, 9, 16) in dates


def test_package_errors_name_file_and_field(tmp_path: Path) -> None:
    src = (PACKAGES_DIR / "japan-2025.yaml").read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(src.replace("partner: JP", "partner: Japan"))
    with pytest.raises(CatalogueError, match=r"bad.yaml:\d+: partner"):
        parse_package(bad)
    bad.write_text(src.replace("against: july-letter", "against: july-leter"))
    with pytest.raises(CatalogueError, match="no shipped scenario 'july-leter'"):
        evaluate_package(bad, weights=WEIGHTS, rates_fn=engine_rates)


def test_user_partner_csv(tmp_path: Path) -> None:
    shutil.copy(PACKAGES_DIR / "japan_partner_side.csv", tmp_path / "p.csv")
    with pytest.raises(DataError, match="t0 is blank; give it, or name the partner's catalogue"):
        evaluate_partner(tmp_path / "p.csv")  # its US tariffs come from Japan's catalogue
    side = PartnerSide(data="p.csv", importer="JP", claim="japan_us")
    law = partner_law(side, tmp_path / "pkg.yaml", tmp_path / "p.csv", dt.date(2025, 10, 1))
    lines, totals = evaluate_partner(tmp_path / "p.csv", sigma=3.0, eta=-1.0, law=law)
    assert totals["elasticities"]["sigma_source"] == "user"
    assert set(lines["source"].unique().to_list()) >= {"US", "AU", "BR"}
    bad = tmp_path / "bad.csv"
    bad.write_text("row_type,product,source,imports_usd,t0\nflows,100630,US,1,0\n")
    with pytest.raises(DataError, match="row 2 row_type"):
        evaluate_partner(bad)


def test_partner_side_and_world_market_carry_a_band(result) -> None:  # type: ignore[no-untyped-def]
    """Both the partner side and the GSIM view carry low/high ends over the elasticity band."""
    ps = result.to_json()["partner_side"]
    rng = ps["range"]
    for k in ("us_exports_change_usd", "tariff_revenue_change_usd", "welfare_change_usd"):
        lo, hi = rng[k]
        assert lo <= ps[k] <= hi, k
    lo, hi = rng["us_exports_change_usd"]
    assert lo < hi  # the price channels respond to the elasticities (the quantity ones do not)
    world = result.to_json()["world_market"]
    wlo, whi = world["range"]["producer_surplus_change_usd"]
    assert wlo <= world["partner"]["producer_surplus_change_usd"] <= whi and wlo < whi
    assert set(world["range"]) >= {"US_welfare_change_usd", "JP_welfare_change_usd", "ROW_welfare_change_usd"}
