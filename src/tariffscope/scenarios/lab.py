"""The scenario lab's domain logic: lever scenarios, their PE effects, and the views of named scenarios and
packages that the workbench shows (the CLI's ``scenario run`` and ``scenario package`` compute the same).

A lever is a scenario overlay (:mod:`tariffscope.scenarios.overlay`) built on the fly: the partner's own
IEEPA reciprocal rules (tag ``reciprocal_country``) and/or its own Section 232 vehicle rules (tag
``s232_autos``) owe the lever's rate from the lever's date. The rates of every HTS10 line x partner on
the evaluation date under current law (``t0``) and under the overlay (``t1``) come from the resolver
(:func:`tariffscope.analytics.etr.rates_for_pairs`); the effects come from the exact SMART model through
:func:`tariffscope.scenarios.evaluate.compare_rates`, from the one 2025-01-01 baseline that ``scenario run``
uses. Only markets (HTS10 lines) where some tariff moves are solved: SMART markets are independent, so the
others have no effect. Errors carry the ``field`` of the lever at fault.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any

import polars as pl

from tariffscope.analytics.etr import rates_for_pairs
from tariffscope.catalogue.loader import Catalogue, default_catalogue, rule_rate_on
from tariffscope.errors import TariffscopeError
from tariffscope.models.pe.api import us_accounts
from tariffscope.scenarios.evaluate import ScenarioResult, Supply, compare_rates
from tariffscope.scenarios.overlay import Scenario, apply_changes
from tariffscope.scenarios.package import PackageResult
from tariffscope.scenarios.schema import ScenarioSpec

LAB_ORIGIN = Path("<scenario lab>")
LEVER_DATE = dt.date(2025, 10, 1)  # the levers' default evaluation date
LEVERS = (  # field, rule tag, what the rules are
    ("reciprocal_rate", "reciprocal_country", "IEEPA reciprocal"),
    ("auto_rate", "s232_autos", "Section 232 vehicle"),
)
WEIGHTS_NOTE = "2024 import weights (see tariffscope.trade.weights)"
SUMS = [
    "imports_usd",
    "imports_change_usd",
    "tariff_revenue_change_usd",
    "cs_change_usd",
    "ps_change_usd",
    "welfare_change_usd",
]


def partner_rules(cat: Catalogue, partner: str, tag: str, lo: dt.date, hi: dt.date) -> list[str]:
    """Rule ids carrying ``tag`` that name ``partner`` explicitly (not via ``ALL``) and are in force at
    some date in ``[lo, hi]`` (latest knowledge)."""
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
    rates: dict[str, float | None],
    effective: dt.date,
    until: dt.date | None,
    on: dt.date,
    cat: Catalogue | None = None,
) -> Catalogue:
    """The catalogue with the levers (``rates`` by lever field, see :data:`LEVERS`) applied as a scenario
    overlay from ``effective`` to ``until``; a lever the partner has no own rule for names its field."""
    cat = cat or default_catalogue()
    hi = max(on, effective)
    changes = []
    for field, tag, what in LEVERS:
        rate = rates.get(field)
        if rate is None:
            continue
        rules = partner_rules(cat, partner, tag, effective, hi)
        if not rules:
            raise TariffscopeError(
                f"{field}: the catalogue has no {what} rule of {partner}'s own in force between "
                f"{effective} and {hi}; its rate is set for all countries alike",
                field=field,
            )
        change: dict[str, Any] = {"set": rules, "from": effective, "rate": rate, "cite": f"lab lever {field}"}
        if until is not None:
            change["to"] = until
        changes.append(change)
    if not changes:
        raise TariffscopeError(
            "reciprocal_rate: move at least one lever (or pick a scenario)", field="reciprocal_rate"
        )
    spec = ScenarioSpec.model_validate(
        {"id": "lab", "title": "scenario lab levers", "date": on, "partners": [partner], "changes": changes}
    )
    try:
        return apply_changes(cat, Scenario(spec, LAB_ORIGIN, None))
    except TariffscopeError as exc:
        raise TariffscopeError(f"scenario: {exc}", field="scenario") from None


@functools.lru_cache(maxsize=8)
def baseline_rates(partner: str, on: dt.date) -> pl.DataFrame:
    """Current-law rates on ``on`` of every partner in the HTS10 lines that ``partner`` exports to the US
    (shipped weights and catalogue): ``hts10, partner, imports_usd, gtap, t0``."""
    from tariffscope.trade.weights import load_weights

    w = load_weights()
    lines = w.filter((pl.col("partner") == partner) & (pl.col("imports_usd") > 0)).select("hts10").unique()
    if lines.height == 0:
        raise TariffscopeError(f"partner: no import weights for {partner}", field="partner")
    flows = w.join(lines, on="hts10", how="semi").filter(pl.col("imports_usd") > 0)
    rates = rates_for_pairs(_pairs(flows), on, cat=default_catalogue()).select(
        "hts10", "partner", pl.col("total_rate").alias("t0")
    )
    keep = [c for c in ("hts10", "partner", "imports_usd", "gtap", "usmca_share") if c in flows.columns]
    return flows.select(keep).join(rates, on=["hts10", "partner"], how="left")


def _pairs(flows: pl.DataFrame) -> pl.DataFrame:
    """The (hts10, partner) pairs to price, with the USMCA claim share where the weights carry one: the
    owed view (the default of :func:`rates_for_pairs`) claims USMCA for Canada and Mexico by it."""
    cols = [c for c in ("hts10", "partner", "usmca_share") if c in flows.columns]
    return flows.select(cols).unique(["hts10", "partner"], keep="first")


def _lever_flows(partner: str, on: dt.date, cat: Catalogue) -> pl.DataFrame:
    """The flows of the partner's lines with current-law ``t0`` and lever ``t1`` (only its own move)."""
    base = baseline_rates(partner, on)
    mine = _pairs(base.filter(pl.col("partner") == partner))
    new = rates_for_pairs(mine, on, cat=cat).select("hts10", "partner", pl.col("total_rate").alias("t1"))
    return base.join(new, on=["hts10", "partner"], how="left").with_columns(
        pl.col("t0").fill_null(0.0), pl.coalesce("t1", "t0").fill_null(0.0).alias("t1")
    )


