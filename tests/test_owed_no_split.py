"""The owed view claims USMCA for Canada and Mexico whatever the weights carry: weights loaded from a
store without a USMCA split (a plain import, a Census pull without the programme field, HS2 data)
take the shipped claim shares, and the output says so."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from tariffscope.analytics.etr import etr_series
from tariffscope.trade.store import TradeStore
from tariffscope.trade.weights import load_weights

DAY = dt.date(2026, 1, 1)
OCT = dt.date(2025, 10, 15)


@pytest.fixture(scope="module")
def shipped() -> pl.DataFrame:
    return load_weights().filter(pl.col("partner").is_in(["CA", "MX"]))


@pytest.fixture(scope="module")
def no_split(shipped: pl.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    """Canada's and Mexico's shipped lines and values loaded into a store as a plain table: no
    ``usmca_value`` column, so the store's weights carry no USMCA split."""
    d = tmp_path_factory.mktemp("nosplit")
    f = d / "camx.csv"
    shipped.select(
        pl.col("hts10").alias("hts"),
        pl.col("partner").alias("country"),
        pl.lit("2024").alias("period"),
        pl.col("imports_usd").alias("value"),
    ).write_csv(f)
    with TradeStore(d / "t.duckdb") as s:
        s.load_file(f)
    w = load_weights(d / "t.duckdb", year=2024).filter(pl.col("partner").is_in(["CA", "MX"]))
    assert w["usmca_share"].null_count() == w.height  # the case under test
    return w


def _etr(w: pl.DataFrame, d: dt.date, view: str = "adjusted") -> dict[str, float]:
    s = etr_series(w, d, d, partners=["CA", "MX"], view=view, daily=False)  # type: ignore[arg-type]
    return dict(zip(s["partner"].to_list(), s["etr"].to_list(), strict=True))


@pytest.mark.parametrize("day", [OCT, DAY])
def test_store_without_split_gets_the_owed_rate_of_the_shipped_weights(
    shipped: pl.DataFrame, no_split: pl.DataFrame, day: dt.date
) -> None:
    """Same lines, same values, no split: the owed ETR is the shipped weights' (the claim shares by
    line and month are the shipped DataWeb ones in both; a line's own 2025 share is the fallback)."""
    ours, ref = _etr(no_split, day), _etr(shipped, day)
    ceiling = _etr(no_split, day, "statutory")
    for p in ("CA", "MX"):
        assert ours[p] == pytest.approx(ref[p], abs=1e-4), p
        assert ceiling[p] - ours[p] > 0.05, p  # not the statutory rate


def test_hs2_store_rows_of_canada_claim_usmca(tmp_path: Path) -> None:
    f = tmp_path / "hs2.csv"
    pl.DataFrame(
        {"hts": ["87", "72"], "country": ["CA", "CA"], "period": ["2025", "2025"], "value": ["9e9", "1e9"]}
    ).write_csv(f)
    with TradeStore(tmp_path / "t.duckdb") as s:
        s.load_file(f)
    w = load_weights(tmp_path / "t.duckdb", year=2025)
    assert w["grain"].cast(pl.String).unique().to_list() == ["hs2_spread"]
    owed, ceiling = _etr(w, DAY)["CA"], _etr(w, DAY, "statutory")["CA"]
    assert ceiling - owed > 0.05


def test_claim_share_fallbacks() -> None:
    """Own split first, then the shipped line share, then the partner's share in the period; other
    partners claim no USMCA."""
    from tariffscope.trade import claims

    line = "9999999999"  # in no claim table
    pairs = pl.DataFrame(
        {"hts10": [line, line, line], "partner": ["CA", "CA", "JP"], "usmca_share": [0.3, None, None]}
    )
    s = claims.share_matrix(pairs, [3, claims.LATEST])
    assert s[0].tolist() == [0.3, 0.3]
    mean = claims.partner_shares()
    assert s[1].tolist() == pytest.approx([mean[("CA", 3)], mean[("CA", claims.LATEST)]])
    assert 0.4 < mean[("CA", 3)] < 0.6 and 0.8 < mean[("CA", claims.LATEST)] < 0.95  # the July break
    assert s[2].tolist() == [0.0, 0.0]
    # a shipped line with no own split takes its shipped 2025 share where a month has no row
    w = load_weights().filter(pl.col("partner") == "MX").sort("imports_usd", descending=True).head(200)
    with_own = claims.share_matrix(w.select("hts10", "partner", "usmca_share"), list(range(13)))
    without = claims.share_matrix(w.select("hts10", "partner"), list(range(13)))
    assert np.allclose(with_own, without)


def test_output_says_which_share_and_that_it_is_assumed(
    shipped: pl.DataFrame, no_split: pl.DataFrame
) -> None:
    from tariffscope.analytics.exposure import exposure

    note = etr_series(no_split, DAY, DAY, daily=False)["usmca_claims"][0]
    assert "DataWeb 2025" in note and "assumed" in note and "CA, MX" in note
    own = etr_series(shipped, DAY, DAY, daily=False)["usmca_claims"][0]
    assert "DataWeb 2025" in own and "assumed" not in own
    assert etr_series(shipped, DAY, DAY, daily=False, view="statutory")["usmca_claims"][0] is None
    e = exposure("MX", DAY, weights=no_split)
    assert "assumed" in e["usmca_claims"]
    assert exposure("JP", DAY)["usmca_claims"] is None


def test_rank_and_report_say_it_too(no_split: pl.DataFrame, tmp_path: Path) -> None:
    from tariffscope.analytics.rank import rank
    from tariffscope.analytics.report import build_report

    r = rank(DAY, weights=no_split, reference="CA")
    assert "assumed for CA, MX" in r["usmca_claims"][0]
    build_report("CA", DAY, tmp_path / "ca.html", weights=no_split, compare=False, start=DAY)
    assert "assumed for CA: the weights carry no USMCA split" in (tmp_path / "ca.html").read_text()
