-- redress.memo: a pure function's answers kept per key, within a bound.
local memo = require "redress.memo"

describe("redress.memo", function()
  it("answers each key once from fn, then from what it kept", function()
    local calls = 0
    local upper = memo.of(function(s) calls = calls + 1; return s:upper() end)
    assert.are.equal("FA", upper("fa"))
    assert.are.equal("FA", upper("fa"))
    assert.are.equal("TH", upper("th"))
    assert.are.equal(2, calls)
  end)

  it("keeps at most max keys, starting over when full, and never keeps nil or false keys' nil answers", function()
    local calls = 0
    local f = memo.of(function(k) calls = calls + 1; if k ~= "none" then return k .. "!" end end, 3)
    for _, k in ipairs { "a", "b", "c" } do f(k) end
    assert.are.equal(3, calls)
    f("a"); f("b"); f("c")
    assert.are.equal(3, calls) -- all three kept
    f("d") -- the fourth: the table starts over with d
    f("a")
    assert.are.equal(5, calls)
    assert.is_nil(f("none"))
    assert.is_nil(f("none"))
    assert.are.equal(7, calls) -- a nil answer is asked again
    assert.are.equal(false, memo.of(function() return false end)(0 / 0)) -- a NaN key is answered, not kept
  end)
end)
