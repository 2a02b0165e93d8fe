// The console's Dashboard screen (issue 15): the figures of GET /v1/dashboard
// (docs/API.md) as numbers and bar charts. The charts are inline SVG drawn
// here, sized to their box and drawn again when the window changes size: no
// dependency, no build step. Uses app.js's h(), api(), can() and money(); numbers and
// dates are written in the reader's languages (navigator.languages).
"use strict";

const DASHBOARD = (() => {
  const NS = "http://www.w3.org/2000/svg";
  const WINDOWS = [7, 30, 90, 365];
  const BUCKETS = ["1 min", "5 min", "15 min", "30 min", "1 h", "2 h", "4 h", "8 h", "12 h", "1 d", "2 d", "3 d", "5 d", "7 d", "14 d", "30 d"];
  const redraws = []; // charts of the screen shown: drawn again on resize

  function s(tag, attrs, ...kids) {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) el.setAttribute(k, v);
    for (const k of kids) if (k !== null && k !== undefined) el.append(k instanceof Node ? k : String(k));
    return el;
  }
  // The reader's languages, as the browser gives them, for every number and date shown.
  const L = navigator.languages && navigator.languages.length ? [...navigator.languages] : undefined;
  const num = (n) => new Intl.NumberFormat(L, { maximumFractionDigits: 2 }).format(n);
  function cash(amount, currency) {
    try {
      const f = new Intl.NumberFormat(L, { style: "currency", currency });
      return f.format(amount / 10 ** f.resolvedOptions().maximumFractionDigits);
    } catch { return money(amount, currency); }
  }

  // Seconds as the largest unit that keeps the number readable: "45 sec", "12 min", "3.5 hr", "2.1 days".
  function duration(sec) {
    if (sec === null || sec === undefined) return "—";
    const [v, unit] = sec < 90 ? [sec, "second"] : sec < 5400 ? [sec / 60, "minute"] : sec < 172800 ? [sec / 3600, "hour"] : [sec / 86400, "day"];
    return new Intl.NumberFormat(L, { style: "unit", unit, unitDisplay: "short", maximumFractionDigits: v < 10 ? 1 : 0 }).format(v);
  }
  const dayLabel = (day) => new Date(day + "T00:00:00Z").toLocaleDateString(L, { month: "short", day: "numeric", timeZone: "UTC" });
  const today = () => new Date().toISOString().slice(0, 10);
  const minusDays = (day, n) => new Date(Date.parse(day + "T00:00:00Z") - n * 86400e3).toISOString().slice(0, 10);

  // A column chart of items [{label, value, title}] in box, as wide as the box;
  // labels are thinned out to what fits.
  function columns(box, items, color, fmt = num) {
    const W = Math.max(box.clientWidth || 300, 200), H = 150, top = 16, bottom = 22, pad = 18;
    const max = Math.max(1, ...items.map((i) => i.value));
    const step = (W - 2 * pad) / Math.max(items.length, 1), bw = Math.max(1, step * 0.72);
    const every = Math.max(1, Math.ceil(items.length / Math.floor((W - 2 * pad) / 56)));
    const g = s("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img" });
    g.append(s("line", { x1: 0, x2: W, y1: H - bottom + 0.5, y2: H - bottom + 0.5, class: "axis" }));
    items.forEach((it, i) => {
      const bh = (H - top - bottom) * it.value / max, x = pad + i * step + (step - bw) / 2;
      g.append(s("rect", { x: x.toFixed(1), y: (H - bottom - bh).toFixed(1), width: bw.toFixed(1), height: bh.toFixed(1),
        fill: color, "data-label": it.label, "data-value": it.value }, s("title", {}, `${it.title || it.label}: ${fmt(it.value)}`)));
      if (it.value > 0 && items.length <= 31) g.append(s("text", { x: (x + bw / 2).toFixed(1), y: (H - bottom - bh - 3).toFixed(1), class: "val" }, fmt(it.value)));
      if (i % every === 0) g.append(s("text", { x: (x + bw / 2).toFixed(1), y: H - 6, class: "lbl" }, it.label));
    });
    box.replaceChildren(g);
  }

  // A bar chart of items [{label, value}], one row each, label at the start.
  function rows(box, items, color, fmt = num) {
    const W = Math.max(box.clientWidth || 300, 200), row = 24, lw = Math.min(150, W * 0.4);
    const H = Math.max(row * items.length, row), max = Math.max(1, ...items.map((i) => i.value));
    const g = s("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img" });
    items.forEach((it, i) => {
      const bw = (W - lw - 56) * it.value / max, y = i * row;
      g.append(s("text", { x: lw - 6, y: y + 16, class: "lbl end" }, it.label));
      g.append(s("rect", { x: lw, y: y + 4, width: Math.max(bw, it.value ? 2 : 0).toFixed(1), height: row - 8, fill: color,
        "data-label": it.label, "data-value": it.value }, s("title", {}, `${it.label}: ${fmt(it.value)}`)));
      g.append(s("text", { x: (lw + bw + 6).toFixed(1), y: y + 16, class: "val start" }, fmt(it.value)));
    });
    box.replaceChildren(g);
  }

  // A chart card: title, note, and a box the chart is drawn in (now and on resize).
  function chart(name, title, note, draw) {
    const box = h("div.dash-plot");
    const fig = h("figure.card.dash-chart", { "data-chart": name }, h("figcaption", {}, h("h2", {}, title), note ? h("p.muted", {}, note) : null), box);
    redraws.push(() => draw(box));
    return fig;
  }

  function kpi(name, label, value, sub) {
    return h("div.card.dash-kpi", { "data-kpi": name }, h("span.dash-label", {}, label), h("strong.dash-value", { dir: "auto" }, value),
      sub ? h("span.dash-sub.muted", {}, sub) : null);
  }

  // A quantile estimated from the buckets: "< 1 min" inside the first one (the
  // interpolation would only say "half a minute"), "≈ …" beyond it.
  const oneMinute = () => new Intl.NumberFormat(L, { style: "unit", unit: "minute", unitDisplay: "short" }).format(1);
  const estimate = (sec) => sec <= 60 ? "< " + oneMinute() : "≈ " + duration(sec);

  function timingKpi(name, label, t) {
    return kpi(name, label, t.count ? estimate(t.median_seconds) : "—",
      t.count ? `median · p90 ${estimate(t.p90_seconds)} · ${num(t.count)} ${t.count === 1 ? "case" : "cases"}` : "none in the window");
  }

  function timingItems(t) {
    const items = t.buckets.map((b, i) => ({ label: i < BUCKETS.length ? "≤" + BUCKETS[i] : ">30 d", value: b.count }));
    // from the first to the last bucket that holds something (at least four shown)
    let lo = items.findIndex((i) => i.value > 0), hi = items.length - 1 - [...items].reverse().findIndex((i) => i.value > 0);
    if (lo < 0) { lo = 0; hi = 3; }
    return items.slice(lo, Math.max(hi + 1, lo + 4));
  }

  async function view(el, params) {
    redraws.length = 0;
    const days = WINDOWS.includes(Number(params.get("days"))) ? Number(params.get("days")) : 30;
    const pack = params.get("pack") || "";
    const to = today(), from = minusDays(to, days - 1);
    const form = h("form.filters.dash-filters", { onsubmit: (ev) => {
      ev.preventDefault();
      const q = new URLSearchParams();
      for (const [k, v] of new FormData(form)) if (v) q.set(k, v);
      location.hash = "#/dashboard?" + q;
    } },
    h("label", { for: "dash-days" }, "Window", h("select", { id: "dash-days", name: "days" },
      WINDOWS.map((n) => h("option", { value: n, selected: n === days }, `${n} days`)))),
    h("label", { for: "dash-pack" }, "Pack", h("select", { id: "dash-pack", name: "pack" }, h("option", { value: "" }, "every pack"))),
    h("button", { type: "submit" }, "Show"));
    el.append(h("h1", {}, t("dashboard.title")), form);
    if (!can("read", "agent")) { el.append(h("p.muted", {}, "Your roles do not include reading the figures.")); return; }
    api("GET", "/v1/packs").then((p) => {
      const sel = document.getElementById("dash-pack");
      for (const name of [...new Set((p.packs || []).map((x) => x.name))].sort()) sel.append(h("option", { value: name, selected: name === pack }, name));
    }).catch(() => {});

    const d = (await api("GET", `/v1/dashboard?from=${from}&to=${to}` + (pack ? "&pack=" + encodeURIComponent(pack) : ""))).dashboard;
    el.append(h("p.muted", {}, `${dayLabel(d.from)} – ${dayLabel(d.to)} (UTC days), ${d.pack || "every pack"}. Open cases are counted as they are now.`));

    const kept = d.promises.kept, broken = d.promises.broken;
    const comp = Object.entries(d.compensation.totals).sort();
    el.append(h("div.dash-kpis", { id: "dash-kpis" },
      kpi("complaints", "Complaints", num(d.complaints), "opened in the window"),
      timingKpi("first_response", "First response", d.first_response),
      timingKpi("resolution", "Resolution", d.resolution),
      kpi("csat", "Satisfaction", d.csat.count ? `${num(d.csat.average)} / 5` : "—", `${num(d.csat.count)} ratings`),
      kpi("sla_breaches", "SLA breaches", num(d.sla_breaches)),
      kpi("promises", "Promises kept", kept + broken ? new Intl.NumberFormat(L, { style: "percent" }).format(kept / (kept + broken)) : "—",
        `${num(kept)} kept · ${num(broken)} broken`),
      kpi("open", "Open cases", num(d.open.total), "now"),
      kpi("compensation", "Compensation", comp.length ? comp.map(([c, a]) => cash(a, c)).join(" · ") : "—", "granted in the window")));

    const charts = h("div.dash-charts", { id: "dash-charts" });
    el.append(charts);
    charts.append(chart("complaints", "Complaints per day", null,
      (box) => columns(box, d.days.map((x) => ({ label: dayLabel(x.day), value: x.complaints })), "#1f5fbf")));
    charts.append(chart("first_response", "Time to first response", "Cases per time band, since the complaint was opened.",
      (box) => columns(box, timingItems(d.first_response), "#2f8f83")));
    charts.append(chart("resolution", "Time to resolution", "Cases per time band, since the complaint was opened.",
      (box) => columns(box, timingItems(d.resolution), "#6a4fb3")));
    charts.append(chart("csat", "Satisfaction", "Ratings per score (1–5).",
      (box) => columns(box, [1, 2, 3, 4, 5].map((n) => ({ label: "★ " + n, value: d.csat.scores[n] || 0 })), "#d08a00")));
    charts.append(chart("sla", "SLA breaches and promises", null, (box) => rows(box, [
      { label: "SLA breaches", value: d.sla_breaches }, { label: "promises kept", value: kept }, { label: "promises broken", value: broken }], "#b3261e")));
    const byStatus = Object.entries(d.open.by_status).sort((a, b) => b[1] - a[1]).map(([k, v]) => ({ label: k.replace(/_/g, " "), value: v }));
    charts.append(chart("open_status", "Open cases by status", null,
      (box) => byStatus.length ? rows(box, byStatus, "#1f5fbf") : box.replaceChildren(h("p.muted", {}, "No open case."))));
    const byTier = Object.entries(d.open.by_tier).sort().map(([k, v]) => ({ label: "tier " + k, value: v }));
    charts.append(chart("open_tier", "Open cases by tier", null,
      (box) => byTier.length ? rows(box, byTier, "#a35c00") : box.replaceChildren(h("p.muted", {}, "No open case."))));
    const currencies = comp.length ? comp.map(([c]) => c) : [];
    for (const cur of currencies) {
      charts.append(chart("compensation-" + cur, `Compensation per day (${cur})`, null,
        (box) => columns(box, d.days.map((x) => ({ label: dayLabel(x.day), value: x.compensation[cur] || 0 })), "#1d7a46", (a) => cash(a, cur))));
    }
    if (!currencies.length) charts.append(chart("compensation", "Compensation per day", null, (box) => box.replaceChildren(h("p.muted", {}, "None granted in the window."))));
    for (const draw of redraws) draw();
    if (typeof LEARN !== "undefined") LEARN.dashboardPanel(el, pack); // learn.js: did a cause's complaints fall after its action?
  }

  let pending = 0;
  window.addEventListener("resize", () => {
    clearTimeout(pending);
    pending = setTimeout(() => { for (const draw of redraws) if (document.getElementById("dash-charts")) draw(); }, 100);
  });

  return { screens: { "/dashboard": view } };
})();
