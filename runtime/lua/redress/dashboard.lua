--- The dashboard's figures (issue 15): what one decision adds to them, and
-- GET /v1/dashboard, which reads them back.
--
-- A decision adds its part to two running-count rows (store.ROLLUP_ROWS:
-- the writer sums the deltas as it applies the write set,
-- so decisions never conflict over them): the row of its UTC day (time to
-- first response and to resolution as bucket counts, sum and count;
-- satisfaction scores; SLA breaches; promises kept and broken; compensation
-- granted by currency and kind; complaints opened) and the row of open
-- cases by status and tier. Every field is per pack ("field|pack"), so a
-- query for one pack or for all reads the same rows: at most 366 day rows
-- and the open row, never the cases. A third row counts the cases pinned to
-- each pack version and those of them open (GET /v1/packs, the Packs screen).
--
-- Definitions (the engine's, the same for every pack):
--   first response  the first decision after the complaint's own that sends
--                   the customer something (a message or an acknowledgement,
--                   the policy's or the engine's): seconds since opened_at;
--                   the case keeps first_response_at, so it counts once
--   resolution      the first time the case becomes resolved or closed
--                   (case.resolved_at): seconds since opened_at
--   open            a case whose status is not resolved, closed or rejected
local store = require "redress.store"
local json = require "redress.json"
local time = require "redress.time"
local rd_dashboard = require "rd.dashboard"

local M = {}

M.CLOSED = { resolved = true, closed = true, rejected = true }

--- Bucket bounds in seconds (the same for /metrics' histograms).
M.BOUNDS = rd_dashboard.BOUNDS

local memo = require "redress.memo"

-- A name as a rollup field or a label value can carry it. Names are few
-- (packs, statuses, currencies, kinds), so each is made once.
local word = memo.of(function(v) return (tostring(v):gsub("[^%w_.%-]", "_")) end)

--- What a case looks like to the dashboard before a decision changes it
-- (nil for a new case).
function M.before(case)
  return { status = case.status, tier = case.tier, offers = #case.offers }
end

--- dashboard.record(before, case, etype, data, deliver, observed, promises,
-- now_ms) → one decision's part of the figures, recorded into its write set
-- (the day row, the open row and the pinned row) and returned for /metrics
-- as the lines metrics.decision adds to its own ("" when none): first
-- response and resolution seconds, the satisfaction score, compensation
-- granted, the open cases' moves. Marks the case (first_response_at,
-- resolved_at) before it is stored.
-- The lines of each row, "field|pack\tn":
--   complaints                      a complaint opened the case
--   frt_n, frt_ms, frt_b<bucket>    its first response (count, ms, bucket)
--   ttr_n, ttr_ms, ttr_b<bucket>    its resolution
--   csat_<score>                    a satisfaction score reported
--   breaches, kept, broken          SLA breaches; promises kept and broken
--   comp:<currency>:<kind>          compensation granted (amount)
--   <status>:<tier>                 the open row: -1 left, 1 joined
--   cases|name@version, open|name@version   the pinned row
-- In C (runtime/dashboard_lua.c): fixed engine work on every decision.
local rows = store.ROLLUP_ROWS
M.record = rd_dashboard.recorder(time.parse, time.format, rows.add, rows.db, rows.day, rows.open, rows.pinned)

--- A case's pack version as the pinned row names it: "name@version".
function M.pin_key(p)
  return word(p and p.name or "?") .. "@" .. word(p and p.version or "?")
end

-- "name|pack\tn" lines → calls fn(name, pack, n).
local function each_line(text, fn)
  for name, pack, n in (text or ""):gmatch("([^\t\n|]+)|([^\t\n]*)\t(%-?%d+)") do fn(name, pack, tonumber(n)) end
end

-- A running-count row built by one bounded scan of the cases: fn(case,
-- counts) counts each; returns the row's text ("" for no case).
local function scan_cases(max_cases, fn)
  local counts, after, seen = {}, nil, 0
  repeat
    local ids, rows = store.cases_after(after, 1000)
    for i, s in ipairs(rows) do
      fn(json.decode(s), counts)
      after = ids[i]
    end
    seen = seen + #ids
  until #ids < 1000 or seen >= max_cases
  local keys = {}
  for k in pairs(counts) do keys[#keys + 1] = k end
  table.sort(keys)
  local lines = {}
  for _, k in ipairs(keys) do lines[#lines + 1] = k .. "\t" .. counts[k] end
  return table.concat(lines, "\n")
end

--- The open row, built by a bounded scan of the cases when the store
-- predates it (the start's sync job calls this). Returns the row's text.
function M.ensure_open(max_cases)
  local text = store.open_counts()
  if text then return text end
  text = scan_cases(max_cases, function(c, counts)
    if not M.CLOSED[c.status] then
      local k = string.format("%s:%d|%s", word(c.status), math.tointeger(c.tier) or 0, word(c.pack and c.pack.name or "?"))
      counts[k] = (counts[k] or 0) + 1
    end
  end)
  if text ~= "" then store.put_open_counts(text .. "\n") end
  return text
end

--- The pinned-cases row, built the same way when the store predates it.
function M.ensure_pinned(max_cases)
  local text = store.pinned_counts()
  if text then return text end
  text = scan_cases(max_cases, function(c, counts)
    local key = M.pin_key(c.pack)
    counts["cases|" .. key] = (counts["cases|" .. key] or 0) + 1
    if not M.CLOSED[c.status] then counts["open|" .. key] = (counts["open|" .. key] or 0) + 1 end
  end)
  if text ~= "" then store.put_pinned_counts(text .. "\n") end
  return text
end

--- GET /v1/packs' "pinned": { ["name@version"] = { cases = n, open = n } },
-- from the one row (a line per version that ever opened a case).
function M.pinned()
  local out = {}
  each_line(store.pinned_counts(), function(name, key, n)
    local e = out[key] or { cases = 0, open = 0 }
    e[name] = n
    out[key] = e
  end)
  return out
end

--- /metrics lines that set the open-cases gauge from the open row (at start).
function M.open_gauge_lines(text)
  local sums, keys = {}, {}
  each_line(text, function(name, _, n)
    if not sums[name] then keys[#keys + 1] = name end
    sums[name] = (sums[name] or 0) + n
  end)
  local out = {}
  for _, k in ipairs(keys) do
    local status, tier = k:match("^(.*):(%d+)$")
    if status then out[#out + 1] = "redress_open_cases\t" .. status .. "," .. tier .. "\t=" .. sums[k] end
  end
  return table.concat(out, "\n")
end

-- Reading the figures back -------------------------------------------------

local function day_number(day) return time.parse(day) // 86400000 end
local function day_text(n) return time.format(n * 86400000):sub(1, 10) end

local function round(x, digits)
  local m = 10 ^ (digits or 3)
  return math.floor(x * m + 0.5) / m
end

--- The q-quantile of bucket counts (Prometheus' histogram_quantile: linear
-- inside the bucket that holds the rank; the last bound when the rank is
-- past it). nil when there are no observations.
function M.quantile(q, counts, total)
  if total == 0 then return nil end
  local rank, cum = q * total, 0
  for i, b in ipairs(M.BOUNDS) do
    local c = counts[i] or 0
    if c > 0 and cum + c >= rank then
      local lo = i == 1 and 0 or M.BOUNDS[i - 1]
      return round(lo + (b - lo) * (rank - cum) / c)
    end
    cum = cum + c
  end
  return M.BOUNDS[#M.BOUNDS]
end

local function timing(sum)
  local counts = {}
  for i = 1, #M.BOUNDS + 1 do counts[i] = sum["_b" .. i] or 0 end
  local n = sum._n or 0
  local buckets = {}
  for i, b in ipairs(M.BOUNDS) do buckets[i] = { le = b, count = counts[i] } end
  buckets[#buckets + 1] = { le = json.null, count = counts[#M.BOUNDS + 1] }
  return { count = n, mean_seconds = n > 0 and round((sum._ms or 0) / n / 1000) or json.null,
    median_seconds = M.quantile(0.5, counts, n) or json.null, p90_seconds = M.quantile(0.9, counts, n) or json.null,
    buckets = buckets }
end

--- The figures of the UTC days from..to (YYYY-MM-DD, inclusive, at most
-- 366 days) for one pack or all (pack nil), as the table GET /v1/dashboard
-- answers; open cases are as they are now.
function M.figures(from, to, pack)
  local days_text = {}
  for _, row in ipairs(store.rollup_days(from, to)) do days_text[row.day] = row.text end
  local totals = { complaints = 0, breaches = 0, kept = 0, broken = 0 }
  local frt, ttr, scores, comp_total = {}, {}, { 0, 0, 0, 0, 0 }, {}
  local series, comp_days = {}, {}
  for n = day_number(from), day_number(to) do
    local day = day_text(n)
    local d = { day = day, complaints = 0, first_responses = 0, resolutions = 0, breaches = 0, compensation = {} }
    each_line(days_text[day], function(name, p, v)
      if pack and p ~= pack then return end
      if totals[name] then totals[name] = totals[name] + v end
      if name == "complaints" then d.complaints = d.complaints + v
      elseif name == "breaches" then d.breaches = d.breaches + v
      elseif name == "frt_n" then d.first_responses = d.first_responses + v
      elseif name == "ttr_n" then d.resolutions = d.resolutions + v
      end
      local which, rest = name:match("^(%a+)(_.*)$")
      if which == "frt" then frt[rest] = (frt[rest] or 0) + v
      elseif which == "ttr" then ttr[rest] = (ttr[rest] or 0) + v
      end
      local score = name:match("^csat_(%d)$")
      if score then scores[tonumber(score)] = scores[tonumber(score)] + v end
      local cur = name:match("^comp:([^:]+):")
      if cur then
        d.compensation[cur] = (d.compensation[cur] or 0) + v
        comp_total[cur] = (comp_total[cur] or 0) + v
      end
    end)
    for cur, amount in pairs(d.compensation) do
      comp_days[#comp_days + 1] = { day = day, currency = cur, amount = amount }
    end
    series[#series + 1] = d
  end
  table.sort(comp_days, function(a, b) return a.day < b.day or (a.day == b.day and a.currency < b.currency) end)
  local rated, points = 0, 0
  local dist = {}
  for s = 1, 5 do rated = rated + scores[s]; points = points + s * scores[s]; dist[tostring(s)] = scores[s] end
  local by_status, by_tier, open_total = {}, {}, 0
  each_line(store.open_counts(), function(name, p, v)
    if pack and p ~= pack then return end
    local status, tier = name:match("^(.*):(%d+)$")
    if status and v ~= 0 then
      by_status[status] = (by_status[status] or 0) + v
      by_tier[tier] = (by_tier[tier] or 0) + v
      open_total = open_total + v
    end
  end)
  return {
    from = from, to = to, pack = pack or json.null,
    complaints = totals.complaints,
    first_response = timing(frt), resolution = timing(ttr),
    csat = { count = rated, average = rated > 0 and round(points / rated, 2) or json.null, scores = dist },
    sla_breaches = totals.breaches,
    promises = { kept = totals.kept, broken = totals.broken },
    open = { total = open_total, by_status = by_status, by_tier = by_tier },
    compensation = { totals = comp_total, days = json.array(comp_days) },
    days = json.array(series),
  }
end

local DAY = "^%d%d%d%d%-%d%d%-%d%d$"

--- GET /v1/dashboard?from=&to=&pack=: q the parsed query, now_ms the
-- clock (today, the default end). Returns { status, body }.
function M.get(q, now_ms)
  local function bad(field, message)
    return { status = 422, body = json.error_body("validation_failed", message, field) }
  end
  local to = q.to or time.format(now_ms):sub(1, 10)
  if not to:match(DAY) or not time.parse(to) then return bad("to", "to must be a date such as 2026-11-30") end
  local from = q.from or day_text(day_number(to) - 29)
  if not from:match(DAY) or not time.parse(from) then return bad("from", "from must be a date such as 2026-11-01") end
  local span = day_number(to) - day_number(from) + 1
  if span < 1 then return bad("from", "from must not be after to") end
  if span > 366 then return bad("from", "the window is at most 366 days; this one has " .. span) end
  local pack = q.pack
  if pack == "" then pack = nil end
  return { status = 200, body = json.encode { dashboard = M.figures(from, to, pack and word(pack)) } }
end

return M
