"""The base rate of an entry line: column 1 general (MFN), column 2, or a claimed special rate.

The schedule in force on the entry date is joined to the lines (an as-of join over the revision
intervals). Statistical suffixes inherit their 8-digit line's rate, so an 8-digit code or a 10-digit
suffix unknown to a revision falls back to its 8-digit line. Specific and compound rates are exact
when the line gives value and quantity, and an ad valorem equivalent at the documented unit value
otherwise (``docs/schedule.md``) — never zero.

Two kinds of lines carry no number in column 1 (``base_status``):

- *by reference*: the General text names another rate ("The rate applicable to each garment in the
  ensemble if separately entered", "See additional U.S. note 3", chapter 98 "duty upon the value of
  the repairs"). The line exists and its chapter 99 duties are computed; its MFN part is not a number,
  so ``base_rate`` is null, the MFN column is left out of ``total_rate`` and the trail says so.
- *special program only* (chapter 98 subchapters XIX-XXIII: 9819 AGOA, 9820 CBTPA/Haiti, 9822,
  9823 USMCA): no General rate at all; the line only exists for goods entered under the program of
  its Special column. Such a row gets a status naming the program instead of a rate.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import polars as pl

from tariffscope.resolver.context import PricingContext, default_context
from tariffscope.resolver.ids import dense_ids, interval_of
from tariffscope.schedule import Schedule

T = TypeVar("T")
_DERIVED: dict[int, tuple[Schedule, dict[str, Any]]] = {}
_DERIVED_LOCK = threading.RLock()  # a build may derive from another derived table


def _derived(sched: Schedule, name: str, build: Callable[[Schedule], T]) -> T:
    """``build(sched)``, computed once per schedule object in this process (not pickled with it;
    threads pricing slices of one batch wait for one build)."""
    with _DERIVED_LOCK:
        hit = _DERIVED.get(id(sched))
        if hit is None or hit[0] is not sched:
            hit = (sched, {})
            _DERIVED[id(sched)] = hit
        memo = hit[1]
        if name not in memo:
            memo[name] = build(sched)
        out: T = memo[name]
    return out


BASE_COLUMNS = (
    "hts10",
    "valid_from",
    "valid_to",
    "description",
    "general_text",
    "other_text",
    "mfn_ave",
    "mfn_ad_valorem",
    "mfn_specific_usd",
    "col2_ave",
    "special_programs",
    "mfn_kind",
    "special_text",
)
LINE_COLUMNS = [
    *(c for c in BASE_COLUMNS if c not in ("hts10", "valid_from", "valid_to", "special_programs")),
    "usmca_free",
]
BY_REFERENCE = "by reference"
"""``base_status`` of a line whose column 1 text names another rate: its MFN part is not summed."""
SPECIAL_ONLY = "special program only"
SPECIAL_PROGRAM = "special program"
"""``base_status`` of a special-program line entered by an origin its program covers: its Special rate."""
BASE_STATUS_T = pl.Enum(["rate", BY_REFERENCE, SPECIAL_PROGRAM, SPECIAL_ONLY])
PROGRAM_COUNTRIES: dict[str, tuple[str, ...]] = {
    "S": ("CA", "MX"),
    "S+": ("CA", "MX"),
    "AU": ("AU",),
    "BH": ("BH",),
    "CL": ("CL",),
    "CO": ("CO",),
    "IL": ("IL",),
    "JO": ("JO",),
    "KR": ("KR",),
    "MA": ("MA",),
    "OM": ("OM",),
    "P": ("CR", "DO", "SV", "GT", "HN", "NI"),
    "P+": ("CR", "DO", "SV", "GT", "HN", "NI"),
    "PA": ("PA",),
    "PE": ("PE",),
    "SG": ("SG",),
}
"""Partners of the single-agreement programs of general note 3(c)(i) (USMCA: general note 11;
CAFTA-DR: general note 29). Multi-country preference programs (AGOA, CBTPA, Haiti) are not
resolved: their lines answer with the special-program status."""
"""``base_status`` of a chapter 98 line that has no General rate (the row gets an error status)."""
RATE_ONLY = ["mfn_ave", "mfn_ad_valorem", "mfn_specific_usd", "col2_ave", "usmca_free", "mfn_kind"]
"""What a large batch needs of its lines (the texts are for explanations)."""


def _usmca_free(lines: pl.DataFrame) -> pl.DataFrame:
    """Add ``usmca_free``: the line lists USMCA (special program S) among its Free special rates."""
    return lines.with_columns(
        pl.col("special_programs").list.contains("S").fill_null(False).alias("usmca_free")
    )


def _lines(sched: Schedule) -> pl.DataFrame:
    """The schedule's lines with the flags the base rate needs (built once)."""
    return _derived(sched, "lines", lambda s: _usmca_free(s.lines))


