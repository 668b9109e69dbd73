/* tariffscope workbench, page: package comparator. Plain JS; helpers from common.js, loaded first. */
"use strict";

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

