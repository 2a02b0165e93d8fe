-- remedies: what the seller answers, per complaint category. Each returns
-- who acts next: "auto" (the remedy is offered now), "person" (an agent,
-- manager or the legal team must answer: the 48-hour platform clock runs)
-- or "customer" (we wait for facts only the customer has).
local settings = require "redress.settings"
local money = require "redress.money"
local time = require "redress.time"
local cal = require("redress.calendar").pack
local law = require "cn_law"

local R = {}

local DAY = 86400000

-- What the customer asks for (`wants`), as an offer kind.
local WANTS = { refund = "refund", ["return"] = "refund", money_back = "refund",
  replacement = "replacement", exchange = "replacement", repair = "repair" }

-- details.fraud_kind in a sentence.
local CLAIM = { counterfeit = "counterfeit goods", false_advertising = "false advertising",
  refurbished_as_new = "used goods sold as new", other = "misrepresented goods" }

local function currency(case) return case.order and case.order.currency or "CNY" end
local function paid(case) return case.order and case.order.amount end
local function text(amount, cur) return tostring(money.new(amount, cur)) end

-- Offers a remedy and says so in the customer's language.
local function offer(act, case, kind, reason, template, vars)
  act:offer { kind = kind, amount = 0, currency = currency(case), reason = reason }
  act:message { template = template, vars = vars }
end

-- Refunds what was paid. A large refund waits for a manager; without an
-- order amount a person confirms what was paid first.
local function refund(case, act, reason, template, vars)
  local amount = paid(case)
  if not amount then
    act:message { template = "review" }
    act:explain("refund_amount_unknown", "A refund is due, but the complaint gives no order amount: a person confirms what was paid, then refunds.")
    return "person"
  end
  local cur = currency(case)
  vars.amount = money.new(amount, cur)
  act:message { template = template, vars = vars }
  local o = { kind = "refund", amount = amount, currency = cur, reason = reason }
  if amount > settings.refund_approval_over then
    act:request_approval { offer = o, reason = "refunds over " .. text(settings.refund_approval_over, cur) .. " are signed off by a manager" }
    act:message { template = "refund_pending" }
    act:explain("refund_needs_approval", "The refund of " .. text(amount, cur) .. " is above " ..
      text(settings.refund_approval_over, cur) .. ": a manager signs it off before it is paid.")
    return "person"
  end
  act:offer(o)
  return "auto"
end

local function review(act, code, why)
  act:set { status = "investigating" }
  act:message { template = "review" }
  act:explain(code, why)
  return "person"
end

local function shipping()
  return settings.buyer_pays_return_shipping and "buyer" or "seller"
end

--- 七天无理由退货: CRPL art. 25.
function R.no_reason_return(case, act)
  local d = case.details
  local excluded = law.excluded(d)
  if excluded then
    act:message { template = "no_reason_excluded", vars = { goods = d.goods_type } }
    act:explain("no_reason_excluded", "No-reason return refused: " .. d.goods_type:gsub("_", " ") ..
      " goods are excluded from the 7-day no-reason return (CRPL 2013 art. 25). A defect is still handled under the three guarantees.")
    return "auto"
  end
  if d.intact == false then
    return review(act, "no_reason_not_intact", "The customer says the goods are used or incomplete; CRPL art. 25 asks that returned goods be intact, so a person inspects before anything is refused or refunded.")
  end
  local right = law.rights(case)["CN.no_reason_return"]
  if not right then
    act:set { status = "awaiting_customer" }
    act:message { template = "ask_delivery_date" }
    act:explain("need_delivery_date", "The 7-day no-reason window runs from receipt, and the complaint gives no delivery date: the customer is asked for it.")
    return "customer"
  end
  if not right.owed then
    act:message { template = "no_reason_expired", vars = { delivered = case.order.delivered_at, ends = right.until_ms } }
    act:explain("no_reason_expired", "No-reason return refused: the 7-day window from receipt ended on " .. right.until_at:sub(1, 10) ..
      " (" .. right.citation .. "). A defect is still handled under the three guarantees.")
    return "auto"
  end
  local outcome = refund(case, act, "7-day no-reason return: " .. right.citation, "no_reason_refund",
    { ends = right.until_ms, shipping = shipping() })
  act:explain("no_reason_refund", "Inside the 7-day no-reason window (until " .. right.until_at:sub(1, 10) .. ", " .. right.citation ..
    "): refund on return within 7 days of getting the goods back; return postage paid by the " .. shipping() .. ".")
  return outcome
end

-- The remedy for a defect: the customer's choice among those allowed.
local function pick(case, allowed, default)
  local want = WANTS[case.wants]
  for _, k in ipairs(allowed) do if k == want then return k end end
  return default
end

local function defect_remedy(case, act, kind, right, window, basis)
  act:message { template = "defect_window", vars = { window = window, ends = right.until_ms } }
  local reason = "defect (" .. window .. "): " .. basis
  if kind == "refund" then return refund(case, act, reason, "defect_refund", {}) end
  offer(act, case, kind, reason, "defect_" .. kind, {})
  return "auto"
