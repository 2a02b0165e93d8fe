--- The running summary of a customer's cases, kept in the store so that a
-- decision reads one row however many cases the customer has (O(1) in the
-- history). It is the sum of each case's contribution:
--   open     1 while the case is not resolved, closed or rejected
--   days     by UTC day number: n = complaints opened that day,
--            c = { CUR = amount } of live offers (offered or accepted,
--            amount > 0) made that day
-- Every decision adds (its case after) − (its case before); days older than
-- a year are dropped when the row is written. Windows count whole UTC days:
-- "in 30 days" is opened on or after the day 30 days before today.
local time = require "redress.time"

local M = {}

local DAY_MS = 86400000
local KEEP_DAYS = 366
local CLOSED = { closed = true, rejected = true, resolved = true }
local LIVE = { offered = true, accepted = true }

local function day_of(ms) return ms // DAY_MS end

--- What one case adds to its customer's summary.
local function bucket(days, d)
  local b = days[d]
  if not b then b = { n = 0, c = {} }; days[d] = b end
  return b
end

function M.contribution(case)
  local days = {}
  local opened = math.tointeger(case.opened_ms) or (case.opened_at and time.parse(case.opened_at)) or 0
  local b = bucket(days, day_of(opened))
  b.n = b.n + 1
  local offers = case.offers
  for i = 1, offers and #offers or 0 do local o = offers[i]
    if LIVE[o.status] and (o.amount or 0) > 0 and o.currency then
      local at = o.at and time.parse(o.at) or opened
      local ob = bucket(days, day_of(at))
      ob.c[o.currency] = (ob.c[o.currency] or 0) + o.amount
    end
  end
  return { open = CLOSED[case.status] and 0 or 1, days = days }
end

--- An empty summary row.
function M.empty() return { open = 0, days = {} } end

--- Adds sign × contribution to the summary row s (in place); returns s.
function M.add(s, contribution, sign)
  if not contribution then return s end
  s.open = (s.open or 0) + sign * contribution.open
  s.days = s.days or {}
  for d, b in pairs(contribution.days) do
    local key = tostring(d)
    local sb = s.days[key] or { n = 0, c = {} }
    sb.n = (sb.n or 0) + sign * b.n
    sb.c = sb.c or {}
    for cur, amount in pairs(b.c) do
      local v = (sb.c[cur] or 0) + sign * amount
      sb.c[cur] = v ~= 0 and v or nil
    end
    if sb.n == 0 and next(sb.c) == nil then s.days[key] = nil else s.days[key] = sb end
  end
  return s
end

--- Drops the days that no window reaches any more (before now_ms − a year).
function M.prune(s, now_ms)
  local oldest = day_of(now_ms) - KEEP_DAYS
  for key in pairs(s.days or {}) do
    if tonumber(key) < oldest then s.days[key] = nil end
  end
  return s
end

--- The case view's customer_summary and the amounts spent against the
-- customer's 365-day budget, at now_ms, from a summary row.
function M.view(s, now_ms)
  local today = day_of(now_ms)
  local v = { complaints_30d = 0, complaints_90d = 0, complaints_365d = 0, open_cases = math.max(0, s.open or 0),
    compensation_365d = {} }
  local spent = {}
  for key, b in pairs(s.days or {}) do
    local age = today - tonumber(key)
    if age <= 365 then
      v.complaints_365d = v.complaints_365d + b.n
      if age <= 90 then v.complaints_90d = v.complaints_90d + b.n end
      if age <= 30 then v.complaints_30d = v.complaints_30d + b.n end
      for cur, amount in pairs(b.c or {}) do
        v.compensation_365d[cur] = (v.compensation_365d[cur] or 0) + amount
        spent[cur] = (spent[cur] or 0) + amount
      end
    end
  end
  return v, spent
end

return M
