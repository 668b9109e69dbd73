"""The house chart style on Plotly, shared by the workbench and the static exports.

Every figure has a title, axis titles with units, percent axes for rates, tooltips, and a footer of
paper annotations (a source line, a data-date line): they are part of the figure, so a PNG or SVG
carries them. The workbench draws with plotly.js from the same style (:func:`style`, sent with
``/api/sources``); the CLI report embeds the figures (plotly.js inline, no CDN) or exports them as PNG
or SVG with kaleido, which renders in headless Chromium: one browser for all the images of a call.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from tariffscope.errors import TariffscopeError

PALETTE = ["#0b5cad", "#d1495b", "#2a9d8f", "#e9a03b", "#6a4c93", "#5c677d", "#8d6a37", "#c05299"]
FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12, "color": "#1b1f24"}
FOOTER_FONT = {"size": 10, "color": "#57606a"}
GRID = "#e5e7eb"
FOOTER_SHIFT = 44  # px below the plot area where the first footer line starts (clears the x tick labels)
TITLE_SHIFT = 24  # px more when the x axis has a title
FOOTER_LINE = 14  # px per footer line
EXPORT_WIDTH = 1000  # px: the static export's width (the browser's download uses the same)
DEFAULT_SOURCE = "Source: tariffscope"
EXTRA_HINT = "pip install 'tariffscope[charts]' (kaleido) and Chromium (apt-get install chromium)"


class ChartExportError(TariffscopeError):
    """A static image could not be made (kaleido or Chromium missing, or the render failed)."""


def style() -> dict[str, Any]:
    """The house style as JSON for plotly.js (``web/static/charts.js``): one definition for both."""
    return {
        "palette": PALETTE,
        "font": FONT,
        "footer_font": FOOTER_FONT,
        "grid": GRID,
        "footer_shift": FOOTER_SHIFT,
        "title_shift": TITLE_SHIFT,
        "footer_line": FOOTER_LINE,
        "export_width": EXPORT_WIDTH,
        "axes": {u: axis_for(u) for u in ("pct", "usd", "plain")},
    }


def axis_for(unit: str) -> dict[str, Any]:
    """Tick and hover formats for a unit: ``pct`` (decimals shown as %), ``usd`` or plain numbers."""
    if unit == "pct":
        return {"tickformat": ".0%", "hoverformat": ".2%"}
    if unit == "usd":  # "B" for billion, not SI "G"
        return {"tickprefix": "$", "exponentformat": "B", "hoverformat": "$,.4~s"}
    return {"tickformat": "~g"}


def wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap at ``width`` characters (footer lines are annotations, which do not wrap)."""
    out = [""]
    for w in text.split():
        if out[-1] and len(out[-1]) + 1 + len(w) > width:
            out.append(w)
        else:
            out[-1] = f"{out[-1]} {w}" if out[-1] else w
    return [x for x in out if x]


def footer(
    source: str | None,
    data_date: str | None,
    notes: Sequence[str] = (),
    *,
    width: int = EXPORT_WIDTH,
    shift: int = FOOTER_SHIFT,
) -> list[dict[str, Any]]:
    """Notes, the source line and the data-date line as paper annotations below the plot."""
    chars = max(50, int(width * 0.62 / 6))  # ~6 px a character at 10 px; room for a wide label margin
    lines = [*notes, source or DEFAULT_SOURCE, *([f"Data: {data_date}"] if data_date else [])]
    wrapped = [w for t in lines for w in wrap(t, chars)]
    return [
        {
            "text": t,
            "xref": "paper",
            "yref": "paper",
            "x": 0,
            "xanchor": "left",
            "y": 0,
            "yanchor": "top",
            "yshift": -shift - FOOTER_LINE * i,
            "showarrow": False,
            "font": FOOTER_FONT,
            "align": "left",
        }
        for i, t in enumerate(wrapped)
    ]


