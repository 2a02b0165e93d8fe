--- The decision step, pure: (pack, case, event) → event record, decision,
-- actions to deliver; the case table is updated in place. No store, no
-- clock: the daemon's engine, `redress decide` and replay all use it, so a
-- decision is the same wherever it is made.
local json = require "redress.json"
local time = require "redress.time"
local pack = require "redress.pack"

local M = {}

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
function M.on_event_builtin(case, etype, data)
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


--- A new case (status received, no events yet) from a validated complaint.
function M.new_case(c, id, p, now_ms)
  local now_iso = time.format(now_ms)
  return {
    id = id, status = "received", tier = 0,
    pack = { name = p.name, version = p.version },
    customer = c.customer, channel = c.channel, language = c.language, category = c.category,
    description = c.description, severity = c.severity, customer_state = c.customer_state,
    wants = c.wants, jurisdiction = c.jurisdiction, brand = c.brand, order = c.order,
    opened_at = now_iso, opened_ms = now_ms, updated_at = now_iso, events = 0,
    tags = {}, offers = {}, escalations = {}, facts = {},
  }
end

--- Runs handler of pack p (nil: the case's pack is not loaded) on event
-- etype with data at now_ms. Returns event, decision, deliver.
function M.run(case, p, etype, data, now_ms, handler)
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
  return event, decision, deliver
end

return M
