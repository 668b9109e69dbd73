"""Scenario evaluation: exact PE reductions, closed-form SMART limits, conservation, monotonicity, JSON rows."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tariffscope.catalogue.loader import Catalogue, default_catalogue
from tariffscope.models.pe import run_pe
from tariffscope.resolver.engine import Engine
from tariffscope.scenarios.evaluate import ADDITIVE, compare, evaluate, pe_effects

CAR, PART, TOY, CHIP = "8703230190", "8708995500", "9503000073", "8542310001"
MFN = {CAR: 0.025, PART: 0.025, TOY: 0.0, CHIP: 0.0}
JSON_KEYS = {
    "scenario",
    "partner",
    "date",
    "etr",
    "duty_usd_per_year",
    "exports_change_usd",
    "diversion",
    "us_consumer_cost_usd",
    "tariff_revenue_change_usd",
    "welfare_change_usd",
}


def engine_rates(pairs: pl.DataFrame, on: dt.date, cat: Catalogue, view: str) -> pl.DataFrame:
    """Rates from the stacking engine with fixed MFN rates (the schedule is not needed for these lines)."""
    rows = pairs.select(
        "hts10",
        pl.col("partner").alias("origin"),
        pl.lit(on).alias("date"),
        pl.col("hts10").replace_strict(MFN, return_dtype=pl.Float64).alias("base_rate"),
    )
    r = Engine(cat).run(rows).frame()
    return pairs.select("hts10", "partner").with_columns(r["total_rate"])


@pytest.fixture(scope="module")
def weights() -> pl.DataFrame:
    rows = [
        (CAR, "JP", 40e9),
        (CAR, "KR", 30e9),
        (CAR, "DE", 25e9),
        (CAR, "GB", 8e9),
        (PART, "JP", 7e9),
        (PART, "KR", 3e9),
        (PART, "CN", 9e9),
        (TOY, "JP", 1e9),
        (TOY, "CN", 20e9),
        (TOY, "VN", 4e9),
        (CHIP, "JP", 2e9),
        (CHIP, "TW", 6e9),
    ]
    return pl.DataFrame(rows, schema=["hts10", "partner", "imports_usd"], orient="row")


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return default_catalogue()


def _eval(name: str, weights: pl.DataFrame, cat: Catalogue, **kw: object):  # type: ignore[no-untyped-def]
    return evaluate(name, weights=weights, base=cat, rates_fn=engine_rates, **kw)  # type: ignore[arg-type]


# -- the PE core ----------------------------------------------------------------------------------------------


def _random_flows(seed: int, n_products: int = 40) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    codes = [f"{8400000000 + 10 * i:010d}" for i in range(n_products)]
    partners = ["JP", "KR", "DE", "CN", "MX", "VN"]
    rows = []
    for c in codes:
        for p in rng.choice(partners, size=rng.integers(1, len(partners) + 1), replace=False):
            t0 = float(rng.choice([0.0, 0.1, 0.15, 0.25]))
            rows.append((c, str(p), float(rng.uniform(1e6, 1e9)), t0))
    f = pl.DataFrame(rows, schema=["hts10", "partner", "imports_usd", "t0"], orient="row")
    # classes of partners share rates (as country classes do); JP moves in most products
    return f.with_columns(
        pl.when(pl.col("partner").is_in(["JP", "KR"]) & (pl.col("hts10").str.slice(8, 1) != "0"))
        .then(pl.col("t0") + 0.1)
        .when(pl.col("partner") == "JP")
        .then(pl.col("t0") + 0.14)
        .otherwise(pl.col("t0"))
        .alias("t1")
    )


@pytest.mark.parametrize("supply", ["infinite", "elastic"])
def test_class_reduction_is_exact(supply: str) -> None:
    f = _random_flows(3)
    fast = pe_effects(f, supply=supply)  # type: ignore[arg-type]
    direct = run_pe(f, supply=supply).lines  # type: ignore[arg-type]
    j = fast.join(direct, on=["hts10", "partner"], suffix="_d")
    assert j.height == f.height
    for c in ADDITIVE:
        np.testing.assert_allclose(j[c].to_numpy(), j[c + "_d"].to_numpy(), rtol=1e-9, atol=1e-3)


def test_hash_classes_equal_exact_grouping() -> None:
    f = _random_flows(6)
    a, b = pe_effects(f), pe_effects(f, hash_classes=False)
    assert a.columns == b.columns
    for c in ADDITIVE:
        np.testing.assert_allclose(a[c].to_numpy(), b[c].to_numpy(), rtol=1e-12)


def test_unchanged_products_have_no_effects() -> None:
    f = _random_flows(4).with_columns(pl.col("t0").alias("t1"))
    e = pe_effects(f)
    for c in ADDITIVE:
        if c in ("imports_new_usd", "tariff_revenue0_usd", "tariff_revenue1_usd"):
            continue
        assert float(e[c].abs().max()) == 0.0  # type: ignore[arg-type]
    assert e["imports_new_usd"].equals(e["imports_usd"])


def test_smart_closed_form_limits() -> None:
    """One source, infinite supply: M1 = M ((1+t1)/(1+t0))^eta exactly; small dt -> WITS TC = M eta dt/(1+t0)."""
    f = pl.DataFrame({"hts10": [CAR], "partner": ["JP"], "imports_usd": [1e9], "t0": [0.15], "t1": [0.275]})
    e = pe_effects(f)
    eta = float(e["eta"][0])
    assert eta < 0
    assert float(e["imports_new_usd"][0]) == pytest.approx(1e9 * (1.275 / 1.15) ** eta, rel=1e-9)
    assert float(e["us_price_change"][0]) == pytest.approx(1.275 / 1.15 - 1, rel=1e-9)
    small = f.with_columns(pl.lit(0.15 + 1e-5).alias("t1"))
    tc = float(pe_effects(small)["imports_change_usd"][0])
    assert tc == pytest.approx(1e9 * eta * 1e-5 / 1.15, rel=1e-4)
    # two sources, only one taxed: the exact Armington shares (first-order CES limit of SMART diversion)
    two = pl.DataFrame(
        {
            "hts10": [CAR, CAR],
            "partner": ["JP", "KR"],
            "imports_usd": [1e9, 1e9],
            "t0": [0.1, 0.1],
            "t1": [0.1 + 1e-5, 0.1],
        }
    )
    e2 = pe_effects(two)
    sigma = float(e2["sigma"][0])
    td = e2["trade_diversion_usd"].to_numpy()
    # WITS/Laird-Yeats: TD_c = M_c M_K sigma x/(M_c + M_K + M_c sigma x), x = relative price change of competitors
    x = -1e-5 / 1.1
    assert td[0] == pytest.approx(1e9 * 1e9 * sigma * x / (2e9 + 1e9 * sigma * x), rel=1e-3)
    assert td.sum() == pytest.approx(0.0, abs=1e-3)


def test_conservation_diversion_sums_to_zero_per_product() -> None:
    e = pe_effects(_random_flows(5))
    per = e.group_by("hts10").agg(pl.col("trade_diversion_usd").sum(), pl.col("imports_usd").sum())
    assert float((per["trade_diversion_usd"].abs() / per["imports_usd"]).max()) < 1e-9  # type: ignore[operator]
    # decomposition: creation + diversion + price effect = change of each line
    lhs = e["trade_creation_usd"] + e["trade_diversion_usd"] + e["price_effect_usd"]
    np.testing.assert_allclose(lhs.to_numpy(), e["imports_change_usd"].to_numpy(), atol=1e-3)


@settings(max_examples=30, deadline=None)
@given(
    t0=st.floats(0.0, 0.5),
    d1=st.floats(0.0, 0.5),
    d2=st.floats(0.0, 0.5),
    supply=st.sampled_from(["infinite", "elastic"]),
)
def test_monotonicity_higher_tariff_never_raises_taxed_exports(
    t0: float, d1: float, d2: float, supply: str
) -> None:
    base = pl.DataFrame(
        {
            "hts10": [CAR, CAR, CAR, TOY, TOY],
            "partner": ["JP", "KR", "DE", "JP", "CN"],
            "imports_usd": [4e10, 3e10, 2e10, 1e9, 2e10],
            "t0": [t0, 0.15, 0.15, t0, 0.3],
        }
    )
    lo, hi = sorted([d1, d2])

    def jp_exports(d: float) -> float:
        f = base.with_columns(
            pl.when(pl.col("partner") == "JP").then(pl.col("t0") + d).otherwise(pl.col("t0")).alias("t1")
        )
        e = pe_effects(f, supply=supply)  # type: ignore[arg-type]
        return float(e.filter(pl.col("partner") == "JP")["imports_new_usd"].sum())

    assert jp_exports(hi) <= jp_exports(lo) + 1e-6
    assert jp_exports(lo) <= jp_exports(0.0) + 1e-6


# -- scenarios end to end (engine rates, small weights) ---------------------------------------------------------


def test_the_deal_equals_current_law(weights: pl.DataFrame, cat: Catalogue) -> None:
    res = _eval("the-deal", weights, cat)
    assert res.date == dt.date(2025, 10, 1)
    assert float(res.lines["imports_change_usd"].abs().sum()) == 0.0
    row = res.row("JP")
    assert row["exports_change_usd"] == 0 and row["diversion"] == []
    assert row["etr"] == row["etr_against"] > 0


def test_pause_lapses_cuts_japan_and_diverts_to_others(weights: pl.DataFrame, cat: Catalogue) -> None:
    res = _eval("pause-lapses", weights, cat)
    jp_car = res.lines.filter((pl.col("partner") == "JP") & (pl.col("hts10") == CAR))
    assert jp_car["t0"][0] == pytest.approx(0.15) and jp_car["t1"][0] == pytest.approx(0.275)
    row = res.row("JP")
    assert set(row) >= JSON_KEYS
    assert row["exports_change_usd"] < 0
    assert row["etr"] > row["etr_against"]
    assert row["us_consumer_cost_usd"] > 0 and row["tariff_revenue_change_usd"] != 0
    gainers = {d["partner"]: d["exports_change_usd"] for d in row["diversion"]}
    assert gainers["KR"] > 0 and gainers["DE"] > 0  # Korea and Germany take Japan's car share
    assert "JP" not in gainers
    assert row["elasticities"]["supply"] == "elastic" and "sigma_sources" in row["elasticities"]
    total = res.row("ALL")
    assert total["exports_change_usd"] == pytest.approx(float(res.lines["imports_change_usd"].sum()), abs=0.1)


def test_july_letter_hurts_japan_more_than_pause_lapses(weights: pl.DataFrame, cat: Catalogue) -> None:
    rows, results = compare(
        ["current-law", "pause-lapses", "july-letter"], weights=weights, base=cat, rates_fn=engine_rates
    )
    jp = {r["scenario"]: r for r in rows if r["partner"] == "JP"}
    assert set(jp) == {"current-law", "pause-lapses", "july-letter"}
    assert jp["current-law"]["exports_change_usd"] == 0
    assert jp["july-letter"]["exports_change_usd"] <= jp["pause-lapses"]["exports_change_usd"] < 0
    assert {r["partner"] for r in rows} == {"JP", "ALL"}
    assert len(results) == 3


def test_no_auto_relief_changes_only_autos(weights: pl.DataFrame, cat: Catalogue) -> None:
    res = _eval("no-auto-relief", weights, cat)
    moved = res.lines.filter(pl.col("t1") != pl.col("t0"))
    assert set(moved["hts10"].to_list()) <= {CAR, PART, CHIP}
    assert set(moved["partner"].to_list()) == {"JP"}
    sec = res.by_sector("JP")
    assert float(sec["duty_change_usd"].sum()) == pytest.approx(
        res.row("JP")["duty_change_usd_per_year"], rel=1e-6
    )


def test_ieepa_struck_down_lowers_duties_everywhere(weights: pl.DataFrame, cat: Catalogue) -> None:
    res = _eval("ieepa-struck-down", weights, cat)
    assert res.date == dt.date(2026, 3, 2)
    assert float((res.lines["t1"] - res.lines["t0"]).max()) <= 0  # type: ignore[operator]
    toys = res.lines.filter(pl.col("hts10") == TOY)
    assert (toys["t1"] < toys["t0"]).all()
    assert res.row("ALL")["tariff_revenue_change_usd"] < 0


def test_date_override_and_against(weights: pl.DataFrame, cat: Catalogue) -> None:
    early = _eval("pause-lapses", weights, cat, date=dt.date(2025, 7, 1))
    assert float(early.lines["imports_change_usd"].abs().sum()) == 0.0
    rev = _eval("the-deal", weights, cat, against="july-letter")
    assert rev.row("JP")["exports_change_usd"] > 0  # the deal against the letter: Japan sells more


def test_partial_reresolution_equals_full(weights: pl.DataFrame, cat: Catalogue) -> None:
    from tariffscope.scenarios.evaluate import changed_partners, scenario_rates
    from tariffscope.scenarios.overlay import build_catalogue, load_scenario

    on = dt.date(2025, 10, 1)
    pairs = weights.select("hts10", "partner")
    cat0 = build_catalogue("current-law", cat)
    for name in ("pause-lapses", "july-letter", "no-auto-relief", "ieepa-struck-down", "the-deal"):
        full = scenario_rates(load_scenario(name), on, pairs, base=cat, rates_fn=engine_rates)
        got = _eval(name, weights, cat, date=on).lines.select("hts10", "partner", pl.col("t1").alias("rate"))
        assert got.sort("hts10", "partner").equals(full.sort("hts10", "partner")), name
    assert changed_partners(cat0, build_catalogue("pause-lapses", cat)) == {"JP"}
    assert changed_partners(cat0, build_catalogue("ieepa-struck-down", cat)) is None
    assert changed_partners(cat0, cat0) == set()


def test_elasticity_overrides_are_used_and_reported(weights: pl.DataFrame, cat: Catalogue) -> None:
    low = _eval("pause-lapses", weights, cat, overrides=[{"prefix": "8703", "sigma": 1.0}])
    high = _eval("pause-lapses", weights, cat)
    car = pl.col("hts10") == CAR
    assert low.lines.filter(car)["sigma"].drop_nulls().unique().to_list() == [1.0]
    assert "override:8703" in low.row("JP")["elasticities"]["sigma_sources"]
    # less substitution: Japan loses less of the car market and Korea gains less
    assert low.row("JP")["exports_change_usd"] > high.row("JP")["exports_change_usd"]
    kr = {d["partner"]: d["exports_change_usd"] for d in low.row("JP")["diversion"]}["KR"]
    kr_hi = {d["partner"]: d["exports_change_usd"] for d in high.row("JP")["diversion"]}["KR"]
    assert 0 < kr < kr_hi


# -- one baseline: comparisons are differences of solutions --------------------------------------------------------

SCENARIOS = ["current-law", "pause-lapses", "july-letter", "no-auto-relief", "the-deal", "ieepa-struck-down"]
ON = dt.date(2025, 10, 1)
MONEY = ["exports_change_usd", "us_welfare_change_usd", "us_consumer_cost_usd", "exporter_surplus_change_usd"]


@pytest.fixture(scope="module")
def solved(weights: pl.DataFrame, cat: Catalogue) -> dict[tuple[str, str], dict[str, dict[str, object]]]:
    """Every ordered pair of scenarios on one date, rows by partner (engine rates, small weights)."""
    out = {}
    for a in SCENARIOS:
        for b in SCENARIOS:
            res = _eval(a, weights, cat, date=ON, against=b, bands=False)
            out[a, b] = {p: res.row(p) for p in ("JP", "KR", "ALL")}
    return out


@settings(max_examples=40, deadline=None)
@given(
    a=st.sampled_from(SCENARIOS),
    b=st.sampled_from(SCENARIOS),
    c=st.sampled_from(SCENARIOS),
    partner=st.sampled_from(["JP", "KR", "ALL"]),
)
def test_comparisons_are_antisymmetric_and_chain(
    solved: dict[tuple[str, str], dict[str, dict[str, object]]], a: str, b: str, c: str, partner: str
) -> None:
    """compare A --against B = -(compare B --against A), and A->B + B->C = A->C (all from one baseline)."""
    for k in MONEY:
        ab, ba = solved[a, b][partner][k], solved[b, a][partner][k]
        bc, ac = solved[b, c][partner][k], solved[a, c][partner][k]
        assert (
            isinstance(ab, float)
            and isinstance(ba, float)
            and isinstance(bc, float)
            and isinstance(ac, float)
        )
        assert ab == pytest.approx(-ba, abs=1.0)
        assert ab + bc == pytest.approx(ac, rel=1e-9, abs=1.0)


def test_the_issue_pair_is_symmetric(solved: dict[tuple[str, str], dict[str, dict[str, object]]]) -> None:
    """The issue's numbers: the deal against the July letter and back (was +121% one way, -$53B the other)."""
    deal, letter = solved["the-deal", "july-letter"]["JP"], solved["july-letter", "the-deal"]["JP"]
    assert deal["exports_change_usd"] > 0
    assert deal["exports_change_usd"] == pytest.approx(-letter["exports_change_usd"], abs=1.0)  # type: ignore[operator]
    lapse = solved["july-letter", "pause-lapses"]["JP"]["exports_change_usd"]
    lapse_deal = solved["pause-lapses", "the-deal"]["JP"]["exports_change_usd"]
    assert lapse + lapse_deal == pytest.approx(letter["exports_change_usd"], abs=1.0)  # type: ignore[operator]


