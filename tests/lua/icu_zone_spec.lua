-- rd.icu's fields, day and to_ms keep the span of instants around the last
-- one asked about in which a zone's offset holds, and answer inside it by
-- arithmetic instead of asking ICU's calendar. Every answer must be ICU's:
-- here each instant and wall time is asked twice, once right after a
-- neighbour (the span's arithmetic, when it applies) and once after an
-- instant two centuries away (ICU itself), across DST changes, half-hour
-- and 45-minute offsets, Samoa's skipped day and zones without DST.
local icu = require "rd.icu"

local ZONES = { "UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Apia",
  "Asia/Tehran", "America/Sao_Paulo", "Asia/Kolkata", "Pacific/Chatham", "Asia/Bangkok" }
local FAR = -5364662400000 -- 1800-01-01: a span far from every sample
local HOUR = 3600000

local function by_icu(zone, fn, ...)
  icu.fields(zone, FAR)
  return { fn(zone, ...) }
end

-- days since 1970-01-01 of a civil date, as redress.time counts them
local days_from_civil = require("redress.time").days_from_civil

describe("rd.icu fields, day and to_ms inside an offset's span", function()
  it("give ICU's fields and day for every instant, hour by hour across a year, and near the day Samoa skipped", function()
    for _, zone in ipairs(ZONES) do
      local samples = {}
      local start = 1767225600000 -- 2026-01-01
      for i = 0, 365 * 24 - 1 do samples[#samples + 1] = start + i * HOUR + (i * 7919) % HOUR end
      for i = -72, 72 do samples[#samples + 1] = 1325329200000 + i * HOUR - 1 end -- 2011-12-30 in Apia
      for _, ms in ipairs(samples) do
        local near = { icu.fields(zone, ms) } -- after the previous sample: the span's arithmetic
        local exact = by_icu(zone, icu.fields, ms)
        assert.are.same(exact, near, zone .. " " .. ms)
        local day = icu.day(zone, ms)
        assert.are.equal(days_from_civil(exact[1], exact[2], exact[3]), day, zone .. " " .. ms)
        assert.are.equal(day, by_icu(zone, icu.day, ms)[1], zone .. " " .. ms)
        icu.fields(zone, ms) -- the span around ms again, for the next sample
      end
    end
  end)

  it("give ICU's instant for every wall time, skipped and repeated ones included", function()
    for _, zone in ipairs(ZONES) do
      icu.fields(zone, 1767225600000)
      for day = 0, 364 do
        local date = os.date("!*t", 1767225600 + day * 86400) -- 2026, day by day
        for half = 0, 47 do
          local y, m, d = date.year, date.month, date.day
          local h, mi = half // 2, (half % 2) * 30
          local near = icu.to_ms(zone, y, m, d, h, mi, 15, 250)
          assert.are.equal(by_icu(zone, icu.to_ms, y, m, d, h, mi, 15, 250)[1], near,
            string.format("%s %d-%02d-%02d %02d:%02d", zone, y, m, d, h, mi))
          icu.to_ms(zone, y, m, d, h, mi, 15, 250)
        end
      end
    end
  end)

  it("counts days before 1970 and across the Gregorian change alike", function()
    for _, ms in ipairs { -1, -86400000, -12219292800000, -12219292800001, -62135596800000, FAR } do
      local y, m, d = icu.fields("Europe/Berlin", ms)
      assert.are.equal(days_from_civil(y, m, d), icu.day("Europe/Berlin", ms), ms)
    end
  end)
end)

-- icu.format_date keeps the last text of a date-only format with its local
-- day, and answers from it for every instant of that day: each answer must
-- be ICU's, across midnights, DST changes (a day with a transition is never
-- kept) and the locales' own calendars.
describe("icu.format_date's kept day", function()
  local LOCALES = { "en", "th-TH", "fa-IR", "zh", "ru" }
  -- 2026-03-29T01:00Z (Berlin springs forward), 2026-11-01T06:00Z (New
  -- York falls back), 2011-12-29T10:00Z (Samoa skips a day)
  local BASES = { 1774746000000, 1793512800000, 1325152800000 }

  it("gives ICU's own text for every instant, kept or not", function()
    for _, zone in ipairs(ZONES) do
      for _, loc in ipairs(LOCALES) do
        for _, base in ipairs(BASES) do
          for h = -30, 30 do
            local ms = base + h * HOUR + 1234
            icu.format_date(loc, zone, FAR)
            local fresh = icu.format_date(loc, zone, ms)
            -- kept from an instant before it, or after it across a transition
            for _, from in ipairs { -HOUR // 2, HOUR // 2, -3 * HOUR, 3 * HOUR } do
              icu.format_date(loc, zone, ms + from)
              assert.are.equal(fresh, icu.format_date(loc, zone, ms), string.format("%s %s %d from %d", loc, zone, ms, from))
            end
          end
        end
      end
    end
  end)

  it("keeps a few days at once, and each one's own text", function()
    local days = {}
    for d = 0, 5 do days[#days + 1] = 1774746000000 + d * 86400000 + 3600000 end
    local want = {}
    for i, ms in ipairs(days) do
      icu.format_date("th-TH", "Asia/Bangkok", FAR)
      want[i] = icu.format_date("th-TH", "Asia/Bangkok", ms)
    end
    for round = 1, 3 do
      for i = 1, round + 2 do -- three, four, then five days in turn
        assert.are.equal(want[i], icu.format_date("th-TH", "Asia/Bangkok", days[i] + round * 60000))
      end
    end
  end)

  it("keeps nothing for a format that shows the time of day", function()
    local at = 1774746000000 + 8 * HOUR
    local a = icu.format_date("en", "UTC", at, "yMMMMdjmm")
    local b = icu.format_date("en", "UTC", at + 5 * 60000, "yMMMMdjmm")
    assert.are_not.equal(a, b)
    assert.matches("9:05", b)
  end)
end)
