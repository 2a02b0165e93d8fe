-- GET /v1/cases: filters, order, cursor paging, bad filter values.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"
local cjson = H.json

describe("GET /v1/cases", function()
  local d
  local created = {}   -- case ids in the order they were opened
  local all            -- every case, as listed

  local function list(q)
    local s, b, _, raw = d:get("/v1/cases" .. H.query(q), "test-read")
    assert.are.equal(200, s, raw)
    assert.is_table(b.cases)
    return b
  end

  local function ids(cases)
    local out = {}
    for _, c in ipairs(cases) do out[#out + 1] = c.id end
    return out
  end

  local function expect(pred)
    local out = {}
    for _, c in ipairs(all) do
      if pred(c) then out[#out + 1] = c.id end
    end
    return out
  end

  setup(function()
    d = H.new()
    d:start()
    local customers = { "cust-a", "cust-b", "cust-a", "cust-c", "cust-a", "cust-b" }
    for i = 1, 23 do
      local cust = customers[(i - 1) % #customers + 1]
      local over = { customer = { id = cust }, description = "complaint " .. i }
      if i % 5 == 0 then over.channel = "social"; over.severity = "critical" end
      local s, res, _, raw = d:post("/v1/complaints", H.complaint(over))
      assert.are.equal(201, s, raw)
      created[#created + 1] = res.case.id
      H.sleep(0.005)  -- distinct opened_at milliseconds
    end
    -- move one case along so that not every case has the same status
    local s, _, _, raw = d:post("/v1/cases/" .. created[2] .. "/events",
      { type = "case.resolved", data = { resolution = "done" } }, { token = "test-agent" })
    assert.are.equal(200, s, raw)
    all = d:all_cases()
  end)

  teardown(function()
    if d then d:cleanup() end
  end)

  it("lists every case in the order it was opened", function()
    assert.are.same(created, ids(all))
    local last = -math.huge
    for _, c in ipairs(all) do
      local t = H.parse_time(c.opened_at)
      assert.is_not_nil(t, "opened_at " .. tostring(c.opened_at))
      assert.is_true(t >= last, "opened_at does not decrease")
      last = t
    end
  end)

  it("defaults to 50 per page", function()
    for i = 1, 30 do
      local s = d:post("/v1/complaints", H.complaint{ customer = { id = "cust-bulk" }, description = "bulk " .. i })
      assert.are.equal(201, s)
    end
    local b = list{}
    assert.are.equal(50, #b.cases)
    assert.is_string(b.next_cursor)
    local b2 = list{ limit = 500 }
    assert.are.equal(53, #b2.cases)
    assert.are.equal(cjson.null, b2.next_cursor)
    all = d:all_cases()
  end)

  it("filters by customer", function()
    for _, cust in ipairs{ "cust-a", "cust-b", "cust-c" } do
      local got = list{ customer = cust, limit = 500 }
      local want = expect(function(c) return c.customer.id == cust end)
      assert.is_true(#want > 0)
      assert.are.same(want, ids(got.cases))
    end
    assert.are.same({}, list{ customer = "cust-nobody" }.cases)
  end)

  it("filters by status", function()
    local statuses = {}
    for _, c in ipairs(all) do statuses[c.status] = true end
    local n = 0
    for st in pairs(statuses) do
      n = n + 1
      local want = expect(function(c) return c.status == st end)
      assert.are.same(want, ids(list{ status = st, limit = 500 }.cases), "status=" .. st)
    end
    assert.is_true(n >= 2, "expected at least two distinct statuses (case.resolved moves a case)")
    if not statuses.closed then assert.are.same({}, list{ status = "closed" }.cases) end
  end)

  it("filters by tier (exact)", function()
    local tiers = {}
    for _, c in ipairs(all) do tiers[c.tier] = true end
    tiers[7] = true
    for tier in pairs(tiers) do
      local want = expect(function(c) return c.tier == tier end)
      assert.are.same(want, ids(list{ tier = tier, limit = 500 }.cases), "tier=" .. tier)
    end
  end)

  it("filters by opened_after and opened_before", function()
    local function mid(i)  -- a time strictly between case i and case i+1
      local a, b = H.parse_time(all[i].opened_at), H.parse_time(all[i + 1].opened_at)
      assert.is_true(b - a >= 2, "cases " .. i .. " and " .. (i + 1) .. " opened in the same millisecond")
      return (a + b) // 2
    end
    local t1, t2 = mid(5), mid(15)
    local a, b = H.format_time(t1), H.format_time(t2)
    local function opened(c) return H.parse_time(c.opened_at) end
    assert.are.same(expect(function(c) return opened(c) > t1 end), ids(list{ opened_after = a, limit = 500 }.cases))
    assert.are.same(expect(function(c) return opened(c) < t2 end), ids(list{ opened_before = b, limit = 500 }.cases))
    local both = list{ opened_after = a, opened_before = b, limit = 500 }.cases
    assert.are.same(expect(function(c) return opened(c) > t1 and opened(c) < t2 end), ids(both))
    assert.are.equal(10, #both)
    -- an offset other than Z means the same instant
    local shifted = H.format_time(t1 + 3600 * 1000):gsub("Z$", "+01:00")
    assert.are.same(ids(list{ opened_after = a, limit = 500 }.cases), ids(list{ opened_after = shifted, limit = 500 }.cases))
  end)

  it("pages with limit and cursor: no duplicates, no gaps", function()
    for _, limit in ipairs{ 1, 5, 7, 53, 60 } do
      local seen, got, cursor, pages = {}, {}, nil, 0
      repeat
        local b = list{ limit = limit, cursor = cursor }
        pages = pages + 1
        assert.is_true(#b.cases <= limit, "page larger than limit")
        for _, c in ipairs(b.cases) do
          assert.is_nil(seen[c.id], "duplicate " .. c.id .. " with limit " .. limit)
          seen[c.id] = true
          got[#got + 1] = c.id
        end
        if b.next_cursor ~= cjson.null then
          assert.is_string(b.next_cursor)
          assert.are.equal(limit, #b.cases, "a page before the last is full")
        end
        cursor = b.next_cursor ~= cjson.null and b.next_cursor or nil
        assert.is_true(pages <= #all + 1, "paging does not end")
      until cursor == nil
      assert.are.same(ids(all), got, "limit " .. limit)
    end
  end)

  it("pages through a filter", function()
    local want = expect(function(c) return c.customer.id == "cust-a" end)
    local got, cursor = {}, nil
    repeat
      local b = list{ customer = "cust-a", limit = 2, cursor = cursor }
      for _, c in ipairs(b.cases) do got[#got + 1] = c.id end
      cursor = b.next_cursor ~= cjson.null and b.next_cursor or nil
    until cursor == nil
    assert.are.same(want, got)
  end)

  -- a status filter is looked for in the stored bytes (store.scan): pages
  -- end on a match or on the last case looked at, with nothing lost
  it("pages through a status filter", function()
    local statuses = {}
    for _, c in ipairs(all) do if not statuses[c.status] then statuses[#statuses + 1], statuses[c.status] = c.status, true end end
    assert.is_true(#statuses >= 2, "the cases have more than one status")
    for _, st in ipairs(statuses) do
      local want = expect(function(c) return c.status == st end)
      for _, limit in ipairs { 1, 2, 7 } do
        local got, cursor, pages = {}, nil, 0
        repeat
          local b = list{ status = st, limit = limit, cursor = cursor }
          for _, c in ipairs(b.cases) do got[#got + 1] = c.id end
          cursor = b.next_cursor ~= cjson.null and b.next_cursor or nil
          pages = pages + 1
          assert.is_true(pages <= #all + 1, "paging does not end")
        until cursor == nil
        assert.are.same(want, got, st .. ", limit " .. limit)
      end
    end
  end)

  it("a case opened while paging appears once, at the end", function()
    local first = list{ limit = 10 }
    local s, res = d:post("/v1/complaints", H.complaint{ customer = { id = "cust-late" } })
    assert.are.equal(201, s)
    local got, cursor = ids(first.cases), first.next_cursor
    while cursor ~= cjson.null do
      local b = list{ limit = 10, cursor = cursor }
      for _, c in ipairs(b.cases) do got[#got + 1] = c.id end
      cursor = b.next_cursor
    end
    all = d:all_cases()
    assert.are.same(ids(all), got)
    assert.are.equal(res.case.id, got[#got])
  end)

  describe("bad filter values are 422 naming the parameter", function()
    local bad = {
      { "tier", "abc" }, { "tier", "1.5" },
      { "limit", "0" }, { "limit", "501" }, { "limit", "-1" }, { "limit", "ten" },
      { "opened_after", "yesterday" }, { "opened_before", "2026-13-45T99:00:00Z" },
      { "status", "sleeping" },
      { "cursor", "not-a-cursor" },
    }
    for _, c in ipairs(bad) do
      it(c[1] .. "=" .. c[2], function()
        local s, b = d:get("/v1/cases" .. H.query{ [c[1]] = c[2] }, "test-read")
        H.assert_error(s, b, 422, "validation_failed", c[1])
      end)
    end

    it("limit=1 and limit=500 are fine", function()
      assert.are.equal(1, #list{ limit = 1 }.cases)
      list{ limit = 500 }
    end)
  end)

  describe("a query parameter a route does not take is a 422, not ignored", function()
    it("a misspelt filter names itself and the one meant", function()
      local s, b = d:get("/v1/cases?stauts=open", "test-read")
      H.assert_error(s, b, 422, "validation_failed", "stauts")
      assert.truthy(b.error.message:find("did you mean status?", 1, true), b.error.message)
    end)

    it("a filter the API does not have lists the ones it has", function()
      local s, b = d:get("/v1/cases?category=billing", "test-read")
      H.assert_error(s, b, 422, "validation_failed", "category")
      assert.truthy(b.error.message:find("opened_after", 1, true), b.error.message)
    end)

    it("a parameter given twice", function()
      local s, b = d:get("/v1/cases?status=open&status=closed", "test-read")
      H.assert_error(s, b, 422, "validation_failed", "status")
    end)

    it("on the outbox, the timers and a route without parameters", function()
      local s, b = d:get("/v1/outbox?afer=3", "test-agent")
      H.assert_error(s, b, 422, "validation_failed", "afer")
      assert.truthy(b.error.message:find("did you mean after?", 1, true), b.error.message)
      s, b = d:get("/v1/timers?due=2026-01-01T00:00:00Z", "test-read")
      H.assert_error(s, b, 422, "validation_failed", "due")
      s, b = d:get("/v1/packs?verbose=1", "test-read")
      H.assert_error(s, b, 422, "validation_failed", "verbose")
    end)

    it("a long or non-UTF-8 name still gets a JSON answer", function()
      local s, b = d:get("/v1/cases?" .. string.rep("x", 5000) .. "=1", "test-read")
      assert.are.equal(422, s)
      assert.are.equal("validation_failed", b.error.code)
      s, b = d:get("/v1/cases?%FF%FE=1", "test-read")
      assert.are.equal(422, s)
      assert.are.equal("validation_failed", b.error.code)
      s, b = d:get("/v1/cases?customer=%FF%FE", "test-read")
      H.assert_error(s, b, 422, "validation_failed", "customer")
      s, b = d:get("/v1/cases?" .. string.rep("ก", 100) .. "=1", "test-read")
      assert.are.equal(422, s)
      assert.truthy(utf8.len(b.error.field), "field is cut on a character boundary")
    end)
  end)
end)
