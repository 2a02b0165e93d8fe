--- What-if replays inside redressd (the console's What-if screen): stored
-- history re-run under a candidate pack by redress.replay — the same code as
-- `redress replay` — on the replay thread (runtime/replays.c), which has a
-- Lua state of its own and never writes.
--
-- Candidates are the pack folders inside the config's
-- `replay = { candidates = "DIR" }`: an operator copies a new version of a
-- pack there (or a variant to try) and replays the history of the pack of
-- that name under it, before loading it. The candidate is loaded with the
-- config's limits, pack settings, calendars and legal overrides, as a
-- reload would load it; its policy calls run in the sandbox with the same
-- budgets as everywhere.
--
-- This module has two halves: the API's (on the loop thread: the
-- candidates and a request checked, the answers built from what the thread
-- keeps) and the thread's (run).
local json = require "redress.json"
local time = require "redress.time"
local config = require "redress.config"
local pack = require "redress.pack"
local store = require "redress.store"
local replay = require "redress.replay"
local replays = require "rd.replays"

local M = {}

M.DEFAULT_CASES, M.MAX_CASES = 1000, 100000
local REQUEST_KEYS = { "pack", "candidate", "since", "until", "max_cases" }
-- reading a manifest is a data chunk: a small budget, as pack.read_dir gives
local MANIFEST_LIMITS = { policy_instructions = 1000000, policy_memory = 1 << 24 }
local MAX_MANIFEST_BYTES = 256 * 1024

local function refuse(status, code, message, field)
  return { status = status, code = code, message = message, field = field or json.null }
end

--- The candidate called name (a folder of dir): { name, pack, version,
-- description } or { name, error }.
function M.manifest(dir, name)
  local f = io.open(dir .. "/" .. name .. "/pack.lua", "rb")
  if not f then return { name = name, error = "no pack.lua in " .. name } end
  local src = f:read(MAX_MANIFEST_BYTES + 1)
  f:close()
  if not src or #src > MAX_MANIFEST_BYTES then return { name = name, error = name .. "/pack.lua is too large" } end
  local ok, m = pcall(pack.load_data, src, name .. "/pack.lua", MANIFEST_LIMITS)
  if not ok then return { name = name, error = tostring(m) } end
  if type(m) ~= "table" or type(m.name) ~= "string" or type(m.version) ~= "string" then
    return { name = name, error = name .. "/pack.lua does not return a table with a name and a version" }
  end
  return { name = name, pack = m.name, version = m.version,
    description = type(m.description) == "string" and m.description or nil }
end

