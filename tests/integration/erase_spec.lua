-- Erasing a customer's personal data, the way an operator does it: through
-- the daemon, then the store file itself searched for what was erased.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"
local cjson = H.json

local ID = "ayse.erase+test@example.com"
local NAME = "Ayşe Yılmaz-Erasure"
local SECRETS = { ID, NAME, "ZQXUNIQUE", "UNIQPHONE", "UNIQNOTE", "UNIQFINDING" }

local function path_of(id) return "/v1/customers/" .. id:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end) .. "/erase" end

describe("erasing a customer", function()
  local d, first, second, other, pseudo, action_id

  setup(function()
    d = H.new()
    d:start()
    local s, res = d:post("/v1/complaints", H.complaint {
      customer = { id = ID, name = NAME, email = ID }, description = "My ZQXUNIQUE blender arrived broken." },
      { headers = { ["idempotency-key"] = "erase-key-1" } })
    assert.are.equal(201, s)
    first = res.case
    second = d:complain { customer = { id = ID, name = NAME, email = ID }, category = "defective",
      description = "Call me on UNIQPHONE, " .. NAME .. " here." }.case
    other = d:complain { customer = { id = "cust-keep", name = "Bob Keepme" }, description = "KEEPTHIS please." }.case
    -- five complaints of one SKU: a recurring cause, and its corrective
    -- action, whose note quotes the customer
    for i = 1, 5 do
      d:complain { customer = { id = "cust-sku-" .. i, name = "Other" },
        category = "defective", order = { id = "S-" .. i, amount = 1000, currency = "EUR", sku = "SKU-ERASE" } }
    end
    local cs, cas = d:get("/v1/corrective-actions", "test-read")
    assert.are.equal(200, cs)
    action_id = cas.corrective_actions[1].id
    local ns = d:post("/v1/corrective-actions/" .. action_id .. "/events",
      { type = "note", data = { text = "CANOTE: called " .. NAME .. " at " .. ID } }, { token = "test-agent" })
    assert.are.equal(200, ns)
    for _, ev in ipairs {
      { type = "customer.replied", data = { message = "It is still broken, UNIQPHONE." } },
      { type = "agent.note", data = { note = "UNIQNOTE: spoke to " .. NAME } },
      { type = "investigation.concluded", data = { justified = true, fault = "company", findings = "UNIQFINDING" } },
    } do
      local es = d:post("/v1/cases/" .. first.id .. "/events", ev, { token = "test-agent" })
      assert.are.equal(200, es)
    end
  end)
  teardown(function() d:cleanup() end)

  it("is for admins only", function()
    local s, body = d:post(path_of(ID), nil, { token = "test-agent" })
    H.assert_error(s, body, 403, "forbidden")
  end)

  it("erases every case of the customer and says what it touched", function()
    local s, res, _, raw = d:post(path_of(ID), nil, { token = "test-admin" })
    assert.are.equal(200, s, raw)
    local e = res.erased
    pseudo = e.customer
    assert.matches("^erased%-%x+$", pseudo)
    assert.are.equal(2, e.cases)
    assert.is_true(e.events >= 5 and e.decisions >= 5 and e.outbox >= 2 and e.idempotency >= 1, raw)
    assert.are.equal(1, e.corrective_actions, raw)
  end)

  it("keeps amounts, kinds, dates and the audit trail, with nothing personal", function()
    local s, res, _, raw = d:get("/v1/cases/" .. first.id, "test-read")
    assert.are.equal(200, s)
    for _, v in ipairs(SECRETS) do assert.is_nil(raw:find(v, 1, true), v .. " is still in the case") end
    local c = res.case
    assert.are.same({ pseudo, "[erased]", "[erased]" }, { c.customer.id, c.customer.name, c.description })
    assert.are.same({ 4999, "EUR", "A-1" }, { c.order.amount, c.order.currency, c.order.id })
    assert.are.equal(first.opened_at, c.opened_at)
    local last = res.timeline[#res.timeline]
    assert.are.equal("customer.erased", last.type)
    assert.matches("^%x+ admin$", last.actor)
    -- decisions keep their actions' kinds, without the rendered words
    local kinds = {}
    for _, t in ipairs(res.timeline) do
      for _, a in ipairs(t.actions or {}) do kinds[a.type] = true end
    end
    assert.is_true(kinds.acknowledge)
  end)

  it("moves the customer's index to the pseudonym and erases the outbox and stored answers", function()
    assert.are.equal(0, #d:all_cases { customer = ID })
    assert.are.equal(2, #d:all_cases { customer = pseudo })
    local s, res, _, raw = d:get("/v1/outbox?limit=1000", "test-agent")
    assert.are.equal(200, s)
    for _, v in ipairs(SECRETS) do assert.is_nil(raw:find(v, 1, true), v .. " is still in the outbox") end
    local mine = 0
    for _, it in ipairs(res.items) do if it.case_id == first.id then mine = mine + 1; assert.are.equal(pseudo, it.recipient.id) end end
    assert.is_true(mine > 0)
    -- a retried request gets the stored answer, erased too, and no new case
    local rs, _, rh, rraw = d:post("/v1/complaints", H.complaint {
      customer = { id = ID, name = NAME, email = ID }, description = "My ZQXUNIQUE blender arrived broken." },
      { headers = { ["idempotency-key"] = "erase-key-1" } })
    assert.are.equal(201, rs)
    assert.are.equal("true", rh["idempotent-replay"])
    for _, v in ipairs(SECRETS) do assert.is_nil(rraw:find(v, 1, true), v .. " is still in the stored answer") end
  end)

  it("takes the customer out of a corrective action that covers other customers too", function()
    local s, res, _, raw = d:get("/v1/corrective-actions/" .. action_id, "test-read")
    assert.are.equal(200, s)
    for _, v in ipairs(SECRETS) do assert.is_nil(raw:find(v, 1, true), v .. " is still in the corrective action") end
    -- the agent's words stay; only what names the customer goes
    assert.truthy(raw:find("CANOTE: called [erased] at " .. pseudo, 1, true), raw)
    assert.are.equal(5, #res.corrective_action.cases)
  end)

  it("leaves other customers alone, and a second erasure finds nothing", function()
    local _, res = d:get("/v1/cases/" .. other.id, "test-read")
    assert.are.equal("Bob Keepme", res.case.customer.name)
    local s, body = d:post(path_of(ID), nil, { token = "test-admin" })
    H.assert_error(s, body, 404, "not_found")
  end)

  it("leaves nothing in the store's file: freed pages were compacted away", function()
    assert.are.equal(0, d:stop())
    local bytes = assert(H.read_file(d.config.data_dir .. "/data.mdb"))
    assert.truthy(bytes:find("KEEPTHIS", 1, true), "the search can find what is kept")
    assert.truthy(bytes:find(second.id, 1, true))
    for _, v in ipairs(SECRETS) do assert.is_nil(bytes:find(v, 1, true), v .. " is still in data.mdb") end
    -- nor in the access log (the route is logged by its shape)
    assert.is_nil(d:log():find(ID, 1, true))
    assert.truthy(d:log():find("/v1/customers/{id}/erase", 1, true))
  end)
end)
