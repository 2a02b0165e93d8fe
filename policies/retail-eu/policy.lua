-- retail-eu: what an EU online shop owes and offers when a customer
-- complains, and how the case moves on. The remedies per category live in
-- modules/remedies.lua; README.md in this folder lists every branch.
local settings = require "redress.settings"
local escalation = require "redress.escalation"
local sla = require "redress.sla"
local calendar = require "redress.calendar"
local duration = require "redress.duration"
local remedies = require "remedies"

local P = {}

-- A wrong duration in an operator's pack_settings stops the pack at load,
-- never in front of a customer.
for _, k in ipairs { "next_contact", "carrier_inquiry", "sla_first_response", "sla_first_response_high",
  "sla_resolution", "follow_up_after" } do
  assert(duration.parse(settings[k]), "retail-eu: settings." .. k .. " is not a duration: " .. tostring(settings[k]))
end

local TEAMS = { "experienced-agents", "social-care", "senior-care", "management" }
local ladder = escalation.new {
  teams = TEAMS,
  triggers = {
    { public_channel = 2 },                                  -- social media: the social-care team
    { severity = { high = 3, critical = 4 } },
    { repeat_complaints = { count = settings.repeat_complaints, within_days = 90 }, tier = 1 },
    { sla_breach = 3 },                                      -- a deadline passed: senior care
    { legal_risk = 4 },                                      -- categories injury, fraud, data_breach…
  },
  chronic = { complaints_365d = settings.chronic_complaints_365d },
}

local clocks = sla.new {
  calendar = calendar.pack,
  targets = {
    first_response = { critical = settings.sla_first_response_high, high = settings.sla_first_response_high,
      default = settings.sla_first_response },
    resolution = settings.sla_resolution,
  },
}

local PHOTO = { defective = true, wrong_item = true }

-- The ladder, then an aggressive customer goes to experienced agents.
-- → true when a person from a team takes the case.
local function escalate(case, act)
  local e = ladder:apply(case, act)
  if e.tier > 0 then
    act:explain("escalated", "Escalated to tier " .. e.tier .. " (" .. e.team .. "): " .. table.concat(e.reasons, "; ") .. ".")
  end
  if case.customer_state == "aggressive" then
    if e.tier == 0 then act:escalate { tier = 1, team = TEAMS[1], reason = "the customer is very upset: an experienced agent answers" } end
    act:explain("aggressive_customer", "The customer is very upset: an experienced agent answers, calmly, and never in kind.")
    return true
  end
  return e.tier > 0
end

local REMINDER_AFTER = settings.reminder_days .. " days"

local STATUS = { offered = "awaiting_customer", waiting = "awaiting_customer", person = "investigating", answered = "rejected" }

-- After a remedy: the status, a reminder when the customer must answer,
-- and the SLA clocks when the next step is ours.
local function settle(case, act, outcome, first_response)
  local status = STATUS[outcome]
  if status == "awaiting_customer" then
    act:set { status = status, facts = { reminders = 0 } }
    act:timer { name = "reminder", after = REMINDER_AFTER, data = { kind = outcome == "offered" and "offer" or "info" } }
    clocks:pause(case, act, "resolution")
  else
    act:set { status = status }
  end
  if first_response then clocks:start(case, act, "first_response") end
  if outcome == "person" then clocks:start(case, act, "resolution") end
end

local function run_resolution(case, act)
  if not clocks:resume(case, act, "resolution") then clocks:start(case, act, "resolution") end
end

local function cancel(case, act, name)
  if case.timers[name] then act:cancel_timer { name = name } end
end

