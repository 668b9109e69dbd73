"""The engine behind the workbench: thin calls into tariffscope, with per-process caches.

Nothing here re-implements the law or the models: each function parses, calls the same function the
CLI calls and shapes the answer as JSON-ready records. The catalogue, the schedule and the import
weights are loaded once per process; answers that depend only on their arguments (and on that
immutable data) are memoised in bounded LRU caches.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import importlib
import json
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import polars as pl

from tariffscope.errors import DateOutOfRange, TariffscopeError, UnknownCountry, UnknownHTS


class InputError(TariffscopeError):
    """Bad input to an endpoint: the message says what is wrong and ``field`` names the parameter."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class Unavailable(TariffscopeError):
    """A part of the engine that this installation does not provide (HTTP 503)."""


def engine_module(name: str) -> ModuleType:
    """Import ``tariffscope.<name>`` or raise :class:`Unavailable` naming it."""
    try:
        return importlib.import_module(f"tariffscope.{name}")
    except ImportError as exc:
        raise Unavailable(f"tariffscope.{name} is not available in this installation ({exc})") from None


def engine_function(module: str, name: str) -> Callable[..., Any]:
    fn = getattr(engine_module(module), name, None)
    if fn is None:
        raise Unavailable(f"tariffscope.{module}.{name} is not available in this installation")
    return fn  # type: ignore[no-any-return,unused-ignore]


# --- input parsing (every error names its field) -------------------------------------------------


def parse_date(value: str | None, field: str, *, required: bool = True) -> dt.date | None:
    if value is None or value == "":
        if required:
            raise InputError(field, f"{field}: a date YYYY-MM-DD is required")
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(field, f"{field}: {value[:40]!r} is not a date YYYY-MM-DD") from None


def parse_hts(value: str, field: str = "hts") -> str:
    from tariffscope.schedule.hts import normalize_hts

    try:
        return normalize_hts(value)
    except UnknownHTS as exc:
        raise InputError(field, f"{field}: {exc}") from None


def parse_country(value: str, field: str = "origin") -> str:
    from tariffscope.countries import country

    try:
        return country(value).iso2
    except UnknownCountry as exc:
        raise InputError(field, f"{field}: {exc}") from None


def parse_share(value: float | None, field: str) -> float | None:
    if value is None:
        return None
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise InputError(field, f"{field}: {value} is not a share between 0 and 1")
    return value


def parse_partners(value: str | None, field: str = "partners", limit: int = 12) -> list[str]:
    """Comma-separated partners: ISO2/ISO3/Census codes or a catalogue group name (``EU27``)."""
    if not value:
        return []
    names = [v.strip() for v in value.split(",") if v.strip()]
    if len(names) > limit:
        raise InputError(field, f"{field}: at most {limit} partners at once, got {len(names)}")
    groups = catalogue().groups
    out = []
    for n in names:
        key = n.upper()
        if key == "EU":
            key = "EU27"
        out.append(key if key in groups else parse_country(n, field))
    return out


# --- cached engine state -------------------------------------------------------------------------


def catalogue() -> Any:
    from tariffscope.catalogue.loader import default_catalogue

    return default_catalogue()


@functools.cache
def schedule() -> Any:
    cls: Any = engine_function("schedule", "Schedule")
    return cls.load()


@functools.cache
def weights() -> pl.DataFrame:
    from tariffscope.trade.weights import load_weights

    return load_weights()


@functools.cache
def partner_names() -> dict[str, str]:
    from tariffscope.countries import countries_frame

    return dict(countries_frame().select("iso2", "name").iter_rows())


def warm_up(background: bool = True) -> None:
    """Load the catalogue and the schedule and run one lookup, so the first request is fast; then (in a
    background thread) compute what the pages open with: Japan's lab baseline and the dashboard's ETRs."""
    catalogue()
    with contextlib.suppress(TariffscopeError):
        rate("8703.23.01.90", "JP", "2025-10-01")
    if background:
        import threading

        threading.Thread(target=_warm_pages, name="tariffscope-warm", daemon=True).start()


def _warm_pages() -> None:
    import logging

    from tariffscope.web import lab

    try:
        lab._baseline_rates("JP", dt.date(2025, 10, 1))
        etr(("JP", "KR", "EU27"), "2025-01-01", "2026-12-31")
    except Exception:  # warming is an optimisation: a failure shows when the page asks
        logging.getLogger("tariffscope.web").exception("warming the page caches failed")


