-- rd.copy: the deep copy of a case a policy gets (pack.deep_copy).
local rd = require "rd"

describe("rd.copy", function()
  it("copies tables all the way down, so changing the copy leaves the original", function()
    local case = { id = "C1", customer = { id = "c", tags = { "a", "b" } }, offers = { { amount = 5 } }, n = 3, ok = true }
    local c = rd.copy(case)
    assert.are.same(case, c)
    c.customer.tags[1] = "x"
    c.offers[1].amount = 9
    c.new = 1
    assert.are.equal("a", case.customer.tags[1])
    assert.are.equal(5, case.offers[1].amount)
    assert.is_nil(case.new)
    assert.are_not.equal(case.customer, c.customer)
  end)

  it("gives other values back as they are, and drops metatables", function()
    assert.are.equal("s", rd.copy("s"))
    assert.are.equal(4, rd.copy(4))
    local t = setmetatable({ 1 }, { __index = function() return "hidden" end })
    assert.is_nil(getmetatable(rd.copy(t)))
  end)

  it("refuses a cycle instead of running forever", function()
    local t = {}
    t.self = t
    assert.has_error(function() rd.copy(t) end, "rd.copy: nested deeper than 200 (a cycle?)")
  end)
end)
