"""The full panel (all lines x all countries on a date) agrees with single lookups."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from tariffscope.catalogue.loader import default_catalogue
from tariffscope.cli.main import app
from tariffscope.countries import countries_frame
from tariffscope.resolver.api import resolve_frame
from tariffscope.resolver.panel import PANEL_COLUMNS, country_classes, panel_on


@pytest.fixture(scope="module")
def panel() -> pl.DataFrame:
    return panel_on(dt.date(2025, 9, 16))


def test_panel_covers_every_line_and_country(panel: pl.DataFrame) -> None:
    n_countries = countries_frame()["iso2"].n_unique()
    assert panel.columns == PANEL_COLUMNS
    assert panel.height == panel["hts10"].n_unique() * n_countries
    assert panel["hts10"].n_unique() > 18_000
    car = panel.filter((pl.col("hts10") == "8703230160") & (pl.col("origin") == "JP"))
    assert car["total_rate"][0] == pytest.approx(0.15)


def test_panel_equals_batch_resolution(panel: pl.DataFrame) -> None:
    sample = panel.sample(400, seed=7)
    res = resolve_frame(sample.select("hts10", "origin", "date")).table
    assert (res["status"] == "ok").all()
    assert np.allclose(res["total_rate"].to_numpy(), sample["total_rate"].to_numpy())
    parts = sample.select(
        pl.sum_horizontal([c for c in PANEL_COLUMNS if c.startswith("rate_") and c != "rate_refundable"])
    )
    assert np.allclose(parts.to_series().to_numpy(), sample["total_rate"].to_numpy())


def test_country_classes_group_countries_treated_alike() -> None:
    classes = country_classes(default_catalogue(), dt.date(2025, 9, 16))
    assert classes["rep"].n_unique() < classes.height
    reps = dict(classes.iter_rows())
    assert reps["JP"] == "JP"  # Japan has rules of its own


def test_panel_command_writes_parquet(tmp_path: Path) -> None:
    out = tmp_path / "p.parquet"
    r = CliRunner().invoke(app, ["panel", "--date", "2026-03-02", "--out", str(out)])
    assert r.exit_code == 0, r.output
    df = pl.read_parquet(out)
    assert df.filter(pl.col("origin") == "JP")["rate_s122"].max() == pytest.approx(0.10)


def test_every_revision_panel_keeps_by_reference_lines_like_the_one_date_panel(panel: pl.DataFrame) -> None:
    """Column 2 countries (general note 3(b); Russia and Belarus from Pub. L. 117-110) pay column 2, which
    for 9817.00.50 is "the rate applicable in the absence of this heading": a rate by reference, not a line
    out of force. Both panels report such lines with their chapter 99 duties and base_status "by reference"
    (the every-revision panel used to drop them: 56 lines x 4 countries per date)."""
    from tariffscope.resolver.panel import revision_panel

    day = dt.date(2025, 9, 16)
    rev = revision_panel(day, part=(39, 40)).with_columns(
        pl.col("hts10").cast(pl.String), pl.col("origin").cast(pl.String)
    )
    who = ["RU", "BY", "CU", "KP", "DE"]
    rev = rev.filter(pl.col("origin").is_in(who))
    lo, hi = rev["hts10"].min(), rev["hts10"].max()
    one = panel.filter(pl.col("origin").is_in(who) & pl.col("hts10").is_between(pl.lit(lo), pl.lit(hi)))
    assert one.height == rev.height
    j = one.join(rev, on=["hts10", "origin"], suffix="_rev")
    assert j.height == one.height
    assert np.allclose(j["total_rate"].to_numpy(), j["total_rate_rev"].to_numpy())
    assert (j["base_status"].cast(pl.String) == j["base_status_rev"].cast(pl.String)).all()
    ru = j.filter((pl.col("hts10") == "9817005000") & (pl.col("origin") == "RU"))
    assert ru["base_status_rev"].cast(pl.String).to_list() == ["by reference"]
    assert ru["rate_mfn_rev"].is_null().all()
