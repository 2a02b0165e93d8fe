-- redress.compensation and redress.escalation, table-driven.
local comp = require "redress.compensation"
local escalation = require "redress.escalation"
local time = require "redress.time"

local NOW = time.parse("2026-11-20T12:00:00Z")

local function case(over)
  local c = { id = "C0000000007", severity = "medium", channel = "email", category = "late_delivery", now = NOW,
    order = { id = "A-1", amount = 4999, currency = "EUR" }, facts = {}, customer_summary = {} }
  for k, v in pairs(over or {}) do c[k] = v end
  return c
end

describe("redress.compensation", function()
  local plan = comp.new { percent = { low = 5, medium = 10, high = 20 }, min = "5.00 EUR", max = "20.00 EUR" }
  local goodwill = {
    { "medium: 10% of 49.99, half-even → 5.00", {}, 500 },
    { "low: 5% of 49.99 → 2.50, raised to the 5.00 floor", { severity = "low" }, 500 },
    { "high: 20% of 49.99 → 10.00", { severity = "high" }, 1000 },
    { "medium on 500.00 → 50.00, capped at 20.00", { order = { amount = 50000, currency = "EUR" } }, 2000 },
  }
  for _, g in ipairs(goodwill) do
    it(g[1], function()
      local o = plan:goodwill(case(g[2]))
      assert.same({ "coupon", g[3], "EUR" }, { o.kind, o.amount, o.currency })
    end)
  end

  it("has no goodwill amount without an order value", function()
    assert.is_nil(plan:goodwill(case { order = { id = "x" } }))
  end)

  it("offers what the law owes before goodwill, with the citation", function()
    local c = case { jurisdiction = "EU", category = "defective",
      order = { amount = 4999, currency = "EUR", sale = "distance", delivered_at = "2026-11-10T10:00:00Z" } }
    local o = plan:offer(c)
    assert.same({ "refund", 4999 }, { o.kind, o.amount })
    assert.matches("Directive 2011/83/EU", o.reason)
    -- out of the withdrawal window: the legal guarantee's repair or replacement
    c.now = time.parse("2027-03-01T12:00:00Z")
    local later = plan:offer(c)
    assert.equal("replacement", later.kind)
    assert.matches("2019/771", later.reason)
  end)

  it("falls back to goodwill when nothing is owed", function()
    assert.equal("coupon", plan:offer(case { jurisdiction = "US" }).kind)
  end)

  it("derives coupon codes deterministically", function()
    local a = comp.coupon_code("C0000000007", "O1")
    assert.matches("^RD%-[A-Z2-9][A-Z2-9][A-Z2-9][A-Z2-9]%-[A-Z2-9][A-Z2-9][A-Z2-9][A-Z2-9]$", a)
    assert.equal(a, comp.coupon_code("C0000000007", "O1"))
    assert.not_equal(a, comp.coupon_code("C0000000007", "O2"))
    assert.not_equal(a, comp.coupon_code("C0000000008", "O1"))
    assert.matches("^SHOP%-", comp.coupon_code("C1", "O1", "SHOP"))
  end)

  it("refuses malformed caps", function()
    assert.has_error(function() comp.new { max = "twenty" } end)
    assert.has_error(function() comp.new { max = { EUR = "20.00 USD" } } end)
  end)
end)

