--- redress.calendar: business time in a time zone, through ICU.
--
--     local calendar = require "redress.calendar"
--     local cal = calendar.new {
--       zone = "Europe/London",                       -- IANA name (ICU; no hand-written tables)
--       hours = { weekdays = { { "09:00", "12:30" }, { "13:30", "17:30" } },   -- split shift
--                 sat = { { "10:00", "14:00" } } },                            -- sun: closed
--       holidays = calendar.holidays("GB-ENG"),       -- or a list of your own (see below)
--     }
--     cal:add(case.now, "2 business days")   --> ms
--     cal:add(case.now, "4 business hours")  --> ms
--     cal:between(t1, t2)                    --> business ms between the two
--
-- Holidays: "2026-12-24" (one date), { month = 12, day = 25 } (every year),
-- { month = 5, weekday = "mon", nth = 1 } (first Monday of May; nth = -1:
-- last), { easter = -2 } (days from Easter Sunday). On a weekend, a rule
-- with substitute = true moves to the next weekday that is not already a
-- holiday (UK); observed = "nearest" moves Saturday to Friday and Sunday to
-- Monday (US federal).
--
-- Business days follow the usual convention (as pandas' CustomBusinessDay):
-- the same wall-clock time N business days on; a start on a closed day
-- first moves to the next business day, which counts as the first.
-- Business hours and minutes count only open time, across days, holidays,
-- and DST changes (each opening time is a wall time of its own day). Time
-- that runs out exactly at closing ends at the closing time (a deadline of
-- "8 business hours" from 09:00 is 17:00 the same day, not 09:00 the next
-- morning, which is how pandas writes the same point in business time).
local icu = require "rd.icu"
local duration = require "redress.duration"

local M = {}

local DAY_MS = 86400000
local WEEKDAYS = { mon = 1, tue = 2, wed = 3, thu = 4, fri = 5, sat = 6, sun = 7 }

-- Civil dates as days since 1970-01-01 (proleptic Gregorian).
local function days_from_civil(y, m, d)
  y = m <= 2 and y - 1 or y
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local doy = (153 * (m + (m > 2 and -3 or 9)) + 2) // 5 + d - 1
  return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
end

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

local function weekday(days) return (days + 3) % 7 + 1 end -- 1970-01-01 was a Thursday (4)

local function easter(y) -- Anonymous Gregorian algorithm
  local a, b, c = y % 19, y // 100, y % 100
  local d, e = b // 4, b % 4
  local f = (b + 8) // 25
  local g = (b - f + 1) // 3
  local h = (19 * a + b - d - g + 15) % 30
  local i, k = c // 4, c % 4
  local l = (32 + 2 * e + 2 * i - h - k) % 7
  local m = (a + 11 * h + 22 * l) // 451
  local month = (h + l - 7 * m + 114) // 31
  local day = (h + l - 7 * m + 114) % 31 + 1
  return days_from_civil(y, month, day)
end

local function parse_hhmm(s, what)
  local h, m = tostring(s):match("^(%d%d?):(%d%d)$")
  h, m = tonumber(h), tonumber(m)
  if not h or h > 24 or m > 59 or (h == 24 and m > 0) then
    error("calendar: " .. what .. ": times are \"HH:MM\", got " .. tostring(s), 4)
  end
  return h * 60 + m
end

local function parse_hours(spec)
  local week = {}
  for wd = 1, 7 do week[wd] = {} end
  local function set(wd, list, what)
    local out = {}
    for i, iv in ipairs(list) do
      local a, b = parse_hhmm(iv[1], what), parse_hhmm(iv[2], what)
      if b <= a then error("calendar: " .. what .. ": shift " .. i .. " must close after it opens", 3) end
      if #out > 0 and a < out[#out][2] then error("calendar: " .. what .. ": shifts must not overlap", 3) end
      out[#out + 1] = { a, b }
    end
    week[wd] = out
  end
  spec = spec or { weekdays = { { "09:00", "17:00" } } }
  if spec.weekdays then for wd = 1, 5 do set(wd, spec.weekdays, "hours.weekdays") end end
  for name, wd in pairs(WEEKDAYS) do
    if spec[name] then set(wd, spec[name], "hours." .. name) end
  end
  for k in pairs(spec) do
    if k ~= "weekdays" and not WEEKDAYS[k] then error("calendar: hours." .. tostring(k) .. ": not a weekday", 3) end
  end
  return week
end

-- The holiday rules, resolved per year on demand.
local function holiday_set(rules)
  local fixed, yearly, cache = {}, {}, {}
  for i, r in ipairs(rules or {}) do
    if type(r) == "string" then
      local y, m, d = r:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
      if not y then error("calendar: holidays[" .. i .. "]: dates are \"YYYY-MM-DD\"", 3) end
      fixed[#fixed + 1] = days_from_civil(tonumber(y), tonumber(m), tonumber(d))
    elseif type(r) == "table" then
      yearly[#yearly + 1] = r
    else
      error("calendar: holidays[" .. i .. "]: a date string or a rule table", 3)
    end
  end
  local function year(y)
    if cache[y] then return cache[y] end
    local set, subs = {}, {}
    for _, r in ipairs(yearly) do
      local day
      if r.easter then
        day = easter(y) + r.easter
      elseif r.nth and r.weekday then
        local wd = WEEKDAYS[r.weekday]
        if r.nth > 0 then
          local first = days_from_civil(y, r.month, 1)
          day = first + (wd - weekday(first)) % 7 + (r.nth - 1) * 7
        else
          local nm_y, nm_m = r.month == 12 and y + 1 or y, r.month == 12 and 1 or r.month + 1
          local last = days_from_civil(nm_y, nm_m, 1) - 1
          day = last - (weekday(last) - wd) % 7 + (r.nth + 1) * 7
        end
      else
        day = days_from_civil(y, r.month, r.day)
      end
      if r.observed == "nearest" then
        local wd = weekday(day)
        set[wd == 6 and day - 1 or wd == 7 and day + 1 or day] = true
      elseif r.substitute then
        subs[#subs + 1] = day
      else
        set[day] = true
      end
    end
    for _, d in ipairs(fixed) do set[d] = true end
    table.sort(subs)
    for _, d in ipairs(subs) do
      if weekday(d) >= 6 or set[d] then
        local s = d
        repeat s = s + 1 until weekday(s) < 6 and not set[s]
        if weekday(d) >= 6 then set[s] = true else set[d] = true end
      else
        set[d] = true
      end
    end
    cache[y] = set
    return set
  end
  return function(days)
    local y = civil_from_days(days)
    return year(y)[days] or year(y + 1)[days] or year(y - 1)[days] or false
  end
end

--- Built-in holiday rules by region code: "GB-ENG" (England and Wales bank
-- holidays, with substitute days; special one-off days such as coronations
-- are not rules — add them as dates), "US" (federal holidays as observed).
function M.holidays(region)
  local sets = {
    ["GB-ENG"] = {
      { month = 1, day = 1, substitute = true }, { easter = -2 }, { easter = 1 },
      { month = 5, weekday = "mon", nth = 1 }, { month = 5, weekday = "mon", nth = -1 },
      { month = 8, weekday = "mon", nth = -1 },
      { month = 12, day = 25, substitute = true }, { month = 12, day = 26, substitute = true },
    },
    US = {
      { month = 1, day = 1, observed = "nearest" }, { month = 1, weekday = "mon", nth = 3 },
      { month = 2, weekday = "mon", nth = 3 }, { month = 5, weekday = "mon", nth = -1 },
      { month = 6, day = 19, observed = "nearest" }, { month = 7, day = 4, observed = "nearest" },
      { month = 9, weekday = "mon", nth = 1 }, { month = 10, weekday = "mon", nth = 2 },
      { month = 11, day = 11, observed = "nearest" }, { month = 11, weekday = "thu", nth = 4 },
      { month = 12, day = 25, observed = "nearest" },
    },
  }
  local s = sets[region]
  if not s then error("calendar: no built-in holidays for '" .. tostring(region) .. "' (GB-ENG, US)", 2) end
  local copy = {}
  for i, r in ipairs(s) do copy[i] = r end
  return copy
end

-- A calendar's rules live here, not in the object: a policy holding a
-- calendar can use it but not change it between decisions.
local private = setmetatable({}, { __mode = "k" })

local Cal = {}
Cal.__index = Cal
Cal.__newindex = function() error("a calendar is read-only", 2) end
Cal.__metatable = false

--- calendar.new{zone, hours, holidays} → a calendar.
function M.new(spec)
  if type(spec) ~= "table" then error("calendar.new: expects { zone = …, hours = …, holidays = … }", 2) end
  local zone = spec.zone or "UTC"
  local ok, err = pcall(icu.zone, zone)
  if not ok then error("calendar.new: " .. tostring(err):gsub("^.-: ", ""), 2) end
  local week = parse_hours(spec.hours)
  local open = false
  for wd = 1, 7 do if #week[wd] > 0 then open = true end end
  if not open then error("calendar.new: hours: the calendar is never open", 2) end
  local self = setmetatable({}, Cal)
  private[self] = { zone = zone, week = week, is_holiday = holiday_set(spec.holidays) }
  return self
end

--- cal:day_of(t) → the local calendar day of instant t (days since 1970-01-01)
function Cal:day_of(t)
  local y, m, d = icu.fields(private[self].zone, t)
  return days_from_civil(y, m, d)
end

--- cal:zone() → the calendar's IANA time zone.
function Cal:zone() return private[self].zone end

--- cal:is_business_day(t) → open at some time on t's local date.
function Cal:is_business_day(t)
  return self:_open_day(self:day_of(t))
end

function Cal:_open_day(days)
  return #private[self].week[weekday(days)] > 0 and not private[self].is_holiday(days)
end

-- The open intervals {open_ms, close_ms} of a local date.
function Cal:_intervals(days)
  if not self:_open_day(days) then return {} end
  local y, m, d = civil_from_days(days)
  local out = {}
  for _, iv in ipairs(private[self].week[weekday(days)]) do
    local a = icu.to_ms(private[self].zone, y, m, d, iv[1] // 60, iv[1] % 60)
    local b = iv[2] == 1440 and icu.to_ms(private[self].zone, civil_from_days(days + 1)) or
      icu.to_ms(private[self].zone, y, m, d, iv[2] // 60, iv[2] % 60)
    out[#out + 1] = { a, b }
  end
  return out
end

local MAX_DAYS = 3700 -- ten years: a bound on every walk

--- cal:is_open(t) → true inside business hours.
function Cal:is_open(t)
  for _, iv in ipairs(self:_intervals(self:day_of(t))) do
    if t >= iv[1] and t < iv[2] then return true end
  end
  return false
end

--- cal:next_open(t) → t when open, else the next opening time.
function Cal:next_open(t)
  local day = self:day_of(t)
  for i = 0, MAX_DAYS do
    for _, iv in ipairs(self:_intervals(day + i)) do
      if t < iv[2] then return math.max(t, iv[1]) end
    end
  end
  error("calendar: no opening time within ten years", 2)
end

local function add_business_ms(self, t, ms)
  if ms == 0 then return self:next_open(t) end
  local day = self:day_of(t)
  for i = 0, MAX_DAYS do
    for _, iv in ipairs(self:_intervals(day + i)) do
      if iv[2] > t then
        local start = math.max(iv[1], t)
        local avail = iv[2] - start
        if ms <= avail then return start + ms end
        ms = ms - avail
      end
    end
  end
  error("calendar: the duration runs past ten years", 3)
end

local function add_business_days(self, t, n)
  local y, m, d, h, mi, s, msec = icu.fields(private[self].zone, t)
  local day = days_from_civil(y, m, d)
  if not self:_open_day(day) then
    repeat day = day + 1 until self:_open_day(day)
    n = n - 1
  end
  local steps = 0
  while n > 0 do
    day = day + 1
    if self:_open_day(day) then n = n - 1 end
    steps = steps + 1
    if steps > MAX_DAYS then error("calendar: the duration runs past ten years", 3) end
  end
  local yy, mm, dd = civil_from_days(day)
  return icu.to_ms(private[self].zone, yy, mm, dd, h, mi, s, msec)
end

--- cal:add(t, d) → t plus d: "24h" and "3 days" are wall-clock time;
-- "2 business days", "4 business hours" follow the calendar.
function Cal:add(t, d)
  if math.type(t) ~= "integer" then error("calendar:add: t must be milliseconds (e.g. case.now)", 2) end
  local dur, err = duration.parse(d)
  if not dur then error("calendar:add: " .. err, 2) end
  if not dur.business then return t + dur.ms end
  if dur.days then return add_business_days(self, t, dur.days) end
  return add_business_ms(self, t, dur.ms)
end

--- cal:between(t1, t2) → the business (open) milliseconds in [t1, t2).
function Cal:between(t1, t2)
  if t2 <= t1 then return 0 end
  local total = 0
  local first, last = self:day_of(t1), self:day_of(t2)
  if last - first > MAX_DAYS then error("calendar:between: more than ten years apart", 2) end
  for day = first, last do
    for _, iv in ipairs(self:_intervals(day)) do
      local a, b = math.max(iv[1], t1), math.min(iv[2], t2)
      if b > a then total = total + (b - a) end
    end
  end
  return total
end

M.days_from_civil, M.civil_from_days = days_from_civil, civil_from_days
return M
