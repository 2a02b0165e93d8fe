-- The law's calendar: a period ends where the law says (EU Reg. 1182/71 art.
-- 3(4), ГК РФ ст. 193, 民法典 第二百零三条; not in the UK), on the consumer's
-- own days off, counted in the consumer's own time zone. Boundary days:
-- a last day on a Saturday, on a public holiday, on a make-up working day,
-- and deliveries at 23:30 and 00:30 local time.
local legal = require "redress.legal"
local lc = require "redress.legal_calendar"
local calendar = require "redress.calendar"
local time = require "redress.time"

local PACK_ZONE = "UTC" -- what a pack would pass: it must not decide the consumer's days

local function entry(jurisdiction, order, now, id, extra)
  local c = { jurisdiction = jurisdiction, category = "other", order = order, facts = {} }
  for k, v in pairs(extra or {}) do c[k] = v end
  local r = legal.remedies(c, { now = time.parse(now), zone = PACK_ZONE })
  for _, e in ipairs(r.owed) do if e.id == id then return e, true end end
  for _, e in ipairs(r.expired) do if e.id == id then return e, false end end
  error("no " .. id .. " in the answer")
end

local function day(s)
  local y, m, d = s:match("^(%d+)%-(%d+)%-(%d+)$")
  return calendar.days_from_civil(tonumber(y), tonumber(m), tonumber(d))
end

describe("the EU's period end (Reg. 1182/71 art. 3(4))", function()
  local function withdrawal(delivered, now, country)
    return entry(country or "DE", { sale = "distance", kind = "goods", delivered_at = delivered }, now, "EU.withdrawal")
  end

  it("moves a last day on a Saturday to the Monday", function()
    -- delivered Sat 7 Nov 2026 in Berlin; day 14 is Sat 21 Nov
    local e, owed = withdrawal("2026-11-07T09:00:00Z", "2026-11-23T12:00:00Z")
    assert.is_true(owed)
    assert.equal("2026-11-23T22:59:59.999Z", e.until_at)
    assert.equal("2026-11-21T22:59:59.999Z", e.period_end.from_at)
    assert.same({ "Saturday", "Sunday" }, e.period_end.because)
    assert.matches("1182/71 art. 3%(4%)", e.period_end.citation)
    assert.equal("A", e.period_end.confidence)
    local _, later = withdrawal("2026-11-07T09:00:00Z", "2026-11-24T12:00:00Z")
    assert.is_false(later)
  end)

  it("moves a last day on a public holiday past the holidays and the weekend", function()
    -- delivered Fri 11 Dec 2026; day 14 is Fri 25 Dec (1. Weihnachtstag)
    local e = withdrawal("2026-12-11T09:00:00Z", "2026-12-20T12:00:00Z")
    assert.equal("2026-12-28T22:59:59.999Z", e.until_at)
    assert.same({ "1. Weihnachtstag", "2. Weihnachtstag", "Sunday" }, e.period_end.because)
    assert.equal("Europe/Berlin", e.zone)
  end)

  it("counts a delivery at 23:30 local time on that day, whatever the pack's zone", function()
    -- 22:30 UTC = 23:30 in Berlin, Mon 2 Nov: day 14 is Mon 16 Nov
    local e = withdrawal("2026-11-02T22:30:00Z", "2026-11-10T12:00:00Z")
    assert.equal("2026-11-16T22:59:59.999Z", e.until_at)
    assert.is_nil(e.period_end)
  end)

  it("counts a delivery at 00:30 local time on the next day", function()
    -- 23:30 UTC on 2 Nov = 00:30 in Berlin on Tue 3 Nov: day 14 is Tue 17 Nov
    local e = withdrawal("2026-11-02T23:30:00Z", "2026-11-10T12:00:00Z")
    assert.equal("2026-11-17T22:59:59.999Z", e.until_at)
  end)

  it("takes the delivery address's country and an explicit zone over the jurisdiction", function()
    local c = { jurisdiction = "EU", category = "other", facts = {},
      order = { sale = "distance", delivered_at = "2026-12-11T09:00:00Z", delivery_country = "ES", delivery_zone = "Atlantic/Canary" } }
    local e = legal.remedies(c, { now = time.parse("2026-12-20T12:00:00Z"), zone = PACK_ZONE }).owed[1]
    -- Canary time is UTC in winter; 25 Dec is Natividad del Señor, then the weekend
    assert.equal("Atlantic/Canary", e.zone)
    assert.equal("2026-12-28T23:59:59.999Z", e.until_at)
    assert.same({ "Natividad del Señor", "Saturday", "Sunday" }, e.period_end.because)
  end)

  it("says so when it has no holiday table for the member state", function()
    -- Sweden: 25 Dec is a holiday there, but redress has no table for SE
    local e = withdrawal("2026-12-11T09:00:00Z", "2026-12-20T12:00:00Z", "SE")
    assert.equal("2026-12-25T22:59:59.999Z", e.until_at)
    assert.matches("SE: no public%-holiday table", e.notes[1])
  end)
end)

