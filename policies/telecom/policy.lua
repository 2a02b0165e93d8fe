-- telecom: a broadband and mobile operator's complaint policy. README.md in
-- this folder says what it decides, why, and on which law.
local settings = require "redress.settings"
local money = require "redress.money"
local legal = require "redress.legal"
local sla = require "redress.sla"
local escalation = require "redress.escalation"
local cal = require("redress.calendar").pack
require "checks"  -- the operator's settings, checked as the pack loads
local credit = require "credit"
local dispute = require "dispute"

local P = {}

-- Categories as intake systems name them → the pack's kinds.
local KIND = { outage = "outage", no_service = "outage", service_outage = "outage", network_outage = "outage",
  billing_dispute = "billing", billing = "billing", overcharge = "billing",
  slow_speed = "slow_speed", slow_broadband = "slow_speed", mis_sold = "mis_sold", mis_selling = "mis_sold" }
local function kind(category) return KIND[category] or "other" end
local function is_outage(category) return KIND[category] == "outage" end

local WANTS_OUT = { refund = true, money_back = true, ["return"] = true, cancel = true, cancellation = true }

local function vulnerable(case) return case.details.vulnerable == true end

local clocks = sla.new { calendar = cal,
  targets = { first_response = { vulnerable = settings.vulnerable_first_response, default = settings.first_response },
              resolution = { vulnerable = settings.vulnerable_resolution, default = settings.resolution } },
  priority = function(case) return vulnerable(case) and "vulnerable" or "default" end }

