--- `redress replay`: re-runs stored history under another version of a pack
-- and reports what would change — per case, the decisions whose actions
-- differ; compensation per currency and escalations before and after.
-- Writes nothing: the store is opened read-only (no lock, so it works beside
-- a running daemon) and every call reads one consistent snapshot.
--
-- What a replay cannot know, and so leaves out: the customer summary in the
-- case view (complaints in 365 days, open cases, compensation) is empty,
-- and amounts already spent by other cases and days start at zero for the
-- budget guardrails. Store queries a policy makes (redress.query) see the
-- store as it is now, not as it was when the event happened.
local json = require "redress.json"
local time = require "redress.time"
local config = require "redress.config"
local pack = require "redress.pack"
local store = require "redress.store"
local validate = require "redress.validate"
local decide = require "redress.decide"
local money = require("redress.act").money_text

local M = {}

local HISTORY = 50                   -- events in the case view, as the engine gives

local function complain(fmt, ...) io.stderr:write("redress: ", string.format(fmt, ...), "\n") end

-- cjson decodes every number as a float; what was an integer is one again.
local function int(v) return type(v) == "number" and math.tointeger(v) or v end

-- An action reduced to what a business user cares about, so that ids of
-- approvals, reasons and next-contact hints do not count as changes.
local function norm(a)
  local n = { type = a.type }
  if a.type == "offer" or a.type == "request_approval" then
    local o = a.type == "offer" and a or a.offer or {}
    n.id, n.kind, n.amount, n.currency = o.id, o.kind, int(o.amount), o.currency
    n.held_for_approval = (a.type == "request_approval" or a.held_for_approval ~= nil) or nil
  elseif a.type == "escalate" then
    n.tier, n.team = int(a.tier), a.team
  elseif a.type == "acknowledge" or a.type == "message" then
    n.template, n.language, n.text = a.template, a.language, a.text
  elseif a.type == "set" then
    n.status, n.tags, n.facts = a.status, a.tags and table.move(a.tags, 1, #a.tags, 1, {}), a.facts and {}
    for k, v in pairs(a.facts or {}) do n.facts[k] = int(v) end  -- facts are flat (act.set)
  elseif a.type == "open_corrective_action" then
    n.title = a.title
  elseif a.type == "timer" or a.type == "cancel_timer" then
    n.name, n.due_at = a.name, a.due_at
  end
  return n
end

local function same(a, b)
  if type(a) ~= "table" or type(b) ~= "table" then return a == b end
  for k, v in pairs(a) do if not same(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

--- The compact form of a decision that the report shows and compares.
local function compact(d)
  local acts = {}
  for _, a in ipairs(d and d.actions or {}) do
    acts[#acts + 1] = norm(a)
    -- an offer's message is a message to the customer like any other
    local o = a.type == "offer" and a or a.type == "request_approval" and a.offer
    if type(o) == "table" and type(o.message) == "table" then acts[#acts + 1] = norm(o.message) end
  end
  local err = d and d.error ~= json.null and d.error or nil
  return { outcome = d and d.outcome or "missing", error = err, actions = acts }
end

local function offer_text(o, with_kind)
  local s = o.amount and o.amount > 0 and money(o.amount, o.currency) or "no amount"
  if with_kind then s = o.kind .. (o.amount and o.amount > 0 and (" " .. s) or "") end
  return s .. (o.held_for_approval and ", held for approval" or "")
end

local function set_text(s)
  local parts = {}
  if s.status then parts[#parts + 1] = "status " .. s.status end
  if s.tags then parts[#parts + 1] = "tags " .. table.concat(s.tags, ", ") end
  if s.facts then
    local keys = {}
    for k in pairs(s.facts) do keys[#keys + 1] = k end
    table.sort(keys)
    parts[#parts + 1] = "facts " .. table.concat(keys, ", ")
  end
  return #parts > 0 and table.concat(parts, "; ") or "nothing"
end

-- What an action is ("escalation") and its details ("tier 2 (social-care)").
local function what(a)
  if a.type == "acknowledge" or a.type == "message" then
    return a.type .. (a.type == "message" and (" " .. tostring(a.template)) or "") .. " (" .. tostring(a.language) .. ")", ""
  elseif a.type == "escalate" then return "escalation", "tier " .. a.tier .. (a.team and (" (" .. a.team .. ")") or "")
  elseif a.type == "set" then return "set", set_text(a)
  elseif a.type == "open_corrective_action" then return "corrective action", string.format("%q", tostring(a.title))
  elseif a.type == "timer" then return "timer " .. tostring(a.name), "due " .. tostring(a.due_at)
  elseif a.type == "cancel_timer" then return "cancel of timer " .. tostring(a.name), "" end
  return a.type, ""
end

local function full(a)
  local label, detail = what(a)
  return detail == "" and label or (label .. " " .. detail)
end

-- Pairs actions by a key (the k-th of each key before with the k-th after)
-- and calls fn(before, after) for each pair; either side may be nil.
local function pair(before, after, key, fn)
  local groups, order = {}, {}
  local function add(list, side)
    for _, a in ipairs(list) do
      local k = key(a)
      if k then
        if not groups[k] then groups[k] = { {}, {} }; order[#order + 1] = k end
        table.insert(groups[k][side], a)
      end
    end
  end
  add(before, 1); add(after, 2)
  for _, k in ipairs(order) do
    local b, a = groups[k][1], groups[k][2]
    for i = 1, math.max(#b, #a) do fn(b[i], a[i]) end
  end
end

--- Short readable descriptions of what changed between two compact decisions.
local function describe(b, a)
  local out = {}
  local function say(fmt, ...) out[#out + 1] = string.format(fmt, ...) end
  if b.outcome ~= a.outcome then
    say("outcome %s → %s%s", b.outcome, a.outcome, a.error and (" (" .. a.error:sub(1, 120) .. ")") or "")
  elseif b.error ~= a.error then
    say("policy error changed: %s", tostring(a.error):sub(1, 120))
  end
  local ba, aa = b.actions, a.actions
  -- Offers (and offers waiting for approval) are matched by their id.
  pair(ba, aa, function(x) return x.kind and x.id end, function(x, y)
    if not x then say("new offer %s %s", y.id, offer_text(y, true))
    elseif not y then say("offer %s %s dropped", x.id, offer_text(x, true))
    elseif not same(x, y) then
      say("offer %s %s → %s", x.id, offer_text(x, true), offer_text(y, x.kind ~= y.kind))
    end
  end)
  -- Wording is matched by template, timers by name, everything else by type, in order.
  pair(ba, aa, function(x) return not x.kind and (x.type .. ":" .. tostring(x.template or x.name)) end, function(x, y)
    if not x then say("new %s", full(y))
    elseif not y then say("%s dropped", full(x))
    elseif x.text and x.language ~= y.language then say("language of %s → %s", full(x), tostring(y.language))
    elseif x.text and x.text ~= y.text then say("wording of %s changed", full(x))
    elseif not same(x, y) then say("%s → %s", full(x), select(2, what(y))) end
  end)
  if #out == 0 then say("order of actions changed") end
  return out
end

-- Adds a compact decision's delivered compensation and escalations to t.
local function tally(t, c)
  for _, x in ipairs(c.actions) do
    if x.type == "offer" and not x.held_for_approval and (x.amount or 0) > 0 and x.currency then
      t.compensation[x.currency] = (t.compensation[x.currency] or 0) + x.amount
    elseif x.type == "escalate" then
      t.escalations.count = t.escalations.count + 1
      t.escalations.max_tier = math.max(t.escalations.max_tier, x.tier or 0)
    end
  end
end

local function new_tally() return { compensation = {}, escalations = { count = 0, max_tier = 0 } } end

-- The data of a stored event as the engine gave it to the policy: the same
-- validation again turns cjson's floats back into integers where the engine
-- had integers. Events a client cannot post (timers), and a pack's own
-- events the replayed version p does not take, keep their data.
local function event_data(e, p)
  local data = e.data or {}
  if e.type == "complaint.received" then return validate.complaint(data) or data end
  local t, d = validate.event({ type = e.type, data = data }, p.events)
  return t and d or data
end

-- Replays one case; returns its changed events (a list) and the events count.
-- release(): ends the read transaction once the case's rows are read, so no
-- snapshot stays open while the candidate runs (a daemon's writer must be
-- free to grow the map meanwhile).
local function replay_case(stored, p, budgets, totals, release)
  local ek, ev, dk, dv = store.case_rows(stored.id)
  if release then release() end
  local decisions = {}
  for i, k in ipairs(dk) do decisions[k] = dv[i] end
  local changed, history, case = {}, {}, nil
  for i, k in ipairs(ek) do
    local e = json.decode(ev[i])
    local old = decisions[k] and json.decode(decisions[k])
    if old and old.pack then totals.before_by[old.pack.name .. " " .. old.pack.version] = old.pack end
    local at_ms = assert(time.parse(e.at))
    local data = event_data(e, p)
    local inputs = { budgets = budgets, spent = { customer = {}, day = {} },
      -- an outcome that depended on the machine (a wall-clock stop, the
      -- quarantine) is repeated as recorded, not run again
      skip = old and decide.LOAD_DEPENDENT[old.limit] and
        { kind = old.limit, message = tostring(old.error):gsub("^%[%a+%] ", "") } or nil,
      -- a copy: the policy may change its view, and the next event must not see that
      view_extra = { history = pack.deep_copy(table.move(history, math.max(1, #history - HISTORY + 1), #history, 1, {})),
        customer_summary = decide.empty_summary() } }
    local new
    if i == 1 then
      case = decide.new_case(data, stored.id, p, at_ms)
      case.route = stored.route
      local _, d = decide.run(case, p, "complaint.received", data, at_ms, "on_complaint", inputs)
      new = compact(d)
    else
      -- A timer the new pack never set (or cancelled) would not have fired.
      local unset = e.type == "timer.fired" and type(case.timers) == "table" and not case.timers[data.name]
      local ok, pre_deliver, pre_trace = false, { message = "timer " .. tostring(data.name) ..
        " would not fire under the new pack: it was not pending" }, nil
      if not unset then ok, pre_deliver, pre_trace = decide.on_event_builtin(case, e.type, data, e.at, p) end
      if ok then
        inputs.pre = { deliver = pre_deliver, trace = pre_trace }
        local handler = "on_event"
        if old and old.handler == "on_timer" then handler = "on_timer" end
        if old and old.handler == "engine" then handler = nil end -- the engine's own timer
        local _, d = decide.run(case, p, e.type, data, at_ms, handler, inputs)
        new = compact(d)
      else
        -- The daemon accepted this event; under the new pack it would have
        -- been refused (e.g. an offer the new pack never made) or never
        -- happened. The seq still counts so later events keep their numbers.
        case.events = case.events + 1
        new = { outcome = unset and "not_fired" or "refused", error = pre_deliver.message, actions = {} }
      end
    end
    local before = compact(old)
    tally(totals.before, before)
    tally(totals.after, new)
    if not same(before, new) then
      local changes = new.outcome == "refused" and { "event refused under the new pack: " .. new.error }
        or new.outcome == "not_fired" and { new.error } or describe(before, new)
      changed[#changed + 1] = { seq = e.seq, type = e.type, changes = changes, before = before, after = new }
    end
    -- the view's history holds the data as decoded, as the engine gives it
    history[#history + 1] = { seq = e.seq, type = e.type, at = e.at, data = json.decode(ev[i]).data }
  end
  return changed, #ek
end

-- Every case of pack name opened in [since, until), in key (opening) order,
-- up to sel.max cases and no further than case id sel.last (both optional):
-- fn(case) for each; fn returning false stops. sel.pause() runs after each
-- page of cases read (the daemon ends its read transaction there).
local function each_case(name, since, until_ms, fn, sel)
  sel = sel or {}
  local after, n = nil, 0
  repeat
    local keys, vals = store.cases_after(after, 1000)
    if sel.pause then sel.pause() end
    for i, s in ipairs(vals) do
      if sel.last and keys[i] > sel.last then return end
      if sel.every and i % 100 == 0 and sel.every() == false then return end
      -- only what the selection needs, when fn needs no more (the count)
      local c = sel.only and json.decode_only(s, sel.only) or store.case_shape(json.decode(s))
      local opened = int(c.opened_ms) or time.parse(c.opened_at)
      if c.pack and c.pack.name == name and (not since or opened >= since) and (not until_ms or opened < until_ms) then
        if sel.max and n >= sel.max then return end
        n = n + 1
        if fn(c) == false then return end
      end
    end
    after = keys[#keys] or after
  until #keys < 1000
end

--- How many cases a replay of pack name over [since, until) would take (at
-- most max) and the id of the last: a daemon's replay counts first, for its
-- progress, and stops at that id, so cases opened meanwhile are left out.
-- Each case is read for its id, pack and time only; pause() ends the read
-- transaction between pages, and every() is called every hundred cases
-- looked at (false: stop counting).
local COUNTED = { id = true, pack = { name = true }, opened_ms = true, opened_at = true }
function M.count(name, since, until_ms, max, pause, every)
  local n, last = 0, nil
  each_case(name, since, until_ms, function(c) n, last = n + 1, c.id end,
    { max = max, pause = pause, every = every, only = COUNTED })
  return n, last
end

--- Replays the store under the pack p; returns the report table (see the
-- JSON output) or raises on a store error. opts: since, until (as given, for
-- the report), pack (its source), and for a daemon's replay max_cases,
-- last_case (no case past this id), on_change(entry) (each changed case,
-- then not kept in report.changes), after_case(cases done) (false: stop),
-- pause() (ends the read transaction: between pages of cases, and as soon
-- as a case's rows are read, before its policy calls).
function M.run(opts, p, budgets, since, until_ms)
  local totals = { before = new_tally(), after = new_tally(), before_by = {} }
  local report = { pack = { name = p.name, version = p.version, hash = p.hash, source = opts.pack },
    since = opts.since, ["until"] = opts["until"], cases = 0, events = 0, changes = {}, changed_cases = 0 }
  local function changed(entry)
    report.changed_cases = report.changed_cases + 1
    if opts.on_change then opts.on_change(entry) else report.changes[#report.changes + 1] = entry end
  end
  each_case(p.name, since, until_ms, function(c)
    report.cases = report.cases + 1
    report.first_opened = report.first_opened or c.opened_at
    report.last_opened = c.opened_at
    local ok, events, n = pcall(replay_case, c, p, budgets, totals, opts.pause)
    local entry = { case_id = c.id, category = c.category, channel = c.channel, language = c.language,
      opened_at = c.opened_at }
    if not ok then
      entry.error, entry.events = tostring(events), {}
      changed(entry)
    else
      report.events = report.events + n
      if #events > 0 then
        entry.events = events
        changed(entry)
      end
    end
    if opts.after_case then return opts.after_case(report.cases) end
  end, { max = opts.max_cases, last = opts.last_case, pause = opts.pause })
  local by = {}
  for _, v in pairs(totals.before_by) do by[#by + 1] = { name = v.name, version = v.version } end
  table.sort(by, function(a, b) return a.name .. " " .. a.version < b.name .. " " .. b.version end)
  report.decided_before_by = by
  report.compensation = { before = totals.before.compensation, after = totals.after.compensation }
  report.escalations = { before = totals.before.escalations, after = totals.after.escalations }
  return report
end

--- One changed case of a report with every list that may be empty marked
-- as a JSON array (for json.encode).
function M.entry_for_json(c)
  for _, e in ipairs(c.events) do
    for _, d in ipairs { e.before, e.after } do
      for _, a in ipairs(d.actions) do a.tags = a.tags and json.array(a.tags) end
      d.actions = json.array(d.actions)
    end
    e.changes = json.array(e.changes)
  end
  c.events = json.array(c.events)
  return c
end

-- The report with every list that may be empty marked as a JSON array.
local function for_json(r)
  for _, c in ipairs(r.changes) do M.entry_for_json(c) end
  r.changes, r.decided_before_by = json.array(r.changes), json.array(r.decided_before_by)
  return r
end

local function amount_text(n, cur) return (money(n, cur):gsub(" %S+$", "")) end

--- Loads the pack in dir to replay under, as the daemon would load it with
-- config cfg (its limits, pack settings, calendars and legal overrides;
-- without one, the default limits). Raises "dir: what is wrong".
function M.load_pack(dir, cfg)
  if not cfg then return pack.load(dir, config.defaults) end
  return pack.load(dir, cfg.limits, cfg.pack_settings, cfg.calendars, cfg.legal.overrides)
end

--- The readable summary of a report, as lines.
function M.summary(r)
  local lines = {}
  local function say(fmt, ...) lines[#lines + 1] = string.format(fmt, ...) end
  local by = {}
  for _, v in ipairs(r.decided_before_by) do by[#by + 1] = v.name .. " " .. v.version end
  local from, to = r.since or r.first_opened, r["until"] or r.last_opened
  say("replayed %d case%s (%d events)%s under %s %s%s", r.cases, r.cases == 1 and "" or "s", r.events,
    (from or to) and (" opened " .. (from or "…") .. " … " .. (to or "…")) or "", r.pack.name, r.pack.version,
    #by > 0 and (" (decided before by " .. table.concat(by, ", ") .. ")") or "")
  if r.changed_cases == 0 then say("no case changed") else
    say("%d case%s changed:", r.changed_cases, r.changed_cases == 1 and "" or "s")
    for _, c in ipairs(r.changes) do
      if c.error then say("  %s  could not be replayed: %s", c.case_id, c.error) end
      for i, e in ipairs(c.events) do
        say("  %s  event %d %s: %s", i == 1 and c.case_id or string.rep(" ", #c.case_id), e.seq, e.type,
          table.concat(e.changes, "; "))
      end
    end
  end
  local curs = {}
  for cur in pairs(r.compensation.before) do curs[#curs + 1] = cur end
  for cur in pairs(r.compensation.after) do if not r.compensation.before[cur] then curs[#curs + 1] = cur end end
  table.sort(curs)
  if #curs == 0 then say("compensation  none before or after") end
  for _, cur in ipairs(curs) do
    say("compensation  %s  before %s  after %s", cur, amount_text(r.compensation.before[cur] or 0, cur),
      amount_text(r.compensation.after[cur] or 0, cur))
  end
  local b, a = r.escalations.before, r.escalations.after
  say("escalations   before %d (max tier %d)  after %d (max tier %d)", b.count, b.max_tier, a.count, a.max_tier)
  return lines
end

--- Entry point of `redress replay`; opts = {data, pack, since, until,
-- config, json}. Returns the exit code: 0 done (differences are no error),
-- 1 the store, pack or config could not be loaded, 2 a bad option value.
function M.main(opts)
  local window = {}
  for _, name in ipairs { "since", "until" } do
    local ms, why = opts[name] and time.parse(opts[name])
    if opts[name] and not ms then complain("--%s %s: %s", name, opts[name], why); return 2 end
    window[name] = ms
  end
  local cfg, budgets
  if opts.config then
    local ok
    ok, cfg = pcall(config.load, opts.config)
    if not ok then complain("%s", cfg); return 1 end
    budgets = cfg.budgets
  end
  local okp, p = pcall(M.load_pack, opts.pack, cfg)
  if not okp then complain("%s", p); return 1 end
  local ok, err = store.open_readonly(opts.data)
  if not ok then complain("%s", err); return 1 end
  local okr, report = pcall(M.run, opts, p, budgets, window.since, window["until"])
  if not okr then complain("replay failed: %s", report); return 1 end
  if opts.json then
    io.stdout:write(json.encode(for_json(report)), "\n")
  else
    io.stdout:write(table.concat(M.summary(report), "\n"), "\n")
  end
  return 0
end

return M
