/* tariffscope charts: small SVG line and bar charts, each downloadable as SVG or PNG. No dependencies. */
"use strict";

const TSChart = (() => {
  const NS = "http://www.w3.org/2000/svg";
  const PALETTE = ["#0b5cad", "#d1495b", "#2a9d8f", "#e9a03b", "#6a4c93", "#5c677d", "#8d6a37", "#c05299"];

  function el(name, attrs = {}, text) {
    const n = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
    if (text !== undefined) n.textContent = text;
    return n;
  }

  function niceTicks(lo, hi, n = 5) {
    if (!(hi > lo)) { hi = lo + 1; }
    const span = hi - lo;
    const step0 = Math.pow(10, Math.floor(Math.log10(span / n)));
    const err = (n * step0) / span;
    const step = step0 * (err <= 0.15 ? 10 : err <= 0.35 ? 5 : err <= 0.75 ? 2 : 1);
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toFixed(12));
    return out;
  }

  function toTime(x) { return x instanceof Date ? x.getTime() : Date.parse(String(x) + (String(x).length === 10 ? "T00:00:00Z" : "")); }
  function fmtDate(t) { return new Date(t).toISOString().slice(0, 10); }
  function fmtMonth(t) { const d = new Date(t); return d.toLocaleString("en", { month: "short", timeZone: "UTC" }) + " " + String(d.getUTCFullYear()).slice(2); }

  /** Toolbar with SVG and PNG downloads for the chart's <svg>. */
  function tools(container, svg, name) {
    const bar = document.createElement("div");
    bar.className = "tools";
    for (const kind of ["SVG", "PNG"]) {
      const b = document.createElement("button");
      b.type = "button"; b.className = "secondary small"; b.textContent = "Download " + kind;
      b.dataset.download = kind.toLowerCase();
      b.setAttribute("aria-label", `Download chart "${name}" as ${kind}`);
      b.addEventListener("click", () => (kind === "SVG" ? downloadSVG(svg, name) : downloadPNG(svg, name)));
      bar.appendChild(b);
    }
    container.appendChild(bar);
  }

  function serialize(svg) {
    const clone = svg.cloneNode(true);
    clone.setAttribute("xmlns", NS);
    const vb = svg.viewBox.baseVal;
    clone.setAttribute("width", vb.width); clone.setAttribute("height", vb.height);
    return '<?xml version="1.0" encoding="utf-8"?>\n' + new XMLSerializer().serializeToString(clone);
  }

  function save(blob, filename) {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob); a.download = filename;
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 5000);
  }

  function downloadSVG(svg, name) { save(new Blob([serialize(svg)], { type: "image/svg+xml" }), name + ".svg"); }

  function downloadPNG(svg, name, scale = 2) {
    const vb = svg.viewBox.baseVal;
    const img = new Image();
    img.onload = () => {
      const c = document.createElement("canvas");
      c.width = vb.width * scale; c.height = vb.height * scale;
      const ctx = c.getContext("2d");
      ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, c.width, c.height);
      ctx.drawImage(img, 0, 0, c.width, c.height);
      c.toBlob((b) => save(b, name + ".png"), "image/png");
    };
    img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(serialize(svg));
  }

  function frame(container, title, W, H) {
    container.innerHTML = "";
    container.classList.add("chart");
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title });
    svg.appendChild(el("title", {}, title));
    svg.appendChild(el("rect", { x: 0, y: 0, width: W, height: H, fill: "#fff" }));
    svg.appendChild(el("text", { x: 10, y: 18, "font-size": 14, "font-weight": 600, fill: "#1b1f24" }, title));
    return svg;
  }

  /**
   * Line chart over dates. opts: {title, series: [{name, points: [[date, y], ...]}], step, yFormat,
   * annotations: [{date, label}], name (file name), height}.
   */
  function line(container, opts) {
    const W = 900, H = opts.height || 380, m = { l: 64, r: 20, t: 34, b: 58 };
    const svg = frame(container, opts.title, W, H);
    const series = opts.series.filter((s) => s.points.length);
    const all = series.flatMap((s) => s.points.map((p) => [toTime(p[0]), p[1]]));
    const fmt = opts.yFormat || ((v) => String(v));
    if (!all.length) { svg.appendChild(el("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, "no data")); }
    const xs = all.map((p) => p[0]), ys = all.map((p) => p[1]).filter((v) => v !== null && isFinite(v));
    const x0 = Math.min(...xs), x1 = Math.max(...xs, opts.xMax ? toTime(opts.xMax) : -Infinity);
    const y0 = Math.min(0, ...ys), y1 = Math.max(...ys, 1e-9) * 1.08;
    const X = (t) => m.l + ((t - x0) / Math.max(1, x1 - x0)) * (W - m.l - m.r);
    const Y = (v) => H - m.b - ((v - y0) / (y1 - y0)) * (H - m.t - m.b);
    const g = el("g", { "font-size": 11, fill: "#57606a" });
    for (const v of niceTicks(y0, y1)) {
      g.appendChild(el("line", { x1: m.l, x2: W - m.r, y1: Y(v), y2: Y(v), stroke: "#e5e7eb" }));
      g.appendChild(el("text", { x: m.l - 6, y: Y(v) + 4, "text-anchor": "end" }, fmt(v)));
    }
    // month ticks
    if (all.length) {
      const d = new Date(x0); d.setUTCDate(1);
      const months = Math.max(1, Math.round((x1 - x0) / 2.6e9));
      const every = months > 18 ? 3 : months > 8 ? 2 : 1;
      let i = 0;
      for (let t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1); t <= x1; i++) {
        if (i % every === 0) {
          g.appendChild(el("line", { x1: X(t), x2: X(t), y1: H - m.b, y2: H - m.b + 4, stroke: "#8c959f" }));
          g.appendChild(el("text", { x: X(t), y: H - m.b + 16, "text-anchor": "middle" }, fmtMonth(t)));
        }
        const n = new Date(t); t = Date.UTC(n.getUTCFullYear(), n.getUTCMonth() + 1, 1);
      }
    }
    g.appendChild(el("line", { x1: m.l, x2: W - m.r, y1: Y(y0), y2: Y(y0), stroke: "#8c959f" }));
    svg.appendChild(g);
    // annotations (measure changes)
    const ann = el("g", { "font-size": 10, fill: "#6a4c93" });
    (opts.annotations || []).forEach((a, i) => {
      const t = toTime(a.date);
      if (!(t >= x0 && t <= x1)) return;
      ann.appendChild(el("line", { x1: X(t), x2: X(t), y1: m.t, y2: H - m.b, stroke: "#6a4c93", "stroke-dasharray": "3 3", "stroke-opacity": 0.5 }));
      const lab = el("text", { x: X(t) + 2, y: m.t + 10 + (i % 6) * 11 }, a.short || "");
      lab.appendChild(el("title", {}, `${a.date}: ${a.label}`));
      ann.appendChild(lab);
    });
    svg.appendChild(ann);
    series.forEach((s, i) => {
      const color = s.color || PALETTE[i % PALETTE.length];
      const pts = s.points.map((p) => [X(toTime(p[0])), Y(p[1])]);
      let d = "";
      pts.forEach(([px, py], j) => {
        if (j === 0) d += `M${px.toFixed(1)},${py.toFixed(1)}`;
        else if (opts.step) d += `H${px.toFixed(1)}V${py.toFixed(1)}`;
        else d += `L${px.toFixed(1)},${py.toFixed(1)}`;
      });
      if (opts.step && pts.length) d += `H${X(x1).toFixed(1)}`;
      const path = el("path", { d, fill: "none", stroke: color, "stroke-width": 2.2, "data-series": s.name });
      path.appendChild(el("title", {}, s.name));
      svg.appendChild(path);
      // legend
      svg.appendChild(el("rect", { x: m.l + i * 150, y: H - 22, width: 14, height: 4, fill: color }));
      svg.appendChild(el("text", { x: m.l + i * 150 + 18, y: H - 17, "font-size": 12, fill: "#1b1f24" }, s.name));
    });
    tools(container, svg, opts.name || "chart");
    container.insertBefore(svg, container.firstChild);
    return svg;
  }

  /** Horizontal bar chart. opts: {title, items: [{label, value}], valueFormat, name}. Negative values go left. */
  function bars(container, opts) {
    const items = opts.items;
    const W = 900, rowH = 22, m = { l: 230, r: 90, t: 34, b: 16 };
    const H = m.t + m.b + Math.max(1, items.length) * rowH;
    const svg = frame(container, opts.title, W, H);
    const fmt = opts.valueFormat || ((v) => String(v));
    const vals = items.map((d) => d.value);
    const lo = Math.min(0, ...vals), hi = Math.max(0, ...vals, 1e-12);
    const X = (v) => m.l + ((v - lo) / (hi - lo || 1)) * (W - m.l - m.r);
    items.forEach((d, i) => {
      const y = m.t + i * rowH;
      const full = String(d.label ?? "");
      const label = full.length > 38 ? full.slice(0, 37) + "…" : full;
      const t = el("text", { x: m.l - 6, y: y + 15, "text-anchor": "end", "font-size": 12, fill: "#1b1f24" }, label);
      t.appendChild(el("title", {}, full));
      svg.appendChild(t);
      const x = Math.min(X(0), X(d.value)), w = Math.abs(X(d.value) - X(0));
      const r = el("rect", { x, y: y + 3, width: Math.max(w, 0.5), height: rowH - 7, fill: d.color || (d.value < 0 ? "#d1495b" : "#0b5cad") });
      r.appendChild(el("title", {}, `${full}: ${fmt(d.value)}`));
      svg.appendChild(r);
      svg.appendChild(el("text", { x: Math.max(X(0), X(d.value)) + 4, y: y + 15, "font-size": 11, fill: "#57606a" }, fmt(d.value)));
    });
    svg.appendChild(el("line", { x1: X(0), x2: X(0), y1: m.t, y2: H - m.b, stroke: "#8c959f" }));
    tools(container, svg, opts.name || "chart");
    container.insertBefore(svg, container.firstChild);
    return svg;
  }

  return { line, bars, downloadSVG, downloadPNG, save, PALETTE, fmtDate };
})();
