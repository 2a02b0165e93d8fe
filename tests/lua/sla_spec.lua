-- redress.sla through a real pack (tests/fixtures/packs/support) and the
-- real decision step: start, warning, breach, pause/resume arithmetic in
-- business time, stop met or breached, and what the case shows.
local T = require "redress.testing"
local time = require "redress.time"

local root = os.getenv("REDRESS_ROOT") or "."
local pack = T.pack(root .. "/tests/fixtures/packs/support")
local H = 3600000
local F = time.format

describe("redress.sla", function()
  -- Friday 20 November 2026, 15:00 in London (GMT = UTC)
  local start = "2026-11-20T15:00:00Z"

  it("starts the clocks with deadlines in business time", function()
    local r = pack:complaint(T.complaint { severity = "high" }, start)
    local s = r.case.sla
    assert.equal("running", s.first_response.state)
    -- 4 business hours: 2h on Friday, 2h on Monday → Mon 11:00
    assert.equal("2026-11-23T11:00:00.000Z", s.first_response.due_at)
    assert.equal(4 * H, s.first_response.remaining_ms)
    -- warning at 80% (3.2 business hours) → Mon 10:12
    assert.equal("2026-11-23T10:12:00.000Z", r.case.timers["sla.first_response.warn"].due_at)
    -- 5 business days → the next Friday, same time
    assert.equal("2026-11-27T15:00:00.000Z", s.resolution.due_at)
    assert.equal(40 * H, s.resolution.remaining_ms)
    -- the target follows the priority
    local low = pack:complaint(T.complaint { severity = "low" }, start)
    assert.equal("2026-11-23T15:00:00.000Z", low.case.sla.first_response.due_at)
  end)

  it("warns, then breaches and lets the policy escalate", function()
    local r = pack:complaint(T.complaint { severity = "high" }, start)
    local w = pack:fire(r, "sla.first_response.warn")
    assert.same({ "sla-warning:first_response" }, w.case.tags)
    assert.equal("running", w.case.sla.first_response.state)
    local b = pack:fire(w, "sla.first_response.breach")
    assert.equal("breached", b.case.sla.first_response.state)
    assert.equal("duty-manager", b:action("escalate").team)
    assert.equal(2, b.case.tier)
    assert.equal("2026-11-23T11:00:00.000Z", b.case.sla.first_response.breached_at)
  end)

  it("stops met before the deadline, with the business time used", function()
    local r = pack:complaint(T.complaint { severity = "high" }, start)
    local s = pack:event(r, "agent.note", { note = "ask" }, "2026-11-23T10:00:00Z")  -- Mon 10:00
    assert.equal("met", s.case.sla.first_response.state)
    assert.equal(3 * H, s.case.sla.first_response.used_ms)
    assert.is_nil(s.case.timers["sla.first_response.breach"])
    assert.is_nil(s.case.timers["sla.first_response.warn"])
  end)

  it("pauses with the business time left and resumes from there", function()
    local r = pack:complaint(T.complaint { severity = "high" }, start)
    -- paused Mon 10:00: 3 of 40 business hours used
    local p = pack:event(r, "agent.note", { note = "ask" }, "2026-11-23T10:00:00Z")
    assert.equal("paused", p.case.sla.resolution.state)
    assert.equal(37 * H, p.case.sla.resolution.remaining_ms)
    assert.is_nil(p.case.timers["sla.resolution.breach"])
    -- the customer answers Wed 10:00: 37h from then → Tue 1 Dec 15:00
    local q = pack:event(p, "customer.replied", { message = "here it is" }, "2026-11-25T10:00:00Z")
    assert.equal("running", q.case.sla.resolution.state)
    assert.equal("2026-12-01T15:00:00.000Z", q.case.sla.resolution.due_at)
    assert.equal("2026-12-01T15:00:00.000Z", q.case.timers["sla.resolution.breach"].due_at)
    -- the warning comes at 32 of 40 hours used: 29 business hours after the resume → Mon 30 Nov 15:00
    assert.equal("2026-11-30T15:00:00.000Z", q.case.timers["sla.resolution.warn"].due_at)
    -- resolved Thu 26 Nov 12:00: used 3 + (Wed 7h + Thu 3h) = 13h, met
    local done = pack:event(q, "case.resolved", {}, "2026-11-26T12:00:00Z")
    assert.equal("met", done.case.sla.resolution.state)
    assert.equal(13 * H, done.case.sla.resolution.used_ms)
  end)

  it("stops a breached clock as breached, counting the overrun", function()
    local r = pack:complaint(T.complaint { severity = "high" }, start)
    local b = pack:fire(r, "sla.first_response.breach")
    local s = pack:event(b, "agent.note", { note = "ask" }, "2026-11-23T13:00:00Z")  -- 2 business hours late
    assert.equal("breached", s.case.sla.first_response.state)
    assert.equal(6 * H, s.case.sla.first_response.used_ms)
  end)

  it("keeps business hours across the October clock change", function()
    -- Friday 23 October 2026 16:00 BST (15:00Z); clocks go back on the Sunday
    local r = pack:complaint(T.complaint { severity = "high" }, "2026-10-23T15:00:00Z")
    -- 1h Friday, 3h Monday from 09:00 GMT → Mon 12:00 GMT
    assert.equal("2026-10-26T12:00:00.000Z", r.case.sla.first_response.due_at)
  end)

  it("shows a wall-clock clock's time left in wall time, even beside a business calendar", function()
    local sla = require "redress.sla"
    local facts = {}
    local act = { set = function(_, spec) for k, v in pairs(spec.facts) do facts[k] = v end end, timer = function() end }
    local now = time.parse(start)
    sla.new { targets = { reply = "48h" } }:start({ facts = {}, now = now }, act, "reply")
    assert.is_true(facts["sla.reply.wall"])
    local cal = pack.pack.calendar
    -- Friday 15:00 + 48h = Sunday 15:00: 48 wall hours, 2 business hours
    assert.equal(48 * H, sla.view(facts, now, cal).reply.remaining_ms)
    facts["sla.reply.wall"] = nil
    assert.equal(2 * H, sla.view(facts, now, cal).reply.remaining_ms)
  end)
  it("shows clocks only on a case that has them, and keeps them current", function()
    -- retail-eu's late delivery sets a plain fact and starts no clock
    local eu = T.pack(root .. "/policies/retail-eu")
    local r = eu:complaint(T.complaint { category = "late_delivery" }, start)
    assert.equal(0, r.case.facts.reminders)
    assert.is_nil(r.case.sla)
    -- the customer answers: the resolution clock starts and shows
    local q = eu:event(r, "customer.replied", { message = "thanks" }, "2026-11-23T10:00:00Z")
    assert.equal("running", q.case.sla.resolution.state)
    -- a clock already shown is brought up to date by a decision that sets
    -- nothing: Mon 10:00 is 3 of the 4 business hours after Fri 15:00
    local s = pack:complaint(T.complaint { severity = "high" }, start)
    local n = pack:event(s, "agent.note", { note = "for the file" }, "2026-11-23T10:00:00Z")
    assert.same({}, n.decision.actions)
    assert.equal("running", n.case.sla.first_response.state)
    assert.equal(1 * H, n.case.sla.first_response.remaining_ms)
  end)
end)
