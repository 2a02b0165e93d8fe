--- The store layout: which named database holds what, under which key.
-- Values are JSON; keys are built here and nowhere else.
--   cases        case id ("C" + 10 digits)            → case
--   events       case id .. u32be(seq)                 → event
--   decisions    case id .. u32be(event seq)           → decision
--   outbox       u64be(seq)                            → {seq, case_id, type, action, created_at,
--                                                       recipient {id, name, email}, channel, language}
--   customers    customer id .. "\0" .. case id        → "" (index)
--                customer id .. "\1"                   → the running summary (redress.summary)
--   idempotency  scope .. "\0" .. key                  → "<sha256> <status>\n<response>"
--   packs        name .. "@" .. version                → {name, version, hash, files}
--   timers       u64be(due ms) .. case id .. "\0" .. name → {case_id, name, due_ms, due_at, data, set_at}
--   timer_index  no longer written: it mapped case id .. "\0" .. name to the timers key,
--                and nothing read it (a case's timers carry their due times, from
--                which sync_timers makes the key); emptied when the store opens
--                (store.c), kept so an older binary still opens the store
--   meta         "schema_version", "next_case", "next_outbox", "packs" (what is loaded),
--                "summaries" ("complete": every customer's summary row was kept from the first case),
--                "spentd:" .. YYYY-MM-DD .. ":" .. currency → offers granted that day
--                                                      ("amount\t<n>"; before: "spent:", a number),
--                "webhook:" .. name                  → the subscription's cursor (decimal;
--                                                      runtime/webhooks.c reads it at start)
--                "webhook_dead:" .. name .. "\0" .. u64be(seq) → a dead letter
--                "outbox_acked:" .. u64be(seq)       → "": acked by the pull consumer, kept
--                                                      until every webhook has it
--                "ca_next"                           → the last corrective action's number
--                "ca:" .. action id ("CA" + 10 digits) → a corrective action (redress.learn)
--                "cause:" .. pack .. "\0" .. cause   → a recurring cause's running row
--                                                      (redress.learn): the cases waiting for
--                                                      a proposal, its action (counts by day
--                                                      in rows stored before the next ones)
--                "causen:" .. pack .. "\0" .. cause  → its counts (running-count lines)
--                "causel:" .. pack .. "\0" .. cause  → when its latest complaint was counted
--                "cam:" .. action id .. "\0" .. case id → when the case joined the action
--                "can:" .. action id                → how many joined (running-count line)
--                "session_key"                       → the console's session key (64 hex
--                                                      digits, redress.session): sessions
--                                                      signed with it survive a restart
--                "rollup:" .. YYYY-MM-DD             → the dashboard's figures of that UTC
--                                                      day, lines "field|pack\tinteger"
--                                                      (redress.dashboard); decisions add to
--                                                      it (store.add), never rewrite it
--                "rollup_open"                       → open cases, lines "status:tier|pack\tn",
--                                                      kept the same way
--                "rollup_pinned"                     → cases pinned to each pack version, lines
--                                                      "cases|name@version\tn" and
--                                                      "open|name@version\tn", kept the same way
local db = require "rd.store"
local json = require "redress.json"

local M = {}

local ID_LEN = 11

local case_mod = require "redress.case"
local summary = require "redress.summary"

M.case_shape = case_mod.shape

local CASE_ARRAYS = case_mod.ARRAYS

-- The members of a record that are lists, written as [] when empty (the
-- encoder's set of arrays: nothing is swapped in and out of the record).
local function set_of(list)
  local set = {}
  for _, k in ipairs(list) do set[k] = true end
  return set
end
local CASE_LISTS = set_of(CASE_ARRAYS)
local ACTION_LISTS = set_of { "tags" }
local DECISION_LISTS = set_of { "explanation", "trace" }

-- Encodes a case with its (possibly empty) arrays as JSON arrays.
local function encode_case(c)
  return json.encode(c, CASE_LISTS)
end
M.encode_case = encode_case

-- Each action is encoded once: the decision's bytes hold it, and the
-- outbox row of the same action reuses them (weak: gone with the action).
local action_json = setmetatable({}, { __mode = "k" })
-- An offer's bytes without its message (the offer's own outbox row: the
-- message has a row of its own), cut from the same encode.
local action_bare = setmetatable({}, { __mode = "k" })

