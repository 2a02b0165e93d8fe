--- The decision step, pure: (pack, case, event, inputs) → event record,
-- decision, actions to deliver; the case table is updated in place. No
-- store, no clock: the daemon's engine, `redress decide` and replay all use
-- it, so a decision is the same wherever it is made. What it needs from the
-- store (amounts already spent against budgets, the case view's history)
-- comes in `inputs`.
local rd = require "rd"
local json = require "redress.json"
local time = require "redress.time"
local pack = require "redress.pack"
local act_mod = require "redress.act"
local sla = require "redress.sla"
local wording = require "redress.wording"
local duration = require "redress.duration"
local phrases = require "redress.wording_phrases"

local M = {}
local guaranteed_ack, denied_note, break_promises -- below

local money = act_mod.money_text
local find = string.find

-- Engine rules a policy's actions must meet, whatever the script says.
-- Raises (a policy error) before anything is applied.
local function check(case, actions)
  for i = 1, #actions do local a = actions[i]
    local o = a.type == "offer" and a or (a.type == "request_approval" and a.offer)
    if o and (o.kind == "refund" or o.kind == "partial_refund") and case.order and
        case.order.amount and case.order.currency ~= o.currency then
      error(string.format("offer %s: a refund must be in the order's currency %s, not %s",
        o.id, case.order.currency, o.currency), 0)
    end
  end
end

local LIVE_OFFER = { offered = true, accepted = true }
local REFUNDS = { refund = true, partial_refund = true }

-- What may still be refunded on the case: what was paid less every live
-- refund already offered (refunds add up across offers and decisions).
-- nil when the case has no paid order.
local function refund_room(case)
  local paid = case.order and case.order.amount
  if not paid then return nil end
  local room = paid
  for i = 1, #case.offers do local o = case.offers[i]
    if REFUNDS[o.kind] and LIVE_OFFER[o.status] then room = room - o.amount end
  end
  return room > 0 and room or 0
end

-- Which budget an offer of amount in currency would break, if any.
-- spent: { customer = {CUR = n}, day = {CUR = n} } from the store;
-- this_decision: what this decision has already granted, per currency.
local function over_budget(case, budgets, spent, this_decision, amount, currency)
  if not budgets or amount == 0 then return nil end
  local cap = budgets.per_case and budgets.per_case[currency]
  if cap then
    local total = amount + (this_decision[currency] or 0)
    for i = 1, #case.offers do local o = case.offers[i]
      if o.currency == currency and LIVE_OFFER[o.status] then total = total + o.amount end
    end
    if total > cap then
      return string.format("the per-case budget of %s would be exceeded (%s in all)", money(cap, currency), money(total, currency))
    end
  end
  cap = budgets.per_customer_365d and budgets.per_customer_365d[currency]
  if cap then
    local total = amount + (this_decision[currency] or 0) + (spent.customer[currency] or 0)
    for i = 1, #case.offers do local o = case.offers[i]
      if o.currency == currency and LIVE_OFFER[o.status] then total = total + o.amount end
    end
    if total > cap then
      return string.format("the customer's budget of %s in 365 days would be exceeded (%s in all)",
        money(cap, currency), money(total, currency))
    end
  end
  cap = budgets.per_day and budgets.per_day[currency]
  if cap then
    local total = amount + (this_decision[currency] or 0) + (spent.day[currency] or 0)
    if total > cap then
      return string.format("today's budget of %s for the installation would be exceeded", money(cap, currency))
    end
  end
  return nil
end

-- An offer to deliver, then its message: a policy's offer action goes out
-- as it is (its outbox row is the offer without its message, which is an
-- item of its own, sent once: store.outbox_add_all), so the row reuses the
-- decision's bytes or the offer's own table instead of a copy.
local function deliver_offer(deliver, o)
  local message = o.message
  if o.type ~= "offer" then
    -- the engine's own (an approval granted): its fields named (the table
    -- made at their count), then any other
    local item = { type = "offer", id = o.id, kind = o.kind, amount = o.amount, currency = o.currency, reason = o.reason,
      code = o.code, approval = o.approval }
    for k, v in pairs(o) do if item[k] == nil and k ~= "message" then item[k] = v end end
    o = item
  end
  deliver[#deliver + 1] = o
  if message then deliver[#deliver + 1] = message end
end

-- Offer kinds as words ("free_delivery" → "free delivery"), made once.
local KIND_WORDS = {}
for kind in pairs(act_mod.OFFER_KINDS) do KIND_WORDS[kind] = kind:gsub("_", " ") end

local function describe_offer(o)
  local s = KIND_WORDS[o.kind] or o.kind:gsub("_", " ")
  if o.amount > 0 then s = s .. " of " .. money(o.amount, o.currency) end
  return s .. " (" .. o.id .. ")"
end

-- Holds offer o for a manager's approval (apply's step for an offer over a
-- budget, by_engine, or a policy's request_approval); returns its id.
-- (A function of its own, not a closure apply makes: a closure and its
-- upvalues were five objects every decision, approvals or not.)
local function hold(case, deliver, trace, explanation, now_iso, o, reason, by_engine)
  local id = "A" .. (#case.approvals + 1)
  case.approvals[#case.approvals + 1] = { id = id, offer = o, reason = reason, status = "pending", at = now_iso }
  deliver[#deliver + 1] = { type = "request_approval", id = id, offer = o, reason = reason }
  trace[#trace + 1] = string.format("%s the %s for a manager's approval (%s): %s.%s",
    by_engine and "Guardrail: held" or "Asked to hold", describe_offer(o), id, reason,
    o.message and " Its message to the customer waits with it." or "")
  if by_engine then
    explanation[#explanation + 1] = { code = "guardrail.budget", text = "The offer " .. o.id .. " waits for approval: " .. reason .. "." }
  end
  return id
end

-- Applies checked actions to the case; returns the actions to deliver, the
-- trace (what the engine did, in sentences a business user can read), and
-- whether a fact of an SLA clock was set (see the clocks' view below).
local function apply(case, actions, explanation, now_iso, inputs)
  -- room for four actions and sentences made at once: a list grown one at
  -- a time is re-made at its first, second and third (Lua's rehash)
  local deliver, trace = { nil, nil, nil, nil }, { nil, nil, nil, nil }
  local granted = {}
  local have -- the case's tags as a set, made on the first act:set with tags
  local clocks -- whether an SLA clock's fact was set
  for i = 1, #actions do local a = actions[i]
    if a.type == "acknowledge" or a.type == "message" then
      if a.type == "acknowledge" and (case.status == "received" or case.status == "reopened") then
        case.status = "acknowledged"
      end
      deliver[#deliver + 1] = a
      local nc = a.next_contact
      trace[#trace + 1] = (a.type == "acknowledge" and "Acknowledged" or "Sent a message") .. " in " .. a.language ..
        " with the template '" .. a.template .. (nc and "'; next contact: " or "'") .. (nc or "") .. "."
    elseif a.type == "offer" then
      local room = refund_room(case)
      if REFUNDS[a.kind] and room and a.amount > room then
        local text = room == case.order.amount
          and string.format("The policy offered a refund of %s; the engine capped it at the %s the customer paid.",
            money(a.amount, a.currency), money(room, a.currency))
          or string.format("The policy offered a refund of %s; with what the case already refunds, the engine capped it at the %s left of what the customer paid.",
            money(a.amount, a.currency), money(room, a.currency))
        explanation[#explanation + 1] = { code = "guardrail.refund_capped", text = text }
        trace[#trace + 1] = "Guardrail: " .. text
        a.amount = room
      end
      local reason = over_budget(case, inputs.budgets, inputs.spent, granted, a.amount, a.currency)
      if REFUNDS[a.kind] and room == 0 then
        a.dropped = true
        trace[#trace + 1] = "Guardrail: dropped the " .. describe_offer(a) .. ": the case has nothing left to refund."
      elseif reason then
        a.held_for_approval = hold(case, deliver, trace, explanation, now_iso, { id = a.id, kind = a.kind, amount = a.amount,
          currency = a.currency, reason = a.reason, message = a.message }, reason, true)
      else
        granted[a.currency or ""] = (granted[a.currency or ""] or 0) + a.amount
        local offers = case.offers
        offers[#offers + 1] = { id = a.id, kind = a.kind, amount = a.amount, currency = a.currency,
          reason = a.reason, status = "offered", at = now_iso }
        deliver_offer(deliver, a)
        trace[#trace + 1] = "Offered a " .. describe_offer(a) .. (a.reason and (": " .. a.reason) or "") ..
          (a.message and (", with its message in " .. a.message.language) or "") .. "."
      end
    elseif a.type == "request_approval" then
      a.id = hold(case, deliver, trace, explanation, now_iso, a.offer, a.reason, false)
    elseif a.type == "escalate" then
      if a.tier > case.tier then case.tier = a.tier end
      local esc = case.escalations
      esc[#esc + 1] = { tier = a.tier, team = a.team, reason = a.reason, at = now_iso }
      deliver[#deliver + 1] = a
      trace[#trace + 1] = "Escalated to tier " .. a.tier .. (a.team and (" (" .. a.team .. ")") or "") ..
        (a.reason and (": " .. a.reason) or "") .. "."
    elseif a.type == "open_corrective_action" then
      local ca = case.corrective_actions
      a.id = "K" .. (#ca + 1)
      ca[#ca + 1] = { id = a.id, title = a.title, cause = a.cause, owner = a.owner, status = "open", at = now_iso }
      deliver[#deliver + 1] = a
      trace[#trace + 1] = "Opened corrective action " .. a.id .. ": " .. a.title .. "."
    elseif a.type == "timer" then
      local existed = case.timers[a.name] ~= nil
      case.timers[a.name] = { due_ms = a.due_ms, due_at = a.due_at, data = a.data, set_at = now_iso }
      trace[#trace + 1] = (existed and "Moved" or "Set") .. " the timer '" .. a.name .. "' for " .. a.due_at .. "."
    elseif a.type == "cancel_timer" then
      if case.timers[a.name] then
        case.timers[a.name] = nil
        trace[#trace + 1] = "Cancelled the timer '" .. a.name .. "'."
      else
        trace[#trace + 1] = "No timer '" .. a.name .. "' to cancel."
      end
    elseif a.type == "set" then
      local parts = {}
      if a.status then case.status = a.status; parts[#parts + 1] = "status " .. a.status end
      if a.tags then
        if not have then
          have = {}
          for _, t in ipairs(case.tags) do have[t] = true end
        end
        for _, t in ipairs(a.tags) do
          if not have[t] then case.tags[#case.tags + 1] = t; have[t] = true end
        end
        parts[#parts + 1] = "tags " .. table.concat(a.tags, ", ")
      end
      if a.facts then
        local keys = {}
        for k, v in pairs(a.facts) do
          case.facts[k] = v; keys[#keys + 1] = k
          if not clocks and find(k, "sla.", 1, true) == 1 then clocks = true end
        end
        table.sort(keys)
        parts[#parts + 1] = "facts " .. table.concat(keys, ", ")
      end
      trace[#trace + 1] = "Set " .. table.concat(parts, "; ") .. "."
    end
  end
  return deliver, trace, clocks
end

-- What a customer's `wants` asks for, as an offer kind.
local WANTS = { refund = "refund", money_back = "refund", ["return"] = "refund", replacement = "replacement",
  exchange = "replacement", repair = "repair" }

-- The legal minimum cannot be withheld: when the customer asks for a remedy
-- the law owes now and the decision offers none of it, the engine records
-- it (explanation, trace, tag, outbox) for a person to review.
local function check_legal_minimum(case, actions, explanation, trace, deliver, now_ms, zone, law)
  local wanted = case.wants and WANTS[case.wants]
  if not (wanted and case.jurisdiction and case.order) then return end
  local ok, r = pcall(function()
    return (law or require("redress.legal")).remedies(case, { now = now_ms, zone = case.timezone or zone })
  end)
  if not ok then
    -- the complaint's own data may not fit the rules (say, an unknown
    -- jurisdiction): the decision stands, and its trace says the check could not run
    trace[#trace + 1] = "Legal check could not run: " .. tostring(r):gsub("^[^:]*:%d+: ", "") .. "."
    return
  end
  local owing
  for _, e in ipairs(r.owed) do
    for _, k in ipairs(e.remedies) do if k == wanted then owing = owing or e end end
  end
  if not owing then return end
  local function offers(a)
    local o = a.type == "offer" and a or (a.type == "request_approval" and a.offer)
    return o and (o.kind == wanted or o.kind == "refund")
  end
  for i = 1, #actions do local a = actions[i]; if offers(a) then return end end
  for i = 1, #case.offers do local o = case.offers[i]; if o.kind == wanted or o.kind == "refund" then return end end
  local text = string.format("The customer asked for a %s, which the law owes until %s (%s); the policy did not offer it.",
    wanted, owing.until_at:sub(1, 10), owing.citation)
  explanation[#explanation + 1] = { code = "legal.withheld", text = text }
  trace[#trace + 1] = "Legal check: " .. text
  local have = false
  for i = 1, #case.tags do local t = case.tags[i]; if t == "legal-risk" then have = true end end
  if not have then case.tags[#case.tags + 1] = "legal-risk" end
  deliver[#deliver + 1] = { type = "legal_review", remedy = wanted, rule = owing.id, citation = owing.citation,
    until_at = owing.until_at, reason = text }
end

local function find_pending(case, approval_id)
  for _, ap in ipairs(case.approvals) do
    if ap.status == "pending" and (approval_id == nil or ap.id == approval_id) then return ap end
  end
  return nil
end

--- The promise ledger. Every date the customer is promised (the next
-- contact in an acknowledgement or message) becomes an entry in
-- case.promises, and the engine's timer M.PROMISE_TIMER waits for the
-- earliest open one. Contacting the customer again (any acknowledgement or
-- message that goes out) keeps every open promise still in time; a promise
-- whose time passes is broken: the case is escalated one tier, and both are
-- counted (redress_promises_total).
M.PROMISE_TIMER = "redress.promise"

local NONE = setmetatable({}, { __newindex = function() error("decide: NONE is empty", 2) end })

local function open_promises(case)
  local out = {}
  for i = 1, #case.promises do local pr = case.promises[i]; if pr.status == "open" then out[#out + 1] = pr end end
  return out
end

-- Sets or clears the engine's timer for the earliest open promise.
local function schedule_promises(case, now_iso)
  local first
  local promises = case.promises
  for i = 1, #promises do local pr = promises[i]
    if pr.status == "open" and (not first or pr.due_ms < first.due_ms) then first = pr end
  end
  if first then
    case.timers[M.PROMISE_TIMER] = { due_ms = first.due_ms, due_at = first.due_at, data = { promise = first.id },
      set_at = now_iso }
  else
    case.timers[M.PROMISE_TIMER] = nil
  end
end

-- What went out to the customer in this decision keeps the open promises
-- and makes new ones. Returns how many were kept.
local function ledger(case, deliver, now_ms, now_iso, trace)
  local kept = 0
  -- a decision keeps the promises made before it, not its own (a new case has none)
  local earlier = #case.promises > 0 and open_promises(case) or NONE
  for i = 1, #deliver do local a = deliver[i]
    if a.type == "acknowledge" or a.type == "message" then
      for i = 1, #earlier do local pr = earlier[i]
        if pr.status == "open" and now_ms <= pr.due_ms then
          pr.status, pr.kept_at = "kept", now_iso
          kept = kept + 1
          trace[#trace + 1] = "Kept the promise " .. pr.id .. " (next contact by " .. pr.due_at .. ")."
        end
      end
      if a.next_contact then
        local due = time.parse(a.next_contact)
        local id = "P" .. (#case.promises + 1)
        case.promises[#case.promises + 1] = { id = id, kind = "next_contact", due_ms = due, due_at = a.next_contact,
          made_at = now_iso, made_in = a.template, status = "open" }
        trace[#trace + 1] = "Promised the customer the next contact by " .. a.next_contact .. " (" .. id .. ")."
      end
    end
  end
  schedule_promises(case, now_iso)
  return kept
end

-- The promise timer came due: every open promise past its time is broken.
break_promises = function(case, data, deliver, trace)
  local now_ms = time.parse(data.fired_at) or time.parse(data.due_at)
  local broken = 0
  for _, pr in ipairs(open_promises(case)) do
    if pr.due_ms <= now_ms then
      pr.status, pr.broken_at = "broken", data.fired_at
      broken = broken + 1
      trace[#trace + 1] = "Broke the promise " .. pr.id .. ": the next contact was due by " .. pr.due_at .. "."
    end
  end
  if broken > 0 then
    local tier = math.min(9, (case.tier or 0) + 1)
    case.tier = tier
    local reason = "a promised contact was missed"
    case.escalations[#case.escalations + 1] = { tier = tier, team = "promises", reason = reason, at = data.fired_at }
    deliver[#deliver + 1] = { type = "escalate", tier = tier, team = "promises", reason = reason, by = "engine" }
    trace[#trace + 1] = "Escalated to tier " .. tier .. " (promises): " .. reason .. "."
  end
  case._broken = (case._broken or 0) + broken
end

-- The engine's message when an offer the customer was to hear about is
-- denied: still working on it, next contact two business days on.
-- The engine's own words to the customer: type, template and text made by
-- write(lang, next_ms, opts), promising the next contact two business days
-- on in the pack's calendar. nil when even that cannot be made.
local function engine_message(case, p, now_ms, type_, template, write)
  local ok, msg = pcall(function()
    local cal = p and p.calendar
    local next_ms = cal and cal:add(now_ms, duration.parse(M.GUARANTEED_NEXT_CONTACT)) or now_ms + 2 * 86400000
    local lang = case.language or "en"
    local text = write(lang, next_ms, { lang = lang, zone = cal and cal:zone() or "UTC" })
    return { type = type_, template = template, language = lang, text = text,
      next_contact = time.format(next_ms), by = "engine" }
  end)
  return ok and msg or nil
end

denied_note = function(case, p, now_iso)
  return engine_message(case, p, time.parse(now_iso), "message", "offer_denied", function(lang, next_ms, opts)
    return wording.render(phrases.lang(lang).offer_denied, { case_id = case.id, next_contact = next_ms }, opts)
  end)
end

--- Events change the case before the policy sees them. Returns true and
-- what the engine itself delivers and traces, or nil and an input error.
-- p: the case's pack (its calendar dates the engine's own messages); actor:
-- who sent the event ({ token, roles }, from the API), recorded on approvals.
function M.on_event_builtin(case, etype, data, now_iso, p, actor)
  local deliver, trace = {}, {}
  if etype == "customer.replied" then
    if case.status == "awaiting_customer" then case.status = "investigating" end
  elseif etype == "investigation.concluded" then
    case.facts.justified = data.justified
    if data.fault then case.facts.fault = data.fault end
  elseif etype == "offer.accepted" or etype == "offer.declined" then
    local found
    for _, o in ipairs(case.offers) do
      if o.id == data.offer_id then found = o end
    end
    if not found then
      return nil, { status = 422, code = "validation_failed", field = "data.offer_id",
        message = "data.offer_id: the case has no offer " .. string.format("%q", data.offer_id) }
    end
    found.status = etype == "offer.accepted" and "accepted" or "declined"
  elseif etype == "approval.granted" or etype == "approval.denied" then
    local ap = find_pending(case, data.approval_id)
    if not ap then
      return nil, { status = 422, code = "validation_failed", field = "data.approval_id",
        message = data.approval_id and ("data.approval_id: no pending approval " .. string.format("%q", data.approval_id))
          or "the case has no pending approval" }
    end
    ap.decided_at = now_iso
    if etype == "approval.granted" then
      ap.status = "granted"
      local o = ap.offer
      local room = REFUNDS[o.kind] and refund_room(case)
      if room and o.amount > room then
        trace[#trace + 1] = string.format("Guardrail: the approved refund of %s was capped at the %s left of what the customer paid.",
          money(o.amount, o.currency), money(room, o.currency))
        o.amount = room
      end
      case.offers[#case.offers + 1] = { id = o.id, kind = o.kind, amount = o.amount, currency = o.currency,
        reason = o.reason, status = "offered", at = now_iso, approval = ap.id }
      deliver_offer(deliver, { id = o.id, kind = o.kind, amount = o.amount, currency = o.currency,
        reason = o.reason, approval = ap.id, message = o.message })
      trace[#trace + 1] = "Approval " .. ap.id .. " granted: offered the " .. describe_offer(o) ..
        (o.message and ", and its message went out" or "") .. "."
    else
      ap.status = "denied"
      trace[#trace + 1] = "Approval " .. ap.id .. " denied: the " .. describe_offer(ap.offer) .. " was dropped."
      -- the customer never saw the offer's message; they hear a courteous
      -- word and the date of the next contact instead
      local note = ap.offer.message and denied_note(case, p, now_iso)
      if note then
        deliver[#deliver + 1] = note
        trace[#trace + 1] = "Sent a courteous message in " .. note.language .. " instead of the offer's, with the next contact on " ..
          note.next_contact .. "."
      end
    end
    ap.decided_by = actor
  elseif etype == "case.resolved" then
    case.status = "resolved"
  elseif etype == "satisfaction.reported" then
    case.facts.satisfaction = data.score
  elseif etype == "case.reopened" then
    case.status = "reopened"
  elseif etype == "timer.fired" then
    case.timers[data.name] = nil  -- consumed
    trace[#trace + 1] = "The timer '" .. data.name .. "' came due at " .. data.due_at .. " (fired at " .. data.fired_at .. ")."
    if data.name == M.PROMISE_TIMER then break_promises(case, data, deliver, trace) end
  end
  return true, deliver, trace
end

M.shape = require("redress.case").shape

--- A new case (status received, no events yet) from a validated complaint.
-- Made whole in one constructor: its lists and objects are those M.shape
-- gives a case (case.ARRAYS, facts, timers, details; decide_spec holds the
-- two together), without a pass that looks for each.
function M.new_case(c, id, p, now_ms)
  local now_iso = time.format(now_ms)
  return {
    id = id, status = "received", tier = 0,
    pack = { name = p.name, version = p.version },
    customer = c.customer, channel = c.channel, language = c.language, category = c.category,
    description = c.description, severity = c.severity, customer_state = c.customer_state,
    wants = c.wants, jurisdiction = c.jurisdiction, brand = c.brand, order = c.order,
    details = type(c.details) == "table" and c.details or {},
    opened_at = now_iso, opened_ms = now_ms, updated_at = now_iso, events = 0,
    tags = {}, offers = {}, escalations = {}, approvals = {}, corrective_actions = {}, promises = {},
    facts = {}, timers = {},
  }
end

local NO_INPUTS = { spent = { customer = {}, day = {} } }

--- The acknowledgement the engine sends itself when a policy fails on a
-- complaint: the stdlib's eight-rule acknowledgement (redress.wording.compose)
-- in the case's language, promising the next contact two business days on
-- in the pack's calendar (a concrete date, in the customer's calendar).
-- nil when even that cannot be made (the failure is then only in the trace).
M.GUARANTEED_NEXT_CONTACT = "2 business days"
guaranteed_ack = function(case, p, now_ms)
  return engine_message(case, p, now_ms, "acknowledge", "compose", function(_, next_ms, opts)
    return wording.compose(case, { next_contact = next_ms }, opts)
  end)
end

--- The kinds of failure a decision records as `limit`: a budget the call
-- spent, or the quarantine that kept it from running.
M.LIMITS = { instructions = true, memory = true, wall = true, quarantined = true }
--- Those whose outcome depended on the machine (its load, other cases), not
-- on (pack, case, event): replay repeats them as recorded.
M.LOAD_DEPENDENT = { wall = true, quarantined = true }

--- The customer summary of a customer with no other cases (the engine
-- fills it from the store; offline tools and specs start from this).
function M.empty_summary()
  return { complaints_30d = 0, complaints_90d = 0, complaints_365d = 0, open_cases = 0, compensation_365d = {} }
end

-- Sets the view's two lists where it holds none (a list the policy set
-- itself stays its own).
local function put_lists(t, history, decisions)
  if rawget(t, "history") == nil then rawset(t, "history", history) end
  if rawget(t, "decisions") == nil then rawset(t, "decisions", decisions) end
end

-- The view's history and decisions, read when the policy first uses either
-- (inputs.history() → history, decisions): on a long case they are fifty
-- records to read and build, which most handlers never look at. The read
-- is the engine's, against the same snapshot the decision reads, once per
-- decision, outside the policy's budgets (rd.unbudgeted: what replay and
-- redress.testing build before the call costs the policy nothing either),
-- so the view and the decision are the same whenever it is read. The view
-- (rd.view, bindings/view.c) calls this whenever either is asked for and
-- not in the view (a policy that drops them gets them back), or the view is
-- walked whole: pairs(case) lists the two lists as the eager view did, and
-- a policy can neither reach the loader nor take it away.
local function history_filler(load)
  local history, decisions
  return function(t)
    if not history then history, decisions = rd.unbudgeted(load) end
    put_lists(t, history, decisions)
  end
end

-- A view with no history to load (a complaint; replay and redress.testing
-- give theirs in view_extra): empty lists, made only if the policy looks.
local function no_history(t)
  put_lists(t, {}, {})
end

--- Runs handler of pack p (nil: the case's pack is not loaded) on event
-- etype with data at now_ms. inputs: { budgets, spent, customer_summary, view_extra, history,
-- pre, skip } (history: loads the view's history and decisions on first
-- use; pre: deliver/trace from on_event_builtin; skip: { kind, message }
-- records a failure without running the policy; handler nil: the engine's
-- own event, no policy runs). Returns event, decision, deliver, observed
-- SLA changes, and the promises kept and broken ({ kept, broken }).
function M.run(case, p, etype, data, now_ms, handler, inputs)
  inputs = inputs or NO_INPUTS
  inputs.spent = inputs.spent or NO_INPUTS.spent
  local now_iso = time.format(now_ms)
  case.events = case.events + 1
  local seq = case.events
  local event = { kind = "event", seq = seq, type = etype, at = now_iso, data = data }
  local decision = { kind = "decision", seq = seq, event_seq = seq, at = now_iso, event = etype,
    pack = { name = p and p.name or case.pack.name, version = p and p.version or case.pack.version,
      hash = p and p.hash or nil },
    handler = handler or "engine", error = json.null,
    -- set below, named here so the table is made at its size
    outcome = nil, limit = nil, actions = nil, explanation = nil, trace = nil }

  -- the policy's own copy of the case, made as the policy reads it
  local view = rd.view(case, inputs.history and history_filler(inputs.history) or no_history, "history", "decisions")
  view.now, view.now_iso = now_ms, now_iso
  -- the zone legal windows and dates count in, the same the engine's legal
  -- check uses: the pack calendar's
  view.timezone = view.timezone or (p and p.calendar and p.calendar:zone()) or "UTC"
  local extra = inputs.view_extra
  if extra then for k, v in pairs(extra) do view[k] = v end end
  -- the same view shape everywhere (daemon, redress decide, replay, specs)
  view.customer_summary = inputs.customer_summary or view.customer_summary or M.empty_summary()

  local actions, explanation, kind
  if not p then
    actions, explanation, kind = nil, "pack " .. case.pack.name .. " " .. case.pack.version .. " is not loaded", "error"
  elseif handler == nil then
    -- the engine's own event (its promise timer): no policy runs
    actions, explanation = {}, {}
  elseif inputs.skip then
    -- not run: the pack is quarantined, or replay repeats an outcome that
    -- depended on the machine's load (see M.LOAD_DEPENDENT)
    actions, explanation, kind = nil, inputs.skip.message, inputs.skip.kind
  elseif handler == "on_complaint" then
    actions, explanation, kind = pack.call(p, handler, case, nil, view)
  elseif handler == "on_timer" then
    actions, explanation, kind = pack.call(p, handler, case,
      { name = data.name, data = data.data, due_at = data.due_at, fired_at = data.fired_at }, view)
  else
    actions, explanation, kind = pack.call(p, handler, case, { type = etype, data = data, at = now_iso }, view)
  end
  local deliver, trace -- (nil until something is in them: apply's lists are taken as they are)
  local clocks -- whether the policy set a fact of an SLA clock
  local pre = inputs.pre
  if pre then
    deliver, trace = {}, {}
    for i = 1, #(pre.deliver or {}) do deliver[i] = pre.deliver[i] end
    for i = 1, #(pre.trace or {}) do trace[i] = pre.trace[i] end
  end
  if actions then
    -- The policy's own result may still break an engine rule (e.g. a
    -- refund in another currency): that too is a policy error.
    local ok, cerr = pcall(check, case, actions)
    if ok then
      local d, t
      d, t, clocks = apply(case, actions, explanation, now_iso, inputs)
      -- (apply's lists are its own: taken as they are when nothing came before)
      if not deliver or #deliver == 0 then deliver = d else for i = 1, #d do local x = d[i]; deliver[#deliver + 1] = x end end
      if not trace or #trace == 0 then trace = t else for i = 1, #t do local x = t[i]; trace[#trace + 1] = x end end
      decision.outcome = "decided"
      if handler == "on_complaint" then
        check_legal_minimum(case, actions, explanation, trace, deliver, now_ms, p.calendar and p.calendar:zone() or "UTC", p.legal)
      end
    else
      actions, explanation, kind = nil, cerr, "error"
    end
  end
  deliver, trace = deliver or {}, trace or {}
  if not actions then
    decision.outcome = "policy_error"
    if M.LIMITS[kind] then decision.limit = kind end
    decision.error = (kind ~= "error" and ("[" .. kind .. "] ") or "") .. tostring(explanation)
    decision.actions, decision.explanation = {}, { { code = "policy_error",
      text = "The policy failed, so nothing was decided automatically; the case waits for a person (manual review)." } }
    case.status = "manual_review"
    -- The customer still hears from us at once, with the date of the next contact.
    local ack = handler == "on_complaint" and guaranteed_ack(case, p, now_ms)
    if ack then
      decision.actions[1] = ack
      deliver[#deliver + 1] = ack
      trace[#trace + 1] = "The engine acknowledged the complaint in " .. ack.language ..
        " (the eight-rule acknowledgement) with the next contact on " .. ack.next_contact .. "."
    end
    deliver[#deliver + 1] = { type = "manual_review", reason = decision.error }
    trace[#trace + 1] = "The policy failed (" .. decision.error .. "); the case went to manual review."
  else
    decision.actions, decision.explanation = actions, explanation
    if #trace == 0 then trace[1] = "The policy decided nothing for this event." end
  end
  local promises = { kept = ledger(case, deliver, now_ms, now_iso, trace), broken = case._broken or 0 }
  case._broken = nil
  decision.trace = trace
  case.updated_at = now_iso
  -- SLA clocks: the case shows them; what changed feeds the metrics. A
  -- clock is facts "sla.<target>.*", set through act:set (redress.sla) and
  -- never removed: a case that shows none and got none has none, and is
  -- not looked over (most cases have facts, and no clocks).
  local observed = {}
  if clocks or (case.sla and next(case.sla)) then
    local before = case.sla or {}
    case.sla = sla.view(case.facts, now_ms, p and p.calendar, time.format)
    for t, c in pairs(case.sla) do
      local was = before[t] and before[t].state
      if c.state ~= was then
        if c.state == "breached" and was ~= "breached" then observed[#observed + 1] = { target = t, kind = "breach" } end
        if (c.state == "met" or c.state == "breached") and case.facts["sla." .. t .. ".stopped"] == now_ms then
          local started = case.facts["sla." .. t .. ".started"] or now_ms
          observed[#observed + 1] = { target = t, kind = "stop", seconds = (now_ms - started) / 1000 }
        end
      elseif c.state == "breached" and case.facts["sla." .. t .. ".stopped"] == now_ms then
        local started = case.facts["sla." .. t .. ".started"] or now_ms
        observed[#observed + 1] = { target = t, kind = "stop", seconds = (now_ms - started) / 1000 }
      end
    end
  end
  return event, decision, deliver, observed, promises
end

return M
