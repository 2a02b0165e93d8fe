-- rd.copy: the deep copy of a case a policy gets (pack.deep_copy).
local rd = require "rd"

describe("rd.copy", function()
  it("copies tables all the way down, so changing the copy leaves the original", function()
    local case = { id = "C1", customer = { id = "c", tags = { "a", "b" } }, offers = { { amount = 5 } }, n = 3, ok = true,
      details = {}, facts = { nested = {}, [1] = "one", [3] = "three" }, timers = { {}, {} } }
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

-- rd.is_plain: whether what a policy passed to an act method is data, so
-- that the method may run outside the count hook (act.lua); anything that
-- could run a policy's code makes it say no.
describe("rd.is_plain", function()
  local LOOP = function() while true do end end
  local trusted_mt = { __index = {} }
  local TRUSTED = { [trusted_mt] = true }

  it("says yes to data, all the way down", function()
    assert.is_true(rd.is_plain({ kind = "coupon", amount = 500, vars = { name = "Анна", n = 1.5, ok = true },
      tags = { "a", "b" }, [1] = "x", [true] = 1 }, TRUSTED))
    assert.is_true(rd.is_plain("s"))
    assert.is_true(rd.is_plain(nil))
    assert.is_true(rd.is_plain(false))
  end)

  it("says no to functions, policy metatables and odd keys, at any depth, without calling them", function()
    local hits = 0
    local proxy = setmetatable({}, { __index = function() hits = hits + 1 end, __pairs = LOOP, __len = LOOP })
    for _, v in ipairs {
      LOOP, { f = LOOP }, proxy, { deep = { deeper = { proxy } } }, { [{}] = 1 }, { [LOOP] = 1 },
      coroutine.create(LOOP), setmetatable({}, { __metatable = false }), io.stdout,
    } do
      assert.is_false(rd.is_plain(v, TRUSTED))
    end
    assert.are.equal(0, hits)
  end)

  it("says yes to a trusted metatable, and still looks at what the object holds", function()
    local m = setmetatable({ amount = 500, currency = "EUR" }, trusted_mt)
    assert.is_true(rd.is_plain({ total = m }, TRUSTED))
    m.amount = setmetatable({}, { __index = LOOP })
    assert.is_false(rd.is_plain({ total = m }, TRUSTED))
    assert.is_false(rd.is_plain(setmetatable({}, trusted_mt))) -- no trusted set given
  end)

  it("says no to a cycle or deep nesting instead of running forever", function()
    local t = {}
    t.self = t
    assert.is_false(rd.is_plain(t))
    local deep = {}
    for _ = 1, 40 do deep = { deep } end
    assert.is_false(rd.is_plain(deep))
  end)

  it("charges what it looks at to the running sandbox call", function()
    local big = {}
    for i = 1, 20000 do big[i] = "x" end
    local ok, err, kind = rd.sandbox_call(function() return rd.is_plain(big) end, { policy_instructions = 50000 })
    assert.is_false(ok)
    assert.are.equal("instructions", kind, err)
    assert.is_true((rd.sandbox_call(function() return rd.is_plain(big) end, { policy_instructions = 200000 })))
  end)
end)

-- rd.restore_fields: what sandbox.freeze puts back after every call in the
-- tables a pack reaches but cannot freeze (its environment, stdlib objects).
describe("rd.restore_fields", function()
  it("puts changed, removed and added fields back to the snapshot, with raw access", function()
    local calls = 0
    local mt = { __index = function() calls = calls + 1 end, __newindex = function() calls = calls + 1 end }
    local a = setmetatable({ x = 1, y = "two", z = true }, mt)
    local b = { 1, 2 }
    local list = { a, { "x", 1, "y", "two", "z", true, open = true }, b, { 1, 1, 2, 2, open = true } }
    rd.restore_fields(list) -- nothing changed
    rawset(a, "x", 9); rawset(a, "y", nil); rawset(a, "added", {}); rawset(a, "more", 1)
    b[3] = 3; b[1] = "one"
    rd.restore_fields(list)
    assert.are.same({ x = 1, y = "two", z = true }, setmetatable(a, nil))
    assert.are.same({ 1, 2 }, b)
    assert.are.equal(0, calls)
  end)
end)

describe("rd.copy of a big table", function()
  it("copies more entries than it keeps on the stack at once", function()
    local t = { nested = {} }
    for i = 1, 3000 do t["k" .. i] = i; t.nested[i] = { i } end
    local c = rd.copy(t)
    assert.are.same(t, c)
    local big = {}
    for i = 1, 600000 do big[i] = i end
    assert.are.equal(600000, #rd.copy(big))
  end)
end)
