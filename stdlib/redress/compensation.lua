--- redress.compensation: offers in proportion, within caps, never below
-- what the law owes.
--
--     local comp = require "redress.compensation"
--     local plan = comp.new {
--       percent = { low = 5, medium = 10, high = 20, critical = 30 },  -- of the order value, by severity
--       min = "5.00 EUR", max = "20.00 EUR",                            -- per currency: { EUR = "…", GBP = "…" }
--       kind = "coupon",                                                -- the goodwill offer
--     }
--     act:offer(plan:offer(case))   -- the legal remedy when one is owed, else goodwill
--
-- "Offer what the law owes, otherwise a 10% coupon capped at EUR 20" is
-- comp.new{ percent = { default = 10 }, max = "20.00 EUR" }:offer(case).
local legal = require "redress.legal"
local money = require "redress.money"

local M = {}

local Plan = {}
Plan.__index = Plan
Plan.__newindex = function() error("a compensation plan is read-only", 2) end
Plan.__metatable = false

-- A plan's percentages, caps, kind and law, out of the policy's reach (the
-- object holds nothing a decision could change); the pack's own values
-- among them are held for sandbox.freeze.
local private = setmetatable({}, { __mode = "k" })

local STRENGTH = { "refund", "replacement", "repair", "partial_refund" }

local function caps(v, what)
  if v == nil then return {} end
  if type(v) == "string" then
    local m, err = money.parse(v)
    if not m then error("compensation.new: " .. what .. ": " .. err, 3) end
    return { [m.currency] = m }
  end
  if type(v) == "table" then
    local out = {}
    for cur, s in pairs(v) do
      local m, err = money.parse(s)
      if not m or m.currency ~= cur then error("compensation.new: " .. what .. "." .. tostring(cur) .. ": " .. (err or "wrong currency"), 3) end
      out[cur] = m
    end
    return out
  end
  error("compensation.new: " .. what .. " is \"20.00 EUR\" or { EUR = \"20.00 EUR\", … }", 3)
end

--- comp.new{percent, min, max, kind, law} → a plan.
-- percent: by severity ({ low = 5, …, default = 10 }) or one number.
function M.new(spec)
  spec = spec or {}
  local percent = spec.percent or { default = 10 }
  if type(percent) == "number" then percent = { default = percent } end
  local plan = setmetatable({}, Plan)
  private[plan] = { percent = percent, min = caps(spec.min, "min"), max = caps(spec.max, "max"),
    kind = spec.kind or "coupon", law = spec.law or legal }
  require("redress.sandbox").hold(plan, spec.percent, spec.law)
  return plan
end

--- plan:goodwill(case [, kind]) → an offer spec in proportion to the order
-- value and the severity, within the caps; nil without an order value.
function Plan:goodwill(case, kind)
  local o = case.order
  if not (o and o.amount and o.currency) then return nil end
  local p = private[self]
  local pct = p.percent[case.severity] or p.percent.default or 10
  local amount = money.new(o.amount, o.currency):percent(pct).amount
  -- the caps are kept by currency, so they are in the order's: compared as
  -- integers (this runs under the policy's count hook, on every complaint)
  local lo, hi = p.min[o.currency], p.max[o.currency]
  if lo and lo.amount > amount then amount = lo.amount end
  if hi and hi.amount < amount then amount = hi.amount end
  return { kind = kind or p.kind, amount = amount, currency = o.currency,
    reason = "goodwill: " .. tostring(pct) .. "% of the order for a " .. tostring(case.severity or "medium") .. " complaint" }
end

--- comp.legal(case [, law]) → the offer spec for the strongest remedy the
-- law owes now (refund, then replacement, repair), with the citation as
-- its reason; nil when nothing is owed.
function M.legal(case, law)
  local r = (law or legal).remedies(case)
  local best, best_rank, why
  for _, e in ipairs(r.owed) do
    for _, k in ipairs(e.remedies) do
      for rank, s in ipairs(STRENGTH) do
        if s == k and (not best_rank or rank < best_rank) then best, best_rank, why = k, rank, e end
      end
    end
  end
  if not best then return nil end
  local o = case.order or {}
  local amount = (best == "refund" or best == "partial_refund") and o.amount or 0
  return { kind = best, amount = amount, currency = o.currency,
    reason = "owed by law until " .. why.until_at:sub(1, 10) .. ": " .. why.citation }
end

--- plan:offer(case) → the legal remedy when one is owed, else goodwill
-- (never below the legal floor).
function Plan:offer(case)
  return M.legal(case, private[self].law) or self:goodwill(case)
end

-- FNV-1a, 32 bits: a short deterministic hash (no randomness in policies).
local function fnv1a(s)
  local h = 2166136261
  for i = 1, #s do
    h = h ~ s:byte(i)
    h = (h * 16777619) & 0xffffffff
  end
  return h
end

local ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789" -- no 0/O, 1/I

--- comp.coupon_code(case_id, offer_id [, prefix]) → a code derived from
-- the case and the offer: the same every time (replays agree), different
-- for every offer. e.g. "RD-7QK3-M9XW".
function M.coupon_code(case_id, offer_id, prefix)
  local h1, h2 = fnv1a(case_id .. "/" .. offer_id), fnv1a(offer_id .. "/" .. case_id .. "/2")
  local chars = {}
  for _, h in ipairs { h1, h2 } do
    for _ = 1, 4 do
      local i = h % 32
      chars[#chars + 1] = ALPHABET:sub(i + 1, i + 1)
      h = h // 32
    end
  end
  local s = table.concat(chars)
  return (prefix or "RD") .. "-" .. s:sub(1, 4) .. "-" .. s:sub(5, 8)
end

return M
