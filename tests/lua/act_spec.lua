-- The act collector: each action, each validation error, wording.
local rd = require "rd"
local sandbox = require "redress.sandbox"
local act_mod = require "redress.act"

local pack = {
  name = "t", version = "1.0.0", languages = { "en", "fa" }, currency = "EUR",
  templates = {
    en = { customer = "valued customer", ack = "Dear {name}, case {case_id}.", amt = "You get {amount}." },
    fa = { customer = "مشتری گرامی", ack = "{name}، پرونده {case_id}." },
  },
  compiled = {},
}
-- as pack.lua does when a pack loads: every template parsed once
for lang, t in pairs(pack.templates) do
  pack.compiled[lang] = {}
  for k, v in pairs(t) do pack.compiled[lang][k] = assert(require("redress.wording").parse(v)) end
end

local function case(over)
  local c = { id = "C0000000001", language = "en", customer = { id = "c1", name = "Anna" },
    order = { id = "A1", amount = 1000, currency = "EUR" }, offers = {} }
  for k, v in pairs(over or {}) do c[k] = v end
  return c
end

-- Runs policy source `body` (a function body of (case, act)) in the sandbox.
local function decide(body, c)
  c = c or case()
  local col = act_mod.new(pack, c)
  local chunk = assert(sandbox.load("return function(case, act)\n" .. body .. "\nend", "t/policy.lua", sandbox.env()))
  local _, fn = rd.sandbox_call(chunk, { policy_instructions = 1e6, policy_memory = 1e7 })
  local ok, err = rd.sandbox_call(fn, { policy_instructions = 1e6, policy_memory = 1e7 }, c, col.act)
  if not ok then return nil, err end
  return col:result()
end

