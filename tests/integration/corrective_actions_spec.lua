-- Recurring causes and corrective actions through redressd: complaints of
-- one cause reach the threshold, an action is proposed, and the API runs it
-- through its lifecycle with roles, 422s, 409s and the cursor.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"

describe("corrective actions", function()
  local d, n = nil, 0

  local function complain(sku, category)
    n = n + 1
    return d:complain { customer = { id = "cust-" .. n }, category = category or "late_delivery",
      order = { id = "A-" .. n, amount = 1000, currency = "EUR", sku = sku } }
  end
  local function move(id, body, token)
    return d:post("/v1/corrective-actions/" .. id .. "/events", body, { token = token })
  end
  local function list(q, token)
    local s, res, _, raw = d:get("/v1/corrective-actions" .. (q or ""), token or "test-read")
    assert.are.equal(200, s, raw)
    return res
  end

  setup(function()
    -- the installation lowers the retail pack's threshold (pack_settings)
    d = H.new { pack_settings = { retail = { recurring = { threshold = 3, window = "14 days" } } } }
    d:start()
  end)
  teardown(function() if d then d:cleanup() end end)

  it("proposes an action at the threshold, not before, and new cases join it", function()
    -- the setting in force: the pack's default keys, the installation's threshold and window
    local _, packs = d:get("/v1/packs", "test-read")
    assert.are.same({ window_days = 14, threshold = 3, keys = { "category", "order.sku" }, open = false },
      packs.packs[1].recurring)
    complain("SKU-7")
    local second = complain("SKU-7")
    complain("SKU-8")
    assert.are.same({}, list().corrective_actions)
    assert.are.equal("category=late_delivery|order.sku=SKU-7", second.case.cause)
    local third = complain("SKU-7")
    local t = list()
    assert.are.equal(1, #t.corrective_actions)
    local a = t.corrective_actions[1]
    assert.are.same({ "proposed", "recurring", "retail", 3, 3 }, { a.status, a.source, a.pack, a.case_count, a.cause_total })
    assert.are.equal(a.id, third.case.corrective_actions[1].ref)
    complain("SKU-7")
    local s, res = d:get("/v1/corrective-actions/" .. a.id, "test-agent")
    assert.are.equal(200, s)
    assert.are.equal(4, res.corrective_action.case_count)
    assert.are.equal(1, #list().corrective_actions)
  end)

  it("runs the lifecycle with roles: agents note and assign, approvers open and close", function()
    local id = list().corrective_actions[1].id
    -- an agent may not open it: refused, nothing changed
    local s, res = move(id, { type = "open" }, "test-agent")
    H.assert_error(s, res, 403, "forbidden")
    s, res = move(id, { type = "note", data = { text = "looking" } }, "test-read")
    H.assert_error(s, res, 403, "forbidden")
    -- bad transitions: 422 naming the field
    s, res = move(id, { type = "done" }, "test-approver")
    H.assert_error(s, res, 422, "invalid_transition", "type")
    s, res = move(id, { type = "assign" }, "test-agent")
    H.assert_error(s, res, 422, "validation_failed", "data.to")
    s, res = move(id, { type = "finish" }, "test-agent")
    H.assert_error(s, res, 422, "validation_failed", "type")
    s, res = move("CA0000000999", { type = "note", data = { text = "x" } }, "test-agent")
    H.assert_error(s, res, 404, "not_found")

    s, res = move(id, { type = "open", version = 1 }, "test-approver")
    assert.are.equal(200, s)
    assert.are.same({ "open", 2 }, { res.corrective_action.status, res.corrective_action.version })
    s, res = move(id, { type = "assign", data = { to = "warehouse" }, version = 1 }, "test-agent")
    H.assert_error(s, res, 409, "stale")
    s, res = move(id, { type = "assign", data = { to = "warehouse" }, version = 2 }, "test-agent")
    assert.are.equal(200, s)
    s, res = move(id, { type = "note", data = { text = "New packaging from Monday." } }, "test-agent")
    assert.are.equal(200, s)
    s, res = move(id, { type = "done" }, "test-admin")
    assert.are.equal(200, s)
    local a = res.corrective_action
    assert.are.same({ "done", "warehouse" }, { a.status, a.assignee })
    local types, roles = {}, {}
    for i, h in ipairs(a.history) do types[i] = h.type; roles[i] = h.actor and h.actor.roles or h.by end
    assert.are.same({ "proposed", "open", "assign", "note", "done" }, types)
    assert.are.same({ "engine", "approver", "agent", "agent", "admin" }, roles)
    -- the effect: the cause's complaints up to done_at, and none after it yet
    s, res = d:get("/v1/corrective-actions/" .. id, "test-read")
    assert.are.same({ window_days = 14, before = 4, after = 0, days_after = 0 }, res.corrective_action.effect)
    -- found by its cause, as the case page asks for it
    assert.are.equal(1, #list("?status=done&pack=retail&cause=category%3Dlate_delivery%7Corder.sku%3DSKU-7").corrective_actions)
  end)

  it("filters, pages and refuses bad parameters", function()
    for _ = 1, 3 do complain("SKU-8") end -- the second cause: 1 + 3 complaints
    local t = list("?limit=1")
    assert.are.equal(1, #t.corrective_actions)
    assert.is_string(t.next_cursor)
    local t2 = list("?limit=1&cursor=" .. t.next_cursor)
    assert.are_not.equal(t.corrective_actions[1].id, t2.corrective_actions[1].id)
    assert.are.equal(1, #list("?status=proposed").corrective_actions)
    local s, res = d:get("/v1/corrective-actions?status=later", "test-read")
    H.assert_error(s, res, 422, "validation_failed", "status")
    s, res = d:get("/v1/corrective-actions?cursor=C1", "test-read")
    H.assert_error(s, res, 422, "validation_failed", "cursor")
    s, res = d:get("/v1/corrective-actions", "test-intake")
    H.assert_error(s, res, 403, "forbidden")
    s, res = d:get("/v1/corrective-actions/C0000000001", "test-read")
    H.assert_error(s, res, 404, "not_found")
  end)

  -- Every complaint of one cause reads and writes the cause's row: decided
  -- side by side they conflict, and each is decided again, ordered after
  -- the others that conflicted on that row (rd__order_by_row), so none is
  -- refused however many arrive at once.
  it("answers and counts complaints of one cause decided at once, exactly once each", function()
    local N, bodies = 64, {}
    for i = 1, N do
      bodies[i] = H.complaint { customer = { id = "race-" .. i },
        order = { id = "R-" .. i, amount = 1000, currency = "EUR", sku = "SKU-RACE" } }
    end
    -- 32 at a time, on the daemon's 2 decision workers
    local codes = d:complain_at_once(bodies, 32)
    assert.are.same({ ["201"] = N }, codes)
    local t = list("?cause=category%3Dlate_delivery%7Corder.sku%3DSKU-RACE")
    assert.are.equal(1, #t.corrective_actions)
    local a = t.corrective_actions[1]
    assert.are.same({ N, N }, { a.case_count, a.cause_total })
    local seen = {}
    for _, id in ipairs(a.cases) do seen[id] = true end
    local n = 0
    for _ in pairs(seen) do n = n + 1 end
    assert.are.equal(N, n)
  end)

  -- /metrics' value of a series, 0 when absent.
  local function metric(name, label)
    local _, text = d:get("/metrics", "test-read")
    local pat = "\n" .. name:gsub("_", "%%_") .. (label and ("{[^}]*=\"" .. label .. "\"}") or "") .. " (%d+)"
    return tonumber(("\n" .. text):match(pat)) or 0
  end

  -- What the actions now stored say /metrics must count: by status, by
  -- source, and their changes (history entries made through the API) by type.
  local function tally()
    local t = { status = {}, source = {}, change = {} }
    for _, a in ipairs(list("?limit=200").corrective_actions) do
      t.status[a.status] = (t.status[a.status] or 0) + 1
      t.source[a.source] = (t.source[a.source] or 0) + 1
      for _, h in ipairs(a.history) do
        if h.actor then t.change[h.type] = (t.change[h.type] or 0) + 1 end
      end
    end
    return t
  end

  it("counts corrective actions on /metrics: by status, made, and changed", function()
    local t = tally()
    assert.is_true((t.status.done or 0) >= 1 and (t.status.proposed or 0) >= 1)
    for _, st in ipairs { "proposed", "open", "assigned", "done", "dismissed" } do
      assert.are.equal(t.status[st] or 0, metric("redress_corrective_actions", st), st)
    end
    assert.are.equal(t.source.recurring, metric("redress_corrective_actions_created_total", "recurring"))
    for _, ty in ipairs { "open", "assign", "note", "done", "dismiss" } do
      assert.are.equal(t.change[ty] or 0, metric("redress_corrective_action_changes_total", ty), ty)
    end
    -- a change that is refused counts nothing
    local before = metric("redress_corrective_action_changes_total", "done")
    local id = list("?status=done").corrective_actions[1].id
    local s, res = move(id, { type = "done" }, "test-approver")
    H.assert_error(s, res, 422, "invalid_transition")
    assert.are.equal(before, metric("redress_corrective_action_changes_total", "done"))
  end)

  it("keeps actions across a restart, and the gauge starts from the store", function()
    local before = list()
    d:restart()
    assert.are.same(before.corrective_actions[1].history, list().corrective_actions[1].history)
    local t = tally()
    for _, st in ipairs { "proposed", "done" } do
      assert.are.equal(t.status[st], metric("redress_corrective_actions", st), st)
    end
    assert.are.equal(0, metric("redress_corrective_action_changes_total", "done")) -- counters start again
  end)
end)
