-- Bearer tokens and roles.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"

describe("authentication and roles", function()
  local d, case_id

  setup(function()
    d = H.new()
    d:start()
    local s, res, _, raw = d:post("/v1/complaints", H.complaint{ customer = { id = "cust-auth" } }, { token = "test-admin" })
    assert.are.equal(201, s, raw)
    case_id = res.case.id
  end)

  teardown(function()
    if d then d:cleanup() end
  end)

  local function routes()
    return {
      { "GET", "/metrics" },
      { "POST", "/v1/complaints", H.complaint{ customer = { id = "cust-auth-2" } } },
      { "POST", "/v1/cases/" .. case_id .. "/events", { type = "agent.note", data = { note = "n" } } },
      { "GET", "/v1/cases/" .. case_id },
      { "GET", "/v1/cases" },
      { "GET", "/v1/outbox" },
      { "POST", "/v1/outbox/ack", { seqs = { 999999 } } },
    }
  end

  -- which roles may call each route (API.md); admin may do everything
  local ALLOWED = {
    ["GET /metrics"] = { read = true },
    ["POST /v1/complaints"] = { intake = true, agent = true },
    ["POST /v1/cases/{id}/events"] = { agent = true },
    ["GET /v1/cases/{id}"] = { read = true, agent = true },
    ["GET /v1/cases"] = { read = true, agent = true },
    ["GET /v1/outbox"] = { agent = true },
    ["POST /v1/outbox/ack"] = { agent = true },
  }
  local function route_key(r)
    return r[1] .. " " .. r[2]:gsub("/v1/cases/[^/]+/events", "/v1/cases/{id}/events"):gsub("^/v1/cases/[^/?]+$", "/v1/cases/{id}")
  end

  it("GET /healthz needs no token", function()
    local s, b = d:get("/healthz", false)
    assert.are.equal(200, s)
    assert.are.same({ status = "ok" }, b)
  end)

  it("every protected route without a token is 401 and writes nothing", function()
    local before = d:all_cases()
    for _, r in ipairs(routes()) do
      local s, b = d:request(r[1], r[2], { token = false, body = r[3] })
      assert.are.equal(401, s, route_key(r))
      H.assert_error(s, b, 401, "unauthorized")
    end
    assert.are.same(before, d:all_cases())
  end)

  it("an unknown token is 401", function()
    for _, r in ipairs(routes()) do
      local s, b = d:request(r[1], r[2], { token = "test-nobody", body = r[3] })
      assert.are.equal(401, s, route_key(r))
      H.assert_error(s, b, 401, "unauthorized")
    end
  end)

  it("a malformed Authorization header is 401", function()
    for _, v in ipairs{ "test-admin", "Basic dC1hZG1pbjp4", "Bearer", "Bearer ", "Bearer test-admin x" } do
      local s, b = d:request("GET", "/v1/cases", { token = false, headers = { Authorization = v } })
      assert.are.equal(401, s, "Authorization: " .. v)
      H.assert_error(s, b, 401, "unauthorized")
    end
  end)

  it("the intake token on GET /v1/cases is 403 forbidden", function()
    local s, b = d:get("/v1/cases", "test-intake")
    H.assert_error(s, b, 403, "forbidden")
  end)

  it("the read token on POST /v1/complaints is 403 and writes nothing", function()
    local before = d:all_cases()
    local s, b = d:post("/v1/complaints", H.complaint{ customer = { id = "cust-auth-read" } }, { token = "test-read" })
    H.assert_error(s, b, 403, "forbidden")
    assert.are.same(before, d:all_cases())
  end)

  it("each role gets exactly the routes API.md gives it", function()
    for _, role in ipairs{ "intake", "agent", "read", "admin" } do
      for _, r in ipairs(routes()) do
        local s, b, _, raw = d:request(r[1], r[2], { token = "test-" .. role, body = r[3] })
        local key = route_key(r)
        local allowed = role == "admin" or ALLOWED[key][role]
        if allowed then
          assert.is_true(s == 200 or s == 201, role .. " on " .. key .. ": " .. tostring(s) .. " " .. tostring(raw))
        else
          assert.are.equal(403, s, role .. " on " .. key)
          H.assert_error(s, b, 403, "forbidden")
        end
      end
    end
  end)
end)
