--- The policy sandbox: what a policy's _ENV holds. Policies are untrusted:
-- only pure libraries, no io/os/debug/load, no wall clock, no randomness;
-- reading or writing an undeclared global is an error naming it.
local rd = require "rd"

local M = {}

local function copy(t, drop)
  local c = {}
  for k, v in pairs(t) do
    if not (drop and drop[k]) then c[k] = v end
  end
  return c
end

-- Strings share one metatable across the whole state; hide it so a policy
-- cannot reach string functions the runtime itself uses.
debug.getmetatable("").__metatable = false

--- Returns a fresh environment for one pack's code.
-- modules: table name → value that `require` inside the sandbox may return.
function M.env(modules)
  local env = {
    assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs,
    pcall = pcall, xpcall = xpcall, select = select, tonumber = tonumber,
    tostring = tostring, type = type, rawequal = rawequal, rawget = rawget,
    rawlen = rawlen, rawset = rawset, setmetatable = setmetatable,
    getmetatable = getmetatable,
    string = copy(string, { dump = true }), table = copy(table), utf8 = copy(utf8),
    math = copy(math, { random = true, randomseed = true }),
  }
  -- A policy must not swallow the error that stops it: once the budget is
  -- spent, pcall re-raises instead of returning false.
  env.pcall = function(f, ...)
    local r = table.pack(pcall(f, ...))
    if not r[1] and rd.tripped() then error(r[2], 0) end
    return table.unpack(r, 1, r.n)
  end
  env.xpcall = function(f, h, ...)
    local r = table.pack(xpcall(f, h, ...))
    if not r[1] and rd.tripped() then error(r[2], 0) end
    return table.unpack(r, 1, r.n)
  end
  env.require = function(name)
    local m = modules and modules[name]
    if m == nil then error("module '" .. tostring(name) .. "' is not available to policies", 2) end
    return m
  end
  env._G = env
  return setmetatable(env, {
    __index = function(_, k) error("undeclared global '" .. tostring(k) .. "'", 2) end,
    __newindex = function(_, k) error("assignment to undeclared global '" .. tostring(k) .. "' (use local)", 2) end,
    __metatable = false,
  })
end

--- Loads text (never bytecode) as a chunk in env.
function M.load(src, chunkname, env)
  return load(src, "@" .. chunkname, "t", env)
end

return M
