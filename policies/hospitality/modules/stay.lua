-- stay: what a complaint's details say about the guest's stay — where the
-- guest is now, how many nights, and what a night and the stay are worth.
local time = require "redress.time"
local money = require "redress.money"
local cal = require("redress.calendar").pack

local M = {}

--- The currency of offers when the complaint carries no booking currency
-- (pack.lua `currency`).
M.CURRENCY = "EUR"

--- stay.read(case) → { check_in, check_out (ms or nil), nights, currency,
-- rate (money: one night), value (money: the stay), on_site, after_stay }.
-- The stay's value is nights × nightly_rate when the details give both,
-- else what was paid (order.amount); a night is nightly_rate, else the
-- value shared over the nights (rounded down: never more than was paid).
function M.read(case)
  local d = case.details or {}
  local now = case.now
  local ci = d.check_in and time.parse(d.check_in)
  local co = d.check_out and time.parse(d.check_out)
  local order = case.order or {}
  local currency = order.currency or M.CURRENCY
  -- nights counted on the hotel's calendar: in on the 18th, out on the 20th is 2
  local nights = d.nights or (ci and co and co > ci and math.max(1, cal:day_of(co) - cal:day_of(ci))) or nil
  local rate = d.nightly_rate and money.new(d.nightly_rate, currency)
  local paid = order.amount and money.new(order.amount, currency)
  local value = (rate and nights and rate:times(nights)) or paid or nil
  rate = rate or (value and nights and value:times("1/" .. nights, "down")) or nil
  return {
    check_in = ci, check_out = co, nights = nights, currency = currency, rate = rate, value = value,
    on_site = ci ~= nil and co ~= nil and ci <= now and now < co,
    after_stay = co ~= nil and now >= co,
  }
end

--- stay.phase(s) → where the guest is, in words for explanations.
function M.phase(s)
  return s.on_site and "in the hotel" or s.after_stay and "after check-out" or "before arrival or with no stay dates"
end

return M
