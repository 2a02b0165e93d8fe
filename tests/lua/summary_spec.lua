-- The running customer summary (redress.summary): one row per customer,
-- the sum of each case's contribution, kept by adding a decision's change.
local summary = require "redress.summary"

local DAY = 86400000
local NOW = 1796122851591 -- 2026-12-01

local function case(over)
  local c = { status = "acknowledged", opened_ms = NOW - 3 * DAY, offers = {} }
  for k, v in pairs(over or {}) do c[k] = v end
  return c
end

describe("redress.summary", function()
  it("counts complaints by the day they were opened, in 30/90/365-day windows of whole days", function()
    local row = summary.empty()
    for _, age in ipairs { 0, 30, 31, 90, 91, 365, 366 } do
      summary.add_case(row, case { opened_ms = NOW - age * DAY }, 1)
    end
    local v = summary.view(row, NOW)
    assert.are.equal(2, v.complaints_30d)
    assert.are.equal(4, v.complaints_90d)
    assert.are.equal(6, v.complaints_365d)
    assert.are.equal(7, v.open_cases)
  end)

  it("sums live offers per currency over 365 days, as the budget's spent amount too", function()
    local row = summary.add_case(summary.empty(), case { offers = {
      { status = "offered", amount = 500, currency = "EUR", at = "2026-11-30T10:00:00Z" },
      { status = "accepted", amount = 250, currency = "EUR", at = "2026-11-30T11:00:00Z" },
      { status = "declined", amount = 900, currency = "EUR", at = "2026-11-30T11:00:00Z" },
      { status = "offered", amount = 1000, currency = "THB", at = "2025-06-01T10:00:00Z" },
    } }, 1)
    local v, spent = summary.view(row, NOW)
    assert.are.same({ EUR = 750 }, v.compensation_365d)
    assert.are.same({ EUR = 750 }, spent)
  end)

  it("follows a case through a decision: remove it as it was, add it as it is", function()
    local before = case()
    local row = summary.add_case(summary.empty(), before, 1)
    local after = case { status = "resolved", offers = { { status = "offered", amount = 300, currency = "EUR",
      at = "2026-12-01T09:00:00Z" } } }
    summary.add_case(row, before, -1)
    summary.add_case(row, after, 1)
    local v = summary.view(row, NOW)
    assert.are.equal(0, v.open_cases)
    assert.are.equal(1, v.complaints_30d)
    assert.are.same({ EUR = 300 }, v.compensation_365d)
    -- and taking the case out leaves nothing behind
    summary.add_case(row, after, -1)
    assert.are.equal('{"days":{},"open":0}', summary.text(row))
  end)

  it("drops days no window reaches", function()
    local row = summary.add_case(summary.empty(), case { opened_ms = NOW - 400 * DAY }, 1)
    summary.add_case(row, case(), 1)
    summary.prune(row, NOW)
    assert.are.equal('{"days":{"20785":{"c":{},"n":1}},"open":2}', summary.text(row))
  end)

  it("reads its stored text back, and refuses a text that is not a row", function()
    local text = '{"days":{"20785":{"c":{"EUR":750,"THB":1000},"n":2},"20790":{"c":{},"n":1}},"open":1}'
    local row = summary.load(text)
    assert.are.equal(text, summary.text(row))
    -- days as JSON orders its keys: as text, "100000" before "99999"
    local wide = '{"days":{"-3":{"c":{},"n":1},"100000":{"c":{"EUR":5},"n":0},"99999":{"c":{},"n":2}},"open":0}'
    assert.are.equal(wide, summary.text(summary.load(wide)))
    local v = summary.view(row, NOW)
    assert.are.equal(3, v.complaints_30d)
    assert.are.same({ EUR = 750, THB = 1000 }, v.compensation_365d)
    for _, bad in ipairs { "", "[]", '{"open":"1"}', '{"days":{"x":{"n":1}}}', '{"days":{"1":{"n":1.5}}}',
      '{"days":{"1":{"c":{"E\\"R":1}}}}', '{"days":{"1":{"c":[]}}}', '{"open":1,"more":2}' } do
      assert.has_error(function() summary.load(bad) end, nil, bad)
    end
  end)

  -- The row as the Lua table it was (decoded, changed, encoded), kept here
  -- as the reference the C row must match, text and view.
  local ref = {}
  local LIVE = { offered = true, accepted = true }
  local CLOSED = { closed = true, rejected = true, resolved = true }
  local time = require "redress.time"
  function ref.add(row, c, sign)
    row.open = row.open + sign * (CLOSED[c.status] and 0 or 1)
    local parts = { { day = c.opened_ms // DAY, i = 0 } }
    for i, o in ipairs(c.offers) do
      if LIVE[o.status] and o.amount > 0 and o.currency then
        parts[#parts + 1] = { day = time.parse(o.at) // DAY, i = i, o = o }
      end
    end
    table.sort(parts, function(a, b) if a.day ~= b.day then return a.day < b.day end return a.i < b.i end)
    local i = 1
    while i <= #parts do
      local day = parts[i].day
      local key = tostring(day)
      local bucket = row.days[key] or { n = 0 }
      bucket.c = bucket.c or {}
      while i <= #parts and parts[i].day == day do
        local p = parts[i]
        if p.o then
          local v = (bucket.c[p.o.currency] or 0) + sign * p.o.amount
          bucket.c[p.o.currency] = v ~= 0 and v or nil
        else
          bucket.n = bucket.n + sign
        end
        i = i + 1
      end
      row.days[key] = (bucket.n ~= 0 or next(bucket.c)) and bucket or nil
    end
  end
  function ref.view(row, now)
    local today = now // DAY
    local v = { complaints_30d = 0, complaints_90d = 0, complaints_365d = 0, open_cases = math.max(row.open, 0),
      compensation_365d = {} }
    for key, b in pairs(row.days) do
      local age = today - tonumber(key)
      if age <= 365 then
        v.complaints_365d = v.complaints_365d + b.n
        if age <= 90 then v.complaints_90d = v.complaints_90d + b.n end
        if age <= 30 then v.complaints_30d = v.complaints_30d + b.n end
        for cur, a in pairs(b.c) do v.compensation_365d[cur] = (v.compensation_365d[cur] or 0) + a end
      end
    end
    return v
  end

  it("matches the table form it replaced, text and view, over generated histories", function()
    local json = require "redress.json"
    local seed = 12345
    local function rand(n) seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n + 1 end
    local CURS = { "EUR", "THB", "USD", "CNY" }
    local STATUSES = { "acknowledged", "resolved", "closed", "investigating" }
    local OFFER = { "offered", "accepted", "declined", "withdrawn" }
    local function gen()
      local c = { status = STATUSES[rand(4)], opened_ms = NOW - rand(500) * DAY + rand(DAY) - 1, offers = {} }
      for _ = 1, rand(4) - 1 do
        local at = c.opened_ms + (rand(3) - 1) * DAY
        c.offers[#c.offers + 1] = { status = OFFER[rand(4)], amount = rand(3) == 1 and 0 or rand(5000),
          currency = CURS[rand(4)], at = time.format(at) }
      end
      return c
    end
    for _ = 1, 300 do
      local row, model, live = summary.empty(), { open = 0, days = {} }, {}
      for _ = 1, rand(12) do
        if #live > 0 and rand(3) == 1 then -- a decision: the case out as it was, in as it is
          local k = rand(#live)
          local after = gen()
          after.opened_ms = live[k].opened_ms
          summary.add_case(row, live[k], -1); ref.add(model, live[k], -1)
          summary.add_case(row, after, 1); ref.add(model, after, 1)
          live[k] = after
        else
          local c = gen()
          summary.add_case(row, c, 1); ref.add(model, c, 1)
          live[#live + 1] = c
        end
        local text = summary.text(row)
        assert.are.equal(json.encode(model), text)
        assert.are.equal(text, summary.text(summary.load(text)))
        local v = summary.view(row, NOW)
        assert.are.same(ref.view(model, NOW), v)
      end
      summary.prune(row, NOW)
      for key in pairs(model.days) do
        if tonumber(key) < NOW // DAY - 366 then model.days[key] = nil end
      end
      assert.are.equal(json.encode(model), summary.text(row))
    end
  end)
end)
