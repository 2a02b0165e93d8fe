-- The retail-eu pack's specs: every branch of policy.lua and
-- modules/remedies.lua, through the daemon's own decision step
-- (redress.testing), and every fixture in examples/complaints/retail-eu.
local T = require "redress.testing"
local json = require "redress.json"

local root = os.getenv("REDRESS_ROOT") or "."
local DIR = os.getenv("REDRESS_PACK") or (root .. "/policies/retail-eu")
local pack = T.pack(DIR)
local NOW = "2026-11-20T10:00:00Z" -- a Friday, 11:00 in Berlin

-- A complaint to a German shop about a distance sale delivered 6 days ago;
-- an order field set to NONE is left out.
local NONE = {}
local function complaint(over, order, details)
  local o = { id = "EU-1", amount = 4999, currency = "EUR", sale = "distance", delivered_at = "2026-11-14T12:00:00Z" }
  for k, v in pairs(order or {}) do o[k] = v end
  for k, v in pairs(o) do if v == NONE then o[k] = nil end end
  local c = { jurisdiction = "DE", order = o, details = details }
  for k, v in pairs(over or {}) do c[k] = v end
  return T.complaint(c)
end

local function run(over, order, details, p)
  return (p or pack):complaint(complaint(over, order, details), T.clock(NOW))
end