local encode_spliced = json.encode_spliced

-- An offer's message is an action of its own too (its outbox row): its
-- bytes go into the offer's as they are. → the action's bytes, and for an
-- offer with a message also the offer's bytes without it.
local function encode_action(act)
  local s = action_json[act]
  if not s then
    local message = act.message
    if type(message) == "table" then
      local bare
      s, bare = encode_spliced(act, "message", encode_action(message), ACTION_LISTS, true)
      action_bare[act] = bare
    else
      s = json.encode(act, ACTION_LISTS)
    end
    action_json[act] = s
  end
  return s, action_bare[act]
end

-- A decision's record: its actions are written from their bytes (the same
-- bytes their outbox rows carry), the rest encoded around them.
function M.encode_decision(d)
  local actions = d.actions
  local parts = { nil, nil, nil, nil } -- room for four (see decide.apply)
  for i = 1, #actions do parts[i] = encode_action(actions[i]) end
  return encode_spliced(d, "actions", parts, DECISION_LISTS)
end

local function counter(name)
  local v = tonumber(db.get("meta", name) or "0") + 1
  db.put("meta", name, tostring(v))
  return v
end

function M.next_case_id()
  return string.format("C%010d", counter("next_case"))
end

function M.valid_case_id(id)
  return type(id) == "string" and #id == ID_LEN and id:match("^C%d+$") ~= nil
end

--- nocheck: in a decision, a read that must not make the decision conflict
-- when the case changes before it is applied (see store.get in runtime/store_lua.c).
function M.get_case_json(id, nocheck)
  if not M.valid_case_id(id) then return nil end
  return db.get("cases", id, nocheck)
end

function M.get_case(id, nocheck)
  local s = M.get_case_json(id, nocheck)
  if not s then return nil end
  return M.case_shape(json.decode(s))
end

--- Stores the case; returns its JSON.
function M.put_case(c)
  local s = encode_case(c)
  db.put("cases", c.id, s)
  return s
end

function M.put_event(case_id, e)
  db.put("events", case_id .. string.pack(">I4", e.seq), json.encode(e))
end

--- Stores the decision; returns its JSON (the bytes the answer reuses).
function M.put_decision(case_id, d)
  local s = M.encode_decision(d)
  db.put("decisions", case_id .. string.pack(">I4", d.event_seq), s)
  return s
end

local function case_hi(case_id) return case_id .. "\255\255\255\255\255" end

