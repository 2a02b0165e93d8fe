-- redress.legal: every rule on its boundary days, with its citation in the
-- test's name. Times are UTC; the zone is UTC unless a case says otherwise.
local legal = require "redress.legal"
local time = require "redress.time"

local function at(day) return time.parse(day .. "T12:00:00Z") end

local function case(j, order, extra)
  local c = { jurisdiction = j, category = "other", order = order, facts = {} }
  for k, v in pairs(extra or {}) do c[k] = v end
  return c
end

-- { description, case, now (a date), rule id, owed? }
local cases = {
  -- EU withdrawal: possession on Mon 2 Nov; the day of delivery does not count; 14 days end on Mon 16 Nov
  -- (a last day on a weekend or holiday: see legal_calendar_spec.lua)
  { "day 14", case("EU", { sale = "distance", kind = "goods", delivered_at = "2026-11-02T10:00:00Z" }), "2026-11-16", "EU.withdrawal", true },
  { "day 15", case("EU", { sale = "distance", kind = "goods", delivered_at = "2026-11-02T10:00:00Z" }), "2026-11-17", "EU.withdrawal", false },
  { "in a member state", case("DE", { sale = "distance", kind = "goods", delivered_at = "2026-11-01T10:00:00Z" }), "2026-11-15", "EU.withdrawal", true },
  { "excluded: a flight (passenger transport)", case("EU", { sale = "distance", kind = "services", excluded = "passenger_transport", purchased_at = "2026-11-10T10:00:00Z" }), "2026-11-15", "EU.withdrawal", nil },
  { "excluded: a hotel stay on a date", case("DE", { sale = "distance", kind = "services", excluded = "accommodation", purchased_at = "2026-11-10T10:00:00Z" }), "2026-11-15", "EU.withdrawal", nil },
  { "services: from the contract", case("EU", { sale = "distance", kind = "services", purchased_at = "2026-11-01T10:00:00Z" }), "2026-11-15", "EU.withdrawal", true },
  { "not informed: +12 months, last day", case("EU", { sale = "distance", delivered_at = "2026-11-01T10:00:00Z", informed_of_withdrawal = false }), "2027-11-15", "EU.withdrawal", true },
  { "not informed: the day after", case("EU", { sale = "distance", delivered_at = "2026-11-01T10:00:00Z", informed_of_withdrawal = false }), "2027-11-16", "EU.withdrawal", false },
  { "not for a shop sale", case("EU", { sale = "in_store", delivered_at = "2026-11-01T10:00:00Z" }), "2026-11-02", "EU.withdrawal", nil },
  -- EU legal guarantee: 2 years from delivery, overridable
  { "guarantee: last day", case("EU", { delivered_at = "2024-11-20T10:00:00Z" }, { category = "defective" }), "2026-11-20", "EU.guarantee", true },
  { "guarantee: the day after", case("EU", { delivered_at = "2024-11-20T10:00:00Z" }, { category = "defective" }), "2026-11-21", "EU.guarantee", false },
  -- UK short-term right to reject: 30 days beginning the day after delivery
  { "day 30", case("UK", { delivered_at = "2026-11-01T10:00:00Z" }, { category = "defective" }), "2026-12-01", "UK.short_term_reject", true },
  { "day 31", case("UK", { delivered_at = "2026-11-01T10:00:00Z" }, { category = "defective" }), "2026-12-02", "UK.short_term_reject", false },
  { "paused 10 days for a repair", case("UK", { delivered_at = "2026-11-01T10:00:00Z", repair_days = 10 }, { category = "defective" }), "2026-12-11", "UK.short_term_reject", true },
  { "at least 7 days left after a repair", case("UK", { delivered_at = "2026-11-01T10:00:00Z", repair_days = 1 }, { category = "defective" }), "2026-12-02", "UK.short_term_reject", true },
  { "6-month presumption: last day", case("UK", { delivered_at = "2026-05-31T10:00:00Z" }, { category = "defective" }), "2026-11-30", "UK.repair_replace", true },
  { "6-month presumption: after", case("UK", { delivered_at = "2026-05-31T10:00:00Z" }, { category = "defective" }), "2026-12-01", "UK.repair_replace", false },
  { "final right to reject after a failed repair", case("UK", { delivered_at = "2026-01-10T10:00:00Z", failed_repairs = 1 }, { category = "defective" }), "2026-11-20", "UK.final_reject", true },
  { "no final right before a failed repair", case("UK", { delivered_at = "2026-01-10T10:00:00Z" }, { category = "defective" }), "2026-11-20", "UK.final_reject", nil },
  { "cancellation day 14", case("UK", { sale = "distance", delivered_at = "2026-11-01T10:00:00Z" }), "2026-11-15", "UK.cancellation", true },
  { "cancellation day 15", case("UK", { sale = "distance", delivered_at = "2026-11-01T10:00:00Z" }), "2026-11-16", "UK.cancellation", false },
  { "cancellation excluded: made to order", case("UK", { sale = "distance", excluded = "made_to_order", delivered_at = "2026-11-01T10:00:00Z" }), "2026-11-15", "UK.cancellation", nil },
  -- China: 7 days from receipt; exclusions; three guarantees 7/15 days from sale
  { "no-reason return day 7", case("CN", { sale = "distance", delivered_at = "2026-11-02T10:00:00Z" }), "2026-11-09", "CN.no_reason_return", true },
  { "no-reason return day 8", case("CN", { sale = "distance", delivered_at = "2026-11-02T10:00:00Z" }), "2026-11-10", "CN.no_reason_return", false },
  { "excluded: perishable", case("CN", { sale = "distance", delivered_at = "2026-11-01T10:00:00Z", excluded = "perishable" }), "2026-11-02", "CN.no_reason_return", nil },
  { "listed goods: return day 7", case("CN", { listed_goods = true, purchased_at = "2026-11-02T10:00:00Z" }, { category = "defective" }), "2026-11-09", "CN.three_guarantees_return", true },
  { "listed goods: return day 8", case("CN", { listed_goods = true, purchased_at = "2026-11-02T10:00:00Z" }, { category = "defective" }), "2026-11-10", "CN.three_guarantees_return", false },
  { "listed goods: exchange day 15", case("CN", { listed_goods = true, purchased_at = "2026-11-01T10:00:00Z" }, { category = "defective" }), "2026-11-16", "CN.three_guarantees_exchange", true },
  { "listed goods: exchange day 16", case("CN", { listed_goods = true, purchased_at = "2026-11-01T10:00:00Z" }, { category = "defective" }), "2026-11-17", "CN.three_guarantees_exchange", false },
  -- Russia: 14 days not counting the day of purchase; distance 7 days / 3 months
  { "exchange day 14", case("RU", { purchased_at = "2026-11-02T10:00:00Z" }), "2026-11-16", "RU.exchange", true },
  { "exchange day 15", case("RU", { purchased_at = "2026-11-02T10:00:00Z" }), "2026-11-17", "RU.exchange", false },
  { "no exchange of food", case("RU", { purchased_at = "2026-11-01T10:00:00Z", food = true }), "2026-11-02", "RU.exchange", nil },
  { "distance day 7", case("RU", { sale = "distance", delivered_at = "2026-11-02T10:00:00Z" }), "2026-11-09", "RU.distance_return", true },
  { "distance day 8", case("RU", { sale = "distance", delivered_at = "2026-11-02T10:00:00Z" }), "2026-11-10", "RU.distance_return", false },
  { "no written terms: 3 months", case("RU", { sale = "distance", delivered_at = "2026-11-01T10:00:00Z", written_return_terms = false }), "2027-02-01", "RU.distance_return", true },
  { "no written terms: after 3 months", case("RU", { sale = "distance", delivered_at = "2026-11-01T10:00:00Z", written_return_terms = false }), "2027-02-02", "RU.distance_return", false },
  -- US cooling-off: sale Friday 20 Nov 2026: Sat (1), Mon (2), Tue (3) → until Tuesday midnight
  { "third business day", case("US", { sale = "door_to_door", purchased_at = "2026-11-20T15:00:00Z", amount = 5000, currency = "USD" }), "2026-11-24", "US.cooling_off", true },
  { "the day after", case("US", { sale = "door_to_door", purchased_at = "2026-11-20T15:00:00Z", amount = 5000, currency = "USD" }), "2026-11-25", "US.cooling_off", false },
  -- Thanksgiving (Thu 26 Nov) does not count: sale Wed 25 → Fri (1), Sat (2), Mon (3)
  { "a federal holiday does not count", case("US", { sale = "door_to_door", purchased_at = "2026-11-25T15:00:00Z", amount = 5000, currency = "USD" }), "2026-11-30", "US.cooling_off", true },
  { "under USD 25 at home", case("US", { sale = "door_to_door", purchased_at = "2026-11-20T15:00:00Z", amount = 2000, currency = "USD" }), "2026-11-21", "US.cooling_off", nil },
  { "temporary location needs USD 130", case("US", { sale = "temporary_location", purchased_at = "2026-11-20T15:00:00Z", amount = 5000, currency = "USD" }), "2026-11-21", "US.cooling_off", nil },
  -- Japan: 8 days counting the day the document was received
  { "day 8", case("JP", { sale = "door_to_door", document_received_at = "2026-11-01T03:00:00Z" }), "2026-11-08", "JP.cooling_off", true },
  { "day 9", case("JP", { sale = "door_to_door", document_received_at = "2026-11-01T03:00:00Z" }), "2026-11-09", "JP.cooling_off", false },
  -- Australia: no fixed window; major vs minor failure
  { "major failure", case("AU", { failure = "major" }, { category = "defective" }), "2026-11-20", "AU.major_failure", true },
  { "minor failure", case("AU", { failure = "minor" }, { category = "defective" }), "2026-11-20", "AU.minor_failure", true },
}

