--- The policy sandbox: what a policy's _ENV holds, and what a pack may keep
-- between calls. Policies are untrusted: only pure libraries, no io/os/
-- debug/load, no wall clock, no randomness; reading or writing an
-- undeclared global is an error naming it.
--
-- What no policy can do (docs/ARCHITECTURE.md "The sandbox" says why each holds):
-- * reach or change anything shared: stdlib modules are deep read-only
--   views, stdlib objects are opaque (no rawget/rawset/next on them), the
--   string metatable offers the string library without `dump`;
-- * run code outside its call's budget: no finalizers (__gc is refused),
--   a message handler is not called once the budget is spent, and engine
--   code never calls a value a policy returned;
-- * keep state from one decision to the next: after a pack loads, every
--   table its code can reach is frozen, and every upvalue and every field of
--   its environment and stdlib objects is restored after each call
--   (M.freeze), so a decision is a function of (pack, case, event).
local rd = require "rd"

local M = {}

local rawget, rawset, next, pairs, setmetatable = rawget, rawset, next, pairs, setmetatable
local getmetatable_raw, setmetatable_raw = debug.getmetatable, debug.setmetatable
local getinfo, getupvalue, upvalueid = debug.getinfo, debug.getupvalue, debug.upvalueid
local upvalue_writes = rd.upvalue_writes

local function copy(t, drop)
  local c = {}
  for k, v in pairs(t) do
    if not (drop and drop[k]) then c[k] = v end
  end
  return c
end

-- Strings share one metatable across the whole state: its __index is a copy
-- of the string library without dump, and the metatable itself is hidden.
do
  local smt = getmetatable_raw("")
  smt.__index = copy(string, { dump = true })
  smt.__metatable = false
end

-- frozen table → the table holding its contents (see freeze_table)
local frozen = setmetatable({}, { __mode = "k" })
-- metatables a pack's code set (safe.setmetatable): a table that has one is
-- the pack's own, even when it says __metatable, and is frozen like any other
local pack_made = setmetatable({}, { __mode = "k" })
-- stdlib object → the pack's own values it keeps out of the pack's sight (a
-- law's rules and their functions, SLA clocks' targets): M.freeze walks
-- them as the pack's (see M.hold)
local held = setmetatable({}, { __mode = "k" })

