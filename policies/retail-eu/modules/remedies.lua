-- retail-eu remedies: what each category of complaint gets, with its legal
-- basis. Each remedy(case, act, rights) acts and returns the outcome:
-- "offered" (an offer waits for the customer), "waiting" (a question to the
-- customer), "person" (a person decides next) or "answered" (a polite no).
-- rights() gives the complaint's legal rights (owed, expired: by rule id),
-- worked out when a branch first asks: most categories never need them.
local settings = require "redress.settings"
local legal = require "redress.legal"
local money = require "redress.money"
local comp = require "redress.compensation"
local time = require "redress.time"
local calendar = require "redress.calendar"

local cal = calendar.pack
local DAY = 86400000

local function eur(cents) return tostring(money.new(cents, "EUR")) end
local function show(amount, currency) return tostring(money.new(amount, currency)) end

local goodwill_plan = comp.new { percent = settings.goodwill_percent,
  min = eur(settings.goodwill_min), max = eur(settings.goodwill_max) }

-- The late-delivery coupon's two plans (a delay up to late_long_days, and
-- longer), made once when the pack loads rather than on every complaint.
local LATE_MIN, LATE_MAX = eur(settings.late_coupon_min), eur(settings.late_coupon_max)
local late_plans = {}
for _, pct in ipairs { settings.late_percent, settings.late_percent_long } do
  late_plans[pct] = comp.new { percent = pct, min = LATE_MIN, max = LATE_MAX }
end

local REFUND_WANTS = { refund = true, money_back = true, ["return"] = true }
local GOODWILL = { coupon = true, gift = true, free_delivery = true, free_service = true }

-- The case as redress.legal reads it: an online shop sells at a distance
-- (Directive 2011/83/EU art. 2(7)), and a case that names no jurisdiction
-- is the setting's. Rights are judged when the claim was made (the complaint).
local function legal_rights(case)
  local order = case.order or {}
  local view = setmetatable({ jurisdiction = case.jurisdiction or settings.jurisdiction,
    order = setmetatable({ sale = order.sale or "distance" }, { __index = order }) }, { __index = case })
  local r = legal.remedies(view, { now = case.opened_ms or case.now, zone = cal:zone() })
  local owed, expired = {}, {}
  for _, e in ipairs(r.owed) do owed[e.id] = e end
  for _, e in ipairs(r.expired) do expired[e.id] = e end
  return owed, expired
end

-- rights(case) → a function that gives legal_rights(case), worked out on
-- its first call and kept for the rest of the decision.
local function rights(case)
  local owed, expired
  return function()
    if not owed then owed, expired = legal_rights(case) end
    return owed, expired
  end
end

