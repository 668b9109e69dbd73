"""Warming the workbench's caches at start-up, so the first requests of each page are fast."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
from collections.abc import Callable

from tariffscope.errors import TariffscopeError
from tariffscope.web.services.state import catalogue

log = logging.getLogger("tariffscope.web")


DASHBOARD_DATE = dt.date(2025, 10, 1)  # the dashboard's snapshot date (static/index.html)


def warm_up(background: bool = True) -> None:
    """Load the catalogue and the schedule and run one lookup, so the first request is fast; then (in a
    background thread, see :func:`warm_tasks`) compute what the pages open with."""
    from tariffscope.web.services.rates import rate

    catalogue()
    with contextlib.suppress(TariffscopeError):
        rate("8703.23.01.90", "JP", "2025-10-01")
    if background:
        threading.Thread(target=_warm_pages, name="tariffscope-warm", daemon=True).start()


def warm_tasks() -> list[tuple[str, Callable[[], object]]]:
    """What the pages open with, most used first: the journalist's US-wide and per-partner rates today
    (the landing page), Japan's lab baseline, the dashboard's ETRs, and the US-wide (``ALL``) exposure
    on the dashboard's date. The all-partner answers take seconds and are then served from memory."""
    from tariffscope.scenarios.lab import baseline_rates
    from tariffscope.web.services.analytics import etr, exposure, us_rates
    from tariffscope.web.services.parse import parse_horizon_date

    return [
        ("us-rates today", lambda: us_rates(parse_horizon_date(None))),
        ("lab baseline JP", lambda: baseline_rates("JP", DASHBOARD_DATE)),
        ("dashboard ETRs", lambda: etr(("JP", "KR", "EU27"), "2025-01-01", "2026-12-31")),
        ("US-wide exposure", lambda: exposure("ALL", DASHBOARD_DATE, None, "adjusted")),
    ]


def _warm_pages() -> None:
    for name, task in warm_tasks():
        try:
            task()
        except Exception:  # warming is an optimisation: a failure shows when the page asks
            log.exception("warming the page caches failed: %s", name)
