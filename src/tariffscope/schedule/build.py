"""Build the dated HTS tables from the USITC JSON revisions.

Used by ``scripts/build_schedule.py``; kept in the package so the steps are importable and tested.

Steps:

1. :func:`flatten_revision`: one revision's records -> one row per HTS10 line with its full
   description path and the rate texts it carries *or inherits by indent* (statistical suffix
   lines carry empty rate columns: their legal rate is that of the nearest ancestor line, by
   indent, that has a General rate, normally the 8-digit tariff line). 8-digit lines without
   10-digit children become HTS10 ``<8 digits>00``.
2. :func:`revision_table`: revisions in order with the date each applies from.
3. :func:`collapse_intervals`: consecutive revisions with identical content collapse into one
   interval ``[valid_from, valid_to)``.
4. :func:`add_rate_columns`: parse the rate texts and compute ad valorem equivalents.
5. :func:`build_concordance`: link HTS10 codes that disappear to their successors.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from tariffscope.errors import DataError
from tariffscope.schedule.pull import frame_from_columns, parse_usitc_json
from tariffscope.schedule.ratetext import NUMERIC_KINDS, Rate, RateError, parse_rate, special_programs

_TAGS = re.compile(r"<[^>]*>")
_CH99_REF = re.compile(r"\b(99\d\d)\.(\d\d)\.(\d\d)\b")
_WS = re.compile(r"\s+")

CONTENT_COLUMNS = ("description", "unit", "general_text", "special_text", "other_text", "footnote_ch99")


def _clean_desc(s: str) -> str:
    return _WS.sub(" ", _TAGS.sub("", s)).strip()


def _ch99_refs(texts: Sequence[str]) -> list[str]:
    out: dict[str, None] = {}
    for t in texts:
        for a, b, c in _CH99_REF.findall(t):
            out[a + b + c] = None
    return sorted(out)


@dataclass
class _Node:
    indent: int
    desc: str
    general: str
    special: str
    other: str
    footnotes: list[str]
    source: str


_LINE_COLS = ("hts10", "description", "unit", "general_text", "special_text", "other_text")
_CH99_COLS = ("heading", "description", "general_text", "special_text", "other_text", "footnote_ch99")


def flatten_revision(raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Flatten one revision (output of :func:`parse_usitc_json`).

    Returns ``(lines, chapter99)``: ``lines`` has one row per HTS10 of chapters 01-98 with
    ``hts10, description, unit, general_text, special_text, other_text, footnote_ch99,
    rate_source`` (the 8/10-digit line whose rate texts the row carries); ``chapter99`` has one
    row per 9902/9903 heading with its own texts.
    """
    htsno = raw["htsno"].to_list()
    indent = raw["indent"].to_list()
    desc = raw["description"].to_list()
    units = raw["units"].to_list()
    gen = raw["general"].to_list()
    spec = raw["special"].to_list()
    oth = raw["other"].to_list()
    fns = raw["footnotes"].to_list()
    digits = [h.replace(".", "") for h in htsno]
    has_children = {d[:8] for d in digits if len(d) == 10}
    lines: dict[str, list] = {k: [] for k in (*_LINE_COLS, "footnote_ch99", "rate_source")}
    ch99: dict[str, list] = {k: [] for k in _CH99_COLS}
    stack: list[_Node] = []
    for i in range(len(htsno)):
        while stack and stack[-1].indent >= indent[i]:
            stack.pop()
        d = digits[i]
        own_desc = _clean_desc(desc[i])
        parent = stack[-1] if stack else None
        g, s, o, src = _rate_texts(d, gen[i], spec[i], oth[i], parent)
        all_fns = (parent.footnotes if parent else []) + fns[i]
        if d.startswith(("9902", "9903")) and len(d) >= 8:
            for k, v in zip(
                _CH99_COLS, (d, own_desc, gen[i], spec[i], oth[i], _ch99_refs(fns[i])), strict=True
            ):
                ch99[k].append(v)
        elif (
            d.isdigit()
            and not d.startswith("99")
            and (len(d) == 10 or (len(d) == 8 and d not in has_children))
        ):
            path = [n.desc.rstrip(" :") for n in stack if n.desc] + [own_desc.rstrip(" :")]
            row = (
                d if len(d) == 10 else d + "00",
                ": ".join(p for p in path if p),
                ", ".join(units[i]),
                g,
                s,
                o,
                _ch99_refs(all_fns),
                src,
            )
            for k, v in zip(lines, row, strict=True):
                lines[k].append(v)
        stack.append(_Node(indent[i], own_desc, g, s, o, all_fns, src))
    return _line_frames(lines, ch99)


