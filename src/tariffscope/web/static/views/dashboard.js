/* tariffscope workbench, page: partner dashboard. Plain JS; helpers from common.js, loaded first. */
"use strict";

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

