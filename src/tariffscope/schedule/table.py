"""The dated HTS schedule: which HTS10 lines and MFN rates were in force on a date.

Backed by the compact tables that ``scripts/build_schedule.py`` writes into ``tariffscope/data``:
``schedule.parquet`` (HTS10 x interval), ``chapter99.parquet``, ``revisions.csv`` and
``schedule_concordance.parquet``. Intervals are half-open ``[valid_from, valid_to)``; a null
``valid_to`` means still in force at the last revision.
"""

from __future__ import annotations

import difflib
import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from tariffscope.errors import DataError, DateOutOfRange, UnknownHTS
from tariffscope.paths import PACKAGE_DATA
from tariffscope.schedule.hts import format_hts, normalize_hts

DateLike = date | datetime | str

MFN_COLUMNS = (
    "hts10",
    "valid_from",
    "valid_to",
    "rev_from",
    "unit",
    "general_text",
    "mfn_kind",
    "mfn_ad_valorem",
    "mfn_specific_usd",
    "mfn_specific_unit",
    "mfn_ave",
    "unit_value_usd",
    "unit_value_source",
    "col2_ave",
    "special_programs",
    "footnote_ch99",
)


def _to_date(d: DateLike) -> date:
    if isinstance(d, datetime):
        return d.date()
    if isinstance(d, date):
        return d
    try:
        return date.fromisoformat(str(d))
    except ValueError as exc:
        raise DateOutOfRange(f"not a date: {d!r} (expected YYYY-MM-DD)") from exc


_CACHE: dict[Path, Schedule] = {}
_LOCK = threading.Lock()


