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

-- rd.plain: the raw copy the act methods work on outside the count hook
-- (act.lua); anything that could run a policy's code makes it give up.
describe("rd.plain", function()
  local LOOP = function() while true do end end
  local trusted_mt = { __index = {} }
  local TRUSTED = { [trusted_mt] = true }

  it("copies data with raw reads, all the way down", function()
    local spec = { kind = "coupon", amount = 500, vars = { name = "Анна", n = 1.5, ok = true }, tags = { "a", "b" } }
    local ok, c = rd.plain(spec, TRUSTED)
    assert.is_true(ok)
    assert.are.same(spec, c)
    assert.are_not.equal(spec.vars, c.vars)
    assert.are.same({ true, "s" }, { rd.plain("s") })
    assert.are.same({ true, nil }, { rd.plain(nil) })
  end)

  it("gives up on functions, policy metatables and odd keys, at any depth, without calling them", function()
    local hits = 0
    local proxy = setmetatable({}, { __index = function() hits = hits + 1 end, __pairs = LOOP, __len = LOOP })
    for _, v in ipairs {
      LOOP, { f = LOOP }, proxy, { deep = { deeper = { proxy } } }, { [{}] = 1 }, { [LOOP] = 1 },
      coroutine.create(LOOP), setmetatable({}, { __metatable = false }),
    } do
      assert.are.same({ false }, { rd.plain(v, TRUSTED) })
    end
    assert.are.equal(0, hits)
  end)

  it("keeps a trusted metatable on the copy, and still copies what the object holds", function()
    local m = setmetatable({ amount = 500, currency = "EUR" }, trusted_mt)
    local ok, c = rd.plain({ total = m }, TRUSTED)
    assert.is_true(ok)
    assert.are.equal(trusted_mt, getmetatable(c.total))
    assert.are_not.equal(m, c.total)
    m.amount = setmetatable({}, { __index = LOOP })
    assert.are.same({ false }, { rd.plain({ total = m }, TRUSTED) })
    assert.are.same({ false }, { rd.plain(setmetatable({}, trusted_mt)) }) -- no trusted set given
  end)

  it("gives up on a cycle or deep nesting instead of running forever", function()
    local t = {}
    t.self = t
    assert.are.same({ false }, { rd.plain(t) })
    local deep = {}
    for _ = 1, 40 do deep = { deep } end
    assert.are.same({ false }, { rd.plain(deep) })
  end)

  it("charges what it copies to the running sandbox call", function()
    local big = {}
    for i = 1, 20000 do big[i] = "x" end
    local ok, err, kind = rd.sandbox_call(function() return rd.plain(big) end, { policy_instructions = 50000 })
    assert.is_false(ok)
    assert.are.equal("instructions", kind, err)
    assert.is_true((rd.sandbox_call(function() return rd.plain(big) end, { policy_instructions = 200000 })))
  end)
end)
