-- hospitality: a hotel's complaint policy. What it decides and why, branch
-- by branch: README.md in this folder. The pack's modules: stay (what the
-- details say about the stay), remedies (offers by severity, billing
-- corrections, approvals), hotel_law (the legal rules for a hotel stay).
local settings = require "redress.settings"
local money = require "redress.money"
local escalation = require "redress.escalation"
local sla = require "redress.sla"
local duration = require "redress.duration"
local time = require "redress.time"
local cal = require("redress.calendar").pack
local stay = require "stay"
local law = require "hotel_law"
local remedies = require "remedies"

local check = remedies.check
local visit = duration.parse(settings.duty_manager_visit)
check("duty_manager_visit", visit and not visit.business, "is wall time such as \"30 minutes\" (the duty manager works round the clock)")
check("guest_relations_reply", duration.parse(settings.guest_relations_reply), "is a duration such as \"1 business day\"")
check("follow_up_after", duration.parse(settings.follow_up_after), "is a duration such as \"1 day\"")
check("low_score", math.type(settings.low_score) == "integer" and settings.low_score >= 1 and settings.low_score < 5, "is a score from 1 to 4")

local SERVICE = law.SERVICE  -- remedied by severity at once; other categories are investigated first
local GM = "general-manager"

-- The duty manager's visit runs on wall time; guest relations on office hours.
local duty = sla.new { targets = { duty_visit = settings.duty_manager_visit } }
local office = sla.new { calendar = cal, targets = { reply = settings.guest_relations_reply } }
local function stop_clocks(case, act)
  local visited = duty:stop(case, act, "duty_visit")
  return office:stop(case, act, "reply") or visited
end

local ladder = escalation.new {
  teams = { "guest-relations", GM, "legal" },
  triggers = {
    { severity = { critical = 2 } },
    { public_channel = 2 },
    { repeat_complaints = { count = 3, within_days = 365 }, tier = 2 },
    { legal_risk = 3 },  -- injury, discrimination, data breach, fraud
  },
  chronic = { complaints_365d = 6 },
}

local function investigate(case, act)
  act:set { status = "investigating" }
  act:message { template = "investigating" }
  if case.category == "staff_behaviour" then
    act:explain("investigate.staff", "Staff behaviour: a manager hears the guest and the staff member first; "
      .. "a justified complaint gets the remedy for its severity.")
  else
    act:explain("investigate.other", "No standard remedy for '" .. case.category .. "': a manager investigates first; "
      .. "a justified complaint gets the remedy for its severity.")
  end
end

local function escalate(case, act, s, waiting)
  if s.on_site then
    local room = case.details.room_number
    act:escalate { tier = 1, team = "duty-manager", reason = "the guest is in the hotel" ..
      (room and (", room " .. room) or "") .. ": a visit within " .. settings.duty_manager_visit }
    duty:start(case, act, "duty_visit")
    act:explain("escalate.duty_manager", "The guest is in the hotel: the duty manager visits within "
      .. settings.duty_manager_visit .. ".")
  else
    act:escalate { tier = 1, team = "guest-relations", reason = "the guest is not in the hotel" }
    if not waiting then office:start(case, act, "reply") end
    act:explain("escalate.guest_relations", "The guest is not in the hotel (" .. stay.phase(s) .. "): guest relations "
      .. "answers within " .. settings.guest_relations_reply .. (waiting and ", counted from the guest's reply" or "") .. ".")
  end
  ladder:apply(case, act)
end

local function schedule_follow_up(case, act, s)
  local due = s.check_out and cal:add(s.check_out, settings.follow_up_after)
  if due and due > case.now then
    act:timer { name = "follow_up", at = due }
    act:explain("follow_up.scheduled", "The satisfaction question goes out " .. settings.follow_up_after
      .. " after check-out, at " .. time.format(due) .. ".")
  else
    act:explain("follow_up.on_resolution", "The guest has left or the stay dates are unknown: the satisfaction "
      .. "question goes out when the case is resolved.")
  end
end

local P = {}

function P.on_complaint(case, act)
  local s = stay.read(case)
  if s.on_site then
    act:acknowledge { template = "ack_onsite", vars = { due = case.now + visit.ms }, next_contact = settings.duty_manager_visit }
  else
    act:acknowledge { template = "ack", vars = { due = cal:add(case.now, settings.guest_relations_reply) },
      next_contact = settings.guest_relations_reply }
  end
  local waiting = false
  if SERVICE[case.category] then
    if s.on_site then act:message { template = "onsite_" .. case.category } end
    remedies.by_severity[case.severity](case, act, s)
  elseif case.category == "billing_error" then
    waiting = remedies.billing(case, act, s)
  else
    investigate(case, act)
  end
  escalate(case, act, s, waiting)
  schedule_follow_up(case, act, s)
  law.explain_withdrawal(case, act)
end

-- Later events, by type; every type intake accepts has its handler.
local ON = {}

ON["customer.replied"] = function(case, _, act)
  act:message { template = "reply_ack" }
  if case.facts.awaiting_invoice then
    act:set { facts = { awaiting_invoice = false } }
    office:start(case, act, "reply")
    return act:explain("reply.invoice", "The guest replied about the bill: guest relations answers within "
      .. settings.guest_relations_reply .. ".")
  end
  act:explain("reply.thanked", "The guest's reply is added to the case and acknowledged.")
end

