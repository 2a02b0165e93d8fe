-- The dashboard's figures through redressd (issue 15): complaints, first
-- responses, resolutions, satisfaction scores, offers, promises and an SLA
-- breach go in; GET /v1/dashboard and /metrics must say exactly what was
-- sent, and the open-cases gauge must come back the same after a restart.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"

local POLICY = [[
local sla = require "redress.sla"
local clocks = sla.new { calendar = require("redress.calendar").pack, targets = { quick = "1s" } }
local P = {}
function P.on_complaint(case, act)
  act:acknowledge { template = "ack", next_contact = "2 business days" }
  if case.category == "quick" then clocks:start(case, act, "quick") end
  if case.category == "refund_me" then
    act:offer { kind = "partial_refund", amount = 1500, currency = "EUR", reason = "late" }
  end
end
function P.on_event(case, event, act)
  if event.type == "agent.note" and event.data.note == "reply" then act:message { template = "ack" } end
  if event.type == "agent.note" and event.data.note == "coupon" then
    act:offer { kind = "coupon", amount = 500, currency = "EUR", reason = "sorry" }
    act:offer { kind = "coupon", amount = 700, currency = "GBP", reason = "sorry" }
  end
end
function P.on_timer(case, timer, act)
  local fired = clocks:on_timer(case, timer, act)
  if fired and fired.kind == "breach" then act:escalate { tier = 1, team = "duty", reason = "late" } end
end
return P
]]

-- Sum of the samples of name whose labels contain every string of labels.
local function sample(text, name, labels)
  local total, found = 0, false
  for line in text:gmatch("[^\n]+") do
    local n, lbl, v = line:match("^([%w_:]+)(%b{})%s+(%S+)")
    if not n then n, v = line:match("^([%w_:]+)%s+(%S+)"); lbl = "" end
    if n == name then
      local ok = true
      for _, l in ipairs(labels or {}) do ok = ok and lbl:find(l, 1, true) ~= nil end
      if ok then found, total = true, total + tonumber(v) end
    end
  end
  return found and total or nil
end

local BOUNDS = { 60, 300, 900, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 12 * 3600, 86400, 2 * 86400, 3 * 86400,
  5 * 86400, 7 * 86400, 14 * 86400, 30 * 86400 }

-- The quantile the dashboard reports: Prometheus' histogram_quantile over
-- the same buckets, rounded to milliseconds.
local function quantile(q, values)
  local counts = {}
  for _, v in ipairs(values) do
    for i, b in ipairs(BOUNDS) do if v <= b then counts[i] = (counts[i] or 0) + 1; break end end
  end
  local rank, cum = q * #values, 0
  for i, b in ipairs(BOUNDS) do
    local c = counts[i] or 0
    if c > 0 and cum + c >= rank then
      local lo = i == 1 and 0 or BOUNDS[i - 1]
      return math.floor((lo + (b - lo) * (rank - cum) / c) * 1000 + 0.5) / 1000
    end
    cum = cum + c
  end
end

local function seconds_between(a, b) return (H.parse_time(b) - H.parse_time(a)) / 1000 end

