/* tariffscope workbench: pages over the REST API. Plain JS, no dependencies. */
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

// ---------- page: US rates today (journalists) ----------
let todaySeq = 0;
async function doToday(ev) {
  if (ev) ev.preventDefault();
  const seq = ++todaySeq;
  const err = $("#today-error"), date = $("#today-date").value, top = +$("#today-top").value;
  showError(err, null);
  for (const id of ["#today-kpis", "#today-facts", "#today-chart", "#today-table", "#today-download"]) $(id).innerHTML = "";
  busy($("#today-kpis"), "Computing every partner's effective rate (the first time for a date takes a few seconds)…");
  let r;
  try { r = await api(`/api/us-rates?${new URLSearchParams(date ? { date } : {})}`); }
  catch (e) { if (seq === todaySeq) { $("#today-kpis").innerHTML = ""; showError(err, e); } return; }
  if (seq !== todaySeq) return;  // a newer request (another date) is on its way
  if (!date) $("#today-date").value = r.date;
  kpis($("#today-kpis"), [
    [`United States, all partners: effective tariff rate on ${r.date}`, pct(r.us.etr, 1), "today-us"],
    ["of which above MFN", pct(r.us.etr_additional, 1)],
    ["Duty per year at these rates", usd(r.us.duty_usd_per_year)],
    ["Imports (weights)", usd(r.us.imports_usd)],
  ]);
  $("#today-facts").innerHTML = [["View", r.view], ["Weights", r.weights], ["Data", r.data_date], ["Source", r.source_line]]
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join("");
  const big = r.partners.slice().sort((a, b) => b.imports_usd - a.imports_usd).slice(0, top);
  TSChart.bars($("#today-chart"), {
    title: `Effective tariff rate on ${r.date}: the US overall and its ${top} largest suppliers`, name: `us_tariff_rates_${r.date}`,
    unit: "pct", valueFormat: (v) => pct(v, 1), source: r.source_line, dataDate: `${r.data_date}; statutory view; weights ${r.weights}`,
    items: [{ label: "United States, all partners", value: r.us.etr, color: "#1b1f24" },
      ...big.map((p) => ({ label: `${p.name || p.partner} (${p.partner})`, value: p.etr, hover: `${p.name} (${p.partner}): ${usd(p.imports_usd)} of imports` }))],
  });
  const csv = `/api/us-rates?${new URLSearchParams({ date: r.date, format: "csv" })}`;
  $("#today-download").innerHTML = `Download: <a href="${csv}" id="today-csv" download>every partner's rate on ${esc(r.date)} (CSV)</a> · <a href="/api/us-rates?${new URLSearchParams({ date: r.date })}">JSON</a>`;
  table($("#today-table"), {
    title: `Every partner on ${r.date} (${r.partners.length})`, name: `us_tariff_rates_${r.date}`, limit: 60,
    rows: r.partners.slice().sort((a, b) => b.imports_usd - a.imports_usd),
    cols: [{ key: "name", label: "Partner" }, { key: "partner", label: "Code" }, { key: "imports_usd", label: "Imports", num: true, fmt: usd },
      { key: "import_share", label: "Share of US imports", num: true, fmt: (v) => pct(v, 1) }, { key: "etr", label: "Effective rate", num: true, fmt: (v) => pct(v, 1) },
      { key: "etr_additional", label: "Above MFN", num: true, fmt: (v) => pct(v, 1) }, { key: "duty_usd_per_year", label: "Duty / year", num: true, fmt: usd }],
  });
}

