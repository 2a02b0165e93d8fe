--- Learning from complaints (issue 15): recurring causes found as cases are
-- written, and corrective actions with a lifecycle.
--
-- A pack names what makes two complaints "the same cause" (pack.lua
-- `recurring`, overridable per installation in pack_settings[pack].recurring).
-- When a complaint is decided (engine.lua, on a decision worker, inside the
-- decision's write set) its cause is counted beside the cause's row (a
-- running count by UTC day and a row for the case: no check, so complaints
-- of one cause decided at once do not conflict) and the row is read. While
-- the cause has no live action the row is written too: the cases not yet
-- covered by one. When those reach the threshold inside the window, a
-- corrective action is made (proposed, or open when the pack says so), and
-- later cases of the cause join it, each in a row of its own, until it is
-- done or dismissed. A decision reads the cause's row and at most one action
-- and writes a few small rows: O(1) in the history, and a cause with a live
-- action takes its complaints side by side.
-- Everything is a function of what the decision read and its time, so it is
-- replayed and replicated like every other write.
--
-- Corrective actions: proposed → open → assigned → done, or dismissed; notes
-- at any time. Transitions are jobs (kind "corrective") decided on a worker
-- like events, each recorded with its actor.
local json = require "redress.json"
local time = require "redress.time"
local store = require "redress.store"

local M = {}

local DAY_MS = 86400000
local KEEP_DAYS = 400 -- the cause's counts by day, for the effect of an action after it is done
local MAX_CASES = 1000 -- case ids an action lists (case_count goes on counting)
local MAX_HISTORY = 500 -- transitions and notes of one action

--- The default when pack.lua has no `recurring`.
M.DEFAULT = { window_days = 30, threshold = 5, keys = { "category", "order.sku" }, open = false }

-- The cause keys a pack may name: a complaint field, an order field, a
-- detail the pack declares, or the team the first decision escalated to.
local PLAIN = { category = true, channel = true, brand = true, jurisdiction = true, severity = true, language = true }
local ORDER = { sku = true, product = true }
M.KEY_DOC = "category, channel, brand, jurisdiction, severity, language, order.sku, order.product, " ..
  "details.<a declared detail>, team"

local function window_days(w)
  if math.type(w) == "integer" then return w end
  if type(w) ~= "string" then return nil end
  local n = w:match("^(%d+) days?$") or w:match("^P(%d+)D$")
  return n and math.tointeger(tonumber(n))
end

local function copy_default()
  local keys = {}
  for i, k in ipairs(M.DEFAULT.keys) do keys[i] = k end
  return { window_days = M.DEFAULT.window_days, threshold = M.DEFAULT.threshold, keys = keys, open = M.DEFAULT.open }
end

--- The recurring-cause setting of a pack: spec from pack.lua `recurring`
-- (nil: the default; false: off), then override from the config's
-- pack_settings[pack].recurring (same fields; false: off). details: the
-- pack's details schema. Calls fail(message) when a field is wrong.
-- Returns { window_days, threshold, keys, open } or false.
function M.config(spec, override, details, fail)
  local out = copy_default()
  local function apply(t, where)
    if t == nil then return end
    if t == false then out = false; return end
    if type(t) ~= "table" then fail(where .. " must be a table { window, threshold, keys, open } or false") end
    out = out or copy_default()
    for k in pairs(t) do
      if k ~= "window" and k ~= "threshold" and k ~= "keys" and k ~= "open" then
        fail(where .. "." .. tostring(k) .. ": unknown field (it takes window, threshold, keys, open)")
      end
    end
    if t.window ~= nil then
      local d = window_days(t.window)
      if not d or d < 1 or d > 366 then fail(where .. ".window must be 1 to 366 days, e.g. \"14 days\"") end
      out.window_days = d
    end
    if t.threshold ~= nil then
      if math.type(t.threshold) ~= "integer" or t.threshold < 2 or t.threshold > 1000 then
        fail(where .. ".threshold must be an integer from 2 to 1000")
      end
      out.threshold = t.threshold
    end
    if t.open ~= nil then
      if type(t.open) ~= "boolean" then fail(where .. ".open must be true or false") end
      out.open = t.open
    end
    if t.keys ~= nil then
      if type(t.keys) ~= "table" or #t.keys < 1 or #t.keys > 4 then
        fail(where .. ".keys must list 1 to 4 cause keys (" .. M.KEY_DOC .. ")")
      end
      local keys = {}
      for i, k in ipairs(t.keys) do
        local a, b
        if type(k) == "string" then a, b = k:match("^(%a+)%.([%w_]+)$") end
        local ok = type(k) == "string" and (PLAIN[k] or k == "team" or (a == "order" and ORDER[b]) or
          (a == "details" and type(details) == "table" and details[b] ~= nil))
        if not ok then
          fail(where .. ".keys[" .. i .. "]: " .. tostring(k) .. " is not a cause key (" .. M.KEY_DOC .. ")")
        end
        keys[i] = k
      end
      out.keys = keys
    end
  end
  if spec == false then out = false else apply(spec, "pack.lua: recurring") end
  apply(override, "config pack_settings.recurring")
  return out
end

-- A cause key split at its dot ("order.sku" → "order", "sku"), made once
-- per key (a pack's keys are few).
local split_of = require("redress.memo").of(function(key)
  local a, b = key:match("^(%a+)%.(.+)$")
  return { a or false, b }
end)
local function split(key)
  local s = split_of(key)
  return s[1], s[2]
end

local function value_of(case, key)
  if key == "team" then
    local e = case.escalations and case.escalations[#case.escalations]
    return e and e.team
  end
  local a, b = split(key)
  if a == "order" then return case.order and case.order[b] end
  if a == "details" then return case.details and case.details[b] end
  return case[key]
end

--- A case's cause under cfg: the cause's name ("category=late_delivery|
-- order.sku=SKU-1") and its values, or nil when the case lacks one of the keys.
function M.cause_of(case, cfg)
  if not cfg then return nil end
  local keys = cfg.keys
  for i = 1, #keys do -- most complaints lack a key: no tables made for them
    if value_of(case, keys[i]) == nil then return nil end
  end
  local parts, values = {}, {}
  for _, k in ipairs(keys) do
    local v = value_of(case, k)
    local t = type(v)
    if t == "number" or t == "boolean" then v = tostring(v) elseif t ~= "string" then return nil end
    if v == "" or #v > 200 then return nil end
    parts[#parts + 1] = k .. "=" .. v
    values[k] = v
  end
  return table.concat(parts, "|"), values
end

local function day_of(ms) return ms // DAY_MS end

local function live(rec) return rec and (rec.status == "proposed" or rec.status == "open" or rec.status == "assigned") end

local function new_action(fields, now_ms)
  local at = time.format(now_ms)
  local rec = { id = store.next_action_id(), status = fields.status, created_at = at, created_ms = now_ms,
    updated_at = at, cases = {}, case_count = 0, notes = {}, history = {}, version = 1 }
  for k, v in pairs(fields) do rec[k] = v end
  if rec.status == "open" then rec.opened_at = at end
  rec.history[1] = { type = rec.status, to = rec.status, at = at, by = fields.source == "policy" and "policy" or "engine" }
  return rec
end

local function join(rec, case_id)
  rec.case_count = (rec.case_count or #rec.cases) + 1
  if #rec.cases < MAX_CASES then rec.cases[#rec.cases + 1] = case_id end
end

-- The case's own entry for an action (case.corrective_actions): what it was
-- when the case joined; the action itself is the record under its ref.
local function note_on_case(case, rec, now_iso)
  local ca = case.corrective_actions
  ca[#ca + 1] = { id = "K" .. (#ca + 1), ref = rec.id, title = rec.title, cause = rec.cause, status = rec.status,
    source = rec.source, at = now_iso }
end

local function title_of(values, keys)
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = k == "category" and values[k] or (k .. " " .. values[k]) end
  return "Recurring: " .. table.concat(parts, ", ")
end

--- After a decision, before its records are written (engine.lua): the
-- policy's open_corrective_action actions become corrective actions, and
-- on a new case (opened) its recurring cause is counted. p: the deciding
-- pack (p.recurring: its setting). Adds to decision.trace / explanation.
function M.after_decision(case, p, decision, deliver, now_ms, opened)
  local made = {} -- the actions this decision made ({source, status}), for /metrics
  local asked = false
  for i = 1, #deliver do
    if deliver[i].type == "open_corrective_action" then asked = true; break end
  end
  if not (opened or asked) then return made end
  local cfg = p and p.recurring
  local cause, values
  if cfg then cause, values = M.cause_of(case, cfg) end
  if not (cause or asked) then return made end -- no cause, nothing asked: the common complaint
  local now_iso = time.format(now_ms)
  local row, new_row
  if cause then
    row = store.get_cause(p.name, cause)
    if not row and opened then
      row = { pack = p.name, cause = cause, values = values, waiting = {}, actions = {}, first_at = now_iso }
      new_row = true
    end
  end

  -- what a policy opened itself: its own record, open at once
  local adopted
  for _, a in ipairs(deliver) do
    if a.type == "open_corrective_action" and not a.ref then
      local rec = new_action({ source = "policy", status = "open", pack = p and p.name, title = a.title,
        cause = row and cause, values = row and values, cause_text = a.cause, owner = a.owner }, now_ms)
      join(rec, case.id)
      a.ref = rec.id
      for _, k in ipairs(case.corrective_actions) do if k.id == a.id then k.ref = rec.id end end
      -- the cause's later cases join it, unless the cause has a live action already
      if row and not adopted and not live(row.action and store.get_action(row.action)) then
        row.action, adopted = rec.id, rec
        row.actions[#row.actions + 1] = rec.id
        row.waiting = {}
      end
      store.put_action(rec)
      made[#made + 1] = { source = rec.source, status = rec.status }
    end
  end

  if not (row and opened) then
    if adopted then store.put_cause(p.name, cause, row) end
    return made
  end
  case.cause = cause
  local today = day_of(now_ms)
  -- counted beside the row, without a check: complaints of one cause
  -- decided side by side do not conflict (the row itself changes only when
  -- the cause has no live action, or an action is made)
  store.count_cause(p.name, cause, today, now_iso)
  local trace = decision.trace
  local current = not adopted and row.action and store.get_action(row.action)
  if adopted then
    -- opened by this very decision's policy: it covers the case already
    trace[#trace + 1] = string.format("Recurring cause %s: corrective action %s, opened by the policy, takes its later cases.",
      cause, adopted.id)
  elseif live(current) then
    -- the case joins the action in a row of its own: the action's record
    -- is not rewritten (it listed every case: a thousand ids, each time)
    local _, joined = store.action_joined(current.id, 0)
    store.join_action(current.id, case.id, now_iso, #current.cases + joined < MAX_CASES)
    note_on_case(case, current, now_iso)
    trace[#trace + 1] = string.format("Recurring cause %s: the case joins corrective action %s (%s).",
      cause, current.id, current.status)
    if not new_row then return made end
  else
    -- the row is written (with its check): the day counts past what an
    -- action's effect looks at go, in this set only
    store.drop_cause_days(p.name, cause, today - KEEP_DAYS)
    row.action = nil
    local keep = {}
    for _, w in ipairs(row.waiting) do
      if w.day > today - cfg.window_days then keep[#keep + 1] = w end
    end
    keep[#keep + 1] = { case = case.id, day = today }
    row.waiting = keep
    if #keep >= cfg.threshold then
      local rec = new_action({ source = "recurring", status = cfg.open and "open" or "proposed", pack = p.name,
        cause = cause, values = values, title = title_of(values, cfg.keys), window_days = cfg.window_days,
        threshold = cfg.threshold }, now_ms)
      for _, w in ipairs(keep) do join(rec, w.case) end
      store.put_action(rec)
      made[#made + 1] = { source = rec.source, status = rec.status }
      row.action, row.waiting = rec.id, {}
      row.actions[#row.actions + 1] = rec.id
      while #row.actions > 20 do table.remove(row.actions, 1) end
      note_on_case(case, rec, now_iso)
      local text = string.format("%d complaints of the cause %s in %d days: corrective action %s %s.",
        #keep, cause, cfg.window_days, rec.id, rec.status == "open" and "opened" or "proposed")
      decision.explanation[#decision.explanation + 1] = { code = "recurring.cause", text = text }
      trace[#trace + 1] = "Recurring cause: " .. text
    else
      trace[#trace + 1] = string.format("Recurring cause %s: %d of %d complaints in %d days.",
        cause, #keep, cfg.threshold, cfg.window_days)
    end
  end
  store.put_cause(p.name, cause, row)
  return made
end

--- The transitions: type → { from = statuses, to = status (nil: unchanged),
-- closes = needs approver or admin, field = required data field }.
M.TRANSITIONS = {
  open = { from = { proposed = true }, to = "open", closes = true },
  assign = { from = { open = true, assigned = true }, to = "assigned", field = "to" },
  note = { from = { proposed = true, open = true, assigned = true, done = true, dismissed = true }, field = "text" },
  done = { from = { open = true, assigned = true }, to = "done", closes = true },
  dismiss = { from = { proposed = true, open = true, assigned = true }, to = "dismissed", closes = true, field = "reason" },
}
M.TYPES = "open, assign, note, done, dismiss"

local function bad(field, message) return nil, { status = 422, code = "validation_failed", message = message, field = field } end

--- Checks a transition's body (decoded): {type, data, version}. Returns
-- type, data, version or nil and the error.
function M.check(t)
  local tr = type(t.type) == "string" and M.TRANSITIONS[t.type]
  if not tr then return bad("type", "type must be one of " .. M.TYPES) end
  local data = t.data
  if data == nil then data = {} end
  if type(data) ~= "table" then return bad("data", "data must be an object") end
  if tr.field then
    local v = data[tr.field]
    if type(v) ~= "string" or v == "" or utf8.len(v) == nil or utf8.len(v) > 2000 then
      return bad("data." .. tr.field, "data." .. tr.field .. " must be a text of 1 to 2000 characters")
    end
  end
  if t.version ~= nil and math.type(t.version) ~= "integer" then
    return bad("version", "version must be the integer version of the action the change is meant for")
  end
  return t.type, data, t.version
end

local shown -- an action as the API shows it (below)

--- A transition, on a worker: the action id, the body, the actor ({token,
-- roles}) and the time. Returns the answer { status, body, wrote }.
function M.transition(id, body, actor, now_ms)
  local rec = store.get_action(id)
  if not rec then return { status = 404, body = json.error_body("not_found", "no corrective action " .. id), wrote = false } end
  local t, code, msg, field, status = json.decode_object(body)
  if not t then return { status = status or 400, body = json.error_body(code, msg, field), wrote = false } end
  local ty, data, version = M.check(t)
  if not ty then
    return { status = data.status, body = json.error_body(data.code, data.message, data.field), wrote = false }
  end
  if version and version ~= rec.version then
    return { status = 409, wrote = false, body = json.error_body("stale", string.format(
      "corrective action %s changed since version %d (now version %d, %s): reload it and decide again",
      id, version, rec.version, rec.status)) }
  end
  local tr = M.TRANSITIONS[ty]
  if not tr.from[rec.status] then
    return { status = 422, wrote = false, body = json.error_body("invalid_transition", string.format(
      "%s is not allowed on a %s corrective action", ty, rec.status), "type") }
  end
  local at = time.format(now_ms)
  if #rec.history >= MAX_HISTORY then
    return { status = 422, wrote = false, body = json.error_body("validation_failed",
      "corrective action " .. id .. " holds " .. MAX_HISTORY .. " changes already", "type") }
  end
  local entry = { type = ty, from = rec.status, to = tr.to or rec.status, at = at, actor = actor }
  if ty == "note" then
    rec.notes[#rec.notes + 1] = { text = data.text, at = at, actor = actor }
    entry.text = data.text
  elseif ty == "assign" then
    rec.assignee = data.to
    rec.assigned_at = at
    entry.to_whom = data.to
  elseif ty == "open" then
    rec.opened_at = at
  elseif ty == "done" then
    rec.done_at, rec.done_ms = at, now_ms
  elseif ty == "dismiss" then
    rec.dismissed_at, rec.reason = at, data.reason
    entry.reason = data.reason
  end
  rec.status = tr.to or rec.status
  rec.history[#rec.history + 1] = entry
  rec.version = rec.version + 1
  rec.updated_at = at
  -- a closed action no longer takes the cause's new cases: they count towards a new one
  if not live(rec) and rec.cause and rec.pack then
    local row = store.get_cause(rec.pack, rec.cause)
    if row and row.action == rec.id then
      row.action = nil
      store.put_cause(rec.pack, rec.cause, row)
    end
  end
  return { status = 200, wrote = true, body = '{"corrective_action":' .. shown(store.put_action(rec), now_ms) .. "}",
    change = { type = ty, from = entry.from, to = rec.status } }
end

--- Whether complaints of the cause fell after the action was done: the
-- cause's complaints in the window_days before done_at (its day included)
-- and in as many days after it (so far). nil when not done.
function M.effect(rec, days, now_ms)
  if not (rec.done_ms and days) then return nil end
  local w = rec.window_days or M.DEFAULT.window_days
  local d = day_of(rec.done_ms)
  local before, after = 0, 0
  for k, n in pairs(days) do
    local day = tonumber(k)
    if day > d - w and day <= d then before = before + n end
    if day > d and day <= d + w then after = after + n end
  end
  return { window_days = w, before = before, after = after, days_after = math.max(0, math.min(w, day_of(now_ms) - d)) }
end

-- A cause's counts: its row's own (rows stored before the counts moved
-- beside it) and what complaints added beside it since.
local function cause_counts(row)
  local total, days, last_at = store.cause_counts(row.pack, row.cause)
  for k, n in pairs(row.days or {}) do days[k] = (days[k] or 0) + n end
  return (row.total or 0) + total, days, last_at or row.last_at
end

-- An action as the API shows it: the record with the cases that joined it
-- since it was made (`cases`, at most MAX_CASES, and `case_count`), its
-- cause's counts (`cause_total`, `cause_last_at`) and, once done, its
-- `effect`.
function shown(s, now_ms)
  local rec = json.decode(s)
  local joined, n = store.action_joined(rec.id, MAX_CASES - #rec.cases)
  if n > 0 then
    for i = 1, #joined do rec.cases[#rec.cases + 1] = joined[i] end
    rec.case_count = (rec.case_count or 0) + n
  end
  local row = rec.cause and rec.pack and store.get_cause(rec.pack, rec.cause)
  local days
  if row then
    rec.cause_total, days, rec.cause_last_at = cause_counts(row)
  end
  rec.effect = M.effect(rec, days, now_ms)
  if n == 0 and not row then return s end
  return store.action_json(rec)
end

M.STATUSES = { proposed = true, open = true, assigned = true, done = true, dismissed = true }
M.SCAN_BUDGET = 1000

--- The corrective actions by status (the /metrics gauge at start): one
-- pass over them, at most max.
function M.count_by_status(max)
  local counts, last, n = {}, nil, 0
  repeat
    local ids, vals = store.actions_after(last, 256)
    for i, s in ipairs(vals) do
      local st = json.decode(s).status
      counts[st] = (counts[st] or 0) + 1
      last, n = ids[i], n + 1
    end
  until #ids < 256 or n >= max
  return counts
end

--- GET /v1/corrective-actions/{id}: the body, or nil when there is none.
function M.get_body(id, now_ms)
  local s = store.get_action_json(id)
  return s and ('{"corrective_action":' .. shown(s, now_ms) .. "}")
end

--- GET /v1/corrective-actions: q (checked: status, pack, cause, cursor),
-- limit. Oldest first; at most M.SCAN_BUDGET actions looked at per call.
function M.list_body(q, limit, now_ms)
  local out, last, scanned, more = {}, q.cursor, 0, false
  while #out < limit and scanned < M.SCAN_BUDGET do
    local ids, vals = store.actions_after(last, 256)
    more = #ids == 256
    for i, id in ipairs(ids) do
      last, scanned = id, scanned + 1
      local s = vals[i]
      local rec = json.decode(s)
      if (not q.status or rec.status == q.status) and (not q.pack or rec.pack == q.pack) and
          (not q.cause or rec.cause == q.cause) then
        out[#out + 1] = shown(s, now_ms)
        if #out == limit then more = i < #ids or more; break end
      end
      if scanned >= M.SCAN_BUDGET then more = i < #ids or more; break end
    end
    if #ids < 256 then break end
  end
  if more and #out == limit then more = #store.actions_after(last, 1) > 0 end
  return '{"corrective_actions":[' .. table.concat(out, ",") .. '],"next_cursor":' ..
    (more and ('"' .. last .. '"') or "null") .. "}"
end

return M
