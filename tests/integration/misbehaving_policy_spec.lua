-- A policy that loops forever, allocates without end, returns a malformed
-- action or breaks an engine rule: each is stopped and recorded on its case
-- (policy_error with the message), and the daemon keeps serving.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"

local POLICY = [[
local P = {}
function P.on_complaint(case, act)
  if case.category == "loop" then
    while true do end
  elseif case.category == "swallow" then
    while true do pcall(function() while true do end end) end
  elseif case.category == "memory" then
    local t = {}
    for i = 1, 1e9 do t[i] = string.rep("x", 1024) .. i end
  elseif case.category == "malformed" then
    act:offer { kind = "cash", amount = 100 }
  elseif case.category == "currency" then
    act:offer { kind = "refund", amount = 100, currency = "USD" }
  elseif case.category == "global" then
    return undefined_helper(case)
  elseif case.category == "overrefund" then
    act:offer { kind = "refund", amount = 999999 }
  end
  act:acknowledge { template = "ack" }
end
return P
]]

describe("misbehaving policy", function()
  local d
  setup(function()
    d = H.new()
    d:use_pack("wild", POLICY, 'currency = "EUR"')
    d.config.limits = { policy_instructions = 2000000, policy_memory = 16 * 1024 * 1024 }
    d:write_config()
    d:start()
  end)
  teardown(function() if d then d:cleanup() end end)

  local function complain(category)
    return d:complain { category = category, customer = { id = "c-" .. category },
      order = { id = "A", amount = 5000, currency = "EUR" } }
  end

  local expected = {
    loop = "%[instructions%] instruction budget exhausted",
    swallow = "%[instructions%] instruction budget exhausted",
    memory = "%[memory%] memory limit exceeded",
    malformed = "wild/policy.lua:11: offer: kind must be one of",
    currency = "a refund must be in the order's currency EUR, not USD",
    global = "wild/policy.lua:15: undeclared global 'undefined_helper'",
  }
  for category, pattern in pairs(expected) do
    it("records " .. category .. " as a policy error and keeps serving", function()
      local res = complain(category)
      assert.are.equal("policy_error", res.decision.outcome)
      assert.matches(pattern, res.decision.error)
      assert.are.equal("manual_review", res.case.status)
      assert.are.equal(0, #res.case.offers)
      -- the daemon still answers, and a healthy complaint is still decided
      assert.are.equal(200, (d:get("/healthz")))
      local ok = complain("fine")
      assert.are.equal("decided", ok.decision.outcome)
    end)
  end

  it("caps a refund at what was paid and says so", function()
    local res = complain("overrefund")
    assert.are.equal("decided", res.decision.outcome)
    assert.are.equal(5000, res.case.offers[1].amount)
    local found = false
    for _, e in ipairs(res.decision.explanation) do
      if e.code == "guardrail.refund_capped" then found = true end
    end
    assert.is_true(found)
  end)
end)
