-- GET /metrics (Prometheus text) and GET /healthz.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"

-- Sum of the samples of `name` whose label text contains every string in `labels`.
local function sample(text, name, labels)
  local total, found = 0, false
  for line in text:gmatch("[^\n]+") do
    if line:sub(1, 1) ~= "#" then
      local n, lbl, v = line:match("^([%w_:]+)(%b{})%s+(%S+)")
      if not n then
        n, v = line:match("^([%w_:]+)%s+(%S+)")
        lbl = ""
      end
      if n == name then
        local ok = true
        for _, l in ipairs(labels or {}) do
          if not lbl:find(l, 1, true) then ok = false end
        end
        if ok then
          found = true
          total = total + (tonumber(v) or 0)
        end
      end
    end
  end
  return found and total or nil
end

describe("metrics and health", function()
  local d

  local function metrics()
    local s, body, headers = d:get("/metrics", "test-read")
    assert.are.equal(200, s)
    assert.is_string(body)
    assert.is_truthy((headers["content-type"] or ""):find("text/plain", 1, true),
      "content-type " .. tostring(headers["content-type"]))
    return body
  end

  setup(function()
    d = H.new()
    d:start()
  end)

  teardown(function()
    if d then d:cleanup() end
  end)

  it("GET /healthz is 200 {status: ok}", function()
    local s, b = d:get("/healthz", false)
    assert.are.equal(200, s)
    assert.are.same({ status = "ok" }, b)
    s, b = d:get("/healthz", "test-read")
    assert.are.equal(200, s)
    assert.are.same({ status = "ok" }, b)
  end)

  it("names its threads, so top -H shows which one uses the CPU", function()
    local names = {}
    local p = io.popen("cat /proc/" .. d.pid .. "/task/*/comm")
    for line in p:lines() do names[line] = (names[line] or 0) + 1 end
    p:close()
    assert.are.equal(1, names["redressd"], "the loop thread keeps the process's name")
    assert.are.equal(1, names["rd-writer"])
    assert.are.equal(1, names["rd-worker-1"])
    assert.are.equal(1, names["rd-worker-2"]) -- the default two workers
    assert.are.equal(1, names["rd-readers"])
    assert.are.equal(1, names["rd-replays"])
  end)

  it("exposes every documented metric", function()
    local s = d:post("/v1/complaints", H.complaint{ customer = { id = "cust-m-0" } }, { token = "test-intake" })
    assert.are.equal(201, s)
    local text = metrics()
    for _, name in ipairs{
      "redress_http_requests_total", "redress_decisions_total", "redress_commit_batch_size",
      "redress_commit_seconds", "redress_policy_errors_total", "redress_store_map_bytes",
    } do
      assert.is_truthy(text:find(name, 1, true), name .. " missing from /metrics")
    end
    -- histograms have buckets, a sum and a count
    for _, h in ipairs{ "redress_commit_batch_size", "redress_commit_seconds" } do
      assert.is_not_nil(sample(text, h .. "_bucket", { 'le="+Inf"' }), h .. "_bucket{le=\"+Inf\"}")
      assert.is_not_nil(sample(text, h .. "_sum"), h .. "_sum")
      assert.is_true((sample(text, h .. "_count") or 0) >= 1, h .. "_count >= 1 after a write")
    end
    assert.are.equal(0, sample(text, "redress_policy_errors_total"))
    assert.is_true((sample(text, "redress_store_map_bytes") or 0) > 0)
  end)

  it("counts requests and decisions", function()
    local m0 = metrics()
    local dec0 = sample(m0, "redress_decisions_total", { 'outcome="decided"' }) or 0
    local req0 = sample(m0, "redress_http_requests_total", { 'status="201"' }) or 0
    for i = 1, 3 do
      local s = d:post("/v1/complaints", H.complaint{ customer = { id = "cust-m-" .. i } }, { token = "test-intake" })
      assert.are.equal(201, s)
    end
    local s = d:get("/v1/nope", "test-read")
    assert.are.equal(404, s)
    local m1 = metrics()
    assert.are.equal(dec0 + 3, sample(m1, "redress_decisions_total", { 'outcome="decided"' }))
    assert.are.equal(req0 + 3, sample(m1, "redress_http_requests_total", { 'status="201"' }))
    assert.is_true((sample(m1, "redress_http_requests_total", { 'status="404"' }) or 0) >= 1)
    -- the route label is present
    assert.is_truthy(m1:find('redress_http_requests_total{[^}]*route="', 1) , "route label")
  end)

  it("needs the read or admin role", function()
    local s, b = d:get("/metrics", "test-agent")
    H.assert_error(s, b, 403, "forbidden")
    s, b = d:get("/metrics", false)
    H.assert_error(s, b, 401, "unauthorized")
    s = d:get("/metrics", "test-admin")
    assert.are.equal(200, s)
  end)
end)
