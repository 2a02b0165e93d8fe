-- Every hostile pack of tests/hostile/attacks.lua, run the three ways users
-- run packs: `redress decide`, `redress pack test`, and a running redressd
-- beside a healthy pack. Each attack must be stopped within its limits and
-- recorded as a policy_error with a readable reason (or, for a load-time
-- attack, refused with one), the daemon must keep answering the healthy
-- pack, and nothing stored for other cases may change.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"
local cjson = require "cjson"
local packs = dofile(H.root .. "/tests/hostile/packs.lua")
local judge = dofile(H.root .. "/tests/hostile/judge.lua")

local CLI = os.getenv("REDRESS_CLI") or (H.root .. "/build/redress")
-- Generous bounds for a loaded machine and the sanitizer build; a hang is
-- minutes (the limits themselves are milliseconds).
local BOUND = 20

local tmp = H.capture("mktemp -d /tmp/redress-hostile.XXXXXX"):gsub("%s+$", "")
local attacks = packs.write(tmp)
local complaint_file = tmp .. "/complaint.json"
H.write_file(complaint_file, packs.COMPLAINT)

-- Runs a shell command with a timeout; returns exit code, stdout, stderr, seconds.
local function run(cmd)
  local t0 = H.now()
  local out, err = tmp .. "/out.txt", tmp .. "/err.txt"
  local ok, _, code = os.execute(string.format("timeout -s KILL %d %s > %s 2> %s", BOUND * 3, cmd,
    H.sh_quote(out), H.sh_quote(err)))
  return (ok and 0 or code), H.read_file(out) or "", H.read_file(err) or "", H.now() - t0
end

