"""The Spark executor gives the embedded path's results row for row (Spark local mode, 2 cores).

One SparkSession serves the whole module; inputs are split into many small partitions so that row
numbering and ordering across partitions are exercised. Skipped when PySpark or Java is missing.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from tariffscope.cli.main import app
from tariffscope.resolver.context import PricingContext, default_context
from tariffscope.resolver.executor import price_rows
from tariffscope.resolver.panel import panel_on, revision_dates, write_panel_all_revisions
from tariffscope.schedule import Schedule

pyspark = pytest.importorskip("pyspark", reason="PySpark not installed (pip install 'tariffscope[spark]')")
if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
    pytest.skip("no Java runtime for Spark's driver (install Java 17+)", allow_module_level=True)

from tariffscope.scale import spark as sp  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")
runner = CliRunner()


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from pyspark.sql import SparkSession

    s = (
        SparkSession.builder.master("local[2]")
        .appName("tariffscope-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.files.maxPartitionBytes", "24k")  # many partitions from small files
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "97")  # many Arrow batches per partition
        .getOrCreate()
    )
    yield s
    s.stop()


def _batch(n: int = 4000) -> pl.DataFrame:
    """Diverse good lines (codes, origins, dates, claims, shares) and every kind of bad row."""
    rng = np.random.default_rng(11)
    lines = Schedule.load().on(dt.date(2025, 9, 16))["hts10"].to_numpy()
    origins = np.array(["JP", "CN", "DE", "MX", "CA", "KR", "VN", "IN", "BR", "CH", "RU", "CU", "156", "DEU"])
    days = np.datetime64("2025-01-01") + rng.integers(0, 720, n)
    good = pl.DataFrame(
        {
            "hts10": rng.choice(lines, n),
            "origin": rng.choice(origins, n),
            "date": days.astype("datetime64[D]").astype(str),
            "value": rng.uniform(100, 100_000, n).round(2).astype(str),
            "metal_share": np.where(rng.random(n) < 0.2, rng.uniform(0, 1, n).round(3).astype(str), ""),
            "claim": np.where(rng.random(n) < 0.05, "usmca", ""),
        }
    ).with_columns(
        pl.when(pl.col("claim") == "usmca").then(pl.lit("MX")).otherwise(pl.col("origin")).alias("origin"),
        pl.col("metal_share").replace("", None),
        pl.col("claim").replace("", None),
    )
    bad = pl.DataFrame(
        {
            "hts10": [
                "87xx",
                "8703.23.01.60",
                "8703.23.01.60",
                "8703.23.01.60",
                "6912.00.48.10",
                "8703.23.01.60",
                "8703.23.01.60",
                "8703.23.01.60",
                "9999.99.99.99",
                "8703.23.01.60",
            ],
            "origin": ["JP", "ZZ", "JP", "JP", "JP", "JP", "JP", "JP", "JP", "JP"],
            "date": [
                "2025-05-02",
                "2025-05-02",
                "2024-06-01",
                "not-a-date",
                "2025-08-20",
                "2025-05-02",
                "2025-05-02",
                "2025-05-02",
                "2025-05-02",
                "2025-05-02",
            ],
            "value": ["1", "1", "1", "1", "abc", "-5", "1", "1", "1", "1"],
            "metal_share": [None, None, None, None, None, None, "1.5", None, None, None],
            "claim": [None, None, None, None, None, None, None, "usmca", None, "bogus"],
        }
    )
    # bad rows spread through the file, in several partitions
    at = np.linspace(0, n, bad.height + 2).astype(int)[1:-1]
    parts, prev = [], 0
    for i, a in enumerate(at):
        parts += [good.slice(prev, a - prev), bad.slice(i, 1)]
        prev = a
    parts.append(good.slice(prev, n - prev))
    return pl.concat(parts)


def _read_dir(path: Path, fmt: str) -> pl.DataFrame:
    """A Spark output directory, part files in order (the input's order)."""
    files = sorted(path.glob(f"part-*.{fmt}" if fmt == "csv" else "part-*.parquet"))
    assert files, f"no part files in {path}"
    if fmt == "csv":
        return pl.concat([pl.read_csv(f, infer_schema_length=0) for f in files])
    return pl.concat([pl.read_parquet(f) for f in files])


def _typed(df: pl.DataFrame) -> pl.DataFrame:
    """CSV text as values (Spark and Polars spell floats differently: 1.0E-4 vs 0.0001)."""
    num = [
        c for c in df.columns if c.startswith(("rate_", "total_", "duty_")) or c in ("value", "metal_share")
    ]
    return df.with_columns(pl.col(c).cast(pl.Float64) for c in num)


def test_batch_csv_command_equals_embedded(spark: Any, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    _batch().write_csv(src)
    emb, par = tmp_path / "emb.csv", tmp_path / "spark.csv"
    r1 = runner.invoke(app, ["rate", "--batch", str(src), "--out", str(emb)])
    r2 = runner.invoke(app, ["rate", "--batch", str(src), "--out", str(par), "--engine", "spark"])
    assert r1.exit_code == 1 and r2.exit_code == 1, r2.output
    assert len(list(par.glob("part-*.csv"))) > 2  # really split across partitions
    a, b = pl.read_csv(emb, infer_schema_length=0), _read_dir(par, "csv")
    assert a.columns == b.columns
    assert _typed(a).equals(_typed(b))
    # bad rows are reported alike: the same count and the same first rows, numbered in the input
    assert r1.output == r2.output
    assert "failed" in r2.output and "row " in r2.output


def test_batch_csv_blank_lines_are_reported_rows_on_spark(spark: Any, tmp_path: Path) -> None:
    """Spark's CSV source drops blank lines; the batch reader keeps them as reported rows (issue 10)."""
    src = tmp_path / "in.csv"
    src.write_text("hts10,origin,date\n8703230160,JP,2025-05-02\n,,\n8703230160,,2025-05-02\n\n")
    emb, par = tmp_path / "emb.csv", tmp_path / "spark.csv"
    r1 = runner.invoke(app, ["rate", "--batch", str(src), "--out", str(emb)])
    r2 = runner.invoke(app, ["rate", "--batch", str(src), "--out", str(par), "--engine", "spark"])
    assert r1.exit_code == r2.exit_code == 1, r2.output
    assert r1.output == r2.output
    assert "1 of 4 lines priced; 3 failed" in r2.output
    assert "row 4: row: empty row (no hts10, origin or date)" in r2.output
    assert "row 3: origin: missing" in r2.output
    b = _typed(_read_dir(par, "csv"))
    assert b.height == 4 and b["total_rate"][0] == pytest.approx(0.275)
    assert _typed(pl.read_csv(emb, infer_schema_length=0)).equals(b)


def test_batch_parquet_api_equals_embedded(spark: Any, tmp_path: Path) -> None:
    rows = _batch(3000).with_columns(
        pl.col("date").str.to_date(strict=False), pl.col("value").cast(pl.Float64, strict=False)
    )
    src = tmp_path / "in.parquet"
    rows.write_parquet(src, row_group_size=500)
    report = sp.rate_batch(spark, str(src), str(tmp_path / "out.parquet"))
    embedded = price_rows(rows)
    got = _read_dir(tmp_path / "out.parquet", "parquet")
    # Spark has no enum type: base_status (an enum in Polars) arrives as text
    want_table = sp.spark_types(embedded.table)
    assert got.schema == want_table.schema
    assert got.equals(want_table)
    assert report.rows == rows.height and report.failed == embedded.failed.height
    want = [(r + 1, s) for r, s in embedded.failed.head(sp.FIRST_FAILURES).iter_rows()]
    assert report.first_failures == want


def test_missing_column_is_a_clear_error(spark: Any, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("hts10,date\n8703.23.01.60,2025-05-02\n")
    r = runner.invoke(
        app, ["rate", "--batch", str(src), "--out", str(tmp_path / "o.csv"), "--engine", "spark"]
    )
    assert r.exit_code == 2 and "lacks required column" in r.output
    assert "Traceback" not in r.output


def test_panel_command_equals_embedded(spark: Any, tmp_path: Path) -> None:
    day = dt.date(2025, 9, 16)
    out = tmp_path / "p.parquet"
    r = runner.invoke(app, ["panel", "--date", str(day), "--out", str(out), "--engine", "spark"])
    assert r.exit_code == 0, r.output
    got = _read_dir(out, "parquet")
    want = sp.spark_types(panel_on(day))
    assert got.height == want.height and f"{want.height:,} rows" in r.output
    assert got.equals(want)


@pytest.fixture(scope="module")
def small_context() -> PricingContext:
    """The shipped law over a few hundred lines (cars, parts, steel, apparel): panels of every date fast."""
    ctx = default_context()
    s = ctx.schedule
    keep = pl.col("hts10").str.slice(0, 4).is_in(["8703", "7208", "6109"])
    lines = s.lines.filter(keep)
    small = Schedule(lines, s.revisions, s.chapter99_lines, s.concordance, s.provenance)
    return PricingContext(ctx.catalogue, small, ctx.metal_shares)


def _by_date(path: Path) -> pl.DataFrame:
    df = pl.read_parquet(path / "**" / "*.parquet", hive_partitioning=True)
    return df.with_columns(pl.col("date").cast(pl.Date)).sort("date", "hts10", "origin")


def test_all_revisions_panel_equals_embedded(
    spark: Any, small_context: PricingContext, tmp_path: Path
) -> None:
    n = sp.write_panel(spark, None, str(tmp_path / "rev.parquet"), context=small_context, parts=1)
    got = _by_date(tmp_path / "rev.parquet")
    emb = tmp_path / "emb.parquet"
    assert write_panel_all_revisions(emb, context=small_context) == n == got.height
    want = sp.spark_types(pl.read_parquet(emb)).with_columns(pl.col("hts10", "origin").cast(pl.String))
    assert sorted(got["date"].unique()) == revision_dates(small_context)
    assert got.select(want.columns).equals(want.sort("date", "hts10", "origin"))


def test_daily_panel_is_partitioned_by_date(
    spark: Any, small_context: PricingContext, tmp_path: Path
) -> None:
    days = [dt.date(2025, 4, 4), dt.date(2025, 4, 5), dt.date(2025, 4, 6)]
    out = tmp_path / "daily.parquet"
    n = sp.write_panel(spark, days, str(out), context=small_context)
    assert sorted(p.name for p in out.glob("date=*")) == [f"date={d}" for d in days]
    got = _by_date(out)
    want = sp.spark_types(pl.concat([panel_on(d, context=small_context) for d in days])).sort(
        "date", "hts10", "origin"
    )
    assert n == want.height
    assert got.select(want.columns).equals(want)
    # the reciprocal tariff's first day shows in the panel of 5 April and not the day before
    br = got.filter((pl.col("origin") == "BR") & (pl.col("hts10").str.starts_with("6109")))
    assert br.filter(pl.col("date") == days[0])["rate_ieepa_reciprocal"].max() == 0.0
    assert br.filter(pl.col("date") == days[1])["rate_ieepa_reciprocal"].min() == pytest.approx(0.10)
