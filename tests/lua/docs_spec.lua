-- The docs say what the code does: the README tutorial's files are the
-- example pack's files, and the reference tables list exactly the actions,
-- routes and config keys the code has.
local root = os.getenv("REDRESS_ROOT") or "."

local function read(path)
  local f = assert(io.open(root .. "/" .. path))
  local s = f:read("a")
  f:close()
  return s
end

local readme = read("README.md")
local api_md = read("docs/API.md")

describe("README tutorial", function()
  local blocks = {}
  for path, body in readme:gmatch("<!%-%- file: (%S+) %-%->\n```%w*\n(.-)```") do blocks[#blocks + 1] = { path, body } end

  it("shows every file of examples/custom-policy", function()
    local shown = {}
    for _, b in ipairs(blocks) do shown[b[1]] = true end
    for _, f in ipairs { "pack.lua", "policy.lua", "templates/en.lua", "templates/th.lua", "spec/bakery_spec.lua" } do
      assert.is_true(shown["examples/custom-policy/" .. f], f .. " is not in the tutorial")
    end
  end)

  it("shows each file exactly as it is", function()
    assert.is_true(#blocks >= 5)
    for _, b in ipairs(blocks) do
      assert.equal(read(b[1]), b[2], b[1] .. " differs from the README")
    end
  end)
end)

describe("policy API reference", function()
  it("lists exactly the act methods", function()
    local code, doc = {}, {}
    for name in read("runtime/lua/redress/act.lua"):gmatch("function impl%.([%w_]+)") do code[name] = true end
    local section = readme:match("## Policy API reference(.-)\n## ")
    for name in section:gmatch("`act:([%w_]+)") do doc[name] = true end
    assert.same(code, doc)
  end)

  it("lists the modules a policy may require", function()
    local pack_src = read("runtime/lua/redress/pack.lua")
    for name in pack_src:gmatch('%["(redress%.[%w_]+)"%] =') do
      assert.matches("`" .. name:gsub("%.", "%%.") .. "`", readme)
    end
  end)
end)

describe("HTTP reference", function()
  local paths = {}
  for p in read("runtime/lua/redress/api.lua"):gmatch('path == "(/[^"]+)"') do paths[#paths + 1] = p end

  it("has every route in docs/API.md and the README", function()
    assert.is_true(#paths >= 8)
    for _, p in ipairs(paths) do
      assert.is_truthy(api_md:find(p, 1, true), p .. " missing from docs/API.md")
      assert.is_truthy(readme:find(p, 1, true), p .. " missing from README")
    end
    assert.is_truthy(api_md:find("/v1/cases/{id}/events", 1, true))
  end)

  it("documents every error code the API returns", function()
    local codes = {}
    for _, f in ipairs { "runtime/lua/redress/api.lua", "runtime/lua/redress/engine.lua", "runtime/lua/redress/validate.lua",
        "runtime/lua/redress/json.lua", "runtime/lua/redress/decide.lua",
        "runtime/lua/redress/console.lua" } do
      local src = read(f)
      for c in src:gmatch('code = "([%w_]+)"') do codes[c] = true end
      for c in src:gmatch('err%(%d+, "([%w_]+)"') do codes[c] = true end
      for c in src:gmatch('"(invalid_[%w_]+)"') do codes[c] = true end
    end
    codes.payload_too_large = true -- sent by runtime/http.c
    for c in pairs(codes) do
      assert.is_truthy(api_md:find("`" .. c .. "`", 1, true), "error code " .. c .. " missing from docs/API.md")
    end
  end)
end)

describe("configuration reference", function()
  it("lists every config key and limit", function()
    local config = require "redress.config"
    local src = read("runtime/lua/redress/config.lua")
    local keys = {}
    for k in src:gmatch("raw%.([%w_]+)") do keys[k] = true end
    for k in pairs(config.defaults) do keys["limits." .. k] = true end
    keys.limits = nil
    local section = readme:match("## Configuration(.-)\n## ")
    for k in pairs(keys) do
      assert.is_truthy(section:find("`" .. k .. "`", 1, true), "config key " .. k .. " missing from the README")
    end
  end)
end)