describe("the dashboard's figures", function()
  local d
  setup(function()
    d = H.new()
    d:use_pack("dash", POLICY, 'currency = "EUR"')
    d:write_config()
    d:start()
  end)
  teardown(function() if d then d:cleanup() end end)

  local function event(id, type_, data)
    local s, r, _, raw = d:post("/v1/cases/" .. id .. "/events", { type = type_, data = data }, { token = "test-agent" })
    assert.are.equal(200, s, raw)
    return r.case
  end

  it("match what was sent, on /v1/dashboard and /metrics, across a restart", function()
    local a = d:complain { customer = { id = "d1" } }.case
    local b = d:complain { customer = { id = "d2" }, category = "refund_me" }.case
    local c = d:complain { customer = { id = "d3" } }.case
    local q = d:complain { customer = { id = "d4" }, category = "quick" }.case
    assert.is_nil(a.first_response_at) -- the acknowledgement at intake is not the first response

    -- first responses: a and b; a note that sends nothing is none
    H.sleep(0.3)
    local a1 = event(a.id, "agent.note", { note = "reply" })
    local b1 = event(b.id, "agent.note", { note = "reply" })
    local c1 = event(c.id, "agent.note", { note = "nothing" })
    assert.is_string(a1.first_response_at)
    assert.is_nil(c1.first_response_at)
    assert.are.equal("kept", a1.promises[1].status)
    -- a second reply is not a first response again
    assert.are.equal(a1.first_response_at, event(a.id, "agent.note", { note = "reply" }).first_response_at)
    local frt = { seconds_between(a.opened_at, a1.first_response_at), seconds_between(b.opened_at, b1.first_response_at) }

    -- offers granted by an event: two currencies
    event(c.id, "agent.note", { note = "coupon" })
    -- resolutions, then satisfaction
    local a2 = event(a.id, "case.resolved", { resolution = "sent again" })
    local b2 = event(b.id, "case.resolved", {})
    event(a.id, "case.reopened", {})
    assert.are.equal(a2.resolved_at, event(a.id, "case.resolved", {}).resolved_at) -- the first resolution counts
    local ttr = { seconds_between(a.opened_at, a2.resolved_at), seconds_between(b.opened_at, b2.resolved_at) }
    event(a.id, "satisfaction.reported", { score = 5 })
    event(b.id, "satisfaction.reported", { score = 2 })
    event(c.id, "satisfaction.reported", { score = 5 })

    -- the quick clock of q breaches (its timer escalates to tier 1)
    local deadline, qc = H.now() + 8, nil
    repeat
      H.sleep(0.2)
      _, qc = d:get("/v1/cases/" .. q.id, "test-read")
    until qc.case.tier == 1 or H.now() > deadline
    assert.are.equal(1, qc.case.tier)

    local today = H.format_time(math.floor(H.now() * 1000)):sub(1, 10)
    local s, r = d:get("/v1/dashboard?pack=dash&from=" .. today .. "&to=" .. today, "test-read")
    assert.are.equal(200, s)
    local f = r.dashboard
    assert.are.equal(4, f.complaints)
    assert.are.equal(2, f.first_response.count)
    assert.are.equal(quantile(0.5, frt), f.first_response.median_seconds)
    assert.are.equal(quantile(0.9, frt), f.first_response.p90_seconds)
    assert.are.equal(2, f.first_response.buckets[1].count)
    assert.are.equal(2, f.resolution.count)
    assert.are.equal(quantile(0.5, ttr), f.resolution.median_seconds)
    assert.are.equal(quantile(0.9, ttr), f.resolution.p90_seconds)
    assert.are.same({ count = 3, average = 4, scores = { ["1"] = 0, ["2"] = 1, ["3"] = 0, ["4"] = 0, ["5"] = 2 } }, f.csat)
    assert.are.equal(1, f.sla_breaches)
    assert.are.same({ kept = 2, broken = 0 }, f.promises)
    -- open now: c (acknowledged, 0) and q (acknowledged, tier 1); a and b resolved
    assert.are.same({ total = 2, by_status = { acknowledged = 2 }, by_tier = { ["0"] = 1, ["1"] = 1 } }, f.open)
    assert.are.same({ EUR = 2000, GBP = 700 }, f.compensation.totals)
    assert.are.same({ { day = today, currency = "EUR", amount = 2000 }, { day = today, currency = "GBP", amount = 700 } },
      f.compensation.days)
    assert.are.equal(1, #f.days)
    assert.are.same({ day = today, complaints = 4, first_responses = 2, resolutions = 2, breaches = 1,
      compensation = { EUR = 2000, GBP = 700 } }, f.days[1])
    -- all packs: the same (one pack); another pack: nothing
    local _, all = d:get("/v1/dashboard?from=" .. today .. "&to=" .. today, "test-agent")
    assert.are.equal(4, all.dashboard.complaints)
    local _, none = d:get("/v1/dashboard?pack=retail&from=" .. today .. "&to=" .. today, "test-read")
    assert.are.equal(0, none.dashboard.complaints)
    assert.are.equal(0, none.dashboard.open.total)
    -- the default window: the last 30 days up to today
    local _, def = d:get("/v1/dashboard", "test-read")
    assert.are.equal(today, def.dashboard.to)
    assert.are.equal(30, #def.dashboard.days)
    assert.are.equal(4, def.dashboard.complaints)

    local _, text = d:request("GET", "/metrics", { token = "test-read" })
    assert.are.equal(2, sample(text, "redress_first_response_seconds_count", { 'pack="dash"' }))
    assert.are.equal(string.format("%.3f", frt[1] + frt[2]),
      string.format("%.3f", sample(text, "redress_first_response_seconds_sum", { 'pack="dash"' })))
    assert.are.equal(2, sample(text, "redress_resolution_seconds_count", { 'pack="dash"' }))
    assert.are.equal(2, sample(text, "redress_satisfaction_total", { 'score="5"' }))
    assert.are.equal(1, sample(text, "redress_satisfaction_total", { 'score="2"' }))
    assert.are.equal(0, sample(text, "redress_satisfaction_total", { 'score="3"' }))
    assert.are.equal(1500, sample(text, "redress_compensation_granted_minor_total", { 'currency="EUR"', 'kind="partial_refund"' }))
    assert.are.equal(500, sample(text, "redress_compensation_granted_minor_total", { 'currency="EUR"', 'kind="coupon"' }))
    assert.are.equal(700, sample(text, "redress_compensation_granted_minor_total", { 'currency="GBP"', 'kind="coupon"' }))
    assert.are.equal(1, sample(text, "redress_open_cases", { 'status="acknowledged"', 'tier="0"' }))
    assert.are.equal(1, sample(text, "redress_open_cases", { 'status="acknowledged"', 'tier="1"' }))
    assert.are.equal(2, sample(text, "redress_open_cases"))
    assert.are.equal(1, sample(text, "redress_sla_breaches_total", { 'target="quick"' }))
    assert.are.equal(2, sample(text, "redress_promises_total", { 'outcome="kept"' }))

    -- a restart: the gauge is read back from the store, the rest starts again
    d:restart()
    _, text = d:request("GET", "/metrics", { token = "test-read" })
    assert.are.equal(2, sample(text, "redress_open_cases"))
    assert.are.equal(1, sample(text, "redress_open_cases", { 'status="acknowledged"', 'tier="1"' }))
    event(c.id, "case.resolved", {})
    _, text = d:request("GET", "/metrics", { token = "test-read" })
    assert.are.equal(1, sample(text, "redress_open_cases"))
    local _, after = d:get("/v1/dashboard?from=" .. today .. "&to=" .. today, "test-read")
    assert.are.equal(1, after.dashboard.open.total)
    assert.are.equal(3, after.dashboard.resolution.count)
  end)

  it("refuses a window it cannot read in bounded work, and roles without read", function()
    local function refused(path, token, ...) local st, body = d:get(path, token); H.assert_error(st, body, ...) end
    refused("/v1/dashboard?from=2024-01-01&to=2026-01-01", "test-read", 422, "validation_failed", "from")
    refused("/v1/dashboard?from=2026-02-01&to=2026-01-01", "test-read", 422, "validation_failed", "from")
    refused("/v1/dashboard?to=yesterday", "test-read", 422, "validation_failed", "to")
    refused("/v1/dashboard?form=2026-01-01", "test-read", 422, "validation_failed")
    refused("/v1/dashboard", "test-intake", 403, "forbidden")
    local s, r = d:get("/v1/dashboard?from=2025-12-01&to=2026-11-30", "test-read")
    assert.are.equal(200, s, H.json.encode(r))
    assert.are.equal(365, #r.dashboard.days)
  end)
end)
