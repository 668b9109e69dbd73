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
from collections.abc import Callable, Iterator, Sequence
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


class Busy(TariffscopeError):
    """Every slot for long computations is taken (HTTP 503 with ``Retry-After``)."""


HEAVY_SLOTS = 2  # long computations at once (this machine has 2 cores; each may hold ~1 GB)
HEAVY_WAIT_S = 90.0  # how long a request waits for a slot before a 503
_HEAVY = threading.BoundedSemaphore(HEAVY_SLOTS)


def heavy_slot() -> Iterator[None]:
    """FastAPI dependency of every endpoint that may run for seconds (ETRs over all partners, PE models,
    refunds, batches): at most :data:`HEAVY_SLOTS` run at once, so memory and CPU stay bounded however
    many requests arrive; the others wait up to :data:`HEAVY_WAIT_S` and then get a 503."""
    if not _HEAVY.acquire(timeout=HEAVY_WAIT_S):
        raise Busy(f"the server is busy with {HEAVY_SLOTS} long computations; retry in a minute")
    try:
        yield
    finally:
        _HEAVY.release()


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


def parse_partner(value: str, field: str = "partner") -> str:
    """One partner: a country (ISO2/ISO3/Census code), a catalogue group (``EU27``, ``USMCA``) or ``ALL``
    (every partner: the US-wide figure)."""
    key = value.strip().upper()
    if key == "EU":
        key = "EU27"
    if key == "ALL" or key in catalogue().groups:
        return key
    return parse_country(value, field)


def members(partner: str) -> tuple[str, ...] | None:
    """The countries a partner code stands for: itself, a group's members, or ``None`` for ``ALL``."""
    if partner == "ALL":
        return None
    if partner in catalogue().groups:
        return tuple(_group_members(partner))
    return (partner,)


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
    from tariffscope.results import RateResult

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


def rate_batch(csv_bytes: bytes, as_of: str | None = None) -> pl.DataFrame:
    """Resolve an uploaded CSV of entry lines: :func:`tariffscope.api.rate_batch`, within the upload's
    limits, plus a ``row`` column (1 = the first line after the header) for bad-row reports."""
    from tariffscope.api import rate_batch as price
    from tariffscope.resolver.inputs import BatchFileError, read_batch_csv

    a = parse_date(as_of, "as_of", required=False)
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
    try:
        table = price(rows, as_of=a)
    except TariffscopeError as exc:
        raise InputError("file", f"file: {exc}") from None
    if "row" not in table.columns:
        table = table.with_columns(pl.int_range(1, table.height + 1, dtype=pl.Int64).alias("row"))
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


# Everyday words for the HTS's legal wording (each alternative a whole-word, case-insensitive match).
SEARCH_SYNONYMS: dict[str, tuple[str, ...]] = {
    "passenger": ("passenger", "transport of persons"),
    "car": ("car", "motor car", "motor vehicle"),
    "auto": ("motor car", "motor vehicle"),
    "automobile": ("motor car", "motor vehicle"),
    "truck": ("truck", "transport of goods"),
    "phone": ("telephone", "smartphone"),
    "laptop": ("portable automatic data processing",),
    "computer": ("computer", "automatic data processing"),
    "steel": ("steel", "iron or steel"),
}


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


@functools.cache
def _line_imports() -> pl.DataFrame:
    return weights().group_by("hts10").agg(pl.col("imports_usd").sum().alias("_imports"))


@functools.lru_cache(maxsize=1024)
def search(q: str, limit: int = 20) -> list[dict[str, Any]]:
    """HTS lines by code prefix or by words of their descriptions, everyday words included
    ("passenger cars" finds heading 8703, "motor cars ... for the transport of persons").

    A line must match every word (a word matches its plural and its :data:`SEARCH_SYNONYMS`); lines
    whose heading (the description's first segment) carries the words, best starts with them, rank
    first, then the lines the US imports most of. Descriptions are returned in full."""
    import re

    q = q.strip()
    if not q:
        raise InputError("q", "q: give an HTS code or words to search for")
    sched = schedule()
    digits = q.replace(".", "").replace(" ", "")
    if digits.isdigit():
        res = sched.search(q, limit=limit)
        df = res if isinstance(res, pl.DataFrame) else pl.DataFrame(res)
        return df.head(limit).to_dicts()
    base = sched.on(sched.horizon[1]).select("hts10", "description", "general_text", "mfn_ave", "unit")
    head = pl.col("description").str.split(": ").list.first()
    match, in_head = pl.lit(True), pl.lit(0)
    for w in (x.lower() for x in re.findall(r"[\w'-]+", q)):
        alts = SEARCH_SYNONYMS.get(_stem(w), (_stem(w),))
        pat = "(?i)\\b(?:" + "|".join(re.escape(a) + "s?" for a in alts) + ")\\b"
        match = match & pl.col("description").str.contains(pat)
        starts = "(?i)^(?:" + "|".join(re.escape(a) for a in alts) + ")"
        in_head = in_head + head.str.contains(pat).cast(pl.Int32) + head.str.contains(starts).cast(pl.Int32)
    return (
        base.filter(match)
        .with_columns(in_head.alias("score"))
        .join(_line_imports(), on="hts10", how="left")
        .sort(["score", "_imports", "hts10"], descending=[True, True, False], nulls_last=True)
        .drop("_imports")
        .head(limit)
        .to_dicts()
    )


