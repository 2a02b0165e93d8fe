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
-- A walk of many days charges the running policy call for them (it may run
-- inside an act method, without the count hook): DAY_COST per day past a week.
local charge = require("rd").charge
local DAY_COST = 50
local function walked(days) if days > 7 then charge(days * DAY_COST) end end
-- Work over the pack's own calendar data (its holiday rules when a year is
-- resolved, its shifts when a day's hours are) is charged by its size too:
-- a year or a day is worked out once, but a pack of many thousand rules
-- asked about many years would otherwise do unhooked work for free. Small
-- calendars (every real one) pay nothing.
local RULE_COST, DATE_COST, SHIFT_COST = 30, 5, 20
local function sized(work) if work > 1024 then charge(work) end end
local duration = require "redress.duration"
local time = require "redress.time"

local M = {}

local DAY_MS = 86400000
local WEEKDAYS = { mon = 1, tue = 2, wed = 3, thu = 4, fri = 5, sat = 6, sun = 7 }

-- Civil dates as days since 1970-01-01 (proleptic Gregorian).
local days_from_civil, civil_from_days = time.days_from_civil, time.civil_from_days

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
    sized(#yearly * RULE_COST + #fixed * DATE_COST)
    local set, subs = {}, {}
    for _, r in ipairs(yearly) do
      local day
      if (r.since and y < r.since) or (r["until"] and y > r["until"]) then
        day = nil
      elseif r.easter then
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
      local name = r.name or true
      if day == nil then
        -- not in force that year
      elseif r.observed == "nearest" then
        local wd = weekday(day)
        set[wd == 6 and day - 1 or wd == 7 and day + 1 or day] = name
      elseif r.substitute then
        subs[#subs + 1] = { day, name }
      else
        set[day] = name
      end
    end
    for _, d in ipairs(fixed) do set[d] = true end
    table.sort(subs, function(a, b) return a[1] < b[1] end)
    for _, sd in ipairs(subs) do
      local d, name = sd[1], sd[2]
      if weekday(d) >= 6 or set[d] then
        local s = d
        repeat s = s + 1 until weekday(s) < 6 and not set[s]
        if weekday(d) >= 6 then set[s] = name else set[d] = name end
      else
        set[d] = name
      end
    end
    cache[y] = set
    return set
  end
  -- the answer per day, kept (a few hundred days at most are asked about
  -- in a decision; dropped whole past 4096)
  local by_day, n = {}, 0
  return function(days)
    local v = by_day[days]
    if v ~= nil then return v end
    local y = civil_from_days(days)
    v = year(y)[days] or year(y + 1)[days] or year(y - 1)[days] or false
    if n >= 4096 then by_day, n = {}, 0 end
    by_day[days], n = v, n + 1
    return v
  end
end

-- Nationwide public holidays per region code. Regional ones (a German
-- Land, a Spanish community) are not here: add them as rules or dates.
-- Rules carry the holiday's name; since/until bound the years a rule is in
-- force. Confidence B (the national holiday acts as summarised by the
-- governments' own pages); each set names its law.
local REGIONS = {
  -- England and Wales bank holidays (Banking and Financial Dealings Act 1971 sch. 1)
  ["GB-ENG"] = {
    { month = 1, day = 1, substitute = true, name = "New Year's Day" }, { easter = -2, name = "Good Friday" },
    { easter = 1, name = "Easter Monday" },
    { month = 5, weekday = "mon", nth = 1, name = "Early May bank holiday" },
    { month = 5, weekday = "mon", nth = -1, name = "Spring bank holiday" },
    { month = 8, weekday = "mon", nth = -1, name = "Summer bank holiday" },
    { month = 12, day = 25, substitute = true, name = "Christmas Day" },
    { month = 12, day = 26, substitute = true, name = "Boxing Day" },
  },
  -- US federal holidays as observed (5 U.S.C. 6103)
  US = {
    { month = 1, day = 1, observed = "nearest", name = "New Year's Day" },
    { month = 1, weekday = "mon", nth = 3, name = "Martin Luther King Jr. Day" },
    { month = 2, weekday = "mon", nth = 3, name = "Washington's Birthday" },
    { month = 5, weekday = "mon", nth = -1, name = "Memorial Day" },
    { month = 6, day = 19, observed = "nearest", since = 2021, name = "Juneteenth" },
    { month = 7, day = 4, observed = "nearest", name = "Independence Day" },
    { month = 9, weekday = "mon", nth = 1, name = "Labor Day" },
    { month = 10, weekday = "mon", nth = 2, name = "Columbus Day" },
    { month = 11, day = 11, observed = "nearest", name = "Veterans Day" },
    { month = 11, weekday = "thu", nth = 4, name = "Thanksgiving Day" },
    { month = 12, day = 25, observed = "nearest", name = "Christmas Day" },
  },
  -- Germany, the nationwide ones (Einigungsvertrag art. 2; the Länder's Feiertagsgesetze)
  DE = {
    { month = 1, day = 1, name = "Neujahr" }, { easter = -2, name = "Karfreitag" },
    { easter = 1, name = "Ostermontag" }, { month = 5, day = 1, name = "Tag der Arbeit" },
    { easter = 39, name = "Christi Himmelfahrt" }, { easter = 50, name = "Pfingstmontag" },
    { month = 10, day = 3, name = "Tag der Deutschen Einheit" },
    { month = 12, day = 25, name = "1. Weihnachtstag" }, { month = 12, day = 26, name = "2. Weihnachtstag" },
  },
  -- France (Code du travail art. L3133-1)
  FR = {
    { month = 1, day = 1, name = "Jour de l'an" }, { easter = 1, name = "Lundi de Pâques" },
    { month = 5, day = 1, name = "Fête du Travail" }, { month = 5, day = 8, name = "Victoire 1945" },
    { easter = 39, name = "Ascension" }, { easter = 50, name = "Lundi de Pentecôte" },
    { month = 7, day = 14, name = "Fête nationale" }, { month = 8, day = 15, name = "Assomption" },
    { month = 11, day = 1, name = "Toussaint" }, { month = 11, day = 11, name = "Armistice 1918" },
    { month = 12, day = 25, name = "Noël" },
  },
  -- Italy (legge 260/1949 and later; San Francesco restored by legge 151/2025 from 2026)
  IT = {
    { month = 1, day = 1, name = "Capodanno" }, { month = 1, day = 6, name = "Epifania" },
    { easter = 1, name = "Lunedì dell'Angelo" }, { month = 4, day = 25, name = "Festa della Liberazione" },
    { month = 5, day = 1, name = "Festa del Lavoro" }, { month = 6, day = 2, name = "Festa della Repubblica" },
    { month = 8, day = 15, name = "Ferragosto" }, { month = 10, day = 4, since = 2026, name = "San Francesco d'Assisi" },
    { month = 11, day = 1, name = "Ognissanti" }, { month = 12, day = 8, name = "Immacolata Concezione" },
    { month = 12, day = 25, name = "Natale" }, { month = 12, day = 26, name = "Santo Stefano" },
  },
  -- Spain, the national ones common to every community (Estatuto de los Trabajadores art. 37.2)
  ES = {
    { month = 1, day = 1, name = "Año Nuevo" }, { month = 1, day = 6, name = "Epifanía del Señor" },
    { easter = -2, name = "Viernes Santo" }, { month = 5, day = 1, name = "Fiesta del Trabajo" },
    { month = 8, day = 15, name = "Asunción de la Virgen" }, { month = 10, day = 12, name = "Fiesta Nacional de España" },
    { month = 11, day = 1, name = "Todos los Santos" }, { month = 12, day = 6, name = "Día de la Constitución" },
    { month = 12, day = 8, name = "Inmaculada Concepción" }, { month = 12, day = 25, name = "Natividad del Señor" },
  },
  -- Austria (Feiertagsruhegesetz 1957 § 1)
  AT = {
    { month = 1, day = 1, name = "Neujahr" }, { month = 1, day = 6, name = "Heilige Drei Könige" },
    { easter = 1, name = "Ostermontag" }, { month = 5, day = 1, name = "Staatsfeiertag" },
    { easter = 39, name = "Christi Himmelfahrt" }, { easter = 50, name = "Pfingstmontag" },
    { easter = 60, name = "Fronleichnam" }, { month = 8, day = 15, name = "Mariä Himmelfahrt" },
    { month = 10, day = 26, name = "Nationalfeiertag" }, { month = 11, day = 1, name = "Allerheiligen" },
    { month = 12, day = 8, name = "Mariä Empfängnis" }, { month = 12, day = 25, name = "Christtag" },
    { month = 12, day = 26, name = "Stefanitag" },
  },
  -- Belgium (arrêté royal du 18 avril 1974)
  BE = {
    { month = 1, day = 1, name = "Nieuwjaar / Jour de l'an" }, { easter = 1, name = "Paasmaandag / Lundi de Pâques" },
    { month = 5, day = 1, name = "Feest van de Arbeid / Fête du Travail" },
    { easter = 39, name = "O.L.H. Hemelvaart / Ascension" }, { easter = 50, name = "Pinkstermaandag / Lundi de Pentecôte" },
    { month = 7, day = 21, name = "Nationale feestdag / Fête nationale" },
    { month = 8, day = 15, name = "O.L.V. Hemelvaart / Assomption" },
    { month = 11, day = 1, name = "Allerheiligen / Toussaint" }, { month = 11, day = 11, name = "Wapenstilstand / Armistice" },
    { month = 12, day = 25, name = "Kerstmis / Noël" },
  },
  -- Poland (ustawa o dniach wolnych od pracy 1951, as amended; Wigilia from 2025)
  PL = {
    { month = 1, day = 1, name = "Nowy Rok" }, { month = 1, day = 6, name = "Trzech Króli" },
    { easter = 0, name = "Wielkanoc" }, { easter = 1, name = "Poniedziałek Wielkanocny" },
    { month = 5, day = 1, name = "Święto Pracy" }, { month = 5, day = 3, name = "Święto Konstytucji 3 Maja" },
    { easter = 49, name = "Zielone Świątki" }, { easter = 60, name = "Boże Ciało" },
    { month = 8, day = 15, name = "Wniebowzięcie NMP" }, { month = 11, day = 1, name = "Wszystkich Świętych" },
    { month = 11, day = 11, name = "Narodowe Święto Niepodległości" },
    { month = 12, day = 24, since = 2025, name = "Wigilia" },
    { month = 12, day = 25, name = "Boże Narodzenie" }, { month = 12, day = 26, name = "Drugi dzień Bożego Narodzenia" },
  },
  -- Portugal (Código do Trabalho art. 234, as restored from 2016)
  PT = {
    { month = 1, day = 1, name = "Ano Novo" }, { easter = -2, name = "Sexta-feira Santa" },
    { easter = 0, name = "Páscoa" }, { month = 4, day = 25, name = "Dia da Liberdade" },
    { month = 5, day = 1, name = "Dia do Trabalhador" }, { easter = 60, name = "Corpo de Deus" },
    { month = 6, day = 10, name = "Dia de Portugal" }, { month = 8, day = 15, name = "Assunção de Nossa Senhora" },
    { month = 10, day = 5, name = "Implantação da República" }, { month = 11, day = 1, name = "Todos os Santos" },
    { month = 12, day = 1, name = "Restauração da Independência" },
    { month = 12, day = 8, name = "Imaculada Conceição" }, { month = 12, day = 25, name = "Natal" },
  },
}

--- calendar.holidays(region) → a copy of the built-in holiday rules of a
-- region: "GB-ENG" (England and Wales bank holidays, with substitute days;
-- one-off days such as coronations are not rules — add them as dates),
-- "US" (federal holidays as observed), and the nationwide public holidays
-- of "DE", "FR", "IT", "ES", "AT", "BE", "PL", "PT". Each rule has a name.
function M.holidays(region)
  local s = REGIONS[region]
  if not s then error("calendar: no built-in holidays for '" .. tostring(region) .. "' (" .. M.holiday_regions() .. ")", 2) end
  local copy = {}
  for i, r in ipairs(s) do
    local c = {}
    for k, v in pairs(r) do c[k] = v end
    copy[i] = c
  end
  return copy
end

--- calendar.has_holidays(region) → true when calendar.holidays knows region
function M.has_holidays(region) return REGIONS[region] ~= nil end

--- calendar.holiday_regions() → the region codes calendar.holidays knows,
-- as a sorted, comma-separated string
function M.holiday_regions()
  local names = {}
  for k in pairs(REGIONS) do names[#names + 1] = k end
  table.sort(names)
  return table.concat(names, ", ")
end

--- calendar.holiday_checker(rules) → fn(day) → the holiday's name (true for
-- a bare date) or false; day counts days since 1970-01-01 (see
-- calendar.days_from_civil). rules as in calendar.new's holidays.
function M.holiday_checker(rules)
  return holiday_set(rules)
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
  private[self] = { zone = zone, week = week, is_holiday = holiday_set(spec.holidays), intervals = {}, n_intervals = 0,
    open = {}, n_open = 0 }
  return self
end

--- cal:day_of(t) → the local calendar day of instant t (days since 1970-01-01)
function Cal:day_of(t)
  return icu.day(private[self].zone, t)
end

--- cal:zone() → the calendar's IANA time zone.
function Cal:zone() return private[self].zone end

--- cal:is_business_day(t) → open at some time on t's local date.
function Cal:is_business_day(t)
  return self:_open_day(self:day_of(t))
end

-- Whether a local date has business hours, kept per date (the same few
-- dates every decision; the table dropped whole past 4096).
function Cal:_open_day(days)
  local priv = private[self]
  local open = priv.open[days]
  if open == nil then
    open = #priv.week[weekday(days)] > 0 and not priv.is_holiday(days)
    if priv.n_open >= 4096 then priv.open, priv.n_open = {}, 0 end
    priv.open[days], priv.n_open = open, priv.n_open + 1
  end
  return open
end

-- The open intervals {open_ms, close_ms} of a local date. A calendar never
-- changes once made, and the SLA clocks, promises and legal windows of
-- every decision ask it about the same few days, so each day's intervals
-- are kept (the table dropped whole past 512 days). Callers only read
-- them; Cal:_intervals hands out copies.
local function intervals(self, days)
  local priv = private[self]
  local memo = priv.intervals
  local out = memo[days]
  if out then return out end
  out = {}
  if self:_open_day(days) then
    local y, m, d = civil_from_days(days)
    sized(#priv.week[weekday(days)] * SHIFT_COST)
    for _, iv in ipairs(priv.week[weekday(days)]) do
      local a = icu.to_ms(priv.zone, y, m, d, iv[1] // 60, iv[1] % 60)
      local b = iv[2] == 1440 and icu.to_ms(priv.zone, civil_from_days(days + 1)) or
        icu.to_ms(priv.zone, y, m, d, iv[2] // 60, iv[2] % 60)
      out[#out + 1] = { a, b }
    end
  end
  if priv.n_intervals >= 512 then
    memo, priv.n_intervals = {}, 0
    priv.intervals = memo
  end
  memo[days], priv.n_intervals = out, priv.n_intervals + 1
  return out
end

function Cal:_intervals(days)
  local out = {}
  for i, iv in ipairs(intervals(self, days)) do out[i] = { iv[1], iv[2] } end
  return out
end

local MAX_DAYS = 3700 -- ten years: a bound on every walk

--- cal:is_open(t) → true inside business hours.
function Cal:is_open(t)
  local ivs = intervals(self, self:day_of(t))
  for i = 1, #ivs do
    local iv = ivs[i]
    if t >= iv[1] and t < iv[2] then return true end
  end
  return false
end

--- cal:next_open(t) → t when open, else the next opening time.
function Cal:next_open(t)
  local day = self:day_of(t)
  for i = 0, MAX_DAYS do
    local ivs = intervals(self, day + i)
    for k = 1, #ivs do
      local iv = ivs[k]
      if t < iv[2] then walked(i); return t > iv[1] and t or iv[1] end
    end
  end
  error("calendar: no opening time within ten years", 2)
end

local function add_business_ms(self, t, ms)
  if ms == 0 then return self:next_open(t) end
  local day = self:day_of(t)
  for i = 0, MAX_DAYS do
    local ivs = intervals(self, day + i)
    for k = 1, #ivs do
      local iv = ivs[k]
      if iv[2] > t then
        local start = iv[1] > t and iv[1] or t
        local avail = iv[2] - start
        if ms <= avail then walked(i); return start + ms end
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
  walked(steps)
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
  walked(last - first)
  for day = first, last do
    local ivs = intervals(self, day)
    for k = 1, #ivs do
      local iv = ivs[k]
      local a, b = iv[1] > t1 and iv[1] or t1, iv[2] < t2 and iv[2] or t2
      if b > a then total = total + (b - a) end
    end
  end
  return total
end

M.days_from_civil, M.civil_from_days = days_from_civil, civil_from_days
return M
