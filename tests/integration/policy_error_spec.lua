-- A policy that raises: the complaint is still taken, the case goes to manual_review.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"

local function write_pack(dir)
  os.execute("mkdir -p " .. H.sh_quote(dir .. "/templates"))
  H.write_file(dir .. "/pack.lua",
    'return { name = "broken", version = "0.0.1", languages = { "en" }, currency = "EUR" }\n')
  H.write_file(dir .. "/policy.lua", table.concat({
    "local P = {}",
    "function P.on_complaint(case, act)",
    '  error("boom")',
    "end",
    "function P.on_event(case, event, act)",
    '  error("bang in on_event")',
    "end",
    "return P",
  }, "\n") .. "\n")
  H.write_file(dir .. "/templates/en.lua", 'return { ack = "Thanks" }\n')
end

local function metric(text, name)
  local total
  for line in text:gmatch("[^\n]+") do
    local n, v = line:match("^([%w_:]+)[^%s]*%s+(%S+)")
    if n == name and line:sub(1, 1) ~= "#" then total = (total or 0) + (tonumber(v) or 0) end
  end
  return total
end

describe("policy error", function()
  local d

  setup(function()
    d = H.new()
    local pack = d.dir .. "/packs/broken"
    write_pack(pack)
    d.config.packs = { pack }
    d.config.default_pack = "broken"
    d:write_config()
    d:start()
  end)

  teardown(function()
    if d then d:cleanup() end
  end)

  local first

  it("POST /v1/complaints is still 201 with a policy_error decision", function()
    local s, res, _, raw = d:post("/v1/complaints", H.complaint{ customer = { id = "cust-broken" } })
    assert.are.equal(201, s, raw)
    first = res
    assert.are.equal("manual_review", res.case.status)
    assert.are.equal("broken", res.case.pack.name)
    assert.are.equal("0.0.1", res.case.pack.version)
    local dec = res.decision
    assert.are.equal("policy_error", dec.outcome)
    assert.are.equal("broken", dec.pack.name)
    assert.are.equal("0.0.1", dec.pack.version)
    assert.are.equal("on_complaint", dec.handler)
    assert.are.equal("complaint.received", dec.event)
    assert.is_table(dec.actions)
    -- nothing the policy decided, but the engine's own acknowledgement with a
    -- dated next contact: the customer hears from us at once
    assert.are.equal(1, #dec.actions)
    assert.are.equal("acknowledge", dec.actions[1].type)
    assert.are.equal("engine", dec.actions[1].by)
    assert.matches("^%d%d%d%d%-%d%d%-%d%dT", dec.actions[1].next_contact)
    assert.matches("We will contact you again by ", dec.actions[1].text)
    assert.is_string(dec.error)
    assert.is_truthy(dec.error:find("boom", 1, true), "error mentions boom: " .. dec.error)
    assert.is_truthy(dec.error:find("policy%.lua:%d+"), "error has file:line: " .. dec.error)
    -- the operator sees it in the log: pack, version, handler, case, file:line
    local log = d:log()
    assert.matches('"warning":"policy error: broken 0%.0%.1, on_complaint on case ' .. res.case.id .. ': [^"]*policy%.lua:%d+', log)
    assert.matches('"msg":"open files limit","max_open_files":%d+', log)
  end)

  it("the stored case and timeline show the policy error", function()
    assert.is_table(first, "depends on the previous test")
    local s, res, _, raw = d:get("/v1/cases/" .. first.case.id, "test-read")
    assert.are.equal(200, s, raw)
    assert.are.equal("manual_review", res.case.status)
    assert.are.equal(2, #res.timeline)
    assert.are.equal("event", res.timeline[1].kind)
    assert.are.equal("decision", res.timeline[2].kind)
    assert.are.equal("policy_error", res.timeline[2].outcome)
    assert.is_truthy(tostring(res.timeline[2].error):find("boom", 1, true))
    assert.are.equal(1, #d:all_cases{ status = "manual_review" })
  end)

  it("an event on the case is taken too, with a policy_error decision", function()
    assert.is_table(first, "depends on the first test")
    local s, res, _, raw = d:post("/v1/cases/" .. first.case.id .. "/events",
      { type = "agent.note", data = { note = "looking" } }, { token = "test-agent" })
    assert.are.equal(200, s, raw)
    assert.are.equal("policy_error", res.decision.outcome)
    assert.are.equal("manual_review", res.case.status)
    assert.is_truthy(tostring(res.decision.error):find("bang in on_event", 1, true))
    assert.are.equal(0, #res.decision.actions)
  end)

  it("keeps serving and counts the errors", function()
    for i = 1, 3 do
      local s, res, _, raw = d:post("/v1/complaints", H.complaint{ customer = { id = "cust-broken-" .. i } })
      assert.are.equal(201, s, raw)
      assert.are.equal("policy_error", res.decision.outcome)
    end
    local s, b = d:get("/healthz", false)
    assert.are.equal(200, s)
    assert.are.same({ status = "ok" }, b)
    local s2, text = d:get("/metrics", "test-read")
    assert.are.equal(200, s2)
    assert.is_string(text)
    local errors = metric(text, "redress_policy_errors_total")
    assert.is_not_nil(errors, "redress_policy_errors_total missing")
    assert.is_true(errors >= 4, "policy errors counted: " .. tostring(errors))
    local decided = 0
    for line in text:gmatch("[^\n]+") do
      local v = line:match('^redress_decisions_total{[^}]*outcome="policy_error"[^}]*}%s+(%S+)')
      if v then decided = decided + tonumber(v) end
    end
    assert.is_true(decided >= 4, "redress_decisions_total{outcome=policy_error} " .. decided)
  end)

  it("a failed policy sends the customer only the engine's acknowledgement, once per complaint", function()
    local s, b = d:get("/v1/outbox?limit=1000", "test-agent")
    assert.are.equal(200, s)
    local acks, complaints = 0, {}
    for _, item in ipairs(b.items) do
      assert.is_true(item.type ~= "offer" and item.type ~= "message",
        "outbox item from a failed policy: " .. tostring(item.type))
      if item.type == "acknowledge" then
        acks = acks + 1
        assert.are.equal("engine", item.action.by)
        assert.is_nil(complaints[item.case_id], "acknowledged twice: " .. item.case_id)
        complaints[item.case_id] = true
      end
    end
    assert.is_true(acks >= 1)
  end)
end)