// ---------- page: batch pricing (brokers) ----------
const BATCH_TEMPLATE = "hts10,origin,date,value\n8703.23.01.90,JP,2025-10-01,30000\n7318.15.20.65,JP,2025-10-01,1200\n";
async function doBatch(ev) {
  if (ev) ev.preventDefault();
  const err = $("#batch-error"), f = $("#batch-file").files[0], asOf = $("#batch-asof").value;
  showError(err, null);
  for (const id of ["#batch-summary", "#batch-downloads", "#batch-bad", "#batch-table"]) $(id).innerHTML = "";
  if (!f) { showError(err, "file: choose a CSV file to price"); return; }
  const form = () => { const fd = new FormData(); fd.append("file", f, f.name); return fd; };
  const url = (fmt) => `/api/rate/batch?${new URLSearchParams({ ...(asOf ? { as_of: asOf } : {}), format: fmt })}`;
  busy($("#batch-summary"), `Pricing ${f.name}…`);
  let r;
  try { r = await api(url("json"), { method: "POST", body: form() }); }
  catch (e) { $("#batch-summary").innerHTML = ""; showError(err, e); return; }
  kpis($("#batch-summary"), [["Rows priced", String(r.priced), "batch-priced"], ["Rows not priced", String(r.failed), "batch-failed"],
    ["Duty on priced rows", usd(r.rows.reduce((a, x) => a + (x.status === "ok" && x.duty_usd ? x.duty_usd : 0), 0))]]);
  const stem = f.name.replace(/\.csv$/i, "");
  const bad = r.rows.filter((x) => x.status !== "ok").map((x) => ({ row: x.row, hts10: x.hts10, origin: x.origin, date: x.date, reason: String(x.status || "").replace(/^error: /, "") }));
  const dl = $("#batch-downloads");
  dl.innerHTML = "";
  const btn = (text, id, fn) => { const b = document.createElement("button"); b.type = "button"; b.className = "secondary small"; b.id = id; b.textContent = text; b.addEventListener("click", fn); dl.appendChild(b); dl.append(" "); };
  btn("Download priced CSV", "batch-priced-csv", async () => {
    const res = await fetch(url("csv"), { method: "POST", body: form() });
    if (!res.ok) { showError(err, `download failed (${res.status})`); return; }
    TSChart.save(await res.blob(), `${stem}_priced.csv`);
  });
  const badCols = [{ key: "row", label: "Row" }, { key: "hts10", label: "HTS" }, { key: "origin", label: "Origin" }, { key: "date", label: "Date" }, { key: "reason", label: "Why not priced" }];
  if (bad.length) btn("Download bad-row report (CSV)", "batch-bad-csv", () => TSChart.save(new Blob([toCSV(badCols, bad)], { type: "text/csv" }), `${stem}_bad_rows.csv`));
  if (bad.length) table($("#batch-bad"), { title: `Rows not priced (${bad.length})`, name: `${stem}_bad_rows`, rows: bad, cols: badCols, limit: 100 });
  const rateCols = Object.keys(r.rows[0] || {}).filter((k) => k.startsWith("rate_") && r.rows.some((x) => x[k]));
  table($("#batch-table"), {
    title: `Priced rows (first 100 of ${r.rows.length}; the CSV has all)`, name: `${stem}_priced_preview`, rows: r.rows, limit: 100,
    rowClass: (x) => (x.status === "ok" ? "" : "not-applied"),
    cols: [{ key: "row", label: "Row" }, { key: "hts10", label: "HTS" }, { key: "origin", label: "Origin" }, { key: "date", label: "Date" },
      { key: "value", label: "Value", num: true, fmt: num }, { key: "total_rate", label: "Total rate", num: true, fmt: pct },
      ...rateCols.map((k) => ({ key: k, label: k.replace(/^rate_/, "").replace(/_/g, " ").toUpperCase(), num: true, fmt: pct })),
      { key: "duty_usd", label: "Duty", num: true, fmt: usd }, { key: "status", label: "Status" }],
  });
}

// ---------- page: rate lookup ----------
function setupSearch() {
  const input = $("#lookup-hts"), list = $("#lookup-suggest");
  let timer = null, items = [], active = -1;
  const close = () => { list.hidden = true; input.setAttribute("aria-expanded", "false"); active = -1; };
  const choose = (i) => { if (items[i]) { input.value = dotted(items[i].hts10) || items[i].hts; close(); } };
  const render = () => {
    list.innerHTML = items.map((it, i) => `<li role="option" id="sug-${i}" aria-selected="${i === active}"><code>${esc(dotted(it.hts10) || it.hts)}</code>${esc(it.description || "")}</li>`).join("");
    list.hidden = !items.length; input.setAttribute("aria-expanded", String(!!items.length));
    if (active >= 0) input.setAttribute("aria-activedescendant", `sug-${active}`);
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < 2) { close(); return; }
    timer = setTimeout(async () => {
      try { items = await api(`/api/search?q=${encodeURIComponent(q)}&limit=15`); } catch (_) { items = []; }
      active = -1; render();
    }, 180);
  });
  input.addEventListener("keydown", (e) => {
    if (list.hidden) return;
    if (e.key === "ArrowDown") { active = Math.min(items.length - 1, active + 1); render(); e.preventDefault(); }
    else if (e.key === "ArrowUp") { active = Math.max(0, active - 1); render(); e.preventDefault(); }
    else if (e.key === "Enter" && active >= 0) { choose(active); e.preventDefault(); }
    else if (e.key === "Escape") close();
  });
  list.addEventListener("mousedown", (e) => { const li = e.target.closest("li"); if (li) { choose(+li.id.slice(4)); e.preventDefault(); } });
  input.addEventListener("blur", () => setTimeout(close, 150));
}