# --- rates ---------------------------------------------------------------------------------------


def _engine_error(exc: TariffscopeError) -> InputError:
    field = {UnknownHTS: "hts", UnknownCountry: "origin", DateOutOfRange: "date"}.get(type(exc))
    if field is None:
        for cls, name in ((UnknownHTS, "hts"), (UnknownCountry, "origin"), (DateOutOfRange, "date")):
            if isinstance(exc, cls):
                field = name
    msg = str(exc)
    if field is None:
        low = msg.lower()
        field = next((f for f in ("hts", "origin", "date", "claim", "value") if low.startswith(f)), "request")
    return InputError(field, msg if msg.startswith(field) else f"{field}: {msg}")


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
    """The JSON of ``tariffscope rate --format json`` (the same function builds both)."""
    from tariffscope.cli.rate_cmds import _contract

    d = parse_date(date, "date")
    a = parse_date(as_of, "as_of", required=False)
    code = parse_hts(hts)
    iso = parse_country(origin)
    if claim:
        from tariffscope.resolver.inputs import known_claims

        known = known_claims()
        unknown = [c for c in claim.replace(" ", "").lower().split(",") if c not in known]
        if unknown:
            raise InputError(
                "claim",
                f"claim: {', '.join(unknown)} is not a known claim or declaration ({', '.join(sorted(known - {''}))})",
            )
    resolve_one = engine_function("resolver.api", "resolve_one")
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
        raise _engine_error(exc) from None
    out = _contract(result)
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


def rate_batch(csv_bytes: bytes, as_of: str | None = None) -> pl.DataFrame:
    """Resolve an uploaded CSV of entry lines (the columns of ``tariffscope rate --batch``)."""
    from tariffscope.cli.rate_cmds import BATCH_COLUMNS

    a = parse_date(as_of, "as_of", required=False)
    if len(csv_bytes) > BATCH_MAX_BYTES:
        raise InputError("file", f"file: {len(csv_bytes):,} bytes is over the limit of {BATCH_MAX_BYTES:,}")
    try:
        rows = pl.read_csv(csv_bytes, infer_schema_length=0, truncate_ragged_lines=False)
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
        raise InputError("file", f"file: not a readable CSV ({str(exc).splitlines()[0][:200]})") from None
    if rows.height == 0:
        raise InputError("file", "file: the CSV has no rows")
    if rows.height > BATCH_MAX_ROWS:
        raise InputError("file", f"file: {rows.height:,} rows is over the limit of {BATCH_MAX_ROWS:,}")
    cols = set(rows.columns)
    missing = [c for c, alias in BATCH_REQUIRED.items() if c not in cols and alias not in cols]
    if missing:
        raise InputError(
            "file", f"file: the CSV lacks column(s) {', '.join(missing)} (need hts10, origin, date)"
        )
    resolve_frame = engine_function("resolver.api", "resolve_frame")
    try:
        res = resolve_frame(rows, as_of=a)
    except ValueError as exc:
        raise InputError("file", f"file: {exc}") from None
    keep = [c for c in rows.columns if c in res.table.columns]
    table = res.table.select([*keep, *[c for c in BATCH_COLUMNS if c in res.table.columns]])
    for c in ("hts10", "origin", "date"):
        if c in rows.columns:
            table = table.with_columns(rows[c].alias(c))
    return table


@functools.lru_cache(maxsize=512)
def timeline(hts: str, origin: str, start: str, end: str, as_of: str | None = None) -> pl.DataFrame:
    product_timeline = engine_function("resolver.timeline", "product_timeline")
    s, e = parse_date(start, "from"), parse_date(end, "to")
    assert s is not None and e is not None
    if e < s:
        raise InputError("to", f"to: {e} is before from {s}")
    code, iso = parse_hts(hts), parse_country(origin)
    try:
        return product_timeline(code, iso, s, e, as_of=parse_date(as_of, "as_of", required=False))
    except TariffscopeError as exc:
        raise _engine_error(exc) from None


# --- schedule search -----------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def search(q: str, limit: int = 20) -> list[dict[str, Any]]:
    """HTS lines by code prefix or by words of their descriptions (the schedule's own search)."""
    q = q.strip()
    if not q:
        raise InputError("q", "q: give an HTS code or words to search for")
    sched = schedule()
    res = sched.search(q, limit=limit)
    df = res if isinstance(res, pl.DataFrame) else pl.DataFrame(res)
    return df.head(limit).to_dicts()


