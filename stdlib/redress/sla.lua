--- redress.sla: service-level clocks that respect business time.
--
--     local sla = require "redress.sla"
--     local clocks = sla.new {
--       calendar = require("redress.calendar").pack,       -- the pack's business calendar
--       targets = {
--         first_response = { critical = "1 business hour", high = "4 business hours", medium = "1 business day", low = "2 business days" },
--         resolution = "5 business days",                  -- the same for every priority
--       },
--       warn_at = 0.8,          -- a warning when 80% of the time is used (default)
--       priority = "severity",  -- the case field that picks the target (default)
--     }
--     clocks:start(case, act, "first_response")      -- on_complaint
--     clocks:pause(case, act, "resolution")          -- waiting for the customer
--     clocks:resume(case, act, "resolution")         -- with the business time that was left
--     clocks:stop(case, act, "first_response")       -- met (or breached, if it already was)
--     local fired = clocks:on_timer(case, timer, act) -- in on_timer: nil, or { target, kind = "warning" | "breach" }
--
-- A clock's state lives in the case's facts (sla.<target>.state, .due,
-- .remaining, …) and its deadlines are durable timers (sla.<target>.warn,
-- sla.<target>.breach), so it survives restarts like everything else. The
-- engine shows every clock in the case's `sla` field. What one handler does
-- to a clock is seen by the next event (facts are applied after the call).
local M = {}

local Clocks = {}
Clocks.__index = Clocks
Clocks.__newindex = function() error("SLA clocks are read-only", 2) end
Clocks.__metatable = false

-- The clocks' calendar, targets and priority, out of the policy's reach
-- (the object itself holds nothing a decision could change); the pack's own
-- values among them are held for sandbox.freeze.
local private = setmetatable({}, { __mode = "k" })

local function key(t, f) return "sla." .. t .. "." .. f end

--- sla.new{calendar, targets, warn_at, priority} → clocks.
function M.new(spec)
  if type(spec) ~= "table" or type(spec.targets) ~= "table" then
    error("sla.new: expects { targets = { name = duration or { priority = duration } }, calendar = … }", 2)
  end
  local warn_at = spec.warn_at or 0.8
  if type(warn_at) ~= "number" or warn_at <= 0 or warn_at >= 1 then error("sla.new: warn_at must be between 0 and 1", 2) end
  for name, d in pairs(spec.targets) do
    if type(name) ~= "string" or not name:match("^[%w_]+$") then error("sla.new: target names are words such as first_response", 2) end
    if type(d) ~= "string" and type(d) ~= "table" then error("sla.new: targets." .. name .. ": a duration or { priority = duration }", 2) end
  end
  local clocks = setmetatable({}, Clocks)
  private[clocks] = { cal = spec.calendar, targets = spec.targets, warn_at = warn_at,
    priority = spec.priority or "severity" }
  require("redress.sandbox").hold(clocks, spec.targets, spec.priority)
  return clocks
end

function Clocks:_duration(case, t)
  local d = private[self].targets[t]
  if d == nil then error("sla: no target named '" .. tostring(t) .. "'", 3) end
  if type(d) == "table" then
    local pr = type(private[self].priority) == "function" and private[self].priority(case) or case[private[self].priority]
    d = d[pr] or d.default
    if d == nil then error("sla: target '" .. t .. "' has no duration for priority '" .. tostring(pr) .. "' (add default = …)", 3) end
  end
  return d
end

-- A business duration needs the calendar; wall time does not.
function Clocks:_add(t0, d)
  if private[self].cal then return private[self].cal:add(t0, d) end
  local dur = require("redress.duration").parse(d)
  if dur and dur.business then error("sla: business durations need a calendar (sla.new{ calendar = … })", 3) end
  return t0 + require("redress.duration").ms(d)
end

function Clocks:_between(a, b)
  if b <= a then return 0 end
  return private[self].cal and private[self].cal:between(a, b) or b - a
end

local function set_timers(act, t, warn, due)
  if warn then act:timer { name = "sla." .. t .. ".warn", at = warn, data = { sla = t, kind = "warning" } } end
  act:timer { name = "sla." .. t .. ".breach", at = due, data = { sla = t, kind = "breach" } }
end

local function cancel_timers(case, act, t)
  for _, k in ipairs { "warn", "breach" } do
    if case.timers and case.timers["sla." .. t .. "." .. k] then act:cancel_timer { name = "sla." .. t .. "." .. k } end
  end
end

