-- docs/openapi.json against the daemon that serves it (GET /v1/openapi.json):
-- the document is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator,
-- pinned in tests/openapi/package-lock.json, installed by scripts/deps.sh),
-- its routes, methods and roles are the ones redressd serves, and real
-- requests produce every status it lists for every route, each answer checked
-- against the document by Debian's python3-jsonschema (tests/openapi/check_answers.py).
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"
local socket = require "socket"
local cjson = H.json

local VALIDATE_API = H.root .. "/tests/openapi/node_modules/.bin/validate-api"
local CHECK_ANSWERS = H.root .. "/tests/openapi/check_answers.py"
-- The validators are ordinary programs: the sanitizer build's preloaded ASan
-- runtime is for rd.so in busted, not for them.
local CLEAN_ENV = "env -u LD_PRELOAD -u ASAN_OPTIONS "

-- Statuses the document lists that no request can produce on purpose: on
-- every route ("500"), or on one ("METHOD path status").
local UNPROVOKED = {
  ["500"] = "internal: a bug, or a commit that failed (a full disk); nothing a client sends makes one",
  ["POST /v1/session 503"] = "starting: the session key is stored by the first start's first job, before the daemon listens",
  -- cluster mode: this spec's daemon runs alone; tests/integration/cluster_test.py
  -- provokes these on a three-node cluster and checks them against this document
  ["307"] = "not_leader: a follower's redirect of a write, cluster mode only (cluster_test.py)",
  ["GET /v1/cluster 200"] = "the cluster's status, cluster mode only (cluster_test.py)",
}
-- 503 is produced (draining) on every route; its other codes are not:
-- `starting` (GET /v1/packs before the first packs are stored, a moment
-- before the daemon listens) and `internal` (a write decided again 100 times
-- because the store kept changing under it).

local METHODS = { "GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS" }
local ROLES = { "intake", "agent", "approver", "read", "admin" }
local MAX_BODY = 65536
local BIG = string.rep(" ", MAX_BODY + 1)

local function sh(cmd)
  local p = assert(io.popen(cmd .. " 2>&1; echo \"rc=$?\"", "r"))
  local out = p:read("a")
  p:close()
  local rc = tonumber(out:match("rc=(%d+)%s*$"))
  return rc, out:gsub("rc=%d+%s*$", "")
end

