// The redress operator console: plain JavaScript, no build step, no
// dependency. Every datum comes from the HTTP API (docs/API.md) with the
// session cookie; writes carry X-Redress-CSRF. The page hides what the
// roles cannot do, and the server refuses it anyway.
"use strict";

const RTL = new Set(["fa", "ar", "he", "ur", "ps", "ckb", "yi", "dv"]);
const S = { roles: [], csrf: "" };

// h("p.note", {dir: "auto"}, "text", child…): an element; text is always text.
function h(spec, attrs, ...kids) {
  const [tag, ...cls] = spec.split(".");
  const el = document.createElement(tag);
  if (cls.length) el.className = cls.join(" ");
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const k of kids.flat()) if (k !== null && k !== undefined && k !== false) el.append(k instanceof Node ? k : String(k));
  return el;
}

function can(...roles) { return S.roles.includes("admin") || roles.some((r) => S.roles.includes(r)); }
const canRead = () => can("read", "agent");
const canEvent = () => can("agent", "approver");
const canApprove = () => can("approver");

async function api(method, path, body) {
  const headers = {};
  if (method !== "GET") { headers["X-Redress-CSRF"] = S.csrf; headers["Content-Type"] = "application/json"; }
  const r = await fetch(path, { method, headers, credentials: "same-origin", body: body ? JSON.stringify(body) : undefined });
  if (r.status === 401) { location.replace("/console/"); throw new Error("signed out"); }
  const j = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(j.error ? `${j.error.message} (${r.status})` : `HTTP ${r.status}`);
  return j;
}

// Text in the customer's language and direction.
function dirOf(lang) { return RTL.has(String(lang || "").split("-")[0]) ? "rtl" : "auto"; }
function said(text, lang, cls = "said") { return h("p." + cls, { lang: lang || null, dir: dirOf(lang) }, text); }

function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}
function relative(ms) {
  const diff = ms - Date.now(), a = Math.abs(diff);
  const [n, unit] = a < 3600e3 ? [Math.round(diff / 60e3), "minute"] : a < 172800e3 ? [Math.round(diff / 3600e3), "hour"] : [Math.round(diff / 86400e3), "day"];
  return new Intl.RelativeTimeFormat(undefined, { numeric: "auto" }).format(n, unit);
}
function money(amount, currency) {
  try {
    const f = new Intl.NumberFormat(undefined, { style: "currency", currency });
    const digits = f.resolvedOptions().maximumFractionDigits;
    return f.format(amount / 10 ** digits);
  } catch { return `${amount} ${currency}`; }
}
function badge(text, kind) { return h("span.badge" + (kind ? "." + kind : ""), {}, text); }
function section(title, ...kids) { return h("section.card", {}, h("h2", {}, title), ...kids); }
function fail(view, e) { view.append(h("p.error", { role: "alert" }, e.message)); }

function deadlineCell(d, overdue) {
  const out = [];
  for (const o of overdue || []) out.push(badge(o.kind === "sla" ? `SLA ${o.name} breached` : `promise ${o.name} broken`, "bad"));
  if (d) {
    const late = d.due_ms < Date.now();
    out.push(h("span.due" + (late ? ".late" : ""), { title: d.due_at }, relative(d.due_ms)), " ",
      badge(d.kind === "sla" ? `SLA ${d.name}` : d.kind === "promise" ? `promise ${d.name}` : d.name));
  } else if (!out.length) out.push(h("span.muted", {}, "no deadline"));
  return out;
}

// Work queue ---------------------------------------------------------------

const FILTERS = [
  ["status", ["", "received", "acknowledged", "investigating", "awaiting_customer", "reopened", "manual_review", "follow_up", "resolved", "closed", "rejected"]],
  ["channel", ["", "email", "phone", "chat", "social", "web", "in_person", "letter"]],
  ["breached", ["", "true", "false"]],
  ["tier"], ["pack"], ["pack_version"], ["category"], ["language"], ["team"], // pack_version: from the Packs screen
];

