-- telecom: a broadband and mobile operator's complaint handling (EU and UK).
-- README.md says what it decides, why, and on which law.
return {
  name = "telecom",
  version = "1.2.0",
  engine = "1",
  description = "Broadband and mobile operator: outage credits pro rata, billing disputes with regulator-style " ..
    "deadlines and a deadlock letter, repeated outages to network engineering, priority for vulnerable customers.",
  jurisdictions = { "EU", "UK" },
  languages = { "en", "th", "fa", "zh", "ru" },
  currency = "EUR",  -- offers default to the subscription's currency (order.currency), then this one
  modules = { "checks", "credit", "dispute" },  -- modules/<name>.lua

  -- A customer-care centre in London by default; an installation replaces it
  -- with config `calendars.telecom` (an EU operator: its own zone and holidays).
  calendar = {
    zone = "Europe/London",
    hours = { weekdays = { { "08:00", "20:00" } }, sat = { { "09:00", "17:00" } } },
    holidays = { "GB-ENG" },
  },

  -- Placeholders the policy passes in vars (templates/<lang>.lua).
  template_vars = { "amount", "hours", "min_hours", "next", "deadline", "weeks", "until", "adr" },

  -- Industry facts a complaint may carry in `details` (intake refuses anything else).
  details = {
    service = { type = "string", one_of = { "broadband", "mobile", "landline", "tv" },
      doc = "the service the complaint is about" },
    monthly_fee = { type = "integer", min = 1,
      doc = "the monthly price of that service, in minor units of the subscription's currency (order.currency)" },
    outage_hours = { type = "number", min = 0, max = 2232,
      doc = "how long the service was down, in hours; or give outage_start (and outage_end)" },
    outage_start = { type = "time", doc = "when the service stopped (RFC 3339)" },
    outage_end = { type = "time", doc = "when the service came back; absent: it is still down" },
    disputed_amount = { type = "integer", min = 1,
      doc = "the part of the bill the customer disputes, in minor units of the subscription's currency" },
    vulnerable = { type = "boolean",
      doc = "the customer is vulnerable (relies on the line for a medical alarm, elderly, disability…)" },
    vulnerability = { type = "string", one_of = { "medical_alarm", "elderly", "disability", "other" },
      doc = "why the customer is vulnerable, when known" },
  },

  -- Event types of the pack's own, posted to POST /v1/cases/{id}/events like
  -- the built-in ones (the API refuses a field not listed, a wrong type, a
  -- missing required one).
  events = {
    ["telecom.engineer_visit_completed"] = {
      doc = "an engineer visited the customer's line or premises (sent by the field-service system)",
      fields = {
        fixed = { type = "boolean", required = true, doc = "the engineer fixed the fault" },
        visited_at = { type = "time", doc = "when the engineer was there (RFC 3339); absent: when the event came" },
        notes = { type = "string", max_len = 500, doc = "the engineer's notes, for the agents" },
      },
    },
  },

  -- An operator overrides any of these per installation:
  -- pack_settings = { telecom = { outage_min_hours = 2, deadlock_weeks = 8 } }
  -- Amounts are minor units of the subscription's currency.
  settings = {
    default_currency = "EUR",       -- when the complaint carries no order.currency (keep it equal to `currency`)

    -- Outage credits: monthly fee × outage / length of the month.
    outage_min_hours = 4,           -- shorter outages get an apology, no credit (unless they repeat)
    outage_rounding = "up",         -- rounding of every credit: "up", "half_up", "half_even", "down"
    outage_daily_credit = 0,        -- > 0: at least this much per started day down (a daily-compensation
                                    -- scheme of the operator's choosing; the pack ships no legal figure)
    credit_approval_over = 5000,    -- a credit above this waits for a manager's approval

    -- Repeated outages: escalate to network engineering and credit more.
    repeat_outages = 3,             -- outage complaints (this one included) that make a repeat…
    repeat_window_days = 90,        -- …within this many days
    repeat_credit_multiplier = 2,   -- the pro-rata credit is multiplied by this (at least 1)

    -- Billing disputes.
    deadlock_weeks = 8,             -- the final answer is due by then; after it the deadlock letter tells
                                    -- the customer of the ADR scheme (UK: Ofcom General Condition C4)
    dispute_reminder_days = 14,     -- days before that deadline: an update to the customer and the team (0: none)
    adr_contact = "",               -- the ADR scheme's web address or phone, added to the letters when set

    -- Slow speed, once the investigation confirms it.
    slow_speed_credit_percent = 25, -- credit as a share of the monthly fee

    -- Service levels (business time of the calendar above).
    first_response = "1 business day",
    resolution = "5 business days",
    vulnerable_first_response = "2 business hours",
    vulnerable_resolution = "2 business days",
    vulnerable_tier = 2,            -- escalation tier for a vulnerable customer (team priority-care)

    -- Any complaints, from the customer summary.
    repeat_complaints_30d = 4,      -- this many complaints in 30 days (this one included): tier 1
    chronic_complaints_365d = 6,    -- this many in a year: flagged for a person (never rejected)
  },
}
