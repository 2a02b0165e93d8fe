// The console's "learn" part (issue 15): the Recurring causes screen and the
// corrective actions on a case's page. Loaded after app.js and built on its
// helpers (h, api, badge, section, when, can, fail, route). Every change is a
// POST /v1/corrective-actions/{id}/events with the action's version; the
// buttons follow the roles (agents note and assign; approvers open, finish
// and dismiss), and the server refuses what the roles do not allow anyway.
"use strict";

const canNoteAction = () => can("agent", "approver");
const canCloseAction = () => can("approver");
const ACTION_STATUS_KIND = { proposed: "warn", open: null, assigned: null, done: "ok", dismissed: "bad" };

// The changes an action's status allows, and who may make them (docs/API.md).
function actionMoves(a) {
  const live = ["proposed", "open", "assigned"].includes(a.status);
  return {
    open: a.status === "proposed" && canCloseAction(),
    assign: (a.status === "open" || a.status === "assigned") && canNoteAction(),
    done: (a.status === "open" || a.status === "assigned") && canCloseAction(),
    dismiss: live && canCloseAction(),
    note: canNoteAction(),
  };
}

function causeLabel(a) {
  const v = a.values || {};
  const keys = Object.keys(v).sort((x, y) => (x === "category" ? -1 : y === "category" ? 1 : x.localeCompare(y)));
  return keys.length ? keys.map((k) => h("span.cause-key", {}, k === "category" ? v[k] : `${k} ${v[k]}`)) : [h("span.muted", {}, a.cause_text || "no recurring cause")];
}

// Before and after done_at, as two bars.
function effectView(e) {
  if (!e) return null;
  const top = Math.max(e.before, e.after, 1);
  const bar = (label, n, cls) => {
    const fill = h("span.fill" + (cls ? "." + cls : ""));
    fill.style.width = Math.round((n / top) * 100) + "%";
    return h("div.bar", {}, h("span.bar-label", {}, label), h("span.track", {}, fill), h("span.bar-n", {}, String(n)));
  };
  const fell = e.after < e.before;
  const verdict = e.days_after === 0 ? "Done today: the count after it starts now"
    : fell ? "Complaints fell after it was done" : "Complaints have not fallen since it was done";
  return h("div.effect", { "data-effect": `${e.before}-${e.after}` },
    h("p", {}, h("strong", {}, verdict),
      h("span.muted", {}, ` · ${e.window_days} days before, ${e.days_after} of ${e.window_days} days after`)),
    bar("before", e.before), bar("after", e.after, fell ? "ok" : "warn"));
}

function actionControls(a, after) {
  const m = actionMoves(a);
  const box = h("div.ca-moves");
  const move = async (type, data, btn) => {
    btn.disabled = true;
    try {
      await api("POST", `/v1/corrective-actions/${a.id}/events`, data ? { type, data, version: a.version } : { type, version: a.version });
      await after();
    } catch (e) { box.append(h("p.error", { role: "alert" }, e.message)); btn.disabled = false; }
  };
  const field = (name, label, tag = "input") => {
    const id = `ca-${name}-${a.id}`;
    return [h("label", { for: id }, label), h(tag, { id, dir: "auto", rows: tag === "textarea" ? 2 : null })];
  };
  const val = (name) => document.getElementById(`ca-${name}-${a.id}`).value.trim();
  if (m.open) box.append(h("button", { type: "button", "data-move": "open", onclick: (ev) => move("open", null, ev.target) }, "Open"));
  if (m.assign) {
    box.append(h("form.inline-form", { onsubmit: (ev) => { ev.preventDefault(); move("assign", { to: val("to") }, ev.submitter); } },
      field("to", "Assign to"), h("button", { type: "submit", "data-move": "assign" }, a.status === "assigned" ? "Reassign" : "Assign")));
  }
  if (m.done) box.append(h("button.ok", { type: "button", "data-move": "done", onclick: (ev) => move("done", null, ev.target) }, "Mark done"));
  if (m.dismiss) {
    box.append(h("form.inline-form", { onsubmit: (ev) => { ev.preventDefault(); move("dismiss", { reason: val("reason") }, ev.submitter); } },
      field("reason", "Reason to dismiss"), h("button.no", { type: "submit", "data-move": "dismiss" }, "Dismiss")));
  }
  if (m.note) {
    box.append(h("form.inline-form.wide", { onsubmit: (ev) => { ev.preventDefault(); move("note", { text: val("note") }, ev.submitter); } },
      field("note", "Note", "textarea"), h("button", { type: "submit", "data-move": "note" }, "Add note")));
  }
  return box.children.length ? box : null;
}