def _lines8(sched: Schedule) -> pl.DataFrame:
    """One line per 8-digit tariff line and interval: statistical suffixes share its rate."""
    return _derived(sched, "lines8", _build_lines8)


def _build_lines8(sched: Schedule) -> pl.DataFrame:
    return (
        _lines(sched)
        .select([*BASE_COLUMNS, "usmca_free"])
        .with_columns(pl.col("hts10").str.slice(0, 8).alias("hts8"))
        .unique(subset=["hts8", "valid_from"], keep="first")
        .drop("hts10")
        .sort("valid_from")
    )


def _dense(sched: Schedule) -> tuple[np.ndarray, pl.DataFrame, np.ndarray]:
    """Schedule boundaries, the code universe, and the line in force per (interval, code) (-1: none).

    A dense matrix of line indexes (tens of intervals x ~20,000 codes) turns the lookup of a large
    batch into two array gathers.
    """
    return _derived(sched, "dense", _build_dense)


def _build_dense(sched: Schedule) -> tuple[np.ndarray, pl.DataFrame, np.ndarray]:
    lines = sched.lines
    bounds = np.array(sorted(set(lines["valid_from"].to_list())), dtype="datetime64[D]")
    universe = lines["hts10"].unique().sort()
    code_of = lines.select("hts10").join(
        universe.to_frame().with_row_index("c"), on="hts10", maintain_order="left"
    )["c"]
    start = np.searchsorted(bounds, lines["valid_from"].to_numpy().astype("datetime64[D]"))
    vt = lines["valid_to"].to_numpy().astype("datetime64[D]")
    end = np.where(np.isnat(vt), bounds.size, np.searchsorted(bounds, vt))
    matrix = np.full((bounds.size, universe.len()), -1, dtype=np.int64)
    span = end - start
    li = np.repeat(np.arange(lines.height), span)
    rows = np.repeat(start, span) + (np.arange(li.size) - np.repeat(np.cumsum(span) - span, span))
    matrix[rows, np.repeat(code_of.to_numpy(), span)] = li
    return bounds, universe.to_frame().with_row_index("c"), matrix


def _dense_lookup(ok: pl.DataFrame, columns: list[str], sched: Schedule) -> pl.DataFrame:
    """The line in force for each row by exact code, from the dense matrix (null where none)."""
    bounds, universe, matrix = _dense(sched)
    # each distinct code is looked up once in the code universe, then spread to its rows
    ids, first = dense_ids(ok["hts10"])
    distinct = ok["hts10"].gather(first).to_frame()
    code_of = distinct.join(universe, on="hts10", how="left", maintain_order="left")
    c = code_of["c"].fill_null(-1).to_numpy().astype(np.int64)[ids]
    r = interval_of(ok["date"], bounds) - 1
    has = (c >= 0) & (r >= 0)
    li = np.full(ok.height, -1, dtype=np.int64)
    li[has] = matrix[r[has], c[has]]
    found = li >= 0
    idx = pl.Series("li", li).replace(-1, None)
    data = _lines(sched).select(columns).gather(idx)
    # an exact match's line is the row's own code
    line = pl.Series("line_hts10", ok["hts10"]).zip_with(pl.Series(found), pl.Series([None], dtype=pl.String))
    return data.with_columns(line, pl.lit("exact").alias("resolution"))


