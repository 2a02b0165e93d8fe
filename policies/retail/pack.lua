-- The minimal built-in pack: an online shop's first line of complaint handling.
return {
  name = "retail",
  version = "0.1.0",
  engine = "1",
  description = "Online retail: acknowledge at once, compensate in proportion, escalate public and severe cases.",
  jurisdictions = { "EU" },
  languages = { "en", "th", "fa", "zh", "ru" },
  currency = "EUR",
}
