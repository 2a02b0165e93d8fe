--- The engine: one job (a complaint or an event) → load the case → call the
-- policy → validate and apply its actions → write event, decision, case,
-- indexes and outbox rows. Runs on a decision worker (runtime/engine.c)
-- against a read snapshot: every write goes into the job's write set, which
-- the writer applies later if what the job read is unchanged (else the job
-- is decided again on a newer snapshot). Whatever it raises drops the write
-- set and nothing else.
local rd = require "rd"
local json = require "redress.json"
local validate = require "redress.validate"
local config = require "redress.config"
local store = require "redress.store"
local registry = require "redress.registry"
local time = require "redress.time"
local decider = require "redress.decide"
local breaker_mod = require "redress.breaker"
local summary = require "redress.summary"
local learn = require "redress.learn"
local metrics = require "redress.metrics"
local erase = require "redress.erase"
local session = require "redress.session"
local dashboard = require "redress.dashboard"

local M = {}

-- Who sent a job: the API's fingerprint of the token and its roles.
local function actor_of(job)
  if not job.actor then return nil end
  local token, roles = job.actor:match("^(%x+) (.*)$")
  return { token = token, roles = roles }
end

local function refuse(e)
  return { status = e.status, body = json.error_body(e.code, e.message, e.field), wrote = false }
end