# --- measures and the regime-change feed ---------------------------------------------------------


def measures(authority: str | None, origin: str | None, on: str | None) -> pl.DataFrame:
    from tariffscope.cli.measures_cmds import measures_frame

    iso = parse_country(origin) if origin else None
    d = parse_date(on, "on", required=False)
    cat = catalogue()
    if authority and authority not in {m.authority for m in cat.measures.values()}:
        known = sorted({m.authority for m in cat.measures.values()})
        raise InputError("authority", f"authority: {authority!r} is not one of {', '.join(known)}")
    return measures_frame(cat, authority, iso, d)


def measure(measure_id: str) -> dict[str, Any]:
    """A measure (or the measure of a rule id ``measure/rule``) with instruments, steps and citations."""
    cat = catalogue()
    mid = measure_id.split("/")[0]
    m = cat.measures.get(mid)
    if m is None:
        close = [k for k in cat.measures if mid.split(".")[-1] and mid.split(".")[-1] in k][:5]
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise InputError("measure_id", f"measure_id: no measure {mid[:60]!r}{hint}")
    return dict(m.model_dump(mode="json", by_alias=True))


def regime_changes(since: dt.date | None = None, until: dt.date | None = None) -> pl.DataFrame:
    """Every dated step of every rule: the day a duty starts, changes or ends, with its citation."""
    cat = catalogue()
    rows: list[dict[str, Any]] = []
    for ref in cat.rules:
        r, m = ref.rule, ref.measure
        prev: float | None = None
        for s in r.steps:
            if (since and s.from_ < since) or (until and s.from_ > until):
                prev = s.rate
                continue
            change = "ends" if s.rate is None else ("starts" if prev is None else "changes")
            rows.append(
                {
                    "date": s.from_,
                    "rule": ref.id,
                    "measure": m.id,
                    "authority": m.authority,
                    "heading": r.heading or "",
                    "countries": ",".join(r.countries.include),
                    "change": change,
                    "rate_before": prev,
                    "rate": s.rate,
                    "title": r.title,
                    "cite": s.cite,
                    "recorded": s.recorded,
                    "superseded": s.superseded,
                }
            )
            prev = s.rate
    if not rows:
        return pl.DataFrame()
    return pl.DataFrame(rows, infer_schema_length=None).sort(["date", "rule"], descending=[True, False])


# --- analytics -----------------------------------------------------------------------------------


def _group_members(name: str) -> list[str]:
    return sorted(catalogue().countries([name]) - {"ALL"})


@functools.lru_cache(maxsize=64)
def etr(
    partners: tuple[str, ...], start: str, end: str, by: str = "partner", view: str = "adjusted"
) -> pl.DataFrame:
    """ETR by day for each partner (a group such as EU27 is the import-weighted mean of its members)."""
    etr_series = engine_function("analytics.etr", "etr_series")
    s, e = parse_date(start, "start"), parse_date(end, "end")
    assert s is not None and e is not None
    if e < s:
        raise InputError("end", f"end: {e} is before start {s}")
    if by not in ("partner", "authority", "sector"):
        raise InputError("by", f"by: {by!r} is not partner, authority or sector")
    if view not in ("statutory", "adjusted"):
        raise InputError("view", f"view: {view!r} is not statutory or adjusted")
    w = weights()
    label: dict[str, str] = {}
    members: list[str] = []
    for p in partners:
        ms = _group_members(p) if p in catalogue().groups else [p]
        for m in ms:
            label.setdefault(m, p)
        members += ms
    have = set(w.filter(pl.col("partner").is_in(members))["partner"].unique().to_list())
    missing = [p for p in partners if not any(label.get(m) == p for m in have)]
    if missing:
        raise InputError("partners", f"partners: no import weights for {', '.join(missing)}")
    ws = w.filter(pl.col("partner").is_in(sorted(have)))
    if by == "sector":
        ws = ws.with_columns(pl.col("gtap").fill_null("other").alias("sector"))
    df = etr_series(ws, s, e, partners=sorted(have), by="sector" if by == "sector" else "partner", view=view)
    df = df.with_columns(pl.col("partner").replace_strict(label, default=pl.col("partner")).alias("group"))
    keys = ["date", "group", *(["sector"] if by == "sector" else [])]
    rate_cols = [c for c in df.columns if c.startswith("etr")]
    agg = df.group_by(keys).agg(
        pl.col("imports_usd").sum(),
        pl.col("duty_usd_per_year").sum(),
        *[(pl.col(c) * pl.col("imports_usd")).sum().alias(c) for c in rate_cols],
    )
    agg = agg.with_columns([(pl.col(c) / pl.col("imports_usd")).alias(c) for c in rate_cols])
    agg = agg.rename({"group": "partner"}).with_columns(
        (pl.col("duty_usd_per_year") / 8760.0).alias("duty_usd_per_hour")
    )
    return agg.sort([*keys[:0], "partner", "date", *keys[2:]])


