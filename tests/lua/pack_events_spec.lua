-- A pack's own event types (pack.lua `events`): the schema checked as the
-- pack loads, with the line of pack.lua; an event's data checked against
-- it by the worker (validate.event with the case's pack), while the API's
-- precheck on the loop thread lets through the names it cannot know.
local validate = require "redress.validate"
local pack = require "redress.pack"
local config = require "redress.config"

local EVENTS = {
  ["loyalty.points_credited"] = { doc = "points added to the customer's account",
    fields = { points = { type = "integer", min = 1, required = true }, reason = { type = "string", max_len = 20 } } },
  ["loyalty.tier_changed"] = {},
}

describe("validate.events_schema", function()
  it("accepts namespaced types with a doc and fields, or neither", function()
    assert.is_nil(validate.events_schema(EVENTS))
    assert.is_nil(validate.events_schema {})
  end)

  for _, c in ipairs {
    { "not a table", "loyalty", "events must be a table" },
    { "a name without a namespace", { points = {} }, 'events%["points"%]: an event type is namespaced' },
    { "a name with an empty part", { ["loyalty..x"] = {} }, "namespaced" },
    { "a name that is not a string", { [1] = {} }, "events%[1%]: an event type is namespaced" },
    { "a built-in type", { ["case.resolved"] = {} }, 'events%["case.resolved"%]: a built%-in event type' },
    { "the engine's own timer event", { ["timer.fired"] = {} }, "a built%-in event type" },
    { "a spec that is not a table", { ["a.b"] = true }, 'events%["a.b"%] must be a table { doc, fields }' },
    { "an unknown key, with the one meant", { ["a.b"] = { feilds = {} } },
      'events%["a.b"%]: unknown key feilds %(did you mean fields%?%)' },
    { "a doc that is not text", { ["a.b"] = { doc = 1 } }, 'events%["a.b"%].doc must be a string' },
    { "fields that are not a table", { ["a.b"] = { fields = "points" } },
      'events%["a.b"%].fields must be a table of field specs' },
    { "a field of an unknown type", { ["a.b"] = { fields = { n = { type = "date" } } } },
      'events%["a.b"%].fields.n: type must be one of boolean, integer, number, string, time' },
    { "a field key misspelt, with the one meant", { ["a.b"] = { fields = { n = { type = "integer", mni = 1 } } } },
      'events%["a.b"%].fields.n: unknown key mni %(did you mean min%?%)' },
    { "a range on a string", { ["a.b"] = { fields = { n = { type = "string", min = 1 } } } },
      'events%["a.b"%].fields.n.min is a number, for integer and number fields' },
  } do
    it("refuses " .. c[1], function()
      local why = validate.events_schema(c[2])
      assert.is_string(why)
      assert.matches(c[3], why)
    end)
  end

  it("names the path of keys to the problem, for the line of pack.lua", function()
    local _, path = validate.events_schema { ["a.b"] = { fields = { n = { type = "integer", mni = 1 } } } }
    assert.same({ "events", "a.b", "fields", "n", "mni" }, path)
    _, path = validate.details_schema { n = { type = "string", min = 1 } }
    assert.same({ "details", "n", "min" }, path)
  end)
end)

local PACK_LUA = [[
return {
  name = "loyal",
  version = "1.0.0",
  languages = { "en" },
  events = {
    ["loyalty.points_credited"] = {
      doc = "points added",
      fields = {
        points = { type = "integer", min = 1, required = true },
        reason = { type = "string", max_len = 20 },
      },
    },
  },
}
]]

local function files(manifest)
  return {
    ["pack.lua"] = manifest or PACK_LUA,
    ["policy.lua"] = 'local P = {}\nfunction P.on_complaint(case, act) act:acknowledge { template = "ack" } end\nreturn P',
    ["templates/en.lua"] = 'return { ack = "Thanks" }',
  }
end

describe("pack.lua events", function()
  it("loads a pack's own event types and keeps them with the pack", function()
    local p = pack.load_files(files(), "loyal", config.defaults)
    assert.equal("integer", p.events["loyalty.points_credited"].fields.points.type)
  end)

  for _, c in ipairs {
    { "a misspelt field key", "max_len = 20", "max_lne = 20",
      'pack.lua:10: events%["loyalty.points_credited"%].fields.reason: unknown key max_lne %(did you mean max_len%?%)' },
    { "a misspelt event key", "      fields = {", "      filds = {",
      'pack.lua:8: events%["loyalty.points_credited"%]: unknown key filds %(did you mean fields%?%)' },
    { "a name without a namespace", '["loyalty.points_credited"]', '["points_credited"]',
      'pack.lua:6: events%["points_credited"%]: an event type is namespaced' },
    { "a built-in type", '["loyalty.points_credited"]', '["customer.replied"]',
      'pack.lua:6: events%["customer.replied"%]: a built%-in event type' },
    { "a wrong type", 'type = "integer"', 'type = "int"',
      'pack.lua:9: events%["loyalty.points_credited"%].fields.points: type must be one of' },
  } do
    it("refuses " .. c[1] .. " at its line of pack.lua", function()
      local src = PACK_LUA:gsub(c[2]:gsub("%p", "%%%0"), c[3], 1)
      local ok, err = pcall(pack.load_files, files(src), "loyal", config.defaults)
      assert.is_false(ok)
      assert.matches("^loyal: " .. c[4], err)
    end)
  end

  it("says which manifest field was meant", function()
    local ok, err = pcall(pack.load_files, files((PACK_LUA:gsub("  events = {", "  evnets = {"))), "loyal", config.defaults)
    assert.is_false(ok)
    assert.matches("pack.lua:5: evnets: unknown field %(did you mean events%?%)", err)
  end)

  it("gives a details schema's problem its line too", function()
    local ok, err = pcall(pack.load_files, files((PACK_LUA:gsub("  events = {",
      '  details = {\n    seat = { type = "string", min = 1 },\n  },\n  events = {'))), "loyal", config.defaults)
    assert.is_false(ok)
    assert.matches("pack.lua:6: details.seat.min is a number", err)
  end)
end)

describe("validate.event with the pack's own types", function()
  it("takes a declared type, its data checked and integral numbers made integers", function()
    local ty, data = validate.event({ type = "loyalty.points_credited", data = { points = 250.0, reason = "goodwill" } },
      EVENTS, "loyal 1.0.0")
    assert.equal("loyalty.points_credited", ty)
    assert.equal(250, data.points)
    assert.equal("integer", math.type(data.points))
    assert.same({}, select(2, validate.event({ type = "loyalty.tier_changed" }, EVENTS)))
  end)

  for _, c in ipairs {
    { "a missing required field", {}, "data.points", "data.points is required for loyalty.points_credited" },
    { "a wrong type", { points = "many" }, "data.points", "must be an integer" },
    { "a value out of range", { points = 0 }, "data.points", "must be at least 1" },
    { "a string too long", { points = 1, reason = ("x"):rep(21) }, "data.reason", "longer than 20" },
    { "an undeclared field", { points = 1, bonus = 2 }, "data.bonus",
      "data.bonus is not a field of loyalty.points_credited; it takes: points, reason" },
    { "data that is not an object", { 1, 2 }, "data", "data must be an object" },
  } do
    it("refuses " .. c[1] .. ", naming the field", function()
      local _, err = validate.event({ type = "loyalty.points_credited", data = c[2] }, EVENTS, "loyal 1.0.0")
      assert.same({ 422, "validation_failed", c[3] }, { err.status, err.code, err.field })
      assert.matches(c[4], err.message, 1, true)
    end)
  end

  it("refuses a type with no data fields when data comes", function()
    local _, err = validate.event({ type = "loyalty.tier_changed", data = { tier = "gold" } }, EVENTS)
    assert.equal("data.tier", err.field)
    assert.matches("(it takes no data)", err.message, 1, true)
  end)

  it("refuses an undeclared type, naming type, with the one meant among built-in and own types", function()
    local _, err = validate.event({ type = "loyalty.points_credit" }, EVENTS, "loyal 1.0.0")
    assert.same({ 422, "unknown_event_type", "type" }, { err.status, err.code, err.field })
    assert.matches("did you mean loyalty.points_credited?", err.message, 1, true)
    assert.matches("the pack loyal 1.0.0's own: loyalty.points_credited, loyalty.tier_changed", err.message, 1, true)
    _, err = validate.event({ type = "customer.repiled" }, EVENTS, "loyal 1.0.0")
    assert.matches("did you mean customer.replied?", err.message, 1, true)
    -- another pack's type, on a case of a pack that declares none
    _, err = validate.event({ type = "loyalty.points_credited" }, nil, "retail 0.1.0")
    assert.equal("unknown_event_type", err.code)
    assert.matches("the pack retail 0.1.0 declares no event types of its own", err.message, 1, true)
  end)

  it("checks built-in types the built-in way, whatever the pack declares", function()
    local _, err = validate.event({ type = "satisfaction.reported", data = { score = 9 } }, EVENTS)
    assert.equal("data.score", err.field)
  end)
end)

describe("validate.event on the worker, against the case's pinned pack", function()
  it("refuses what no pack may declare", function()
    for _, t in ipairs { "points", "timer.fired", "complaint.received", "loyalty.", ".x", 5 } do
      local _, err = validate.event({ type = t }, EVENTS)
      assert.equal("type", err.field, tostring(t))
    end
  end)
end)

