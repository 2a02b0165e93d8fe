-- The airline-eu261 pack's specs: the legal rules at their boundaries
-- (modules/eu261.lua, called directly), then every branch of the handlers
-- through the real loader, sandbox and decision step (redress.testing), and
-- the fixtures in examples/complaints/airline-eu261.
local T = require "redress.testing"
local json = require "redress.json"

local root = os.getenv("REDRESS_ROOT") or "."
local dir = os.getenv("REDRESS_PACK") or (root .. "/policies/airline-eu261")
local pack = T.pack(dir)
local L = pack.pack.policy.eu261        -- the pure rules the policy uses
local airports = pack.pack.policy.airports

local NOW = "2026-11-20T10:00:00Z"

-- A claim: category, details, and other complaint fields (no order unless given).
local function claim(category, details, over)
  local c = { category = category, details = details, order = false,
    description = "My flight was disrupted and I would like what I am owed." }
  for k, v in pairs(over or {}) do c[k] = v end
  return T.complaint(c)
end

local function run(category, details, over, p)
  return (p or pack):complaint(claim(category, details, over), NOW)
end

local function messages(r)
  local out = {}
  for _, a in ipairs(r:actions("message")) do out[a.template] = a end
  -- a payment's announcement rides on its offer (the offer's message)
  for _, o in ipairs(r:actions("offer")) do
    if o.message then out[o.message.template] = o.message end
  end
  return out
end

local function between(lo, hi, x) return x >= lo and x <= hi end

describe("airports and distances", function()
  it("measures known great-circle distances (haversine, R = 6371 km) within their tolerance", function()
    local function km(a, b) return L.distance_km(airports.find(a), airports.find(b)) end
    -- Reference values on the 6,371 km sphere; published ellipsoidal
    -- figures differ by up to 0.5 % (LHR-JFK 5,555 km), hence ±15 km / ±5 km.
    assert.is_true(between(5525, 5555, km("LHR", "JFK")), "LHR-JFK " .. km("LHR", "JFK"))
    assert.is_true(between(395, 405, km("CDG", "AMS")), "CDG-AMS " .. km("CDG", "AMS"))
    assert.is_true(between(342, 352, km("LHR", "CDG")), "LHR-CDG " .. km("LHR", "CDG"))
    assert.is_true(between(6175, 6205, km("FRA", "JFK")), "FRA-JFK " .. km("FRA", "JFK"))
    assert.is_true(between(9555, 9600, km("LHR", "BKK")), "LHR-BKK " .. km("LHR", "BKK"))
    assert.equal(km("SYD", "LHR"), km("LHR", "SYD"))
    assert.equal(0, km("THR", "THR"))
  end)

  it("knows the listed airports and where each regulation applies, and guesses none", function()
    for code in ("LHR LGW MAN EDI DUB CDG ORY AMS FRA MUC BER MAD BCN LIS FCO MXP ATH VIE ZRH CPH ARN OSL HEL " ..
        "WAW PRG BUD OTP IST JFK EWR BOS ORD LAX YYZ DXB DOH SIN BKK HKG PEK PVG NRT SYD THR SVO CAI JNB"):gmatch("%u+") do
      assert.is_table(airports.find(code), code)
    end
    assert.equal("UK", airports.find("lhr").area)
    assert.same({ "EU", "EU", "EU", "EU" }, { airports.find("CDG").area, airports.find("ZRH").area,
      airports.find("OSL").area, airports.find("LPA").area })  -- Switzerland, Norway, the Canaries
    assert.is_nil(airports.find("JFK").area)
    assert.is_true(airports.find("RUN").dom)
    assert.is_nil(airports.find("XXX"))
    assert.is_nil(airports.find(nil))
  end)
end)

describe("Art. 7(1) bands and amounts", function()
  it("puts exactly 1,500 km in band 1, exactly 3,500 km in band 2, and intra-Community flights over 1,500 km in band 2", function()
    assert.equal(1, L.band(1500, false))
    assert.equal(2, L.band(1500.001, false))
    assert.equal(2, L.band(3500, false))
    assert.equal(3, L.band(3500.001, false))
    assert.equal(2, L.band(9369, true))
    assert.equal(1, L.band(1454, true))
  end)

  it("pays EUR 250/400/600 under EU261 and GBP 220/350/520 under UK261", function()
    assert.same({ "EUR", 25000, 40000, 60000 }, { L.AMOUNTS.EU.currency, L.AMOUNTS.EU[1], L.AMOUNTS.EU[2], L.AMOUNTS.EU[3] })
    assert.same({ "GBP", 22000, 35000, 52000 }, { L.AMOUNTS.UK.currency, L.AMOUNTS.UK[1], L.AMOUNTS.UK[2], L.AMOUNTS.UK[3] })
  end)
end)

