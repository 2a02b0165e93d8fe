-- The case view a policy gets (rd.view, bindings/view.c): copied as the
-- policy reads it, and indistinguishable from a whole copy — the policy's
-- changes stay in the view, every field reads as the case's until the
-- policy changes it, and walking it (pairs, the sandbox's next, rawget,
-- rawset) shows every field.
local root = os.getenv("REDRESS_ROOT") or "."
local F = dofile(root .. "/tests/lua/fixture.lua")
F.store()
local rd = require "rd"
local sandbox = require "redress.sandbox"
local json = require "redress.json"

local function a_case()
  return { id = "C0000000007", category = "late_delivery", events = 3, language = "th",
    customer = { id = "c-1", name = "สมชาย" }, order = { amount = 4999, currency = "EUR", items = { { sku = "a" } } },
    offers = { { id = "O1", amount = 500, status = "offered" } }, tags = {}, facts = { ["sla.x.started"] = 1 } }
end

local function keys_of(t, walk)
  local keys = {}
  for k in walk(t) do keys[#keys + 1] = k end
  table.sort(keys)
  return table.concat(keys, " ")
end

describe("rd.view", function()
  it("reads every field as the case holds it", function()
    local case = a_case()
    local v = rd.view(case)
    assert.are.equal("late_delivery", v.category)
    assert.are.equal(3, v.events)
    assert.are.equal("สมชาย", v.customer.name)
    assert.are.equal(4999, v.order.amount)
    assert.are.equal("a", v.order.items[1].sku)
    assert.is_nil(v.wants)
    assert.are.same(case.offers, v.offers)
  end)

  it("gives a copy of a table field, the same one on every read", function()
    local case = a_case()
    local v = rd.view(case)
    assert.are_not.equal(case.order, v.order)
    assert.are.equal(v.order, v.order)
    assert.are.equal(v.order.items, v.order.items)
    v.order.amount = 1
    v.order.items[1].sku = "changed"
    table.insert(v.offers, { id = "O2" })
    assert.are.equal(1, v.order.amount)
    assert.are.equal("changed", v.order.items[1].sku)
    assert.are.equal(2, #v.offers)
    assert.are.same(a_case(), case) -- nothing reached the case
  end)

  it("keeps what the policy sets or deletes, and the case as it was", function()
    local case = a_case()
    local v = rd.view(case)
    v.category, v.customer, v.extra, v.wants = "other", nil, { n = 1 }, nil
    assert.are.equal("other", v.category)
    assert.is_nil(v.customer)
    assert.are.equal(1, v.extra.n)
    assert.is_nil(v.wants)
    v.category, v.extra = nil, nil -- set first, deleted after: gone, not the case's again
    assert.is_nil(v.category)
    assert.is_nil(v.extra)
    local order = v.order
    v.order = nil -- read first, deleted after
    assert.is_nil(v.order)
    v.order = order
    assert.are.equal(order, v.order)
    assert.are.same(a_case(), case)
  end)

  it("is walked whole by pairs, and whole by the sandbox's next, rawget and rawset", function()
    local whole = "category customer events facts id language offers order tags"
    assert.are.equal(whole, keys_of(rd.view(a_case()), pairs))
    local env = sandbox.env({})
    local function by_next(t)
      return function(_, k) return env.next(t, k) end, t, nil
    end
    assert.are.equal(whole, keys_of(rd.view(a_case()), by_next))
    local v = rd.view(a_case())
    assert.are.equal(4999, env.rawget(v, "order").amount)
    assert.are.equal("late_delivery", env.rawget(v, "category"))
    v = rd.view(a_case())
    env.rawset(v, "category", "x")
    assert.are.equal("x", v.category)
    assert.are.equal("สมชาย", v.customer.name)
    -- a policy's deletions and additions are what the walk shows
    v = rd.view(a_case())
    v.tags, v.mine = nil, true
    assert.are.equal("category customer events facts id language mine offers order", keys_of(v, pairs))
    -- a walk after reads and changes: the copies read before are the ones walked
    v = rd.view(a_case())
    local order = v.order
    order.amount = 2
    for k, x in pairs(v) do if k == "order" then assert.are.equal(order, x) end end
    assert.are.equal(2, v.order.amount)
  end)

  it("keeps its metatable and the case out of the policy's reach", function()
    local v = rd.view(a_case())
    assert.are.equal("the case view", getmetatable(v))
    assert.has_error(function() setmetatable(v, {}) end, "cannot change a protected metatable")
    local env = sandbox.env({})
    assert.has_error(function() env.setmetatable(v, {}) end, "cannot change a protected metatable")
  end)

  it("loads what its filler provides when one of its keys is read or the view is walked", function()
    local calls = 0
    local function fill(t)
      calls = calls + 1
      if rawget(t, "history") == nil then rawset(t, "history", { "h" }) end
    end
    local v = rd.view(a_case(), fill, "history")
    assert.is_nil(v.wants) -- not one of its keys: no load
    assert.are.equal(0, calls)
    assert.are.equal("h", v.history[1])
    assert.are.equal(1, calls)
    v.history = nil -- dropped by the policy: read again, loaded again
    assert.are.equal("h", v.history[1])
    assert.are.equal(2, calls)
    v = rd.view(a_case(), fill, "history")
    assert.matches(" history ", " " .. keys_of(v, pairs) .. " ", 1, true)
  end)

  it("encodes as the case when walked first (a policy's json of its case)", function()
    local case = a_case()
    local v = rd.view(case)
    local copy = {}
    for k, x in pairs(v) do copy[k] = x end
    assert.are.equal(json.encode(case), json.encode(copy))
  end)

  it("copies outside the policy's memory cap: a large case costs the policy nothing to read", function()
    local case = a_case()
    for i = 1, 20000 do case.offers[i] = { id = "O" .. i, amount = i, status = "offered", note = string.rep("x", 40) } end
    local v = rd.view(case)
    local ok, n = rd.sandbox_call(function(c) return #c.offers end, { policy_memory = 256 * 1024 }, v)
    assert.is_true(ok, tostring(n))
    assert.are.equal(20000, n)
    -- the cap still holds what the policy itself makes
    local ok2, err, kind = rd.sandbox_call(function(c)
      local t = {}
      for i = 1, 1e6 do t[i] = c.offers[i % 100 + 1].note .. i end
    end, { policy_memory = 256 * 1024 }, v)
    assert.is_false(ok2)
    assert.are.equal("memory", kind, err)
  end)

  it("puts the memory cap back when a copy fails", function()
    local case = a_case()
    local deep = {}
    case.deep = deep
    for _ = 1, 300 do deep.next = {}; deep = deep.next end -- past rd.copy's 200 levels
    local ok, err, kind = rd.sandbox_call(function(c)
      assert(not pcall(function() return c.deep end), "the copy should fail")
      local t = {}
      for i = 1, 1e6 do t[i] = string.rep("x", 64) .. i end
    end, { policy_memory = 256 * 1024 }, rd.view(case))
    assert.is_false(ok)
    assert.are.equal("memory", kind, err)
  end)
end)