def _lookup(ok: pl.DataFrame, sched: Schedule, texts: bool = True) -> pl.DataFrame:
    """Join each row to its line in force (exact code, then the concordance, then the 8-digit line).

    Rows keep their order: the few rows the dense index cannot answer are resolved apart and
    written back in place.
    """
    cols = LINE_COLUMNS if texts else RATE_ONLY
    found = _dense_lookup(ok, cols, sched).select("line_hts10", "resolution", *cols)
    missing = found["mfn_kind"].is_null()
    if not missing.any():
        return pl.concat([ok, found], how="horizontal")
    df = pl.concat([ok, found], how="horizontal").with_row_index("_i")
    todo = df.filter(missing)
    if todo.height:
        slow = _usmca_free(sched.resolve_codes(todo["hts10"], todo["date"], columns=BASE_COLUMNS))
        fixed = pl.concat(
            [
                todo.select("_i"),
                slow.select(pl.col("hts10").alias("line_hts10"), "resolution", *cols),
            ],
            how="horizontal",
        )
        miss = fixed.filter(pl.col("mfn_kind").is_null())
        if miss.height:
            via8 = (
                todo.select("_i", "hts10", "date")
                .join(miss.select("_i"), on="_i")
                .with_columns(pl.col("hts10").str.slice(0, 8).alias("hts8"))
                .sort("date")
                .join_asof(
                    _lines8(sched),
                    left_on="date",
                    right_on="valid_from",
                    by="hts8",
                    strategy="backward",
                    check_sortedness=False,
                )
                .with_columns(
                    pl.when(pl.col("valid_to").is_null() | (pl.col("date") < pl.col("valid_to")))
                    .then(pl.col("mfn_kind"))
                    .otherwise(None)
                    .alias("mfn_kind"),
                    pl.lit("tariff line (8-digit)").alias("resolution"),
                    pl.col("hts10").alias("line_hts10"),
                )
                .select("_i", "line_hts10", "resolution", *cols)
            )
            fixed = pl.concat([fixed.filter(pl.col("mfn_kind").is_not_null()), via8], how="vertical_relaxed")
        # write the (few) fixed rows back in place
        fixed = fixed.filter(pl.col("mfn_kind").is_not_null())
        at = fixed["_i"]
        df = df.with_columns(
            df[c].clone().scatter(at, fixed[c].cast(df[c].dtype)) for c in ["line_hts10", "resolution", *cols]
        )
    return df.drop("_i")


def _special_program_base(found: pl.DataFrame, notes: bool, sched: Schedule) -> pl.DataFrame:
    """Base rate of special-program-only lines entered by an origin their program covers.

    The Special column's rate applies (entering under the line is the program claim; a USMCA line
    also claims USMCA for the chapter 99 rules); a specific part needs value and quantity. Sets
    ``_sp_eligible``; runs only on the few such rows.
    """
    is_so = pl.col("mfn_kind") == "empty"
    found = found.with_columns(
        pl.lit(False).alias("_sp_eligible"), pl.lit(None, dtype=pl.String).alias("_sp_partners")
    )
    if not found.select(is_so.any()).item():
        return found
    found = found.with_row_index("_sp_i")
    sub = found.filter(is_so)
    texts = _lookup(sub.select("hts10", "date"), sched, texts=True)["special_text"].fill_null("")
    sub = sub.select("_sp_i", "origin", *(c for c in ("value", "quantity") if c in sub.columns)).with_columns(
        texts.alias("_sp_text")
    )
    sub = _special_eligibility(
        sub.join(_special_rates(texts), on="_sp_text", how="left", maintain_order="left")
    )
    # the few rows' columns written in place (a left join on a row number, without joining every row)
    idx = sub["_sp_i"]
    found = found.drop("_sp_eligible", "_sp_partners").with_columns(
        pl.Series(c, dtype=sub[c].dtype).extend_constant(None, found.height).scatter(idx, sub[c])
        for c in sub.columns
        if c != "_sp_i"
    )
    found = found.with_columns(
        pl.col("_sp_eligible").fill_null(False),
        pl.when(pl.col("_sp_base").is_not_null())
        .then(pl.col("_sp_base"))
        .otherwise(pl.col("base_rate"))
        .alias("base_rate"),
    )
    found = _special_claims_and_notes(found, notes)
    return found.drop("_sp_i", "_sp_base", "_sp_usmca", "_sp_text")


