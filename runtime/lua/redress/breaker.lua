--- Quarantine: a circuit breaker per pack version, shared by every decision
-- worker (its state lives in C, bindings/breaker.c). A pack whose calls keep
-- hitting their limits (instructions, memory, wall clock) would spend the
-- workers' time on nothing; after `after` such calls in a row it is
-- quarantined for `seconds`: its complaints and events are recorded as
-- policy errors (limit "quarantined") and go to manual review without
-- running the policy. When the time is up one call is let through (half
-- open): a call within its limits closes the breaker, one over them
-- quarantines the pack again for twice as long (at most `max_seconds`).
-- Time is the events' intake time, never read here.
local rd = require "rd"
local time = require "redress.time"

local M = {}

local Breaker = {}
Breaker.__index = Breaker

-- The failures that count: the budgets. A plain error (a bug in the
-- policy) costs little and is the pack's own problem.
local COUNTS = { instructions = true, memory = true, wall = true }

--- opts: { after = 3, seconds = 10, max_seconds = 300 }
function M.new(opts)
  opts = opts or {}
  return setmetatable({ after = opts.after or 3, ms = (opts.seconds or 10) * 1000,
    max_ms = (opts.max_seconds or 300) * 1000 }, Breaker)
end

--- Forgets every pack's state (a daemon starting).
function M.reset() rd.breaker_reset() end

--- Whether a call of pack key may run at now_ms. Returns true, or false and
-- the message to record.
function Breaker:admit(key, now_ms)
  local ok, until_ms, in_a_row = rd.breaker_admit(key, now_ms)
  if ok then return true end
  return false, string.format("the pack %s is quarantined until %s after %d calls in a row hit their limits; " ..
    "the policy was not run", key, time.format(until_ms), in_a_row)
end

--- Records the outcome of a call that ran (limit: the decision's limit, or
-- nil). Returns a sentence for the log when the pack's state changed.
function Breaker:record(key, now_ms, limit)
  local state, until_ms, in_a_row = rd.breaker_record(key, now_ms, COUNTS[limit] and limit or nil,
    self.after, self.ms, self.max_ms)
  if state == "open" then
    return string.format("pack %s quarantined until %s: %d calls in a row hit their limits (last: %s)",
      key, time.format(until_ms), in_a_row, limit)
  elseif state == "closed" then
    return string.format("pack %s out of quarantine: a call kept within its limits", key)
  end
  return nil
end

--- Every pack that is or was in trouble: key → { state, in_a_row, trips,
-- until_at, last_limit }.
function Breaker:report()
  local out = {}
  for key, e in pairs(rd.breaker_report()) do
    out[key] = { state = e.state, in_a_row = e.in_a_row, trips = e.trips, last_limit = e.last_limit,
      until_at = e.until_ms > 0 and time.format(e.until_ms) or nil }
  end
  return out
end

return M
