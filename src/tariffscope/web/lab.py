"""Scenario lab and package endpoints: ad-hoc lever overlays, named scenarios and packages, run with PE.

A lever is a scenario overlay (:mod:`tariffscope.scenarios.overlay`) built on the fly: the partner's own
IEEPA reciprocal rules (tag ``reciprocal_country``) and/or its own Section 232 vehicle rules (tag
``s232_autos``) owe the lever's rate from the lever's date. The rates of every HTS10 line x partner on
the evaluation date under current law (``t0``) and under the overlay (``t1``) come from the resolver
(:func:`tariffscope.analytics.etr.rates_for_pairs`), and the exact SMART model
(:func:`tariffscope.models.pe.run_pe`, through :func:`tariffscope.scenarios.evaluate.pe_effects`, which solves
sources with equal tariffs as one, exactly) gives the effects. Only markets (HTS10 lines) where some tariff
moves are solved: SMART markets are independent, so the others have no effect.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Annotated, Any

import polars as pl
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from tariffscope.errors import TariffscopeError
from tariffscope.web import services as sv

router = APIRouter(tags=["scenarios"])
HEAVY = [Depends(sv.heavy_slot)]  # PE over every market of a partner: bounded concurrency
LAB_ORIGIN = Path("<scenario lab>")
LEVER_DATE = dt.date(2025, 10, 1)  # the levers' default evaluation date


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


def _partner_rules(cat: Any, partner: str, tag: str, lo: dt.date, hi: dt.date) -> list[str]:
    """Rule ids carrying ``tag`` that name ``partner`` explicitly (not via ``ALL``) and are in force at
    some date in ``[lo, hi]`` (latest knowledge)."""
    from tariffscope.catalogue.loader import rule_rate_on

    out = []
    for ref in cat.rules:
        r = ref.rule
        if tag not in r.tags:
            continue
        inc, exc = cat.countries(r.countries.include), cat.countries(r.countries.exclude)
        if partner not in inc or partner in exc:
            continue
        dates = [lo, *[s.from_ for s in r.steps if lo < s.from_ <= hi]]
        if any(rule_rate_on(r, d) is not None for d in dates):
            out.append(ref.id)
    return out


def lever_catalogue(
    partner: str,
    reciprocal: float | None,
    auto: float | None,
    effective: dt.date,
    until: dt.date | None,
    on: dt.date,
) -> Any:
    """The catalogue with the levers applied as a scenario overlay (errors name the lever's field)."""
    from tariffscope.scenarios.overlay import Scenario, apply_changes
    from tariffscope.scenarios.schema import ScenarioSpec

    cat = sv.catalogue()
    hi = max(on, effective)
    changes = []
    for field, tag, rate, what in (
        ("reciprocal_rate", "reciprocal_country", reciprocal, "IEEPA reciprocal"),
        ("auto_rate", "s232_autos", auto, "Section 232 vehicle"),
    ):
        if rate is None:
            continue
        rules = _partner_rules(cat, partner, tag, effective, hi)
        if not rules:
            raise sv.InputError(
                field,
                f"{field}: the catalogue has no {what} rule of {partner}'s own in force between "
                f"{effective} and {hi}; its rate is set for all countries alike",
            )
        change: dict[str, Any] = {"set": rules, "from": effective, "rate": rate, "cite": f"lab lever {field}"}
        if until is not None:
            change["to"] = until
        changes.append(change)
    if not changes:
        raise sv.InputError(
            "reciprocal_rate", "reciprocal_rate: move at least one lever (or pick a scenario)"
        )
    spec = ScenarioSpec.model_validate(
        {"id": "lab", "title": "scenario lab levers", "date": on, "partners": [partner], "changes": changes}
    )
    try:
        return apply_changes(cat, Scenario(spec, LAB_ORIGIN, None))
    except TariffscopeError as exc:
        raise sv.InputError("scenario", f"scenario: {exc}") from None


@functools.lru_cache(maxsize=8)
def _baseline_rates(partner: str, on: dt.date) -> pl.DataFrame:
    """Current-law rates on ``on`` of every partner in the HTS10 lines that ``partner`` exports to the US."""
    from tariffscope.analytics.etr import rates_for_pairs

    w = sv.weights()
    lines = w.filter((pl.col("partner") == partner) & (pl.col("imports_usd") > 0)).select("hts10").unique()
    if lines.height == 0:
        raise sv.InputError("partner", f"partner: no import weights for {partner}")
    flows = w.join(lines, on="hts10", how="semi").filter(pl.col("imports_usd") > 0)
    pairs = flows.select("hts10", "partner").unique()
    rates = rates_for_pairs(pairs, on, cat=sv.catalogue()).select(
        "hts10", "partner", pl.col("total_rate").alias("t0")
    )
    return flows.select("hts10", "partner", "imports_usd", "gtap").join(
        rates, on=["hts10", "partner"], how="left"
    )


def evaluate(req: LabRequest) -> dict[str, Any]:
    """PE effects of the levers (or of a named scenario) against current law, on the evaluation date."""
    partner = sv.parse_country(req.partner, "partner")
    on = sv.parse_date(req.date, "date", required=False)
    if req.scenario:  # a scenario is evaluated on its own date unless a date is asked for
        return _named(req.scenario, partner, on, req.supply)
    on = on or LEVER_DATE
    eff = sv.parse_date(req.effective, "effective")
    until = sv.parse_date(req.until, "until", required=False)
    assert eff is not None
    if until is not None and until < eff:
        raise sv.InputError("until", f"until: {until} is before the levers' start (effective {eff})")
    cat = lever_catalogue(partner, req.reciprocal_rate, req.auto_rate, eff, until, on)
    label = "levers"
    from tariffscope.analytics.etr import rates_for_pairs

    base = _baseline_rates(partner, on)
    mine = base.filter(pl.col("partner") == partner).select("hts10", "partner")
    new = rates_for_pairs(mine, on, cat=cat).select("hts10", "partner", pl.col("total_rate").alias("t1"))
    flows = base.join(new, on=["hts10", "partner"], how="left").with_columns(
        pl.col("t0").fill_null(0.0), pl.coalesce("t1", "t0").fill_null(0.0).alias("t1")
    )
    moved = flows.filter((pl.col("t1") - pl.col("t0")).abs() > 1e-12).select("hts10").unique()
    pw = flows.filter(pl.col("partner") == partner)
    imp = float(pw["imports_usd"].sum())
    etr_before = float((pw["t0"] * pw["imports_usd"]).sum()) / imp
    etr_after = float((pw["t1"] * pw["imports_usd"]).sum()) / imp
    out: dict[str, Any] = {
        "partner": partner,
        "date": on.isoformat(),
        "scenario": label,
        "levers": req.model_dump(),
        "etr_before": etr_before,
        "etr_after": etr_after,
        "markets_moved": moved.height,
        "model": "SMART exact (scenarios.evaluate.compare_rates, from the 2025-01-01 baseline), supply "
        + req.supply,
        "weights": "2024 import weights (see tariffscope.trade.weights)",
    }
    if moved.height == 0:
        zero = {
            k: 0.0
            for k in (
                "tariff_revenue_change_usd",
                "us_consumer_cost_usd",
                "us_welfare_change_usd",
                "welfare_change_usd",
                "imports_change_usd",
                "trade_diversion_usd",
            )
        }
        return {
            **out,
            "totals": zero,
            "partner_exports_change_usd": 0.0,
            "diversion_to_others_usd": 0.0,
            "us_price_change_partner": 0.0,
            "by_partner": [],
            "by_sector": [],
        }
    f = flows.join(moved, on="hts10", how="semi")
    # the same path as `scenario run`: both rate sets solved from the one 2025-01-01 baseline
    compare_rates = sv.engine_function("scenarios.evaluate", "compare_rates")
    try:
        lines = compare_rates(f, supply=req.supply, cache_key=("lab", partner, on))
    except TariffscopeError as exc:
        raise sv.InputError("scenario", f"scenario: the PE model failed: {exc}") from None
    sums = [
        "imports_usd",
        "imports_change_usd",
        "tariff_revenue_change_usd",
        "cs_change_usd",
        "ps_change_usd",
        "welfare_change_usd",
    ]
    bp = (
        lines.group_by("partner")
        .agg([pl.col(c).sum() for c in sums])
        .rename({"imports_change_usd": "exports_change_usd"})
        .with_columns((pl.col("exports_change_usd") / pl.col("imports_usd")).alias("exports_change_pct"))
    )
    mine_row = bp.filter(pl.col("partner") == partner)
    others = bp.filter(pl.col("partner") != partner)
    pl_lines = lines.filter(pl.col("partner") == partner)
    price = float((pl_lines["us_price_change"] * pl_lines["imports_usd"]).sum()) / max(
        float(pl_lines["imports_usd"].sum()), 1e-9
    )
    from tariffscope.trade.weights import gtap_names

    names = gtap_names()
    by_sector = (
        pl_lines.group_by("gtap")
        .agg(pl.col("imports_usd").sum(), pl.col("imports_change_usd").sum().alias("exports_change_usd"))
        .with_columns(pl.col("gtap").replace_strict(names, default=pl.col("gtap")).alias("sector_name"))
        .rename({"gtap": "sector"})
        .sort(pl.col("exports_change_usd").abs(), descending=True)
    )
    tot = {c: float(lines[c].sum()) for c in sums}
    totals = {
        "imports_change_usd": tot["imports_change_usd"],
        "tariff_revenue_change_usd": tot["tariff_revenue_change_usd"],
        "cs_change_usd": tot["cs_change_usd"],
        "us_consumer_cost_usd": -tot["cs_change_usd"],
        "ps_change_usd": tot["ps_change_usd"],
        "us_welfare_change_usd": tot["cs_change_usd"] + tot["tariff_revenue_change_usd"],
        "welfare_change_usd": tot["welfare_change_usd"],
    }
    names_p = sv.partner_names()
    bp = bp.with_columns(pl.col("partner").replace_strict(names_p, default="").alias("name"))
    return {
        **out,
        "totals": totals,
        "partner_exports_change_usd": float(mine_row["exports_change_usd"].sum()),
        "diversion_to_others_usd": float(others["exports_change_usd"].sum()),
        "us_price_change_partner": price,
        "by_partner": sv.to_records(bp.sort("exports_change_usd")),
        "by_sector": sv.to_records(by_sector),
    }


def shipped_name(name: str, field: str = "scenario") -> str:
    """A shipped scenario name, checked against the shipped list: a request never names a file."""
    shipped = sv.engine_module("scenarios.overlay").shipped_scenarios()
    if name not in shipped:
        raise sv.InputError(field, f"{field}: {name[:80]!r} is not a shipped scenario ({', '.join(shipped)})")
    return str(name)


@functools.lru_cache(maxsize=16)
def _evaluated(name: str, on: dt.date | None, supply: str) -> Any:
    evaluate_fn = sv.engine_function("scenarios.evaluate", "evaluate")
    try:
        return evaluate_fn(shipped_name(name), on, weights=None, supply=supply)
    except TariffscopeError as exc:
        raise sv.InputError("scenario", f"scenario: {exc}") from None


def _named(name: str, partner: str, on: dt.date | None, supply: str) -> dict[str, Any]:
    """A shipped scenario against current law, in the lab's answer shape (``scenarios.evaluate``)."""
    res = _evaluated(shipped_name(name), on, supply)
    row = res.row(partner)
    lines = res.lines.filter(pl.col("partner") == partner)
    imp = max(float(lines["imports_usd"].sum()), 1e-9)
    price = (
        float((lines["us_price_change"] * lines["imports_usd"]).sum()) / imp
        if "us_price_change" in lines.columns
        else None
    )
    moved = res.lines.filter((pl.col("t1") - pl.col("t0")).abs() > 1e-12)
    bp = (
        res.lines.join(moved.select("hts10").unique(), on="hts10", how="semi")
        .group_by("partner")
        .agg(
            pl.col("imports_usd").sum(),
            pl.col("imports_change_usd").sum().alias("exports_change_usd"),
            pl.col("tariff_revenue_change_usd").sum(),
            pl.col("welfare_change_usd").sum(),
        )
        .with_columns((pl.col("exports_change_usd") / pl.col("imports_usd")).alias("exports_change_pct"))
        .sort("exports_change_usd")
    )
    tot = res.row("ALL")
    keys = (
        "tariff_revenue_change_usd",
        "us_consumer_cost_usd",
        "us_welfare_change_usd",
        "welfare_change_usd",
    )
    return {
        "partner": partner,
        "date": res.date.isoformat(),
        "scenario": name,
        "levers": None,
        "etr_before": row["etr_against"],
        "etr_after": row["etr"],
        "markets_moved": moved.select("hts10").n_unique(),
        "model": "SMART exact (tariffscope.scenarios.evaluate), supply " + supply,
        "weights": "2024 import weights (see tariffscope.trade.weights)",
        "totals": {k: tot[k] for k in keys},
        "partner_exports_change_usd": row["exports_change_usd"],
        "diversion_to_others_usd": sum(d["exports_change_usd"] for d in row["diversion"]),
        "us_price_change_partner": price,
        "by_partner": sv.to_records(bp),
        "by_sector": sv.to_records(
            res.by_sector(partner).sort(pl.col("exports_change_usd").abs(), descending=True)
        ),
    }


@router.post("/lab", dependencies=HEAVY)
def lab(req: LabRequest) -> dict[str, Any]:
    """Evaluate lever settings (partner reciprocal rate, auto rate, dates) or a named scenario with PE."""
    return evaluate(req)


class RunRequest(BaseModel):
    """Run shipped scenarios against current law on a date (default: each scenario's own date)."""

    scenarios: list[str] = Field(min_length=1, max_length=6)
    date: str | None = Field(default=None, max_length=10)
    partners: list[str] = Field(default_factory=list, max_length=12)
    supply: str = Field(default="elastic", pattern="^(infinite|elastic)$")


@router.post("/scenarios/run", dependencies=HEAVY)
def run_scenarios(req: RunRequest) -> list[dict[str, Any]]:
    """One row per scenario and partner, as ``tariffscope scenario compare`` prints them."""
    on = sv.parse_date(req.date, "date", required=False)
    partners = [sv.parse_country(p, "partners") for p in req.partners]
    rows = []
    for name in req.scenarios:
        res = _evaluated(shipped_name(name, "scenarios"), on, req.supply)
        rows += res.rows(partners or None)
    return sv.to_records(rows)  # type: ignore[no-any-return,unused-ignore]


@router.get("/scenarios/compare", dependencies=HEAVY)
def compare_scenarios(
    ids: Annotated[str, Query(max_length=300, description="comma-separated shipped scenario ids")],
    date: Annotated[str | None, Query(max_length=10)] = None,
    partners: Annotated[str | None, Query(max_length=200)] = None,
) -> list[dict[str, Any]]:
    """Scenarios side by side (rows of ``tariffscope scenario compare``)."""
    names = [x.strip() for x in ids.split(",") if x.strip()]
    if len(names) < 2:
        raise sv.InputError("ids", "ids: give two or more scenario ids")
    plist = [sv.parse_country(p, "partners") for p in (partners or "").split(",") if p.strip()]
    return run_scenarios(RunRequest(scenarios=names, date=date, partners=plist))


@router.get("/scenarios")
def scenarios() -> list[dict[str, Any]]:
    """The shipped scenarios: id, title, default date and partners."""
    ov = sv.engine_module("scenarios.overlay")
    out = []
    for name in ov.shipped_scenarios():
        try:
            s = ov.load_scenario(name).spec
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


@router.get("/events", dependencies=HEAVY)
def events(
    partner: Annotated[str, Query(min_length=2, max_length=60)],
    start: Annotated[str, Query(max_length=10)] = "2025-01-01",
    end: Annotated[str, Query(max_length=10)] = "2026-12-31",
) -> list[dict[str, Any]]:
    """Catalogue steps that changed a partner's duties between two dates (to annotate ETR charts)."""
    s, e = sv.parse_date(start, "start"), sv.parse_date(end, "end")
    p = partner.upper()
    if p not in sv.catalogue().groups:
        p = sv.parse_country(partner, "partner")
    else:
        p = next(iter(sorted(sv._group_members(p))), p)  # a member stands for the group's events
    df = sv.call_analytics("common", "measure_events", p, s, e)
    return sv.to_records(df)  # type: ignore[no-any-return,unused-ignore]


# --- packages -----------------------------------------------------------------------------------------


def _package(name: str) -> tuple[Any, Path]:
    """A shipped package (name checked against the shipped list: a request never names a file)."""
    ov = sv.engine_module("scenarios.overlay")
    shipped = ov.shipped_packages()
    if name not in shipped:
        raise sv.InputError(
            "ids", f"ids: {name[:80]!r} is not a shipped package ({', '.join(shipped) or 'none'})"
        )
    try:
        spec, path = ov.parse_package(ov.package_path(name))
    except TariffscopeError as exc:
        raise sv.InputError("ids", f"ids: {exc}") from None
    return spec, path


@functools.lru_cache(maxsize=16)
def package_rows(name: str) -> list[dict[str, Any]]:
    """Both sides of a package: the US side (scenario vs its alternative, SMART over US imports from the
    partner), the partner side (its concessions on US goods, :func:`evaluate_partner_side`), and both in one
    world market (GSIM, :func:`tariffscope.scenarios.package_gsim.evaluate_package_gsim`)."""
    from tariffscope.scenarios.package import evaluate_partner, partner_law, world_market

    spec, path = _package(name)
    evaluate_fn = sv.engine_function("scenarios.evaluate", "evaluate")
    try:
        us = evaluate_fn(spec.us_side.scenario, spec.date, against=spec.us_side.against, supply=spec.supply)
    except TariffscopeError as exc:
        raise sv.InputError("ids", f"ids: package {name}: {exc}") from None
    row = us.row(spec.partner)
    base = {
        "package": spec.id,
        "title": spec.title,
        "partner": spec.partner,
        "illustrative": spec.illustrative,
    }
    gsim_keys = (
        "partner_world_price_change",
        "partner_surplus_change_usd_per_hour",
        "third_markets_welfare_change_usd",
    )
    out = [
        {
            **base,
            "side": "US market",
            "scenario": spec.us_side.scenario,
            "against": spec.us_side.against,
            "date": row["date"],
            "etr": row["etr"],
            "etr_against": row["etr_against"],
            "partner_exports_change_usd": row["exports_change_usd"],
            "us_exports_change_usd": None,
            "tariff_revenue_change_usd": row["tariff_revenue_change_usd"],
            "consumer_surplus_change_usd": -row["us_consumer_cost_usd"],
            "welfare_change_usd": row["us_welfare_change_usd"],
            **dict.fromkeys(gsim_keys),
        }
    ]
    partner_lines = None
    if spec.partner_side is not None:
        data = (path.parent / spec.partner_side.data).resolve()
        if path.parent.resolve() not in data.parents:
            raise sv.InputError("ids", f"ids: package {name}: its data file leaves the package folder")
        side = spec.partner_side  # its tariffs on US goods resolved from the partner's catalogue
        partner_lines, tot = evaluate_partner(
            data, eta=side.eta, sigma=side.sigma, law=partner_law(side, path, data, spec.date or us.date)
        )
        out.append(
            {
                **base,
                "side": f"{spec.partner} market",
                "scenario": None,
                "against": None,
                "date": row["date"],
                "etr": None,
                "etr_against": None,
                "partner_exports_change_usd": None,
                "us_exports_change_usd": tot["us_exports_change_usd"],
                "tariff_revenue_change_usd": tot["partner_tariff_revenue_change_usd"],
                "consumer_surplus_change_usd": tot["partner_cs_change_usd"],
                "welfare_change_usd": tot["partner_cs_change_usd"] + tot["partner_tariff_revenue_change_usd"],
                **dict.fromkeys(gsim_keys),
                **{
                    k: v
                    for k, v in tot.items()
                    if k.startswith("us_exports_change_") and k != "us_exports_change_usd"
                },
            }
        )
    g, _ = world_market(spec, us.lines, partner_lines)
    if g is None:
        return out  # nothing changes on either side: no world-market row
    reg = {r["region"]: r for r in g.regions.iter_rows(named=True)}
    us_r, p_r, row_r = reg.get("US", {}), reg[spec.partner], reg.get("ROW", {})
    ps = g.partner_summary()
    out.append(
        {
            **base,
            "side": "one world (GSIM)",
            "scenario": spec.us_side.scenario,
            "against": spec.us_side.against,
            "date": row["date"],
            "etr": None,
            "etr_against": None,
            "partner_exports_change_usd": ps["exports_change_usd"],
            "us_exports_change_usd": us_r.get("exports1_usd", 0.0) - us_r.get("exports0_usd", 0.0),
            "tariff_revenue_change_usd": us_r.get("tariff_revenue_change_usd", 0.0)
            + p_r["tariff_revenue_change_usd"],
            "consumer_surplus_change_usd": us_r.get("consumer_surplus_usd", 0.0)
            + p_r["consumer_surplus_usd"],
            "welfare_change_usd": us_r.get("welfare_change_usd", 0.0) + p_r["welfare_change_usd"],
            "partner_world_price_change": ps["world_price_change"],
            "partner_surplus_change_usd_per_hour": ps["producer_surplus_change_usd_per_hour"],
            "third_markets_welfare_change_usd": row_r.get("welfare_change_usd", 0.0),
        }
    )
    return out


@router.get("/packages")
def packages() -> list[dict[str, Any]]:
    """The shipped tariff packages (both sides of a deal): id, title, partner."""
    ov = sv.engine_module("scenarios.overlay")
    out = []
    for name in ov.shipped_packages():
        spec, _ = _package(name)
        out.append(
            {
                "id": name,
                "title": spec.title,
                "partner": spec.partner,
                "us_scenario": spec.us_side.scenario,
                "partner_side": spec.partner_side is not None,
                "illustrative": spec.illustrative,
            }
        )
    return out


@router.get("/packages/compare", dependencies=HEAVY)
def compare_packages(
    ids: Annotated[str, Query(max_length=300, description="comma-separated shipped package ids")],
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Any:
    """Two or more packages side by side, one row per package and side (US market, partner market)."""
    names = [x.strip() for x in ids.split(",") if x.strip()]
    if len(names) < 2:
        raise sv.InputError("ids", "ids: give two or more package ids")
    if len(names) > 6:
        raise sv.InputError("ids", "ids: at most 6 packages at once")
    rows = [r for n in names for r in package_rows(n)]
    if format == "csv":
        from fastapi.responses import Response

        return Response(
            pl.DataFrame(rows, infer_schema_length=None).write_csv(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="packages.csv"'},
        )
    return {"rows": sv.to_records(rows)}
