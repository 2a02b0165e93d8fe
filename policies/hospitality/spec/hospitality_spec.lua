-- The hospitality pack's specs: every branch of policy.lua and its modules,
-- through the real pack loader, sandbox and decision step (redress.testing),
-- and every fixture in examples/complaints/hospitality.
local T = require "redress.testing"
local json = require "redress.json"

local root = os.getenv("REDRESS_ROOT") or "."
local DIR = os.getenv("REDRESS_PACK") or (root .. "/policies/hospitality")
local pack = T.pack(DIR)
local NOW = "2026-11-20T10:00:00Z"  -- a Friday; the pack calendar is Europe/Paris (11:00 local)

-- Stays around NOW: in the hotel (4 nights at 180.00), gone (3 nights at
-- 200.00, out two days ago), and a complaint with no stay facts.
local STAYS = {
  in_house = { room_number = "412", check_in = "2026-11-18T15:00:00+01:00", check_out = "2026-11-22T11:00:00+01:00",
    nights = 4, nightly_rate = 18000 },
  departed = { check_in = "2026-11-15T15:00:00+01:00", check_out = "2026-11-18T11:00:00+01:00",
    nights = 3, nightly_rate = 20000 },
  none = {},
}

-- A guest's complaint: over.stay picks the stay, over.details adds to it.
local function guest(over)
  over = over or {}
  local details = {}
  for k, v in pairs(STAYS[over.stay or "in_house"]) do details[k] = v end
  for k, v in pairs(over.details or {}) do details[k] = v or nil end  -- false: leave it out
  local c = { category = "noise", severity = "medium", description = "Loud music next door all night.",
    order = { id = "BK-1", amount = 72000, currency = "EUR" }, details = details }
  for k, v in pairs(over) do
    if k ~= "stay" and k ~= "details" then c[k] = v end
  end
  return T.complaint(c)
end

local function at(t) return T.clock(t or NOW) end
local function decide(over, runner) return (runner or pack):complaint(guest(over), at()) end
local function fact(r, k) return r.case.facts[k] end
local function has_tag(r, tag)
  for _, t in ipairs(r.case.tags) do if t == tag then return true end end
  return false