describe("act", function()
  it("renders an acknowledgement in the case language", function()
    local actions = decide('act:acknowledge{ template = "ack", next_contact = "48h" }')
    -- a promise is a concrete time (this collector's now is 0)
    assert.same({ type = "acknowledge", template = "ack", language = "en",
      text = "Dear Anna, case C0000000001.", next_contact = "1970-01-03T00:00:00.000Z" }, actions[1])
  end)

  it("falls back to the template 'customer' when there is no name", function()
    local actions = decide('act:acknowledge{ template = "ack" }', case { customer = { id = "c1" } })
    assert.equal("Dear valued customer, case C0000000001.", actions[1].text)
  end)

  it("isolates values inside right-to-left text", function()
    local actions = decide('act:acknowledge{ template = "ack" }', case { language = "fa-IR" })
    assert.equal("fa", actions[1].language)
    assert.equal("\u{2068}Anna\u{2069}، پرونده \u{2068}C0000000001\u{2069}.", actions[1].text)
  end)

  it("falls back to the pack's first language", function()
    local actions = decide('act:acknowledge{ template = "ack" }', case { language = "de" })
    assert.equal("en", actions[1].language)
  end)

  it("collects offers with ids, defaulting the currency to the order's", function()
    local actions = decide('act:offer{ kind = "coupon", amount = 500 }\nact:offer{ kind = "gift" }')
    assert.same({ type = "offer", id = "O1", kind = "coupon", amount = 500, currency = "EUR" }, actions[1])
    assert.equal("O2", actions[2].id)
    assert.equal(0, actions[2].amount)
  end)

  it("numbers offers after the ones the case already has", function()
    local actions = decide('act:offer{ kind = "gift" }', case { offers = { { id = "O1" }, { id = "O2" } } })
    assert.equal("O3", actions[1].id)
  end)

  it("collects escalations, sets and explanations", function()
    local actions, expl = decide([[
      act:escalate{ tier = 2, team = "legal", reason = "fraud" }
      act:set{ status = "investigating", tags = { "vip" }, facts = { score = 3 } }
      act:explain("why", "Because.")]])
    assert.same({ type = "escalate", tier = 2, team = "legal", reason = "fraud" }, actions[1])
    assert.same({ type = "set", status = "investigating", tags = { "vip" }, facts = { score = 3 } }, actions[2])
    assert.same({ { code = "why", text = "Because." } }, expl)
  end)

  it("checks a word the same way however often it is named, past what it keeps", function()
    -- 300 codes, more than the 256 answers act.lua keeps, then the first
    -- hundred again, then a bad one twice: every answer as the first time
    local _, expl = decide([[
      for i = 1, 300 do act:explain("code_" .. i, "x") end
      for i = 1, 100 do act:explain("code_" .. i, "x") end]])
    assert.equal(400, #expl)
    assert.equal("code_100", expl[400].code)
    for _ = 1, 2 do
      local actions, err = decide('local x = 1\nact:explain("bad code!", "x")')
      assert.is_nil(actions)
      assert.matches("explain: code must be a word", err)
    end
    local _, again = decide('act:explain("code_1", "x")')
    assert.same({ { code = "code_1", text = "x" } }, again)
  end)

  it("collects approval requests and corrective actions", function()
    local actions = decide([[
      act:request_approval{ offer = { kind = "refund", amount = 900 }, reason = "large refund" }
      act:open_corrective_action{ title = "Retrain the courier", cause = "parcels left outside", owner = "logistics" }]])
    assert.same({ type = "request_approval", reason = "large refund",
      offer = { id = "O1", kind = "refund", amount = 900, currency = "EUR" } }, actions[1])
    assert.same({ type = "open_corrective_action", title = "Retrain the courier", cause = "parcels left outside",
      owner = "logistics" }, actions[2])
  end)

  it("numbers offers after held ones too", function()
    local actions = decide('act:offer{ kind = "gift" }', case { offers = { { id = "O1" } }, approvals = { { id = "A1" } } })
    assert.equal("O3", actions[1].id)
  end)

  local errors = {
    { 'act:request_approval{ offer = { kind = "refund", amount = 1 } }', "request_approval: reason must say why" },
    { 'act:request_approval{ offer = { kind = "cash" }, reason = "x" }', "request_approval: offer.kind must be one of" },
    { 'act:request_approval{ reason = "x" }', "request_approval: expects a table of fields, got nil" },
    { 'act:open_corrective_action{ cause = "x" }', "open_corrective_action: title must say what to fix" },
    { 'act:offer{ kind = "cash" }', "offer: kind must be one of" },
    { 'act:offer{ kind = "coupon", amount = 5.5 }', "offer: amount must be a non%-negative integer" },
    { 'act:offer{ kind = "coupon", amount = -1 }', "offer: amount must be a non%-negative integer" },
    { 'act:offer{ kind = "coupon", amount = 100, currency = "euro" }', "offer: currency must be an ISO 4217 code" },
    { 'act:offer("coupon")', "offer: expects a table of fields, got string" },
    { 'act:escalate{ tier = 0 }', "escalate: tier must be an integer from 1 to 9" },
    { 'act:offer{ kind = "refund", amount = 0, currency = {} }', "offer: currency must be an ISO 4217 code" },
    { 'act:acknowledge{ compose = { signature = {} } }', "acknowledge: compose.signature must be a string" },
    { 'act:acknowledge{ compose = { ask = { {} } } }', "acknowledge: compose.ask must be a list of strings" },
    { 'act:escalate{ tier = 1, team = 5 }', "escalate: team must be a string" },
    { 'act:set{ status = "done" }', "set: status must be a case status" },
    { 'act:set{ tags = { 1 } }', "set: tags must be a list of strings" },
    { 'act:set{ facts = { x = {} } }', "set: facts must map names to strings, numbers or booleans" },
    { 'act:acknowledge{ template = "nope" }', "acknowledge: template 'nope' is not in templates/en.lua" },
    { 'act:acknowledge{}', "acknowledge: template must name a template" },
    { 'act:message{ template = "amt" }', "message: template uses {amount} but no value was given for it" },
    { 'act:explain("bad code!", "x")', "explain: code must be a word" },
    { 'act:explain(string.rep("a", 70) .. "!", "x")', "explain: code must be a word" },
    { 'act:timer{ name = "bad name", after = "1h" }', "timer: name must be a word" },
    { 'act:timer{ name = string.rep("a", 65), after = "1h" }', "timer: name must be a word" },
    { 'act:timer{ name = "redress.promise", after = "1h" }', "timer: name must not start with redress%." },
    { 'act:timer{ name = "t", after = "1h", data = { [true] = 1 } }', "timer: data keys must be strings or integers" },
    { 'act:timer{ name = "t", after = "1h", data = { a = { b = { c = { d = { e = 1 } } } } } }', "timer: data must be a table of strings" },
    { 'act:timer{ name = "t", after = "1h", data = { x = 1 / 0 } }', "timer: data numbers must lie within" },
    { 'act:offer{ kind = "coupon", amount = 100, currency = "eur" }', "offer: currency must be an ISO 4217 code" },
    { 'act:offer{ kind = "coupon", amount = 100, currency = "EURO" }', "offer: currency must be an ISO 4217 code" },
    { 'act.offer{ kind = "gift" }', "offer: call it as act:offer" },
    { 'act:refund{}', "act has no method 'refund'" },
  }
  for _, e in ipairs(errors) do
    it("refuses " .. e[1] .. " at the policy's line", function()
      local actions, err = decide("local x = 1\n" .. e[1])
      assert.is_nil(actions)
      assert.matches("^t/policy.lua:3: " .. e[2], err)
    end)
  end
end)

-- The methods run outside the count hook (act.lua): on raw copies of what
-- the policy passed, so a policy's code never runs inside them unbudgeted.
describe("act outside the count hook", function()
  local LOOP = "function() while true do end end"

  it("takes a money value whose amount the policy swapped for a proxy through the budgeted path", function()
    local money = require "redress.money"
    local m = money.new(500, "EUR")
    local evil = "setmetatable({}, { __index = " .. LOOP .. ", __tostring = " .. LOOP .. ", __lt = " .. LOOP ..
      ", __le = " .. LOOP .. ", __concat = " .. LOOP .. ", __eq = " .. LOOP .. " })"
    local c = case()
    c.total = m
    local actions, err = decide("case.total.amount = " .. evil .. "\nact:message{ template = 'amt', vars = { amount = case.total } }", c)
    assert.is_nil(actions)
    -- stopped by the budget, or refused before any of the proxy's code runs
    assert.is_truthy(err:match("instruction budget exhausted") or err:match("number expected, got table"), err)
  end)

  it("formats a money value the policy passed as it is", function()
    local c = case()
    c.total = require("redress.money").new(1250, "EUR")
    local actions = assert(decide("act:message{ template = 'amt', vars = { amount = case.total } }", c))
    assert.matches("12[.,]50", actions[1].text)
  end)

  it("reads a pack's data files as data: a table with a metatable is refused", function()
    local p = require "redress.pack"
    assert.has_error(function()
      p.load_data("return setmetatable({ ack = 'Thanks' }, { __index = " .. LOOP .. " })", "templates/en.lua",
        { policy_instructions = 1e6, policy_memory = 1e7 })
    end, "templates/en.lua must return data: strings, numbers, booleans and tables of them (no functions, no metatables)")
    assert.are.same({ ack = "Thanks" }, p.load_data("return { ack = 'Thanks' }", "templates/en.lua",
      { policy_instructions = 1e6, policy_memory = 1e7 }))
  end)
end)

describe("act calls and the instruction budget", function()
  it("charges a policy's work between act calls, though each call restarts the hook's count", function()
    -- 450 rounds of about 800 VM instructions each, an act call after each:
    -- the count hook (every 1,000) would never fire between two calls
    for _, call in ipairs { "act:explain('round', 'x')", "pcall(act.set, act, 1)" } do -- one that succeeds, one that fails
      local body = "for i = 1, 450 do local x = 0; for j = 1, 200 do x = x + j end; " .. call .. " end"
      local c = case()
      local col = act_mod.new(pack, c)
      local chunk = assert(sandbox.load("return function(case, act)\n" .. body .. "\nend", "t/policy.lua", sandbox.env()))
      local _, fn = rd.sandbox_call(chunk, { policy_instructions = 1e6 })
      local ok, err, kind = rd.sandbox_call(fn, { policy_instructions = 300000 }, c, col.act)
      assert.is_false(ok, call)
      assert.are.equal("instructions", kind, err)
    end
  end)
end)

describe("act methods and the pack's data", function()
  local LOOP_BUDGET = { policy_instructions = 2000000 }
  local function run(p, body)
    local c = case()
    local col = act_mod.new(p, c, 1790000000000)
    local chunk = assert(sandbox.load("return function(case, act)\n" .. body .. "\nend", "t/policy.lua", sandbox.env()))
    local _, fn = rd.sandbox_call(chunk, { policy_instructions = 1e6 })
    return rd.sandbox_call(fn, LOOP_BUDGET, c, col.act)
  end

  it("charges a promise walked day by day through the calendar by its days", function()
    local p = setmetatable({ calendar = require("redress.calendar").new { zone = "UTC" } }, { __index = pack })
    assert.is_true((run(p, "act:acknowledge{ template = 'ack', next_contact = '2 business days' }")))
    local ok, err, kind = run(p, "for i = 1, 400 do act:acknowledge{ template = 'ack', next_contact = '2000 business days' } end")
    assert.is_false(ok)
    assert.are.equal("instructions", kind, err)
  end)

  it("charges the pack's holiday rules by their number when a year is resolved", function()
    local dates = {}
    for i = 1, 20000 do dates[i] = string.format("%04d-01-%02d", 1900 + i % 200, 1 + i % 28) end
    local cal = require("redress.calendar").new { zone = "UTC", holidays = dates }
    local p = setmetatable({ calendar = cal }, { __index = pack })
    assert.is_true((run(p, "act:acknowledge{ template = 'ack', next_contact = '2 business days' }")))
    -- each promise in another year: 20,000 dates to resolve each time
    local ok, err, kind = run(p, "for i = 1, 300 do act:acknowledge{ template = 'ack', next_contact = " ..
      "string.format('%04d-06-10T10:00:00Z', 2100 + i) } end")
    assert.is_false(ok)
    assert.are.equal("instructions", kind, err)
  end)

  it("charges the pack's shifts by their number when a day's hours are worked out", function()
    local shifts = {}
    for m = 0, 1436, 4 do shifts[#shifts + 1] = { string.format("%02d:%02d", m // 60, m % 60),
      string.format("%02d:%02d", (m + 2) // 60, (m + 2) % 60) } end
    local cal = require("redress.calendar").new { zone = "UTC", hours = { weekdays = shifts } }
    local p = setmetatable({ calendar = cal }, { __index = pack })
    -- each promise on a Saturday of another week, moved to the Monday's
    -- opening: 360 shifts to work out each time (2026-01-03 was a Saturday)
    local ok, err, kind = run(p, "for i = 1, 400 do act:acknowledge{ template = 'ack', next_contact = " ..
      "1767434400000 + i * 86400000 * 7 } end")
    assert.is_false(ok)
    assert.are.equal("instructions", kind, err)
  end)

  it("charges a long template of the pack's by its length", function()
    local parts = assert(require("redress.wording").parse(string.rep("{name} ", 3000)))
    local p = setmetatable({ compiled = { en = { ack = pack.compiled.en.ack, long = parts }, fa = pack.compiled.fa } },
      { __index = pack })
    local ok, err, kind = run(p, "for i = 1, 400 do act:message{ template = 'long' } end")
    assert.is_false(ok)
    assert.are.equal("instructions", kind, err)
  end)
end)
