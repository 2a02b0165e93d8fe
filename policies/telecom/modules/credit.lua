-- telecom/modules/credit.lua: how long the service was down and what that is
-- worth. Arithmetic on the case only; what to offer is the policy's call.
local settings = require "redress.settings"
local money = require "redress.money"
local time = require "redress.time"
local query = require "redress.query"
local cal = require("redress.calendar").pack

local M = {}

local MINUTE, HOUR, DAY = 60000, 3600000, 86400000
M.HOUR = HOUR

--- credit.currency(case) → the subscription's currency (order.currency),
-- else the operator's default.
function M.currency(case)
  return case.order and case.order.currency or settings.default_currency
end

--- credit.outage(case) → { ms, start, ongoing } from details.outage_hours or
-- outage_start/outage_end (no end: still down, counted up to now); nil
-- when the complaint does not say, or the end is before the start.
function M.outage(case)
  local d = case.details
  local start = d.outage_start and time.parse(d.outage_start)
  if d.outage_hours then
    local ms = math.floor(d.outage_hours * HOUR + 0.5)
    return { ms = ms, start = start or case.now - ms, ongoing = false }
  end
  if not start then return nil end
  local stop = d.outage_end and time.parse(d.outage_end)
  if not stop then return { ms = math.max(0, case.now - start), start = start, ongoing = true } end
  if stop < start then return nil end
  return { ms = stop - start, start = start, ongoing = false }
end

-- The length of the local calendar month t falls in (the billing month).
local function month_ms(t)
  local ym = time.format(cal:day_of(t) * DAY):sub(1, 7)
  local y, m = tonumber(ym:sub(1, 4)), tonumber(ym:sub(6, 7))
  local following = string.format("%04d-%02d-01", m == 12 and y + 1 or y, m % 12 + 1)
  return time.parse(following) - time.parse(ym .. "-01")
end

--- credit.pro_rata(case, outage) → money: the monthly fee × the outage / the
-- length of the month it began in, rounded as settings.outage_rounding says;
-- with settings.outage_daily_credit, at least that much per started day.
-- nil without details.monthly_fee.
function M.pro_rata(case, outage)
  local fee = case.details.monthly_fee
  if not fee then return nil end
  local cur = M.currency(case)
  local ratio = string.format("%d/%d", outage.ms // MINUTE, month_ms(outage.start) // MINUTE)
  local credit = money.new(fee, cur):times(ratio, settings.outage_rounding)
  if settings.outage_daily_credit > 0 then
    local days = (outage.ms + DAY - 1) // DAY
    credit = money.max(credit, money.new(settings.outage_daily_credit * days, cur))
  end
  return credit
end

--- credit.recent_outages(case, is_outage) → how many of the customer's other
-- cases (redress.query) opened within settings.repeat_window_days are
-- outages (is_outage(category) says which).
function M.recent_outages(case, is_outage)
  local since = case.now - settings.repeat_window_days * DAY
  local n = 0
  for _, c in ipairs(query.customer_cases(case.customer.id, 200)) do
    local opened = time.parse(c.opened_at)
    if is_outage(c.category) and opened and opened >= since then n = n + 1 end
  end
  return n
end

--- credit.hours(ms) → hours with one decimal, for people.
function M.hours(ms)
  return math.floor(ms / 360000 + 0.5) / 10
end

return M
