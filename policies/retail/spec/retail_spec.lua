-- The retail pack's own specs: every branch of policy.lua, through the real
-- pack loader and sandbox (redress.pack with build/lua/rd.so).
local pack = require "redress.pack"
local config = require "redress.config"

local root = os.getenv("REDRESS_ROOT") or "."
local P = assert(pack.load(os.getenv("REDRESS_PACK") or (root .. "/policies/retail"), config.defaults))

local function case(over)
  local c = { id = "C0000000001", status = "received", tier = 0, language = "en", channel = "email",
    category = "late_delivery", severity = "medium", customer_state = "calm",
    customer = { id = "c1", name = "Anna" }, order = { id = "A-1", amount = 4999, currency = "EUR" },
    offers = {}, escalations = {}, tags = {}, facts = {}, events = 0 }
  for k, v in pairs(over or {}) do c[k] = v end
  if c.order == "none" then c.order = nil end
  return c
end

local function by_type(actions, ty)
  local out = {}
  for _, a in ipairs(actions) do if a.type == ty then out[#out + 1] = a end end
  return out
end

describe("retail on_complaint", function()
  it("acknowledges in every declared language with distinct wording", function()
    local seen = {}
    for _, lang in ipairs { "en", "th", "fa", "zh", "ru" } do
      local actions = assert(pack.call(P, "on_complaint", case { language = lang }))
      local ack = by_type(actions, "acknowledge")[1]
      assert.equal(lang, ack.language)
      assert.matches("C0000000001", ack.text)
      assert.is_nil(seen[ack.text])
      seen[ack.text] = true
    end
  end)

  it("gives a 10% coupon for a late delivery, at least 5.00", function()
    local actions = assert(pack.call(P, "on_complaint", case()))
    local o = by_type(actions, "offer")[1]
    assert.same({ "coupon", 500, "EUR" }, { o.kind, o.amount, o.currency })
    actions = pack.call(P, "on_complaint", case { order = { amount = 12000, currency = "EUR" } })
    assert.equal(1200, by_type(actions, "offer")[1].amount)
  end)

  it("caps the late-delivery coupon at 20.00", function()
    local actions = pack.call(P, "on_complaint", case { order = { amount = 1000000, currency = "EUR" } })
    assert.equal(2000, by_type(actions, "offer")[1].amount)
  end)

  it("gives a free delivery when no order value is known", function()
    local actions = pack.call(P, "on_complaint", case { order = "none" })
    assert.equal("free_delivery", by_type(actions, "offer")[1].kind)
  end)

  it("refunds a lost parcel in full", function()
    local o = by_type(pack.call(P, "on_complaint", case { category = "missing" }), "offer")[1]
    assert.same({ "refund", 4999 }, { o.kind, o.amount })
    o = by_type(pack.call(P, "on_complaint", case { category = "missing", order = "none" }), "offer")[1]
    assert.equal("replacement", o.kind)
  end)

  it("holds a large refund for a manager's approval", function()
    local actions = pack.call(P, "on_complaint", case { category = "missing", order = { amount = 25000, currency = "EUR" } })
    assert.equal(0, #by_type(actions, "offer"))
    local held = by_type(actions, "request_approval")[1]
    assert.same({ "refund", 25000 }, { held.offer.kind, held.offer.amount })
    assert.matches("100.00 EUR", held.reason)
    assert.equal("refund_pending", by_type(actions, "message")[1].template)
  end)

  it("repairs or replaces defective goods", function()
    assert.equal("replacement", by_type(pack.call(P, "on_complaint", case { category = "defective" }), "offer")[1].kind)
    assert.equal("repair", by_type(pack.call(P, "on_complaint", case { category = "defective", wants = "repair" }), "offer")[1].kind)
  end)

  it("replaces a wrong item and apologises with a gift for rude staff", function()
    assert.equal("replacement", by_type(pack.call(P, "on_complaint", case { category = "wrong_item" }), "offer")[1].kind)
    assert.equal("gift", by_type(pack.call(P, "on_complaint", case { category = "rude_staff" }), "offer")[1].kind)
  end)

  it("investigates an unknown category", function()
    local actions = pack.call(P, "on_complaint", case { category = "other" })
    assert.equal(0, #by_type(actions, "offer"))
    assert.equal("investigating", by_type(actions, "set")[1].status)
  end)

  it("escalates public, severe and aggressive complaints", function()
    assert.equal("social-care", by_type(pack.call(P, "on_complaint", case { channel = "social" }), "escalate")[1].team)
    assert.equal(2, by_type(pack.call(P, "on_complaint", case { severity = "critical" }), "escalate")[1].tier)
    assert.equal(1, by_type(pack.call(P, "on_complaint", case { customer_state = "aggressive" }), "escalate")[1].tier)
    assert.equal(0, #by_type(pack.call(P, "on_complaint", case()), "escalate"))
  end)
end)

describe("retail on_event", function()
  local function on(t, data)
    return assert(pack.call(P, "on_event", case(), { type = t, data = data or {} }))
  end
  it("thanks a customer's reply", function()
    assert.equal("reply_ack", by_type(on("customer.replied", { message = "x" }), "message")[1].template)
  end)
  it("rejects an unjustified complaint politely", function()
    local a = on("investigation.concluded", { justified = false })
    assert.equal("rejected", by_type(a, "set")[1].status)
    assert.equal("unjustified", by_type(a, "message")[1].template)
    assert.equal("investigating", by_type(on("investigation.concluded", { justified = true }), "set")[1].status)
  end)
  it("resolves on an accepted offer, escalates a declined one", function()
    assert.equal("resolved", by_type(on("offer.accepted", { offer_id = "O1" }), "set")[1].status)
    assert.equal(1, by_type(on("offer.declined", { offer_id = "O1" }), "escalate")[1].tier)
  end)
  it("follows up after resolution and closes on a good score", function()
    assert.equal("follow_up", by_type(on("case.resolved"), "set")[1].status)
    assert.equal("closed", by_type(on("satisfaction.reported", { score = 5 }), "set")[1].status)
    assert.equal(2, by_type(on("satisfaction.reported", { score = 1 }), "escalate")[1].tier)
  end)
  it("re-acknowledges and escalates a reopened case", function()
    local a = on("case.reopened")
    assert.equal(1, #by_type(a, "acknowledge"))
    assert.equal(1, #by_type(a, "escalate"))
  end)
  it("decides nothing on an agent note", function()
    assert.equal(0, #on("agent.note", { note = "called the courier" }))
  end)
end)
