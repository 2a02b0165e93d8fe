// The console's Packs screen (issue 15): the pack versions loaded, as
// GET /v1/packs gives them (hash, languages, settings in force, the
// recurring-cause setting, the quarantine), the cases pinned to each version
// (its "pinned" counts, one stored row: no scan), and for admins a Reload
// button (POST /v1/admin/reload) that shows the versions reloaded or the
// pack's error with its file:line. Uses app.js's h(), api(), badge(), can()
// and when(); the server refuses a reload from anyone but an admin anyway.
"use strict";

const PACKS = (() => {
  const QUARANTINE = { open: ["quarantined", "bad"], half_open: ["on probation", "warn"], closed: ["recovered", "ok"] };
  const queueLink = (name, version) =>
    "#/queue?" + new URLSearchParams({ pack: name, pack_version: version });

  function pinnedLine(name, version, pin) {
    const p = pin || { cases: 0, open: 0 };
    return h("p.pack-pinned", { "data-cases": p.cases, "data-open": p.open },
      h("strong", {}, `${p.cases} ${p.cases === 1 ? "case" : "cases"} pinned`), ` (${p.open} open) · `,
      h("a", { href: queueLink(name, version) }, "in the work queue"));
  }

  function quarantineBadge(q) {
    if (!q) return badge("not quarantined", "ok");
    const [text, kind] = QUARANTINE[q.state] || [q.state, "warn"];
    return [badge(text, kind), h("span.muted", {},
      ` ${q.trips} ${q.trips === 1 ? "time" : "times"}` + (q.state === "open" && q.until_at ? `, until ${when(q.until_at)}` : "") +
      (q.last_limit ? `, last over its ${q.last_limit} limit` : ""))];
  }

  const value = (v) => typeof v === "string" ? v : JSON.stringify(v);

  function settingsList(settings) {
    const keys = Object.keys(settings || {}).sort();
    if (!keys.length) return h("span.muted", {}, "none");
    return h("dl.pack-settings", {}, keys.flatMap((k) => [h("dt", {}, k), h("dd", {}, h("code", {}, value(settings[k])))]));
  }

  function recurringText(r) {
    if (!r) return h("span.muted", {}, "off");
    return `${r.threshold} complaints in ${r.window_days} days with the same ${(r.keys || []).join(", ")}` +
      (r.open ? "; the action opens by itself" : "; an approver opens the action");
  }

  function packCard(p, pinned, quarantine) {
    const key = `${p.name}@${p.version}`;
    const row = (label, ...v) => [h("dt", {}, label), h("dd", {}, ...v)];
    return h("article.card.pack", { "data-pack": key },
      h("h2", {}, p.name, " ", badge(p.version), p.default ? [" ", badge("default", "ok")] : null),
      p.description ? h("p.muted", { dir: "auto" }, p.description) : null,
      pinnedLine(p.name, p.version, pinned[key]),
      h("dl.pack-facts", {},
        row("hash", h("code.pack-hash", { title: p.hash }, String(p.hash).slice(0, 16) + "…")),
        row("languages", (p.languages || []).join(", ")),
        p.jurisdictions && p.jurisdictions.length ? row("jurisdictions", p.jurisdictions.join(", ")) : null,
        p.currency ? row("currency", p.currency) : null,
        row("handlers", (p.handlers || []).join(", ")),
        row("recurring causes", recurringText(p.recurring)),
        row("quarantine", quarantineBadge(quarantine[key])),
        row("source", h("code.pack-source", {}, p.source || ""))),
      h("details.pack-more", {}, h("summary", {}, "Settings in force"), settingsList(p.settings)));
  }

  // The versions loaded, then the earlier ones that still hold cases.
  function versions(box, j) {
    const pinned = j.pinned || {}, quarantine = j.quarantine || {};
    const loaded = new Set(j.packs.map((p) => `${p.name}@${p.version}`));
    box.replaceChildren(...j.packs.map((p) => packCard(p, pinned, quarantine)));
    const earlier = Object.keys(pinned).filter((k) => !loaded.has(k)).sort();
    if (earlier.length) {
      box.append(h("section.card.pack-earlier", { id: "packs-earlier" }, h("h2", {}, "Earlier versions still holding cases"),
        h("p.muted", {}, j.migrate_cases ? "migrate_cases is on: these cases are decided by their pack's version loaded now."
          : "Kept in the store: each case is decided by the version that opened it."),
        h("ul.plain", {}, earlier.map((k) => {
          const at = k.lastIndexOf("@"), name = k.slice(0, at), version = k.slice(at + 1);
          return h("li", { "data-pack": k }, h("strong", {}, name), " ", badge(version), " ", pinnedLine(name, version, pinned[k]));
        }))));
    }
    if (j.routes && j.routes.length) {
      box.append(h("section.card", { id: "packs-routes" }, h("h2", {}, "Routing"),
        h("ol", {}, j.routes.map((r) => h("li", {}, Object.entries(r.when).map(([k, v]) => `${k} ${v.join(" or ")}`).join(", "),
          " → ", h("strong", {}, r.pack)))),
        h("p.muted", {}, "Other complaints go to the default pack.")));
    }
  }

  function reloadCard(box) {
    const out = h("div.pack-reload-result", { id: "reload-result", "aria-live": "polite" });
    const button = h("button", { id: "packs-reload", type: "button" }, "Reload");
    button.addEventListener("click", async () => {
      button.disabled = true;
      out.replaceChildren(h("p.muted", {}, "Reloading…"));
      try {
        const r = await api("POST", "/v1/admin/reload");
        out.dataset.result = "ok";
        out.replaceChildren(h("p.ok", {}, h("strong", {}, "Reloaded. "), "In force now: ",
          r.packs.flatMap((p, i) => [i ? ", " : "", h("span.pack-reloaded", { "data-pack": `${p.name}@${p.version}` },
            `${p.name} ${p.version}`)])),
        ...(r.warnings || []).map((w) => h("p.warn", {}, w)));
        versions(box, await api("GET", "/v1/packs"));
      } catch (e) {
        out.dataset.result = "failed";
        out.replaceChildren(h("p.error", { role: "alert" }, e.message),
          h("p.muted", {}, "Nothing changed: the versions below are still in force."));
      } finally { button.disabled = false; }
    });
    return h("section.card.pack-reload", {}, h("h2", {}, "Reload"),
      h("p.muted", {}, "Reads the config file and every pack again. A pack that does not load changes nothing."),
      button, out);
  }

  async function view(el) {
    el.append(h("h1", {}, t("packs.title")));
    if (!can("read", "agent")) { el.append(h("p.muted", {}, "Your roles do not include reading the packs.")); return; }
    const j = await api("GET", "/v1/packs");
    el.append(h("p.muted", {}, j.migrate_cases
      ? "migrate_cases is on: every case is decided by its pack's version loaded now."
      : "Each case stays with the pack version that opened it."));
    const box = h("div.packs", { id: "packs" });
    if (can("admin")) el.append(reloadCard(box)); // the server refuses anyone else too
    el.append(box);
    versions(box, j);
  }

  return { screens: { "/packs": view } };
})();
