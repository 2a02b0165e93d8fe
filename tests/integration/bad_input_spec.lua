-- Bad input on POST /v1/complaints, unknown routes, wrong methods. Every error writes nothing.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"
local cjson = H.json

describe("bad input", function()
  local d, before

  setup(function()
    d = H.new{ limits = { max_body_bytes = 1024 } }
    d:start()
    -- one case so that "nothing was written" compares against a non-empty store
    local s, _, _, raw = d:post("/v1/complaints", H.complaint{ customer = { id = "cust-seed" } })
    assert.are.equal(201, s, raw)
  end)

  teardown(function()
    if d then d:cleanup() end
  end)

  before_each(function()
    before = d:all_cases()
  end)

  after_each(function()
    assert.are.same(before, d:all_cases(), "an error wrote something")
  end)

  local function post(body, opts)
    return d:post("/v1/complaints", body, opts or { token = "test-intake" })
  end

  describe("body size", function()
    it("a body over limits.max_body_bytes is 413 payload_too_large", function()
      local body = H.complaint{ customer = { id = "cust-big" }, description = string.rep("x", 4096) }
      local raw = cjson.encode(body)
      assert.is_true(#raw > 4096)
      local s, b, _, r = post(raw)
      assert.is_not_nil(s, "transport error (was the 413 lost?): " .. tostring(b))
      H.assert_error(s, b, 413, "payload_too_large")
      assert.are.equal(0, #d:all_cases{ customer = "cust-big" }, r)
    end)

    it("is refused from Content-Length alone", function()
      -- announce 1 MB, send only a little: the answer must come without reading the body
      local s, b = d:request("POST", "/v1/complaints", {
        token = "test-intake", body = '{"customer":',
        headers = { ["Content-Length"] = tostring(1000000) },
      })
      assert.is_not_nil(s, "transport error: " .. tostring(b))
      H.assert_error(s, b, 413, "payload_too_large")
    end)

    it("a body just under the limit is accepted", function()
      local body = H.complaint{ customer = { id = "cust-under" } }
      local base = #cjson.encode(body)
      body.description = body.description .. string.rep("y", 1000 - base)
      local raw = cjson.encode(body)
      assert.is_true(#raw <= 1024 and #raw > 900, "body is " .. #raw .. " bytes")
      local s, _, _, r = post(raw)
      assert.are.equal(201, s, r)
      before = d:all_cases()  -- this one is expected to write
      assert.are.equal(1, #d:all_cases{ customer = "cust-under" })
    end)
  end)

  describe("JSON", function()
    local bad = {
      { "truncated", '{"customer": {"id": "c-x"}' },
      { "garbage", "not json at all" },
      { "empty body", "" },
      { "trailing garbage", '{"customer":{"id":"c"},"channel":"web","category":"other","description":"x"} xyz' },
      { "an array", '[{"customer":{"id":"c"}}]' },
      { "a number", "42" },
      { "a string", '"complaint"' },
      { "null", "null" },
    }
    for _, c in ipairs(bad) do
      it(c[1] .. " is 400 invalid_json", function()
        local s, b = post(c[2])
        H.assert_error(s, b, 400, "invalid_json")
      end)
    end

    -- The loop thread reads a body only up to its customer.id (the
    -- dispatch key, json.customer_of); a worker reads the rest, and its
    -- refusal must be the one the loop thread would give, message and all.
    it("an error after customer.id is refused as before, and its Idempotency-Key stays free", function()
      local json = require "redress.json"
      local text = '{"customer":{"id":"c-after"},"channel":"web","category":"other","description":"x",'
      local _, _, want = json.decode_object(text)
      local key = { token = "test-intake", headers = { ["Idempotency-Key"] = "k-after" } }
      local s, b = post(text, key)
      H.assert_error(s, b, 400, "invalid_json")
      assert.are.equal(want, b.error.message)
      s, b = post('{"customer":{"id":"c-after"},"n":9007199254740992}', key)
      H.assert_error(s, b, 422, "out_of_range", "n")
      local r
      s, b, _, r = post(cjson.encode(H.complaint { customer = { id = "c-after" } }), key)
      assert.are.equal(201, s, r)
      assert.are.equal("c-after", b.case.customer.id)
      before = d:all_cases()
    end)

    it("a body naming two customers is 422 validation_failed on customer", function()
      local s, b = post('{"customer":{"id":"c-one"},"channel":"web","category":"other","description":"x",' ..
        '"customer":{"id":"c-two"}}')
      H.assert_error(s, b, 422, "validation_failed", "customer")
    end)

    local function with_id(bytes)
      return '{"customer":{"id":"' .. bytes .. '"},"channel":"web","category":"other","description":"x"}'
    end
    local utf8_bad = {
      { "a lone continuation byte", "c-\x80" },
      { "an 0xFF byte", "c-\xff\xfe" },
      { "a truncated sequence", "c-\xe0\xb8" },
      { "an overlong encoding", "c-\xc0\xaf" },
      { "a UTF-16 surrogate", "c-\xed\xa0\x80" },
      { "a code point above U+10FFFF", "c-\xf4\x90\x80\x80" },
    }
    for _, c in ipairs(utf8_bad) do
      it(c[1] .. " inside a string is 400 invalid_utf8", function()
        local s, b = post(with_id(c[2]))
        H.assert_error(s, b, 400, "invalid_utf8")
      end)
    end

    it("valid multi-byte UTF-8 is accepted", function()
      local s, res, _, r = post(with_id("c-ทดสอบ-测试-тест-آزمون-😀"))
      assert.are.equal(201, s, r)
      assert.are.equal("c-ทดสอบ-测试-тест-آزمون-😀", res.case.customer.id)
      before = d:all_cases()
    end)
  end)

  describe("validation", function()
    local function without(path)
      local c = H.complaint()
      c.customer = { id = "c-v", name = "Vera" }
      local t, last = c, nil
      for part in path:gmatch("[^.]+") do
        if last then t = t[last] end
        last = part
      end
      t[last] = nil
      return c
    end
    local function with(path, value)
      local c = without(path)
      local t, last = c, nil
      for part in path:gmatch("[^.]+") do
        if last then t = t[last] end
        last = part
      end
      t[last] = value
      return c
    end

    local cases = {
      { "missing customer.id", without("customer.id"), "customer.id" },
      { "numeric customer.id", with("customer.id", 5), "customer.id" },
      { "empty customer.id", with("customer.id", ""), "customer.id" },
      { "customer.id over 200 characters", with("customer.id", string.rep("c", 201)), "customer.id" },
      { "numeric customer.name", with("customer.name", 5), "customer.name" },
      { "missing channel", without("channel"), "channel" },
      { "numeric channel", with("channel", 5), "channel" },
      { "unknown channel", with("channel", "pigeon"), "channel" },
      { "missing category", without("category"), "category" },
      { "empty category", with("category", ""), "category" },
      { "missing description", without("description"), "description" },
      { "empty description", with("description", ""), "description" },
      { "boolean language", with("language", true), "language" },
      { "unknown severity", with("severity", "apocalyptic"), "severity" },
      { "unknown customer_state", with("customer_state", "sleepy"), "customer_state" },
      { "negative order.amount", with("order.amount", -1), "order.amount" },
      { "fractional order.amount", with("order.amount", 12.5), "order.amount" },
      { "string order.amount", with("order.amount", "12"), "order.amount" },
      { "order.amount without currency", without("order.currency"), "order.currency" },
      { "lower-case order.currency", with("order.currency", "eur"), "order.currency" },
      { "bad order.purchased_at", with("order.purchased_at", "last tuesday"), "order.purchased_at" },
    }
    for _, c in ipairs(cases) do
      it(c[1] .. " is 422 validation_failed on " .. c[3], function()
        local s, b = post(cjson.encode(c[2]))
        H.assert_error(s, b, 422, "validation_failed", c[3])
      end)
    end

    it("customer that is not an object is 422 naming customer or customer.id", function()
      local c = H.complaint()
      c.customer = "c-1"
      local s, b = post(cjson.encode(c))
      H.assert_error(s, b, 422, "validation_failed")
      assert.is_truthy(b.error.field == "customer" or b.error.field == "customer.id", tostring(b.error.field))
    end)
  end)

  describe("routes", function()
    it("an unknown route is 404 not_found", function()
      for _, p in ipairs{ "/v1/nope", "/v2/complaints", "/v1/complaints/extra", "/v1/cases/C1/unknown" } do
        local s, b = d:get(p, "test-admin")
        H.assert_error(s, b, 404, "not_found")
      end
      local s, b = d:post("/v1/nope", H.complaint())
      H.assert_error(s, b, 404, "not_found")
    end)

    it("a known path with the wrong method is 405 method_not_allowed", function()
      local wrong = {
        { "GET", "/v1/complaints" }, { "DELETE", "/v1/complaints" }, { "PUT", "/v1/complaints" },
        { "POST", "/v1/cases" }, { "DELETE", "/v1/cases" },
        { "POST", "/healthz" }, { "POST", "/metrics" },
        { "GET", "/v1/outbox/ack" }, { "DELETE", "/v1/outbox" },
      }
      for _, w in ipairs(wrong) do
        local s, b = d:request(w[1], w[2], { token = "test-admin" })
        assert.are.equal(405, s, w[1] .. " " .. w[2])
        H.assert_error(s, b, 405, "method_not_allowed")
      end
      local id = before[1].id
      for _, w in ipairs{ { "DELETE", "/v1/cases/" .. id }, { "POST", "/v1/cases/" .. id }, { "GET", "/v1/cases/" .. id .. "/events" } } do
        local s, b = d:request(w[1], w[2], { token = "test-admin" })
        assert.are.equal(405, s, w[1] .. " " .. w[2])
        H.assert_error(s, b, 405, "method_not_allowed")
      end
    end)
  end)

  -- docs/API.md "Requests refused before redress sees them": h2o answers
  -- these malformed requests itself, in plain text; the doc must stay true.
  describe("malformed HTTP, refused by h2o", function()
    local socket = require "socket"
    local function raw(bytes)
      local c = assert(socket.connect("127.0.0.1", d.port))
      c:settimeout(5)
      assert(c:send(bytes))
      local status = c:receive("*l")
      local rest = c:receive("*a")
      c:close()
      return status, rest
    end
    local cases = {
      { "a bad request line", "BAD LINE\r\n\r\n", "400 Bad Request" },
      { "an invalid Content-Length", "POST /v1/complaints HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        "400 Invalid Request" },
      { "a control character in a header", "POST /v1/complaints HTTP/1.1\r\nHost: x\r\nIdempotency-Key: a\1b\r\n" ..
        "Content-Length: 2\r\n\r\n{}", "400 Bad Request" },
      { "more than 100 headers", "GET /healthz HTTP/1.1\r\nHost: x\r\n" ..
        string.rep("X-A: y\r\n", 120) .. "\r\n", "400 Bad Request" },
      { "broken chunked encoding", "POST /v1/complaints HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "400 Invalid Request" },
    }
    for _, c in ipairs(cases) do
      it(c[1] .. " is a plain-text " .. c[3] .. " with nothing written", function()
        local status, rest = raw(c[2])
        assert.are.equal("HTTP/1.1 " .. c[3], (status or ""):gsub("\r$", ""))
        assert.truthy(rest:lower():find("content-type: text/plain", 1, true), rest)
      end)
    end
  end)
end)