def _special_rates(texts: pl.Series) -> pl.DataFrame:
    """Each distinct Special-column text parsed: its partners (when the rate is usable), ad valorem and
    specific parts, and whether it is USMCA's (general note 3(c)(i), :data:`PROGRAM_COUNTRIES`)."""
    from tariffscope.schedule.ratetext import parse_rate, special_programs

    rates = []
    for t in texts.unique().to_list():
        r = parse_rate(t.split("(")[0].strip() or None)
        progs = special_programs(t)
        ctry = sorted({c for p in progs for c in PROGRAM_COUNTRIES.get(p, ())})
        ok = bool(ctry) and r.kind in ("free", "ad_valorem", "specific", "compound")
        rates.append(
            {
                "_sp_text": t,
                "_sp_ctry": ctry if ok else [],
                "_sp_av": r.ad_valorem,
                "_sp_usd": sum(p.usd_per_unit for p in r.specific),
                "_sp_usmca": any(p.startswith("S") for p in progs),
            }
        )
    return pl.DataFrame(rates, schema_overrides={"_sp_ctry": pl.List(pl.String)})


def _special_eligibility(sub: pl.DataFrame) -> pl.DataFrame:
    """Per special-program row: eligible (its origin is a partner), the partners, the Special rate
    (exact with value and quantity when it has a specific part) and whether it claims USMCA."""
    eligible = pl.col("_sp_ctry").list.contains(pl.col("origin"))
    if "value" in sub.columns and "quantity" in sub.columns:
        exact = pl.col("_sp_av") + pl.col("_sp_usd") * pl.col("quantity") / pl.col("value")
        exact = pl.when(pl.col("value") > 0).then(exact)
    else:
        exact = pl.lit(None, dtype=pl.Float64)
    return sub.select(
        "_sp_i",
        eligible.alias("_sp_eligible"),
        pl.col("_sp_ctry").list.join(", ").alias("_sp_partners"),
        pl.when(eligible & (pl.col("_sp_usd") == 0))
        .then(pl.col("_sp_av"))
        .when(eligible)
        .then(exact)
        .alias("_sp_base"),
        (eligible & pl.col("_sp_usmca")).alias("_sp_usmca"),
        pl.col("_sp_text"),
    )


def _special_claims_and_notes(found: pl.DataFrame, notes: bool) -> pl.DataFrame:
    """A USMCA special line claims USMCA for the chapter 99 rules; the base note names the program."""
    if "claim" in found.columns:
        found = found.with_columns(
            pl.when(pl.col("_sp_usmca") & ~pl.col("claim").fill_null("").str.contains(r"(^|,)usmca(,|$)"))
            .then(
                pl.concat_str(
                    [pl.col("claim").fill_null(""), pl.lit("usmca")], separator=","
                ).str.strip_chars(",")
            )
            .otherwise(pl.col("claim"))
            .alias("claim")
        )
    else:
        found = found.with_columns(pl.when(pl.col("_sp_usmca")).then(pl.lit("usmca")).alias("claim"))
    if notes:
        found = found.with_columns(
            pl.when(pl.col("_sp_base").is_not_null())
            .then(
                pl.format(
                    "special program rate {} (the line exists only for goods entered under the program "
                    "of its Special column; origin {} is a partner)",
                    pl.col("_sp_text"),
                    pl.col("origin"),
                )
            )
            .otherwise(pl.col("base_note"))
            .alias("base_note")
        )
    return found