# --- measures and the regime-change feed ---------------------------------------------------------


def measures(authority: str | None, origin: str | None, on: str | None) -> pl.DataFrame:
    from tariffscope.catalogue.listing import measures_frame

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


def _as_partner_field(exc: InputError) -> InputError:
    if exc.field in ("origin", "request"):
        msg = str(exc).split(": ", 1)[-1]
        return InputError("partner", f"partner: {msg}")
    return exc


def exposure(partner: str, date: dt.date, sector: str | None, view: str) -> dict[str, Any]:
    """``tariffscope exposure`` of a country, a group (its members' imports pooled) or ``ALL`` (every
    partner: the US-wide figure); ``members`` says which countries the figures cover."""
    ms = members(partner)
    try:
        if ms is not None and len(ms) == 1:
            res = call_analytics("exposure", "exposure", ms[0], date, sector=sector, view=view)
            return {**res, "members": list(ms)}
        res = call_analytics("exposure", "exposure", "ALL", date, sector=sector, view=view, weights_of=ms)
    except InputError as exc:
        raise _as_partner_field(exc) from None
    return {**res, "partner": partner, "members": list(ms) if ms else "all partners"}


REFUNDS_MAX_MEMBERS = 30


def refunds(partner: str) -> pl.DataFrame:
    """``tariffscope refunds`` of a country or a group (members summed by month). ``ALL`` is refused:
    pricing every partner's daily duties takes minutes and gigabytes (the CLI does it)."""
    ms = members(partner)
    if ms is None or len(ms) > REFUNDS_MAX_MEMBERS:
        raise InputError(
            "partner",
            f"partner: refunds are priced per partner or group (at most {REFUNDS_MAX_MEMBERS} countries); "
            "for every partner at once run `tariffscope refunds`",
        )
    try:
        df = call_analytics("refunds", "refunds", partners=ms)
    except InputError as exc:
        raise _as_partner_field(exc) from None
    if len(ms) == 1:
        return df  # type: ignore[no-any-return,unused-ignore]
    usd = [c for c in df.columns if c.endswith("_usd")]
    return (
        df.group_by("month")
        .agg(
            pl.col("days").max(),
            *[pl.col(c).sum() for c in usd],
            pl.col("imports_basis").unique().sort().str.join(", "),
        )
        .with_columns(pl.lit(partner).alias("partner"))
        .select(df.columns)
        .sort("month")
    )


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


def _years(years: list[int]) -> str:
    return f"{years[0]}-{years[-1]}" if len(years) > 1 else "".join(map(str, years)) or "(unknown year)"


def parse_horizon_date(value: str | None, field: str = "date", today: dt.date | None = None) -> dt.date:
    """A date inside the catalogue's horizon. None given: today (UTC), or the horizon's nearest end when
    today is outside it (the answer states the date it is for)."""
    from tariffscope.resolver.inputs import HORIZON

    d = parse_date(value, field, required=False)
    if d is None:
        return min(max(today or dt.datetime.now(dt.UTC).date(), HORIZON[0]), HORIZON[1])
    if not HORIZON[0] <= d <= HORIZON[1]:
        raise InputError(field, f"{field}: {d} is outside the catalogue ({HORIZON[0]} to {HORIZON[1]})")
    return d


def us_rates(date: dt.date, view: str = "statutory") -> dict[str, Any]:
    """The journalist's view: the US-wide effective tariff rate (``ALL``: duty over all imports) and each
    partner's, on one date, with the view, the weights' grain and the source line stated."""
    df = country_rates(date.isoformat())
    if view != "statutory":
        raise InputError("view", "view: only the statutory view is available here")
    us = df.filter(pl.col("partner") == "ALL")
    rows = df.filter(pl.col("partner") != "ALL").with_columns(
        (pl.col("imports_usd") / float(us["imports_usd"][0])).alias("import_share")
    )
    keep = ["partner", "name", "imports_usd", "import_share", "etr", "etr_additional", "duty_usd_per_year"]
    src = sources()
    return {
        "date": date.isoformat(),
        "view": "statutory: the duty the law sets on each line (no USMCA claims or metal-content "
        "adjustments); effective rate = duty / all imports, unmatched lines at 0%",
        "weights": f"{_years(src['weights_years'])} import values; grain {us['weights_grain'][0]}",
        "source_line": src["source_line"],
        "data_date": f"rates in force on {date.isoformat()}; measures recorded to {src['catalogue_recorded_to']}",
        "us": to_records(us.select(keep[2:3] + keep[4:]).to_dicts()[0]),
        "partners": to_records(rows.select([c for c in keep if c in rows.columns])),
    }


@functools.cache
def sources() -> dict[str, Any]:
    """What every figure rests on, with the chart style (``analytics.figures.sources``)."""
    return engine_function("analytics.figures", "sources")(weights())


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