--- GET /v1/replays/candidates: the folder and its candidates.
function M.candidates_body(cfg)
  local dir = cfg.replay.candidates
  local list, why = {}, nil
  if dir then
    local names
    names, why = replays.dirs(dir)
    for _, name in ipairs(names or {}) do list[#list + 1] = M.manifest(dir, name) end
  end
  return json.encode { dir = dir or json.null, error = why or json.null, candidates = json.array(list) }
end

--- A POST /v1/replays body (decoded) → the request to queue, or nil and
-- the refusal { status, code, message, field }.
function M.check(t, cfg)
  local known = {}
  for _, k in ipairs(REQUEST_KEYS) do known[k] = true end
  for k in pairs(t) do
    if not known[k] then
      return nil, refuse(422, "validation_failed", "unknown field " .. tostring(k) ..
        config.suggest(tostring(k), REQUEST_KEYS) .. "; a replay takes " .. table.concat(REQUEST_KEYS, ", "), tostring(k))
    end
  end
  local dir = cfg.replay.candidates
  if type(t.candidate) ~= "string" or not t.candidate:match("^[%w][%w_.%-]*$") or #t.candidate > 100 then
    return nil, refuse(422, "validation_failed", "candidate must name a folder of candidate packs", "candidate")
  end
  if not dir then
    return nil, refuse(422, "validation_failed",
      "no candidate packs are configured: set replay = { candidates = \"DIR\" } in the config", "candidate")
  end
  local m = M.manifest(dir, t.candidate)
  if m.error then
    local missing = m.error:match("^no pack%.lua")
    return nil, refuse(422, "validation_failed", missing and ("no candidate pack " .. t.candidate .. " in " .. dir) or
      ("candidate " .. t.candidate .. ": " .. m.error), "candidate")
  end
  if t.pack ~= nil and t.pack ~= m.pack then
    return nil, refuse(422, "validation_failed", "candidate " .. t.candidate .. " is a version of " .. m.pack ..
      ", not of " .. tostring(t.pack) .. ": it replays " .. m.pack .. "'s cases", "pack")
  end
  local req = { pack = m.pack, candidate = t.candidate, version = m.version, max_cases = M.DEFAULT_CASES }
  for _, k in ipairs { "since", "until" } do
    if t[k] ~= nil then
      local ms, why = type(t[k]) == "string" and time.parse(t[k])
      if not ms then return nil, refuse(422, "validation_failed", k .. ": " .. (why or "must be an RFC 3339 time"), k) end
      req[k], req[k .. "_ms"] = t[k], ms
    end
  end
  if req.since_ms and req.until_ms and req.until_ms <= req.since_ms then
    return nil, refuse(422, "validation_failed", "until must be after since", "until")
  end
  req.since_ms, req.until_ms = nil, nil
  if t.max_cases ~= nil then
    local n = math.type(t.max_cases) == "integer" and t.max_cases
    if not n or n < 1 or n > M.MAX_CASES then
      return nil, refuse(422, "validation_failed", "max_cases must be an integer from 1 to " .. M.MAX_CASES, "max_cases")
    end
    req.max_cases = n
  end
  return req
end

local function at(ms) return ms and time.format(ms) or json.null end

-- A kept replay (rd.replays.get/list) as the API shows it; with_report:
-- the report with its page of changed cases (offset, limit).
local function replay_json(r, with_report, offset, limit)
  local head = json.encode {
    id = r.id, state = r.state, request = json.decode(r.request), error = r.error or json.null,
    progress = { done = r.done, total = r.total },
    submitted_at = at(r.submitted_ms), started_at = at(r.started_ms), finished_at = at(r.finished_ms),
  }
  if not with_report then return head end
  local report = "null"
  if r.summary then
    local next_offset = offset + #r.changes
    report = r.summary:sub(1, -2) .. ',"changes":[' .. table.concat(r.changes, ",") .. '],"changes_kept":' ..
      string.format("%d", r.changes_kept) .. ',"offset":' .. string.format("%d", offset) .. ',"next_offset":' ..
      (next_offset < r.changes_kept and string.format("%d", next_offset) or "null") .. "}"
  end
  return head:sub(1, -2) .. ',"report":' .. report .. "}"
end

--- POST /v1/replays, after check: { status, body }.
function M.submit(req)
  local id, why = replays.submit(json.encode(req))
  if not id then
    local e = why == "busy" and refuse(409, "replay_busy", "a replay is running; one runs at a time: wait for it to finish")
      or refuse(503, "unavailable", "the replay thread is not running")
    return { status = e.status, body = json.error_body(e.code, e.message, e.field) }
  end
  return { status = 202, body = '{"replay":' .. replay_json(replays.get(id), true, 0, 0) .. "}",
    headers = { "location", "/v1/replays/" .. id } }
end

--- GET /v1/replays/{id}: the replay, or nil when it is not kept.
function M.get_body(id, offset, limit)
  local r = replays.get(id, offset, limit)
  return r and ('{"replay":' .. replay_json(r, true, offset, limit) .. "}")
end

--- DELETE /v1/replays/{id}: { status, body } — 202 and the replay (a
-- running one stops at its next case), 409 when it has finished, 404 when
-- it is not kept.
function M.cancel(id)
  local what = replays.cancel(id)
  if not what then return nil end
  if what == "finished" then
    local r = replays.get(id)
    return { status = 409, body = json.error_body("replay_finished", "replay " .. id .. " has finished (" .. r.state ..
      "); there is nothing to stop", json.null) }
  end
  return { status = 202, body = '{"replay":' .. replay_json(replays.get(id), true, 0, 0) .. "}" }
end

--- GET /v1/replays: the kept ones, newest first.
function M.list_body()
  local out = {}
  for i, r in ipairs(replays.list()) do out[i] = replay_json(r, false) end
  return '{"replays":[' .. table.concat(out, ",") .. '],"kept":' .. string.format("%d", #out) .. "}"
end

--- On the replay thread: runs the request (JSON, as M.check made it) and
-- hands rd.replays its progress, each changed case and the report.
-- Raises when the config or the candidate no longer loads, or the daemon
-- stops (the replay fails with that message).
function M.run(config_path, request_json)
  local req = json.decode(request_json)
  local cfg = config.load(config_path)
  local dir = cfg.replay.candidates
  if not dir then error("no candidate packs are configured any more (replay.candidates)", 0) end
  local p = replay.load_pack(dir .. "/" .. req.candidate, cfg)
  if p.name ~= req.pack then
    error("candidate " .. req.candidate .. " is now a version of " .. p.name .. ", not of " .. req.pack, 0)
  end
  local since = req.since and time.parse(req.since)
  local until_ms = req["until"] and time.parse(req["until"])
  -- counted first: the progress has a total, and the cases opened while
  -- the replay runs are left out (it stops at the last case counted)
  -- (reading every case: it gives way to intake too, every hundred cases)
  local total, last = replay.count(p.name, since, until_ms, math.tointeger(req.max_cases), store.end_read,
    replays.give_way)
  local function go_on(n)
    store.end_read() -- one short read transaction per case, never one for the whole replay
    if not replays.progress(n, total) then error("stopped: cancelled, or the daemon is shutting down", 0) end
  end
  go_on(0)
  local report = replay.run({ pack = req.candidate, since = req.since, ["until"] = req["until"],
    max_cases = total, last_case = last, pause = store.end_read, after_case = go_on,
    on_change = function(entry) replays.change(json.encode(replay.entry_for_json(entry))) end,
  }, p, cfg.budgets, since, until_ms)
  report.changes = nil
  report.candidate = req.candidate
  report.decided_before_by = json.array(report.decided_before_by)
  local diff = {}
  local c = report.compensation
  for cur, v in pairs(c.before) do diff[cur] = (c.after[cur] or 0) - v end
  for cur, v in pairs(c.after) do if not c.before[cur] then diff[cur] = v end end
  c.difference = diff
  replays.finish(json.encode(report))
end

return M