def _no_effects() -> dict[str, Any]:
    totals = (
        "tariff_revenue_change_usd",
        "us_consumer_cost_usd",
        "us_welfare_change_usd",
        "welfare_change_usd",
        "imports_change_usd",
        "trade_diversion_usd",
    )
    return {
        "totals": dict.fromkeys(totals, 0.0),
        "partner_exports_change_usd": 0.0,
        "diversion_to_others_usd": 0.0,
        "us_price_change_partner": 0.0,
        "by_partner": [],
        "by_sector": [],
    }


def _by_partner(lines: pl.DataFrame, names: dict[str, str] | None = None) -> pl.DataFrame:
    bp = (
        lines.group_by("partner")
        .agg([pl.col(c).sum() for c in SUMS])
        .rename({"imports_change_usd": "exports_change_usd"})
        .with_columns((pl.col("exports_change_usd") / pl.col("imports_usd")).alias("exports_change_pct"))
    )
    if names is not None:
        bp = bp.with_columns(pl.col("partner").replace_strict(names, default="").alias("name"))
    return bp


def _effects(lines: pl.DataFrame, partner: str, names: dict[str, str]) -> dict[str, Any]:
    """The lab's effect figures of solved ``lines`` (totals, the partner's and the others' exports, the
    partner's US price change, by partner and by sector)."""
    from tariffscope.trade.weights import gtap_names

    bp = _by_partner(lines, names)
    mine = lines.filter(pl.col("partner") == partner)
    price = float((mine["us_price_change"] * mine["imports_usd"]).sum()) / max(
        float(mine["imports_usd"].sum()), 1e-9
    )
    by_sector = (
        mine.group_by("gtap")
        .agg(pl.col("imports_usd").sum(), pl.col("imports_change_usd").sum().alias("exports_change_usd"))
        .with_columns(
            pl.col("gtap").replace_strict(gtap_names(), default=pl.col("gtap")).alias("sector_name")
        )
        .rename({"gtap": "sector"})
        .sort(pl.col("exports_change_usd").abs(), descending=True)
    )
    tot = {c: float(lines[c].sum()) for c in SUMS}
    return {
        "totals": {
            "imports_change_usd": tot["imports_change_usd"],
            "tariff_revenue_change_usd": tot["tariff_revenue_change_usd"],
            "cs_change_usd": tot["cs_change_usd"],
            "ps_change_usd": tot["ps_change_usd"],
            **us_accounts(tot),
            "welfare_change_usd": tot["welfare_change_usd"],
        },
        "partner_exports_change_usd": float(
            bp.filter(pl.col("partner") == partner)["exports_change_usd"].sum()
        ),
        "diversion_to_others_usd": float(bp.filter(pl.col("partner") != partner)["exports_change_usd"].sum()),
        "us_price_change_partner": price,
        "by_partner": bp.sort("exports_change_usd"),
        "by_sector": by_sector,
    }