local function sorted(set)
  local out = {}
  for k in pairs(set) do out[#out + 1] = k end
  table.sort(out)
  return out
end

-- The route names the API can answer, from the code that serves them: what
-- api.lua's route_of returns, and every answer given a route of its own
-- before it (the console's, `r.route = "console"`), but "unknown".
local function served_routes()
  local dir = H.root .. "/runtime/lua/redress/"
  local src = assert(H.read_file(dir .. "api.lua"))
  local body = assert(src:match("\nlocal function route_of%(.-\nend\n"), "route_of not found in api.lua")
  local names = {}
  for name in body:gmatch('return "([%w_]+)"') do names[name] = true end
  for file in H.capture("ls " .. H.sh_quote(dir)):gmatch("[^\n]+%.lua") do
    for name in assert(H.read_file(dir .. file)):gmatch('%.route = "([%w_]+)"') do names[name] = true end
  end
  names.unknown = nil
  return names
end

describe("the OpenAPI document", function()
  local d, doc, doc_file, case_id
  local ops = {}      -- { path, method, op } for every documented operation
  local seen = {}     -- "METHOD path" → status → true, over every spec below

  -- The document's path template a request path falls under, or nil.
  local function template_of(path)
    path = path:gsub("%?.*$", "")
    if doc.paths[path] then return path end
    for p in pairs(doc.paths) do
      local pat = "^" .. p:gsub("[%.%-]", "%%%0"):gsub("{[^}]+}", "[^/]+") .. "$"
      if path:match(pat) then return p end
    end
    return nil
  end

  -- Answers the document must allow, checked in one go by check_answers.py.
  -- Returns ok and its report.
  local function check(answers)
    local file = d.dir .. "/answers.json"
    H.write_file(file, cjson.encode(answers))
    local rc, out = sh(CLEAN_ENV .. "/usr/bin/python3 " .. H.sh_quote(CHECK_ANSWERS) .. " " ..
      H.sh_quote(doc_file) .. " " .. H.sh_quote(file))
    return rc == 0, out
  end

  local function record(answers, name, method, path, status, headers, raw, sent)
    local tpl = template_of(path)
    answers[#answers + 1] = { name = name, method = method, path = tpl or path, status = status,
      content_type = headers["content-type"], headers = headers, body = raw,
      request = status >= 200 and status < 300 and sent or nil }
    if tpl and doc.paths[tpl][method:lower()] then
      local k = method .. " " .. tpl
      seen[k] = seen[k] or {}
      seen[k][tostring(status)] = true
    end
  end

  -- One request, recorded for check(). opts as for D:request.
  local function ask(answers, name, method, path, opts)
    local status, _, headers, raw = d:request(method, path, opts)
    assert(status, "no answer to " .. method .. " " .. path .. ": " .. tostring(headers))
    local sent = opts and opts.body
    record(answers, name, method, path, status, headers, raw, type(sent) == "table" and cjson.encode(sent) or sent)
    return status, headers, raw
  end

  local function assert_checked(answers)
    local ok, report = check(answers)
    assert.is_true(ok, report)
  end

  -- The route the access log gave the last answered request.
  local function last_route()
    local route
    for line in d:log():gmatch("[^\n]+") do
      local ok, t = pcall(cjson.decode, line)
      if ok and t.msg == "request" then route = t.route end
    end
    return route
  end

  -- A concrete path for a template.
  local function concrete(path) return (path:gsub("{id}", case_id):gsub("{file}", "app.css")) end

  setup(function()
    d = H.new { limits = { max_body_bytes = MAX_BODY, policy_instructions = 1000000000, policy_wall_ms = 20000 },
      -- a subscription nobody answers: its items become dead letters
      webhooks = { { name = "crm", url = "http://127.0.0.1:9/hook", secret = "crm-secret-0123456789",
        timeout_ms = 100, retry = { first_ms = 10, max_ms = 10, attempts = 1 } } } }
    -- a second pack whose policy takes a while: a complaint in flight keeps
    -- a draining daemon up while the last requests reach it
    local slow = d:use_pack("slow", [[
local P = {}
function P.on_complaint(case, act)
  local x = 0
  for i = 1, 150000000 do x = x + i end
  act:acknowledge { template = "ack" }
end
return P
]])
    d.config.packs = { H.root .. "/policies/retail", slow }
    d.config.default_pack = "retail"
    -- what-if candidates: retail as it is, and the slow pack (a replay that
    -- is still running when a second one is asked for)
    local cands = d.dir .. "/candidates"
    assert(os.execute("mkdir -p " .. H.sh_quote(cands) .. " && cp -r " .. H.sh_quote(H.root .. "/policies/retail") .. " " ..
      H.sh_quote(cands .. "/retail-same") .. " && cp -r " .. H.sh_quote(slow) .. " " .. H.sh_quote(cands .. "/slow-same")))
    d.config.replay = { candidates = cands }
    d.config.routes = { { when = { brand = "slow" }, pack = "slow" } }
    d:write_config()
    d:start()
    local s, res, _, raw = d:post("/v1/complaints", H.complaint { customer = { id = "c-openapi" } })
    assert.are.equal(201, s, raw)
    case_id = res.case.id
    local headers
    s, _, headers, raw = d:request("GET", "/v1/openapi.json", { token = false })
    assert.are.equal(200, s, raw)
    assert.matches("^application/json", headers["content-type"])
    doc = cjson.decode(raw)
    doc_file = d.dir .. "/openapi.json"
    H.write_file(doc_file, raw)
    for _, path in ipairs(sorted(doc.paths)) do
      for _, m in ipairs(METHODS) do
        local op = doc.paths[path][m:lower()]
        if op then ops[#ops + 1] = { path = path, method = m, op = op } end
      end
    end
  end)

  teardown(function()
    if d then d:cleanup() end
  end)

  it("is served without a token, byte for byte docs/openapi.json", function()
    local s, _, headers, raw = d:request("GET", "/v1/openapi.json", { token = false })
    assert.are.equal(200, s)
    assert.are.equal("application/json; charset=utf-8", headers["content-type"])
    assert.are.equal(H.read_file(H.root .. "/docs/openapi.json"), raw)
  end)

  it("is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator)", function()
    assert.is_truthy(H.read_file(VALIDATE_API), VALIDATE_API .. " is missing: run scripts/deps.sh")
    assert.matches("^3%.1%.", doc.openapi)
    local rc, out = sh(CLEAN_ENV .. H.sh_quote(VALIDATE_API) .. " " .. H.sh_quote(doc_file))
    assert.are.equal(0, rc, out)
    assert.matches('"valid": true', out)
  end)

  it("is checked strictly: answers it does not allow are refused", function()
    -- made-up answers, to show the check can fail
    local err = '{"error":{"code":"not_found","message":"no case C9","field":null}}'
    local rc_ok, report = check {
      { name = "extra", method = "GET", path = "/v1/cases/{id}", status = 404, content_type = "application/json",
        headers = {}, body = '{"error":{"code":"not_found","message":"m","field":null,"hint":"x"}}' },
      { name = "code", method = "GET", path = "/v1/cases/{id}", status = 404, content_type = "application/json",
        headers = {}, body = '{"error":{"code":"forbidden","message":"m","field":null}}' },
      { name = "status", method = "GET", path = "/v1/cases/{id}", status = 409, content_type = "application/json",
        headers = {}, body = err },
      { name = "shape", method = "POST", path = "/v1/complaints", status = 201, content_type = "application/json",
        headers = {}, body = '{"case":{"id":"C1"}}' },
      { name = "media", method = "GET", path = "/v1/cases/{id}", status = 404, content_type = "text/html",
        headers = {}, body = err },
      { name = "header", method = "POST", path = "/v1/complaints", status = 201, content_type = "application/json",
        headers = { ["idempotent-replay"] = "yes" }, body = "{}" },
    }
    assert.is_false(rc_ok, report)
    assert.matches("6 answers checked, 6 refused", report)
    for _, name in ipairs { "extra", "code", "status", "shape", "media", "header" } do
      assert.matches(name .. ": ", report, 1, true)
    end
  end)

  it("lists exactly the routes and methods redressd serves", function()
    -- the routes api.lua knows, by name, are the ones the document names
    local documented = {}
    for _, o in ipairs(ops) do
      assert.is_string(o.op["x-redress-route"], o.method .. " " .. o.path .. " has no x-redress-route")
      documented[o.op["x-redress-route"]] = true
    end
    assert.are.same(sorted(served_routes()), sorted(documented))

    -- every method on every documented path: a listed one is served (and
    -- logged under its route), any other is a 405
    local answers = {}
    for _, path in ipairs(sorted(doc.paths)) do
      for _, m in ipairs(METHODS) do
        local op = doc.paths[path][m:lower()]
        local opts = { token = "test-admin", body = (m == "POST" or m == "PUT" or m == "PATCH") and "{}" or nil }
        local s, _, raw = ask(answers, "method", m, concrete(path), opts)
        if op then
          assert.are_not.equal(405, s, m .. " " .. path .. ": " .. raw)
          assert.is_nil(raw:find("no such route", 1, true), m .. " " .. path)
          assert.are.equal(op["x-redress-route"], last_route(), m .. " " .. path)
        else
          assert.are.equal(405, s, m .. " " .. path .. " is served but not documented: " .. raw)
          answers[#answers].path, answers[#answers].response = nil, "MethodNotAllowed"
        end
      end
    end
    -- a path the document does not list is not served
    local s, _, raw = ask(answers, "unknown route", "GET", "/v1/nope", { token = "test-admin" })
    assert.are.equal(404, s, raw)
    answers[#answers].path, answers[#answers].response = nil, "NotFound"
    assert_checked(answers)
  end)

  it("gives each route the roles its security lists", function()
    local answers = {}
    for _, o in ipairs(ops) do
      local path, body = concrete(o.path), o.method == "POST" and "{}" or nil
      local sec = o.op.security
      assert.is_table(sec, o.method .. " " .. o.path .. " says nothing of security")
      if #sec == 0 then
        -- needs no token: refused for want of one only where it says so
        local s = ask(answers, "public", o.method, path, { token = false, body = body })
        if not (o.op.responses["401"] or o.op.responses["403"]) then
          assert.is_true(s ~= 401 and s ~= 403, o.method .. " " .. o.path .. " needs no token")
        end
      else
        local allowed = {}
        for _, r in ipairs(sec[1].bearer) do allowed[r] = true end
        assert.is_true(allowed.admin, "admin may call every route")
        -- the console's session cookie stands for the same token
        assert.are.same({ { bearer = sec[1].bearer }, { session = sec[1].bearer } }, sec)
        for _, role in ipairs(ROLES) do
          local s, _, raw = ask(answers, "role " .. role, o.method, path, { token = "test-" .. role, body = body })
          if allowed[role] then
            assert.is_true(s ~= 401 and s ~= 403, o.method .. " " .. o.path .. " as " .. role .. ": " .. raw)
          else
            assert.are.equal(403, s, o.method .. " " .. o.path .. " as " .. role .. ": " .. raw)
          end
        end
        ask(answers, "no token", o.method, path, { token = false, body = body })
        ask(answers, "unknown token", o.method, path, { token = "nobody", body = body })
      end
    end
    -- approvals are decided by approvers: an agent may post events, not these
    local s = ask(answers, "approval as agent", "POST", "/v1/cases/" .. case_id .. "/events",
      { token = "test-agent", body = { type = "approval.granted", data = {} } })
    assert.are.equal(403, s)
    assert_checked(answers)
  end)

  it("answers each route's documented statuses, each body as documented", function()
    local answers = {}
    local function A(name, method, path, opts) return ask(answers, name, method, path, opts) end
    -- on every route: a body over limits.max_body_bytes, a query parameter it does not take
    for _, o in ipairs(ops) do
      A("too large", o.method, concrete(o.path), { body = BIG })
      A("unknown parameter", o.method, concrete(o.path) .. "?nope=1", { body = o.method == "POST" and "{}" or nil })
    end

    A("health", "GET", "/healthz", { token = false })
    A("metrics", "GET", "/metrics", { token = "test-read" })
    A("document", "GET", "/v1/openapi.json", { token = false })

    -- complaints: created, replayed, conflicting, malformed, invalid
    local c = H.complaint { customer = { id = "c-statuses", name = "Anna", email = "anna@example.org" }, severity = "high",
      order = { id = "A-2", amount = 12000, currency = "EUR", delivery_country = "DE", purchased_at = "2026-11-01T10:00:00Z" } }
    local key = { ["Idempotency-Key"] = "openapi-1" }
    local s, headers = A("created", "POST", "/v1/complaints", { token = "test-intake", body = c, headers = key })
    assert.are.equal(201, s)
    assert.is_nil(headers["idempotent-replay"])
    s, headers = A("replayed", "POST", "/v1/complaints", { token = "test-intake", body = c, headers = key })
    assert.are.same({ 201, "true" }, { s, headers["idempotent-replay"] })
    s = A("conflict", "POST", "/v1/complaints", { token = "test-intake", body = H.complaint(), headers = key })
    assert.are.equal(409, s)
    A("broken JSON", "POST", "/v1/complaints", { token = "test-intake", body = "{" })
    A("not UTF-8", "POST", "/v1/complaints", { token = "test-intake", body = '{"a":"\xff"}' })
    A("empty", "POST", "/v1/complaints", { token = "test-intake", body = "" })
    A("bad channel", "POST", "/v1/complaints", { token = "test-intake", body = H.complaint { channel = "fax" } })
    A("huge number", "POST", "/v1/complaints", { token = "test-intake",
      body = '{"customer":{"id":"c"},"channel":"email","category":"x","description":"d","order":{"amount":1e300}}' })
    A("bad key", "POST", "/v1/complaints", { token = "test-intake", body = H.complaint(),
      headers = { ["Idempotency-Key"] = string.rep("k", 201) } })
    A("social", "POST", "/v1/complaints", { token = "test-agent", body = H.complaint { channel = "social", category = "defective" } })

    -- events
    local events = "/v1/cases/" .. case_id .. "/events"
    local note = { type = "agent.note", data = { note = "called the carrier" } }
    key = { ["Idempotency-Key"] = "openapi-e1" }
    s = A("event", "POST", events, { token = "test-agent", body = note, headers = key })
    assert.are.equal(200, s)
    s, headers = A("event replayed", "POST", events, { token = "test-agent", body = note, headers = key })
    assert.are.same({ 200, "true" }, { s, headers["idempotent-replay"] })
    assert.are.equal(409, (A("event conflict", "POST", events, { token = "test-agent", headers = key,
      body = { type = "agent.note", data = { note = "other" } } })))
    A("event reply", "POST", events, { token = "test-agent", body = { type = "customer.replied", data = { message = "Any news?" } } })
    A("event score", "POST", events, { token = "test-approver", body = { type = "satisfaction.reported", data = { score = 4 } } })
    A("event broken JSON", "POST", events, { token = "test-agent", body = "[1" })
    A("event unknown case", "POST", "/v1/cases/C9999999999/events", { token = "test-agent", body = note })
    A("event unknown type", "POST", events, { token = "test-agent", body = { type = "timer.fired" } })
    A("event bad score", "POST", events, { token = "test-agent", body = { type = "satisfaction.reported", data = { score = 9 } } })
    A("event unknown offer", "POST", events, { token = "test-agent", body = { type = "offer.accepted", data = { offer_id = "O99" } } })

    -- reads
    A("case", "GET", "/v1/cases/" .. case_id, { token = "test-read" })
    A("unknown case", "GET", "/v1/cases/C9999999999", { token = "test-read" })
    A("cases", "GET", "/v1/cases?status=acknowledged&limit=1", { token = "test-read" })
    A("cases by customer", "GET", "/v1/cases?customer=c-openapi&tier=0&opened_after=2020-01-01T00:00:00Z", { token = "test-agent" })
    A("cases bad limit", "GET", "/v1/cases?limit=0", { token = "test-read" })
    A("cases twice", "GET", "/v1/cases?status=closed&status=open", { token = "test-read" })
    A("outbox", "GET", "/v1/outbox?after=0&limit=3", { token = "test-agent" })
    A("outbox bad after", "GET", "/v1/outbox?after=-1", { token = "test-agent" })
    A("packs", "GET", "/v1/packs", { token = "test-read" })
    A("webhooks", "GET", "/v1/webhooks", { token = "test-agent" })
    A("dead letters", "GET", "/v1/webhooks/dead?subscription=crm&limit=10", { token = "test-agent" })
    A("dead letters of nobody", "GET", "/v1/webhooks/dead?subscription=nobody", { token = "test-agent" })
    A("queue", "GET", "/v1/queue?limit=5", { token = "test-read" })
    A("queue breached", "GET", "/v1/queue?breached=false&channel=email", { token = "test-agent" })
    A("queue bad breached", "GET", "/v1/queue?breached=maybe", { token = "test-read" })
    A("approvals", "GET", "/v1/approvals?limit=5", { token = "test-approver" })
    A("approvals bad cursor", "GET", "/v1/approvals?cursor=zz", { token = "test-approver" })
    A("dashboard", "GET", "/v1/dashboard?from=2026-01-01&to=2026-12-31", { token = "test-read" }) -- dashboard
    A("dashboard of a pack", "GET", "/v1/dashboard?pack=retail", { token = "test-agent" }) -- dashboard
    A("dashboard bad window", "GET", "/v1/dashboard?from=2020-01-01", { token = "test-read" }) -- dashboard
    A("timers", "GET", "/v1/timers?limit=5", { token = "test-read" })
    A("no cluster", "GET", "/v1/cluster", { token = "test-read" })
    A("timers bad time", "GET", "/v1/timers?due_before=tomorrow", { token = "test-read" })

    -- corrective actions: retail's recurring cause (5 complaints of a category and SKU) proposes one
    for i = 1, 5 do d:complain { customer = { id = "c-corrective-" .. i }, order = { id = "L-" .. i, sku = "SKU-OA" } } end
    local _, proposed = d:get("/v1/corrective-actions?status=proposed", "test-read")
    local corrective = "/v1/corrective-actions/" .. proposed.corrective_actions[1].id
    A("corrective actions", "GET", "/v1/corrective-actions?status=proposed&pack=retail&limit=5", { token = "test-read" })
    A("corrective actions bad status", "GET", "/v1/corrective-actions?status=later", { token = "test-read" })
    A("corrective action", "GET", corrective, { token = "test-agent" })
    assert.are.equal(200, (A("corrective open", "POST", corrective .. "/events", { token = "test-approver", body = { type = "open", version = 1 } })))
    A("corrective stale", "POST", corrective .. "/events", { token = "test-agent", body = { type = "assign", data = { to = "ops" }, version = 1 } })
    A("corrective bad transition", "POST", corrective .. "/events", { token = "test-agent", body = { type = "note" } })
    A("corrective broken JSON", "POST", corrective .. "/events", { token = "test-agent", body = "{" })

    -- outbox acknowledgements
    A("ack", "POST", "/v1/outbox/ack", { token = "test-agent", body = { seqs = { 1, 2 } } })
    A("ack not an object", "POST", "/v1/outbox/ack", { token = "test-agent", body = "[1]" })
    A("ack empty", "POST", "/v1/outbox/ack", { token = "test-agent", body = '{"seqs":[]}' })
    A("ack not a seq", "POST", "/v1/outbox/ack", { token = "test-agent", body = '{"seqs":[0]}' })

    -- the console: its page and files, its sign-in, and a write made with its cookie
    assert.are.equal(302, (A("root", "GET", "/", { token = false })))
    A("console redirect", "GET", "/console", { token = false })
    A("console signed out", "GET", "/console/", { token = false })
    local etag
    s, headers = A("console file", "GET", "/console/app.css", { token = false })
    assert.are.equal(200, s)
    etag = headers["etag"]
    s = A("console file again", "GET", "/console/app.css", { token = false, headers = { ["If-None-Match"] = etag } })
    assert.are.equal(304, s)
    A("console no file", "GET", "/console/nope.js", { token = false })
    local csrf_any = { ["X-Redress-CSRF"] = "1" }
    A("sign in without CSRF", "POST", "/v1/session", { token = false, body = { token = "test-agent" } })
    A("sign in, unknown token", "POST", "/v1/session", { token = false, body = { token = "nobody" }, headers = csrf_any })
    A("sign in, broken JSON", "POST", "/v1/session", { token = false, body = "{", headers = csrf_any })
    A("sign in, no token", "POST", "/v1/session", { token = false, body = { token = 5 }, headers = csrf_any })
    local session
    s, headers, raw = A("sign in", "POST", "/v1/session", { token = false, body = { token = "test-agent" }, headers = csrf_any })
    assert.are.equal(200, s, raw)
    local cookie = { Cookie = assert(headers["set-cookie"]:match("^(redress_session=[^;]+)")) }
    session = cjson.decode(raw)
    A("session", "GET", "/v1/session", { token = false, headers = cookie })
    A("no session", "GET", "/v1/session", { token = false })
    A("console signed in", "GET", "/console/", { token = false, headers = cookie })
    s = A("cookie write without CSRF", "POST", "/v1/complaints", { token = false, headers = cookie, body = H.complaint() })
    assert.are.equal(403, s)
    s = A("cookie write", "POST", "/v1/complaints", { token = false, body = H.complaint { customer = { id = "c-console" } },
      headers = { Cookie = cookie.Cookie, ["X-Redress-CSRF"] = session.csrf } })
    assert.are.equal(201, s)
    A("sign out", "DELETE", "/v1/session", { token = false, headers = cookie })

    -- erasure: a customer's data, then nobody's, then an id too long
    d:complain { customer = { id = "c-erase", name = "Erin" } }
    assert.are.equal(200, (A("erase", "POST", "/v1/customers/c-erase/erase", {})))
    A("erase again", "POST", "/v1/customers/c-erase/erase", {})
    A("erase a long id", "POST", "/v1/customers/" .. string.rep("x", 201) .. "/erase", {})

    -- what-if replays: the candidates, one replay done, a busy refusal while
    -- a slow one runs, bad requests
    A("replay candidates", "GET", "/v1/replays/candidates", {})
    s, _, raw = A("replay", "POST", "/v1/replays", { body = { candidate = "retail-same", max_cases = 5 } })
    assert.are.equal(202, s, raw)
    local rid = cjson.decode(raw).replay.id
    local deadline = H.now() + 60
    repeat
      H.sleep(0.02)
      s, _, _, raw = d:request("GET", "/v1/replays/" .. rid)
    until cjson.decode(raw).replay.state == "done" or H.now() > deadline
    assert.are.equal("done", cjson.decode(raw).replay.state, raw)
    A("replay report", "GET", "/v1/replays/" .. rid .. "?offset=0&limit=10", {})
    A("replay bad limit", "GET", "/v1/replays/" .. rid .. "?limit=0", {})
    A("replay unknown", "GET", "/v1/replays/R0-1", {})
    d:complain { customer = { id = "c-slow-replayed" }, brand = "slow" }
    s, _, raw = A("slow replay", "POST", "/v1/replays", { body = { candidate = "slow-same" } })
    assert.are.equal(202, s, raw)
    local slow_id = cjson.decode(raw).replay.id
    assert.are.equal(409, (A("replay busy", "POST", "/v1/replays", { body = { candidate = "retail-same" } })))
    A("replays", "GET", "/v1/replays", {})
    A("replay unknown candidate", "POST", "/v1/replays", { body = { candidate = "nope" } })
    A("replay broken JSON", "POST", "/v1/replays", { body = "{" })
    assert.are.equal(202, (A("stop the slow replay", "DELETE", "/v1/replays/" .. slow_id, {})))
    deadline = H.now() + 60
    repeat
      H.sleep(0.05)
      s, _, _, raw = d:request("GET", "/v1/replays/" .. slow_id)
    until cjson.decode(raw).replay.state ~= "running" and cjson.decode(raw).replay.state ~= "queued" or H.now() > deadline
    A("slow replay stopped", "GET", "/v1/replays/" .. slow_id, {})
    assert.are.equal(409, (A("stop a finished replay", "DELETE", "/v1/replays/" .. slow_id, {})))
    A("stop an unknown replay", "DELETE", "/v1/replays/R0-1", {})

    -- reload: done, then failed (a broken config changes nothing)
    assert.are.equal(200, (A("reload", "POST", "/v1/admin/reload", {})))
    H.write_file(d.config_file, "return { listen = ")
    s = A("reload failed", "POST", "/v1/admin/reload", {})
    d:write_config()
    assert.are.equal(422, s)

    -- every console session ended: a cookie from before stops working
    local _, sh = A("sign in before the revocation", "POST", "/v1/session",
      { token = false, body = { token = "test-read" }, headers = { ["X-Redress-CSRF"] = "x" } })
    local old = { Cookie = assert(sh["set-cookie"]:match("^(redress_session=[^;]+)")) }
    assert.are.equal(200, (A("the cookie works", "GET", "/v1/session", { token = false, headers = old })))
    assert.are.equal(200, (A("revoke sessions", "POST", "/v1/admin/sessions/revoke", {})))
    assert.are.equal(401, (A("the cookie is revoked", "GET", "/v1/session", { token = false, headers = old })))

    assert_checked(answers)
  end)

  -- Last: the daemon is stopped. One request per route waits, all but its
  -- last bytes sent, while the daemon starts draining (a slow complaint in
  -- flight keeps it up); then each is finished and must be refused.
  it("answers 503 on every route that says so while draining, and every documented status was produced", function()
    local function connect()
      local c = socket.tcp()
      c:settimeout(10)
      assert(c:connect("127.0.0.1", d.port))
      return c
    end
    local function head(method, path, len)
      return string.format("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer test-admin\r\n" ..
        "Content-Type: application/json\r\nContent-Length: %d\r\n", method, path, len)
    end
    local function receive(c)
      local line = assert(c:receive("*l"))
      local status = tonumber(line:match("^HTTP/1%.%d (%d+)"))
      local headers = {}
      while true do
        local h = assert(c:receive("*l"))
        if h == "" then break end
        local k, v = h:match("^([^:]+):%s*(.-)%s*$")
        headers[k:lower()] = v
      end
      local n = tonumber(headers["content-length"] or "0")
      local body = n > 0 and assert(c:receive(n)) or ""
      c:close()
      return status, headers, body
    end

    local waiting = {}
    for _, o in ipairs(ops) do
      local body = o.method == "POST" and "{}" or ""
      local c = connect()
      assert(c:send(head(o.method, concrete(o.path), #body)))
      waiting[#waiting + 1] = { c = c, o = o, rest = "\r\n" .. body }
    end
    local slow = connect()
    local sc = cjson.encode(H.complaint { customer = { id = "c-slow" }, brand = "slow" })
    assert(slow:send(head("POST", "/v1/complaints", #sc) .. "\r\n" .. sc))
    H.sleep(0.2)
    d:signal("TERM")
    local deadline = H.now() + 5
    while not d:log():find('"msg":"draining"', 1, true) and H.now() < deadline do H.sleep(0.005) end
    for _, w in ipairs(waiting) do assert(w.c:send(w.rest)) end

    -- whether an operation's 503 is `draining` (the console's paths answer as usual)
    local function drains(op)
      local r = op.responses["503"]
      local ref = r and r["$ref"] and r["$ref"]:match("^#/components/responses/(.+)$")
      r = ref and doc.components.responses[ref] or r
      -- the error's code, or the status of /healthz's own body
      local props = r and r.content["application/json"].schema.properties
      local code = props and (props.error and props.error.properties.code or props.status)
      if not code then return false end
      for _, c in ipairs(code.enum or { code.const }) do if c == "draining" then return true end end
      return false
    end
    local answers = {}
    for _, w in ipairs(waiting) do
      local s, headers, raw = receive(w.c)
      if drains(w.o.op) then assert.are.equal(503, s, w.o.method .. " " .. w.o.path .. ": " .. raw) end
      -- every 503 says when to retry (RFC 9110 §10.2.3)
      if s == 503 then assert.are.equal("1", headers["retry-after"], w.o.method .. " " .. w.o.path) end
      record(answers, "draining", w.o.method, concrete(w.o.path), s, headers, raw)
    end
    local s, headers, raw = receive(slow)
    assert.are.equal(201, s, raw)
    record(answers, "slow complaint", "POST", "/v1/complaints", s, headers, raw, sc)
    assert.are.equal(0, d:wait_exit(30))
    assert_checked(answers)

    -- every status each operation lists came back from a real request
    local missing = {}
    for _, o in ipairs(ops) do
      local k = o.method .. " " .. o.path
      for status in pairs(o.op.responses) do
        if not (seen[k] and seen[k][status]) and not UNPROVOKED[status] and not UNPROVOKED[k .. " " .. status] then
          missing[#missing + 1] = k .. " " .. status
        end
      end
    end
    table.sort(missing)
    assert.are.same({}, missing)
  end)
end)
