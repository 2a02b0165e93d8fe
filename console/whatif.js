// The console's What-if screen (issue 15): stored history replayed under a
// candidate pack (POST /v1/replays, on the daemon's replay thread; docs/API.md),
// its progress, then the money and the escalations before and after as a
// table and an inline-SVG chart, and the cases that would change, each
// linking to its case page. Admin only: the page says so to anyone else,
// and the server refuses them anyway. Uses app.js's h(), api(), can(),
// badge(), money() and when(); no dependency, no build step.
"use strict";

const WHATIF = (() => {
  const NS = "http://www.w3.org/2000/svg";
  const POLL_MS = 400;
  const STATE = { queued: ["queued", "warn"], running: ["running", "warn"], done: ["done", "ok"], failed: ["failed", "bad"],
    cancelled: ["stopped", "warn"] };

  function s(tag, attrs, ...kids) {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) el.setAttribute(k, v);
    for (const k of kids) if (k !== null && k !== undefined) el.append(k instanceof Node ? k : String(k));
    return el;
  }
  const signed = (n, fmt) => (n > 0 ? "+" : n < 0 ? "−" : "±") + fmt(Math.abs(n));
  const num = (n) => new Intl.NumberFormat().format(n);

  // The rows of the comparison: one per currency (before, after, difference)
  // and the escalations.
  function rowsOf(report) {
    const c = report.compensation, cur = [...new Set([...Object.keys(c.before), ...Object.keys(c.after)])].sort();
    const rows = cur.map((k) => ({ key: k, label: `${t("whatif.compensation")} ${k}`, before: c.before[k] || 0, after: c.after[k] || 0,
      fmt: (n) => money(n, k) }));
    const e = report.escalations;
    rows.push({ key: "escalations", label: t("whatif.escalations"), before: e.before.count, after: e.after.count, fmt: num,
      note: `highest tier ${e.before.max_tier} → ${e.after.max_tier}` });
    return rows;
  }

  function table(rows) {
    return h("table.whatif-table", { id: "whatif-table" },
      h("thead", {}, h("tr", {}, h("th", {}, ""), h("th", {}, t("whatif.before")), h("th", {}, t("whatif.after")), h("th", {}, t("whatif.difference")))),
      h("tbody", {}, rows.map((r) => {
        const d = r.after - r.before;
        return h("tr", { "data-row": r.key, "data-before": r.before, "data-after": r.after, "data-difference": d },
          h("th", { scope: "row" }, r.label, r.note ? h("small.muted", {}, " · ", r.note) : null),
          h("td", {}, r.fmt(r.before)), h("td", {}, r.fmt(r.after)),
          h("td." + (d > 0 ? "up" : d < 0 ? "down" : "same"), {}, signed(d, r.fmt)));
      })));
  }

  // Before and after side by side for each row, each pair on its own scale
  // (amounts in different currencies and counts do not share one).
  function chart(rows) {
    const W = 150, H = 150, top = 18, bottom = 34, bw = 38;
    return h("div.whatif-chart", { id: "whatif-chart" }, rows.map((r) => {
      const max = Math.max(1, r.before, r.after);
      const g = s("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", "data-row": r.key,
        "aria-label": `${r.label}: before ${r.fmt(r.before)}, after ${r.fmt(r.after)}` });
      g.append(s("line", { x1: 0, x2: W, y1: H - bottom + 0.5, y2: H - bottom + 0.5, class: "axis" }));
      [["before", r.before, 22], ["after", r.after, W - 22 - bw]].forEach(([side, v, x]) => {
        const bh = (H - top - bottom) * v / max;
        g.append(s("rect", { x, y: (H - bottom - bh).toFixed(1), width: bw, height: bh.toFixed(1), class: side,
          "data-side": side, "data-value": v }, s("title", {}, `${side}: ${r.fmt(v)}`)));
        g.append(s("text", { x: x + bw / 2, y: (H - bottom - bh - 4).toFixed(1), class: "val" }, r.fmt(v)));
        g.append(s("text", { x: x + bw / 2, y: H - bottom + 14, class: "lbl" }, t("whatif." + side)));
      });
      g.append(s("text", { x: W / 2, y: H - 4, class: "lbl key" }, r.key === "escalations" ? t("whatif.escalations") : r.key));
      return h("figure", {}, g);
    }));
  }

  function changeRow(c) {
    const lines = c.error ? [h("li.error", {}, "could not be replayed: ", c.error)]
      : c.events.map((e) => h("li", {}, h("span.muted", {}, `#${e.seq} ${e.type}: `), e.changes.join("; ")));
    return h("tr", { "data-case": c.case_id },
      h("td", {}, h("a", { href: `#/case/${c.case_id}` }, c.case_id)),
      h("td", {}, [c.category, c.channel, c.language].filter(Boolean).join(" · ")),
      h("td", {}, h("ul.plain", {}, lines)));
  }

  // The changed cases, a page at a time (the daemon keeps the first 1000).
  function changes(id, report) {
    const body = h("tbody");
    const more = h("button", { type: "button", id: "whatif-more" }, "More");
    const box = h("section.card", { id: "whatif-changes" },
      h("h2", {}, `${t("whatif.changes")}: ${num(report.changed_cases)} / ${num(report.cases)}`),
      report.changes_kept < report.changed_cases ? h("p.muted", {}, `The first ${num(report.changes_kept)} are kept.`) : null,
      h("table.whatif-cases", {}, h("thead", {}, h("tr", {}, h("th", {}, "Case"), h("th", {}, ""), h("th", {}, "What changes"))), body));
    let next = 0;
    async function page() {
      more.disabled = true;
      const j = await api("GET", `/v1/replays/${encodeURIComponent(id)}?offset=${next}&limit=50`);
      body.append(...j.replay.report.changes.map(changeRow));
      next = j.replay.report.next_offset;
      more.hidden = next === null;
      more.disabled = false;
    }
    more.addEventListener("click", () => page().catch((e) => box.append(h("p.error", {}, e.message))));
    box.append(more);
    if (report.changed_cases === 0) { box.append(h("p.muted", {}, "No decision would change.")); more.hidden = true; }
    return [box, page];
  }

  function head(r) {
    const q = r.request, [text, kind] = STATE[r.state] || [r.state, ""];
    return h("p.whatif-head", {}, badge(text, kind), " ", h("strong", {}, q.candidate), ` (${q.pack} ${q.version})`,
      q.since || q.until ? ` · opened ${q.since || "…"} – ${q.until || "…"}` : "", ` · at most ${num(q.max_cases)} cases`,
      r.submitted_at ? h("span.muted", {}, ` · asked ${when(r.submitted_at)}`) : null);
  }

  // One replay: polled until it is done, then its report.
  async function result(el, id) {
    const box = h("section.card.whatif-result", { id: "whatif-result" });
    el.append(box);
    for (;;) {
      const r = (await api("GET", `/v1/replays/${encodeURIComponent(id)}?limit=1`)).replay;
      box.dataset.state = r.state;
      const bar = h("progress", { max: Math.max(r.progress.total, 1), value: r.progress.done });
      box.replaceChildren(h("h2", {}, "Replay ", h("code", {}, r.id)), head(r));
      if (r.state === "failed") { box.append(h("p.error", { role: "alert" }, r.error)); return; }
      if (r.state === "cancelled") { box.append(h("p.muted", {}, `Stopped after ${num(r.progress.done)} of ${num(r.progress.total)} cases.`)); return; }
      if (r.state !== "done") {
        const stop = h("button.no", { type: "button", id: "whatif-stop" }, t("whatif.stop"));
        stop.addEventListener("click", async () => {
          stop.disabled = true;
          try { await api("DELETE", `/v1/replays/${encodeURIComponent(id)}`); } catch (e) { box.append(h("p.error", {}, e.message)); }
        });
        box.append(h("p.whatif-progress", {}, bar, ` ${num(r.progress.done)} of ${num(r.progress.total)} cases `, stop));
        await new Promise((ok) => setTimeout(ok, POLL_MS));
        if (!box.isConnected) return; // the operator went elsewhere
        continue;
      }
      const rep = r.report, rows = rowsOf(rep);
      box.append(h("p.muted", {}, `${num(rep.cases)} cases (${num(rep.events)} events) replayed under ${rep.pack.name} ${rep.pack.version}` +
        (rep.decided_before_by.length ? `; decided before by ${rep.decided_before_by.map((v) => `${v.name} ${v.version}`).join(", ")}` : "") + "."),
        table(rows), chart(rows),
        h("p.muted.small", {}, "Compensation is what was offered and not held for approval. A replay cannot see the customer's " +
          "history or other cases' spending against budgets, as redress replay says."));
      const [list, first] = changes(id, rep);
      el.append(list);
      await first();
      return;
    }
  }

  async function form(el) {
    const j = await api("GET", "/v1/replays/candidates");
    const card = h("section.card.whatif-form", {}, h("h2", {}, t("whatif.run_title")));
    el.append(card);
    if (!j.dir) {
      card.append(h("p.muted", {}, "No candidate folder is configured: set ", h("code", {}, 'replay = { candidates = "DIR" }'),
        " in the config and copy a pack version to try into it."));
      return;
    }
    if (j.error) card.append(h("p.error", {}, j.error));
    const pick = h("select", { id: "whatif-candidate", required: true }, j.candidates.map((c) =>
      h("option", { value: c.name, disabled: !!c.error, title: c.error || c.description || null },
        c.error ? `${c.name} (does not load)` : `${c.name} — ${c.pack} ${c.version}`)));
    const since = h("input", { id: "whatif-since", type: "date" }), until = h("input", { id: "whatif-until", type: "date" });
    const max = h("input", { id: "whatif-max", type: "number", min: 1, max: 100000, value: 1000 });
    const run = h("button", { id: "whatif-run", type: "submit", disabled: !j.candidates.some((c) => !c.error) }, t("whatif.run"));
    const out = h("p.error", { role: "alert", hidden: true });
    const f = h("form.filters", {},
      h("label", {}, t("whatif.candidate"), pick), h("label", {}, t("whatif.since"), since), h("label", {}, t("whatif.until"), until),
      h("label", {}, t("whatif.max"), max), run);
    f.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      run.disabled = true;
      out.hidden = true;
      const body = { candidate: pick.value, max_cases: Number(max.value) };
      if (since.value) body.since = since.value + "T00:00:00Z";
      if (until.value) body.until = until.value + "T00:00:00Z";
      try {
        const r = await api("POST", "/v1/replays", body);
        location.hash = "#/whatif?id=" + encodeURIComponent(r.replay.id);
      } catch (e) { out.textContent = e.message; out.hidden = false; run.disabled = false; }
    });
    card.append(h("p.muted", {}, t("whatif.intro"), " ", h("code", {}, j.dir)), f, out);
  }

  async function earlier(el, current) {
    const j = await api("GET", "/v1/replays");
    const rest = j.replays.filter((r) => r.id !== current);
    if (!rest.length) return;
    el.append(h("section.card", { id: "whatif-earlier" }, h("h2", {}, t("whatif.earlier")),
      h("ul.plain", {}, rest.map((r) => h("li", {}, h("a", { href: "#/whatif?id=" + encodeURIComponent(r.id) }, r.id), " ", head(r))))));
  }

  async function view(el, params) {
    el.append(h("h1", {}, t("whatif.title")));
    if (!can("admin")) { el.append(h("p.muted", {}, t("whatif.admin_only"))); return; }
    await form(el);
    const id = params.get("id");
    if (id) await result(el, id);
    await earlier(el, id);
  }

  return { screens: { "/whatif": view } };
})();
