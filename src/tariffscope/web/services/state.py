"""The workbench's per-process state: the catalogue, schedule and import weights (loaded once), the bound
on long computations, and the JSON shaping every answer shares."""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import math
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from types import ModuleType
from typing import Any, TypeVar

import polars as pl

from tariffscope.catalogue.loader import Catalogue
from tariffscope.schedule.table import Schedule
from tariffscope.web.services.errors import Busy, Unavailable

F = TypeVar("F", bound=Callable[..., Any])
HEAVY_SLOTS = 2  # long computations at once (this machine has 2 cores; each may hold ~1 GB)
HEAVY_WAIT_S = 90.0  # how long a request waits for a slot before a 503
_HEAVY = threading.BoundedSemaphore(HEAVY_SLOTS)


BUDGET_S = 30.0  # the longest a long endpoint computes before it answers "still computing" (a 503)
RETRY_S = 20  # the Retry-After of that answer: the computation goes on and its answer is kept


def budgeted(hint: str = "", *, kept: bool = True) -> Callable[[F], F]:
    """Decorator of the endpoints that may compute for long: the request takes one of the :data:`HEAVY_SLOTS`
    (as :func:`heavy_slot`) and the endpoint runs in a worker thread. If it has not answered within
    :data:`BUDGET_S` (slot wait included), the answer is a 503 with ``Retry-After`` saying the result is still
    being computed and ``hint`` (how to narrow the query); the worker goes on, holding its slot, so work stays
    bounded and, where the endpoint memoises its answer (``kept``), the retry gets it at once. A thread cannot
    be stopped part way."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            start = time.monotonic()
            if not _HEAVY.acquire(timeout=min(HEAVY_WAIT_S, BUDGET_S)):
                raise Busy(f"the server is busy with {HEAVY_SLOTS} long computations; retry in a minute")
            box: dict[str, Any] = {}
            done = threading.Event()

            def work() -> None:
                try:
                    box["value"] = fn(*args, **kwargs)
                except BaseException as exc:  # handed to the request, which maps it to its answer
                    box["error"] = exc
                finally:
                    _HEAVY.release()
                    done.set()

            threading.Thread(target=work, name=f"tariffscope-{fn.__name__}", daemon=True).start()
            if not done.wait(max(0.0, BUDGET_S - (time.monotonic() - start))):
                then = "the answer is being kept: " if kept else ""
                raise Busy(
                    f"still computing after {BUDGET_S:.0f} s (this server's time budget); {then}retry in "
                    f"{RETRY_S} s" + (f", or {hint}" if hint else ""),
                    retry_after=RETRY_S,
                )
            if "error" in box:
                raise box["error"]
            return box["value"]

        return run  # type: ignore[return-value]

    return decorate


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


def memo(maxsize: int) -> Callable[[F], F]:
    """:func:`functools.lru_cache` that computes each key once: concurrent callers of a cold key wait for
    the first caller's answer instead of computing it again (an all-partner computation takes seconds
    and about half a gigabyte, so two identical requests must not run it twice). A failure is not
    cached: the next caller tries again."""

    def decorate(fn: F) -> F:
        cached = functools.lru_cache(maxsize=maxsize)(fn)
        locks: dict[Hashable, threading.Lock] = {}
        guard = threading.Lock()

        @functools.wraps(fn)
        def once(*args: Any, **kwargs: Any) -> Any:
            key = (args, tuple(sorted(kwargs.items())))
            with guard:
                lock = locks.setdefault(key, threading.Lock())
            try:
                with lock:
                    return cached(*args, **kwargs)
            finally:
                with guard:
                    locks.pop(key, None)

        once.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        once.cache_info = cached.cache_info  # type: ignore[attr-defined]
        return once  # type: ignore[return-value]

    return decorate


def engine_module(name: str) -> ModuleType:
    """Import ``tariffscope.<name>`` or raise :class:`Unavailable` naming it (``/api/health`` reports
    which optional parts are installed)."""
    try:
        return importlib.import_module(f"tariffscope.{name}")
    except ImportError as exc:
        raise Unavailable(f"tariffscope.{name} is not available in this installation ({exc})") from None


def engine_function(module: str, name: str) -> Callable[..., Any]:
    fn = getattr(engine_module(module), name, None)
    if fn is None:
        raise Unavailable(f"tariffscope.{module}.{name} is not available in this installation")
    return fn  # type: ignore[no-any-return,unused-ignore]


def catalogue() -> Catalogue:
    from tariffscope.catalogue.loader import default_catalogue

    return default_catalogue()


@functools.cache
def schedule() -> Schedule:
    return Schedule.load()


@functools.cache
def weights() -> pl.DataFrame:
    from tariffscope.trade.weights import load_weights

    return load_weights()


@functools.cache
def partner_names() -> dict[str, str]:
    from tariffscope.countries import countries_frame

    return dict(countries_frame().select("iso2", "name").iter_rows())


def group_members(name: str) -> list[str]:
    """The countries of a catalogue group (``EU27``)."""
    return sorted(catalogue().countries([name]) - {"ALL"})


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
