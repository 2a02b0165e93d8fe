-- Fuzz targets (tests/fuzz/fuzz_lua.c). Each takes the fuzzer's bytes and
-- must not raise: expected failures come back as values. A raise is a bug.
local json = require "redress.json"
local validate = require "redress.validate"
local decide = require "redress.decide"
local store = require "redress.store"
local pack = require "redress.pack"
local config = require "redress.config"
local wording = require "redress.wording"
local money = require "redress.money"
local duration = require "redress.duration"
local calendar = require "redress.calendar"

local M = {}
local home = package.path:match("([^;]*)/runtime/lua/%?%.lua") or "."
local retail = pack.load(home .. "/policies/retail", config.defaults)

local NOW = 1795402521318

--- A request body → intake checks → the case → the retail policy's decision
-- → the stored JSON. Bad input must end in a clean refusal.
function M.intake(body)
  local raw, code, msg, field, status = json.decode_object(body)
  -- the loop thread's read (up to customer.id) refuses only what the
  -- worker's refuses, with the same answer, and finds the id it finds
  local ok, id, msg2, field2, status2 = json.customer_of(body)
  if not ok then
    assert(not raw and id == code and msg2 == msg and field2 == field and status2 == status, "customer_of differs")
  elseif raw and type(raw.customer) == "table" and type(raw.customer.id) == "string" then
    assert(id ~= nil, "customer_of missed the id") -- another one: the body names two (the worker refuses it)
  end
  if not raw then
    assert(code == "invalid_json" or code == "invalid_utf8" or code == "validation_failed" or code == "out_of_range",
      "unexpected code " .. tostring(code))
    return
  end
  local c, err = validate.complaint(raw)
  if not c then
    assert(err.status == 422 and type(err.field) == "string" and type(err.message) == "string")
    return
  end
  local case = decide.new_case(c, "C0000000001", retail, NOW)
  local _, decision = decide.run(case, retail, "complaint.received", c, NOW, "on_complaint")
  assert(decision.outcome == "decided" or decision.outcome == "policy_error")
  local s = store.encode_case(case)
  assert(json.decode(s).id == "C0000000001")
  json.decode(store.encode_decision(decision))
end

local VALUES = { text = "x", money = money.new(123456, "EUR"), number = 42, date = NOW, datetime = NOW, time = NOW,
  plural = 3, select = "calm" }

--- A template → parse → render in three languages with a value for
-- every placeholder. A template that parses must render.
function M.template(text)
  local parts = wording.parse(text)
  if not parts then return end
  local vars = {}
  for _, p in ipairs(parts) do
    -- a name may appear as text and as one type: the typed value serves both
    if type(p) == "table" and (vars[p.name] == nil or p.type ~= "text") then vars[p.name] = VALUES[p.type] end
  end
  for _, lang in ipairs { "en", "fa", "ru" } do
    local ok, err = pcall(wording.render, text, vars, { lang = lang, zone = "Europe/London" })
    -- an ICU date skeleton of the fuzzer's own may be refused by ICU; that is a clean error
    assert(ok or tostring(err):find("ICU", 1, true), err)
  end
end

local cal = calendar.new { zone = "Europe/London", hours = { weekdays = { { "09:00", "12:30" }, { "13:30", "17:00" } } },
  holidays = calendar.holidays("GB-ENG") }

--- A duration → parse → placed on a calendar; business hours come back
-- out of between() exactly.
function M.duration(text)
  local d = duration.parse(text)
  if not d then return end
  if (d.ms or 0) > 3 * 365 * 86400000 or (d.days or 0) > 500 then return end -- past the calendar's horizon
  local ok, t = pcall(cal.add, cal, NOW, d)
  if not ok then -- past the calendar's ten-year horizon: its documented error
    assert(tostring(t):find("calendar: ", 1, true), t)
    return
  end
  assert(math.type(t) == "integer" and t >= NOW)
  if d.business and d.ms and d.ms > 0 then
    assert(cal:between(NOW, t) == d.ms, "between(add(t, d)) ~= d for " .. text)
  end
end

return M
