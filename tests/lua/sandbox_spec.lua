-- The policy sandbox on stock lua5.4 with the real rd bindings (build/lua/rd.so).
local rd = require "rd"
local sandbox = require "redress.sandbox"

local BUDGET, MEM = 200000, 8 * 1024 * 1024

local function run(src, budget)
  local chunk, err = sandbox.load(src, "p/policy.lua", sandbox.env())
  if not chunk then return false, err, "load" end
  return rd.sandbox_call(chunk, { policy_instructions = budget or BUDGET, policy_memory = MEM })
end

describe("sandbox", function()
  it("stops a loop that never ends", function()
    local ok, msg, kind = run("while true do end")
    assert.is_false(ok)
    assert.equal("instructions", kind)
    assert.matches("instruction budget exhausted", msg)
  end)

  it("does not let pcall swallow the budget", function()
    local ok, _, kind = run("while true do pcall(function() while true do end end) end")
    assert.is_false(ok)
    assert.equal("instructions", kind)
  end)

  it("stops unbounded allocation with a memory error", function()
    local ok, msg, kind = run("local t = {} for i = 1, 1e9 do t[i] = string.rep('x', 64) .. i end", 1e12)
    assert.is_false(ok)
    assert.equal("memory", kind)
    assert.matches("memory limit", msg)
  end)

  it("keeps working after a memory error", function()
    run("local t = {} for i = 1, 1e9 do t[i] = {} end")
    local ok, v = run("return 40 + 2")
    assert.is_true(ok)
    assert.equal(42, v)
  end)

  it("reports errors with file:line", function()
    local ok, msg, kind = run("local x = 1\nerror('boom')")
    assert.is_false(ok)
    assert.equal("error", kind)
    assert.equal("p/policy.lua:2: boom", msg)
  end)

  it("names an undeclared global on read and on write", function()
    local _, msg = run("return undefined_thing")
    assert.matches("undeclared global 'undefined_thing'", msg)
    _, msg = run("leak = 1")
    assert.matches("assignment to undeclared global 'leak'", msg)
  end)

  for _, name in ipairs { "io", "os", "debug", "load", "loadfile", "dofile", "package", "collectgarbage", "print" } do
    it("does not offer " .. name, function()
      local ok, msg = run("return " .. name)
      assert.is_false(ok)
      assert.matches("undeclared global '" .. name .. "'", msg)
    end)
  end

  it("has no randomness and no string.dump", function()
    local ok, v = run("return math.random == nil and string.dump == nil and math.randomseed == nil")
    assert.is_true(ok)
    assert.is_true(v)
  end)

  it("refuses bytecode", function()
    local bytecode = string.dump(function() return 1 end)
    local chunk, err = sandbox.load(bytecode, "p/policy.lua", sandbox.env())
    assert.is_nil(chunk)
    assert.matches("binary", err)
  end)

  it("hides the string metatable", function()
    local ok, v = run("return getmetatable('')")
    assert.is_true(ok)
    assert.is_false(v)
  end)

  it("cannot change the libraries the runtime uses", function()
    local ok = run("string.rep = nil; table.concat = nil")
    assert.is_true(ok)
    assert.equal("xx", string.rep("x", 2))
    assert.is_function(table.concat)
  end)

  it("allows only the modules it is given", function()
    local chunk = sandbox.load("return require 'io'", "p/policy.lua", sandbox.env())
    local ok, msg = rd.sandbox_call(chunk, { policy_instructions = BUDGET, policy_memory = MEM })
    assert.is_false(ok)
    assert.matches("module 'io' is not available to policies", msg)
    chunk = sandbox.load("return require 'x'.v", "p/policy.lua", sandbox.env { x = { v = 7 } })
    local ok2, v = rd.sandbox_call(chunk, { policy_instructions = BUDGET, policy_memory = MEM })
    assert.is_true(ok2)
    assert.equal(7, v)
  end)

  it("knows which upvalues a function's code may assign, nested functions included", function()
    -- after every call only these are put back (sandbox.freeze)
    local function written(f)
      local w, out = rd.upvalue_writes(f), {}
      if not w then return nil end
      for i = 1, 255 do
        local name = debug.getupvalue(f, i)
        if not name then break end
        if w[i] then out[#out + 1] = name end
      end
      table.sort(out)
      return table.concat(out, ",")
    end
    local a, b, n, m, k = 1, 2, 0, 0, 0
    assert.equal("", written(function() return a + b end))
    assert.equal("n", written(function() n = n + 1; return a end))
    assert.equal("m", written(function() local g = function() m = m + 1 end; g(); return b end))
    assert.equal("k", written(function() return function() return function() k = k + b end end end))
    assert.equal("", written(function() local x = 0; local h = function() x = x + 1 end; h(); return a end))
    assert.equal("k,n", written(function() n, k = k, n end))
    assert.equal("", written(print))
  end)
  it("counts a memo's kept answer as a new one: a call counts the same whatever ran before it", function()
    -- redress.duration keeps what each text parses to (redress.memo, rd.memo)
    local duration = require "redress.duration"
    local n = 0
    local function parses(fresh)
      return function()
        for i = 1, 100 do
          assert(duration.parse(string.format("%07d days", fresh and n * 100 + i or i)))
        end
      end
    end
    -- the smallest budget fn runs to its end within
    local function needs(fn, before)
      local lo, hi = 0, 10000000
      while hi - lo > 1 do
        local mid = (lo + hi) // 2
        if before then before() end
        if rd.sandbox_call(fn, { policy_instructions = mid }) then hi = mid else lo = mid end
      end
      return hi
    end
    -- texts never seen on every call, against texts every call has seen
    local fresh = needs(parses(true), function() n = n + 1 end)
    local kept = parses(false)
    kept()
    assert.are.equal(fresh, needs(kept))
    assert.is_true(fresh > 1000) -- the count hook fired: the two were counted
  end)

  it("runs a memo's function under the count for a key that is not plain data", function()
    -- a new answer is made outside the count: a table key, whose
    -- metamethods are the policy's, must not get there
    local wording = require "redress.wording"
    local tag = setmetatable({}, { __index = function() while true do end end })
    local ok, _, kind = rd.sandbox_call(function() return wording.is_rtl(tag) end, { policy_instructions = 100000 })
    assert.is_false(ok)
    assert.equal("instructions", kind)
    -- and a long text is charged by its length, kept or not
    local parse = require("redress.duration").parse
    local long = string.rep("x", 200) .. " days"
    ok, _, kind = rd.sandbox_call(function() for _ = 1, 1000 do parse(long) end end, { policy_instructions = 100000 })
    assert.is_false(ok)
    assert.equal("instructions", kind)
  end)
end)
