-- ecommerce-cn: a marketplace seller in mainland China. What it decides and
-- why: README.md in this folder. The law: modules/cn_law.lua; the remedy
-- for each category: modules/remedies.lua. This file: acknowledgement,
-- routing, escalation, the SLA clocks, events and timers.
local settings = require "redress.settings"
local sla = require "redress.sla"
local escalation = require "redress.escalation"
local time = require "redress.time"
local duration = require "redress.duration"
local cal = require("redress.calendar").pack
local remedies = require "remedies"

local P = {}

-- Platforms count their deadline in calendar hours (it does not stop for
-- nights or holidays), so that clock has no business calendar unless the
-- operator's setting is business time; the shop's own resolution target is
-- business time in the pack calendar.
local WARN_AT = 0.8  -- the team is warned when 80 % of a clock's time is used
local platform_business = (duration.parse(settings.platform_response) or {}).business
local platform = sla.new { calendar = platform_business and cal or nil,
  targets = { platform_response = settings.platform_response }, warn_at = WARN_AT }
local internal = sla.new { calendar = cal, targets = { resolution = settings.resolution }, warn_at = WARN_AT }

local TEAMS = { "senior-agents", "shop-manager", "legal" }
local ladder = escalation.new {
  teams = TEAMS,
  triggers = {
    { severity = { high = 1, critical = 2 } },
    { public_channel = 2 },
    { repeat_complaints = { count = settings.repeat_count, within_days = settings.repeat_within_days }, tier = 2 },
    { legal_risk = 3 },  -- a fraud claim or a regulator: the legal team
  },
  chronic = { complaints_365d = settings.chronic_complaints_365d },
}

local FRAUD_CATEGORIES = { counterfeit = true, false_advertising = true }
local CATEGORIES = {
  no_reason_return = remedies.no_reason_return, ["return"] = remedies.no_reason_return,
  defective = remedies.defective, late_delivery = remedies.late_delivery,
  missing = remedies.missing, wrong_item = remedies.wrong_item,
}
-- Words that mean the customer went (or will go) to the regulator: the
-- 12315 hotline and platform, the market regulation bureau (市场监督管理局,
-- formerly 工商局), the consumer association (消协).
local REGULATOR_WORDS = { "12315", "市场监管", "市场监督", "工商局", "消协", "消费者协会" }

local function claims_fraud(case)
  return case.details.misrepresented == true or FRAUD_CATEGORIES[case.category] == true
end

local function regulator(case)
  if case.details.regulator_contacted then return true end
  if not settings.detect_regulator_mentions then return false end
  for _, w in ipairs(REGULATOR_WORDS) do
    if case.description:find(w, 1, true) then return true end
  end
  return false
end

-- The same count the ladder's repeat trigger reads.
local function repeat_complainer(case)
  local s, w = case.customer_summary or {}, settings.repeat_within_days
  local n = s[w <= 30 and "complaints_30d" or w <= 90 and "complaints_90d" or "complaints_365d"] or 0
  return n + 1 >= settings.repeat_count
end

