-- Packs in the daemon: listing, routing rules, reload (admin endpoint and
-- SIGHUP), a broken pack never replacing a working one, cases pinned to the
-- version that opened them (across reload and restart), migration, and the
-- operator's per-installation settings.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"

local function copy_pack(dir)
  os.execute("mkdir -p " .. H.sh_quote(dir) .. " && cp -r " .. H.sh_quote(H.root .. "/policies/retail") .. "/. " .. H.sh_quote(dir))
end

local function edit(path, from, to)
  local s = H.read_file(path)
  local n
  s, n = s:gsub(from, to)
  assert(n > 0, "no match for " .. from .. " in " .. path)
  H.write_file(path, s)
end

local function offer_amount(res)
  for _, a in ipairs(res.decision.actions) do
    if a.type == "offer" then return a.amount end
  end
end

local function until_ok(fn, secs)
  local deadline = H.now() + (secs or 5)
  repeat
    local ok, v = pcall(fn)
    if ok and v then return v end
    H.sleep(0.05)
  until H.now() > deadline
  return fn()
end

describe("packs", function()
  local d, pack_dir, social_dir

  setup(function()
    d = H.new()
    pack_dir = d.dir .. "/packs/retail"
    copy_pack(pack_dir)
    -- a second pack for social media, routed by channel
    social_dir = d.dir .. "/packs/social"
    copy_pack(social_dir)
    edit(social_dir .. "/pack.lua", 'name = "retail"', 'name = "social"')
    d.config.packs = { pack_dir, social_dir }
    d.config.default_pack = "retail"
    d.config.routes = { { when = { channel = "social" }, pack = "social" } }
    d:write_config()
    d:start()
  end)
  teardown(function() if d then d:cleanup() end end)

  local old_case

  it("GET /v1/packs lists what is loaded", function()
    local s, res, _, raw = d:get("/v1/packs", "test-read")
    assert.are.equal(200, s, raw)
    local byname = {}
    for _, p in ipairs(res.packs) do byname[p.name] = p end
    assert.are.equal("0.1.0", byname.retail.version)
    assert.is_true(byname.retail.default)
    assert.is_false(byname.social.default)
    assert.is_string(byname.retail.hash)
    assert.are.same({ "en", "th", "fa", "zh", "ru" }, byname.retail.languages)
    assert.are.equal(10, byname.retail.settings.coupon_percent)
    assert.are.same({ "on_complaint", "on_event" }, byname.retail.handlers)
    assert.are.equal("social", res.routes[1].pack)
    assert.are.same({ "social" }, res.routes[1].when.channel)
  end)

  it("routes a complaint by the config rules, else to the default pack", function()
    local _, res = d:post("/v1/complaints", H.complaint { channel = "social", customer = { id = "c-social" } })
    assert.are.equal("social", res.case.pack.name)
    assert.are.equal("social", res.decision.pack.name)
    local _, res2 = d:post("/v1/complaints", H.complaint { customer = { id = "c-old" } })
    assert.are.equal("retail", res2.case.pack.name)
    old_case = res2.case.id
    assert.are.equal(500, offer_amount(res2))
  end)

  it("only an admin may reload", function()
    local s, res = d:post("/v1/admin/reload", {}, { token = "test-agent" })
    H.assert_error(s, res, 403, "forbidden")
  end)

  it("reloads a new version; new cases use it, old cases stay on theirs", function()
    edit(pack_dir .. "/pack.lua", 'version = "0.1.0"', 'version = "0.2.0"')
    edit(pack_dir .. "/pack.lua", "coupon_percent = 10", "coupon_percent = 20")
    local s, res, _, raw = d:post("/v1/admin/reload", {})
    assert.are.equal(200, s, raw)
    assert.is_true(res.reloaded)
    local _, packs = d:get("/v1/packs", "test-read")
    local v
    for _, p in ipairs(packs.packs) do if p.name == "retail" then v = p.version end end
    assert.are.equal("0.2.0", v)

    local _, new = d:post("/v1/complaints", H.complaint { customer = { id = "c-new" } })
    assert.are.equal("0.2.0", new.case.pack.version)
    assert.are.equal(999, offer_amount(new))  -- 20% of 49.99

    local st, ev = d:post("/v1/cases/" .. old_case .. "/events", { type = "case.resolved" })
    assert.are.equal(200, st)
    assert.are.equal("0.1.0", ev.decision.pack.version)
  end)

  it("counts the cases pinned to each version, the earlier one too (the console's Packs screen)", function()
    local _, packs = d:get("/v1/packs", "test-read")
    local old = select(2, d:get("/v1/cases/" .. old_case, "test-read")).case
    local old_open = ({ resolved = 0, closed = 0, rejected = 0 })[old.status] or 1
    assert.are.same({ ["retail@0.1.0"] = { cases = 1, open = old_open }, ["retail@0.2.0"] = { cases = 1, open = 1 },
      ["social@0.1.0"] = { cases = 1, open = 1 } }, packs.pinned)
    -- and the work queue of one version (its link)
    local s, q, _, raw = d:get("/v1/queue?pack=retail&pack_version=0.2.0", "test-read")
    assert.are.equal(200, s, raw)
    assert.are.equal(1, #q.cases)
    assert.are.equal(old_open, #select(2, d:get("/v1/queue?pack=retail&pack_version=0.1.0", "test-read")).cases)
  end)

  it("keeps the running packs when the new ones are broken", function()
    local good = H.read_file(pack_dir .. "/policy.lua")
    H.write_file(pack_dir .. "/policy.lua", "local P = {\nreturn P\n")
    local s, res = d:post("/v1/admin/reload", {})
    H.assert_error(s, res, 422, "reload_failed")
    assert.matches("policy.lua:%d+:", res.error.message)
    local st, c = d:post("/v1/complaints", H.complaint { customer = { id = "c-after-broken" } })
    assert.are.equal(201, st)
    assert.are.equal("0.2.0", c.case.pack.version)
    assert.are.equal("decided", c.decision.outcome)
    H.write_file(pack_dir .. "/policy.lua", good)
  end)

  it("reloads on SIGHUP", function()
    edit(pack_dir .. "/pack.lua", 'version = "0.2.0"', 'version = "0.3.0"')
    d:signal("HUP")
    local v = until_ok(function()
      local _, packs = d:get("/v1/packs", "test-read")
      for _, p in ipairs(packs.packs) do
        if p.name == "retail" and p.version == "0.3.0" then return p.version end
      end
    end)
    assert.are.equal("0.3.0", v)
    assert.matches('"msg":"reloaded"', d:log())
  end)

  it("keeps a case on its version across a restart (from the store's copy)", function()
    assert.are.equal(0, d:stop())
    d:start()
    local st, ev = d:post("/v1/cases/" .. old_case .. "/events", { type = "satisfaction.reported", data = { score = 5 } })
    assert.are.equal(200, st)
    assert.are.equal("0.1.0", ev.decision.pack.version)
    assert.are.equal("decided", ev.decision.outcome)
  end)

  it("moves cases to the current version when the config says migrate_cases", function()
    d.config.migrate_cases = true
    d:write_config()
    local s = d:post("/v1/admin/reload", {})
    assert.are.equal(200, s)
    local _, ev = d:post("/v1/cases/" .. old_case .. "/events", { type = "agent.note", data = { note = "x" } })
    assert.are.equal("0.3.0", ev.decision.pack.version)
  end)

  it("applies the operator's settings from pack_settings", function()
    d.config.pack_settings = { retail = { coupon_percent = 30 } }
    d:write_config()
    assert.are.equal(200, (d:post("/v1/admin/reload", {})))
    local _, res = d:post("/v1/complaints", H.complaint { customer = { id = "c-settings" } })
    assert.are.equal(1499, offer_amount(res))
  end)

  it("refuses a setting the pack does not have", function()
    d.config.pack_settings = { retail = { coupon_prcent = 30 } }
    d:write_config()
    local s, res = d:post("/v1/admin/reload", {})
    H.assert_error(s, res, 422, "reload_failed")
    assert.matches("pack_settings.retail.coupon_prcent", res.error.message)
  end)

  -- A reload runs on every decision worker's Lua state from the writer's
  -- thread, while the workers wait: no job may be handed to a worker
  -- meanwhile (rd__dispatch). Reloads among a stream of complaints: every
  -- complaint decided once, every reload taken.
  it("reloads while complaints keep arriving", function()
    d.config.pack_settings = nil
    d:write_config()
    local before = d:count_cases()
    local bodies = {}
    for i = 1, 300 do bodies[i] = H.complaint { customer = { id = "c-stream-" .. (i % 40) } } end
    local wait = d:complain_in_background(bodies, 3)
    for _ = 1, 12 do
      local s, res, _, raw = d:post("/v1/admin/reload", {})
      assert.are.equal(200, s, raw)
      assert.is_true(res.reloaded)
      H.sleep(0.02)
    end
    local codes = wait()
    assert.are.same({ ["201"] = 300 }, codes)
    assert.are.equal(before + 300, d:count_cases())
    assert.are.equal(200, (d:get("/healthz")))
  end)
end)