function actionCard(a, after) {
  const who = (x) => (x.actor ? `${x.actor.token} (${x.actor.roles})` : x.by || "");
  return h("article.ca", { "data-action": a.id, "data-status": a.status },
    h("h3", {}, h("span.ca-id", {}, a.id), " ", badge(a.status, ACTION_STATUS_KIND[a.status]), " ", a.title),
    h("p.muted", {}, [`${a.case_count} complaint${a.case_count === 1 ? "" : "s"}`, a.source === "policy" ? "opened by the policy" : `proposed at ${a.threshold} in ${a.window_days} days`,
      a.owner ? `owner ${a.owner}` : null, a.assignee ? `assigned to ${a.assignee}` : null, `made ${when(a.created_at)}`,
      a.done_at ? `done ${when(a.done_at)}` : null, a.reason ? `dismissed: ${a.reason}` : null].filter(Boolean).join(" · ")),
    effectView(a.effect),
    h("p.ca-cases", {}, "Cases: ", (a.cases || []).slice(0, 12).flatMap((id, i) => [i ? ", " : "", canRead() ? h("a", { href: "#/case/" + id }, id) : id]),
      a.case_count > 12 ? ` … (${a.case_count})` : ""),
    a.notes && a.notes.length ? h("ul.plain.ca-notes", {}, a.notes.map((n) => h("li", {}, h("span", { dir: "auto" }, n.text), h("span.muted", {}, ` · ${who(n)} ${when(n.at)}`)))) : null,
    h("details", {}, h("summary", {}, `History (${a.history.length})`),
      h("ol.plain", {}, a.history.map((x) => h("li", {}, badge(x.type), ` ${x.from ? x.from + " → " : ""}${x.to}`, x.to_whom ? ` (${x.to_whom})` : "",
        h("span.muted", {}, ` · ${who(x)} ${when(x.at)}`))))),
    actionControls(a, after));
}

