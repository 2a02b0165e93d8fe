-- Messages follow their offers: the message that announces an offer goes
-- out with it, waits with it while a budget cap holds it for a manager,
-- goes out when the approval is granted, and is replaced by a courteous one
-- (with the date of the next contact) when it is denied. Approvals are
-- decided by the approver role, and the case records who decided.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"

local POLICY = [[
local P = {}
function P.on_complaint(case, act)
  act:acknowledge { template = "ack" }
  act:offer { kind = "partial_refund", amount = case.order.amount // 2, reason = "goodwill",
    message = { template = "goodwill" } }
end
return P
]]

-- the outbox items of one case, in order: "type" or "type:template"
local function outbox_of(d, case_id)
  local _, ob = d:get("/v1/outbox?limit=1000", "test-agent")
  local out = {}
  for _, it in ipairs(ob.items) do
    if it.case_id == case_id then
      out[#out + 1] = it.type .. (it.action.template and (":" .. it.action.template) or "")
    end
  end
  return out, ob.items
end

local function decide_approval(d, case_id, ty)
  local s, res, _, raw = d:post("/v1/cases/" .. case_id .. "/events", { type = ty }, { token = "test-approver" })
  assert.are.equal(200, s, raw)
  return res
end

describe("an offer's message", function()
  local d
  setup(function()
    d = H.new()
    local dir = d:use_pack("msgs", POLICY, 'currency = "EUR"')
    H.write_file(dir .. "/templates/en.lua", 'return { ack = "Thanks", goodwill = "As a goodwill gesture we refund half of your order." }\n')
    d.config.budgets = { per_case = { EUR = 3000 } }
    d:write_config()
    d:start()
  end)
  teardown(function() if d then d:cleanup() end end)

  local function complain(cust, amount)
    return d:complain { customer = { id = cust }, order = { id = "A", amount = amount, currency = "EUR" } }
  end

  local function sent(case_id) return outbox_of(d, case_id) end
  local function approve(case_id, ty) return decide_approval(d, case_id, ty) end

  it("goes out with the offer when nothing holds it", function()
    local res = complain("m-1", 4000)
    local types, items = sent(res.case.id)
    assert.are.same({ "acknowledge:ack", "offer", "message:goodwill" }, types)
    -- the offer's row is the decision's offer without its message, which
    -- is the next row: the same fields, nothing sent twice
    local offer
    for _, a in ipairs(res.decision.actions) do if a.type == "offer" then offer = a end end
    local row = items[#items - 1].action
    assert.are.equal("goodwill", offer.message.template)
    assert.is_nil(row.message)
    offer.message = nil
    assert.are.same(offer, row)
  end)

  it("waits with a held offer, and goes out when the approval is granted", function()
    local res = complain("m-2", 8000)
    assert.are.same({ "acknowledge:ack", "request_approval" }, (sent(res.case.id)))
    assert.matches("Its message to the customer waits with it", table.concat(res.decision.trace, " "))
    local g = approve(res.case.id, "approval.granted")
    assert.are.equal("approver", g.case.approvals[1].decided_by.roles)
    local after, items = sent(res.case.id)
    assert.are.same({ "acknowledge:ack", "request_approval", "offer", "message:goodwill" }, after)
    assert.are.equal("As a goodwill gesture we refund half of your order.", items[#items].action.text)
  end)

  it("is replaced by a courteous message with a dated next contact when the approval is denied", function()
    local res = complain("m-3", 9000)
    local den = approve(res.case.id, "approval.denied")
    local after, items = sent(res.case.id)
    assert.are.same({ "acknowledge:ack", "request_approval", "message:offer_denied" }, after)
    local note = items[#items].action
    assert.are.equal("engine", note.by)
    assert.matches("We are still working on the best solution for your case " .. res.case.id, note.text)
    assert.matches("A colleague will contact you by %a+ %d+, %d%d%d%d%.", note.text)
    assert.matches("^%d%d%d%d%-%d%d%-%d%dT", note.next_contact)
    assert.are.equal(0, #den.case.offers)
  end)
end)

-- The built-in packs announce a money offer with the offer's message (not
-- a message of their own), so a config budget that holds the offer holds
-- its announcement too: retail-eu's late-delivery coupon, end to end.
describe("a built-in pack's coupon under a budget cap", function()
  local d
  setup(function()
    d = H.new { packs = { H.root .. "/policies/retail-eu" }, default_pack = "retail-eu",
      budgets = { per_case = { EUR = 300 } } }
    d:start()
  end)
  teardown(function() if d then d:cleanup() end end)

  it("is announced only when a manager grants it", function()
    local res = d:complain { customer = { id = "eu-1" } } -- a 5.00 EUR coupon on 49.99, over the cap of 3.00
    local before = outbox_of(d, res.case.id)
    assert.are.equal("request_approval", before[2])
    for _, item in ipairs(before) do assert.are_not.equal("message:late_coupon", item) end
    decide_approval(d, res.case.id, "approval.granted")
    -- then the coupon and its announcement, before the pack's own word on the approval
    local after, items = outbox_of(d, res.case.id)
    local at
    for i, item in ipairs(after) do if item == "offer" then at = i end end
    assert.is_truthy(at, table.concat(after, ", "))
    assert.are.same({ "offer", "message:late_coupon", "message:approval_granted" }, { after[at], after[at + 1], after[at + 2] })
    assert.matches("€5.00", items[at + 1].action.text, 1, true)
  end)
end)
