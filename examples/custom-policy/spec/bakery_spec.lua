local T = require "redress.testing"
local pack = T.pack(os.getenv("REDRESS_PACK"))

describe("bakery", function()
  it("gives a coupon for stale bread, in Thai for a Thai customer", function()
    local r = pack:complaint(T.complaint { category = "stale_bread", language = "th", order = false })
    assert.equal(300, r:offer().amount)
    assert.equal("th", r:action("acknowledge").language)
  end)

  it("escalates a complaint made in public", function()
    local r = pack:complaint(T.complaint { channel = "social", category = "other" })
    assert.equal("owner", r:action("escalate").team)
    assert.is_nil(r:offer())
  end)
end)