async function causesView(view, params) {
  view.append(h("h1", {}, t("causes.title")),
    h("p.muted", {}, "Complaints of the same cause (category, product, route, team… as each pack names them) inside its window, and the corrective action for each: proposed by the engine at the threshold, opened, assigned, done."));
  const form = h("form.filters", { onsubmit: (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (v) q.set(k, v);
    location.hash = "#/causes" + (q.toString() ? "?" + q : "");
  } },
  h("label", { for: "ca-f-status" }, "status", h("select", { id: "ca-f-status", name: "status" },
    ["", "proposed", "open", "assigned", "done", "dismissed"].map((o) => h("option", { value: o, selected: params.get("status") === o }, o || "any")))),
  h("label", { for: "ca-f-pack" }, "pack", h("input", { id: "ca-f-pack", name: "pack", size: 10, value: params.get("pack") || "" })),
  params.get("cause") ? h("input", { type: "hidden", name: "cause", value: params.get("cause") }) : null,
  h("button", { type: "submit" }, "Filter"));
  view.append(form);
  if (params.get("cause")) view.append(h("p", {}, "Cause ", h("code", {}, params.get("cause")), " · ", h("a", { href: "#/causes" }, "all causes")));

  const actions = [];
  let cursor = null;
  for (let i = 0; i < 20; i++) {
    const q = new URLSearchParams(params);
    q.set("limit", "200");
    if (cursor) q.set("cursor", cursor);
    const j = await api("GET", "/v1/corrective-actions?" + q);
    actions.push(...j.corrective_actions);
    cursor = j.next_cursor;
    if (!cursor) break;
  }
  // one card per cause, the newest action first; the causes with live actions first
  const groups = new Map();
  for (const a of actions.reverse()) {
    const key = a.cause ? `${a.pack}\u0000${a.cause}` : `policy\u0000${a.id}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(a);
  }
  const live = (g) => g.some((a) => ["proposed", "open", "assigned"].includes(a.status));
  const ordered = [...groups.values()].sort((x, y) => live(y) - live(x));
  const list = h("div.causes", { id: "causes" });
  view.append(list);
  for (const g of ordered) {
    const a = g[0];
    list.append(h("section.card.cause", { "data-cause": a.cause || "" },
      h("h2", {}, causeLabel(a), " ", h("span.muted", {}, a.pack || "")),
      a.cause ? h("p.muted", {}, `${a.cause_total || a.case_count} complaint${(a.cause_total || a.case_count) === 1 ? "" : "s"} of this cause so far`, a.cause_last_at ? ` · the last ${when(a.cause_last_at)}` : "") : null,
      g.map((x) => actionCard(x, route))));
  }
  if (!list.children.length) list.append(h("p.muted", {}, "No recurring cause has reached its threshold yet."));
}

// On a case's page: the corrective actions it is part of, as they are now.
function learnCaseSection(container, c) {
  const refs = [...new Set((c.corrective_actions || []).map((k) => k.ref).filter(Boolean))];
  if (!refs.length && !c.cause) return;
  const box = section("Corrective actions", h("p.muted", {}, "…"));
  box.dataset.learn = "case";
  container.append(box);
  Promise.all(refs.map((id) => api("GET", "/v1/corrective-actions/" + id))).then((rs) => {
    const kids = rs.map((r) => actionCard(r.corrective_action, route));
    if (c.cause) kids.push(h("p", {}, "Cause ", h("code", {}, c.cause), " · ", h("a", { href: "#/causes?cause=" + encodeURIComponent(c.cause) }, "its actions")));
    if (!rs.length) kids.unshift(h("p.muted", {}, "No corrective action covers this case yet."));
    box.lastChild.replaceWith(...kids);
  }).catch((e) => fail(box, e));
}

// On the dashboard: the corrective actions done (of the pack shown), each
// with the cause's complaints before and after it was done.
function learnDashboardPanel(container, pack) {
  const box = h("section.card.learn-effects", { id: "learn-effects" }, h("h2", {}, "Corrective actions done: did complaints fall?"), h("p.muted", {}, "…"));
  container.append(box);
  api("GET", "/v1/corrective-actions?status=done&limit=200" + (pack ? "&pack=" + encodeURIComponent(pack) : "")).then((j) => {
    const done = j.corrective_actions.filter((a) => a.effect).reverse().slice(0, 20);
    if (!done.length) { box.lastChild.replaceWith(h("p.muted", {}, "No corrective action is done yet.")); return; }
    const fell = done.filter((a) => a.effect.days_after > 0 && a.effect.after < a.effect.before).length;
    box.lastChild.replaceWith(
      h("p.muted", {}, `${done.length} done; complaints of the cause fell after ${fell} of them (the same number of days before and after, as far as they have passed).`),
      h("ul.plain.learn-effect-list", {}, done.map((a) => h("li", { "data-action": a.id },
        h("p", {}, h("a", { href: "#/causes?cause=" + encodeURIComponent(a.cause || "") }, a.id), " ", causeLabel(a), h("span.muted", {}, ` · ${a.pack || ""} · done ${when(a.done_at)}`)),
        effectView(a.effect)))));
  }).catch((e) => fail(box, e));
}

window.LEARN = { screens: { "/causes": causesView }, caseSection: learnCaseSection, dashboardPanel: learnDashboardPanel };
