-- The trusted Lua's layers only point down: no module requires, directly
-- or through others, a module that requires it (a cycle would be hidden by
-- whichever loads first, and break when the order changes). Every
-- `require` in the source counts, at the top of a file or inside a function.
local root = os.getenv("REDRESS_ROOT") or "."

-- The paths of dir's files matching a shell pattern.
local function files(dir, pattern)
  local out = {}
  local p = io.popen("ls " .. root .. "/" .. dir .. "/" .. pattern)
  for path in p:lines() do out[#out + 1] = path end
  p:close()
  return out
end

local function modules()
  local out = {}
  for _, dir in ipairs { "runtime/lua/redress", "stdlib/redress" } do
    for _, path in ipairs(files(dir, "*.lua")) do
      out["redress." .. path:match("([%w_]+)%.lua$")] = path
    end
  end
  return out
end

local function requires(path)
  local f = assert(io.open(path))
  local src = f:read("a")
  f:close()
  local out = {}
  for line in src:gmatch("[^\n]+") do
    local code = line:gsub("%-%-.*$", "")
    for name in code:gmatch("require%s*%(?%s*[\"']([%w%._]+)[\"']") do out[name] = true end
  end
  return out
end

describe("the trusted Lua's layers", function()
  it("have no require cycle", function()
    local mods = modules()
    local graph = {}
    for name, path in pairs(mods) do graph[name] = requires(path) end
    local state, stack = {}, {}
    local function visit(n)
      if state[n] == "done" then return end
      if state[n] == "open" then
        local cycle, from = {}, nil
        for i, m in ipairs(stack) do if m == n then from = i end end
        for i = from, #stack do cycle[#cycle + 1] = stack[i] end
        cycle[#cycle + 1] = n
        error("require cycle: " .. table.concat(cycle, " → "), 0)
      end
      state[n] = "open"
      stack[#stack + 1] = n
      for m in pairs(graph[n] or {}) do if mods[m] then visit(m) end end
      stack[#stack] = nil
      state[n] = "done"
    end
    local names = {}
    for n in pairs(mods) do names[#names + 1] = n end
    table.sort(names)
    for _, n in ipairs(names) do visit(n) end
  end)

  it("reach the raw store only through redress.store", function()
    local mods = modules()
    for name, path in pairs(mods) do
      if name ~= "redress.store" then
        assert.is_nil(requires(path)["rd.store"], path .. " requires rd.store: go through redress.store")
      end
    end
  end)
end)

-- The C's import arrows: bindings/ (the sandboxed Lua states) below
-- runtime/ (the daemon); LMDB only in the store; Lua called only through
-- the two protected-call helpers.
describe("the C's layers", function()
  local function read(path)
    local f = assert(io.open(path))
    local s = f:read("a")
    f:close()
    return s
  end
  local function sources()
    local out = files("bindings", "*.[ch]")
    for _, f in ipairs(files("runtime", "*.[ch]")) do out[#out + 1] = f end
    return out
  end

  it("bindings/ includes no runtime header", function()
    for _, path in ipairs(files("bindings", "*.[ch]")) do
      for inc in read(path):gmatch('#include%s*"([^"]+)"') do
        assert.is_nil(inc:find("runtime/", 1, true), path .. " includes " .. inc)
      end
    end
  end)

  it("only the store (store.c, store_writes.c, store_backup.c) uses LMDB", function()
    for _, path in ipairs(sources()) do
      if not (path:match("runtime/store%.c$") or path:match("runtime/store_writes%.c$") or
          path:match("runtime/store_backup%.c$")) then
        local src = read(path)
        assert.is_nil(src:find("%f[%w_]mdb_"), path .. " calls LMDB")
        assert.is_nil(src:find("#include%s*<lmdb%.h>"), path .. " includes lmdb.h")
      end
    end
  end)

  it("keeps NATS behind runtime/cluster.c", function()
    for _, path in ipairs(sources()) do
      if not path:match("runtime/cluster%.c$") then
        local src = read(path)
        assert.is_nil(src:find("#include%s*<nats/"), path .. " includes a NATS header")
        assert.is_nil(src:find("%f[%w_]js_%u"), path .. " calls JetStream")
        assert.is_nil(src:find("%f[%w_]kvStore_"), path .. " calls the NATS key-value store")
        assert.is_nil(src:find("%f[%w_]natsConnection_"), path .. " calls NATS")
      end
    end
  end)

  it("calls lua_pcall only in the two protected-call helpers", function()
    for _, path in ipairs(sources()) do
      local src = read(path)
      local n = select(2, src:gsub("%f[%w_]lua_pcall%(", ""))
      -- state.c: rd_lua_pcall (trusted code); rd.c: rd.sandbox_call (policies)
      local allowed = ({ ["state.c"] = 2, ["rd.c"] = 1 })[path:match("([^/]+)$")] or 0
      assert.are.equal(allowed, n, path .. " calls lua_pcall")
    end
  end)
end)
