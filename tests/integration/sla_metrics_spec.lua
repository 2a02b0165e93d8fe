-- SLA clocks in the daemon: the breach timer fires, the case shows the clock,
-- and /metrics counts time to stop and breaches by target.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"

describe("SLA clocks in the daemon", function()
  local d
  setup(function()
    d = H.new()
    d.config.packs = { H.root .. "/tests/fixtures/packs/support" }
    d.config.default_pack = "support"
    d:write_config()
    d:start()
  end)
  teardown(function() if d then d:cleanup() end end)

  it("shows the clock, breaches it on time and counts it", function()
    local _, met = d:post("/v1/complaints", H.complaint { category = "quick", customer = { id = "q1" } })
    local _, late = d:post("/v1/complaints", H.complaint { category = "quick", customer = { id = "q2" } })
    assert.are.equal("running", late.case.sla.quick.state)
    local s, stopped = d:post("/v1/cases/" .. met.case.id .. "/events", { type = "agent.note", data = { note = "done" } })
    assert.are.equal(200, s)
    assert.are.equal("met", stopped.case.sla.quick.state)

    local deadline = H.now() + 6
    local c
    repeat
      H.sleep(0.2)
      _, c = d:get("/v1/cases/" .. late.case.id, "test-read")
    until c.case.sla.quick.state == "breached" or H.now() > deadline
    assert.are.equal("breached", c.case.sla.quick.state)
    assert.are.equal(2, c.case.tier)

    local _, text = d:request("GET", "/metrics", { token = "test-read" })
    assert.matches('redress_sla_seconds_count{target="quick"} 1', text, 1, true)
    assert.matches('redress_sla_breaches_total{target="quick"} 1', text, 1, true)
  end)
end)
