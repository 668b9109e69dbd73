"""What the ``scenario`` commands share: their options, option parsing and the tables they print."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer
from rich.table import Table

from tariffscope.cli import options
from tariffscope.cli.output import console, err_console, fit_table, pct, usd
from tariffscope.errors import TariffscopeError

PartnerOpt = Annotated[
    list[str] | None,
    typer.Option("--partner", "-p", help="partner to report (ISO2/ISO3/Census code; repeatable; ALL = all)"),
]
DateOpt = Annotated[
    str | None, typer.Option("--date", help="entry date YYYY-MM-DD (default: the scenario's)")
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table | json")]
AgainstOpt = Annotated[
    str,
    typer.Option(
        "--against", help="the alternative changes are measured against ('baseline': the law of 2025-01-01)"
    ),
]
SupplyOpt = Annotated[
    str,
    typer.Option(
        "--supply", help="elastic (the horizon's export-supply elasticities) | infinite (fixed world prices)"
    ),
]
HorizonOpt = Annotated[
    str,
    typer.Option(
        "--horizon",
        help="short (1 year) | long (7-10 years) | cge | table | a number of years: elasticities and band",
    ),
]
SigmaOpt = Annotated[
    list[str] | None,
    typer.Option("--sigma", help="substitution elasticity override PREFIX=VALUE, e.g. 8703=5 (repeatable)"),
]


def overrides(items: list[str] | None) -> list[dict[str, object]] | None:
    """``--sigma PREFIX=VALUE`` items as elasticity overrides (an HS prefix and a positive value each)."""
    if not items:
        return None
    out: list[dict[str, object]] = []
    for it in items:
        prefix, _, val = it.partition("=")
        try:
            sigma = float(val)
        except ValueError:
            raise typer.BadParameter(f"{it!r}: use PREFIX=VALUE, e.g. 8703=5", param_hint="--sigma") from None
        if not prefix.replace(".", "").isdigit() or sigma <= 0:
            raise typer.BadParameter(f"{it!r}: an HS prefix and a positive value", param_hint="--sigma")
        out.append({"prefix": prefix.replace(".", ""), "sigma": sigma})
    return out


def scenario_date(s: str | None) -> dt.date | None:
    """``--date``: an entry date in the horizon, or None for the scenario's own date."""
    return options.optional_entry_date(s, "--date")


def choice(v: str, options: tuple[str, ...], hint: str) -> Any:
    """``v`` if it is one of ``options``, else a usage error naming the option ``hint``."""
    if v not in options:
        raise typer.BadParameter(f"{v!r}: use {' or '.join(options)}", param_hint=hint)
    return v


def partners(ps: list[str] | None) -> list[str] | None:
    """``--partner`` values as ISO2 codes (``ALL`` kept); None when none was given."""
    if not ps:
        return None
    return [options.partner(p, "--partner") for p in ps]


def weights_or_shipped(db: Path | None) -> pl.DataFrame | None:
    """The store's import weights with ``--db``, else None: the scenario uses the shipped weights."""
    if db is None:
        return None
    from tariffscope.trade.weights import SHIPPED_YEAR

    return options.weights(db, SHIPPED_YEAR)


def bn(x: float | None) -> str:
    """USD for people (``—`` when missing)."""
    return "—" if x is None else usd(x)


def horizon(h: str) -> str:
    """``--horizon`` checked against the known horizons (short, long, cge, table or a number of years)."""
    from tariffscope.models.pe.horizons import parse_horizon

    try:
        parse_horizon(h)
    except TariffscopeError as exc:
        raise typer.BadParameter(str(exc), param_hint="--horizon") from None
    return h


def band(r: dict[str, Any], key: str, fmt: Any = None) -> str:
    """``low to high`` of a row's elasticity band ("" when there is none)."""
    fmt = fmt or bn
    lo_hi = (r.get("range") or {}).get(key)
    if not lo_hi or lo_hi[0] == lo_hi[1]:
        return ""
    return f"{fmt(lo_hi[0])} to {fmt(lo_hi[1])}"


ROW_MEASURES: list[tuple[str, str, Any]] = [
    ("date", "date", str),
    ("ETR", "etr", pct),
    ("ETR (against)", "etr_against", pct),
    ("duty/yr", "duty_usd_per_year", bn),
    ("exports Δ", "exports_change_usd", bn),
    ("exports Δ%", "exports_change_pct", pct),
    ("exports Δ range", "range", lambda rg: band({"range": rg}, "exports_change_usd")),
    ("US consumer cost", "us_consumer_cost_usd", bn),
    ("tariff rev Δ", "tariff_revenue_change_usd", bn),
    ("US welfare Δ", "us_welfare_change_usd", bn),
]
"""The measures of a scenario row, as (label, key, formatter)."""


def gains(r: dict[str, Any]) -> str:
    gains = [d for d in r["diversion"] if d["partner"] != "OTHER"]
    gains = sorted(gains, key=lambda d: -d["exports_change_usd"])[:3]
    return ", ".join(
        f"{d['partner']} {usd(d['exports_change_usd'])}" for d in gains if d["exports_change_usd"] > 0
    )


