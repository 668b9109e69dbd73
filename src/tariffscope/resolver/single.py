"""The lean path of a single lookup: the same law as :func:`~tariffscope.resolver.api.resolve_frame`,
without its table work.

A lookup spends most of its time in Polars operations on a one-row frame (validation, the base-rate
join, the metal-share join, the landed cost), each a few tenths of a millisecond of fixed overhead.
Here the common case is done on Python scalars with indexes built once per schedule and share table
(:func:`_line_index`, :func:`_share_index`), and the stacking engine runs unchanged on a one-row
table. Whatever is not the common case (any input error, a code the dense index does not hold, a
special-program line) returns ``None`` and the caller takes the table path, which alone writes error
messages and the rarer resolutions. ``tests/test_single_path.py`` checks that both paths give the
same record, component by component, over a large random sample.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from tariffscope.resolver.base import BY_REFERENCE, LINE_COLUMNS, _dense, _derived, _lines
from tariffscope.resolver.context import PricingContext
from tariffscope.resolver.engine import Engine, EngineResult
from tariffscope.resolver.inputs import FLOAT_INPUTS, HORIZON, known_claims
from tariffscope.resolver.landed import (
    ALL_END,
    CHINA_HK_END,
    DE_MINIMIS_USD,
    FEE_YEARS,
    HMF_RATE,
    IEEPA_END,
    INFORMAL_LIMIT_USD,
    MPF_RATE,
    POSTAL_METHODS,
    REASONS,
    S122_END,
    SHIPMENTS,
    SPECIFIC_END,
    TRANSPORTS,
)
from tariffscope.resolver.shares import PARENT_LEVELS, SHARE_COLUMNS, _parent_means

_HTS_SEP = re.compile(r"[.\s\-]")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_USMCA = re.compile(r"(^|,)usmca(,|$)")
_CHINA_POSTAL_STEP = dt.date(2025, 5, 14)
_SHARES_IN = ("metal_share", "steel_share", "aluminum_share", "copper_share", "us_content")


@dataclass(frozen=True)
class Lookup:
    """One entry line as given to :func:`~tariffscope.resolver.api.resolve_one`."""

    hts: str
    origin: str
    date: str
    optional: dict[str, Any]


def _country_keys() -> dict[str, str]:
    from tariffscope.countries import _keys

    return dict(_keys().iter_rows())


_COUNTRY_KEYS: dict[str, str] = {}


def _iso2(raw: str) -> str | None:
    """ISO2 of an origin the table path would match by its key (None: leave it to the table path)."""
    if not _COUNTRY_KEYS:
        _COUNTRY_KEYS.update(_country_keys())
    s = raw.strip()
    if not s.isascii() or not s:
        return None
    key = s.zfill(4) if s.isdigit() else " ".join(s.replace("`", "'").upper().split())
    return _COUNTRY_KEYS.get(key)


def _date(raw: str) -> dt.date | None:
    s = raw.strip()[:10]
    if not (s.isascii() and _DATE.fullmatch(s)):
        return None
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        return None


def _claims(ctx: PricingContext) -> frozenset[str]:
    from tariffscope.resolver.context import default_context

    return known_claims() if ctx is default_context() else known_claims(ctx.catalogue)


def _clean_inputs(q: Lookup, ctx: PricingContext) -> dict[str, Any] | None:
    """The validated, normalised line (as ``prepare`` and ``landed.validate`` would leave it), or None."""
    raw_hts = q.hts.strip()
    digits = _HTS_SEP.sub("", raw_hts)
    if not (raw_hts.isascii() and digits.isdigit() and len(digits) in (8, 10)):
        return None
    iso2 = _iso2(q.origin)
    day = _date(q.date)
    if iso2 is None or day is None or not HORIZON[0] <= day <= HORIZON[1]:
        return None
    row: dict[str, Any] = {"hts10": digits.ljust(10, "0"), "hts_input": raw_hts, "origin": iso2, "date": day}
    opt = q.optional
    for col in FLOAT_INPUTS:
        v = opt.get(col)
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < 0:
            return None
        if col in _SHARES_IN and v > 1:
            return None
        row[col] = float(v)
    if "metal_share" in row:  # one declared metal share: the content the steel or aluminium rules charge
        for c in ("steel_share", "aluminum_share"):
            row.setdefault(c, row["metal_share"])
    if opt.get("loading_date") is not None:
        ld = _date(str(opt["loading_date"]))
        if ld is None:
            return None
        row["loading_date"] = ld
    if opt.get("claim") is not None:
        claim = str(opt["claim"]).strip().lower()
        if any(c.strip() not in _claims(ctx) for c in claim.split(",")):
            return None
        if re.search(r"(^|,)\s*usmca\s*(,|$)", claim) and iso2 not in ("CA", "MX"):
            return None
        row["claim"] = ",".join(c.strip() for c in claim.split(","))  # as a batch spells it (inputs.py)
    allowed = {"shipment": SHIPMENTS, "transport": TRANSPORTS, "postal_method": POSTAL_METHODS}
    for c, ok in allowed.items():
        v = opt.get(c)
        v = None if v is None else str(v).strip().lower() or None
        if v is not None and v not in ok:
            return None
        row[c] = v
    if row["shipment"] is not None and (
        "value" not in row or (row["shipment"] == "informal" and row["value"] > INFORMAL_LIMIT_USD)
    ):
        return None
    return row


_LINE_FIELDS = [
    "hts10",
    *dict.fromkeys([*LINE_COLUMNS, "mfn_ad_valorem", "mfn_specific_usd", "col2_ave", "mfn_kind"]),
]


def _line_frame(sched: Any) -> pl.DataFrame:
    """The schedule's lines with what a lookup reads of them (row i: line i of the dense matrix)."""
    return _derived(sched, "single_lines", lambda s: _lines(s).select(_LINE_FIELDS))


