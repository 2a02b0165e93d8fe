--- Quarantine: a circuit breaker per pack version. A pack whose calls keep
-- hitting their limits (instructions, memory, wall clock) would spend the
-- engine's time on nothing; after `after` such calls in a row it is
-- quarantined for `seconds`: its complaints and events are recorded as
-- policy errors (limit "quarantined") and go to manual review without
-- running the policy. When the time is up one call is let through (half
-- open): a call that does not hit a limit closes the breaker, one that does
-- quarantines the pack again for twice as long (at most `max_seconds`).
-- Time is the events' time (intake), never read here.
local M = {}

local Breaker = {}
Breaker.__index = Breaker

-- The failures that count: the budgets. A plain error (a bug in the
-- policy) costs little and is the pack's own problem.
local COUNTS = { instructions = true, memory = true, wall = true }

--- opts: { after = 5, seconds = 10, max_seconds = 300 }
function M.new(opts)
  opts = opts or {}
  return setmetatable({ after = opts.after or 5, ms = (opts.seconds or 10) * 1000,
    max_ms = (opts.max_seconds or 300) * 1000, packs = {} }, Breaker)
end

local function entry(self, key)
  local e = self.packs[key]
  if not e then
    e = { state = "closed", in_a_row = 0, trips = 0 }
    self.packs[key] = e
  end
  return e
end

--- Whether a call of pack key may run at now_ms. Returns true, or false and
-- the message to record.
function Breaker:admit(key, now_ms)
  local e = self.packs[key]
  if not e or e.state == "closed" then return true end
  if e.state == "open" and now_ms >= e.until_ms then
    e.state = "half_open" -- this call is the probe
    return true
  end
  if e.state == "half_open" then return true end
  return false, string.format("the pack %s is quarantined until %s after %d calls in a row hit their limits; " ..
    "the policy was not run", key, e.until_at, e.in_a_row)
end

--- Records the outcome of a call that ran (limit: the decision's limit, or
-- nil). Returns the entry when the state changed (for logs and the store).
function Breaker:record(key, now_ms, limit, format_time)
  local e = entry(self, key)
  local before = e.state
  if COUNTS[limit] then
    e.in_a_row = e.in_a_row + 1
    e.last_limit = limit
    if e.state == "half_open" or e.in_a_row >= self.after then
      e.trips = e.trips + 1
      e.quarantine_ms = e.state == "half_open" and math.min(self.max_ms, (e.quarantine_ms or self.ms) * 2) or self.ms
      e.state = "open"
      e.until_ms = now_ms + e.quarantine_ms
      e.until_at = format_time(e.until_ms)
    end
  elseif limit ~= "quarantined" then
    e.in_a_row = 0
    e.state = "closed"
    e.until_ms, e.until_at, e.quarantine_ms = nil, nil, nil
  end
  if e.state ~= before then return e end
  return nil
end

--- Every pack that is or was in trouble: key → { state, in_a_row, trips,
-- until_at, last_limit }.
function Breaker:report()
  local out = {}
  for key, e in pairs(self.packs) do
    if e.trips > 0 or e.in_a_row > 0 then
      out[key] = { state = e.state, in_a_row = e.in_a_row, trips = e.trips, until_at = e.until_at,
        last_limit = e.last_limit }
    end
  end
  return out
end

return M
