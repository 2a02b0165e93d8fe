-- The what-if replays (POST /v1/replays): stored history re-run inside the
-- daemon under a candidate pack, on a thread of its own — the report is the
-- one `redress replay` gives for the same store, and complaints are answered
-- while a replay runs.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"
local cjson = require "cjson"

local q = H.sh_quote

-- Rewrites file through fn(text) → new text, count (must be 1).
local function edit(path, fn)
  local text, n = fn(assert(H.read_file(path)))
  assert.equal(1, n, "edit of " .. path .. " did not apply")
  H.write_file(path, text)
end

-- A copy of retail in dir named folder: version bumped, coupons twice as
-- large (20 % of the order, up to 40.00), and with spin > 0 a loop of that
-- many steps before each complaint (a candidate that is slow to replay).
local function candidate(dir, folder, spin)
  local to = dir .. "/" .. folder
  assert(os.execute("mkdir -p " .. q(dir) .. " && cp -r " .. q(H.root .. "/policies/retail") .. " " .. q(to)))
  edit(to .. "/pack.lua", function(s) return s:gsub('version = "0%.1%.0"', 'version = "0.2.0-' .. folder .. '"') end)
  edit(to .. "/pack.lua", function(s) return s:gsub("coupon_percent = 10,", "coupon_percent = 20,") end)
  edit(to .. "/pack.lua", function(s) return s:gsub("coupon_max = 2000,", "coupon_max = 4000,") end)
  if spin > 0 then
    edit(to .. "/policy.lua", function(s)
      return s:gsub("function P%.on_complaint%(case, act%)\n", "%0  local x = 0\n  for i = 1, " .. spin .. " do x = x + i end\n")
    end)
  end
  return to
end

-- Polls GET /v1/replays/{id} until fn(replay) is true; returns the replay.
local function wait_for(d, id, fn, what)
  local deadline = H.now() + 120
  while true do
    local s, body, _, raw = d:get("/v1/replays/" .. id)
    assert.are.equal(200, s, raw)
    if fn(body.replay) then return body.replay end
    assert(H.now() < deadline, "replay " .. id .. " never " .. what .. ": " .. raw)
    H.sleep(0.02)
  end
end

local function done(r) return r.state == "done" or r.state == "failed" end