describe("hostile packs", function()
  teardown(function()
    if os.getenv("REDRESS_KEEP_TMP") ~= "1" then os.execute("rm -rf " .. H.sh_quote(tmp)) end
  end)

  it("are at least 40, and cover every attack of issue 11 but the daemon-only ones", function()
    assert.is_true(#attacks >= 40, #attacks .. " attacks")
    local seen = {}
    for _, a in ipairs(attacks) do seen[a.issue] = true end
    for _, item in ipairs { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 } do assert.is_true(seen[item], "issue item " .. item) end
  end)

  describe("through redress decide", function()
    for _, a in ipairs(attacks) do
      it(a.name, function()
        local code, out, err, secs = run(string.format("%s decide --pack %s %s --at 2026-11-20T10:00:00Z",
          H.sh_quote(CLI), H.sh_quote(a.dir), H.sh_quote(complaint_file)))
        assert.is_true(secs < BOUND, string.format("took %.1f s", secs))
        if a.at then
          assert.are_not.equal(0, code)
          local ok, why = judge.load_error(a, err)
          assert(ok, why)
        else
          local okj, res = pcall(cjson.decode, out)
          assert(okj, "no decision printed (exit " .. tostring(code) .. "): " .. err .. out)
          local ok, why = judge.decision(a, res.decision, res.case)
          assert(ok, why)
        end
      end)
    end
  end)

  describe("through redress pack test", function()
    for _, a in ipairs(attacks) do
      it(a.name, function()
        local code, out, err, secs = run(string.format("%s pack test %s", H.sh_quote(CLI), H.sh_quote(a.dir)))
        assert.is_true(secs < BOUND, string.format("took %.1f s", secs))
        if a.at then
          assert.are_not.equal(0, code)
          local ok, why = judge.load_error(a, err .. out)
          assert(ok, why)
        else
          assert.are.equal(0, code, out .. err)
        end
      end)
    end
  end)

  describe("in a running redressd beside a healthy pack", function()
    local d
    local healthy_first
    setup(function()
      d = H.new()
      local dirs, routes = { H.root .. "/policies/retail" }, {}
      for _, a in ipairs(attacks) do
        if not a.at then
          dirs[#dirs + 1] = a.dir
          routes[#routes + 1] = { when = { brand = a.pack }, pack = a.pack }
        end
      end
      d.config.packs, d.config.routes = dirs, routes
      d:write_config()
      d:start(BOUND)
    end)
    teardown(function() if d then d:cleanup() end end)

    local function healthy()
      local s, res, _, raw = d:post("/v1/complaints", H.complaint { customer = { id = "calm", name = "Anna" } })
      assert.are.equal(201, s, raw)
      assert.are.equal("decided", res.decision.outcome)
      return res
    end

    it("decides a healthy complaint first", function()
      healthy_first = healthy()
    end)

    for _, a in ipairs(attacks) do
      if not a.at then
        it(a.name, function()
          local function send(customer)
            local t0 = H.now()
            local s, res, _, raw = d:post("/v1/complaints", H.complaint { brand = a.pack,
              customer = { id = customer, name = "Anna" } })
            assert.is_true(H.now() - t0 < BOUND, "answered after " .. (H.now() - t0) .. " s")
            assert.are.equal(201, s, raw)
            return res
          end
          local res = send("cust-1")
          if a.twice then res = send("cust-2") end
          local ok, why = judge.decision(a, res.decision, res.case)
          assert(ok, why)
          -- the daemon still answers, and the healthy pack still decides
          assert.are.equal(200, (d:get("/healthz")))
          healthy()
        end)
      end
    end

    it("says the same to a healthy customer after every attack, and kept the first case as it was", function()
      local again = healthy()
      local function said(res)
        local out = {}
        for _, act in ipairs(res.decision.actions) do
          local text = tostring(act.text):gsub("C%d%d%d%d%d%d%d%d%d%d", "<case>")
          out[#out + 1] = act.type .. ":" .. text .. ":" .. tostring(act.amount) .. ":" .. tostring(act.kind)
        end
        return out
      end
      assert.are.same(said(healthy_first), said(again))
      local s, res = d:get("/v1/cases/" .. healthy_first.case.id)
      assert.are.equal(200, s)
      assert.are.same(healthy_first.case, res.case)
    end)

    it("replays the packs that tried to keep state, and the one stopped by the wall clock, to the same decisions", function()
      for _, a in ipairs(attacks) do
        if a.twice or (a.expect or ""):find("wall", 1, true) then
          local code, out, err = run(string.format("%s replay --data %s --pack %s --json", H.sh_quote(CLI),
            H.sh_quote(d.config.data_dir), H.sh_quote(a.dir)))
          assert.are.equal(0, code, err)
          local report = cjson.decode(out)
          assert.is_true(report.cases >= 1, a.name)
          assert.are.equal(0, report.changed_cases, a.name .. ": " .. out)
        end
      end
    end)

    it("refuses a reload that adds a pack hanging at load time, promptly, and keeps serving", function()
      for _, a in ipairs(attacks) do
        if a.at == "load" or a.at == "module" then
          local cfg = d.config
          local before = cfg.packs
          cfg.packs = { before[1], a.dir }
          d:write_config()
          local t0 = H.now()
          local s, res, _, raw = d:post("/v1/admin/reload", {})
          assert.is_true(H.now() - t0 < BOUND, "reload answered after " .. (H.now() - t0) .. " s")
          assert.are.equal(422, s, raw)
          assert.matches(a.expect, res.error.message)
          cfg.packs = before
          d:write_config()
          healthy()
        end
      end
    end)
  end)

  it("a daemon whose pack hangs at load time does not start, and says why", function()
    for _, a in ipairs(attacks) do
      if a.at == "load" then
        local d = H.new()
        d.config.packs, d.config.default_pack = { a.dir }, a.pack
        d:write_config()
        local code, _, err, secs = run(string.format("%s -c %s", H.sh_quote(H.bin), H.sh_quote(d.config_file)))
        assert.is_true(secs < BOUND, string.format("took %.1f s", secs))
        assert.are_not.equal(0, code)
        assert.matches(a.expect, err)
        local ccode, _, cerr = run(string.format("%s check-config %s", H.sh_quote(CLI), H.sh_quote(d.config_file)))
        assert.are_not.equal(0, ccode)
        assert.matches(a.expect, cerr)
        d:cleanup()
      end
    end
  end)
end)
