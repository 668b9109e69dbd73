/* tariffscope workbench, page: measures and regime changes. Plain JS; helpers from common.js, loaded first. */
"use strict";

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

