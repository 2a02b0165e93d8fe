-- retail: the minimal built-in policy. See README.md in this folder for what
-- it decides and why.
local settings = require "redress.settings"
local money_mod = require "redress.money"

local P = {}

-- Money for explanations a business user reads ("12.50 EUR"); the customer's
-- wording gets a money value, which ICU formats in their language.
local function money(amount, currency)
  return tostring(money_mod.new(amount, currency))
end

local function offer(act, case, kind, amount, reason)
  local currency = case.order and case.order.currency
  -- the message announces the offer: it waits with it if a budget cap
  -- holds the offer for approval
  act:offer { kind = kind, amount = amount, currency = currency, reason = reason,
    message = { template = "offer_" .. kind, vars = { amount = currency and money_mod.new(amount, currency) or "" } } }
end

local function paid(case)
  return case.order and case.order.amount
end

local remedies = {}

function remedies.late_delivery(case, act)
  local amount = paid(case)
  if amount then
    local coupon = math.max(settings.coupon_min, math.min(settings.coupon_max, amount * settings.coupon_percent // 100))
    offer(act, case, "coupon", coupon, "late delivery")
    act:explain("late_delivery", string.format("The delivery was late: a coupon of %d%% of the order, between %s and %s.",
      settings.coupon_percent, money(settings.coupon_min, case.order.currency), money(settings.coupon_max, case.order.currency)))
  else
    offer(act, case, "free_delivery", 0, "late delivery")
    act:explain("late_delivery", "The delivery was late and no order value was given: the next delivery is free.")
  end
end

function remedies.missing(case, act)
  local amount = paid(case)
  if amount and amount > settings.refund_approval_over then
    act:request_approval { offer = { kind = "refund", amount = amount, reason = "parcel lost" },
      reason = "a refund over " .. money(settings.refund_approval_over, case.order.currency) .. " is signed off by a manager" }
    act:message { template = "refund_pending" }
    act:explain("lost_parcel", "The parcel never arrived: a full refund, waiting for a manager because of its size.")
  elseif amount then
    offer(act, case, "refund", amount, "parcel lost")
    act:explain("lost_parcel", "The parcel never arrived: the customer gets back what they paid.")
  else
    offer(act, case, "replacement", 0, "parcel lost")
    act:explain("lost_parcel", "The parcel never arrived: a replacement is sent.")
  end
end

function remedies.defective(case, act)
  if case.wants == "repair" then
    offer(act, case, "repair", 0, "defective goods")
  else
    offer(act, case, "replacement", 0, "defective goods")
  end
  act:explain("defective", "Defective goods: repair or replacement first, as the legal guarantee requires.")
end

function remedies.wrong_item(case, act)
  offer(act, case, "replacement", 0, "wrong item delivered")
  act:explain("wrong_item", "The wrong item was delivered: the right one is sent at no cost.")
end

function remedies.rude_staff(case, act)
  offer(act, case, "gift", 0, "apology for staff behaviour")
  act:explain("rude_staff", "A member of staff was rude: a sincere apology and a small gift.")
end

function P.on_complaint(case, act)
  act:acknowledge { template = "ack", next_contact = "2 business days" }
  local remedy = remedies[case.category]
  if remedy then
    remedy(case, act)
  else
    act:set { status = "investigating" }
    act:explain("investigate", "No standard remedy for this category: a person investigates first.")
  end
  if case.channel == "social" then
    act:escalate { tier = 2, team = "social-care", reason = "public channel: a complaint in public can grow into a crisis" }
  elseif case.severity == "critical" or case.severity == "high" then
    act:escalate { tier = 2, team = "senior-care", reason = "severity " .. case.severity }
  elseif case.customer_state == "aggressive" then
    act:escalate { tier = 1, team = "experienced-agents", reason = "the customer is very upset: an experienced agent answers" }
  end
end

function P.on_event(case, event, act)
  local t = event.type
  if t == "customer.replied" then
    act:message { template = "reply_ack" }
  elseif t == "investigation.concluded" then
    if event.data.justified then
      act:set { status = "investigating" }
      act:explain("justified", "The investigation found the complaint justified; the remedy stands.")
    else
      act:set { status = "rejected" }
      act:message { template = "unjustified" }
      act:explain("unjustified", "Not justified: the customer still gets a polite answer and an offer to help.")
    end
  elseif t == "offer.accepted" then
    act:set { status = "resolved" }
  elseif t == "offer.declined" then
    act:escalate { tier = 1, team = "experienced-agents", reason = "the customer declined the offer" }
  elseif t == "case.resolved" then
    act:set { status = "follow_up" }
    act:message { template = "follow_up" }
  elseif t == "satisfaction.reported" then
    act:message { template = "thanks_feedback" }
    if event.data.score <= 2 then
      act:escalate { tier = 2, team = "senior-care", reason = "the customer is not satisfied (score " .. event.data.score .. ")" }
    else
      act:set { status = "closed" }
    end
  elseif t == "case.reopened" then
    act:acknowledge { template = "ack", next_contact = "2 business days" }
    act:escalate { tier = 1, team = "experienced-agents", reason = "the case was reopened" }
  end
end

return P
