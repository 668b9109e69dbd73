"""Partial-equilibrium trade models: SMART (single importing market) and GSIM (global market clearing).

Public API:

* :func:`run_pe` / :class:`PEResult`: exact SMART over all HTS10 x partner flows of the US market;
* :func:`solve_smart`, :func:`smart_linear`, :func:`symmetric_cs`: the array-level SMART model;
* :func:`solve_gsim_linear`, :func:`solve_gsim_exact`: GSIM (Francois & Hall 2003);
* :func:`elasticities_for`: sigma / eta / eps per HTS10 line, with sources and overrides;
* :func:`evaluate_partner_side`: the partner as importer of US goods (tariffs, NTMs, TRQs, purchases).
"""

from tariffscope.models.pe.api import PEResult, run_pe
from tariffscope.models.pe.elasticities import elasticities_for
from tariffscope.models.pe.gsim import GsimResult, solve_gsim_exact, solve_gsim_linear
from tariffscope.models.pe.partner import evaluate_partner_side, load_japan_example
from tariffscope.models.pe.smart import (
    ConvergenceError,
    ModelInputError,
    SmartSolution,
    smart_linear,
    solve_smart,
    symmetric_cs,
)

__all__ = [
    "ConvergenceError",
    "GsimResult",
    "ModelInputError",
    "PEResult",
    "SmartSolution",
    "elasticities_for",
    "evaluate_partner_side",
    "load_japan_example",
    "run_pe",
    "smart_linear",
    "solve_gsim_exact",
    "solve_gsim_linear",
    "solve_smart",
    "symmetric_cs",
]