@dataclass
class Schedule:
    """The HTS schedule across revisions (see module docstring)."""

    lines: pl.DataFrame
    revisions: pl.DataFrame
    chapter99_lines: pl.DataFrame
    concordance: pl.DataFrame
    provenance: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, path: str | Path | None = None) -> Schedule:
        """Load the tables from ``path`` (a folder; default: the package data). Cached per folder."""
        folder = Path(path) if path is not None else PACKAGE_DATA
        key = folder.resolve()
        with _LOCK:
            hit = _CACHE.get(key)
            if hit is not None:
                return hit
            sched = cls._read(folder)
            _CACHE[key] = sched
            return sched

    @classmethod
    def _read(cls, folder: Path) -> Schedule:
        need = ["schedule.parquet", "chapter99.parquet", "revisions.csv", "schedule_concordance.parquet"]
        missing = [n for n in need if not (folder / n).exists()]
        if missing:
            raise DataError(
                f"schedule tables missing in {folder.name}/: {missing}; run scripts/build_schedule.py"
            )
        lines = pl.read_parquet(folder / "schedule.parquet").sort("hts10", "valid_from")
        revisions = pl.read_csv(
            folder / "revisions.csv",
            schema_overrides={
                "hts_date": pl.Date,
                "policy_effective_date": pl.Date,
                "effective_from": pl.Date,
            },
        )
        ch99 = pl.read_parquet(folder / "chapter99.parquet").sort("heading", "valid_from")
        conc = pl.read_parquet(folder / "schedule_concordance.parquet")
        prov_p = folder / "schedule_provenance.json"
        prov = json.loads(prov_p.read_text(encoding="utf-8")) if prov_p.exists() else {}
        return cls(lines, revisions, ch99, conc, prov)

    # ------------------------------------------------------------------ properties
    @property
    def horizon(self) -> tuple[date, date]:
        """First date covered and the date the last revision applies from (open after it)."""
        eff = self.revisions["effective_from"]
        return eff.min(), eff.max()  # type: ignore[return-value]

    @property
    def universe(self) -> np.ndarray:
        """Sorted array of every HTS10 that appears in any revision."""
        return self.lines["hts10"].unique().sort().to_numpy()

    def _check_date(self, d: date) -> None:
        lo, _ = self.horizon
        if d < lo:
            raise DateOutOfRange(f"{d} is before the first revision covered ({lo})")

    @staticmethod
    def _in_force(d: date) -> pl.Expr:
        return (pl.col("valid_from") <= d) & (pl.col("valid_to").is_null() | (pl.col("valid_to") > d))

    # ------------------------------------------------------------------ queries
    def on(self, when: DateLike, columns: Sequence[str] | None = None) -> pl.DataFrame:
        """Every HTS10 in force on ``when`` with its MFN fields (one row per code)."""
        d = _to_date(when)
        self._check_date(d)
        out = self.lines.filter(self._in_force(d))
        return out.select(columns) if columns is not None else out

    def revision_on(self, when: DateLike) -> str:
        """The revision in force on a date."""
        d = _to_date(when)
        self._check_date(d)
        r = self.revisions.filter(pl.col("effective_from") <= d).tail(1)
        return str(r["revision"][0])

    def chapter99(self, when: DateLike) -> pl.DataFrame:
        """Chapter 99 headings (9902/9903) in force on a date."""
        d = _to_date(when)
        self._check_date(d)
        return self.chapter99_lines.filter(self._in_force(d))

    def successors(
        self, hts10: str, when: DateLike | None = None, depth: int = 6
    ) -> list[tuple[str, str, str]]:
        """Successors of a retired HTS10 through the concordance, following chains.

        Returns ``(new_hts10, revision, method)`` tuples; with ``when``, only codes in force then.
        """
        frontier = [hts10]
        out: dict[str, tuple[str, str, str]] = {}
        seen = {hts10}
        for _ in range(depth):
            nxt = self.concordance.filter(
                pl.col("old_hts10").is_in(frontier) & pl.col("new_hts10").is_not_null()
            )
            frontier = []
            for n, r, m in nxt.select("new_hts10", "rev", "method").iter_rows():
                if n not in seen:
                    seen.add(n)
                    out[n] = (n, r, m)
                    frontier.append(n)
            if not frontier:
                break
        res = list(out.values())
        if when is not None:
            live = set(self.on(when, ["hts10"])["hts10"].to_list())
            res = [t for t in res if t[0] in live]
        return res

    def _suggest(self, code: str, d: date, n: int = 5) -> list[str]:
        live = self.on(d, ["hts10"])["hts10"]
        for k in (8, 6, 4):
            hits = live.filter(live.str.starts_with(code[:k])).head(n).to_list()
            if hits:
                return hits
        return difflib.get_close_matches(code, live.to_list(), n=n, cutoff=0.6)

    def lookup(self, hts: str | int, when: DateLike) -> dict[str, Any]:
        """The line in force for an HTS code on a date, as a dict of its fields.

        A 10-digit code is looked up as is; an 8-digit code returns its ``00`` line or, if the
        8-digit line has statistical suffixes, the first suffix (``hts10_all`` lists all of them;
        ``uniform_rate`` says whether they share one General rate). A retired code is resolved
        through the concordance: the result is the successor's line with ``resolved_from`` and a
        ``note`` saying so. Raises :class:`UnknownHTS` naming the code and suggesting close codes.
        """
        code = normalize_hts(hts)
        d = _to_date(when)
        self._check_date(d)
        if len(code) not in (8, 10):
            raise UnknownHTS(f"{format_hts(code)}: give an 8- or 10-digit HTS line (e.g. 8703.23.01.60)")
        live = self.on(d)
        if len(code) == 10:
            rows = live.filter(pl.col("hts10") == code)
        else:
            rows = live.filter(pl.col("hts10").str.starts_with(code))
        if rows.height:
            rec = rows.row(0, named=True)
            rec["hts10_all"] = rows["hts10"].to_list()
            rec["uniform_rate"] = rows["general_text"].n_unique() == 1
            rec["resolved_from"] = None
            rec["note"] = ""
            return rec
        # not in force on d: retired (resolve) or not yet / never existing (raise)
        hist = self.lines.filter(
            (pl.col("hts10") == code) if len(code) == 10 else pl.col("hts10").str.starts_with(code)
        )
        if hist.height:
            first = str(hist["valid_from"].min())
            last_to = str(hist["valid_to"].max())
            if d.isoformat() < first:
                raise UnknownHTS(f"{format_hts(code)} is not in force on {d}: it takes effect on {first}")
            olds = hist["hts10"].unique().to_list()
            succ: list[tuple[str, str, str]] = []
            for o in olds:
                succ.extend(self.successors(o, d))
            if succ:
                new, rev, method = succ[0]
                rec = live.filter(pl.col("hts10") == new).row(0, named=True)
                rec["hts10_all"] = sorted({s[0] for s in succ})
                rec["uniform_rate"] = (
                    live.filter(pl.col("hts10").is_in(rec["hts10_all"]))["general_text"].n_unique() == 1
                )
                rec["resolved_from"] = code
                rec["note"] = (
                    f"{format_hts(code)} was retired (last in force before {last_to}); resolved through the "
                    f"concordance ({method}, {rev}) to {', '.join(format_hts(s) for s in rec['hts10_all'])}"
                )
                return rec
            raise UnknownHTS(
                f"{format_hts(code)} is not in force on {d} (in force until {last_to}) and has no successor "
                f"in the concordance; close codes: {[format_hts(c) for c in self._suggest(code, d)]}"
            )
        sugg = [format_hts(c) for c in self._suggest(code, d)]
        raise UnknownHTS(
            f"{format_hts(code)} is not an HTS line in any revision {self.horizon[0]}..{self.horizon[1]}; "
            f"close codes in force on {d}: {sugg}"
        )

    def resolve_codes(
        self,
        hts10: pl.Series | Iterable[str],
        dates: pl.Series | Iterable[DateLike] | DateLike,
        columns: Sequence[str] = MFN_COLUMNS,
    ) -> pl.DataFrame:
        """Vectorised lookup of many (HTS10, date) pairs, in input order.

        Returns ``row`` (input position), ``hts10_in``, ``date``, ``resolution`` (``exact``,
        ``concordance`` or ``unknown``) and the requested line ``columns`` (null when unknown).
        Retired codes resolve to their first successor in force on the date.
        """
        q = _query_frame(hts10, dates)
        cols = [c for c in columns if c != "hts10"]
        # join on keys only, then gather the requested columns once by line index
        lines = self.lines.select("hts10", "valid_from", "valid_to").with_row_index("_li")
        exact = _asof_lines(q, "hts10_in", lines)
        good = exact.filter(pl.col("_ok")).with_columns(
            pl.col("hts10_in").alias("hts10"), pl.lit("exact").alias("resolution")
        )
        bad = exact.filter(~pl.col("_ok")).select("row", "hts10_in", "date")
        parts = [good, *self._via_concordance(bad, lines)] if bad.height else [good]
        keys = ["row", "hts10_in", "date", "resolution", "hts10", "_li"]
        out = pl.concat([p.select(keys) for p in parts], how="vertical_relaxed").sort("row")
        data = self.lines.select(cols).gather(out["_li"])  # null index -> null row
        return pl.concat([out.drop("_li"), data], how="horizontal")

    def _via_concordance(self, bad: pl.DataFrame, lines: pl.DataFrame) -> list[pl.DataFrame]:
        """Codes not in force on their date: the first successor in force (``concordance``), else ``unknown``."""
        hops = self.concordance.filter(pl.col("new_hts10").is_not_null())
        # candidates: one concordance hop at a time (chains are short), first live successor wins
        cand = bad.join(
            hops.select(pl.col("old_hts10").alias("hts10_in"), "new_hts10"), on="hts10_in", how="left"
        )
        for _ in range(4):
            follow = cand.join(
                hops.select(pl.col("old_hts10").alias("new_hts10"), pl.col("new_hts10").alias("_n2")),
                on="new_hts10",
                how="inner",
            ).select("row", "hts10_in", "date", pl.col("_n2").alias("new_hts10"))
            before = cand.height
            cand = pl.concat([cand, follow]).unique(["row", "new_hts10"], maintain_order=True)
            if cand.height == before:
                break
        resolved = (
            _asof_lines(cand.filter(pl.col("new_hts10").is_not_null()), "new_hts10", lines)
            .filter(pl.col("_ok"))
            .sort("row", "new_hts10")
            .unique("row", keep="first", maintain_order=True)
            .with_columns(pl.col("new_hts10").alias("hts10"), pl.lit("concordance").alias("resolution"))
            .drop("new_hts10")
        )
        unknown = bad.join(resolved.select("row"), on="row", how="anti").with_columns(
            pl.lit(None, pl.Utf8).alias("hts10"),
            pl.lit("unknown").alias("resolution"),
            pl.lit(None, pl.UInt32).alias("_li"),
        )
        return [resolved, unknown]

    def search(self, words: str, limit: int = 20, when: DateLike | None = None) -> pl.DataFrame:
        """Lines whose description contains every word (case-insensitive), best matches first.

        Searches the lines in force on ``when`` (default: the last revision). Also matches code
        prefixes (``8703`` or ``8703.23``). Ranked by matches in the line's own description
        (last path segment), then by shorter descriptions.
        """
        d = _to_date(when) if when is not None else self.horizon[1]
        base = self.on(d).select("hts10", "description", "general_text", "mfn_ave", "unit")
        terms = [w.lower() for w in words.split() if w.strip()]
        if not terms:
            return base.head(0)
        expr = pl.lit(True)
        score = pl.lit(0)
        own = pl.col("description").str.split(": ").list.last().str.to_lowercase()
        for t in terms:
            digits = t.replace(".", "")
            lit_t = pl.lit(t)
            cond = pl.col("description").str.to_lowercase().str.contains(lit_t, literal=True)
            if digits.isdigit():
                cond = cond | pl.col("hts10").str.starts_with(digits)
            expr = expr & cond
            score = score + own.str.contains(lit_t, literal=True).cast(pl.Int32)
        return (
            base.filter(expr)
            .with_columns(score.alias("score"), pl.col("description").str.len_chars().alias("_len"))
            .sort(["score", "_len", "hts10"], descending=[True, False, False])
            .drop("_len")
            .head(limit)
        )


