-- remedies: what a hotel offers for a complaint, by severity, and the exact
-- correction of a billing error. Money is integer minor units of the
-- booking's currency (redress.money); a money offer over the operator's
-- approval_over waits for a manager.
local settings = require "redress.settings"
local money = require "redress.money"
local comp = require "redress.compensation"
local stay = require "stay"
local law = require "hotel_law"

local M = {}

--- remedies.check(name, ok, want): the pack's settings are checked once,
-- when it loads: a wrong value stops the load with its name, never a
-- decision in front of a guest.
function M.check(name, ok, want)
  if not ok then error("hospitality: pack_settings.hospitality." .. name .. " " .. want, 0) end
end
local check = M.check
local function percent(v) return type(v) == "number" and v >= 0 and v <= 100 end
local AMENITIES = { breakfast = true, dinner = true, spa = true, drinks = true }
check("medium_remedy", settings.medium_remedy == "upgrade" or settings.medium_remedy == "amenity", "is \"upgrade\" or \"amenity\"")
check("amenity", AMENITIES[settings.amenity], "is breakfast, dinner, spa or drinks")
check("free_night", settings.free_night == "refund" or settings.free_night == "voucher", "is \"refund\" or \"voucher\"")
check("stay_refund_percent", percent(settings.stay_refund_percent), "is a percentage from 0 to 100")
check("price_reduction_percent", percent(settings.price_reduction_percent), "is a percentage from 0 to 100")
check("stay_refund_max_nights", math.type(settings.stay_refund_max_nights) == "integer" and settings.stay_refund_max_nights >= 1, "is a whole number of nights, at least 1")
local APPROVAL = {}  -- currency → the largest money offer made without a manager
for item in settings.approval_over:gmatch("[^,]+") do
  local m = money.parse(item)
  check("approval_over", m, "lists amounts such as \"300.00 EUR, 250.00 GBP\", got " .. item)
  check("approval_over", not APPROVAL[m.currency], "lists " .. m.currency .. " twice")
  APPROVAL[m.currency] = m
end

-- Percentages of the stay by severity: the UK price reduction (medium) and
-- the refund of part of the stay (critical).
local plan = comp.new { percent = { medium = settings.price_reduction_percent, critical = settings.stay_refund_percent } }
local function share(value, severity)
  local o = plan:goodwill({ order = { amount = value.amount, currency = value.currency }, severity = severity }, "partial_refund")
  return money.new(o.amount, o.currency)
end

-- A money offer, or the same offer held for a manager when it is over
-- approval_over (or its currency has no limit there).
local function money_offer(act, kind, m, reason, template)
  local cap = APPROVAL[m.currency]
  if cap and m <= cap then
    -- the announcement rides on the offer: it waits with it if an engine
    -- budget holds the offer for a manager (a message of its own would tell
    -- the customer of a payment that may never come)
    act:offer { kind = kind, amount = m.amount, currency = m.currency, reason = reason,
      message = { template = template, vars = { amount = m } } }
    return
  end
  local why = cap and ("over " .. tostring(cap)) or ("no approval limit is set for " .. m.currency)
  act:request_approval { offer = { kind = kind, amount = m.amount, currency = m.currency, reason = reason },
    reason = why .. ": a manager signs it off" }
  act:message { template = "approval_pending", vars = { amount = m } }
  act:explain("approval.requested", string.format("The %s of %s waits for a manager's approval (%s).", kind:gsub("_", " "), tostring(m), why))
end

-- Remedies by severity, for the service failures (and for a complaint an
-- investigation found justified). s: stay.read(case).
local remedy = {}
M.by_severity = remedy

function remedy.low(_, act, _)
  act:message { template = "apology" }
  act:explain("remedy.apology", "Low severity: a sincere apology, and the feedback goes to the team responsible.")
end