ON["agent.note"] = function(case, _, act)
  if stop_clocks(case, act) then
    return act:explain("contact.made", "Staff have seen or answered the guest (agent note): the response clock stops.")
  end
  act:explain("note.recorded", "An agent's note; no response clock was running.")
end

local CORRECTIVE = {  -- category → what to fix, and who owns it
  room_not_as_booked = { "Check room allocation against bookings", "front-office" },
  noise = { "Find and reduce the source of noise", "operations" },
  cleanliness = { "Review the room's cleaning and inspection", "housekeeping" },
  billing_error = { "Check the billing error's cause in the folio", "finance" },
  staff_behaviour = { "Coaching on guest service for the team involved", "human-resources" },
}

ON["investigation.concluded"] = function(case, event, act)
  if not event.data.justified then
    act:set { status = "rejected" }
    act:message { template = "unjustified" }
    return act:explain("investigation.unjustified", "Not justified: the guest still gets a polite answer and an offer to help.")
  end
  local fix = CORRECTIVE[case.category] or { "Prevent '" .. case.category .. "' from recurring", GM }
  act:open_corrective_action { title = fix[1], cause = event.data.findings or case.category, owner = fix[2] }
  act:set { status = "investigating" }
  if SERVICE[case.category] or case.category == "billing_error" then
    return act:explain("investigation.justified", "Justified: the remedy already given stands; " .. fix[2] .. " fixes the cause.")
  end
  remedies.by_severity[case.severity](case, act, stay.read(case))
  act:explain("investigation.justified_remedy", "Justified after investigation: the remedy for " .. case.severity
    .. " severity; " .. fix[2] .. " fixes the cause.")
end

ON["approval.granted"] = function(case, _, act)
  for _, ap in ipairs(case.approvals) do
    if ap.status == "granted" and ap.decided_at == case.now_iso then
      act:message { template = "approval_granted", vars = { amount = money.new(ap.offer.amount, ap.offer.currency) } }
    end
  end
  act:explain("approval.granted", "A manager approved the offer; the guest is told the amount.")
end

ON["approval.denied"] = function(_, _, act)
  act:set { status = "investigating" }
  act:message { template = "approval_denied" }
  act:explain("approval.denied", "A manager did not approve the offer: guest relations agrees another remedy with the guest.")
end

ON["offer.accepted"] = function(case, _, act)
  stop_clocks(case, act)
  act:set { status = "resolved" }
  act:message { template = "offer_thanks" }
  act:explain("offer.accepted", "The guest accepted the offer: the case is resolved.")
end

ON["offer.declined"] = function(_, _, act)
  act:escalate { tier = 2, team = GM, reason = "the guest declined the offer" }
  act:message { template = "offer_declined" }
  act:explain("offer.declined", "The guest declined the offer: the general manager calls the guest personally.")
end

ON["case.resolved"] = function(case, _, act)
  stop_clocks(case, act)
  if case.timers.follow_up then
    return act:explain("resolved.follow_up_pending", "Resolved while the guest is still with us: the satisfaction "
      .. "question goes out after check-out.")
  end
  act:set { status = "follow_up" }
  act:message { template = "follow_up" }
  act:explain("resolved.follow_up_sent", "Resolved: the guest is asked whether they are satisfied.")
end

ON["satisfaction.reported"] = function(case, event, act)
  if case.timers.follow_up then act:cancel_timer { name = "follow_up" } end
  local score = event.data.score
  if score <= settings.low_score then
    act:escalate { tier = 2, team = GM, reason = "the guest is not satisfied (score " .. score .. ")" }
    act:message { template = "low_score" }
    return act:explain("satisfaction.low", "Satisfaction " .. score .. " of 5: the general manager contacts the guest.")
  end
  act:set { status = "closed" }
  act:message { template = "thanks_feedback" }
  act:explain("satisfaction.good", "Satisfaction " .. score .. " of 5: the case is closed.")
end

ON["case.reopened"] = function(_, _, act)
  act:acknowledge { template = "reopened", next_contact = settings.guest_relations_reply }
  act:escalate { tier = 2, team = GM, reason = "the case was reopened" }
  act:explain("reopened", "The case was reopened: the general manager takes it over.")
end

function P.on_event(case, event, act)
  local handle = ON[event.type]
  if handle then handle(case, event, act) end
end

function P.on_timer(case, timer, act)
  if timer.name == "follow_up" then  -- satisfaction.reported cancels it: the guest has not rated us yet
    act:message { template = "follow_up" }
    act:set { status = case.status == "resolved" and "follow_up" or nil, facts = { follow_up_sent = true } }
    return act:explain("follow_up.sent", "The guest has checked out: they are asked whether they are satisfied.")
  end
  local fired = duty:on_timer(case, timer, act) or office:on_timer(case, timer, act)
  if not fired then
    return act:explain("timer.unknown", "The timer '" .. timer.name .. "' is not one this pack version sets.")
  end
  if fired.kind == "warning" then
    act:set { tags = { "sla-warning:" .. fired.target } }
    return act:explain("sla.warning", "Most of the time for '" .. fired.target .. "' is used.")
  end
  act:escalate { tier = 2, team = GM, reason = "deadline passed: " .. fired.target }
  if fired.target == "duty_visit" then act:message { template = "visit_late" } end
  act:explain("sla.breach", "The deadline for '" .. fired.target .. "' passed: the general manager steps in.")
end

return P
