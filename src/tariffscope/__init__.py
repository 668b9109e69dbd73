"""tariffscope: the US tariff regime as executable, dated, cited data.

``import tariffscope as ts``, then ``ts.rate``, ``ts.rate_batch``, ``ts.panel``, ``ts.etr``,
``ts.exposure``, ``ts.scenario``, ``ts.package``, ``ts.ge`` (see :mod:`tariffscope.api`). They are
imported on first use, so ``import tariffscope`` stays fast.

Layout (read top to bottom, each layer uses only those above it):

- ``catalogue``  the law as data: one YAML file per legal action, validated by a schema.
- ``schedule``   the USITC Harmonized Tariff Schedule, every revision, with parsed rate text.
- ``resolver``   the semantics: which measures apply to a product, origin and date, and how they stack.
- ``trade``      import flows and weights, loaders for the publishers' formats, the DuckDB store.
- ``analytics``  effective tariff rates, partner exposure, diffs, refunds, rankings, reports.
- ``models``     economics: partial equilibrium (SMART, GSIM) and general-equilibrium gravity.
- ``scenarios``  overlays on the catalogue and negotiation packages.
- ``api``        the flat API and its result objects (``results``).
- ``cli``, ``web`` the interfaces.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tariffscope.errors import TariffscopeError

if TYPE_CHECKING:
    from tariffscope.api import etr, exposure, ge, package, panel, rate, rate_batch, scenario
    from tariffscope.results import (
        Component,
        EtrResult,
        ExposureResult,
        GeRun,
        PackageRun,
        PanelResult,
        RateResult,
        Result,
        ScenarioRun,
    )

__version__ = "0.1.0"

__all__ = [
    "Component",
    "EtrResult",
    "ExposureResult",
    "GeRun",
    "PackageRun",
    "PanelResult",
    "RateResult",
    "Result",
    "ScenarioRun",
    "TariffscopeError",
    "__version__",
    "etr",
    "exposure",
    "ge",
    "package",
    "panel",
    "rate",
    "rate_batch",
    "scenario",
]
_API = ("rate", "rate_batch", "panel", "etr", "exposure", "scenario", "package", "ge")
_LAZY = {n: "tariffscope.api" if n in _API else "tariffscope.results" for n in __all__ if n[0] != "_"}
del _LAZY["TariffscopeError"]


def __getattr__(name: str) -> Any:
    """Import the API on first use (PEP 562)."""
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tariffscope' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