def _query_frame(
    hts10: pl.Series | Iterable[str], dates: pl.Series | Iterable[DateLike] | DateLike
) -> pl.DataFrame:
    """``row, hts10_in, date``: the codes (dots and spaces dropped) beside their dates (one date for all, or one each)."""
    codes = hts10 if isinstance(hts10, pl.Series) else pl.Series(list(hts10), dtype=pl.Utf8)
    codes = codes.cast(pl.Utf8).str.replace_all(r"[.\s]", "").alias("hts10_in")
    n = codes.len()
    if isinstance(dates, date | datetime | str):
        ds = pl.Series("date", [_to_date(dates)] * n, dtype=pl.Date)
    else:
        ds = dates if isinstance(dates, pl.Series) else pl.Series(list(dates))
        ds = ds.cast(pl.Date) if ds.dtype != pl.Utf8 else ds.str.to_date()
        ds = ds.alias("date")
    if ds.len() != n:
        raise ValueError(f"hts10 has {n} values but dates has {ds.len()}")
    return pl.DataFrame([codes, ds]).with_row_index("row")


def _asof_lines(frame: pl.DataFrame, key: str, lines: pl.DataFrame) -> pl.DataFrame:
    """Join each (``key``, ``date``) to the line revision starting last on or before the date; ``_ok``
    marks those still in force on it."""
    j = frame.sort("date").join_asof(
        lines.sort("valid_from"),
        left_on="date",
        right_on="valid_from",
        by_left=key,
        by_right="hts10",
        strategy="backward",
        check_sortedness=False,
    )
    ok = pl.col("valid_from").is_not_null() & (
        pl.col("valid_to").is_null() | (pl.col("valid_to") > pl.col("date"))
    )
    return j.with_columns(ok.alias("_ok"))
