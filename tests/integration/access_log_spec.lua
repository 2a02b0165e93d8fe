-- The access log: one JSON line per answered request, through the daemon's
-- real stderr; `log = { access = false }` turns it off.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"
local cjson = H.json

-- The access lines of a daemon's log, decoded.
local function access_lines(d)
  local out = {}
  for line in d:log():gmatch("[^\n]+") do
    local ok, t = pcall(cjson.decode, line)
    assert.is_true(ok, "a log line that is not JSON: " .. line)
    if t.msg == "request" then out[#out + 1] = t end
  end
  return out
end

describe("the access log", function()
  local d
  setup(function()
    d = H.new()
    d:start()
  end)
  teardown(function() d:cleanup() end)

  it("has a line per request, answered by the API or by the engine", function()
    local before = #access_lines(d)
    local s, res, _, raw = d:post("/v1/complaints", H.complaint{ customer = { id = "cust-access" } })
    assert.are.equal(201, s, raw)
    s = d:get("/v1/cases/" .. res.case.id, "test-read")
    assert.are.equal(200, s)
    s = d:get("/v1/cases?customer=cust-access&stauts=open", "test-read")
    assert.are.equal(422, s)
    s = d:get("/v1/cases/" .. res.case.id, "not-a-token")
    assert.are.equal(401, s)

    local lines = access_lines(d)
    assert.are.equal(before + 4, #lines)
    local want = {
      { "POST", "/v1/complaints", "complaints", 201 },
      { "GET", "/v1/cases/" .. res.case.id, "case", 200 },
      { "GET", "/v1/cases", "cases", 422 },
      { "GET", "/v1/cases/" .. res.case.id, "case", 401 },
    }
    for i, w in ipairs(want) do
      local l = lines[before + i]
      assert.are.same(w, { l.method, l.path, l.route, l.status })
      assert.is_true(l.bytes == math.floor(l.bytes) and l.bytes > 0, cjson.encode(l))
      assert.is_true(type(l.ms) == "number" and l.ms >= 0, cjson.encode(l))
      assert.are.equal("info", l.level)
    end
    -- who asked: the token's fingerprint and roles (never the token); none before authentication
    for i = 1, 3 do assert.matches("^%x%x%x%x%x%x%x%x%x%x%x%x [%a,]+$", lines[before + i].actor) end
    assert.matches(" read$", lines[before + 2].actor)
    assert.is_nil(lines[before + 4].actor)
  end)

  it("writes a path under /v1/customers by its shape, a mistyped one too", function()
    for _, p in ipairs { "/v1/customers/bob%40example.com/erase/", "/v1/Customers/bob@example.com/erase",
        "/v1/customers/bob@example.com" } do
      local st = d:post(p, nil, { token = "test-admin" })
      assert.are.equal(404, st)
    end
    local log = d:log()
    assert.is_nil(log:find("bob", 1, true))
    assert.truthy(log:find('"path":"/v1/customers/…"', 1, true))
  end)

  it("tells browsers and proxies not to keep JSON answers", function()
    local _, _, h = d:get("/v1/cases", "test-read")
    assert.are.equal("no-store", h["cache-control"])
    assert.are.equal("nosniff", h["x-content-type-options"])
  end)

  it("never writes the query (it may hold a customer id) nor the token", function()
    local log = d:log()
    assert.is_nil(log:find("cust-access", 1, true))
    assert.is_nil(log:find("not-a-token", 1, true))
  end)

  it("writes bytes a client sends that are not printable ASCII as ?", function()
    local s = d:get("/v1/x\195\169y", "test-read")
    assert.are.equal(404, s)
    local lines = access_lines(d)
    assert.are.equal("/v1/x??y", lines[#lines].path)
  end)
end)

describe("log = { access = false }", function()
  it("turns the access log off; the rest of the log stays", function()
    local d = H.new { log = { access = false } }
    d:start()
    local s = d:get("/healthz")
    assert.are.equal(200, s)
    d:stop()
    assert.are.equal(0, #access_lines(d))
    assert.matches('"msg":"stopped"', d:log())
    d:cleanup()
  end)

  it("a misspelt key is refused at start with its name", function()
    local d = H.new { log = { acess = false } }
    d:spawn()
    assert.are.equal(2, d:wait_exit(10))   -- a config error
    assert.matches("log%.acess: unknown key %(did you mean access%?%)", d:log())
    d:cleanup()
  end)
end)