async function doLookup(ev) {
  if (ev) ev.preventDefault();
  const hts = $("#lookup-hts").value.trim(), origin = $("#lookup-origin").value, date = $("#lookup-date").value;
  const value = $("#lookup-value").value;
  const err = $("#lookup-error"), out = $("#lookup-result");
  showError(err, null);
  if (!hts) { showError(err, "hts: type an HTS code or words and pick a product"); return; }
  let code = hts;
  if (!/^[\d.\s]+$/.test(hts)) {  // words: take the best search hit
    const hits = await api(`/api/search?q=${encodeURIComponent(hts)}&limit=1`).catch(() => []);
    if (!hits.length) { showError(err, `hts: no product matches “${hts}”`); return; }
    code = hits[0].hts10; $("#lookup-hts").value = dotted(code);
  }
  busy(out, "Looking up…");
  const q = new URLSearchParams({ hts: code, origin, date });
  if (value) q.set("value", value);
  history.replaceState(null, "", `#lookup?${q}`);
  let r;
  $("#lookup-suggest").hidden = true;
  try { r = await api(`/api/rate?${q}`); } catch (e) { out.innerHTML = ""; showError(err, e); return; }
  r.hts = dotted(r.hts10);
  out.innerHTML = `
    <div class="result-head">
      <div><div class="total" id="lookup-total">${pct(r.total_rate)}</div><div class="note">total duty rate</div></div>
      ${r.duty_usd !== null ? `<div><div class="total">${usd(r.duty_usd)}</div><div class="note">duty on the value given</div></div>` : ""}
      ${r.refundable_rate ? `<div><div class="total" style="color:#8d6a37">${pct(r.refundable_rate)}</div><div class="note">refundable (IEEPA)</div></div>` : ""}
      <div><strong>${esc(r.hts)}</strong> from <strong>${esc(r.origin)}</strong>, entered ${esc(r.date)}<br><span class="note">${esc((r.description || "").slice(0, 220))}</span></div>
    </div>
    <div id="lookup-components"></div>
    <p class="note">API: <a href="/api/rate?${esc(q)}">/api/rate?${esc(q)}</a> (the JSON of <code>tariffscope rate --format json</code>)</p>
    <div id="lookup-timeline"><p class="busy">Loading the rate timeline…</p></div>
    <div id="lookup-timeline-table"></div>`;
  table($("#lookup-components"), {
    title: "Components", name: `rate_${r.hts10}_${r.origin}_${r.date}`, rows: r.components,
    rowClass: (c) => (c.applied ? "applied" : "not-applied"),
    cols: [
      { key: "measure", label: "Measure" }, { key: "heading", label: "Heading" },
      { key: "rate", label: "Rate owed", num: true, fmt: pct },
      { key: "basis", label: "Basis" }, { key: "applied", label: "Applied", fmt: (v) => (v ? "yes" : "no") },
      { key: "reason", label: "Why" }, { key: "citation", label: "Citation" },
    ],
  });
  try {
    const tl = await api(`/api/timeline?${new URLSearchParams({ hts: code, origin, from: "2025-01-01", to: "2026-12-31" })}`);
    const pts = tl.map((row) => [row.date, row.total_rate]);
    TSChart.line($("#lookup-timeline"), {
      title: `Total duty on ${r.hts} from ${r.origin}, 2025–26`, name: `timeline_${r.hts10}_${r.origin}`, step: true, xMax: "2026-12-31",
      series: [{ name: `${r.hts} from ${r.origin}`, points: pts }], unit: "pct", dataDate: `duty on each entry date, 2025–26; measures recorded to ${SOURCES.catalogue_recorded_to || "?"}`,
      annotations: tl.slice(1).map((row) => ({ date: row.date, label: `${pct(row.total_rate, 1)}: ${row.what_changed}` })),
    });
    table($("#lookup-timeline-table"), {
      title: "Rate timeline", name: `timeline_${r.hts10}_${r.origin}`, rows: tl,
      cols: [{ key: "date", label: "From" }, { key: "total_rate", label: "Total", num: true, fmt: pct },
        { key: "change", label: "Change", num: true, fmt: (v) => (v === null ? "" : (v > 0 ? "+" : "") + pct(v)) },
        { key: "what_changed", label: "What changed" }, { key: "components", label: "Components" }],
    });
  } catch (e) { showError($("#lookup-timeline"), e); }
}