function P.on_complaint(case, act)
  local ask = {}
  if not (case.order and case.order.id) then ask[#ask + 1] = "order_number" end
  if PHOTO[case.category] then ask[#ask + 1] = "photo" end
  act:acknowledge { compose = { ask = ask, next_contact = settings.next_contact } }
  local rights = remedies.rights(case)
  local remedy = remedies.of(case.category)
  -- money back within the withdrawal period is a withdrawal, unless the goods
  -- are excluded from it (art. 16): then the category's own remedy applies
  if case.category ~= "withdrawal" and remedies.REFUND_WANTS[case.wants] and rights()["EU.withdrawal"]
      and not case.order.excluded then
    act:explain("refund_within_withdrawal", "The customer wants their money back within the withdrawal period: that is a withdrawal, owed without a reason.")
    remedy = remedies.withdrawal
  end
  local outcome = remedy(case, act, rights)
  settle(case, act, outcome, escalate(case, act) or outcome == "person")
end

local events = {}

events["customer.replied"] = function(case, _, act)
  act:message { template = "reply_ack" }
  if case.status == "follow_up" or case.status == "closed" or case.status == "resolved" then
    act:explain("reply_after_resolution", "The customer wrote after the case was resolved: thanked; the follow-up stays as planned.")
    return
  end
  cancel(case, act, "reminder")
  run_resolution(case, act)
  act:explain("customer_replied", "The customer answered: reminders stop and the resolution clock runs, since the next step is ours.")
end

events["agent.note"] = function(case, _, act)
  local stopped = clocks:stop(case, act, "first_response")
  act:explain(stopped and "first_response_given" or "note_recorded",
    stopped and "A person answered the customer: the first-response clock stops." or "A note for the file; nothing to decide.")
end

events["investigation.concluded"] = function(case, event, act)
  clocks:stop(case, act, "first_response")
  if not event.data.justified then
    act:set { status = "rejected", facts = { deferred = false } }
    act:message { template = "unjustified" }
    clocks:stop(case, act, "resolution")
    act:explain("unjustified", "Not justified: a polite answer that still offers help.")
  elseif case.facts.deferred then
    -- a reopened case gets goodwill (counted against the per-case cap), not
    -- the category's remedy a second time
    act:set { facts = { deferred = false } }
    act:explain("justified_remedy", "Justified after the investigation: the remedy that waited for it is decided now.")
    local remedy = case.facts.reopened and remedies.other or remedies.of(case.category)
    settle(case, act, remedy(case, act, remedies.rights(case)), false)
  else
    act:explain("justified", "The investigation found the complaint justified; the remedy already offered stands.")
  end
end

local function resolve(case, act)
  cancel(case, act, "reminder")
  clocks:stop(case, act, "first_response")
  clocks:stop(case, act, "resolution")
  act:timer { name = "follow_up", after = settings.follow_up_after }
end

events["offer.accepted"] = function(case, _, act)
  act:message { template = "offer_accepted" }
  act:set { status = "resolved" }
  resolve(case, act)
  act:explain("offer_accepted", "The customer accepted: the case is resolved and a satisfaction follow-up is planned in " .. settings.follow_up_after .. ".")
end

events["offer.declined"] = function(case, event, act)
  cancel(case, act, "reminder")
  local tier = math.max(1, case.tier)
  act:escalate { tier = tier, team = TEAMS[tier], reason = "the customer declined offer " .. event.data.offer_id }
  act:set { status = "investigating" }
  act:message { template = "offer_declined" }
  run_resolution(case, act)
  act:explain("offer_declined", "The customer declined the offer: an agent looks for another remedy with them.")
end

events["case.resolved"] = function(case, _, act)
  resolve(case, act)
  act:explain("resolved", "Resolved: the clocks stop and a satisfaction follow-up is planned in " .. settings.follow_up_after .. ".")
end

events["satisfaction.reported"] = function(case, event, act)
  local score = event.data.score
  if score > settings.low_satisfaction then
    act:message { template = "thanks_feedback" }
    act:set { status = "closed" }
    act:explain("satisfied", "Satisfaction " .. score .. "/5: the case is closed.")
    return
  end
  local tier = math.max(3, case.tier)
  act:escalate { tier = tier, team = TEAMS[tier], reason = "the customer is not satisfied (score " .. score .. ")" }
  act:open_corrective_action { title = "Review a " .. case.category .. " case rated " .. score .. "/5", owner = "quality",
    cause = "the remedy did not satisfy the customer" }
  act:message { template = "feedback_low" }
  act:set { status = "investigating" }
  run_resolution(case, act)
  act:explain("low_satisfaction", "Satisfaction " .. score .. "/5 (at most " .. settings.low_satisfaction .. "): senior care takes it up and the cause is reviewed.")
end

events["case.reopened"] = function(case, event, act)
  act:acknowledge { compose = { ask = {}, next_contact = settings.next_contact } }
  local tier = math.max(1, case.tier)
  act:escalate { tier = tier, team = TEAMS[tier], reason = "the case was reopened" .. (event.data.reason and (": " .. event.data.reason) or "") }
  act:set { status = "investigating", facts = { deferred = true, reopened = true } }
  cancel(case, act, "follow_up")
  clocks:start(case, act, "first_response")
  run_resolution(case, act)
  act:explain("reopened", "Reopened: acknowledged again, an experienced agent investigates, and the clocks run again.")
end

events["approval.granted"] = function(case, _, act)
  local o = case.offers[#case.offers]  -- the engine has just issued the approved offer
  act:message { template = "approval_granted", vars = { kind = o.kind, amount = remedies.money(o.amount, o.currency) } }
  settle(case, act, "offered", false)
  act:explain("approval_granted", "A manager approved the " .. o.kind .. " of " .. tostring(remedies.money(o.amount, o.currency)) .. ": the customer is told.")
end

events["approval.denied"] = function(case, _, act)
  local tier = math.max(3, case.tier)
  act:escalate { tier = tier, team = TEAMS[tier], reason = "a manager declined the held offer: a senior agent agrees another remedy" }
  act:message { template = "approval_denied" }
  act:set { status = "investigating" }
  run_resolution(case, act)
  act:explain("approval_denied", "A manager declined the held offer: senior care agrees another remedy with the customer.")
end

function P.on_event(case, event, act)
  local handler = events[event.type]
  if handler then handler(case, event, act) end
end

local timers = {}

function timers.reminder(case, timer, act)
  if case.status ~= "awaiting_customer" then
    act:explain("reminder_skipped", "The case no longer waits for the customer: no reminder.")
    return
  end
  local n = (case.facts.reminders or 0) + 1
  act:message { template = "reminder_" .. timer.data.kind, vars = { days = settings.reminder_days } }
  act:set { facts = { reminders = n } }
  if n < settings.max_reminders then
    act:timer { name = "reminder", after = settings.reminder_days .. " days", data = timer.data }
  end
  act:explain("reminder_sent", string.format("Reminder %d of %d: no answer from the customer in %d days.", n, settings.max_reminders, settings.reminder_days))
end

function timers.follow_up(_, _, act)
  act:set { status = "follow_up" }
  act:message { template = "follow_up" }
  act:explain("follow_up", "The follow-up: the customer is asked whether they are satisfied.")
end

function P.on_timer(case, timer, act)
  local fired = clocks:on_timer(case, timer, act)
  if not fired then return timers[timer.name](case, timer, act) end
  if fired.kind == "warning" then
    act:set { tags = { "sla-warning:" .. fired.target } }
    act:explain("sla_warning", "Most of the " .. fired.target .. " time is used: the team is warned.")
    return
  end
  local e = ladder:evaluate(case, { sla_breach = true })
  local tier = math.min(math.max(e.tier, case.tier + 1), #TEAMS)
  act:escalate { tier = tier, team = TEAMS[tier], reason = "the " .. fired.target .. " deadline passed" }
  act:message { template = "sla_late" }
  act:explain("sla_breach", "The " .. fired.target .. " deadline passed: escalated to " .. TEAMS[tier] .. ", and the customer is told.")
end

return P
