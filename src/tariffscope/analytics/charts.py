"""Charts of effective rates: the ETR timeline with its change points labelled, sector bars, partners.

Plotly figures in the house style of :mod:`tariffscope.analytics.figures` (the workbench's): tooltips,
percent axes, a source line and a data-date line. The HTML report embeds them; ``figures.export``
writes them as PNG or SVG.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from tariffscope.analytics import figures
from tariffscope.analytics.common import AUTHORITIES, AUTHORITY_LABELS
from tariffscope.catalogue.jurisdiction import registry
from tariffscope.fmt import usd

COLORS = registry().column_colours
"""Colour of each rate column, from the authority registry."""
CHANGE_TOL = 5e-4  # label change points where the ETR moves by at least 0.05 pp


def _fmax(s: pl.Series) -> float:
    m = s.max()
    return float(m) if isinstance(m, int | float) else 0.0


def change_points(
    series: pl.DataFrame, events: pl.DataFrame | None = None, tol: float = CHANGE_TOL
) -> pl.DataFrame:
    """Dates where one partner's daily ETR moves by at least ``tol``, with a label naming what moved.

    The label lists the catalogue events of that date (``measure_events``) of the authority whose
    contribution moved most, e.g. ``IEEPA reciprocal: 9903.02.30 start 15%``; dates without a
    catalogue event are schedule (HTS) revisions.
    """
    s = series.sort("date")
    etr_cols = [f"etr_{a}" for a in AUTHORITIES if f"etr_{a}" in s.columns]
    d = s.with_columns(
        pl.col("etr").diff().alias("delta"), *[pl.col(c).diff().alias("d_" + c) for c in etr_cols]
    ).filter(pl.col("delta").abs() >= tol)
    rows = []
    for r in d.iter_rows(named=True):
        moved = sorted(etr_cols, key=lambda c: -abs(r["d_" + c] or 0.0))
        auth = moved[0].removeprefix("etr_") if moved else ""
        ev = events.filter(pl.col("date") == r["date"]) if events is not None and events.height else None
        label = ""
        if ev is not None and ev.height:
            own = ev.filter(pl.col("authority") == auth)
            pick = (own if own.height else ev).with_columns(
                (pl.col("new_rate").fill_null(0.0) - pl.col("old_rate").fill_null(0.0)).abs().alias("_size")
            )
            pick = pick.sort("_size", descending=True)  # the largest rate moves first, exemptions last
            items = [
                f"{x['heading'] or x['rule']} {x['event']}"
                + (
                    f" {100 * x['new_rate']:.4g}%"
                    if x["new_rate"] is not None and x["event"] != "end"
                    else ""
                )
                for x in pick.head(2).iter_rows(named=True)
            ]
            more = pick.height - 2
            label = (
                f"{AUTHORITY_LABELS.get(auth, auth)}: "
                + "; ".join(items)
                + (f" (+{more})" if more > 0 else "")
            )
        else:
            label = f"{AUTHORITY_LABELS.get(auth, auth)} (HTS revision)"
        rows.append(
            {"date": r["date"], "etr": r["etr"], "delta": r["delta"], "authority": auth, "label": label}
        )
    return pl.DataFrame(
        rows,
        schema={
            "date": pl.Date,
            "etr": pl.Float64,
            "delta": pl.Float64,
            "authority": pl.String,
            "label": pl.String,
        },
    )


def _labelled_changes(series: pl.DataFrame, events: pl.DataFrame | None, max_labels: int) -> pl.DataFrame:
    """The ``max_labels`` largest change points, in date order."""
    cp = change_points(series, events)
    if not cp.height:
        return cp
    return (
        cp.with_columns(pl.col("delta").abs().alias("_a"))
        .sort("_a", descending=True)
        .head(max_labels)
        .sort("date")
        .drop("_a")
    )


def _authority_areas(s: pl.DataFrame) -> list[go.Scatter]:
    """One stacked step area per authority that charges anything, and the total ETR as a black step."""
    dates = s["date"].to_list()
    cols = [a for a in AUTHORITIES if f"etr_{a}" in s.columns and _fmax(s[f"etr_{a}"].abs()) > 1e-4]
    traces = [
        go.Scatter(
            x=dates,
            y=s[f"etr_{a}"].to_list(),
            name=AUTHORITY_LABELS.get(a, a),
            stackgroup="authorities",
            mode="lines",
            line={"shape": "hv", "width": 0.5, "color": COLORS.get(a, "#777777")},
            hovertemplate=f"{AUTHORITY_LABELS.get(a, a)}<br>%{{x|%Y-%m-%d}}: %{{y:.2%}}<extra></extra>",
        )
        for a in cols
    ]
    traces.append(
        go.Scatter(
            x=dates,
            y=s["etr"].to_list(),
            name="total ETR",
            mode="lines",
            line={"shape": "hv", "width": 2, "color": "black"},
            hovertemplate="total ETR<br>%{x|%Y-%m-%d}: %{y:.2%}<extra></extra>",
        )
    )
    return traces


def _change_markers(cp: pl.DataFrame) -> tuple[list[go.Scatter], list[dict], list[str]]:
    """Numbered markers at the change points (label on hover), dotted lines, and the numbered notes."""
    if not cp.height:
        return [], [], []
    rows = cp.to_dicts()
    notes = [
        f"{i}. {r['date']:%d %b %Y}  {'+' if r['delta'] > 0 else '−'}{abs(100 * r['delta']):.1f} pp  {r['label']}"
        for i, r in enumerate(rows, 1)
    ]
    marker = go.Scatter(
        x=[r["date"] for r in rows],
        y=[r["etr"] for r in rows],
        mode="markers+text",
        name="change points (hover)",
        text=[str(i) for i in range(1, len(rows) + 1)],
        textposition="top center",
        textfont={"size": 10},
        marker={"symbol": "circle-open", "size": 9, "color": "#444444"},
        customdata=notes,
        hovertemplate="%{customdata}<extra></extra>",
    )
    shapes = [
        {
            "type": "line",
            "xref": "x",
            "yref": "paper",
            "x0": r["date"],
            "x1": r["date"],
            "y0": 0,
            "y1": 1,
            "line": {"color": "#444444", "width": 0.6, "dash": "dot"},
            "opacity": 0.6,
        }
        for r in rows
    ]
    return [marker], shapes, notes


def etr_timeline(
    series: pl.DataFrame,
    events: pl.DataFrame | None = None,
    *,
    title: str | None = None,
    max_labels: int = 10,
    source: str | None = None,
    data_date: str | None = None,
) -> go.Figure:
    """Daily ETR of one partner as areas stacked by authority, with the total and numbered change points
    (their labels on hover and as notes under the chart).

    ``series``: rows of ``etr_series`` for one partner (several partners: one step line each).
    """
    partners = series["partner"].unique(maintain_order=True).to_list()
    shapes: list[dict] = []
    notes: list[str] = []
    if len(partners) == 1:
        s = series.sort("date")
        traces: list[go.Scatter] = _authority_areas(s)
        markers, shapes, notes = _change_markers(_labelled_changes(s, events, max_labels))
        traces += markers
        top = max(0.01, _fmax(s["etr"]) * 1.2)
    else:
        traces = [
            go.Scatter(
                x=(t := series.filter(pl.col("partner") == p).sort("date"))["date"].to_list(),
                y=t["etr"].to_list(),
                name=p,
                mode="lines",
                line={"shape": "hv", "width": 2, "color": figures.PALETTE[i % len(figures.PALETTE)]},
                hovertemplate=f"{p}<br>%{{x|%Y-%m-%d}}: %{{y:.2%}}<extra></extra>",
            )
            for i, p in enumerate(partners)
        ]
        top = max(0.01, _fmax(series["etr"]) * 1.1)
    lay = figures.layout(
        title or f"Effective tariff rate: {', '.join(partners)}",
        source=source,
        data_date=data_date,
        notes=notes,
        xaxis={
            "type": "date",
            "title": {"text": "date (rates in force on each day)"},
            "showgrid": False,
            "ticks": "outside",
        },
        yaxis={
            **figures.axis_for("pct"),
            "title": {"text": "effective tariff rate (duty / all imports)"},
            "range": [0, top],
            "gridcolor": figures.GRID,
        },
        shapes=shapes,
    )
    return go.Figure(traces, lay)


def sector_bars(
    composition: pl.DataFrame,
    *,
    n: int = 12,
    title: str | None = None,
    source: str | None = None,
    data_date: str | None = None,
) -> go.Figure:
    """Import value by GTAP sector (bars, bottom axis) with each sector's ETR (dots, top axis)."""
    c = composition.sort("imports_usd", descending=True).head(n)
    labels = [
        f"{s} {name[:28]}" for s, name in zip(c["sector"].to_list(), c["sector_name"].to_list(), strict=True)
    ]
    imports, etr, share = c["imports_usd"].to_list(), c["etr"].to_list(), c["share"].to_list()
    hover = [
        f"{lb}: {usd(v)} a year, {100 * sh:.1f}% of the total; ETR {100 * e:.2f}%"
        for lb, v, sh, e in zip(labels, imports, share, etr, strict=True)
    ]
    fig = figures.bars(
        labels,
        imports,
        title=title or "Imports and effective rate by sector",
        x_title="imports per year, USD (bars; label: share of the partner's total)",
        unit="usd",
        text=[f"{100 * sh:.1f}%" for sh in share],
        hover=hover,
        source=source,
        data_date=data_date,
    )
    fig.data[0].update(name="imports", hovertemplate="%{customdata}<extra></extra>")
    fig.add_trace(
        go.Scatter(
            x=etr,
            y=labels,
            xaxis="x2",
            mode="markers",
            name="ETR",
            customdata=hover,
            marker={"color": figures.PALETTE[1], "size": 9},
            hovertemplate="%{customdata}<extra></extra>",
        )
    )
    fig.update_layout(
        showlegend=True,
        margin={"t": 110},
        xaxis2={
            **figures.axis_for("pct"),
            "overlaying": "x",
            "side": "top",
            "rangemode": "tozero",
            "range": [0, top := max(0.05, _fmax(c["etr"]) * 1.15)],
            "dtick": next(
                d for d in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0) if top / d <= 6
            ),  # whole percents
            "showgrid": False,
            "title": {"text": "effective tariff rate (red dots)", "font": {"color": figures.PALETTE[1]}},
        },
        legend={
            "y": 0.02,
            "yanchor": "bottom",
            "x": 0.98,
            "xanchor": "right",
            "bgcolor": "rgba(255,255,255,0.8)",
        },
    )
    return fig