-- The customer's summary row: one read. A store written before summaries
-- has none: it is built once from the customer's cases. In a store made
-- with them (store.summaries_complete, which once true stays true: known
-- is the engine's own { complete }), a customer without a row is a new one.
local function summary_row(customer_id, known)
  local row = store.get_summary(customer_id)
  if row then return row end
  row = summary.empty()
  known.complete = known.complete or store.summaries_complete()
  if known.complete then return row end
  for _, id in ipairs(store.customer_case_ids(customer_id, nil, 1000000)) do
    local c = store.get_case(id, true)
    if c then summary.add_case(row, c, 1) end
  end
  return row
end

-- What a decision needs to know from the store, beyond the case: amounts
-- spent against budgets and the customer's other cases (for the case view).
-- row: the customer's summary row without this case (its other cases;
-- for an event, the case was taken out before the event changed it).
local NONE_SPENT = {} -- (read only: the day's spending where no per-day budget is set)

local function inputs_for(reg, case, now_ms, row)
  local cfg = reg.cfg
  local view, spent_customer = summary.view(row, now_ms)
  local day = time.format(now_ms):sub(1, 10)
  local spent_day = next(cfg.budgets.per_day) and {} or NONE_SPENT
  for cur in pairs(cfg.budgets.per_day) do spent_day[cur] = store.spent_day(day, cur) end
  -- (the fields the decision adds named too, as nil: the table is made
  -- at its final size instead of re-made when the ninth arrives)
  return { budgets = cfg.budgets, spent = { customer = spent_customer, day = spent_day }, day = day,
    summary_row = row, customer_summary = view,
    clock_ms = nil, actor = nil, opened = nil, history = nil, pre = nil, dash_before = nil,
    promises = nil, observed = nil, limit = nil, corrective = nil, dash = nil }
end

-- What the view's history takes of an event, and of a decision when its
-- event does not say (a record stored before events kept `decided`): a
-- decision record is read for these fields and its actions' types only.
local EVENT_FIELDS = { seq = true, type = true, at = true, data = true, decided = true }
local DECISION_FIELDS = { event_seq = true, event = true, outcome = true, at = true, pack = { version = true },
  actions = { ["*"] = { type = true } } }

-- What the view's history shows of a decision, kept in its event's record
-- (`decided`), so that an event on a long case reads its last fifty events
-- and not fifty decision records too (their texts, traces and explanations
-- made an event on a 50-event case cost three times a complaint).
-- The types of a list of actions (a decision's, or none).
local function types_of(actions)
  local types = { nil, nil, nil, nil } -- room for four (see decide.apply)
  for i = 1, #(actions or {}) do types[i] = actions[i].type end
  return types
end

local function decided(decision)
  return { outcome = decision.outcome, pack_version = decision.pack.version,
    actions = json.array(types_of(decision.actions)) }
end

-- The case view's history: the last 50 events, and the decisions made on
-- them (outcome and the types of the actions taken).
local function history(case)
  local hist, decisions = {}, {}
  -- the last 50 events, newest first, put in order
  local ev = store.recent_events_json(case.id, 50)
  local complete = true
  for i = #ev, 1, -1 do
    local e = json.decode_only(ev[i], EVENT_FIELDS)
    hist[#hist + 1] = { seq = e.seq, type = e.type, at = e.at, data = e.data }
    local d = e.decided
    if d then
      decisions[#decisions + 1] = { event_seq = e.seq, event = e.type, outcome = d.outcome, at = e.at,
        pack_version = d.pack_version, actions = d.actions }
    else
      complete = false
    end
  end
  if complete then return hist, decisions end
  -- an older record, or an event without a decision (an erasure): the
  -- decisions' own records, as before events kept them
  decisions = {}
  local dv = store.recent_decisions_json(case.id, 50)
  for i = #dv, 1, -1 do
    local d = json.decode_only(dv[i], DECISION_FIELDS)
    decisions[#decisions + 1] = { event_seq = d.event_seq, event = d.event, outcome = d.outcome,
      at = d.at, pack_version = d.pack and d.pack.version, actions = types_of(d.actions) }
  end
  return hist, decisions
end

--- One decision worker's engine (each worker has its own).
function M.new(config_path)
  local reg = registry.load(config.load(config_path), config_path)
  local self = { config_path = config_path }
  metrics.declare()
  local limits = reg.cfg.limits
  local breaker = breaker_mod.new { after = limits.quarantine_after, seconds = limits.quarantine_seconds }
  local summaries = { complete = false } -- see summary_row

  -- The quarantine's view of one decision: admit the call or record it as
  -- quarantined; afterwards count its outcome, and on a change of state
  -- store the report GET /v1/packs shows and say it in the log.
  local function guard(p, inputs)
    if not p then return nil end
    local key = p.name .. "@" .. p.version
    local ok, why = breaker:admit(key, inputs.clock_ms)
    if not ok then inputs.skip = { kind = "quarantined", message = why } end
    return key
  end
  local function count(key, decision, inputs)
    if not key or inputs.skip then return end
    local changed = breaker:record(key, inputs.clock_ms, decision.limit)
    if changed then
      store.put_pack_health(json.encode(breaker:report()))
      inputs.warnings = { changed }
    end
  end

  -- Decides and stores event + decision + case + outbox rows + timers.
  local function decide(case, p, etype, data, now_ms, handler, inputs)
    local timers_before = {}
    for k, v in pairs(case.timers) do timers_before[k] = v end
    local key = guard(p, inputs)
    local dash_before = inputs.dash_before -- the case before the event's built-in step (nil: a new case)
    local event, decision, deliver, observed, promises = decider.run(case, p, etype, data, now_ms, handler, inputs)
    inputs.promises = promises
    event.actor = inputs.actor -- who sent it (the timeline's audit trail); nil for timers
    count(key, decision, inputs)
    if decision.outcome == "policy_error" then
      -- the operator sees every failed call in the log: which pack, which
      -- version, which case and where (the error carries file:line)
      inputs.warnings = inputs.warnings or {}
      table.insert(inputs.warnings, 1, string.format("policy error: %s %s, %s on case %s: %s",
        decision.pack.name, decision.pack.version, handler, case.id, decision.error))
    end
    inputs.observed = observed
    inputs.limit = decision.limit
    -- recurring causes and corrective actions (redress.learn), in this write set
    inputs.corrective = learn.after_decision(case, p, decision, deliver, now_ms, inputs.opened)
    store.sync_timers(case, timers_before)
    event.decided = decided(decision)
    store.put_event(case.id, event)
    local decision_json = store.put_decision(case.id, decision)
    store.outbox_add_all(case, deliver, event.at)
    local granted -- per currency, what this decision has granted so far
    for i = 1, #deliver do
      local a = deliver[i]
      local cap = a.type == "offer" and a.amount > 0 and reg.cfg.budgets.per_day[a.currency]
      if cap then
        -- the writer holds the cap for what the engine granted under it,
        -- all of this decision's grants together; a manager's approval of an
        -- offer over it stands
        granted = granted or {}
        local before = granted[a.currency] or 0
        granted[a.currency] = before + a.amount
        store.add_spent_day(inputs.day, a.currency, a.amount, not a.approval and (cap - before) or nil)
      end
    end
    -- the dashboard's day and open-cases rows, and what /metrics adds (it marks the case)
    inputs.dash = dashboard.record(dash_before, case, etype, data, deliver, observed, promises, now_ms)
    local case_json = store.put_case(case)
    -- the customer's summary, with this case as it is now
    store.put_summary(case.customer.id, summary.prune(summary.add_case(inputs.summary_row, case, 1),
      inputs.clock_ms or now_ms))
    return case_json, decision_json, decision.outcome
  end

  local function idem_lookup(key, body)
    if not key then return nil end
    local rec = store.idem_get(key)
    if not rec then return nil end
    if rec.hash ~= rd.sha256(body) then
      return refuse { status = 409, code = "idempotency_conflict", field = json.null,
        message = "this Idempotency-Key was used before with a different body" }
    end
    return { status = rec.status, body = rec.body, wrote = false, replay = true }
  end

  local function answer(status, case_json, decision_json, outcome, idem_key, body, inputs)
    local out = '{"case":' .. case_json .. ',"decision":' .. decision_json .. '}'
    if idem_key then store.idem_put(idem_key, { hash = rd.sha256(body), status = status, body = out }) end
    return { status = status, body = out, wrote = true, metrics = metrics.decision(outcome, inputs),
      warnings = inputs and inputs.warnings }
  end

  local function complaint(job)
    local key = job.idem_key and ("c\0" .. job.idem_key)
    local replay = idem_lookup(key, job.body)
    if replay then return replay end
    local raw, code, msg, field, status = json.decode_object(job.body)
    if not raw then return refuse { status = status or 400, code = code, message = msg, field = field } end
    local c, verr = validate.complaint(raw)
    if not c then return refuse(verr) end
    -- the loop thread read the body only up to the first customer.id, its
    -- dispatch key (json.customer_of): a body that names another after it
    -- was ordered under the wrong customer
    if job.customer_id ~= nil and job.customer_id ~= c.customer.id then
      return refuse { status = 422, code = "validation_failed", field = "customer",
        message = "the body names its customer more than once; give customer once" }
    end
    local p, rule = reg.route(c)
    local details, derr = validate.details(c.details, p.details, p.name)
    if not details then return refuse(derr) end
    c.details = details
    local case = decider.new_case(c, job.new_case_id or store.next_case_id(), p, job.now_ms)
    if rule then case.route = rule end
    store.index_customer(c.customer.id, case.id)
    local inputs = inputs_for(reg, case, job.now_ms, summary_row(c.customer.id, summaries))
    inputs.clock_ms = job.now_ms
    inputs.actor = actor_of(job)
    inputs.opened = true -- a new case: its recurring cause is counted
    local case_json, decision_json, outcome = decide(case, p, "complaint.received", c, job.now_ms, "on_complaint", inputs)
    return answer(201, case_json, decision_json, outcome, key, job.body, inputs)
  end

  local function event(job)
    local case = store.get_case(job.case_id)
    if not case then
      return refuse { status = 404, code = "not_found", message = "no case " .. job.case_id, field = json.null }
    end
    local key = job.idem_key and ("e\0" .. job.case_id .. "\0" .. job.idem_key)
    local replay = idem_lookup(key, job.body)
    if replay then return replay end
    local raw, code, msg, field, status = json.decode_object(job.body)
    if not raw then return refuse { status = status or 400, code = code, message = msg, field = field } end
    -- the case's pinned pack version says which event types of its own it takes
    local p = reg.for_case(case)
    local etype, data = validate.event(raw, p and p.events, p and p.name .. " " .. p.version)
    if not etype then return refuse(data) end
    local others = summary.add_case(summary_row(case.customer.id, summaries), case, -1) -- as it was, taken out
    local dash_before = dashboard.before(case)
    local ok, pre_deliver, pre_trace = decider.on_event_builtin(case, etype, data, time.format(job.now_ms),
      reg.for_case(case), actor_of(job))
    if not ok then return refuse(pre_deliver) end
    local inputs = inputs_for(reg, case, job.now_ms, others)
    inputs.clock_ms = job.now_ms
    inputs.actor = actor_of(job)
    inputs.history = function() return history(case) end
    inputs.pre = { deliver = pre_deliver, trace = pre_trace }
    inputs.dash_before = dash_before
    local case_json, decision_json, outcome = decide(case, reg.for_case(case), etype, data, job.now_ms, "on_event", inputs)
    return answer(200, case_json, decision_json, outcome, key, job.body, inputs)
  end

  -- The lowest webhook cursor: rows above it are still to be delivered by
  -- some subscription (nil: no webhooks).
  local function webhook_floor()
    local low
    for _, h in ipairs(reg.cfg.webhooks or {}) do
      local c = store.webhook_cursor(h.name)
      low = low and math.min(low, c) or c
    end
    return low
  end

  -- The pull consumer's ack deletes a row, unless a webhook has not
  -- delivered it yet: then the row is marked acked (GET /v1/outbox no
  -- longer lists it) and deleted when the last webhook passes it.
  local function outbox_ack(job)
    local t, code, msg, field, status = json.decode_object(job.body)
    if not t then return refuse { status = status or 400, code = code, message = msg, field = field } end
    local n, floor = 0, webhook_floor()
    for _, s in ipairs(t.seqs or {}) do
      local seq = type(s) == "number" and math.tointeger(s)
      if seq and seq > 0 then
        if floor and seq > floor then
          if store.outbox_get(seq) and not store.outbox_is_acked(seq) then
            store.outbox_mark_acked(seq)
            n = n + 1
          end
        elseif store.outbox_ack(seq) then
          n = n + 1
        end
      end
    end
    return { status = 200, body = string.format('{"acked":%d}', n), wrote = n > 0 }
  end

  -- A webhook subscription's progress (runtime/webhooks.c): its cursor, the
  -- items it gave up on (copied to its dead-letter list), and the acked
  -- rows every subscription now has, deleted.
  local function webhook_progress(job)
    local t = json.decode(job.body)
    local known = false
    for _, h in ipairs(reg.cfg.webhooks or {}) do known = known or h.name == t.subscription end
    if not known then return { status = 200, body = "{}", wrote = false } end
    local cursor = math.tointeger(t.cursor) or 0
    if cursor > store.webhook_cursor(t.subscription) then store.webhook_set_cursor(t.subscription, cursor) end
    for _, d in ipairs(t.dead or {}) do
      local row = store.outbox_get(d.seq)
      store.webhook_dead_put(t.subscription, d.seq, { seq = d.seq, subscription = t.subscription,
        attempts = d.attempts, error = d.error, at = time.format(d.at_ms), item = row and json.decode(row) or json.null })
    end
    for _, seq in ipairs(store.outbox_acked_upto(webhook_floor(), 1000)) do store.outbox_forget(seq) end
    return { status = 200, body = "{}", wrote = true }
  end

  -- A due timer: delete it and run on_timer with now = its due time, in
  -- one transaction, so it fires exactly once in the committed history.
  local function fire(job)
    local row = store.timer_get(job.body)
    if not row then return { status = 200, body = "{}", wrote = false } end  -- moved or cancelled
    local case = store.get_case(row.case_id)
    store.timer_del(job.body)
    if not case then return { status = 200, body = "{}", wrote = true } end
    local data = { name = row.name, data = row.data, due_at = row.due_at, fired_at = time.format(job.now_ms) }
    local others = summary.add_case(summary_row(case.customer.id, summaries), case, -1) -- as it was, taken out
    local dash_before = dashboard.before(case)
    -- the built-in step consumes the timer from case.timers, so decide()'s
    -- snapshot no longer holds it: the row deleted above stays deleted, and
    -- a timer on_timer sets again under the same name is written anew
    local _, pre_d, pre_t = decider.on_event_builtin(case, "timer.fired", data, data.fired_at, reg.for_case(case))
    local inputs = inputs_for(reg, case, row.due_ms, others)
    inputs.clock_ms = job.now_ms
    inputs.history = function() return history(case) end
    inputs.pre = { deliver = pre_d, trace = pre_t }
    inputs.dash_before = dash_before
    -- the engine's own timers (redress.*) run no policy
    local handler = not row.name:match("^redress%.") and "on_timer" or nil
    local _, _, outcome = decide(case, reg.for_case(case), "timer.fired", data, row.due_ms, handler, inputs)
    return { status = 200, body = "{}", wrote = true, metrics = metrics.decision(outcome, inputs, true),
      warnings = inputs.warnings }
  end

  -- A timer whose firing failed inside the engine (a bug, not a policy
  -- error) is dropped rather than retried for ever.
  local function drop_timer(job)
    local row = store.timer_get(job.body)
    if row then store.timer_del(job.body) end
    return { status = 200, body = "{}", wrote = row ~= nil }
  end

  local function sync_answer(warnings)
    return { status = 200, wrote = true, warnings = warnings,
      body = '{"reloaded":true,' .. store.get_packs_list():sub(2, -2) .. ',"warnings":' ..
        json.encode(json.array(warnings)) .. "}" }
  end

  -- Reload, in two steps so that every decision worker changes packs
  -- together: prepare loads the config and packs into `pending` (a failure
  -- keeps what runs now) and returns a signature of what it loaded (the
  -- workers' must agree); commit makes it current; abort drops it.
  local pending, previous
  local function reload_prepare()
    local ok, new = pcall(function() return registry.load(config.load(config_path), config_path) end)
    if not ok then
      pending = nil
      return refuse { status = 422, code = "reload_failed", field = json.null,
        message = "nothing was changed: " .. tostring(new) }
    end
    -- what was read from disk (versions loaded later from the store for
    -- pinned cases differ between workers and do not count)
    local sig = {}
    for k, p in pairs(new.versions) do sig[#sig + 1] = k .. "#" .. p.hash end
    table.sort(sig)
    -- versions already loaded stay available to the cases pinned to them
    for k, p in pairs(reg.versions) do
      if not new.versions[k] then new.versions[k] = p end
    end
    pending = new
    return { status = 200, body = "{}", wrote = false, signature = table.concat(sig, " ") }
  end
  local function reload_commit(write)
    previous = pending and reg or nil
    reg, pending = pending or reg, nil
    limits = reg.cfg.limits
    if write then return sync_answer(reg.sync()) end
    return { status = 200, body = "{}", wrote = false }
  end
  -- The reload's writes were not committed (in a cluster: not published):
  -- every worker goes back to the packs it ran before, as the answer says.
  local function reload_revert()
    if previous then reg, previous = previous, nil end
    limits = reg.cfg.limits
    return { status = 200, body = "{}", wrote = false }
  end

  --- The workers' entry (runtime/worker.c): the job's fields come as
  -- arguments and the answer's go back as results, so the C side looks up
  -- no field by name (a C lookup of a name costs about ten times Lua's).
  function self.worker_fn(kind, body, now_ms, case_id, idem_key, customer_id, actor, new_case_id)
    local r = self.handle_fn { kind = kind, body = body, now_ms = now_ms, case_id = case_id, idem_key = idem_key,
      customer_id = customer_id, actor = actor, new_case_id = new_case_id }
    return r.status, r.body, r.wrote, r.compact, r.metrics, r.replay, r.signature, r.warnings
  end

  --- handle(job) → {status, body, wrote, metrics, replay, warnings, signature}
  function self.handle_fn(job)
    if job.kind == "complaint" then return complaint(job) end
    if job.kind == "event" then return event(job) end
    if job.kind == "outbox_ack" then return outbox_ack(job) end
    if job.kind == "webhook" then return webhook_progress(job) end
    if job.kind == "sessions_revoke" then
      session.ensure_key(true)
      return { status = 200, body = '{"revoked":true}', wrote = true }
    end
    if job.kind == "erase" then
      local counts = erase.run(job.customer_id, job.actor, job.now_ms)
      if not counts then
        return refuse { status = 404, code = "not_found", field = json.null, message = "redress holds nothing of this customer" }
      end
      -- the writer compacts the store after the commit (freed pages would keep the data)
      return { status = 200, body = json.encode { erased = counts }, wrote = true, compact = true }
    end
    if job.kind == "reload_prepare" then return reload_prepare() end
    if job.kind == "reload_commit" then return reload_commit(true) end
    if job.kind == "reload_adopt" then return reload_commit(false) end
    if job.kind == "reload_abort" then pending = nil; return { status = 200, body = "{}", wrote = false } end
    if job.kind == "reload_revert" then return reload_revert() end
    if job.kind == "sync" then
      breaker_mod.reset() -- a new daemon: no pack is quarantined
      store.put_pack_health("{}")
      session.ensure_key() -- the console's session key, made by the first start
      local a = sync_answer(reg.sync())
      -- the open-cases gauge starts from the store (built once by a bounded scan)
      local open = dashboard.open_gauge_lines(dashboard.ensure_open(1000000))
      a.metrics = (open ~= "" and (open .. "\n") or "") ..
        metrics.corrective_gauge_lines(learn.count_by_status(1000000)) -- learn: actions by status
      dashboard.ensure_pinned(1000000) -- the cases pinned to each pack version (GET /v1/packs)
      -- a store with no case yet keeps every customer's summary from the first
      if not store.summaries_complete() and not store.has_cases() then store.mark_summaries_complete() end
      return a
    end
    if job.kind == "corrective" then
      local a = learn.transition(job.case_id, job.body, actor_of(job), job.now_ms)
      a.metrics = a.change and metrics.corrective_change(a.change) -- counted once committed
      return a
    end
    if job.kind == "timer" then return fire(job) end
    if job.kind == "timer_drop" then return drop_timer(job) end
    error("unknown job kind " .. tostring(job.kind))
  end

  function self.registry() return reg end
  return self
end

return M
