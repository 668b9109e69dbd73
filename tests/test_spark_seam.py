"""The executor seam (no Spark needed): pricing reads only the context it is given, the context
pickles complete, and a missing PySpark or Java is a clear error."""

from __future__ import annotations

import datetime as dt
import pickle
import sys
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from tariffscope.cli.main import app
from tariffscope.resolver.context import PricingContext, default_context
from tariffscope.resolver.executor import price_rows
from tariffscope.resolver.panel import panel_on
from tariffscope.schedule import Schedule

ROWS = pl.DataFrame(
    {
        "hts10": ["8703.23.01.60", "6912.00.48.10", "7208.10.15.00", "87xx"],
        "origin": ["JP", "JP", "DE", "JP"],
        "date": ["2025-05-02", "2025-08-20", "2025-09-16", "2025-05-02"],
        "value": ["10000", "200", "5000", "1"],
    }
)


def _with_mfn(ctx: PricingContext, hts10: str, rate: float) -> PricingContext:
    """The same law with one line's general rate changed (a schedule no process loads on its own)."""
    s = ctx.schedule
    lines = s.lines.with_columns(
        pl.when(pl.col("hts10") == hts10).then(rate).otherwise(pl.col("mfn_ave")).alias("mfn_ave")
    )
    return PricingContext(
        ctx.catalogue, Schedule(lines, s.revisions, s.chapter99_lines, s.concordance), ctx.metal_shares
    )


def test_pricing_reads_the_given_schedule_not_the_shipped_one() -> None:
    ctx = _with_mfn(default_context(), "8703230160", 0.5)
    shipped = price_rows(ROWS).table
    changed = price_rows(ROWS, ctx).table
    assert shipped["rate_mfn"][0] == pytest.approx(0.025)
    assert changed["rate_mfn"][0] == pytest.approx(0.5)
    assert changed["rate_mfn"][1:].equals(shipped["rate_mfn"][1:])
    # the shipped context is untouched by the other one's derived tables
    assert price_rows(ROWS).table.equals(shipped)
    day = dt.date(2025, 9, 16)
    jp = pl.col("origin") == "JP"
    car = pl.col("hts10") == "8703230160"
    assert panel_on(day, context=ctx).filter(car & jp)["rate_mfn"][0] == pytest.approx(0.5)


def test_context_pickles_complete_and_prices_the_same() -> None:
    ctx = pickle.loads(pickle.dumps(default_context()))
    assert ctx.schedule is not default_context().schedule
    # every product list the rules name travelled with the catalogue: nothing is read from disk
    ctx.catalogue.lists_dir = Path("/nonexistent")
    assert price_rows(ROWS, ctx).table.equals(price_rows(ROWS).table)
    failed = price_rows(ROWS, ctx).failed
    assert failed["row"].to_list() == [3] and "hts10" in failed["status"][0]


def test_missing_pyspark_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from tariffscope.scale.spark import SparkUnavailable, check_spark

    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark -> ImportError
    with pytest.raises(SparkUnavailable, match=r"tariffscope\[spark\]"):
        check_spark()
    src = tmp_path / "in.csv"
    ROWS.write_csv(src)
    r = CliRunner().invoke(
        app, ["rate", "--batch", str(src), "--out", str(tmp_path / "o"), "--engine", "spark"]
    )
    assert r.exit_code == 2 and "needs PySpark" in r.output and "Traceback" not in r.output


def test_missing_java_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pyspark", reason="PySpark not installed")
    from tariffscope.scale.spark import SparkUnavailable, check_spark

    monkeypatch.setenv("JAVA_HOME", "/nonexistent-jdk")
    with pytest.raises(SparkUnavailable, match="Java 17"):
        check_spark()
    monkeypatch.delenv("JAVA_HOME")
    monkeypatch.setenv("PATH", "/nonexistent-bin")
    with pytest.raises(SparkUnavailable, match="no `java` on PATH"):
        check_spark()
    r = CliRunner().invoke(app, ["panel", "--date", "2025-09-16", "--out", "x.parquet", "--engine", "spark"])
    assert r.exit_code == 2 and "Java 17" in r.output


def test_spark_engine_needs_out(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    ROWS.write_csv(src)
    r = CliRunner().invoke(app, ["rate", "--batch", str(src), "--engine", "spark"])
    assert r.exit_code == 2 and "give --out" in r.output


def test_embedded_daily_panel_is_partitioned_by_date(tmp_path: Path) -> None:
    out = tmp_path / "daily"
    r = CliRunner().invoke(app, ["panel", "--from", "2025-04-04", "--to", "2025-04-05", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["date=2025-04-04", "date=2025-04-05"]
    got = pl.read_parquet(out / "date=2025-04-05" / "part-0.parquet")
    assert got.equals(panel_on(dt.date(2025, 4, 5)).drop("date"))
    r = CliRunner().invoke(app, ["panel", "--date", "2025-04-04", "--from", "2025-04-04", "--out", str(out)])
    assert r.exit_code != 0 and "one of --date" in r.output


def test_embedded_batch_reads_parquet(tmp_path: Path) -> None:
    src, out = tmp_path / "in.parquet", tmp_path / "out.csv"
    ROWS.with_columns(pl.col("date").str.to_date(), pl.col("value").cast(pl.Float64)).write_parquet(src)
    r = CliRunner().invoke(app, ["rate", "--batch", str(src), "--out", str(out)])
    assert (
        r.exit_code == 1 and "3 of 4 lines priced; 1 failed" in r.output and "row 4: hts10: 87xx is not" in r.output
    )
    assert pl.read_csv(out)["total_rate"][0] == pytest.approx(0.275)
