"""Duties of entry lines: one lookup (``tariffscope rate``), an uploaded batch (``rate --batch``) and a
product's timeline, each through the same engine call as the CLI."""

from __future__ import annotations

import functools
import json
import threading
from collections import OrderedDict
from typing import Any

import polars as pl

from tariffscope.errors import TariffscopeError
from tariffscope.web.services.errors import InputError, engine_error
from tariffscope.web.services.parse import need_date, parse_country, parse_date, parse_hts


def _check_claim(claim: str) -> None:
    from tariffscope.resolver.inputs import known_claims

    known = known_claims()
    unknown = [c for c in claim.replace(" ", "").lower().split(",") if c not in known]
    if unknown:
        raise InputError(
            "claim",
            f"claim: {', '.join(unknown)} is not a known claim or declaration ({', '.join(sorted(known - {''}))})",
        )


@functools.lru_cache(maxsize=1024)
def rate(
    hts: str,
    origin: str,
    date: str,
    value: float | None = None,
    quantity: float | None = None,
    metal_share: float | None = None,
    copper_share: float | None = None,
    us_content: float | None = None,
    claim: str | None = None,
    as_of: str | None = None,
) -> dict[str, Any]:
    """The JSON of ``tariffscope rate --format json`` (the same function builds both), plus ``hts``,
    ``rates`` by authority, and each component's ``statutory_rate`` and ``title``."""
    from tariffscope.resolver.api import resolve_one
    from tariffscope.results import RateResult

    d = need_date(date, "date")
    a = parse_date(as_of, "as_of", required=False)
    code = parse_hts(hts)
    iso = parse_country(origin)
    if claim:
        _check_claim(claim)
    try:
        result = resolve_one(
            code,
            iso,
            d,
            value=value,
            quantity=quantity,
            metal_share=metal_share,
            copper_share=copper_share,
            us_content=us_content,
            claim=claim,
            as_of=a,
        )
    except TariffscopeError as exc:
        raise engine_error(exc) from None
    out = RateResult.from_record(result).to_dict()
    out["hts"] = result.get("hts")
    out["rates"] = result.get("rates")
    out["components"] = [
        {**c, "statutory_rate": full.get("statutory_rate"), "title": full.get("title")}
        for c, full in zip(out["components"], result["components"], strict=True)
    ]
    return out


_RATE_JSON: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
_RATE_JSON_MAX = 20_000
_RATE_LOCK = threading.Lock()


def rate_json_cached(key: tuple[Any, ...]) -> bytes | None:
    """The serialized answer of an earlier identical lookup (LRU, no engine call, no thread hop)."""
    with _RATE_LOCK:
        body = _RATE_JSON.get(key)
        if body is not None:
            _RATE_JSON.move_to_end(key)
        return body


def rate_json(*key: Any) -> bytes:
    """:func:`rate` serialized once; identical lookups are answered from memory afterwards (the
    catalogue and schedule are fixed for the life of the process, so the answer cannot change)."""
    body = json.dumps(rate(*key), separators=(",", ":")).encode()
    with _RATE_LOCK:
        _RATE_JSON[tuple(key)] = body
        if len(_RATE_JSON) > _RATE_JSON_MAX:
            _RATE_JSON.popitem(last=False)
    return body


BATCH_MAX_ROWS = 20_000
BATCH_MAX_BYTES = 4 * 1024 * 1024
BATCH_REQUIRED = {"hts10": "hts", "origin": "country", "date": "entry_date"}


def _read_upload(csv_bytes: bytes) -> pl.DataFrame:
    """The uploaded CSV's rows, within the upload's limits (errors name the ``file`` field)."""
    from tariffscope.resolver.inputs import BatchFileError, read_batch_csv

    if len(csv_bytes) > BATCH_MAX_BYTES:
        raise InputError("file", f"file: {len(csv_bytes):,} bytes is over the limit of {BATCH_MAX_BYTES:,}")
    try:
        rows = read_batch_csv(csv_bytes)
    except BatchFileError as exc:
        raise InputError("file", f"file: {exc}") from None
    except (pl.exceptions.PolarsError, UnicodeDecodeError) as exc:
        raise InputError("file", f"file: not a readable CSV ({str(exc).splitlines()[0][:200]})") from None
    if rows.height > BATCH_MAX_ROWS:
        raise InputError("file", f"file: {rows.height:,} rows is over the limit of {BATCH_MAX_ROWS:,}")
    cols = set(rows.columns)
    missing = [c for c, alias in BATCH_REQUIRED.items() if c not in cols and alias not in cols]
    if missing:
        raise InputError(
            "file", f"file: the CSV lacks column(s) {', '.join(missing)} (need hts10, origin, date)"
        )
    return rows


def rate_batch(csv_bytes: bytes, as_of: str | None = None) -> pl.DataFrame:
    """Resolve an uploaded CSV of entry lines: :func:`tariffscope.api.rate_batch`, within the upload's
    limits, plus a ``row`` column (1 = the first line after the header) for bad-row reports."""
    from tariffscope.api import rate_batch as price

    a = parse_date(as_of, "as_of", required=False)
    rows = _read_upload(csv_bytes)
    try:
        table = price(rows, as_of=a)
    except TariffscopeError as exc:
        raise InputError("file", f"file: {exc}") from None
    if "row" not in table.columns:
        table = table.with_columns(pl.int_range(1, table.height + 1, dtype=pl.Int64).alias("row"))
    return table


@functools.lru_cache(maxsize=512)
def timeline(hts: str, origin: str, start: str, end: str, as_of: str | None = None) -> pl.DataFrame:
    """Every change point of a product's duty from one origin (``tariffscope timeline``)."""
    from tariffscope.resolver.timeline import product_timeline

    s, e = need_date(start, "from"), need_date(end, "to")
    if e < s:
        raise InputError("to", f"to: {e} is before from {s}")
    code, iso = parse_hts(hts), parse_country(origin)
    try:
        return product_timeline(code, iso, s, e, as_of=parse_date(as_of, "as_of", required=False))
    except TariffscopeError as exc:
        raise engine_error(exc) from None
