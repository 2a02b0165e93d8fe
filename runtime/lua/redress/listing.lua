--- The reads that scan the store: GET /v1/cases's page, the corrective
-- actions (redress.learn), and the console's work queue and held approvals
-- (redress.console). The API checks who asks
-- and parses the query on the loop thread; the scan runs here, on the
-- readers thread when the daemon runs one (runtime/readers.c: a scan of a
-- thousand rows no longer takes the loop from intake), or in place (the
-- API's specs, a state without the thread).
local json = require "redress.json"
local time = require "redress.time"
local store = require "redress.store"
local act = require "redress.act"
local params = require "redress.params"
local console = require "redress.console"
local learn = require "redress.learn"
local dashboard = require "redress.dashboard"

local M = {}

local err, int_param, page_params = params.err, params.int_param, params.page_params
local end_read = store.end_read or function() end -- (the specs' stand-in store has none)

--- Cases one GET /v1/cases looks at, at most (a filtered page may come back
-- short, with a next_cursor to go on from).
M.SCAN_BUDGET = 1000

--- GET /v1/cases: q is the route's query (strings, as parsed by the API);
-- returns the answer { status, body }.
function M.cases(q)
  local limit, bad = int_param(q, "limit", 50, 1, 500)
  if not limit then return bad end
  if q.status and not act.STATUSES[q.status] then
    return err(422, "validation_failed", "status must be a case status", "status")
  end
  local tier
  tier, bad = int_param(q, "tier", nil, 0)
  if bad then return bad end
  local after_ms, before_ms
  for _, k in ipairs { "opened_after", "opened_before" } do
    if q[k] then
      local ms, why = time.parse(q[k])
      if not ms then return err(422, "validation_failed", k .. ": " .. why, k) end
      if k == "opened_after" then after_ms = ms else before_ms = ms end
    end
  end
  if q.cursor and not store.valid_case_id(q.cursor) then
    return err(422, "validation_failed", "cursor is not one this API gave out", "cursor")
  end

  local function match(c)
    return (not q.status or c.status == q.status) and (not tier or c.tier == tier) and
      (not q.customer or c.customer.id == q.customer) and
      (not after_ms or c.opened_ms > after_ms) and (not before_ms or c.opened_ms < before_ms)
  end
  -- A stored case that lacks the filter's text cannot match: skip it without
  -- decoding (a plain search costs a fraction of a decode). Cases are stored
  -- by cjson, which writes strings as JSON escapes them: "/" as "\/".
  local needles = {}
  if q.status then needles[#needles + 1] = json.encode(q.status) end
  if q.customer then needles[#needles + 1] = json.encode(q.customer) end
  local function maybe(s)
    for i = 1, #needles do
      if not s:find(needles[i], 1, true) then return false end
    end
    return true
  end

  -- Scan in key order from the cursor; stop after limit matches or a scan
  -- budget, handing back the last id looked at as the next cursor.
  local out, last, scanned, more = {}, q.cursor, 0, false
  -- Bounded work per call, wherever it runs
  local budget = M.SCAN_BUDGET
  while #out < limit do
    local ids, vals, looked, seen
    if q.customer then
      ids = store.customer_case_ids(q.customer, last, 256)
      vals = {}
      for i, id in ipairs(ids) do vals[i] = store.get_case_json(id) end
      looked, seen = #ids, ids[#ids]
    else
      -- the needles are looked for in the stored bytes: a case without
      -- them is never copied out of the store
      ids, vals, seen, looked = store.cases_scan(last, 256, needles)
    end
    if looked == 0 then more = false; break end
    more = true
    local full = false
    for i, id in ipairs(ids) do
      local s = vals[i]
      -- (store.scan looked for the needles already; the customer's index did not)
      if s and (not q.customer or maybe(s)) and match(json.decode(s)) then
        out[#out + 1] = s
        if #out == limit then last, full = id, true; break end
      end
    end
    if full then break end
    last = seen
    scanned = scanned + looked
    if looked < 256 then more = false; break end
    if scanned >= budget then break end
    -- a read transaction per chunk, not per call: the writer's growth of
    -- the map waits for open reads, and the readers thread runs at a low
    -- priority (runtime/readers.c)
    end_read()
  end
  local next_cursor = more and last or nil
  -- A full page may be followed by nothing; one more probe tells.
  if next_cursor and #out == limit then
    local ids = q.customer and store.customer_case_ids(q.customer, last, 1) or store.cases_after(last, 1)
    if #ids == 0 then next_cursor = nil end
  end
  return { status = 200, body = '{"cases":[' .. table.concat(out, ",") .. '],"next_cursor":' ..
    (next_cursor and ('"' .. next_cursor .. '"') or "null") .. "}" }
end

--- GET /v1/corrective-actions (redress.learn): the filters checked, then
-- at most learn.SCAN_BUDGET actions looked at.
function M.corrective_actions(q, now_ms)
  local limit, bad = int_param(q, "limit", 50, 1, 200)
  if not limit then return bad end
  if q.status and not learn.STATUSES[q.status] then
    return err(422, "validation_failed", "status must be one of proposed, open, assigned, done, dismissed", "status")
  end
  if q.cursor and not store.valid_action_id(q.cursor) then
    return err(422, "validation_failed", "cursor is not one this API gave out", "cursor")
  end
  return { status = 200, body = learn.list_body(q, limit, now_ms) }
end

--- GET /v1/outbox: the rows after `after` not acked by a pull consumer
-- (acked rows a webhook still has to deliver are kept, but not listed).
function M.outbox(q)
  local after, limit, bad = page_params(q, "after", 100, 1000)
  if not after then return bad end
  local seqs, rows = store.outbox_after(after, limit)
  local items = {}
  for i = 1, #rows do
    if not store.outbox_is_acked(seqs[i]) then items[#items + 1] = rows[i] end
  end
  return { status = 200, body = '{"items":[' .. table.concat(items, ",") .. '],"next_after":' ..
    string.format("%d", seqs[#seqs] or after) .. "}" }
end

--- GET /v1/timers (and `redress timers`): the pending timers due before
-- `due_before`, soonest first.
function M.timers(q)
  local before, limit
  if q.due_before then
    local why
    before, why = time.parse(q.due_before)
    if not before then return err(422, "validation_failed", "due_before: " .. why, "due_before") end
  end
  local bad
  limit, bad = int_param(q, "limit", 100, 1, 1000)
  if not limit then return bad end
  return { status = 200, body = '{"timers":[' .. table.concat(store.timers_json(before, limit), ",") .. "]}" }
end

--- GET /v1/webhooks/dead?subscription=…: the items a subscription gave up on
-- (the loop thread checked the subscription is configured).
function M.webhook_dead(q)
  local after, limit, bad = page_params(q, "after", 100, 1000)
  if not after then return bad end
  local items, last = store.webhook_dead(q.subscription, after, limit)
  return { status = 200, body = '{"items":[' .. table.concat(items, ",") .. '],"next_after":' ..
    string.format("%d", last or after) .. "}" }
end

--- GET /v1/cases/{id}: the case and its timeline, every event of the case
-- with the decision made on it, as stored. With `limit` (and `before`, an
-- event's seq) a page of it: the `limit` events before `before` (the newest
-- without it), oldest first, and `next_before` for the page before (null at
-- the case's first event) — a long case read a page at a time.
function M.case(q)
  local id = q.id
  local limit, before
  if q.limit or q.before then
    local bad
    limit, bad = int_param(q, "limit", 100, 1, 1000)
    if not limit then return bad end
    before, bad = int_param(q, "before", nil, 1, 4294967295)
    if bad then return bad end
  end
  local s = store.get_case_json(id)
  if not s then return err(404, "not_found", "no case " .. id) end
  local tl, tail = nil, "]}"
  if limit then
    local oldest
    tl, oldest = store.timeline_page_json(id, before, limit)
    tail = '],"next_before":' .. (oldest and oldest > 1 and string.format("%d", oldest) or "null") .. "}"
  else
    tl = store.timeline_json(id)
  end
  return { status = 200, body = '{"case":' .. s .. ',"timeline":[' .. tl .. tail }
end

--- The reads that scan, by route: what the readers thread runs (the
-- console's work queue and held approvals scan up to 1,000 rows a call too;
-- the dashboard parses a day row per day of its window, up to 366; the
-- outbox and the timers give up to 1,000 rows; a case's timeline every
-- event of the case).
M.READS = { cases = M.cases, corrective_actions = M.corrective_actions, queue = console.queue,
  approvals = console.approvals, dashboard = dashboard.get, outbox = M.outbox, timers = M.timers,
  case = M.case, webhook_dead = M.webhook_dead }

--- listing.read(name, args_json) → status, body: the read the API handed
-- to the readers thread (runtime/readers.c calls it there); args: the
-- route's query and the request's time, { query, now_ms }.
function M.read(name, args_json)
  local f = M.READS[name]
  if not f then error("listing.read: no read named " .. tostring(name)) end
  local a = json.decode(args_json)
  local r = f(a.query, a.now_ms)
  return r.status, r.body
end

return M
