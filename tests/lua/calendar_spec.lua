-- redress.duration and redress.calendar: parsing, holidays, business time
-- across DST in Europe/London and America/New_York, split shifts.
local duration = require "redress.duration"
local calendar = require "redress.calendar"
local time = require "redress.time"

local T = time.parse
local F = time.format
local H = 3600000

describe("redress.duration", function()
  local cases = {
    { "24h", { ms = 24 * H } }, { "3 days", { ms = 72 * H } }, { "90s", { ms = 90000 } },
    { "1 day 4h", { ms = 28 * H } }, { "P14D", { ms = 14 * 24 * H } }, { "PT4H", { ms = 4 * H } },
    { "P1DT2H30M", { ms = 26.5 * H // 1 } }, { "P2W", { ms = 14 * 24 * H } },
    { "2 business days", { business = true, days = 2 } }, { "4 business hours", { business = true, ms = 4 * H } },
    { "30 business minutes", { business = true, ms = 1800000 } }, { 5000, { ms = 5000 } },
  }
  for _, c in ipairs(cases) do
    it("reads " .. tostring(c[1]), function() assert.same(c[2], duration.parse(c[1])) end)
  end
  -- (the last ones were found by the fuzzer: they overflowed into negative durations)
  for _, bad in ipairs { "", "soon", "P", "PT", "P1M", "3 fortnights", "2 business weeks", -1,
      "25555555555455h", "99999999999999999999 days", "P99999999999D", "9999999 business days", "P11DT2777777777772H", "125555555555d8h455h" } do
    it("refuses " .. tostring(bad), function()
      local d, err = duration.parse(bad)
      assert.is_nil(d)
      assert.is_string(err)
    end)
  end
  it("refuses business time where wall time is needed", function()
    assert.has_error(function() duration.ms("2 business days") end)
  end)
end)

describe("redress.calendar holidays", function()
  local function holidays(region, year)
    local cal = calendar.new { zone = "UTC", holidays = calendar.holidays(region) }
    local out = {}
    local d0 = calendar.days_from_civil(year, 1, 1)
    for d = d0, calendar.days_from_civil(year, 12, 31) do
      local wd = (d + 3) % 7 + 1
      if wd <= 5 and not cal:_open_day(d) then
        local y, m, dd = calendar.civil_from_days(d)
        out[#out + 1] = string.format("%04d-%02d-%02d", y, m, dd)
      end
    end
    return out
  end
  it("knows the 2026 bank holidays of England and Wales", function()
    assert.same({ "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31",
      "2026-12-25", "2026-12-28" }, holidays("GB-ENG", 2026))
  end)
  it("substitutes Christmas and Boxing Day on a weekend (2027)", function()
    local h = holidays("GB-ENG", 2027)
    assert.equal("2027-12-27", h[#h - 1])
    assert.equal("2027-12-28", h[#h])
  end)
  it("knows the 2026 US federal holidays as observed", function()
    assert.same({ "2026-01-01", "2026-01-19", "2026-02-16", "2026-05-25", "2026-06-19", "2026-07-03",
      "2026-09-07", "2026-10-12", "2026-11-11", "2026-11-26", "2026-12-25" }, holidays("US", 2026))
  end)
  it("takes fixed dates and nth-weekday rules", function()
    local cal = calendar.new { zone = "UTC", holidays = { "2026-11-23", { month = 11, weekday = "fri", nth = -1 } } }
    assert.is_false(cal:is_business_day(T("2026-11-23T10:00:00Z")))
    assert.is_false(cal:is_business_day(T("2026-11-27T10:00:00Z")))
    assert.is_true(cal:is_business_day(T("2026-11-24T10:00:00Z")))
  end)
end)

describe("redress.calendar business time", function()
  local london = calendar.new { zone = "Europe/London", holidays = calendar.holidays("GB-ENG") }
  local ny = calendar.new { zone = "America/New_York" }

  local adds = {
    -- London: clocks go forward on Sun 29 March 2026 (GMT → BST)
    { london, "2026-03-27T16:00:00Z", "2 business hours", "2026-03-30T09:00:00.000Z" },  -- Mon 10:00 BST
    { london, "2026-03-27T16:00:00Z", "2 business days", "2026-03-31T15:00:00.000Z" },   -- Tue 16:00 BST
    { london, "2026-03-27T16:00:00Z", "24h", "2026-03-28T16:00:00.000Z" },              -- wall clock
    -- London: clocks go back on Sun 25 October 2026 (BST → GMT)
    { london, "2026-10-23T15:00:00Z", "2 business hours", "2026-10-26T10:00:00.000Z" },  -- Fri 16:00 BST + 1h, Mon 09:00 GMT + 1h
    { london, "2026-10-23T15:00:00Z", "1 business day", "2026-10-26T16:00:00.000Z" },    -- 16:00 wall time, now GMT
    -- New York: forward on Sun 8 March, back on Sun 1 November 2026
    { ny, "2026-03-06T21:30:00Z", "1 business hour", "2026-03-09T13:30:00.000Z" },        -- Fri 16:30 EST → Mon 09:30 EDT
    { ny, "2026-10-30T20:00:00Z", "3 business hours", "2026-11-02T16:00:00.000Z" },       -- Fri 16:00 EDT → Mon 11:00 EST
    -- holidays: Good Friday and Easter Monday 2026
    { london, "2026-04-02T15:00:00Z", "2 business hours", "2026-04-07T09:00:00.000Z" },  -- Thu 16:00 BST → Tue 10:00 BST
    { london, "2026-04-02T15:00:00Z", "1 business day", "2026-04-07T15:00:00.000Z" },
    -- a start on a closed day: the next business day counts as the first
    { london, "2026-11-21T12:00:00Z", "1 business day", "2026-11-23T12:00:00.000Z" },
    { london, "2026-11-21T12:00:00Z", "0 business hours", "2026-11-23T09:00:00.000Z" },
    -- exactly at closing: the hour starts the next morning
    { london, "2026-11-20T17:00:00Z", "1 business hour", "2026-11-23T10:00:00.000Z" },
    { london, "2026-11-20T09:00:00Z", "8 business hours", "2026-11-20T17:00:00.000Z" },
  }
  for _, c in ipairs(adds) do
    it(string.format("%s + %s = %s (%s)", c[2], c[3], c[4], c[1]:zone()), function()
      assert.equal(c[4], F(c[1]:add(T(c[2]), c[3])))
    end)
  end

  it("counts business time between two instants across DST", function()
    -- Fri 27 March 09:00 GMT to Mon 30 March 18:00 BST: 8h + 8h
    assert.equal(16 * H, london:between(T("2026-03-27T09:00:00Z"), T("2026-03-30T17:00:00Z")))
    assert.equal(0, london:between(T("2026-03-28T09:00:00Z"), T("2026-03-29T20:00:00Z")))
    assert.equal(0, london:between(T("2026-03-30T12:00:00Z"), T("2026-03-30T11:00:00Z")))
  end)

  it("between undoes add", function()
    local t = T("2026-10-22T13:17:00Z")
    for _, n in ipairs { 1, 3, 8, 17, 40 } do
      local t2 = ny:add(t, n .. " business hours")
      assert.equal(n * H, ny:between(t, t2))
    end
  end)

  it("handles split shifts", function()
    local shop = calendar.new { zone = "Asia/Bangkok", hours = {
      weekdays = { { "09:00", "12:00" }, { "13:00", "18:00" } }, sat = { { "10:00", "14:00" } } } }
    -- Fri 11:00 Bangkok (04:00Z) + 3h: 1h before lunch, 2h after → 15:00 (08:00Z)
    assert.equal("2026-11-20T08:00:00.000Z", F(shop:add(T("2026-11-20T04:00:00Z"), "3 business hours")))
    -- Fri 17:00 + 3h: 1h Friday, 2h Saturday morning → Sat 12:00
    assert.equal("2026-11-21T05:00:00.000Z", F(shop:add(T("2026-11-20T10:00:00Z"), "3 business hours")))
    assert.is_false(shop:is_open(T("2026-11-20T05:30:00Z")))   -- 12:30, lunch
    assert.equal(T("2026-11-20T06:00:00Z"), shop:next_open(T("2026-11-20T05:30:00Z")))
  end)

  it("is read-only", function()
    assert.has_error(function() london.zone_override = "UTC" end, "a calendar is read-only")
    assert.is_false(getmetatable(london))
  end)

  it("refuses bad calendars with a clear message", function()
    assert.has_error(function() calendar.new { zone = "Mars/Olympus" } end,
      "calendar.new: unknown time zone 'Mars/Olympus' (use an IANA name such as Europe/London)")
    assert.has_error(function() calendar.new { hours = { weekdays = { { "9am", "5pm" } } } } end)
    assert.has_error(function() calendar.new { hours = { weekdays = {} } } end, "calendar.new: hours: the calendar is never open")
  end)
end)
