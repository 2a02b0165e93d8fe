-- airline-eu261: an airline's answers to passenger claims under Regulation
-- (EC) No 261/2004 and UK261. README.md says what it decides and why.
return {
  name = "airline-eu261",
  version = "1.2.0",
  engine = "1",
  description = "Airline passenger claims under EU261/UK261: distance bands from airport coordinates, " ..
    "delay (Sturgeon), cancellation notice, denied boarding, downgrade, care, extraordinary circumstances.",
  jurisdictions = { "EU", "UK" },
  languages = { "en", "th", "fa", "zh", "ru" },
  currency = "EUR",  -- UK261 claims are paid in GBP
  modules = { "airports", "eu261" },
  template_vars = { "due", "law", "km", "amount", "total", "passengers", "why", "reason", "hotel", "percent" },

  -- An operator may override these per installation:
  -- pack_settings = { ["airline-eu261"] = { approval_over_eur = 200000 } }
  settings = {
    approval_over_eur = 120000,    -- a payment above EUR 1,200 (two long-haul passengers) waits for a manager
    approval_over_gbp = 104000,    -- the same for UK261 claims, GBP 1,040
    care_review_over_eur = 40000,  -- receipts for meals, hotel and calls above EUR 400 are checked by a person first
    care_review_over_gbp = 35000,
    reply_within = "42 days",      -- the airline's target for a person's answer (six weeks); not a legal deadline
    offer_reminder_after = "14 days",  -- remind a passenger who has not answered an offer
    repeat_complaints = 3,         -- this many claims in 90 days go to customer relations (tier 2)
    chronic_complaints = 6,        -- this many in a year: a person looks at the case (never a rejection)
  },

  -- Office hours of the claims team; replace per installation with config `calendars`.
  calendar = {
    zone = "Europe/Brussels",
    hours = { weekdays = { { "09:00", "17:30" } } },
    holidays = { { month = 1, day = 1 }, { easter = -2 }, { easter = 1 }, { month = 5, day = 1 },
                 { month = 12, day = 25 }, { month = 12, day = 26 } },
  },

  -- Recurring causes: claims of one kind on one route (redress.learn). Five in two weeks
  -- propose a corrective action to the operations team.
  recurring = { window = "14 days", threshold = 5, keys = { "category", "details.from", "details.to" } },

  -- The flight facts a claim carries: {"details": {"from": "LHR", "to": "JFK", …}}.
  details = {
    from = { type = "string", max_len = 3, doc = "IATA code of the airport of departure (of the first flight, for a connection)" },
    to = { type = "string", max_len = 3, doc = "IATA code of the final destination" },
    flight = { type = "string", max_len = 10, doc = "flight number, e.g. LH 400 (for people; not used in the decision)" },
    carrier_eu = { type = "boolean", doc = "the operating carrier is an EU (Community) carrier (Art. 3(1)(b))" },
    carrier_uk = { type = "boolean", doc = "the operating carrier is a UK carrier (UK261 arrivals)" },
    passengers = { type = "integer", min = 1, max = 50, doc = "passengers on this claim (default 1); compensation is per passenger" },
    arrival_delay_minutes = { type = "integer", min = 0, max = 100000, doc = "delay at the final destination, doors open (Germanwings, C-452/13); required for a delay" },
    departure_delay_minutes = { type = "integer", min = 0, max = 100000, doc = "delay of the departure, for care (Art. 6); default: the arrival delay" },
    overnight = { type = "boolean", doc = "the departure moved to the next day (hotel and transport, Art. 9(1)(b)-(c))" },
    notice_days = { type = "integer", min = 0, max = 3650, doc = "days between telling the passenger of the cancellation and the scheduled departure; none on file counts as 0 (Art. 5(4))" },
    scheduled_departure = { type = "time", doc = "original scheduled departure (RFC 3339)" },
    scheduled_arrival = { type = "time", doc = "original scheduled arrival (RFC 3339)" },
    reroute_departure = { type = "time", doc = "departure of the rerouting offered (RFC 3339)" },
    reroute_arrival = { type = "time", doc = "arrival of the rerouting offered at the final destination (RFC 3339)" },
    volunteered = { type = "boolean", doc = "denied boarding: the passenger volunteered for agreed benefits (Art. 4(1))" },
    denied_reason = { type = "string", one_of = { "overbooking", "operational", "documents", "health_safety_security", "late_check_in" },
      doc = "why boarding was refused; documents, health/safety/security and late check-in are not denied boarding (Art. 2(j), 3(2))" },
    ticket_price = { type = "integer", min = 0, doc = "price of the ticket per passenger, minor units of the order's currency (downgrade, refund)" },
    declined_travel = { type = "boolean", doc = "the passenger gave up the journey and wants the ticket back (Art. 8(1)(a))" },
    care_expenses = { type = "integer", min = 0, doc = "receipted meals, hotel, transport and calls the passenger paid, minor units of the claim's currency (EUR; GBP under UK261)" },
    extraordinary = { type = "string", one_of = { "weather", "air_traffic_control", "security", "political_instability",
      "external_strike", "bird_strike", "hidden_defect", "medical_emergency", "other" },
      doc = "the extraordinary circumstances the airline claims (Art. 5(3)); an investigation confirms or rejects them" },
    threatens = { type = "string", one_of = { "enforcement_body", "adr", "court" },
      doc = "the passenger is taking the claim to the national enforcement body, an ADR body or a court" },
  },
}
