-- telecom/modules/checks.lua: the operator's settings, checked when the pack
-- loads. A setting that would fail in front of a customer stops the pack
-- from loading instead (config pack_settings.telecom; the reload that brings
-- it is refused and the running pack stays).
local settings = require "redress.settings"
local money = require "redress.money"
local duration = require "redress.duration"

-- { name, minimum, must be an integer, maximum }
local NUMBERS = { { "outage_min_hours", 0 }, { "outage_daily_credit", 0, true }, { "credit_approval_over", 0, true },
  { "repeat_outages", 2, true }, { "repeat_window_days", 1, true }, { "repeat_credit_multiplier", 1 },
  { "deadlock_weeks", 1, true }, { "dispute_reminder_days", 0, true }, { "slow_speed_credit_percent", 0 },
  { "vulnerable_tier", 1, true, 9 }, { "repeat_complaints_30d", 2, true }, { "chronic_complaints_365d", 2, true } }
for _, n in ipairs(NUMBERS) do
  local v = settings[n[1]]
  if v < n[2] or (n[3] and math.type(v) ~= "integer") or v > (n[4] or v) then
    error(string.format("settings.%s: %s is not %s of at least %s", n[1], tostring(v), n[3] and "an integer" or "a number", n[2]), 0)
  end
end
for _, k in ipairs { "first_response", "resolution", "vulnerable_first_response", "vulnerable_resolution" } do
  if not duration.parse(settings[k]) then error("settings." .. k .. ": \"" .. settings[k] .. "\" is not a duration", 0) end
end
local ROUNDING = { up = true, half_up = true, half_even = true, down = true }
if not ROUNDING[settings.outage_rounding] then error("settings.outage_rounding: up, half_up, half_even or down", 0) end
if not pcall(money.zero, settings.default_currency) then error("settings.default_currency: not an ISO 4217 code", 0) end

return true
