"""The chart of a scenario comparison: exports change by scenario and partner, in the house style.

A Plotly figure (:mod:`tariffscope.analytics.figures`): PNG or SVG through kaleido, or an interactive
HTML page with plotly.js inline (no Chromium needed, no network).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from tariffscope.analytics import figures


def _partners(rows: Sequence[dict[str, Any]]) -> list[str]:
    """Partners in the rows' order, ``ALL`` last."""
    ps = list(dict.fromkeys(r["partner"] for r in rows))
    return [p for p in ps if p != "ALL"] + (["ALL"] if "ALL" in ps else [])


def _scenario_bars(rows: Sequence[dict[str, Any]], scenario: str, partners: list[str], color: str) -> go.Bar:
    """One scenario's bars (USD bn/yr) with the elasticity band as asymmetric error bars."""
    mine = {r["partner"]: r for r in rows if r["scenario"] == scenario}
    ys = [mine[p]["exports_change_usd"] / 1e9 if p in mine else 0.0 for p in partners]
    band = [
        tuple(v / 1e9 for v in (mine.get(p, {}).get("range") or {}).get("exports_change_usd") or (y, y))
        for p, y in zip(partners, ys, strict=True)
    ]
    plus = [max(hi - y, 0.0) for y, (_, hi) in zip(ys, band, strict=True)]
    minus = [max(y - lo, 0.0) for y, (lo, _) in zip(ys, band, strict=True)]
    return go.Bar(
        name=scenario,
        x=["all partners" if p == "ALL" else p for p in partners],
        y=ys,
        marker={"color": color},
        text=[f"{y:+.1f}" if abs(y) >= 0.05 else "" for y in ys],
        textposition="outside",
        cliponaxis=False,
        error_y={
            "type": "data",
            "symmetric": False,
            "array": plus,
            "arrayminus": minus,
            "thickness": 1,
            "width": 3,
            "color": "#1b1f24",
            "visible": any(plus) or any(minus),
        },
        customdata=[[lo, hi] for lo, hi in band],
        hovertemplate=f"{scenario}<br>%{{x}}: %{{y:+.2f}} bn USD/yr"
        "<br>elasticity band %{customdata[0]:+.2f} to %{customdata[1]:+.2f}<extra></extra>",
    )


def compare_figure(
    rows: Sequence[dict[str, Any]], title: str | None = None, *, source: str | None = None
) -> go.Figure:
    """Grouped bars: for each partner, the change of its exports to the US (USD bn/yr) under each scenario.

    Error bars span the row's elasticity band (``range``: low to high elasticities), when it has one.
    Rows are those of :func:`tariffscope.scenarios.evaluate.compare`. The ``ALL`` partner is drawn last.
    """
    scenarios = list(dict.fromkeys(r["scenario"] for r in rows))
    partners = _partners(rows)
    pal = figures.PALETTE
    traces = [_scenario_bars(rows, s, partners, pal[i % len(pal)]) for i, s in enumerate(scenarios)]
    first = rows[0] if rows else {}
    against = first.get("against", "current-law")
    dates = ", ".join(sorted({str(r["date"]) for r in rows}))
    horizon = first.get("horizon")
    data_date = f"rates on {dates}, against {against}; partial equilibrium" + (
        f", {horizon} horizon; error bars: the elasticity band" if horizon else ""
    )
    lay = figures.layout(
        title or f"Change of exports to the US against {against}",
        source=source,
        data_date=data_date,
        height=420,
        barmode="group",
        xaxis={"title": {"text": "partner"}, "type": "category"},
        yaxis={
            "title": {"text": "exports to the US, change (USD bn/yr)"},
            "tickformat": "~g",
            "zeroline": True,
            "zerolinecolor": "#1b1f24",
            "gridcolor": figures.GRID,
        },
    )
    return go.Figure(traces, lay)


def compare_chart(
    rows: Sequence[dict[str, Any]], out: Path, title: str | None = None, *, source: str | None = None
) -> Path:
    """Write :func:`compare_figure` to ``out``: ``.png`` or ``.svg`` (kaleido), ``.html`` (interactive)."""
    out = Path(out)
    if out.suffix.lower() not in (".png", ".svg", ".html"):
        raise figures.ChartExportError(f"{out.name}: charts are written as .png or .svg, or .html")
    fig = compare_figure(rows, title, source=source)
    if out.suffix.lower() == ".html":
        out.parent.mkdir(parents=True, exist_ok=True)
        fig.write_html(out, include_plotlyjs=True, full_html=True, config={"displaylogo": False})
        return out
    return figures.export({out: fig})[0]
