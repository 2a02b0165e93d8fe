-- The quarantine (redress.breaker over bindings/breaker.c): closed, open
-- after `after` calls in a row over a limit, one probe when the time is up,
-- back to closed or open again for twice as long.
local breaker = require "redress.breaker"

local S = 1000
local T0 = 1796122851591

describe("redress.breaker", function()
  before_each(function() breaker.reset() end)

  it("quarantines a pack after calls in a row over a limit, and only those", function()
    local b = breaker.new { after = 3, seconds = 10 }
    assert.is_nil(b:record("p@1", T0, "instructions"))
    assert.is_nil(b:record("p@1", T0, nil)) -- a call within its limits starts the count again
    assert.is_nil(b:record("p@1", T0, "error")) -- a plain error is the pack's own problem
    assert.is_nil(b:record("p@1", T0, "memory"))
    assert.is_nil(b:record("p@1", T0, "wall"))
    assert.matches("quarantined until", b:record("p@1", T0, "instructions"))
    local ok, why = b:admit("p@1", T0 + 5 * S)
    assert.is_false(ok)
    assert.matches("the pack p@1 is quarantined until 2026%-12%-01T", why)
    assert.is_true((b:admit("q@1", T0))) -- other packs run
    assert.are.equal("open", b:report()["p@1"].state)
  end)

  it("lets one call through when the time is up: within limits closes, over them doubles the time", function()
    local b = breaker.new { after = 1, seconds = 10, max_seconds = 30 }
    b:record("p@1", T0, "wall")
    assert.is_true((b:admit("p@1", T0 + 10 * S)))  -- the probe
    assert.matches("quarantined", b:record("p@1", T0 + 10 * S, "wall"))
    assert.is_false((b:admit("p@1", T0 + 29 * S))) -- 20 s now
    assert.is_true((b:admit("p@1", T0 + 30 * S)))
    b:record("p@1", T0 + 30 * S, "wall")            -- 40 s, capped at 30
    assert.is_false((b:admit("p@1", T0 + 59 * S)))
    assert.is_true((b:admit("p@1", T0 + 60 * S)))
    assert.matches("out of quarantine", b:record("p@1", T0 + 60 * S, nil))
    assert.is_true((b:admit("p@1", T0 + 60 * S)))
    assert.are.equal("closed", b:report()["p@1"].state)
    assert.are.equal(3, b:report()["p@1"].trips)
  end)
end)
