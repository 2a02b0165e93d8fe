-- One job → its write set (redress.engine), as a decision worker runs it:
-- handle_fn(job) inside a write set over the committed store (the fixture's
-- stand-in for rd.store), which the spec applies as the writer would when
-- the answer says wrote = true.
local root = os.getenv("REDRESS_ROOT") or "."
local F = dofile(root .. "/tests/lua/fixture.lua")
local S = F.store()
local rd = require "rd"
local json = require "redress.json"
local engine = require "redress.engine"
local breaker = require "redress.breaker"

local NOW = 1796122851591 -- 2026-12-01T11:00:51.591Z
local KEY = "k-1"

local MAIN_POLICY = [[
local P = {}
function P.on_complaint(case, act)
  if case.category == "boom" then error("boom") end
  act:acknowledge { template = "ack" }
  if case.category == "timer" then act:timer { name = "remind", after = "1h", data = { n = 1 } } end
  if case.category == "offer" then act:offer { kind = "coupon", amount = 500, currency = "EUR" } end
  if case.category == "two offers" then
    act:offer { kind = "coupon", amount = 500, currency = "EUR" }
    act:offer { kind = "gift", amount = 700, currency = "EUR" }
  end
end
function P.on_event(case, event, act)
  act:set { tags = { event.type } }
  local at, n = (event.data and event.data.note or ""):match("^timer (%S+) (.+)$")
  if n then act:timer { name = "remind", at = at, data = { n = tonumber(n) } } end
end
function P.on_timer(case, timer, act)
  act:set { tags = { "fired:" .. timer.name .. ":" .. timer.data.n } }
end
return P
]]

local function complaint(over)
  local c = { customer = { id = "c-1", name = "Anna" }, channel = "email", category = "late_delivery",
    description = "My parcel is late.", language = "en" }
  for k, v in pairs(over or {}) do c[k] = v end
  return json.encode(c)
end

local error_of = F.error_of