describe("redress.escalation", function()
  local ladder = escalation.new {
    teams = { "experienced-agents", "senior-care", "legal" },
    triggers = {
      { severity = { high = 1, critical = 2 } },
      { public_channel = 2 },
      { repeat_complaints = { count = 3, within_days = 90 }, tier = 2 },
      { sla_breach = 2 },
      { legal_risk = 3 },
      { amount_over = "100.00 EUR", tier = 2 },
    },
    chronic = { complaints_365d = 6 },
  }
  local cases = {
    { "a calm, ordinary complaint stays put", {}, nil, 0 },
    { "high severity → tier 1", { severity = "high" }, nil, 1 },
    { "critical → tier 2", { severity = "critical" }, nil, 2 },
    { "social media → tier 2", { channel = "social" }, nil, 2 },
    { "third complaint in 90 days → tier 2", { customer_summary = { complaints_90d = 2 } }, nil, 2 },
    { "second complaint in 90 days stays put", { customer_summary = { complaints_90d = 1 } }, nil, 0 },
    { "SLA breach → tier 2", {}, { sla_breach = true }, 2 },
    { "fraud finding → legal, tier 3", { facts = { fraud = true } }, nil, 3 },
    { "injury → legal, tier 3", { category = "injury" }, nil, 3 },
    { "an offer over 100.00 EUR → tier 2", {}, { amount = { amount = 15000, currency = "EUR" } }, 2 },
    { "an offer of exactly 100.00 EUR stays put", {}, { amount = { amount = 10000, currency = "EUR" } }, 0 },
    { "the highest tier wins", { severity = "high", channel = "social", category = "data_breach" }, nil, 3 },
  }
  for _, c in ipairs(cases) do
    it(c[1], function()
      local e = ladder:evaluate(case(c[2]), c[3])
      assert.equal(c[4], e.tier)
      if c[4] > 0 then
        assert.is_string(e.team)
        assert.is_true(#e.reasons >= 1)
      end
    end)
  end

  it("flags a chronic complainer for a person and never rejects", function()
    local acts = {}
    local act = setmetatable({}, { __index = function(_, k) return function(_, spec, text) acts[#acts + 1] = { k, spec, text } end end })
    local e = ladder:apply(case { customer_summary = { complaints_365d = 5 } }, act)
    assert.is_true(e.chronic)
    assert.equal("set", acts[1][1])
    assert.same({ "chronic-complainer" }, acts[1][2].tags)
    for _, a in ipairs(acts) do
      assert.is_true(not (a[1] == "set" and a[2].status == "rejected"))
    end
  end)

  it("keeps a ladder's teams as given, gaps included, and its state out of reach", function()
    local l = escalation.new { teams = { [1] = "agents", [3] = "legal" }, triggers = { { legal_risk = 3 } } }
    local e = l:evaluate({ category = "fraud", facts = {} })
    assert.are.same({ 3, "legal" }, { e.tier, e.team })
    assert.has_error(function() l.teams = {} end, "a ladder is read-only")
  end)
  -- The ladder walks its triggers only when the case meets something one of
  -- them climbs for. Against a model that always walks them all: random
  -- ladders and cases, every answer the same (tier, team, reasons in order).
  it("answers as walking every trigger would, for random ladders and cases", function()
    local money = require "redress.money"
    local LEGAL = { fraud = true, injury = true, data_breach = true, discrimination = true, legal = true }
    local function model(triggers, c, ctx)
      local tier, reasons, summary = 0, {}, c.customer_summary or {}
      local legal = (ctx and ctx.legal_risk) or LEGAL[c.category] or (c.facts and c.facts.fraud == true)
      for _, t in ipairs(triggers) do
        local x = t.severity and t.severity[c.severity]
        if type(x) == "number" then reasons[#reasons + 1] = "severity " .. c.severity; tier = math.max(tier, x) end
        if type(t.public_channel) == "number" and c.channel == "social" then
          reasons[#reasons + 1] = "public channel: a complaint in public can grow into a crisis"; tier = math.max(tier, t.public_channel)
        end
        local rc = t.repeat_complaints
        if rc then
          local w = rc.within_days or 365
          local n = summary[w <= 30 and "complaints_30d" or w <= 90 and "complaints_90d" or "complaints_365d"] or 0
          x = t.tier or 1
          if n + 1 >= (rc.count or 3) and type(x) == "number" then
            reasons[#reasons + 1] = string.format("repeat complaints: %d in %d days", n + 1, w); tier = math.max(tier, x)
          end
        end
        if type(t.sla_breach) == "number" and ctx and ctx.sla_breach then
          reasons[#reasons + 1] = "a service-level deadline passed"; tier = math.max(tier, t.sla_breach)
        end
        if type(t.legal_risk) == "number" and legal then reasons[#reasons + 1] = "legal risk"; tier = math.max(tier, t.legal_risk) end
        if t.amount_over and ctx and ctx.amount then
          local over, a = money.parse(t.amount_over), ctx.amount
          x = t.tier or 2
          if a.currency == over.currency and a.amount > over.amount and type(x) == "number" then
            reasons[#reasons + 1] = "amount over " .. tostring(over) .. ": a manager signs it off"; tier = math.max(tier, x)
          end
        end
      end
      return tier, reasons
    end
    math.randomseed(20261203)
    local NONE = {}
    local function pick(list) -- NONE: nil (a default), which a list cannot hold
      local v = list[math.random(#list)]
      if v == NONE then return nil end
      return v
    end
    local SEV = { "low", "medium", "high", "critical" }
    for _ = 1, 60 do
      local triggers = {}
      for _ = 1, math.random(0, 6) do
        local t = {}
        local kind = math.random(6)
        if kind == 1 then
          t.severity = {}
          for _ = 1, math.random(2) do t.severity[pick(SEV)] = math.random(4) end
        elseif kind == 2 then t.public_channel = math.random(4)
        elseif kind == 3 then
          t.repeat_complaints = { count = pick { 1, 2, 3, 4, 5, NONE }, within_days = pick { 7, 30, 90, 365, NONE } }
          t.tier = pick { 1, 2, 3, NONE, "two" }
        elseif kind == 4 then t.sla_breach = math.random(4)
        elseif kind == 5 then t.legal_risk = math.random(4)
        else t.amount_over = pick { "100.00 EUR", "50.00 GBP" }; t.tier = pick { 2, 3, NONE, "three" } end
        if math.random(8) == 1 then t.public_channel = math.random(4) end -- two in one trigger
        triggers[#triggers + 1] = t
      end
      local l = escalation.new { teams = { "a", "b", "c", "d" }, triggers = triggers }
      for _ = 1, 40 do
        local c = case { severity = pick(SEV), channel = pick { "email", "social", "phone" },
          category = pick { "late_delivery", "injury", "defective" }, facts = { fraud = math.random(6) == 1 },
          customer_summary = { complaints_30d = math.random(0, 3), complaints_90d = math.random(0, 5), complaints_365d = math.random(0, 6) } }
        local ctx = pick { false, { sla_breach = true }, { amount = { amount = 15000, currency = "EUR" } },
          { amount = { amount = 9000, currency = "GBP" } }, { legal_risk = true } } or nil
        local want_tier, want_reasons = model(triggers, c, ctx)
        local e = l:evaluate(c, ctx)
        assert.equal(want_tier, e.tier)
        assert.same(want_reasons, e.reasons)
      end
    end
  end)

  it("answers as walking every trigger would for a count that is not a number, and a table that answers by metatable", function()
    local nan = escalation.new { teams = { "a" }, triggers = { { repeat_complaints = { count = 0 / 0 } },
      { repeat_complaints = { count = 2 } } } }
    assert.equal(1, nan:evaluate(case { customer_summary = { complaints_365d = 5 } }).tier)
    local any = setmetatable({}, { __index = function() return 2 end })
    local l = escalation.new { teams = { "a", "b" }, triggers = { { severity = any } } }
    assert.equal(2, l:evaluate(case {}).tier)
  end)

  it("refuses a severity or a repeat count that is not what a trigger reads, when the ladder is made", function()
    assert.has_error(function() escalation.new { triggers = { { severity = 5 } } } end,
      "escalation.new: triggers[1].severity is a table of tiers, e.g. { high = 2 }")
    assert.has_error(function() escalation.new { triggers = { {}, { repeat_complaints = true } } } end,
      "escalation.new: triggers[2].repeat_complaints is { count = n, within_days = d }")
    assert.has_error(function() escalation.new { triggers = { { repeat_complaints = { within_days = "30" } } } } end,
      "escalation.new: triggers[1].repeat_complaints.within_days must be a number")
  end)

  it("keeps what it was made from, whatever the pack changes in its trigger tables later", function()
    local sev = { high = 2 }
    local l = escalation.new { teams = { "a", "b", "c" }, triggers = { { severity = sev } } }
    sev.medium = 3; sev.high = 1
    assert.equal(0, l:evaluate(case {}).tier)
    assert.equal(2, l:evaluate(case { severity = "high" }).tier)
  end)
end)
