-- The trusted Lua's layers only point down: no module requires, directly
-- or through others, a module that requires it (a cycle would be hidden by
-- whichever loads first, and break when the order changes). Every
-- `require` in the source counts, at the top of a file or inside a function.
local root = os.getenv("REDRESS_ROOT") or "."

local function modules()
  local out = {}
  for _, dir in ipairs { "runtime/lua/redress", "stdlib/redress" } do
    local p = io.popen("ls " .. root .. "/" .. dir .. "/*.lua")
    for path in p:lines() do
      out["redress." .. path:match("([%w_]+)%.lua$")] = path
    end
    p:close()
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
end)