describe("the UK's periods end on their day", function()
  it("keeps a cancellation period's last day on a Saturday", function()
    local order = { sale = "distance", delivered_at = "2026-11-07T10:00:00Z" }
    local e, owed = entry("UK", order, "2026-11-21T23:30:00Z", "UK.cancellation")
    assert.is_true(owed)
    assert.equal("2026-11-21T23:59:59.999Z", e.until_at)
    assert.is_nil(e.period_end)
    local _, later = entry("UK", order, "2026-11-23T09:00:00Z", "UK.cancellation")
    assert.is_false(later)
  end)

  it("keeps the short-term right to reject's last day on Christmas Day", function()
    local e = entry("GB", { delivered_at = "2026-11-25T10:00:00Z" }, "2026-12-01T10:00:00Z", "UK.short_term_reject",
      { category = "defective" })
    assert.equal("2026-12-25T23:59:59.999Z", e.until_at)
    assert.equal("Europe/London", e.zone)
  end)

  it("counts a delivery at 00:30 British Summer Time on the next day", function()
    -- 23:30 UTC on 1 Jul = 00:30 BST on 2 Jul: day 14 is 16 Jul
    local e = entry("UK", { sale = "distance", delivered_at = "2026-07-01T23:30:00Z" }, "2026-07-05T10:00:00Z", "UK.cancellation")
    assert.equal("2026-07-16T22:59:59.999Z", e.until_at)
  end)
end)

describe("China's period end (民法典 第二百零三条) on the State Council's days off", function()
  local function no_reason(delivered, now)
    return entry("CN", { sale = "distance", delivered_at = delivered }, now, "CN.no_reason_return")
  end

  it("moves a last day on the Mid-Autumn holiday to the next working day", function()
    -- delivered Fri 18 Sep 2026; day 7 is Fri 25 Sep, 中秋节 25–27 Sep
    local e = no_reason("2026-09-18T02:00:00Z", "2026-09-28T10:00:00Z")
    assert.equal("2026-09-28T15:59:59.999Z", e.until_at)
    assert.same({ "中秋节", "中秋节", "中秋节" }, e.period_end.because)
    assert.matches("第二百零三条", e.period_end.citation)
  end)

  it("keeps a last day on a make-up working Saturday (调休)", function()
    -- delivered Sat 3 Oct 2026; day 7 is Sat 10 Oct, a working day by the 2026 notice
    local e = no_reason("2026-10-03T02:00:00Z", "2026-10-09T10:00:00Z")
    assert.equal("2026-10-10T15:59:59.999Z", e.until_at)
    assert.is_nil(e.period_end)
  end)

  it("moves an ordinary Saturday to the Monday", function()
    local e = no_reason("2026-11-07T02:00:00Z", "2026-11-09T10:00:00Z")
    assert.equal("2026-11-16T15:59:59.999Z", e.until_at)
    assert.same({ "Saturday", "Sunday" }, e.period_end.because)
  end)

  it("counts 23:30 and 00:30 in Beijing time", function()
    assert.equal("2026-11-09T15:59:59.999Z", no_reason("2026-11-02T15:30:00Z", "2026-11-05T10:00:00Z").until_at)
    assert.equal("2026-11-10T15:59:59.999Z", no_reason("2026-11-02T16:30:00Z", "2026-11-05T10:00:00Z").until_at)
  end)

  it("says when a date falls past the last year its table covers", function()
    local e = no_reason("2027-02-01T02:00:00Z", "2027-02-03T10:00:00Z")
    assert.equal("2027-02-08T15:59:59.999Z", e.until_at)
    assert.matches("2027's days off is not in redress's table %(it covers 2024–2026%)", e.notes[1])
  end)
end)