-- Directive (EU) 2019/771 art. 11 (LEGAL-SOURCES.md, conf. C): a defect that
-- shows within a year of delivery (a member state may set two) is presumed
-- present at delivery. Calendar months in the calendar's zone.
local function within_presumption(case)
  local y, m, d = calendar.civil_from_days(cal:day_of(time.parse(case.order.delivered_at)))
  local months = y * 12 + m - 1 + settings.presumption_months
  local ey, em = months // 12, months % 12 + 1
  local last = math.min(calendar.days_from_civil(ey, em, d), calendar.days_from_civil(ey + em // 12, em % 12 + 1, 1) - 1)
  return cal:day_of(case.opened_ms or case.now) <= last
end

-- Goodwill already offered on this case and still live, in cents.
local function goodwill_spent(case, currency)
  local n = 0
  for _, o in ipairs(case.offers) do
    if GOODWILL[o.kind] and o.currency == currency and (o.status == "offered" or o.status == "accepted") then
      n = n + o.amount
    end
  end
  return n
end

-- Offers o with its message; goodwill over the per-case cap (EUR) waits
-- for a manager instead. → "offered" or "person".
local function give(case, act, o, template, vars)
  if GOODWILL[o.kind] and o.currency == "EUR" and goodwill_spent(case, "EUR") + o.amount > settings.goodwill_case_cap then
    act:request_approval { offer = o, reason = "goodwill on one case above the cap of " .. eur(settings.goodwill_case_cap) }
    act:message { template = "goodwill_pending" }
    act:explain("goodwill_over_cap", string.format("The %s of %s would take this case's goodwill above the cap of %s: a manager approves it first.",
      o.kind, show(o.amount, o.currency), eur(settings.goodwill_case_cap)))
    return "person"
  end
  -- the message rides on the offer: it goes out with it, waits with it if
  -- an engine budget holds the offer for a manager, and is replaced by a
  -- courteous one if the manager says no (a message of its own would tell
  -- the customer of a gesture that may never come)
  o.message = { template = template, vars = vars }
  act:offer(o)
  return "offered"
end

-- Goodwill in proportion to the order (a free delivery without an order value).
local function goodwill(case, act)
  local o = goodwill_plan:goodwill(case) or { kind = "free_delivery", amount = 0, currency = "EUR", reason = "goodwill" }
  return give(case, act, o, "goodwill_" .. o.kind, { amount = money.new(o.amount, o.currency) })
end

-- Where the law owes nothing: goodwill if the operator allows it.
local function goodwill_instead(case, act)
  if not settings.goodwill_after_refusal then
    act:explain("no_goodwill", "The law owes nothing here and the settings offer no goodwill: the polite answer stands alone.")
    return "answered"
  end
  act:explain("goodwill", string.format("The law owes nothing here; goodwill of %d%% of the order (%s to %s) all the same.",
    settings.goodwill_percent, eur(settings.goodwill_min), eur(settings.goodwill_max)))
  return goodwill(case, act)
end

-- A refund needs the amount paid; without it a person looks it up.
local function amount_unknown(case, act)
  act:message { template = "amount_unknown" }
  act:explain("amount_unknown", "A refund is owed but the complaint carries no amount paid: the customer is asked for the invoice.")
  return "waiting"
end

local remedies = {}

-- Directive 2011/83/EU arts. 9–10 (window, via redress.legal), 13 (refund
-- within 14 days, incl. standard delivery; not the extra for a dearer
-- delivery, 13(2)), 14(1) (return postage), 16 (exceptions).
function remedies.withdrawal(case, act, rights)
  local owed, expired = rights()
  local order = case.order or {}
  local open, closed = owed["EU.withdrawal"], expired["EU.withdrawal"]
  if order.excluded then
    -- art. 16 (clearly established law; redress.legal's EU rule does not model it)
    act:message { template = "withdrawal_excluded", vars = { excluded = order.excluded } }
    act:explain("withdrawal_excluded", "No right of withdrawal for these goods (" .. order.excluded .. "; Directive 2011/83/EU art. 16).")
    return goodwill_instead(case, act)
  elseif open then
    if not order.amount then return amount_unknown(case, act) end
    local d = case.details
    local extra = d.express_delivery and d.delivery_paid and math.max(0, d.delivery_paid - settings.standard_delivery_fee) or 0
    local amount = math.max(0, order.amount - extra)
    act:offer { kind = "refund", amount = amount, currency = order.currency, reason = "withdrawal: " .. open.citation }
    act:message { template = extra > 0 and "withdrawal_refund_express" or "withdrawal_refund",
      vars = { amount = money.new(amount, order.currency), ["until"] = (case.opened_ms or case.now) + 14 * DAY } }
    act:explain("withdrawal_refund", string.format("Withdrawal within the period (until %s, %s): refund of %s, standard delivery included, within 14 days (art. 13).",
      open.until_at:sub(1, 10), open.citation, show(amount, order.currency)))
    if extra > 0 then
      act:explain("withdrawal_express_extra", "The customer chose express delivery: the " .. show(extra, order.currency) ..
        " above standard delivery is not refunded (Directive 2011/83/EU art. 13(2)).")
    end
    if settings.free_returns then
      act:offer { kind = "free_service", amount = 0, currency = order.currency, reason = "prepaid return label" }
      act:message { template = "return_label" }
      act:explain("return_label", "The shop pays the return postage (setting free_returns): a prepaid label.")
    else
      act:message { template = "return_own_cost" }
      act:explain("return_at_customer_cost", "The customer pays the return postage, as art. 14(1) allows (setting free_returns = false).")
    end
    return "offered"
  elseif closed then
    act:message { template = "withdrawal_expired", vars = { ["until"] = closed.until_at } }
    act:explain("withdrawal_expired", "The withdrawal period ended on " .. closed.until_at:sub(1, 10) .. " (" .. closed.citation .. "); explained politely.")
    return goodwill_instead(case, act)
  elseif not order.delivered_at then
    act:message { template = "need_delivery_date" }
    act:explain("withdrawal_need_date", "The withdrawal period runs from delivery, which the complaint does not give: the customer is asked.")
    return "waiting"
  end
  act:message { template = "withdrawal_not_applicable" }
  act:explain("withdrawal_not_applicable", "No statutory withdrawal applies to this sale (not an EU distance sale of goods): a person decides.")
  return "person"
end

-- Directive (EU) 2019/771 art. 13(4)–(5): price reduction, or ending the
-- contract for a refund (not for a minor defect). code: why it comes to that.
local function price_back(case, act, code, why)
  local order, d = case.order, case.details
  act:message { template = code }
  act:explain(code, why)
  if not order.amount then return amount_unknown(case, act) end
  if d.minor_defect or case.wants == "price_reduction" then
    local cut = money.new(order.amount, order.currency):percent(settings.price_reduction_percent)
    act:offer { kind = "partial_refund", amount = cut.amount, currency = order.currency, reason = "price reduction: Directive (EU) 2019/771 art. 13(4)" }
    act:message { template = "guarantee_price_reduction", vars = { amount = cut } }
    act:explain("guarantee_price_reduction", string.format("A price reduction of %d%% (%s)%s.", settings.price_reduction_percent,
      tostring(cut), d.minor_defect and "; the defect is minor, so ending the contract is barred (art. 13(5))" or ", as the customer asked"))
  else
    act:offer { kind = "refund", amount = order.amount, currency = order.currency, reason = "contract ended: Directive (EU) 2019/771 art. 13(4)" }
    act:message { template = "guarantee_refund", vars = { amount = money.new(order.amount, order.currency) } }
    act:explain("guarantee_refund", "The contract is ended and the price refunded in full: " .. show(order.amount, order.currency) .. ".")
  end
  return "offered"
end

-- Directive (EU) 2019/771 arts. 10–14: repair or replacement first, the
-- consumer's choice unless impossible or disproportionate; then price
-- reduction or refund. Window via redress.legal (EU.guarantee).
function remedies.defective(case, act, rights)
  local owed, expired = rights()
  local g = owed["EU.guarantee"]
  if not g then
    local gone = expired["EU.guarantee"]
    if gone then
      act:message { template = "guarantee_expired", vars = { ["until"] = gone.until_at } }
      act:explain("guarantee_expired", "The legal guarantee ended on " .. gone.until_at:sub(1, 10) .. " (" .. gone.citation .. "): goodwill only.")
      return goodwill_instead(case, act)
    end
    if not (case.order and case.order.delivered_at) then
      act:message { template = "need_delivery_date" }
      act:explain("guarantee_need_date", "The legal guarantee runs from delivery, which the complaint does not give: the customer is asked.")
      return "waiting"
    end
    act:message { template = "person_review" }
    act:explain("guarantee_not_applicable", "The EU legal guarantee does not apply to this sale (jurisdiction " ..
      tostring(case.jurisdiction) .. "): a person decides.")
    return "person"
  end
  local d, order = case.details, case.order
  if (d.repair_attempts or 0) >= settings.failed_repairs_for_refund or (d.repair_days or 0) > settings.repair_max_days then
    return price_back(case, act, "guarantee_cure_failed", string.format("The defect is still there after %d attempt(s), or the repair has taken %d days (more than %d): art. 13(4) allows a price reduction or a refund.",
      d.repair_attempts or 0, d.repair_days or 0, settings.repair_max_days))
  end
  if settings.inspect_after_presumption and not case.facts.justified and not within_presumption(case) then
    act:set { facts = { deferred = true } }
    act:message { template = "guarantee_inspection", vars = { months = settings.presumption_months } }
    act:explain("guarantee_inspection", "Within the guarantee but past the " .. settings.presumption_months ..
      "-month presumption (Directive (EU) 2019/771 art. 11): the item is inspected before the remedy.")
    return "person"
  end
  local repair_ok = not (d.repair_cost and order.amount and d.repair_cost * 100 > order.amount * settings.repair_cost_max_percent)
  local replace_ok = d.replacement_available ~= false
  if not (repair_ok or replace_ok) then
    return price_back(case, act, "guarantee_no_cure", "Neither repair (disproportionate cost) nor replacement (not available) is possible: art. 13(4) allows a price reduction or a refund.")
  end
  local kind, code, why = case.wants == "repair" and "repair" or "replacement", "guarantee_remedy", "the customer's choice"
  if kind == "repair" and not repair_ok then
    kind, code, why = "replacement", "guarantee_replacement_instead", "repair would cost more than " .. settings.repair_cost_max_percent .. "% of the price (disproportionate, art. 13(2))"
  elseif kind == "replacement" and not replace_ok then
    kind, code, why = "repair", "guarantee_repair_instead", "the item can no longer be supplied (replacement impossible, art. 13(2))"
  end
  act:offer { kind = kind, amount = 0, reason = "legal guarantee until " .. g.until_at:sub(1, 10) .. ": " .. g.citation }
  act:message { template = code, vars = { kind = kind } }
  act:explain(code, "Within the legal guarantee (until " .. g.until_at:sub(1, 10) .. "): " .. kind .. " free of charge, " .. why .. ".")
  if REFUND_WANTS[case.wants] then
    act:message { template = "guarantee_refund_later" }
    act:explain("guarantee_refund_later", "The customer asked for a refund: under art. 13 repair or replacement comes first; a refund if it fails.")
  end
  return "offered"
end

-- Goodwill in proportion to the delay; the law (Directive 2011/83/EU art.
-- 18) gives a right to end the contract only after a further period.
local function days_late(case)
  local d = case.details
  if d.delay_days or not d.promised_by then return d.delay_days end
  local arrived = case.order and case.order.delivered_at
  local late = (arrived and time.parse(arrived) or case.now) - time.parse(d.promised_by)
  return math.max(0, (late + DAY - 1) // DAY)
end

function remedies.late_delivery(case, act)
  local days = days_late(case)
  if days == 0 then
    act:message { template = "late_on_time" }
    act:explain("late_not_late", "The delivery arrived within the promised time: nothing is owed; the customer is told so and invited to say more.")
    return "answered"
  end
  local pct = days and days >= settings.late_long_days and settings.late_percent_long or settings.late_percent
  local o = late_plans[pct]:goodwill(case)
  if not o then
    act:explain("late_free_delivery", "The delivery was late and no order value is known: the next delivery is free.")
    return give(case, act, { kind = "free_delivery", amount = 0, currency = "EUR", reason = "late delivery" }, "late_free_delivery")
  end
  o.reason = "late delivery: " .. pct .. "% of the order"
  local coupon = money.new(o.amount, o.currency)
  act:explain("late_coupon", string.format("The delivery was %s late: a coupon of %d%% of the order, between %s and %s: %s.",
    days and (days .. " day(s)") or "reported", pct, LATE_MIN, LATE_MAX, tostring(coupon)))
  return give(case, act, o, days and "late_coupon_days" or "late_coupon", { amount = coupon, days = days })
end

-- Until the consumer takes physical possession the risk is the seller's
-- (Directive 2011/83/EU art. 20; clearly established law, not in
-- LEGAL-SOURCES.md): a lost parcel is refunded or sent again.
function remedies.missing(case, act)
  local order = case.order or {}
  if case.details.tracking == "delivered" and not case.facts.justified then
    act:set { facts = { deferred = true } }
    act:message { template = "missing_trace", vars = { due = cal:add(case.now, settings.carrier_inquiry) } }
    act:explain("missing_carrier_trace", "The carrier reports the parcel delivered: the carrier traces it (" .. settings.carrier_inquiry .. ") before the refund.")
    return "person"
  end
  if not order.amount then
    act:offer { kind = "replacement", amount = 0, reason = "parcel lost: the goods are sent again" }
    act:message { template = "missing_resend" }
    act:explain("missing_resend", "The parcel is lost and no amount is known: the goods are sent again.")
    return "offered"
  end
  local o = { kind = "refund", amount = order.amount, currency = order.currency, reason = "parcel lost before delivery" }
  if order.amount > settings.refund_approval_over then
    act:request_approval { offer = o, reason = "a lost-parcel refund above " .. eur(settings.refund_approval_over) .. " is signed off by a manager" }
    act:message { template = "refund_pending", vars = { amount = money.new(order.amount, order.currency) } }
    act:explain("missing_refund_approval", "The parcel is lost: a full refund of " .. show(order.amount, order.currency) ..
      ", above " .. eur(settings.refund_approval_over) .. ", so a manager signs it off first.")
    return "person"
  end
  act:offer(o)
  act:message { template = "missing_refund", vars = { amount = money.new(order.amount, order.currency) } }
  act:explain("missing_refund", "The parcel is lost: the customer gets back the " .. show(order.amount, order.currency) .. " paid.")
  return "offered"
end

function remedies.wrong_item(case, act)
  local value = case.details.wrong_item_value
  act:offer { kind = "replacement", amount = 0, reason = "the wrong item was delivered: the right one is sent" }
  if value and value <= settings.keep_wrong_item_under then
    act:message { template = "wrong_item_keep" }
    act:explain("wrong_item_keep", "Wrong item: the right one is sent; the wrong one (" .. eur(value) .. ", at most " ..
      eur(settings.keep_wrong_item_under) .. ") is the customer's to keep.")
    return "offered"
  end
  act:offer { kind = "free_service", amount = 0, reason = "prepaid return label for the wrong item" }
  act:message { template = "wrong_item_return" }
  act:explain("wrong_item_return", "Wrong item: the right one is sent, with a prepaid label to send the wrong one back.")
  return "offered"
end

function remedies.rude_staff(case, act)
  act:open_corrective_action { title = "Coach the team on courteous service", owner = "customer-care-lead",
    cause = "a customer reports rude treatment by staff" }
  act:explain("rude_staff", "Rude staff: a sincere apology, a gift worth " .. eur(settings.gift_value) .. ", and a corrective action so it does not recur.")
  return give(case, act, { kind = "gift", amount = settings.gift_value, currency = "EUR", reason = "apology for staff behaviour" },
    "rude_staff", { amount = money.new(settings.gift_value, "EUR") })
end

-- Any other category: a person investigates; when justified, goodwill.
function remedies.other(case, act)
  if case.facts.justified then
    act:explain("justified_goodwill", "The investigation found the complaint justified: goodwill in proportion to the order.")
    return goodwill(case, act)
  end
  act:set { facts = { deferred = true } }
  act:explain("investigate", "No standard remedy for '" .. case.category .. "': a person investigates first.")
  return "person"
end

return {
  rights = rights,
  --- money(amount, currency) → a money value (the pack's EUR when an offer has no currency)
  money = function(amount, currency) return money.new(amount, currency or "EUR") end,
  REFUND_WANTS = REFUND_WANTS,
  withdrawal = remedies.withdrawal,
  other = remedies.other,
  --- of(category) → the remedy of a category (any other: investigate first)
  of = function(category) return remedies[category] or remedies.other end,
}
