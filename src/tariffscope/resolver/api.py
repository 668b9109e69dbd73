"""Resolve duties: one entry line (with its legal trail), a batch, or the full panel of a date.

Every path goes through :func:`resolve_frame`: validate inputs, join the base rate of the schedule
in force on the entry date, deduplicate lines that the law treats alike, run the stacking engine,
and join the rates back. A single lookup is a batch of one with explanations switched on.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from tariffscope.catalogue.jurisdiction import DEFAULT, Jurisdiction
from tariffscope.catalogue.loader import Catalogue
from tariffscope.errors import from_status
from tariffscope.resolver.base import BY_REFERENCE, attach_base_rates
from tariffscope.resolver.context import PricingContext, context_for, importer_context
from tariffscope.resolver.engine import RATE_COLUMNS, Engine, EngineResult
from tariffscope.resolver.explain import explain_row
from tariffscope.resolver.hints import claim_hints
from tariffscope.resolver.ids import interval_of
from tariffscope.resolver.inputs import prepare
from tariffscope.resolver.landed import LANDED_COLUMNS, LANDED_INPUTS, landed_block, landed_cost, validate
from tariffscope.resolver.shares import with_default_shares
from tariffscope.resolver.single import Lookup, fast_record

ENGINE_INPUTS = (
    "loading_date",
    "claim",
    "metal_share",
    "steel_share",
    "aluminum_share",
    "copper_share",
    "us_content",
)
OUTPUT_RATES = ["total_rate", *RATE_COLUMNS]
NOTES_UP_TO = 50_000
"""Batches up to this size carry a human note on each line's base rate (larger ones skip the text)."""


@dataclass
class Resolution:
    """A resolved table: the input rows with rates, duty and status, plus the engine's traces."""

    table: pl.DataFrame
    engine: EngineResult | None
    key_of_row: np.ndarray | None

    @property
    def failed(self) -> pl.DataFrame:
        return self.table.filter(pl.col("status") != "ok")


def change_dates(cat: Catalogue) -> np.ndarray:
    """Every date on which some rule's coverage or rate can change (sorted, unique)."""
    return cat.change_dates


def resolve_frame(
    rows: pl.DataFrame,
    *,
    as_of: dt.date | None = None,
    catalogue: Catalogue | None = None,
    explain: bool = False,
    context: PricingContext | None = None,
    workers: int | None = None,
    columns: Sequence[str] | None = None,
) -> Resolution:
    """Resolve every row of ``rows`` (see :func:`tariffscope.resolver.inputs.prepare` for columns).

    A pure function of ``rows`` and the ``context`` (catalogue and schedule; by default the shipped
    schedule with ``catalogue``, or the shipped catalogue). ``workers`` caps the engine's threads (one
    per core up to 4 by default; 1 where an outer executor already runs a task per core). ``columns``
    keeps only those of the result (with ``row`` and ``status``): a batch writes few of the many the
    resolution carries. Rows come back in input order.
    """
    ctx = context or context_for(catalogue)
    warming = warmed(ctx.catalogue, as_of) if rows.height >= WARM_FROM else None
    df = _in_input_order(_prepared(rows, ctx, notes=explain or rows.height <= NOTES_UP_TO))
    if warming is not None:
        warming.result()
    is_ok = df["status"].eq_missing("ok")
    all_ok = bool(is_ok.all())
    ok = df if all_ok else df.filter(is_ok)
    # what the shipment owes (MPF/HMF, de minimis: US law): asked for by a shipment column of a batch
    # or a single lookup
    shipment = ctx.catalogue.jurisdiction_id == DEFAULT and (
        explain or any(c in rows.columns for c in LANDED_INPUTS)
    )
    if ok.height == 0:
        out = df.with_columns(
            [pl.lit(None, dtype=pl.Float64).alias(c) for c in [*OUTPUT_RATES, "rate_refundable", "duty_usd"]]
        )
        if "value" in out.columns and shipment:
            # the shipment columns a priced row would have (null): every slice of a batch, even one
            # with no good row, has the same columns (an executor's partitions share one schema)
            out = pl.concat([landed_cost(out.head(0)), out], how="diagonal_relaxed")
        return Resolution(_kept(out, columns), None, None)
    rates, res, kidx = _rates(ok, ctx.catalogue, as_of, explain, workers)
    out = _kept(_duty(pl.concat([ok, rates], how="horizontal"), shipment), columns)
    ok_idx = np.flatnonzero(is_ok.to_numpy())
    if not all_ok:
        out = _kept(_with_bad_rows(out, df, ok_idx), columns)
    key_of_row = np.full(df.height, -1)
    key_of_row[ok_idx] = kidx
    return Resolution(out, res, key_of_row)


