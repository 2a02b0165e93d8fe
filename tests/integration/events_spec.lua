-- POST /v1/cases/{id}/events and GET /v1/cases/{id}: every event type, timeline, errors.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"
local cjson = H.json

describe("case events", function()
  local d

  local function new_case(cid)
    local status, res, _, raw = d:post("/v1/complaints", H.complaint{ customer = { id = cid } })
    assert.are.equal(201, status, raw)
    return res.case.id, res
  end

  local function event(id, body, opts)
    return d:post("/v1/cases/" .. id .. "/events", body, opts or { token = "test-agent" })
  end

  local function get_case(id)
    local status, res, _, raw = d:get("/v1/cases/" .. id, "test-read")
    assert.are.equal(200, status, raw)
    return res
  end

  setup(function()
    d = H.new()
    d:start()
  end)

  teardown(function()
    if d then d:cleanup() end
  end)

  describe("every event type", function()
    local id, posted = nil, {}
    local offer_id = "O1"   -- replaced by a real offer id once the case has one

    local approvals = {}   -- case id → its pending approval, from lost parcels worth more than 100.00

    setup(function()
      id = new_case("cust-events")
      -- the retail pack asks a manager to sign off a refund over 100.00
      for i = 1, 2 do
        local status, res, _, raw = d:post("/v1/complaints", H.complaint {
          customer = { id = "cust-approval-" .. i }, category = "missing",
          order = { id = "A-9", amount = 25000, currency = "EUR" } })
        assert.are.equal(201, status, raw)
        assert.are.equal(1, #res.case.approvals, raw)
        approvals[i] = { case = res.case.id, id = res.case.approvals[1].id }
      end
    end)

    local function check(typ, data)
      local body = { type = typ, data = data }
      if type(data) == "function" then body.data = data() end
      local status, res, _, raw = event(id, body)
      assert.are.equal(200, status, raw)
      assert.is_table(res.case)
      assert.are.equal(id, res.case.id)
      assert.is_table(res.decision)
      assert.are.equal(typ, res.decision.event)
      assert.are.equal("decided", res.decision.outcome, "decision: " .. raw)
      assert.are.equal("retail", res.decision.pack.name)
      assert.is_table(res.decision.actions)
      posted[#posted + 1] = typ
      for _, o in ipairs(res.case.offers or {}) do
        if type(o) == "table" and type(o.id) == "string" then offer_id = o.id end
      end
      return res
    end

    it("customer.replied", function() check("customer.replied", { message = "Any news?" }) end)
    it("agent.note", function() check("agent.note", { note = "Called the carrier." }) end)
    it("investigation.concluded", function()
      check("investigation.concluded", { justified = true, fault = "company", findings = "Lost in the warehouse." })
    end)
    it("approvals are decided by an approver, not by any agent", function()
      local status, res = event(approvals[1].case, { type = "approval.granted", data = { approval_id = approvals[1].id } })
      H.assert_error(status, res, 403, "forbidden")
      assert.matches("approver", res.error.message)
    end)
    local as_approver = { token = "test-approver" }
    it("approval.granted turns the held refund into an offer, and records who decided", function()
      local status, res, _, raw = event(approvals[1].case, { type = "approval.granted", data = { approval_id = approvals[1].id } },
        as_approver)
      assert.are.equal(200, status, raw)
      assert.are.equal("granted", res.case.approvals[1].status)
      assert.are.equal("approver", res.case.approvals[1].decided_by.roles)
      assert.matches("^%x+$", res.case.approvals[1].decided_by.token)
      assert.is_string(res.case.approvals[1].decided_at)
      -- the timeline's event says who sent it, never the token itself
      local _, tl = d:get("/v1/cases/" .. approvals[1].case, "test-read")
      local last = tl.timeline[#tl.timeline - 1]
      assert.are.equal("approval.granted", last.type)
      assert.are.equal("approver", last.actor.roles)
      assert.is_nil(tostring(tl):find("test-approver", 1, true))
      assert.are.equal(1, #res.case.offers)
      assert.are.same({ "refund", 25000, "offered" }, { res.case.offers[1].kind, res.case.offers[1].amount, res.case.offers[1].status })
    end)
    it("approval.denied (no data: the oldest pending) drops it", function()
      local status, res, _, raw = event(approvals[2].case, { type = "approval.denied" }, as_approver)
      assert.are.equal(200, status, raw)
      assert.are.equal("denied", res.case.approvals[1].status)
      assert.are.equal(0, #res.case.offers)
    end)
    it("an approval event without a pending approval is a 422", function()
      local status, res = event(approvals[2].case, { type = "approval.granted", data = { approval_id = approvals[2].id } },
        as_approver)
      H.assert_error(status, res, 422, "validation_failed", "data.approval_id")
    end)
    it("offer.declined", function() check("offer.declined", function() return { offer_id = offer_id } end) end)
    it("offer.accepted", function() check("offer.accepted", function() return { offer_id = offer_id } end) end)
    it("case.resolved", function() check("case.resolved", { resolution = "Refunded." }) end)
    it("satisfaction.reported", function() check("satisfaction.reported", { score = 4 }) end)
    it("case.reopened", function() check("case.reopened", { reason = "Refund never arrived." }) end)

    it("the timeline lists every event followed by its decision, in order", function()
      local res = get_case(id)
      local tl = res.timeline
      assert.is_table(tl)
      assert.is_true(#tl % 2 == 0, "timeline has an even number of entries, got " .. #tl)
      local types, last_event_seq, last_dec_seq = {}, 0, 0
      for i = 1, #tl, 2 do
        local ev, dec = tl[i], tl[i + 1]
        assert.are.equal("event", ev.kind, "entry " .. i)
        assert.are.equal("decision", dec.kind, "entry " .. (i + 1))
        assert.is_true(H.is_int(ev.seq) and ev.seq > last_event_seq, "event seq increases")
        assert.is_true(H.is_int(dec.seq) and dec.seq > last_dec_seq, "decision seq increases")
        last_event_seq, last_dec_seq = ev.seq, dec.seq
        assert.are.equal(ev.seq, dec.event_seq, "decision follows its own event")
        assert.are.equal(ev.type, dec.event)
        assert.is_table(ev.data)
        assert.is_string(ev.at)
        -- what the case view's history shows of the decision, kept with its event
        local dec_types = {}
        for k, a in ipairs(dec.actions) do dec_types[k] = a.type end
        assert.are.same({ outcome = dec.outcome, pack_version = dec.pack.version, actions = dec_types },
          { outcome = ev.decided.outcome, pack_version = ev.decided.pack_version, actions = ev.decided.actions })
        if ev.type ~= "timer.fired" then types[#types + 1] = ev.type end
      end
      local want = { "complaint.received" }
      for _, t in ipairs(posted) do want[#want + 1] = t end
      assert.are.same(want, types)
      assert.are.equal(#tl // 2, res.case.events)
      -- the event data is what was posted
      for _, e in ipairs(tl) do
        if e.kind == "event" and e.type == "satisfaction.reported" then assert.are.equal(4, e.data.score) end
        if e.kind == "event" and e.type == "customer.replied" then assert.are.equal("Any news?", e.data.message) end
      end
    end)
  end)

  describe("errors", function()
    local id, before

    setup(function()
      id = new_case("cust-event-errors")
    end)

    before_each(function()
      before = get_case(id)
    end)

    after_each(function()
      -- an error never writes anything
      local after = get_case(id)
      assert.are.same(before, after)
    end)

    it("an unknown event type is 422 unknown_event_type on field type", function()
      local s, b = event(id, { type = "complaint.teleported", data = {} })
      H.assert_error(s, b, 422, "unknown_event_type", "type")
    end)

    it("a missing type is 422 naming type", function()
      local s, b = event(id, { data = {} })
      assert.are.equal(422, s)
      H.assert_error(s, b, 422, b.error.code, "type")
    end)

    it("a body naming its type twice is its last type, for the approver check too", function()
      -- a reply first, which an agent may send, then an approval
      local s, b = event(id, '{"type":"customer.replied","data":{"message":"hi"},"type":"approval.denied"}')
      H.assert_error(s, b, 403, "forbidden")
    end)

    it("a non-string type is 422 naming type", function()
      local s, b = event(id, { type = 5 })
      assert.are.equal(422, s)
      H.assert_error(s, b, 422, b.error.code, "type")
    end)

    local cases = {
      { "customer.replied", {}, "data.message" },
      { "customer.replied", { message = 5 }, "data.message" },
      { "agent.note", {}, "data.note" },
      { "agent.note", { note = true }, "data.note" },
      { "investigation.concluded", {}, "data.justified" },
      { "investigation.concluded", { justified = "yes" }, "data.justified" },
      { "investigation.concluded", { justified = true, fault = "aliens" }, "data.fault" },
      { "investigation.concluded", { justified = true, findings = 7 }, "data.findings" },
      { "approval.granted", { approval_id = 5 }, "data.approval_id" },
      { "offer.accepted", {}, "data.offer_id" },
      { "offer.declined", { offer_id = 1 }, "data.offer_id" },
      { "case.resolved", { resolution = {} }, "data.resolution" },
      { "satisfaction.reported", {}, "data.score" },
      { "satisfaction.reported", { score = "5" }, "data.score" },
      { "satisfaction.reported", { score = 4.5 }, "data.score" },
      { "satisfaction.reported", { score = 0 }, "data.score" },
      { "satisfaction.reported", { score = 6 }, "data.score" },
      { "case.reopened", { reason = false }, "data.reason" },
    }
    for _, c in ipairs(cases) do
      it(c[1] .. " with data " .. cjson.encode(c[2]) .. " is 422 on " .. c[3], function()
        -- an approval is an approver's: anyone else is refused before the data is read
        local s, b = event(id, { type = c[1], data = c[2] }, c[1]:match("^approval%.") and { token = "test-approver" } or nil)
        H.assert_error(s, b, 422, "validation_failed", c[3])
      end)
    end

    it("data that is not an object is 422 on data", function()
      local s, b = event(id, '{"type":"agent.note","data":"hello"}')
      H.assert_error(s, b, 422, "validation_failed", "data")
      s, b = event(id, '{"type":"agent.note","data":["note"]}')
      H.assert_error(s, b, 422, "validation_failed", "data")
    end)

    it("invalid JSON is 400 invalid_json", function()
      local s, b = event(id, '{"type": "agent.note", ')
      H.assert_error(s, b, 400, "invalid_json")
      s, b = event(id, '["agent.note"]')
      H.assert_error(s, b, 400, "invalid_json")
    end)

    it("an unknown case is 404 not_found", function()
      local s, b = event("C9999999999", { type = "agent.note", data = { note = "x" } })
      H.assert_error(s, b, 404, "not_found")
      s, b = d:get("/v1/cases/C9999999999", "test-read")
      H.assert_error(s, b, 404, "not_found")
      s, b = d:get("/v1/cases/no-such-case", "test-read")
      H.assert_error(s, b, 404, "not_found")
    end)
  end)

  describe("Idempotency-Key on events", function()
    it("replays the same status and body and applies the event once", function()
      local id = new_case("cust-event-idem")
      local raw_body = cjson.encode{ type = "agent.note", data = { note = "once" } }
      local opts = { token = "test-agent", body = raw_body, headers = { ["Idempotency-Key"] = "ev-1" } }
      local s1, b1, _, r1 = d:request("POST", "/v1/cases/" .. id .. "/events", opts)
      assert.are.equal(200, s1, r1)
      local s2, _, h2, r2 = d:request("POST", "/v1/cases/" .. id .. "/events", opts)
      assert.are.equal(s1, s2)
      assert.are.equal(r1, r2)
      assert.are.equal("true", h2["idempotent-replay"])
      local res = get_case(id)
      assert.are.equal(2, res.case.events)
      assert.are.equal(4, #res.timeline)
      assert.are.equal(b1.case.events, res.case.events)
    end)

    it("the same key with a different body is 409 and writes nothing", function()
      local id = new_case("cust-event-idem-409")
      local key = { ["Idempotency-Key"] = "ev-2" }
      local s1, _, _, r1 = event(id, cjson.encode{ type = "agent.note", data = { note = "a" } }, { headers = key })
      assert.are.equal(200, s1, r1)
      local before = get_case(id)
      local s2, b2 = event(id, cjson.encode{ type = "agent.note", data = { note = "b" } }, { headers = key })
      H.assert_error(s2, b2, 409, "idempotency_conflict")
      assert.are.same(before, get_case(id))
    end)

    it("the key is scoped to the case", function()
      local a = new_case("cust-event-scope-a")
      local b = new_case("cust-event-scope-b")
      local raw_body = cjson.encode{ type = "agent.note", data = { note = "same" } }
      local key = { ["Idempotency-Key"] = "ev-scope" }
      local s1, _, _, r1 = event(a, raw_body, { headers = key })
      local s2, res2, h2, r2 = event(b, raw_body, { headers = key })
      assert.are.equal(200, s1, r1)
      assert.are.equal(200, s2, r2)
      assert.are_not.equal("true", h2["idempotent-replay"])
      assert.are.equal(b, res2.case.id)
      assert.are.equal(2, get_case(b).case.events)
    end)
  end)

  describe("a long case's timeline, a page at a time", function()
    it("pages back from the newest event, and the pages make the whole timeline", function()
      local id = new_case("cust-event-pages")
      for i = 1, 6 do
        local s, _, _, raw = event(id, cjson.encode{ type = "agent.note", data = { note = "note " .. i } })
        assert.are.equal(200, s, raw)
      end
      local whole = get_case(id).timeline -- 7 events, each with its decision
      assert.are.equal(14, #whole)
      local pages, before, got = 0, nil, {}
      repeat
        local s, res, _, raw = d:get("/v1/cases/" .. id .. "?limit=3" .. (before and ("&before=" .. before) or ""), "test-read")
        assert.are.equal(200, s, raw)
        assert.are.equal(id, res.case.id)
        pages = pages + 1
        -- each page is in the order things happened; pages go back in time
        table.move(got, 1, #got, #res.timeline + 1)
        for i, e in ipairs(res.timeline) do got[i] = e end
        before = res.next_before ~= cjson.null and res.next_before or nil
      until not before
      assert.are.equal(3, pages) -- 3 + 3 + 1 events
      assert.are.same(whole, got)
      -- the newest page's first event, and the last page's end
      local s, res = d:get("/v1/cases/" .. id .. "?limit=3", "test-read")
      assert.are.same({ 200, 5, 5 }, { s, res.timeline[1].seq, res.next_before })
      s, res = d:get("/v1/cases/" .. id .. "?before=2", "test-read")
      assert.are.same({ 200, 2, cjson.null }, { s, #res.timeline, res.next_before })
      -- bad pages
      local es, eb = d:get("/v1/cases/" .. id .. "?limit=0", "test-read")
      H.assert_error(es, eb, 422, "validation_failed", "limit")
      es, eb = d:get("/v1/cases/" .. id .. "?before=x", "test-read")
      H.assert_error(es, eb, 422, "validation_failed", "before")
      es, eb = d:get("/v1/cases/" .. id .. "?after=1", "test-read")
      H.assert_error(es, eb, 422, "validation_failed", "after")
    end)
  end)
end)