--- sandbox.hold(obj, ...): a stdlib constructor says which of the pack's
-- values its object keeps privately, so that freezing the pack reaches them
-- (their tables frozen, their functions' upvalues put back after each call).
function M.hold(obj, ...)
  held[obj] = table.pack(...)
end
-- frozen table → a raw copy of its contents, to serve as a metatable
local as_meta = setmetatable({}, { __mode = "k" })

--- Whether t is closed to rawget/rawset/next: a frozen table, or an object
-- whose metatable is protected with __metatable = false (stdlib objects,
-- read-only views).
local function guarded(t)
  if frozen[t] then return true end
  local mt = getmetatable_raw(t)
  return mt ~= nil and rawget(mt, "__metatable") == false
end
M.guarded = guarded

local function refuse(fn, t)
  error(fn .. ": not allowed on a read-only " .. (frozen[t] and "table (built when the pack loaded)" or "object"), 3)
end

local function deny(_, k)
  error("this table is read-only: it was built when the pack loaded, and a decision may not change it (key " ..
    tostring(k) .. ")", 2)
end

-- Freezes t in place: its contents move to a hidden table, reads go there,
-- writes raise. om: t's metatable (already frozen), whose behaviour goes on.
local function freeze_table(t, om)
  local shadow = {}
  for k, v in next, t do shadow[k] = v end
  for k in next, shadow do rawset(t, k, nil) end
  local fm = {}
  if om then for k, v in next, (frozen[om] or om) do fm[k] = v end end
  local oindex = fm.__index
  if oindex == nil then
    fm.__index = shadow
  elseif type(oindex) == "function" then
    fm.__index = function(self, k)
      local v = shadow[k]
      if v == nil then return oindex(self, k) end
      return v
    end
  else
    setmetatable(shadow, { __index = oindex })
    fm.__index = shadow
  end
  fm.__newindex = deny
  if fm.__len == nil then fm.__len = function() return #shadow end end
  if fm.__pairs == nil then
    fm.__pairs = function(self) return function(_, k) return next(shadow, k) end, self, nil end
  end
  if fm.__metatable == nil then fm.__metatable = om or false end
  setmetatable_raw(t, fm)
  frozen[t] = shadow
  -- the same contents as a raw table, for setmetatable(obj, t) at call time
  local raw = {}
  for k, v in next, shadow do raw[k] = v end
  if raw.__metatable == nil then raw.__metatable = t end
  as_meta[t] = raw
end

--- Freezes what a loaded pack's code can reach from roots (its policy table,
-- its modules, its library copies): every plain table becomes read-only and
-- every upvalue of the pack's own functions is recorded. What it reaches
-- and cannot freeze — its environment, the stdlib objects it built (a money
-- value keeps its metatable, which the stdlib checks) — is recorded field
-- by field. Returns a function that puts those
-- upvalues and fields back; pack.call runs it after every call, so no
-- decision can leave anything behind for the next one. own(source): whether
-- a function's chunk is the pack's (stdlib functions are not walked).
function M.freeze(roots, own)
  local seen, ups, ids, objects = {}, {}, {}, {}
  local function walk(v)
    local tv = type(v)
    if tv == "table" then
      if seen[v] or frozen[v] then return end
      seen[v] = true
      local mt = getmetatable_raw(v)
      if mt and rawget(mt, "__metatable") ~= nil and not pack_made[mt] then
        -- guarded (the environment, a stdlib object, a read-only view): a
        -- plain assignment still changes a field it has, or adds one where
        -- its metatable has no __newindex; its fields are put back instead.
        -- What the fields hold is the stdlib's (a module, a class): not
        -- walked; the pack's own values an object keeps are (held).
        local fields = { open = rawget(mt, "__newindex") == nil }
        for k, x in next, v do fields[#fields + 1] = k; fields[#fields + 1] = x end
        -- an object with no fields whose metatable refuses new ones (a
        -- ladder, a plan: their state is kept elsewhere) has nothing to
        -- put back: no need to look at it after every call
        if fields.open or #fields > 0 then
          objects[#objects + 1] = v; objects[#objects + 1] = fields
        end
        local h = held[v]
        if h then for i = 1, h.n do walk(h[i]) end end
        return
      end
      for k, x in next, v do walk(k); walk(x) end
      if mt then walk(mt) end
      freeze_table(v, mt)
    elseif tv == "function" then
      if seen[v] then return end
      seen[v] = true
      local info = getinfo(v, "S")
      if info.what == "C" or not own(info.source) then return end
      -- only an upvalue some code can assign needs putting back: one that
      -- this function, or a function nested in it, assigns (its bytecode
      -- says; nil: it cannot tell, so every one). Another function sharing
      -- an upvalue this one only reads is walked too, and adds it if it
      -- assigns it.
      local writes = upvalue_writes(v)
      for i = 1, 255 do
        local name, x = getupvalue(v, i)
        if not name then break end
        local id = upvalueid(v, i)
        if not ids[id] and (writes == nil or writes[i]) then
          ids[id] = true
          ups[#ups + 1] = v; ups[#ups + 1] = i; ups[#ups + 1] = x
        end
        walk(x)
      end
    end
  end
  for _, r in ipairs(roots) do walk(r) end
  -- { f, i, value, … } and { t, fields, … }: put back in C loops
  local set_upvalues, restore_fields = rd.set_upvalues, rd.restore_fields
  return function() set_upvalues(ups); restore_fields(objects) end
end

local proxies = setmetatable({}, { __mode = "k" })

--- A deep read-only view of t (a stdlib module, settings): fields that are
-- plain tables come back as views too, pairs iterates without handing out
-- t, and nothing can be written. What t holds does not change once the pack
-- is loaded (modules and settings are built then), so each field read is
-- kept in a hidden table the view reads first: a policy's `money.new` or
-- `settings.coupon_min` is then a table lookup, not a call.
function M.readonly(t, what)
  local p = proxies[t]
  if p then return p end
  local function view(v)
    if type(v) == "table" and getmetatable_raw(v) == nil then return M.readonly(v, what) end
    return v
  end
  local read = setmetatable({}, { __index = function(read, k)
    local v = view(t[k])
    if v ~= nil and k == k then rawset(read, k, v) end
    return v
  end })
  p = setmetatable({}, {
    __index = read,
    __newindex = function(_, k) error(what .. " is read-only (" .. tostring(k) .. ")", 2) end,
    __pairs = function(self)
      return function(_, k)
        local nk, v = next(t, k)
        return nk, view(v)
      end, self, nil
    end,
    __len = function() return #t end,
    __metatable = false,
  })
  proxies[t] = p
  return p
end

-- The base functions a policy gets, made safe where the plain ones are not.
local safe = {}

-- (a case view, rd.view, holds what the policy has read so far: the raw
-- functions see it whole, as they saw the eager copy)
local view_whole = rd.view_whole

function safe.rawset(t, k, v)
  if type(t) == "table" and guarded(t) then refuse("rawset", t) end
  return rawset(view_whole(t), k, v)
end

function safe.rawget(t, k)
  if type(t) == "table" and guarded(t) then refuse("rawget", t) end
  return rawget(view_whole(t), k)
end

function safe.next(t, k)
  if type(t) == "table" and guarded(t) then refuse("next", t) end
  return next(view_whole(t), k)
end

function safe.pairs(t)
  if type(t) == "table" and guarded(t) and not frozen[t] then
    local mt = getmetatable_raw(t)
    if rawget(mt, "__pairs") == nil then refuse("pairs", t) end
  end
  return pairs(t)
end

function safe.setmetatable(t, mt)
  if type(mt) == "table" then
    -- A finalizer would run in whatever code the collector interrupts,
    -- outside any budget; __gc set later is never called (Lua marks objects
    -- for finalization only here), so refusing the key here is enough.
    local contents = frozen[mt] or mt
    if rawget(contents, "__gc") ~= nil then
      error("setmetatable: __gc is not allowed in policies (a finalizer would run outside the policy's budget)", 2)
    end
    if frozen[mt] then mt = as_meta[mt] end
    pack_made[mt] = true
  end
  return setmetatable(t, mt)
end

--- Returns a fresh environment for one pack's code.
-- modules: table name → value that `require` inside the sandbox may return.
function M.env(modules)
  local env = {
    assert = assert, error = error, ipairs = ipairs, next = safe.next, pairs = safe.pairs,
    select = select, tonumber = tonumber,
    tostring = tostring, type = type, rawequal = rawequal, rawget = safe.rawget,
    rawlen = rawlen, rawset = safe.rawset, setmetatable = safe.setmetatable,
    getmetatable = getmetatable,
    string = copy(string, { dump = true }), table = copy(table), utf8 = copy(utf8),
    math = copy(math, { random = true, randomseed = true }),
  }
  -- A policy must not swallow the error that stops it: once the budget is
  -- spent, pcall re-raises instead of returning false, and xpcall does not
  -- call the policy's message handler (it would run on a spent budget).
  env.pcall = function(f, ...)
    local r = table.pack(pcall(f, ...))
    if not r[1] and rd.tripped() then error(r[2], 0) end
    return table.unpack(r, 1, r.n)
  end
  env.xpcall = function(f, h, ...)
    if type(h) ~= "function" then error("bad argument #2 to 'xpcall' (function expected)", 2) end
    local handler = function(m)
      if rd.tripped() then return m end
      return h(m)
    end
    local r = table.pack(xpcall(f, handler, ...))
    if not r[1] and rd.tripped() then error(r[2], 0) end
    return table.unpack(r, 1, r.n)
  end
  env.require = function(name)
    local m = modules and modules[name]
    if m == nil then error("module '" .. tostring(name) .. "' is not available to policies", 2) end
    return m
  end
  -- The globals live behind the environment, not in it: reading one is a
  -- table lookup, and assigning one (`type = f`) reaches __newindex, so a
  -- decision can neither replace a global for the next one nor add one.
  local proxy = setmetatable({}, {
    __index = env,
    __newindex = function(_, k)
      if rawget(env, k) ~= nil then error("'" .. tostring(k) .. "' is a read-only global (use a local)", 2) end
      error("assignment to undeclared global '" .. tostring(k) .. "' (use local)", 2)
    end,
    __metatable = false,
  })
  env._G = proxy
  setmetatable(env, { __index = function(_, k) error("undeclared global '" .. tostring(k) .. "'", 2) end })
  return proxy
end

--- The library tables of env (a pack's own copies), for M.freeze.
function M.libraries(env)
  return { env.string, env.table, env.utf8, env.math }
end

--- Loads text (never bytecode) as a chunk in env.
function M.load(src, chunkname, env)
  return load(src, "@" .. chunkname, "t", env)
end

return M