async function queueView(view, params) {
  const form = h("form.filters", { onsubmit: (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (v) q.set(k, v);
    location.hash = "#/queue" + (q.toString() ? "?" + q : "");
  } });
  for (const [name, options] of FILTERS) {
    const id = "f-" + name;
    const input = options
      ? h("select", { id, name }, options.map((o) => h("option", { value: o, selected: params.get(name) === o }, o || "any")))
      : h("input", { id, name, value: params.get(name) || "", size: 8, inputmode: name === "tier" ? "numeric" : null });
    form.append(h("label", { for: id }, name, input));
  }
  form.append(h("button", { type: "submit" }, t("queue.filter")));
  // open on a wide screen or when a filter is set; a summary line on a phone
  const box = h("details.filterbox", { open: innerWidth > 720 || params.toString() !== "" }, h("summary", {}, t("queue.filters")), form);
  view.append(h("h1", {}, t("queue.title")), h("p.muted", {}, t("queue.note")), box);
  if (!canRead()) { view.append(h("p.muted", {}, "Your roles do not include reading cases.")); return; }
  const list = h("div.queue", { id: "queue" });
  view.append(list);
  const more = h("button.more", { type: "button", hidden: true }, "More");
  view.append(more);
  let cursor = null;
  async function page() {
    const q = new URLSearchParams(params);
    if (cursor) q.set("cursor", cursor);
    const j = await api("GET", "/v1/queue?" + q);
    for (const c of j.cases) {
      list.append(h("a.row", { href: "#/case/" + c.id, "data-case": c.id },
        h("span.when", {}, deadlineCell(c.deadline, c.overdue)),
        h("span.id", {}, c.id),
        h("span.cust", {}, c.customer && (c.customer.name || c.customer.id)),
        h("span.meta", {}, badge(c.status), " ", c.category, " · ", c.channel, " · ", c.language, " · ", c.pack,
          c.tier ? [" · ", badge("tier " + c.tier, "warn")] : null, c.team ? [" · ", c.team] : null,
          c.pending_approvals ? [" ", badge(c.pending_approvals + " to approve", "warn")] : null),
        said(c.description, c.language, "desc")));
    }
    cursor = j.next_cursor;
    more.hidden = !cursor;
    if (!list.children.length && !cursor) list.append(h("p.muted", {}, "Nothing in the queue."));
  }
  more.addEventListener("click", () => page().catch((e) => fail(view, e)));
  // a filtered page may come back short with a cursor: fetch on until some cases show
  await page();
  for (let i = 0; i < 20 && cursor && list.children.length < 10; i++) await page();
}

// Case page ----------------------------------------------------------------

function eventForm(caseId, reload) {
  const box = h("div.actions");
  const send = async (type, data, btn) => {
    btn.disabled = true;
    try { await api("POST", `/v1/cases/${caseId}/events`, { type, data }); await reload(); } catch (e) { box.append(h("p.error", { role: "alert" }, e.message)); btn.disabled = false; }
  };
  const text = (id, label) => [h("label", { for: id }, label), h("textarea", { id, rows: 2, dir: "auto" })];
  const val = (id) => document.getElementById(id).value.trim();
  const note = h("form", { onsubmit: (ev) => { ev.preventDefault(); send("agent.note", { note: val("note-text") }, ev.submitter); } },
    text("note-text", t("case.note")), h("button", { type: "submit", id: "send-note" }, t("case.add_note")));
  const reply = h("form", { onsubmit: (ev) => { ev.preventDefault(); send("customer.replied", { message: val("reply-text") }, ev.submitter); } },
    text("reply-text", t("case.reply")), h("button", { type: "submit", id: "send-reply" }, t("case.reply_received")));
  const inv = h("form", { onsubmit: (ev) => {
    ev.preventDefault();
    const data = { justified: document.getElementById("inv-justified").checked };
    if (val("inv-fault")) data.fault = val("inv-fault");
    if (val("inv-findings")) data.findings = val("inv-findings");
    send("investigation.concluded", data, ev.submitter);
  } },
  h("label.inline", { for: "inv-justified" }, h("input", { type: "checkbox", id: "inv-justified" }), " justified"),
  h("label", { for: "inv-fault" }, "Fault", h("select", { id: "inv-fault" }, ["", "company", "customer", "third_party", "none"].map((o) => h("option", { value: o }, o || "—")))),
  text("inv-findings", t("case.findings")), h("button", { type: "submit", id: "send-investigation" }, t("case.investigation_concluded")));
  const resolve = h("form", { onsubmit: (ev) => { ev.preventDefault(); const r = val("resolution"); send("case.resolved", r ? { resolution: r } : {}, ev.submitter); } },
    text("resolution", t("case.resolution")), h("button", { type: "submit", id: "send-resolve" }, t("case.resolve")));
  box.append(note, reply, inv, resolve);
  return box;
}

