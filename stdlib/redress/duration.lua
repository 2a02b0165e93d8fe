--- redress.duration: durations as policy authors write them.
--
--     local duration = require "redress.duration"
--     duration.parse("24h")            --> { ms = 86400000 }
--     duration.parse("3 days")         --> { ms = 259200000 }
--     duration.parse("P1DT4H")         --> { ms = 100800000 }   (ISO 8601)
--     duration.parse("2 business days") --> { business = true, days = 2 }
--     duration.parse("4 business hours") --> { business = true, ms = 14400000 }
--
-- Wall-clock durations are exact milliseconds (a "day" is 24 hours).
-- Business durations are turned into an absolute time by redress.calendar,
-- which knows the opening hours, holidays and time zone.
local M = {}

local UNIT_MS = {
  ms = 1, millisecond = 1,
  s = 1000, sec = 1000, second = 1000,
  m = 60000, min = 60000, minute = 60000,
  h = 3600000, hr = 3600000, hour = 3600000,
  d = 86400000, day = 86400000,
  w = 604800000, week = 604800000,
}

-- Longer than this is a mistake, not a duration (and would overflow).
local MAX_MS = 100 * 366 * 86400000
local function too_long(s) return nil, string.format("%q is longer than 100 years", s) end

local function unit_ms(u)
  u = u:lower()
  return UNIT_MS[u] or UNIT_MS[(u:gsub("s$", ""))]
end

-- ISO 8601 durations without years or months (their length is not fixed):
-- PnW, PnDTnHnMnS.
local function iso(s)
  local body = s:match("^P(.+)$")
  if not body then return nil end
  if #body > 40 then return nil end
  local date, t = body:match("^([^T]*)T?(.*)$")
  if date == "" and t == "" then return nil end
  local ms, huge = 0, false
  -- every number is checked before it is multiplied: integers wrap
  local rest = date:gsub("(%d+)([WD])", function(n, u)
    if #n > 6 then huge = true; return "" end
    ms = ms + tonumber(n) * (u == "W" and 604800000 or 86400000)
    return ""
  end)
  if rest ~= "" then return nil end
  if body:find("T", 1, true) then
    if t == "" then return nil end
    rest = t:gsub("(%d+%.?%d*)([HMS])", function(n, u)
      if #n > 12 then huge = true; return "" end
      ms = ms + tonumber(n) * (u == "H" and 3600000 or u == "M" and 60000 or 1000)
      return ""
    end)
    if rest ~= "" then return nil end
  end
  if huge or ms > MAX_MS then return MAX_MS + 1 end
  return math.floor(ms + 0.5)
end

local parse_text -- below

-- Policies say the same few durations on every decision ("2 business
-- days"): what a text parses to is made once (redress.memo), and each
-- caller gets its own copy.
local parsed = require("redress.memo").of(function(s) return { parse_text(s) } end)

--- Parses a duration. Returns a table ({ms = n} or {business = true, days
-- = n} or {business = true, ms = n}), or nil and a reason.
function M.parse(s)
  if type(s) == "string" then
    local r = parsed(s)
    local d = r[1]
    if not d then return nil, r[2] end
    return { ms = d.ms, days = d.days, business = d.business }
  end
  return parse_text(s)
end

parse_text = function(s)
  if math.type(s) == "integer" then
    if s < 0 then return nil, "a duration cannot be negative" end
    return { ms = s }
  end
  if type(s) == "table" and (math.type(s.ms) == "integer" or math.type(s.days) == "integer") then
    return s  -- already parsed (e.g. { business = true, ms = remaining })
  end
  if type(s) ~= "string" then return nil, "a duration is a string such as \"24h\" or \"2 business days\"" end
  local text = s:match("^%s*(.-)%s*$")
  if #text > 100 then return nil, "a duration is at most 100 characters" end
  local ms = iso(text)
  if ms then
    if ms > MAX_MS then return too_long(s) end
    return { ms = ms }
  end
  local n, business, unit = text:match("^(%d+)%s*(business%s+)(%a+)$")
  if n and #n > 6 then return too_long(s) end
  if n then
    unit = unit:lower():gsub("s$", "")
    if unit == "day" then return { business = true, days = tonumber(n) } end
    if unit == "hour" or unit == "minute" then return { business = true, ms = tonumber(n) * unit_ms(unit) } end
    return nil, "business durations count days, hours or minutes"
  end
  local total, rest = 0, text
  -- "1 day 4h", "90s", "3 days"
  while rest ~= "" do
    local num, u, tail = rest:match("^(%d+)%s*(%a+)%s*(.*)$")
    if not num or not unit_ms(u) then
      return nil, string.format("cannot read the duration %q (try \"24h\", \"3 days\", \"P14D\" or \"2 business days\")", s)
    end
    -- compare before multiplying: Lua integers wrap
    local count, per = math.tointeger(num), unit_ms(u)
    if #num > 15 or count > (MAX_MS - total) // per then return too_long(s) end
    total = total + count * per
    rest = tail
  end
  if text == "" then return nil, "empty duration" end
  return { ms = total }
end

--- Milliseconds of a wall-clock duration; raises for business durations,
-- which need a calendar.
function M.ms(s)
  local d, err = M.parse(s)
  if not d then error(err, 2) end
  if d.business then error(string.format("%q is business time: use a calendar (redress.calendar) to place it", s), 2) end
  return d.ms
end

return M
