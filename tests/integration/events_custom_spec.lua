-- A pack's own event types over HTTP: POST /v1/cases/{id}/events takes a
-- type the case's pack version declares in pack.lua `events`, checks its
-- data against the schema, hands it to on_event and puts it on the
-- timeline; a wrong field, an undeclared type, or the type on a case of a
-- pack that does not declare it is a 422 that writes nothing.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"

local LOYAL_POLICY = [[
local P = {}
function P.on_complaint(case, act) act:acknowledge { template = "ack" } end
function P.on_event(case, event, act)
  if event.type == "loyalty.points_credited" then
    -- the view walked as a policy may walk it (before anything reads the
    -- history): pairs lists the history too; rawget and next work on it
    local walked = false
    for k in pairs(case) do if k == "history" then walked = true end end
    walked = walked and rawget(case, "id") == case.id and next(case) ~= nil
    -- what the case view's history held (read when first used)
    local last = case.history[#case.history]
    act:set { facts = { points = event.data.points, walked = walked, seen = #case.history .. " " .. last.type .. " " ..
      #case.decisions .. " " .. case.decisions[#case.decisions].outcome }, tags = { "points:" .. event.data.reason } }
    act:explain("points_credited", string.format("%d points credited (%s).", event.data.points, event.data.reason))
  end
end
return P
]]

local LOYAL_EVENTS = [[events = {
    ["loyalty.points_credited"] = {
      doc = "points added to the customer's loyalty account",
      fields = {
        points = { type = "integer", min = 1, required = true },
        reason = { type = "string", max_len = 40, required = true },
      },
    },
  }]]

local PLAIN_POLICY = [[
local P = {}
function P.on_complaint(case, act) act:acknowledge { template = "ack" } end
return P
]]

describe("a pack's own event types", function()
  local d, loyal_dir
  setup(function()
    d = H.new()
    local plain_dir = d:use_pack("plain", PLAIN_POLICY)
    loyal_dir = d:use_pack("loyal", LOYAL_POLICY, LOYAL_EVENTS)
    d.config.packs = { loyal_dir, plain_dir }
    d.config.routes = { { when = { brand = "plain" }, pack = "plain" } }
    d:write_config()
    d:start()
  end)
  teardown(function() if d then d:cleanup() end end)

  local function event(id, body)
    return d:post("/v1/cases/" .. id .. "/events", body, { token = "test-agent" })
  end

  local function events_of(id)
    local s, res, _, raw = d:get("/v1/cases/" .. id, "test-read")
    assert.are.equal(200, s, raw)
    return res.case.events, res.timeline
  end

  local loyal_case
  setup(function() loyal_case = d:complain { customer = { id = "c-loyal" } }.case.id end)

  it("takes the type on a case of the pack that declares it: on_event acts, the timeline shows it", function()
    local s, res, _, raw = event(loyal_case, { type = "loyalty.points_credited",
      data = { points = 250, reason = "late parcel" } })
    assert.are.equal(200, s, raw)
    assert.are.equal(250, res.case.facts.points)
    -- the view's history through the daemon: the complaint before this event
    assert.are.equal("1 complaint.received 1 decided", res.case.facts.seen)
    assert.is_true(res.case.facts.walked)
    assert.are.same({ "points:late parcel" }, res.case.tags)
    assert.are.equal("loyalty.points_credited", res.decision.event)
    assert.are.equal("on_event", res.decision.handler)
    assert.are.equal("points_credited", res.decision.explanation[1].code)
    local _, timeline = events_of(loyal_case)
    local last_event
    for _, e in ipairs(timeline) do if e.kind == "event" then last_event = e end end
    assert.are.equal("loyalty.points_credited", last_event.type)
    assert.are.same({ points = 250, reason = "late parcel" }, last_event.data)
    assert.are.equal("agent", last_event.actor.roles)
    assert.are.equal(12, #last_event.actor.token)
  end)

  for _, c in ipairs {
    { "a wrong type", { points = "many", reason = "x" }, "data.points", "must be an integer" },
    { "a value out of range", { points = 0, reason = "x" }, "data.points", "must be at least 1" },
    { "a missing required field", { points = 5 }, "data.reason", "data.reason is required for loyalty.points_credited" },
    { "an undeclared field", { points = 5, reason = "x", bonus = true }, "data.bonus",
      "data.bonus is not a field of loyalty.points_credited" },
  } do
    it("refuses " .. c[1] .. " with a 422 naming " .. c[3] .. ", writing nothing", function()
      local before = events_of(loyal_case)
      local s, res = event(loyal_case, { type = "loyalty.points_credited", data = c[2] })
      H.assert_error(s, res, 422, "validation_failed", c[3])
      assert.matches(c[4], res.error.message, 1, true)
      assert.are.equal(before, (events_of(loyal_case)))
    end)
  end

  it("refuses an undeclared type, naming type, with the one meant", function()
    local s, res = event(loyal_case, { type = "loyalty.points_credit", data = { points = 5 } })
    H.assert_error(s, res, 422, "unknown_event_type", "type")
    assert.matches("did you mean loyalty.points_credited?", res.error.message, 1, true)
    assert.matches("the pack loyal 1.0.0's own: loyalty.points_credited", res.error.message, 1, true)
    -- the API refuses at once what no pack could declare
    s, res = event(loyal_case, { type = "points_credited" })
    H.assert_error(s, res, 422, "unknown_event_type", "type")
  end)

  it("refuses the type on a case of a pack that does not declare it", function()
    local plain_case = d:complain { customer = { id = "c-plain" }, brand = "plain" }.case
    assert.are.equal("plain", plain_case.pack.name)
    local s, res = event(plain_case.id, { type = "loyalty.points_credited", data = { points = 5, reason = "x" } })
    H.assert_error(s, res, 422, "unknown_event_type", "type")
    assert.matches("the pack plain 1.0.0 declares no event types of its own", res.error.message, 1, true)
    assert.are.equal(1, (events_of(plain_case.id)))
  end)

  it("follows the version a case is pinned to, across a reload", function()
    -- 2.0.0 no longer declares the type: old cases keep it, new ones do not
    local src = H.read_file(loyal_dir .. "/pack.lua")
    H.write_file(loyal_dir .. "/pack.lua", (src:gsub('version = "1.0.0"', 'version = "2.0.0"')
      :gsub("events = {.*}%s*}", "}")))
    local s, res, _, raw = d:post("/v1/admin/reload", {})
    assert.are.equal(200, s, raw)
    local new_case = d:complain { customer = { id = "c-new" } }.case
    assert.are.equal("2.0.0", new_case.pack.version)
    s, res = event(new_case.id, { type = "loyalty.points_credited", data = { points = 5, reason = "x" } })
    H.assert_error(s, res, 422, "unknown_event_type", "type")
    s, res, _, raw = event(loyal_case, { type = "loyalty.points_credited", data = { points = 7, reason = "again" } })
    assert.are.equal(200, s, raw)
    assert.are.equal("1.0.0", res.decision.pack.version)
    assert.are.equal(7, res.case.facts.points)
  end)
end)