def _line_index(sched: Any) -> dict[str, int]:
    """Column of each HTS10 code in the schedule's dense matrix (built once per schedule)."""

    def build(s: Any) -> dict[str, int]:
        _, universe, _ = _dense(s)
        return dict(zip(universe["hts10"].to_list(), universe["c"].to_list(), strict=True))

    return _derived(sched, "single_codes", build)


def _line(sched: Any, hts10: str, day: dt.date) -> dict[str, Any] | None:
    """The schedule line in force for an exact code on ``day`` (None: not in the dense index)."""
    c = _line_index(sched).get(hts10)
    if c is None:
        return None
    bounds, _, matrix = _dense(sched)
    r = int(np.searchsorted(bounds, np.datetime64(day, "D"), side="right")) - 1
    li = int(matrix[r, c]) if r >= 0 else -1
    if li < 0:
        return None
    return _line_frame(sched).row(li, named=True)


_SHARE_MAPS: dict[int, tuple[pl.DataFrame, list[dict[str, tuple[Any, ...]]]]] = {}


def _share_index(est: pl.DataFrame) -> list[dict[str, tuple[Any, ...]]]:
    """The estimates by HTS10, then by each parent level (the means ``share_estimates`` uses)."""
    hit = _SHARE_MAPS.get(id(est))
    if hit is None or hit[0] is not est:
        maps = [{r[0]: r[1:] for r in est.select("hts10", *SHARE_COLUMNS).iter_rows()}]
        for n in PARENT_LEVELS:
            maps.append(
                {r[0]: r[1:] for r in _parent_means(est, n).select("parent", *SHARE_COLUMNS).iter_rows()}
            )
        hit = (est, maps)
        _SHARE_MAPS[id(est)] = hit
    return hit[1]


def _estimated_shares(est: pl.DataFrame, hts10: str) -> tuple[Any, ...]:
    maps = _share_index(est)
    for m, n in zip(maps, (10, *PARENT_LEVELS), strict=True):
        hit = m.get(hts10[:n])
        if hit is not None:
            return hit
    return (None,) * len(SHARE_COLUMNS)


def _fmt(template: str, *parts: Any) -> str | None:
    """``pl.format``: null when any part is null."""
    return None if any(p is None for p in parts) else template.format(*parts)


def _base_rate(row: dict[str, Any], line: dict[str, Any], col2: set[str]) -> None:
    """``attach_base_rates`` for one line of an ordinary (not special-program) line: sets
    ``base_rate``, ``base_note`` and ``base_status``."""
    specific = line["mfn_specific_usd"] or 0.0
    value, qty = row.get("value"), row.get("quantity")
    exact = None
    if value is not None and qty is not None:
        exact = (line["mfn_ad_valorem"] or 0.0) + specific * qty / value if value != 0 else math.nan
    use_exact = specific > 0 and exact is not None and value is not None and value > 0
    claimed = "claim" in row and bool(_USMCA.search(row["claim"])) and bool(line["usmca_free"])
    gen = line["general_text"]
    if row["origin"] in col2:
        rate, note = line["col2_ave"], _fmt("column 2 rate {} (general note 3(b))", line["other_text"])
    elif claimed:
        rate, note = 0.0, _fmt("USMCA claimed: special rate Free replaces the general rate {}", gen)
    elif use_exact:
        rate, note = exact, _fmt("column 1 general rate {} (exact at the declared value and quantity)", gen)
    elif specific > 0:
        rate = line["mfn_ave"]
        note = _fmt("column 1 general rate {} (ad valorem equivalent at the documented unit value)", gen)
    else:
        rate, note = line["mfn_ave"], _fmt("column 1 general rate {}", gen)
    row["base_rate"] = rate
    row["base_status"] = "rate" if rate is not None else BY_REFERENCE
    if rate is None:
        c2 = row["origin"] in col2
        note = _fmt(
            "{} by reference: '{}' is not a number; the MFN part is the rate of the article(s) it names "
            "and is NOT included in total_rate",
            "column 2 rate (general note 3(b))" if c2 else "column 1 general rate",
            line["other_text"] if c2 else gen,
        )
    row["base_note"] = note


_ENGINE_SCHEMA = {
    "hts10": pl.String,
    "origin": pl.String,
    "base_rate": pl.Float64,
    "claim": pl.String,
    "metal_share": pl.Float64,
    "steel_share": pl.Float64,
    "aluminum_share": pl.Float64,
    "copper_share": pl.Float64,
    "us_content": pl.Float64,
    "loading_date": pl.Date,
    "date": pl.Date,
}


