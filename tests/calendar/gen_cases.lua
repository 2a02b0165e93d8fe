-- Writes randomised calendar cases with redress.calendar's answers, one
-- JSON object a line, for compare_pandas.py to check against pandas.
-- usage: lua5.4 gen_cases.lua SEED N > cases.jsonl (with rd.so on the cpath)
require "rd"
local icu = require "rd.icu"
local calendar = require "redress.calendar"
local json = require "cjson"

local seed, n = tonumber(arg[1]) or os.time(), tonumber(arg[2]) or 2000
math.randomseed(seed)

local function us_2026_2027()
  local cal = calendar.new { zone = "UTC", holidays = calendar.holidays("US") }
  local out = {}
  for d = calendar.days_from_civil(2026, 1, 1), calendar.days_from_civil(2028, 1, 31) do
    if (d + 3) % 7 + 1 <= 5 and not cal:_open_day(d) then
      out[#out + 1] = string.format("%04d-%02d-%02d", calendar.civil_from_days(d))
    end
  end
  return out
end

local function random_holidays(k)
  local out = {}
  for _ = 1, k do
    local d = calendar.days_from_civil(2026, 1, 1) + math.random(0, 760)
    out[#out + 1] = string.format("%04d-%02d-%02d", calendar.civil_from_days(d))
  end
  return out
end

local setups = {
  { zone = "UTC", weekmask = "Mon Tue Wed Thu Fri", start = { "09:00" }, ["end"] = { "17:00" }, holidays = random_holidays(25) },
  { zone = "Europe/London", weekmask = "Mon Tue Wed Thu Fri Sat", start = { "08:30", "13:00" }, ["end"] = { "12:00", "17:30" },
    holidays = random_holidays(30) },
  { zone = "America/New_York", weekmask = "Mon Tue Wed Thu Fri", start = { "10:00" }, ["end"] = { "18:00" }, holidays = us_2026_2027() },
}
local WD = { Mon = "mon", Tue = "tue", Wed = "wed", Thu = "thu", Fri = "fri", Sat = "sat", Sun = "sun" }
for _, s in ipairs(setups) do
  local shifts = {}
  for i = 1, #s.start do shifts[i] = { s.start[i], s["end"][i] } end
  local hours = {}
  for w in s.weekmask:gmatch("%a+") do hours[WD[w]] = shifts end
  s.cal = calendar.new { zone = s.zone, hours = hours, holidays = s.holidays }
end

local function wall(zone, t)
  local y, m, d, h, mi, sec = icu.fields(zone, t)
  return string.format("%04d-%02d-%02d %02d:%02d:%02d", y, m, d, h, mi, sec)
end

for i = 1, n do
  local s = setups[(i - 1) % #setups + 1]
  local day = calendar.days_from_civil(2026, 1, 1) + math.random(0, 700)
  local y, m, d = calendar.civil_from_days(day)
  local minute = math.random(0, 4) == 0 and (math.random(0, 1) == 0 and 9 * 60 or 17 * 60) or math.random(0, 1439)
  local t = icu.to_ms(s.zone, y, m, d, minute // 60, minute % 60)
  local kind = math.random(0, 2) == 0 and "days" or "hours"
  local k = kind == "days" and math.random(1, 12) or math.random(1, 45)
  local got = s.cal:add(t, k .. " business " .. kind)
  -- business time that ends exactly at closing: redress says the closing
  -- time, pandas the next opening (the same point in business time)
  local at_close = kind == "hours" and not s.cal:is_open(got) and wall(s.zone, s.cal:next_open(got)) or nil
  io.write(json.encode { setup = (i - 1) % #setups + 1, weekmask = s.weekmask, start = s.start, ["end"] = s["end"],
    holidays = s.holidays, t = wall(s.zone, t), kind = kind, n = k, ours = wall(s.zone, got),
    ours_next_open = at_close }, "\n")
end
io.stderr:write("seed ", seed, "\n")
