-- A complaint's industry facts over HTTP: checked against the deciding
-- pack's details schema at intake, stored with the case, read by the policy;
-- a wrong detail is a 422 naming it and writes nothing.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"

local POLICY = [[
local P = {}
function P.on_complaint(case, act)
  act:acknowledge { template = "ack" }
  if (case.details.delay_minutes or 0) >= 180 then
    act:offer { kind = "compensation", amount = 40000, currency = "EUR", reason = "arrival delay of 3 hours or more" }
  end
end
return P
]]

local SCHEMA = [[details = {
  flight = { type = "string", required = true, max_len = 8 },
  delay_minutes = { type = "integer", min = 0 },
  kind = { type = "string", one_of = { "delay", "cancellation" } },
}]]

describe("complaint details", function()
  local d
  setup(function()
    d = H.new()
    d:use_pack("air", POLICY, SCHEMA)
    d:write_config()
    d:start()
  end)
  teardown(function() if d then d:cleanup() end end)

  local function count()
    local _, res = d:get("/v1/cases", "test-read")
    return #res.cases
  end

  it("stores valid details with the case and lets the policy decide on them", function()
    local s, res, _, raw = d:post("/v1/complaints", H.complaint {
      details = { flight = "XY123", delay_minutes = 200, kind = "delay" } })
    assert.are.equal(201, s, raw)
    assert.are.same({ flight = "XY123", delay_minutes = 200, kind = "delay" }, res.case.details)
    assert.are.equal("compensation", res.case.offers[1].kind)
    assert.are.equal(40000, res.case.offers[1].amount)
    local _, again = d:get("/v1/cases/" .. res.case.id, "test-read")
    assert.are.equal(200, again.case.details.delay_minutes)
  end)

  for _, c in ipairs {
    { "a missing required detail", { delay_minutes = 10 }, "details.flight", "required" },
    { "an undeclared detail", { flight = "XY1", seat = "12A" }, "details.seat", "is not a detail the pack air takes" },
    { "a wrong type", { flight = "XY1", delay_minutes = "late" }, "details.delay_minutes", "integer" },
    { "a value out of range", { flight = "XY1", delay_minutes = -5 }, "details.delay_minutes", "at least 0" },
    { "a value outside one_of", { flight = "XY1", kind = "strike" }, "details.kind", "one of" },
  } do
    it("refuses " .. c[1] .. " with a 422 naming it, writing nothing", function()
      local before = count()
      local s, res, _, raw = d:post("/v1/complaints", H.complaint { details = c[2] },
        { headers = { ["Idempotency-Key"] = "details-" .. c[1]:gsub(" ", "-") } })
      assert.are.equal(422, s, raw)
      assert.are.equal("validation_failed", res.error.code)
      assert.are.equal(c[3], res.error.field)
      assert.matches(c[4], res.error.message)
      assert.are.equal(before, count())
      -- the key was not spent: the same key with a corrected body goes through
      local s2, _, _, raw2 = d:post("/v1/complaints", H.complaint { details = { flight = "XY1" } },
        { headers = { ["Idempotency-Key"] = "details-" .. c[1]:gsub(" ", "-") } })
      assert.are.equal(201, s2, raw2)
    end)
  end
end)
