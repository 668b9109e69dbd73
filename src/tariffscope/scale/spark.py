"""The resolver on Apache Spark: batches and panels priced per partition with Arrow.

The same :func:`tariffscope.resolver.executor.price_rows` and
:func:`tariffscope.resolver.panel.panel_on` run inside ``mapInArrow`` on each partition, given the
:class:`~tariffscope.resolver.context.PricingContext` broadcast once; results are written by Spark
(Parquet or CSV) with the columns of the embedded path, in its order. The driver collects nothing
but the schema and a per-partition tally (row and failure counts, the first failures), so its memory
does not grow with the input. Requires ``pip install 'tariffscope[spark]'`` and Java 17+.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa

from tariffscope.errors import TariffscopeError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from tariffscope.resolver.context import PricingContext

CHUNK_ROWS = 131_072
"""Rows priced per call inside a partition: large enough to amortise the engine's per-call cost,
small enough to keep a Python worker's memory modest (~0.2 GB)."""
FIRST_FAILURES = 20
"""Failed rows reported by row number (all are counted; the output's ``status`` column has every one)."""
PANEL_PART_ROWS = 1_250_000
"""Target rows of one panel task (a date's lines are split into parts of about this size)."""


class SparkUnavailable(TariffscopeError):
    """PySpark or Java is missing, or Spark could not start."""


def check_spark() -> None:
    """Raise :class:`SparkUnavailable` with what to install when PySpark or Java is missing."""
    try:
        import pyspark
    except ImportError:
        raise SparkUnavailable(
            "--engine spark needs PySpark: pip install 'tariffscope[spark]' (PySpark 4, Java 17+)"
        ) from None
    if int(pyspark.__version__.split(".")[0]) < 4:
        raise SparkUnavailable(f"--engine spark needs PySpark 4 or later (found {pyspark.__version__})")
    home = os.environ.get("JAVA_HOME")
    java = os.path.join(home, "bin", "java") if home else shutil.which("java")
    if not java or not os.path.exists(java):
        where = f"JAVA_HOME={home} has no bin/java" if home else "no `java` on PATH and JAVA_HOME is unset"
        raise SparkUnavailable(f"--engine spark needs Java 17+ for Spark's driver: {where}")


def session(master: str | None = None, app_name: str = "tariffscope") -> SparkSession:
    """The active Spark session, or a new one on ``master``.

    ``None`` keeps the master spark-submit configured (its driver runs with ``PYSPARK_GATEWAY_PORT``
    set) and is ``local[*]`` otherwise.
    """
    check_spark()
    import warnings

    from pyspark.sql import SparkSession

    # PySpark 4.x warns on every Arrow call that it is not yet tested with pandas 3; we never use pandas
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.appName(app_name).config("spark.ui.showConsoleProgress", "false")
    if master is None and "PYSPARK_GATEWAY_PORT" not in os.environ:
        master = "local[*]"
    if master:
        builder = builder.master(master)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # the JVM's errors arrive as many types: report one clear message
        raise SparkUnavailable(
            f"Spark could not start on {master or 'the configured master'}: {exc}"
        ) from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _is_parquet(uri: str) -> bool:
    """Parquet by extension, or a local folder of ``.parquet`` part files."""
    if uri.rstrip("/").lower().endswith((".parquet", ".pq")):
        return True
    from pathlib import Path

    p = Path(uri)
    return p.is_dir() and any(f.suffix == ".parquet" for f in p.iterdir())


def read_batch(spark: SparkSession, uri: str) -> DataFrame:
    """Read entry lines from any URI Spark reads: Parquet by extension, else CSV with a header.

    CSV columns stay text, as the embedded path reads them, so the same validation parses them.
    """
    try:
        if _is_parquet(uri):
            return spark.read.parquet(uri)
        return _read_csv(spark, uri)
    except TariffscopeError:
        raise
    except Exception as exc:
        raise TariffscopeError(f"{uri}: cannot read the batch file: {_first_line(exc)}") from None


