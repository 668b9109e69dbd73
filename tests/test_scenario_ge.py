"""A scenario becomes a GE counterfactual through the partners' effective US tariff rates."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tariffscope.cli.main import app
from tariffscope.scenarios import etr_by_partner, scenario_date


def test_pause_lapses_raises_japans_etr_only_and_japan_loses_in_ge() -> None:
    on = scenario_date("pause-lapses")
    base, lapse = etr_by_partner("baseline", on), etr_by_partner("pause-lapses", on)
    assert lapse["JP"] > base["JP"] + 0.01
    assert abs(lapse["DE"] - base["DE"]) < 1e-9 and abs(lapse["KR"] - base["KR"]) < 1e-9
    r = CliRunner().invoke(app, ["ge", "run", "--scenario", "pause-lapses", "--format", "json"])
    assert r.exit_code == 0, r.output
    rows = {x["country"]: x for x in json.loads(r.stdout)["rows"]}
    assert rows["JP"]["gdp_change_pct"] < 0  # Japan, whose US tariffs rise, loses real GDP
    assert rows["JP"]["gdp_change_pct"] == min(x["gdp_change_pct"] for x in rows.values())
