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
    """The context of a catalogue with its importer's shipped schedule (the shipped context when None)."""
    from tariffscope.catalogue.jurisdiction import DEFAULT
    from tariffscope.catalogue.loader import default_catalogue

    if catalogue is None or catalogue is default_catalogue():
        return default_context()
    if catalogue.jurisdiction_id != DEFAULT:
        return PricingContext.of(catalogue, schedule_of(catalogue.jurisdiction_id))
    return PricingContext.of(catalogue)


@functools.cache
def importer_context(importer: str | None = None) -> PricingContext:
    """The shipped catalogue and base schedule of an importer (``US`` by default; loaded once).

    An unknown importer is a clear error listing the known ones."""
    from tariffscope.catalogue.jurisdiction import DEFAULT, importer_id
    from tariffscope.catalogue.loader import catalogue_of

    jid = importer_id(importer)
    if jid == DEFAULT:
        return default_context()
    return PricingContext.of(catalogue_of(jid), schedule_of(jid))


def schedule_of(jid: str) -> Schedule:
    """The base schedule of a jurisdiction, from the provider its ``jurisdiction.yaml`` names."""
    from tariffscope.catalogue.jurisdiction import jurisdiction
    from tariffscope.schedule import Schedule
    from tariffscope.schedule.handwritten import load_table

    j = jurisdiction(jid)
    if j.schedule.provider == "usitc":
        return Schedule.load()
    assert j.schedule.file is not None  # checked when jurisdiction.yaml is read
    return load_table(j.folder / j.schedule.file, label=f"{j.id}-catalogue")
