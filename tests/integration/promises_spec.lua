-- The promise ledger: every date a customer is promised is a concrete date
-- in their language, an entry in case.promises and an engine timer; the
-- next contact keeps it, a missed date breaks it and escalates the case.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"

local PROMPT = [[
local P = {}
function P.on_complaint(case, act)
  act:acknowledge { template = "ack", next_contact = "2s" }
end
function P.on_timer(case, timer, act)
  error("the engine's own timers must not reach the policy")
end
return P
]]

local function metric(d, outcome)
  local _, text = d:get("/metrics", "test-read")
  return tonumber(tostring(text):match('redress_promises_total{outcome="' .. outcome .. '"} (%d+)'))
end

describe("the promise ledger", function()
  local d
  teardown(function() if d then d:cleanup() end end)

  it("writes the promised date, records it, and keeps it at the next contact", function()
    d = H.new()
    d:start()
    local s, res, _, raw = d:post("/v1/complaints", H.complaint { customer = { id = "p-1", name = "Anna" } })
    assert.are.equal(201, s, raw)
    local ack = res.decision.actions[1]
    assert.are.equal("acknowledge", ack.type)
    assert.matches("^%d%d%d%d%-%d%d%-%d%dT", ack.next_contact)
    assert.matches("We will contact you again by %a+ %d+, %d%d%d%d%.", ack.text) -- a date, not "2 business days"
    local pr = res.case.promises[1]
    assert.are.same({ "P1", "next_contact", "open", ack.next_contact }, { pr.id, pr.kind, pr.status, pr.due_at })
    assert.are.equal(ack.next_contact, res.case.timers["redress.promise"].due_at)
    -- the retail calendar's business days: never a Saturday or a Sunday
    local y, m, dd = pr.due_at:match("^(%d+)-(%d+)-(%d+)")
    local wday = os.date("!*t", os.time { year = tonumber(y), month = tonumber(m), day = tonumber(dd), hour = 12 }).wday
    assert.is_true(wday ~= 1 and wday ~= 7, pr.due_at)
    -- the customer replies; the pack answers: the promise is kept
    local s2, r2, _, raw2 = d:post("/v1/cases/" .. res.case.id .. "/events",
      { type = "customer.replied", data = { message = "Any news?" } })
    assert.are.equal(200, s2, raw2)
    assert.are.equal("kept", r2.case.promises[1].status)
    assert.matches("Kept the promise P1", table.concat(r2.decision.trace, " "))
    assert.is_true(metric(d, "kept") >= 1)
    d:cleanup()
    d = nil
  end)

  it("breaks a missed promise: the case is escalated, and no policy runs on the engine's timer", function()
    d = H.new()
    local dir = d:use_pack("prompt", PROMPT,
      'calendar = { zone = "UTC", hours = { weekdays = { { "00:00", "23:59" } }, sat = { { "00:00", "23:59" } }, sun = { { "00:00", "23:59" } } } }')
    d:write_config()
    d:start()
    local s, res, _, raw = d:post("/v1/complaints", H.complaint { customer = { id = "p-2" } })
    assert.are.equal(201, s, raw)
    assert.are.equal("open", res.case.promises[1].status)
    local case
    for _ = 1, 60 do
      H.sleep(0.2)
      local _, got = d:get("/v1/cases/" .. res.case.id, "test-read")
      case = got.case
      if case.promises[1].status ~= "open" then break end
    end
    assert.are.equal("broken", case.promises[1].status)
    assert.are.equal(1, case.tier)
    assert.are.equal("promises", case.escalations[#case.escalations].team)
    assert.is_nil(case.timers["redress.promise"])
    local _, tl = d:get("/v1/cases/" .. res.case.id, "test-read")
    local last = tl.timeline[#tl.timeline]
    assert.are.equal("decided", last.outcome) -- the policy's on_timer (which raises) did not run
    assert.are.equal("engine", last.handler)
    assert.is_true(metric(d, "broken") >= 1)
    assert.is_string(dir)
  end)
end)
