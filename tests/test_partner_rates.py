"""The package's partner side reads Japan's tariffs on US goods from Japan's catalogue (issue 14 point 5)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from tariffscope.errors import DataError
from tariffscope.scenarios.package import evaluate_package
from tariffscope.scenarios.partner_rates import rates_from_law

CSV = Path("x.csv")


def _flows(**rows: tuple[str, float | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "product": [p for p, _ in rows.values()],
            "source": list(rows),
            "imports_usd": [1.0] * len(rows),
            "t0": [t for _, t in rows.values()],
        },
        schema_overrides={"t0": pl.Float64},
    )


def test_shipped_package_resolves_us_rates_from_japans_catalogue() -> None:
    r = evaluate_package("japan-2025")
    prov = r.partner_totals["rates_from_law"]
    assert prov["importer"] == "JP" and prov["claim"] == "japan_us" and prov["date"] == "2025-10-01"
    assert set(prov["t0_from_catalogue"]) == {"020230", "100590", "120190", "870323"}
    assert prov["t1_from_overlay"] == ["020230"]
    us = r.partner_lines.filter(pl.col("source") == "US")
    beef = us.filter(pl.col("product") == "020230").row(0, named=True)
    # FY2025 Japan-US Trade Agreement beef rate (jp.fta.japan_us/beef), and the overlay's hypothetical 18%
    assert (beef["t0"], beef["t1"]) == (pytest.approx(0.216), pytest.approx(0.18))
    assert r.to_json()["partner_side"]["rates_from_law"] == prov


def test_a_date_before_the_overlay_leaves_the_tariff_unchanged() -> None:
    flows = _flows(US=("020230", None))
    changes = pl.DataFrame(
        {"product": ["020230"], "measure": ["tariff"], "t1": [None]}, schema_overrides={"t1": pl.Float64}
    )
    f, c, _ = rates_from_law(
        flows, changes, csv=CSV, importer="JP", on=dt.date(2025, 1, 15), claim="japan_us", overlay=None
    )
    assert f["t0"][0] == pytest.approx(0.225)  # FY2024, read from the schedule
    assert c["t1"][0] == pytest.approx(0.225)


def test_without_the_claim_us_beef_pays_the_temporary_rate() -> None:
    f, _, _ = rates_from_law(
        _flows(US=("020230", None)),
        pl.DataFrame({"product": [], "measure": []}),
        csv=CSV,
        importer="JP",
        on=dt.date(2025, 10, 1),
        claim=None,
        overlay=None,
    )
    assert f["t0"][0] == pytest.approx(0.385)


def test_a_specific_duty_cannot_fill_a_blank_rate() -> None:
    with pytest.raises(DataError, match=r"x.csv: flow product 100630: t0 is blank and its rate is specific"):
        rates_from_law(
            _flows(US=("100630", None)),
            pl.DataFrame({"product": [], "measure": []}),
            csv=CSV,
            importer="JP",
            on=dt.date(2025, 10, 1),
            claim=None,
            overlay=None,
        )


def test_a_blank_rate_of_another_source_is_refused() -> None:
    with pytest.raises(DataError, match="product 020230: t0 is blank for a source other than the US"):
        rates_from_law(
            _flows(AU=("020230", None)),
            pl.DataFrame({"product": [], "measure": []}),
            csv=CSV,
            importer="JP",
            on=dt.date(2025, 10, 1),
            claim=None,
            overlay=None,
        )


def test_a_product_outside_the_catalogue_is_named() -> None:
    with pytest.raises(
        DataError,
        match=r"flow product 220710: t0 is blank and hts10: 220710 is not a line of Japan's catalogue table",
    ):
        rates_from_law(
            _flows(US=("220710", None)),
            pl.DataFrame({"product": [], "measure": []}),
            csv=CSV,
            importer="JP",
            on=dt.date(2025, 10, 1),
            claim=None,
            overlay=None,
        )
