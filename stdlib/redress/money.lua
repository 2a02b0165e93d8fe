--- redress.money: amounts as integer minor units of an ISO 4217 currency.
--
--     local money = require "redress.money"
--     local price = money.parse("19.99 EUR")          --> 1999 EUR
--     local m = money.new(4999, "EUR")                -- minor units
--     m:percent(10)                                   --> 500 EUR (half-even: 499.9 → 500)
--     m:times("1/3", "down")                          --> 1666 EUR
--     (m + price):cap(money.new(5000, "EUR"))         --> 5000 EUR
--     m:split(3)                                      --> 1667, 1666, 1666 (no cent lost)
--     m:format("th-TH")                               --> "€49.99"
--     m:major()                                       --> "49.99"
--
-- Minor digits come from ICU (JPY 0, EUR 2, KWD 3). Mixing currencies is an
-- error. Amounts are integers; every operation that divides says how it
-- rounds: "half_even" (default), "half_up", "down" (toward zero), "up".
local icu = require "rd.icu"
local currencies = require "redress.currencies"
-- getmetatable answers false (Money hides itself); the trusted loader's
-- debug library sees the real one.
local debug_getmetatable = debug.getmetatable

local M = {}
local Money = {}
Money.__index = Money
Money.__metatable = false  -- shared by every pack: not for policies to change

-- Minor digits come from ISO 4217 (redress.currencies), not from ICU,
-- whose figure is for display.
local function digits(cur)
  return currencies.minor_units(cur)
end

-- Currencies already found valid: every decision names the same few, and
-- the check is a pattern and an ICU lookup (a code never stops being one).
local known = {}

local function check(cur)
  if known[cur] then return end
  if type(cur) ~= "string" or not cur:match("^%u%u%u$") or not icu.is_currency(cur) then
    error("money: " .. string.format("%q", tostring(cur)) .. " is not an ISO 4217 currency", 3)
  end
  known[cur] = true -- at most 26^3 entries, and only codes ICU knows
end

--- money.new(minor_units, currency) → money
function M.new(amount, currency)
  if math.type(amount) ~= "integer" then
    error("money.new: the amount must be an integer number of minor units, got " .. tostring(amount), 2)
  end
  check(currency)
  return setmetatable({ amount = amount, currency = currency }, Money)
end

--- money.zero(currency) → 0 in that currency
function M.zero(currency) return M.new(0, currency) end

--- money.is(v) → true for a money value
function M.is(v) return type(v) == "table" and rawequal(debug_getmetatable(v), Money) end

