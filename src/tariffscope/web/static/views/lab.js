/* tariffscope workbench, page: scenario lab. Plain JS; helpers from common.js, loaded first. */
"use strict";

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