-- Pages the team of at least `tier` (the case's own team when it is higher).
local function page(case, act, tier, reason)
  local t = math.max(case.tier, tier)
  act:escalate { tier = t, team = TEAMS[t], reason = reason }
end

local function cancel(case, act, name)
  if case.timers[name] then act:cancel_timer { name = name } end
end

local function stop_clocks(case, act)
  platform:stop(case, act, "platform_response")
  internal:stop(case, act, "resolution")
  cancel(case, act, "delivery_check")
end

local function decide(case, act)
  if case.jurisdiction and case.jurisdiction ~= "CN" then
    return remedies.review(act, "foreign_jurisdiction", "The sale is not under mainland Chinese law (" .. case.jurisdiction ..
      "): this pack's legal windows do not apply, so a person decides.")
  end
  if claims_fraud(case) then return remedies.fraud(case, act) end
  local remedy = CATEGORIES[case.category]
  if remedy then return remedy(case, act) end
  return remedies.review(act, "investigate", "No standard remedy for the category " .. case.category .. ": a person investigates and answers.")
end

local function escalate(case, act)
  local reg = regulator(case)
  if reg then
    act:set { tags = { "regulator" } }
    act:explain("regulator_involved", "The customer has gone, or says they will go, to 12315 or the market regulator: the legal team answers and takes part in any mediation.")
  end
  if case.channel == "social" then
    act:explain("public_channel", "A complaint in public (social media) can grow into a crisis: the shop manager's team answers it.")
  end
  if repeat_complainer(case) then
    act:explain("repeat_complainer", string.format("At least %d complaints from this customer in %d days: the shop manager looks at the whole relationship.",
      settings.repeat_count, settings.repeat_within_days))
  end
  if case.severity == "high" or case.severity == "critical" then
    act:explain("severe", "Severity " .. case.severity .. ": an experienced team takes the case.")
  end
  local e = ladder:apply(case, act, { legal_risk = reg or claims_fraud(case) })
  if case.customer_state == "aggressive" then
    -- the acknowledgement promised a senior agent
    if e.tier < 1 then page(case, act, 1, "the customer is very upset: a senior agent answers") end
    act:explain("aggressive_customer", "The customer is very upset: a senior agent (or a higher team) answers, never an automatic reply alone.")
  end
end

function P.on_complaint(case, act)
  local reply_by = cal:add(case.now, settings.reply_within)
  act:acknowledge { template = case.channel == "social" and "ack_social" or "ack", next_contact = time.format(reply_by),
    vars = { reply_by = reply_by, state = case.customer_state, ask = (case.order and case.order.id) and "none" or "order" } }
  local next_step = decide(case, act)
  -- A person must answer the platform's after-sales request in time; an
  -- automatic remedy answers it now. Waiting for the customer stops nothing.
  if next_step == "person" then platform:start(case, act, "platform_response") end
  if next_step ~= "customer" then internal:start(case, act, "resolution") end
  escalate(case, act)
end

local EVENTS = {}

EVENTS["customer.replied"] = function(case, _, act)
  act:message { template = "reply_ack" }
  -- the clock waited for this reply when the complaint lacked a date
  if case.facts["sla.resolution.state"] == nil then internal:start(case, act, "resolution") end
  platform:start(case, act, "platform_response")
  act:explain("customer_replied", "The customer's reply is thanked; a person answers it within the platform deadline, and the resolution clock runs.")
end

EVENTS["agent.note"] = function(case, _, act)
  if platform:stop(case, act, "platform_response") then
    act:explain("first_response_given", "An agent answered the after-sales request: the platform clock stops.")
  else
    act:explain("note_recorded", "An agent's note on a case with no platform clock running: nothing to decide.")
  end
end

EVENTS["investigation.concluded"] = function(case, data, act)
  platform:stop(case, act, "platform_response")
  if not data.justified then
    act:set { status = "rejected" }
    act:message { template = "unjustified" }
    internal:stop(case, act, "resolution")
    act:explain("unjustified", "Not justified: the customer still gets a polite answer and an offer to help.")
  elseif case.facts.fraud_suspected and data.fault == "company" then
    act:set { facts = { fraud = true }, tags = { "fraud-confirmed" } }
    act:explain("fraud_confirmed", "The investigation found the shop at fault on a fraud claim: the finding is recorded (facts.fraud), so CRPL art. 55 damages are owed; the legal team grants the held compensation.")
  else
    act:set { status = "investigating" }
    act:explain("justified", "The investigation found the complaint justified; the remedy stands.")
  end
end

EVENTS["approval.granted"] = function(case, _, act)
  platform:stop(case, act, "platform_response")
  act:message { template = "approval_granted" }
  act:explain("approval_granted", "The held offer was approved; the engine issues it and the customer is told.")
end

EVENTS["approval.denied"] = function(case, _, act)
  platform:stop(case, act, "platform_response")
  act:message { template = "approval_denied" }
  act:explain("approval_denied", "The held offer was refused; an agent explains why and looks for another solution with the customer.")
end

local function resolved(case, act, code, why)
  stop_clocks(case, act)
  act:timer { name = "follow_up", after = settings.follow_up_after }
  act:explain(code, why .. " The satisfaction follow-up is due in " .. settings.follow_up_after .. ".")
end

EVENTS["offer.accepted"] = function(case, _, act)
  act:set { status = "resolved" }
  resolved(case, act, "offer_accepted", "The customer accepted the offer.")
end

EVENTS["case.resolved"] = function(case, _, act)
  resolved(case, act, "resolved", "The case was marked resolved.")
end

EVENTS["offer.declined"] = function(case, _, act)
  act:set { status = "investigating" }
  platform:start(case, act, "platform_response")
  page(case, act, 1, "the customer declined the offer")
  act:explain("offer_declined", "The customer declined the offer: an experienced agent proposes another solution within the platform deadline.")
end

EVENTS["satisfaction.reported"] = function(case, data, act)
  cancel(case, act, "follow_up")
  cancel(case, act, "close_if_silent")
  if data.score <= 2 then
    act:message { template = "sorry_feedback" }
    page(case, act, 2, "the customer is not satisfied (score " .. data.score .. ")")
    act:open_corrective_action { title = "Unsatisfied customer on case " .. case.id, cause = "category " .. case.category, owner = "shop-manager" }
    act:explain("unsatisfied", "Satisfaction " .. data.score .. "/5: the shop manager calls the customer, and the cause is opened for correction.")
  else
    act:set { status = "closed" }
    act:message { template = "thanks_feedback" }
    act:explain("satisfied", "Satisfaction " .. data.score .. "/5: the case is closed.")
  end
end

EVENTS["case.reopened"] = function(case, data, act)
  local reply_by = cal:add(case.now, settings.reply_within)
  act:acknowledge { template = "ack_reopened", next_contact = time.format(reply_by), vars = { reply_by = reply_by } }
  page(case, act, 2, "the case was reopened" .. (data.reason and (": " .. data.reason) or ""))
  platform:start(case, act, "platform_response")
  internal:start(case, act, "resolution")
  act:explain("reopened", "The case was reopened: the shop manager follows it, and the platform and resolution clocks start again.")
end

function P.on_event(case, event, act)
  local handler = EVENTS[event.type]
  if handler then handler(case, event.data, act) end
end

local TIMERS = {}

-- The promise was broken while the case was open: compensate unasked.
TIMERS.delivery_check = function(case, _, act)
  remedies.late_coupon(case, act, remedies.days_late(time.parse(case.details.promised_by), case.now))
  act:explain("late_after_promise", "The promised delivery time passed and the case is still open: the late-delivery coupon is offered without waiting to be asked.")
end

TIMERS.follow_up = function(_, _, act)
  act:set { status = "follow_up" }
  act:message { template = "follow_up" }
  act:timer { name = "close_if_silent", after = settings.close_after }
  act:explain("follow_up", "After the remedy: the customer is asked whether they are satisfied.")
end

TIMERS.close_if_silent = function(_, _, act)
  act:set { status = "closed" }
  act:message { template = "closing" }
  act:explain("closed_no_answer", "No answer to the satisfaction question within " .. settings.close_after .. ": the case is closed, the door stays open.")
end

local function clock_fired(case, act, fired)
  local what = fired.target:gsub("_", " ")
  if fired.kind == "warning" then
    act:set { tags = { "sla-warning:" .. fired.target } }
    act:explain("sla_warning", string.format("%d%% of the %s time is used: the team is warned.", math.floor(WARN_AT * 100 + 0.5), what))
    return
  end
  act:set { tags = { "sla-breach:" .. fired.target } }
  act:message { template = "sorry_delay" }
  if fired.target == "platform_response" then
    page(case, act, 2, "the platform's " .. settings.platform_response .. " deadline passed")
    act:explain("platform_deadline_missed", "The platform's " .. settings.platform_response ..
      " deadline passed without an answer from a person: the platform may now decide for the buyer, so the shop manager takes over.")
  else
    page(case, act, 2, "the resolution target of " .. settings.resolution .. " passed")
    act:explain("resolution_overdue", "The shop's resolution target of " .. settings.resolution .. " passed: the shop manager takes over.")
  end
end

function P.on_timer(case, timer, act)
  local fired = platform:on_timer(case, timer, act) or internal:on_timer(case, timer, act)
  if fired then return clock_fired(case, act, fired) end
  local handler = TIMERS[timer.name]
  if handler then handler(case, timer, act) end
end

return P
