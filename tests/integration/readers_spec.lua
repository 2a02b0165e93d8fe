-- The readers thread (runtime/readers.c): GET /v1/cases's scan runs off the
-- loop thread. Intake beside a queue of lists, clients that leave before
-- their list is answered, lists in flight when the daemon is told to stop:
-- every answer still comes, nothing crashes, the loop closes clean (under
-- the sanitizers too: make test SANITIZE=1 runs this spec).
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"
local socket = require "socket"

-- A list that scans its whole budget: nothing stored is "rejected".
local LIST = "GET /v1/cases?status=rejected&limit=500 HTTP/1.1\r\nHost: t\r\n" ..
  "Authorization: Bearer test-read\r\n\r\n"

local function connect(d)
  local c = assert(socket.tcp())
  c:settimeout(10)
  assert(c:connect("127.0.0.1", d.port))
  return c
end

-- The status of the one answer on c, its body and its Retry-After.
local function answer_status(c)
  local line = c:receive("*l")
  if not line then return nil end
  local status = tonumber(line:match("^HTTP/1%.1 (%d%d%d)"))
  local len, retry = 0, nil
  repeat
    local h = c:receive("*l")
    len = tonumber(h and h:lower():match("^content%-length:%s*(%d+)")) or len
    retry = h and h:lower():match("^retry%-after:%s*(%d+)") or retry
  until not h or h == ""
  local body = len > 0 and c:receive(len) or ""
  return status, body, retry
end

