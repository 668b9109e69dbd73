"""What pricing reads besides the entry lines: the catalogue of measures and the HTS schedule.

Pricing is a pure function of (context, rows). The context is one picklable object, so an executor
(threads here, Spark workers elsewhere) receives exactly the law and schedule the caller chose, never
a copy a worker would load on its own. What is derived from it (the schedule's dense index, compiled
product lists) is rebuilt lazily in each process from the object itself.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

    from tariffscope.catalogue.loader import Catalogue
    from tariffscope.schedule import Schedule


@dataclass(eq=False)
class PricingContext:
    """The catalogue, the schedule and the metal-content estimates a batch or panel is priced with."""

    catalogue: Catalogue
    schedule: Schedule
    metal_shares: pl.DataFrame

    @classmethod
    def of(cls, catalogue: Catalogue | None = None, schedule: Schedule | None = None) -> PricingContext:
        """A context with the given catalogue and/or schedule; the shipped ones otherwise."""
        if catalogue is None and schedule is None:
            return default_context()
        from tariffscope.catalogue.loader import default_catalogue
        from tariffscope.resolver.shares import metal_shares
        from tariffscope.schedule import Schedule

        return cls(catalogue or default_catalogue(), schedule or Schedule.load(), metal_shares())

    def __getstate__(self) -> dict[str, object]:
        """Pickle a complete context: every product list and derived rule table the engine reads is
        loaded first, so a worker never reads the catalogue's files on its own."""
        cat = self.catalogue
        _ = (cat.rules, cat.change_dates, cat.loading_cutoffs, cat.excluders)
        return dict(self.__dict__)


@functools.cache
def default_context() -> PricingContext:
    """The shipped catalogue, schedule and metal shares (loaded once per process)."""
    from tariffscope.catalogue.loader import default_catalogue
    from tariffscope.resolver.shares import metal_shares
    from tariffscope.schedule import Schedule

    return PricingContext(default_catalogue(), Schedule.load(), metal_shares())


def context_for(catalogue: Catalogue | None) -> PricingContext:
    """The context of a catalogue with the shipped schedule (the shipped context when None)."""
    from tariffscope.catalogue.loader import default_catalogue

    if catalogue is None or catalogue is default_catalogue():
        return default_context()
    return PricingContext.of(catalogue)
