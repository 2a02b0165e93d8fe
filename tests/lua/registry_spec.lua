-- The packs a daemon runs (redress.registry): which pack a new complaint
-- goes to, which version decides an existing case, what a load refuses and
-- what sync stores. The store is the fixture's stand-in for rd.store.
local root = os.getenv("REDRESS_ROOT") or "."
local F = dofile(root .. "/tests/lua/fixture.lua")
local S = F.store()
local config = require "redress.config"
local json = require "redress.json"
local registry = require "redress.registry"

local CONF = "test.conf.lua"

describe("redress.registry", function()
  local dir
  before_each(function() dir = F.tmpdir() end)
  after_each(function() F.rmdir(dir) end)

  -- A registry over the config table raw (data_dir filled in).
  local function load(raw)
    raw.data_dir = dir .. "/data"
    return registry.load(config.normalize(raw, CONF), CONF)
  end

  -- A policy that tags each case with its mark, so a decision shows which
  -- files made it.
  local function tagging(mark)
    return "local P = {}\nfunction P.on_complaint(case, act) act:set { tags = { '" .. mark .. "' } } end\nreturn P\n"
  end

  -- The registry's sync as one decision of a worker; returns its warnings
  -- and the write set.
  local function sync(reg)
    S:begin()
    local warnings = reg.sync()
    local set = S:commit()
    return warnings, set
  end

  describe("routing a new complaint", function()
    local reg
    before_each(function()
      F.pack(dir .. "/a", "alpha", "1.0.0")
      F.pack(dir .. "/b", "beta", "1.0.0")
      F.pack(dir .. "/c", "gamma", "1.0.0")
      reg = load { packs = { dir .. "/a", dir .. "/b", dir .. "/c" }, default_pack = "beta", routes = {
        { when = { brand = "acme", channel = { "social", "chat" } }, pack = "gamma" },
        { when = { brand = "acme" }, pack = "alpha" },
        { when = { jurisdiction = "" }, pack = "gamma" },
      } }
    end)

    it("takes the first rule whose every field matches, and says which", function()
      local p, rule = reg.route { brand = "acme", channel = "chat", jurisdiction = "EU" }
      assert.are.equal("gamma", p.name)
      assert.are.equal(1, rule)
      p, rule = reg.route { brand = "acme", channel = "email", jurisdiction = "EU" }
      assert.are.equal("alpha", p.name)
      assert.are.equal(2, rule)
    end)

    it("matches a field the complaint lacks as the empty string", function()
      local p, rule = reg.route { brand = "other", channel = "email" }
      assert.are.equal("gamma", p.name)
      assert.are.equal(3, rule)
    end)

    it("falls back to the default pack, with no rule number", function()
      local p, rule = reg.route { brand = "other", channel = "email", jurisdiction = "EU" }
      assert.are.equal("beta", p.name)
      assert.is_nil(rule)
      assert.are.equal(reg.default, p)
    end)

    it("makes the first listed pack the default when the config names none", function()
      local r = load { packs = { dir .. "/c", dir .. "/a" } }
      assert.are.equal("gamma", r.default.name)
      assert.are.same({ "gamma", "alpha" }, { r.order[1].name, r.order[2].name })
      assert.are.equal(r.current.alpha, r.versions["alpha@1.0.0"])
    end)
  end)

  describe("refusing a config", function()
    before_each(function()
      F.pack(dir .. "/a", "alpha", "1.0.0")
      F.pack(dir .. "/a2", "alpha", "2.0.0")
    end)

    local function refusal(raw)
      local ok, err = pcall(load, raw)
      assert.is_false(ok)
      return err
    end

    it("names what no loaded pack answers to", function()
      local packs = { dir .. "/a" }
      assert.are.equal(CONF .. ": default_pack: no loaded pack is named beta",
        refusal { packs = packs, default_pack = "beta" })
      assert.are.equal(CONF .. ": routes[2].pack: no loaded pack is named beta", refusal { packs = packs,
        routes = { { when = { brand = "x" }, pack = "alpha" }, { when = { brand = "y" }, pack = "beta" } } })
      assert.are.equal(CONF .. ": pack_settings.beta: no loaded pack has that name",
        refusal { packs = packs, pack_settings = { beta = {} } })
      assert.are.equal(CONF .. ": calendars.beta: no loaded pack has that name",
        refusal { packs = packs, calendars = { beta = { zone = "UTC" } } })
    end)

    it("refuses two packs of one name", function()
      assert.are.equal(dir .. "/a2: a pack named alpha is already loaded",
        refusal { packs = { dir .. "/a", dir .. "/a2" } })
    end)

    it("refuses the whole config when one pack is broken, naming its folder", function()
      F.write(dir .. "/a2/policy.lua", "return {}\n")
      F.pack(dir .. "/b", "beta", "1.0.0")
      assert.are.equal(dir .. "/a2: policy.lua must define on_complaint(case, act)",
        refusal { packs = { dir .. "/b", dir .. "/a2" } })
    end)
  end)

  describe("the version that decides a case", function()
    local v1
    before_each(function()
      F.pack(dir .. "/p", "p", "1.0.0", tagging("v1"))
      v1 = load { packs = { dir .. "/p" } }
      sync(v1)  -- the daemon stores every version it runs
      F.pack(dir .. "/p", "p", "2.0.0", tagging("v2"))
    end)

    it("is the version the case was opened with, loaded from the store once the folder moved on", function()
      local v2 = load { packs = { dir .. "/p" } }
      assert.are.equal("2.0.0", v2.current.p.version)
      local case = { pack = { name = "p", version = "1.0.0" } }
      local p = v2.for_case(case)
      assert.are.equal("1.0.0", p.version)
      assert.are.equal("store:p@1.0.0", p.source)
      assert.are.equal(v1.current.p.hash, p.hash)
      assert.are.equal(p, v2.for_case(case)) -- loaded once, then kept
      assert.are.equal(p, v2.versions["p@1.0.0"])
      -- and it decides as version 1.0.0 did
      local decide = require "redress.decide"
      local c = decide.new_case({ customer = { id = "c1" }, channel = "email", category = "x", description = "x",
        language = "en" }, "C0000000001", p, 1796122851591)
      decide.run(c, p, "complaint.received", {}, 1796122851591, "on_complaint")
      assert.are.same({ "v1" }, c.tags)
    end)

    it("is the current one for a case of the current version", function()
      local v2 = load { packs = { dir .. "/p" } }
      assert.are.equal(v2.current.p, v2.for_case { pack = { name = "p", version = "2.0.0" } })
    end)

    it("is none for a version neither loaded nor stored", function()
      local v2 = load { packs = { dir .. "/p" } }
      assert.is_nil(v2.for_case { pack = { name = "p", version = "0.9.0" } })
      assert.is_nil(v2.for_case { pack = { name = "nope", version = "1.0.0" } })
    end)

    it("is the current one of the same name when the config migrates cases", function()
      local v2 = load { packs = { dir .. "/p" }, migrate_cases = true }
      assert.are.equal(v2.current.p, v2.for_case { pack = { name = "p", version = "1.0.0" } })
      assert.is_nil(v2.for_case { pack = { name = "nope", version = "1.0.0" } })
    end)
  end)

  describe("sync", function()
    it("stores each version once, and the list GET /v1/packs shows", function()
      F.pack(dir .. "/a", "alpha", "1.0.0", nil, 'jurisdictions = { "EU" }, currency = "EUR"')
      F.pack(dir .. "/b", "beta", "1.2.0")
      local reg = load { packs = { dir .. "/a", dir .. "/b" }, default_pack = "beta",
        routes = { { when = { channel = { "social", "chat" }, brand = "acme" }, pack = "alpha" } } }
      local warnings, set = sync(reg)
      assert.are.same({}, warnings)
      local stored = json.decode(set.packs["alpha@1.0.0"])
      assert.are.equal(reg.current.alpha.hash, stored.hash)
      assert.are.equal(reg.current.alpha.files["policy.lua"], stored.files["policy.lua"])
      assert.is_string(set.packs["beta@1.2.0"])

      local list = json.decode(set.meta.packs)
      assert.are.same({ "alpha", "beta" }, { list.packs[1].name, list.packs[2].name })
      assert.are.same({ false, true }, { list.packs[1].default, list.packs[2].default })
      assert.are.same({ "EU" }, list.packs[1].jurisdictions)
      assert.are.equal("EUR", list.packs[1].currency)
      assert.are.same({ "on_complaint" }, list.packs[2].handlers)
      assert.are.same({ { pack = "alpha", when = { brand = { "acme" }, channel = { "chat", "social" } } } }, list.routes)
      assert.is_false(list.migrate_cases)
      assert.matches('"jurisdictions":%[%]', set.meta.packs) -- beta's: an array, even empty

      -- unchanged files: no version is written again
      local _, again = sync(reg)
      assert.is_nil(again.packs)
      assert.are.equal(set.meta.packs, again.meta.packs)
    end)

    it("warns when a version's files changed without a bump, and stores the new files", function()
      F.pack(dir .. "/p", "p", "1.0.0", tagging("v1"))
      sync(load { packs = { dir .. "/p" } })
      F.pack(dir .. "/p", "p", "1.0.0", tagging("edited"))
      local reg = load { packs = { dir .. "/p" } }
      local warnings, set = sync(reg)
      assert.are.same({ "pack p 1.0.0 changed without a version bump; cases pinned to 1.0.0 are now decided by the new files" },
        warnings)
      assert.are.equal(reg.current.p.hash, json.decode(set.packs["p@1.0.0"]).hash)
    end)
  end)
end)