--- clocks:start(case, act, target) → true, or false when it runs already.
function Clocks:start(case, act, t)
  local f = case.facts
  if f[key(t, "state")] == "running" or f[key(t, "state")] == "paused" then return false end
  local now = case.now
  local due = self:_add(now, self:_duration(case, t))
  local total = self:_between(now, due)
  local warn = self:_add(now, { business = private[self].cal ~= nil or nil, ms = math.floor(total * private[self].warn_at) })
  -- wall: a clock without a calendar counts wall time; the case view must too
  act:set { facts = { [key(t, "state")] = "running", [key(t, "started")] = now, [key(t, "due")] = due,
    [key(t, "total")] = total, [key(t, "remaining")] = total, [key(t, "wall")] = private[self].cal == nil or nil } }
  set_timers(act, t, warn, due)
  return true
end

--- clocks:pause(case, act, target): stops the clock, keeping the business
-- time left. → true, or false when it is not running.
function Clocks:pause(case, act, t)
  local f = case.facts
  if f[key(t, "state")] ~= "running" then return false end
  act:set { facts = { [key(t, "state")] = "paused", [key(t, "remaining")] = self:_between(case.now, f[key(t, "due")]),
    [key(t, "paused_at")] = case.now } }
  cancel_timers(case, act, t)
  return true
end

--- clocks:resume(case, act, target): runs again with the time that was
-- left. → true, or false when it is not paused.
function Clocks:resume(case, act, t)
  local f = case.facts
  if f[key(t, "state")] ~= "paused" then return false end
  local remaining, total = f[key(t, "remaining")], f[key(t, "total")]
  local business = private[self].cal ~= nil or nil
  local due = self:_add(case.now, { business = business, ms = remaining })
  -- the warning comes when warn_at of the total is used (integers: no
  -- floating-point drift between start and resume)
  local warn_left = remaining - (total - math.floor(total * private[self].warn_at))
  local warn = warn_left > 0 and self:_add(case.now, { business = business, ms = warn_left }) or nil
  act:set { facts = { [key(t, "state")] = "running", [key(t, "due")] = due } }
  if case.timers and case.timers["sla." .. t .. ".warn"] and not warn then act:cancel_timer { name = "sla." .. t .. ".warn" } end
  set_timers(act, t, warn, due)
  return true
end

--- clocks:stop(case, act, target): the target is reached. The clock ends
-- met, or breached if it was. → true, or false when it was not started.
function Clocks:stop(case, act, t)
  local f = case.facts
  local state = f[key(t, "state")]
  if state ~= "running" and state ~= "paused" and state ~= "breached" then return false end
  if state == "breached" and f[key(t, "stopped")] then return false end
  local now, total = case.now, f[key(t, "total")]
  local used
  if state == "paused" then
    used = total - f[key(t, "remaining")]
  elseif now <= f[key(t, "due")] then
    used = total - self:_between(now, f[key(t, "due")])
  else
    used = total + self:_between(f[key(t, "due")], now)
  end
  act:set { facts = { [key(t, "state")] = (state == "breached" or now > f[key(t, "due")]) and "breached" or "met",
    [key(t, "stopped")] = now, [key(t, "used")] = used, [key(t, "remaining")] = math.max(0, total - used) } }
  cancel_timers(case, act, t)
  return true
end

--- clocks:on_timer(case, timer, act) → nil for other timers; for the
-- clock's own, { target, kind = "warning" | "breach" } (a breach marks the
-- clock breached; what to do about it — escalate — is the policy's call).
function Clocks:on_timer(case, timer, act)
  local d = timer.data
  if type(d) ~= "table" or not d.sla or not private[self].targets[d.sla] then return nil end
  if d.kind == "breach" then
    act:set { facts = { [key(d.sla, "state")] = "breached", [key(d.sla, "breached_at")] = case.now } }
  end
  return { target = d.sla, kind = d.kind }
end

--- sla.view(facts, now, calendar) → { target = { state, due_at?, remaining_ms,
-- used_ms?, … } } for every clock found in facts: what the case shows
-- (remaining in business time by calendar, wall time for clocks started
-- without one).
function M.view(facts, now, cal, format)
  local out = {}
  for k, v in pairs(facts or {}) do
    local t = type(k) == "string" and k:match("^sla%.([%w_]+)%.state$")
    if t then
      local due = facts[key(t, "due")]
      local c = { state = v, total_ms = facts[key(t, "total")] }
      if due and format then c.due_at = format(due) end
      if v == "running" then
        local business = cal and not facts[key(t, "wall")]
        c.remaining_ms = due and now < due and (business and cal:between(now, due) or due - now) or 0
      elseif v == "paused" then
        c.remaining_ms = facts[key(t, "remaining")]
      else
        c.remaining_ms = facts[key(t, "remaining")] or 0
      end
      c.used_ms = facts[key(t, "used")]
      if facts[key(t, "breached_at")] and format then c.breached_at = format(facts[key(t, "breached_at")]) end
      if facts[key(t, "stopped")] and format then c.stopped_at = format(facts[key(t, "stopped")]) end
      out[t] = c
    end
  end
  return out
end

return M
