-- The store writes each action's JSON once and splices it into the
-- decision and the outbox row: the bytes must be exactly what encoding the
-- whole record gives (canonical JSON: same decision, same bytes).
local root = os.getenv("REDRESS_ROOT") or "."
local F = dofile(root .. "/tests/lua/fixture.lua")
local S = F.store()
local json = require "redress.json"
local store = require "redress.store"

local function actions()
  return {
    { type = "acknowledge", text = "Merci — « ok »", tags = { "a", "b" }, next_contact = "2026-12-03T09:00:00.000Z" },
    { type = "offer", kind = "coupon", amount = 500, currency = "EUR", tags = {} },
    { type = "set", tags = {}, facts = {} },
    { type = "escalate", tier = 2, team = "leads", reason = "public channel" },
  }
end

local function decision(acts)
  return { kind = "decision", seq = 3, event_seq = 3, at = "2026-12-01T10:00:00.000Z", event = "complaint.received",
    pack = { name = "retail", version = "0.1.0" }, handler = "on_complaint", error = json.null, outcome = "decided",
    actions = acts, explanation = { { code = "x", text = "why" } }, trace = {} }
end

-- the record encoded whole, as before the splice
local function whole(d)
  for _, a in ipairs(d.actions) do if a.tags then a.tags = json.array(a.tags) end end
  local a, x, t = d.actions, d.explanation, d.trace
  d.actions, d.explanation, d.trace = json.array(a), json.array(x), json.array(t)
  local s = json.encode(d)
  d.actions, d.explanation, d.trace = a, x, t
  return s
end

describe("the store's encoding of decisions and outbox rows", function()
  it("gives the bytes of the whole record, with and without actions", function()
    assert.are.equal(whole(decision(actions())), store.encode_decision(decision(actions())))
    assert.are.equal(whole(decision({})), store.encode_decision(decision({})))
  end)

  it("writes an outbox row with the action's bytes from the decision", function()
    local acts = actions()
    local case = { id = "C0000000001", customer = { id = "cust-1", name = "Ayşe", email = "a@example.com" },
      channel = "email", language = "tr" }
    local d = decision(acts)
    store.encode_decision(d)
    S:begin()
    store.outbox_add_all(case, acts, "2026-12-01T10:00:00.000Z")
    local _, rows = S:commit(false)
    assert.are.equal(#acts, #rows)
    for i, a in ipairs(acts) do
      if a.tags then a.tags = json.array(a.tags) end -- an action's tags are a list, [] when empty
      local item = { case_id = case.id, type = a.type, action = a, created_at = "2026-12-01T10:00:00.000Z",
        recipient = { id = "cust-1", name = "Ayşe", email = "a@example.com" }, channel = "email", language = "tr" }
      assert.are.equal(json.encode(item):sub(2), rows[i])
    end
  end)

  it("writes the same bytes when the case lacks a channel, a language or a customer's name", function()
    local acts = actions()
    local case = { id = "C0000000002", customer = { id = "cust-2" } }
    store.encode_decision(decision(acts))
    S:begin()
    store.outbox_add_all(case, acts, "2026-12-01T10:00:00.000Z")
    store.outbox_add_all(case, {}, "2026-12-01T10:00:00.000Z")
    local _, rows = S:commit(false)
    assert.are.equal(#acts, #rows)
    for i, a in ipairs(acts) do
      if a.tags then a.tags = json.array(a.tags) end
      local item = { case_id = case.id, type = a.type, action = a, created_at = "2026-12-01T10:00:00.000Z",
        recipient = { id = "cust-2" } }
      assert.are.equal(json.encode(item):sub(2), rows[i])
    end
  end)

  it("places the spliced actions in key order, whatever keys sort around them", function()
    local d = decision(actions())
    d.aaa, d.actiona, d.zzz = 1, { "x" }, { nested = { actions = "not spliced" } }
    local e = decision(actions())
    e.aaa, e.actiona, e.zzz = 1, { "x" }, { nested = { actions = "not spliced" } }
    assert.are.equal(whole(e), store.encode_decision(d))
  end)
end)
