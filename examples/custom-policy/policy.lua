local settings = require "redress.settings"
local P = {}

function P.on_complaint(case, act)
  act:acknowledge { template = "ack", next_contact = "1 business day" }
  if case.category == "stale_bread" or case.category == "late_delivery" then
    act:offer { kind = "coupon", amount = settings.coupon, currency = "EUR", reason = case.category }
    act:message { template = "coupon", vars = { amount = string.format("%.2f EUR", settings.coupon / 100) } }
    act:explain("small_remedy", "A small coupon makes up for a small failure.")
  end
  if case.channel == "social" then
    act:escalate { tier = 2, team = "owner", reason = "public complaint" }
  end
end

return P