-- Any complaints (the case view's customer_summary): public, severe, many.
local ladder = escalation.new { teams = { "experienced-agents", "senior-care" },
  triggers = { { severity = { high = 1, critical = 2 } }, { public_channel = 2 },
    { repeat_complaints = { count = settings.repeat_complaints_30d, within_days = 30 }, tier = 1 } },
  chronic = { complaints_365d = settings.chronic_complaints_365d } }

-- The next contact the acknowledgement promises: the first-response target
-- (passed as next_contact too, so the promise ledger keeps it).
local function next_contact(case)
  return cal:add(case.now, vulnerable(case) and settings.vulnerable_first_response or settings.first_response)
end

-- A credit on the account, or a request for approval above the threshold.
local function give_credit(act, amount, reason, template)
  local spec = { kind = "credit", amount = amount.amount, currency = amount.currency, reason = reason }
  if amount.amount > settings.credit_approval_over then
    local limit = money.new(settings.credit_approval_over, amount.currency)
    act:request_approval { offer = spec, reason = "a credit over " .. tostring(limit) .. " is signed off by a manager" }
    act:message { template = "credit_pending", vars = { amount = amount } }
    act:explain("credit_approval", "The credit of " .. tostring(amount) .. " is over " .. tostring(limit) ..
      ": it waits for a manager's approval.")
  else
    -- the announcement rides on the offer: it waits with it if an engine
    -- budget holds the offer for a manager (a message of its own would tell
    -- the customer of a payment that may never come)
    spec.message = { template = template, vars = { amount = amount } }
    act:offer(spec)
  end
end

-- on_complaint, by kind. Each acknowledges; true: waiting for the customer.
local HANDLE = {}

function HANDLE.outage(case, act, vars)
  local outage = credit.outage(case)
  local amount = outage and credit.pro_rata(case, outage)
  if not amount then
    act:acknowledge { template = "ack_outage_ask", vars = vars, next_contact = vars.next }
    act:explain("outage_details_missing", "The credit needs how long the service was down and its monthly price: " ..
      "the customer is asked for what is missing.")
    return true
  end
  vars.hours = credit.hours(outage.ms)
  act:acknowledge { template = "ack_outage", vars = vars, next_contact = vars.next }
  if outage.ongoing then
    act:message { template = "outage_ongoing" }
    act:escalate { tier = 1, team = "network-operations", reason = "the service is still down" }
    act:explain("outage_ongoing", "The service is still down: network operations is on it, and the credit covers " ..
      "the time so far.")
  end
  local count = credit.recent_outages(case, is_outage) + 1
  if count >= settings.repeat_outages then
    amount = amount:times(settings.repeat_credit_multiplier, settings.outage_rounding)
    act:escalate { tier = 2, team = "network-engineering", reason = string.format("%d outages in %d days",
      count, settings.repeat_window_days) }
    act:open_corrective_action { title = "Recurring outages on one line (case " .. case.id .. ")",
      cause = string.format("%d outage complaints in %d days", count, settings.repeat_window_days), owner = "network-engineering" }
    act:explain("outage_repeated", string.format("Outage %d in %d days: network engineering looks for the cause, " ..
      "and the credit is %s times the pro-rata one: %s.", count, settings.repeat_window_days,
      tostring(settings.repeat_credit_multiplier), tostring(amount)))
    return give_credit(act, amount, "repeated outages", "credit_repeat")
  end
  if outage.ms < settings.outage_min_hours * credit.HOUR then
    -- still down: the whole outage is reviewed once service is back (outage_ongoing says so)
    if not outage.ongoing then
      act:message { template = "outage_below_minimum", vars = { hours = vars.hours, min_hours = settings.outage_min_hours } }
    end
    act:explain("outage_below_minimum", string.format("%s hours down is under the %s hours that earn a credit: " ..
      "an apology, and the line is watched.", tostring(vars.hours), tostring(settings.outage_min_hours)))
    return
  end
  act:explain("outage_credit", string.format("%s hours without service: the monthly fee pro rata, %s.",
    tostring(vars.hours), tostring(amount)))
  give_credit(act, amount, "service outage", "credit_outage")
end

function HANDLE.billing(case, act, vars)
  dispute.open(case, act, vars)
end

function HANDLE.slow_speed(_, act, vars)
  act:acknowledge { template = "ack_slow_speed", vars = vars, next_contact = vars.next }
  act:set { status = "investigating" }
  act:explain("slow_speed_investigate", "Slow speed: a line test comes first; a credit follows if the speed was " ..
    "below what was sold.")
end

-- The right to withdraw from a contract made at a distance or off premises
-- (LEGAL-SOURCES.md: Directive 2011/83/EU art. 9; UK Consumer Contracts
-- Regulations 2013 regs 29–31, 34), when redress.legal says it is owed now:
-- cancellation without charges and a refund of what was paid. → true when owed.
local function withdraw(case, act, code)
  local right
  for _, r in ipairs(legal.remedies(case, { zone = cal:zone() }).owed) do
    if r.right == "withdrawal" or r.right == "cancellation" then right = r end
  end
  if not right then return false end
  act:offer { kind = "refund", amount = case.order.amount or 0, currency = case.order.currency,
    reason = "withdrawal from the contract: " .. right.citation }
  act:message { template = "withdrawal", vars = { ["until"] = right.until_at } }
  act:set { facts = { cancel_without_charges = true } }
  act:explain(code, "Inside the withdrawal period (until " .. right.until_at:sub(1, 10) .. ", " .. right.citation ..
    "): the contract may be cancelled without charges, and what was paid is refunded.")
  return true
end

function HANDLE.mis_sold(case, act, vars)
  act:acknowledge { template = "ack_mis_sold", vars = vars, next_contact = vars.next }
  if withdraw(case, act, "mis_sold_withdrawal") then return end
  act:set { status = "investigating" }
  act:escalate { tier = 1, team = "sales-compliance", reason = "possible mis-selling: the sale is reviewed" }
  act:explain("mis_sold_investigate", "Outside any withdrawal period: sales compliance reviews the sale " ..
    "before anything is decided.")
end

function HANDLE.other(_, act, vars)
  act:acknowledge { template = "ack_general", vars = vars, next_contact = vars.next }
  act:set { status = "investigating" }
  act:explain("investigate", "No standard remedy for this category: a person investigates first.")
end

-- A vulnerable customer: priority, a shorter service level (the clocks),
-- and no disconnection while the case is open.
local function priority(case, act, k)
  act:set { tags = { "vulnerable" }, facts = { no_disconnect = true } }
  act:message { template = "vulnerable_note" }
  act:escalate { tier = settings.vulnerable_tier, team = "priority-care",
    reason = "vulnerable customer (" .. (case.details.vulnerability or "reason not given") .. ")" }
  act:explain("vulnerable_priority", "A vulnerable customer: priority care, a shorter service level (" ..
    settings.vulnerable_first_response .. " to answer) and no disconnection while the case is open.")
  if k == "billing" then
    act:explain("vulnerable_no_disconnect", "A vulnerable customer in a billing dispute is never disconnected " ..
      "while the dispute is open, whatever else is owed.")
  end
end

function P.on_complaint(case, act)
  local k = kind(case.category)
  clocks:start(case, act, "first_response")
  if HANDLE[k](case, act, { next = next_contact(case) }) then
    act:set { status = "awaiting_customer" }
  else
    clocks:start(case, act, "resolution")
  end
  -- a customer who wants out of a new contract, whatever went wrong with it
  if WANTS_OUT[case.wants] and k ~= "mis_sold" then withdraw(case, act, "withdrawal_right") end
  if vulnerable(case) then priority(case, act, k) end
  local e = ladder:apply(case, act)
  if e.tier > 0 then act:explain("escalation_ladder", "Escalated to tier " .. e.tier .. ": " .. table.concat(e.reasons, "; ") .. ".") end
end

-- on_event, by event type.
local EVENT = {}

EVENT["customer.replied"] = function(case, _, act)
  act:message { template = "reply_ack" }
  -- the case waited for the customer's details: the resolution clock starts now
  if not (case.sla and case.sla.resolution) then clocks:start(case, act, "resolution") end
  act:explain("customer_replied", "The customer replied: thanked, and the resolution clock runs.")
end

EVENT["agent.note"] = function(case, _, act)
  clocks:stop(case, act, "first_response")
  act:explain("agent_responded", "An agent took the case: the first-response clock stops.")
end

EVENT["investigation.concluded"] = function(case, event, act)
  clocks:stop(case, act, "first_response")
  local k, justified = kind(case.category), event.data.justified
  if k == "billing" and justified then
    dispute.upheld(case, act)
  elseif k == "billing" then
    dispute.rejected(case, act)
  elseif not justified then
    act:set { status = "rejected" }
    act:message { template = "unjustified" }
    act:explain("unjustified", "Not justified: the customer still gets a polite answer and an offer to help.")
  elseif k == "slow_speed" and case.details.monthly_fee then
    local amount = money.new(case.details.monthly_fee, credit.currency(case))
      :percent(settings.slow_speed_credit_percent, settings.outage_rounding)
    act:explain("slow_speed_upheld", string.format("The speed was below what was sold: a credit of %s%% of the " ..
      "monthly fee, %s.", tostring(settings.slow_speed_credit_percent), tostring(amount)))
    give_credit(act, amount, "speed below what was sold", "credit_slow_speed")
  elseif k == "slow_speed" then
    act:message { template = "slow_speed_upheld_review" }
    act:explain("slow_speed_upheld_no_fee", "The speed was below what was sold, and the monthly fee is not known: " ..
      "an agent applies the credit.")
  elseif k == "mis_sold" then
    act:set { facts = { release_without_charges = true } }
    act:message { template = "mis_sold_release" }
    act:explain("mis_sold_upheld", "The contract was mis-sold: the customer may leave it without early termination " ..
      "charges, or change to a plan that suits them.")
  else
    act:explain("justified", "The investigation found the complaint justified; the remedy given stands.")
  end
end

EVENT["offer.accepted"] = function(case, _, act)
  act:set { status = "resolved" }
  act:message { template = "offer_accepted" }
  clocks:stop(case, act, "resolution")
  act:explain("offer_accepted", "The customer accepted the offer: the case is resolved.")
end

EVENT["offer.declined"] = function(_, _, act)
  act:escalate { tier = 1, team = "experienced-agents", reason = "the customer declined the offer" }
  act:explain("offer_declined", "The customer declined the offer: an experienced agent calls them.")
end

EVENT["approval.granted"] = function(_, _, act)
  act:message { template = "credit_approved" }
  act:explain("approval_granted", "A manager approved the credit: it is on the account, and the customer is told.")
end

EVENT["approval.denied"] = function(_, _, act)
  act:escalate { tier = 1, team = "experienced-agents", reason = "the credit the customer was told about was not approved" }
  act:explain("approval_denied", "A manager did not approve the credit the customer was told about: an " ..
    "experienced agent calls them with another remedy.")
end

EVENT["case.resolved"] = function(case, _, act)
  clocks:stop(case, act, "first_response")
  clocks:stop(case, act, "resolution")
  dispute.close(case, act)
  act:set { status = "follow_up" }
  act:message { template = "follow_up" }
  act:explain("case_resolved", "Resolved: the customer is asked whether they are satisfied.")
end

EVENT["satisfaction.reported"] = function(_, event, act)
  act:message { template = "thanks_feedback" }
  if event.data.score <= 2 then
    act:escalate { tier = 2, team = "senior-care", reason = "the customer is not satisfied (score " .. event.data.score .. ")" }
    act:explain("dissatisfied", "A score of " .. event.data.score .. " of 5: senior care calls the customer.")
  else
    act:set { status = "closed" }
    act:explain("satisfied", "A score of " .. event.data.score .. " of 5: the case is closed.")
  end
end

EVENT["case.reopened"] = function(case, _, act)
  local next = next_contact(case)
  act:acknowledge { template = "reopened", vars = { next = next }, next_contact = next }
  clocks:start(case, act, "resolution")
  act:escalate { tier = 1, team = "experienced-agents", reason = "the case was reopened" }
  act:explain("reopened", "The case was reopened: acknowledged again, an experienced agent takes it over.")
end

-- The pack's own event type (pack.lua `events`): the field-service system
-- reports an engineer's visit; its data was checked against the schema.
EVENT["telecom.engineer_visit_completed"] = function(case, event, act)
  clocks:stop(case, act, "first_response")
  local visit = { engineer_visited_at = event.data.visited_at or event.at, engineer_fixed = event.data.fixed }
  if event.data.fixed then
    clocks:stop(case, act, "resolution")
    act:set { status = "follow_up", facts = visit }
    act:message { template = "engineer_fixed" }
    act:explain("engineer_fixed", "The engineer fixed the fault: the resolution clock stops, and the customer is " ..
      "asked whether everything works again.")
  else
    local next = next_contact(case)
    act:set { status = "investigating", facts = visit }
    act:escalate { tier = 1, team = "network-engineering", reason = "the engineer's visit did not fix the fault" }
    act:message { template = "engineer_not_fixed", vars = { next = next }, next_contact = next }
    act:explain("engineer_not_fixed", "The engineer could not fix the fault on the visit: network engineering " ..
      "takes the case over, and the customer hears from us by the next contact date.")
  end
end

function P.on_event(case, event, act)
  local handle = EVENT[event.type]
  if handle then return handle(case, event, act) end
  act:explain("event_ignored", "The pack decides nothing on " .. event.type .. ".")
end

function P.on_timer(case, timer, act)
  local fired = clocks:on_timer(case, timer, act)
  if fired and fired.kind == "breach" then
    act:escalate { tier = 2, team = "duty-manager", reason = fired.target .. " deadline passed" }
    act:message { template = "late" }
    act:explain("sla_breach", "The " .. fired.target .. " deadline passed: the duty manager takes over and the " ..
      "customer gets an apology.")
  elseif fired then
    act:set { tags = { "sla-warning:" .. fired.target } }
    act:explain("sla_warning", "Most of the " .. fired.target .. " time is used: the case is flagged.")
  elseif timer.name == "dispute.reminder" then
    dispute.remind(case, act)
  elseif timer.name == "dispute.deadlock" then
    dispute.deadlock(case, act)
  else
    act:explain("timer_ignored", "The pack decides nothing on the timer " .. timer.name .. ".")
  end
end

return P
