-- Restart (SIGTERM, SIGINT, kill -9) keeps everything; a second daemon on the same data dir is refused.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"
local cjson = H.json

-- Everything a client can read back.
local function snapshot(d)
  local snap = { list = d:all_cases(), cases = {} }
  for _, c in ipairs(snap.list) do
    local s, b, _, raw = d:get("/v1/cases/" .. c.id, "test-read")
    assert.are.equal(200, s, raw)
    snap.cases[c.id] = b
  end
  local s, b, _, raw = d:get("/v1/outbox?limit=1000", "test-agent")
  assert.are.equal(200, s, raw)
  snap.outbox = b.items
  return snap
end

-- Cases with events, an idempotent complaint and an acknowledged outbox item.
local function populate(d)
  local keyed = { body = cjson.encode(H.complaint{ customer = { id = "cust-keyed" } }) }
  local s, res, _, raw = d:post("/v1/complaints", keyed.body, { headers = { ["Idempotency-Key"] = "restart-key" } })
  assert.are.equal(201, s, raw)
  keyed.raw = raw
  for i = 1, 3 do
    local s1, r1, _, raw1 = d:post("/v1/complaints", H.complaint{ customer = { id = "cust-r-" .. i }, language = ({ "en", "th", "fa" })[i] })
    assert.are.equal(201, s1, raw1)
    local id = r1.case.id
    for _, ev in ipairs{
      { type = "customer.replied", data = { message = "Hello " .. i } },
      { type = "agent.note", data = { note = "Note " .. i } },
      { type = "investigation.concluded", data = { justified = i ~= 2, fault = "company" } },
    } do
      local s2, _, _, raw2 = d:post("/v1/cases/" .. id .. "/events", ev, { token = "test-agent" })
      assert.are.equal(200, s2, raw2)
    end
  end
  local s3, ob = d:get("/v1/outbox", "test-agent")
  assert.are.equal(200, s3)
  assert.is_true(#ob.items >= 1)
  local s4, acked = d:post("/v1/outbox/ack", { seqs = { ob.items[1].seq } }, { token = "test-agent" })
  assert.are.equal(200, s4)
  assert.are.equal(1, acked.acked)
  return keyed, res.case.id
end

describe("restart", function()
  local d

  before_each(function()
    d = H.new()
    d:start()
  end)

  after_each(function()
    if d then d:cleanup() end
  end)

  local function check_restart(how, want_code)
    local keyed = populate(d)
    local before = snapshot(d)
    local code
    if how == "kill9" then code = d:kill9()
    elseif how == "INT" then code = d:stop(10, "INT")
    else code = d:stop() end
    assert.are.equal(want_code, code, "exit code after " .. how .. "\n" .. d:log_tail(10))
    if how ~= "kill9" then
      -- every handle closed (connections, h2o's timers, signals), then the loop itself
      assert.matches('"msg":"stopped","loop":"closed"', d:log_tail(3))
    end
    d:start()
    local after = snapshot(d)
    assert.are.same(before.list, after.list)
    assert.are.same(before.cases, after.cases)
    assert.are.same(before.outbox, after.outbox)

    -- idempotency survives the restart
    local s, _, h, raw = d:post("/v1/complaints", keyed.body, { headers = { ["Idempotency-Key"] = "restart-key" } })
    assert.are.equal(201, s)
    assert.are.equal(keyed.raw, raw)
    assert.are.equal("true", h["idempotent-replay"])

    -- new cases get new ids and come last; old cases take events
    local s2, res2, _, raw2 = d:post("/v1/complaints", H.complaint{ customer = { id = "cust-after" } })
    assert.are.equal(201, s2, raw2)
    assert.is_nil(after.cases[res2.case.id], "id " .. res2.case.id .. " reused")
    local list = d:all_cases()
    assert.are.equal(#before.list + 1, #list)
    assert.are.equal(res2.case.id, list[#list].id)
    local old = before.list[2].id
    local s3, res3, _, raw3 = d:post("/v1/cases/" .. old .. "/events", { type = "agent.note", data = { note = "after restart" } }, { token = "test-agent" })
    assert.are.equal(200, s3, raw3)
    assert.are.equal(before.cases[old].case.events + 1, res3.case.events)
    -- outbox seqs keep increasing
    local s4, ob = d:get("/v1/outbox?limit=1000", "test-agent")
    assert.are.equal(200, s4)
    local top = 0
    for _, item in ipairs(before.outbox) do top = math.max(top, item.seq) end
    local newer = 0
    for _, item in ipairs(ob.items) do if item.seq > top then newer = newer + 1 end end
    assert.is_true(newer >= 1, "new outbox items have larger seqs than the old ones")
  end

  it("after SIGTERM (exit 0) everything is identical", function()
    check_restart("TERM", 0)
  end)

  it("after SIGINT (exit 0) everything is identical", function()
    check_restart("INT", 0)
  end)

  it("after kill -9 everything answered is identical", function()
    check_restart("kill9", 137)
  end)

  it("survives several restarts in a row", function()
    populate(d)
    local before = snapshot(d)
    for i = 1, 3 do
      if i % 2 == 0 then d:kill9() else assert.are.equal(0, d:stop()) end
      d:start()
    end
    assert.are.same(before, snapshot(d))
  end)

  it("/healthz is ok right after a restart", function()
    assert.are.equal(0, d:stop())
    d:start()
    local s, b = d:get("/healthz", false)
    assert.are.equal(200, s)
    assert.are.same({ status = "ok" }, b)
  end)
end)

describe("data dir lock", function()
  local d, d2

  before_each(function()
    d = H.new()
    d:start()
    d2 = H.new{ data_dir = d.config.data_dir }
  end)

  after_each(function()
    if d2 then d2:cleanup() end
    if d then d:cleanup() end
  end)

  it("a second daemon on the same data dir exits non-zero while the first keeps serving", function()
    local s0, res0 = d:post("/v1/complaints", H.complaint{ customer = { id = "cust-lock-0" } })
    assert.are.equal(201, s0)
    local t0 = H.now()
    d2:spawn()
    local code = d2:wait_exit(5)
    assert.is_not_nil(code, "the second daemon is still running after 5 s\n" .. d2:log_tail(10))
    assert.are_not.equal(0, code)
    assert.is_true(H.now() - t0 < 5)
    local log = d2:log():lower()
    assert.is_truthy(log:find("lock", 1, true) or log:find(d.config.data_dir:lower(), 1, true),
      "stderr mentions the lock or the data dir: " .. log)
    assert.is_falsy(log:find('"msg":"listening"', 1, true), "the second daemon must not listen")

    -- the first one is unharmed
    local s, b = d:get("/healthz", false)
    assert.are.equal(200, s)
    assert.are.same({ status = "ok" }, b)
    local s1, _, _, raw1 = d:post("/v1/complaints", H.complaint{ customer = { id = "cust-lock-1" } })
    assert.are.equal(201, s1, raw1)
    local s2, got = d:get("/v1/cases/" .. res0.case.id, "test-read")
    assert.are.equal(200, s2)
    assert.are.same(res0.case, got.case)
    assert.are.equal(2, d:count_cases())
  end)

  it("the lock is released on exit, also after kill -9", function()
    local s0 = d:post("/v1/complaints", H.complaint{ customer = { id = "cust-lock-2" } })
    assert.are.equal(201, s0)
    assert.are.equal(0, d:stop())
    d2:start()
    assert.are.equal(1, d2:count_cases())
    d2:kill9()
    d:start()
    assert.are.equal(1, d:count_cases())
  end)
end)

describe("stop with clients still connected", function()
  local d

  after_each(function()
    if d then d:cleanup() end
  end)

  it("closes an idle keep-alive connection and an idle HTTP/2 one, and exits 0 with its loop closed", function()
    local socket = require "socket"
    d = H.new()
    d:start()
    -- HTTP/1.1, kept alive after its answer
    local h1 = assert(socket.tcp())
    h1:settimeout(5)
    assert(h1:connect("127.0.0.1", d.port))
    h1:send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
    assert.matches("^HTTP/1%.1 200", h1:receive("*l"))
    -- HTTP/2 with prior knowledge (h2o takes the preface): the connection
    -- preface and an empty SETTINGS frame, then nothing
    local h2 = assert(socket.tcp())
    h2:settimeout(5)
    assert(h2:connect("127.0.0.1", d.port))
    h2:send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" .. string.char(0, 0, 0, 4, 0, 0, 0, 0, 0))
    assert.is_truthy(h2:receive(9), "the server's SETTINGS frame")
    local code = d:stop()
    assert.are.equal(0, code, d:log_tail(5))
    assert.matches('"msg":"stopped","loop":"closed"', d:log_tail(3))
    h1:close()
    h2:close()
  end)

  -- The answers of one commit are sent together, after their access lines
  -- (http.c): a client that hangs up before its answer, even while the
  -- answers around it wait to be sent, loses nothing and breaks nothing.
  it("commits the complaints of clients that hang up before their answers, and exits 0", function()
    local socket = require "socket"
    d = H.new()
    d:start()
    local conns = {}
    for i = 1, 60 do
      local body = cjson.encode(H.complaint { customer = { id = "hangup-" .. i } })
      local c = assert(socket.tcp())
      c:settimeout(5)
      assert(c:connect("127.0.0.1", d.port))
      assert(c:send("POST /v1/complaints HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer test-intake\r\n" ..
        "Content-Type: application/json\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body))
      conns[#conns + 1] = c
      if i % 3 == 0 then -- every third one waits for its answer; the others hang up at once
        assert.matches("^HTTP/1%.1 201", c:receive("*l"))
      else
        c:close()
      end
    end
    for _, c in ipairs(conns) do c:close() end
    -- every complaint was committed once, whoever stayed for the answer
    local deadline = socket.gettime() + 10
    while d:count_cases() < 60 and socket.gettime() < deadline do socket.sleep(0.05) end
    assert.are.equal(60, d:count_cases())
    local s, _, _, raw = d:get("/healthz")
    assert.are.equal(200, s, raw)
    assert.are.equal(0, d:stop(), d:log_tail(5))
    assert.matches('"msg":"stopped","loop":"closed"', d:log_tail(3))
  end)
end)
