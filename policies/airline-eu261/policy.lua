-- airline-eu261: an airline's answers to passenger claims under Regulation
-- (EC) No 261/2004 and UK261. What it decides and why: README.md. The law
-- itself is in modules/eu261.lua (pure functions, tested at their
-- boundaries), the airports in modules/airports.lua; this file turns a
-- verdict into offers, messages, escalations and timers.
local settings = require "redress.settings"
local money = require "redress.money"
local sla = require "redress.sla"
local escalation = require "redress.escalation"
local calendar = require("redress.calendar").pack
local eu261 = require "eu261"

-- The pure rules travel with the handlers so the spec can test them.
local P = { eu261 = eu261, airports = require "airports" }

local TEAMS = { "claims-handlers", "customer-relations", "legal" }

-- The reply clock runs while a person owes the passenger an answer.
local clocks = sla.new { calendar = calendar, targets = { reply = settings.reply_within } }

local ladder = escalation.new {
  teams = TEAMS,
  triggers = {
    { public_channel = 2 },
    { severity = { critical = 2 } },
    { repeat_complaints = { count = settings.repeat_complaints, within_days = 90 }, tier = 2 },
    { sla_breach = 2 },
    { legal_risk = 3 },
  },
  chronic = { complaints_365d = settings.chronic_complaints },
}

local THREATS = {
  enforcement_body = "the passenger is taking the claim to the national enforcement body",
  adr = "the passenger is taking the claim to an alternative dispute resolution body",
  court = "the passenger is taking the claim to court",
}

local LAW = { EU = "Regulation (EC) No 261/2004", UK = "UK261 (Regulation 261/2004 as retained in UK law)" }
local HOW = { departure = "a departure from its area, Art. 3(1)(a)",
  arrival = "an arrival in its area on a carrier it covers, Art. 3(1)(b)",
  jurisdiction = "chosen by the case's jurisdiction among the regulations that cover the flight" }

local function due(case) return calendar:add(case.now, settings.reply_within) end

