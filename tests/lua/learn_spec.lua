-- Recurring causes and corrective actions (redress.learn), through the
-- engine as a decision worker runs it, on the fixture's store stand-in:
-- complaints seeded one by one, each write set applied as the writer would.
local root = os.getenv("REDRESS_ROOT") or "."
local F = dofile(root .. "/tests/lua/fixture.lua")
local S = F.store()
local json = require "redress.json"
local engine = require "redress.engine"
local breaker = require "redress.breaker"
local learn = require "redress.learn"
local store = require "redress.store"

local NOW = 1796122851591 -- 2026-12-01T11:00:51.591Z
local DAY = 86400000

local POLICY = [[
local P = {}
function P.on_complaint(case, act)
  act:acknowledge { template = "ack" }
  if case.category == "rude" then
    act:open_corrective_action { title = "Coach the team", cause = "rude staff", owner = "care-lead" }
  end
end
function P.on_event(case, event, act)
  if event.type == "investigation.concluded" then
    act:open_corrective_action { title = "Fix the packaging", owner = "warehouse" }
  end
end
return P
]]

local AGENT = "aaaaaaaaaaaa agent"
local APPROVER = "bbbbbbbbbbbb approver"

describe("redress.learn", function()
  local dir, conf, eng, n
  setup(function()
    dir = F.tmpdir()
    F.pack(dir .. "/shop", "shop", "1.0.0", POLICY,
      'recurring = { window = "14 days", threshold = 3, keys = { "category", "order.sku" } }')
    conf = F.config(dir, string.format("  packs = { %q },", dir .. "/shop"))
  end)
  teardown(function() F.rmdir(dir) end)
  before_each(function()
    S.rows, S.next_outbox, n = {}, 0, 0
    breaker.reset()
    eng = engine.new(conf)
  end)

  local function complain(over, at)
    n = n + 1
    local c = { customer = { id = "c-" .. n }, channel = "email", category = "late_delivery",
      description = "Late again.", order = { id = "O-" .. n, sku = "SKU-1" } }
    for k, v in pairs(over or {}) do c[k] = v end
    local r = S:decide(eng.handle_fn, { kind = "complaint", body = json.encode(c), now_ms = at or NOW,
      new_case_id = string.format("C%010d", n) })
    assert.are.equal(201, r.status, r.body)
    return json.decode(r.body)
  end
  local function move(id, body, actor, at)
    local r = S:decide(eng.handle_fn, { kind = "corrective", case_id = id, body = json.encode(body),
      actor = actor, now_ms = at or NOW + DAY })
    return r.status, json.decode(r.body)
  end
  local function actions()
    local ids = store.actions_after(nil, 100)
    return ids
  end
  -- an action as the API shows it: its record, the cases that joined it
  -- since (rows of their own) and its cause's counts
  local function view(id)
    return json.decode(learn.get_body(id, NOW + 10 * DAY)).corrective_action
  end

  it("finds a cause at its threshold and not before, and proposes one action for it", function()
    local a1 = complain()
    local a2 = complain(nil, NOW + DAY)
    assert.are.same({}, actions())
    assert.are.same({}, a2.case.corrective_actions)
    assert.matches("2 of 3 complaints in 14 days", table.concat(a2.decision.trace, "\n"), 1, true)
    -- another SKU, and a complaint without one, are other causes (or none)
    complain { order = { id = "x", sku = "SKU-2" } }
    complain { order = { id = "y" } }
    assert.are.same({}, actions())

    local a3 = complain(nil, NOW + 2 * DAY)
    assert.are.same({ "CA0000000001" }, actions())
    local rec = store.get_action("CA0000000001")
    assert.are.equal("proposed", rec.status)
    assert.are.equal("recurring", rec.source)
    assert.are.equal("category=late_delivery|order.sku=SKU-1", rec.cause)
    assert.are.same({ a1.case.id, a2.case.id, a3.case.id }, rec.cases)
    assert.are.equal(3, rec.case_count)
    assert.are.equal("category=late_delivery|order.sku=SKU-1", a3.case.cause)
    assert.are.equal("CA0000000001", a3.case.corrective_actions[1].ref)
    assert.are.equal("recurring.cause", a3.decision.explanation[1].code)

    -- the next case of the cause joins it: no second action, and its
    -- record is not rewritten (the case joins in a row of its own)
    local before = S.rows.meta["ca:CA0000000001"]
    local a4 = complain(nil, NOW + 3 * DAY)
    assert.are.same({ "CA0000000001" }, actions())
    assert.are.equal(before, S.rows.meta["ca:CA0000000001"])
    rec = view("CA0000000001")
    assert.are.equal(4, rec.case_count)
    assert.are.equal(a4.case.id, rec.cases[4])
    assert.are.same({ 4, a4.case.opened_at }, { rec.cause_total, rec.cause_last_at })
  end)

  it("counts only inside the window", function()
    complain()
    complain(nil, NOW + DAY)
    complain(nil, NOW + 20 * DAY) -- the first two are 19 and 20 days old
    assert.are.same({}, actions())
    complain(nil, NOW + 21 * DAY)
    assert.are.same({}, actions())
    complain(nil, NOW + 22 * DAY)
    assert.are.same({ "CA0000000001" }, actions())
    assert.are.equal(3, store.get_action("CA0000000001").case_count)
  end)

  it("runs an action through its lifecycle, each change with its actor, and refuses bad and stale ones", function()
    for i = 1, 3 do complain(nil, NOW + i) end
    local id = "CA0000000001"
    -- a bad transition: 422 naming the field, nothing written
    local s, b = move(id, { type = "done" }, APPROVER)
    assert.are.same({ 422, "invalid_transition", "type" }, { s, b.error.code, b.error.field })
    s, b = move(id, { type = "assign", data = {} }, AGENT)
    assert.are.same({ 422, "data.to" }, { s, b.error.field })
    s, b = move(id, { type = "close" }, APPROVER)
    assert.are.same({ 422, "type" }, { s, b.error.field })
    s = move("CA0000000099", { type = "open" }, APPROVER)
    assert.are.equal(404, s)
    assert.are.equal(1, store.get_action(id).version)

    s, b = move(id, { type = "open", version = 1 }, APPROVER)
    assert.are.same({ 200, "open", 2 }, { s, b.corrective_action.status, b.corrective_action.version })
    -- stale: meant for version 1, which is gone
    s, b = move(id, { type = "dismiss", data = { reason = "dup" }, version = 1 }, APPROVER)
    assert.are.same({ 409, "stale" }, { s, b.error.code })
    s, b = move(id, { type = "assign", data = { to = "warehouse-lead" }, version = 2 }, AGENT)
    assert.are.same({ 200, "assigned", "warehouse-lead" }, { s, b.corrective_action.status, b.corrective_action.assignee })
    s, b = move(id, { type = "note", data = { text = "Carrier changed for SKU-1." } }, AGENT)
    assert.are.equal(200, s)
    s, b = move(id, { type = "done" }, APPROVER, NOW + 5 * DAY)
    local rec = b.corrective_action
    assert.are.same({ 200, "done" }, { s, rec.status })
    assert.is_string(rec.done_at)
    assert.are.same({ "proposed", "open", "assign", "note", "done" },
      { rec.history[1].type, rec.history[2].type, rec.history[3].type, rec.history[4].type, rec.history[5].type })
    assert.are.same({ token = "bbbbbbbbbbbb", roles = "approver" }, rec.history[2].actor)
    assert.are.same({ token = "aaaaaaaaaaaa", roles = "agent" }, rec.history[3].actor)
    assert.are.equal("engine", rec.history[1].by)
    assert.are.equal("Carrier changed for SKU-1.", rec.notes[1].text)
    -- done is done: no reopening by dismissal
    s, b = move(id, { type = "dismiss", data = { reason = "x" } }, APPROVER)
    assert.are.same({ 422, "invalid_transition" }, { s, b.error.code })

    -- after done: new complaints of the cause count towards a new action
    complain(nil, NOW + 6 * DAY)
    complain(nil, NOW + 7 * DAY)
    assert.are.same({ id }, actions())
    complain(nil, NOW + 8 * DAY)
    assert.are.same({ id, "CA0000000002" }, actions())

    -- the effect: 3 complaints in the 14 days up to done_at, 3 after it
    local e = json.decode(learn.get_body(id, NOW + 9 * DAY)).corrective_action.effect
    assert.are.same({ window_days = 14, before = 3, after = 3, days_after = 4 }, e)

    -- the second one is dismissed with a reason
    s, b = move("CA0000000002", { type = "dismiss", data = { reason = "seasonal" } }, APPROVER)
    assert.are.same({ 200, "dismissed", "seasonal" }, { s, b.corrective_action.status, b.corrective_action.reason })
  end)

  it("lists actions by status, pack and cause, with a cursor", function()
    for i = 1, 3 do complain(nil, NOW + i) end
    for i = 1, 3 do complain({ order = { id = "z", sku = "SKU-9" } }, NOW + i) end
    local t = json.decode(learn.list_body({}, 1, NOW))
    assert.are.equal(1, #t.corrective_actions)
    assert.are.equal("CA0000000001", t.next_cursor)
    t = json.decode(learn.list_body({ cursor = t.next_cursor }, 1, NOW))
    assert.are.same({ "CA0000000002", json.null }, { t.corrective_actions[1].id, t.next_cursor })
    t = json.decode(learn.list_body({ cause = "category=late_delivery|order.sku=SKU-9" }, 50, NOW))
    assert.are.equal("CA0000000002", t.corrective_actions[1].id)
    assert.are.equal(3, t.corrective_actions[1].cause_total)
    t = json.decode(learn.list_body({ status = "done" }, 50, NOW))
    assert.are.same({}, t.corrective_actions)
  end)

  it("makes the policy's open_corrective_action a record of its own, open at once", function()
    local a = complain { category = "rude" }
    local ref = a.case.corrective_actions[1].ref
    assert.are.equal("CA0000000001", ref)
    local rec = store.get_action(ref)
    assert.are.same({ "open", "policy", "Coach the team", "care-lead", "rude staff" },
      { rec.status, rec.source, rec.title, rec.owner, rec.cause_text })
    assert.are.same({ a.case.id }, rec.cases)
    -- the cause's later cases join it
    local b = complain { category = "rude" }
    assert.are.same({ "CA0000000001", "CA0000000002" }, actions()) -- the second policy call made its own
    assert.are.equal(ref, store.get_cause("shop", "category=rude|order.sku=SKU-1").action)
    assert.are.same({ "CA0000000002", "CA0000000001" }, { b.case.corrective_actions[1].ref, b.case.corrective_actions[2].ref })
    assert.are.equal(2, view(ref).case_count)
  end)

  it("keeps every key within LMDB's 511 bytes, however long the cause's values", function()
    local long = string.rep("x", 200)
    for i = 1, 3 do complain({ category = string.rep("c", 100), order = { id = "o", sku = long } }, NOW + i) end
    local a = store.get_action("CA0000000001")
    assert.are.equal("category=" .. string.rep("c", 100) .. "|order.sku=" .. long, a.cause)
    assert.are.equal(3, view(a.id).cause_total)
    local cfg = { keys = { "category", "order.sku", "order.product", "brand" } }
    local cause = learn.cause_of({ category = long, brand = long, order = { sku = long, product = long } }, cfg)
    assert.is_true(#cause > 800)
    S:begin()
    store.put_cause("shop", cause, { cause = cause, total = 1, days = {}, waiting = {}, actions = {} })
    S:commit()
    assert.are.equal(cause, store.get_cause("shop", cause).cause)
    for _, db in pairs(S.rows) do
      for k in pairs(db) do assert.is_true(#k <= 511, "a key of " .. #k .. " bytes") end
    end
  end)

  it("makes a record of an action a policy opens on a later event, which the cause's next cases join", function()
    local a = complain()
    local r = S:decide(eng.handle_fn, { kind = "event", case_id = a.case.id, now_ms = NOW + 1000,
      body = json.encode { type = "investigation.concluded", data = { justified = true } }, actor = AGENT })
    assert.are.equal(200, r.status, r.body)
    local c = json.decode(r.body).case
    local ref = c.corrective_actions[1].ref
    local rec = store.get_action(ref)
    assert.are.same({ "open", "policy", "Fix the packaging", "category=late_delivery|order.sku=SKU-1" },
      { rec.status, rec.source, rec.title, rec.cause })
    assert.are.equal(ref, store.get_cause("shop", rec.cause).action)
    complain(nil, NOW + 2000)
    assert.are.equal(2, view(ref).case_count)
  end)

  it("takes its setting from pack.lua and the installation's pack_settings, and refuses a wrong one", function()
    local fail = function(m) error(m, 0) end
    local c = learn.config(nil, nil, nil, fail)
    assert.are.same({ window_days = 30, threshold = 5, keys = { "category", "order.sku" }, open = false }, c)
    c = learn.config({ window = "P7D", keys = { "category", "details.route" } }, { threshold = 2, open = true },
      { route = { type = "string" } }, fail)
    assert.are.same({ window_days = 7, threshold = 2, keys = { "category", "details.route" }, open = true }, c)
    assert.is_false(learn.config(false, nil, nil, fail))
    assert.is_false(learn.config(nil, false, nil, fail))
    assert.has_error(function() learn.config({ keys = { "details.route" } }, nil, {}, fail) end,
      "pack.lua: recurring.keys[1]: details.route is not a cause key (" .. learn.KEY_DOC .. ")")
    assert.has_error(function() learn.config({ threshold = 1 }, nil, nil, fail) end,
      "pack.lua: recurring.threshold must be an integer from 2 to 1000")
    assert.has_error(function() learn.config(nil, { windw = 3 }, nil, fail) end,
      "config pack_settings.recurring.windw: unknown field (it takes window, threshold, keys, open)")
  end)

  it("opens the action at once when the setting says so", function()
    local d2 = F.tmpdir()
    F.pack(d2 .. "/shop", "shop", "1.0.0", POLICY, 'recurring = { threshold = 2 }')
    local conf2 = F.config(d2, string.format("  packs = { %q },\n  pack_settings = { shop = { recurring = { open = true } } },", d2 .. "/shop"))
    eng = engine.new(conf2)
    complain()
    complain()
    assert.are.equal("open", store.get_action("CA0000000001").status)
    F.rmdir(d2)
  end)
end)