def lever_effects(
    partner: str,
    rates: dict[str, float | None],
    *,
    effective: dt.date,
    until: dt.date | None = None,
    on: dt.date = LEVER_DATE,
    supply: Supply = "elastic",
    names: dict[str, str] | None = None,
) -> dict[str, Any]:
    """PE effects of the levers against current law on ``on``: the partner's ETR before and after, the
    markets moved, and (where some moved) totals, exports, diversion, prices, by partner and sector.
    ``names``: partner names for the by-partner rows."""
    if until is not None and until < effective:
        raise TariffscopeError(
            f"until: {until} is before the levers' start (effective {effective})", field="until"
        )
    flows = _lever_flows(partner, on, lever_catalogue(partner, rates, effective, until, on))
    moved = flows.filter((pl.col("t1") - pl.col("t0")).abs() > 1e-12).select("hts10").unique()
    pw = flows.filter(pl.col("partner") == partner)
    imp = float(pw["imports_usd"].sum())
    out: dict[str, Any] = {
        "partner": partner,
        "date": on.isoformat(),
        "scenario": "levers",
        "levers": None,
        "etr_before": float((pw["t0"] * pw["imports_usd"]).sum()) / imp,
        "etr_after": float((pw["t1"] * pw["imports_usd"]).sum()) / imp,
        "markets_moved": moved.height,
        "model": f"SMART exact (scenarios.evaluate.compare_rates, from the 2025-01-01 baseline), supply {supply}",
        "weights": WEIGHTS_NOTE,
    }
    if moved.height == 0:
        return {**out, **_no_effects()}
    try:
        lines = compare_rates(
            flows.join(moved, on="hts10", how="semi"),
            supply=supply,
            cache_key=("lab", partner, on),
        )
    except TariffscopeError as exc:
        raise TariffscopeError(f"scenario: the PE model failed: {exc}", field="scenario") from None
    return {**out, **_effects(lines, partner, names or {})}


def named_effects(res: ScenarioResult, partner: str, supply: str) -> dict[str, Any]:
    """A named scenario's result (``scenario run``) for ``partner``, in the shape of :func:`lever_effects`."""
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
        "scenario": res.scenario,
        "levers": None,
        "etr_before": row["etr_against"],
        "etr_after": row["etr"],
        "markets_moved": moved.select("hts10").n_unique(),
        "model": "SMART exact (tariffscope.scenarios.evaluate), supply " + supply,
        "weights": WEIGHTS_NOTE,
        "totals": {k: tot[k] for k in keys},
        "partner_exports_change_usd": row["exports_change_usd"],
        "diversion_to_others_usd": sum(d["exports_change_usd"] for d in row["diversion"]),
        "us_price_change_partner": price,
        "by_partner": bp,
        "by_sector": res.by_sector(partner).sort(pl.col("exports_change_usd").abs(), descending=True),
    }


GSIM_KEYS = (
    "partner_world_price_change",
    "partner_surplus_change_usd_per_hour",
    "third_markets_welfare_change_usd",
)


def package_rows(res: PackageResult) -> list[dict[str, Any]]:
    """A package (``scenario package``) as the comparator's rows: the US side (its scenario against the
    alternative, SMART over US imports from the partner), the partner side (its concessions on US goods)
    and, when solved, both in one world market (GSIM)."""
    spec = res.spec
    row = res.us_summary()
    base = {
        "package": spec.id,
        "title": spec.title,
        "partner": spec.partner,
        "illustrative": spec.illustrative,
    }
    empty = dict.fromkeys(GSIM_KEYS)
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
            **empty,
        }
    ]
    if res.partner_lines is not None:
        out.append({**base, **_partner_row(res, row["date"]), **empty, **_channels(res.partner_totals)})
    if res.world is not None:
        out.append({**base, **_world_row(res, row["date"])})
    return out


def _channels(tot: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v for k, v in tot.items() if k.startswith("us_exports_change_") and k != "us_exports_change_usd"
    }


def _partner_row(res: PackageResult, date: Any) -> dict[str, Any]:
    tot = res.partner_totals
    return {
        "side": f"{res.partner} market",
        "scenario": None,
        "against": None,
        "date": date,
        "etr": None,
        "etr_against": None,
        "partner_exports_change_usd": None,
        "us_exports_change_usd": tot["us_exports_change_usd"],
        "tariff_revenue_change_usd": tot["partner_tariff_revenue_change_usd"],
        "consumer_surplus_change_usd": tot["partner_cs_change_usd"],
        "welfare_change_usd": tot["partner_cs_change_usd"] + tot["partner_tariff_revenue_change_usd"],
    }


def _world_row(res: PackageResult, date: Any) -> dict[str, Any]:
    g = res.world
    assert g is not None
    reg = {r["region"]: r for r in g.regions.iter_rows(named=True)}
    us_r, p_r, row_r = reg.get("US", {}), reg[res.partner], reg.get("ROW", {})
    ps = g.partner_summary()
    return {
        "side": "one world (GSIM)",
        "scenario": res.spec.us_side.scenario,
        "against": res.spec.us_side.against,
        "date": date,
        "etr": None,
        "etr_against": None,
        "partner_exports_change_usd": ps["exports_change_usd"],
        "us_exports_change_usd": us_r.get("exports1_usd", 0.0) - us_r.get("exports0_usd", 0.0),
        "tariff_revenue_change_usd": us_r.get("tariff_revenue_change_usd", 0.0)
        + p_r["tariff_revenue_change_usd"],
        "consumer_surplus_change_usd": us_r.get("consumer_surplus_usd", 0.0) + p_r["consumer_surplus_usd"],
        "welfare_change_usd": us_r.get("welfare_change_usd", 0.0) + p_r["welfare_change_usd"],
        "partner_world_price_change": ps["world_price_change"],
        "partner_surplus_change_usd_per_hour": ps["producer_surplus_change_usd_per_hour"],
        "third_markets_welfare_change_usd": row_r.get("welfare_change_usd", 0.0),
    }
