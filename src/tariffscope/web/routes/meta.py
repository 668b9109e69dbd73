"""What the workbench runs on: version and installed parts, countries and groups, the data's sources."""

from __future__ import annotations

from typing import Any

from tariffscope import __version__
from tariffscope.web.routes.common import api_router
from tariffscope.web.services.analytics import sources as data_sources
from tariffscope.web.services.errors import Unavailable
from tariffscope.web.services.state import catalogue, engine_module, to_records

router = api_router()


@router.get("/health", tags=["meta"])
def health() -> dict[str, Any]:
    """Version and which engine parts are installed."""
    parts = {}
    for mod in ("resolver.api", "analytics.etr", "analytics.exposure", "scenarios", "models.pe"):
        try:
            engine_module(mod)
            parts[mod] = True
        except Unavailable:
            parts[mod] = False
    return {"version": __version__, "engine": parts}


@router.get("/countries", tags=["schedule"])
def countries() -> list[dict[str, Any]]:
    """Countries (ISO2, ISO3, Census code, name) and the catalogue's groups (EU27, ...)."""
    from tariffscope.countries import countries_frame

    rows = to_records(countries_frame().select("iso2", "iso3", "census_code", "name"))
    groups = [
        {"iso2": k, "iso3": None, "census_code": None, "name": g.title, "group": True}
        for k, g in catalogue().groups.items()
        if k not in ("ALL",)
    ]
    return [*rows, *groups]  # type: ignore[list-item,unused-ignore]


@router.get("/sources", tags=["meta"])
def sources() -> dict[str, Any]:
    """What the figures rest on: catalogue knowledge date, weights years/grain, a one-line source."""
    return data_sources()
