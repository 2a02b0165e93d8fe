-- The HTTP API's Lua half (redress.api) without a server: handle_fn(req)
-- with the request as runtime/http.c gives it, answering either
-- {status, body, route} or {job, route}. Its store is the fixture's
-- stand-in for rd.store, filled by redress.engine as a worker would.
local root = os.getenv("REDRESS_ROOT") or "."
local F = dofile(root .. "/tests/lua/fixture.lua")
local S = F.store()
local rd = require "rd"
local json = require "redress.json"
local api_mod = require "redress.api"
local listing_mod = require "redress.listing"
local engine = require "redress.engine"

local NOW = 1796122851591 -- 2026-12-01T11:00:51.591Z
local TOKENS = [[
  tokens = {
    ["admin-token"] = { "admin" }, ["intake-token"] = { "intake" }, ["agent-token"] = { "agent" },
    ["read-token"] = { "read" }, ["approver-token"] = { "approver" },
  },]]
local POLICY = [[
local P = {}
function P.on_complaint(case, act)
  if case.category == "boom" then error("boom") end
  act:acknowledge { template = "ack" }
  if case.category == "offer" then act:offer { kind = "coupon", amount = 500, currency = "EUR" } end
  if case.category == "timer" then act:timer { name = "remind", after = "1h" } end
end
return P
]]

local function complaint(customer, category)
  return json.encode { customer = { id = customer, name = "Anna" }, channel = "email", category = category,
    description = "My parcel is late.", language = "en" }
end

local error_of = F.error_of