WARM_FROM = 20_000
"""Batches at least this large build the engine's catalogue work beside their row preparation."""
_WARM: dict[tuple[int, dt.date | None], tuple[Catalogue, Future[None]]] = {}
_WARM_LOCK = threading.Lock()


def warmed(cat: Catalogue, as_of: dt.date | None) -> Future[None]:
    """The engine's catalogue work (:meth:`Engine.warm`) for ``cat`` as known on ``as_of``, started
    once per process on a thread of its own (mostly beside Polars kernels, which release the GIL);
    concurrent batches wait on the same work."""
    key = (id(cat), as_of)
    with _WARM_LOCK:
        hit = _WARM.get(key)
        if hit is None or hit[0] is not cat:
            pool = ThreadPoolExecutor(max_workers=1)
            hit = (cat, pool.submit(Engine(cat, as_of).warm))
            pool.shutdown(wait=False)
            if len(_WARM) >= 16:  # scenario overlays make new catalogues: keep the last few
                _WARM.pop(next(iter(_WARM)))
            _WARM[key] = hit
    return hit[1]


def _with_bad_rows(ok_out: pl.DataFrame, df: pl.DataFrame, ok_idx: np.ndarray) -> pl.DataFrame:
    """The priced good rows and the bad rows of ``df``, in input order (``df`` is; ``ok_idx`` are
    its good rows). A column priced for the good rows is null on a bad row, and a shipment input that
    pricing rewrites keeps what the bad row gave; only those columns move (one gather each)."""
    made = [c for c in ok_out.columns if c not in df.columns or c in LANDED_COLUMNS]
    k = ok_out.height
    src = np.full(df.height, k, dtype=np.int64)  # row k of the stack below: all null
    src[ok_idx] = np.arange(k)
    placed = pl.concat([ok_out.select(made), ok_out.select(made).clear(1)], rechunk=True)[src]
    bad = pl.Series(np.ones(df.height, dtype=bool)).scatter(ok_idx, False)
    kept_inputs = [
        pl.when(bad).then(df[c].cast(pl.String)).otherwise(placed[c].cast(pl.String)).alias(c)
        for c in made
        if c in df.columns
    ]
    if kept_inputs:
        placed = placed.with_columns(kept_inputs)
    rest = [c for c in df.columns if c not in ok_out.columns]
    return pl.DataFrame([placed[c] if c in made else df[c] for c in ok_out.columns] + [df[c] for c in rest])


def _kept(out: pl.DataFrame, columns: Sequence[str] | None) -> pl.DataFrame:
    """``out`` with only ``columns`` (those it has) plus ``row`` and ``status``; all when None."""
    if columns is None:
        return out
    keep = dict.fromkeys(["row", *columns, "status"])
    return out.select([c for c in keep if c in out.columns])


def _prepared(rows: pl.DataFrame, ctx: PricingContext, notes: bool) -> pl.DataFrame:
    """Validated rows with their base rate, metal shares and every engine input column."""
    df = with_default_shares(
        attach_base_rates(validate(prepare(rows, ctx.catalogue)), notes=notes, context=ctx), ctx.metal_shares
    )
    for col in ENGINE_INPUTS:
        if col not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=pl.String if col == "claim" else pl.Float64).alias(col))
    if "loading_date" in df.columns and df["loading_date"].dtype != pl.Date:
        df = df.with_columns(pl.col("loading_date").cast(pl.Date))
    return df


def _rates(
    ok: pl.DataFrame, cat: Catalogue, as_of: dt.date | None, explain: bool, workers: int | None
) -> tuple[pl.DataFrame, EngineResult, np.ndarray]:
    """The engine's rates for each good row, the engine's result, and each row's key in it.

    Lines the law treats alike (same code, origin, base, inputs, and dates between the same change
    points) are evaluated once, when they repeat enough for that to pay.
    """
    if not _worth_deduplicating(ok, cat):
        res = _run_engine(Engine(cat, as_of), ok.select([*ENGINE_COLUMNS, "date"]), explain, workers)
        return res.frame(), res, np.arange(ok.height)
    ok_keys = _with_interval_keys(ok, cat)
    keys = ok_keys.select([*KEY_COLUMNS, "date", "loading_date"]).unique(
        subset=KEY_COLUMNS, keep="first", maintain_order=True
    )
    keys = keys.with_row_index("_k")
    kidx = ok_keys.join(
        keys.select(["_k", *KEY_COLUMNS]),
        on=KEY_COLUMNS,
        how="left",
        nulls_equal=True,
        maintain_order="left",
    )["_k"].to_numpy()
    res = _run_engine(Engine(cat, as_of), keys.drop("_k"), explain, workers)
    return res.frame()[kidx], res, kidx


