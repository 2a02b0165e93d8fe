-- The config's cluster table (runtime/lua/redress/config.lua, M.cluster):
-- absent means one node; every key checked, unknown ones refused with the
-- file's line, defaults filled in.
local config = require "redress.config"

local SRC = [[
return {
  data_dir = "/tmp/x", packs = { "p" },
  cluster = {
    name = "n1",
    nats = { servers = { "nats://127.0.0.1:4222", "nats://127.0.0.1:4223" } },
    advertise = "http://127.0.0.1:8081",
  },
}
]]

local function parse(src)
  local raw = assert(load(src, "@c.lua", "t", {}))()
  return config.normalize(raw, "c.lua", src)
end

local function refused(src)
  local ok, err = pcall(parse, src)
  assert.is_false(ok)
  return err
end

describe("config: cluster", function()
  it("is absent for one node", function()
    assert.is_nil(parse('return { data_dir = "/tmp/x", packs = { "p" } }').cluster)
  end)

  it("fills in the defaults", function()
    local c = parse(SRC).cluster
    assert.are.same({ name = "n1", servers = { "nats://127.0.0.1:4222", "nats://127.0.0.1:4223" },
      stream = "redress", replicas = 3, advertise = "http://127.0.0.1:8081", lease_ms = 3000 }, c)
  end)

  it("refuses an unknown key with its line and the key meant", function()
    local err = refused(SRC:gsub("advertise =", "advertize ="))
    assert.are.equal("c.lua:6: cluster.advertize: unknown key (did you mean advertise?)", err)
    err = refused(SRC:gsub("servers =", "server ="))
    assert.matches("^c%.lua:5: cluster%.nats%.server: unknown key %(did you mean servers%?%)", err)
  end)

  it("checks each value", function()
    assert.matches("cluster%.nats%.servers: entry 2 must be a URL",
      refused(SRC:gsub('"nats://127.0.0.1:4223"', '"http://127.0.0.1:4223"')))
    assert.matches("cluster%.name: must be 1 to 40", refused(SRC:gsub('"n1"', '"n 1"')))
    assert.matches("cluster%.advertise: must be this node's HTTP URL",
      refused(SRC:gsub('"http://127.0.0.1:8081"', '"http://127.0.0.1:8081/v1"')))
    assert.matches("cluster%.lease_ms: must be an integer from 1000 to 60000",
      refused(SRC:gsub('name = "n1",', 'name = "n1", lease_ms = 500,')))
    assert.matches("cluster%.replicas: must be an integer from 1 to 5",
      refused(SRC:gsub('name = "n1",', 'name = "n1", replicas = 0,')))
    assert.matches("cluster%.nats: must be a table", refused(SRC:gsub("nats = {.-} },", 'nats = "x",')))
  end)

  it("bounds a request body in cluster mode, so a batch fits one message of the log", function()
    assert.are.equal(1024 * 1024, parse('return { data_dir = "/tmp/x", packs = { "p" } }').limits.max_body_bytes)
    assert.are.equal(config.CLUSTER_MAX_BODY, parse(SRC).limits.max_body_bytes)
    local small = SRC:gsub("data_dir =", "limits = { max_body_bytes = 65536 }, data_dir =")
    assert.are.equal(65536, parse(small).limits.max_body_bytes)
    local big = SRC:gsub("data_dir =", "limits = { max_body_bytes = 1048576 }, data_dir =")
    assert.matches("limits%.max_body_bytes: must be at most 262144 in cluster mode", refused(big))
  end)
end)
