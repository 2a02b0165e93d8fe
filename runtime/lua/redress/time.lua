--- Time as integer milliseconds since the Unix epoch, UTC; RFC 3339 text.
local rd = require "rd"

local M = {}

-- Civil dates as days since 1970-01-01 (proleptic Gregorian), both ways;
-- redress.calendar and redress.legal count days with these too.
local function days_from_civil(y, m, d)
  y = m <= 2 and y - 1 or y
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local doy = (153 * (m + (m > 2 and -3 or 9)) + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end
M.days_from_civil = days_from_civil

local function civil_from_days(z)
  z = z + 719468
  local era = (z >= 0 and z or z - 146096) // 146097
  local doe = z - era * 146097
  local yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
  local mp = (5 * doy + 2) // 153
  local d = doy - (153 * mp + 2) // 5 + 1
  local m = mp + (mp < 10 and 3 or -9)
  return m <= 2 and y + 1 or y, m, d
end
M.civil_from_days = civil_from_days

-- The common cases in C (rd.utc_text, rd.utc_ms: 1970 to 9999 in the
-- canonical form); os.date and the patterns below do the rest.
local utc_text, utc_ms = rd.utc_text, rd.utc_ms

-- The last time formatted: a decision formats its own `now` again and again.
local last_ms, last_text

--- Formats ms as "2026-11-23T10:00:00.000Z".
function M.format(ms)
  if ms == last_ms then return last_text end
  local text = utc_text(ms)
  if not text then
    return os.date("!%Y-%m-%dT%H:%M:%S", ms // 1000) .. string.format(".%03dZ", ms % 1000)
  end
  last_ms, last_text = ms, text
  return text
end

local mdays = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }

local parse

-- A decision parses the same few times again and again (the case's
-- opening, the order's dates, now): the last results are kept, and the
-- table is dropped whole when it grows (parsing is pure).
local memo, memo_n = {}, 0

--- Parses RFC 3339 ("2026-11-23T10:00:00Z", "…+07:00", fractions, or a bare
-- date "2026-11-23" as midnight UTC). Returns ms, or nil and a reason.
function M.parse(s)
  local v = memo[s]
  if v then return v end
  local ms, why = parse(s)
  if ms and #s <= 40 then -- short keys only: the memo must stay small whatever a pack parses
    if memo_n >= 256 then memo, memo_n = {}, 0 end
    memo[s], memo_n = ms, memo_n + 1
  end
  return ms, why
end

local byte = string.byte

parse = function(s)
  if type(s) ~= "string" then return nil, "not a string" end
  local fast = utc_ms(s)
  if fast then return fast end
  -- not a date at all (a policy's "2 business days" is tried here first)
  if byte(s, 5) ~= 45 then return nil, "not an RFC 3339 date-time" end
  local y, mo, d, rest = s:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)(.*)$")
  if not y then return nil, "not an RFC 3339 date-time" end
  y, mo, d = tonumber(y), tonumber(mo), tonumber(d)
  if mo < 1 or mo > 12 or d < 1 or d > mdays[mo] then return nil, "no such date" end
  if mo == 2 and d == 29 and not (y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0)) then
    return nil, "no such date"
  end
  local h, mi, sec, frac, zone = 0, 0, 0, "", "Z"
  if rest ~= "" then
    local hh, mm, ss, fr, z = rest:match("^[Tt ](%d%d):(%d%d):(%d%d)(%.?%d*)(.*)$")
    if not hh then return nil, "not an RFC 3339 date-time" end
    h, mi, sec, frac, zone = tonumber(hh), tonumber(mm), tonumber(ss), fr, z
    if h > 23 or mi > 59 or sec > 60 then return nil, "no such time" end
  end
  local offset = 0
  if zone ~= "Z" and zone ~= "z" then
    local sign, oh, om = zone:match("^([+-])(%d%d):(%d%d)$")
    if not sign then return nil, "missing or bad time zone offset" end
    offset = (tonumber(oh) * 60 + tonumber(om)) * (sign == "+" and 1 or -1)
  end
  local ms = 0
  if #frac > 1 then ms = math.floor(tonumber("0" .. frac) * 1000 + 0.5) end
  local days = days_from_civil(y, mo, d)
  return ((days * 86400 + h * 3600 + mi * 60 + sec - offset * 60) * 1000) + ms
end

return M
