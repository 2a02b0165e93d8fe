--- eu261: what Regulation (EC) No 261/2004 (and UK261, the regulation as
-- retained in UK law) owes a passenger, as small pure functions of the
-- complaint. No actions here: policy.lua turns a verdict into offers,
-- messages and escalations, and the spec tests the boundaries directly.
--
--     local eu261 = require "eu261"
--     eu261.band(1500, false)        --> 1      (Art. 7(1)(a): 1,500 km or less)
--     local v = eu261.assess(case)   --> { code, text, regime, km, band, compensation, care, … }
--
-- The legal facts and their citations are those of /work/shared/LEGAL-SOURCES.md
-- ("EU261 and UK261"); where this file relies on the Regulation's text beyond
-- that page (Art. 2(j), 3(2), 4(1), 6(1), 8(1), 9, 10(2)) the comment says so.
local airports = require "airports"
local time = require "redress.time"

local M = {}

M.EARTH_RADIUS_KM = 6371  -- mean radius; the great-circle route of Art. 7(4)

--- Art. 7(1) amounts per passenger, in minor units, by distance band;
-- UK261 pays GBP 220 / 350 / 520 (LEGAL-SOURCES.md).
M.AMOUNTS = {
  EU = { currency = "EUR", 25000, 40000, 60000 },
  UK = { currency = "GBP", 22000, 35000, 52000 },
}

--- The end of the Brexit transition period: until then EU law, EU261
-- included, applied in and to the United Kingdom (Withdrawal Agreement
-- arts. 126–127: 31 December 2020 at 24:00 CET). A flight scheduled to
-- depart before it is judged as if the UK were in the EU: UK airports are
-- EU airports and a UK carrier is a Community carrier, paid in EUR.
M.TRANSITION_END = "2020-12-31T23:00:00Z"

--- eu261.before_transition(scheduled_departure) → true when the flight was
-- scheduled to depart before the transition period ended (nil time: false).
function M.before_transition(scheduled)
  local t = scheduled and time.parse(scheduled)
  return t ~= nil and t < time.parse(M.TRANSITION_END)
end

-- A copy of an airport with the UK counted in the EU (before the transition ended).
local function in_eu(a)
  if a.area ~= "UK" then return a end
  local c = {}
  for k, v in pairs(a) do c[k] = v end
  c.area = "EU"
  return c
end

--- Minutes by band: the care thresholds of Art. 6(1)(a)–(c) (departure
-- delay of 2 h / 3 h / 4 h) and the Art. 7(2) limits under which a
-- rerouted passenger's compensation is halved (arrival no more than 2 h /
-- 3 h / 4 h late). Both use the same three bands as Art. 7(1).
M.LIMIT_MINUTES = { 120, 180, 240 }

--- Art. 10(2): a downgraded passenger gets back 30 % / 50 % / 75 % of the
-- ticket price, by the same bands (the Regulation's text; not on the
-- LEGAL-SOURCES page).
M.DOWNGRADE_PERCENT = { 30, 50, 75 }

M.STURGEON_MINUTES = 180  -- arrival 3 h or more late: Sturgeon (C-402/07, C-432/07), Nelson (C-581/10)
M.REFUND_MINUTES = 300    -- Art. 6(1)(iii): from 5 h of delay the passenger may take a refund instead

--- eu261.distance_km(a, b) → great-circle distance between two points
-- { lat, lon } in degrees (haversine, mean Earth radius 6,371 km).
function M.distance_km(a, b)
  local rad = math.pi / 180
  local p1, p2 = a.lat * rad, b.lat * rad
  local dp, dl = p2 - p1, (b.lon - a.lon) * rad
  local h = math.sin(dp / 2) ^ 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ^ 2
  return 2 * M.EARTH_RADIUS_KM * math.asin(math.min(1, math.sqrt(h)))
end

--- eu261.band(km, intra) → 1, 2 or 3, Art. 7(1): (a) 1,500 km or less;
-- (b) intra-Community flights over 1,500 km and other flights of 1,500 to
-- 3,500 km; (c) everything else. intra: both airports inside the area of
-- the regulation that applies.
function M.band(km, intra)
  if km <= 1500 then return 1 end
  if intra or km <= 3500 then return 2 end
  return 3
end

