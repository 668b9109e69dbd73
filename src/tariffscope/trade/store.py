"""The trade store: one DuckDB file holding the loaded trade data and its provenance.

Tables:

- ``trade``: the tidy rows of every load (see :mod:`tariffscope.trade.schema`) plus ``load_id``;
- ``provenance``: one row per load: ``load_id, source, format, retrieved_at, loaded_at, sha256,
  rows, skipped, cleaned``;
- ``load_issues``: the rows each load skipped or cleaned (``row, field, value, reason, action``).

Loads are idempotent (content whose rows are in the store, by SHA-256 and format, is not loaded
again) and atomic: rows go into a staging table and are swapped in inside one transaction, so a load
that is killed part-way leaves the previous data as it was (DuckDB rolls back an uncommitted
transaction when the file is next opened). Loading a new version of a source (same ``source``, new
checksum) replaces that source's rows in the same transaction; loading an earlier version again
brings its rows back. A load with no data rows is refused (it would wipe the source). A named pipe
or other stream is read once, into a temporary file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import duckdb
import polars as pl

from tariffscope.errors import DataError
from tariffscope.paths import default_db
from tariffscope.trade.formats import detect_format, load
from tariffscope.trade.schema import IMPORT_MEASURES, LoadResult

_DDL = """
CREATE TABLE IF NOT EXISTS trade (
    hts10 VARCHAR NOT NULL, level TINYINT, partner VARCHAR NOT NULL, period DATE NOT NULL,
    freq VARCHAR, measure VARCHAR NOT NULL, value_usd DOUBLE, quantity DOUBLE, unit VARCHAR,
    usmca_value DOUBLE, load_id BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS provenance (
    load_id BIGINT PRIMARY KEY, source VARCHAR NOT NULL, format VARCHAR NOT NULL,
    retrieved_at TIMESTAMP, loaded_at TIMESTAMP NOT NULL, sha256 VARCHAR NOT NULL,
    rows BIGINT NOT NULL, skipped BIGINT NOT NULL, cleaned BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS load_issues (
    load_id BIGINT NOT NULL, "row" BIGINT, field VARCHAR, value VARCHAR, reason VARCHAR, action VARCHAR
);
CREATE SEQUENCE IF NOT EXISTS load_seq START 1;
"""


DUCKDB_MAGIC = b"DUCK"
"""Bytes 8-11 of a DuckDB database file."""


def _check_is_store(path: Path) -> None:
    """Refuse to open an existing file that is not a DuckDB database (DuckDB would open a CSV)."""
    if not path.exists():
        return
    if not path.is_file():
        raise DataError(f"{path}: not a file; give the path of a DuckDB trade store")
    with path.open("rb") as fh:
        head = fh.read(12)
    if head and head[8:12] != DUCKDB_MAGIC:
        raise DataError(
            f"{path}: not a DuckDB trade store (give a .duckdb path; trade files are loaded with "
            "`tariffscope data import FILE`)"
        )


def sha256_file(path: Path) -> str:
    """SHA-256 of a file (or of every file of a folder, in name order)."""
    h = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for f in files:
        if path.is_dir():
            h.update(f.relative_to(path).as_posix().encode())
        with f.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


@dataclass(frozen=True)
class LoadOutcome:
    """What a load did: ``status`` is ``loaded``, ``replaced`` (a new version of the source) or
    ``unchanged`` (the same content was already loaded)."""

    load_id: int
    status: str
    rows: int
    skipped: int
    cleaned: int
    source: str


class TradeStore:
    """A DuckDB trade store (default :func:`tariffscope.paths.default_db`)."""

    def __init__(self, path: Path | str | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else default_db()
        _check_is_store(self.path)
        if read_only and not self.path.exists():
            raise DataError(f"{self.path}: no trade store here (load data with `tariffscope data import`)")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as e:
            raise DataError(f"{self.path}: cannot open the trade store ({e})") from e
        if not read_only:
            self.con.execute(_DDL)

    # -- context manager ---------------------------------------------------------------------------
    def __enter__(self) -> TradeStore:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    # -- loading -----------------------------------------------------------------------------------
    def find_load(self, sha256: str, fmt: str) -> int | None:
        """The id of a load with this content and format whose rows are in the store, if any.

        A load replaced by a later version of its source no longer counts: loading it again restores it.
        """
        rows = self.con.execute(
            """
            SELECT p.load_id FROM provenance p
            WHERE p.sha256 = ? AND p.format = ? AND p.load_id = (
                SELECT max(q.load_id) FROM provenance q WHERE q.source = p.source AND q.format = p.format)
            ORDER BY p.load_id DESC LIMIT 1
            """,
            [sha256, fmt],
        ).fetchall()
        return int(rows[0][0]) if rows else None

    def load_result(
        self,
        result: LoadResult,
        *,
        sha256: str,
        source: str | None = None,
        retrieved_at: dt.datetime | None = None,
        on_staged: Callable[[], None] | None = None,
    ) -> LoadOutcome:
        """Store a loader's result atomically. ``on_staged`` runs after staging, before the swap."""
        source = source or result.source
        fmt = result.fmt
        existing = self.find_load(sha256, fmt)
        if existing is not None:
            return self._outcome(existing, "unchanged")
        frame = result.frame
        issues = result.issues
        if frame.height == 0:
            why = "; ".join(
                f"row {r['row']}: {r['field']}: {r['reason']}" for r in issues.head(3).iter_rows(named=True)
            )
            raise DataError(
                f"{source}: no data rows ({result.n_skipped:,} skipped{': ' + why if why else ''}); "
                "nothing stored, the store is unchanged"
            )
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            load_id = int(con.execute("SELECT nextval('load_seq')").fetchall()[0][0])
            con.register("_incoming", frame.to_arrow())
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _staging AS SELECT *, ?::BIGINT AS load_id FROM _incoming",
                [load_id],
            )
            con.unregister("_incoming")
            if on_staged is not None:
                on_staged()
            prev = [
                int(r[0])
                for r in con.execute(
                    "SELECT load_id FROM provenance WHERE source = ? AND format = ?", [source, fmt]
                ).fetchall()
            ]
            if prev:
                con.execute("DELETE FROM trade WHERE load_id IN (SELECT UNNEST(?::BIGINT[]))", [prev])
            con.execute(
                "INSERT INTO trade SELECT hts10, level, partner, period, freq, measure, value_usd, quantity, "
                "unit, usmca_value, load_id FROM _staging"
            )
            con.register("_issues", issues.to_arrow())
            con.execute(
                'INSERT INTO load_issues SELECT ?, "row", field, value, reason, action FROM _issues',
                [load_id],
            )
            con.unregister("_issues")
            n_skipped = result.n_skipped
            n_cleaned = int((issues["action"] == "cleaned").sum()) if issues.height else 0
            con.execute(
                "INSERT INTO provenance VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    load_id,
                    source,
                    fmt,
                    retrieved_at,
                    dt.datetime.now(dt.UTC).replace(tzinfo=None),
                    sha256,
                    frame.height,
                    n_skipped,
                    n_cleaned,
                ],
            )
            con.execute("DROP TABLE _staging")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return LoadOutcome(
            load_id, "replaced" if prev else "loaded", frame.height, n_skipped, n_cleaned, source
        )

    def load_file(
        self,
        path: Path | str,
        fmt: str = "auto",
        *,
        retrieved_at: dt.datetime | None = None,
        on_staged: Callable[[], None] | None = None,
    ) -> tuple[LoadOutcome, LoadResult | None]:
        """Parse and store a file; a file whose content is already stored is not parsed again."""
        path = Path(path)
        if not path.exists():
            raise DataError(f"{path}: no such file")
        if retrieved_at is None:
            retrieved_at = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).replace(tzinfo=None)
        source = str(path.resolve())
        if path.is_file() or path.is_dir():
            return self._load_path(path, fmt, source, retrieved_at, on_staged)
        # a named pipe or a device can be read only once: spool it, keeping its name for format detection
        with tempfile.TemporaryDirectory(prefix="tariffscope-import-") as tmp:
            copy = Path(tmp) / path.name
            with path.open("rb") as src, copy.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            return self._load_path(copy, fmt, source, retrieved_at, on_staged)

    def _load_path(
        self,
        path: Path,
        fmt: str,
        source: str,
        retrieved_at: dt.datetime,
        on_staged: Callable[[], None] | None,
    ) -> tuple[LoadOutcome, LoadResult | None]:
        fmt = detect_format(path) if fmt == "auto" else fmt
        digest = sha256_file(path)
        existing = self.find_load(digest, fmt)
        if existing is not None:
            return self._outcome(existing, "unchanged"), None
        result = load(path, fmt)
        outcome = self.load_result(
            result, sha256=digest, source=source, retrieved_at=retrieved_at, on_staged=on_staged
        )
        return outcome, result

    def _outcome(self, load_id: int, status: str) -> LoadOutcome:
        r = self.con.execute(
            "SELECT rows, skipped, cleaned, source FROM provenance WHERE load_id = ?", [load_id]
        ).fetchall()[0]
        return LoadOutcome(load_id, status, int(r[0]), int(r[1]), int(r[2]), str(r[3]))

    # -- reading -----------------------------------------------------------------------------------
    def query(self, sql: str, params: list[object] | None = None) -> pl.DataFrame:
        return self.con.sql(sql, params=params or None).pl()

    def provenance(self) -> pl.DataFrame:
        return self.query("SELECT * FROM provenance ORDER BY load_id")

    def issues(self, load_id: int) -> pl.DataFrame:
        return self.query(
            'SELECT "row", field, value, reason, action FROM load_issues WHERE load_id = ? ORDER BY "row"',
            [load_id],
        )

    def status(self) -> pl.DataFrame:
        """What is loaded: rows, partners, lines and value by measure, level, frequency and year."""
        return self.query(
            """
            SELECT measure, level, freq, year(period) AS year, count(*) AS rows,
                   count(DISTINCT partner) AS partners, count(DISTINCT hts10) AS codes,
                   sum(value_usd) AS value_usd
            FROM trade GROUP BY ALL ORDER BY measure, level, freq, year
            """
        )

    def annual_imports(self, year: int, *, level: int = 10) -> pl.DataFrame:
        """Imports by ``hts10, partner`` for ``year``: monthly rows summed over the year, with USMCA
        value. Consumption imports are preferred to general imports where a source gives both; where
        several loads cover the same line, partner and period, the latest load wins."""
        return self.query(
            """
            WITH ranked AS (
                SELECT *, row_number() OVER (
                    PARTITION BY hts10, partner, period, freq
                    ORDER BY CASE measure WHEN 'imports_cons' THEN 0 ELSE 1 END, load_id DESC) AS rk
                FROM trade
                WHERE level = ? AND year(period) = ? AND measure IN (SELECT UNNEST(?::VARCHAR[]))
            ), best_freq AS (
                -- per partner, use monthly data if present, else annual
                SELECT partner, min(CASE freq WHEN 'M' THEN 0 ELSE 1 END) AS f FROM ranked GROUP BY partner
            )
            SELECT r.hts10, r.partner, sum(r.value_usd) AS imports_usd, sum(r.usmca_value) AS usmca_usd,
                   count(DISTINCT r.period) AS periods
            FROM ranked r JOIN best_freq b ON r.partner = b.partner
                AND (CASE r.freq WHEN 'M' THEN 0 ELSE 1 END) = b.f
            WHERE r.rk = 1
            GROUP BY r.hts10, r.partner
            """,
            [level, year, list(IMPORT_MEASURES)],
        )