def layout(
    title: str,
    *,
    source: str | None,
    data_date: str | None,
    notes: Sequence[str] = (),
    height: int = 460,
    **extra: Any,
) -> dict[str, Any]:
    """A figure layout in the house style: title, footer, white background, horizontal legend."""
    shift = FOOTER_SHIFT + (TITLE_SHIFT if extra.get("xaxis", {}).get("title") else 0)
    foot = footer(source, data_date, notes, shift=shift)
    margin = {"l": 70, "r": 30, "t": 70, "b": shift + 16 + FOOTER_LINE * len(foot)}
    margin.update(extra.pop("margin", {}))
    return {
        "font": FONT,
        "title": {"text": title, "font": {"size": 15}, "x": 0, "xanchor": "left", "xref": "paper"},
        "paper_bgcolor": "#fff",
        "plot_bgcolor": "#fff",
        "hovermode": "closest",
        "legend": {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.01, "yanchor": "bottom"},
        "annotations": foot,
        "margin": margin,
        "width": EXPORT_WIDTH,
        "height": height + margin["b"],
        **extra,
    }


def bars(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    x_title: str,
    unit: str = "pct",
    text: Sequence[str] | None = None,
    hover: Sequence[str] | None = None,
    colors: Sequence[str] | None = None,
    source: str | None = None,
    data_date: str | None = None,
) -> go.Figure:
    """Horizontal bars, largest first from the top, the value printed at each bar."""
    trace = go.Bar(
        orientation="h",
        y=list(labels),
        x=list(values),
        marker={"color": list(colors) if colors else [PALETTE[0] if v >= 0 else PALETTE[1] for v in values]},
        text=list(text) if text is not None else None,
        textposition="outside",
        cliponaxis=False,
        customdata=list(hover or labels),
        hovertemplate="%{customdata}: %{x"
        + (":" + axis_for(unit)["hoverformat"] if unit != "plain" else "")
        + "}<extra></extra>",
        showlegend=False,
    )
    lay = layout(
        title,
        source=source,
        data_date=data_date,
        height=max(260, 120 + 24 * len(labels)),
        margin={"l": 20, "r": 70},
        bargap=0.25,
        xaxis={
            **axis_for(unit),
            "title": {"text": x_title},
            "gridcolor": GRID,
            "zerolinecolor": "#8c959f",
            "automargin": True,
        },
        yaxis={"autorange": "reversed", "automargin": True},
    )
    return go.Figure(trace, lay)


# ---- output: interactive HTML, PNG/SVG through kaleido ----------------------------------------------


@functools.cache
def plotly_js() -> str:
    """plotly.min.js as bundled by the plotly Python package (embedded: no CDN, works offline)."""
    from plotly.offline import get_plotlyjs

    return str(get_plotlyjs())


def to_html(fig: go.Figure, div_id: str) -> str:
    """The figure as a ``<div>`` and an inline script; the page needs :func:`plotly_js` once. Its width
    follows the page (the static exports keep :data:`EXPORT_WIDTH`)."""
    fig = go.Figure(fig).update_layout(width=None, autosize=True)
    return str(
        fig.to_html(
            full_html=False,
            include_plotlyjs=False,
            div_id=div_id,
            config={"displaylogo": False, "responsive": True},
            default_width="100%",
            default_height=f"{fig.layout.height or 500}px",
        )
    )


def _kaleido() -> Any:
    try:
        import kaleido
    except ImportError as exc:
        raise ChartExportError(f"PNG/SVG charts need the 'charts' extra: {EXTRA_HINT}") from exc
    return kaleido


def export_unavailable() -> str | None:
    """Why PNG/SVG export cannot run here (kaleido or Chromium missing), or None when it can.

    Chromium is found as kaleido finds it: ``BROWSER_PATH``, then chromium/chrome on ``PATH`` and
    their usual install places, then a browser fetched by ``kaleido_get_chrome``.
    """
    try:
        import kaleido  # noqa: F401
        from choreographer.browsers.chromium import Chromium
    except ImportError:
        return f"kaleido is not installed: {EXTRA_HINT}"
    path = Chromium.find_browser(skip_local=False)
    if not path or not Path(path).exists():
        return f"no Chromium found (set BROWSER_PATH, or install it): {EXTRA_HINT}"
    return None


