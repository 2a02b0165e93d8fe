-- Each pack's README states how many specs it has and that they run every
-- line of its policy (the pack.<name> tests enforce that with
-- `redress pack test --min-coverage 100`); this keeps the count true.
local root = os.getenv("REDRESS_ROOT") or "."

local function sh_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local function read(path)
  local f = io.open(path)
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function ls(dir, pattern)
  local out = {}
  local p = io.popen("ls -1 " .. sh_quote(dir) .. " 2>/dev/null")
  for name in p:lines() do if name:match(pattern) then out[#out + 1] = dir .. "/" .. name end end
  p:close()
  return out
end

-- The number of `it(` blocks, after dropping comments and the text of
-- strings (a spec named "it(" in a string is not a spec).
local function count_specs(src)
  src = src:gsub("%-%-%[(=*)%[.-%]%1%]", ""):gsub("%-%-[^\n]*", "")
  src = src:gsub('"[^"\n]*"', '""'):gsub("'[^'\n]*'", "''")
  local n = 0
  for _ in src:gmatch("%f[%w_]it%s*%(") do n = n + 1 end
  return n
end

local packs = ls(root .. "/policies", "^[%w_%-]+$")
packs[#packs + 1] = root .. "/examples/custom-policy"

describe("pack READMEs", function()
  it("counts it( blocks, not the ones in comments or strings", function()
    assert.equal(2, count_specs('it("a", f) -- it("b")\nlocal s = "it(x" it ( "c", g)\n--[[ it("d") ]]'))
  end)

  for _, dir in ipairs(packs) do
    it(dir:match("[^/]+$") .. " states its spec count and full line coverage", function()
      local readme = assert(read(dir .. "/README.md"), dir .. ": no README.md")
      local n = 0
      for _, file in ipairs(ls(dir .. "/spec", "%.lua$")) do n = n + count_specs(read(file)) end
      assert.is_true(n > 0, dir .. ": no specs")
      local stated = readme:match("%*%*Specs: (%d+)%*%*")
      assert.is_not_nil(stated, dir .. "/README.md: no **Specs: N** line")
      assert.equal(n, tonumber(stated), dir .. "/README.md states " .. stated .. " specs; spec/ has " .. n)
      assert.truthy(readme:find("`redress pack test` runs every line of policy.lua", 1, true),
        dir .. "/README.md: does not say the specs run every line")
    end)
  end
end)