describe("the pure rules at their boundaries", function()
  it("owes delay compensation from exactly 3 h of arrival delay, halved over 3,500 km up to 4 h (Sturgeon)", function()
    assert.same({ false, false }, { L.sturgeon(179, 1) })
    assert.same({ true, false }, { L.sturgeon(180, 1) })
    assert.same({ true, false }, { L.sturgeon(180, 2) })
    assert.same({ true, true }, { L.sturgeon(180, 3) })
    assert.same({ true, true }, { L.sturgeon(240, 3) })
    assert.same({ true, false }, { L.sturgeon(241, 3) })
  end)

  it("exempts a cancellation told 14 days ahead, not 13; 7 and 13 days use the 2 h / 4 h limits, 6 days the 1 h / 2 h ones", function()
    assert.same({ true, "notice" }, { L.cancellation_exempt(14, nil, nil) })
    assert.is_false(L.cancellation_exempt(13, nil, nil))
    assert.is_true(L.cancellation_exempt(13, 120, 239.9))
    assert.is_true(L.cancellation_exempt(7, 120, 239))
    assert.is_false(L.cancellation_exempt(7, 121, 0))
    assert.is_false(L.cancellation_exempt(7, 0, 240))      -- "less than four hours"
    assert.is_true(L.cancellation_exempt(6, 60, 119))
    assert.is_false(L.cancellation_exempt(6, 61, 0))
    assert.is_false(L.cancellation_exempt(6, 0, 120))      -- "less than two hours"
    assert.is_false(L.cancellation_exempt(0, 90, 150))
  end)

  it("halves a rerouted passenger's compensation up to 2 h / 3 h / 4 h late by band (Art. 7(2))", function()
    assert.is_true(L.halved(1, 120))
    assert.is_false(L.halved(1, 121))
    assert.is_true(L.halved(2, 180))
    assert.is_false(L.halved(2, 181))
    assert.is_true(L.halved(3, 240))
    assert.is_true(L.halved(3, -30))  -- arrived early
  end)

  it("owes care from 2 h / 3 h / 4 h of departure delay by band, a hotel overnight, a refund from 5 h", function()
    assert.is_nil(L.care(1, 119))
    assert.same({ { hotel = false }, false }, { L.care(1, 120) })
    assert.is_nil(L.care(2, 179))
    assert.same({ { hotel = true }, false }, { L.care(3, 240, true) })
    assert.same({ { hotel = false }, false }, { L.care(3, 299) })
    assert.same({ { hotel = false }, true }, { L.care(3, 300) })
  end)

  it("refunds 30/50/75 % of the ticket for a downgrade, and 75 % between Europe and a French overseas department", function()
    assert.equal(30, L.downgrade_percent(1500, false, false))
    assert.equal(50, L.downgrade_percent(3500, false, false))
    assert.equal(75, L.downgrade_percent(3501, false, false))
    assert.equal(50, L.downgrade_percent(4696, true, false))
    assert.equal(75, L.downgrade_percent(9369, true, true))
    assert.equal(30, L.downgrade_percent(1200, true, true))
  end)

  it("decides which regulation applies (Art. 3), and lets the jurisdiction choose only among those that cover the flight", function()
    local function regime(from, to, eu, uk, j) return { L.regime(airports.find(from), airports.find(to), eu, uk, j) } end
    assert.same({ "EU", "departure" }, regime("CDG", "JFK"))
    assert.same({ "UK", "departure" }, regime("LHR", "JFK"))
    assert.same({ "EU", "arrival" }, regime("JFK", "CDG", true))
    assert.same({}, regime("JFK", "CDG", false))
    assert.same({ "UK", "arrival" }, regime("JFK", "LHR", false, true))
    assert.same({ "UK", "arrival" }, regime("JFK", "LHR", true, false))
    assert.same({}, regime("DXB", "LHR"))
    assert.same({ "UK", "departure" }, regime("LHR", "CDG", true))
    assert.same({ "EU", "jurisdiction" }, regime("LHR", "CDG", true, nil, "EU"))
    assert.same({ "EU", "jurisdiction" }, regime("LHR", "CDG", true, nil, "FR"))
    assert.same({ "UK", "departure" }, regime("LHR", "CDG", false, nil, "EU"))  -- EU261 does not cover it
    assert.same({ "UK", "jurisdiction" }, regime("CDG", "LHR", true, nil, "UK"))
    assert.same({ "EU", "departure" }, regime("CDG", "LHR", false, false, "GB"))
  end)
end)