def test_baseline_is_the_law_of_2025_01_01(weights: pl.DataFrame, cat: Catalogue) -> None:
    res = _eval("the-deal", weights, cat, against="baseline", bands=False)
    assert res.baseline_date == dt.date(2025, 1, 1) and res.against == "baseline"
    jp_car = res.lines.filter((pl.col("partner") == "JP") & (pl.col("hts10") == CAR))
    assert jp_car["tb"][0] == pytest.approx(0.025) and jp_car["t0"][0] == pytest.approx(0.025)
    assert jp_car["t1"][0] == pytest.approx(0.15)
    # from the 2024 flows, the deal's 15% on cars lowers Japan's car sales (it raised them by 73% when the
    # July letter was taken as the equilibrium)
    assert float(jp_car["imports_change_usd"][0]) < 0
    w2025 = weights.with_columns(pl.lit(2025).alias("data_year"))
    assert _eval("the-deal", w2025, cat, bands=False).baseline_date == dt.date(2026, 1, 1)


def test_partner_rows_add_up_to_all_with_revenue_on_diverted_imports(
    weights: pl.DataFrame, cat: Catalogue
) -> None:
    """US welfare per partner includes the revenue on imports diverted to others; partner rows sum to ALL."""
    for name in ("pause-lapses", "ieepa-struck-down", "the-deal"):
        res = _eval(name, weights, cat, against="july-letter" if name == "the-deal" else "current-law")
        rows = [res.row(p) for p in res.partners]
        total = res.row("ALL")
        for k in (
            "us_welfare_change_usd",
            "us_consumer_cost_usd",
            "welfare_change_usd",
            "exports_change_usd",
        ):
            assert sum(r[k] for r in rows) == pytest.approx(total[k], abs=0.05 * len(rows)), (name, k)
        assert sum(r["tariff_revenue_change_usd"] + r["tariff_revenue_other_partners_usd"] for r in rows) == (
            pytest.approx(total["tariff_revenue_change_usd"], abs=0.1 * len(rows))
        )
    lapse = _eval("pause-lapses", weights, cat).row("JP")
    # Japan's higher rates divert car imports to Korea and Germany, which pay duty too: the US keeps that revenue
    assert lapse["tariff_revenue_other_partners_usd"] > 0


