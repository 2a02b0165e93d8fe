--- redress.testing: write a pack's specs in minutes. Runs handlers through
-- the same decision step the daemon uses (redress.decide, the sandbox, the
-- engine's rules), with a virtual clock and no store.
--
--     local T = require "redress.testing"
--     local pack = T.pack(os.getenv("REDRESS_PACK") or "policies/retail")
--     local clock = T.clock("2026-11-20T10:00:00Z")
--     local r = pack:complaint(T.complaint { category = "late_delivery" }, clock)
--     assert.equal("coupon", r:offer().kind)
--     local r2 = pack:event(r, "satisfaction.reported", { score = 1 }, clock:advance("3 days"))
--     assert.equal(2, r2:action("escalate").tier)
local config = require "redress.config"
local decide = require "redress.decide"
local json = require "redress.json"
local pack_mod = require "redress.pack"
local time = require "redress.time"
local validate = require "redress.validate"

local M = {}

local UNITS = { s = 1000, sec = 1000, second = 1000, m = 60000, min = 60000, minute = 60000,
  h = 3600000, hour = 3600000, d = 86400000, day = 86400000, w = 604800000, week = 604800000 }

-- "90s", "2h", "3 days", "1 week" → milliseconds (wall-clock time).
local function duration_ms(d)
  if math.type(d) == "integer" then return d end
  local n, unit = tostring(d):match("^%s*(%d+)%s*(%a+)%s*$")
  local u = unit and (UNITS[unit] or UNITS[unit:gsub("s$", "")])
  if not u then error("testing: cannot read the duration " .. string.format("%q", tostring(d)) ..
    " (use e.g. \"90s\", \"2h\", \"3 days\")", 3) end
  return tonumber(n) * u
end

--- A virtual clock: T.clock("2026-11-20T10:00:00Z"). clock:now() gives
-- milliseconds; clock:advance("2h") moves it and returns the clock.
function M.clock(start)
  local now = start and (time.parse(start) or error("testing: bad start time " .. tostring(start), 2)) or 0
  local c = {}
  function c:now() return now end
  function c:iso() return time.format(now) end
  function c:advance(d) now = now + duration_ms(d); return self end
  return c
end

--- A valid complaint with defaults (an English email about a late parcel
-- of 49.99 EUR); fields you give replace them; a field set to false is left out.
function M.complaint(over)
  local c = { customer = { id = "c-1", name = "Anna" }, channel = "email", language = "en",
    category = "late_delivery", description = "My parcel is late.",
    order = { id = "A-1", amount = 4999, currency = "EUR" } }
  for k, v in pairs(over or {}) do c[k] = v end
  for k, v in pairs(c) do if v == false and k ~= "informed_of_withdrawal" then c[k] = nil end end
  return c
end

local Result = {}
Result.__index = Result

--- r:actions([type]) → the decision's actions (of that type).
function Result:actions(ty)
  local out = {}
  for _, a in ipairs(self.decision.actions) do
    if ty == nil or a.type == ty then out[#out + 1] = a end
  end
  return out
end

--- r:action(type) → the first action of that type, or nil.
function Result:action(ty) return self:actions(ty)[1] end

--- r:offer() → the first offer action, or nil.
function Result:offer() return self:action("offer") end

--- r:delivered(template) → the message of that template the decision sends
-- now (what goes to the outbox), or nil: an offer's message waits with the
-- offer when a budget holds it for approval.
function Result:delivered(template)
  for _, d in ipairs(self.deliver or {}) do
    if d.type == "message" and d.template == template then return d end
  end
  return nil
end

--- r:explained(code) → true when the decision explains itself with code.
function Result:explained(code)
  for _, e in ipairs(self.decision.explanation) do
    if e.code == code then return true end
  end
  return false
end

--- r:json() → the decision as the daemon would store it.
function Result:json() return json.encode(self.decision) end

local function at_ms(at)
  if at == nil then return 0 end
  if type(at) == "table" and at.now then return at:now() end
  if type(at) == "string" then return time.parse(at) or error("testing: bad time " .. at, 3) end
  return at
end

--- T.pack(dir [, settings]) → a pack you can run: settings override the
-- pack's defaults as an operator's pack_settings would.
function M.pack(dir, settings)
  local ok, p = pcall(pack_mod.load, dir, config.defaults)
  if ok and settings then -- overrides are keyed by the pack's name, known only now
    ok, p = pcall(pack_mod.load, dir, config.defaults, { [p.name] = settings })
  end
  if not ok then error(p, 2) end
  local runner = { pack = p, budgets = nil }

  --- runner:with_budgets{ per_case = { EUR = 3000 }, … } → runner with caps.
  function runner:with_budgets(b)
    self.budgets = config.normalize({ data_dir = "x", packs = { "x" }, budgets = b }).budgets
    return self
  end

  local function inputs(self, spent)
    return { budgets = self.budgets, spent = spent or { customer = {}, day = {} },
      view_extra = { history = {}, customer_summary = self:_summary() } }
  end

  --- runner:with_customer{ complaints_30d = 3, open_cases = 1, … } → runner
  -- whose decisions see that customer summary (the daemon builds it from
  -- the customer's other cases; a spec says what they would have been).
  function runner:with_customer(summary)
    local known = decide.empty_summary()
    for k in pairs(summary) do
      if known[k] == nil then error("testing: the customer summary has no field " .. tostring(k), 2) end
    end
    self.summary = summary
    return self
  end

  function runner:_summary()
    local s = decide.empty_summary()
    for k, v in pairs(self.summary or {}) do s[k] = pack_mod.deep_copy(v) end
    return s
  end

  --- runner:complaint(complaint, at) → result {case, decision, deliver};
  -- at: a clock, an RFC 3339 string or milliseconds.
  function runner:complaint(c, at)
    local valid, verr = validate.complaint(json.decode(json.encode(c)))
    if valid then valid.details, verr = validate.details(valid.details, p.details, p.name) end
    if not (valid and valid.details) then
      error("testing: the complaint is invalid: " .. verr.field .. ": " .. verr.message, 2)
    end
    local now = at_ms(at)
    local case = decide.new_case(valid, "C0000000001", p, now)
    local event, decision, deliver = decide.run(case, p, "complaint.received", valid, now, "on_complaint", inputs(self))
    return setmetatable({ case = case, decision = decision, deliver = deliver, events = { event } }, Result)
  end

  -- The decision on one more event of prev's case (already changed by the
  -- built-in step: pre), with the events so far as the view's history.
  function runner:_next(prev, case, ety, edata, now, handler, pre)
    local inp = inputs(self)
    local hist = {}
    for _, e in ipairs(prev.events) do hist[#hist + 1] = { seq = e.seq, type = e.type, at = e.at, data = e.data } end
    inp.view_extra.history = hist
    inp.pre = pre
    local event, decision, deliver = decide.run(case, p, ety, edata, now, handler, inp)
    local events = table.move(prev.events, 1, #prev.events, 1, {})
    events[#events + 1] = event
    return setmetatable({ case = case, decision = decision, deliver = deliver, events = events }, Result)
  end

  --- runner:event(result, type, data, at) → the next result for that case.
  -- type: a built-in event type or one of the pack's own (pack.lua
  -- `events`); data is checked as the API checks it (an error names the field).
  function runner:event(prev, ty, data, at)
    local case = pack_mod.deep_copy(prev.case)
    local ety, edata = validate.event({ type = ty, data = data }, p.events, p.name .. " " .. p.version)
    if not ety then error("testing: the event is invalid: " .. edata.field .. ": " .. edata.message, 2) end
    local now = at_ms(at)
    local ok, pre_d, pre_t = decide.on_event_builtin(case, ety, edata, time.format(now), p)
    if not ok then error("testing: " .. pre_d.message, 2) end
    return self:_next(prev, case, ety, edata, now, "on_event", { deliver = pre_d, trace = pre_t })
  end

  --- runner:fire(result, name [, fired_at]) → the result of the case's
  -- pending timer `name` coming due: on_timer runs with now = its due time.
  function runner:fire(prev, name, fired_at)
    local t = prev.case.timers and prev.case.timers[name]
    if not t then error("testing: the case has no pending timer '" .. tostring(name) .. "'", 2) end
    local case = pack_mod.deep_copy(prev.case)
    local data = { name = name, data = t.data, due_at = t.due_at, fired_at = time.format(at_ms(fired_at) or t.due_ms) }
    if fired_at == nil then data.fired_at = t.due_at end
    local _, pre_d, pre_t = decide.on_event_builtin(case, "timer.fired", data, data.fired_at, p)
    -- the engine's own timers (redress.promise) run no policy, as in the daemon
    local handler = not name:match("^redress%.") and "on_timer" or nil
    return self:_next(prev, case, "timer.fired", data, t.due_ms, handler, { deliver = pre_d, trace = pre_t })
  end

  return runner
end

return M
