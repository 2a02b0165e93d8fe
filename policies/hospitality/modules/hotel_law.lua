-- hotel_law: what consumer law adds to a hotel complaint, as redress.legal
-- rules with their citations.
--
-- Sources. Rows of shared LEGAL-SOURCES.md: the withdrawal / cancellation
-- rights (Directive 2011/83/EU art. 9; UK CCR 2013 regs 29–31, conf. A) and
-- the UK limitation period (Limitation Act 1980 s.5: 6 years, 5 in Scotland,
-- conf. C). Clearly established law that LEGAL-SOURCES.md does not list yet,
-- cited from the statutes themselves:
--   * Directive 2011/83/EU art. 16(l) and UK CCR 2013 reg. 28(1)(b): no
--     right of withdrawal / cancellation for accommodation (other than for
--     residential purpose) when the contract gives a specific date or period.
--   * UK Consumer Rights Act 2015 s.49 (a service is performed with
--     reasonable care and skill), s.55 (repeat performance) and s.56 (an
--     appropriate price reduction when repeat performance is impossible,
--     which it is once the guest has checked out).
-- In the EU a hotel-only stay has no harmonised remedy for poor service
-- (the Package Travel Directive covers packages, not rooms alone), so EU
-- remedies here are the hotel's goodwill.
local legal = require "redress.legal"
local calendar = require "redress.calendar"
local stay = require "stay"

local M = {}

local cal = calendar.pack

--- The service failures: complaint categories about the stay itself.
M.SERVICE = { room_not_as_booked = true, noise = true, cleanliness = true }
local SERVICE = M.SERVICE

-- Day d plus n years (29 February becomes the 28th).
local function years_after(d, n)
  local y, m, dd = calendar.civil_from_days(d)
  return calendar.days_from_civil(y + n, m, (m == 2 and dd == 29) and 28 or dd)
end

local PRICE_REDUCTION = {
  id = "UK.service_price_reduction", right = "price_reduction", remedies = { "partial_refund" },
  where = function(j) return j == "UK" or j == "GB" end,
  applies = function(c) return SERVICE[c.category] == true and stay.read(c).after_stay end,
  window = function(c)
    local d = cal:day_of(stay.read(c).check_out)
    return d, years_after(d, 6) -- the claim's limitation period
  end,
  why = "A service must be performed with reasonable care and skill; once the guest has checked out the "
    .. "stay cannot be performed again, so the consumer is owed an appropriate price reduction.",
  citation = "Consumer Rights Act 2015 ss.49, 55–56", source = "legislation.gov.uk/ukpga/2015/15/section/56",
  confidence = "C", valid_from = "2015-10-01", -- C: from the statute as generally known; add it to LEGAL-SOURCES.md
}

--- The pack's law: the base rules plus the UK price reduction. (The base
-- withdrawal rules stay: the engine checks decisions against them, so
-- explain_withdrawal answers them instead.)
M.law = legal.new { rules = { PRICE_REDUCTION } }

local function zone() return { zone = cal:zone() } end

--- hotel_law.price_reduction(case) → the owed UK price reduction (an entry
-- of law:remedies: citation, until_at, …), or nil.
function M.price_reduction(case)
  for _, e in ipairs(M.law:remedies(case, zone()).owed) do
    if e.id == PRICE_REDUCTION.id then return e end
  end
  return nil
end

local EXEMPT = {
  ["EU.withdrawal"] = "Directive 2011/83/EU art. 16(l)",
  ["UK.cancellation"] = "Consumer Contracts Regulations 2013 reg. 28(1)(b)",
}

--- hotel_law.explain_withdrawal(case, act): when the base rules see a
-- withdrawal right (a booking made at a distance), says why a hotel stay
-- has none, for the person who reviews the engine's legal check.
function M.explain_withdrawal(case, act)
  for _, e in ipairs(legal.remedies(case, zone()).owed) do
    local exemption = EXEMPT[e.id]
    if exemption then
      act:set { tags = { "legal-review" } }
      act:explain("legal.no_withdrawal", string.format("The base rules see a right to withdraw (%s) because the " ..
        "room was booked at a distance; accommodation for a specific date or period is exempt (%s), so no " ..
        "refund is owed on that ground. The remedy follows the complaint itself.", e.citation, exemption))
    end
  end
end

return M
