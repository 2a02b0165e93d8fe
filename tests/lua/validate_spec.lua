-- Input checks: JSON, UTF-8, complaint and event fields, RFC 3339 time.
local json = require "redress.json"
local validate = require "redress.validate"
local time = require "redress.time"

describe("json.decode_object", function()
  local cases = {
    { "", "invalid_json" }, { "[1,2]", "invalid_json" }, { "42", "invalid_json" },
    { "{bad", "invalid_json" }, { "{\"a\":NaN}", "invalid_json" },
    { "{\"a\":\"\255\"}", "invalid_utf8" }, { "{\"a\":\"\\ud800\"}", "invalid_json" },
    { "{\"a\":\"x\\u0000y\"}", "validation_failed" },
  }
  for _, c in ipairs(cases) do
    it("refuses " .. c[1]:gsub("[^\32-\126]", "?") .. " as " .. c[2], function()
      local v, code = json.decode_object(c[1])
      assert.is_nil(v)
      assert.equal(c[2], code)
    end)
  end
  it("names the field holding a NUL", function()
    local _, code, _, field = json.decode_object('{"customer":{"name":"a\\u0000"}}')
    assert.equal("validation_failed", code)
    assert.equal("customer.name", field)
  end)
  it("names the field inside arrays, counted from 1", function()
    local _, code, _, field = json.decode_object('{"order":{"items":[{"name":"a"},{"name":"b\\u0000"}]}}')
    assert.equal("validation_failed", code)
    assert.equal("order.items[2].name", field)
    local _, code2, _, field2 = json.decode_object('{"a":[[1],[2,9007199254740993]]}')
    assert.equal("out_of_range", code2)
    assert.equal("a[2][2]", field2)
  end)
  it("accepts Thai, Persian, Chinese and Russian text", function()
    local v = json.decode_object('{"d":"สินค้าเสียหาย، کالا خراب است 商品损坏 товар повреждён"}')
    assert.equal("สินค้าเสียหาย، کالا خراب است 商品损坏 товар повреждён", v.d)
  end)
  it("encodes marked empty arrays as []", function()
    assert.equal('{"a":[]}', json.encode { a = json.array {} })
  end)
end)

describe("validate.complaint", function()
  local function base()
    return { customer = { id = "c1" }, channel = "email", category = "late_delivery", description = "late" }
  end
  it("fills defaults", function()
    local c = assert(validate.complaint(base()))
    assert.equal("en", c.language)
    assert.equal("medium", c.severity)
    assert.equal("calm", c.customer_state)
  end)
  local bad = {
    { function(c) c.customer = nil end, "customer" },
    { function(c) c.customer.id = nil end, "customer.id" },
    { function(c) c.customer.id = 5 end, "customer.id" },
    { function(c) c.channel = "pigeon" end, "channel" },
    { function(c) c.channel = 1 end, "channel" },
    { function(c) c.description = "" end, "description" },
    { function(c) c.severity = "extreme" end, "severity" },
    { function(c) c.language = "english please" end, "language" },
    { function(c) c.order = { amount = 10.5, currency = "EUR" } end, "order.amount" },
    { function(c) c.order = { amount = -1, currency = "EUR" } end, "order.amount" },
    { function(c) c.order = { amount = 10 } end, "order.currency" },
    { function(c) c.order = { amount = 10, currency = "eur" } end, "order.currency" },
    { function(c) c.order = { delivered_at = "yesterday" } end, "order.delivered_at" },
    { function(c) c.order = "A-1" end, "order" },
    { function(c) c.order = { delivery_country = "Germany" } end, "order.delivery_country" },
    { function(c) c.order = { delivery_zone = "Mars/Olympus_Mons" } end, "order.delivery_zone" },
    { function(c) c.order = { delivery_zone = "UTC; rm -rf" } end, "order.delivery_zone" },
  }
  it("takes the delivery address's country and time zone", function()
    local c = base()
    c.order = { delivery_country = "RU", delivery_zone = "Asia/Vladivostok" }
    local v = assert(validate.complaint(c))
    assert.equal("Asia/Vladivostok", v.order.delivery_zone)
  end)
  -- the exact words of each check (bindings/complaint.c runs them)
  local words = {
    { function(c) c.customer = nil end, "customer is required" },
    { function(c) c.customer = { "c1" } end, "customer must be an object" },
    { function(c) c.customer.id = "" end, "customer.id must not be empty" },
    { function(c) c.customer.name = string.rep("ก", 201) end, "customer.name is longer than 200 characters" },
    { function(c) c.customer.email = "\255" .. string.rep("x", 400) end, "customer.email is longer than 320 characters" },
    { function(c) c.channel = "pigeon" end, "channel must be one of: chat, email, in_person, letter, phone, social, web" },
    { function(c) c.category = nil end, "category is required" },
    { function(c) c.description = 5 end, "description must be a string" },
    { function(c) c.customer_state = "angry" end, "customer_state must be one of: aggressive, calm, frustrated" },
    { function(c) c.language = "en-" end, "language must be a BCP 47 tag such as en, th, fa-IR" },
    { function(c) c.language = "en--US" end, "language must be a BCP 47 tag such as en, th, fa-IR" },
    { function(c) c.language = "abcd-x" end, "language must be a BCP 47 tag such as en, th, fa-IR" },
    { function(c) c.language = "de-abcdefghi" end, "language must be a BCP 47 tag such as en, th, fa-IR" },
    { function(c) c.details = { 1 } end, "details must be an object" },
    { function(c) c.order = { id = 7 } end, "order.id must be a string" },
    { function(c) c.order = { amount = "10", currency = "EUR" } end,
      "order.amount must be a non-negative integer in minor units (cents)" },
    { function(c) c.order = { amount = 10 } end, "order.currency is required with order.amount" },
    { function(c) c.order = { currency = "EURO" } end, "order.currency must be an ISO 4217 code such as EUR" },
    { function(c) c.order = { delivery_country = "de" } end,
      "order.delivery_country must be an ISO 3166-1 alpha-2 code such as DE" },
  }
  for i, w in ipairs(words) do
    it("says what is wrong in its own words (" .. i .. ")", function()
      local c = base()
      w[1](c)
      local v, err = validate.complaint(c)
      assert.is_nil(v)
      assert.equal(w[2], err.message)
    end)
  end
  it("takes language tags with subtags, and only the complaint's known fields", function()
    for _, tag in ipairs { "en", "fa-IR", "zh-Hant-TW", "sr-Latn-RS", "abc-12345678" } do
      local c = base()
      c.language = tag
      assert.equal(tag, assert(validate.complaint(c)).language)
    end
    local c = base()
    c.extra, c.customer.phone = "dropped", "dropped"
    c.order = { amount = 1250.0, currency = "EUR", sku = "S1" }
    local v = assert(validate.complaint(c))
    assert.same({ customer = { id = "c1" }, channel = "email", category = "late_delivery", description = "late",
      language = "en", severity = "medium", customer_state = "calm", order = c.order }, v)
    assert.equal("integer", math.type(v.order.amount)) -- a float with an integer value is kept as the integer
  end)
  for i, b in ipairs(bad) do
    it("names the field " .. b[2] .. " (" .. i .. ")", function()
      local c = base()
      b[1](c)
      local v, err = validate.complaint(c)
      assert.is_nil(v)
      assert.equal(422, err.status)
      assert.equal(b[2], err.field)
    end)
  end
end)

