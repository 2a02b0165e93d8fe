--- redress.currencies: the minor units of ISO 4217 currencies, the one
-- source of "how many digits after the point" for amounts in minor units
-- (redress.money, the engine's money texts). Payment systems use ISO 4217's
-- figure; ICU's (CLDR's) is for display and differs for some currencies
-- (IQD shows 0 digits but has 3; IRR, LAK, MGA, RSD show 0 but have 2), so
-- it is used only to print amounts, never to count them.
--
-- Source: ISO 4217 "List one: currency, fund and precious metal codes",
-- the "Minor unit" column (SIX Financial Information, maintenance agency),
-- as published in 2024. Every active code not listed here has 2.
local M = {}

--- Currencies whose minor unit is not 2.
M.MINOR_UNITS = {
  BIF = 0, CLP = 0, DJF = 0, GNF = 0, ISK = 0, JPY = 0, KMF = 0, KRW = 0, PYG = 0, RWF = 0,
  UGX = 0, UYI = 0, VND = 0, VUV = 0, XAF = 0, XOF = 0, XPF = 0,
  BHD = 3, IQD = 3, JOD = 3, KWD = 3, LYD = 3, OMR = 3, TND = 3,
  CLF = 4, UYW = 4,
}

--- currencies.minor_units(code) → the ISO 4217 minor unit of code (an
-- active three-letter code; the caller checks that it is one).
function M.minor_units(code)
  return M.MINOR_UNITS[code] or 2
end

local decimal = require("rd.icu").decimal

--- currencies.decimal(amount, code) → the amount in minor units as plain
-- digits with the currency's point ("12.50", "-0.05", "500"); code must be
-- one the caller checked. Made in C (rd.icu): money texts are made on
-- every decision.
function M.decimal(amount, code)
  return decimal(amount, M.MINOR_UNITS[code] or 2)
end

return M