--- money.parse("19.99 EUR" | "EUR 19.99" | "-5 JPY") → money, or nil and a reason.
-- More decimals than the currency has is an error, not a silent rounding.
function M.parse(s)
  if type(s) ~= "string" then return nil, "money.parse expects a string such as \"19.99 EUR\"" end
  local num, cur = s:match("^%s*([%-%+]?%d[%d]*%.?%d*)%s+(%u%u%u)%s*$")
  if not num then cur, num = s:match("^%s*(%u%u%u)%s+([%-%+]?%d[%d]*%.?%d*)%s*$") end
  if not num then return nil, "cannot read " .. string.format("%q", s) .. " (write e.g. \"19.99 EUR\")" end
  if not icu.is_currency(cur) then return nil, cur .. " is not an ISO 4217 currency" end
  local d = digits(cur)
  local sign = num:sub(1, 1) == "-" and -1 or 1
  num = num:gsub("^[%-%+]", "")
  local int, frac = num:match("^(%d+)%.?(%d*)$")
  if #frac > d then return nil, string.format("%s has %d minor digits; %q has more", cur, d, s) end
  frac = frac .. string.rep("0", d - #frac)
  return M.new(sign * math.tointeger(tonumber(int .. frac)), cur)
end

local function same(a, b, op)
  if not M.is(a) or not M.is(b) then error("money: " .. op .. " needs two money values", 3) end
  if a.currency ~= b.currency then
    error(string.format("money: cannot %s %s and %s (different currencies)", op, a.currency, b.currency), 3)
  end
end

Money.__add = function(a, b) same(a, b, "add"); return M.new(a.amount + b.amount, a.currency) end
Money.__sub = function(a, b) same(a, b, "subtract"); return M.new(a.amount - b.amount, a.currency) end
Money.__unm = function(a) return M.new(-a.amount, a.currency) end
Money.__eq = function(a, b) return M.is(a) and M.is(b) and a.currency == b.currency and a.amount == b.amount end
Money.__lt = function(a, b) same(a, b, "compare"); return a.amount < b.amount end
Money.__le = function(a, b) same(a, b, "compare"); return a.amount <= b.amount end
-- "12.50 EUR": major() and the code, in one C call (rd.icu money_texter)
Money.__tostring = icu.money_texter(currencies.MINOR_UNITS)

-- A ratio as an exact fraction: integers, "a/b" strings, or decimals (up to
-- six places, read from their decimal text so 0.1 is exactly 1/10).
local function fraction(r)
  if math.type(r) == "integer" then return r, 1 end
  if type(r) == "string" then
    local a, b = r:match("^%s*(%-?%d+)%s*/%s*(%d+)%s*$")
    if not a or tonumber(b) == 0 then error("money: ratio " .. string.format("%q", r) .. " is not \"a/b\"", 4) end
    return math.tointeger(tonumber(a)), math.tointeger(tonumber(b))
  end
  if type(r) == "number" then
    local text = string.format("%.6f", r):gsub("0+$", "")
    local int, frac = text:match("^(%-?%d+)%.(%d*)$")
    local den = math.tointeger(10 ^ #frac)
    local neg = int:sub(1, 1) == "-"
    local num = math.tointeger(tonumber(int:gsub("^%-", "") .. frac))
    return neg and -num or num, den
  end
  error("money: a ratio is a number or \"a/b\"", 4)
end

-- num/den rounded to an integer by mode.
local function divide(num, den, mode)
  if den < 0 then num, den = -num, -den end
  local q, r = num // den, num % den  -- floor division: 0 <= r < den
  if r == 0 then return q end
  mode = mode or "half_even"
  if mode == "down" then return num < 0 and q + 1 or q end
  if mode == "up" then return num < 0 and q or q + 1 end
  local twice = 2 * r
  if mode == "half_up" then -- half away from zero
    if twice > den or (twice == den and num > 0) then return q + 1 end
    return q
  end
  if mode == "half_even" then
    if twice > den or (twice == den and q % 2 == 1) then return q + 1 end
    return q
  end
  error("money: rounding is \"half_even\", \"half_up\", \"down\" or \"up\", got " .. tostring(mode), 3)
end

--- m:times(ratio [, rounding]) → m × ratio, rounded (default half-even)
function Money:times(ratio, rounding)
  local num, den = fraction(ratio)
  return M.new(divide(self.amount * num, den, rounding), self.currency)
end

--- m:percent(p [, rounding]) → p% of m
function Money:percent(p, rounding)
  local num, den = fraction(p)
  return M.new(divide(self.amount * num, den * 100, rounding), self.currency)
end

--- m:cap(max) → m, at most max
function Money:cap(max) same(self, max, "cap"); return self.amount > max.amount and max or self end

--- money.min(a, b, …) → the smallest (same currency)
function M.min(a, ...)
  for _, b in ipairs { ... } do same(a, b, "compare"); if b.amount < a.amount then a = b end end
  return a
end
--- money.max(a, b, …) → the largest (same currency)
function M.max(a, ...)
  for _, b in ipairs { ... } do same(a, b, "compare"); if b.amount > a.amount then a = b end end
  return a
end

--- m:split(n | {weights…}) → list of money that add up to m exactly; the
-- leftover minor units go to the first shares.
function Money:split(parts)
  local weights = parts
  if math.type(parts) == "integer" then
    if parts < 1 then error("money:split: at least one part", 2) end
    weights = {}
    for i = 1, parts do weights[i] = 1 end
  end
  local total = 0
  for _, w in ipairs(weights) do
    if math.type(w) ~= "integer" or w < 0 then error("money:split: weights are non-negative integers", 2) end
    total = total + w
  end
  if total == 0 then error("money:split: the weights add up to 0", 2) end
  local out, given = {}, 0
  for i, w in ipairs(weights) do
    out[i] = self.amount * w // total
    given = given + out[i]
  end
  local left, i = self.amount - given, 1
  while left ~= 0 do
    if weights[i] > 0 then
      local step = left > 0 and 1 or -1
      out[i] = out[i] + step
      left = left - step
    end
    i = i % #weights + 1
  end
  for k, v in ipairs(out) do out[k] = M.new(v, self.currency) end
  return out
end

--- m:is_zero() → true for 0
function Money:is_zero() return self.amount == 0 end

--- m:major() → the amount as a plain decimal string ("49.99", "500", "1.250")
function Money:major()
  return currencies.decimal(self.amount, self.currency)
end

--- m:format(locale) → the amount for people, by ICU: "€49.99", "49,99 €", "‎€۴۹٫۹۹"
function Money:format(locale) return icu.format_money(locale, self:major(), self.currency) end

--- money.digits(currency) → its ISO 4217 minor digits
function M.digits(currency) check(currency); return digits(currency) end

return M
