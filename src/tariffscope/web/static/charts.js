/* tariffscope charts on plotly.js (served by the workbench from the plotly Python package, no CDN).
   Every chart has tooltips, formatted axes, a source line and a data-date line, and downloads as PNG
   or SVG (Plotly.downloadImage: the same figure, rendered in the browser). The style (palette, fonts,
   axis formats, footer) is the one the CLI report and exports use: tariffscope.analytics.figures.style(),
   sent with /api/sources (the defaults below are its copy for a page that could not fetch it). */
"use strict";

const TSChart = (() => {
  const STYLE = {
    palette: ["#0b5cad", "#d1495b", "#2a9d8f", "#e9a03b", "#6a4c93", "#5c677d", "#8d6a37", "#c05299"],
    font: { family: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size: 12, color: "#1b1f24" },
    footer_font: { size: 10, color: "#57606a" }, grid: "#e5e7eb", footer_shift: 44, title_shift: 24, footer_line: 14, export_width: 1000,
    axes: { pct: { tickformat: ".0%", hoverformat: ".2%" }, usd: { tickprefix: "$", exponentformat: "B", hoverformat: "$,.4~s" }, plain: { tickformat: "~g" } },
  };
  const PALETTE = STYLE.palette;
  let SOURCE = "Source: tariffscope";  // replaced by /api/sources at start-up

  /** The source line and the house style from /api/sources (tariffscope.analytics.figures). */
  function setSource(line, style) {
    if (line) SOURCE = line;
    if (style) { Object.assign(STYLE, style); PALETTE.splice(0, PALETTE.length, ...STYLE.palette); }
  }
  function fmtDate(t) { return new Date(t).toISOString().slice(0, 10); }

  function save(blob, filename) {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob); a.download = filename;
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 5000);
  }

  /** Axis settings and a hover formatter for a unit: "pct" (decimals shown as %), "usd" or plain. */
  function axisFor(unit) {
    return { ...(STYLE.axes[unit] || STYLE.axes.plain) };
  }

  /** The two footer lines (source, data date) as paper annotations: they are part of exported images. */
  function wrap(text, width = 150) {
    const out = [""];
    for (const w of text.split(" ")) {
      if (out[out.length - 1] && (out[out.length - 1] + " " + w).length > width) out.push(w);
      else out[out.length - 1] = out[out.length - 1] ? out[out.length - 1] + " " + w : w;
    }
    return out;
  }
  function footer(opts) {
    // the lines start at the plot's left edge: leave room for a wide label margin (~6 px a character)
    const width = Math.max(50, Math.floor(((opts.width || 900) * 0.62) / 6));
    const lines = [opts.source || SOURCE, opts.dataDate ? `Data: ${opts.dataDate}` : ""].filter(Boolean).flatMap((t) => wrap(t, width));
    return lines.map((text, i) => ({
      text, xref: "paper", yref: "paper", x: 0, xanchor: "left",
      y: 0, yanchor: "top", yshift: -(opts.footerShift || STYLE.footer_shift) - STYLE.footer_line * i, showarrow: false, font: STYLE.footer_font,
    }));
  }

  function frame(container, opts, height) {
    container.innerHTML = "";
    const fig = document.createElement("figure");
    fig.className = "chart";
    const bar = document.createElement("div"); bar.className = "tools";
    const gd = document.createElement("div"); gd.className = "plot"; gd.style.height = `${height}px`;
    gd.setAttribute("role", "img"); gd.setAttribute("aria-label", opts.title || opts.name || "chart");
    for (const kind of ["PNG", "SVG"]) {
      const b = document.createElement("button");
      b.type = "button"; b.className = "secondary small"; b.textContent = "Download " + kind; b.dataset.download = kind.toLowerCase();
      b.setAttribute("aria-label", `Download chart "${opts.title || opts.name}" as ${kind}`);
      b.addEventListener("click", () => Plotly.downloadImage(gd, { format: kind.toLowerCase(), filename: opts.name || "chart", width: STYLE.export_width, height, scale: kind === "PNG" ? 2 : 1 }));
      bar.appendChild(b);
    }
    container.appendChild(bar); fig.appendChild(gd); container.appendChild(fig);
    return gd;
  }

  function layout(opts, extra) {
    return {
      font: STYLE.font,
      title: opts.title ? { text: opts.title, font: { size: 14 }, x: 0, xanchor: "left" } : undefined,
      paper_bgcolor: "#fff", plot_bgcolor: "#fff", hovermode: "closest",
      legend: { orientation: "h", x: 0, xanchor: "left", y: 1.01, yanchor: "bottom" },
      annotations: footer(opts), ...extra,
    };
  }
  const CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["toImage", "select2d", "lasso2d"] };

  /** Line chart through time. opts: {title, name, series: [{name, points: [[date, value]]}], unit, step,
      xMax, annotations: [{date, label}], dataDate, source, height}. Events are dotted lines whose labels
      show on hover (no text piles up on the chart). */
  function line(container, opts) {
    const height = opts.height || 440;
    const gd = frame(container, opts, height);
    opts = { ...opts, width: gd.clientWidth };
    const ax = axisFor(opts.unit);
    const series = opts.series.filter((s) => s.points.length);
    const traces = series.map((s, i) => {
      const xs = s.points.map((p) => p[0]), ys = s.points.map((p) => p[1]);
      if (opts.step && opts.xMax && xs.length && xs[xs.length - 1] < opts.xMax) { xs.push(opts.xMax); ys.push(ys[ys.length - 1]); }
      return {
        type: "scatter", mode: "lines", name: s.name, x: xs, y: ys, line: { color: s.color || PALETTE[i % PALETTE.length], width: 2.2, shape: opts.step ? "hv" : "linear" },
        hovertemplate: `${s.name}<br>%{x|%Y-%m-%d}: %{y${ax.hoverformat ? ":" + ax.hoverformat : ""}}<extra></extra>`,
      };
    });
    const ys = traces.flatMap((t) => t.y).filter((v) => v !== null && isFinite(v));
    const top = Math.max(1e-9, ...ys) * 1.08;
    const ev = (opts.annotations || []).filter((a) => a.date);
    const shapes = ev.map((a) => ({ type: "line", xref: "x", yref: "paper", x0: a.date, x1: a.date, y0: 0, y1: 1, line: { color: "#6a4c93", width: 1, dash: "dot" }, opacity: 0.45 }));
    if (ev.length) {
      traces.push({
        type: "scatter", mode: "markers", name: "measure changes (hover)", x: ev.map((a) => a.date), y: ev.map(() => top),
        marker: { symbol: "triangle-down", size: 9, color: "#6a4c93" }, text: ev.map((a) => `${a.date}: ${a.label}`),
        hovertemplate: "%{text}<extra></extra>",
      });
    }
    Plotly.newPlot(gd, traces, layout(opts, {
      margin: { l: 70, r: 20, t: opts.title ? 64 : 36, b: 60 + STYLE.footer_line * footer(opts).length },
      xaxis: { type: "date", range: opts.xMin || opts.xMax ? [opts.xMin || undefined, opts.xMax || undefined] : undefined, showgrid: false, ticks: "outside", automargin: true },
      yaxis: { ...ax, rangemode: "tozero", range: [Math.min(0, ...ys), top * 1.04], gridcolor: STYLE.grid, automargin: true, title: { text: opts.yTitle || "" } },
      shapes,
    }), CONFIG);
    return gd;
  }

  /** Horizontal bars. opts: {title, name, items: [{label, value, hover}], unit, dataDate, source}. Labels
      are full names (long ones cut, with the full text on hover); the value is printed at each bar. */
  function bars(container, opts) {
    const items = opts.items;
    const height = opts.height || Math.max(240, 150 + items.length * 26);
    const gd = frame(container, opts, height);
    opts = { ...opts, width: gd.clientWidth };
    const ax = axisFor(opts.unit);
    const fmt = opts.valueFormat || ((v) => String(v));
    const short = (s) => { s = String(s ?? ""); return s.length > 40 ? s.slice(0, 39) + "…" : s; };
    const labels = items.map((d, i) => `${short(d.label)}${items.findIndex((e) => short(e.label) === short(d.label)) !== i ? " " + (i + 1) : ""}`);
    Plotly.newPlot(gd, [{
      type: "bar", orientation: "h", y: labels, x: items.map((d) => d.value),
      marker: { color: items.map((d) => d.color || (d.value < 0 ? PALETTE[1] : PALETTE[0])) },
      text: items.map((d) => fmt(d.value)), textposition: "auto", cliponaxis: false, insidetextfont: { color: "#fff" },
      customdata: items.map((d) => d.hover || String(d.label ?? "")),
      hovertemplate: "%{customdata}: %{text}<extra></extra>",
    }], layout(opts, {
      margin: { l: 20, r: 70, t: opts.title ? 40 : 16, b: 50 + STYLE.footer_line * footer(opts).length }, showlegend: false, bargap: 0.25,
      xaxis: { ...ax, zeroline: true, zerolinecolor: "#8c959f", gridcolor: STYLE.grid, automargin: true, title: { text: opts.xTitle || "" } },
      yaxis: { autorange: "reversed", automargin: true, tickfont: { size: 12 } },
    }), CONFIG);
    return gd;
  }

  return { line, bars, save, setSource, PALETTE, STYLE, fmtDate };
})();
