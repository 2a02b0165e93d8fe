-- redress.time: RFC 3339 in and out. parse reads the canonical form format
-- writes from its bytes and every other form through the general parser;
-- both must agree, and a canonical-looking string that is not a date must
-- get the general parser's reason.
local time = require "redress.time"

describe("redress.time", function()
  it("reads back every instant it writes", function()
    math.randomseed(20261201)
    for _ = 1, 5000 do
      local ms = math.random(0, 4102444800000) -- 1970 … 2100
      assert.are.equal(ms, time.parse(time.format(ms)))
    end
    assert.are.equal(0, time.parse("1970-01-01T00:00:00.000Z"))
  end)

  it("writes what os.date writes, for every instant from 1970 to 9999", function()
    local function by_os(ms) return os.date("!%Y-%m-%dT%H:%M:%S", ms // 1000) .. string.format(".%03dZ", ms % 1000) end
    math.randomseed(20261202)
    local samples = { 0, 1, 999, 1000, 86399999, 86400000, 951782400000, 951868799999, 4107542399999,
      4107542400000, 253402300799999, 253402300800000, 1796122851591 }
    for _ = 1, 20000 do samples[#samples + 1] = math.random(0, 253402300799999) end
    for _ = 1, 2000 do -- the last millisecond of a day, and the first of the next
      local day = math.random(0, 2932896) * 86400000
      samples[#samples + 1] = day
      if day > 0 then samples[#samples + 1] = day - 1 end
    end
    for _, ms in ipairs(samples) do assert.are.equal(by_os(ms), time.format(ms), ms) end
    assert.are.equal(by_os(5000), time.format(5000.0)) -- an integral float is the same instant
    assert.are.equal("1969-12-31T23:59:59.000Z", time.format(-1000)) -- before 1970: os.date writes it
  end)

  it("reads the canonical form and the other RFC 3339 forms alike", function()
    local base = time.parse("2026-11-23T10:00:00.000Z")
    assert.are.equal(1795428000000, base)
    assert.are.equal(base, time.parse("2026-11-23T10:00:00Z"))
    assert.are.equal(base, time.parse("2026-11-23t10:00:00z"))
    assert.are.equal(base, time.parse("2026-11-23T11:00:00.000+01:00"))
    assert.are.equal(base + 123, time.parse("2026-11-23T10:00:00.123Z"))
    assert.are.equal(base + 123, time.parse("2026-11-23T10:00:00.1234Z"))
    assert.are.equal(base - 10 * 3600000, time.parse("2026-11-23"))
    assert.are.equal(time.parse("2025-01-01T00:00:00.000Z"), time.parse("2024-12-31T23:59:60.000Z"))
  end)

  it("refuses what only looks canonical, with the general parser's reason", function()
    for s, why in pairs {
      ["2023-02-29T00:00:00.000Z"] = "no such date", ["2026-13-01T00:00:00.000Z"] = "no such date",
      ["2026-04-31T00:00:00.000Z"] = "no such date", ["2026-11-23T24:00:00.000Z"] = "no such time",
      ["2026-11-23T10:60:00.000Z"] = "no such time", ["2026-11-2xT10:00:00.000Z"] = "not an RFC 3339 date-time",
      ["2026-11-23T10:00:00.00xZ"] = "missing or bad time zone offset", ["2026-11-23X10:00:00.000Z"] = "not an RFC 3339 date-time",
    } do
      local ms, reason = time.parse(s)
      assert.is_nil(ms, s)
      assert.are.equal(why, reason, s)
    end
    assert.are.same({ nil, "not a string" }, { time.parse(42) })
  end)
end)