describe("the Brexit transition period", function()
  it("applies EU261 in EUR to UK flights scheduled before 2020-12-31 23:00 UTC, UK261 in GBP from then on", function()
    assert.is_true(L.before_transition("2020-12-31T22:59:00Z"))
    assert.is_false(L.before_transition("2020-12-31T23:00:00Z"))
    assert.is_false(L.before_transition(nil))
    local function delay(scheduled, extra)
      local d = { from = "LHR", to = "JFK", arrival_delay_minutes = 300, scheduled_departure = scheduled }
      for k, v in pairs(extra or {}) do d[k] = v end
      return run("delay", d)
    end
    -- LHR→JFK, 5,540 km: band 3
    local before = delay("2020-12-31T21:30:00Z")
    assert.same({ 60000, "EUR" }, { before:offer().amount, before:offer().currency })
    assert.is_true(before:explained("eu261"))
    assert.truthy(before.decision.explanation[2].text:find("transition period", 1, true))
    local after = delay("2021-01-01T09:00:00Z")
    assert.same({ 52000, "GBP" }, { after:offer().amount, after:offer().currency })
    assert.is_true(after:explained("uk261"))
    -- JFK→LHR on a UK carrier: a Community carrier then, so EU261 covered the arrival
    local arrival = delay("2020-06-01T21:30:00Z", { from = "JFK", to = "LHR", carrier_uk = true })
    assert.same({ 60000, "EUR" }, { arrival:offer().amount, arrival:offer().currency })
  end)
end)

