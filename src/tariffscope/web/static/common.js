/* tariffscope workbench: helpers every view uses (formatting, the API, tables, countries and sources). Plain JS, no dependencies. */
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);

// ---------- formatting ----------
function pct(x, d) {
  if (x === null || x === undefined || !isFinite(x)) return "—";
  const digits = typeof d === "number" ? d : 2;
  return `${(100 * x).toFixed(digits).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "")}%`;
}
const dotted = (h) => (/^\d{10}$/.test(h || "") ? `${h.slice(0, 4)}.${h.slice(4, 6)}.${h.slice(6, 8)}.${h.slice(8)}` : h);
function usd(x) {
  if (x === null || x === undefined || !isFinite(x)) return "—";
  const a = Math.abs(x);
  for (const [div, suf] of [[1e12, "T"], [1e9, "B"], [1e6, "M"], [1e3, "k"]]) {
    if (a >= div) return `${x < 0 ? "−" : ""}$${(a / div).toFixed(2)}${suf}`;
  }
  return `${x < 0 ? "−" : ""}$${a.toFixed(2)}`;
}
const num = (x) => (x === null || x === undefined ? "—" : Number(x).toLocaleString("en", { maximumFractionDigits: 4 }));
function esc(s) { return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]); }

// ---------- API ----------
class ApiError extends Error { constructor(msg, field, status) { super(msg); this.field = field; this.status = status; } }
async function api(path, opts) {
  const r = await fetch(path, opts);
  let body = null;
  try { body = await r.json(); } catch (_) { body = null; }
  if (!r.ok) throw new ApiError((body && body.detail) || `request failed (${r.status})`, body && body.field, r.status);
  return body;
}
function showError(box, err) {
  box.innerHTML = err ? `<div class="error">${esc(err.message || err)}</div>` : "";
}
function busy(box, text = "Working…") { box.innerHTML = `<p class="busy">${esc(text)}</p>`; }

// ---------- tables with CSV download ----------
function toCSV(cols, rows) {
  const cell = (v) => { const s = v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v); return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s; };
  return [cols.map((c) => cell(c.label || c.key)).join(","), ...rows.map((r) => cols.map((c) => cell(r[c.key])).join(","))].join("\n") + "\n";
}
/** cols: [{key, label, fmt, num}] */
function table(container, { title, cols, rows, name, rowClass, caption, limit }) {
  container.innerHTML = "";
  if (title) { const h = document.createElement("h3"); h.textContent = title; container.appendChild(h); }
  const bar = document.createElement("div"); bar.className = "tools";
  const b = document.createElement("button");
  b.type = "button"; b.className = "secondary small"; b.textContent = "Download CSV"; b.dataset.download = "csv";
  b.setAttribute("aria-label", `Download table ${title || name} as CSV`);
  b.addEventListener("click", () => TSChart.save(new Blob([toCSV(cols, rows)], { type: "text/csv" }), (name || "table") + ".csv"));
  bar.appendChild(b); container.appendChild(bar);
  const wrap = document.createElement("div"); wrap.className = "table-wrap";
  const t = document.createElement("table"); t.className = "data";
  if (caption) { const c = document.createElement("caption"); c.className = "note"; c.textContent = caption; t.appendChild(c); }
  t.innerHTML += `<thead><tr>${cols.map((c) => `<th scope="col" class="${c.num ? "num" : ""}">${esc(c.label || c.key)}</th>`).join("")}</tr></thead>`;
  if (limit && rows.length > limit) {
    const c = document.createElement("caption"); c.className = "note";
    c.textContent = `first ${limit} of ${rows.length} rows; the CSV has all`; t.appendChild(c);
  }
  const tb = document.createElement("tbody");
  for (const r of limit ? rows.slice(0, limit) : rows) {
    const tr = document.createElement("tr");
    if (rowClass) tr.className = rowClass(r);
    tr.innerHTML = cols.map((c) => {
      const text = c.html ? null : String(c.fmt ? c.fmt(r[c.key], r) : r[c.key] ?? "");
      const whole = text !== null && /^[\d.\-]{1,14}$/.test(text);  // dates and HTS codes never break
      return `<td class="${c.num ? "num" : whole ? "nowrap" : ""}">${c.html ? c.html(r) : esc(text)}</td>`;
    }).join("");
    tb.appendChild(tr);
  }
  t.appendChild(tb); wrap.appendChild(t); container.appendChild(wrap);
  return t;
}
function kpis(container, items) {
  container.innerHTML = items.map(([label, value, id]) => `<div class="kpi"${id ? ` id="${id}"` : ""}><div class="v">${esc(value)}</div><div class="l">${esc(label)}</div></div>`).join("");
}

// ---------- countries and sources ----------
let COUNTRIES = [], SOURCES = {};
const countryName = (code) => { const c = COUNTRIES.find((x) => x.iso2 === code); return c && !c.group ? `${c.name} (${code})` : code; };
async function loadSources() {
  try { SOURCES = await api("/api/sources"); TSChart.setSource(SOURCES.source_line, SOURCES.chart_style); } catch (_) { SOURCES = {}; }
}
async function loadCountries() {
  COUNTRIES = await api("/api/countries");
  const opts = (groups) => COUNTRIES.filter((c) => groups || !c.group).map((c) => `<option value="${esc(c.iso2)}">${esc(c.name)} (${esc(c.iso2)})</option>`).join("");
  for (const [id, def, groups] of [["#lookup-origin", "JP", false], ["#dash-partner", "JP", true], ["#lab-partner", "JP", false]]) {
    const s = $(id); s.innerHTML = opts(groups); s.value = def;
  }
}