describe("Russia's period end (ГК РФ ст. 193) on the government's days off", function()
  local MSK = { delivery_zone = "Europe/Moscow" }
  local function order(t)
    for k, v in pairs(MSK) do t[k] = v end
    return t
  end

  it("moves a last day on a transferred day off past the weekend", function()
    -- delivered Fri 2 Jan 2026; day 7 is Fri 9 Jan, a day off moved from 3 Jan
    local e = entry("RU", order { sale = "distance", delivered_at = "2026-01-02T09:00:00Z" }, "2026-01-05T09:00:00Z",
      "RU.distance_return")
    assert.equal("2026-01-12T20:59:59.999Z", e.until_at)
    assert.equal(3, #e.period_end.because)
    assert.matches("ст%. 193", e.period_end.citation)
  end)

  it("moves a Saturday to the Monday", function()
    local e = entry("RU", order { purchased_at = "2026-11-07T09:00:00Z" }, "2026-11-10T09:00:00Z", "RU.exchange")
    assert.equal("2026-11-23T20:59:59.999Z", e.until_at)
  end)

  it("keeps a last day on a Saturday the decree made a working day", function()
    -- 1 Nov 2025 was a working Saturday (days off moved to 3 Nov)
    local e = entry("RU", order { sale = "distance", delivered_at = "2025-10-25T09:00:00Z" }, "2025-10-27T09:00:00Z",
      "RU.distance_return")
    assert.equal("2025-11-01T20:59:59.999Z", e.until_at)
    assert.is_nil(e.period_end)
  end)

  it("counts 00:30 in Vladivostok on the consumer's day", function()
    -- 14:30 UTC = 00:30 on Tue 3 Nov in Vladivostok (UTC+10): day 7 is Tue 10 Nov
    local e = entry("RU", { sale = "distance", delivered_at = "2026-11-02T14:30:00Z", delivery_zone = "Asia/Vladivostok" },
      "2026-11-04T09:00:00Z", "RU.distance_return")
    assert.equal("2026-11-10T13:59:59.999Z", e.until_at)
    assert.equal("Asia/Vladivostok", e.zone)
  end)

  it("says which zone it used when the complaint names none", function()
    local e = entry("RU", { sale = "distance", delivered_at = "2026-11-02T09:00:00Z" }, "2026-11-04T09:00:00Z",
      "RU.distance_return")
    assert.equal(PACK_ZONE, e.zone)
    assert.matches("RU spans several time zones", e.notes[1])
  end)

  it("past the decree table: the statutory holidays, and a note", function()
    -- 23 Feb 2027 (Tuesday) is a holiday by ст. 112 ТК РФ
    local e = entry("RU", order { sale = "distance", delivered_at = "2027-02-16T09:00:00Z" }, "2027-02-17T09:00:00Z",
      "RU.distance_return")
    assert.equal("2027-02-24T20:59:59.999Z", e.until_at)
    assert.same({ "День защитника Отечества" }, e.period_end.because)
    assert.matches("transfers of days off are not", e.notes[1])
  end)
end)

describe("redress.legal_calendar", function()
  it("reads the tables day by day", function()
    assert.equal("春节", lc.non_working("CN", day("2026-02-20")))
    assert.is_false(lc.non_working("CN", day("2026-02-28"))) -- a make-up working Saturday
    assert.equal("Sunday", lc.non_working("CN", day("2026-03-01")))
    assert.is_false(lc.non_working("RU", day("2025-02-24"))) -- 23 Feb 2025 moved to 8 May by the decree
    assert.equal("День Победы", lc.non_working("RU", day("2025-05-08")))
    assert.equal("Fête nationale", lc.non_working("FR", day("2026-07-14")))
    assert.equal("Wigilia", lc.non_working("PL", day("2026-12-24")))
    assert.is_false(lc.non_working("PL", day("2024-12-24"))) -- a holiday only from 2025
  end)

  it("applies Russia's weekend rule to a year without a decree", function()
    -- 9 May 2027 is a Sunday: the day off moves to Monday 10 May
    assert.matches("День Победы", lc.non_working("RU", day("2027-05-10")))
    -- the January holidays are not moved by the rule
    assert.is_false(lc.non_working("RU", day("2027-01-11")))
  end)

  it("refuses a law it does not know", function()
    assert.has_error(function() lc.period_end("UK", "GB", day("2026-11-21")) end,
      "legal_calendar.period_end: no rule for 'UK' (EU, RU, CN)")
  end)
end)
