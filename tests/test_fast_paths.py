"""The faster paths behind the slow REST endpoints give the same answers as the paths they replace.

Keys by integer codes against keys by string joins (``analytics.etr._keys``), and line rates priced in
place against the unique-and-join they replaced (``analytics.exposure.line_rates``)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from tariffscope.analytics import etr as etr_mod
from tariffscope.analytics.exposure import LINE_RATES, line_rates
from tariffscope.catalogue.loader import default_catalogue
from tariffscope.resolver.panel import country_classes
from tariffscope.trade.weights import load_weights

DAY = dt.date(2025, 10, 1)


@pytest.fixture(scope="module")
def weights() -> pl.DataFrame:
    """Spread and exact partners, USMCA and FTA claimants, and partners sharing a country class."""
    return load_weights().filter(pl.col("partner").is_in(["JP", "CA", "MX", "KR", "AU", "DE", "FR", "CN"]))


@pytest.mark.parametrize("view", ["adjusted", "statutory"])
@pytest.mark.parametrize("on", [DAY, None])
def test_coded_keys_equal_the_joined_keys(
    weights: pl.DataFrame, view: etr_mod.View, on: dt.date | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    classes = country_classes(default_catalogue(), on, None)
    ck = etr_mod._claim_kind(weights.select("hts10", "partner", "usmca_share"), view)
    fast = etr_mod._keys(ck, view, classes)
    monkeypatch.setattr(etr_mod, "_coded_keys", lambda *_: None)
    slow = etr_mod._keys(ck, view, classes)
    assert fast[0].equals(slow[0])
    assert np.array_equal(fast[1], slow[1])
    if view == "adjusted":
        assert fast[2] is not None and slow[2] is not None and np.array_equal(fast[2], slow[2])
        assert (fast[2] >= 0).sum() > 1000  # the claims were exercised
    else:
        assert fast[2] is None and slow[2] is None


def test_codes_fall_back_to_joins_on_codes_that_are_not_ten_digits(weights: pl.DataFrame) -> None:
    classes = country_classes(default_catalogue(), DAY, None)
    odd = pl.concat([weights.head(50), weights.head(5).with_columns(pl.lit("8703.23.01").alias("hts10"))])
    ck = etr_mod._claim_kind(odd.select("hts10", "partner", "usmca_share"), "adjusted")
    keys, k0, _ = etr_mod._keys(ck, "adjusted", classes)
    assert "8703.23.01" in keys["hts10"].to_list() and k0.size == odd.height


def test_line_rates_in_place_equal_unique_and_join(weights: pl.DataFrame) -> None:
    """The old path: the rates of the unique pairs joined back onto the weight rows."""
    new = line_rates(weights, DAY)
    pairs = weights.select("hts10", "partner", "usmca_share").unique(subset=["hts10", "partner"])
    rates = etr_mod.rates_for_pairs(pairs, DAY)
    old = (
        weights.join(rates.drop("usmca_share"), on=["hts10", "partner"], how="left")
        .with_columns(
            pl.col("total_rate").is_not_null().alias("matched"),
            *[pl.col(c).fill_null(0.0) for c in LINE_RATES],
        )
        .with_columns(
            (pl.col("imports_usd") * pl.col("total_rate")).alias("duty_usd"),
            (pl.col("imports_usd") * pl.col("rate_mfn")).alias("mfn_duty_usd"),
        )
    )
    assert new.height == weights.height and new.columns == old.columns
    assert new.sort("hts10", "partner").equals(old.sort("hts10", "partner"))


def _small_weights() -> pl.DataFrame:
    from test_scenario_evaluate import CAR, TOY

    rows = [(CAR, "JP", 40e9), (CAR, "KR", 30e9), (CAR, "DE", 20e9), (TOY, "JP", 1e9), (TOY, "CN", 20e9)]
    return pl.DataFrame(rows, schema=["hts10", "partner", "imports_usd"], orient="row")


def test_diversion_reuses_the_scenario_solve_when_only_the_partner_moves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The deal against the July letter moves Japan's rates only: its diversion is the scenario's own solve,
    equal to solving again with only Japan's rates changed (the path kept for scenarios moving others)."""
    from tariffscope.scenarios.evaluate import evaluate
    from tariffscope.scenarios.pe_solve import pe_compare
    from test_scenario_evaluate import engine_rates

    res = evaluate("the-deal", DAY, against="july-letter", weights=_small_weights(), rates_fn=engine_rates)
    lines = res.lines
    assert lines.filter((pl.col("partner") != "JP") & (pl.col("t1") != pl.col("t0"))).is_empty()
    moved = lines.filter((pl.col("partner") == "JP") & (pl.col("t1") != pl.col("t0"))).select("hts10")
    sub = lines.join(moved.unique(), on="hts10", how="semi").select(
        "hts10", "partner", "imports_usd", "tb", "t0", "t1"
    )
    again = (
        pe_compare(sub, supply=res.supply, elasticity=res.elasticity)
        .filter(pl.col("partner") != "JP")
        .group_by("partner")
        .agg(pl.col("imports_change_usd").sum().alias("exports_change_usd"))
    )
    import tariffscope.scenarios.result as result_mod

    def no_second_solve(*_: object, **__: object) -> None:
        raise AssertionError("solved again")

    monkeypatch.setattr(result_mod, "pe_compare", no_second_solve)
    got = res._diversion("JP")
    assert got.height == again.height > 0
    j = got.join(again, on="partner", suffix="_again")
    assert j.height == got.height
    assert (j["exports_change_usd"] - j["exports_change_usd_again"]).abs().max() <= 1e-6  # type: ignore[operator]


def test_package_rows_need_no_band() -> None:
    """The comparator's rows are the same whether the elasticity bands (US side, world market) are solved."""
    from tariffscope.scenarios.lab import package_rows
    from tariffscope.scenarios.package import evaluate_package
    from test_scenario_evaluate import engine_rates

    w = _small_weights()
    full = evaluate_package("japan-2025", weights=w, rates_fn=engine_rates)
    lean = evaluate_package("japan-2025", weights=w, rates_fn=engine_rates, bands=False)
    assert full.us.bands and not lean.us.bands
    assert full.world is not None and lean.world is not None and full.world.range and not lean.world.range
    assert package_rows(lean) == package_rows(full)


def test_rates_attach_by_position_only_when_aligned() -> None:
    from tariffscope.scenarios.evaluate import _with_rate

    lines = _small_weights()
    r = lines.select("hts10", "partner", pl.Series("r", [0.1, 0.2, 0.3, 0.4, 0.5]))
    aligned = _with_rate(lines, r, "t0")
    shuffled = _with_rate(lines, r.reverse(), "t0")
    partial = _with_rate(lines, r.tail(2), "t0")
    assert aligned["t0"].to_list() == shuffled["t0"].to_list() == [0.1, 0.2, 0.3, 0.4, 0.5]
    assert partial["t0"].to_list() == [None, None, None, 0.4, 0.5]
