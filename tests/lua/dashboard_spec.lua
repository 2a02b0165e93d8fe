-- The dashboard's rollups (redress.dashboard) on the fixture store: what a
-- decision adds to its day's row and to the open-cases row, and the figures
-- GET /v1/dashboard reads back from them, exactly; and the cases pinned to each
-- pack version (GET /v1/packs).
local root = os.getenv("REDRESS_ROOT") or "."
local F = dofile(root .. "/tests/lua/fixture.lua")
local S = F.store()
local json = require "redress.json"
local time = require "redress.time"
local dashboard = require "redress.dashboard"

local DAY = 86400000
local T0 = time.parse("2026-11-20T09:00:00Z")

local function case(over)
  local c = { id = "C0000000001", status = "received", tier = 0, pack = { name = "retail", version = "0.1.0" }, opened_ms = T0,
    opened_at = time.format(T0), offers = {} }
  for k, v in pairs(over or {}) do c[k] = v end
  return c
end

-- One decision: the case before it (nil: a new case), the change it makes, what it delivers.
local function decide(c, etype, data, change, deliver, now_ms, extra)
  S:begin()
  local before = etype ~= "complaint.received" and dashboard.before(c) or nil
  change(c)
  local f = dashboard.record(before, c, etype, data or {}, deliver or {}, extra and extra.observed,
    extra and extra.promises or { kept = 0, broken = 0 }, now_ms)
  S:commit()
  return f
end

