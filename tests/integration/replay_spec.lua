-- `redress replay`: stored history re-run under another version of a pack,
-- beside a running daemon, writing nothing.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"
local cjson = require "cjson"

local q = H.sh_quote
local run = H.cli

-- replay --json with extra args; asserts exit 0 and returns the report.
local function replay(data, pack_dir, ...)
  local code, out, err = run("replay", "--data", data, "--pack", pack_dir, "--json", ...)
  assert.equal(0, code, err)
  return cjson.decode(out)
end

-- Rewrites file through fn(text) → new text, count of replacements (must be 1).
local function edit(path, fn)
  local text, n = fn(assert(H.read_file(path)))
  assert.equal(1, n, "edit of " .. path .. " did not apply")
  H.write_file(path, text)
end

local function money(n) return string.format("%d.%02d EUR", n // 100, n % 100) end

local function ids_of(report)
  local ids = {}
  for _, c in ipairs(report.changes) do ids[#ids + 1] = c.case_id end
  table.sort(ids)
  return ids
end

local function sorted(t) table.sort(t); return t end

describe("redress replay", function()
  local d, data, v1, v2, v3, v4
  local ids = {}        -- label → case id
  local settings = {}   -- the pack's coupon settings, read from pack.lua
  local version         -- the pack's version before the bump
  local events = 0      -- events stored in all
  local coupon_cases = { late_small = 4000, late_mid = 8000, late_capped = 30000, late_floor = 2000 }

  local function coupon(amount, percent)
    return math.max(settings.coupon_min, math.min(settings.coupon_max, amount * percent // 100))
  end

  setup(function()
    d = H.new()
    data = d.config.data_dir
    v1, v2, v3, v4 = d.dir .. "/retail", d.dir .. "/retail-v2", d.dir .. "/retail-v3", d.dir .. "/retail-v4"
    assert(os.execute("cp -r " .. q(H.root .. "/policies/retail") .. " " .. q(v1)))
    d.config.packs, d.config.default_pack = { v1 }, "retail"
    d:write_config()
    d:start()

    -- posted in this order: opening order is case id order
    local complaints = {
      { "late_small", { order = { id = "L1", amount = 4000, currency = "EUR" } } },
      { "late_floor", { order = { id = "L2", amount = 2000, currency = "EUR" } } },
      { "late_mid", { language = "th", customer = { id = "c-th", name = "Somchai" },
        order = { id = "L3", amount = 8000, currency = "EUR" } } },
      { "late_capped", { order = { id = "L4", amount = 30000, currency = "EUR" } } },
      { "late_noorder", { order = "none" } },
      { "missing_small", { category = "missing", order = { id = "M1", amount = 3000, currency = "EUR" } } },
      { "missing_big", { category = "missing", order = { id = "M2", amount = 25000, currency = "EUR" } } },
      { "defective", { category = "defective", wants = "repair", language = "fa" } },
      { "rude", { category = "rude_staff", channel = "social" } },
      { "other", { category = "other", severity = "high", language = "zh" } },
    }
    for i, c in ipairs(complaints) do
      local body = H.complaint(c[2])
      body.customer = body.customer.id == "c-1" and { id = "c-" .. i, name = "Anna" } or body.customer
      if body.order == "none" then body.order = nil end
      local status, res = d:post("/v1/complaints", body)
      assert.equal(201, status, cjson.encode(res))
      ids[c[1]] = res.case.id
      events = events + 1
    end
    local function event(label, etype, edata)
      local status, res = d:post("/v1/cases/" .. ids[label] .. "/events", { type = etype, data = edata })
      assert.equal(200, status, cjson.encode(res))
      events = events + 1
    end
    event("late_mid", "offer.accepted", { offer_id = "O1" })
    event("late_small", "offer.declined", { offer_id = "O1" })
    event("missing_small", "investigation.concluded", { justified = true })
    event("missing_small", "case.resolved", {})
    event("missing_small", "satisfaction.reported", { score = 5 })
    event("missing_big", "approval.granted", {})
    event("defective", "customer.replied", { message = "Any news?" })
    event("rude", "satisfaction.reported", { score = 1 })
    event("rude", "case.reopened", { reason = "still upset" })

    local manifest = H.read_file(v1 .. "/pack.lua")
    version = manifest:match('version%s*=%s*"([^"]+)"')
    for _, k in ipairs { "coupon_percent", "coupon_min", "coupon_max" } do
      settings[k] = tonumber(manifest:match(k .. "%s*=%s*(%d+)"))
    end
    assert(version ~= "0.2.0" and settings.coupon_percent == 10, "the retail pack changed under this spec")

    -- v2: a new version that doubles the late-delivery coupon
    assert(os.execute("cp -r " .. q(v1) .. " " .. q(v2)))
    edit(v2 .. "/pack.lua", function(s) return s:gsub('(version%s*=%s*")[^"]+"', '%10.2.0"') end)
    edit(v2 .. "/pack.lua", function(s) return s:gsub("coupon_percent%s*=%s*10", "coupon_percent = 20") end)
    -- v3: the same decisions, another English acknowledgement
    assert(os.execute("cp -r " .. q(v1) .. " " .. q(v3)))
    edit(v3 .. "/templates/en.lua", function(s) return s:gsub('(\n%s*ack%s*=%s*")', "%1Hello. ", 1) end)
    -- v4: no remedy for late deliveries (they are investigated), social escalates to tier 3
    assert(os.execute("cp -r " .. q(v1) .. " " .. q(v4)))
    edit(v4 .. "/policy.lua", function(s) return s:gsub("function remedies%.late_delivery%(", "function remedies.late_delivery_unused(") end)
    edit(v4 .. "/policy.lua", function(s) return s:gsub('tier = 2, team = "social%-care"', 'tier = 3, team = "social-care"') end)
  end)

  teardown(function() if d then d:cleanup() end end)

  it("finds no difference under the same pack", function()
    local r = replay(data, v1)
    assert.equal(10, r.cases)
    assert.equal(events, r.events)
    assert.equal(0, r.changed_cases)
    assert.same({}, r.changes)
    assert.same(r.compensation.before, r.compensation.after)
    assert.same(r.escalations.before, r.escalations.after)
    -- refund 30.00 + the coupons of the late deliveries; the held refund does not count
    local want = 3000
    for _, amount in pairs(coupon_cases) do want = want + coupon(amount, 10) end
    assert.equal(want, r.compensation.before.EUR)
    -- social (2), severity high (2), declined offer (1), score 1 (2), reopened (1)
    assert.same({ count = 5, max_tier = 2 }, r.escalations.before)
    assert.same({ { name = "retail", version = version } }, r.decided_before_by)
    local _, packs = d:get("/v1/packs", "test-read")
    assert.equal(packs.packs[1].hash, r.pack.hash)
  end)

  it("shows exactly the cases whose coupon a new version changes", function()
    local r = replay(data, v2)
    assert.equal("0.2.0", r.pack.version)
    assert.same({ { name = "retail", version = version } }, r.decided_before_by)
    local want, delta = {}, 0
    for label, amount in pairs(coupon_cases) do
      if coupon(amount, 10) ~= coupon(amount, 20) then
        want[#want + 1] = ids[label]
        delta = delta + coupon(amount, 20) - coupon(amount, 10)
      end
    end
    assert.same(sorted { ids.late_small, ids.late_mid }, sorted(want))  -- the fixture has both kinds
    assert.same(sorted(want), ids_of(r))
    assert.equal(2, r.changed_cases)
    for _, c in ipairs(r.changes) do
      assert.equal(1, #c.events)
      local e = c.events[1]
      assert.equal(1, e.seq)
      assert.equal("complaint.received", e.type)
      local amount = c.case_id == ids.late_small and coupon_cases.late_small or coupon_cases.late_mid
      assert.equal(coupon(amount, 10), e.before.actions[2].amount)
      assert.equal(coupon(amount, 20), e.after.actions[2].amount)
      local text = table.concat(e.changes, "\n")
      assert.truthy(text:find(string.format("offer O1 coupon %s → %s", money(coupon(amount, 10)), money(coupon(amount, 20))), 1, true), text)
    end
    assert.equal(r.compensation.before.EUR + delta, r.compensation.after.EUR)
    assert.same(r.escalations.before, r.escalations.after)
  end)

  it("summarizes the differences for a person", function()
    local code, out, err = run("replay", "--data", data, "--pack", v2)
    assert.equal(0, code, err)
    assert.matches("^replayed 10 cases %(" .. events .. " events%) opened .* under retail 0%.2%.0 %(decided before by retail ", out)
    assert.matches("\n2 cases changed:\n", out)
    assert.matches("\n  " .. ids.late_small .. "  event 1 complaint%.received: offer O1 coupon ", out)
    assert.truthy(out:find(ids.late_mid, 1, true))
    assert.falsy(out:find(ids.late_capped, 1, true))
    assert.matches("\ncompensation  EUR  before %d+%.%d%d  after %d+%.%d%d\n", out)
    assert.matches("\nescalations   before 5 %(max tier 2%)  after 5 %(max tier 2%)\n", out)
  end)

  it("reports a change of wording for the cases in that language", function()
    local r = replay(data, v3)
    local want = sorted { ids.late_small, ids.late_floor, ids.late_capped, ids.late_noorder,
      ids.missing_small, ids.missing_big, ids.rude }
    assert.same(want, ids_of(r))
    for _, c in ipairs(r.changes) do
      assert.equal("en", c.language)
      assert.same({ "wording of acknowledge (en) changed" }, c.events[1].changes)
      if c.case_id == ids.rude then  -- the reopened case was acknowledged again
        assert.equal(2, #c.events)
        assert.equal("case.reopened", c.events[2].type)
        assert.same({ "wording of acknowledge (en) changed" }, c.events[2].changes)
      end
    end
    assert.same(r.compensation.before, r.compensation.after)
  end)

  it("describes dropped and new actions, and events the new pack would refuse", function()
    local r = replay(data, v4)
    local by = {}
    for _, c in ipairs(r.changes) do by[c.case_id] = c end
    assert.same(sorted { ids.late_small, ids.late_floor, ids.late_mid, ids.late_capped, ids.late_noorder, ids.rude },
      ids_of(r))
    local small = by[ids.late_small].events
    assert.same({ string.format("offer O1 coupon %s dropped", money(coupon(4000, 10))),
      "message offer_coupon (en) dropped", "new set status investigating" }, small[1].changes)
    -- the customer declined an offer the new pack never made
    assert.equal("offer.declined", small[2].type)
    assert.equal("refused", small[2].after.outcome)
    assert.matches('^event refused under the new pack: data%.offer_id: the case has no offer "O1"', small[2].changes[1])
    assert.equal("offer O1 free_delivery dropped", by[ids.late_noorder].events[1].changes[1])
    assert.same({ "escalation tier 2 (social-care) → tier 3 (social-care)" }, by[ids.rude].events[1].changes)
    -- the held refund never counted; the delivered refund of 30.00 is all that is left
    assert.same({ EUR = 3000 }, r.compensation.after)
    -- the declined offer's escalation is gone with the refused event
    assert.same({ count = 4, max_tier = 3 }, r.escalations.after)
  end)

  it("replays only the cases opened in the --since/--until window", function()
    local all = d:all_cases()
    table.sort(all, function(a, b) return a.id < b.id end)
    local since, till = all[3].opened_at, all[7].opened_at
    local lo, hi = H.parse_time(since), H.parse_time(till)
    local inside, changed = {}, {}
    for _, c in ipairs(all) do
      local at = H.parse_time(c.opened_at)
      if at >= lo and at < hi then
        inside[#inside + 1] = c.id
        if c.id == ids.late_small or c.id == ids.late_mid then changed[#changed + 1] = c.id end
      end
    end
    local r = replay(data, v2, "--since", since, "--until", till)
    assert.equal(#inside, r.cases)
    assert.same(sorted(changed), ids_of(r))
    assert.truthy(H.parse_time(r.first_opened) >= lo and H.parse_time(r.last_opened) < hi)
    assert.equal(since, r.since)
    -- an empty window
    r = replay(data, v2, "--since", "2000-01-01", "--until", "2000-01-02")
    assert.equal(0, r.cases)
    assert.same({}, r.changes)
    assert.same({}, r.compensation.before)
  end)

  it("refuses what it cannot use", function()
    local code, _, err = run("replay", "--data", d.dir .. "/no-such-dir", "--pack", v1)
    assert.equal(1, code)
    assert.matches("^redress: .*no%-such%-dir", err)
    code, _, err = run("replay", "--data", data, "--pack", d.dir .. "/no-such-pack")
    assert.equal(1, code)
    assert.matches("^redress: ", err)
    code, _, err = run("replay", "--data", data, "--pack", v1, "--since", "last tuesday")
    assert.equal(2, code)
    assert.matches("^redress: %-%-since last tuesday: ", err)
    code = run("replay", "--data", data, "--pack", v1, "--until", "2026-02-30")
    assert.equal(2, code)
    code, _, err = run("replay", "--data", data, "--pack", v1, "--config", d.dir .. "/missing.conf.lua")
    assert.equal(1, code)
    assert.matches("^redress: cannot read config", err)
  end)

  it("takes settings and budgets from --config", function()
    d.config.pack_settings = { retail = { coupon_percent = 20 } }
    d:write_config()
    local r = replay(data, v1, "--config", d.config_file)
    assert.same(sorted { ids.late_small, ids.late_mid }, ids_of(r))
  end)

  it("runs beside the daemon and changes nothing", function()
    local n = d:count_cases()
    local _, _, _, before = d:get("/v1/cases/" .. ids.rude, "test-read")
    local _, _, _, outbox = d:get("/v1/outbox?limit=1000")
    replay(data, v2)
    replay(data, v3)
    assert.equal(n, d:count_cases())
    local _, _, _, after = d:get("/v1/cases/" .. ids.rude, "test-read")
    assert.equal(before, after)
    local _, _, _, outbox2 = d:get("/v1/outbox?limit=1000")
    assert.equal(outbox, outbox2)
    -- and the daemon still writes: the replay holds no lock
    local status = d:post("/v1/complaints", H.complaint { customer = { id = "c-after" } })
    assert.equal(201, status)
    assert.equal(0, d:stop())
  end)
end)