def _read_csv(spark: SparkSession, uri: str) -> DataFrame:
    """A CSV of entry lines as text columns, one row per line after the header, blank lines kept.

    Spark's CSV source drops blank lines, which would hide them and renumber the rows after them;
    the embedded reader (:func:`~tariffscope.resolver.inputs.read_batch_csv`) keeps each as an empty
    row that is reported (issue 10). So the file is read as text lines (file order is partition
    order) and each partition's lines are parsed with the same reader. A line equal to the header
    is the header of one of the files. A quoted field spanning lines is not supported here.
    """
    import csv

    from pyspark.sql.types import StringType, StructField, StructType

    text = spark.read.text(uri)
    first = text.first()
    if first is None or not str(first[0]).strip():
        raise TariffscopeError(f"{uri}: the batch file is empty (expected a header hts10,origin,date)")
    header_line = str(first[0])
    names = next(csv.reader([header_line.lstrip("\ufeff")]))
    struct = StructType([StructField(n, StringType()) for n in names])
    arrow = _schema_of(struct)

    def parse(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for b in batches:
            lines = [ln for ln in b.column(0).to_pylist() if ln != header_line]
            if not lines:
                continue
            data = "\n".join([header_line, *lines, ""]).encode()
            rows = pl.read_csv(data, infer_schema_length=0, truncate_ragged_lines=False)
            yield from rows.to_arrow().cast(arrow).to_batches()

    return text.mapInArrow(parse, struct)


def write(df: DataFrame, uri: str, partition_by: Sequence[str] = ()) -> None:
    """Write ``df`` to ``uri`` (a directory of part files, replaced): Parquet by extension, else CSV."""
    w = df.write.mode("overwrite")
    if partition_by:
        w = w.partitionBy(*partition_by)
    if _is_parquet(uri):
        w.option("compression", "zstd").parquet(uri)
    else:
        w.option("header", True).csv(uri)


def _first_line(exc: BaseException) -> str:
    """The gist of a Spark error: the Python exception a worker raised, else the first message line."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    py = [ln for ln in lines if re.match(r"^[A-Za-z_.]*(Error|Exception): ", ln) and not ln.startswith("at ")]
    return py[0] if py else (lines[0] if lines else type(exc).__name__)


# ---------------------------------------------------------------------------------------------- tally
def _tally_param() -> Any:
    from pyspark.accumulators import AccumulatorParam

    class Tally(AccumulatorParam):
        """Per-partition counts keyed by partition id: a retried task replaces, never adds."""

        def zero(self, value: dict[int, Any]) -> dict[int, Any]:
            return {}

        def addInPlace(self, a: dict[int, Any], b: dict[int, Any]) -> dict[int, Any]:
            a.update(b)
            return a

    return Tally()


@dataclass
class BatchReport:
    """What a distributed batch did: rows read, rows failed, and the first failures (1-based row, status)."""

    rows: int = 0
    failed: int = 0
    first_failures: list[tuple[int, str]] = field(default_factory=list)

    @classmethod
    def from_tally(cls, tally: dict[int, tuple[int, int, list[tuple[int, str]]]]) -> BatchReport:
        """Number rows across partitions (in partition order, which is file order for one file)."""
        out, offset, fails = cls(), 0, []
        for pid in sorted(tally):
            n, bad, first = tally[pid]
            fails += [(offset + r + 1, s) for r, s in first]
            offset += n
            out.failed += bad
        out.rows = offset
        out.first_failures = sorted(fails)[:FIRST_FAILURES]
        return out


# --------------------------------------------------------------------------------------------- batches
def spark_types(df: pl.DataFrame) -> pl.DataFrame:
    """Enum and categorical columns as text: Spark has no dictionary type, and a slice whose rows all
    failed carries as text what a priced slice carries as an enum."""
    return df.with_columns(
        pl.col(c).cast(pl.String) for c, t in df.schema.items() if isinstance(t, pl.Enum | pl.Categorical)
    )


def _schema_of(spark_schema: Any) -> pa.Schema:
    from pyspark.sql.pandas.types import to_arrow_schema

    return to_arrow_schema(spark_schema)


def price_batch(
    df: DataFrame,
    *,
    as_of: dt.date | None = None,
    context: PricingContext | None = None,
) -> tuple[DataFrame, Any]:
    """Price a Spark DataFrame of entry lines: the priced DataFrame (lazy) and a tally accumulator.

    The output has the columns of ``rate --batch`` in the same order (input columns, then the rates,
    duty and status); read the accumulator's ``value`` with :meth:`BatchReport.from_tally` after an
    action. Raises ``ValueError`` when a required column is missing, before any job runs.
    """
    from pyspark import TaskContext
    from pyspark.sql.pandas.types import from_arrow_schema

    from tariffscope.resolver.context import default_context
    from tariffscope.resolver.executor import price_rows

    spark = df.sparkSession
    ctx = context or default_context()
    in_schema = _schema_of(df.schema)
    # the output schema is the embedded path's answer on no rows (this also checks the columns)
    probe = spark_types(price_rows(pl.from_arrow(in_schema.empty_table()), ctx, as_of=as_of).table)  # type: ignore[arg-type]
    out_struct = from_arrow_schema(probe.to_arrow().schema, prefer_timestamp_ntz=True)
    out_arrow = _schema_of(out_struct)
    bc = spark.sparkContext.broadcast(ctx)
    tally = spark.sparkContext.accumulator({}, _tally_param())

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        pid = TaskContext.get().partitionId()  # type: ignore[union-attr]
        local, bad = 0, 0
        first: list[tuple[int, str]] = []
        for chunk in _rechunk(batches, in_schema):
            priced = price_rows(pl.from_arrow(chunk), bc.value, as_of=as_of, workers=1)  # type: ignore[arg-type]
            failed = priced.failed
            bad += failed.height
            if len(first) < FIRST_FAILURES:
                first += [(local + int(r), str(s)) for r, s in failed.head(FIRST_FAILURES).iter_rows()]
            local += priced.table.height
            table = spark_types(priced.table).to_arrow().cast(out_arrow)
            yield from table.to_batches(max_chunksize=CHUNK_ROWS // 4)
        tally.add({pid: (local, bad, first[:FIRST_FAILURES])})

    return df.mapInArrow(run, out_struct), tally


def _rechunk(batches: Iterator[pa.RecordBatch], schema: pa.Schema) -> Iterator[pa.Table]:
    """Group Spark's Arrow batches (10,000 rows by default) into tables of about ``CHUNK_ROWS``."""
    held: list[pa.RecordBatch] = []
    n = 0
    for b in batches:
        held.append(b)
        n += b.num_rows
        if n >= CHUNK_ROWS:
            yield pa.Table.from_batches(held)
            held, n = [], 0
    if held:
        yield pa.Table.from_batches(held)


def rate_batch(
    spark: SparkSession,
    src: str,
    out: str,
    *,
    as_of: dt.date | None = None,
    context: PricingContext | None = None,
) -> BatchReport:
    """Read ``src``, price every line, write ``out`` (Parquet or CSV by extension); report the failures."""
    priced, tally = price_batch(read_batch(spark, src), as_of=as_of, context=context)
    try:
        write(priced, out)
    except Exception as exc:
        raise TariffscopeError(f"{out}: the Spark job failed: {_first_line(exc)}") from None
    return BatchReport.from_tally(tally.value)


# ---------------------------------------------------------------------------------------------- panels
def write_panel(
    spark: SparkSession,
    dates: Sequence[dt.date] | None,
    out: str,
    *,
    as_of: dt.date | None = None,
    context: PricingContext | None = None,
    parts: int | None = None,
) -> int:
    """Write the panel of each date (every HTS10 line x every country) to ``out``; return its rows.

    ``dates=None`` writes every HTS revision date exactly as ``panel --all-revisions`` does
    (:func:`~tariffscope.resolver.panel.revision_panel`); given dates are priced as ``panel --date``
    (:func:`~tariffscope.resolver.panel.panel_on`). One task per (date, slice of lines); one date is
    written as plain part files in the embedded path's row order, several as Parquet partitioned by
    ``date`` (``out/date=YYYY-MM-DD/``).
    """
    from pyspark import TaskContext

    from tariffscope.resolver.context import default_context
    from tariffscope.resolver.panel import PANEL_COLUMNS, panel_on, revision_dates, revision_panel

    ctx = context or default_context()
    by_revision = dates is None
    dates = revision_dates(ctx) if dates is None else list(dates)
    if not dates:
        raise TariffscopeError("no dates to write a panel for")
    price = revision_panel if by_revision else panel_on
    if parts is None:
        lines = ctx.schedule.lines["hts10"].n_unique()
        parts = max(1, round(lines * 252 / PANEL_PART_ROWS))
    tasks = [(d, k, parts) for d in sorted(set(dates)) for k in range(parts)]
    schema = "hts10 string, origin string, date date, total_rate double, " + ", ".join(
        f"{c} {'string' if c == 'base_status' else 'double'}" for c in PANEL_COLUMNS[4:]
    )
    from pyspark.sql.pandas.types import to_arrow_schema
    from pyspark.sql.types import StructType

    struct = StructType.fromDDL(schema)
    assert isinstance(struct, StructType)
    out_arrow = to_arrow_schema(struct)
    bc = spark.sparkContext.broadcast(ctx)
    tally = spark.sparkContext.accumulator({}, _tally_param())

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        n = 0
        for b in batches:
            for i in b.column(0).to_pylist():
                day, k, m = tasks[i]
                panel = price(day, as_of, context=bc.value, part=(k, m))
                n += panel.height
                tbl = spark_types(panel.select(PANEL_COLUMNS)).to_arrow().cast(out_arrow)
                yield from tbl.to_batches(max_chunksize=CHUNK_ROWS)
        tally.add({TaskContext.get().partitionId(): (n, 0, [])})  # type: ignore[union-attr]

    ids = spark.range(len(tasks), numPartitions=len(tasks))
    df = ids.mapInArrow(run, struct)
    try:
        write(df, out, partition_by=("date",) if len(tasks) > parts else ())
    except Exception as exc:
        raise TariffscopeError(f"{out}: the Spark job failed: {_first_line(exc)}") from None
    return BatchReport.from_tally(tally.value).rows