def compact_series(df: pl.DataFrame, value_cols: Sequence[str], key: str = "partner") -> pl.DataFrame:
    """Keep only the days on which a series' values change (and each series' last day)."""
    if df.height == 0:
        return df
    d = df.sort([key, "date"])
    changed = pl.any_horizontal(
        [(pl.col(c) - pl.col(c).shift(1).over(key)).abs().fill_null(1.0) > 1e-12 for c in value_cols]
    )
    last = pl.col("date") == pl.col("date").max().over(key)
    return d.filter(changed | last)


def call_analytics(
    module: str, name: str, *args: Any, weights_of: tuple[str, ...] | None = None, **kwargs: Any
) -> Any:
    """Call ``tariffscope.analytics.<module>.<name>`` with the process's weights (only those of the
    partners ``weights_of`` if given), memoised by arguments."""
    return _analytics(module, name, args, tuple(sorted(kwargs.items())), weights_of)


@functools.lru_cache(maxsize=128)
def _analytics(
    module: str,
    name: str,
    args: tuple[Any, ...],
    kwargs: tuple[tuple[str, Any], ...],
    weights_of: tuple[str, ...] | None,
) -> Any:
    import inspect

    fn = engine_function(f"analytics.{module}", name)
    kw = dict(kwargs)
    if "weights" in inspect.signature(fn).parameters:
        w = weights()
        kw["weights"] = w.filter(pl.col("partner").is_in(list(weights_of))) if weights_of else w
    try:
        return fn(*args, **kw)
    except TariffscopeError as exc:
        raise _engine_error(exc) from None
    except ValueError as exc:
        raise InputError("request", str(exc)) from None


def to_records(obj: Any) -> Any:
    """Polars frames and dataclasses as JSON-ready records (dates as ISO strings, NaN as null)."""
    if isinstance(obj, pl.DataFrame):
        return [to_records(r) for r in obj.to_dicts()]
    if isinstance(obj, dict):
        return {str(k): to_records(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_records(v) for v in obj]
    if isinstance(obj, dt.date):
        return obj.isoformat()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if hasattr(obj, "__dataclass_fields__"):
        return {k: to_records(getattr(obj, k)) for k in obj.__dataclass_fields__}
    return obj


@functools.lru_cache(maxsize=16)
def country_rates(date: str) -> pl.DataFrame:
    """Every partner's ETR on one date (statutory view), with its imports and annual duty."""
    etr_series = engine_function("analytics.etr", "etr_series")
    d = parse_date(date, "date")
    df = etr_series(weights(), d, d, daily=False)
    names = partner_names()
    return (
        df.filter(pl.col("date") == d)
        .with_columns(pl.col("partner").replace_strict(names, default="").alias("name"))
        .select("date", "partner", "name", pl.exclude("date", "partner", "name"))
        .sort("imports_usd", descending=True)
    )


@functools.lru_cache(maxsize=16)
def country_sector_rates(date: str, partners: tuple[str, ...] = ()) -> pl.DataFrame:
    """ETR by partner x GTAP sector on one date (groups such as EU27 as the weighted mean of members)."""
    d = parse_date(date, "date")
    if partners:
        return etr(partners, date, date, "sector")
    etr_series = engine_function("analytics.etr", "etr_series")
    w = weights().with_columns(pl.col("gtap").fill_null("other").alias("sector"))
    assert d is not None
    return (
        etr_series(w, d, d, by="sector", daily=False).filter(pl.col("date") == d).sort(["partner", "sector"])
    )