end
local function templates(r)
  local out = {}
  for _, a in ipairs(r:actions()) do
    if a.type == "message" or a.type == "acknowledge" then out[#out + 1] = a.template end
  end
  return table.concat(out, " ")
end

describe("hospitality pack", function()
  it("acknowledges in each of its five languages with its own wording, the case id and the visit time", function()
    local seen = {}
    for _, lang in ipairs { "en", "th", "fa", "zh", "ru" } do
      local r = decide { language = lang }
      local ack = r:action("acknowledge")
      assert.equal(lang, ack.language)
      assert.equal("ack_onsite", ack.template)
      assert.matches("C0000000001", ack.text)
      assert.is_nil(seen[ack.text])
      seen[ack.text] = true
    end
    -- 10:30 UTC is 11:30 in the hotel's zone
    assert.matches("11:30", decide({ language = "en" }):action("acknowledge").text)
  end)

  it("refuses an operator's wrong setting when it loads, naming the setting", function()
    local ok, err = pcall(T.pack, DIR, { approval_over = "300.00 EUR, 250.00 GBP, 200.00 EUR" })
    assert.is_false(ok)
    assert.matches("approval_over lists EUR twice", err, 1, true)
    local bad = {
      medium_remedy = "suite", amenity = "pool", free_night = "cash", stay_refund_percent = 150,
      price_reduction_percent = -1, stay_refund_max_nights = 0, low_score = 5,
      duty_manager_visit = "1 business hour", guest_relations_reply = "soon", follow_up_after = "later",
      approval_over = "300.00 EUR, lots",
    }
    for name, value in pairs(bad) do
      local ok, err = pcall(T.pack, DIR, { [name] = value })
      assert.is_false(ok, name)
      assert.matches("pack_settings.hospitality." .. name, err, 1, true)
    end
  end)
end)

describe("on_complaint: where the guest is", function()
  it("sends the duty manager at once to a guest in the hotel, with a 30-minute clock", function()
    local r = decide {}
    local esc = r:action("escalate")
    assert.same({ 1, "duty-manager" }, { esc.tier, esc.team })
    assert.matches("room 412", esc.reason)
    assert.equal("2026-11-20T10:30:00.000Z", r.case.timers["sla.duty_visit.breach"].due_at)
    assert.is_nil(r.case.timers["sla.reply.breach"])
    assert.is_true(r:explained("escalate.duty_manager"))
  end)

  it("asks for satisfaction a day after check-out while the guest is still with us", function()
    local r = decide {}
    assert.equal("2026-11-23T10:00:00.000Z", r.case.timers.follow_up.due_at)
    assert.is_true(r:explained("follow_up.scheduled"))
  end)

  it("hands a guest who has left to guest relations, due the next business day", function()
    local r = decide { stay = "departed" }
    local esc = r:action("escalate")
    assert.same({ 1, "guest-relations" }, { esc.tier, esc.team })
    assert.equal("ack", r:action("acknowledge").template)
    assert.equal("2026-11-21T10:00:00.000Z", r.case.timers["sla.reply.breach"].due_at)
    assert.is_nil(r.case.timers.follow_up)
    assert.is_true(r:explained("escalate.guest_relations"))
    assert.is_true(r:explained("follow_up.on_resolution"))
  end)

  it("counts the guest in the hotel from the check-in time up to, not including, the check-out time", function()
    local stay = { stay = "none", details = { check_in = NOW, check_out = "2026-11-21T10:00:00Z" } }
    assert.equal("duty-manager", decide(stay):action("escalate").team)
    stay.details = { check_in = "2026-11-19T10:00:00Z", check_out = NOW }
    assert.equal("guest-relations", decide(stay):action("escalate").team)
    -- and from that moment the stay is over: in the UK the price reduction is owed
    stay.jurisdiction, stay.order = "UK", { id = "BK-9", amount = 18000, currency = "GBP" }
    assert.same({ "partial_refund", 1800 }, { decide(stay):offer().kind, decide(stay):offer().amount })
  end)

  it("treats a complaint without stay dates as one for guest relations", function()
    local r = decide { stay = "none" }
    assert.equal("guest-relations", r:action("escalate").team)
    assert.is_true(r:explained("follow_up.on_resolution"))
  end)

  it("escalates a complaint made in public to the general manager", function()
    local r = decide { channel = "social", stay = "departed" }
    local tiers = {}
    for _, e in ipairs(r:actions("escalate")) do tiers[e.tier] = e.team end
    assert.same({ "guest-relations", "general-manager" }, tiers)
    assert.equal(2, r.case.tier)
  end)
end)

describe("remedies by severity", function()
  it("low: a sincere apology and no offer", function()
    local r = decide { severity = "low" }
    assert.is_nil(r:offer())
    assert.matches("apology", templates(r))
    assert.is_true(r:explained("remedy.apology"))
  end)

  it("medium in the hotel: an upgrade for the rest of the stay, after the on-site fix", function()
    local r = decide { category = "cleanliness" }
    assert.same({ "upgrade", 0 }, { r:offer().kind, r:offer().amount })
    assert.equal("ack_onsite onsite_cleanliness offer_upgrade", templates(r))
    assert.is_true(r:explained("remedy.upgrade"))
  end)

  it("medium with medium_remedy = amenity: the amenity, even in the hotel", function()
    local r = decide({ category = "room_not_as_booked" }, T.pack(DIR, { medium_remedy = "amenity", amenity = "dinner" }))
    assert.same({ "free_service", "complimentary dinner" }, { r:offer().kind, r:offer().reason })
    local messages = r:actions("message")
    assert.equal("onsite_room_not_as_booked", messages[1].template)
    assert.equal("As an apology, please accept dinner for two in our restaurant with our compliments during your stay.",
      messages[2].text)
    assert.is_true(r:explained("remedy.amenity"))
  end)

  it("medium after check-out (EU): the amenity on the next stay, worded in the guest's language", function()
    local r = decide { stay = "departed", jurisdiction = "EU", language = "ru" }
    assert.equal("free_service", r:offer().kind)
    assert.matches("завтрак на двоих за наш счёт в ваш следующий приезд", r:action("message").text, 1, true)
    assert.is_true(r:explained("remedy.amenity"))
  end)

  it("medium after check-out in the UK: the statutory price reduction, 10% of the stay", function()
    local r = decide { stay = "departed", jurisdiction = "UK", order = { id = "BK-2", amount = 60000, currency = "GBP" } }
    local o = r:offer()
    assert.same({ "partial_refund", 6000, "GBP" }, { o.kind, o.amount, o.currency })
    assert.matches("Consumer Rights Act 2015", o.reason, 1, true)
    assert.is_true(r:explained("remedy.price_reduction"))
  end)

  it("owes the UK price reduction for six years from check-out (29 February: until 28 February)", function()
    local leap = { stay = "none", jurisdiction = "UK", details = { check_in = "2028-02-27T15:00:00Z",
      check_out = "2028-02-29T11:00:00Z", nights = 2, nightly_rate = 15000 },
      order = { id = "BK-8", amount = 30000, currency = "GBP" } }
    local last = pack:complaint(guest(leap), "2034-02-28T21:00:00Z")
    assert.same({ "partial_refund", 3000 }, { last:offer().kind, last:offer().amount })
    local late = pack:complaint(guest(leap), "2034-03-01T09:00:00Z")
    assert.equal("free_service", late:offer().kind)
    assert.is_true(late:explained("remedy.amenity"))
  end)

  it("medium in the UK while still in the hotel: no price reduction yet, the upgrade", function()
    local r = decide { jurisdiction = "UK", order = { id = "BK-2", amount = 72000, currency = "GBP" } }
    assert.equal("upgrade", r:offer().kind)
  end)

  it("high in the hotel: one night taken off the bill", function()
    local r = decide { severity = "high" }
    assert.same({ "credit", 18000, "EUR" }, { r:offer().kind, r:offer().amount, r:offer().currency })
    assert.equal("offer_free_night_credit", r:offer().message.template)
    assert.is_true(r:explained("remedy.free_night"))
  end)

  it("high after check-out: one night refunded, the rate shared from what was paid when not given", function()
    local r = decide { severity = "high", stay = "departed", details = { nightly_rate = false, nights = false },
      order = { id = "BK-3", amount = 60002, currency = "EUR" } }
    -- 3 nights counted from the dates; 600.02 / 3 = 200.0067, rounded down: never more than was paid
    assert.same({ "partial_refund", 20000 }, { r:offer().kind, r:offer().amount })
    assert.is_true(r:explained("remedy.free_night"))
  end)

  it("high with free_night = voucher: a voucher worth one night", function()
    local r = decide({ severity = "high", stay = "departed" }, T.pack(DIR, { free_night = "voucher" }))
    assert.same({ "coupon", 20000 }, { r:offer().kind, r:offer().amount })
    assert.is_true(r:explained("remedy.free_night_voucher"))
  end)

  it("high with free_night = voucher in the UK after check-out: still money back, as the law owes", function()
    local r = decide({ severity = "high", stay = "departed", jurisdiction = "UK",
      order = { id = "BK-4", amount = 60000, currency = "GBP" } }, T.pack(DIR, { free_night = "voucher" }))
    assert.same({ "partial_refund", 20000, "GBP" }, { r:offer().kind, r:offer().amount, r:offer().currency })
    assert.is_true(r:explained("remedy.free_night"))
  end)

  it("high with no rate and no payment known: a complimentary night in kind", function()
    local r = decide { severity = "high", stay = "none", order = false }
    assert.same({ "free_service", 0 }, { r:offer().kind, r:offer().amount })
    assert.equal("offer_free_night_stay", r:action("message").template)
    assert.is_true(r:explained("remedy.free_night_in_kind"))
  end)

  it("critical: half the stay, at most three nights; exactly the approval limit needs no manager", function()
    local r = decide { severity = "critical", stay = "departed", details = { nights = 10, nightly_rate = 10000 },
      order = { id = "BK-5", amount = 100000, currency = "EUR" } }
    assert.same({ "partial_refund", 30000 }, { r:offer().kind, r:offer().amount })
    assert.is_nil(r:action("request_approval"))
    assert.is_true(r:explained("remedy.stay_refund"))
    assert.equal("general-manager", r:actions("escalate")[2].team)
  end)

  it("critical over the approval limit: the refund waits for a manager", function()
    local r = decide { severity = "critical", stay = "departed", details = { nights = 4, nightly_rate = 25000 } }
    assert.is_nil(r:offer())
    local ap = r:action("request_approval")
    assert.same({ "partial_refund", 50000, "EUR" }, { ap.offer.kind, ap.offer.amount, ap.offer.currency })
    assert.matches("over 300.00 EUR", ap.reason, 1, true)
    local told = r:action("message")
    assert.equal("approval_pending", told.template)
    assert.matches("€500.00", told.text, 1, true)
    assert.is_true(r:explained("approval.requested"))
  end)

  it("critical with the stay's value unknown: the general manager decides", function()
    local r = decide { severity = "critical", stay = "none", order = false }
    assert.is_nil(r:offer())
    assert.equal("investigating", r.case.status)
    assert.matches("refund_review", templates(r))
    assert.is_true(r:explained("remedy.stay_refund_unknown"))
  end)

  it("holds any money offer in a currency the operator set no limit for, until it is listed", function()
    local thb = { severity = "high", stay = "departed", details = { nightly_rate = 350000 },
      order = { id = "BK-6", amount = 1050000, currency = "THB" } }
    local ap = decide(thb):action("request_approval")
    assert.matches("no approval limit is set for THB", ap.reason, 1, true)
    local r = decide(thb, T.pack(DIR, { approval_over = "300.00 EUR, 12000.00 THB" }))
    assert.same({ "partial_refund", 350000, "THB" }, { r:offer().kind, r:offer().amount, r:offer().currency })
  end)
end)

describe("billing errors", function()
  local function bill(billed, correct, over)
    over = over or {}
    over.category = "billing_error"
    over.details = { billed_amount = billed, correct_amount = correct }
    return decide(over)
  end

  it("refunds exactly the difference after check-out", function()
    local r = bill(68000, 52000, { stay = "departed" })
    assert.same({ "refund", 16000, "EUR" }, { r:offer().kind, r:offer().amount, r:offer().currency })
    assert.equal("offer_billing_refund", r:offer().message.template)
    assert.is_true(r:explained("billing.refund_difference"))
  end)

  it("takes the difference off the bill while the guest is in the hotel", function()
    local r = bill(20050, 18000)
    assert.same({ "credit", 2050 }, { r:offer().kind, r:offer().amount })
    assert.is_true(r:explained("billing.refund_difference"))
  end)

  it("holds a correction over the approval limit for a manager", function()
    local r = bill(100000, 20000, { stay = "departed" })
    assert.is_nil(r:offer())
    assert.equal(80000, r:action("request_approval").offer.amount)
    assert.is_true(r:explained("approval.requested"))
  end)

  it("finds no overcharge when the bill is not above what was due", function()
    local r = bill(52000, 52000, { stay = "departed" })
    assert.is_nil(r:offer())
    assert.equal("investigating", r.case.status)
    assert.equal("ack billing_check", templates(r))
    assert.is_true(r:explained("billing.no_overcharge"))
  end)

  it("asks for the invoice when the amounts are missing; the reply starts guest relations' clock", function()
    local r = decide { category = "billing_error", stay = "departed" }
    assert.equal("awaiting_customer", r.case.status)
    assert.equal("ack billing_ask", templates(r))
    assert.is_nil(r.case.timers["sla.reply.breach"])
    assert.is_true(r:explained("billing.details_missing"))
    local r2 = pack:event(r, "customer.replied", { message = "Invoice attached: I expected 520 EUR." }, at():advance("3h"))
    assert.equal("2026-11-21T13:00:00.000Z", r2.case.timers["sla.reply.breach"].due_at)
    assert.is_false(fact(r2, "awaiting_invoice"))
    assert.is_true(r2:explained("reply.invoice"))
  end)
end)

describe("complaints that are investigated first", function()
  it("staff behaviour: investigating, no offer", function()
    local r = decide { category = "staff_behaviour", customer_state = "aggressive" }
    assert.is_nil(r:offer())
    assert.equal("investigating", r.case.status)
    assert.is_true(r:explained("investigate.staff"))
  end)

  it("anything else: investigating; an injury goes to legal", function()
    local r = decide { category = "maintenance" }
    assert.is_nil(r:offer())
    assert.is_true(r:explained("investigate.other"))
    local hurt = decide { category = "injury", stay = "departed" }
    assert.equal(3, hurt.case.tier)
    assert.equal("legal", hurt:actions("escalate")[2].team)
  end)
end)

describe("the law on a booked stay", function()
  it("explains that a room booked at a distance carries no right of withdrawal", function()
    local r = decide { stay = "departed", jurisdiction = "EU",
      order = { id = "BK-7", amount = 60000, currency = "EUR", sale = "distance", kind = "services",
        purchased_at = "2026-11-12T09:00:00Z" } }
    assert.is_true(r:explained("legal.no_withdrawal"))
    assert.is_true(has_tag(r, "legal-review"))
    assert.equal("free_service", r:offer().kind)  -- the remedy follows the complaint
    assert.is_false(decide({ stay = "departed", jurisdiction = "EU" }):explained("legal.no_withdrawal"))
  end)
end)

describe("later events", function()
  it("thanks the guest for a reply", function()
    local r = pack:event(decide {}, "customer.replied", { message = "Thank you, waiting in the room." }, at():advance("5 min"))
    assert.equal("reply_ack", r:action("message").template)
    assert.is_true(r:explained("reply.thanked"))
  end)

  it("stops the duty manager's clock when the visit is noted; a later note changes nothing", function()
    local r = pack:event(decide {}, "agent.note", { note = "Visited room 412, moved guest to 518." }, at():advance("20 min"))
    assert.equal("met", fact(r, "sla.duty_visit.state"))
    assert.is_true(r:explained("contact.made"))
    local r2 = pack:event(r, "agent.note", { note = "Guest happy with the new room." }, at():advance("2h"))
    assert.is_true(r2:explained("note.recorded"))
  end)

  it("stops guest relations' clock when they answer", function()
    local r = pack:event(decide { stay = "departed" }, "agent.note", { note = "Called the guest." }, at():advance("2h"))
    assert.equal("met", fact(r, "sla.reply.state"))
    assert.is_true(r:explained("contact.made"))
  end)

  it("rejects an unjustified complaint politely", function()
    local r = pack:event(decide {}, "investigation.concluded", { justified = false, fault = "none" }, at():advance("1h"))
    assert.equal("rejected", r.case.status)
    assert.equal("unjustified", r:action("message").template)
    assert.is_true(r:explained("investigation.unjustified"))
  end)

  it("a justified service failure keeps its remedy and opens a corrective action", function()
    local r = pack:event(decide { category = "cleanliness" }, "investigation.concluded",
      { justified = true, fault = "company", findings = "Room skipped on the cleaning round." }, at():advance("1h"))
    local ca = r:action("open_corrective_action")
    assert.same({ "housekeeping", "Room skipped on the cleaning round." }, { ca.owner, ca.cause })
    assert.is_nil(r:offer())
    assert.equal("investigating", r.case.status)
    assert.is_true(r:explained("investigation.justified"))
  end)

  it("a justified staff complaint gets the remedy for its severity, and coaching", function()
    local r = pack:event(decide { category = "staff_behaviour", severity = "high" }, "investigation.concluded",
      { justified = true }, at():advance("1h"))
    assert.equal("human-resources", r:action("open_corrective_action").owner)
    assert.same({ "credit", 18000 }, { r:offer().kind, r:offer().amount })
    assert.is_true(r:explained("investigation.justified_remedy"))
    local other = pack:event(decide { category = "lift_broken", severity = "low" }, "investigation.concluded",
      { justified = true }, at():advance("1h"))
    assert.same({ "general-manager", "lift_broken" }, { other:action("open_corrective_action").owner,
      other:action("open_corrective_action").cause })
    assert.is_true(other:explained("remedy.apology"))
  end)

  it("tells the guest the amount a manager approved; a denial goes back to guest relations", function()
    local r = decide { severity = "critical", stay = "departed", details = { nights = 4, nightly_rate = 25000 } }
    -- an approval granted earlier on the case is not announced again
    table.insert(r.case.approvals, 1, { id = "A0", status = "granted", decided_at = "2026-11-19T09:00:00.000Z",
      offer = { id = "O0", kind = "credit", amount = 4000, currency = "EUR" } })
    local ok = pack:event(r, "approval.granted", { approval_id = "A1" }, at():advance("2h"))
    assert.equal(1, #ok:actions("message"))
    assert.equal("approval_granted", ok:action("message").template)
    assert.matches("€500.00", ok:action("message").text, 1, true)
    assert.equal(50000, ok.case.offers[1].amount)
    assert.is_true(ok:explained("approval.granted"))
    local no = pack:event(r, "approval.denied", { approval_id = "A1" }, at():advance("2h"))
    assert.equal("investigating", no.case.status)
    assert.is_true(no:explained("approval.denied"))
  end)

  it("resolves on an accepted offer and stops the clocks; a declined offer goes to the general manager", function()
    local r = decide { severity = "high" }
    local yes = pack:event(r, "offer.accepted", { offer_id = "O1" }, at():advance("10 min"))
    assert.equal("resolved", yes.case.status)
    assert.equal("met", fact(yes, "sla.duty_visit.state"))
    assert.equal("offer_thanks", yes:action("message").template)
    assert.is_true(yes:explained("offer.accepted"))
    local no = pack:event(r, "offer.declined", { offer_id = "O1" }, at():advance("10 min"))
    assert.same({ 2, "general-manager" }, { no:action("escalate").tier, no:action("escalate").team })
    assert.equal("offer_declined", no:action("message").template)
    assert.is_true(no:explained("offer.declined"))
  end)

  it("on resolution in the hotel waits for check-out to ask; after check-out asks at once", function()
    local here = pack:event(decide {}, "case.resolved", {}, at():advance("1h"))
    assert.equal("resolved", here.case.status)
    assert.is_not_nil(here.case.timers.follow_up)
    assert.is_true(here:explained("resolved.follow_up_pending"))
    local gone = pack:event(decide { stay = "departed" }, "case.resolved", {}, at():advance("1 day"))
    assert.equal("follow_up", gone.case.status)
    assert.equal("follow_up", gone:action("message").template)
    assert.is_true(gone:explained("resolved.follow_up_sent"))
  end)

  it("a low satisfaction score goes to the general manager; a good one closes the case", function()
    local r = decide {}
    local low = pack:event(r, "satisfaction.reported", { score = 2 }, at():advance("1h"))
    assert.same({ 2, "general-manager" }, { low:action("escalate").tier, low:action("escalate").team })
    assert.is_nil(low.case.timers.follow_up)
    assert.equal("low_score", low:action("message").template)
    assert.is_true(low:explained("satisfaction.low"))
    local good = pack:event(r, "satisfaction.reported", { score = 3 }, at():advance("1h"))
    assert.equal("closed", good.case.status)
    assert.equal("thanks_feedback", good:action("message").template)
    assert.is_true(good:explained("satisfaction.good"))
    local strict = T.pack(DIR, { low_score = 3 })
    assert.is_true(strict:event(decide({}, strict), "satisfaction.reported", { score = 3 }, at()):explained("satisfaction.low"))
  end)

  it("a reopened case is acknowledged again and taken over by the general manager", function()
    local r = pack:event(decide { stay = "departed" }, "case.reopened", { reason = "Refund never arrived." }, at():advance("5 days"))
    assert.equal("reopened", r:action("acknowledge").template)
    assert.is_string(r:action("acknowledge").next_contact) -- a dated promise, kept by the ledger
    assert.equal(2, r:action("escalate").tier)
    assert.is_true(r:explained("reopened"))
  end)
end)

describe("timers", function()
  it("the day after check-out, asks whether the guest is satisfied", function()
    local r = pack:fire(decide {}, "follow_up")
    assert.equal("follow_up", r:action("message").template)
    assert.is_true(fact(r, "follow_up_sent"))
    assert.equal("acknowledged", r.case.status)
    assert.is_true(r:explained("follow_up.sent"))
    local resolved = pack:event(decide {}, "case.resolved", {}, at():advance("1h"))
    assert.equal("follow_up", pack:fire(resolved, "follow_up").case.status)
  end)

  it("a missed duty-manager visit goes to the general manager and the guest hears we are coming", function()
    local r = decide {}
    local warn = pack:fire(r, "sla.duty_visit.warn")
    assert.is_true(has_tag(warn, "sla-warning:duty_visit"))
    assert.is_true(warn:explained("sla.warning"))
    local late = pack:fire(r, "sla.duty_visit.breach")
    assert.same({ 2, "general-manager" }, { late:action("escalate").tier, late:action("escalate").team })
    assert.equal("visit_late", late:action("message").template)
    assert.is_true(late:explained("sla.breach"))
  end)

  it("a missed guest-relations reply goes to the general manager", function()
    local late = pack:fire(decide { stay = "departed" }, "sla.reply.breach")
    assert.equal("general-manager", late:action("escalate").team)
    assert.is_nil(late:action("message"))
    assert.equal("breached", fact(late, "sla.reply.state"))
  end)

  it("ignores a timer this version does not set", function()
    local r = decide {}
    r.case.timers.legacy_reminder = { due_ms = r.case.opened_ms + 1000, due_at = "2026-11-20T10:00:01.000Z" }
    local fired = pack:fire(r, "legacy_reminder")
    assert.equal(0, #fired:actions())
    assert.is_true(fired:explained("timer.unknown"))
  end)
end)

-- Every fixture in examples/complaints/hospitality, decided at NOW as
-- `redress decide --at 2026-11-20T10:00:00Z` does, with its key outcome.
local EXPECT = {
  ["noise-in-house-en.json"] = { offer = { "upgrade", 0, "EUR" }, team = "duty-manager", code = "remedy.upgrade" },
  ["noise-after-stay-uk-en.json"] = { offer = { "partial_refund", 3000, "GBP" }, team = "guest-relations", code = "remedy.price_reduction" },
  ["cleanliness-after-stay-th.json"] = { offer = { "partial_refund", 21000, "GBP" }, team = "guest-relations", code = "remedy.free_night" },
  ["billing-error-fa.json"] = { offer = { "refund", 16000, "EUR" }, team = "guest-relations", code = "billing.refund_difference" },
  ["room-not-as-booked-zh.json"] = { approval = { "partial_refund", 50000, "EUR" }, team = "general-manager", tier = 2, code = "remedy.stay_refund" },
  ["staff-behaviour-ru.json"] = { team = "duty-manager", code = "investigate.staff" },
}

describe("fixtures in examples/complaints/hospitality", function()
  local dir = root .. "/examples/complaints/hospitality"
  local files = {}
  local ls = assert(io.popen("ls " .. dir))
  for name in ls:lines() do if name:match("%.json$") then files[#files + 1] = name end end
  ls:close()

  it("has an expected outcome for every fixture, and a fixture in every language", function()
    local langs, listed = {}, {}
    for _, name in ipairs(files) do
      assert.is_not_nil(EXPECT[name], name .. " has no expected outcome in this spec")
      langs[name:match("%-(%a%a)%.json$")] = true
      listed[name] = true
    end
    for name in pairs(EXPECT) do assert.is_true(listed[name], name .. " is expected but missing") end
    assert.same({ en = true, th = true, fa = true, zh = true, ru = true }, langs)
  end)

  it("decides every fixture as `redress decide --at 2026-11-20T10:00:00Z` does, with its expected outcome", function()
    for _, name in ipairs(files) do
      local f = assert(io.open(dir .. "/" .. name))
      local complaint = json.decode(f:read("a"))
      f:close()
      local want = assert(EXPECT[name])
      local r = pack:complaint(complaint, at())
      assert.equal("decided", r.decision.outcome, name)
      assert.equal(complaint.language:match("^%a+"), r:action("acknowledge").language, name)
      local o = r:offer()
      if want.offer then
        assert.same(want.offer, { o.kind, o.amount, o.currency }, name)
      else
        assert.is_nil(o, name)
      end
      local ap = r:action("request_approval")
      if want.approval then assert.same(want.approval, { ap.offer.kind, ap.offer.amount, ap.offer.currency }, name) end
      local esc = r:actions("escalate")
      assert.equal(want.team, esc[#esc].team, name)
      assert.equal(want.tier or 1, r.case.tier, name)
      assert.is_true(r:explained(want.code), name .. ": " .. want.code)
    end
  end)
end)

describe("hospitality: engine budgets", function()
  it("holds a money offer's announcement with the offer (config budgets)", function()
    local r = decide({ severity = "high" }, T.pack(DIR):with_budgets { per_case = { EUR = 100 } })
    assert.is_true(r:explained("guardrail.budget"))
    assert.is_nil(r:delivered("offer_free_night_credit"), "announced a held offer")
    assert.equal("offer_free_night_credit", r.case.approvals[1].offer.message.template)
  end)
end)
