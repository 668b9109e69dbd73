// Economic-security view: fetches /api/security and draws the summary, a share chart and the tables.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const pct = (x, d = 1) => (x === null || x === undefined ? "—" : (100 * x).toFixed(d).replace(/\.0+$/, "") + "%");
  const usd = (x) => {
    if (x === null || x === undefined) return "—";
    const a = Math.abs(x);
    for (const [div, s] of [[1e12, "T"], [1e9, "B"], [1e6, "M"], [1e3, "k"]]) if (a >= div) return "$" + (x / div).toFixed(2) + s;
    return "$" + x.toFixed(2);
  };
  const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
  const last = (d) => (d || "").split(": ").slice(-1)[0];
  const SVG = "http://www.w3.org/2000/svg";

  function bars(products, partner) {
    const rows = products.slice(0, 15), h = 22, left = 240, width = 760;
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "bars");
    svg.setAttribute("viewBox", `0 0 ${width} ${rows.length * h + 30}`);
    svg.setAttribute("width", width);
    svg.setAttribute("height", rows.length * h + 30);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", `${partner}'s share of US imports by product`);
    const x = (v) => left + v * (width - left - 60);
    rows.forEach((p, i) => {
      const y = i * h + 4;
      const t = document.createElementNS(SVG, "text");
      t.setAttribute("x", left - 6); t.setAttribute("y", y + 14); t.setAttribute("text-anchor", "end");
      t.textContent = `${p.code} ${last(p.description).slice(0, 22)}`;
      svg.appendChild(t);
      const r = document.createElementNS(SVG, "rect");
      r.setAttribute("x", left); r.setAttribute("y", y); r.setAttribute("height", h - 6);
      r.setAttribute("width", Math.max(1, x(p.partner_share_of_us_imports) - left));
      r.setAttribute("class", p.critical ? "crit" : "share");
      r.setAttribute("data-code", p.code);
      svg.appendChild(r);
      const v = document.createElementNS(SVG, "text");
      v.setAttribute("x", x(p.partner_share_of_us_imports) + 4); v.setAttribute("y", y + 14);
      v.textContent = `${pct(p.partner_share_of_us_imports)} · HHI ${p.supplier_hhi.toFixed(2)}`;
      svg.appendChild(v);
    });
    const l = document.createElementNS(SVG, "line");
    l.setAttribute("class", "half"); l.setAttribute("x1", x(0.5)); l.setAttribute("x2", x(0.5));
    l.setAttribute("y1", 0); l.setAttribute("y2", rows.length * h + 4);
    svg.appendChild(l);
    const lt = document.createElementNS(SVG, "text");
    lt.setAttribute("x", x(0.5) + 3); lt.setAttribute("y", rows.length * h + 22);
    lt.textContent = "half of US imports (orange: critical)";
    svg.appendChild(lt);
    return svg;
  }

  function render(r) {
    const s = r.summary, d = r.partner_dependence, u = d.us_share_of_partner_exports;
    const prod = r.products.map((p) => `<tr><td>${esc(p.code)}</td><td title="${esc(p.description)}">${esc(last(p.description))}</td>
      <td class="num">${usd(p.us_imports_from_partner_usd)}</td><td class="num">${pct(p.partner_share_of_us_imports)}</td>
      <td class="num">${p.supplier_hhi.toFixed(3)}</td>
      <td>${p.top_alternatives.map((a) => `${esc(a.partner)} ${pct(a.share, 0)}`).join(", ")}</td>
      <td>${p.critical_share ? esc(p.critical_lists.join(", ")) + (p.critical_share < 1 ? ` (${pct(p.critical_share, 0)} of value)` : "") : ""}</td><td class="num">${pct(p.tariff_rate)}</td>
      <td class="src">${esc(p.grain)}</td></tr>`).join("");
    const sectors = d.sectors.map((x) => `<li>${esc(x.sector)}: ${x.exports_to_us.toLocaleString()} ${esc(x.unit)} to the US
      (${pct(x.share_of_exports_to_us)} of its US exports, ${pct(x.share_of_all_exports)} of all exports, ${x.year});
      US side ETR ${pct(x.us_side && x.us_side.etr)}, ${usd(x.us_side && x.us_side.duty_usd_per_hour)}/hour
      <span class="src">${esc(x.source)}</span></li>`).join("");
    const cards = r.leverage.map((c) => `<tr><td>${esc(c.side)}</td><td>${esc(c.card)}</td>
      <td class="num">${c.value === null ? "—" : c.unit === "share of import value" ? pct(c.value) : Number(c.value).toLocaleString()}</td>
      <td>${esc(c.unit)}</td><td>${esc(c.as_of)}</td><td class="src">${esc(c.source)}${c.note ? " — " + esc(c.note) : ""}</td></tr>`).join("");
    const out = $("sec-out");
    out.innerHTML = `
      <p class="grain" id="sec-grain"><strong>Grain: ${esc(r.level)}</strong> (asked ${esc(r.level_requested)}); weights
        ${esc(r.weights_grain)}, data year ${esc((r.data_year || []).join(", "))}. ${esc(r.grain_note)}
        Rates: ${esc(r.view)} view (${esc(r.view_label)}).</p>
      <p id="sec-summary">${esc(r.partner)} supplies <strong>${pct(s.partner_share_of_all_us_imports)}</strong> of US imports;
        ${s.products_partner_share_over_half} of ${s.products} products over half; ${s.critical_products} critical
        (${usd(s.critical_us_imports_from_partner_usd)} on critical lines).</p>
      <h3>US dependence on ${esc(r.partner)}</h3><div id="sec-chart"></div>
      <table class="sec" id="sec-products"><thead><tr><th>code</th><th>product</th><th class="num">imports from partner</th>
        <th class="num">share</th><th class="num">HHI</th><th>next suppliers</th><th>critical</th><th class="num">tariff</th><th>grain</th></tr></thead>
        <tbody>${prod}</tbody></table>
      <h3>${esc(r.partner)}'s dependence on the US</h3>
      <p id="sec-dependence">US share of its exports: <strong>${pct(u.value)}</strong> (${esc(u.year)}) <span class="src">${esc(u.source)}</span><br>
        Duty on its goods: ${usd(d.duty_usd_per_hour)} per hour at ETR ${pct(d.etr)} (weights ${esc(d.weights_grain)})</p>
      <ul>${sectors}</ul>
      <h3>Leverage cards</h3>
      <table class="sec" id="sec-cards"><thead><tr><th>side</th><th>card</th><th class="num">value</th><th>unit</th><th>as of</th><th>source</th></tr></thead>
        <tbody>${cards}</tbody></table>`;
    $("sec-chart").appendChild(bars(r.products, r.partner));
  }

  async function load(ev) {
    if (ev) ev.preventDefault();
    const q = new URLSearchParams({ partner: $("sec-partner").value.trim(), date: $("sec-date").value,
      level: $("sec-level").value, critical_only: $("sec-critical").checked ? "true" : "false" });
    $("sec-error").textContent = "";
    $("sec-out").setAttribute("aria-busy", "true");
    $("sec-json").href = "/api/security?" + q.toString();
    try {
      const resp = await fetch("/api/security?" + q.toString());
      const body = await resp.json();
      if (!resp.ok) { $("sec-error").textContent = body.detail || "request failed"; $("sec-out").innerHTML = ""; return; }
      render(body);
      document.body.dataset.ready = "1";
    } catch (e) {
      $("sec-error").textContent = "the server did not answer: " + e;
    } finally {
      $("sec-out").removeAttribute("aria-busy");
    }
  }

  const params = new URLSearchParams(location.search);
  for (const [k, id] of [["partner", "sec-partner"], ["date", "sec-date"], ["level", "sec-level"]]) if (params.get(k)) $(id).value = params.get(k);
  $("sec-form").addEventListener("submit", load);
  load();
})();