def rows_table(rows: list[dict[str, Any]], title: str) -> Table:
    """One row per scenario and partner; on a narrow terminal, one column per partner instead."""
    cols = ["scenario", "partner", *(label for label, _, _ in ROW_MEASURES), "who gains (top 3)"]
    cells = [
        [r["scenario"], r["partner"], *(fmt(r.get(key)) for _, key, fmt in ROW_MEASURES), gains(r)]
        for r in rows
    ]
    right = {label for label, _, _ in ROW_MEASURES if label != "date"}
    table, hidden = fit_table(cols, cells, title=title, right=right, labels={c: c for c in cols})
    if not hidden:
        return table
    t = Table(title=title)
    t.add_column("measure")
    for r in rows:
        t.add_column(
            r["partner"] if len({x["scenario"] for x in rows}) == 1 else f"{r['scenario']} {r['partner']}",
            justify="right",
            overflow="fold",
        )
    for label, key, fmt in ROW_MEASURES:
        t.add_row(label, *(fmt(r.get(key)) for r in rows))
    t.add_row("who gains (top 3)", *(gains(r) or "—" for r in rows))
    return t


def side_by_side(rows: list[dict[str, Any]]) -> Table:
    """Scenarios as columns, measures as rows, one block per partner."""
    scenarios = list(dict.fromkeys(r["scenario"] for r in rows))
    partners = list(dict.fromkeys(r["partner"] for r in rows))
    by = {(r["scenario"], r["partner"]): r for r in rows}
    against = rows[0]["against"] if rows else "current-law"
    horizon = rows[0].get("horizon", "") if rows else ""
    view = rows[0].get("view", "") if rows else ""
    t = Table(
        title=f"Scenarios side by side (changes against {against}, from the {rows[0].get('baseline') if rows else ''}"
        f" baseline; {horizon} horizon; {'owed' if view == 'adjusted' else view} view; USD per year; ranges: low to high elasticities)"
    )
    t.add_column("partner")
    t.add_column("measure")
    for s in scenarios:
        t.add_column(s, justify="right")
    measures: list[tuple[str, str, Any]] = [
        ("date", "date", str),
        ("ETR", "etr", pct),
        ("duty per year", "duty_usd_per_year", bn),
        ("exports change", "exports_change_usd", bn),
        ("  range", "exports_change_usd", None),
        ("exports change % of 2024", "exports_change_pct", pct),
        ("exporters' price change", "exporter_price_change", pct),
        ("exporters' share of tariff", "exporter_share_of_tariff", pct),
        ("exporters' price cuts", "exporter_price_cut_usd", bn),
        ("exporters' revenue per hour", "exporter_revenue_change_usd_per_hour", bn),
        ("US consumer cost", "us_consumer_cost_usd", bn),
        ("tariff revenue, own goods", "tariff_revenue_change_usd", bn),
        ("tariff revenue, diverted", "tariff_revenue_other_partners_usd", bn),
        ("US welfare change", "us_welfare_change_usd", bn),
        ("  range", "us_welfare_change_usd", None),
        ("exporters' surplus change", "exporter_surplus_change_usd", bn),
        ("welfare change (world)", "welfare_change_usd", bn),
    ]
    for p in partners:
        for i, (label, key, fmt) in enumerate(measures):
            cells = [
                ("" if (s, p) not in by else band(by[(s, p)], key) if fmt is None else fmt(by[(s, p)][key]))
                for s in scenarios
            ]
            t.add_row(p if i == 0 else "", label, *cells)
        if p != "ALL":
            cells = []
            for s in scenarios:
                r = by.get((s, p))
                gains = [] if r is None else [d for d in r["diversion"] if d["partner"] != "OTHER"]
                top = sorted(gains, key=lambda d: -d["exports_change_usd"])[:2]
                cells.append(", ".join(f"{d['partner']} {usd(d['exports_change_usd'])}" for d in top) or "—")
            t.add_row("", "who gains", *cells)
        t.add_section()
    return t


def narrow_by(key: str) -> list[str]:
    """The columns of the by-sector/by-product tables that fit 80 columns (JSON has them all)."""
    return [
        key,
        "rate_against",
        "rate",
        "exports_change_usd",
        "exporter_price_change",
        "us_consumer_cost_usd",
    ]


def frame_table(
    df: pl.DataFrame, title: str, pct_cols: tuple[str, ...] = (), skip: tuple[str, ...] = ()
) -> Table:
    """A frame as a table that fits the terminal: names first, then figures (the last ones left out
    when narrow, and named on stderr)."""
    names = [c for c in df.columns if c not in skip and not df[c].dtype.is_numeric()]
    cols = names + [c for c in df.columns if c not in skip and c not in names]
    cells = []
    for row in df.iter_rows(named=True):
        out = []
        for c in cols:
            v = row[c]
            if c in pct_cols or c.startswith(("rate", "us_tariff", "ntm_ave")) or c.endswith("price_change"):
                out.append(pct(v))
            elif isinstance(v, float):
                out.append(usd(v))
            else:
                out.append("" if v is None else str(v))
        cells.append(out)
    right = {c for c in cols if df[c].dtype.is_numeric()}
    table, hidden = fit_table(cols, cells, title=title, right=right)
    if hidden:
        err_console.print(
            f"[dim]{title}: not shown at {console.width} columns: {', '.join(hidden)} (use --format json)[/]",
            soft_wrap=True,
        )
    return table


def timeline_table(timeline: list[dict[str, Any]]) -> Table:
    t = Table(title="Timeline (deadlines and effective dates)")
    for c in ("date", "event", "cite", "from"):
        t.add_column(c)
    for r in timeline:
        t.add_row(str(r["date"]), r["label"], r["cite"] or "", r["scenario"])
    return t