function approvalControls(caseId, a, after) {
  const id = `reason-${caseId}-${a.id}`;
  const box = h("div.decide", {}, h("label", { for: id }, t("approvals.reason")), h("input", { id, dir: "auto" }));
  const go = async (type, btn) => {
    btn.disabled = true;
    const reason = document.getElementById(id).value.trim();
    try {
      await api("POST", `/v1/cases/${caseId}/events`, { type, data: reason ? { approval_id: a.id, reason } : { approval_id: a.id } });
      await after();
    } catch (e) { box.append(h("p.error", { role: "alert" }, e.message)); btn.disabled = false; }
  };
  box.append(h("button.ok", { type: "button", "data-approve": a.id, onclick: (ev) => go("approval.granted", ev.target) }, t("approvals.approve")),
    h("button.no", { type: "button", "data-deny": a.id, onclick: (ev) => go("approval.denied", ev.target) }, t("approvals.deny")));
  return box;
}

function actionLine(a) {
  switch (a.type) {
    case "acknowledge": case "message": return [badge(a.type), " ", said(a.text, a.language, "msg")];
    case "offer": return [badge("offer"), ` ${a.id} ${a.kind} ${money(a.amount, a.currency)}`, a.held_for_approval ? [" ", badge("held for " + a.held_for_approval, "warn")] : null, a.reason ? ` — ${a.reason}` : ""];
    case "escalate": return [badge("escalate", "warn"), ` tier ${a.tier} → ${a.team || ""} — ${a.reason || ""}`];
    case "timer": return [badge("timer"), ` ${a.name} at ${when(a.due_at)}`];
    case "request_approval": return [badge("approval", "warn"), ` ${a.id}: ${a.reason || ""}`];
    default: return [badge(a.type), " ", JSON.stringify(Object.fromEntries(Object.entries(a).filter(([k]) => k !== "type")))];
  }
}

function timelineEntry(e, lang) {
  if (e.kind === "event") {
    const d = e.data || {};
    const text = d.message || d.note || d.findings || d.resolution || d.reason || (e.type === "complaint.received" ? null : null);
    const rest = Object.entries(d).filter(([k]) => !["message", "note", "findings", "resolution", "reason", "customer", "description", "order", "details"].includes(k));
    return h("li.event", {}, h("div.head", {}, badge(e.type), " ", h("time", { datetime: e.at }, when(e.at)),
      e.actor ? h("span.muted", {}, ` by ${e.actor.token} (${e.actor.roles})`) : null),
    text ? said(text, e.type === "customer.replied" ? lang : null) : null,
    e.type !== "complaint.received" && rest.length ? h("p.muted", {}, rest.map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join(" · ")) : null);
  }
  return h("li.decision", {}, h("div.head", {}, badge("decision" + (e.outcome !== "decided" ? " " + e.outcome : ""), e.outcome !== "decided" ? "bad" : "ok"),
    ` ${e.handler || "engine"} · ${e.pack ? e.pack.name + " " + e.pack.version : ""}`),
  e.actions && e.actions.length ? h("ul.acts", {}, e.actions.map((a) => h("li", {}, actionLine(a)))) : null,
  e.explanation && e.explanation.length ? h("div.why", {}, h("strong", {}, "Why"), h("ul", {}, e.explanation.map((x) => h("li", {}, h("code", {}, x.code), " ", x.text)))) : null,
  e.trace && e.trace.length ? h("details", {}, h("summary", {}, "What the engine did"), h("ul", {}, e.trace.map((t) => h("li", {}, t)))) : null,
  e.error ? h("p.error", {}, e.error) : null);
}

