-- The minimal built-in pack: an online shop's first line of complaint handling.
return {
  name = "retail",
  version = "0.1.0",
  engine = "1",
  description = "Online retail: acknowledge at once, compensate in proportion, escalate public and severe cases.",
  jurisdictions = { "EU" },
  languages = { "en", "th", "fa", "zh", "ru" },
  currency = "EUR",
  template_vars = { "amount" },  -- placeholders the policy passes in vars
  -- An operator may override these per installation (config pack_settings.retail).
  settings = {
    coupon_percent = 10,           -- late delivery: coupon as a share of the order
    coupon_min = 500,              -- minor units
    coupon_max = 2000,
    refund_approval_over = 10000,  -- refunds above this wait for a manager's approval
  },
}