// ---------- page: partner dashboard ----------
let dashSeq = 0;
async function doDashboard(ev) {
  if (ev) ev.preventDefault();
  const seq = ++dashSeq, stale = () => seq !== dashSeq;  // an answer for an earlier partner is dropped
  const partner = $("#dash-partner").value, start = $("#dash-start").value, end = $("#dash-end").value;
  const date = $("#dash-date").value, view = $("#dash-view").value;
  const compare = $("#dash-compare").value.split(",").map((s) => s.trim()).filter(Boolean);
  const partners = [partner, ...compare.filter((c) => c.toUpperCase() !== partner)];
  const err = $("#dash-error");
  showError(err, null);
  // never leave the previous partner's figures under the new partner's name
  for (const id of ["#dash-kpis", "#dash-events", "#dash-sectors", "#dash-authorities", "#dash-top", "#dash-refunds"]) $(id).innerHTML = "";
  busy($("#dash-kpis"), `Computing ${partner}'s exposure on ${date}…`);
  busy($("#dash-etr"), "Computing effective tariff rates (first time for a partner takes a few seconds)…");
  const etrQ = new URLSearchParams({ partners: partners.join(","), start, end, view });
  $("#dash-downloads").innerHTML = `ETR series: <a href="/api/etr?${etrQ}&format=csv">CSV</a> · <a href="/api/etr?${etrQ}">JSON</a> ·
    Country rates on ${esc(date)}: <a href="/api/downloads/country-rates?date=${esc(date)}&format=csv">CSV</a> · <a href="/api/downloads/country-rates?date=${esc(date)}&format=json">JSON</a> ·
    Country × sector rates: <a href="/api/downloads/country-sector-rates?date=${esc(date)}&partners=${esc(partners.join(","))}&format=csv">CSV</a> · <a href="/api/downloads/country-sector-rates?date=${esc(date)}&partners=${esc(partners.join(","))}&format=json">JSON</a>`;
  const etrP = api(`/api/etr?${etrQ}`);
  const evP = api(`/api/events?${new URLSearchParams({ partner, start, end })}`).catch(() => []);
  const expP = api(`/api/exposure?${new URLSearchParams({ partner, date, view })}`);
  try {
    const [rows, events] = await Promise.all([etrP, evP]);
    if (stale()) return;
    const byP = {};
    for (const r of rows) (byP[r.partner] = byP[r.partner] || []).push([r.date, r.etr]);
    TSChart.line($("#dash-etr"), {
      title: `Effective tariff rate: ${partners.join(", ")} (${view})`, name: `etr_${partners.join("_")}`, step: true, xMax: end,
      series: partners.filter((p) => byP[p]).map((p) => ({ name: countryName(p), points: byP[p] })), unit: "pct",
      dataDate: `${view} view, ${start} to ${end}; ${SOURCES.weights_years ? SOURCES.weights_years.join("-") : ""} import weights (${SOURCES.weights_grain || "grain unknown"}); measures recorded to ${SOURCES.catalogue_recorded_to || "?"}`,
      annotations: events.map((e) => ({ date: e.date, label: `${e.heading || e.rule} ${e.event} ${pct(e.new_rate)} (${e.cite})` })),
    });
    table($("#dash-events"), {
      title: `Measures that changed for ${partner}`, name: `events_${partner}`, rows: events,
      cols: [{ key: "date", label: "Date" }, { key: "heading", label: "Heading" }, { key: "rule", label: "Rule" },
        { key: "event", label: "Event" }, { key: "old_rate", label: "Before", num: true, fmt: pct }, { key: "new_rate", label: "After", num: true, fmt: pct },
        { key: "cite", label: "Citation" }],
    });
  } catch (e) { if (stale()) return; $("#dash-etr").innerHTML = ""; showError(err, e); }
  try {
    const x = await expP;
    if (stale()) return;
    kpis($("#dash-kpis"), [
      [`ETR on ${date}`, pct(x.etr), "kpi-etr"], ["of which above MFN", pct(x.etr_additional)],
      ["Duty per year", usd(x.duty_usd_per_year)], ["Duty per hour", usd(x.duty_usd_per_hour), "kpi-hour"],
      ["Imports (weights)", usd(x.imports_usd)], ["Weights", x.weights_grain || ""],
    ]);
    const comp = (x.composition || []).slice().sort((a, b) => (b.duty_usd_per_year || 0) - (a.duty_usd_per_year || 0)).slice(0, 15);
    TSChart.bars($("#dash-sectors"), {
      title: `${partner}: ETR by sector on ${date}`, name: `sectors_${partner}_${date}`,
      items: comp.map((c) => ({ label: c.sector_name || c.sector || "?", value: c.etr })), valueFormat: (v) => pct(v, 1), unit: "pct",
      dataDate: `rates on ${date} (${view}); weights grain ${x.weights_grain || "?"}; the 15 sectors paying the most duty`,
    });
    table($("#dash-authorities"), {
      title: "By authority", name: `authorities_${partner}_${date}`, rows: x.authorities || [],
      cols: Object.keys((x.authorities || [{}])[0] || {}).map((k) => ({ key: k, num: k !== "authority" && k !== "label", fmt: k.includes("usd") ? usd : k === "authority" || k === "label" ? undefined : pct })),
    });
    table($("#dash-top"), {
      title: "Top products by duty", name: `top_products_${partner}_${date}`, rows: x.top_products || [],
      cols: [{ key: "hts", label: "HTS", fmt: (v, row) => dotted(row.hts10) || v }, { key: "description", label: "Description", fmt: (v) => (v || "").slice(0, 90) },
        { key: "imports_usd", label: "Imports", num: true, fmt: usd }, { key: "total_rate", label: "Rate", num: true, fmt: pct },
        { key: "duty_usd_per_year", label: "Duty / year", num: true, fmt: usd }],
    });
  } catch (e) { if (stale()) return; $("#dash-kpis").innerHTML = ""; showError(err, e); }
  try {
    busy($("#dash-refunds"), "Computing refund exposure…");
    const rf = await api(`/api/refunds?${new URLSearchParams({ partner })}`);
    if (stale()) return;
    const rows = Array.isArray(rf) ? rf : rf.rows || rf.by_partner || [rf];
    table($("#dash-refunds"), { title: "Refund exposure (IEEPA duties, Learning Resources v. Trump)", name: `refunds_${partner}`, rows,
      cols: Object.keys(rows[0] || {}).filter((k) => typeof rows[0][k] !== "object").map((k) => ({ key: k, num: typeof rows[0][k] === "number", fmt: k.includes("usd") ? usd : k.includes("rate") || k.startsWith("etr") ? pct : undefined })) });
  } catch (e) { if (stale()) return; $("#dash-refunds").innerHTML = `<h3>Refund exposure</h3><p class="note">${esc(e.message)}</p>`; }
}

