-- redress.money: table-driven, including the rounding boundaries.
local money = require "redress.money"
local EUR = function(n) return money.new(n, "EUR") end

describe("redress.money", function()
  it("counts minor units as ISO 4217 does, where ICU's display digits differ", function()
    assert.same({ 0, 2, 3, 2 }, { money.digits("JPY"), money.digits("EUR"), money.digits("KWD"), money.digits("THB") })
    -- CLDR shows these with no decimals; payment systems count them in ISO 4217's units
    assert.same({ 3, 2, 2, 2, 2 }, { money.digits("IQD"), money.digits("IRR"), money.digits("LAK"), money.digits("MGA"),
      money.digits("RSD") })
    assert.are.equal(1000, money.parse("1 IQD").amount)
    assert.has_error(function() money.digits("XYZ") end)
  end)

  local parses = {
    { "19.99 EUR", 1999, "EUR" }, { "EUR 19.99", 1999, "EUR" }, { "19.9 EUR", 1990, "EUR" }, { "19 EUR", 1900, "EUR" },
    { "500 JPY", 500, "JPY" }, { "1.250 KWD", 1250, "KWD" }, { "-5.00 EUR", -500, "EUR" }, { "0.01 USD", 1, "USD" },
  }
  for _, c in ipairs(parses) do
    it("parses " .. c[1], function()
      local m = assert(money.parse(c[1]))
      assert.same({ c[2], c[3] }, { m.amount, m.currency })
    end)
  end
  for _, bad in ipairs { "19.999 EUR", "5.5 JPY", "19.99", "EUR", "19,99 EUR", "10 XYZ", "ten EUR" } do
    it("refuses " .. bad, function()
      local m, err = money.parse(bad)
      assert.is_nil(m)
      assert.is_string(err)
    end)
  end

  local rounding = {
    -- amount, ratio, mode, expected
    { 4999, 10, "percent", nil, 500 },      -- 499.9 → 500
    { 4995, 10, "percent", nil, 500 },      -- 499.5 → 500 (even)
    { 4985, 10, "percent", nil, 498 },      -- 498.5 → 498 (even)
    { 4985, 10, "percent", "half_up", 499 },
    { 4985, 10, "percent", "down", 498 },
    { 4981, 10, "percent", "up", 499 },
    { -4985, 10, "percent", nil, -498 },
    { -4985, 10, "percent", "half_up", -499 },
    { 1000, "1/3", "times", nil, 333 },
    { 1000, "2/3", "times", nil, 667 },
    { 1000, 0.1, "times", nil, 100 },       -- 0.1 read exactly
    { 1999, 1.5, "times", nil, 2998 },      -- 2998.5 → 2998 (even)
    { 1999, 1.5, "times", "half_up", 2999 },
  }
  for _, c in ipairs(rounding) do
    it(string.format("%s %s of %d (%s) = %d", c[3], tostring(c[2]), c[1], c[4] or "half_even", c[5]), function()
      local m = EUR(c[1])
      local r = c[3] == "percent" and m:percent(c[2], c[4]) or m:times(c[2], c[4])
      assert.equal(c[5], r.amount)
    end)
  end

  it("adds, subtracts, compares, caps", function()
    assert.equal(EUR(300), EUR(100) + EUR(200))
    assert.equal(EUR(-100), EUR(100) - EUR(200))
    assert.is_true(EUR(100) < EUR(200))
    assert.equal(EUR(2000), EUR(4999):cap(EUR(2000)))
    assert.equal(EUR(100), money.min(EUR(300), EUR(100), EUR(200)))
    assert.equal(EUR(300), money.max(EUR(300), EUR(100), EUR(200)))
  end)

  it("refuses to mix currencies", function()
    assert.has_error(function() return EUR(1) + money.new(1, "USD") end, "money: cannot add EUR and USD (different currencies)")
    assert.has_error(function() return EUR(1) < money.new(1, "USD") end)
  end)

  it("splits without losing a cent", function()
    local parts = EUR(1000):split(3)
    assert.same({ 334, 333, 333 }, { parts[1].amount, parts[2].amount, parts[3].amount })
    local w = EUR(1001):split { 1, 1, 2 }
    assert.same({ 251, 250, 500 }, { w[1].amount, w[2].amount, w[3].amount })
    local neg = EUR(-10):split(3)
    assert.equal(-10, neg[1].amount + neg[2].amount + neg[3].amount)
    for n = 1, 13 do
      local total = 0
      for _, p in ipairs(EUR(9999):split(n)) do total = total + p.amount end
      assert.equal(9999, total)
    end
  end)

  it("formats for people, through ICU", function()
    assert.equal("€49.99", EUR(4999):format("en-GB"))
    assert.equal("49,99 €", (EUR(4999):format("ru-RU"):gsub("\u{a0}", " ")))
    assert.equal("¥500", money.new(500, "JPY"):format("ja-JP"):gsub("￥", "¥"))
    assert.equal("49.99", EUR(4999):major())
    assert.equal("1.250", money.new(1250, "KWD"):major())
    assert.equal("-0.05", EUR(-5):major())
    assert.equal("0.00", EUR(0):major())
    assert.equal("-500", money.new(-500, "JPY"):major())
    assert.equal("0.0007", require("redress.currencies").decimal(7, "CLF"))
    assert.equal("-0.001", money.new(-1, "KWD"):major())
    assert.equal("-92233720368547758.08", EUR(math.mininteger):major())
    assert.equal("92233720368547758.07 EUR", tostring(EUR(math.maxinteger)))
    -- tostring is major() and the code, whatever the currency's digits
    for _, c in ipairs { { 4999, "EUR" }, { -5, "EUR" }, { 0, "EUR" }, { -500, "JPY" }, { 1250, "KWD" },
      { math.mininteger, "EUR" }, { 123456, "IQD" }, { 7, "OMR" } } do
      local m = money.new(c[1], c[2])
      assert.equal(m:major() .. " " .. c[2], tostring(m))
    end
    assert.equal("-0.001 KWD", tostring(money.new(-1, "KWD")))
  end)

  it("refuses non-integer amounts and unknown currencies", function()
    assert.has_error(function() money.new(4.5, "EUR") end)
    assert.has_error(function() money.new(1, "EURO") end)
  end)
end)
