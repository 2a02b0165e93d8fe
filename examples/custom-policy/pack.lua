return {
  name = "bakery",
  version = "1.0.0",
  languages = { "en", "th" },
  currency = "EUR",
  template_vars = { "amount" },
  settings = { coupon = 300 },  -- 3.00 EUR; an operator may change it in the config
}