describe("redress.legal windows", function()
  for _, c in ipairs(cases) do
    local rule = legal.rule(c[4])
    it(string.format("%s %s on %s: %s (%s)", c[4], c[1], c[3],
      c[5] == true and "owed" or c[5] == false and "expired" or "does not apply", rule.citation), function()
      local r = legal.remedies(c[2], { now = at(c[3]) })
      local where
      for _, e in ipairs(r.owed) do if e.id == c[4] then where = true end end
      for _, e in ipairs(r.expired) do if e.id == c[4] then where = false end end
      assert.equal(c[5], where)
    end)
  end

  it("says until when and why, with the citation", function()
    local r = legal.remedies(case("EU", { sale = "distance", delivered_at = "2026-11-02T10:00:00Z" }), { now = at("2026-11-10") })
    local e = r.owed[1]
    assert.equal("EU.withdrawal", e.id)
    assert.same({ "refund" }, e.remedies)
    assert.equal("2026-11-16T23:59:59.999Z", e.until_at)
    assert.equal(6, e.days_left)
    assert.equal("Directive 2011/83/EU arts. 9–10", e.citation)
    assert.matches("14 days", e.why)
  end)

  it("counts days in the case's zone", function()
    -- delivered 1 Nov 23:30 UTC = 2 Nov 06:30 in Bangkok: the window ends a day later there
    local c = case("EU", { sale = "distance", delivered_at = "2026-11-01T23:30:00Z" }, { timezone = "Asia/Bangkok" })
    local r = legal.remedies(c, { now = time.parse("2026-11-16T12:00:00Z") })
    assert.equal("2026-11-16T16:59:59.999Z", r.owed[1].until_at)
  end)

  it("computes punitive damages for fraud in China: 3× the price, at least CNY 500", function()
    local small = case("CN", { amount = 10000, currency = "CNY" }, { facts = { fraud = true } })
    local r = legal.remedies(small, { now = at("2026-11-20") })
    assert.equal("CN.fraud_damages", r.owed[1].id)
    assert.equal(50000, r.owed[1].amount.amount)
    local big = case("CN", { amount = 30000, currency = "CNY" }, { facts = { fraud = true } })
    assert.equal(90000, legal.remedies(big, { now = at("2026-11-20") }).owed[1].amount.amount)
  end)

  it("gives the legal minimum as a set of remedy kinds", function()
    local c = case("UK", { delivered_at = "2026-11-01T10:00:00Z" }, { category = "defective" })
    assert.same({ refund = true, repair = true, replacement = true }, legal.minimum(c, { now = at("2026-11-20") }))
  end)

  it("lets a pack or the config override and extend the rules", function()
    local se = legal.new { overrides = { ["EU.guarantee"] = { years = 3 } } }
    local c = case("SE", { delivered_at = "2024-11-20T10:00:00Z" }, { category = "defective" })
    assert.is_true(#se:remedies(c, { now = at("2027-01-10") }).owed >= 1)
    assert.equal(0, #legal.remedies(c, { now = at("2027-01-10") }).owed)
    local mine = legal.new { rules = { { id = "TH.direct_sales", where = function(j) return j == "TH" end,
      right = "cancel", remedies = { "refund" }, applies = function() return true end,
      window = function(cc, z) return 0, 1e9 end, why = "x", citation = "Direct Sales Act 2002" } } }
    assert.equal("TH.direct_sales", mine:remedies(case("TH", {}), { now = at("2026-11-20") }).owed[1].id)
  end)

  it("asks a rule's own where on every call, in its place, though it remembers the base rules' per jurisdiction", function()
    local asked = 0
    local mine = legal.new {
      rules = { { id = "XX.own", where = function(j) asked = asked + 1; return j == "DE" and asked % 2 == 0 end,
        right = "cancel", remedies = { "refund" }, applies = function() return true end,
        window = function() return 0, 1e9 end, why = "x", citation = "own" } },
      overrides = { ["EU.guarantee"] = { where = function(j) return j == "SE" end } },
    }
    local c = case("DE", { sale = "distance", kind = "goods", delivered_at = "2024-11-20T10:00:00Z" }, { category = "defective" })
    local function ids(r) local t = {} for _, e in ipairs(r.owed) do t[#t + 1] = e.id end return table.concat(t, " ") end
    local now = { now = at("2024-11-25") }
    assert.equal("EU.withdrawal", ids(mine:remedies(c, now)))          -- own rule asked: no
    assert.equal("EU.withdrawal XX.own", ids(mine:remedies(c, now)))   -- asked again: yes
    assert.equal(2, asked)
    c.jurisdiction = "SE" -- the overridden where lets the guarantee through in SE only
    assert.equal("EU.withdrawal EU.guarantee", ids(mine:remedies(c, now)))
    for i = 1, 100 do -- more jurisdictions than it remembers
      c.jurisdiction = "Z" .. i
      assert.equal("", ids(mine:remedies(c, now)))
    end
    c.jurisdiction = "DE"
    assert.equal("EU.withdrawal EU.guarantee", ids(legal.remedies(c, now)))
  end)

  it("keeps its rules from being changed by a policy", function()
    local r = legal.rule("EU.withdrawal")
    r.why = "changed"
    assert.not_equal("changed", legal.rule("EU.withdrawal").why)
    assert.is_false(getmetatable(legal.new()))
  end)
end)