// ---------- page: scenario lab ----------
let labTimer = null, labSeq = 0;
const labTouched = new Set();  // levers the user moved: only those are sent (the others stay at the law)
function labChanged(ev) {
  if (ev && ev.target && ev.target.type === "range") labTouched.add(ev.target.id);
  const named = !!$("#lab-scenario").value;  // a named scenario brings its own levers and date
  for (const id of ["#lab-recip", "#lab-auto", "#lab-from", "#lab-date"]) $(id).disabled = named;
  for (const k of ["recip", "auto"]) { const v = `${$(`#lab-${k}`).value}%`; $(`#lab-${k}-out`).textContent = v; $(`#lab-${k}`).setAttribute("aria-valuetext", v); }
  clearTimeout(labTimer);
  labTimer = setTimeout(runLab, 250);
}
async function runLab(ev) {
  if (ev) ev.preventDefault();
  const seq = ++labSeq;
  const body = {
    partner: $("#lab-partner").value,
    reciprocal_rate: labTouched.has("lab-recip") || !labTouched.has("lab-auto") ? +$("#lab-recip").value / 100 : null,
    auto_rate: labTouched.has("lab-auto") ? +$("#lab-auto").value / 100 : null,
    effective: $("#lab-from").value, scenario: $("#lab-scenario").value || null,
  };
  // a named scenario is evaluated on its own date (the API's default); levers on the form's date
  if (!body.scenario) body.date = $("#lab-date").value;
  const err = $("#lab-error");
  showError(err, null);
  $("#lab-kpis").classList.add("busy");
  $("#lab-status").textContent = "Solving… (the first run for a partner and date resolves current-law rates of every market it sells in, which can take a few minutes for a large partner)";
  let r;
  try { r = await api("/api/lab", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }); }
  catch (e) { if (seq === labSeq) { showError(err, e); $("#lab-kpis").classList.remove("busy"); $("#lab-status").textContent = ""; } return; }
  if (seq !== labSeq) return;  // a newer request is on its way
  $("#lab-kpis").classList.remove("busy");
  $("#lab-status").textContent = `${r.scenario === "levers" ? "Levers" : "Scenario " + r.scenario} vs current law on ${r.date}: ${r.markets_moved} HTS10 markets move; ${r.model}.`;
  const t = r.totals, p = r.partner;
  kpis($("#lab-kpis"), [
    [`${p} exports to the US, change`, usd(r.partner_exports_change_usd), "lab-exports"],
    [`${p} ETR: current law → lever`, `${pct(r.etr_before, 1)} → ${pct(r.etr_after, 1)}`, "lab-etr"],
    ["Diversion to other partners", usd(r.diversion_to_others_usd), "lab-diversion"],
    ["US import prices (avg, partner goods)", pct(r.us_price_change_partner, 2)],
    ["US tariff revenue, change", usd(t.tariff_revenue_change_usd), "lab-revenue"],
    ["US consumer cost", usd(t.us_consumer_cost_usd)],
    ["US welfare, change", usd(t.us_welfare_change_usd), "lab-welfare"],
    ["World welfare, change", usd(t.welfare_change_usd)],
  ]);
  const bp = r.by_partner.slice().sort((a, b) => Math.abs(b.exports_change_usd) - Math.abs(a.exports_change_usd)).slice(0, 12);
  TSChart.bars($("#lab-partners"), {
    title: "Change in exports to the US, by partner", name: `lab_partners_${p}`,
    items: bp.map((b) => ({ label: countryName(b.partner), value: b.exports_change_usd })), valueFormat: usd, unit: "usd",
    dataDate: `${r.scenario === "levers" ? "levers" : r.scenario} vs current law on ${r.date}; ${r.weights}`,
  });
  TSChart.bars($("#lab-sectors"), {
    title: `${p}: change in exports by sector`, name: `lab_sectors_${p}`,
    items: (r.by_sector || []).slice(0, 12).map((s) => ({ label: s.sector_name || s.sector || "unassigned", value: s.exports_change_usd })), valueFormat: usd, unit: "usd",
    dataDate: `${r.scenario === "levers" ? "levers" : r.scenario} vs current law on ${r.date}; ${r.weights}`,
  });
  table($("#lab-table"), {
    title: "By partner", name: `lab_by_partner_${p}`, limit: 25,
    rows: r.by_partner.slice().sort((a, b) => Math.abs(b.exports_change_usd) - Math.abs(a.exports_change_usd)),
    cols: [{ key: "partner", label: "Partner" }, { key: "imports_usd", label: "Imports before", num: true, fmt: usd },
      { key: "exports_change_usd", label: "Change", num: true, fmt: usd }, { key: "exports_change_pct", label: "Change %", num: true, fmt: pct },
      { key: "tariff_revenue_change_usd", label: "Tariff revenue change", num: true, fmt: usd }, { key: "welfare_change_usd", label: "Welfare change", num: true, fmt: usd }],
  });
}
function labPrompt() {
  $("#lab-kpis").innerHTML = `<p class="prompt" id="lab-prompt">Pick a partner, then move a lever (its reciprocal or vehicle rate) or choose a named scenario: the effects against current law appear here.</p>`;
}
async function loadScenarios() {
  try {
    const list = await api("/api/scenarios");
    $("#lab-scenario").innerHTML += list.map((s) => `<option value="${esc(s.id || s.name)}">${esc(s.title || s.name || s.id)}</option>`).join("");
  } catch (_) { /* scenarios not installed: levers only */ }
}