describe("what-if replays in the daemon", function()
  local d, cands, v2
  local N = 300

  setup(function()
    d = H.new()
    cands = d.dir .. "/candidates"
    v2 = candidate(cands, "retail-generous", 0)
    candidate(cands, "retail-slow", 1000000)
    os.execute("mkdir -p " .. q(cands .. "/broken"))
    H.write_file(cands .. "/broken/pack.lua", "return {")
    d.config.replay = { candidates = cands }
    d.config.limits.policy_instructions = 100000000
    d.config.limits.policy_wall_ms = 10000
    d:write_config()
    d:start()
    -- late deliveries of different amounts (coupons 5.00 … 20.00 under
    -- retail, up to 40.00 under the candidate), and some social ones
    for i = 1, N do
      d:complain { customer = { id = "c-" .. (i % 40) }, channel = i % 10 == 0 and "social" or "email",
        order = { id = "W" .. i, amount = 1000 + 97 * i, currency = "EUR" } }
    end
  end)

  teardown(function() if d then d:cleanup() end end)

  it("lists the candidates of the configured folder with their manifests", function()
    local s, body, _, raw = d:get("/v1/replays/candidates")
    assert.are.equal(200, s, raw)
    assert.are.equal(cands, body.dir)
    local by = {}
    for _, c in ipairs(body.candidates) do by[c.name] = c end
    assert.are.same({ "broken", "retail-generous", "retail-slow" }, (function()
      local names = {}
      for _, c in ipairs(body.candidates) do names[#names + 1] = c.name end
      return names
    end)())
    assert.are.equal("retail", by["retail-generous"].pack)
    assert.are.equal("0.2.0-retail-generous", by["retail-generous"].version)
    assert.is_string(by.broken.error)
  end)

  it("reports what `redress replay` reports for the same store, with the money and escalations", function()
    local s, body, headers, raw = d:post("/v1/replays", { candidate = "retail-generous", pack = "retail" })
    assert.are.equal(202, s, raw)
    local id = body.replay.id
    assert.are.equal("/v1/replays/" .. id, headers["location"])
    assert.are.equal("retail", body.replay.request.pack)
    local r = wait_for(d, id, done, "finished")
    assert.are.equal("done", r.state, r.error)
    assert.are.same({ done = N, total = N }, r.progress)

    -- the CLI on the same data directory, beside the running daemon
    local code, out, err = H.cli("replay", "--data", d.config.data_dir, "--pack", v2, "--config", d.config_file, "--json")
    assert.are.equal(0, code, err)
    local cli = cjson.decode(out)
    local rep = r.report
    assert.are.equal(N, rep.cases)
    assert.are.same(cli.compensation.before, rep.compensation.before)
    assert.are.same(cli.compensation.after, rep.compensation.after)
    assert.are.same(cli.escalations, rep.escalations)
    assert.are.equal(cli.changed_cases, rep.changed_cases)
    assert.are.equal(cli.events, rep.events)
    -- the candidate's coupons are larger: more money after, the difference said
    local before, after = rep.compensation.before.EUR, rep.compensation.after.EUR
    assert.is_true(after > before, raw)
    assert.are.equal(after - before, rep.compensation.difference.EUR)
    assert.is_true(rep.changed_cases > 0)

    -- the changed cases come in pages, the same as the CLI's
    local seen, offset = {}, 0
    while offset do
      local s2, page, _, praw = d:get("/v1/replays/" .. id .. "?limit=7&offset=" .. offset)
      assert.are.equal(200, s2, praw)
      assert.is_true(#page.replay.report.changes <= 7)
      for _, c in ipairs(page.replay.report.changes) do seen[#seen + 1] = c end
      offset = page.replay.report.next_offset ~= cjson.null and page.replay.report.next_offset or nil
    end
    assert.are.equal(#cli.changes, #seen)
    for i, c in ipairs(cli.changes) do
      assert.are.equal(c.case_id, seen[i].case_id)
      assert.are.same(c.events[1].changes, seen[i].events[1].changes)
    end
    assert.matches("offer O1 coupon", table.concat(seen[#seen].events[1].changes, " "))

    -- the list shows it, newest first
    local _, list = d:get("/v1/replays")
    assert.are.equal(id, list.replays[1].id)
    assert.are.equal("done", list.replays[1].state)
  end)

  it("answers complaints while a replay runs, and refuses a second replay meanwhile", function()
    local s, body, _, raw = d:post("/v1/replays", { candidate = "retail-slow", max_cases = N })
    assert.are.equal(202, s, raw)
    local id = body.replay.id
    local first = wait_for(d, id, function(r) return r.state == "running" and r.progress.done > 0 end, "started")
    -- one at a time
    local s2, b2, _, raw2 = d:post("/v1/replays", { candidate = "retail-generous" })
    H.assert_error(s2, b2, 409, "replay_busy")
    assert.is_truthy(raw2)
    -- intake goes on: each complaint is decided and committed while the
    -- replay has cases left, as its progress before and after shows
    local answered = 0
    for i = 1, 5 do
      local res = d:complain { customer = { id = "c-during-" .. i }, order = { id = "D" .. i, amount = 3000, currency = "EUR" } }
      assert.are.equal("acknowledged", res.case.status)
      answered = answered + 1
    end
    local later = select(2, d:get("/v1/replays/" .. id)).replay
    assert.are.equal("running", later.state)
    assert.is_true(later.progress.done < later.progress.total, "the replay ended before intake was tried")
    assert.is_true(later.progress.done >= first.progress.done)
    assert.are.equal(5, answered)
    local r = wait_for(d, id, done, "finished")
    assert.are.equal("done", r.state, r.error)
    -- the complaints made during the replay are not in it
    assert.are.equal(N, r.report.cases)
  end)

  it("refuses bad requests with the field at fault", function()
    local function refused(body, status, code, field)
      local s, b = d:post("/v1/replays", body)
      H.assert_error(s, b, status, code, field)
    end
    refused({ candidate = "nope" }, 422, "validation_failed", "candidate")
    refused({ candidate = "../retail" }, 422, "validation_failed", "candidate")
    refused({ candidate = "broken" }, 422, "validation_failed", "candidate")
    refused({}, 422, "validation_failed", "candidate")
    refused({ candidate = "retail-generous", pack = "airline" }, 422, "validation_failed", "pack")
    refused({ candidate = "retail-generous", since = "yesterday" }, 422, "validation_failed", "since")
    refused({ candidate = "retail-generous", since = "2026-02-01T00:00:00Z", ["until"] = "2026-01-01T00:00:00Z" },
      422, "validation_failed", "until")
    refused({ candidate = "retail-generous", max_cases = 0 }, 422, "validation_failed", "max_cases")
    refused({ candidate = "retail-generous", maxcases = 3 }, 422, "validation_failed", "maxcases")
    local s, b = d:post("/v1/replays", "[1")
    assert.are.equal(400, s, cjson.encode(b))
    s, b = d:get("/v1/replays/R0-1")
    H.assert_error(s, b, 404, "not_found")
    s, b = d:get("/v1/replays/R0-1?limit=0")
    H.assert_error(s, b, 422, "validation_failed", "limit")
    -- admin only
    s, b = d:post("/v1/replays", { candidate = "retail-generous" }, { token = "test-agent" })
    H.assert_error(s, b, 403, "forbidden")
    s, b = d:get("/v1/replays/candidates", "test-read")
    H.assert_error(s, b, 403, "forbidden")
  end)

  it("stops a replay on DELETE, at its next case", function()
    local s, body, _, raw = d:post("/v1/replays", { candidate = "retail-slow" })
    assert.are.equal(202, s, raw)
    local id = body.replay.id
    wait_for(d, id, function(r) return r.state == "running" and r.progress.done > 0 end, "started")
    local b
    s, b, _, raw = d:request("DELETE", "/v1/replays/" .. id)
    assert.are.equal(202, s, raw)
    assert.are.equal(id, b.replay.id)
    local r = wait_for(d, id, function(x) return x.state ~= "running" end, "stopped")
    assert.are.equal("cancelled", r.state)
    assert.is_true(r.progress.done < r.progress.total)
    assert.are.equal(cjson.null, r.report)
    s, b = d:request("DELETE", "/v1/replays/" .. id)
    H.assert_error(s, b, 409, "replay_finished")
    s, b = d:request("DELETE", "/v1/replays/R0-1")
    H.assert_error(s, b, 404, "not_found")
    s, b = d:request("DELETE", "/v1/replays/" .. id, { token = "test-agent" })
    H.assert_error(s, b, 403, "forbidden")
  end)

  it("fails a replay whose candidate does not load, saying why, and takes the next", function()
    -- the manifest reads (the request is accepted); the policy does not load on the thread
    local broken = candidate(cands, "retail-broken-policy", 0)
    H.write_file(broken .. "/policy.lua", assert(H.read_file(broken .. "/policy.lua")) .. "\nthis is not lua\n")
    local s, body, _, raw = d:post("/v1/replays", { candidate = "retail-broken-policy" })
    assert.are.equal(202, s, raw)
    local r = wait_for(d, body.replay.id, done, "finished")
    assert.are.equal("failed", r.state)
    assert.matches("policy%.lua:%d+:", r.error)
    assert.are.equal(cjson.null, r.report)
    s, body = d:post("/v1/replays", { candidate = "retail-generous", max_cases = 1 })
    assert.are.equal(202, s)
    assert.are.equal("done", wait_for(d, body.replay.id, done, "finished").state)
  end)

  it("limits a replay to a window and a number of cases", function()
    local s, body, _, raw = d:post("/v1/replays", { candidate = "retail-generous", max_cases = 25 })
    assert.are.equal(202, s, raw)
    local r = wait_for(d, body.replay.id, done, "finished")
    assert.are.equal("done", r.state, r.error)
    assert.are.equal(25, r.report.cases)
    s, body = d:post("/v1/replays", { candidate = "retail-generous", since = "2999-01-01T00:00:00Z" })
    assert.are.equal(202, s)
    r = wait_for(d, body.replay.id, done, "finished")
    assert.are.same({ 0, 0 }, { r.report.cases, r.progress.total })
  end)
end)
