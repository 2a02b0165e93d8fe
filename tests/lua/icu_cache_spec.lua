-- rd.icu keeps the formatters it opens (number, money, date, plural) in
-- two generations of at most 256 each: a state that has asked for more
-- than 256 once still finds the ones it keeps using, instead of opening
-- and closing them on every call (40 µs for a money format, 460 µs for a
-- date), and the cache stays bounded whatever a policy asks for.
local icu = require "rd.icu"

local function opened() return icu.cache_stats().opened end

-- n distinct date formatters: one zone each, a skeleton each
local SKELETONS = { "yMMMMd", "yMMMd", "yMd", "yMMMMEEEEd", "MMMMd", "yMMM", "Md", "MMMd", "yMMMMdjmm", "jmm",
  "Hm", "hm", "yMMMEd", "MEd", "yQQQ", "yw" }
local ZONES = { "UTC", "Europe/Berlin", "Asia/Tehran", "Asia/Bangkok", "Asia/Shanghai", "Europe/Moscow",
  "America/New_York", "Australia/Sydney", "Asia/Kolkata", "Africa/Cairo", "America/Sao_Paulo",
  "Pacific/Auckland", "Asia/Tokyo", "Europe/London", "America/Los_Angeles", "Asia/Dubai", "Europe/Paris",
  "Asia/Singapore" }
local function each_format(n, fn)
  local k = 0
  for _, zone in ipairs(ZONES) do
    for _, skel in ipairs(SKELETONS) do
      k = k + 1
      if k > n then return end
      fn(zone, skel)
    end
  end
end

local AT = 1767225600000 + 12345678

describe("rd.icu's formatter cache", function()
  it("keeps the formatters a state keeps using after it has opened more than 256 others", function()
    local first = icu.format_money("fa", "12.50", "EUR")
    local date = icu.format_date("th-TH", "Asia/Bangkok", AT, "yMMMMdjmm")
    each_format(280, function(zone, skel) icu.format_date("en", zone, AT, skel) end)
    each_format(280, function(zone, skel) icu.format_date("de", zone, AT, skel) end)
    assert.is_true(icu.cache_stats().kept <= 256)
    -- the two formatters of the start were dropped with their generation:
    -- each is opened once more, then found
    local before = opened()
    assert.equal(first, icu.format_money("fa", "12.50", "EUR"))
    assert.equal(date, icu.format_date("th-TH", "Asia/Bangkok", AT, "yMMMMdjmm"))
    assert.equal(before + 2, opened())
    for _ = 1, 50 do
      assert.equal(first, icu.format_money("fa", "12.50", "EUR"))
      assert.equal(date, icu.format_date("th-TH", "Asia/Bangkok", AT, "yMMMMdjmm"))
    end
    assert.equal(before + 2, opened())
  end)

  it("moves a formatter still in use out of the generation that is dropped next", function()
    local text = icu.format_money("zh", "8.00", "CNY")
    local base = opened()
    -- fill past one generation while the formatter keeps being used
    each_format(250, function(zone, skel)
      icu.format_date("ru", zone, AT, skel)
      assert.equal(text, icu.format_money("zh", "8.00", "CNY"))
    end)
    each_format(250, function(zone, skel)
      icu.format_date("fr", zone, AT, skel)
      assert.equal(text, icu.format_money("zh", "8.00", "CNY"))
    end)
    -- 500 date formatters were opened, the money one never again
    assert.equal(base + 500, opened())
    assert.is_true(icu.cache_stats().kept <= 256)
  end)
end)
