"""Charts of effective rates: the ETR timeline with its change points labelled, sector bars, partners.

Matplotlib's object API on the Agg canvas (no pyplot, no display, no network); PNG or SVG by the
file suffix, or as strings for embedding in the HTML report. SVG keeps text as text and uses a fixed
hash salt, so the same data gives the same file.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import matplotlib as mpl
import polars as pl
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from tariffscope.analytics.common import AUTHORITIES, AUTHORITY_LABELS
from tariffscope.catalogue.jurisdiction import registry

mpl.rcParams["svg.hashsalt"] = "tariffscope"
mpl.rcParams["svg.fonttype"] = "none"

COLORS = registry().column_colours
"""Colour of each rate column, from the authority registry."""
CHANGE_TOL = 5e-4  # label change points where the ETR moves by at least 0.05 pp


def _fmax(s: pl.Series) -> float:
    m = s.max()
    return float(m) if isinstance(m, int | float) else 0.0


def _usd_axis(x: float, _pos: Any = None) -> str:
    for div, suf in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
        if abs(x) >= div:
            return f"${x / div:,.0f}{suf}"
    return f"${x:,.0f}"


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


def etr_timeline(
    series: pl.DataFrame,
    events: pl.DataFrame | None = None,
    *,
    title: str | None = None,
    max_labels: int = 10,
) -> Figure:
    """Daily ETR of one partner as areas stacked by authority, with the total and labelled change points.

    ``series``: rows of ``etr_series`` for one partner (several partners: one line each, no areas).
    """
    partners = series["partner"].unique().to_list()
    notes: list[str] = []
    cp = pl.DataFrame()
    if len(partners) == 1:
        cp = change_points(series, events)
        if cp.height:
            cp = (
                cp.with_columns(pl.col("delta").abs().alias("_a"))
                .sort("_a", descending=True)
                .head(max_labels)
                .sort("date")
            )
            notes = [
                f"{i}. {r['date']:%d %b %Y}  {'+' if r['delta'] > 0 else '−'}{abs(100 * r['delta']):.1f} pp  {r['label']}"
                for i, r in enumerate(cp.iter_rows(named=True), 1)
            ]
    fig = Figure(figsize=(10, 5.0 + 0.19 * len(notes)), layout="constrained")
    if notes:
        ax, ax_notes = fig.subplots(2, 1, height_ratios=[5.0, 0.19 * len(notes) + 0.1])
        ax_notes.axis("off")
        ax_notes.text(
            0.0, 1.0, "\n".join(notes), va="top", ha="left", fontsize=7.5, transform=ax_notes.transAxes
        )
    else:
        ax = fig.add_subplot()
    if len(partners) == 1:
        s = series.sort("date")
        dates = s["date"].to_list()
        cols = [a for a in AUTHORITIES if f"etr_{a}" in s.columns and _fmax(s[f"etr_{a}"].abs()) > 1e-4]
        ax.stackplot(
            dates,
            *[s[f"etr_{a}"].to_numpy() for a in cols],
            labels=[AUTHORITY_LABELS.get(a, a) for a in cols],
            colors=[COLORS.get(a, "#777777") for a in cols],
            alpha=0.75,
            step="post",
        )
        ax.step(dates, s["etr"].to_numpy(), where="post", color="black", lw=1.4, label="total ETR")
        for i, r in enumerate(cp.iter_rows(named=True), 1):
            ax.axvline(r["date"], color="#444444", lw=0.5, ls=":")
            ax.annotate(
                str(i),
                xy=(r["date"], r["etr"]),
                xytext=(0, 5 + 10 * ((i - 1) % 3)),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=7,
                bbox={"boxstyle": "circle,pad=0.2", "fc": "white", "ec": "#444444", "lw": 0.6},
            )
        ax.set_ylim(0, max(0.01, _fmax(s["etr"]) * 1.25))
    else:
        for p in partners:
            s = series.filter(pl.col("partner") == p).sort("date")
            ax.step(s["date"].to_list(), s["etr"].to_numpy(), where="post", lw=1.3, label=p)
        ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylabel("effective tariff rate (duty / all imports)")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left", fontsize=7, ncols=2, frameon=False)
    ax.set_title(title or f"Effective tariff rate: {', '.join(partners)}", fontsize=11)
    for lbl in ax.get_xticklabels():
        lbl.set_rotation(30)
        lbl.set_horizontalalignment("right")
    return fig


def sector_bars(composition: pl.DataFrame, *, n: int = 12, title: str | None = None) -> Figure:
    """Import value by GTAP sector (bars) with each sector's ETR (dots, right axis)."""
    c = composition.sort("imports_usd", descending=True).head(n).reverse()
    labels = [
        f"{s} {name[:28]}" for s, name in zip(c["sector"].to_list(), c["sector_name"].to_list(), strict=True)
    ]
    fig = Figure(figsize=(10, 0.42 * c.height + 1.4), layout="constrained")
    ax = fig.add_subplot()
    y = list(range(c.height))
    ax.barh(y, c["imports_usd"].to_numpy(), color="#4c72b0", alpha=0.8, label="imports (2024 weights)")
    for yi, v, sh in zip(y, c["imports_usd"].to_list(), c["share"].to_list(), strict=True):
        ax.text(v, yi, f" {100 * sh:.1f}%", va="center", fontsize=7, color="#333333")
    ax.set_yticks(y, labels, fontsize=8)
    ax.xaxis.set_major_formatter(FuncFormatter(_usd_axis))
    ax.set_xlabel("imports per year (share of the partner's total)")
    ax2 = ax.twiny()
    ax2.plot(c["etr"].to_numpy(), y, "o", color="#c44e52", label="ETR")
    ax2.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax2.set_xlim(left=0, right=max(0.05, _fmax(c["etr"]) * 1.15))
    ax2.set_xlabel("effective tariff rate (red dots)", color="#c44e52")
    ax.set_title(title or "Imports and effective rate by sector", fontsize=11)
    return fig