def attach_base_rates(
    df: pl.DataFrame, notes: bool = True, context: PricingContext | None = None
) -> pl.DataFrame:
    """Add ``base_rate``, ``base_note`` (when ``notes``) and the line's texts to validated rows.

    The schedule and the column 2 countries are the context's (the shipped ones by default). Rows
    come back in any order (the caller restores the input order once).
    """
    ctx = context or default_context()
    is_ok = df["status"].eq_missing("ok")
    all_ok = bool(is_ok.all())
    ok = df if all_ok else df.filter(is_ok)
    bad = df.head(0) if all_ok else df.filter(~is_ok)
    juris = ctx.catalogue.jurisdiction
    col2 = list(ctx.catalogue.countries([juris.column2_group])) if juris.column2_group else []
    label = juris.base_label
    found = _general_base(_lookup(ok, ctx.schedule, texts=notes), col2, notes, label)
    found = _special_program_base(found, notes, ctx.schedule)
    found = _line_status(_with_base_status(found), juris.schedule.name.replace("{", ""))
    if notes:
        found = _by_reference_note(found, col2, label)
    keep = [c for c in found.columns if c not in _LOOKUP_ONLY]
    return (
        found.select(keep)
        if bad.height == 0
        else pl.concat([found.select(keep), bad], how="diagonal_relaxed")
    )


_LOOKUP_ONLY = (
    "valid_from",
    "valid_to",
    "mfn_ad_valorem",
    "mfn_specific_usd",
    "usmca_free",
    "col2_ave",
    "mfn_kind",
    "special_text",
    "_sp_eligible",
    "_sp_partners",
)
"""Columns of the line lookup that the resolved rows do not carry."""


def _general_base(
    found: pl.DataFrame, col2: list[str], notes: bool, label: str = "column 1 general rate"
) -> pl.DataFrame:
    """``base_rate`` and ``base_note``: column 2 for its countries (general note 3(b)), Free for a
    USMCA claim on a line whose Special column lists S (general note 11), the exact specific or
    compound rate at the declared value and quantity, else the ad valorem (equivalent) column 1 rate."""
    has_q = "quantity" in found.columns and "value" in found.columns
    specific = pl.col("mfn_specific_usd").fill_null(0.0)
    exact_mfn = (
        (pl.col("mfn_ad_valorem").fill_null(0.0) + specific * pl.col("quantity") / pl.col("value"))
        if has_q
        else pl.lit(None, dtype=pl.Float64)
    )
    use_exact = (specific > 0) & exact_mfn.is_not_null() & (pl.col("value") > 0) if has_q else pl.lit(False)
    claimed_s = (
        pl.col("claim").str.contains(r"(^|,)usmca(,|$)") & pl.col("usmca_free")
        if "claim" in found.columns
        else pl.lit(False)
    )
    return found.with_columns(
        pl.when(pl.col("origin").is_in(col2))
        .then(pl.col("col2_ave"))
        .when(claimed_s)
        .then(pl.lit(0.0))
        .when(use_exact)
        .then(exact_mfn)
        .otherwise(pl.col("mfn_ave"))
        .alias("base_rate"),
        pl.when(pl.col("origin").is_in(col2))
        .then(pl.format("column 2 rate {} (general note 3(b))", pl.col("other_text")))
        .when(claimed_s)
        .then(
            pl.format("USMCA claimed: special rate Free replaces the general rate {}", pl.col("general_text"))
        )
        .when(use_exact)
        .then(pl.format(label + " {} (exact at the declared value and quantity)", pl.col("general_text")))
        .when(specific > 0)
        .then(
            pl.format(
                label + " {} (ad valorem equivalent at the documented unit value)",
                pl.col("general_text"),
            )
        )
        .otherwise(pl.format(label + " {}", pl.col("general_text")))
        .alias("base_note")
        if notes
        else pl.lit(None, dtype=pl.String).alias("base_note"),
    )


