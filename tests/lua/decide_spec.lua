-- The pure decision step (redress.decide) on its own: the engine's rules
-- whatever the policy says, and the outcomes it records without running a
-- policy (a quarantine, a replayed wall-clock stop).
local decide = require "redress.decide"
local pack = require "redress.pack"
local config = require "redress.config"

local root = os.getenv("REDRESS_ROOT") or "."
local NOW = 1796122851591

-- A pack whose policy is body (inside on_complaint(case, act)).
local function pack_with(body)
  local dir = os.tmpname()
  os.remove(dir)
  os.execute("mkdir -p " .. dir .. "/templates")
  local function write(path, text)
    local f = assert(io.open(dir .. "/" .. path, "w"))
    f:write(text)
    f:close()
  end
  write("pack.lua", 'return { name = "d", version = "1.0.0", languages = { "en" }, currency = "EUR" }\n')
  write("templates/en.lua", 'return { ack = "Thanks" }\n')
  write("policy.lua", "local P = {}\nfunction P.on_complaint(case, act)\n" .. body .. "\nend\nreturn P\n")
  local p = pack.load(dir, config.defaults)
  os.execute("rm -rf " .. dir)
  return p
end

local function complaint(p, paid)
  local c = { customer = { id = "c1" }, channel = "email", category = "late_delivery", description = "late",
    language = "en", severity = "medium", customer_state = "calm",
    order = paid and { id = "A1", amount = paid, currency = "EUR" } or nil }
  local case = decide.new_case(c, "C0000000001", p, NOW)
  local _, decision, deliver = decide.run(case, p, "complaint.received", c, NOW, "on_complaint")
  return case, decision, deliver
end

describe("redress.decide", function()
  it("makes a new case with every list and object a case read back is given", function()
    local p = pack_with("")
    local c = { customer = { id = "c1" }, channel = "email", category = "x", description = "x", language = "en" }
    local case = decide.new_case(c, "C0000000001", p, NOW)
    local function keys()
      local list = {}
      for k in pairs(case) do list[#list + 1] = k end
      table.sort(list)
      return list
    end
    local made = keys()
    decide.shape(case) -- what the store's reader gives every case: adds nothing here
    assert.are.same(made, keys())
    for _, k in ipairs(require("redress.case").ARRAYS) do assert.are.same({}, case[k]) end
    assert.are.same({}, case.details)
  end)

  it("adds refunds up across offers: never more than was paid", function()
    local p = pack_with([[
      act:offer { kind = "refund", amount = 3000 }
      act:offer { kind = "partial_refund", amount = 3000 }
      act:offer { kind = "refund", amount = 100 }
      act:offer { kind = "compensation", amount = 60000 } -- owed by law: not a refund]])
    local case, decision = complaint(p, 5000)
    local refunded = 0
    for _, o in ipairs(case.offers) do
      if o.kind == "refund" or o.kind == "partial_refund" then refunded = refunded + o.amount end
    end
    assert.are.equal(5000, refunded)
    assert.are.equal(3, #case.offers) -- the third refund had nothing left: dropped
    assert.are.equal(60000, case.offers[3].amount)
    local capped = 0
    for _, e in ipairs(decision.explanation) do if e.code == "guardrail.refund_capped" then capped = capped + 1 end end
    assert.are.equal(2, capped)
  end)

  it("records a failure without running the policy when told to skip it, naming the limit", function()
    local p = pack_with("act:acknowledge { template = 'ack' }")
    local c = { customer = { id = "c1" }, channel = "email", category = "x", description = "x", language = "en" }
    local case = decide.new_case(c, "C0000000001", p, NOW)
    local _, decision = decide.run(case, p, "complaint.received", c, NOW, "on_complaint",
      { skip = { kind = "quarantined", message = "the pack d@1.0.0 is quarantined" } })
    -- the policy's own acknowledgement never happened; the engine's did, dated
    assert.are.equal(1, #decision.actions)
    assert.are.equal("engine", decision.actions[1].by)
    assert.are.equal("compose", decision.actions[1].template)
    assert.matches("We will contact you again by December 3, 2026", decision.actions[1].text)
    assert.are.equal("policy_error", decision.outcome)
    assert.are.equal("quarantined", decision.limit)
    assert.are.equal("[quarantined] the pack d@1.0.0 is quarantined", decision.error)
    assert.are.equal("manual_review", case.status)
    assert.is_true(decide.LOAD_DEPENDENT.quarantined and decide.LOAD_DEPENDENT.wall)
    assert.is_nil(decide.LOAD_DEPENDENT.instructions)
  end)

  it("names the budget a policy spent in decision.limit", function()
    local case, decision = complaint(pack_with("while true do end"))
    assert.are.equal("instructions", decision.limit)
    assert.matches("^%[instructions%]", decision.error)
    assert.are.equal("manual_review", case.status)
  end)

  it("applies many tags in one pass", function()
    local p = pack_with([[
      for i = 1, 400 do act:set { tags = { "t" .. (i % 50), "u" .. i } } end]])
    local case, decision = complaint(p)
    assert.are.equal("decided", decision.outcome)
    assert.are.equal(450, #case.tags)
  end)
end)