def _rate_texts(d: str, gen: str, spec: str, oth: str, parent: _Node | None) -> tuple[str, str, str, str]:
    """The (general, special, other, source line) rate texts a line carries: its own, else its parent's."""
    if gen:
        return gen, spec, oth, d
    if parent is not None:
        # a special-program-only line (chapter 98 subchapters XIX-XXIII: no General rate) keeps
        # its own Special text; statistical suffixes have none and inherit their parent's
        return parent.general, spec or parent.special, parent.other, parent.source
    if spec:
        return "", spec, "", d
    return "", "", "", ""


def _line_frames(lines: dict[str, list], ch99: dict[str, list]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The collected columns as frames, one row per HTS10 and per chapter 99 heading."""
    schema_l: dict[str, Any] = {c: pl.Utf8 for c in lines}
    schema_l["footnote_ch99"] = pl.List(pl.Utf8)
    schema_c: dict[str, Any] = {c: pl.Utf8 for c in ch99}
    schema_c["footnote_ch99"] = pl.List(pl.Utf8)
    lf = frame_from_columns(lines, schema_l)
    dup = lf.filter(pl.col("hts10").is_duplicated())
    if dup.height:
        # Rare in the source (a code printed twice); keep the first, as USITC's own lookup does.
        lf = lf.unique("hts10", keep="first", maintain_order=True)
    cf = frame_from_columns(ch99, schema_c).unique("heading", keep="first", maintain_order=True)
    return lf, cf


# ---------------------------------------------------------------------------------------------
# Revisions


def revision_id(name: str) -> str:
    """Normalise a ``revision_dates.csv`` name (``basic``, ``rev_3``, ``2026_rev_1``) to ``2025_basic`` etc."""
    return name if re.match(r"^\d{4}_", name) else f"2025_{name}"


def revision_table(dates_csv: Path, available: Sequence[str]) -> pl.DataFrame:
    """Revisions in schedule order with the date each applies from.

    ``effective_from`` is ``policy_effective_date`` where given (the date the change takes legal
    effect), else ``effective_date`` (the HTS publication date). Revisions listed in the CSV
    without a file, or with a file but not listed (``2026_rev_8``, excluded upstream as
    editorial-only), are left out. Raises :class:`DataError` if the dates are not strictly
    increasing in revision order.
    """
    rows = []
    with open(dates_csv, newline="", encoding="utf-8") as fh:
        for line_no, r in enumerate(csv.DictReader(fh), start=2):
            rid = revision_id(r["revision"])
            if rid not in available:
                continue

            def _d(v: str, field: str, line_no: int = line_no) -> date | None:
                if not v or v == "NA":
                    return None
                try:
                    return date.fromisoformat(v)
                except ValueError as exc:
                    raise DataError(f"{dates_csv.name} line {line_no}: field {field} = {v!r}") from exc

            hts_date = _d(r["effective_date"], "effective_date")
            pol = _d(r["policy_effective_date"], "policy_effective_date")
            if hts_date is None:
                raise DataError(f"{dates_csv.name} line {line_no}: revision {rid} has no effective_date")
            ev = r.get("policy_event") or ""
            rows.append(
                {
                    "revision": rid,
                    "hts_date": hts_date,
                    "policy_effective_date": pol,
                    "effective_from": pol or hts_date,
                    "policy_event": "" if ev == "NA" else ev,
                }
            )
    df = pl.DataFrame(rows)
    eff = df["effective_from"].to_list()
    for a, b, ra, rb in zip(eff, eff[1:], df["revision"], df["revision"][1:], strict=False):
        if not a < b:
            raise DataError(f"{dates_csv.name}: effective_from of {rb} ({b}) is not after {ra} ({a})")
    return df.with_row_index("rev_idx").with_columns(pl.col("rev_idx").cast(pl.Int16))


# ---------------------------------------------------------------------------------------------
# Intervals


def collapse_intervals(per_rev: pl.DataFrame, revisions: pl.DataFrame, key: str = "hts10") -> pl.DataFrame:
    """Collapse consecutive revisions with identical content into intervals.

    ``per_rev`` has ``rev_idx``, ``key`` and content columns (all but ``rev_idx``/``key`` are
    compared). A code absent from a revision ends its interval at that revision's date.
    Returns the content columns plus ``valid_from, valid_to`` (exclusive; null = still open at
    the last revision) and ``rev_from, rev_to``.
    """
    content = [c for c in per_rev.columns if c not in ("rev_idx", key)]
    keyexpr = pl.concat_str(
        [
            pl.col(c).list.join(",") if per_rev.schema[c] == pl.List(pl.Utf8) else pl.col(c).cast(pl.Utf8)
            for c in content
        ],
        separator="\x1f",
        ignore_nulls=False,
    ).fill_null("\x00")
    df = per_rev.sort([key, "rev_idx"]).with_columns(_k=keyexpr)
    brk = (
        (pl.col(key) != pl.col(key).shift())
        | (pl.col("_k") != pl.col("_k").shift())
        | (pl.col("rev_idx") != pl.col("rev_idx").shift() + 1)
    ).fill_null(True)
    df = df.with_columns(_g=brk.cum_sum())
    out = df.group_by("_g", maintain_order=True).agg(
        pl.col(key).first(),
        pl.col("rev_idx").min().alias("_r0"),
        pl.col("rev_idx").max().alias("_r1"),
        *[pl.col(c).first() for c in content],
    )
    n = revisions.height
    revs = revisions.select("rev_idx", "revision", "effective_from")
    out = (
        out.join(
            revs.rename({"rev_idx": "_r0", "revision": "rev_from", "effective_from": "valid_from"}),
            on="_r0",
            how="left",
        )
        .join(
            revs.rename({"rev_idx": "_r1", "revision": "rev_to"}).drop("effective_from"), on="_r1", how="left"
        )
        .with_columns((pl.col("_r1") + 1).cast(pl.Int16).alias("_rn"))
        .join(
            revs.rename({"rev_idx": "_rn", "effective_from": "valid_to"}).drop("revision"),
            on="_rn",
            how="left",
        )
    )
    assert out.filter(pl.col("_rn") < n)["valid_to"].null_count() == 0
    return out.select(key, "valid_from", "valid_to", "rev_from", "rev_to", *content).sort(key, "valid_from")


def repair_truncated_paths(per_rev: pl.DataFrame, key: str = "hts10") -> pl.DataFrame:
    """Restore description paths cut short by a missing parent record in one revision.

    Source defect: ``hts_2026_rev_9`` lacks its first record (heading 0101), so the 0101 lines'
    paths lose their first segment. Where a code's path in revision k is a strict suffix
    (after ``": "``) of its path in the previous revision, the previous path is kept; this
    avoids spurious intervals without changing any rate text.
    """
    df = per_rev.sort([key, "rev_idx"])
    prev = pl.col("description").shift().over(key)
    fix = (
        prev.is_not_null()
        & (prev != pl.col("description"))
        & prev.str.ends_with(pl.lit(": ") + pl.col("description"))
    )
    return df.with_columns(pl.when(fix).then(prev).otherwise(pl.col("description")).alias("description"))


# ---------------------------------------------------------------------------------------------
# Unit values and rate columns


@dataclass(frozen=True)
class UnitValueTable:
    """USD per unit of quantity for computing ad valorem equivalents of specific duties.

    Rows ``(prefix, unit, usd_per_unit, source)``; the longest matching HTS prefix wins
    (4-digit heading, then 2-digit chapter, then ``""`` for all).
    """

    rows: tuple[tuple[str, str, float, str], ...]

    @classmethod
    def read_csv(cls, path: Path, extra: Sequence[tuple[str, str, float, str]] = ()) -> UnitValueTable:
        rows = []
        with open(path, newline="", encoding="utf-8") as fh:
            for i, r in enumerate(csv.DictReader(fh), start=2):
                try:
                    v = float(r["usd_per_unit"])
                except ValueError as exc:
                    raise DataError(f"{path.name} line {i}: usd_per_unit = {r['usd_per_unit']!r}") from exc
                if not v > 0:
                    raise DataError(f"{path.name} line {i}: usd_per_unit must be positive")
                rows.append((r["prefix"].strip(), r["unit"].strip(), v, r["source"].strip()))
        return cls(tuple(rows) + tuple(extra))

    def lookup(self, hts10: str, unit: str) -> tuple[float, str] | None:
        best: tuple[int, float, str] | None = None
        for prefix, u, v, src in self.rows:
            if u == unit and hts10.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), v, f"{src}:{prefix or '*'}:{unit}")
        return None if best is None else (best[1], best[2])


# Rates of a line that are numbers by themselves ("additional" texts in chapter 98, e.g. "the
# duty rate provided in such subheading minus 0.5%", are relative to another line: no number here).
_LINE_NUMERIC = NUMERIC_KINDS - {"additional"}


def _rate_fields(rate: Rate) -> dict[str, object]:
    numeric = rate.kind in _LINE_NUMERIC
    units = rate.units
    return {
        "kind": rate.kind,
        "ad_valorem": rate.ad_valorem if numeric else None,
        "specific_usd": (sum(p.usd_per_unit for p in rate.specific) if numeric and len(units) == 1 else None),
        "specific_unit": "+".join(units) if units else None,
    }


def add_rate_columns(lines: pl.DataFrame, unit_values: UnitValueTable) -> pl.DataFrame:
    """Add parsed MFN (General) and column-2 fields, ad valorem equivalents and programs.

    AVE = duty on one unit at the unit value / unit value (see ``docs/schedule.md``). A specific
    duty without a unit value gives a null AVE, never zero.
    """
    texts = pl.concat([lines["general_text"], lines["other_text"]]).unique().to_list()
    parsed = {t: parse_rate(t) for t in texts}
    mfn = [_rate_fields(parsed[t]) for t in lines["general_text"].to_list()]
    hts = lines["hts10"].to_list()

    def _ave(t: str, h: str) -> tuple[float | None, float | None, str | None]:
        r = parsed[t]
        if r.kind not in _LINE_NUMERIC:
            return None, None, None
        if not r.specific:
            return r.ad_valorem, None, None
        uvs: dict[str, float] = {}
        srcs = []
        for u in r.units:
            hit = unit_values.lookup(h, u)
            if hit is None:
                return None, None, f"missing:{u}"
            uvs[u], s = hit
            srcs.append(s)
        try:
            return r.ave(uvs), uvs[r.units[0]], ";".join(srcs)
        except RateError:
            return None, None, None

    cache: dict[tuple[str, str], tuple[float | None, float | None, str | None]] = {}

    def ave_of(t: str, h: str) -> tuple[float | None, float | None, str | None]:
        k = (t, h[:4])
        if k not in cache:
            cache[k] = _ave(t, h)
        return cache[k]

    mfn_ave = [ave_of(t, h) for t, h in zip(lines["general_text"].to_list(), hts, strict=True)]
    col2_ave = [ave_of(t, h)[0] for t, h in zip(lines["other_text"].to_list(), hts, strict=True)]
    progs = {t: special_programs(t) for t in lines["special_text"].unique().to_list()}
    return lines.with_columns(
        pl.Series("mfn_ad_valorem", [m["ad_valorem"] for m in mfn], dtype=pl.Float64),
        pl.Series("mfn_specific_usd", [m["specific_usd"] for m in mfn], dtype=pl.Float64),
        pl.Series("mfn_specific_unit", [m["specific_unit"] for m in mfn], dtype=pl.Utf8),
        pl.Series("mfn_kind", [m["kind"] for m in mfn], dtype=pl.Categorical),
        pl.Series("mfn_ave", [a[0] for a in mfn_ave], dtype=pl.Float64),
        pl.Series("col2_ave", col2_ave, dtype=pl.Float64),
        pl.Series("unit_value_usd", [a[1] for a in mfn_ave], dtype=pl.Float64),
        pl.Series("unit_value_source", [a[2] for a in mfn_ave], dtype=pl.Utf8),
        pl.Series(
            "special_programs", [progs[t] for t in lines["special_text"].to_list()], dtype=pl.List(pl.Utf8)
        ),
    )


def add_chapter99_columns(ch99: pl.DataFrame) -> pl.DataFrame:
    """Parse Chapter 99 texts: ``additional_ad_valorem`` for "duty provided ... + X%" headings,
    ``rate_ad_valorem`` for headings that state a rate in place of the subheading's (9902)."""
    texts = ch99["general_text"].unique().to_list()
    parsed = {t: parse_rate(t) for t in texts}
    g = ch99["general_text"].to_list()
    return ch99.with_columns(
        pl.Series("kind", [parsed[t].kind for t in g], dtype=pl.Categorical),
        pl.Series(
            "additional_ad_valorem",
            [parsed[t].ad_valorem if parsed[t].kind == "additional" else None for t in g],
            dtype=pl.Float64,
        ),
        pl.Series(
            "rate_ad_valorem",
            [
                parsed[t].ad_valorem if parsed[t].kind in ("free", "ad_valorem", "compound") else None
                for t in g
            ],
            dtype=pl.Float64,
        ),
    )


# ---------------------------------------------------------------------------------------------
# Concordance


def _last_segment(desc: str) -> str:
    return desc.rsplit(": ", 1)[-1].strip().lower()


def build_concordance(per_rev: Mapping[str, pl.DataFrame], order: Sequence[str]) -> pl.DataFrame:
    """Link HTS10 codes that disappear between consecutive revisions to their successors.

    For a code in revision k but not in k+1 the candidates are the codes *new* in k+1. Methods, in
    order: ``same_hts8`` (new codes under the same 8-digit line), ``description`` (a new code in
    the same chapter whose own description, the last segment of the path, is identical),
    ``same_hs6`` (new codes under the same 6-digit subheading), ``footnote`` (a footnote of the
    retired line names the successor), else ``none`` (no successor; ``new_hts10`` null).
    ``rev`` is the first revision without the old code.
    """
    rows: list[tuple[str, str | None, str, str]] = []
    for prev, cur in itertools.pairwise(order):
        a, b = per_rev[prev], per_rev[cur]
        old = set(a["hts10"].to_list()) - set(b["hts10"].to_list())
        if not old:
            continue
        new = sorted(set(b["hts10"].to_list()) - set(a["hts10"].to_list()))
        new_desc = dict(
            zip(b["hts10"].to_list(), [_last_segment(d) for d in b["description"].to_list()], strict=True)
        )
        old_desc = dict(
            zip(a["hts10"].to_list(), [_last_segment(d) for d in a["description"].to_list()], strict=True)
        )
        for o in sorted(old):
            succ = [n for n in new if n[:8] == o[:8]]
            method = "same_hts8"
            if not succ:
                succ = [
                    n for n in new if n[:2] == o[:2] and new_desc[n] == old_desc[o] and old_desc[o] != "other"
                ]
                method = "description"
            if not succ:
                succ = [n for n in new if n[:6] == o[:6]]
                method = "same_hs6"
            if not succ:
                rows.append((o, None, cur, "none"))
                continue
            rows.extend((o, n, cur, method) for n in succ)
    return pl.DataFrame(
        rows,
        schema={"old_hts10": pl.Utf8, "new_hts10": pl.Utf8, "rev": pl.Utf8, "method": pl.Utf8},
        orient="row",
    )


def load_revision(path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse and flatten one revision file."""
    return flatten_revision(parse_usitc_json(path))