def _render(jobs: list[dict[str, Any]]) -> Any:
    """Run kaleido on ``jobs`` in one browser; a missing Chromium becomes a clear error."""
    k = _kaleido()
    try:
        return k.write_fig_from_object_sync(jobs, cancel_on_error=True)
    except Exception as exc:  # choreographer's ChromeNotFoundError, browser failures, render timeouts
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        if isinstance(exc, RuntimeError) and ("browser" in first.lower() or "chrom" in first.lower()):
            raise ChartExportError(
                f"PNG/SVG charts are drawn in headless Chromium, which was not found or failed to start "
                f"({first}). Install it ({EXTRA_HINT}), or point BROWSER_PATH at it."
            ) from exc
        raise ChartExportError(f"chart export failed in kaleido: {first}") from exc


def export(figs: Mapping[Path, go.Figure], *, scale: float = 2.0) -> list[Path]:
    """Write each figure to its path as PNG or SVG (by suffix), all in one headless browser.

    Starting Chromium costs seconds; each further image costs a fraction of one (issue 10, measured in
    docs/analytics.md).
    """
    jobs = []
    for path, fig in figs.items():
        fmt = Path(path).suffix.lstrip(".").lower()
        if fmt not in ("png", "svg"):
            raise ChartExportError(f"{Path(path).name}: charts are written as .png or .svg")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig = go.Figure(fig)  # a copy with fixed trace ids: plotly.js would draw random ones into an SVG
        for i, trace in enumerate(fig.data):
            trace.uid = trace.uid or f"{i:06x}"
        opts = {"format": fmt, "width": fig.layout.width or EXPORT_WIDTH, "height": fig.layout.height or 500}
        jobs.append({"fig": fig, "path": Path(path), "opts": {**opts, "scale": scale if fmt == "png" else 1}})
    if jobs:
        _render(jobs)
        for job in jobs:
            if job["opts"]["format"] == "svg":
                _stable_svg_ids(job["path"])
    return [Path(p) for p in figs]


def _stable_svg_ids(path: Path) -> None:
    """Replace plotly.js's random figure id in an SVG by one derived from the file name: the same
    figure gives the same file, and SVGs inlined in one page keep distinct clip-path ids."""
    text = path.read_text(encoding="utf-8")
    m = re.search(r'<defs id="defs-([0-9a-f]{6})"', text)
    if m:
        uid = hashlib.sha1(path.stem.encode(), usedforsecurity=False).hexdigest()[:6]
        path.write_text(text.replace(m.group(1), uid), encoding="utf-8")


def sources(weights: Any = None) -> dict[str, Any]:
    """What every figure rests on: the catalogue's knowledge date, the import weights (years, grain,
    build date; the shipped ones by default), the one-line source a chart or a download carries, and
    the chart style."""
    from tariffscope.analytics.common import grain_label, weights_or_default
    from tariffscope.catalogue.loader import default_catalogue
    from tariffscope.trade.weights import provenance

    cat = default_catalogue()
    recorded = max((s.recorded for ref in cat.rules for s in ref.rule.steps if s.recorded), default=None)
    w = weights_or_default(weights)
    years = sorted({int(y) for y in w["data_year"].unique().to_list()}) if "data_year" in w.columns else []
    yrs = f"{years[0]}-{years[-1]}" if len(years) > 1 else "".join(map(str, years)) or "(unknown year)"
    wp = provenance()
    line = (
        f"Source: tariffscope; US tariff measures as recorded to {recorded} (Federal Register, "
        f"proclamations, CBP guidance); US import weights {yrs} "
        f"(US Census, GTAP sectors spread to HTS10; built {wp.get('built')})"
    )
    return {
        "catalogue_recorded_to": None if recorded is None else recorded.isoformat(),
        "weights_years": years,
        "weights_grain": grain_label(w),
        "weights_built": wp.get("built"),
        "weights_rule": wp.get("rule"),
        "source_line": line,
        "chart_style": style(),
    }