local function codes(r)
  local out = {}
  for _, e in ipairs(r.decision.explanation) do out[#out + 1] = e.code end
  return table.concat(out, " ")
end

local function has(list, x)
  for _, v in ipairs(list) do if v == x then return true end end
  return false
end

describe("retail-eu: acknowledgement", function()
  it("acknowledges in each of the five languages, asking for a photo of a defect", function()
    local seen = {}
    for _, lang in ipairs { "en", "th", "fa", "zh", "ru" } do
      local r = run({ language = lang, category = "defective" })
      local ack = r:action("acknowledge")
      assert.equal(lang, ack.language)
      assert.matches("C0000000001", ack.text)
      assert.is_nil(seen[ack.text])
      seen[ack.text] = true
      assert.equal(lang, r:action("message").language)
    end
    assert.matches("a photo of the problem", run({ category = "defective" }):action("acknowledge").text)
  end)

  it("asks for the order number when the complaint has none, and promises contact in 2 business days", function()
    local r = pack:complaint(T.complaint { category = "rude_staff", order = false }, T.clock(NOW))
    local ack = r:action("acknowledge")
    assert.matches("your order number", ack.text)
    assert.equal("2026-11-24T10:00:00.000Z", ack.next_contact) -- Friday → Tuesday
  end)

  it("refuses a bad duration in the operator's settings when the pack loads", function()
    assert.has_error(function() T.pack(DIR, { next_contact = "soon" }) end)
  end)
end)

describe("retail-eu: withdrawal (Directive 2011/83/EU)", function()
  it("refunds price and standard delivery within the 14 days, with a prepaid return label", function()
    local r = run({ category = "withdrawal" })
    local refund = r:actions("offer")[1]
    assert.same({ "refund", 4999, "EUR" }, { refund.kind, refund.amount, refund.currency })
    assert.equal("free_service", r:actions("offer")[2].kind)
    assert.is_true(r:explained("withdrawal_refund") and r:explained("return_label"))
    assert.equal("withdrawal_refund", r:action("message").template)
    assert.matches("December 4, 2026", r:action("message").text) -- 14 days after the withdrawal
    assert.equal("awaiting_customer", r.case.status)
  end)

  it("keeps back only what express delivery cost above standard (art. 13(2))", function()
    local r = run({ category = "withdrawal" }, { amount = 12990 }, { express_delivery = true, delivery_paid = 990 })
    assert.equal(12990 - (990 - 495), r:offer().amount)
    assert.is_true(r:explained("withdrawal_express_extra"))
    assert.equal("withdrawal_refund_express", r:action("message").template)
    -- express paid, but not dearer than standard: nothing kept back
    r = run({ category = "withdrawal" }, nil, { express_delivery = true, delivery_paid = 400 })
    assert.equal(4999, r:offer().amount)
    assert.is_false(r:explained("withdrawal_express_extra"))
  end)

  it("lets the customer pay the return postage when the shop does not (setting free_returns)", function()
    local r = run({ category = "withdrawal" }, nil, nil, T.pack(DIR, { free_returns = false }))
    assert.equal(1, #r:actions("offer"))
    assert.is_true(r:explained("return_at_customer_cost"))
  end)

  it("extends the period by 12 months when the customer was not informed of the right (art. 10)", function()
    local r = run({ category = "withdrawal" }, { delivered_at = "2026-03-01T12:00:00Z", informed_of_withdrawal = false })
    assert.equal("refund", r:offer().kind)
    r = run({ category = "withdrawal" }, { delivered_at = "2026-03-01T12:00:00Z" })
    assert.is_true(r:explained("withdrawal_expired"))
  end)

  it("explains an ended period politely and still offers goodwill", function()
    local r = run({ category = "withdrawal" }, { delivered_at = "2026-10-01T12:00:00Z", amount = 6990 })
    assert.is_true(r:explained("withdrawal_expired") and r:explained("goodwill"))
    assert.matches("October 15, 2026", r:action("message").text)
    assert.same({ "coupon", 699 }, { r:offer().kind, r:offer().amount })
    assert.equal("goodwill_coupon", r:offer().message.template)
    -- goodwill within its bounds: at least 5.00 EUR, at most 20.00 EUR
    assert.equal(500, run({ category = "withdrawal" }, { delivered_at = "2026-10-01T12:00:00Z", amount = 1000 }):offer().amount)
    assert.equal(2000, run({ category = "withdrawal" }, { delivered_at = "2026-10-01T12:00:00Z", amount = 90000 }):offer().amount)
  end)

  it("gives no goodwill after a refusal when the operator turns it off", function()
    local r = run({ category = "withdrawal" }, { delivered_at = "2026-10-01T12:00:00Z" }, nil,
      T.pack(DIR, { goodwill_after_refusal = false }))
    assert.is_nil(r:offer())
    assert.is_true(r:explained("no_goodwill"))
    assert.equal("rejected", r.case.status)
    assert.is_nil(r.case.timers.reminder)
  end)

  it("refuses goods the right does not cover (art. 16) and offers free delivery when no order value is known", function()
    local r = run({ category = "withdrawal" }, { excluded = "made_to_order", amount = NONE, currency = NONE })
    assert.is_true(r:explained("withdrawal_excluded"))
    assert.matches("made to your specifications", r:action("message").text)
    assert.equal("free_delivery", r:offer().kind)
    assert.equal("goodwill_free_delivery", r:offer().message.template)
  end)

  it("asks for the delivery date, and for the invoice when the amount is missing", function()
    local r = run({ category = "withdrawal" }, { delivered_at = NONE })
    assert.is_true(r:explained("withdrawal_need_date"))
    assert.equal("need_delivery_date", r:action("message").template)
    assert.same({ kind = "info" }, r.case.timers.reminder.data)
    r = run({ category = "withdrawal" }, { amount = NONE })
    assert.is_true(r:explained("amount_unknown"))
    assert.is_nil(r:offer())
    assert.equal("awaiting_customer", r.case.status)
  end)

  it("sends a sale the directive does not cover to a person", function()
    local r = run({ category = "withdrawal" }, { sale = "in_store" })
    assert.is_true(r:explained("withdrawal_not_applicable"))
    assert.equal("investigating", r.case.status)
    assert.equal("running", r.case.facts["sla.resolution.state"])
    assert.equal("running", r.case.facts["sla.first_response.state"])
  end)

  it("treats a wish for the money back within the period as a withdrawal, whatever the category", function()
    local r = run({ category = "late_delivery", wants = "refund" })
    assert.is_true(r:explained("refund_within_withdrawal") and r:explained("withdrawal_refund"))
    assert.equal("refund", r:offer().kind)
    assert.is_false(r:explained("late_coupon"))
  end)
end)

describe("retail-eu: legal guarantee (Directive (EU) 2019/771)", function()
  local old = { delivered_at = "2026-03-10T09:00:00Z", amount = 8900 }

  it("repairs or replaces free of charge, as the customer chooses", function()
    local r = run({ category = "defective" }, old)
    assert.same({ "replacement", 0 }, { r:offer().kind, r:offer().amount })
    assert.matches("2028%-03%-10", r:offer().reason) -- two years from delivery
    assert.is_true(r:explained("guarantee_remedy"))
    r = run({ category = "defective", wants = "repair" }, old)
    assert.equal("repair", r:offer().kind)
    assert.matches("repair the item", r:action("message").text)
    assert.is_false(r:explained("legal.withheld"))
  end)

  it("replaces instead of a disproportionate repair, repairs when no replacement exists", function()
    local r = run({ category = "defective", wants = "repair" }, old, { repair_cost = 6000 })
    assert.equal("replacement", r:offer().kind)
    assert.is_true(r:explained("guarantee_replacement_instead"))
    r = run({ category = "defective" }, old, { replacement_available = false })
    assert.equal("repair", r:offer().kind)
    assert.is_true(r:explained("guarantee_repair_instead"))
    r = run({ category = "defective", wants = "repair" }, old, { repair_cost = 5000 }) -- 56 %: still proportionate
    assert.equal("repair", r:offer().kind)
  end)

  it("refunds when neither repair nor replacement is possible", function()
    local r = run({ category = "defective" }, old, { replacement_available = false, repair_cost = 8000 })
    assert.same({ "refund", 8900 }, { r:offer().kind, r:offer().amount })
    assert.is_true(r:explained("guarantee_no_cure") and r:explained("guarantee_refund"))
  end)

  it("refunds after a failed repair, or a repair that takes too long", function()
    local r = run({ category = "defective", wants = "refund" }, old, { repair_attempts = 1 })
    assert.same({ "refund", 8900 }, { r:offer().kind, r:offer().amount })
    assert.is_true(r:explained("guarantee_cure_failed"))
    r = run({ category = "defective" }, old, { repair_days = 31 })
    assert.equal("refund", r:offer().kind)
    r = run({ category = "defective" }, old, { repair_days = 30 })
    assert.equal("replacement", r:offer().kind)
  end)

  it("reduces the price for a minor defect or when the customer asks for it (art. 13(4)–(5))", function()
    local r = run({ category = "defective" }, old, { repair_attempts = 2, minor_defect = true })
    assert.same({ "partial_refund", 2670 }, { r:offer().kind, r:offer().amount }) -- 30 % of 89.00
    assert.is_true(r:explained("guarantee_price_reduction"))
    r = run({ category = "defective", wants = "price_reduction" }, old, { repair_attempts = 1 })
    assert.equal("partial_refund", r:offer().kind)
    r = run({ category = "defective" }, { delivered_at = "2026-03-10T09:00:00Z", amount = NONE }, { repair_attempts = 1 })
    assert.is_nil(r:offer())
    assert.is_true(r:explained("amount_unknown"))
  end)

  it("offers repair or replacement first when the customer wants a refund outside the withdrawal period", function()
    local r = run({ category = "defective", wants = "refund" }, old)
    assert.equal("replacement", r:offer().kind)
    assert.is_true(r:explained("guarantee_refund_later"))
    assert.equal("guarantee_refund_later", r:actions("message")[2].template)
  end)

  it("gives goodwill only once the guarantee has ended", function()
    local r = run({ category = "defective" }, { delivered_at = "2024-10-01T09:00:00Z", amount = 8900 })
    assert.is_true(r:explained("guarantee_expired") and r:explained("goodwill"))
    assert.equal("coupon", r:offer().kind)
    assert.matches("October 1, 2026", r:action("message").text)
  end)

  it("asks for the delivery date the guarantee runs from, and sends a sale outside the EU to a person", function()
    local r = run({ category = "defective" }, { delivered_at = NONE })
    assert.is_true(r:explained("guarantee_need_date"))
    assert.is_nil(r:offer())
    r = run({ category = "defective", jurisdiction = "US" }, old)
    assert.is_true(r:explained("guarantee_not_applicable"))
    assert.equal("person_review", r:action("message").template)
    assert.equal("investigating", r.case.status)
  end)

  it("keeps to the guarantee for defective goods excluded from withdrawal, even within 14 days", function()
    local r = run({ category = "defective", wants = "refund" }, { excluded = "made_to_order" })
    assert.is_false(r:explained("refund_within_withdrawal"))
    assert.equal("replacement", r:offer().kind)
    assert.is_true(r:explained("guarantee_remedy") and r:explained("guarantee_refund_later"))
  end)

  it("inspects first past the presumption period when the operator asks, then repairs", function()
    local p = T.pack(DIR, { inspect_after_presumption = true })
    local r = run({ category = "defective" }, { delivered_at = "2025-06-01T09:00:00Z" }, nil, p)
    assert.is_nil(r:offer())
    assert.is_true(r:explained("guarantee_inspection"))
    assert.equal("investigating", r.case.status)
    local r2 = p:event(r, "investigation.concluded", { justified = true }, T.clock(NOW):advance("3 days"))
    assert.is_true(r2:explained("justified_remedy") and r2:explained("guarantee_remedy"))
    assert.equal("replacement", r2:offer().kind)
    assert.equal("awaiting_customer", r2.case.status)
    assert.equal("paused", r2.case.facts["sla.resolution.state"])
    -- within the 12 months (to the day) the defect is presumed: no inspection
    r = run({ category = "defective" }, { delivered_at = "2025-11-20T09:00:00Z" }, nil, p)
    assert.is_true(r:explained("guarantee_remedy"))
    r = run({ category = "defective" }, { delivered_at = "2025-11-19T09:00:00Z" }, nil, p)
    assert.is_true(r:explained("guarantee_inspection"))
  end)
end)

describe("retail-eu: late delivery", function()
  it("gives a coupon of 10 % of the order, at least 5.00 EUR", function()
    local r = run({ category = "late_delivery" }, { amount = 12000 })
    assert.same({ "coupon", 1200 }, { r:offer().kind, r:offer().amount })
    assert.equal("late_coupon", r:offer().message.template)
    assert.equal(500, run({ category = "late_delivery" }, { amount = 3000 }):offer().amount)
  end)

  it("gives 20 % from a week late, counted from the promised date, at most 25.00 EUR", function()
    local late = { promised_by = "2026-11-12T23:59:59+01:00" }
    local r = run({ category = "late_delivery" }, { amount = 10000, delivered_at = "2026-11-19T15:00:00Z" }, late)
    assert.equal(2000, r:offer().amount)
    assert.matches("7 days late", r:offer().message.text)
    r = run({ category = "late_delivery" }, { amount = 10000, delivered_at = "2026-11-14T15:00:00Z" }, late)
    assert.equal(1000, r:offer().amount) -- 2 days late
    r = run({ category = "late_delivery" }, { amount = 10000, delivered_at = NONE }, late)
    assert.equal(2000, r:offer().amount) -- not there yet: late until now
    assert.equal(2500, run({ category = "late_delivery" }, { amount = 90000 }, { delay_days = 3 }):offer().amount)
  end)

  it("says so politely when the parcel came within the promised time", function()
    local r = run({ category = "late_delivery" }, nil, { promised_by = "2026-11-15T23:59:59+01:00" })
    assert.is_nil(r:offer())
    assert.is_true(r:explained("late_not_late"))
    assert.equal("rejected", r.case.status)
  end)

  it("gives a free next delivery when no order value is known", function()
    local r = pack:complaint(T.complaint { category = "late_delivery", order = false }, T.clock(NOW))
    assert.equal("free_delivery", r:offer().kind)
    assert.is_true(r:explained("late_free_delivery"))
  end)
end)

describe("retail-eu: missing parcel", function()
  it("refunds a lost parcel in full", function()
    local r = run({ category = "missing" }, { delivered_at = NONE }, { tracking = "lost" })
    assert.same({ "refund", 4999 }, { r:offer().kind, r:offer().amount })
    assert.is_true(r:explained("missing_refund"))
  end)

  it("holds a refund above 200.00 EUR for a manager; approval issues it, denial goes to senior care", function()
    local r = run({ category = "missing" }, { amount = 34900, delivered_at = NONE })
    assert.is_nil(r:offer())
    assert.equal(34900, r:action("request_approval").offer.amount)
    assert.is_true(r:explained("missing_refund_approval"))
    assert.equal("investigating", r.case.status)
    local later = T.clock(NOW):advance("2h")
    local g = pack:event(r, "approval.granted", {}, later)
    assert.is_true(g:explained("approval_granted"))
    assert.matches("refund of €349.00 has been approved", g:action("message").text)
    assert.equal("awaiting_customer", g.case.status)
    assert.equal("paused", g.case.facts["sla.resolution.state"])
    local d = pack:event(r, "approval.denied", {}, later)
    assert.same({ 3, "senior-care" }, { d:action("escalate").tier, d:action("escalate").team })
    assert.is_true(d:explained("approval_denied"))
  end)

  it("lets the carrier trace a parcel it reports delivered, then refunds when justified", function()
    local r = run({ category = "missing" }, { delivered_at = NONE }, { tracking = "delivered" })
    assert.is_nil(r:offer())
    assert.is_true(r:explained("missing_carrier_trace"))
    assert.matches("November 27, 2026", r:action("message").text) -- 5 business days
    local r2 = pack:event(r, "investigation.concluded", { justified = true }, T.clock(NOW):advance("2h"))
    assert.equal("refund", r2:offer().kind)
    assert.is_true(r2:explained("justified_remedy") and r2:explained("missing_refund"))
    assert.equal("met", r2.case.facts["sla.first_response.state"])
  end)

  it("sends the goods again when no amount is known", function()
    local r = run({ category = "missing" }, { delivered_at = NONE, amount = NONE, currency = NONE })
    assert.equal("replacement", r:offer().kind)
    assert.is_true(r:explained("missing_resend"))
  end)
end)

describe("retail-eu: wrong item and rude staff", function()
  it("sends the right item with a return label, or lets the customer keep a cheap wrong one", function()
    local r = run({ category = "wrong_item" }, nil, { wrong_item_value = 4990 })
    assert.same({ "replacement", "free_service" }, { r:actions("offer")[1].kind, r:actions("offer")[2].kind })
    assert.is_true(r:explained("wrong_item_return"))
    r = run({ category = "wrong_item" }, nil, { wrong_item_value = 1500 })
    assert.equal(1, #r:actions("offer"))
    assert.is_true(r:explained("wrong_item_keep"))
  end)

  it("apologises for rude staff with a gift and a corrective action", function()
    local r = run({ category = "rude_staff" })
    assert.same({ "gift", 1000, "EUR" }, { r:offer().kind, r:offer().amount, r:offer().currency })
    assert.equal("customer-care-lead", r:action("open_corrective_action").owner)
    assert.is_true(r:explained("rude_staff"))
  end)
end)

describe("retail-eu: budget caps", function()
  it("asks a manager for goodwill above the per-case cap, then tells the customer", function()
    local p = T.pack(DIR, { goodwill_case_cap = 500 })
    local r = run({ category = "rude_staff" }, nil, nil, p)
    assert.is_nil(r:offer())
    assert.equal("gift", r:action("request_approval").offer.kind)
    assert.is_true(r:explained("goodwill_over_cap"))
    assert.equal("goodwill_pending", r:action("message").template)
    local g = p:event(r, "approval.granted", {}, T.clock(NOW):advance("1h"))
    assert.matches("your gift of €10.00", g:action("message").text)
  end)

  it("counts goodwill already given on the case: a reopened, justified case over the cap waits", function()
    local p = T.pack(DIR, { goodwill_case_cap = 1500 })
    local r = run({ category = "rude_staff" }, { amount = 10000 }, nil, p)
    r = p:event(r, "offer.accepted", { offer_id = r:offer().id }, T.clock(NOW):advance("1 day"))
    r = p:event(r, "case.reopened", { reason = "still upset" }, T.clock(NOW):advance("3 days"))
    local j = p:event(r, "investigation.concluded", { justified = true }, T.clock(NOW):advance("4 days"))
    assert.is_true(j:explained("justified_remedy") and j:explained("justified_goodwill") and j:explained("goodwill_over_cap"))
    assert.same({ "coupon", 1000 }, { j:action("request_approval").offer.kind, j:action("request_approval").offer.amount })
    assert.is_nil(j:offer())
    -- under a roomier cap the same coupon goes out at once
    p = T.pack(DIR, { goodwill_case_cap = 2000 })
    r = run({ category = "rude_staff" }, { amount = 10000 }, nil, p)
    r = p:event(r, "case.reopened", {}, T.clock(NOW):advance("3 days"))
    assert.equal(1000, p:event(r, "investigation.concluded", { justified = true }, T.clock(NOW):advance("4 days")):offer().amount)
  end)

  it("lets the engine's own budget hold an offer for approval", function()
    local r = T.pack(DIR):with_budgets { per_case = { EUR = 300 } }:complaint(complaint { category = "late_delivery" }, T.clock(NOW))
    assert.is_true(r:explained("late_coupon") and r:explained("guardrail.budget"))
    assert.equal(0, #r.case.offers)
    assert.same({ "coupon", 500, "pending" }, { r.case.approvals[1].offer.kind, r.case.approvals[1].offer.amount, r.case.approvals[1].status })
    -- the coupon's announcement waits with it: nothing tells the customer of
    -- a coupon a manager may refuse
    assert.is_nil(r:delivered("late_coupon"), "announced a held coupon")
    assert.equal("late_coupon", r.case.approvals[1].offer.message.template)
  end)
end)

describe("retail-eu: escalation", function()
  it("sends social media to social care, high severity to senior care, critical to management", function()
    local r = run({ category = "rude_staff", channel = "social" })
    assert.same({ 2, "social-care" }, { r:action("escalate").tier, r:action("escalate").team })
    assert.is_true(r:explained("escalated"))
    assert.equal("running", r.case.facts["sla.first_response.state"])
    assert.equal("senior-care", run({ category = "rude_staff", severity = "high" }):action("escalate").team)
    assert.equal(4, run({ category = "rude_staff", severity = "critical" }):action("escalate").tier)
    assert.is_nil(run({ category = "rude_staff" }):action("escalate"))
  end)

  it("gives an aggressive customer an experienced agent, unless a higher team has the case", function()
    local r = run({ category = "wrong_item", customer_state = "aggressive" })
    assert.same({ 1, "experienced-agents" }, { r:action("escalate").tier, r:action("escalate").team })
    assert.is_true(r:explained("aggressive_customer"))
    r = run({ category = "wrong_item", customer_state = "aggressive", channel = "social" })
    assert.equal(1, #r:actions("escalate"))
    assert.equal(2, r:action("escalate").tier)
  end)

  it("sends a legal-risk category to management after an investigation", function()
    local r = run({ category = "injury" })
    assert.same({ 4, "management" }, { r:action("escalate").tier, r:action("escalate").team })
    assert.is_true(r:explained("investigate"))
    assert.equal("investigating", r.case.status)
  end)

  it("climbs for repeat complaints and flags a chronic complainer for a person, never rejecting", function()
    local r = T.pack(DIR):with_customer { complaints_90d = 2, complaints_365d = 2 }
      :complaint(complaint { category = "rude_staff" }, T.clock(NOW))
    assert.same({ 1, "experienced-agents" }, { r:action("escalate").tier, r:action("escalate").team })
    assert.is_false(has(r.case.tags, "chronic-complainer"))
    r = T.pack(DIR):with_customer { complaints_90d = 1, complaints_365d = 5 }
      :complaint(complaint { category = "rude_staff" }, T.clock(NOW))
    assert.is_nil(r:action("escalate"))
    assert.is_true(has(r.case.tags, "chronic-complainer"))
    assert.is_true(r:explained("chronic_complainer"))
    assert.equal("awaiting_customer", r.case.status)
    assert.equal("gift", r:offer().kind)
  end)
end)

describe("retail-eu: SLA clocks", function()
  it("warns at 80 % and escalates a breached deadline, telling the customer", function()
    local r = run({ category = "other_issue" })
    local w = pack:fire(r, "sla.first_response.warn")
    assert.is_true(w:explained("sla_warning"))
    assert.is_true(has(w.case.tags, "sla-warning:first_response"))
    local b = pack:fire(r, "sla.resolution.breach")
    assert.same({ 3, "senior-care" }, { b:action("escalate").tier, b:action("escalate").team })
    assert.equal("sla_late", b:action("message").template)
    assert.is_true(b:explained("sla_breach"))
    -- a case already with management stays there
    r = run({ category = "other_issue", severity = "critical" })
    assert.equal(4, pack:fire(r, "sla.first_response.breach"):action("escalate").tier)
  end)

  it("stops the first-response clock when a person answers", function()
    local r = run({ category = "other_issue" })
    local n = pack:event(r, "agent.note", { note = "called the customer" }, T.clock(NOW):advance("2h"))
    assert.is_true(n:explained("first_response_given"))
    assert.equal("met", n.case.facts["sla.first_response.state"])
    assert.is_nil(n.case.timers["sla.first_response.breach"])
    n = pack:event(run({ category = "rude_staff" }), "agent.note", { note = "x" }, T.clock(NOW):advance("2h"))
    assert.is_true(n:explained("note_recorded"))
  end)
end)

describe("retail-eu: events and timers", function()
  local function offered() return run({ category = "rude_staff" }) end
  local function at(d) return T.clock(NOW):advance(d) end

  it("reminds a customer who has not answered an offer, twice at most", function()
    local r = offered()
    assert.equal("2026-11-25T10:00:00.000Z", r.case.timers.reminder.due_at)
    local r1 = pack:fire(r, "reminder")
    assert.is_true(r1:explained("reminder_sent"))
    assert.matches("5 days ago", r1:action("message").text)
    assert.equal("reminder_offer", r1:action("message").template)
    local r2 = pack:fire(r1, "reminder")
    assert.is_true(r2:explained("reminder_sent"))
    assert.is_nil(r2.case.timers.reminder)
  end)

  it("reminds about a question, and skips a reminder the case no longer needs", function()
    local r = run({ category = "withdrawal" }, { delivered_at = NONE })
    assert.equal("reminder_info", pack:fire(r, "reminder"):action("message").template)
    local rejected = pack:event(offered(), "investigation.concluded", { justified = false }, at("1 day"))
    local s = pack:fire(rejected, "reminder")
    assert.is_true(s:explained("reminder_skipped"))
    assert.is_nil(s:action("message"))
  end)

  it("thanks a reply, stops the reminders and runs the resolution clock", function()
    local r = pack:event(offered(), "customer.replied", { message = "Thank you, but I have a question." }, at("1 day"))
    assert.is_true(r:explained("customer_replied"))
    assert.equal("reply_ack", r:action("message").template)
    assert.is_nil(r.case.timers.reminder)
    assert.equal("running", r.case.facts["sla.resolution.state"])
    -- after an approval the resolution clock was paused: the reply resumes it
    local held = run({ category = "missing" }, { amount = 34900, delivered_at = NONE })
    local g = pack:event(held, "approval.granted", {}, at("1h"))
    local rr = pack:event(g, "customer.replied", { message = "When?" }, at("2h"))
    assert.equal("running", rr.case.facts["sla.resolution.state"])
  end)

  it("rejects an unjustified complaint politely, and lets a justified one stand", function()
    local u = pack:event(offered(), "investigation.concluded", { justified = false }, at("1 day"))
    assert.equal("rejected", u.case.status)
    assert.equal("unjustified", u:action("message").template)
    assert.is_true(u:explained("unjustified"))
    local j = pack:event(offered(), "investigation.concluded", { justified = true, fault = "company" }, at("1 day"))
    assert.is_true(j:explained("justified"))
    assert.is_nil(j:offer())
  end)

  it("gives goodwill when an investigation finds another kind of complaint justified", function()
    local r = run({ category = "damaged_packaging" }, { amount = 8000 })
    assert.is_true(r:explained("investigate"))
    local j = pack:event(r, "investigation.concluded", { justified = true }, at("1 day"))
    assert.is_true(j:explained("justified_goodwill"))
    assert.same({ "coupon", 800 }, { j:offer().kind, j:offer().amount })
  end)

  it("resolves an accepted offer and asks about satisfaction after the follow-up delay", function()
    local r = offered()
    local a = pack:event(r, "offer.accepted", { offer_id = r:offer().id }, at("1 day"))
    assert.equal("resolved", a.case.status)
    assert.is_true(a:explained("offer_accepted"))
    assert.is_nil(a.case.timers.reminder)
    assert.equal("2026-11-24T10:00:00.000Z", a.case.timers.follow_up.due_at)
    local f = pack:fire(a, "follow_up")
    assert.equal("follow_up", f.case.status)
    assert.equal("follow_up", f:action("message").template)
    assert.is_true(f:explained("follow_up"))
    local late = pack:event(f, "customer.replied", { message = "All good now." }, at("5 days"))
    assert.is_true(late:explained("reply_after_resolution"))
  end)

  it("escalates a declined offer to an experienced agent", function()
    local r = offered()
    local d = pack:event(r, "offer.declined", { offer_id = r:offer().id }, at("1 day"))
    assert.same({ 1, "experienced-agents" }, { d:action("escalate").tier, d:action("escalate").team })
    assert.equal("investigating", d.case.status)
    assert.is_true(d:explained("offer_declined"))
    assert.equal("running", d.case.facts["sla.resolution.state"])
  end)

  it("closes on a good score, escalates a low one and reviews its cause", function()
    local res = pack:event(run({ category = "other_issue" }), "case.resolved", { resolution = "refunded" }, at("2 days"))
    assert.is_true(res:explained("resolved"))
    assert.equal("met", res.case.facts["sla.resolution.state"])
    local good = pack:event(res, "satisfaction.reported", { score = 4 }, at("6 days"))
    assert.equal("closed", good.case.status)
    assert.is_true(good:explained("satisfied"))
    local low = pack:event(res, "satisfaction.reported", { score = 2 }, at("6 days"))
    assert.same({ 3, "senior-care" }, { low:action("escalate").tier, low:action("escalate").team })
    assert.equal("quality", low:action("open_corrective_action").owner)
    assert.is_true(low:explained("low_satisfaction"))
  end)

  it("acknowledges a reopened case again and gives it to an experienced agent", function()
    local r = offered()
    local a = pack:event(r, "offer.accepted", { offer_id = r:offer().id }, at("1 day"))
    local o = pack:event(a, "case.reopened", { reason = "the gift never came" }, at("4 days"))
    assert.equal(1, #o:actions("acknowledge"))
    assert.matches("the gift never came", o:action("escalate").reason)
    assert.is_nil(o.case.timers.follow_up)
    assert.equal("running", o.case.facts["sla.first_response.state"])
    assert.is_true(o:explained("reopened"))
  end)
end)

-- Every fixture complaint, decided as `redress decide --at 2026-11-20T10:00:00Z` does.
local EXPECT = {
  ["withdrawal-express-en.json"] = { offer = { "refund", 12495 }, codes = { "withdrawal_refund", "withdrawal_express_extra" } },
  ["withdrawal-too-late-en.json"] = { offer = { "coupon", 699 }, codes = { "withdrawal_expired", "goodwill" } },
  ["defective-repair-failed-th.json"] = { offer = { "refund", 8900 }, codes = { "guarantee_cure_failed", "guarantee_refund" } },
  ["defective-kettle-ru.json"] = { offer = { "replacement", 0 }, codes = { "guarantee_remedy" } },
  ["lost-parcel-fa.json"] = { approval = { "refund", 34900 }, codes = { "missing_refund_approval" } },
  ["late-social-zh.json"] = { offer = { "coupon", 2500 }, escalate = { 2, "social-care" }, codes = { "late_coupon", "escalated" } },
  ["wrong-item-ru.json"] = { offer = { "replacement", 0 }, escalate = { 1, "experienced-agents" },
    codes = { "wrong_item_return", "aggressive_customer" } },
  ["rude-staff-th.json"] = { offer = { "gift", 1000 }, codes = { "rude_staff" } },
}

describe("retail-eu: fixtures in examples/complaints/retail-eu", function()
  it("decides every fixture as expected, and every fixture has an expectation", function()
    local folder = root .. "/examples/complaints/retail-eu"
    local ls = io.popen("ls -1 '" .. folder .. "'")
    local files = {}
    for name in ls:lines() do if name:match("%.json$") then files[#files + 1] = name end end
    ls:close()
    assert.is_true(#files >= 5)
    local langs = {}
    for _, name in ipairs(files) do
      local want = EXPECT[name]
      assert.is_table(want, name .. ": no expectation in the spec")
      local f = assert(io.open(folder .. "/" .. name))
      local c = json.decode(f:read("a"))
      f:close()
      local r = pack:complaint(c, T.clock(NOW))
      langs[c.language] = true
      assert.equal(c.language, r:action("acknowledge").language, name)
      if want.offer then
        assert.same(want.offer, { r:offer().kind, r:offer().amount }, name)
      else
        assert.same(want.approval, { r:action("request_approval").offer.kind, r:action("request_approval").offer.amount }, name)
      end
      local e = r:action("escalate")
      assert.same(want.escalate or {}, e and { e.tier, e.team } or {}, name)
      for _, code in ipairs(want.codes) do assert.is_true(r:explained(code), name .. ": " .. code .. " in " .. codes(r)) end
      assert.is_false(r:explained("legal.withheld"), name)
    end
    for _, l in ipairs { "en", "th", "fa", "zh", "ru" } do assert.is_true(langs[l], "no fixture in " .. l) end
  end)
end)