async function caseView(view, id) {
  const j = await api("GET", "/v1/cases/" + encodeURIComponent(id));
  const c = j.case, cust = c.customer || {};
  const reload = () => route();
  view.append(h("p", {}, h("a", { href: "#/queue" }, "← " + t("queue.title"))),
    h("h1", {}, `${c.id} `, badge(c.status), c.tier ? [" ", badge("tier " + c.tier, "warn")] : null),
    h("p.muted", {}, `${c.category} · ${c.channel} · ${c.language} · severity ${c.severity} · ${c.customer_state} · ${c.pack ? c.pack.name + " " + c.pack.version : ""} · opened ${when(c.opened_at)}`));
  const grid = h("div.grid");
  view.append(grid);
  grid.append(section(t("case.customer"), h("p", {}, h("strong", { dir: "auto" }, cust.name || "—"), ` (${cust.id})`), cust.email ? h("p", {}, cust.email) : null,
    c.order && c.order.id ? h("p", {}, `Order ${c.order.id}`, c.order.amount !== undefined ? ` · ${money(c.order.amount, c.order.currency)}` : "") : null,
    c.wants ? h("p", {}, `Wants: ${c.wants}`) : null));
  grid.append(section(t("case.complaint"), said(c.description, c.language, "complaint")));

  const now = Date.now();
  const promises = (c.promises || []).filter((p) => p.status === "open");
  const clocks = Object.entries(c.sla || {});
  const timers = Object.entries(c.timers || {}).sort((a, b) => a[1].due_ms - b[1].due_ms);
  grid.append(section(t("case.deadlines"),
    promises.length ? h("ul.plain", {}, promises.map((p) => h("li", {}, badge("promise " + p.id), ` ${p.kind} due ${when(p.due_at)} (${relative(p.due_ms)})`))) : h("p.muted", {}, "No open promise."),
    clocks.length ? h("ul.plain", {}, clocks.map(([t, k]) => h("li", {}, badge("SLA " + t, k.state === "breached" ? "bad" : k.state === "met" ? "ok" : null), ` ${k.state}`, k.due_at ? ` · due ${when(k.due_at)}` : ""))) : null,
    timers.length ? h("ul.plain", {}, timers.map(([n, t]) => h("li", {}, badge("timer"), ` ${n} · ${when(t.due_at)}`, t.due_ms < now ? " (due)" : ""))) : h("p.muted", {}, "No pending timer.")));

  const offers = c.offers || [], approvals = c.approvals || [];
  grid.append(section(t("case.offers"),
    offers.length ? h("ul.plain", {}, offers.map((o) => h("li", {}, badge(o.status, o.status === "accepted" ? "ok" : null), ` ${o.id} ${o.kind} ${money(o.amount, o.currency)}`, o.reason ? ` — ${o.reason}` : ""))) : h("p.muted", {}, "No offer."),
    approvals.length ? h("ul.plain", {}, approvals.map((a) => h("li", { "data-approval": a.id }, badge(`approval ${a.id} ${a.status}`, a.status === "pending" ? "warn" : a.status === "granted" ? "ok" : "bad"),
      ` ${a.offer ? `${a.offer.kind} ${money(a.offer.amount, a.offer.currency)}` : ""} — ${a.reason || ""}`,
      a.decided_by ? h("span.muted", {}, ` · ${a.decided_by.token} ${when(a.decided_at)}`) : null,
      a.status === "pending" && canApprove() ? approvalControls(c.id, a, reload) : null))) : null));

  if (canEvent() && !["closed", "rejected"].includes(c.status)) view.append(section(t("case.act"), eventForm(c.id, reload)));

  if (typeof LEARN !== "undefined") LEARN.caseSection(view, c); // learn.js: its corrective actions
  view.append(section(t("case.timeline"), h("ol.timeline", {}, j.timeline.map((e) => timelineEntry(e, c.language)))));

  const earlier = section(t("case.earlier"), h("p.muted", {}, "…"));
  view.append(earlier);
  api("GET", "/v1/cases?customer=" + encodeURIComponent(cust.id) + "&limit=50").then((r) => {
    const others = r.cases.filter((o) => o.id !== c.id);
    earlier.lastChild.replaceWith(others.length ? h("ul.plain", {}, others.map((o) => h("li", {}, h("a", { href: "#/case/" + o.id }, o.id), " ", badge(o.status), ` ${o.category} · ${when(o.opened_at)}`))) : h("p.muted", {}, "None."));
  }).catch((e) => fail(earlier, e));
}

// Approvals ----------------------------------------------------------------

