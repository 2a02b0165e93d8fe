-- POST /v1/complaints: the created case and decision, wording per language, idempotency.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"
local cjson = H.json

local STATUSES = {}
for s in ("received acknowledged investigating awaiting_customer resolved follow_up closed rejected reopened manual_review"):gmatch("%S+") do
  STATUSES[s] = true
end

local function find_action(decision, typ)
  for _, a in ipairs(decision.actions or {}) do
    if a.type == typ then return a end
  end
end

local function rfc3339(s)
  return type(s) == "string" and H.parse_time(s) ~= nil
end

describe("POST /v1/complaints", function()
  local d

  setup(function()
    d = H.new()
    d:start()
  end)

  teardown(function()
    if d then d:cleanup() end
  end)

  it("creates a case and answers 201 with the case and the decision", function()
    local body = H.complaint{ customer = { id = "cust-201", name = "Anna" } }
    local status, res, _, raw = d:post("/v1/complaints", body, { token = "test-intake" })
    assert.are.equal(201, status, raw)
    assert.is_table(res.case)
    assert.is_table(res.decision)

    local c = res.case
    assert.is_string(c.id)
    assert.is_true(#c.id > 0)
    assert.is_true(STATUSES[c.status] == true, "unknown status " .. tostring(c.status))
    assert.are_not.equal("manual_review", c.status)
    assert.are.equal("cust-201", c.customer.id)
    assert.are.equal("Anna", c.customer.name)
    assert.are.equal("email", c.channel)
    assert.are.equal("late_delivery", c.category)
    assert.are.equal(body.description, c.description)
    assert.are.equal("en", c.language)
    assert.are.equal("medium", c.severity)          -- default
    assert.are.equal("calm", c.customer_state)      -- default
    assert.are.same({ id = "A-1", amount = 4999, currency = "EUR" }, c.order)
    assert.are.equal("retail", c.pack.name)
    assert.is_string(c.pack.version)
    assert.is_true(H.is_int(c.tier), "tier is an integer")
    assert.is_true(rfc3339(c.opened_at), "opened_at is RFC 3339: " .. tostring(c.opened_at))
    assert.is_true(rfc3339(c.updated_at), "updated_at is RFC 3339: " .. tostring(c.updated_at))
    assert.is_table(c.tags)
    assert.is_table(c.facts)
    assert.is_table(c.offers)
    assert.is_table(c.escalations)
    assert.are.equal(1, c.events)

    local dec = res.decision
    assert.are.equal("retail", dec.pack.name)
    assert.are.equal(c.pack.version, dec.pack.version)
    assert.is_true(#dec.pack.version > 0)
    assert.are.equal("decided", dec.outcome)
    assert.are.equal("complaint.received", dec.event)
    assert.are.equal("on_complaint", dec.handler)
    assert.are.equal(cjson.null, dec.error)
    assert.is_true(H.is_int(dec.seq))
    assert.is_true(H.is_int(dec.event_seq))
    assert.is_true(rfc3339(dec.at))
    assert.is_table(dec.explanation)
    local ack = find_action(dec, "acknowledge")
    assert.is_table(ack, "decision has an acknowledge action")
    assert.is_string(ack.text)
    assert.is_true(#ack.text > 0, "acknowledge text is empty")
    assert.are.equal("en", ack.language)
  end)

  it("applies severity and customer_state from the body", function()
    local status, res, _, raw = d:post("/v1/complaints", H.complaint{
      customer = { id = "cust-sev" }, severity = "high", customer_state = "frustrated", channel = "chat",
    }, { token = "test-agent" })
    assert.are.equal(201, status, raw)
    assert.are.equal("high", res.case.severity)
    assert.are.equal("frustrated", res.case.customer_state)
    assert.are.equal("chat", res.case.channel)
  end)

  it("accepts a minimal body (only required fields)", function()
    local status, res, _, raw = d:post("/v1/complaints", {
      customer = { id = "cust-min" }, channel = "web", category = "other", description = "x",
    }, { token = "test-intake" })
    assert.are.equal(201, status, raw)
    assert.are.equal("en", res.case.language)
    assert.are.equal("decided", res.decision.outcome)
  end)

  it("the stored case equals the answered case", function()
    local status, res = d:post("/v1/complaints", H.complaint{ customer = { id = "cust-stored" } })
    assert.are.equal(201, status)
    local s2, got = d:get("/v1/cases/" .. res.case.id, "test-read")
    assert.are.equal(200, s2)
    assert.are.same(res.case, got.case)
    local entry = got.timeline[2]
    assert.is_table(entry, "timeline has the decision")
    assert.are.equal("decision", entry.kind)
    entry.kind = nil
    res.decision.kind = nil  -- an extra "kind" in the POST answer is tolerated
    assert.are.same(res.decision, entry)
  end)

  describe("wording in the case language", function()
    local SCRIPT = {   -- a byte pattern of each language's script in UTF-8
      th = "\xE0[\xB8\xB9]",                -- Thai U+0E00..U+0E7F
      fa = "[\xD8-\xDB][\x80-\xBF]",        -- Arabic script U+0600..U+06FF
      zh = "[\xE4-\xE9][\x80-\xBF][\x80-\xBF]", -- CJK U+4E00..U+9FFF
      ru = "[\xD0\xD1][\x80-\xBF]",         -- Cyrillic U+0400..U+047F
    }
    local texts = {}

    setup(function()
      for _, lang in ipairs{ "en", "th", "fa", "zh", "ru" } do
        local status, res, _, raw = d:post("/v1/complaints", H.complaint{
          customer = { id = "cust-lang-" .. lang, name = "Anna" }, language = lang,
        }, { token = "test-intake" })
        assert.are.equal(201, status, raw)
        assert.are.equal(lang, res.case.language)
        local ack = find_action(res.decision, "acknowledge")
        assert.is_table(ack, "no acknowledge action for " .. lang)
        texts[lang] = { text = ack.text, language = ack.language }
      end
    end)

    for _, lang in ipairs{ "en", "th", "fa", "zh", "ru" } do
      it(lang .. " gives a non-empty acknowledgement in " .. lang, function()
        local t = texts[lang]
        assert.is_table(t)
        assert.is_string(t.text)
        assert.is_true(#t.text > 0)
        assert.are.equal(lang, t.language)
        if lang ~= "en" then
          assert.are_not.equal(texts.en.text, t.text, lang .. " text is the English one")
          assert.is_truthy(t.text:find(SCRIPT[lang]), lang .. " text has no " .. lang .. " script: " .. t.text)
        end
      end)
    end

    it("falls back to a pack language for an unknown language", function()
      local status, res, _, raw = d:post("/v1/complaints", H.complaint{
        customer = { id = "cust-lang-qaa" }, language = "qaa",
      })
      assert.are.equal(201, status, raw)
      local ack = find_action(res.decision, "acknowledge")
      assert.is_table(ack)
      assert.is_true(#ack.text > 0)
      assert.are_not.equal("qaa", ack.language)
    end)
  end)

  describe("Idempotency-Key", function()
    it("replays the same status and body and creates one case", function()
      local raw_body = cjson.encode(H.complaint{ customer = { id = "cust-idem-1" } })
      local opts = { token = "test-intake", body = raw_body, headers = { ["Idempotency-Key"] = "idem-1" } }
      local s1, b1, h1, r1 = d:request("POST", "/v1/complaints", opts)
      assert.are.equal(201, s1, r1)
      assert.is_not.equal("true", h1["idempotent-replay"])
      local s2, _, h2, r2 = d:request("POST", "/v1/complaints", opts)
      assert.are.equal(s1, s2)
      assert.are.equal(r1, r2)
      assert.are.equal("true", h2["idempotent-replay"])
      local s3, _, _, r3 = d:request("POST", "/v1/complaints", opts)
      assert.are.equal(s1, s3)
      assert.are.equal(r1, r3)
      local cases = d:all_cases{ customer = "cust-idem-1" }
      assert.are.equal(1, #cases)
      assert.are.equal(b1.case.id, cases[1].id)
    end)

    it("the same key with a different body is 409 and writes nothing", function()
      local key = { ["Idempotency-Key"] = "idem-2" }
      local body = H.complaint{ customer = { id = "cust-idem-2" } }
      local s1, _, _, r1 = d:post("/v1/complaints", cjson.encode(body), { headers = key })
      assert.are.equal(201, s1, r1)
      local before = d:count_cases()
      body.description = "A different description."
      local s2, b2 = d:post("/v1/complaints", cjson.encode(body), { headers = key })
      H.assert_error(s2, b2, 409, "idempotency_conflict")
      assert.are.equal(before, d:count_cases())
      assert.are.equal(1, #d:all_cases{ customer = "cust-idem-2" })
    end)

    it("without a key the same body creates two cases", function()
      local raw_body = cjson.encode(H.complaint{ customer = { id = "cust-nokey" } })
      local s1, b1 = d:post("/v1/complaints", raw_body)
      local s2, b2 = d:post("/v1/complaints", raw_body)
      assert.are.equal(201, s1)
      assert.are.equal(201, s2)
      assert.are_not.equal(b1.case.id, b2.case.id)
      assert.are.equal(2, #d:all_cases{ customer = "cust-nokey" })
    end)

    it("different keys with the same body create different cases", function()
      local raw_body = cjson.encode(H.complaint{ customer = { id = "cust-2keys" } })
      local s1, b1 = d:post("/v1/complaints", raw_body, { headers = { ["Idempotency-Key"] = "idem-3a" } })
      local s2, b2 = d:post("/v1/complaints", raw_body, { headers = { ["Idempotency-Key"] = "idem-3b" } })
      assert.are.equal(201, s1)
      assert.are.equal(201, s2)
      assert.are_not.equal(b1.case.id, b2.case.id)
    end)

    it("rejects a key longer than 200 characters without writing", function()
      local before = d:count_cases()
      local s, b = d:post("/v1/complaints", H.complaint{ customer = { id = "cust-longkey" } },
        { headers = { ["Idempotency-Key"] = string.rep("k", 201) } })
      assert.is_true(s == 400 or s == 422, "status " .. tostring(s))
      H.assert_error(s, b, s, b and b.error and b.error.code)
      assert.are.equal(before, d:count_cases())
    end)

    it("accepts a key of exactly 200 characters", function()
      local s, _, _, raw = d:post("/v1/complaints", H.complaint{ customer = { id = "cust-key200" } },
        { headers = { ["Idempotency-Key"] = string.rep("k", 200) } })
      assert.are.equal(201, s, raw)
    end)
  end)
end)