// ---------- page: packages ----------
const FIELD_LABELS = {
  package: "Package", side: "Market", partner: "Partner", illustrative: "Illustrative", scenario: "US scenario",
  against: "Compared with", date: "Date", etr: "Partner ETR (scenario)", etr_against: "Partner ETR (alternative)",
  partner_exports_change_usd: "Partner exports to the US, change", us_exports_change_usd: "US exports to the partner, change",
  tariff_revenue_change_usd: "Tariff revenue, change", consumer_surplus_change_usd: "Consumer surplus, change",
  welfare_change_usd: "Welfare, change", partner_world_price_change: "Partner world price, change",
  partner_surplus_change_usd_per_hour: "Partner producer surplus, change per hour",
  third_markets_welfare_change_usd: "Third markets' welfare, change",
};
function fieldLabel(k) {
  if (FIELD_LABELS[k]) return FIELD_LABELS[k];
  const t = k.replace(/_usd_per_hour$/, " (USD per hour)").replace(/_usd$/, " (USD)").replace(/_pct$/, " (%)").replace(/_/g, " ");
  return t.charAt(0).toUpperCase() + t.slice(1);
}
async function loadPackages() {
  const box = $("#pkg-list");
  try {
    const list = await api("/api/packages");
    box.innerHTML += list.map((p, i) => `<label style="flex-direction:row;gap:.4rem"><input type="checkbox" name="pkg" value="${esc(p.id || p.name)}" ${i < 2 ? "checked" : ""}> ${esc(p.title || p.name || p.id)}</label>`).join("");
  } catch (e) { showError($("#pkg-error"), e); }
}
async function doPackages(ev) {
  if (ev) ev.preventDefault();
  const ids = [...document.querySelectorAll('input[name="pkg"]:checked')].map((i) => i.value);
  const err = $("#pkg-error"), out = $("#pkg-result");
  showError(err, null);
  if (ids.length < 2) { showError(err, "packages: pick two or more packages"); return; }
  busy(out, "Running the packages…");
  try {
    const r = await api(`/api/packages/compare?${new URLSearchParams({ ids: ids.join(",") })}`);
    out.innerHTML = '<div id="pkg-chart"></div><div id="pkg-table"></div>';
    const rows = r.rows || r;
    // the title is in the list above; the numbers need the width
    const keys = [...new Set(rows.flatMap((x) => Object.keys(x)))].filter((k) => k !== "title");
    const cols = keys.map((k) => ({ key: k, label: fieldLabel(k), num: rows.some((x) => typeof x[k] === "number"), fmt: /usd/.test(k) ? usd : /rate|etr|pct|share|price_change/.test(k) ? pct : undefined }));
    table($("#pkg-table"), { title: "Side by side", name: "packages_" + ids.join("_"), rows, cols });
    const metric = cols.find((c) => /welfare/.test(c.key)) || cols.find((c) => c.num);
    if (metric) TSChart.bars($("#pkg-chart"), { title: `${metric.label}, by package and market`, name: "packages_" + metric.key, unit: /usd/.test(metric.key) ? "usd" : undefined,
      dataDate: `each package on its own date (${[...new Set(rows.map((x) => x.date))].join(", ")}); US side: SMART over US imports from the partner`,
      items: rows.map((x) => ({ label: `${x.package || ""}: ${x.side || ""}`, hover: `${x.title || x.package}: ${x.side || ""}`, value: x[metric.key] || 0 })), valueFormat: metric.fmt || num });
  } catch (e) { out.innerHTML = ""; showError(err, e); }
}