async function approvalsView(view) {
  view.append(h("h1", {}, t("approvals.title")), h("p.muted", {}, t("approvals.note")));
  const list = h("div.approvals", { id: "approvals" });
  view.append(list);
  let cursor = null;
  do {
    const j = await api("GET", "/v1/approvals" + (cursor ? "?cursor=" + cursor : ""));
    for (const it of j.approvals) {
      const a = it.approval, c = it.case;
      list.append(h("article.card", { "data-approval": `${it.case_id}/${a.id}` },
        h("h2", {}, canRead() ? h("a", { href: "#/case/" + it.case_id }, it.case_id) : it.case_id, ` · ${a.id} `, badge(money(a.offer.amount, a.offer.currency), "warn")),
        h("p", {}, h("strong", { dir: "auto" }, c.customer && (c.customer.name || c.customer.id)), ` · ${c.category} · ${c.channel} · ${c.language} · ${c.pack}`),
        said(c.description, c.language, "desc"),
        h("p", {}, `${a.offer.kind} ${money(a.offer.amount, a.offer.currency)} — ${a.reason || ""}`, h("span.muted", {}, ` · held ${when(a.at)}`)),
        canApprove() ? approvalControls(it.case_id, a, route) : h("p.muted", {}, "Only an approver decides.")));
    }
    cursor = j.next_cursor;
  } while (cursor);
  if (!list.children.length) list.append(h("p.muted", {}, "Nothing waits for approval."));
}

// Router -------------------------------------------------------------------

// A phone's nav scrolls sideways: keep the link of the screen shown in sight
// (by the nav's own scroll, never the page's).
function navInSight() {
  const nav = document.querySelector("header nav"), here = nav && nav.querySelector("a.here");
  if (here && nav.scrollWidth > nav.clientWidth) nav.scrollLeft = here.offsetLeft - nav.offsetLeft - (nav.clientWidth - here.offsetWidth) / 2;
}

async function route() {
  const view = document.getElementById("view");
  const [path, query] = (location.hash.slice(1) || "/queue").split("?");
  const params = new URLSearchParams(query || "");
  view.replaceChildren();
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("here", path.startsWith(a.getAttribute("href").slice(1)));
  navInSight();
  try {
    if (typeof DASHBOARD !== "undefined" && DASHBOARD.screens[path]) { await DASHBOARD.screens[path](view, params); view.dataset.ready = path; return; } // dashboard.js
    const m = path.match(/^\/case\/([A-Za-z0-9]+)$/);
    if (m) await caseView(view, m[1]);
    else if (path === "/approvals") await approvalsView(view);
    else if (typeof LEARN !== "undefined" && LEARN.screens[path]) await LEARN.screens[path](view, params); // learn.js
    else if (typeof PACKS !== "undefined" && PACKS.screens[path]) await PACKS.screens[path](view, params); // packs.js
    else if (typeof WHATIF !== "undefined" && WHATIF.screens[path]) await WHATIF.screens[path](view, params); // whatif.js
    else await queueView(view, params);
    view.dataset.ready = path;
  } catch (e) { fail(view, e); }
}

async function start() {
  const form = document.getElementById("signin");
  if (form) {
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const err = document.getElementById("signin-error");
      const r = await fetch("/v1/session", { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-Redress-CSRF": "sign-in" },
        body: JSON.stringify({ token: document.getElementById("token").value.trim() }) });
      if (r.ok) { location.replace("/console/"); return; }
      const j = await r.json().catch(() => ({}));
      err.textContent = r.status === 401 ? t("signin.unknown") : (j.error ? j.error.message : "HTTP " + r.status);
      err.hidden = false;
    });
    return;
  }
  const s = await api("GET", "/v1/session");
  S.roles = s.roles; S.csrf = s.csrf;
  document.getElementById("who").textContent = s.roles.join(", ");
  const whatif = document.getElementById("nav-whatif"); // whatif.js: replays are an admin's
  if (whatif) whatif.hidden = !can("admin");
  document.getElementById("signout").addEventListener("click", async () => {
    await fetch("/v1/session", { method: "DELETE", credentials: "same-origin" });
    location.replace("/console/");
  });
  window.addEventListener("hashchange", route);
  window.addEventListener("resize", navInSight);
  await route();
}

document.addEventListener("DOMContentLoaded", start);