def _duty(ok: pl.DataFrame, shipment: bool) -> pl.DataFrame:
    """The MFN part of lines priced by reference left unsummed, the duty at the declared value, and
    what the shipment owes when asked (a shipment column of a batch, or a single lookup)."""
    if "base_status" in ok.columns and (ok["base_status"] == BY_REFERENCE).any():
        # the engine counts an unknown base as 0; the MFN part of these lines is not a number
        ok = ok.with_columns(
            pl.when(pl.col("base_status") == BY_REFERENCE)
            .then(None)
            .otherwise(pl.col("rate_mfn"))
            .alias("rate_mfn")
        )
    if "value" not in ok.columns:
        return ok.with_columns(pl.lit(None, dtype=pl.Float64).alias("duty_usd"))
    ok = ok.with_columns((pl.col("total_rate") * pl.col("value")).alias("duty_usd"))
    return landed_cost(ok) if shipment else ok


def _in_input_order(out: pl.DataFrame) -> pl.DataFrame:
    """Rows back in input order (earlier steps regroup good and bad rows; ``row`` is 0..n-1)."""
    if out["row"].is_sorted():
        return out
    order = np.empty(out.height, dtype=np.int64)
    order[out["row"].to_numpy()] = np.arange(out.height)
    return out[order]


KEY_COLUMNS = [
    "hts10",
    "origin",
    "_di",
    "_li",
    "base_rate",
    "claim",
    "metal_share",
    "steel_share",
    "aluminum_share",
    "copper_share",
    "us_content",
]
"""What makes two lines alike for the engine (``_di``/``_li``: intervals between change dates)."""
ENGINE_COLUMNS = [c for c in KEY_COLUMNS if not c.startswith("_")] + ["loading_date"]


def _with_interval_keys(ok: pl.DataFrame, cat: Catalogue) -> pl.DataFrame:
    """Add ``_di`` (interval of the entry date between change dates) and ``_li`` (loading-date cut-off)."""
    days = ok["date"].to_numpy().astype("datetime64[D]")
    loading = ok["loading_date"].to_numpy().astype("datetime64[D]")
    return ok.select(
        *[c for c in KEY_COLUMNS if not c.startswith("_")],
        "date",
        "loading_date",
        pl.Series("_di", interval_of(days, change_dates(cat))),
        pl.Series(
            "_li",
            np.where(np.isnat(loading), -1, np.searchsorted(cat.loading_cutoffs, loading, side="right")),
        ),
    )


PARALLEL_FROM = 200_000
"""Tables at least this large are split across the machine's cores (NumPy releases the GIL)."""


def _run_engine(
    engine: Engine, keys: pl.DataFrame, explain: bool, workers: int | None = None
) -> EngineResult:
    """Run the engine, in contiguous chunks on parallel threads for large tables (same results)."""
    import os

    workers = min(os.cpu_count() or 1, 4) if workers is None else workers
    if explain or workers < 2 or keys.height < PARALLEL_FROM:
        return engine.run(keys, explain=explain)
    bounds = np.linspace(0, keys.height, workers + 1).astype(int)
    chunks = [keys.slice(a, b - a) for a, b in itertools.pairwise(bounds)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        parts = list(pool.map(engine.run, chunks))
    return EngineResult(
        rates={c: np.concatenate([p.rates[c] for p in parts]) for c in parts[0].rates},
        total=np.concatenate([p.total for p in parts]),
        refundable=np.concatenate([p.refundable for p in parts]),
    )


def _worth_deduplicating(ok: pl.DataFrame, cat: Catalogue, sample: int = 20_000) -> bool:
    """Whether lines repeat enough (judged on a sample, before keying every row) for deduplication to
    pay for its join."""
    if ok.height <= sample:
        return True
    smp = _with_interval_keys(ok.sample(sample, seed=0), cat).select(KEY_COLUMNS)
    return smp.unique().height < 0.7 * sample


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), 10)


