"""ETR views and uncertainty: the owed view by default, the statutory ceiling labelled, a weights band."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from typer.testing import CliRunner

from tariffscope.analytics.etr import VIEW_LABELS, etr_series
from tariffscope.cli.main import app
from tariffscope.trade.weights import load_weights

DAY = dt.date(2026, 1, 1)


@pytest.fixture(scope="module")
def weights() -> pl.DataFrame:
    return load_weights().filter(pl.col("partner").is_in(["JP", "CA", "DE"]))


def test_default_view_is_owed_and_statutory_is_a_labelled_ceiling(weights: pl.DataFrame) -> None:
    owed = etr_series(weights, DAY, DAY, daily=False)
    ceiling = etr_series(weights, DAY, DAY, daily=False, view="statutory")
    assert owed["view"].unique().to_list() == ["adjusted"]
    assert ceiling["view_label"].unique().to_list() == ["no preference claimed: a ceiling"]
    assert owed["view_label"][0] == VIEW_LABELS["adjusted"]
    j = owed.join(ceiling, on=["date", "partner"], suffix="_stat")
    # claims only lower duty: the statutory ETR is a ceiling of the owed one, partner by partner
    assert (j["etr"] <= j["etr_stat"] + 1e-12).all()
    ca = j.filter(pl.col("partner") == "CA").row(0, named=True)
    assert ca["etr_stat"] - ca["etr"] > 0.05  # most Canadian trade enters under USMCA


def test_band_brackets_the_etr_and_is_zero_for_exact_partners(weights: pl.DataFrame) -> None:
    df = etr_series(weights, DAY, DAY, daily=False)
    assert ((df["etr_band_lo"] <= df["etr"] + 1e-12) & (df["etr"] <= df["etr_band_hi"] + 1e-12)).all()
    by = {r["partner"]: r for r in df.iter_rows(named=True)}
    assert by["CA"]["etr_band_hi"] - by["CA"]["etr_band_lo"] < 1e-12  # exact HTS10 data: no spread
    assert by["JP"]["etr_band_hi"] - by["JP"]["etr_band_lo"] > 0.002  # spread partner: a real band


def test_cli_table_names_view_weights_and_band() -> None:
    r = CliRunner().invoke(
        app, ["etr", "--from", "2026-01-01", "--to", "2026-01-01", "-p", "JP"], env={"COLUMNS": "80"}
    )
    assert r.exit_code == 0, r.output
    assert "adjusted view (owed" in r.output and "weights raked_spread" in r.output and "band" in r.output
    assert max(len(line) for line in r.output.splitlines()) <= 80
    r = CliRunner().invoke(
        app, ["etr", "--from", "2026-01-01", "--to", "2026-01-01", "-p", "JP", "--view", "statutory"]
    )
    assert "no preference claimed: a ceiling" in r.output


def test_usmca_claims_follow_the_month_and_the_july_2025_break() -> None:
    from tariffscope.trade import claims

    assert [claims.period_of(dt.date(y, m, 5)) for y, m in ((2024, 6), (2025, 3), (2025, 12), (2026, 2))] == [
        1,
        3,
        12,
        claims.LATEST,
    ]
    w = load_weights().filter(pl.col("partner") == "CA")
    s = claims.share_matrix(w.select("hts10", "partner", "usmca_share"), [6, 7, claims.LATEST])
    v = w["imports_usd"].to_numpy()
    june, july, latest = (float((s[:, k] * v).sum() / v.sum()) for k in range(3))
    assert june < 0.65 < 0.8 < july and latest > 0.8  # the break, in the owed view's weights
    df = etr_series(w, dt.date(2025, 6, 30), dt.date(2025, 7, 1), daily=True)
    e = dict(zip(df["date"].to_list(), df["etr"].to_list(), strict=True))
    assert e[dt.date(2025, 7, 1)] < e[dt.date(2025, 6, 30)] - 0.03  # same law, more claims


def test_usmca_vehicles_pay_232_on_non_us_content_only() -> None:
    from tariffscope.analytics.etr import rates_for_pairs
    from tariffscope.trade.claims import USMCA_VEHICLE_US_CONTENT

    pairs = pl.DataFrame({"hts10": ["8703230190"], "partner": ["MX"], "usmca_share": [1.0]})
    r = rates_for_pairs(pairs, dt.date(2025, 6, 2), view="adjusted").row(0, named=True)
    # claimed in full in June 2025 at the line's own monthly share; the 232 applies to the non-US part
    share = r["claim_share"]
    assert r["rate_s232"] == pytest.approx(0.25 * (1 - share * USMCA_VEHICLE_US_CONTENT), abs=1e-9)


def test_fta_claims_waive_mfn_where_the_programme_is_free_and_floors_recompute() -> None:
    """KORUS (special programme KR, HTS General Note 3(c)(i)) makes T-shirts Free; Korea's 15% floor
    then charges the reciprocal duty on the whole 15% (EO 14345 floor, note 2(v)). China: no FTA."""
    from tariffscope.analytics.etr import rates_for_pairs

    pairs = pl.DataFrame({"hts10": ["6109100012", "6109100012"], "partner": ["KR", "CN"]})
    owed = rates_for_pairs(pairs, DAY).rows_by_key("partner", named=True)
    stat = rates_for_pairs(pairs, DAY, view="statutory").rows_by_key("partner", named=True)
    kr, kr0 = owed["KR"][0], stat["KR"][0]
    assert kr["claim_kind"] == "fta" and 0.5 < kr["claim_share"] <= 1
    s = kr["claim_share"]
    assert kr0["total_rate"] == pytest.approx(0.165)  # MFN 16.5% already above the floor
    assert kr["total_rate"] == pytest.approx((1 - s) * 0.165 + s * 0.15)
    assert owed["CN"][0]["claim_kind"] is None
    assert owed["CN"][0]["total_rate"] == pytest.approx(stat["CN"][0]["total_rate"])


def test_reality_check_sets_collected_duties_beside_the_owed_view() -> None:
    from tariffscope.analytics.collected import collected, reality_check

    c = collected()
    assert (
        c["source"].str.contains("Monthly Treasury Statement").all()
        and c["url"].str.starts_with("http").all()
    )
    s = etr_series(load_weights(), dt.date(2025, 6, 1), dt.date(2025, 7, 31))
    r = reality_check(s)
    assert r["month"].to_list() == [dt.date(2025, 6, 1), dt.date(2025, 7, 1)]
    june = r.row(0, named=True)
    assert june["basis"] == "net" and june["collected_usd"] == 26.6e9  # net preferred over gross
    assert (r["ratio"] < 1).all() and (r["ratio"] > 0.3).all()  # the wedge: collected below owed
    out = CliRunner().invoke(
        app, ["etr", "--from", "2025-06-01", "--to", "2025-06-30"], env={"COLUMNS": "80"}
    )
    assert out.exit_code == 0 and "Reality check" in out.output and "$26.60B" in out.output
