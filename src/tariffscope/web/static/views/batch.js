/* tariffscope workbench, page: batch pricing (brokers). Plain JS; helpers from common.js, loaded first. */
"use strict";

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