-- One escalation per decision: the ladder's triggers and the pack's own
-- ({tier, reason}); the highest tier wins and every reason is given.
local function escalate(case, act, ctx, extra)
  local e = ladder:evaluate(case, ctx)
  local tier, reasons = e.tier, e.reasons
  for _, x in ipairs(extra) do
    tier = math.max(tier, x[1])
    reasons[#reasons + 1] = x[2]
  end
  if tier > (case.tier or 0) then
    local why = table.concat(reasons, "; ")
    act:escalate { tier = tier, team = TEAMS[tier], reason = why }
    act:explain("escalated", "Escalated to tier " .. tier .. " (" .. TEAMS[tier] .. "): " .. why .. ".")
  end
  if e.chronic then
    act:set { tags = { "chronic-complainer" } }
    act:explain("chronic_complainer", "Many claims in a year: a person looks at the case; it is never rejected for that.")
  end
end

-- Pays offer, or holds it for a manager when it is over limit (minor units
-- of its currency; nil: no limit). Returns true when a person must act.
local function pay(case, act, offer, limit, template, vars, code, text)
  local m = money.new(offer.amount, offer.currency)
  if limit and offer.amount > limit then
    local over = tostring(money.new(limit, offer.currency))
    act:request_approval { offer = offer, reason = offer.reason .. ": " .. tostring(m) .. " is over " .. over }
    act:message { template = "payment_pending", vars = { total = m, due = due(case) } }
    act:explain("approval_requested", text .. " It is over " .. over .. ", so a manager signs it off first.")
    return true
  end
  -- the announcement rides on the offer: it waits with it if an engine
  -- budget holds the offer for a manager (a message of its own would tell
  -- the customer of a payment that may never come)
  offer.message = { template = template, vars = vars }
  act:offer(offer)
  act:timer { name = "offer_reminder", after = settings.offer_reminder_after }
  act:explain(code, text)
  return false
end

local function limit(name, currency) return settings[name .. "_" .. currency:lower()] end

-- Art. 7: the compensation of a verdict, per passenger, in cash.
local function compensation(case, act, v)
  local c = v.compensation
  local vars = { law = v.regime, km = v.km_rounded, passengers = v.passengers, why = c.halved or "none",
    amount = money.new(c.per_passenger, c.currency), total = money.new(c.total, c.currency) }
  return pay(case, act, { kind = "compensation", amount = c.total, currency = c.currency, reason = "Art. 7 compensation" },
    limit("approval_over", c.currency), c.halved and "compensation_halved" or "compensation", vars, "compensation_offered",
    string.format("%d × %s = %s, owed in cash (Art. 7(3)).", v.passengers, tostring(vars.amount), tostring(vars.total)))
end

-- The Art. 7 / Art. 10 part of a verdict. Returns true when a person must act.
local function claim(case, act, v)
  if v.compensation then return compensation(case, act, v) end
  if v.extraordinary then
    act:message { template = "extraordinary", vars = { reason = v.extraordinary, due = due(case) } }
    act:set { facts = { extraordinary = v.extraordinary } }
    return true
  end
  if v.no_compensation then
    act:message { template = "no_compensation", vars = { why = v.no_compensation, law = v.regime } }
    return false
  end
  local g = v.downgrade
  local m = money.new(g.price, g.currency):percent(g.percent)
  return pay(case, act, { kind = "partial_refund", amount = m.amount, currency = g.currency, reason = "Art. 10(2) downgrade" },
    limit("approval_over", g.currency), "downgrade", { km = v.km_rounded, percent = g.percent, amount = m },
    "downgrade_refunded", string.format("%d%% of %s refunded within 7 days (Art. 10(2)).", g.percent, tostring(money.new(g.price, g.currency))))
end

-- Art. 9 care, and the passenger's receipts for it.
local function care(case, act, v)
  local spent = case.details.care_expenses or 0
  if v.care then
    act:message { template = "care", vars = { hotel = v.care.hotel and "yes" or "no" } }
    act:explain("care_owed", "Care was owed (Art. 9): meals, refreshments, two calls or e-mails" ..
      (v.care.hotel and ", and a hotel with transport (overnight)." or "."))
    if spent == 0 then return false end
    local m = money.new(spent, v.currency)
    return pay(case, act, { kind = "compensation", amount = spent, currency = v.currency, reason = "Art. 9 care expenses" },
      limit("care_review_over", v.currency), "care_reimburse", { amount = m }, "care_reimbursed",
      "The passenger's receipts for care, " .. tostring(m) .. ", are reimbursed.")
  elseif spent > 0 then
    act:message { template = "care_not_owed", vars = { amount = money.new(spent, v.currency), due = due(case) } }
    act:explain("care_not_owed", "Receipts for care were sent, but this claim owes no care (Arts. 4–6, 9): a claims handler looks at them.")
    return true
  end
  return false
end

-- Art. 8(1)(a): a passenger who gave up the journey gets the ticket back.
local function refund(case, act, v)
  if not v.declined_travel then return false end
  if not v.refund_right then
    act:message { template = "refund_not_owed" }
    act:explain("refund_not_owed", "The passenger gave up the journey, but a delay gives the right to a refund only from 5 h (Art. 6(1)(iii)).")
    return false
  end
  local order, d = case.order or {}, case.details
  local amount = d.ticket_price and d.ticket_price * v.passengers or order.amount
  if not amount then
    act:message { template = "manual", vars = { why = "price", due = due(case) } }
    act:explain("refund_price_unknown", "A refund of the ticket is owed (Art. 8(1)(a)), but no price was given: a claims handler looks it up.")
    return true
  end
  local currency = order.currency or v.currency
  local m = money.new(amount, currency)
  return pay(case, act, { kind = "refund", amount = amount, currency = currency, reason = "Art. 8(1)(a) refund" },
    limit("approval_over", currency), "ticket_refund", { amount = m }, "ticket_refunded",
    "The passenger gave up the journey: the ticket, " .. tostring(m) .. ", is refunded within 7 days (Art. 8(1)(a)).")
end

-- Everything a verdict owes. Returns true when a person must act.
local function settle(case, act, v)
  act:explain(v.code, v.text)
  if v.manual then
    act:message { template = "manual", vars = { why = v.manual, due = due(case) } }
    return true
  end
  act:explain(v.regime == "UK" and "uk261" or "eu261", string.format("%s applies (%s): %s→%s is %d km, band %d%s; paid in %s.%s",
    LAW[v.regime], HOW[v.regime_why], v.from.code, v.to.code, v.km_rounded, v.band, v.intra and ", within the area" or "", v.currency,
    v.transition and " The flight was scheduled before the Brexit transition period ended (2020-12-31 23:00 UTC, Withdrawal Agreement art. 126): the UK counted as part of the EU." or ""))
  local pending = claim(case, act, v)
  pending = care(case, act, v) or pending
  return refund(case, act, v) or pending
end

function P.on_complaint(case, act)
  act:acknowledge { template = "ack" }
  local v = eu261.assess(case)
  local pending = settle(case, act, v)
  local extra = {}
  if pending then extra[#extra + 1] = { 1, "a claims handler must answer (" .. v.code .. ")" } end
  local threat = case.details.threatens
  if threat then
    extra[#extra + 1] = { 3, THREATS[threat] }
    act:explain("legal_threat", "The passenger named an outside body (" .. threat .. "): legal follows the case.")
  end
  escalate(case, act, nil, extra)
  if pending then
    act:set { status = "investigating" }
    clocks:start(case, act, "reply")
  end
end

local on = {}

on["investigation.concluded"] = function(case, data, act)
  clocks:stop(case, act, "reply")
  local reason = case.facts.extraordinary
  if reason then
    act:set { facts = { extraordinary = false } }
    if data.justified then
      act:message { template = "extraordinary_rejected" }
      act:explain("extraordinary_rejected", "The investigation found the cause was not extraordinary (Art. 5(3) does not apply): compensation is owed.")
      compensation(case, act, eu261.assess(case, { ignore_extraordinary = true }))
    else
      act:set { status = "resolved" }
      act:message { template = "extraordinary_confirmed", vars = { reason = reason } }
      act:explain("extraordinary_confirmed", "The investigation confirmed extraordinary circumstances (Art. 5(3)): no compensation; care stands.")
    end
  elseif data.justified then
    act:set { status = "investigating" }
    act:message { template = "justified" }
    act:explain("investigation_justified", "The claim is justified: the claims handler settles it.")
  else
    act:set { status = "rejected" }
    act:message { template = "unjustified" }
    act:explain("investigation_unjustified", "Not justified: the passenger still gets a polite answer and an offer to help.")
  end
end

on["customer.replied"] = function(_, _, act)
  act:message { template = "reply_ack" }
  act:explain("customer_replied", "The passenger's reply is thanked and added to the case.")
end

on["offer.accepted"] = function(_, _, act)
  act:cancel_timer { name = "offer_reminder" }
  act:set { status = "resolved" }
  act:message { template = "offer_accepted" }
  act:explain("offer_accepted", "The passenger accepted: payment within 7 days.")
end

on["offer.declined"] = function(case, _, act)
  act:cancel_timer { name = "offer_reminder" }
  act:message { template = "offer_declined" }
  act:explain("offer_declined", "The passenger declined the offer: a claims handler calls them.")
  escalate(case, act, nil, { { 1, "the passenger declined the offer" } })
end

on["approval.granted"] = function(case, _, act)
  local o = case.offers[#case.offers]  -- the engine has just issued the approved offer
  clocks:stop(case, act, "reply")
  act:message { template = "payment_approved", vars = { total = money.new(o.amount, o.currency) } }
  act:timer { name = "offer_reminder", after = settings.offer_reminder_after }
  act:explain("approval_granted", "A manager approved the payment; the passenger is told at once.")
end

on["approval.denied"] = function(case, _, act)
  local ap  -- the approval this event denied (the engine has just marked it)
  for _, a in ipairs(case.approvals) do if a.status == "denied" and a.decided_at == case.now_iso then ap = a end end
  clocks:stop(case, act, "reply")
  if ap.offer.reason == "Art. 9 care expenses" then
    act:explain("approval_denied_care", "A manager did not accept the receipts as reasonable care: a claims handler explains it to the passenger.")
    escalate(case, act, nil, { { 1, "receipts for care were not approved" } })
  else
    act:explain("approval_denied", "A manager refused a payment the Regulation owes (" .. ap.offer.reason .. "): legal reviews it before the passenger is answered.")
    escalate(case, act, nil, { { 3, "a payment the Regulation owes was refused" } })
  end
end

on["case.resolved"] = function(case, _, act)
  clocks:stop(case, act, "reply")
  act:set { status = "follow_up" }
  act:message { template = "follow_up" }
  act:explain("case_resolved", "Resolved: the passenger is asked whether they are satisfied.")
end

on["satisfaction.reported"] = function(case, data, act)
  act:message { template = "thanks_feedback" }
  if data.score <= 2 then
    act:explain("satisfaction_low", "Satisfaction " .. data.score .. "/5: customer relations calls the passenger.")
    escalate(case, act, nil, { { 2, "the passenger is not satisfied (score " .. data.score .. ")" } })
  else
    act:set { status = "closed" }
    act:explain("satisfaction_ok", "Satisfaction " .. data.score .. "/5: the case is closed.")
  end
end

on["case.reopened"] = function(case, _, act)
  act:message { template = "reopened", vars = { due = due(case) } }
  act:explain("case_reopened", "The case was reopened: a claims handler answers within the reply target.")
  escalate(case, act, nil, { { 1, "the case was reopened" } })
  clocks:start(case, act, "reply")
end

function P.on_event(case, event, act)
  local handler = on[event.type]
  if handler then return handler(case, event.data, act) end
  act:explain("event_noted", "A " .. event.type .. " event is recorded; nothing to decide.")
end

function P.on_timer(case, timer, act)
  if timer.name == "offer_reminder" then
    act:message { template = "offer_reminder" }
    act:explain("offer_reminder", "The passenger has not answered the offer yet: a reminder is sent.")
    return
  end
  local fired = clocks:on_timer(case, timer, act)
  if fired and fired.kind == "breach" then
    act:message { template = "reply_late", next_contact = "2 business days" }
    act:explain("reply_overdue", "The reply target (" .. settings.reply_within .. ") has passed: customer relations takes over.")
    escalate(case, act, { sla_breach = true }, {})
  elseif fired then
    act:set { tags = { "reply-due-soon" } }
    act:explain("reply_due_soon", "80 % of the reply target is used: the claims handler is reminded.")
  end
end

return P
