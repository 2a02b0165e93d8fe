-- Durable timers: a policy's timer reaches on_timer with its case and data,
-- now = its due time; due order; cancel; move; catch-up after downtime; and
-- exactly once in the committed history across SIGKILL.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"

local POLICY = [[
local P = {}
function P.on_complaint(case, act)
  act:acknowledge { template = "ack" }
  if case.category == "three" then
    act:timer { name = "c", after = "3s" }
    act:timer { name = "a", after = "1s", data = { n = 7 } }
    act:timer { name = "b", after = "2s" }
  elseif case.category == "cancel" then
    act:timer { name = "x", after = "1s" }
    act:cancel_timer { name = "x" }
  elseif case.category == "later" then
    act:timer { name = "m", after = "1h" }
  elseif case.category == "soon" then
    act:timer { name = "s", after = "1200ms" }
  end
end
function P.on_event(case, event, act)
  if event.data.note == "move" then act:timer { name = "m", after = "1s" } end
end
function P.on_timer(case, timer, act)
  act:set { facts = { ["now_" .. timer.name] = case.now_iso, ["fired_" .. timer.name] = timer.fired_at,
    ["due_" .. timer.name] = timer.due_at, ["n_" .. timer.name] = timer.data and timer.data.n or 0 } }
  act:escalate { tier = 1, reason = "timer " .. timer.name }
end
return P
]]

local function fired(d, id)
  local _, res = d:get("/v1/cases/" .. id, "test-read")
  local names = {}
  for _, e in ipairs(res.timeline) do
    if e.kind == "event" and e.type == "timer.fired" then names[#names + 1] = e.data.name end
  end
  return names, res
end

local function wait_for(fn, secs)
  local deadline = H.now() + secs
  while H.now() < deadline do
    if fn() then return true end
    H.sleep(0.1)
  end
  return fn()
end

describe("timers", function()
  local d
  setup(function()
    d = H.new()
    d:use_pack("clock", POLICY)
    d:write_config()
    d:start()
  end)
  teardown(function() if d then d:cleanup() end end)

  local function complain(category, cust)
    return d:complain { category = category, customer = { id = cust or category } }
  end

  it("fire in due order, reach on_timer with their data, now = due time", function()
    local res = complain("three")
    local id = res.case.id
    assert.are.same({ "a", "b", "c" }, (function()
      local t = {}
      for k in pairs(res.case.timers) do t[#t + 1] = k end
      table.sort(t)
      return t
    end)())
    local _, list = d:get("/v1/timers", "test-read")
    local names = {}
    for _, t in ipairs(list.timers) do if t.case_id == id then names[#names + 1] = t.name end end
    assert.are.same({ "a", "b", "c" }, names)

    assert.is_true(wait_for(function() return #fired(d, id) == 3 end, 6))
    local order, c = fired(d, id)
    assert.are.same({ "a", "b", "c" }, order)
    local f = c.case.facts
    assert.are.equal(res.case.timers.a.due_at, f.now_a)   -- the handler's now is the due time
    assert.are.equal(f.due_a, f.now_a)
    assert.is_true(H.parse_time(f.fired_a) >= H.parse_time(f.due_a))
    assert.are.equal(7, f.n_a)
    assert.are.same({}, c.case.timers)
    assert.are.equal(1, c.case.tier)
    local _, after = d:get("/v1/timers", "test-read")
    for _, t in ipairs(after.timers) do assert.are_not.equal(id, t.case_id) end
    local _, metrics = d:request("GET", "/metrics", { token = "test-read" })
    assert.matches("redress_timers_fired_total [3-9]", metrics)
  end)

  it("a cancelled timer never fires", function()
    local res = complain("cancel")
    assert.are.same({}, res.case.timers)
    H.sleep(1.5)
    assert.are.same({}, (fired(d, res.case.id)))
  end)

  it("setting a timer again moves it", function()
    local res = complain("later")
    local s, ev = d:post("/v1/cases/" .. res.case.id .. "/events", { type = "agent.note", data = { note = "move" } })
    assert.are.equal(200, s)
    assert.is_true(H.parse_time(ev.case.timers.m.due_at) < H.parse_time(res.case.timers.m.due_at))
    assert.is_true(wait_for(function() return #fired(d, res.case.id) == 1 end, 4))
    H.sleep(0.5)
    assert.are.same({ "m" }, (fired(d, res.case.id)))
  end)

  it("redress timers lists what is pending", function()
    local res = complain("later", "cust-list")
    local p = io.popen(H.sh_quote(os.getenv("REDRESS_CLI") or (H.root .. "/build/redress")) ..
      " timers --data " .. H.sh_quote(d.config.data_dir) .. " --json")
    local out = p:read("a")
    p:close()
    local list = H.json.decode(out).timers
    local found = false
    for _, t in ipairs(list) do if t.case_id == res.case.id and t.name == "m" then found = true end end
    assert.is_true(found)
  end)

  it("catch up after downtime, in due order", function()
    local res = complain("three", "cust-downtime")
    assert.are.equal(0, d:stop())
    H.sleep(3.5)  -- every timer of the case comes due while the daemon is down
    d:start()
    assert.is_true(wait_for(function() return #fired(d, res.case.id) == 3 end, 5))
    local order, c = fired(d, res.case.id)
    assert.are.same({ "a", "b", "c" }, order)
    assert.is_true(H.parse_time(c.case.facts.fired_c) - H.parse_time(c.case.facts.due_c) > 400)
  end)

  it("fire exactly once across SIGKILL", function()
    for cycle = 1, 3 do
      local ids = {}
      for i = 1, 15 do ids[i] = complain("soon", "cust-kill-" .. cycle .. "-" .. i).case.id end
      -- kill around the due time: some fired and committed, some not yet
      H.sleep(1.1 + math.random() * 0.3)
      d:kill9()
      d:start()
      for _, id in ipairs(ids) do
        assert.is_true(wait_for(function() return #fired(d, id) >= 1 end, 4), id .. " never fired")
      end
      H.sleep(0.3)
      for _, id in ipairs(ids) do
        assert.are.same({ "s" }, (fired(d, id)), id .. " fired more than once")
      end
    end
  end)
end)