function remedy.medium(case, act, s)
  local owed = law.price_reduction(case)
  if owed and s.value then
    local m = share(s.value, "medium")
    money_offer(act, "partial_refund", m, "price reduction: " .. owed.citation, "offer_price_reduction")
    act:explain("remedy.price_reduction", string.format("Medium severity after check-out in the UK: the stay cannot be "
      .. "performed again, so the guest is owed a price reduction (%s): %s%% of the stay (%s), %s.",
      owed.citation, tostring(settings.price_reduction_percent), tostring(s.value), tostring(m)))
  elseif s.on_site and settings.medium_remedy == "upgrade" then
    act:offer { kind = "upgrade", reason = "a better room for the rest of the stay" }
    act:message { template = "offer_upgrade" }
    act:explain("remedy.upgrade", "Medium severity while the guest is in the hotel: a room upgrade for the rest of the stay.")
  else
    act:offer { kind = "free_service", reason = "complimentary " .. settings.amenity }
    act:message { template = "offer_amenity", vars = { amenity = settings.amenity, when = s.on_site and "now" or "later" } }
    act:explain("remedy.amenity", string.format("Medium severity %s: a complimentary %s.", stay.phase(s), settings.amenity))
  end
end

function remedy.high(case, act, s)
  if not s.rate then
    act:offer { kind = "free_service", reason = "one complimentary night on a later stay" }
    act:message { template = "offer_free_night_stay" }
    act:explain("remedy.free_night_in_kind", "High severity, and neither the nightly rate nor what was paid is known: "
      .. "one complimentary night on a later stay.")
  elseif settings.free_night == "voucher" and not law.price_reduction(case) then
    money_offer(act, "coupon", s.rate, "a voucher for one free night", "offer_free_night_voucher")
    act:explain("remedy.free_night_voucher", "High severity: a voucher worth one night (" .. tostring(s.rate) .. ") for a later stay.")
  else
    local kind = s.on_site and "credit" or "partial_refund"
    money_offer(act, kind, s.rate, "one night free", "offer_free_night_" .. kind)
    act:explain("remedy.free_night", string.format("High severity %s: one night (%s) %s.", stay.phase(s), tostring(s.rate),
      s.on_site and "comes off the bill" or "is refunded"))
  end
end

function remedy.critical(_, act, s)
  if not s.value then
    act:set { status = "investigating" }
    act:message { template = "refund_review" }
    return act:explain("remedy.stay_refund_unknown", "Critical severity, but the stay's value is unknown: the general "
      .. "manager sets the refund of part of the stay.")
  end
  local m = share(s.value, "critical")
  if s.rate then m = money.min(m, s.rate:times(settings.stay_refund_max_nights)) end
  money_offer(act, "partial_refund", m, "part of the stay refunded (critical complaint)", "offer_stay_refund")
  act:explain("remedy.stay_refund", string.format("Critical severity: %s%% of the stay (%s), at most %d nights' rate: %s.",
    tostring(settings.stay_refund_percent), tostring(s.value), settings.stay_refund_max_nights, tostring(m)))
end

-- A billing error: the difference is given back exactly, on the bill while
-- the guest is in the hotel, refunded afterwards. → true while waiting for the guest.
function M.billing(case, act, s)
  local d = case.details
  if not (d.billed_amount and d.correct_amount) then
    act:set { status = "awaiting_customer", facts = { awaiting_invoice = true } }
    act:message { template = "billing_ask" }
    act:explain("billing.details_missing", "Billing error without the amounts billed and due: the guest is asked for the invoice.")
    return true
  end
  local billed, correct = money.new(d.billed_amount, s.currency), money.new(d.correct_amount, s.currency)
  if billed <= correct then
    act:set { status = "investigating" }
    act:message { template = "billing_check" }
    return act:explain("billing.no_overcharge", string.format("Billed %s against %s due: no overcharge on the figures given; "
      .. "the accounts team goes through the bill with the guest.", tostring(billed), tostring(correct)))
  end
  local kind = s.on_site and "credit" or "refund"
  money_offer(act, kind, billed - correct, "billing error: billed " .. tostring(billed) .. ", due " .. tostring(correct),
    "offer_billing_" .. kind)
  act:explain("billing.refund_difference", string.format("Billing error: billed %s, due %s; the difference, %s, is %s.",
    tostring(billed), tostring(correct), tostring(billed - correct), s.on_site and "taken off the bill" or "refunded"))
end

return M
