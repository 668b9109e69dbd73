/* tariffscope workbench, page: US rates today (journalists). Plain JS; helpers from common.js, loaded first. */
"use strict";

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
    unit: "pct", valueFormat: (v) => pct(v, 1), source: r.source_line, dataDate: `${r.data_date}; ${r.view_id === "statutory" ? "statutory view (a ceiling)" : "owed view"}; weights ${r.weights}`,
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