// ---------- page: measures ----------
async function doMeasures(ev) {
  if (ev) ev.preventDefault();
  const q = new URLSearchParams();
  for (const [k, id] of [["authority", "#meas-authority"], ["origin", "#meas-origin"], ["on", "#meas-on"]]) if ($(id).value) q.set(k, $(id).value);
  showError($("#meas-error"), null);
  try {
    const rows = await api(`/api/measures?${q}`);
    const t = table($("#meas-table"), {
      title: `Rules (${rows.length})`, name: "measures", rows,
      cols: [{ key: "rule", label: "Rule", html: (r) => `<a href="#measures/${esc(r.rule)}" data-measure="${esc(r.rule)}">${esc(r.rule)}</a>` },
        { key: "heading", label: "Heading" }, { key: "authority", label: "Authority" }, { key: "kind", label: "Kind" },
        { key: "countries", label: "Countries", fmt: (v) => (v || "").slice(0, 60) }, { key: "rate", label: "Rate", num: true, fmt: pct },
        { key: "from", label: "From" }, { key: "until", label: "Until" }, { key: "title", label: "Title" }],
    });
    t.addEventListener("click", (e) => { const a = e.target.closest("a[data-measure]"); if (a) { e.preventDefault(); showMeasure(a.dataset.measure); } });
  } catch (e) { showError($("#meas-error"), e); }
}
async function showMeasure(id) {
  const box = $("#meas-detail");
  try {
    const m = await api(`/api/measures/${encodeURIComponent(id.split("/")[0])}`);
    box.innerHTML = `<h3>${esc(m.id)}: ${esc(m.title)}</h3><p>${esc(m.summary || "")}</p>
      ${m.uncertain ? `<p class="note">Uncertain: ${esc(m.uncertain)}</p>` : ""}
      ${m.refundable ? `<p class="note">Refundable from ${esc(m.refundable.from)}: ${esc(m.refundable.cite)}</p>` : ""}
      <div id="meas-instr"></div>${m.rules.map((r, i) => `<details class="measure" ${r.id === id.split("/")[1] ? "open" : ""}><summary><strong>${esc(r.heading || "")}</strong> ${esc(r.title)}</summary><div id="meas-rule-${i}"></div></details>`).join("")}`;
    table($("#meas-instr"), { title: "Instruments", name: `instruments_${m.id}`, rows: m.instruments,
      cols: [{ key: "id" }, { key: "type" }, { key: "title" }, { key: "signed" }, { key: "fr", label: "FR" }] });
    m.rules.forEach((r, i) => table($(`#meas-rule-${i}`), { name: `steps_${m.id}_${r.id}`, rows: r.steps,
      cols: [{ key: "from" }, { key: "rate", num: true, fmt: (v) => (v === null ? "ends" : pct(v)) }, { key: "cite", label: "Citation" }, { key: "recorded" }, { key: "superseded" }] }));
    box.scrollIntoView({ behavior: "smooth", block: "start" });
  } catch (e) { showError(box, e); }
}
async function loadChanges() {
  try {
    const rows = await api("/api/changes");
    const auth = [...new Set(rows.map((r) => r.authority))].sort();
    $("#meas-authority").innerHTML = '<option value="">all</option>' + auth.map((a) => `<option>${esc(a)}</option>`).join("");
    table($("#meas-changes"), { name: "regime_changes", rows: rows.slice(0, 300),
      caption: rows.length > 300 ? `newest 300 of ${rows.length}; the CSV has all` : "",
      cols: [{ key: "date" }, { key: "heading", label: "Heading" }, { key: "rule", label: "Rule" }, { key: "change" },
        { key: "rate_before", label: "Before", num: true, fmt: pct }, { key: "rate", label: "After", num: true, fmt: pct },
        { key: "countries", fmt: (v) => (v || "").slice(0, 40) }, { key: "cite", label: "Citation" }] });
  } catch (e) { showError($("#meas-error"), e); }
}

