"""The scenario lab: ad-hoc levers or a named scenario, evaluated with PE (the domain logic is
:mod:`tariffscope.scenarios.lab`), and shipped scenarios run and compared (``scenario run|compare``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, cast

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

import tariffscope.api as ts
from tariffscope.errors import TariffscopeError
from tariffscope.scenarios import lab as levers
from tariffscope.scenarios.evaluate import ScenarioResult, Supply
from tariffscope.scenarios.overlay import load_scenario, shipped_scenarios
from tariffscope.web.routes.common import api_router
from tariffscope.web.services.errors import InputError, field_error
from tariffscope.web.services.parse import need_date, parse_country, parse_date
from tariffscope.web.services.state import budgeted, memo, partner_names, to_records

router: APIRouter = api_router()


class LabRequest(BaseModel):
    """Levers of the scenario lab (rates are decimals: 0.15 for 15%)."""

    partner: str = Field(min_length=2, max_length=60, description="ISO2/ISO3/Census code")
    reciprocal_rate: float | None = Field(default=None, ge=0, le=2, description="partner's reciprocal rate")
    auto_rate: float | None = Field(
        default=None, ge=0, le=2, description="partner's Section 232 vehicle rate"
    )
    effective: str = Field(
        default="2025-08-07", max_length=10, description="levers apply from this entry date"
    )
    until: str | None = Field(default=None, max_length=10, description="last day of the levers (inclusive)")
    date: str | None = Field(
        default=None,
        max_length=10,
        description="evaluation date (default: 2025-10-01 for levers, a named scenario's own date)",
    )
    scenario: str | None = Field(
        default=None, max_length=80, description="a shipped scenario instead of levers"
    )
    supply: str = Field(default="elastic", pattern="^(infinite|elastic)$")


def shipped_name(name: str, field: str = "scenario") -> str:
    """A shipped scenario name, checked against the shipped list: a request never names a file."""
    shipped = shipped_scenarios()
    if name not in shipped:
        raise InputError(field, f"{field}: {name[:80]!r} is not a shipped scenario ({', '.join(shipped)})")
    return str(name)


EVALUATED_KEPT = 2
"""Shipped-scenario results kept in memory: each holds every HTS10 line x partner three times (central
elasticities and the low/high band), about 0.6 GB, so the answers drawn from them are memoised instead."""


@memo(EVALUATED_KEPT)
def evaluated(name: str, on: dt.date | None, supply: str) -> ScenarioResult:
    """A shipped scenario against current law (``ts.scenario``), the last :data:`EVALUATED_KEPT` kept."""
    try:
        return ts.scenario(shipped_name(name), date=on, supply=supply).raw  # type: ignore[arg-type]
    except TariffscopeError as exc:
        raise InputError("scenario", f"scenario: {exc}") from None


@memo(256)
def named_answer(name: str, partner: str, on: dt.date | None, supply: str) -> dict[str, Any]:
    """The lab's answer for a shipped scenario and a partner (small: kept for many more requests)."""
    return to_records(levers.named_effects(evaluated(name, on, supply), partner, supply))  # type: ignore[no-any-return,unused-ignore]


@memo(256)
def scenario_rows(
    name: str, on: dt.date | None, supply: str, partners: tuple[str, ...]
) -> list[dict[str, Any]]:
    """Rows of ``scenario compare`` for one shipped scenario (the scenario's partners and ALL by default)."""
    return to_records(evaluated(name, on, supply).rows(list(partners) or None))  # type: ignore[no-any-return,unused-ignore]


def evaluate(req: LabRequest) -> dict[str, Any]:
    """PE effects of the levers (or of a named scenario) against current law, on the evaluation date."""
    partner = parse_country(req.partner, "partner")
    on = parse_date(req.date, "date", required=False)
    if req.scenario:  # a scenario is evaluated on its own date unless a date is asked for
        out = dict(named_answer(shipped_name(req.scenario), partner, on, req.supply))
    else:
        eff = need_date(req.effective, "effective")
        until = parse_date(req.until, "until", required=False)
        rates = {"reciprocal_rate": req.reciprocal_rate, "auto_rate": req.auto_rate}
        try:
            out = levers.lever_effects(
                partner,
                rates,
                effective=eff,
                until=until,
                on=on or levers.LEVER_DATE,
                supply=cast(Supply, req.supply),
                names=partner_names(),
            )
        except TariffscopeError as exc:
            raise field_error(exc, "scenario") from None
        out["levers"] = req.model_dump()
    return to_records(out)  # type: ignore[no-any-return,unused-ignore]


@router.post("/lab", tags=["scenarios"])
@budgeted(kept=False)  # lever settings are not memoised (the partner's baseline rates are)
def lab(req: LabRequest) -> dict[str, Any]:
    """Evaluate lever settings (partner reciprocal rate, auto rate, dates) or a named scenario with PE."""
    return evaluate(req)


class RunRequest(BaseModel):
    """Run shipped scenarios against current law on a date (default: each scenario's own date)."""

    scenarios: list[str] = Field(min_length=1, max_length=6)
    date: str | None = Field(default=None, max_length=10)
    partners: list[str] = Field(default_factory=list, max_length=12)
    supply: str = Field(default="elastic", pattern="^(infinite|elastic)$")


@router.post("/scenarios/run", tags=["scenarios"])
@budgeted("run fewer scenarios or partners at once")
def run_scenarios(req: RunRequest) -> list[dict[str, Any]]:
    """One row per scenario and partner, as ``tariffscope scenario compare`` prints them."""
    on = parse_date(req.date, "date", required=False)
    partners = [parse_country(p, "partners") for p in req.partners]
    rows = []
    for name in req.scenarios:
        rows += scenario_rows(shipped_name(name, "scenarios"), on, req.supply, tuple(partners))
    return rows


@router.get("/scenarios/compare", tags=["scenarios"])
@budgeted("compare fewer scenarios at once")
def compare_scenarios(
    ids: Annotated[str, Query(max_length=300, description="comma-separated shipped scenario ids")],
    date: Annotated[str | None, Query(max_length=10)] = None,
    partners: Annotated[str | None, Query(max_length=200)] = None,
) -> list[dict[str, Any]]:
    """Scenarios side by side (rows of ``tariffscope scenario compare``)."""
    names = [x.strip() for x in ids.split(",") if x.strip()]
    if len(names) < 2:
        raise InputError("ids", "ids: give two or more scenario ids")
    plist = [parse_country(p, "partners") for p in (partners or "").split(",") if p.strip()]
    return run_scenarios(RunRequest(scenarios=names, date=date, partners=plist))


@router.get("/scenarios", tags=["scenarios"])
def scenarios() -> list[dict[str, Any]]:
    """The shipped scenarios: id, title, default date and partners."""
    out = []
    for name in shipped_scenarios():
        try:
            s = load_scenario(name).spec
            out.append(
                {
                    "id": name,
                    "title": s.title,
                    "date": s.date.isoformat(),
                    "partners": s.partners,
                    "description": s.description,
                }
            )
        except TariffscopeError as exc:
            out.append({"id": name, "title": name, "error": str(exc)})
    return out
