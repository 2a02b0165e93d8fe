--- redress.legal_calendar: where the law ends a period, and in which time
-- zone the consumer's days are counted. redress.legal uses it; a pack may
-- ask it directly.
--
--     local lc = require "redress.legal_calendar"
--     lc.zone(case, "Europe/Paris")        --> "Europe/Berlin" (order.delivery_country = "DE")
--     lc.non_working("CN", day)            --> "中秋节", or "Saturday", or false
--     lc.period_end("RU", "RU", last_day)  --> the day the period really ends, what moved it, notes
--
-- Three rules move the last day of a period off a day that is not a working day:
--   EU — Regulation (EEC, Euratom) No 1182/71 art. 3(4): a period whose last day is a
--        Saturday, Sunday or public holiday ends with the following working day; Directive
--        2011/83/EU recital 41 applies it to the consumer-rights periods. Public holidays are
--        the consumer's member state's (art. 2(1); which state's is our reading: confidence C).
--   RU — Гражданский кодекс РФ ст. 193: the next working day.
--   CN — 民法典 第二百零三条: the day after the statutory rest days end.
-- The UK has no such rule for its consumer periods (Consumer Contracts Regulations 2013
-- reg. 30, Consumer Rights Act 2015 s. 22): a UK period ends on its day.
--
-- China's and Russia's rest days are set by decree every year, with weekend days made
-- working days in exchange; they are dated tables below, with their decree. For a year
-- past its table the weekends still count, and the answer carries a note saying the
-- decree is not in the table — never a silent guess.
-- Days are numbered from 1970-01-01 (redress.calendar.days_from_civil).
local calendar = require "redress.calendar"

local M = {}

local function weekday(day) return (day + 3) % 7 + 1 end -- 1 = Monday … 7 = Sunday
local WEEKEND = { [6] = "Saturday", [7] = "Sunday" }

-- One IANA zone per country where one serves the consumer law's purpose (for
-- FR, ES, PT, NL, DK: the European part; a consumer in the Canaries, the
-- Azores, Madeira or overseas gives order.delivery_zone).
local ZONES = {
  AT = "Europe/Vienna", BE = "Europe/Brussels", BG = "Europe/Sofia", HR = "Europe/Zagreb", CY = "Asia/Nicosia",
  CZ = "Europe/Prague", DK = "Europe/Copenhagen", EE = "Europe/Tallinn", FI = "Europe/Helsinki", FR = "Europe/Paris",
  DE = "Europe/Berlin", GR = "Europe/Athens", HU = "Europe/Budapest", IE = "Europe/Dublin", IT = "Europe/Rome",
  LV = "Europe/Riga", LT = "Europe/Vilnius", LU = "Europe/Luxembourg", MT = "Europe/Malta", NL = "Europe/Amsterdam",
  PL = "Europe/Warsaw", PT = "Europe/Lisbon", RO = "Europe/Bucharest", SK = "Europe/Bratislava",
  SI = "Europe/Ljubljana", ES = "Europe/Madrid", SE = "Europe/Stockholm", IS = "Atlantic/Reykjavik",
  NO = "Europe/Oslo", LI = "Europe/Vaduz", CH = "Europe/Zurich", GB = "Europe/London", CN = "Asia/Shanghai",
  JP = "Asia/Tokyo", TH = "Asia/Bangkok", IR = "Asia/Tehran",
}
-- Countries spread over several zones: only the complaint can say which.
local SEVERAL = { RU = true, US = true, CA = true, AU = true, BR = true, MX = true, ID = true, KZ = true }

--- lc.country(case) → the consumer's country (ISO 3166-1 alpha-2): the
-- delivery address's (order.delivery_country), else a country-level
-- jurisdiction ("UK" reads as "GB"; "EU" names no country), else nil.
function M.country(case)
  local c = case.order and case.order.delivery_country
  if c == nil then
    local j = case.jurisdiction
    c = type(j) == "string" and j:match("^%u%u$") and j ~= "EU" and j or nil
  end
  if c == "UK" then c = "GB" end
  return c
end

