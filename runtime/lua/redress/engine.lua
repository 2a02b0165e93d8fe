--- The engine: one job (a complaint or an event) → load the case → call the
-- policy → validate and apply its actions → write event, decision, case,
-- indexes and outbox rows. Runs on the engine thread inside the job's own
-- nested write transaction (see runtime/engine.c); whatever it raises undoes
-- the job and nothing else.
local rd = require "rd"
local json = require "redress.json"
local time = require "redress.time"
local validate = require "redress.validate"
local config = require "redress.config"
local pack = require "redress.pack"
local store = require "redress.store"

local M = {}

local function err_body(e)
  return json.encode { error = { code = e.code, message = e.message, field = e.field or json.null } }
end

local function refuse(e)
  return { status = e.status, body = err_body(e), wrote = false }
end

-- Engine rules a policy's actions must meet, whatever the script says.
-- Raises (a policy error) before anything is applied.
local function check(case, actions)
  for _, a in ipairs(actions) do
    if a.type == "offer" and (a.kind == "refund" or a.kind == "partial_refund") and case.order and
        case.order.amount and case.order.currency ~= a.currency then
      error(string.format("offer %s: a refund must be in the order's currency %s, not %s",
        a.id, case.order.currency, a.currency), 0)
    end
  end
end

-- Applies checked actions to the case; returns the outbox-worthy actions.
-- Guardrails that change an action add a line to the explanation.
local function apply(case, actions, explanation, now_iso)
  local deliver = {}
  for _, a in ipairs(actions) do
    if a.type == "acknowledge" then
      if case.status == "received" or case.status == "reopened" then case.status = "acknowledged" end
      deliver[#deliver + 1] = a
    elseif a.type == "message" then
      deliver[#deliver + 1] = a
    elseif a.type == "offer" then
      local paid = case.order and case.order.amount
      if (a.kind == "refund" or a.kind == "partial_refund") and paid and a.amount > paid then
        explanation[#explanation + 1] = { code = "guardrail.refund_capped", text = string.format(
          "The policy offered a refund of %d %s; the engine capped it at the %d %s the customer paid.",
          a.amount, a.currency, paid, a.currency) }
        a.amount = paid
      end
      local offers = case.offers
      offers[#offers + 1] = { id = a.id, kind = a.kind, amount = a.amount, currency = a.currency,
        reason = a.reason, status = "offered", at = now_iso }
      deliver[#deliver + 1] = a
    elseif a.type == "escalate" then
      if a.tier > case.tier then case.tier = a.tier end
      local esc = case.escalations
      esc[#esc + 1] = { tier = a.tier, team = a.team, reason = a.reason, at = now_iso }
      deliver[#deliver + 1] = a
    elseif a.type == "set" then
      if a.status then case.status = a.status end
      if a.tags then
        local have = {}
        for _, t in ipairs(case.tags) do have[t] = true end
        for _, t in ipairs(a.tags) do
          if not have[t] then case.tags[#case.tags + 1] = t; have[t] = true end
        end
      end
      if a.facts then for k, v in pairs(a.facts) do case.facts[k] = v end end
    end
  end
  return deliver
end

-- Events change the case before the policy sees them.
local function on_event_builtin(case, etype, data)
  if etype == "customer.replied" then
    if case.status == "awaiting_customer" then case.status = "investigating" end
  elseif etype == "investigation.concluded" then
    case.facts.justified = data.justified
    if data.fault then case.facts.fault = data.fault end
  elseif etype == "offer.accepted" or etype == "offer.declined" then
    for _, o in ipairs(case.offers) do
      if o.id == data.offer_id then
        o.status = etype == "offer.accepted" and "accepted" or "declined"
        return true
      end
    end
    return nil, { status = 422, code = "validation_failed", field = "data.offer_id",
      message = "data.offer_id: the case has no offer " .. string.format("%q", data.offer_id) }
  elseif etype == "case.resolved" then
    case.status = "resolved"
  elseif etype == "satisfaction.reported" then
    case.facts.satisfaction = data.score
  elseif etype == "case.reopened" then
    case.status = "reopened"
  end
  return true
end

function M.new(config_path)
  local cfg = config.load(config_path)
  local packs, first = {}, nil
  for _, dir in ipairs(cfg.packs) do
    local p = pack.load(dir, cfg.limits)
    if packs[p.name] then error(dir .. ": a pack named " .. p.name .. " is already loaded", 0) end
    packs[p.name] = p
    first = first or p
  end
  local default = cfg.default_pack and packs[cfg.default_pack]
  if cfg.default_pack and not default then
    error(config_path .. ": default_pack: no loaded pack is named " .. cfg.default_pack, 0)
  end
  default = default or first

  local self = { config = cfg, packs = packs, default = default }

  -- Runs the policy and stores event + decision + case + outbox.
  local function decide(case, p, etype, data, now_ms, handler)
    local now_iso = time.format(now_ms)
    case.events = case.events + 1
    local seq = case.events
    local event = { kind = "event", seq = seq, type = etype, at = now_iso, data = data }
    local decision = { kind = "decision", seq = seq, event_seq = seq, at = now_iso, event = etype,
      pack = { name = p and p.name or case.pack.name, version = p and p.version or case.pack.version },
      handler = handler, error = json.null }

    local actions, explanation, kind
    if not p then
      actions, explanation, kind = nil, "pack " .. case.pack.name .. " is not loaded", "error"
    elseif handler == "on_complaint" then
      actions, explanation, kind = pack.call(p, handler, case)
    else
      actions, explanation, kind = pack.call(p, handler, case, { type = etype, data = data, at = now_iso })
    end
    local deliver = {}
    if actions then
      -- The policy's own result may still break an engine rule (e.g. a
      -- refund in another currency): that too is a policy error.
      local ok, cerr = pcall(check, case, actions)
      if ok then
        deliver = apply(case, actions, explanation, now_iso)
        decision.outcome = "decided"
      else
        actions, explanation, kind = nil, cerr, "error"
      end
    end
    if not actions then
      decision.outcome = "policy_error"
      decision.error = (kind ~= "error" and ("[" .. kind .. "] ") or "") .. tostring(explanation)
      decision.actions, decision.explanation = {}, { { code = "policy_error",
        text = "The policy failed, so nothing was decided automatically; the case waits for a person (manual review)." } }
      case.status = "manual_review"
      deliver = { { type = "manual_review", reason = decision.error } }
    else
      decision.actions, decision.explanation = actions, explanation
    end
    case.updated_at = now_iso
    store.put_event(case.id, event)
    store.put_decision(case.id, decision)
    for _, a in ipairs(deliver) do store.outbox_add(case.id, a, now_iso) end
    local case_json = store.put_case(case)
    return case_json, store.encode_decision(decision), decision.outcome
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

  local function answer(status, case_json, decision_json, outcome, idem_key, body)
    local out = '{"case":' .. case_json .. ',"decision":' .. decision_json .. '}'
    if idem_key then store.idem_put(idem_key, { hash = rd.sha256(body), status = status, body = out }) end
    return { status = status, body = out, wrote = true, outcome = outcome }
  end

  local function complaint(job)
    local key = job.idem_key and ("c\0" .. job.idem_key)
    local replay = idem_lookup(key, job.body)
    if replay then return replay end
    local raw, code, msg, field = json.decode_object(job.body)
    if not raw then return refuse { status = 400, code = code, message = msg, field = field } end
    local c, verr = validate.complaint(raw)
    if not c then return refuse(verr) end
    local p = default
    local now_iso = time.format(job.now_ms)
    local case = store.case_shape {
      id = store.next_case_id(), status = "received", tier = 0,
      pack = { name = p.name, version = p.version },
      customer = c.customer, channel = c.channel, language = c.language, category = c.category,
      description = c.description, severity = c.severity, customer_state = c.customer_state,
      wants = c.wants, jurisdiction = c.jurisdiction, brand = c.brand, order = c.order,
      opened_at = now_iso, opened_ms = job.now_ms, updated_at = now_iso, events = 0,
    }
    store.index_customer(c.customer.id, case.id)
    local case_json, decision_json, outcome = decide(case, p, "complaint.received", c, job.now_ms, "on_complaint")
    return answer(201, case_json, decision_json, outcome, key, job.body)
  end

  local function event(job)
    local case = store.get_case(job.case_id)
    if not case then
      return refuse { status = 404, code = "not_found", message = "no case " .. job.case_id, field = json.null }
    end
    local key = job.idem_key and ("e\0" .. job.case_id .. "\0" .. job.idem_key)
    local replay = idem_lookup(key, job.body)
    if replay then return replay end
    local raw, code, msg, field = json.decode_object(job.body)
    if not raw then return refuse { status = 400, code = code, message = msg, field = field } end
    local etype, data = validate.event(raw)
    if not etype then return refuse(data) end
    local ok, verr = on_event_builtin(case, etype, data)
    if not ok then return refuse(verr) end
    local p = packs[case.pack.name]
    local case_json, decision_json, outcome = decide(case, p, etype, data, job.now_ms, "on_event")
    return answer(200, case_json, decision_json, outcome, key, job.body)
  end

  local function outbox_ack(job)
    local t, code, msg, field = json.decode_object(job.body)
    if not t then return refuse { status = 400, code = code, message = msg, field = field } end
    local n = 0
    for _, s in ipairs(t.seqs or {}) do
      local seq = type(s) == "number" and math.tointeger(s)
      if seq and seq > 0 and store.outbox_ack(seq) then n = n + 1 end
    end
    return { status = 200, body = string.format('{"acked":%d}', n), wrote = n > 0 }
  end

  --- handle(job) → {status, body, wrote, outcome, replay}
  function self.handle_fn(job)
    if job.kind == "complaint" then return complaint(job) end
    if job.kind == "event" then return event(job) end
    if job.kind == "outbox_ack" then return outbox_ack(job) end
    error("unknown job kind " .. tostring(job.kind))
  end
  return self
end

return M
