--- redress.escalation: ladders of tiers and the triggers that climb them.
--
--     local escalation = require "redress.escalation"
--     local ladder = escalation.new {
--       teams = { "experienced-agents", "senior-care", "legal" },       -- tier 1, 2, 3
--       triggers = {
--         { severity = { high = 1, critical = 2 } },
--         { public_channel = 2 },                                       -- social media
--         { repeat_complaints = { count = 3, within_days = 90 }, tier = 2 },
--         { sla_breach = 2 },
--         { legal_risk = 3 },                                           -- fraud finding, injury, data breach…
--         { amount_over = "100.00 EUR", tier = 2 },                     -- an offer above the approval threshold
--       },
--       chronic = { complaints_365d = 6 },  -- flag for a person; never rejected automatically
--     }
--     ladder:apply(case, act, { sla_breach = fired and fired.kind == "breach", amount = offer })
--
-- The highest tier any trigger reaches wins; every reason is given.
local money = require "redress.money"

local M = {}

local Ladder = {}
Ladder.__index = Ladder
Ladder.__newindex = function() error("a ladder is read-only", 2) end
Ladder.__metatable = false

-- A ladder's teams, triggers and chronic rule, out of its policy's reach
-- (the object itself holds nothing a decision could change).
local private = setmetatable({}, { __mode = "k" })

local LEGAL_RISK = { fraud = true, injury = true, data_breach = true, discrimination = true, legal = true }

-- The customer-summary field a repeat trigger counts, and its window.
local function summary_field(rc)
  local w = rc.within_days or 365
  return w <= 30 and "complaints_30d" or w <= 90 and "complaints_90d" or "complaints_365d", w
end

-- Whether the case carries legal risk (a fraud finding, an injury…).
local function legal_risk(case, ctx)
  return (ctx and ctx.legal_risk) or LEGAL_RISK[case.category] or (case.facts and case.facts.fraud == true)
end

-- What can make any trigger fire, worked out once per ladder: the
-- severities some trigger climbs for, whether one climbs for a public
-- channel, an SLA breach, legal risk or an amount, and each repeat trigger's
-- summary field and count. evaluate walks the triggers only when the case
-- meets one of these (most complaints meet none), so an ordinary complaint
-- costs a few reads, not every trigger's checks. A trigger table with a
-- metatable of its own (it may answer for keys it does not hold) is asked
-- every time: `always`.
local function quick(triggers)
  local q = { severity = {}, repeats = {} }
  for _, t in ipairs(triggers) do
    local sev = t.severity
    if type(sev) == "table" then
      if getmetatable(sev) ~= nil then q.always = true end
      for s, x in pairs(sev) do
        if type(x) == "number" then q.severity[s] = true end
      end
    end
    if t.public_channel and type(t.public_channel) == "number" then q.social = true end
    local rc = t.repeat_complaints
    if rc and type(t.tier or 1) == "number" then
      if getmetatable(rc) ~= nil then q.always = true end
      q.repeats[#q.repeats + 1] = { field = (summary_field(rc)), need = rc.count or 3 }
    end
    if t.sla_breach and type(t.sla_breach) == "number" then q.sla_breach = true end
    if t.legal_risk and type(t.legal_risk) == "number" then q.legal_risk = true end
    if t.amount_over and type(t.tier or 2) == "number" then q.amount = true end
  end
  return q
end

-- A trigger's own tables, checked (a mistake stops the pack when it loads,
-- not in front of a customer) and copied, so what evaluate reads and what
-- `quick` is worked out from cannot change afterwards; one with a metatable
-- is kept as it is (see quick).
local function own_tables(c, i)
  local sev, rc = c.severity, c.repeat_complaints
  if sev ~= nil and type(sev) ~= "table" then
    error("escalation.new: triggers[" .. i .. "].severity is a table of tiers, e.g. { high = 2 }", 3)
  end
  if rc ~= nil then
    if type(rc) ~= "table" then
      error("escalation.new: triggers[" .. i .. "].repeat_complaints is { count = n, within_days = d }", 3)
    end
    for _, k in ipairs { "count", "within_days" } do
      if rc[k] ~= nil and type(rc[k]) ~= "number" then
        error("escalation.new: triggers[" .. i .. "].repeat_complaints." .. k .. " must be a number", 3)
      end
    end
  end
  for _, k in ipairs { "severity", "repeat_complaints" } do
    local v = c[k]
    if v ~= nil and getmetatable(v) == nil then
      local copy = {}
      for kk, x in pairs(v) do copy[kk] = x end
      c[k] = copy
    end
  end
end

