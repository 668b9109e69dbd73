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