def test_every_row_carries_a_band(weights: pl.DataFrame, cat: Catalogue) -> None:
    res = _eval("pause-lapses", weights, cat, horizon="long")
    row = res.row("JP")
    assert row["horizon"] == "long" and set(res.bands) == {"low", "high"}
    lo, hi = row["range"]["exports_change_usd"]
    assert lo <= row["exports_change_usd"] <= hi and lo < hi
    short = _eval("pause-lapses", weights, cat, horizon="short").row("JP")
    assert abs(short["exports_change_usd"]) < abs(row["exports_change_usd"])  # trade responds slowly
    table = _eval("pause-lapses", weights, cat, horizon="table")
    assert (
        table.bands == {}
        and table.row("JP")["range"]["exports_change_usd"][0] == table.row("JP")["exports_change_usd"]
    )


def test_scenarios_default_to_the_owed_view(cat: Catalogue) -> None:
    """USMCA claims count by default: Mexico's claimed car trade is calibrated and solved at the owed rate."""
    w = pl.DataFrame(
        {
            "hts10": [CAR, CAR],
            "partner": ["MX", "JP"],
            "imports_usd": [50e9, 40e9],
            "usmca_share": [1.0, None],
        }
    )
    owed = evaluate("pause-lapses", weights=w, base=cat, bands=False)
    ceiling = evaluate("pause-lapses", weights=w, base=cat, bands=False, view="statutory")
    assert owed.view == "adjusted" and owed.row("MX")["view"] == "adjusted"
    assert ceiling.row("MX")["view_label"].startswith("statutory")
    mx = owed.lines.filter(pl.col("partner") == "MX").row(0, named=True)
    mx_ceiling = ceiling.lines.filter(pl.col("partner") == "MX").row(0, named=True)
    assert mx_ceiling["tb"] == pytest.approx(0.025)  # MFN on cars, nothing claimed
    assert mx["tb"] < mx_ceiling["tb"] - 0.005 and mx["t1"] < mx_ceiling["t1"] - 0.05
