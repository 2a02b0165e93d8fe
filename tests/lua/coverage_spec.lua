-- Line coverage for `redress pack test`: which lines can run (luac's
-- listing) and which ran (rd.coverage, a line hook in the sandbox).
local rd = require "rd"
local coverage = require "redress.coverage"
local sandbox = require "redress.sandbox"

local SRC = [[
local P = {}
local function never()
  return 1
end
function P.f(x)
  if x then
    return "yes"
  end
  return "no"
end
return P
]]

local function write_tmp(src)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(src)
  f:close()
  return path
end

describe("coverage", function()
  it("counts the lines that hold code, not an end that every path returns before", function()
    local path = write_tmp(SRC)
    local lines = assert(coverage.lines(path))
    os.remove(path)
    local got = {}
    for n in pairs(lines) do got[#got + 1] = n end
    table.sort(got)
    -- 1 the table; never: its return on 3, its closure made on 4; f stored
    -- on 5, its body 6, 7, 9; f's final `end` (10) holds only the implicit
    -- return, but the closure of f is made on that line in the main chunk.
    assert.same({ 1, 3, 4, 5, 6, 7, 9, 10, 11 }, got)
  end)

  it("reports a compile error with the file's line", function()
    local path = write_tmp("local x = \n")
    local lines, err = coverage.lines(path)
    os.remove(path)
    assert.is_nil(lines)
    assert.matches(":2:", err)
  end)

  it("records the lines sandboxed code ran, and reports the rest", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir))
    local f = assert(io.open(dir .. "/policy.lua", "w"))
    f:write(SRC)
    f:close()
    rd.coverage(true)
    local chunk = assert(sandbox.load(SRC, "cov/policy.lua", sandbox.env()))
    local _, P = rd.sandbox_call(chunk, { policy_instructions = 100000, policy_memory = 1 << 22 })
    rd.sandbox_call(P.f, { policy_instructions = 100000, policy_memory = 1 << 22 }, true)
    local hits = rd.coverage(false)
    local saved = dir .. "/hits"
    coverage.save(saved, hits)
    local report = coverage.report(dir, "cov", { "policy.lua" }, coverage.load(saved))
    os.execute("rm -rf " .. dir)
    assert.equal(9, report[1].total)
    -- never() and the "no" path did not run
    assert.same({ 3, 9 }, report[1].missing)
    assert.equal(7, report[1].ran)
  end)

  it("is off unless asked for", function()
    local chunk = assert(sandbox.load("return 1", "off/policy.lua", sandbox.env()))
    rd.sandbox_call(chunk, { policy_instructions = 1000, policy_memory = 1 << 20 })
    rd.coverage(true)
    assert.same({}, rd.coverage(false))
  end)
end)