def partner_bars(
    ranked: pl.DataFrame, *, highlight: str | None = "JP", n: int = 25, title: str | None = None
) -> Figure:
    """ETR of the ``n`` largest partners by imports (sorted by ETR), ``highlight`` in red."""
    r = ranked.filter(pl.col("partner") != "ALL").sort("imports_usd", descending=True).head(n)
    if highlight and highlight not in r["partner"].to_list():
        r = pl.concat([r, ranked.filter(pl.col("partner") == highlight)], how="vertical_relaxed")
    r = r.sort("etr")
    fig = Figure(figsize=(9, 0.3 * r.height + 1.3), layout="constrained")
    ax = fig.add_subplot()
    colors = ["#c44e52" if p == highlight else "#4c72b0" for p in r["partner"].to_list()]
    y = list(range(r.height))
    ax.barh(y, r["etr"].to_numpy(), color=colors)
    names = r["name"].to_list() if "name" in r.columns else r["partner"].to_list()
    ax.set_yticks(
        y,
        [f"{p} {str(nm or '')[:22]}" for p, nm in zip(r["partner"].to_list(), names, strict=True)],
        fontsize=7.5,
    )
    for yi, v in zip(y, r["etr"].to_list(), strict=True):
        ax.text(v, yi, f" {100 * v:.1f}%", va="center", fontsize=7)
    allrow = ranked.filter(pl.col("partner") == "ALL")
    if allrow.height:
        ax.axvline(float(allrow["etr"][0]), color="black", ls="--", lw=0.8, label="all partners")
        ax.legend(loc="lower right", fontsize=7, frameon=False)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("effective tariff rate")
    ax.set_title(title or f"Effective tariff rate of the {n} largest partners", fontsize=11)
    return fig


def save(fig: Figure, path: Path | str) -> Path:
    """Write a figure as PNG or SVG (by suffix)."""
    p = Path(path)
    fmt = p.suffix.lstrip(".").lower()
    if fmt not in ("png", "svg"):
        raise ValueError(f"{p.name}: charts are written as .png or .svg")
    fig.savefig(
        p, format=fmt, dpi=150, metadata={"Date": None} if fmt == "svg" else {"Software": "tariffscope"}
    )
    return p


def to_svg(fig: Figure) -> str:
    """The figure as an inline ``<svg>`` element (no XML prolog)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg") :]


def to_png_data_uri(fig: Figure, dpi: int = 130) -> str:
    """The figure as a ``data:image/png;base64,…`` URI."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