--- Every event and decision of a case, in sequence order: event keys,
-- event JSON texts, decision keys, decision JSON texts (a decision's key
-- is its event's key).
function M.case_rows(case_id)
  local ek, ev = db.range("events", case_id, case_hi(case_id), 1e9)
  local dk, dv = db.range("decisions", case_id, case_hi(case_id), 1e9)
  return ek, ev, dk, dv
end

--- The last n events and the last n decisions of a case as JSON texts,
-- newest first.
--- The case's last n events (JSON), newest first.
function M.recent_events_json(case_id, n)
  local _, ev = db.range_rev("events", case_hi(case_id), case_id, n)
  return ev
end

--- The case's last n decisions (JSON), newest first.
function M.recent_decisions_json(case_id, n)
  local _, dv = db.range_rev("decisions", case_hi(case_id), case_id, n)
  return dv
end

--- Rewrites a case's events and decisions through fn(json) → new json or
-- nil (unchanged); returns how many events and decisions changed.
function M.rewrite_case_rows(case_id, fn)
  local ek, ev, dk, dv = M.case_rows(case_id)
  local ne, nd = 0, 0
  for i, k in ipairs(ek) do
    local s = fn(ev[i])
    if s then db.put("events", k, s); ne = ne + 1 end
  end
  for i, k in ipairs(dk) do
    local s = fn(dv[i])
    if s then db.put("decisions", k, s); nd = nd + 1 end
  end
  return ne, nd
end

-- Rewrites every row of db whose key is in [from, to) through fn; returns
-- how many changed.
local function rewrite_range(dbname, from, to, fn)
  local n, after = 0, from
  repeat
    local keys, vals = db.range(dbname, after, to, 1000)
    for i, k in ipairs(keys) do
      local s = fn(vals[i])
      if s then db.put(dbname, k, s); n = n + 1 end
    end
    after = keys[#keys] and (keys[#keys] .. "\0")
  until #keys < 1000
  return n
end

--- Rewrites every outbox row through fn(json) → new json or nil.
function M.rewrite_outbox(fn) return rewrite_range("outbox", nil, nil, fn) end

--- Rewrites every webhook dead letter through fn(json) → new json or nil.
function M.rewrite_webhook_dead(fn) return rewrite_range("meta", "webhook_dead:", "webhook_dead;", fn) end

--- Rewrites the stored answers of idempotency records through
-- fn(answer bytes) → new bytes or nil.
function M.rewrite_idempotency(fn)
  return rewrite_range("idempotency", nil, nil, function(rec)
    local head, body = rec:match("^([^\n]*\n)(.*)$")
    local new = head and fn(body)
    return new and (head .. new) or nil
  end)
end

--- The timeline of a case: event, decision, event, decision … as one JSON
-- text (the members of an array, without its brackets).
function M.timeline_json(case_id)
  return (db.paired("events", "decisions", case_id, case_hi(case_id), 1e9, false))
end

--- A page of a case's timeline: at most limit events before event seq
-- `before` (nil: up to the newest), each followed by its decision, oldest
-- first, as timeline_json gives them; and the seq of the page's oldest
-- event when the page is full (an earlier one may come before it), else nil.
function M.timeline_page_json(case_id, before, limit)
  local hi = before and (case_id .. string.pack(">I4", before)) or case_hi(case_id)
  local text, n, oldest = db.paired("events", "decisions", case_id, hi, limit, true)
  return text, n == limit and string.unpack(">I4", oldest, #case_id + 1) or nil
end

function M.index_customer(customer_id, case_id)
  db.put("customers", customer_id .. "\0" .. case_id, "")
end

-- The summary row sorts after every index key of its customer ("\1" > "\0").
local function summary_key(customer_id) return customer_id .. "\1" end

--- Moves a customer's index rows and summary from one id to another.
function M.customer_rekey(old, new, case_ids)
  for _, id in ipairs(case_ids) do
    db.del("customers", old .. "\0" .. id)
    db.put("customers", new .. "\0" .. id, "")
  end
  local s = db.get("customers", summary_key(old))
  if s then
    db.del("customers", summary_key(old))
    db.put("customers", summary_key(new), s)
  end
end

--- Whether every customer's summary row is kept from their first case on
-- (a store made with summaries): then a customer without a row has no case.
-- A store that predates them builds a row from the cases when it is missing.
function M.summaries_complete()
  return db.get("meta", "summaries") == "complete"
end

--- Marks the summaries complete: done once, on a store with no case yet.
function M.mark_summaries_complete()
  db.put("meta", "summaries", "complete")
end

--- Whether the store holds any case.
function M.has_cases()
  return #db.range("cases", nil, nil, 1) > 0
end

--- The customer's running summary row (redress.summary: a C object read
-- from its stored JSON text, summary.load), or nil when the store has none
-- yet; a stored text that is not a row raises.
function M.get_summary(customer_id)
  local s = db.get("customers", summary_key(customer_id))
  return s and summary.load(s)
end

function M.put_summary(customer_id, row)
  db.put("customers", summary_key(customer_id), summary.text(row))
end

function M.customer_case_ids(customer_id, after, limit)
  local prefix = customer_id .. "\0"
  local from = after and (prefix .. after .. "\0") or prefix
  local keys = db.range("customers", from, prefix .. "\255", limit)
  local ids = {}
  for i, k in ipairs(keys) do ids[i] = k:sub(#prefix + 1) end
  return ids
end

--- Appends the outbox rows of a decision's actions (deliver); the writer
-- gives each its sequence number when the decision is applied (rows are
-- numbered in commit order). A row says whom to contact and how: the
-- customer (id, name, email), the channel and the language of the case, so
-- an integrator needs no second read. Those fields are the same for every
-- row of a decision: they are encoded once, and each row is its action's
-- bytes (the decision's own), those fields and its type, in canonical order.
-- An action type's JSON text (the types are a few engine words).
local type_json = require("redress.memo").of(json.encode)

function M.outbox_add_all(case, deliver, now_iso)
  if #deliver == 0 then return end
  local c = case.customer or {}
  local common = json.encode { case_id = case.id, created_at = now_iso,
    recipient = { id = c.id, name = c.name, email = c.email }, channel = case.channel, language = case.language }
  common = "," .. common:sub(2, -2) .. ',"type":'
  for i = 1, #deliver do local action = deliver[i]
    -- an offer's row leaves out its message (the message's own row follows)
    local bytes, bare = encode_action(action)
    db.outbox_append('"action":' .. (bare or bytes) .. common .. type_json(action.type) .. "}")
  end
end

--- The outbox rows after seq: their sequence numbers and JSON texts, at most limit.
function M.outbox_after(after, limit)
  local keys, vals = db.range("outbox", string.pack(">I8", after + 1), nil, limit)
  local seqs = {}
  for i = 1, #keys do seqs[i] = string.unpack(">I8", keys[i]) end
  return seqs, vals
end

function M.outbox_ack(seq)
  return db.del("outbox", string.pack(">I8", seq))
end

--- The outbox row seq (JSON), or nil.
function M.outbox_get(seq)
  return db.get("outbox", string.pack(">I8", seq))
end

--- How many outbox rows come after seq, counting at most limit.
function M.outbox_count_after(seq, limit)
  return db.count("outbox", string.pack(">I8", seq + 1), nil, limit)
end

--- Marks row seq as acked by the pull consumer while a webhook still needs it.
function M.outbox_mark_acked(seq)
  db.put("meta", "outbox_acked:" .. string.pack(">I8", seq), "")
end

function M.outbox_is_acked(seq)
  return db.get("meta", "outbox_acked:" .. string.pack(">I8", seq), true) ~= nil
end

--- The acked rows at or below seq (at most limit), oldest first.
function M.outbox_acked_upto(seq, limit)
  local prefix = "outbox_acked:"
  local keys = db.range("meta", prefix, prefix .. string.pack(">I8", seq + 1), limit)
  local out = {}
  for i, k in ipairs(keys) do out[i] = string.unpack(">I8", k, #prefix + 1) end
  return out
end

--- Deletes an acked row once every webhook has it.
function M.outbox_forget(seq)
  db.del("outbox", string.pack(">I8", seq))
  db.del("meta", "outbox_acked:" .. string.pack(">I8", seq))
end

--- A webhook subscription's cursor: the last outbox seq it is done with.
function M.webhook_cursor(name)
  return math.tointeger(tonumber(db.get("meta", "webhook:" .. name) or "0")) or 0
end

function M.webhook_set_cursor(name, seq)
  db.put("meta", "webhook:" .. name, string.format("%d", seq))
end

local function dead_prefix(name) return "webhook_dead:" .. name .. "\0" end

function M.webhook_dead_put(name, seq, rec)
  db.put("meta", dead_prefix(name) .. string.pack(">I8", seq), json.encode(rec))
end

--- A subscription's dead letters after seq (JSON texts), at most limit, and
-- the seq of the last one (nil when none).
function M.webhook_dead(name, after, limit)
  local p = dead_prefix(name)
  local keys, vals = db.range("meta", p .. string.pack(">I8", after + 1), p .. "\255", limit)
  return vals, #keys > 0 and string.unpack(">I8", keys[#keys], #p + 1) or nil
end

--- How many dead letters a subscription has, counting at most limit.
function M.webhook_dead_count(name, limit)
  local p = dead_prefix(name)
  return db.count("meta", p, p .. "\255", limit)
end

-- An idempotency record is "<sha256 hex> <status>\n<response bytes>": the
-- response is kept byte for byte, not re-encoded.
-- The amount granted on a UTC day per currency (the per-day budget) is a
-- running-count row, "amount\t<n>", that every granting decision adds to
-- and none checks: the cap is the writer's to hold (store.at_most), so
-- decisions granting on the same day do not conflict over it. A day
-- written before (the plain number under "spent:") still counts.
local function spent_key(day, currency) return "spentd:" .. day .. ":" .. currency end
local function spent_before(day, currency) return tonumber(db.get("meta", "spent:" .. day .. ":" .. currency, true) or "0") end

--- Amount granted on a UTC day per currency (for the per-day budget), as
-- the snapshot has it; read without a check (see above).
function M.spent_day(day, currency)
  local row = db.get("meta", spent_key(day, currency), true)
  return spent_before(day, currency) + (row and tonumber(row:match("amount\t(%-?%d+)")) or 0)
end

--- Adds amount to the day's spending; with cap (what is left of the day's
-- cap for this grant, after the decision's earlier ones), the decision's
-- writes apply only if the day then stays within it (else it is decided
-- again, on a snapshot that holds what was granted meanwhile).
function M.add_spent_day(day, currency, amount, cap)
  local key = spent_key(day, currency)
  db.add("meta", key, "amount\t" .. amount .. "\n")
  if cap then db.at_most("meta", key, "amount", cap - amount - spent_before(day, currency)) end
end

--- The stored copy of a pack version, or nil.
function M.pack_get(name, version)
  local s = db.get("packs", name .. "@" .. version)
  return s and json.decode(s)
end

function M.pack_put(p)
  db.put("packs", p.name .. "@" .. p.version,
    json.encode { name = p.name, version = p.version, hash = p.hash, files = p.files })
end

function M.put_packs_list(s)
  db.put("meta", "packs", s)
end

function M.get_packs_list()
  return db.get("meta", "packs")
end

--- The dashboard's running-count rows in meta: the day row's key is
-- `day` and the UTC day (YYYY-MM-DD); `add` adds "field|pack\tn" lines of
-- deltas to a row (the writer sums them: RD_OP_ADD in store.h).
-- redress.dashboard writes through these (its record is in C).
M.ROLLUP_ROWS = { add = db.add, db = "meta", day = "rollup:", open = "rollup_open", pinned = "rollup_pinned" }

--- The day rows from..to (inclusive, at most 366): { {day, text} } in day
-- order; days without a row are left out.
function M.rollup_days(from, to)
  local keys, vals = db.range(M.ROLLUP_ROWS.db, M.ROLLUP_ROWS.day .. from, M.ROLLUP_ROWS.day .. to .. "\255", 366)
  local out = {}
  for i, k in ipairs(keys) do out[i] = { day = k:sub(#M.ROLLUP_ROWS.day + 1), text = vals[i] } end
  return out
end

-- A running-count row of meta besides the days' (ROLLUP_ROWS): counts() is
-- its text or nil when the store has none yet, put(text) writes it whole
-- (built by a scan when the store predates it).
local function count_row(key)
  return function() return db.get("meta", key) end, function(text) db.put("meta", key, text) end
end

--- The open-cases row.
M.open_counts, M.put_open_counts = count_row(M.ROLLUP_ROWS.open)
--- The cases pinned to each pack version (packs: GET /v1/packs' "pinned").
M.pinned_counts, M.put_pinned_counts = count_row(M.ROLLUP_ROWS.pinned)

--- The console's session key (hex), or nil before the first start made it.
function M.session_key()
  return db.get("meta", "session_key")
end

function M.put_session_key(hex)
  db.put("meta", "session_key", hex)
end

--- Pending timers from the timers key `from` on (nil: the first), in due
-- order: keys, JSON texts (the console's work queue walks them).
function M.timers_from(from, limit)
  return db.range("timers", from, nil, limit)
end

--- The quarantine report (JSON text, see redress.breaker), kept for the API.
function M.put_pack_health(s)
  db.put("meta", "pack_health", s)
end

function M.get_pack_health()
  return db.get("meta", "pack_health")
end

--- Cases by id, newest first, below the id `below` (nil: the newest):
-- ids, JSON texts.
function M.cases_desc(below, limit)
  return db.range_rev("cases", below, nil, limit)
end

--- Cases by id, oldest first, after the id `after` (nil: the first):
-- ids, JSON texts.
function M.cases_after(after, limit)
  return db.range("cases", after and (after .. "\0") or nil, nil, limit)
end

--- Looks at up to limit cases after the id after, in id order, and returns
-- those whose JSON holds every string of needles (a byte search on the
-- stored bytes: the others are never copied out): ids, JSON, the last id
-- looked at (nil: none was), how many were looked at.
function M.cases_scan(after, limit, needles)
  return db.scan("cases", after and (after .. "\0") or nil, nil, limit, needles)
end

--- Opens the store in dir read-only for this state (the CLI's commands):
-- true, or nil and a message.
M.open_readonly = db.open_readonly

--- Ends this state's lazily opened read transaction, if one is open; the
-- next store call opens a new one (a newer snapshot). A long read (the
-- daemon's what-if replay) calls it between cases so that it never holds a
-- transaction for long: the writer grows the map only when no reader holds
-- one, and readers wait behind a writer that waits.
M.end_read = db.end_read

--- Backup and restore of a whole store (runtime/store.h): backup(dir, file)
-- and restore(file, dir, force) → what the backup covers (JSON), or nil
-- and a message.
M.backup, M.restore = db.backup, db.restore

-- Corrective actions and recurring causes (redress.learn), in meta.
local CA_PREFIX = "ca:"

--- A new corrective action's id: "CA" + 10 digits, in the order they were made.
function M.next_action_id()
  return string.format("CA%010d", counter("ca_next"))
end

function M.valid_action_id(id)
  return type(id) == "string" and #id == 12 and id:match("^CA%d+$") ~= nil
end

function M.get_action_json(id)
  if not M.valid_action_id(id) then return nil end
  return db.get("meta", CA_PREFIX .. id)
end

function M.get_action(id)
  local s = M.get_action_json(id)
  return s and json.decode(s)
end

--- A corrective action's JSON (its lists written as arrays, empty or not).
function M.action_json(rec)
  local saved = {}
  for _, k in ipairs { "cases", "notes", "history" } do saved[k] = rec[k]; rec[k] = json.array(rec[k]) end
  local s = json.encode(rec)
  for k, v in pairs(saved) do rec[k] = v end
  return s
end

--- Stores a corrective action; returns its JSON.
function M.put_action(rec)
  local s = M.action_json(rec)
  db.put("meta", CA_PREFIX .. rec.id, s)
  return s
end

--- Rewrites every corrective action through fn(json) → new json or nil.
function M.rewrite_actions(fn) return rewrite_range("meta", CA_PREFIX, "ca;", fn) end

--- Corrective actions by id after the id `after` (nil: the first): ids, JSON texts.
function M.actions_after(after, limit)
  local keys, vals = db.range("meta", CA_PREFIX .. (after and (after .. "\0") or ""), "ca;", limit)
  local ids = {}
  for i, k in ipairs(keys) do ids[i] = k:sub(#CA_PREFIX + 1) end
  return ids, vals
end

-- A long cause (up to 4 values of 200 bytes) is named by its hash: LMDB
-- keys are at most 511 bytes. The row itself keeps the cause.
local function cause_key(pack, cause)
  if #pack + #cause > 400 then cause = "#" .. require("rd").sha256(cause) end
  return "cause:" .. pack .. "\0" .. cause
end

--- A recurring cause's row (redress.learn), or nil.
function M.get_cause(pack, cause)
  local s = db.get("meta", cause_key(pack, cause))
  return s and json.decode(s)
end

function M.put_cause(pack, cause, row)
  local w = row.waiting
  row.waiting = json.array(w)
  local a = row.actions
  row.actions = json.array(a)
  db.put("meta", cause_key(pack, cause), json.encode(row))
  row.waiting, row.actions = w, a
end

-- What every complaint of a cause writes beside the cause's row, so that
-- complaints of one cause decided side by side never conflict: its counts
-- (a running-count row of lines "total\t<n>" and "d<UTC day>\t<n>") and
-- the time of the latest ("causel:", put without a read: the last commit's).
local function counts_key(pack, cause) return "causen:" .. cause_key(pack, cause):sub(7) end
local function last_key(pack, cause) return "causel:" .. cause_key(pack, cause):sub(7) end

--- Counts a complaint of the cause on day (a UTC day number) at the time
-- at; no check, so concurrent complaints commute.
function M.count_cause(pack, cause, day, at)
  db.add("meta", counts_key(pack, cause), "d" .. day .. "\t1\ntotal\t1\n")
  db.put("meta", last_key(pack, cause), at)
end

--- The counts added by count_cause: total, { [day] = n }, and the time
-- the latest complaint was counted (nil: none). Read without a check.
function M.cause_counts(pack, cause)
  local total, days = 0, {}
  for name, n in (db.get("meta", counts_key(pack, cause), true) or ""):gmatch("([^\t\n]+)\t(%-?%d+)") do
    if name == "total" then total = tonumber(n) else days[name:sub(2)] = tonumber(n) end
  end
  return total, days, db.get("meta", last_key(pack, cause), true)
end

--- Drops the cause's day counts before the UTC day number `before` (in
-- this write set; old days no longer change, so what is read is what goes).
function M.drop_cause_days(pack, cause, before)
  local minus = {}
  for name, n in (db.get("meta", counts_key(pack, cause), true) or ""):gmatch("d(%d+)\t(%-?%d+)") do
    if tonumber(name) < before then minus[#minus + 1] = "d" .. name .. "\t" .. -tonumber(n) .. "\n" end
  end
  if #minus > 0 then db.add("meta", counts_key(pack, cause), table.concat(minus)) end
end

-- The cases that join an action after it was made, likewise: a row each
-- ("cam:" action id, case id → when) and a running count ("can:" id).
--- Adds case_id to corrective action id at the time at (no check); listed:
-- whether the case gets a row of its own (the API lists the first 1,000).
function M.join_action(id, case_id, at, listed)
  if listed then db.put("meta", "cam:" .. id .. "\0" .. case_id, at) end
  db.add("meta", "can:" .. id, "cases\t1\n")
end

--- The cases that joined action id after it was made (at most limit, in
-- order) and how many joined in all. Read without a check.
function M.action_joined(id, limit)
  local n = tonumber((db.get("meta", "can:" .. id, true) or ""):match("cases\t(%d+)") or "0")
  local ids = {}
  if limit > 0 then
    local keys = db.range("meta", "cam:" .. id .. "\0", "cam:" .. id .. "\1", limit)
    for i, k in ipairs(keys) do ids[i] = k:sub(#id + 6) end
  end
  return ids, n
end

local function timer_key(due_ms, case_id, name)
  return string.pack(">I8", due_ms) .. case_id .. "\0" .. name
end

--- Makes the timer rows match case.timers (before: the timers the case had
-- when the decision began). Runs in the decision's transaction.
function M.sync_timers(case, before)
  for name, t in pairs(before) do
    local now = case.timers[name]
    if not now or now.due_ms ~= t.due_ms then
      db.del("timers", timer_key(t.due_ms, case.id, name))
    end
  end
  for name, t in pairs(case.timers) do
    local old = before[name]
    -- the decision replaces an entry it changes (a timer set again, the
    -- promises' timer): the same entry is the same row, and one set again
    -- is compared as the row would be written (the encoder's bytes: a float
    -- read back from them need not equal the policy's, nor a sparse list's)
    if old ~= t and (not old or old.due_ms ~= t.due_ms or json.encode(old.data or {}) ~= json.encode(t.data or {})) then
      local key = timer_key(t.due_ms, case.id, name)
      db.put("timers", key, json.encode { case_id = case.id, name = name, due_ms = t.due_ms, due_at = t.due_at,
        data = t.data, set_at = t.set_at })
    end
  end
end

--- The timer row under key, or nil.
function M.timer_get(key)
  local s = db.get("timers", key)
  return s and json.decode(s)
end

function M.timer_del(key)
  db.del("timers", key)
end

--- Pending timers due before before_ms (nil: all), in due order, as JSON.
function M.timers_json(before_ms, limit)
  local _, vals = db.range("timers", nil, before_ms and string.pack(">I8", before_ms) or nil, limit)
  return vals
end

function M.idem_get(key)
  local s = db.get("idempotency", key)
  if not s then return nil end
  local hash, status, nl = s:match("^(%x+) (%d+)\n()")
  return { hash = hash, status = tonumber(status), body = s:sub(nl) }
end

function M.idem_put(key, rec)
  db.put("idempotency", key, rec.hash .. " " .. rec.status .. "\n" .. rec.body)
end

return M
