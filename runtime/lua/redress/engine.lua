--- The engine: one job (a complaint or an event) → load the case → call the
-- policy → validate and apply its actions → write event, decision, case,
-- indexes and outbox rows. Runs on the engine thread inside the job's own
-- nested write transaction (see runtime/engine.c); whatever it raises undoes
-- the job and nothing else.
local rd = require "rd"
local json = require "redress.json"
local validate = require "redress.validate"
local config = require "redress.config"
local pack = require "redress.pack"
local store = require "redress.store"
local decider = require "redress.decide"

local M = {}

local function err_body(e)
  return json.encode { error = { code = e.code, message = e.message, field = e.field or json.null } }
end

local function refuse(e)
  return { status = e.status, body = err_body(e), wrote = false }
end

function M.new(config_path)
  local cfg = config.load(config_path)
  local packs, first = {}, nil
  for _, dir in ipairs(cfg.packs) do
    local p = pack.load(dir, cfg.limits)
    if packs[p.name] then error(dir .. ": a pack named " .. p.name .. " is already loaded", 0) end
    packs[p.name] = p
    first = first or p
  end
  local default = cfg.default_pack and packs[cfg.default_pack]
  if cfg.default_pack and not default then
    error(config_path .. ": default_pack: no loaded pack is named " .. cfg.default_pack, 0)
  end
  default = default or first

  local self = { config = cfg, packs = packs, default = default }

  -- Decides and stores event + decision + case + outbox rows.
  local function decide(case, p, etype, data, now_ms, handler)
    local event, decision, deliver = decider.run(case, p, etype, data, now_ms, handler)
    store.put_event(case.id, event)
    store.put_decision(case.id, decision)
    for _, a in ipairs(deliver) do store.outbox_add(case.id, a, event.at) end
    local case_json = store.put_case(case)
    return case_json, store.encode_decision(decision), decision.outcome
  end

  local function idem_lookup(key, body)
    if not key then return nil end
    local rec = store.idem_get(key)
    if not rec then return nil end
    if rec.hash ~= rd.sha256(body) then
      return refuse { status = 409, code = "idempotency_conflict", field = json.null,
        message = "this Idempotency-Key was used before with a different body" }
    end
    return { status = rec.status, body = rec.body, wrote = false, replay = true }
  end

  local function answer(status, case_json, decision_json, outcome, idem_key, body)
    local out = '{"case":' .. case_json .. ',"decision":' .. decision_json .. '}'
    if idem_key then store.idem_put(idem_key, { hash = rd.sha256(body), status = status, body = out }) end
    return { status = status, body = out, wrote = true, outcome = outcome }
  end

  local function complaint(job)
    local key = job.idem_key and ("c\0" .. job.idem_key)
    local replay = idem_lookup(key, job.body)
    if replay then return replay end
    local raw, code, msg, field = json.decode_object(job.body)
    if not raw then return refuse { status = 400, code = code, message = msg, field = field } end
    local c, verr = validate.complaint(raw)
    if not c then return refuse(verr) end
    local p = default
    local case = decider.new_case(c, store.next_case_id(), p, job.now_ms)
    store.index_customer(c.customer.id, case.id)
    local case_json, decision_json, outcome = decide(case, p, "complaint.received", c, job.now_ms, "on_complaint")
    return answer(201, case_json, decision_json, outcome, key, job.body)
  end

  local function event(job)
    local case = store.get_case(job.case_id)
    if not case then
      return refuse { status = 404, code = "not_found", message = "no case " .. job.case_id, field = json.null }
    end
    local key = job.idem_key and ("e\0" .. job.case_id .. "\0" .. job.idem_key)
    local replay = idem_lookup(key, job.body)
    if replay then return replay end
    local raw, code, msg, field = json.decode_object(job.body)
    if not raw then return refuse { status = 400, code = code, message = msg, field = field } end
    local etype, data = validate.event(raw)
    if not etype then return refuse(data) end
    local ok, verr = decider.on_event_builtin(case, etype, data)
    if not ok then return refuse(verr) end
    local p = packs[case.pack.name]
    local case_json, decision_json, outcome = decide(case, p, etype, data, job.now_ms, "on_event")
    return answer(200, case_json, decision_json, outcome, key, job.body)
  end

  local function outbox_ack(job)
    local t, code, msg, field = json.decode_object(job.body)
    if not t then return refuse { status = 400, code = code, message = msg, field = field } end
    local n = 0
    for _, s in ipairs(t.seqs or {}) do
      local seq = type(s) == "number" and math.tointeger(s)
      if seq and seq > 0 and store.outbox_ack(seq) then n = n + 1 end
    end
    return { status = 200, body = string.format('{"acked":%d}', n), wrote = n > 0 }
  end

  --- handle(job) → {status, body, wrote, outcome, replay}
  function self.handle_fn(job)
    if job.kind == "complaint" then return complaint(job) end
    if job.kind == "event" then return event(job) end
    if job.kind == "outbox_ack" then return outbox_ack(job) end
    error("unknown job kind " .. tostring(job.kind))
  end
  return self
end

return M
