-- The case view's history on an event: the case's last events and the
-- decisions made on them. Each event record keeps what the view shows of
-- its decision (`decided`), so the view reads events alone; a case whose
-- events were stored before that (or has an event without a decision) is
-- read from its decision records instead, and the view is the same.
local root = os.getenv("REDRESS_ROOT") or "."
local F = dofile(root .. "/tests/lua/fixture.lua")
local S = F.store()
local json = require "redress.json"
local engine = require "redress.engine"

local NOW = 1796122851591

-- The policy writes what it saw of the history into a fact, as text.
local POLICY = [[
local P = {}
local function seen(case)
  local parts = {}
  for _, h in ipairs(case.history) do parts[#parts + 1] = h.seq .. " " .. h.type .. " " .. h.at end
  for _, d in ipairs(case.decisions) do
    parts[#parts + 1] = d.event_seq .. " " .. d.event .. " " .. d.outcome .. " " .. d.at .. " " .. d.pack_version ..
      " [" .. table.concat(d.actions, ",") .. "]"
  end
  return table.concat(parts, "; ")
end
function P.on_complaint(case, act)
  if case.category == "walk" then -- a complaint's lists are empty, and walked like any field
    local keys = {}
    for k in pairs(case) do keys[#keys + 1] = k end
    table.sort(keys)
    act:set { facts = { keys = table.concat(keys, " "), lists = #case.history .. " " .. #case.decisions } }
  end
  act:acknowledge { template = "ack" }
  act:escalate { tier = 1, team = "care" }
end
function P.on_event(case, event, act)
  if event.data.note == "quiet" then return act:set { facts = { quiet = true } } end
  if event.data.note == "meta" then
    return act:set { facts = { meta = tostring(getmetatable(case)), set = tostring((pcall(setmetatable, case, {}))) } }
  end
  if event.data.note == "pairs" then -- the view's keys, as a policy walks them
    local keys = {}
    for k in pairs(case) do keys[#keys + 1] = k end
    table.sort(keys)
    return act:set { facts = { keys = table.concat(keys, " ") } }
  end
  if event.data.note == "again" then -- the lists dropped and read again
    local n = #case.history
    case.history, case.decisions = nil, nil
    return act:set { facts = { again = n .. " " .. #case.history .. " " .. #case.decisions } }
  end
  act:set { facts = { seen = seen(case) } }
  if event.data.note == "boom" then error("boom") end
end
return P
]]

describe("the case view's history", function()
  local dir, eng
  setup(function()
    dir = F.tmpdir()
    F.pack(dir .. "/main", "main", "1.2.0", POLICY)
    eng = engine.new(F.config(dir, string.format("  packs = { %q },", dir .. "/main")))
  end)
  teardown(function() F.rmdir(dir) end)

  local function event(i, note)
    local r = S:decide(eng.handle_fn, { kind = "event", case_id = "C0000000001", now_ms = NOW + i * 60000,
      body = json.encode { type = "agent.note", data = { note = note } } })
    assert.are.equal(200, r.status, r.body)
    return json.decode(r.body).case.facts.seen
  end

  -- How many times fn's decisions read the case's events from the store.
  local function event_reads(fn)
    local range_rev, reads = S.module.range_rev, 0
    S.module.range_rev = function(db, ...)
      if db == "events" then reads = reads + 1 end
      return range_rev(db, ...)
    end
    local ok, err = pcall(fn)
    S.module.range_rev = range_rev
    assert(ok, err)
    return reads
  end

  it("lists the events so far and their decisions, from the events alone", function()
    assert.are.equal(201, S:decide(eng.handle_fn, { kind = "complaint", new_case_id = "C0000000001", now_ms = NOW,
      body = json.encode { customer = { id = "c-1" }, channel = "email", category = "late", description = "late" } }).status)
    event(1, "first")
    event(2, "boom") -- a policy error: its decision is recorded too
    local seen = event(3, "third")
    local t = function(i) return require("redress.time").format(NOW + i * 60000) end
    local function expected(n) -- the view on the case's event n + 1
      local hist, dec = {}, {}
      for seq = 1, n do
        local what = seq == 1 and "complaint.received" or "agent.note"
        hist[#hist + 1] = seq .. " " .. what .. " " .. t(seq - 1)
        local outcome, actions = "decided", seq == 1 and "acknowledge,escalate" or "set"
        if seq == 3 then outcome, actions = "policy_error", "" end -- the "boom" note
        dec[#dec + 1] = seq .. " " .. what .. " " .. outcome .. " " .. t(seq - 1) .. " 1.2.0 [" .. actions .. "]"
      end
      return table.concat(hist, "; ") .. "; " .. table.concat(dec, "; ")
    end
    assert.are.equal(expected(3), seen)
    -- every stored event says what was decided on it
    for _, row in ipairs(S:all("events")) do assert.is_table(json.decode(row[2]).decided, row[2]) end

    -- the same view from records stored before events kept `decided`
    for _, row in ipairs(S:all("events")) do
      local e = json.decode(row[2])
      e.decided = nil
      S.rows.events[row[1]] = json.encode(e)
    end
    assert.are.equal(expected(4), event(4, "fourth"))
  end)

  -- The history is read when the policy first uses it: fifty records on a
  -- long case, which most handlers never look at.
  it("is read only by a decision whose policy uses it", function()
    assert.are.equal(0, event_reads(function() event(5, "quiet") end))
    assert.are.equal(1, event_reads(function() event(6, "sixth") end)) -- once, for both lists
  end)

  it("keeps its loader out of the policy's reach", function()
    local r = S:decide(eng.handle_fn, { kind = "event", case_id = "C0000000001", now_ms = NOW + 7 * 60000,
      body = json.encode { type = "agent.note", data = { note = "meta" } } })
    local facts = json.decode(r.body).case.facts
    assert.are.equal("the case view", facts.meta)
    assert.are.equal("false", facts.set)
  end)

  local function note(i, text)
    local r = S:decide(eng.handle_fn, { kind = "event", case_id = "C0000000001", now_ms = NOW + i * 60000,
      body = json.encode { type = "agent.note", data = { note = text } } })
    assert.are.equal(200, r.status, r.body)
    return json.decode(r.body).case.facts
  end

  it("is empty on a complaint, and walked by pairs there too", function()
    local r = S:decide(eng.handle_fn, { kind = "complaint", new_case_id = "C0000000099", now_ms = NOW,
      body = json.encode { customer = { id = "c-9" }, channel = "email", category = "walk", description = "x" } })
    assert.are.equal(201, r.status, r.body)
    local facts = json.decode(r.body).case.facts
    assert.are.equal("0 0", facts.lists)
    assert.matches(" history ", " " .. facts.keys .. " ", 1, true)
    assert.matches(" decisions ", " " .. facts.keys .. " ", 1, true)
    assert.matches(" customer_summary ", " " .. facts.keys .. " ", 1, true)
  end)

  it("is walked by pairs like any field of the view", function()
    local keys = " " .. note(8, "pairs").keys .. " "
    assert.matches(" history ", keys, 1, true)
    assert.matches(" decisions ", keys, 1, true)
    assert.matches(" customer_summary ", keys, 1, true)
  end)

  it("is read once per decision, however often the policy drops it", function()
    local facts
    assert.are.equal(1, event_reads(function() facts = note(9, "again") end))
    local n = facts.again:match("^(%d+)")
    assert.are.equal(n .. " " .. n .. " " .. n, facts.again)
  end)
end)
