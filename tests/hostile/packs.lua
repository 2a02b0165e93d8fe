--- Writes every attack of attacks.lua as a pack folder under root:
-- root/h-<name>/{pack.lua, policy.lua, templates/en.lua, modules/m.lua,
-- README.md, spec/attack_spec.lua}. Returns the attacks, each with .dir.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local attacks = dofile(here .. "/attacks.lua")

local M = { here = here }

local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

local function q(s) return string.format("%q", s) end

--- The complaint every hostile spec sends (an order, so refunds apply).
M.COMPLAINT = '{"customer":{"id":"cust-1","name":"Anna"},"channel":"email","language":"en",' ..
  '"category":"late_delivery","description":"My parcel is late.","order":{"id":"A-1","amount":4999,"currency":"EUR"}}'

function M.write(root)
  for _, a in ipairs(attacks) do
    local name = "h-" .. a.name
    local dir = root .. "/" .. name
    assert(os.execute("mkdir -p '" .. dir .. "/templates' '" .. dir .. "/modules' '" .. dir .. "/spec'"))
    local manifest = string.format('return { name = %q, version = "1.0.0", languages = { "en" }, currency = "EUR"%s }\n',
      name, a.at == "module" and ', modules = { "m" }' or "")
    write(dir .. "/pack.lua", (a.at == "manifest" and (a.body .. "\n") or "") .. manifest)
    write(dir .. "/templates/en.lua", (a.at == "template" and (a.body .. "\n") or "") .. 'return { ack = "Thanks" }\n')
    if a.at == "module" then write(dir .. "/modules/m.lua", a.body .. "\nreturn {}\n") end
    write(dir .. "/policy.lua", table.concat {
      a.at == "load" and (a.body .. "\n") or "",
      a.at_top and (a.at_top .. "\n") or "",
      "local P = {}\nfunction P.on_complaint(case, act)\n",
      a.at == nil and ("  " .. a.body .. "\n") or "",
      "  act:acknowledge { template = 'ack' }\nend\nreturn P\n" })
    write(dir .. "/README.md", "# " .. name .. "\n\nA hostile pack for the sandbox's specs (tests/hostile). Not for use.\n")
    write(dir .. "/spec/attack_spec.lua", table.concat {
      "-- Runs the attack through redress.testing, as a pack author's specs would.\n",
      "local judge = dofile(", q(here .. "/judge.lua"), ")\n",
      "describe(", q(name), ", function()\n",
      "  it('is stopped within its limits, or guarded', function()\n",
      "    local ok, why = judge.in_specs(", q(a.name), ", os.getenv('REDRESS_PACK'))\n",
      "    assert(ok, why)\n",
      "  end)\nend)\n" })
    a.dir = dir
    a.pack = name
  end
  return attacks
end

return M