describe("delays", function()
  it("compensates 3 h of arrival delay in full on a medium flight, with care from 3 h", function()
    local r = run("delay", { from = "CDG", to = "IST", arrival_delay_minutes = 180, departure_delay_minutes = 180 })
    local o = r:offer()
    assert.same({ "compensation", 40000, "EUR" }, { o.kind, o.amount, o.currency })
    assert.is_true(r:explained("delay_compensation"))
    assert.is_true(r:explained("eu261"))
    assert.is_true(r:explained("compensation_offered"))
    assert.is_true(r:explained("care_owed"))
    assert.truthy(messages(r).compensation.text:find("€400.00", 1, true))
    assert.is_nil(messages(r).care.text:find("hotel", 1, true))  -- no overnight stay
    assert.is_table(r.case.timers.offer_reminder)
    assert.is_nil(r:action("escalate"))
  end)

  it("halves a 3–4 h delay over 3,500 km and pays a UK departure under UK261 in pounds", function()
    local r = run("delay", { from = "LHR", to = "JFK", arrival_delay_minutes = 240, departure_delay_minutes = 200 })
    assert.same({ 26000, "GBP" }, { r:offer().amount, r:offer().currency })
    assert.is_true(r:explained("delay_compensation_halved"))
    assert.is_true(r:explained("uk261"))
    assert.is_table(messages(r).compensation_halved)
    assert.is_nil(messages(r).care)  -- 200 min is under the 4 h threshold of a long flight
    r = run("delay", { from = "LHR", to = "JFK", arrival_delay_minutes = 241, passengers = 2 })
    assert.same({ 104000, "GBP" }, { r:offer().amount, r:offer().currency })  -- at the approval limit, not over
    assert.is_true(r:explained("delay_compensation"))
  end)

  it("owes no compensation under 3 h, but care from the short-haul 2 h threshold, with a hotel overnight", function()
    local r = run("delay", { from = "AMS", to = "CDG", arrival_delay_minutes = 179, departure_delay_minutes = 150, overnight = true })
    assert.is_nil(r:offer())
    assert.is_true(r:explained("delay_under_3h"))
    assert.is_true(r:explained("care_owed"))
    assert.truthy(messages(r).no_compensation.text:find("less than three hours", 1, true))
    assert.truthy(messages(r).care.text:find("hotel", 1, true))
  end)

  it("refunds the ticket of a passenger who gave up after 5 h, and explains why not after less", function()
    local r = run("delay", { from = "FRA", to = "JFK", arrival_delay_minutes = 310, departure_delay_minutes = 300,
      declined_travel = true, ticket_price = 45000, passengers = 2 }, { order = { id = "B-1", amount = 120000, currency = "EUR" } })
    local refund = r:actions("offer")[2]
    assert.same({ "refund", 90000, "EUR" }, { refund.kind, refund.amount, refund.currency })
    assert.is_true(r:explained("ticket_refunded"))
    r = run("delay", { from = "FRA", to = "JFK", arrival_delay_minutes = 310, departure_delay_minutes = 299, declined_travel = true })
    assert.equal(1, #r:actions("offer"))  -- the compensation only
    assert.is_true(r:explained("refund_not_owed"))
    assert.is_table(messages(r).refund_not_owed)
  end)

  it("reimburses receipts for care, holds large ones for review, and sends receipts without a care right to a person", function()
    local r = run("delay", { from = "MUC", to = "BCN", arrival_delay_minutes = 130, care_expenses = 2450 })
    assert.same({ "compensation", 2450, "Art. 9 care expenses" }, { r:offer().kind, r:offer().amount, r:offer().reason })
    assert.is_true(r:explained("care_reimbursed"))
    r = run("delay", { from = "MUC", to = "BCN", arrival_delay_minutes = 130, care_expenses = 40001 })
    assert.equal("Art. 9 care expenses", r:action("request_approval").offer.reason)
    assert.is_true(r:explained("approval_requested"))
    assert.equal(1, r:action("escalate").tier)
    r = run("delay", { from = "MUC", to = "BCN", arrival_delay_minutes = 60, care_expenses = 1200 })
    assert.is_nil(r:offer())
    assert.is_true(r:explained("care_not_owed"))
    assert.same({ 1, "claims-handlers", "investigating" }, { r:action("escalate").tier, r:action("escalate").team, r.case.status })
    assert.is_table(r.case.timers["sla.reply.breach"])
  end)
end)

describe("extraordinary circumstances (Art. 5(3))", function()
  local details = { from = "FRA", to = "IKA", arrival_delay_minutes = 320, departure_delay_minutes = 310, extraordinary = "weather" }

  it("withhold compensation while claimed, keep care, and put a claims handler on it", function()
    local r = run("delay", details)
    assert.is_nil(r:offer())
    assert.is_true(r:explained("extraordinary_claimed"))
    assert.is_true(r:explained("care_owed"))
    assert.equal("weather", r.case.facts.extraordinary)
    assert.same({ 1, "investigating" }, { r:action("escalate").tier, r.case.status })
    assert.truthy(messages(r).extraordinary.text:find("severe weather", 1, true))
    r = run("cancellation", { from = "FRA", to = "IKA", notice_days = 2, extraordinary = "air_traffic_control" })
    assert.is_true(r:explained("extraordinary_claimed"))
  end)

  it("give way to compensation when the investigation finds the claim justified", function()
    local r = run("delay", details)
    local r2 = pack:event(r, "investigation.concluded", { justified = true, fault = "company", findings = "crew shortage" },
      "2026-11-27T10:00:00Z")
    assert.same({ "compensation", 60000, "EUR" }, { r2:offer().kind, r2:offer().amount, r2:offer().currency })
    assert.is_true(r2:explained("extraordinary_rejected"))
    assert.is_true(r2:explained("compensation_offered"))
    assert.is_false(r2.case.facts.extraordinary)
    assert.equal("met", r2.case.facts["sla.reply.state"])
  end)

  it("stand when the investigation confirms them: no compensation, the case is resolved", function()
    local r2 = pack:event(run("delay", details), "investigation.concluded", { justified = false, fault = "third_party" },
      "2026-11-27T10:00:00Z")
    assert.is_nil(r2:offer())
    assert.is_true(r2:explained("extraordinary_confirmed"))
    assert.equal("resolved", r2.case.status)
    assert.truthy(messages(r2).extraordinary_confirmed.text:find("severe weather", 1, true))
  end)
end)

describe("cancellations (Art. 5)", function()
  it("owe nothing after 14 days' notice, but compensate 13 days' notice or none on file (Art. 5(4))", function()
    local r = run("cancellation", { from = "DUB", to = "MAD", notice_days = 14, care_expenses = 900 })
    assert.is_nil(r:offer())
    assert.is_true(r:explained("cancellation_notice"))
    assert.is_true(r:explained("care_not_owed"))  -- told two weeks ahead: the receipts go to a person
    r = run("cancellation", { from = "DUB", to = "MAD", notice_days = 13 })
    assert.same({ 25000, "EUR" }, { r:offer().amount, r:offer().currency })
    assert.is_true(r:explained("cancellation_compensation"))
    r = run("cancellation", { from = "DUB", to = "MAD" })
    assert.equal(25000, r:offer().amount)
  end)

  it("exempt a rerouting inside the limits, and halve one that misses them but lands within Art. 7(2)", function()
    local times = { scheduled_departure = "2026-11-10T08:00:00Z", scheduled_arrival = "2026-11-10T11:40:00Z" }
    local function cancel(notice, dep, arr)
      local d = { from = "CDG", to = "ATH", notice_days = notice, reroute_departure = dep, reroute_arrival = arr }
      for k, v in pairs(times) do d[k] = v end
      return run("cancellation", d)
    end
    local r = cancel(10, "2026-11-10T06:00:00Z", "2026-11-10T15:39:00Z")  -- 2 h earlier, 3 h 59 later
    assert.is_true(r:explained("cancellation_rerouted_in_time"))
    assert.is_nil(r:offer())
    r = cancel(5, "2026-11-10T07:00:00Z", "2026-11-10T13:39:59Z")         -- 1 h earlier, 1 h 59 m 59 s later
    assert.is_true(r:explained("cancellation_rerouted_in_time"))
    r = cancel(5, "2026-11-10T07:30:00Z", "2026-11-10T14:10:00Z")         -- 2 h 30 later: band 2 halves up to 3 h
    assert.same({ 20000, "EUR" }, { r:offer().amount, r:offer().currency })
    assert.is_true(r:explained("cancellation_compensation_halved"))
    r = cancel(5, "2026-11-10T07:30:00Z", "2026-11-10T14:41:00Z")         -- 3 h 01 later: in full
    assert.equal(40000, r:offer().amount)
  end)

  it("pay the arrival regime: an EU carrier from Bangkok to Frankfurt is EU261 (Art. 3(1)(b)), any other carrier is not", function()
    local d = { from = "BKK", to = "FRA", carrier_eu = true, notice_days = 1 }
    local r = run("cancellation", d)
    assert.same({ 60000, "EUR" }, { r:offer().amount, r:offer().currency })
    d.carrier_eu = false
    r = run("cancellation", d)
    assert.is_nil(r:offer())
    assert.is_true(r:explained("out_of_scope"))
  end)
end)

describe("denied boarding (Art. 4)", function()
  it("is compensated at once, halved when the rerouting lands within the limit", function()
    local r = run("denied_boarding", { from = "CDG", to = "PVG", denied_reason = "overbooking",
      scheduled_arrival = "2026-11-16T05:35:00Z", reroute_arrival = "2026-11-16T08:50:00Z" })
    assert.same({ "compensation", 30000 }, { r:offer().kind, r:offer().amount })
    assert.is_true(r:explained("denied_boarding_compensation_halved"))
    r = run("denied_boarding", { from = "JFK", to = "LHR", carrier_uk = true, denied_reason = "operational" })
    assert.same({ 52000, "GBP" }, { r:offer().amount, r:offer().currency })
    assert.is_true(r:explained("denied_boarding_compensation"))
    assert.is_true(r:explained("uk261"))
  end)

  it("gives a volunteer the agreed benefits instead, and the ticket back if they did not fly", function()
    local r = run("denied_boarding", { from = "AMS", to = "LIS", volunteered = true, declined_travel = true },
      { order = { id = "B-9", amount = 21000, currency = "EUR" } })
    assert.is_true(r:explained("denied_boarding_volunteer"))
    assert.truthy(messages(r).no_compensation.text:find("give up your seat", 1, true))
    assert.same({ "refund", 21000 }, { r:offer().kind, r:offer().amount })
    assert.is_nil(messages(r).care)
  end)

  it("sends a refusal on reasonable grounds to a claims handler (Art. 2(j), 3(2))", function()
    local r = run("denied_boarding", { from = "AMS", to = "LIS", denied_reason = "documents" })
    assert.is_nil(r:offer())
    assert.is_true(r:explained("denied_boarding_grounds"))
    assert.equal("claims-handlers", r:action("escalate").team)
  end)
end)

describe("downgrades (Art. 10(2))", function()
  it("refund 75 % of the ticket between Paris and Réunion, a share of the order when no ticket price is given", function()
    local r = run("downgrade", { from = "CDG", to = "RUN", ticket_price = 90000 })
    assert.same({ "partial_refund", 67500, "EUR" }, { r:offer().kind, r:offer().amount, r:offer().currency })
    assert.is_true(r:explained("downgrade_refund"))
    assert.is_true(r:explained("downgrade_refunded"))
    r = run("downgrade", { from = "MAD", to = "BCN" }, { order = { id = "B-2", amount = 15990, currency = "EUR" } })
    assert.equal(4797, r:offer().amount)  -- 30 % of 159.90
  end)

  it("ask a person for the price when neither the ticket nor the order has one", function()
    local r = run("downgrade", { from = "MAD", to = "BCN" })
    assert.is_nil(r:offer())
    assert.is_true(r:explained("downgrade_price_unknown"))
    assert.equal(1, r:action("escalate").tier)
  end)
end)

describe("claims a person must decide", function()
  it("never guesses: unknown airports, missing facts, flights out of scope, other complaints", function()
    local cases = {
      { "unknown_airport", "delay", { from = "LHR", to = "XYZ", arrival_delay_minutes = 200 } },
      { "unknown_airport", "delay", { from = "QQQ", to = "LHR", arrival_delay_minutes = 200 } },
      { "missing_flight_details", "delay", { from = "LHR", to = "JFK" } },
      { "missing_flight_details", "cancellation", { to = "JFK" } },
      { "out_of_scope", "delay", { from = "DXB", to = "SIN", arrival_delay_minutes = 400 } },
      { "general_complaint", "lost_baggage", {} },
    }
    for _, c in ipairs(cases) do
      local r = run(c[2], c[3])
      assert.is_nil(r:offer(), c[1])
      assert.is_true(r:explained(c[1]), c[1])
      assert.same({ 1, "investigating" }, { r:action("escalate").tier, r.case.status })
      assert.truthy(messages(r).manual.text:find("claims handler", 1, true))
    end
  end)

  it("refunds a cancelled flight the passenger gave up, or asks for the price when it is unknown", function()
    local r = run("cancellation", { from = "LGW", to = "EDI", notice_days = 20, declined_travel = true, ticket_price = 8900 },
      { order = { id = "B-3", currency = "GBP" } })
    assert.same({ "refund", 8900, "GBP" }, { r:offer().kind, r:offer().amount, r:offer().currency })
    r = run("cancellation", { from = "LGW", to = "EDI", notice_days = 20, declined_travel = true })
    assert.is_nil(r:offer())
    assert.is_true(r:explained("refund_price_unknown"))
  end)
end)

describe("approval and escalation", function()
  it("holds compensation over the approval limit for a manager; an operator may raise the limit", function()
    local d = { from = "CDG", to = "PVG", denied_reason = "overbooking", passengers = 3 }
    local r = run("denied_boarding", d)
    assert.is_nil(r:offer())
    local ap = r:action("request_approval")
    assert.same({ "compensation", 180000, "EUR" }, { ap.offer.kind, ap.offer.amount, ap.offer.currency })
    assert.is_true(r:explained("approval_requested"))
    assert.equal("pending", r.case.approvals[1].status)
    r = run("denied_boarding", d, nil, T.pack(dir, { approval_over_eur = 200000 }))
    assert.equal(180000, r:offer().amount)
  end)

  it("escalates public claims, threats of an enforcement body or court, repeat and chronic claimants", function()
    local d = { from = "DUB", to = "MAD", arrival_delay_minutes = 200 }
    local r = run("delay", d, { channel = "social" })
    assert.same({ 2, "customer-relations" }, { r:action("escalate").tier, r:action("escalate").team })
    d.threatens = "enforcement_body"
    r = run("delay", d, { channel = "social" })
    assert.same({ 3, "legal" }, { r:action("escalate").tier, r:action("escalate").team })
    assert.truthy(r:action("escalate").reason:find("national enforcement body", 1, true))
    assert.is_true(r:explained("legal_threat"))
    assert.is_true(r:explained("escalated"))
    d.threatens = nil
    r = run("delay", d, nil, T.pack(dir, { repeat_complaints = 1, chronic_complaints = 1 }))
    assert.equal(2, r:action("escalate").tier)
    assert.is_true(r:explained("chronic_complainer"))
    assert.same({ "chronic-complainer" }, r.case.tags)
  end)
end)

describe("events", function()
  local comp = { from = "CDG", to = "IST", arrival_delay_minutes = 200 }

  it("thanks a reply, closes an accepted offer and calls a passenger who declined", function()
    local r = run("delay", comp)
    local r2 = pack:event(r, "customer.replied", { message = "Here are my bank details." }, "2026-11-21T10:00:00Z")
    assert.is_true(r2:explained("customer_replied"))
    assert.is_table(messages(r2).reply_ack)
    r2 = pack:event(r, "offer.accepted", { offer_id = "O1" }, "2026-11-21T10:00:00Z")
    assert.same({ "resolved", "offer_reminder" }, { r2.case.status, r2:action("cancel_timer").name })
    assert.is_nil(r2.case.timers.offer_reminder)
    assert.is_true(r2:explained("offer_accepted"))
    r2 = pack:event(r, "offer.declined", { offer_id = "O1" }, "2026-11-21T10:00:00Z")
    assert.same({ 1, "claims-handlers" }, { r2:action("escalate").tier, r2:action("escalate").team })
    assert.is_true(r2:explained("offer_declined"))
  end)

  it("pays once a manager approves; a refused legal payment goes to legal, refused receipts to a claims handler", function()
    local r = run("denied_boarding", { from = "CDG", to = "PVG", denied_reason = "overbooking", passengers = 3 })
    local r2 = pack:event(r, "approval.granted", { approval_id = "A1" }, "2026-11-21T10:00:00Z")
    assert.same({ "compensation", 180000 }, { r2.case.offers[1].kind, r2.case.offers[1].amount })
    assert.truthy(messages(r2).payment_approved.text:find("€1,800.00", 1, true))
    assert.is_table(r2.case.timers.offer_reminder)
    assert.is_true(r2:explained("approval_granted"))
    r2 = pack:event(r, "approval.denied", { approval_id = "A1" }, "2026-11-21T10:00:00Z")
    assert.same({ 3, "legal" }, { r2:action("escalate").tier, r2:action("escalate").team })
    assert.is_true(r2:explained("approval_denied"))
    r = run("delay", { from = "MUC", to = "BCN", arrival_delay_minutes = 130, care_expenses = 90000 })
    r2 = pack:event(r, "approval.denied", {}, "2026-11-21T10:00:00Z")
    assert.is_true(r2:explained("approval_denied_care"))
    assert.is_nil(r2:action("escalate"))  -- already at tier 1 with the claims handlers
  end)

  it("settles or politely rejects a claim a person investigated", function()
    local r = run("delay", { from = "LHR", to = "XYZ", arrival_delay_minutes = 200 })
    local r2 = pack:event(r, "investigation.concluded", { justified = true }, "2026-11-25T10:00:00Z")
    assert.same({ "investigating", "justified" }, { r2.case.status, r2:action("message").template })
    assert.is_true(r2:explained("investigation_justified"))
    r2 = pack:event(r, "investigation.concluded", { justified = false }, "2026-11-25T10:00:00Z")
    assert.same({ "rejected", "unjustified" }, { r2.case.status, r2:action("message").template })
    assert.is_true(r2:explained("investigation_unjustified"))
  end)

  it("follows up a resolution, closes on a good score, escalates a poor one, reopens, and notes the rest", function()
    local r = run("delay", comp)
    local r2 = pack:event(r, "case.resolved", {}, "2026-11-25T10:00:00Z")
    assert.same({ "follow_up", "follow_up" }, { r2.case.status, r2:action("message").template })
    assert.is_true(r2:explained("case_resolved"))
    local r3 = pack:event(r2, "satisfaction.reported", { score = 4 }, "2026-11-26T10:00:00Z")
    assert.equal("closed", r3.case.status)
    assert.is_true(r3:explained("satisfaction_ok"))
    r3 = pack:event(r2, "satisfaction.reported", { score = 2 }, "2026-11-26T10:00:00Z")
    assert.same({ 2, "customer-relations" }, { r3:action("escalate").tier, r3:action("escalate").team })
    assert.is_true(r3:explained("satisfaction_low"))
    r3 = pack:event(r2, "case.reopened", { reason = "payment never arrived" }, "2026-12-20T10:00:00Z")
    assert.same({ 1, "running" }, { r3:action("escalate").tier, r3.case.facts["sla.reply.state"] })
    assert.truthy(messages(r3).reopened.text:find("2027", 1, true))
    assert.is_true(r3:explained("case_reopened"))
    r3 = pack:event(r, "agent.note", { note = "called the passenger" }, "2026-11-21T10:00:00Z")
    assert.is_true(r3:explained("event_noted"))
    assert.equal(0, #r3:actions())
  end)
end)

describe("timers", function()
  it("reminds a passenger who has not answered an offer after 14 days", function()
    local r = run("delay", { from = "CDG", to = "IST", arrival_delay_minutes = 200 })
    assert.equal("2026-12-04T10:00:00.000Z", r.case.timers.offer_reminder.due_at)
    local r2 = pack:fire(r, "offer_reminder")
    assert.equal("offer_reminder", r2:action("message").template)
    assert.is_true(r2:explained("offer_reminder"))
  end)

  it("warns at 80 % of the six-week reply target and hands the case to customer relations when it passes", function()
    local r = run("delay", { from = "LHR", to = "XYZ", arrival_delay_minutes = 200 })
    local warn = pack:fire(r, "sla.reply.warn")
    assert.same({ "reply-due-soon" }, warn:action("set").tags)
    assert.is_true(warn:explained("reply_due_soon"))
    local late = pack:fire(warn, "sla.reply.breach")
    assert.same({ 2, "customer-relations" }, { late:action("escalate").tier, late:action("escalate").team })
    assert.equal("reply_late", late:action("message").template)
    -- the new contact is a dated promise, not "within two business days"
    local m = late:action("message")
    assert.matches("^%d%d%d%d%-%d%d%-%d%dT", m.next_contact)
    assert.truthy(m.text:find("will contact you by ", 1, true))
    assert.is_nil(m.text:find("business days", 1, true))
    assert.is_true(late:explained("reply_overdue"))
    assert.equal("breached", late.case.facts["sla.reply.state"])
  end)
end)

describe("wording", function()
  it("answers in all five languages, with amounts and dates in the passenger's locale", function()
    local seen = {}
    for _, lang in ipairs { "en", "th", "fa", "zh", "ru" } do
      local r = run("delay", { from = "CDG", to = "IST", arrival_delay_minutes = 200 }, { language = lang })
      local ack = r:action("acknowledge")
      assert.equal(lang, ack.language)
      assert.truthy(ack.text:find("C0000000001", 1, true), lang)
      assert.is_nil(seen[ack.text])
      seen[ack.text] = true
      assert.equal(lang, messages(r).compensation.language)
    end
    local fa = run("delay", { from = "CDG", to = "IST", arrival_delay_minutes = 200 }, { language = "fa-IR" })
    assert.truthy(fa:action("acknowledge").text:find("\u{2068}C0000000001\u{2069}", 1, true))  -- isolated in RTL text
    assert.truthy(messages(fa).compensation.text:find("۴۰۰", 1, true))                           -- Persian digits
    local th = run("delay", { from = "LHR", to = "XYZ", arrival_delay_minutes = 200 }, { language = "th" })
    assert.truthy(messages(th).manual.text:find("2570", 1, true))                               -- Buddhist era: 2027 + 543
  end)
end)

describe("fixtures in examples/complaints/airline-eu261", function()
  local folder = root .. "/examples/complaints/airline-eu261"
  local expect = {
    ["delay-lhr-jfk-en.json"] = function(r)
      assert.same({ "compensation", 52000, "GBP" }, { r:offer().kind, r:offer().amount, r:offer().currency })
      assert.equal(3850, r:actions("offer")[2].amount)
      assert.is_true(r:explained("delay_compensation") and r:explained("uk261") and r:explained("care_reimbursed"))
    end,
    ["cancellation-notice-en.json"] = function(r)
      assert.same({ "refund", 18900, "EUR" }, { r:offer().kind, r:offer().amount, r:offer().currency })
      assert.is_true(r:explained("cancellation_notice") and r:explained("ticket_refunded"))
    end,
    ["cancellation-bkk-fra-th.json"] = function(r)
      assert.same({ "compensation", 60000, "EUR" }, { r:offer().kind, r:offer().amount, r:offer().currency })
      assert.is_true(r:explained("cancellation_compensation_halved") and r:explained("eu261"))
    end,
    ["delay-extraordinary-fa.json"] = function(r)
      assert.is_nil(r:offer())
      assert.equal(1, r:action("escalate").tier)
      assert.is_true(r:explained("extraordinary_claimed") and r:explained("care_owed"))
    end,
    ["denied-boarding-cdg-pvg-zh.json"] = function(r)
      assert.equal(180000, r:action("request_approval").offer.amount)
      assert.is_true(r:explained("denied_boarding_compensation") and r:explained("approval_requested"))
      assert.truthy(messages(r).care.text:find("酒店", 1, true))
    end,
    ["downgrade-hel-lpa-ru.json"] = function(r)
      assert.same({ "partial_refund", 42000, "EUR" }, { r:offer().kind, r:offer().amount, r:offer().currency })
      assert.same({ 2, "customer-relations" }, { r:action("escalate").tier, r:action("escalate").team })
      assert.is_true(r:explained("downgrade_refund"))
    end,
  }

  it("decides every fixture as its expectation says, and every fixture has one", function()
    local p = io.popen("ls -1 '" .. folder .. "'")
    local files = {}
    for name in p:lines() do if name:match("%.json$") then files[#files + 1] = name end end
    p:close()
    assert.equal(6, #files)
    for _, name in ipairs(files) do
      local f = assert(io.open(folder .. "/" .. name))
      local body = json.decode(f:read("a"))
      f:close()
      assert.is_function(expect[name], name .. " has no expectation in this spec")
      local r = pack:complaint(body, NOW)
      assert.equal("decided", r.decision.outcome, name)
      assert.equal(body.language:match("^%a+"), r:action("acknowledge").language, name)
      expect[name](r)
    end
  end)
end)

describe("engine budgets", function()
  it("holds a payment's announcement with the payment (config budgets)", function()
    local r = T.pack(dir):with_budgets { per_case = { EUR = 100 } }:complaint(claim("delay",
      { from = "CDG", to = "IST", arrival_delay_minutes = 180, departure_delay_minutes = 180 }), NOW)
    assert.is_true(r:explained("guardrail.budget"))
    assert.is_nil(r:delivered("compensation"), "announced a held payment")
    assert.equal("compensation", r.case.approvals[1].offer.message.template)
  end)
end)
