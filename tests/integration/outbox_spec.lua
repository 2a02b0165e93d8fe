-- GET /v1/outbox and POST /v1/outbox/ack.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"
local cjson = H.json

describe("outbox", function()
  local d
  local case_ids = {}

  local function outbox(q)
    local s, b, _, raw = d:get("/v1/outbox" .. H.query(q), "test-agent")
    assert.are.equal(200, s, raw)
    assert.is_table(b.items)
    return b
  end

  local function seqs(items)
    local out = {}
    for _, it in ipairs(items) do out[#out + 1] = it.seq end
    return out
  end

  local function ack(list)
    local s, b, _, raw = d:post("/v1/outbox/ack", { seqs = list }, { token = "test-agent" })
    assert.are.equal(200, s, raw)
    return b.acked
  end

  setup(function()
    d = H.new()
    d:start()
    for i = 1, 4 do
      local s, res, _, raw = d:post("/v1/complaints", H.complaint{ customer = { id = "cust-ob-" .. i } })
      assert.are.equal(201, s, raw)
      case_ids[#case_ids + 1] = res.case.id
    end
  end)

  teardown(function()
    if d then d:cleanup() end
  end)

  it("lists the actions in order with seq, case_id, type, action and created_at", function()
    local b = outbox{}
    assert.is_true(#b.items >= #case_ids, "at least one item per case")
    local last = 0
    local acks = {}
    for _, item in ipairs(b.items) do
      assert.is_true(H.is_int(item.seq), "seq is an integer")
      assert.is_true(item.seq > last, "seq increases")
      last = item.seq
      assert.is_string(item.case_id)
      assert.is_string(item.type)
      assert.is_table(item.action)
      assert.is_true(item.action.type == nil or item.action.type == item.type, "action.type matches type")
      assert.is_not_nil(H.parse_time(item.created_at), "created_at " .. tostring(item.created_at))
      if item.type == "acknowledge" then
        acks[item.case_id] = true
        assert.is_string(item.action.text)
        assert.is_true(#item.action.text > 0)
      end
    end
    for _, id in ipairs(case_ids) do
      assert.is_true(acks[id], "an acknowledge item for " .. id)
    end
    assert.are.equal(last, b.next_after)
  end)

  it("after= returns only later items", function()
    local full = outbox{}.items
    assert.is_true(#full >= 3)
    local cut = full[2].seq
    local b = outbox{ after = cut }
    local want = {}
    for i = 3, #full do want[#want + 1] = full[i].seq end
    assert.are.same(want, seqs(b.items))
    assert.are.same({}, outbox{ after = full[#full].seq }.items)
  end)

  it("limit= and next_after page through every item", function()
    local full = seqs(outbox{}.items)
    local got, after = {}, 0
    for _ = 1, #full + 1 do
      local b = outbox{ after = after, limit = 2 }
      assert.is_true(#b.items <= 2)
      if #b.items == 0 then break end
      for _, s in ipairs(seqs(b.items)) do got[#got + 1] = s end
      assert.are.equal(b.items[#b.items].seq, b.next_after)
      after = b.next_after
    end
    assert.are.same(full, got)
  end)

  it("ack removes items and counts only what it removed", function()
    local full = outbox{}.items
    assert.is_true(#full >= 3)
    local s1, s2, s3 = full[1].seq, full[2].seq, full[3].seq
    assert.are.equal(2, ack{ s1, s2 })
    local left = seqs(outbox{}.items)
    for _, s in ipairs(left) do
      assert.is_true(s ~= s1 and s ~= s2, "acknowledged item " .. s .. " is still listed")
    end
    assert.are.equal(#full - 2, #left)
    assert.are.equal(0, ack{ s1, s2 })                 -- already acknowledged
    assert.are.equal(0, ack{ 999999, 1000000 })        -- unknown
    assert.are.equal(1, ack{ s3, 999999 })             -- mixed
    assert.are.equal(#full - 3, #outbox{}.items)
  end)

  it("new decisions add items after the existing ones", function()
    local before = outbox{}.items
    local top = before[#before] and before[#before].seq or 0
    local s, res, _, raw = d:post("/v1/complaints", H.complaint{ customer = { id = "cust-ob-new" } })
    assert.are.equal(201, s, raw)
    local new = outbox{ after = top }.items
    assert.is_true(#new >= 1)
    local found = false
    for _, item in ipairs(new) do
      assert.is_true(item.seq > top)
      if item.case_id == res.case.id and item.type == "acknowledge" then found = true end
    end
    assert.is_true(found, "acknowledge for the new case")
  end)

  describe("bad requests", function()
    local function check(body, status, code, field)
      local before = outbox{}.items
      local s, b = d:post("/v1/outbox/ack", body, { token = "test-agent" })
      H.assert_error(s, b, status, code, field)
      assert.are.same(before, outbox{}.items)
    end

    it("seqs missing or not an array of integers is 422 on seqs", function()
      check({}, 422, "validation_failed", "seqs")
      check({ seqs = "1" }, 422, "validation_failed", "seqs")
    end)

    it("seqs with non-integers is 422", function()
      local items = outbox{}.items
      local s = d:post("/v1/outbox/ack", cjson.encode{ seqs = { items[1].seq, "x" } }, { token = "test-agent" })
      assert.are.equal(422, s)
      assert.are.equal(#items, #outbox{}.items, "a failed ack removed something")
    end)

    it("invalid JSON is 400", function()
      check("{seqs:[1]}", 400, "invalid_json")
    end)

    it("a bad after or limit is 422 naming it", function()
      for _, q in ipairs{ { after = "abc" }, { limit = "x" } } do
        local k = next(q)
        local s, b = d:get("/v1/outbox" .. H.query(q), "test-agent")
        H.assert_error(s, b, 422, "validation_failed", k)
      end
    end)
  end)
end)