--- lc.zone(case [, fallback]) → zone, note: the zone the consumer's days are
-- counted in: order.delivery_zone, else the zone of the consumer's country,
-- else fallback (the pack's zone; "UTC" without one). note says why the
-- fallback was used when the country has several zones.
function M.zone(case, fallback)
  local explicit = case.order and case.order.delivery_zone
  if type(explicit) == "string" then return explicit end
  local country = M.country(case)
  if country and ZONES[country] then return ZONES[country] end
  fallback = fallback or "UTC"
  if country and SEVERAL[country] then
    return fallback, string.format("%s spans several time zones and the complaint gives no order.delivery_zone: days are counted in %s", country, fallback)
  end
  return fallback
end

-- The decree tables. off: days off (ranges "MM-DD/MM-DD" with the holiday's
-- name); work: Saturdays and Sundays made working days.
local DECREES = {
  CN = {
    [2024] = { source = "国务院办公厅关于2024年部分节假日安排的通知 (国办发明电〔2023〕7号)", confidence = "B",
      off = { { "01-01", "元旦" }, { "02-10/02-17", "春节" }, { "04-04/04-06", "清明节" }, { "05-01/05-05", "劳动节" },
        { "06-10", "端午节" }, { "09-15/09-17", "中秋节" }, { "10-01/10-07", "国庆节" } },
      work = { "02-04", "02-18", "04-07", "04-28", "05-11", "09-14", "09-29", "10-12" } },
    [2025] = { source = "国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号)", confidence = "B",
      off = { { "01-01", "元旦" }, { "01-28/02-04", "春节" }, { "04-04/04-06", "清明节" }, { "05-01/05-05", "劳动节" },
        { "05-31/06-02", "端午节" }, { "10-01/10-08", "国庆节、中秋节" } },
      work = { "01-26", "02-08", "04-27", "09-28", "10-11" } },
    [2026] = { source = "国务院办公厅关于2026年部分节假日安排的通知 (国办发明电〔2025〕7号)", confidence = "B",
      off = { { "01-01/01-03", "元旦" }, { "02-15/02-23", "春节" }, { "04-04/04-06", "清明节" }, { "05-01/05-05", "劳动节" },
        { "06-19/06-21", "端午节" }, { "09-25/09-27", "中秋节" }, { "10-01/10-07", "国庆节" } },
      work = { "01-04", "02-14", "02-28", "05-09", "09-20", "10-10" } },
  },
  RU = {
    [2025] = { source = "Постановление Правительства РФ от 04.10.2024 № 1335 «О переносе выходных дней в 2025 году»", confidence = "B",
      off = { { "01-01/01-08", "Новогодние каникулы и Рождество" }, { "02-23", "День защитника Отечества" },
        { "03-08", "Международный женский день" }, { "05-01/05-04", "Праздник Весны и Труда" },
        { "05-08/05-11", "День Победы" }, { "06-12/06-15", "День России" }, { "11-02/11-04", "День народного единства" },
        { "12-31", "перенесённый выходной (с 5 января)" } },
      work = { "11-01" } },
    [2026] = { source = "Постановление Правительства РФ от 24.09.2025 № 1466 «О переносе выходных дней в 2026 году»", confidence = "B",
      off = { { "01-01/01-11", "Новогодние каникулы и Рождество" }, { "02-23", "День защитника Отечества" },
        { "03-08/03-09", "Международный женский день" }, { "05-01/05-03", "Праздник Весны и Труда" },
        { "05-09/05-11", "День Победы" }, { "06-12/06-14", "День России" }, { "11-04", "День народного единства" },
        { "12-31", "перенесённый выходной (с 4 января)" } },
      work = {} },
  },
}

-- Russia's statutory holidays (Трудовой кодекс РФ ст. 112), for a year
-- without its decree: one falling on a weekend moves the day off to the
-- next working day, except the January ones (ст. 112 ч. 2).
local RU_STATUTORY = {
  { "01-01/01-06", "Новогодние каникулы" }, { "01-07", "Рождество Христово" }, { "01-08", "Новогодние каникулы" },
  { "02-23", "День защитника Отечества" }, { "03-08", "Международный женский день" },
  { "05-01", "Праздник Весны и Труда" }, { "05-09", "День Победы" }, { "06-12", "День России" },
  { "11-04", "День народного единства" },
}

local function md_day(y, md)
  local m, d = md:match("^(%d%d)%-(%d%d)$")
  return calendar.days_from_civil(y, tonumber(m), tonumber(d))
end

-- Expands a year's ranges into { [day] = name } and a set of working days.
local expanded = {}
local function year_table(country, y)
  local key = country .. y
  if expanded[key] ~= nil then return expanded[key] or nil end
  local t = DECREES[country] and DECREES[country][y]
  if not t then expanded[key] = false; return nil end
  local off, work = {}, {}
  for _, r in ipairs(t.off) do
    local a, b = r[1]:match("^([%d%-]+)/([%d%-]+)$")
    for d = md_day(y, a or r[1]), md_day(y, b or r[1]) do off[d] = r[2] end
  end
  for _, md in ipairs(t.work) do work[md_day(y, md)] = true end
  expanded[key] = { off = off, work = work, source = t.source }
  return expanded[key]
end

local function covered(country)
  local first, last
  for y in pairs(DECREES[country]) do
    first, last = math.min(first or y, y), math.max(last or y, y)
  end
  return first, last
end

local ru_years = {}
local function ru_statutory(y)
  if ru_years[y] then return ru_years[y] end
  local off, moved = {}, {}
  for _, r in ipairs(RU_STATUTORY) do
    local a, b = r[1]:match("^([%d%-]+)/([%d%-]+)$")
    for d = md_day(y, a or r[1]), md_day(y, b or r[1]) do
      off[d] = r[2]
      local _, m = calendar.civil_from_days(d)
      if m ~= 1 and WEEKEND[weekday(d)] then moved[#moved + 1] = { d, r[2] } end
    end
  end
  for _, mv in ipairs(moved) do
    local d = mv[1] + 1
    while WEEKEND[weekday(d)] or off[d] do d = d + 1 end
    off[d] = mv[2] .. " (перенос)"
  end
  ru_years[y] = off
  return off
end

local checkers = {}
local function region_checker(country)
  if checkers[country] == nil then
    checkers[country] = calendar.has_holidays(country) and calendar.holiday_checker(calendar.holidays(country)) or false
  end
  return checkers[country] or nil
end

--- lc.non_working(country, day) → why the day is not a working day
-- ("Saturday", "Sunday" or the holiday's name) or false; and a note when
-- the answer may be incomplete (no table for that country or year).
function M.non_working(country, day)
  local y = calendar.civil_from_days(day)
  if DECREES[country] then
    local t = year_table(country, y)
    if t then
      if t.work[day] then return false end
      return t.off[day] or WEEKEND[weekday(day)] or false
    end
    local first, last = covered(country)
    local note = string.format("%s: the decree on %d's days off is not in redress's table (it covers %d–%d); %s",
      country, y, first, last, country == "RU" and "the statutory holidays of ст. 112 ТК РФ are counted, transfers of days off are not"
        or "only Saturdays and Sundays are counted")
    if country == "RU" then return ru_statutory(y)[day] or WEEKEND[weekday(day)] or false, note end
    return WEEKEND[weekday(day)] or false, note
  end
  local check = country and region_checker(country)
  if check then return check(day) or WEEKEND[weekday(day)] or false end
  return WEEKEND[weekday(day)] or false,
    string.format("%s: no public-holiday table in redress; only Saturdays and Sundays are counted", country or "no country")
end

local LAWS = {
  EU = { citation = "Regulation (EEC, Euratom) No 1182/71 art. 3(4) (Directive 2011/83/EU recital 41)",
    source = "eur-lex.europa.eu/eli/reg/1971/1182/oj", confidence = "A" },
  RU = { citation = "Гражданский кодекс РФ ст. 193", source = "consultant.ru", confidence = "B" },
  CN = { citation = "中华人民共和国民法典 第二百零三条", source = "npc.gov.cn", confidence = "B" },
}

--- lc.period_end(law, country, last_day) → day, moved, notes: the day a
-- period whose last day is last_day really ends under law ("EU", "RU",
-- "CN"), counting country's days off. moved is nil when the day stands,
-- else { from = day, because = { "Saturday", "2. Weihnachtstag", … },
-- citation, source, confidence }. notes lists what the tables could not say.
function M.period_end(law, country, last_day)
  local l = LAWS[law]
  if not l then error("legal_calendar.period_end: no rule for '" .. tostring(law) .. "' (EU, RU, CN)", 2) end
  local day, because, notes, seen = last_day, {}, {}, {}
  for _ = 1, 60 do
    local why, note = M.non_working(country, day)
    if note and not seen[note] then seen[note] = true; notes[#notes + 1] = note end
    if not why then break end
    because[#because + 1] = why
    day = day + 1
  end
  local moved
  if day ~= last_day then
    moved = { from = last_day, because = because, citation = l.citation, source = l.source, confidence = l.confidence }
  end
  return day, moved, notes
end

return M