def _fee(day: dt.date, attr: str) -> float:
    fee: float = getattr(FEE_YEARS[0], attr)
    for fy in FEE_YEARS[1:]:
        if day >= fy.start:
            fee = getattr(fy, attr)
    return fee


def _round2(x: float) -> float:
    """Polars' ``round(2)``: scale, round half to even, unscale (not Python's exact-decimal ``round``)."""
    return float(np.round(x, 2))


def _landed(row: dict[str, Any]) -> None:
    """``landed.landed_cost`` for one priced row with a value (same rules, same order, same rounding)."""
    value, day, origin = row["value"], row["date"], row["origin"]
    ship = row["shipment"] or ("formal" if value > INFORMAL_LIMIT_USD else "informal")
    transport = row["transport"] or {"postal": "mail", "express": "air"}.get(ship, "vessel")
    china = origin in ("CN", "HK")
    suspended = day >= ALL_END or (china and day >= CHINA_HK_END)
    low = value <= DE_MINIMIS_USD and ship != "formal"
    china_era = china and day < ALL_END
    ieepa = row["rate_ieepa_reciprocal"] + row["rate_ieepa_fentanyl"]
    free = low and not suspended
    postal = ship == "postal" and low and suspended and day < S122_END
    if china_era:
        postal_rate = 1.20 if day < _CHINA_POSTAL_STEP else 0.54
    else:
        postal_rate = ieepa if day < IEEPA_END else row["rate_s122"]
    per_item = 100.0 if china_era else 80.0 if ieepa < 0.16 else 160.0 if ieepa <= 0.25 else 200.0
    items = row.get("quantity")
    items = 1.0 if items is None else items
    specific_ok = china_era or (day < SPECIFIC_END and day < IEEPA_END)
    use_specific = row["postal_method"] == "specific" and specific_ok
    postal_duty = per_item * items if use_specific else postal_rate * value
    duty = 0.0 if free else postal_duty if postal else row["total_rate"] * value
    if free:
        reason = 0
    elif postal:
        reason = 1 if china_era else 2 if day < IEEPA_END else 3
    elif low and suspended and ship == "postal" and day >= S122_END:
        reason = 6
    elif low and suspended:
        reason = 4 if china and day < ALL_END else 5
    else:
        reason = 7 if ship == "formal" else 8
    usmca = bool(_USMCA.search(row.get("claim") or "")) and origin in ("CA", "MX")
    if free or postal or usmca:
        mpf = 0.0
    elif ship == "formal":
        mpf = min(max(value * MPF_RATE, _fee(day, "mpf_min")), _fee(day, "mpf_max"))
    else:
        mpf = _fee(day, "express" if ship == "express" else "informal")
    hmf = value * HMF_RATE if not free and transport == "vessel" else 0.0
    duty_r, mpf_r, hmf_r = _round2(duty), _round2(mpf), _round2(hmf)
    fees = _round2(mpf_r + hmf_r)
    row.update(
        shipment=ship,
        transport=transport,
        de_minimis=REASONS[reason],
        postal_method=("specific" if use_specific else "ad_valorem") if postal else None,
        postal_rate=postal_rate if postal and not use_specific else None,
        postal_per_item_usd=per_item if postal and use_specific else None,
        duty_owed_usd=duty_r,
        mpf_usd=mpf_r,
        hmf_usd=hmf_r,
        fees_usd=fees,
        landed_cost_usd=_round2(value + duty_r + fees),
    )


def fast_record(
    q: Lookup, ctx: PricingContext, as_of: dt.date | None
) -> tuple[dict[str, Any], EngineResult] | None:
    """The resolved row of one ordinary lookup and the engine's traces (row 0), or None when the
    table path must answer (an input error, a rare resolution)."""
    row = _clean_inputs(q, ctx)
    if row is None:
        return None
    line = _line(ctx.schedule, row["hts10"], row["date"])
    if line is None or line["mfn_kind"] is None or line["mfn_kind"] == "empty":
        return None
    row.update({"line_hts10": line["hts10"], "description": line["description"]})
    _base_rate(row, line, ctx.catalogue.countries(["COLUMN2"]))
    est = _estimated_shares(ctx.metal_shares, row["hts10"])
    for c, e in zip(SHARE_COLUMNS, est, strict=True):
        if row.get(c) is None:
            row[c] = e
    keys = pl.DataFrame({c: [row.get(c)] for c in _ENGINE_SCHEMA}, schema=_ENGINE_SCHEMA)
    res = Engine(ctx.catalogue, as_of).run(keys, explain=True)
    rates = {c: float(v[0]) for c, v in res.rates.items()}
    row.update(rates)
    row["rate_refundable"] = float(res.refundable[0])
    row["total_rate"] = float(res.total[0])
    if row["base_status"] == BY_REFERENCE:
        row["rate_mfn"] = None
    if "value" in row:
        row["duty_usd"] = row["total_rate"] * row["value"]
        _landed(row)
    return row, res
