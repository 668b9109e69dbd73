/* tariffscope workbench: routing between the views (views/*.js) and start-up. Plain JS, no dependencies. */
"use strict";

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
