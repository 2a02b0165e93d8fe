-- What the unit specs of redress.engine, redress.registry and redress.api
-- stand on without a daemon: a stand-in for the `rd.store` module, and
-- temp folders holding packs and a config file.
--
--   local F = dofile(root .. "/tests/lua/fixture.lua")
--   local S = F.store()   -- before anything requires redress.store
--   S:begin() … engine.handle_fn(job) … S:commit()
--
-- The store keeps the contract of runtime/store_lua.c in Lua tables (which
-- sort keys byte by byte, as LMDB does):
--   * committed rows: what the writer has applied;
--   * between S:begin() and S:commit(), a decision worker's write set: get
--     sees the set's own puts and dels first, then the committed rows; put
--     and del go into the set; range and range_rev read the committed rows
--     only (the snapshot); outbox_append rows are numbered when the set is
--     applied, as the writer does ({"seq":N, … );
--   * add (a running-count row, RD_OP_ADD in store.h): its "name\tn" lines
--     are summed into the row when the set is applied; the set's own get
--     does not see them, and the returned set does not list them;
--   * at_most (RD_OP_AT_MOST): listed in the returned set under at_most
--     (key → "name\tlimit") and checked, before the set's own adds, when
--     the set is applied;
--   * outside a write set (the API's read), put and del raise.
local M = {}

local Store = {}
Store.__index = Store

function M.store()
  local S = setmetatable({ rows = {}, ws = nil, next_outbox = 0 }, Store)
  local function committed(db) S.rows[db] = S.rows[db] or {}; return S.rows[db] end
  local function keys(db, lo, hi)
    local out = {}
    for k in pairs(committed(db)) do
      if (not lo or k >= lo) and (not hi or k < hi) then out[#out + 1] = k end
    end
    table.sort(out)
    return out
  end
  local function rows(db, list, limit)
    local ks, vs = {}, {}
    for _, k in ipairs(list) do
      if #ks >= (limit or 1000) then break end
      ks[#ks + 1], vs[#vs + 1] = k, committed(db)[k]
    end
    return ks, vs
  end
  local function writing(op)
    if not S.ws then error("store " .. op .. ": no write set (a read-only transaction)", 2) end
    return S.ws
  end
  S.module = {
    get = function(db, k)
      local w = S.ws and S.ws.values[db] and S.ws.values[db][k]
      if w ~= nil then return w or nil end
      return committed(db)[k]
    end,
    put = function(db, k, v)
      assert(type(v) == "string", "store.put: values are strings")
      local ws = writing("put")
      ws.values[db] = ws.values[db] or {}
      ws.values[db][k] = v
      ws.ops[#ws.ops + 1] = { "put", db, k, v }
    end,
    del = function(db, k)
      local ws = writing("del")
      local existed = S.module.get(db, k) ~= nil
      ws.values[db] = ws.values[db] or {}
      ws.values[db][k] = false
      ws.ops[#ws.ops + 1] = { "del", db, k }
      return existed
    end,
    range = function(db, from, to, limit) return rows(db, keys(db, from, to), limit) end,
    count = function(db, from, to, limit) return math.min(#keys(db, from, to), limit or 1000) end,
    scan = function(db, from, to, limit, needles)
      local list, ks, vs, last, looked = keys(db, from, to), {}, {}, nil, 0
      for i = 1, math.min(limit, #list) do
        local v = committed(db)[list[i]]
        last, looked = list[i], i
        local keep = true
        for _, n in ipairs(needles) do keep = keep and v:find(n, 1, true) ~= nil end
        if keep then ks[#ks + 1], vs[#vs + 1] = list[i], v end
      end
      return ks, vs, last, looked
    end,
    range_rev = function(db, below, from, limit)
      local list = keys(db, from, below)
      for i = 1, #list // 2 do list[i], list[#list + 1 - i] = list[#list + 1 - i], list[i] end
      return rows(db, list, limit)
    end,
    paired = function(db, with, from, to, limit, newest)
      if S.ws then error("store.paired: only outside a write set", 2) end
      local list = keys(db, from, to)
      local first = newest and math.max(1, #list - limit + 1) or 1
      local last = newest and #list or math.min(#list, limit)
      local parts = {}
      for i = first, last do
        parts[#parts + 1] = committed(db)[list[i]]
        parts[#parts + 1] = committed(with)[list[i]]
      end
      local n = math.max(0, last - first + 1)
      return table.concat(parts, ","), n, n > 0 and list[first] or nil
    end,
    outbox_append = function(tail)
      local ws = writing("outbox_append")
      ws.ops[#ws.ops + 1] = { "outbox", "outbox", nil, tail }
    end,
    add = function(db, k, deltas)
      local ws = writing("add")
      ws.ops[#ws.ops + 1] = { "add", db, k, deltas }
    end,
    at_most = function(db, k, name, limit)
      local ws = writing("at_most")
      ws.ops[#ws.ops + 1] = { "at_most", db, k, name .. "\t" .. string.format("%d", limit) }
    end,
    open_readonly = function() error("fixture store: already open", 2) end,
  }
  package.loaded["rd.store"] = S.module
  return S
end

--- Starts a decision's write set.
function Store:begin()
  self.ws = { ops = {}, values = {} }
end

--- Ends the write set: applies it (commit ~= false) or drops it. Returns
-- what it held: db → key → value (false: deleted), and the outbox rows.
function Store:commit(apply)
  local ws = assert(self.ws, "no write set")
  self.ws = nil
  local set, outbox = {}, {}
  for _, op in ipairs(ws.ops) do
    local kind, db, k, v = op[1], op[2], op[3], op[4]
    if kind == "outbox" then
      outbox[#outbox + 1] = v
    elseif kind == "add" then -- summed when applied, below
    elseif kind == "at_most" then -- listed under set.at_most; checked when applied, below
      set.at_most = set.at_most or {}
      set.at_most[k] = v
    else
      set[db] = set[db] or {}
      set[db][k] = kind == "put" and v or false
    end
    if apply ~= false then
      self.rows[db] = self.rows[db] or {}
      if kind == "at_most" then
        -- decisions here run one at a time on what is committed: a cap the
        -- writer would refuse means the decision ignored what it read
        local name, limit = v:match("^(.-)\t(%-?%d+)$")
        local now = tonumber(((self.rows[db][k] or "") .. "\n"):match("\n?" .. name .. "\t(%-?%d+)\n") or "0")
        if now > tonumber(limit) then error("fixture store: " .. k .. " holds " .. name .. " " .. now .. " > " .. limit, 0) end
      elseif kind == "outbox" then
        self.next_outbox = self.next_outbox + 1
        self.rows.outbox[string.pack(">I8", self.next_outbox)] = string.format('{"seq":%d,', self.next_outbox) .. v
      elseif kind == "add" then
        local sums, names = {}, {}
        for name, n in ((self.rows[db][k] or "") .. "\n" .. v):gmatch("([^\t\n]+)\t(%-?%d+)") do
          if not sums[name] then names[#names + 1] = name end
          sums[name] = (sums[name] or 0) + tonumber(n)
        end
        table.sort(names)
        local lines = {}
        for _, name in ipairs(names) do
          if sums[name] ~= 0 then lines[#lines + 1] = name .. "\t" .. string.format("%d", sums[name]) .. "\n" end
        end
        self.rows[db][k] = #lines > 0 and table.concat(lines) or nil
      else
        self.rows[db][k] = kind == "put" and v or nil
      end
    end
  end
  return set, outbox
end

--- Runs fn(...) as one decision (a write set applied only when fn returns
-- wrote = true, as the writer does). Returns fn's result, the set and the
-- outbox rows it held.
function Store:decide(fn, ...)
  self:begin()
  local ok, r = pcall(fn, ...)
  if not ok then self:commit(false); error(r, 0) end
  local set, outbox = self:commit(r.wrote == true)
  return r, set, outbox
end

--- The committed rows of db, sorted by key: { {key, value}, … }.
function Store:all(db)
  local out = {}
  for k, v in pairs(self.rows[db] or {}) do out[#out + 1] = { k, v } end
  table.sort(out, function(a, b) return a[1] < b[1] end)
  return out
end

--- The error of an answer, which must have the shape of every error
-- answer: {"error":{"code","message","field"}} and nothing else.
function M.error_of(r)
  local e = require("redress.json").decode(r.body).error
  if type(e) ~= "table" then error("not an error answer: " .. r.body, 2) end
  local n = 0
  for _ in pairs(e) do n = n + 1 end
  if n ~= 3 or type(e.code) ~= "string" or type(e.message) ~= "string" or e.field == nil then
    error("not the error shape {code, message, field}: " .. r.body, 2)
  end
  return e
end

--- A fresh temp folder.
function M.tmpdir()
  local p = io.popen("mktemp -d /tmp/redress-unit.XXXXXX")
  local dir = p:read("l")
  p:close()
  assert(dir and dir:sub(1, 1) == "/", "mktemp failed")
  return dir
end

function M.rmdir(dir)
  assert(dir:match("^/tmp/redress%-unit%."), "not a fixture folder: " .. dir)
  os.execute("rm -rf '" .. dir .. "'")
end

function M.write(path, text)
  os.execute("mkdir -p '" .. path:match("^(.*)/[^/]*$") .. "'")
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

--- Writes a one-language pack into dir: manifest fields (Lua source, e.g.
-- 'currency = "EUR"') after name and version, and policy.lua's source
-- (default: acknowledge every complaint with the template ack). Returns dir.
function M.pack(dir, name, version, policy, manifest)
  M.write(dir .. "/pack.lua", string.format('return { name = %q, version = %q, languages = { "en" }%s }\n',
    name, version, manifest and (", " .. manifest) or ""))
  M.write(dir .. "/templates/en.lua", 'return { ack = "Thanks, {name}: case {case_id}." }\n')
  M.write(dir .. "/policy.lua", policy or
    "local P = {}\nfunction P.on_complaint(case, act) act:acknowledge { template = 'ack' } end\nreturn P\n")
  return dir
end

--- Writes dir/redress.conf.lua returning the config source body (the
-- inside of the table, Lua source) with data_dir set. Returns its path.
function M.config(dir, body)
  local path = dir .. "/redress.conf.lua"
  M.write(path, "return {\n  data_dir = " .. string.format("%q", dir .. "/data") .. ",\n" .. body .. "\n}\n")
  return path
end

return M
