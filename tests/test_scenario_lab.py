"""The scenario lab's domain logic (tariffscope.scenarios.lab): levers as a scenario overlay, errors that
name the lever's field. The PE effects and the package rows are checked through the API in
tests/test_web_api.py (lab and package comparator)."""

from __future__ import annotations

import datetime as dt

import pytest

from tariffscope.catalogue.loader import default_catalogue, rule_rate_on
from tariffscope.errors import TariffscopeError
from tariffscope.scenarios import lab

EFF, ON = dt.date(2025, 8, 7), dt.date(2025, 10, 1)


def test_a_lever_sets_the_partners_own_rules_from_its_date_only() -> None:
    cat = default_catalogue()
    ids = lab.partner_rules(cat, "JP", "reciprocal_country", EFF, ON)
    assert ids, "Japan has reciprocal rules of its own"
    moved = lab.lever_catalogue("JP", {"reciprocal_rate": 0.2}, EFF, None, ON)
    before = {r.id: r.rule for r in cat.rules}
    after = {r.id: r.rule for r in moved.rules}
    for rid in ids:
        assert rule_rate_on(after[rid], ON) == 0.2
        assert rule_rate_on(after[rid], EFF - dt.timedelta(days=1)) == rule_rate_on(
            before[rid], EFF - dt.timedelta(days=1)
        )
    untouched = next(r for r in cat.rules if r.id not in ids)
    assert rule_rate_on(after[untouched.id], ON) == rule_rate_on(untouched.rule, ON)


def test_lever_errors_name_their_field() -> None:
    with pytest.raises(TariffscopeError) as e:
        lab.lever_catalogue("JP", {"reciprocal_rate": None, "auto_rate": None}, EFF, None, ON)
    assert e.value.field == "reciprocal_rate"
    with pytest.raises(TariffscopeError) as e:
        lab.lever_effects("JP", {"reciprocal_rate": 0.2}, effective=EFF, until=EFF - dt.timedelta(days=1))
    assert e.value.field == "until"
    with pytest.raises(TariffscopeError) as e:  # Section 232 autos name no country of their own for Brazil
        lab.lever_catalogue("BR", {"auto_rate": 0.1}, EFF, None, ON)
    assert e.value.field == "auto_rate" and "all countries alike" in str(e.value)


def test_lab_baseline_claims_usmca_for_canada_and_mexico_as_the_scenarios_do() -> None:
    """The lab prices its flows in the owed view like ``scenario run``: Canada's and Mexico's lines carry
    their USMCA claim share, so their rates sit at or under the statutory ceiling, and under it where
    the claim removes a duty (before this, the lab priced them with no USMCA claim)."""
    import polars as pl

    from tariffscope.analytics.etr import rates_for_pairs

    base = lab.baseline_rates("JP", ON)
    camx = base.filter(pl.col("partner").is_in(["CA", "MX"]) & (pl.col("usmca_share") > 0.5))
    assert camx.height > 0
    ceiling = rates_for_pairs(camx.select("hts10", "partner"), ON, view="statutory").select(
        "hts10", "partner", pl.col("total_rate").alias("ceiling")
    )
    both = camx.join(ceiling, on=["hts10", "partner"]).drop_nulls(["t0", "ceiling"])
    assert (both["t0"] <= both["ceiling"] + 1e-12).all()
    assert (both["t0"] < both["ceiling"] - 1e-6).any()