--- eu261.regime(from, to, carrier_eu, carrier_uk, jurisdiction) → "EU" or
-- "UK" and why ("jurisdiction", "departure", "arrival"), or nil when
-- neither regulation covers the flight. Art. 3(1): (a) a departure from the
-- area; (b) an arrival in the EU on an EU carrier; UK261: a departure from
-- the UK, or an arrival in the UK on a UK or EU carrier (LEGAL-SOURCES.md).
-- When both cover a flight (e.g. LHR→CDG on an EU carrier) the passenger
-- gets one compensation (the pack's reading): the case's jurisdiction picks
-- ("UK"/"GB" or "EU"/an EU-area country code), else the departure
-- airport's regulation.
function M.regime(from, to, carrier_eu, carrier_uk, jurisdiction)
  local cover = {
    EU = from.area == "EU" or (to.area == "EU" and carrier_eu == true),
    UK = from.area == "UK" or (to.area == "UK" and (carrier_uk == true or carrier_eu == true)),
  }
  local want = (jurisdiction == "UK" or jurisdiction == "GB") and "UK"
    or ((jurisdiction == "EU" or airports.area(jurisdiction) == "EU") and "EU") or nil
  if want and want ~= from.area and cover[want] then return want, "jurisdiction" end
  if from.area then return from.area, "departure" end
  if cover.EU then return "EU", "arrival" end
  if cover.UK then return "UK", "arrival" end
  return nil
end

--- eu261.sturgeon(arrival_delay_minutes, band) → owed, halved: a delay
-- owes the Art. 7 compensation from 3 h of arrival delay; on a band-3
-- flight (over 3,500 km, not intra-Community) a delay of 3 h to 4 h is
-- halved under Art. 7(2)(c) (LEGAL-SOURCES.md: Sturgeon, Nelson).
function M.sturgeon(minutes, band)
  if minutes < M.STURGEON_MINUTES then return false, false end
  return true, band == 3 and minutes <= M.LIMIT_MINUTES[3]
end

--- eu261.halved(band, late_minutes) → true when a rerouted passenger
-- arrived no later than the Art. 7(2) limit of the band after the
-- original scheduled arrival.
function M.halved(band, late)
  return late <= M.LIMIT_MINUTES[band]
end

--- eu261.cancellation_exempt(notice_days, early, late) → exempt, why.
-- Art. 5(1)(c): no compensation when told (i) 14 days or more before the
-- scheduled departure; (ii) 7 to 13 days before and rerouted to depart no
-- more than 2 h earlier and arrive less than 4 h later; (iii) less than 7
-- days before and rerouted to depart no more than 1 h earlier and arrive
-- less than 2 h later. early/late: minutes the new flight left before the
-- original departure and arrived after the original arrival (nil: no
-- rerouting offered). "Less than" is the Regulation's wording: a rerouting
-- that arrives exactly 4 h (2 h) late does not exempt.
function M.cancellation_exempt(notice_days, early, late)
  if notice_days >= 14 then return true, "notice" end
  if early == nil or late == nil then return false, nil end
  if notice_days >= 7 then return early <= 120 and late < 240, "rerouted" end
  return early <= 60 and late < 120, "rerouted"
end

--- eu261.care(band, departure_delay_minutes, overnight) → care, refund_right.
-- Art. 6(1): from the band's threshold, meals and refreshments and two
-- calls or e-mails (Art. 9(1)(a), 9(2)); a hotel and the transport to it
-- when the departure moves to the next day (Art. 9(1)(b)–(c)); from 5 h,
-- the choice of a refund (Art. 8(1)(a)). nil when no care is owed.
function M.care(band, minutes, overnight)
  if minutes < M.LIMIT_MINUTES[band] then return nil, false end
  return { hotel = overnight == true }, minutes >= M.REFUND_MINUTES
end

--- eu261.downgrade_percent(km, intra, overseas) → the share of the ticket
-- price refunded for a downgrade, Art. 10(2): 30 / 50 / 75 % by band, but
-- 75 % for flights between Europe and a French overseas department even
-- when they are intra-Community (Art. 10(2)(b)–(c)).
function M.downgrade_percent(km, intra, overseas)
  if intra and overseas and km > 1500 then return 75 end
  return M.DOWNGRADE_PERCENT[M.band(km, intra)]
end

-- Minutes from RFC 3339 time a to time b (nil when either is missing).
local function minutes(a, b)
  local ta, tb = a and time.parse(a), b and time.parse(b)
  if ta and tb then return (tb - ta) / 60000 end
  return nil
end
M.minutes = minutes

local CLAIMS = { delay = true, cancellation = true, denied_boarding = true, downgrade = true }

-- Art. 2(j), 3(2): a refusal on reasonable grounds (health, safety,
-- security, travel documents) or of a passenger who did not check in on
-- time is not "denied boarding" (the Regulation's text).
local GROUNDS = { documents = "inadequate travel documents", health_safety_security = "health, safety or security",
  late_check_in = "a late check-in" }

-- The verdict's compensation: the band's amount per passenger, halved
-- when Art. 7(2) says so, times the passengers of the claim.
local function compensate(v, code, halved, why)
  local per = M.AMOUNTS[v.regime][v.band]
  if halved then per = per // 2 end
  v.compensation = { per_passenger = per, total = per * v.passengers, currency = v.currency,
    halved = halved and why or nil }
  v.code = halved and (code .. "_halved") or code
  v.text = string.format("%s: Art. 7(1) compensation of %d.%02d %s per passenger for a flight of %d km (band %d)%s.",
    v.text, per // 100, per % 100, v.currency, v.km_rounded, v.band,
    halved and (why == "long_haul" and ", halved under Art. 7(2)(c) for a 3–4 h delay over 3,500 km (Sturgeon)"
      or ", halved under Art. 7(2): the rerouted flight arrived within the band's limit") or "")
  return v
end

local function no_compensation(v, code, why, text)
  v.code, v.no_compensation, v.text = code, why, text
  return v
end

-- Art. 5(3): no compensation while extraordinary circumstances are claimed;
-- care stays owed, and an investigation confirms or rejects the claim.
local function extraordinary(v, reason)
  v.code, v.extraordinary = "extraordinary_claimed", reason
  v.text = "The airline claims extraordinary circumstances (" .. reason:gsub("_", " ") ..
    "): no compensation under Art. 5(3) until an investigation confirms or rejects it; care is still owed."
  return v
end

local assess = {}

function assess.delay(v, d, opts)
  local arrival = d.arrival_delay_minutes
  v.care, v.refund_right = M.care(v.band, d.departure_delay_minutes or arrival, d.overnight)
  local owed, halved = M.sturgeon(arrival, v.band)
  if not owed then
    return no_compensation(v, "delay_under_3h", "under_3h",
      string.format("Arrival %d min late: compensation for a delay starts at 3 h of arrival delay (Sturgeon, C-402/07).", arrival))
  end
  if d.extraordinary and not opts.ignore_extraordinary then return extraordinary(v, d.extraordinary) end
  v.text = string.format("Arrival %d min late (3 h or more, Sturgeon C-402/07 and C-432/07)", arrival)
  return compensate(v, "delay_compensation", halved, "long_haul")
end

function assess.cancellation(v, d, opts)
  -- Art. 5(4): the carrier proves when it told the passenger; no notice on
  -- file counts as none.
  local notice = d.notice_days or 0
  local early = minutes(d.reroute_departure, d.scheduled_departure)
  local late = minutes(d.scheduled_arrival, d.reroute_arrival)
  -- Art. 5(1)(a)–(b): the Art. 8 choice and care while waiting for the
  -- rerouting. A passenger told 14 days or more ahead does not wait at the
  -- airport: the pack asserts no care then (receipts go to a person).
  v.care, v.refund_right = notice < 14 and { hotel = d.overnight == true } or nil, true
  local exempt, why = M.cancellation_exempt(notice, early, late)
  if exempt and why == "notice" then
    return no_compensation(v, "cancellation_notice", "notice",
      string.format("Cancellation announced %d days before departure: 14 days or more owes no compensation (Art. 5(1)(c)(i)).", notice))
  elseif exempt then
    return no_compensation(v, "cancellation_rerouted_in_time", "rerouted", string.format(
      "Cancellation announced %d days ahead with a rerouting %d min earlier / %d min later, inside the limits of Art. 5(1)(c)(%s): no compensation.",
      notice, math.floor(early), math.floor(late), notice >= 7 and "ii" or "iii"))
  end
  if d.extraordinary and not opts.ignore_extraordinary then return extraordinary(v, d.extraordinary) end
  v.text = string.format("Cancellation announced %d days before departure (Art. 5(1)(c))", notice)
  return compensate(v, "cancellation_compensation", late ~= nil and M.halved(v.band, late), "reroute")
end

function assess.denied_boarding(v, d)
  if d.volunteered then
    v.refund_right = true  -- Art. 4(1): a volunteer keeps the Art. 8 choice of refund or rerouting
    return no_compensation(v, "denied_boarding_volunteer", "volunteer",
      "The passenger volunteered to give up the seat for agreed benefits: Art. 4(1) replaces compensation with those benefits.")
  end
  if GROUNDS[d.denied_reason] then
    v.code, v.manual = "denied_boarding_grounds", "grounds"
    v.text = "Boarding was refused for " .. GROUNDS[d.denied_reason] ..
      ", which is not denied boarding under Art. 2(j) and 3(2) if it holds: a claims handler checks the facts."
    return v
  end
  v.care, v.refund_right = { hotel = d.overnight == true }, true  -- Art. 4(3): Arts. 7, 8 and 9
  local late = minutes(d.scheduled_arrival, d.reroute_arrival)
  v.text = "Denied boarding against the passenger's will (Art. 4(3)), compensated at once"
  return compensate(v, "denied_boarding_compensation", late ~= nil and M.halved(v.band, late), "reroute")
end

function assess.downgrade(v, d, _, order)
  v.declined_travel = false  -- the passenger flew, in a lower class
  local percent = M.downgrade_percent(v.km, v.intra, v.from.dom ~= v.to.dom)
  local price, currency = nil, order.currency or v.currency
  if d.ticket_price then price = d.ticket_price * v.passengers else price = order.amount end
  if not price then
    v.code, v.manual = "downgrade_price_unknown", "price"
    v.text = "Downgrade: the refund is a share of the ticket price, and no price was given: a claims handler looks it up."
    return v
  end
  v.code = "downgrade_refund"
  v.downgrade = { percent = percent, price = price, currency = currency }
  v.text = string.format("Downgrade on a flight of %d km: Art. 10(2) refunds %d%% of the ticket price.", v.km_rounded, percent)
  return v
end

--- eu261.assess(case [, {ignore_extraordinary}]) → the verdict on a claim:
-- { code, text (for the explanation), manual (a person must decide:
-- "general", "details", "airport", "scope", "grounds", "price"), regime,
-- regime_why, km, km_rounded, band, intra, currency, passengers,
-- compensation = { per_passenger, total, currency, halved }, no_compensation
-- (why), extraordinary (reason), care = { hotel }, refund_right, downgrade }.
-- The complaint's category names the claim: delay, cancellation,
-- denied_boarding, downgrade; the facts are in case.details.
function M.assess(case, opts)
  opts = opts or {}
  local d = case.details or {}
  if not CLAIMS[case.category] then
    return { code = "general_complaint", manual = "general",
      text = "Not a passenger-rights claim under Regulation 261/2004 (" .. tostring(case.category) .. "): a person answers it." }
  end
  if not (d.from and d.to) or (case.category == "delay" and not d.arrival_delay_minutes) then
    return { code = "missing_flight_details", manual = "details",
      text = "The claim lacks the airports (details.from, details.to) or, for a delay, the arrival delay: a claims handler asks the passenger." }
  end
  local from, to = airports.find(d.from), airports.find(d.to)
  if not (from and to) then
    return { code = "unknown_airport", manual = "airport",
      text = "The pack has no coordinates for " .. (from and d.to or d.from) .. ": the distance is not guessed, a claims handler checks the flight." }
  end
  local transition = M.before_transition(d.scheduled_departure)
  local carrier_eu = d.carrier_eu
  if transition then
    from, to, carrier_eu = in_eu(from), in_eu(to), d.carrier_eu == true or d.carrier_uk == true
  end
  local regime, why = M.regime(from, to, carrier_eu, d.carrier_uk, case.jurisdiction)
  if not regime then
    return { code = "out_of_scope", manual = "scope", from = from, to = to,
      text = string.format("%s→%s is covered by neither EU261 nor UK261 (Art. 3(1): departure from the EU/UK, or arrival there on an EU/UK carrier).", from.code, to.code) }
  end
  local km = M.distance_km(from, to)
  local intra = from.area == regime and to.area == regime
  local v = { regime = regime, regime_why = why, from = from, to = to, km = km, km_rounded = math.floor(km + 0.5),
    intra = intra, band = M.band(km, intra), currency = M.AMOUNTS[regime].currency, transition = transition,
    passengers = d.passengers or 1, declined_travel = d.declined_travel == true }
  return assess[case.category](v, d, opts, case.order or {})
end

return M