describe("validate.event", function()
  it("accepts every known type with its required data", function()
    local data = {
      ["customer.replied"] = { message = "hi" }, ["agent.note"] = { note = "n" },
      ["investigation.concluded"] = { justified = true }, ["approval.granted"] = {},
      ["approval.denied"] = {}, ["offer.accepted"] = { offer_id = "O1" },
      ["offer.declined"] = { offer_id = "O1" }, ["case.resolved"] = {},
      ["satisfaction.reported"] = { score = 4.0 }, ["case.reopened"] = {},
    }
    for t in pairs(validate.EVENTS) do
      local ty = validate.event { type = t, data = data[t] }
      assert.equal(t, ty)
    end
  end)
  it("refuses an unknown type", function()
    local _, err = validate.event { type = "timer.fired" }
    assert.equal("unknown_event_type", err.code)
    assert.equal("type", err.field)
  end)
  local bad = {
    { { type = "satisfaction.reported", data = { score = 6 } }, "data.score" },
    { { type = "satisfaction.reported", data = { score = "5" } }, "data.score" },
    { { type = "satisfaction.reported" }, "data.score" },
    { { type = "investigation.concluded", data = { justified = "yes" } }, "data.justified" },
    { { type = "investigation.concluded", data = { justified = true, fault = "gremlins" } }, "data.fault" },
    { { type = "offer.accepted", data = {} }, "data.offer_id" },
    { { type = "agent.note", data = "note" }, "data" },
    { { type = 5 }, "type" },
  }
  for _, b in ipairs(bad) do
    it("names " .. b[2], function()
      local _, err = validate.event(b[1])
      assert.equal("validation_failed", err.code)
      assert.equal(b[2], err.field)
    end)
  end
end)

describe("time", function()
  it("parses RFC 3339 with offsets and fractions", function()
    assert.equal(0, time.parse("1970-01-01T00:00:00Z"))
    assert.equal(1795402521318, time.parse("2026-11-23T02:55:21.318Z"))
    assert.equal(time.parse("2026-11-23T02:55:21Z"), time.parse("2026-11-23T09:55:21+07:00"))
    assert.equal(time.parse("2026-11-23T00:00:00Z"), time.parse("2026-11-23"))
    assert.equal(time.parse("2024-02-29T00:00:00Z"), 1709164800000)
  end)
  it("refuses impossible dates", function()
    assert.is_nil(time.parse("2025-02-29"))
    assert.is_nil(time.parse("2026-13-01"))
    assert.is_nil(time.parse("2026-11-23T25:00:00Z"))
    assert.is_nil(time.parse("2026-11-23T10:00:00"))
  end)
  it("formats what it parses", function()
    for _, s in ipairs { "2026-11-23T02:55:21.318Z", "1999-12-31T23:59:59.999Z", "2024-02-29T12:00:00.000Z" } do
      assert.equal(s, time.format(time.parse(s)))
    end
  end)
end)
