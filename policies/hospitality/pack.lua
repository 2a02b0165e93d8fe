-- hospitality: a hotel's complaint handling — the duty manager while the
-- guest is in the hotel, guest relations otherwise, remedies in proportion
-- to severity, billing errors corrected to the cent. See README.md.
return {
  name = "hospitality",
  version = "1.1.0",
  engine = "1",
  description = "Hotels: duty manager for in-house guests, guest relations afterwards; apology, upgrade or amenity, "
    .. "free night or partial refund by severity; billing errors refunded exactly; follow-up after check-out.",
  jurisdictions = { "EU", "UK" },
  languages = { "en", "th", "fa", "zh", "ru" },
  currency = "EUR",  -- offers use the booking's currency (order.currency); this one only without a booking
  modules = { "stay", "hotel_law", "remedies" },
  template_vars = { "amount", "due", "amenity", "when" },

  -- Guest relations' office hours in the hotel's time zone: "1 business day"
  -- and the dates in the guest's messages follow it. An installation sets its
  -- own hotel's zone and hours in the config (calendars.hospitality). The
  -- duty manager works round the clock, so the visit deadline is wall time.
  calendar = {
    zone = "Europe/Paris",
    hours = { weekdays = { { "08:00", "20:00" } }, sat = { { "09:00", "18:00" } }, sun = { { "09:00", "18:00" } } },
  },

  -- An operator may override these per installation:
  -- pack_settings = { hospitality = { amenity = "spa", stay_refund_percent = 40 } }
  settings = {
    medium_remedy = "upgrade",       -- medium severity: "upgrade" (a better room while the guest is in the hotel,
                                     -- the amenity otherwise) or "amenity" (always the amenity)
    amenity = "breakfast",           -- the complimentary amenity: breakfast, dinner, spa or drinks
    free_night = "refund",           -- high severity: "refund" (one night off the bill, or refunded after
                                     -- check-out) or "voucher" (a voucher worth one night for a later stay)
    stay_refund_percent = 50,        -- critical severity: this share of the stay is refunded …
    stay_refund_max_nights = 3,      -- … at most this many nights' rate
    price_reduction_percent = 10,    -- UK, medium severity after check-out: the statutory price reduction (% of the stay)
    approval_over = "300.00 EUR, 250.00 GBP",  -- money offers above this wait for a manager; a currency
                                     -- not listed here always waits
    duty_manager_visit = "30 minutes",         -- the duty manager sees an in-house guest within this (wall time)
    guest_relations_reply = "1 business day",  -- guest relations answers a guest who has left within this
    follow_up_after = "1 day",       -- the satisfaction question goes out this long after check-out
    low_score = 2,                   -- a satisfaction score at or below this goes to the general manager
  },

  -- What the complaint says about the stay ({"details": {...}} in the body).
  details = {
    room_number = { type = "string", max_len = 20, doc = "the guest's room, where the duty manager goes" },
    room_booked = { type = "string", max_len = 100, doc = "the room type on the booking, e.g. Deluxe Sea View King" },
    room_given = { type = "string", max_len = 100, doc = "the room type the guest was given" },
    check_in = { type = "time", doc = "arrival, RFC 3339, e.g. 2026-11-18T15:00:00+01:00" },
    check_out = { type = "time", doc = "departure (planned or done), RFC 3339" },
    nights = { type = "integer", min = 1, max = 365, doc = "nights booked (else counted from check_in and check_out)" },
    nightly_rate = { type = "integer", min = 0, doc = "room rate per night in minor units of the booking currency" },
    billed_amount = { type = "integer", min = 0, doc = "billing errors: what the guest was charged, minor units" },
    correct_amount = { type = "integer", min = 0, doc = "billing errors: what the charge should have been, minor units" },
  },
}