describe("redress.api", function()
  local dir, conf, api, eng, answers
  local IDEM = "k-1"

  -- handle_fn with a request; token names a configured one (nil: none).
  local function call(method, path, opts)
    opts = opts or {}
    local p, q = path:match("^([^?]*)%??(.*)$")
    return api.handle_fn { method = method, path = p, query = q ~= "" and q or nil, body = opts.body,
      authorization = opts.auth or (opts.token and ("Bearer " .. opts.token .. "-token")),
      idempotency_key = opts.key, draining = opts.draining, now_ms = NOW, reads = opts.reads }
  end
  local function get(path, token) return call("GET", path, { token = token or "admin" }) end

  setup(function()
    dir = F.tmpdir()
    F.pack(dir .. "/main", "main", "1.0.0", POLICY)
    conf = F.config(dir, string.format("  packs = { %q },\n%s", dir .. "/main", TOKENS))
    api = api_mod.new(conf)
    eng = engine.new(conf)
    -- three cases, decided and committed: C1 (c-1, an offer: two outbox
    -- rows), C2 (c-2, a timer), C3 (c-1, the policy failed: manual review)
    answers = {}
    for i, c in ipairs { { "c-1", "offer" }, { "c-2", "timer" }, { "c-1", "boom" } } do
      answers[i] = S:decide(eng.handle_fn, { kind = "complaint", body = complaint(c[1], c[2]),
        idem_key = i == 1 and IDEM or nil, new_case_id = string.format("C%010d", i), now_ms = NOW + i })
      assert.are.equal(201, answers[i].status)
    end
  end)
  teardown(function() F.rmdir(dir) end)

  describe("routing", function()
    it("sends each method and path to its route", function()
      local want = {
        { "GET", "/healthz", "healthz", 200 }, { "GET", "/metrics", "metrics", 200 },
        { "POST", "/v1/complaints", "complaints", "complaint" }, { "GET", "/v1/cases", "cases", 200 },
        { "GET", "/v1/cases/C0000000001", "case", 200 },
        { "POST", "/v1/cases/C0000000001/events", "events", "event" }, { "GET", "/v1/outbox", "outbox", 200 },
        { "POST", "/v1/outbox/ack", "outbox_ack", "outbox_ack" }, { "GET", "/v1/packs", "packs", 503 },
        { "GET", "/v1/timers", "timers", 200 }, { "POST", "/v1/admin/reload", "reload", "reload" },
      }
      local bodies = { ["/v1/complaints"] = complaint("c-9", "x"), ["/v1/outbox/ack"] = '{"seqs":[1]}',
        ["/v1/cases/C0000000001/events"] = '{"type":"agent.note","data":{"note":"n"}}' }
      for _, w in ipairs(want) do
        local r = call(w[1], w[2], { token = "admin", body = bodies[w[2]] })
        assert.are.equal(w[3], r.route, w[2])
        assert.are.equal(w[4], r.job and r.job.kind or r.status, w[2])
      end
    end)

    it("answers an unknown path with 404 and the route unknown", function()
      -- ("/" redirects to the console)
      for _, path in ipairs { "/v1/nope", "/v1/cases/C0000000001/timeline", "/ui" } do
        local r = call("GET", path, { token = "admin" })
        assert.are.same({ 404, "unknown" }, { r.status, r.route })
        assert.are.same({ code = "not_found", message = "no such route: GET " .. path, field = json.null }, error_of(r))
      end
    end)

    it("answers a known path with another method with 405, after authenticating", function()
      local r = call("DELETE", "/v1/cases", { token = "read" })
      assert.are.same({ 405, "cases" }, { r.status, r.route })
      assert.are.same({ "method_not_allowed", "DELETE is not allowed on /v1/cases" }, { error_of(r).code, error_of(r).message })
      assert.are.equal(401, call("DELETE", "/v1/cases").status)
      assert.are.same({ 405, "events" }, { get("/v1/cases/C0000000001/events").status, get("/v1/cases/C0000000001/events").route })
      assert.are.equal(405, call("POST", "/v1/cases/C0000000001", { token = "admin", body = "{}" }).status)
      r = call("POST", "/healthz") -- needs no token
      assert.are.same({ 405, "use GET" }, { r.status, error_of(r).message })
    end)

    it("answers 503 while draining, healthz with its own body", function()
      local r = call("GET", "/healthz", { draining = true })
      assert.are.same({ 503, '{"status":"draining"}' }, { r.status, r.body })
      r = call("GET", "/v1/cases", { draining = true })
      assert.are.same({ 503, "draining" }, { r.status, error_of(r).code })
    end)
  end)

  describe("auth", function()
    it("refuses a request without a valid bearer token with 401", function()
      for _, auth in ipairs { false, "Bearer nope-nope-nope", "Basic YWRtaW4tdG9rZW4=", "Bearer", "admin-token" } do
        local r = call("GET", "/v1/cases", { auth = auth or nil })
        assert.are.equal(401, r.status, tostring(auth))
        assert.are.same({ code = "unauthorized", field = json.null,
          message = "a valid bearer token is required (Authorization: Bearer <token>)" }, error_of(r))
      end
      assert.are.equal(200, call("GET", "/v1/cases", { auth = "bearer  read-token " }).status)
    end)

    it("refuses a role the route does not take with 403 naming the roles it does", function()
      local r = get("/v1/cases", "intake")
      assert.are.equal(403, r.status)
      assert.are.same({ "forbidden", "this token's roles do not allow cases (needs one of: agent, read, admin)" },
        { error_of(r).code, error_of(r).message })
      assert.are.equal(403, call("POST", "/v1/admin/reload", { token = "agent" }).status)
      assert.matches("needs one of: admin%)$", error_of(call("POST", "/v1/admin/reload", { token = "agent" })).message)
      assert.are.equal(403, call("POST", "/v1/complaints", { token = "read", body = complaint("c-9", "x") }).status)
      assert.are.equal(403, get("/metrics", "agent").status)
      assert.are.equal(200, get("/metrics", "read").status)
    end)

    it("lets only an approver or admin decide an approval", function()
      local body = '{"type":"approval.granted","data":{"approval_id":"A1"}}'
      local r = call("POST", "/v1/cases/C0000000001/events", { token = "agent", body = body })
      assert.are.same({ 403, "this token's roles do not allow approvals (needs one of: approver, admin)" },
        { r.status, error_of(r).message })
      r = call("POST", "/v1/cases/C0000000001/events", { token = "approver", body = body })
      assert.are.equal("event", r.job.kind)
      r = call("POST", "/v1/cases/C0000000001/events", { token = "agent", body = '{"type":"agent.note","data":{"note":"n"}}' })
      assert.are.equal("event", r.job.kind)
    end)

    it("hands the job a fingerprint of the token and its roles, never the token", function()
      local r = call("POST", "/v1/complaints", { token = "intake", body = complaint("c-9", "x"), key = "k-9" })
      assert.are.same({ kind = "complaint", idem_key = "k-9", customer_id = "c-9",
        actor = rd.sha256("intake-token"):sub(1, 12) .. " intake" }, r.job)
    end)

    it("takes the tokens of a reloaded config", function()
      local function rename(from, to)
        local f = assert(io.open(conf))
        local src = f:read("a")
        f:close()
        F.write(conf, (src:gsub('%["' .. from .. '"%]', '["' .. to .. '"]')))
      end
      rename("read%-token", "reader-token")
      api.reload_fn()
      rename("reader%-token", "read-token")
      assert.are.equal(401, get("/v1/cases", "read").status)
      assert.are.equal(200, get("/v1/cases", "reader").status)
      api.reload_fn()
      assert.are.equal(200, get("/v1/cases", "read").status)
    end)
  end)

  describe("query parameters", function()
    it("refuses one the route does not take with 422, naming it and the one meant", function()
      local r = get("/v1/cases?stauts=open")
      assert.are.equal(422, r.status)
      assert.are.same({ code = "validation_failed", field = "stauts", message = "unknown query parameter stauts " ..
        "(did you mean status?); this route takes status, tier, customer, opened_after, opened_before, limit, cursor" },
        error_of(r))
      assert.are.equal("unknown query parameter category; this route takes after, limit",
        error_of(get("/v1/outbox?category=x")).message)
      r = get("/v1/packs?verbose=1")
      assert.are.same({ 422, "verbose", "this route takes no query parameters; got verbose" },
        { r.status, error_of(r).field, error_of(r).message })
      local long = ("x"):rep(70)
      assert.are.equal(("x"):rep(40) .. "…", error_of(get("/v1/cases?" .. long .. "=1")).field)
    end)

    it("refuses one given twice, and decodes names and values", function()
      local r = get("/v1/cases?limit=1&limit=2")
      assert.are.same({ 422, "limit", "limit is given twice" }, { r.status, error_of(r).field, error_of(r).message })
      r = get("/v1/cases?st%61tus=manual_review&customer=c%2D1")
      assert.are.equal(200, r.status)
      assert.are.equal("C0000000003", json.decode(r.body).cases[1].id)
    end)

    it("refuses values out of their range with 422 naming the parameter", function()
      for q, field in pairs { ["limit=0"] = "limit", ["limit=501"] = "limit", ["limit=x"] = "limit", ["tier=-1"] = "tier",
          ["status=lost"] = "status", ["cursor=C1"] = "cursor", ["opened_after=yesterday"] = "opened_after" } do
        local r = get("/v1/cases?" .. q)
        assert.are.same({ 422, field }, { r.status, error_of(r).field }, q)
      end
      assert.are.equal("limit must be an integer from 1 to 500", error_of(get("/v1/cases?limit=0")).message)
      assert.are.equal("after", error_of(get("/v1/outbox?after=-1")).field)
      assert.are.equal("due_before", error_of(get("/v1/timers?due_before=soon")).field)
    end)
  end)

  describe("POST /v1/complaints", function()
    local function post(body, key)
      return call("POST", "/v1/complaints", { token = "intake", body = body, key = key })
    end

    it("refuses a body that is not a JSON object before it becomes a job", function()
      for _, body in ipairs { "[1]", "{", "", '{"a":"\255"}' } do
        local r = post(body)
        assert.are.equal(400, r.status, body)
        assert.is_nil(r.job)
      end
    end)

    it("leaves the fields to the worker, which refuses a bad one with 422 and writes nothing", function()
      local body = '{"customer":{"id":"c-1"},"channel":"fax","category":"x","description":"x"}'
      local r = post(body, "k-fax")
      assert.are.same({ "complaint", "c-1", "k-fax" }, { r.job.kind, r.job.customer_id, r.job.idem_key })
      local answer, writes = S:decide(eng.handle_fn, { kind = "complaint", body = body, idem_key = "k-fax",
        new_case_id = "C0000000099", now_ms = NOW })
      assert.are.same({ 422, "validation_failed", "channel" }, { answer.status, error_of(answer).code, error_of(answer).field })
      assert.is_false(answer.wrote)
      -- a body whose customer is not an object still becomes a job, without a customer to order by
      r = post('{"customer":"c-1","channel":"email","category":"x","description":"x"}')
      assert.are.same({ "complaint" }, { r.job.kind })
      assert.is_nil(r.job.customer_id)
    end)

    it("refuses an Idempotency-Key that is empty, too long or not printable ASCII", function()
      for _, key in ipairs { "", ("k"):rep(201), "k\tk", "ключ" } do
        local r = post(complaint("c-9", "x"), key)
        assert.are.same({ 422, "Idempotency-Key" }, { r.status, error_of(r).field })
      end
      assert.are.equal("complaint", post(complaint("c-9", "x"), ("k"):rep(200)).job.kind)
    end)

    it("answers a retry of a committed request from its record, byte for byte", function()
      local r = post(complaint("c-1", "offer"), IDEM)
      assert.are.same({ 201, answers[1].body, true, "complaints" }, { r.status, r.body, r.replay, r.route })
      assert.is_nil(r.job)
    end)

    it("refuses the key with another body with 409", function()
      local r = post(complaint("c-1", "other"), IDEM)
      assert.are.same({ 409, "idempotency_conflict" }, { r.status, error_of(r).code })
    end)
  end)

  describe("POST /v1/cases/{id}/events", function()
    local function post(id, body, key)
      return call("POST", "/v1/cases/" .. id .. "/events", { token = "agent", body = body, key = key })
    end
    local NOTE = '{"type":"agent.note","data":{"note":"n"}}'

    it("answers a case that does not exist with 404", function()
      for _, id in ipairs { "C0000000099", "C1", "nope" } do
        local r = post(id, NOTE)
        assert.are.same({ 404, "no case " .. id }, { r.status, error_of(r).message })
      end
    end)

    it("reads the event up to its type and hands the case to the job", function()
      -- the worker checks the event against the case's pinned pack (its own
      -- types, their data) and refuses it there: integration/events_spec
      assert.are.equal("event", post("C0000000002", '{"type":"exploded"}').job.kind)
      assert.are.equal("event", post("C0000000002", '{"type":"loyalty.points_credited","data":[1]}').job.kind)
      -- what comes before the type is read, and refused, here
      local r = post("C0000000002", '{"data":{"note":"\\u0000"},"type":"agent.note"}')
      assert.are.same({ 400, "validation_failed", "data.note" }, { r.status, error_of(r).code, error_of(r).field })
      r = post("C0000000002", '["agent.note"]')
      assert.are.same({ 400, "invalid_json" }, { r.status, error_of(r).code })
      -- an approval needs an approver: read from the type, before any data
      r = post("C0000000002", '{"type":"approval.granted","data":{"approval_id":5}}')
      assert.are.same({ 403, "forbidden" }, { r.status, error_of(r).code })
      r = post("C0000000002", NOTE, "k-e")
      assert.are.same({ kind = "event", case_id = "C0000000002", idem_key = "k-e",
        actor = rd.sha256("agent-token"):sub(1, 12) .. " agent" }, r.job)
    end)

    it("keeps an event's Idempotency-Key apart from a complaint's", function()
      -- IDEM was spent on a complaint; on a case's events it is new
      assert.are.equal("event", post("C0000000001", NOTE, IDEM).job.kind)
    end)
  end)

  describe("reads", function()
    it("hands the reads that scan to the readers thread, whose run answers as the read in place", function()
      for _, path in ipairs { "/v1/cases", "/v1/cases?customer=c-1&limit=1", "/v1/cases?status=closed",
          "/v1/cases?limit=0", "/v1/corrective-actions", "/v1/corrective-actions?status=nope", "/v1/queue",
          "/v1/queue?limit=1", "/v1/approvals", "/v1/dashboard", "/v1/dashboard?from=2026-11-01&to=2026-12-01",
          "/v1/dashboard?from=2025-01-01", "/v1/outbox", "/v1/outbox?after=1&limit=1", "/v1/outbox?after=x",
          "/v1/timers", "/v1/timers?limit=1", "/v1/timers?due_before=2030-01-01T00:00:00Z", "/v1/timers?due_before=x",
          "/v1/cases/C0000000001", "/v1/cases/C0000000009" } do
        local here = get(path)
        local handed = call("GET", path, { token = "admin", reads = true })
        assert.is_nil(handed.status, path)
        assert.are.equal(handed.route, here.route, path)
        local fn, args = handed.read.fn, handed.read.args
        assert.are.equal(NOW, json.decode(args).now_ms, path)
        local status, body = listing_mod.read(fn, args)
        assert.are.same({ here.status, here.body }, { status, body }, path)
      end
      -- a read of one row stays on the loop thread
      assert.are.equal(200, call("GET", "/v1/webhooks", { token = "admin", reads = true }).status)
    end)

    it("gives a case with its timeline, as stored", function()
      local r = get("/v1/cases/C0000000001", "read")
      assert.are.equal(200, r.status)
      local stored = json.decode(answers[1].body)
      assert.are.equal('{"case":' .. json.encode(stored.case) .. ',"timeline":[' ..
        S.rows.events["C0000000001" .. string.pack(">I4", 1)] .. "," .. json.encode(stored.decision) .. "]}", r.body)
      r = get("/v1/cases/C0000000099")
      assert.are.same({ 404, "not_found", "no case C0000000099" }, { r.status, error_of(r).code, error_of(r).message })
    end)

    it("lists cases in opening order, filtered, a page at a time", function()
      local function ids(r)
        local t, out = json.decode(r.body), {}
        for i, c in ipairs(t.cases) do out[i] = c.id end
        return out, t.next_cursor
      end
      local list, cursor = ids(get("/v1/cases"))
      assert.are.same({ "C0000000001", "C0000000002", "C0000000003" }, list)
      assert.are.equal(json.null, cursor)
      assert.are.same({ "C0000000001", "C0000000003" }, (ids(get("/v1/cases?customer=c-1"))))
      assert.are.same({ "C0000000003" }, (ids(get("/v1/cases?status=manual_review"))))
      assert.are.same({}, (ids(get("/v1/cases?customer=c-1&status=acknowledged&opened_after=2026-12-01T11:00:51.592Z"))))
      list, cursor = ids(get("/v1/cases?limit=2"))
      assert.are.same({ { "C0000000001", "C0000000002" }, "C0000000002" }, { list, cursor })
      list, cursor = ids(get("/v1/cases?limit=1&cursor=C0000000002"))
      assert.are.same({ { "C0000000003" }, json.null }, { list, cursor }) -- a full page with nothing after it
      list, cursor = ids(get("/v1/cases?customer=c-1&limit=1"))
      assert.are.same({ { "C0000000001" }, "C0000000001" }, { list, cursor })
    end)

    it("gives the outbox after a sequence number", function()
      local t = json.decode(get("/v1/outbox", "agent").body)
      assert.are.same({ 1, 2 }, { t.items[1].seq, t.items[2].seq })
      assert.are.same({ "acknowledge", "offer", "C0000000001" }, { t.items[1].type, t.items[2].type, t.items[2].case_id })
      assert.are.equal(#S:all("outbox"), t.next_after)
      t = json.decode(get("/v1/outbox?after=1&limit=1", "agent").body)
      assert.are.same({ 1, 2, 2 }, { #t.items, t.items[1].seq, t.next_after })
      t = json.decode(get("/v1/outbox?after=99", "agent").body)
      assert.are.same({ 0, 99 }, { #t.items, t.next_after })
    end)

    it("gives pending timers in due order", function()
      -- C2's own, then the engine's for the next contact C3's acknowledgement promised
      local t = json.decode(get("/v1/timers").body)
      assert.are.same({ 2, "C0000000002", "remind", "C0000000003", "redress.promise" },
        { #t.timers, t.timers[1].case_id, t.timers[1].name, t.timers[2].case_id, t.timers[2].name })
      assert.are.same({}, json.decode(get("/v1/timers?due_before=2026-12-01T12:00:51.593Z").body).timers)
      t = json.decode(get("/v1/timers?due_before=2026-12-01T12:00:51.594Z").body)
      assert.are.same({ 1, "remind" }, { #t.timers, t.timers[1].name })
      assert.are.equal(1, #json.decode(get("/v1/timers?limit=1").body).timers)
    end)

    it("gives the packs once the engine stored them, with the quarantine report", function()
      local r = get("/v1/packs")
      assert.are.same({ 503, "starting" }, { r.status, error_of(r).code })
      S:decide(eng.handle_fn, { kind = "sync", body = "", now_ms = NOW })
      r = get("/v1/packs")
      assert.are.equal(200, r.status)
      local t = json.decode(r.body)
      assert.are.same({ "main", "1.0.0" }, { t.packs[1].name, t.packs[1].version })
      assert.are.same({}, t.quarantine)
    end)

    it("answers a filtered list that reached its scan budget short, with a cursor to go on", function()
      local saved, budget = S.rows, listing_mod.SCAN_BUDGET
      S.rows = { cases = {} }
      for i = 1, 300 do
        local id = string.format("C%010d", i)
        S.rows.cases[id] = json.encode { id = id, status = i == 300 and "closed" or "acknowledged",
          customer = { id = "c-1" }, opened_ms = NOW }
      end
      listing_mod.SCAN_BUDGET = 256
      local ok, r = pcall(get, "/v1/cases?status=closed")
      S.rows, listing_mod.SCAN_BUDGET = saved, budget
      assert(ok, r)
      local t = json.decode(r.body)
      assert.are.same({ 0, "C0000000256" }, { #t.cases, t.next_cursor })
    end)
  end)

  describe("POST /v1/outbox/ack", function()
    it("checks the sequence numbers before it becomes a job", function()
      local function ack(body) return call("POST", "/v1/outbox/ack", { token = "agent", body = body }) end
      assert.are.same({ 422, "seqs" }, { ack("{}").status, error_of(ack("{}")).field })
      assert.are.equal("seqs", error_of(ack('{"seqs":[]}')).field)
      assert.are.equal("seqs[2]", error_of(ack('{"seqs":[1,0]}')).field)
      assert.are.equal("seqs[1]", error_of(ack('{"seqs":[1.5]}')).field)
      assert.are.same({ kind = "outbox_ack" }, ack('{"seqs":[1,2]}').job)
    end)
  end)
end)