describe("lists on the readers thread", function()
  local d

  setup(function()
    d = H.new()
    -- in the sanitizer build: memory freed is overwritten (an answer sent
    -- from a buffer freed too soon arrives as garbage), besides the leak
    -- check the harness asks for; other builds ignore ASAN_OPTIONS
    d.env_vars = "ASAN_OPTIONS=detect_leaks=1:max_free_fill_size=8388608:free_fill_byte=88 "
    -- 5,000 stored cases: each list scans a thousand of them
    local fill = H.bin:gsub("redressd$", "cases_fill")
    assert(os.execute(string.format("%s %s 5000 >/dev/null", fill, d.config.data_dir)))
    d:start()
  end)

  teardown(function()
    if d then d:cleanup() end
  end)

  it("answers lists and complaints together, in the order of nothing but their own work", function()
    local conns = {}
    for i = 1, 8 do
      conns[i] = connect(d)
      for _ = 1, 4 do conns[i]:send(LIST) end -- pipelined: 32 lists queued at once
    end
    local s, b, _, raw = d:post("/v1/complaints", H.complaint{ customer = { id = "beside-lists" } })
    assert.are.equal(201, s, raw)
    for i = 1, 8 do
      for _ = 1, 4 do assert.are.equal(200, answer_status(conns[i])) end
      conns[i]:close()
    end
    local s2, list = d:get("/v1/cases?customer=beside-lists", "test-read")
    assert.are.equal(200, s2)
    assert.are.same({ b.case.id }, { list.cases[1].id })
  end)

  it("runs the lists of clients that left before their answer, and intake goes on", function()
    local conns = {}
    for i = 1, 64 do
      conns[i] = connect(d)
      conns[i]:send(LIST)
    end
    -- all gone while most of their lists still wait for the readers thread:
    -- those reads run for nobody (h2o reads a connection again only after
    -- its answer, so the answer goes out to a closed socket)
    for i = 1, 64 do conns[i]:close() end
    local s = d:post("/v1/complaints", H.complaint{ customer = { id = "after-leavers" } })
    assert.are.equal(201, s)
    local s2, list = d:get("/v1/cases?customer=after-leavers", "test-read")
    assert.are.equal(200, s2)
    assert.are.equal(1, #list.cases)
    assert.are.equal(200, (d:get("/healthz")))
  end)

  it("sends a long answer from the read's own buffer: a client that stops reading and leaves, one that reads it all", function()
    -- a case of about 3.2 MB (eight notes of 400 KB), more than the
    -- daemon's socket buffer on loopback takes at once (about 1.4 MB), read
    -- through a small receive window: the answer is sent from the read's
    -- buffer long after h2o_send returned. One client reads no further than
    -- the status line and leaves, the other reads it all; the buffer is
    -- freed with each request (too soon: the second answer arrives as the
    -- sanitizer build's fill bytes; never: its leak report at exit)
    local case = d:complain({ customer = { id = "long-answer" } }).case
    local note = { type = "agent.note", data = { note = string.rep("n", 400000) } }
    for _ = 1, 8 do
      local s, _, _, raw = d:post("/v1/cases/" .. case.id .. "/events", note, { token = "test-agent" })
      assert.are.equal(200, s, raw)
    end
    local GET = "GET /v1/cases/" .. case.id .. " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer test-read\r\n\r\n"
    local function narrow() -- a connection with a small receive window: h2o sends in many writes
      local c = assert(socket.tcp4())
      assert(c:setoption("recv-buffer-size", 4096))
      c:settimeout(10)
      assert(c:connect("127.0.0.1", d.port))
      return c
    end
    local c = narrow()
    c:send(GET)
    assert.matches("^HTTP/1%.1 200", c:receive("*l"))
    H.sleep(0.2)
    c:close()
    local c2 = narrow()
    c2:send(GET)
    local st, body = answer_status(c2)
    c2:close()
    assert.are.equal(200, st)
    assert.is_true(#body > 3200000, #body .. " bytes")
    local got = H.json.decode(body)
    assert.are.equal(case.id, got.case.id)
    assert.are.equal(18, #got.timeline) -- nine events, each with its decision
    assert.are.equal(200, (d:get("/healthz")))
  end)

  it("keeps one token from taking the whole queue: past its share its lists are refused, another's run", function()
    -- the daemon is stopped while the lists come in (the kernel queues the
    -- connections), so they all reach it at once, however fast it reads
    -- them or runs them (under the sanitizers both are slower)
    local conns, n = {}, 200
    d:signal("STOP")
    local ok_sent, why = pcall(function()
      for i = 1, n do
        conns[i] = connect(d)
        conns[i]:send(LIST)
      end
    end)
    d:signal("CONT")
    assert(ok_sent, why)
    -- another token's list, while the first one's fill their share of the queue
    local s, b, _, raw = d:request("GET", "/v1/cases?status=rejected&limit=500", { token = "test-admin" })
    assert.are.equal(200, s, raw)
    assert.are.same({}, b.cases)
    local ok, busy = 0, 0
    for i = 1, n do
      local st, body, retry = answer_status(conns[i])
      conns[i]:close()
      if st == 503 then
        busy = busy + 1
        assert.matches('"code":"busy"', body, 1, true)
        assert.matches("this token has too many lists waiting", body, 1, true)
        assert.are.equal("1", retry)
      else
        assert.are.equal(200, st, body)
        ok = ok + 1
      end
    end
    -- 64 wait at most; the thread ran some while the others came in
    assert.is_true(busy > 0, "no list was refused")
    assert.is_true(ok >= 64, ok .. " lists answered")
  end)

  it("answers the lists in flight when it is told to stop, then stops with its loop closed", function()
    local conns = {}
    for i = 1, 16 do
      conns[i] = connect(d)
      conns[i]:send(LIST)
    end
    H.sleep(0.01) -- the requests are read before the signal
    local code = d:stop()
    assert.are.equal(0, code)
    -- reads are in-flight work: the drain waits for them as for complaints
    for i = 1, 16 do
      assert.are.equal(200, answer_status(conns[i]), "list " .. i)
      conns[i]:close()
    end
    local log = d:log()
    assert.is_truthy(log:find('"msg":"stopped","loop":"closed"', 1, true), log:sub(-2000))
    assert.is_falsy(log:find('"level":"error"', 1, true), log:sub(-2000))
  end)
end)
