-- The running customer summary (redress.summary): one row per customer,
-- the sum of each case's contribution, kept by adding a decision's change.
local summary = require "redress.summary"

local DAY = 86400000
local NOW = 1796122851591 -- 2026-12-01

local function case(over)
  local c = { status = "acknowledged", opened_ms = NOW - 3 * DAY, offers = {} }
  for k, v in pairs(over or {}) do c[k] = v end
  return c
end

describe("redress.summary", function()
  it("counts complaints by the day they were opened, in 30/90/365-day windows of whole days", function()
    local row = summary.empty()
    for _, age in ipairs { 0, 30, 31, 90, 91, 365, 366 } do
      summary.add_case(row, case { opened_ms = NOW - age * DAY }, 1)
    end
    local v = summary.view(row, NOW)
    assert.are.equal(2, v.complaints_30d)
    assert.are.equal(4, v.complaints_90d)
    assert.are.equal(6, v.complaints_365d)
    assert.are.equal(7, v.open_cases)
  end)

  it("sums live offers per currency over 365 days, as the budget's spent amount too", function()
    local row = summary.add_case(summary.empty(), case { offers = {
      { status = "offered", amount = 500, currency = "EUR", at = "2026-11-30T10:00:00Z" },
      { status = "accepted", amount = 250, currency = "EUR", at = "2026-11-30T11:00:00Z" },
      { status = "declined", amount = 900, currency = "EUR", at = "2026-11-30T11:00:00Z" },
      { status = "offered", amount = 1000, currency = "THB", at = "2025-06-01T10:00:00Z" },
    } }, 1)
    local v, spent = summary.view(row, NOW)
    assert.are.same({ EUR = 750 }, v.compensation_365d)
    assert.are.same({ EUR = 750 }, spent)
  end)

  it("follows a case through a decision: remove it as it was, add it as it is", function()
    local before = case()
    local row = summary.add_case(summary.empty(), before, 1)
    local after = case { status = "resolved", offers = { { status = "offered", amount = 300, currency = "EUR",
      at = "2026-12-01T09:00:00Z" } } }
    summary.add_case(row, before, -1)
    summary.add_case(row, after, 1)
    local v = summary.view(row, NOW)
    assert.are.equal(0, v.open_cases)
    assert.are.equal(1, v.complaints_30d)
    assert.are.same({ EUR = 300 }, v.compensation_365d)
    -- and taking the case out leaves nothing behind
    summary.add_case(row, after, -1)
    assert.are.same({ open = 0, days = {} }, row)
  end)

  it("drops days no window reaches", function()
    local row = summary.add_case(summary.empty(), case { opened_ms = NOW - 400 * DAY }, 1)
    summary.add_case(row, case(), 1)
    summary.prune(row, NOW)
    local n = 0
    for _ in pairs(row.days) do n = n + 1 end
    assert.are.equal(1, n)
  end)
end)