--- escalation.new{teams, triggers, chronic} → a ladder. The triggers are
-- copied: changing their tables afterwards changes nothing. A trigger's
-- severity must be a table of tiers and its repeat_complaints a table of
-- numbers (count, within_days): anything else is an error here.
function M.new(spec)
  spec = spec or {}
  if type(spec.triggers) ~= "table" then error("escalation.new: triggers must be a list", 2) end
  local teams = {}
  for i, team in pairs(spec.teams or {}) do teams[i] = team end
  local chronic = spec.chronic and { complaints_365d = spec.chronic.complaints_365d } or nil
  local state = { teams = teams, triggers = {}, chronic = chronic }
  for i, t in ipairs(spec.triggers) do
    local c = {}
    for k, v in pairs(t) do c[k] = v end
    own_tables(c, i)
    if c.amount_over then
      local m, err = money.parse(c.amount_over)
      if not m then error("escalation.new: triggers[" .. i .. "].amount_over: " .. err, 2) end
      c.amount_over = m
    end
    state.triggers[i] = c
  end
  state.quick = quick(state.triggers)
  local ladder = setmetatable({}, Ladder)
  private[ladder] = state
  require("redress.sandbox").hold(ladder, spec.teams, spec.triggers, spec.chronic)
  return ladder
end

local NO_SUMMARY = {}

-- Whether the case meets anything in q (see quick): when not, no trigger
-- fires.
local function may_fire(q, case, ctx, summary)
  if q.always then return true end
  local severity = case.severity
  if severity ~= nil and q.severity[severity] then return true end
  if q.social and case.channel == "social" then return true end
  if ctx and ((q.sla_breach and ctx.sla_breach) or (q.amount and ctx.amount)) then return true end
  if q.legal_risk and legal_risk(case, ctx) then return true end
  local r = q.repeats
  for i = 1, #r do
    if (summary[r[i].field] or 0) + 1 >= r[i].need then return true end
  end
  return false
end

-- Every trigger in order: the reasons of those that fire go into reasons;
-- → the highest tier reached.
local function climb(triggers, case, ctx, summary, reasons)
  local tier = 0
  local severity, social = case.severity, case.channel == "social"
  local sla_breach = ctx and ctx.sla_breach
  local legal = legal_risk(case, ctx)
  local amount = ctx and ctx.amount
  for i = 1, #triggers do
    local t = triggers[i]
    local x = t.severity
    if x then
      x = x[severity]
      if type(x) == "number" then
        reasons[#reasons + 1] = "severity " .. severity
        if x > tier then tier = x end
      end
    end
    x = t.public_channel
    if x and social and type(x) == "number" then
      reasons[#reasons + 1] = "public channel: a complaint in public can grow into a crisis"
      if x > tier then tier = x end
    end
    local rc = t.repeat_complaints
    if rc then
      local field, w = summary_field(rc)
      local n = summary[field] or 0
      x = t.tier or 1
      if n + 1 >= (rc.count or 3) and type(x) == "number" then
        reasons[#reasons + 1] = string.format("repeat complaints: %d in %d days", n + 1, w)
        if x > tier then tier = x end
      end
    end
    x = t.sla_breach
    if x and sla_breach and type(x) == "number" then
      reasons[#reasons + 1] = "a service-level deadline passed"
      if x > tier then tier = x end
    end
    x = t.legal_risk
    if x and legal and type(x) == "number" then
      reasons[#reasons + 1] = "legal risk"
      if x > tier then tier = x end
    end
    local over = t.amount_over
    if over and amount then
      local a = amount
      if not money.is(a) and type(a) == "table" and a.amount and a.currency then a = money.new(a.amount, a.currency) end
      x = t.tier or 2
      if money.is(a) and a.currency == over.currency and a.amount > over.amount and type(x) == "number" then
        reasons[#reasons + 1] = "amount over " .. tostring(over) .. ": a manager signs it off"
        if x > tier then tier = x end
      end
    end
  end
  return tier
end

--- ladder:evaluate(case [, ctx]) → { tier, team, reasons = {…}, chronic }
-- ctx: { sla_breach = bool, amount = offer spec or money, legal_risk = bool }
function Ladder:evaluate(case, ctx)
  local state = private[self]
  local tier, reasons = 0, {}
  -- what the triggers ask about, read once (this runs under the policy's
  -- count hook, on every complaint)
  local summary = case.customer_summary or NO_SUMMARY
  if may_fire(state.quick, case, ctx, summary) then
    tier = climb(state.triggers, case, ctx, summary, reasons)
  end
  local chronic = false
  if state.chronic and (summary.complaints_365d or 0) + 1 >= (state.chronic.complaints_365d or 6) then
    chronic = true
  end
  return { tier = tier, team = state.teams[tier], reasons = reasons, chronic = chronic }
end

--- ladder:apply(case, act [, ctx]) → the evaluation; escalates when a
-- trigger fired, and flags a chronic complainer for a person to look at
-- (tag chronic-complainer) — it never rejects the complaint.
function Ladder:apply(case, act, ctx)
  local e = self:evaluate(case, ctx)
  if e.tier > (case.tier or 0) then
    act:escalate { tier = e.tier, team = e.team, reason = table.concat(e.reasons, "; ") }
  end
  if e.chronic then
    act:set { tags = { "chronic-complainer" } }
    act:explain("chronic_complainer", "Many complaints in a year: a person reviews the case before anything else is decided; it is not rejected.")
  end
  return e
end

return M