def _with_base_status(found: pl.DataFrame) -> pl.DataFrame:
    """``base_status``: rate, by reference, special program (priced), special program only, or null
    (no line of the schedule in force)."""
    kind = pl.col("mfn_kind")
    return found.with_columns(
        pl.when(pl.col("mfn_kind").is_null())
        .then(pl.lit(None, dtype=pl.String))
        .when((kind == "empty") & pl.col("base_rate").is_not_null())
        .then(pl.lit(SPECIAL_PROGRAM))
        .when(kind == "empty")
        .then(pl.lit(SPECIAL_ONLY))
        .when(pl.col("base_rate").is_null())
        .then(pl.lit(BY_REFERENCE))
        .otherwise(pl.lit("rate"))
        .cast(BASE_STATUS_T)
        .alias("base_status")
    )


def _line_status(found: pl.DataFrame, schedule_name: str = "the HTS") -> pl.DataFrame:
    """The row's status when its line cannot be priced: not in force, or a special-program line not
    open to the origin (or needing value and quantity)."""
    special = (
        pl.col("special_text").fill_null("").str.strip_chars().replace("", "none printed")
        if "special_text" in found.columns
        else pl.lit("see the HTS")
    )
    unpriced = found.select(
        pl.col("base_status").is_null() | (pl.col("base_status") == SPECIAL_ONLY)
    ).to_series()
    if not unpriced.any():
        return found
    # the messages are built for the few unpriced rows only (row by row, so the same as over all rows)
    idx = unpriced.arg_true()
    sub = found[idx].with_columns(
        pl.when(pl.col("base_status").is_null())
        .then(
            pl.format(
                "error: hts10: {} is not a line of " + schedule_name + " in force on {}",
                pl.col("hts_input"),
                pl.col("date"),
            )
        )
        .when((pl.col("base_status") == SPECIAL_ONLY) & pl.col("_sp_eligible"))
        .then(
            pl.format(
                "error: quantity: {} is open to goods of {} under its program, at the specific rate {}: "
                "give the value and the quantity",
                pl.col("hts_input"),
                pl.col("origin"),
                special,
            )
        )
        .when(pl.col("base_status") == SPECIAL_ONLY)
        .then(
            pl.format(
                "error: hts10: {} is a special-program line (Special column: {}; no column 1 rate): {}",
                pl.col("hts_input"),
                special,
                pl.when(pl.col("_sp_partners").fill_null("") != "")
                .then(
                    pl.format(
                        "it is not available to goods of {} (the program's partners: {}); declare the "
                        "chapter 1-97 subheading",
                        pl.col("origin"),
                        pl.col("_sp_partners"),
                    )
                )
                .otherwise(
                    pl.lit(
                        "it is open only to goods entered under its program (see the subchapter's U.S. "
                        "notes), whose beneficiaries tariffscope does not resolve: not priced; declare "
                        "the chapter 1-97 subheading to price the goods at column 1"
                    )
                ),
            )
        )
        .otherwise(pl.col("status"))
        .alias("status"),
    )
    return found.with_columns(found["status"].clone().scatter(idx, sub["status"]))


def _by_reference_note(
    found: pl.DataFrame, col2: list[str], label: str = "column 1 general rate"
) -> pl.DataFrame:
    """The base note of a line priced by reference: its text is not a number and is not summed (a
    specific duty with no unit value to convert it, or a text naming another article's rate)."""
    in_col2 = pl.col("origin").is_in(col2)
    specific = pl.col("mfn_specific_usd").fill_null(0.0)
    return found.with_columns(
        pl.when((pl.col("base_status") == BY_REFERENCE) & (specific > 0))
        .then(
            pl.format(
                label + " {}: a specific duty with no documented unit value; give the value and the "
                "quantity for the exact duty. The MFN part is NOT included in total_rate",
                pl.col("general_text"),
            )
        )
        .when(pl.col("base_status") == BY_REFERENCE)
        .then(
            pl.format(
                "{} by reference: '{}' is not a number; the MFN part is the "
                "rate of the article(s) it names and is NOT included in total_rate",
                pl.when(in_col2)
                .then(pl.lit("column 2 rate (general note 3(b))"))
                .otherwise(pl.lit(label)),
                pl.when(in_col2).then(pl.col("other_text")).otherwise(pl.col("general_text")),
            )
        )
        .otherwise(pl.col("base_note"))
        .alias("base_note")
    )