end

--- A defect: 三包 windows from the day of sale (7 days: return, exchange or
-- repair; 15 days: exchange or repair; guarantee period: repair, and after
-- two failed repairs exchange or return).
function R.defective(case, act)
  local d = case.details
  if not (d.three_guarantees or settings.guarantee_windows_for_all_goods) then
    return review(act, "defect_not_covered", "A defect in goods outside the 三包 list, and the shop does not extend the windows to them: a person decides.")
  end
  if not (case.order and case.order.purchased_at) then
    act:set { status = "awaiting_customer" }
    act:message { template = "ask_purchase_date" }
    act:explain("need_purchase_date", "The three-guarantee windows run from the day of sale, and the complaint gives none: the customer is asked for it.")
    return "customer"
  end
  local rights = law.rights(case)
  local basis = d.three_guarantees and ("三包, " .. law.GUARANTEE) or "shop policy: the 三包 windows for all goods"
  -- The no-reason window (from receipt) can outlast the 7 days from sale:
  -- whichever is open gives the customer the return.
  local ret = rights["CN.three_guarantees_return"]
  local nr = rights["CN.no_reason_return"]
  if nr and nr.owed and not ret.owed then ret = nr end
  local exchange, repair = rights["CN.three_guarantees_exchange"], rights["CN.three_guarantees_repair"]
  local failed = rights["CN.three_guarantees_repairs_failed"]
  if ret.owed then
    local kind = pick(case, { "refund", "replacement", "repair" }, "refund")
    act:explain("defect_within_7_days", "A defect reported inside the 7-day return window (until " .. ret.until_at:sub(1, 10) ..
      "): the customer chooses return, exchange or repair; " .. kind .. " offered, the shop pays the postage. Basis: " .. basis .. ".")
    return defect_remedy(case, act, kind, ret, "seven", basis)
  elseif exchange.owed then
    local kind = pick(case, { "replacement", "repair" }, "replacement")
    act:explain("defect_within_15_days", "A defect reported after 7 and inside 15 days of sale (until " .. exchange.until_at:sub(1, 10) ..
      "): exchange or repair, " .. kind .. " offered. Basis: " .. basis .. ".")
    return defect_remedy(case, act, kind, exchange, "fifteen", basis)
  elseif failed and failed.owed then
    local kind = pick(case, { "replacement", "refund" }, "replacement")
    act:explain("defect_repairs_failed", "Two repairs inside the guarantee period did not fix the defect: exchange or return, " ..
      kind .. " offered. Basis: " .. basis .. ".")
    return defect_remedy(case, act, kind, failed, "repairs", basis)
  elseif repair and repair.owed then
    act:explain("defect_in_warranty", "A defect inside the guarantee period (until " .. repair.until_at:sub(1, 10) ..
      "): free repair. Basis: " .. basis .. ".")
    return defect_remedy(case, act, "repair", repair, "warranty", basis)
  end
  local ended = failed or repair
  act:set { status = "investigating" }
  act:message { template = "out_of_warranty", vars = { ends = ended.until_ms } }
  act:explain("defect_out_of_warranty", "The guarantee period ended on " .. ended.until_at:sub(1, 10) ..
    ": nothing is owed by law; a person offers a paid repair at a fair price.")
  return "person"
end

-- A coupon for a late delivery, as the platform rule pays it.
local function late_coupon(case, act, days)
  local cur = currency(case)
  local lo, hi = money.new(settings.late_coupon_min, cur), money.new(settings.late_coupon_max, cur)
  local base = paid(case) and money.new(paid(case), cur):percent(settings.late_coupon_percent) or lo
  local coupon = money.min(money.max(base, lo), hi)
  -- the announcement rides on the offer: it waits with it if an engine
  -- budget holds the offer for a manager (a message of its own would tell
  -- the customer of a payment that may never come)
  act:offer { kind = "coupon", amount = coupon.amount, currency = cur, reason = "late delivery: platform rule",
    message = { template = "late_coupon", vars = { amount = coupon, days = days } } }
  act:explain("late_coupon", string.format("Delivered or still on its way %d day(s) after the promised time: a coupon of %d%% of the price, between %s and %s (%s).",
    days, settings.late_coupon_percent, tostring(lo), tostring(hi), tostring(coupon)))
  return "auto"
end
R.late_coupon = late_coupon