describe("redress.dashboard", function()
  it("rolls a case's life up by day and pack, and reads it back exactly", function()
    local a, b = case(), case { id = "C0000000002", pack = { name = "airline", version = "2.0.0" } }
    decide(a, "complaint.received", nil, function(c) c.status = "acknowledged" end, { { type = "acknowledge" } }, T0)
    decide(b, "complaint.received", nil, function(c) c.status = "acknowledged" end, { { type = "acknowledge" } }, T0)
    assert.is_nil(a.first_response_at) -- the acknowledgement at intake is not a first response
    -- a's first response 2 h later, then a second reply that does not count
    -- (what /metrics takes of it: its lines, metrics.decision's form)
    local f = decide(a, "agent.note", nil, function() end, { { type = "message" } }, T0 + 2 * 3600000,
      { promises = { kept = 1, broken = 0 } })
    assert.are.equal("redress_first_response_seconds\tretail\t7200.000", f)
    assert.are.equal("2026-11-20T11:00:00.000Z", a.first_response_at)
    assert.are.equal("", decide(a, "agent.note", nil, function() end, { { type = "message" } }, T0 + 3 * 3600000))
    -- an offer granted, an escalation, a breach on b the next day
    assert.are.equal("redress_compensation_granted_minor_total\tEUR,coupon\t500\n" ..
      "redress_open_cases\tacknowledged,0\t-1\nredress_open_cases\tacknowledged,1\t1",
      decide(b, "timer.fired", nil, function(c)
        c.tier = 1
        c.offers[1] = { kind = "coupon", amount = 500, currency = "EUR", status = "offered" }
      end, {}, T0 + DAY, { observed = { { kind = "breach", target = "first_response" } } }))
    -- a resolved on day 2 and rated; reopened and resolved again: the first resolution counts
    assert.are.equal("redress_resolution_seconds\tretail\t90000.000\nredress_open_cases\tacknowledged,0\t-1",
      decide(a, "case.resolved", nil, function(c) c.status = "resolved" end, {}, T0 + DAY + 3600000))
    assert.are.equal("redress_satisfaction_total\t4\t1",
      decide(a, "satisfaction.reported", { score = 4 }, function() end, {}, T0 + DAY + 7200000))
    decide(a, "case.reopened", nil, function(c) c.status = "reopened" end, {}, T0 + DAY + 7300000)
    assert.is_nil(decide(a, "case.resolved", nil, function(c) c.status = "resolved" end, {}, T0 + DAY + 7400000)
      :match("redress_resolution_seconds"))

    -- the rows: one per day, fields per pack, sorted
    local rows = S:all("meta")
    local keys = {}
    for _, r in ipairs(rows) do keys[#keys + 1] = r[1] end
    assert.are.same({ "rollup:2026-11-20", "rollup:2026-11-21", "rollup_open", "rollup_pinned" }, keys)
    assert.are.equal("complaints|airline\t1\ncomplaints|retail\t1\nfrt_b6|retail\t1\nfrt_ms|retail\t7200000\n" ..
      "frt_n|retail\t1\nkept|retail\t1\n", rows[1][2])
    assert.are.equal("acknowledged:1|airline\t1\n", rows[3][2]) -- a resolved, b escalated
    -- packs: the cases pinned to each version, and those of them open (a resolved, reopened, resolved)
    assert.are.equal("cases|airline@2.0.0\t1\ncases|retail@0.1.0\t1\nopen|airline@2.0.0\t1\n", rows[4][2])
    assert.are.same({ ["airline@2.0.0"] = { cases = 1, open = 1 }, ["retail@0.1.0"] = { cases = 1, open = 0 } }, dashboard.pinned())

    local all = dashboard.figures("2026-11-19", "2026-11-21")
    assert.are.equal(2, all.complaints)
    assert.are.equal(1, all.first_response.count)
    assert.are.equal(7200, all.first_response.mean_seconds)
    -- one observation in (3600, 7200]: histogram_quantile's median is its middle
    assert.are.equal(5400, all.first_response.median_seconds)
    assert.are.equal(1, all.resolution.count)
    assert.are.equal((DAY + 3600000) / 1000, all.resolution.mean_seconds)
    assert.are.same({ count = 1, average = 4, scores = { ["1"] = 0, ["2"] = 0, ["3"] = 0, ["4"] = 1, ["5"] = 0 } }, all.csat)
    assert.are.equal(1, all.sla_breaches)
    assert.are.same({ kept = 1, broken = 0 }, all.promises)
    assert.are.same({ total = 1, by_status = { acknowledged = 1 }, by_tier = { ["1"] = 1 } }, all.open)
    assert.are.same({ EUR = 500 }, all.compensation.totals)
    assert.are.same({ { day = "2026-11-21", currency = "EUR", amount = 500 } }, all.compensation.days)
    assert.are.equal(3, #all.days)
    assert.are.same({ day = "2026-11-19", complaints = 0, first_responses = 0, resolutions = 0, breaches = 0, compensation = {} }, all.days[1])

    local retail = dashboard.figures("2026-11-19", "2026-11-21", "retail")
    assert.are.equal(1, retail.complaints)
    assert.are.equal(0, retail.sla_breaches)
    assert.are.equal(0, retail.open.total)
    assert.are.same({}, retail.compensation.totals)
    -- the window bounds the rows read
    assert.are.equal(0, dashboard.figures("2026-11-22", "2026-11-30").complaints)
    assert.are.equal(json.null, dashboard.figures("2026-11-22", "2026-11-30").first_response.median_seconds)
  end)

  it("interpolates quantiles inside the bucket, as Prometheus' histogram_quantile does", function()
    local counts = { 2, 0, 2 } -- two in (0, 60], two in (300, 900]
    assert.are.equal(60, dashboard.quantile(0.5, counts, 4))
    assert.are.equal(300 + 600 * 0.8, dashboard.quantile(0.9, counts, 4)) -- rank 3.6: 1.6 of the 2 in (300, 900]
    assert.are.equal(30, dashboard.quantile(0.25, counts, 4))
    assert.is_nil(dashboard.quantile(0.5, {}, 0))
    local past = {}
    past[#dashboard.BOUNDS + 1] = 1
    assert.are.equal(dashboard.BOUNDS[#dashboard.BOUNDS], dashboard.quantile(0.5, past, 1))
  end)

  it("answers 422 for a window it would not read in bounded work", function()
    local r = dashboard.get({ from = "2025-01-01", to = "2026-11-30" }, T0)
    assert.are.equal(422, r.status)
    assert.are.equal("from", json.decode(r.body).error.field)
    assert.are.equal(422, dashboard.get({ to = "2026-13-01" }, T0).status)
    r = dashboard.get({}, T0)
    assert.are.equal(200, r.status)
    local d = json.decode(r.body).dashboard
    assert.are.equal("2026-10-22", d.from)
    assert.are.equal("2026-11-20", d.to)
  end)

  it("builds the open-cases row once from the cases, and sets the gauge from it", function()
    local G = F.store()
    package.loaded["redress.store"] = nil
    package.loaded["redress.dashboard"] = nil
    local store = require "redress.store"
    local dash = require "redress.dashboard"
    G:begin()
    for i, st in ipairs { "acknowledged", "resolved", "manual_review", "acknowledged" } do
      store.put_case(case { id = string.format("C%010d", i), status = st, tier = i == 4 and 2 or 0 })
    end
    G:commit()
    G:begin()
    local text = dash.ensure_open(1000)
    G:commit()
    assert.are.equal("acknowledged:0|retail\t1\nacknowledged:2|retail\t1\nmanual_review:0|retail\t1", text)
    assert.are.equal('redress_open_cases\tacknowledged,0\t=1\nredress_open_cases\tacknowledged,2\t=1\n' ..
      'redress_open_cases\tmanual_review,0\t=1', dash.open_gauge_lines(text))
    G:begin()
    assert.are.equal(text .. "\n", dash.ensure_open(1000)) -- kept: not scanned again
    G:commit()
    -- packs: the pinned-cases row, built the same way
    G:begin()
    assert.are.equal("cases|retail@0.1.0\t4\nopen|retail@0.1.0\t3", dash.ensure_pinned(1000))
    G:commit()
    assert.are.same({ ["retail@0.1.0"] = { cases = 4, open = 3 } }, dash.pinned())
  end)
end)
