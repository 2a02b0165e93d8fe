-- Webhooks through what integrators run: a real redressd pushing its outbox
-- to a real HTTP receiver (webhook_receiver.py) that fails on purpose, a
-- daemon killed mid-delivery and restarted, and every item checked: each
-- delivered at least once, signed, none missing.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"
local cjson = require "cjson"

local q = H.sh_quote
local SECRETS = { crm = "crm-secret-0123456789", esc = "esc-secret-0123456789", dead = "dead-secret-0123456789" }

-- Every request the receiver logged, decoded (a line it is still writing,
-- without its newline yet, is left for the next look).
local function received(dir)
  local out = {}
  for line in (H.read_file(dir .. "/received.jsonl") or ""):gmatch("([^\n]+)\n") do out[#out + 1] = cjson.decode(line) end
  return out
end

-- The outbox items the daemon lists (its whole log: nothing was acked).
local function outbox(d)
  local s, res = d:get("/v1/outbox?limit=1000", "test-agent")
  assert.are.equal(200, s)
  return res.items
end

-- Waits until check() is true (10 s at most); returns its last value.
local function eventually(check)
  local deadline = H.now() + 10
  local ok = check()
  while not ok and H.now() < deadline do
    H.sleep(0.05)
    ok = check()
  end
  return ok
end

-- The seqs path accepted with a 2xx.
local function accepted(dir, path)
  local set = {}
  for _, r in ipairs(received(dir)) do
    if r.path == path and r.status == 200 then set[r.seq] = true end
  end
  return set
end

local function all_in(items, set, pred)
  for _, it in ipairs(items) do
    if (not pred or pred(it)) and not set[it.seq] then return false end
  end
  return true
end

describe("webhooks", function()
  local d, rdir, rpid

  setup(function()
    d = H.new()
    rdir = d.dir .. "/receiver"
    os.execute("mkdir -p " .. q(rdir))
    local pidf = rdir .. "/pid"
    -- the receiver is not built with the sanitizers: no preload for it
    os.execute(string.format("env -u LD_PRELOAD -u ASAN_OPTIONS python3 %s %s %s %s %s </dev/null >%s 2>&1 & echo $! > %s", q(here .. "/webhook_receiver.py"),
      q(rdir), SECRETS.crm, SECRETS.esc, SECRETS.dead, q(rdir .. "/out.log"), q(pidf)))
    rpid = tonumber((H.read_file(pidf) or ""):match("%d+"))
    assert.is_true(eventually(function() return H.read_file(rdir .. "/port") ~= nil end), "the receiver did not start")
    local base = "http://127.0.0.1:" .. H.read_file(rdir .. "/port")
    d.config.webhooks = {
      { name = "crm", url = base .. "/crm", secret = SECRETS.crm, retry = { first_ms = 50, max_ms = 200, attempts = 50 } },
      { name = "escalations", url = base .. "/esc?token=not-shown", secret = SECRETS.esc, events = { "escalate" } },
      { name = "broken", url = base .. "/dead", secret = SECRETS.dead, timeout_ms = 1000,
        retry = { first_ms = 10, max_ms = 20, attempts = 2 } },
    }
    d:write_config()
    d:start()
  end)
  teardown(function()
    if rpid then os.execute("kill " .. rpid .. " 2>/dev/null") end
    d:cleanup()
  end)

  it("delivers every outbox item at least once, signed, with none missing, across a kill -9", function()
    for i = 1, 8 do d:complain { customer = { id = "cust-" .. i }, channel = i % 2 == 0 and "social" or "email" } end
    assert.is_true(eventually(function() return all_in(outbox(d), accepted(rdir, "/crm")) end),
      "the first items were not all delivered")
    -- more items, and the daemon killed while it delivers them
    for i = 9, 16 do d:complain { customer = { id = "cust-" .. i } } end
    d:kill9()
    d:start()
    for i = 17, 20 do d:complain { customer = { id = "cust-" .. i } } end
    local items = outbox(d)
    assert.is_true(#items >= 40, "items: " .. #items)
    assert.is_true(eventually(function() return all_in(items, accepted(rdir, "/crm")) end), "an item was never delivered")

    local bodies, retried = {}, 0
    for _, r in ipairs(received(rdir)) do
      if r.path == "/crm" and r.status ~= "dropped" then
        assert.is_true(r.sig_ok, "a bad signature on " .. tostring(r.delivery))
        assert.are.equal(string.format("crm.%d", r.seq), r.delivery)
        -- a redelivery is the same item, byte for byte
        assert.is_true(bodies[r.seq] == nil or bodies[r.seq] == r.body, "seq " .. r.seq .. " changed")
        bodies[r.seq] = r.body
        if r.status ~= 200 then retried = retried + 1 end
      end
    end
    assert.is_true(retried > 0, "the receiver's failures were retried")
    -- each item says whom to contact and how
    local item = cjson.decode(bodies[items[1].seq])
    assert.are.equal(items[1].case_id, item.case_id)
    assert.are.equal("cust-1", item.recipient.id)
    assert.are.equal("email", item.channel)
    assert.are.equal("en", item.language)
  end)

  it("sends a subscription only the action types it asked for", function()
    local items = outbox(d)
    local esc = accepted(rdir, "/esc")
    assert.is_true(eventually(function()
      esc = accepted(rdir, "/esc")
      return all_in(items, esc, function(it) return it.type == "escalate" end)
    end))
    local n = 0
    for _, it in ipairs(items) do if it.type == "escalate" then n = n + 1 end end
    assert.is_true(n > 0, "the social complaints were escalated")
    for _, r in ipairs(received(rdir)) do
      if r.path == "/esc" then assert.are.equal("escalate", r.event) end
    end
  end)

  it("gives up after its attempts and lists the item as a dead letter", function()
    local items = outbox(d)
    local dead
    assert.is_true(eventually(function()
      local s, res = d:get("/v1/webhooks/dead?subscription=broken&limit=1000", "test-agent")
      dead = s == 200 and res.items or {}
      return #dead == #items
    end), "dead letters: " .. #(dead or {}))
    assert.are.same({ 2, "HTTP 500", "broken" }, { dead[1].attempts, dead[1].error, dead[1].subscription })
    assert.are.equal(items[1].seq, dead[1].item.seq)
    local by
    -- (crm may still be delivering the last items on a busy machine)
    assert.is_true(eventually(function()
      local s, res = d:get("/v1/webhooks", "test-agent")
      assert.are.equal(200, s)
      by = {}
      for _, w in ipairs(res.webhooks) do by[w.name] = w end
      return by.crm.pending == 0
    end), "crm pending: " .. tostring(by and by.crm.pending))
    assert.are.equal(#items, by.broken.dead)
    assert.are.equal("http://127.0.0.1:" .. H.read_file(rdir .. "/port") .. "/esc", by.escalations.url)
    local _, metrics = d:get("/metrics", "test-read")
    assert.matches('redress_webhook_dead_total{subscription="broken"} %d', metrics)
    assert.matches('redress_webhook_deliveries_total{subscription="crm"} %d', metrics)
    -- a subscription that does not exist, and the roles
    local es, eb = d:get("/v1/webhooks/dead?subscription=nope", "test-agent")
    H.assert_error(es, eb, 422, "validation_failed", "subscription")
    es, eb = d:get("/v1/webhooks", "test-read")
    H.assert_error(es, eb, 403, "forbidden")
  end)

  it("keeps an item the pull consumer acked until the webhooks have it", function()
    H.write_file(rdir .. "/pause", "") -- the CRM answers 503 for now
    local res = d:complain { customer = { id = "cust-acked" } }
    local mine = {}
    for _, it in ipairs(outbox(d)) do if it.case_id == res.case.id then mine[#mine + 1] = it.seq end end
    assert.is_true(#mine > 0)
    local s, ack = d:post("/v1/outbox/ack", { seqs = mine }, { token = "test-agent" })
    assert.are.equal(200, s)
    assert.are.equal(#mine, ack.acked)
    for _, it in ipairs(outbox(d)) do assert.are_not.equal(res.case.id, it.case_id) end -- gone from the pull list
    -- still to deliver: counted in the subscription's backlog
    local ws, wl = d:get("/v1/webhooks", "test-agent")
    assert.are.equal(200, ws)
    for _, w in ipairs(wl.webhooks) do
      if w.name == "crm" then assert.is_true(w.pending >= #mine, "pending " .. w.pending) end
    end
    os.remove(rdir .. "/pause")
    assert.is_true(eventually(function()
      local got = accepted(rdir, "/crm")
      for _, seq in ipairs(mine) do if not got[seq] then return false end end
      return true
    end), "an acked item was not delivered")
  end)

  it("refuses a misspelt subscription key with a did-you-mean", function()
    local c = H.new { webhooks = { { name = "x", url = "http://127.0.0.1:1/x", secrit = "0123456789abcdef" } } }
    local code = c:spawn() and c:wait_exit(10)
    local log = c:log()
    c:cleanup()
    assert.are.equal(2, code)
    assert.matches("webhooks%[1%]%.secrit: unknown key %(did you mean secret%?%)", log)
  end)
end)
