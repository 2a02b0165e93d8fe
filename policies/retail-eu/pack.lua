-- retail-eu: an online shop selling to consumers in the EU. It answers
-- withdrawals (Directive 2011/83/EU) and legal-guarantee claims (Directive
-- (EU) 2019/771) with what the law owes, and late, lost, wrong and rude with
-- goodwill in proportion. See README.md for every branch and its basis.
return {
  name = "retail-eu",
  version = "1.1.0",
  engine = "1",
  description = "EU online retail: withdrawal and legal guarantee by the directives, goodwill in proportion, " ..
    "escalation ladder, SLA clocks, reminders and follow-up.",
  jurisdictions = { "EU" },
  languages = { "en", "th", "fa", "zh", "ru" },
  currency = "EUR",
  modules = { "remedies" },  -- modules/remedies.lua: the remedy of each category

  -- Business hours of the customer-care team: Berlin, Monday to Friday,
  -- German nationwide public holidays. An operator replaces it per
  -- installation with config `calendars = { ["retail-eu"] = { … } }`.
  calendar = {
    zone = "Europe/Berlin",
    hours = { weekdays = { { "09:00", "18:00" } } },
    holidays = {
      { month = 1, day = 1 }, { easter = -2 }, { easter = 1 }, { month = 5, day = 1 },
      { easter = 39 }, { easter = 50 }, { month = 10, day = 3 }, { month = 12, day = 25 }, { month = 12, day = 26 },
    },
  },

  -- Placeholders the policy passes in `vars` (besides name, case_id,
  -- category, order_id).
  template_vars = { "amount", "until", "days", "kind", "excluded", "due", "months" },

  -- An operator may override any of these per installation:
  --   pack_settings = { ["retail-eu"] = { goodwill_percent = 15, free_returns = false } }
  -- Amounts are integer minor units of EUR (cents).
  settings = {
    jurisdiction = "EU",               -- assumed when a complaint names none (a member state code also works)
    next_contact = "2 business days",  -- promised in the acknowledgement

    -- Withdrawal (Directive 2011/83/EU arts. 9–16)
    free_returns = true,               -- the shop pays the return postage (art. 14(1) lets it charge the consumer)
    standard_delivery_fee = 495,       -- refunded in full; a dearer express delivery only up to this (art. 13(2))

    -- Goodwill where the law owes nothing (withdrawal too late, guarantee over, excluded goods)
    goodwill_after_refusal = true,     -- false: the polite refusal alone
    goodwill_percent = 10,             -- of the order value
    goodwill_min = 500,
    goodwill_max = 2000,
    goodwill_case_cap = 5000,          -- goodwill (coupons, gifts) per case; above it a manager approves

    -- Legal guarantee (Directive (EU) 2019/771 arts. 10–14)
    presumption_months = 12,           -- art. 11: defects showing within it are presumed present at delivery (a state may set 24)
    inspect_after_presumption = false, -- true: after the presumption, inspect the item before the remedy
    failed_repairs_for_refund = 1,     -- failed repairs/replacements after which price reduction or refund is due (art. 13(4))
    repair_max_days = 30,              -- a repair taking longer is not "within a reasonable time" (art. 14(1)(b); the number is ours)
    repair_cost_max_percent = 60,      -- repair dearer than this share of the price is disproportionate: replace instead (art. 13(2))
    price_reduction_percent = 30,      -- price reduction for a minor defect, where ending the contract is barred (art. 13(5))

    -- Late delivery: a coupon in proportion to the order
    late_percent = 10,
    late_percent_long = 20,            -- from late_long_days days late
    late_long_days = 7,
    late_coupon_min = 500,
    late_coupon_max = 2500,

    -- Lost parcel, wrong item, rude staff
    refund_approval_over = 20000,      -- a lost-parcel refund above this waits for a manager
    carrier_inquiry = "5 business days", -- answer promised while the carrier traces a parcel it reports delivered
    keep_wrong_item_under = 1500,      -- a wrong item worth at most this is the customer's to keep
    gift_value = 1000,                 -- the apology gift for rude staff

    -- Escalation
    repeat_complaints = 3,             -- complaints in 90 days (this one included) that climb to experienced agents
    chronic_complaints_365d = 6,       -- complaints in a year that flag a chronic complainer for a person
    low_satisfaction = 2,              -- a score at or below it escalates

    -- SLA clocks (business time of the calendar above)
    sla_first_response = "1 business day",
    sla_first_response_high = "4 business hours", -- high and critical severity
    sla_resolution = "5 business days",

    -- Reminders and follow-up
    reminder_days = 5,                 -- remind a customer who has not answered an offer or a question
    max_reminders = 2,
    follow_up_after = "3 days",        -- ask about satisfaction this long after the case is resolved
  },

  -- Industry facts a complaint may carry in `details` (intake refuses others).
  details = {
    promised_by = { type = "time", doc = "late_delivery: the delivery date promised at checkout" },
    delay_days = { type = "integer", min = 0, max = 365,
      doc = "late_delivery: days the delivery was late, when the shop knows it (else from promised_by)" },
    express_delivery = { type = "boolean", doc = "withdrawal: the customer chose a delivery dearer than standard" },
    delivery_paid = { type = "integer", min = 0, doc = "withdrawal: what the customer paid for delivery, in cents, part of order.amount" },
    repair_attempts = { type = "integer", min = 0, max = 20,
      doc = "defective: repairs or replacements already tried that did not cure the defect" },
    repair_days = { type = "integer", min = 0, max = 3650, doc = "defective: days the item has spent at the repair service" },
    repair_cost = { type = "integer", min = 0, doc = "defective: estimated cost of the repair, in cents" },
    replacement_available = { type = "boolean", doc = "defective: false when the same item can no longer be supplied" },
    minor_defect = { type = "boolean", doc = "defective: a minor (e.g. cosmetic) lack of conformity" },
    tracking = { type = "string", one_of = { "lost", "no_scan", "delivered" },
      doc = "missing: the carrier's last word on the parcel" },
    wrong_item_value = { type = "integer", min = 0, doc = "wrong_item: the price of the item sent by mistake, in cents" },
  },
}