describe("redress.engine", function()
  local dir, conf, eng
  setup(function()
    dir = F.tmpdir()
    F.pack(dir .. "/main", "main", "1.0.0", MAIN_POLICY, 'details = { ref = { type = "string", max_len = 5 } }')
    F.pack(dir .. "/vip", "vip", "1.0.0")
    conf = F.config(dir, string.format([[
  packs = { %q, %q },
  routes = { { when = { brand = "vip" }, pack = "vip" } },
  budgets = { per_day = { EUR = 100000 } },]], dir .. "/main", dir .. "/vip"))
  end)
  teardown(function() F.rmdir(dir) end)
  before_each(function()
    S.rows, S.next_outbox = {}, 0
    breaker.reset()
    eng = engine.new(conf)
  end)

  -- handle_fn(job) as one decision; returns the answer, the write set and
  -- its outbox rows.
  local function run(job)
    job.now_ms = job.now_ms or NOW
    return S:decide(eng.handle_fn, job)
  end
  local function complain(body, job)
    job = job or {}
    job.kind, job.body = "complaint", body
    if job.new_case_id == nil then job.new_case_id = "C0000000001" end
    return run(job)
  end

  describe("a complaint", function()
    it("answers 201 with the case and decision, and writes exactly their records", function()
      local r, set, outbox = complain(complaint(), { idem_key = KEY, actor = "0123456789ab intake" })
      assert.are.equal(201, r.status)
      assert.is_true(r.wrote)
      local answer = json.decode(r.body)
      local case, decision = answer.case, answer.decision
      assert.are.equal("C0000000001", case.id)
      assert.are.equal("acknowledged", case.status)
      assert.are.same({ name = "main", version = "1.0.0" }, case.pack)
      assert.are.equal("2026-12-01T11:00:51.591Z", case.opened_at)
      assert.are.equal("decided", decision.outcome)
      assert.are.equal("acknowledge", decision.actions[1].type)
      assert.are.equal("Thanks, Anna: case C0000000001.", decision.actions[1].text)

      -- the answer's bytes are the stored records'
      assert.are.equal('{"case":' .. set.cases.C0000000001 .. ',"decision":' ..
        set.decisions["C0000000001" .. string.pack(">I4", 1)] .. "}", r.body)
      local event = json.decode(set.events["C0000000001" .. string.pack(">I4", 1)])
      assert.are.equal("complaint.received", event.type)
      assert.are.same({ token = "0123456789ab", roles = "intake" }, event.actor)
      assert.are.equal("", set.customers["c-1\0C0000000001"])
      assert.are.equal(1, json.decode(set.customers["c-1\1"]).open)
      assert.are.equal(rd.sha256(complaint()) .. " 201\n" .. r.body, set.idempotency["c\0" .. KEY])
      assert.are.equal(1, #outbox)
      assert.are.equal("acknowledge", json.decode("{" .. outbox[1]).type)
      local dbs = {}
      for db in pairs(set) do dbs[#dbs + 1] = db end
      table.sort(dbs)
      assert.are.same({ "cases", "customers", "decisions", "events", "idempotency" }, dbs)
    end)

    it("numbers the case from the store's counter when dispatch gave none", function()
      local r, set = complain(complaint(), { new_case_id = false })
      assert.are.equal("C0000000001", json.decode(r.body).case.id)
      assert.are.equal("1", set.meta.next_case)
      r = complain(complaint(), { new_case_id = false })
      assert.are.equal("C0000000002", json.decode(r.body).case.id)
    end)

    it("goes to the pack its route names, and the case records the rule", function()
      local r = complain(complaint { brand = "vip" })
      local case = json.decode(r.body).case
      assert.are.same({ name = "vip", version = "1.0.0" }, case.pack)
      assert.are.equal(1, case.route)
      assert.is_nil(json.decode(complain(complaint()).body).case.route)
    end)

    it("adds an offer to the day's spending and puts it in the outbox", function()
      local _, set, outbox = complain(complaint { category = "offer" })
      -- a running count nothing checks, and the cap held by the writer:
      -- the day's row may hold at most 100000 - 500 before this grant
      assert.are.equal("amount\t500\n", S.rows.meta["spentd:2026-12-01:EUR"])
      assert.are.equal("amount\t99500", set.at_most["spentd:2026-12-01:EUR"])
      assert.is_nil((set.meta or {})["spent:2026-12-01:EUR"])
      local types = {}
      for i, row in ipairs(outbox) do types[i] = json.decode("{" .. row).type end
      assert.are.same({ "acknowledge", "offer" }, types)
    end)

    it("holds the day's cap for all of a decision's grants together", function()
      local r, set = complain(complaint { category = "two offers" })
      local offers = json.decode(r.body).case.offers
      assert.are.same({ "coupon", "gift" }, { offers[1].kind, offers[2].kind })
      assert.are.equal("amount\t1200\n", S.rows.meta["spentd:2026-12-01:EUR"])
      -- the second grant's cap counts the first: 100000 - 500 - 700 before them
      assert.are.equal("amount\t98800", set.at_most["spentd:2026-12-01:EUR"])
    end)

    it("stores a timer the policy set, under its due time", function()
      local _, set = complain(complaint { category = "timer" })
      local key = string.pack(">I8", NOW + 3600000) .. "C0000000001\0remind"
      local row = json.decode(set.timers[key])
      assert.are.same({ "C0000000001", "remind", NOW + 3600000, 1 }, { row.case_id, row.name, row.due_ms, row.data.n })
      assert.is_nil(set.timer_index) -- no second row: the case's timers give the key
    end)

    it("builds a missing customer summary from the customer's stored cases, counting each once", function()
      complain(complaint())
      S.rows.customers["c-1\1"] = nil -- a store written before summaries
      local _, set = complain(complaint(), { new_case_id = "C0000000002" })
      assert.are.equal(2, json.decode(set.customers["c-1\1"]).open)
      S.rows.customers["c-1\1"] = nil
      _, set = run { kind = "event", case_id = "C0000000001", body = '{"type":"case.resolved"}' }
      assert.are.equal(1, json.decode(set.customers["c-1\1"]).open)
    end)

    it("records a failing policy as a policy_error decision, still written, with a warning", function()
      local r, set = complain(complaint { category = "boom" })
      assert.are.equal(201, r.status)
      local answer = json.decode(r.body)
      assert.are.equal("policy_error", answer.decision.outcome)
      assert.are.equal("manual_review", answer.case.status)
      assert.matches("boom", answer.decision.error)
      assert.matches("^policy error: main 1%.0%.0, on_complaint on case C0000000001: ", r.warnings[1])
      assert.is_string(set.cases.C0000000001)
    end)
  end)

  describe("refusing a complaint", function()
    -- A refusal: the status, the error, and nothing written.
    local function refused(r, set, outbox)
      assert.is_false(r.wrote)
      assert.are.same({}, set)
      assert.are.same({}, outbox)
      return r.status, error_of(r)
    end

    it("answers a body that is not JSON with 400 invalid_json", function()
      local status, e = refused(complain("{not json", { idem_key = KEY }))
      assert.are.equal(400, status)
      assert.are.equal("invalid_json", e.code)
      assert.are.equal(json.null, e.field)
      -- the key is not spent: the same key with a good body decides
      assert.are.equal(201, (complain(complaint(), { idem_key = KEY })).status)
    end)

    it("answers a complaint that fails validation with 422 naming the field", function()
      local status, e = refused(complain('{"channel":"email"}'))
      assert.are.equal(422, status)
      assert.are.same({ "validation_failed", "customer" }, { e.code, e.field })
      status, e = refused(complain(complaint { channel = "fax" }))
      assert.are.same({ 422, "channel" }, { status, e.field })
    end)

    it("checks details against the schema of the pack the complaint is routed to", function()
      local status, e = refused(complain(complaint { details = { ref = "toolong" } }))
      assert.are.same({ 422, "details.ref" }, { status, e.field })
      status, e = refused(complain(complaint { brand = "vip", details = { ref = "A1" } }))
      assert.are.same({ 422, "details.ref" }, { status, e.field })
      assert.matches("it takes no details", e.message)
      assert.are.equal(201, (complain(complaint { details = { ref = "A1" } })).status)
    end)
  end)

  describe("an Idempotency-Key", function()
    it("answers a retry with the stored bytes and writes nothing", function()
      local first = complain(complaint(), { idem_key = KEY })
      local r, set = complain(complaint(), { idem_key = KEY, new_case_id = "C0000000002" })
      assert.are.same({ 201, first.body, false, true }, { r.status, r.body, r.wrote, r.replay })
      assert.are.same({}, set)
    end)

    it("refuses the same key with another body: 409, nothing written", function()
      complain(complaint(), { idem_key = KEY })
      local r, set = complain(complaint { description = "Something else." }, { idem_key = KEY })
      assert.are.equal(409, r.status)
      assert.are.equal("idempotency_conflict", error_of(r).code)
      assert.is_false(r.wrote)
      assert.are.same({}, set)
    end)

    it("belongs to its scope: an event's key is the case's own", function()
      complain(complaint(), { idem_key = KEY })
      local body = '{"type":"agent.note","data":{"note":"n"}}'
      local r = run { kind = "event", case_id = "C0000000001", body = body, idem_key = KEY }
      assert.are.equal(200, r.status)
      local again = run { kind = "event", case_id = "C0000000001", body = body, idem_key = KEY }
      assert.are.same({ 200, r.body, true }, { again.status, again.body, again.replay })
      assert.are.equal(409, (run { kind = "event", case_id = "C0000000001", idem_key = KEY,
        body = '{"type":"agent.note","data":{"note":"other"}}' }).status)
    end)
  end)

  describe("an event", function()
    before_each(function() complain(complaint()) end)

    it("runs on_event on the stored case and writes its next event and decision", function()
      local r, set = run { kind = "event", case_id = "C0000000001", actor = "0123456789ab agent",
        body = '{"type":"customer.replied","data":{"message":"any news?"}}', now_ms = NOW + 1000 }
      local case = json.decode(r.body).case
      assert.are.same({ 200, true, "decided" }, { r.status, r.wrote, json.decode(r.body).decision.outcome })
      assert.are.equal(2, case.events)
      assert.are.same({ "customer.replied" }, case.tags)
      local event = json.decode(set.events["C0000000001" .. string.pack(">I4", 2)])
      assert.are.same({ "customer.replied", "any news?", "agent" }, { event.type, event.data.message, event.actor.roles })
      assert.is_string(set.decisions["C0000000001" .. string.pack(">I4", 2)])
    end)

    it("writes a timer's row again only when its time or its data changed", function()
      local function note(text, ms)
        local _, set = run { kind = "event", case_id = "C0000000001", now_ms = NOW + ms,
          body = json.encode { type = "agent.note", data = { note = text } } }
        local rows = {}
        for k, v in pairs(set.timers or {}) do rows[#rows + 1] = v and json.decode(v).data.n or false end
        return rows, set.timers and next(set.timers) and json.decode(set.timers[next(set.timers)] or "null")
      end
      local DAY2, DAY3 = "2026-12-02T00:00:00Z", "2026-12-03T00:00:00Z"
      assert.are.same({ 1 }, (note("timer " .. DAY2 .. " 1", 1000)))         -- new
      assert.are.same({}, (note("timer " .. DAY2 .. " 1", 2000)))            -- set again, as it was
      assert.are.same({}, (note("nothing", 3000)))                           -- not touched
      assert.are.same({ 2 }, (note("timer " .. DAY2 .. " 2", 4000)))         -- other data
      local _, row = note("timer " .. DAY2 .. " 2.0", 5000)                 -- a float is other bytes
      assert.are.equal("float", math.type(row.data.n))
      assert.are.same({}, (note("timer " .. DAY2 .. " 2.0", 5500)))          -- and the same float the same
      assert.are.same({ 0.1 }, (note("timer " .. DAY2 .. " 0.1", 5600)))
      assert.are.same({}, (note("timer " .. DAY2 .. " 0.1", 5700)))          -- as its bytes read back
      local moved = note("timer " .. DAY3 .. " 0.1", 6000)                   -- another time: the old row
      table.sort(moved, function(a, b) return tostring(a) < tostring(b) end) -- goes, the new one comes
      assert.are.same({ 0.1, false }, moved)
    end)

    it("answers a case that does not exist with 404, writing nothing", function()
      local r, set = run { kind = "event", case_id = "C0000000099", body = '{"type":"agent.note","data":{"note":"n"}}' }
      assert.are.equal(404, r.status)
      assert.are.same({ "not_found", "no case C0000000099" }, { error_of(r).code, error_of(r).message })
      assert.are.same({}, set)
    end)

    it("refuses an unknown event type and an offer the case does not have with 422", function()
      local r, set = run { kind = "event", case_id = "C0000000001", body = '{"type":"case.exploded"}' }
      assert.are.same({ 422, "unknown_event_type", "type" }, { r.status, error_of(r).code, error_of(r).field })
      assert.are.same({}, set)
      r, set = run { kind = "event", case_id = "C0000000001", body = '{"type":"offer.accepted","data":{"offer_id":"O9"}}' }
      assert.are.same({ 422, "data.offer_id" }, { r.status, error_of(r).field })
      assert.are.same({}, set)
    end)
  end)

  describe("a timer", function()
    local key
    before_each(function()
      complain(complaint { category = "timer" })
      key = S:all("timers")[1][1]
    end)

    it("fires once: on_timer runs at its due time and the row is gone", function()
      local r, set = run { kind = "timer", body = key, now_ms = NOW + 3600500 }
      assert.are.same({ 200, true, "{}" }, { r.status, r.wrote, r.body })
      assert.is_false(set.timers[key])
      local case = json.decode(set.cases.C0000000001)
      assert.are.same({ "fired:remind:1" }, case.tags)
      local decision = json.decode(set.decisions["C0000000001" .. string.pack(">I4", 2)])
      assert.are.same({ "timer.fired", "on_timer", "decided" }, { decision.event, decision.handler, decision.outcome })
      assert.are.equal("2026-12-01T12:00:51.591Z", decision.at) -- its due time, not the clock's
      r, set = run { kind = "timer", body = key, now_ms = NOW + 3600600 }
      assert.are.same({ 200, "{}", false }, { r.status, r.body, r.wrote })
      assert.are.same({}, set)
    end)

    it("is dropped, without a decision, when its firing failed", function()
      local r, set = run { kind = "timer_drop", body = key }
      assert.are.same({ 200, true }, { r.status, r.wrote })
      assert.are.same({ timers = { [key] = false } }, set)
    end)
  end)

  it("acknowledges outbox rows that exist and counts them", function()
    complain(complaint { category = "offer" })
    local r, set = run { kind = "outbox_ack", body = '{"seqs":[2,7,1]}' }
    assert.are.same({ 200, '{"acked":2}', true }, { r.status, r.body, r.wrote })
    assert.are.same({ [string.pack(">I8", 1)] = false, [string.pack(">I8", 2)] = false, [string.pack(">I8", 7)] = false },
      set.outbox)
    r = run { kind = "outbox_ack", body = '{"seqs":[1]}' }
    assert.are.same({ '{"acked":0}', false }, { r.body, r.wrote })
  end)

  it("stores the packs and an empty quarantine report on sync", function()
    local r, set = run { kind = "sync", body = "" }
    assert.are.equal(200, r.status)
    assert.are.equal("{}", set.meta.pack_health)
    assert.is_string(set.packs["main@1.0.0"])
    local answer = json.decode(r.body)
    assert.is_true(answer.reloaded)
    assert.are.same({ "main", "vip" }, { answer.packs[1].name, answer.packs[2].name })
    assert.are.same({}, answer.warnings)
  end)

  it("marks a store with no case as keeping every summary, and then reads no other case for a new customer", function()
    local _, set = run { kind = "sync", body = "" }
    assert.are.equal("complete", set.meta.summaries)
    -- a case stored behind the summaries' back is not looked for: the
    -- customer has no row, so they are new
    S.rows.customers = { ["c-1\0C0000000009"] = "" }
    S.rows.cases = { C0000000009 = json.encode { id = "C0000000009", status = "received", opened_ms = NOW,
      customer = { id = "c-1" }, offers = {} } }
    local r
    r, set = complain(complaint())
    assert.are.equal(201, r.status)
    assert.are.equal(1, json.decode(set.customers["c-1\1"]).open) -- this case alone
  end)

  it("leaves a store that predates summaries building a missing row from the customer's cases", function()
    complain(complaint())
    S.rows.customers["c-1\1"] = nil -- a store written before summaries
    local _, set = run { kind = "sync", body = "" }
    assert.is_nil((set.meta or {}).summaries)
    _, set = complain(complaint(), { new_case_id = "C0000000002" })
    assert.are.equal(2, json.decode(set.customers["c-1\1"]).open)
  end)

  it("raises on a job kind it does not know", function()
    assert.has_error(function() run { kind = "compost", body = "" } end, "unknown job kind compost")
  end)

  describe("reload", function()
    local function reg() return eng.registry() end

    it("changes nothing when a pack is broken", function()
      F.pack(dir .. "/vip", "vip", "2.0.0")
      assert.are.equal(200, (run { kind = "reload_prepare", body = "" }).status)
      F.write(dir .. "/vip/policy.lua", "return {}\n")
      local r = run { kind = "reload_prepare", body = "" } -- and forgets the one prepared before
      F.pack(dir .. "/vip", "vip", "1.0.0")
      assert.are.equal(422, r.status)
      assert.are.equal("reload_failed", error_of(r).code)
      assert.matches("^nothing was changed: .*/vip: policy.lua must define on_complaint", error_of(r).message)
      local before = reg()
      run { kind = "reload_commit", body = "" } -- what a commit finds: nothing pending
      assert.are.equal(before, reg())
    end)

    it("switches to a whole new registry on commit, keeping the versions cases are pinned to", function()
      local old = reg()
      F.pack(dir .. "/vip", "vip", "2.0.0")
      local r = run { kind = "reload_prepare", body = "" }
      assert.are.same({ 200, false }, { r.status, r.wrote })
      assert.are.equal(old, reg()) -- prepared, not yet current
      local signature, set = r.signature, nil
      r, set = run { kind = "reload_commit", body = "" }
      F.pack(dir .. "/vip", "vip", "1.0.0")
      assert.are_not.equal(old, reg())
      assert.are.equal("2.0.0", reg().current.vip.version)
      -- what every worker must agree on: the versions read from disk
      assert.are.equal("main@1.0.0#" .. old.current.main.hash .. " vip@2.0.0#" .. reg().current.vip.hash, signature)
      assert.are.equal(old.current.vip, reg().versions["vip@1.0.0"])
      assert.is_string(set.packs["vip@2.0.0"])
      assert.is_true(json.decode(r.body).reloaded)
      -- a new complaint goes to the new version
      assert.are.equal("2.0.0", json.decode(complain(complaint { brand = "vip" }).body).case.pack.version)
    end)

    it("goes back to the packs it ran before when the reload's writes were not committed", function()
      local old = reg()
      F.pack(dir .. "/vip", "vip", "2.0.0")
      run { kind = "reload_prepare", body = "" }
      run { kind = "reload_commit", body = "" }
      F.pack(dir .. "/vip", "vip", "1.0.0")
      assert.are.equal("2.0.0", reg().current.vip.version)
      local r, set = run { kind = "reload_revert", body = "" }
      assert.are.same({ 200, false }, { r.status, r.wrote })
      assert.are.same({}, set)
      assert.are.equal(old, reg())
      assert.are.equal("1.0.0", json.decode(complain(complaint { brand = "vip" }).body).case.pack.version)
      run { kind = "reload_revert", body = "" } -- twice: nothing more to undo
      assert.are.equal(old, reg())
    end)

    it("drops what it prepared on abort", function()
      local old = reg()
      F.pack(dir .. "/vip", "vip", "2.0.0")
      run { kind = "reload_prepare", body = "" }
      F.pack(dir .. "/vip", "vip", "1.0.0")
      run { kind = "reload_abort", body = "" }
      local r, set = run { kind = "reload_adopt", body = "" }
      assert.are.same({ 200, false }, { r.status, r.wrote })
      assert.are.same({}, set)
      assert.are.equal(old, reg())
    end)
  end)
end)

describe("redress.engine's quarantine", function()
  local dir, eng
  setup(function()
    dir = F.tmpdir()
    F.pack(dir .. "/spin", "spin", "1.0.0", "local P = {}\nfunction P.on_complaint() while true do end end\nreturn P\n")
    eng = engine.new(F.config(dir, string.format("  packs = { %q },\n  limits = { policy_instructions = 100000, " ..
      "quarantine_after = 2 },", dir .. "/spin")))
    breaker.reset()
    S.rows, S.next_outbox = {}, 0
  end)
  teardown(function() F.rmdir(dir) end)

  it("counts calls over a limit and records the next ones as quarantined without running them", function()
    local function complain(n)
      return S:decide(eng.handle_fn, { kind = "complaint", body = complaint(), new_case_id = string.format("C%010d", n),
        now_ms = NOW + n })
    end
    local r1 = complain(1)
    assert.are.equal("instructions", json.decode(r1.body).decision.limit)
    local r2, set2 = complain(2)
    assert.are.equal("policy_error", json.decode(r2.body).decision.outcome)
    assert.are.equal("open", json.decode(set2.meta.pack_health)["spin@1.0.0"].state)
    assert.matches("quarantined", r2.warnings[2])
    local r3 = complain(3)
    local d3 = json.decode(r3.body).decision
    assert.are.same({ "policy_error", "quarantined" }, { d3.outcome, d3.limit })
    assert.matches("^%[quarantined%] the pack spin@1%.0%.0 is quarantined until ", d3.error)
    assert.are.equal(201, r3.status)
  end)
end)
