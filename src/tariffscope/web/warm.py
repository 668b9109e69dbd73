"""Warming the workbench's caches at start-up, so the first requests of each page are fast."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading

from tariffscope.errors import TariffscopeError
from tariffscope.web.services.state import catalogue

log = logging.getLogger("tariffscope.web")


def warm_up(background: bool = True) -> None:
    """Load the catalogue and the schedule and run one lookup, so the first request is fast; then (in a
    background thread) compute what the pages open with: Japan's lab baseline and the dashboard's ETRs."""
    from tariffscope.web.services.rates import rate

    catalogue()
    with contextlib.suppress(TariffscopeError):
        rate("8703.23.01.90", "JP", "2025-10-01")
    if background:
        threading.Thread(target=_warm_pages, name="tariffscope-warm", daemon=True).start()


def _warm_pages() -> None:
    from tariffscope.scenarios.lab import baseline_rates
    from tariffscope.web.services.analytics import etr

    try:
        baseline_rates("JP", dt.date(2025, 10, 1))
        etr(("JP", "KR", "EU27"), "2025-01-01", "2026-12-31")
    except Exception:  # warming is an optimisation: a failure shows when the page asks
        log.exception("warming the page caches failed")
