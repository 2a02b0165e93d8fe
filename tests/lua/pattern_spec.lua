-- The budgeted matcher (bindings/pattern.c) against Lua's own: the same
-- results and errors for the same calls, and a pathological pattern stopped
-- by the budget instead of running for hours.
local stock = { find = string.find, match = string.match, gmatch = string.gmatch, gsub = string.gsub }
local rd = require "rd"
local ours = { find = string.find, match = string.match, gmatch = string.gmatch, gsub = string.gsub }

local function pack(...) return { n = select("#", ...), ... } end

-- Runs fn(lib, ...) with both libraries; returns both outcomes.
local function both(call, ...)
  local a = pack(pcall(call, stock, ...))
  local b = pack(pcall(call, ours, ...))
  return a, b
end

local calls = {
  find = function(lib, s, p, init, plain) return lib.find(s, p, init, plain) end,
  match = function(lib, s, p, init) return lib.match(s, p, init) end,
  gmatch = function(lib, s, p, init)
    local out = {}
    for a, b, c in lib.gmatch(s, p, init) do out[#out + 1] = { a, b, c } ; if #out > 50 then break end end
    return out
  end,
  gsub_s = function(lib, s, p, _, n) return lib.gsub(s, p, "<%0|%1>", n) end,
  gsub_t = function(lib, s, p) return lib.gsub(s, p, { a = "A", ["1"] = false, b = 7 }) end,
  gsub_f = function(lib, s, p) return lib.gsub(s, p, function(x, y) return y and (tostring(y) .. x) or nil end) end,
}

local function same(name, s, p, init, extra)
  local a, b = both(calls[name], s, p, init, extra)
  assert.are.same(a, b, string.format("%s(%q, %q, %s)", name, s, p, tostring(init)))
end

describe("budgeted string patterns", function()
  it("replaces the four functions", function()
    assert.are_not.equal(stock.find, ours.find)
    assert.are.equal(ours.find, ("").find) -- strings' methods use them too
  end)

  local cases = {
    { "hello world", "o w" }, { "hello world", "l+" }, { "hello world", "^h.-o" }, { "hello", "l*$" },
    { "  trim me  ", "^%s*(.-)%s*$" }, { "key = value", "^(%w+)%s*=%s*(%w+)$" }, { "2026-12-01", "(%d+)-(%d+)-(%d+)" },
    { "THE (quick) fox", "%((%a+)%)" }, { "f(a(b)c)d", "%b()" }, { "THE (quick) fox", "%f[%a]%a+" },
    { "abcabc", "(a)(b)c%1%2" }, { "abc", "()b()" }, { "a.b.c", "%." }, { "a+b", "+" }, { "[x]", "[]]" },
    { "a-b", "[a-]" }, { "x^y", "[%^x]+" }, { "aaa", "a-b" }, { "aaab", "a-b" }, { "", "" }, { "", ".*" },
    { "abc", "" }, { "abc", "$" }, { "a$b", "$b" }, { "ab", "a?b?c?" }, { "héllo", "[\128-\255]+" },
    { "один два", "%S+" }, { "สวัสดี ครับ", "(%S+)%s+(%S+)" }, { "a,b,,c", "([^,]*)" }, { "aaa", "a*" },
    { "x", "%" }, { "x", "[a" }, { "x", "(x" }, { "x", "x)" }, { "x", "%1" }, { "x", "%f" }, { "x", "%b" },
    { "x", "%g" }, { "\0a\0", "%z" }, { "a\0b", "a%zb" }, { "a\0b", "[\0]" }, { "ABC def", "%u+" },
    { "tab\tnl\n", "%c" }, { "0x1F", "%x+" }, { "a.b", "%p" }, { "ab12", "%W" }, { "((()))", "%b()" },
    { "abc", "((a)(b))" }, { "hello", "(l)(l)" }, { "aaa", "^a" }, { "baaa", "^a" },
  }
  for _, c in ipairs(cases) do
    it(string.format("matches %q against %q as Lua does", c[1], c[2]), function()
      for name in pairs(calls) do
        same(name, c[1], c[2])
        same(name, c[1], c[2], 2)
        same(name, c[1], c[2], -2)
        same(name, c[1], c[2], 100)
      end
      same("find", c[1], c[2], 1, true)
      same("gsub_s", c[1], c[2], nil, 1)
    end)
  end

  it("agrees with Lua on 20,000 random patterns and subjects", function()
    local atoms = { "a", "b", ".", "%a", "%d", "%s", "[ab]", "[^a]", "[a-c]", "%%", "%.", "x" }
    local quants = { "", "", "*", "+", "-", "?" }
    local extras = { "", "", "^", "$", "()", "(", ")", "%1", "%b()", "%f[%a]" }
    local seed = 12345
    local function rnd(n) seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n + 1 end
    local letters = { "a", "b", "c", " ", "(", ")", "1", "x", "." }
    for _ = 1, 20000 do
      local p = {}
      for _ = 1, rnd(5) do
        p[#p + 1] = extras[rnd(#extras)] .. atoms[rnd(#atoms)] .. quants[rnd(#quants)]
      end
      local s = {}
      for _ = 1, rnd(12) - 1 do s[#s + 1] = letters[rnd(#letters)] end
      local names = { "find", "match", "gmatch", "gsub_s", "gsub_f" }
      same(names[rnd(#names)], table.concat(s), table.concat(p), rnd(4) - 2)
    end
  end)

  it("stops a backtracking pattern with the instruction budget", function()
    local subject = string.rep("a", 5000)
    local pattern = string.rep("a*", 8) .. "b"
    for name, f in pairs { find = string.find, match = string.match, gsub = function(s, p) return s:gsub(p, "") end,
        gmatch = function(s, p) for _ in s:gmatch(p) do end end } do
      local t0 = os.clock()
      local ok, msg, kind = rd.sandbox_call(function() return f(subject, pattern) end,
        { policy_instructions = 2000000, policy_memory = 1 << 22 })
      assert.is_false(ok, name)
      assert.are.equal("instructions", kind, name)
      assert.matches("instruction budget exhausted", msg)
      assert.is_true(os.clock() - t0 < 2, name .. " took " .. (os.clock() - t0) .. " s")
    end
  end)

  it("stops a %b scan of a long subject", function()
    local subject = string.rep("(", 200000)
    local ok, _, kind = rd.sandbox_call(function() return subject:find("%b()") end,
      { policy_instructions = 1000000, policy_memory = 1 << 22 })
    assert.is_false(ok)
    assert.are.equal("instructions", kind)
  end)

  it("charges the same count on every run (deterministic)", function()
    local function spent(budget)
      local ok = rd.sandbox_call(function() return ("ab"):rep(300):find(("a-b-"):rep(3) .. "c") end,
        { policy_instructions = budget, policy_memory = 1 << 22 })
      return ok
    end
    -- find the smallest budget that suffices, twice: the same number
    local function smallest()
      local lo, hi = 1, 1 << 26
      while lo < hi do
        local mid = (lo + hi) // 2
        if spent(mid) then hi = mid else lo = mid + 1 end
      end
      return lo
    end
    assert.are.equal(smallest(), smallest())
  end)

  it("stops a call at the wall-clock limit", function()
    local ok, msg, kind = rd.sandbox_call(function()
      local s = string.rep("a", 3000)
      while true do s:find(".-b") end
    end, { policy_instructions = 1 << 50, policy_memory = 1 << 22, policy_wall_ms = 50 })
    assert.is_false(ok)
    assert.are.equal("wall", kind)
    assert.matches("wall%-clock limit of 50 ms exceeded", msg)
  end)

  it("costs nothing outside a sandbox call", function()
    assert.are.same({ 1, 3 }, { ("abc"):find("a.c") })
  end)
end)
