-- Every built-in pack through the daemon, the way its customers' cases
-- really go: each fixture complaint of the pack, then the follow-up events
-- an agent and the customer send (investigation concluded, a reply, an
-- approval decided, an offer accepted, resolved, satisfaction). A case read
-- back from the store must decide as well as a fresh one: no policy_error
-- on any step. Also: `redress decide` prints the same bytes twice.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"

local PACKS = { "retail", "retail-eu", "ecommerce-cn", "airline-eu261", "hospitality", "telecom" }

local function fixtures(pack)
  local out = {}
  local p = io.popen("ls " .. H.root .. "/examples/complaints/" .. pack .. "/*.json")
  for path in p:lines() do out[#out + 1] = path end
  p:close()
  return out
end

describe("follow-up events through the daemon", function()
  local d
  setup(function()
    d = H.new()
    local dirs, routes = {}, {}
    for _, name in ipairs(PACKS) do
      dirs[#dirs + 1] = H.root .. "/policies/" .. name
      routes[#routes + 1] = { when = { brand = "fu-" .. name }, pack = name }
    end
    d.config.packs, d.config.routes = dirs, routes
    d:write_config()
    d:start()
  end)
  teardown(function() if d then d:cleanup() end end)

  for _, name in ipairs(PACKS) do
    it("walks every " .. name .. " fixture through its follow-ups without a policy error", function()
      local cjson = require "cjson"
      for _, path in ipairs(fixtures(name)) do
        local body = cjson.decode(H.read_file(path))
        body.brand = "fu-" .. name
        local s, res, _, raw = d:post("/v1/complaints", body)
        assert.are.equal(201, s, path .. ": " .. tostring(raw))
        assert.are.equal(name, res.case.pack.name, path)
        assert.are.equal("decided", res.decision.outcome, path .. ": " .. tostring(res.decision.error))
        local id = res.case.id
        local function event(ty, data)
          local st, r, _, rawe = d:post("/v1/cases/" .. id .. "/events", { type = ty, data = data })
          assert.are.equal(200, st, path .. " " .. ty .. ": " .. tostring(rawe))
          assert.are.equal("decided", r.decision.outcome,
            path .. " " .. ty .. ": " .. tostring(r.decision.error))
          return r
        end
        local r = event("investigation.concluded", { justified = true, fault = "company", findings = "confirmed" })
        r = event("customer.replied", { message = "Thank you, here is my order number." })
        for _, ap in ipairs(r.case.approvals or {}) do
          if ap.status == "pending" then r = event("approval.granted", { approval_id = ap.id }) end
        end
        for _, o in ipairs(r.case.offers or {}) do
          if o.status == "offered" then r = event("offer.accepted", { offer_id = o.id }); break end
        end
        event("case.resolved", { resolution = "done" })
        event("satisfaction.reported", { score = 4 })
      end
    end)
  end

  it("redress decide prints the same bytes for the same complaint", function()
    local cli = os.getenv("REDRESS_CLI") or (H.root .. "/build/redress")
    for _, name in ipairs(PACKS) do
      local f = fixtures(name)[1]
      local cmd = string.format("%s decide --pack %s %s --at 2026-11-20T10:00:00Z", H.sh_quote(cli),
        H.sh_quote(H.root .. "/policies/" .. name), H.sh_quote(f))
      local a, b = H.capture(cmd), H.capture(cmd)
      assert.is_true(#a > 100, name .. ": " .. a)
      assert.are.equal(a, b, name)
      assert.matches('^{"case":{"approvals":%[', a) -- keys in byte order
    end
  end)
end)
