"""Scenarios (dated overlays on the measure catalogue) and negotiation packages (both sides of a deal).

Public API:

* :func:`load_scenario`, :func:`build_catalogue`, :func:`shipped_scenarios`: read and apply scenario files;
* :func:`evaluate` / :class:`ScenarioResult`, :func:`compare`: duties, ETR and PE effects against current law;
* :func:`pe_effects`: the exact SMART solve over all HTS10 x partner lines, with the exact class reduction;
* :func:`evaluate_package` / :class:`PackageResult`: a package's US side and partner side, with its timeline;
* :func:`etr_by_partner`: a scenario's US effective tariff rate per partner (the GE model's input).

See ``docs/scenarios.md``.
"""

from tariffscope.scenarios.etr import etr_by_partner, scenario_date
from tariffscope.scenarios.evaluate import ScenarioResult, compare, evaluate, pe_effects
from tariffscope.scenarios.overlay import (
    Scenario,
    build_catalogue,
    load_scenario,
    parse_scenario,
    scenario_catalogue,
    shipped_packages,
    shipped_scenarios,
)
from tariffscope.scenarios.package import PackageResult, evaluate_package

__all__ = [
    "PackageResult",
    "Scenario",
    "ScenarioResult",
    "build_catalogue",
    "compare",
    "etr_by_partner",
    "evaluate",
    "evaluate_package",
    "load_scenario",
    "parse_scenario",
    "pe_effects",
    "scenario_catalogue",
    "scenario_date",
    "shipped_packages",
    "shipped_scenarios",
]