// ---------- routing ----------
// A page is a <section id="page-NAME"> with a nav link data-page="NAME"; PAGE_OPEN[NAME] runs the first
// time it is shown (a new view adds its section, its link and, if it loads data, an entry here).
const PAGE_OPEN = {
  today: () => doToday(),
  dashboard: () => doDashboard(),
  packages: () => loadPackages(),
  measures: () => { loadChanges(); doMeasures(); },
};
const loaded = {};
function route() {
  const pages = [...document.querySelectorAll("nav.tabs a[data-page]")].map((a) => a.dataset.page);
  const h = location.hash.slice(1) || pages[0];
  const [page, rest] = [h.split(/[?/]/)[0], h.slice(h.split(/[?/]/)[0].length + 1)];
  const name = pages.includes(page) ? page : pages[0];
  document.querySelectorAll("section.page").forEach((s) => s.classList.toggle("active", s.id === `page-${name}`));
  document.querySelectorAll("nav.tabs a").forEach((a) => (a.dataset.page === name ? a.setAttribute("aria-current", "page") : a.removeAttribute("aria-current")));
  document.title = `${$(`#page-${name} h2`).textContent} · tariffscope`;
  if (name === "lookup" && rest && h.includes("?")) {
    const q = new URLSearchParams(rest);
    if (q.get("hts")) { $("#lookup-hts").value = q.get("hts"); $("#lookup-origin").value = q.get("origin") || "JP"; $("#lookup-date").value = q.get("date") || "2025-10-01"; if (!loaded.lookupRoute) { loaded.lookupRoute = 1; doLookup(); } }
  }
  if (!loaded[name] && rest && h.includes("?")) {  // deep links: #dashboard?partner=JP&start=...
    const q = new URLSearchParams(rest);
    const set = (id, key) => { if (q.get(key) !== null) $(id).value = q.get(key); };
    if (name === "dashboard") { set("#dash-partner", "partner"); set("#dash-compare", "compare"); set("#dash-start", "start"); set("#dash-end", "end"); set("#dash-date", "date"); }
    if (name === "lab") { set("#lab-partner", "partner"); set("#lab-recip", "recip"); set("#lab-auto", "auto"); set("#lab-from", "from"); set("#lab-date", "date");
      $("#lab-recip-out").textContent = `${$("#lab-recip").value}%`; $("#lab-auto-out").textContent = `${$("#lab-auto").value}%`; }
  }
  if (!loaded[name]) {
    loaded[name] = true;
    if (PAGE_OPEN[name]) PAGE_OPEN[name]();
    if (name === "lab") { loadScenarios(); if (!rest) labPrompt(); else runLab(); }
  }
  if (name === "measures" && rest) showMeasure(decodeURIComponent(rest));
}

async function init() {
  $("#lookup-form").addEventListener("submit", doLookup);
  $("#dash-form").addEventListener("submit", doDashboard);
  $("#lab-form").addEventListener("submit", runLab);
  for (const id of ["#lab-recip", "#lab-auto"]) $(id).addEventListener("input", labChanged);
  for (const id of ["#lab-partner", "#lab-from", "#lab-date", "#lab-scenario"]) $(id).addEventListener("change", labChanged);
  $("#pkg-form").addEventListener("submit", doPackages);
  $("#today-form").addEventListener("submit", doToday);
  $("#batch-form").addEventListener("submit", doBatch);
  $("#batch-template").addEventListener("click", (e) => { e.preventDefault(); TSChart.save(new Blob([BATCH_TEMPLATE], { type: "text/csv" }), "batch_template.csv"); });
  $("#meas-form").addEventListener("submit", doMeasures);
  setupSearch();
  try { await Promise.all([loadCountries(), loadSources()]); } catch (e) { showError($("#lookup-error"), e); }
  window.addEventListener("hashchange", route);
  route();
  document.body.dataset.ready = "1";
}
document.addEventListener("DOMContentLoaded", init);