def partner_bars(
    ranked: pl.DataFrame,
    *,
    highlight: str | None = "JP",
    n: int = 25,
    title: str | None = None,
    source: str | None = None,
    data_date: str | None = None,
) -> go.Figure:
    """ETR of the ``n`` largest partners by imports (highest ETR on top), ``highlight`` in red, the
    all-partner ETR as a dashed line."""
    r = ranked.filter(pl.col("partner") != "ALL").sort("imports_usd", descending=True).head(n)
    if highlight and highlight not in r["partner"].to_list():
        r = pl.concat([r, ranked.filter(pl.col("partner") == highlight)], how="vertical_relaxed")
    r = r.sort("etr", descending=True)
    codes = r["partner"].to_list()
    names = r["name"].to_list() if "name" in r.columns else codes
    labels = [f"{p} {str(nm or '')[:22]}" for p, nm in zip(codes, names, strict=True)]
    fig = figures.bars(
        labels,
        r["etr"].to_list(),
        title=title or f"Effective tariff rate of the {n} largest partners",
        x_title="effective tariff rate (duty / all imports)",
        text=[f"{100 * v:.1f}%" for v in r["etr"].to_list()],
        hover=[
            f"{lb}, imports {usd(v)} a year" for lb, v in zip(labels, r["imports_usd"].to_list(), strict=True)
        ],
        colors=[figures.PALETTE[1] if p == highlight else figures.PALETTE[0] for p in codes],
        source=source,
        data_date=data_date,
    )
    allrow = ranked.filter(pl.col("partner") == "ALL")
    if allrow.height:
        v = float(allrow["etr"][0])
        fig.add_vline(x=v, line={"color": "black", "dash": "dash", "width": 1})
        fig.add_annotation(
            x=v,
            y=1,
            yref="paper",
            yanchor="bottom",
            showarrow=False,
            text=f"all partners {100 * v:.1f}%",
            font={"size": 10},
        )
    return fig