-- Whole days from the promised time to t, at least 1 once it has passed.
function R.days_late(promised, t)
  return math.max(1, (t - promised + DAY - 1) // DAY)
end

--- Late delivery, against the promised time (details.promised_by).
function R.late_delivery(case, act)
  local promised = case.details.promised_by and time.parse(case.details.promised_by)
  if not promised then
    return review(act, "late_check_tracking", "No promised delivery time was given: a person checks the tracking with the courier before deciding.")
  end
  local delivered = case.order and case.order.delivered_at and time.parse(case.order.delivered_at)
  if delivered and delivered <= promised then
    act:message { template = "late_on_time", vars = { delivered = delivered, promised = promised } }
    act:explain("late_on_time", "The parcel was delivered before the promised time: nothing is owed; the customer is asked what else went wrong.")
    return "auto"
  end
  if not delivered and case.now <= promised then
    act:message { template = "late_not_yet", vars = { promised = promised } }
    act:timer { name = "delivery_check", at = cal:add(promised, settings.delivery_grace) }
    act:explain("late_not_yet", "The promised delivery time has not passed: the courier is chased, and a timer compensates on its own if the promise is broken.")
    return "auto"
  end
  local days = R.days_late(promised, delivered or case.now)
  if not delivered and days >= settings.late_refund_after_days then
    local outcome = refund(case, act, "not delivered " .. days .. " days after the promised time", "late_refund", { days = days })
    act:explain("late_refund_offered", "Still not delivered " .. days .. " days after the promised time (limit " ..
      settings.late_refund_after_days .. "): the customer may cancel for a full refund.")
    return outcome
  end
  return late_coupon(case, act, days)
end

--- A parcel marked delivered but never received, or lost: the seller bears
-- the risk until the customer has it. Resend or refund, as the customer wants.
function R.missing(case, act)
  if WANTS[case.wants] == "replacement" then
    offer(act, case, "replacement", "parcel lost: resent", "missing_resend", {})
    act:explain("missing_resend", "The parcel never reached the customer, who wants the goods: they are sent again at once, free.")
    return "auto"
  end
  local outcome = refund(case, act, "parcel lost", "missing_refund", {})
  act:explain("missing_refund", "The parcel never reached the customer: a full refund; the shop claims from the courier.")
  return outcome
end

--- The wrong item: the seller's mistake, so the seller pays all postage.
function R.wrong_item(case, act)
  act:open_corrective_action { title = "Wrong item shipped for order " .. (case.order and case.order.id or "?"),
    cause = "picking or listing error", owner = "warehouse" }
  if WANTS[case.wants] == "refund" then
    local outcome = refund(case, act, "wrong item delivered", "wrong_item_refund", {})
    act:explain("wrong_item_refund", "The wrong item was delivered and the customer wants the money back: a full refund, the shop pays the return postage.")
    return outcome
  end
  offer(act, case, "replacement", "wrong item delivered", "wrong_item", {})
  act:explain("wrong_item", "The wrong item was delivered: the right one is sent, the shop pays the return postage.")
  return "auto"
end

--- A fraud claim (fake goods, false advertising, used sold as new): the
-- price back, and CRPL art. 55 damages recorded and held for the legal team.
function R.fraud(case, act)
  local d = case.details
  local kind = d.fraud_kind or ((case.category == "counterfeit" or case.category == "false_advertising") and case.category) or "other"
  act:set { status = "investigating", tags = { "fraud-claim" }, facts = { fraud_suspected = true, fraud_kind = kind } }
  act:message { template = "fraud_review", vars = { kind = kind } }
  act:open_corrective_action { title = "Check the listing and the supplier of order " .. (case.order and case.order.id or "?"),
    cause = "customer reports " .. CLAIM[kind], owner = "listing-compliance" }
  local damages = law.punitive(case)
  if not damages.amount then
    act:explain("fraud_amount_unknown", "A fraud claim without an order amount: CRPL art. 55 damages (3 × the price, at least CNY 500) cannot be computed; the legal team works them out.")
    return "person"
  end
  local m = damages.amount
  act:set { facts = { ["punitive_damages.amount"] = m.amount, ["punitive_damages.currency"] = m.currency,
    ["punitive_damages.basis"] = damages.citation } }
  act:request_approval { offer = { kind = "compensation", amount = m.amount, currency = m.currency,
    reason = "punitive damages if fraud is confirmed: " .. damages.citation },
    reason = "only the legal team decides whether there was fraud; damages are never paid automatically" }
  act:explain("fraud_suspected", "The customer reports " .. CLAIM[kind] .. ". If fraud is confirmed, " .. damages.citation ..
    " gives 3 × the price, at least CNY 500: " .. tostring(m) .. ", recorded and held for the legal team, not paid automatically.")
  local nr = law.rights(case)["CN.no_reason_return"]
  if nr and nr.owed then
    refund(case, act, "refund on return while the fraud claim is reviewed: " .. nr.citation, "fraud_refund", {})
    act:explain("fraud_refund_now", "The 7-day no-reason window is open: the price is refunded on return now, whatever the legal team decides.")
  else
    act:request_approval { offer = { kind = "refund", amount = paid(case), currency = currency(case), reason = "fraud claim: refund of the price" },
      reason = "outside the no-reason window the refund follows the legal team's finding" }
    act:explain("fraud_refund_held", "The no-reason window is closed: the refund of the price waits for the legal team with the damages.")
  end
  return "person"
end

R.review = review
return R
