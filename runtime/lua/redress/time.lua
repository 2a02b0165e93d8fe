--- Time as integer milliseconds since the Unix epoch, UTC; RFC 3339 text.
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

-- Two-digit and one-digit texts, and the years met so far: format builds
-- its text from these in one concatenation (os.date and string.format cost
-- several times more, and a decision formats a few times).
local D2, D1, YEARS = {}, {}, {}
for i = 0, 99 do D2[i] = (i < 10 and "0" or "") .. i end
for i = 0, 9 do D1[i] = tostring(i) end

local MAX_FAST = 253402300800000 -- 10000-01-01: four-digit years only

-- The last time formatted: a decision formats its own `now` again and again.
local last_ms, last_text

--- Formats ms as "2026-11-23T10:00:00.000Z".
function M.format(ms)
  if ms == last_ms then return last_text end
  local i = math.tointeger(ms)
  if not i or i < 0 or i >= MAX_FAST then
    local s = ms // 1000
    return os.date("!%Y-%m-%dT%H:%M:%S", s) .. string.format(".%03dZ", ms % 1000)
  end
  local secs, f = i // 1000, i % 1000
  local sod = secs % 86400
  local y, mo, d = civil_from_days(secs // 86400)
  local yt = YEARS[y]
  if not yt then yt = tostring(y); YEARS[y] = yt end -- at most 8030 years
  local text = yt .. "-" .. D2[mo] .. "-" .. D2[d] .. "T" .. D2[sod // 3600] .. ":" .. D2[sod // 60 % 60] .. ":" ..
    D2[sod % 60] .. "." .. D2[f // 10] .. D1[f % 10] .. "Z"
  last_ms, last_text = i, text
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
local DIGIT = {}
for c = 48, 57 do DIGIT[c] = c - 48 end

-- The canonical form format writes, "2026-11-23T10:00:00.000Z" (24 bytes),
-- read from its bytes without a pattern; nil when s is not exactly that
-- (the general parser below then decides).
local function canonical(s)
  if #s ~= 24 then return nil end
  local y1, y2, y3, y4, h1, mo1, mo2, h2, d1, d2, t, hh1, hh2, c1, mi1, mi2, c2, s1, s2, dot, f1, f2, f3, z = byte(s, 1, 24)
  if h1 ~= 45 or h2 ~= 45 or t ~= 84 or c1 ~= 58 or c2 ~= 58 or dot ~= 46 or z ~= 90 then return nil end
  -- each byte a digit (DIGIT: byte → its value; no table per call: this runs a few times per decision)
  y1, y2, y3, y4, mo1, mo2, d1, d2 = DIGIT[y1], DIGIT[y2], DIGIT[y3], DIGIT[y4], DIGIT[mo1], DIGIT[mo2], DIGIT[d1], DIGIT[d2]
  hh1, hh2, mi1, mi2, s1, s2 = DIGIT[hh1], DIGIT[hh2], DIGIT[mi1], DIGIT[mi2], DIGIT[s1], DIGIT[s2]
  f1, f2, f3 = DIGIT[f1], DIGIT[f2], DIGIT[f3]
  if not (y1 and y2 and y3 and y4 and mo1 and mo2 and d1 and d2 and hh1 and hh2 and mi1 and mi2 and s1 and s2 and
      f1 and f2 and f3) then
    return nil
  end
  local y = y1 * 1000 + y2 * 100 + y3 * 10 + y4
  local mo, d = mo1 * 10 + mo2, d1 * 10 + d2
  local h, mi, sec = hh1 * 10 + hh2, mi1 * 10 + mi2, s1 * 10 + s2
  if mo < 1 or mo > 12 or d < 1 or d > mdays[mo] or h > 23 or mi > 59 or sec > 60 then return nil end
  if mo == 2 and d == 29 and not (y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0)) then return nil end
  return (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) * 1000 + f1 * 100 + f2 * 10 + f3
end

parse = function(s)
  if type(s) ~= "string" then return nil, "not a string" end
  local fast = canonical(s)
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
