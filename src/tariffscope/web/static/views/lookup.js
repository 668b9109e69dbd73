/* tariffscope workbench, page: rate lookup. Plain JS; helpers from common.js, loaded first. */
"use strict";

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
    <div id="lookup-hints"></div>
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
  const hints = r.claim_hints || [];
  if (hints.length) {
    table($("#lookup-hints"), {
      title: "Claims that would change this duty", name: `claims_${r.hts10}_${r.origin}_${r.date}`, rows: hints,
      caption: "Not declared in this lookup: declare one only if its facts hold (tariffscope rate --claim NAME).",
      cols: [
        { key: "claim", label: "Claim" }, { key: "total_rate", label: "Total with it", num: true, fmt: pct },
        { key: "change", label: "Change", num: true, fmt: (v) => (v > 0 ? "+" : "") + pct(v) },
        { key: "changes", label: "What it moves", fmt: (v) => v.map((c) => `${c.heading || c.measure} ${pct(c.rate)} → ${pct(c.rate_with_claim)}`).join("; ") },
        { key: "rules", label: "Rule it turns on", fmt: (v) => v.map((x) => `${x.heading || ""} ${x.measure} (${x.citation})`.trim()).join("; ") },
        { key: "condition", label: "To prove" },
      ],
    });
  } else {
    $("#lookup-hints").innerHTML = `<p class="note">No claim the entry could declare would change this duty.</p>`;
  }
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