def resolve_one(
    hts: str,
    origin: str,
    date: dt.date | str,
    *,
    value: float | None = None,
    quantity: float | None = None,
    unit: str | None = None,
    metal_share: float | None = None,
    steel_share: float | None = None,
    aluminum_share: float | None = None,
    copper_share: float | None = None,
    us_content: float | None = None,
    claim: str | None = None,
    loading_date: dt.date | str | None = None,
    shipment: str | None = None,
    transport: str | None = None,
    postal_method: str | None = None,
    as_of: dt.date | None = None,
    catalogue: Catalogue | None = None,
    importer: str | None = None,
    lean: bool = True,
    hints: bool = True,
) -> dict[str, Any]:
    """The duty on one entry line, with every measure considered: the ``tariffscope rate`` JSON.

    ``importer`` (``US`` by default, ``JP``) picks the catalogue and base schedule resolved against;
    values and specific duties are in that importer's currency. An ordinary US line takes the lean
    path (:mod:`tariffscope.resolver.single`: the same rules, no table work); any other (``lean=False``
    forces it) is a batch of one through :func:`resolve_frame`. ``hints``: also list the claims that
    would change the duty (:mod:`tariffscope.resolver.hints`).
    """
    optional = {
        "value": value,
        "quantity": quantity,
        "unit": unit,
        "metal_share": metal_share,
        "steel_share": steel_share,
        "aluminum_share": aluminum_share,
        "copper_share": copper_share,
        "us_content": us_content,
        "claim": claim,
        "loading_date": None if loading_date is None else str(loading_date),
        "shipment": shipment,
        "transport": transport,
        "postal_method": postal_method,
    }
    q = Lookup(str(hts), str(origin), str(date), {k: v for k, v in optional.items() if v is not None})
    ctx = context_for(catalogue) if catalogue is not None else importer_context(importer)
    juris = ctx.catalogue.jurisdiction
    rec, engine, key = _record(q, ctx, as_of, lean)
    out = _importer_fields(
        _rate_json(rec, engine, key, as_of, (f"{juris.id}.mfn", juris.base_citation)), juris
    )
    if hints:
        out["claim_hints"] = claim_hints(
            q, ctx, as_of, rec, engine, key, lambda c: _record(c, ctx, as_of, lean)
        )
    return out


def _record(
    q: Lookup, ctx: PricingContext, as_of: dt.date | None, lean: bool
) -> tuple[dict[str, Any], EngineResult, int]:
    """A lookup's record, the engine's traces and its key: the lean path for an ordinary US line."""
    fast = fast_record(q, ctx, as_of) if lean and ctx.catalogue.jurisdiction.id == DEFAULT else None
    return (fast[0], fast[1], 0) if fast is not None else _table_record(q, ctx, as_of)


def _importer_fields(out: dict[str, Any], juris: Jurisdiction) -> dict[str, Any]:
    """A non-US answer names its importer and currency, and its codes as that importer's tariff writes
    them (Japan's six digits, not padded to ten)."""
    if juris.id == DEFAULT:
        return out
    out["importer"], out["currency"] = juris.importer, juris.currency
    width = max(juris.code_digits)
    if out["hts10"][width:].strip("0") == "":
        out["hts10"] = out["hts"] = out["hts10"][:width]
    return out


def _table_record(
    q: Lookup, ctx: PricingContext, as_of: dt.date | None
) -> tuple[dict[str, Any], EngineResult, int]:
    """A lookup through :func:`resolve_frame` (a batch of one, explained); raises on a bad input."""
    row: dict[str, Any] = {"hts10": [q.hts], "origin": [q.origin], "date": [q.date]}
    row.update({k: [v] for k, v in q.optional.items()})
    res = resolve_frame(pl.DataFrame(row), as_of=as_of, context=ctx, explain=True)
    rec = res.table.row(0, named=True)
    status: str = rec["status"]
    if status != "ok":
        raise from_status(status)
    assert res.engine is not None and res.key_of_row is not None
    return rec, res.engine, int(res.key_of_row[0])


def _rate_json(
    rec: dict[str, Any],
    engine: EngineResult,
    key: int,
    as_of: dt.date | None,
    base_measure: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """The ``tariffscope rate`` JSON of a resolved row and the engine's traces of it (``base_measure``:
    the id and citation of the importer's base schedule; the US one by default)."""
    by_ref = rec.get("base_status") == BY_REFERENCE
    base = 0.0 if by_ref else float(rec["base_rate"])
    comps = explain_row(engine, key, base, rec["base_note"], as_of, base_measure)
    if by_ref:
        comps[0]["rate"] = None
        comps[0]["by_reference"] = True
        for c in comps[1:]:
            if c["applied"] and c["reason"].startswith("applies: max(MFN"):
                c["reason"] += (
                    "; the MFN is by reference (unknown), so this is computed as if it were 0:"
                    " the all-in owed is max(referenced MFN, floor)"
                )
    for c in comps:
        c["rate"] = _round(c["rate"])
        if "statutory_rate" in c:
            c["statutory_rate"] = _round(c["statutory_rate"])
    total = _round(rec["total_rate"])
    return {
        "hts10": rec["hts10"],
        "hts": rec.get("hts_display") or rec["hts10"],
        "description": rec.get("description"),
        "origin": rec["origin"],
        "date": str(rec["date"]),
        "as_of": None if as_of is None else str(as_of),
        "total_rate": total,
        "base_status": rec.get("base_status") or "rate",
        "total_complete": not by_ref,
        "duty_usd": None if rec.get("duty_usd") is None else round(float(rec["duty_usd"]), 2),
        "refundable_rate": _round(rec["rate_refundable"]),
        "rates": {c: _round(rec[c]) for c in RATE_COLUMNS},
        "landed_cost": landed_block(rec),
        "components": comps,
    }
