-- Budget caps from config turn an over-cap offer into a request for
-- approval; approval.granted issues it, approval.denied drops it. And what a
-- policy sees: the case view (now, history, customer summary) and the
-- read-only queries.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"

local POLICY = [[
local q = require "redress.query"
local P = {}
function P.on_complaint(case, act)
  act:acknowledge { template = "ack" }
  if case.order and case.order.amount then
    act:offer { kind = "partial_refund", amount = case.order.amount // 2, reason = "goodwill" }
  end
  local mine = q.customer_cases(case.customer.id)
  local open = q.open_cases { category = case.category }
  act:set { facts = {
    now = case.now, now_iso = case.now_iso, history = #case.history,
    complaints_365d = case.customer_summary.complaints_365d,
    open_cases = case.customer_summary.open_cases,
    comp_eur = case.customer_summary.compensation_365d.EUR or 0,
    seen_cases = #mine, open_same_category = #open,
  } }
end
function P.on_event(case, event, act)
  act:set { facts = { history_on_event = #case.history, last = case.history[#case.history].type,
    decisions_on_event = #case.decisions, first_outcome = case.decisions[1].outcome,
    first_action = case.decisions[1].actions[1] } }
end
return P
]]

describe("budgets and the case view", function()
  local d
  setup(function()
    d = H.new()
    d:use_pack("budget", POLICY, 'currency = "EUR"')
    d.config.budgets = { per_case = { EUR = 3000 }, per_customer_365d = { EUR = 5000 }, per_day = { EUR = 9000 } }
    d:write_config()
    d:start()
  end)
  teardown(function() if d then d:cleanup() end end)

  local function complain(cust, amount)
    return d:complain { customer = { id = cust }, order = { id = "A", amount = amount, currency = "EUR" } }
  end

  local held
  it("offers within every cap", function()
    local res = complain("cust-a", 4000)   -- 20.00
    assert.are.equal(1, #res.case.offers)
    assert.are.equal(2000, res.case.offers[1].amount)
    assert.are.equal(0, #res.case.approvals)
  end)

  it("holds an offer over the per-case cap for approval, and says why", function()
    local res = complain("cust-b", 8000)   -- 40.00 > 30.00 per case
    assert.are.equal(0, #res.case.offers)
    assert.are.equal(1, #res.case.approvals)
    assert.are.equal("pending", res.case.approvals[1].status)
    assert.matches("per%-case budget of 30.00 EUR", res.case.approvals[1].reason)
    local codes = {}
    for _, e in ipairs(res.decision.explanation) do codes[e.code] = true end
    assert.is_true(codes["guardrail.budget"])
    assert.matches("Guardrail: held the partial refund of 40.00 EUR", table.concat(res.decision.trace, " "))
    held = res.case.id
    local _, ob = d:get("/v1/outbox", "test-agent")
    local types = {}
    for _, it in ipairs(ob.items) do if it.case_id == held then types[#types + 1] = it.type end end
    assert.are.same({ "acknowledge", "request_approval" }, types)
  end)

  it("approval.granted issues the held offer", function()
    local s, res = d:post("/v1/cases/" .. held .. "/events", { type = "approval.granted", data = { approval_id = "A1" } })
    assert.are.equal(200, s)
    assert.are.equal("granted", res.case.approvals[1].status)
    assert.are.equal(4000, res.case.offers[1].amount)
    assert.matches("Approval A1 granted", table.concat(res.decision.trace, " "))
  end)

  it("holds an offer over the customer's 365-day budget", function()
    complain("cust-c", 6000)            -- 30.00 granted
    local res = complain("cust-c", 5000) -- 25.00 more: 55.00 > 50.00
    assert.are.equal(0, #res.case.offers)
    assert.matches("customer's budget of 50.00 EUR in 365 days", res.case.approvals[1].reason)
    local s, den = d:post("/v1/cases/" .. res.case.id .. "/events", { type = "approval.denied" })
    assert.are.equal(200, s)
    assert.are.equal("denied", den.case.approvals[1].status)
    assert.are.equal(0, #den.case.offers)
  end)

  it("holds offers past the installation's daily budget", function()
    -- granted today so far: 20 + 40 + 30 = 90.00 EUR = the whole per-day cap
    local res = complain("cust-d", 200)
    assert.are.equal(0, #res.case.offers)
    assert.matches("today's budget of 90.00 EUR", res.case.approvals[1].reason)
  end)

  it("shows the policy the time, the history and the customer's summary", function()
    local res = complain("cust-c", 0)
    local f = res.case.facts
    assert.are.equal(res.case.opened_at, f.now_iso)
    assert.are.equal(H.parse_time(res.case.opened_at), f.now)
    assert.are.equal(0, f.history)
    assert.are.equal(2, f.complaints_365d)      -- cust-c's two earlier cases
    assert.are.equal(3000, f.comp_eur)          -- only the granted offer counts
    assert.are.equal(2, f.seen_cases)           -- the case being decided is not stored yet
    assert.is_true(f.open_same_category >= 3)
    local s, ev = d:post("/v1/cases/" .. res.case.id .. "/events", { type = "agent.note", data = { note = "hi" } })
    assert.are.equal(200, s)
    assert.are.equal(1, ev.case.facts.history_on_event)   -- complaint.received so far
    assert.are.equal("complaint.received", ev.case.facts.last)
    assert.are.equal(1, ev.case.facts.decisions_on_event)
    assert.are.equal("decided", ev.case.facts.first_outcome)
    assert.are.equal("acknowledge", ev.case.facts.first_action)
  end)
end)

-- The day's budget is a running count that granting decisions add to
-- without checking it; the writer holds the cap where they meet
-- (store.at_most). Decided side by side, they must still grant exactly what
-- fits, and hold the rest for approval.
describe("the daily budget under concurrent complaints", function()
  local d
  setup(function()
    d = H.new()
    d:use_pack("budget", POLICY, 'currency = "EUR"')
    d.config.budgets = { per_day = { EUR = 10000 } } -- room for ten offers of 10.00
    d:write_config()
    d:start()
  end)
  teardown(function() if d then d:cleanup() end end)

  it("grants exactly what fits, however many are decided at once", function()
    local N, bodies = 80, {}
    for i = 1, N do -- an offer of 10.00 each
      bodies[i] = H.complaint { customer = { id = "day-" .. i }, order = { id = "D-" .. i, amount = 2000, currency = "EUR" } }
    end
    -- 40 at a time, on the daemon's 2 decision workers
    local codes = d:complain_at_once(bodies, 40)
    assert.are.same({ ["201"] = N }, codes)
    local granted, held = 0, 0
    for _, c in ipairs(d:all_cases()) do
      for _, o in ipairs(c.offers) do granted = granted + o.amount end
      for _, a in ipairs(c.approvals) do
        held = held + 1
        assert.matches("today's budget of 100.00 EUR", a.reason)
      end
    end
    assert.are.same({ 10000, N - 10 }, { granted, held })
  end)
end)
