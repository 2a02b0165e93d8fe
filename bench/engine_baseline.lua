-- The plain loop engine_bench compares the engine with: per complaint, the
-- same policy call (the pack's on_complaint in its sandbox, with its
-- wording rendered) and the same LMDB puts (case counter, customer index,
-- event, decision, case, one outbox row per action), in the caller's write
-- transaction; no validation, routing, idempotency, budgets, customer
-- history, nested transactions or threads.
local db = require "rd.store"
local cjson = require "redress.json" -- the engine's own JSON (canonical, integers kept)
local pack = require "redress.pack"
local config = require "redress.config"
local time = require "redress.time"

local M = {}
local p, bodies, outbox_seq = nil, nil, 0

function M.setup(pack_dir, list)
  p = pack.load(pack_dir, config.defaults)
  bodies = list
end

--- Decides and writes complaints first..first+count-1 (1-based).
function M.run(first, count, now_ms)
  local now_iso = time.format(now_ms)
  for n = first, first + count - 1 do
    local c = cjson.decode(bodies[n])
    local id = string.format("C%010d", n)
    local case = { id = id, status = "received", tier = 0, pack = { name = p.name, version = p.version },
      customer = c.customer, channel = c.channel, language = c.language or "en", category = c.category,
      description = c.description, severity = "medium", customer_state = "calm", order = c.order,
      offers = {}, escalations = {}, approvals = {}, corrective_actions = {}, tags = {}, facts = {},
      timers = {}, details = {}, events = 1, opened_ms = now_ms, opened_at = now_iso, updated_at = now_iso }
    local view = pack.deep_copy(case)
    view.now, view.now_iso = now_ms, now_iso
    local actions, explanation = pack.call(p, "on_complaint", case, nil, view)
    if not actions then error(explanation) end
    for _, a in ipairs(actions) do
      if a.type == "offer" then case.offers[#case.offers + 1] = a end
    end
    case.status = "acknowledged"
    db.put("meta", "next_case", tostring(n))
    db.put("customers", c.customer.id .. "\0" .. id, "")
    local key = id .. string.pack(">I4", 1)
    db.put("events", key, cjson.encode { kind = "event", seq = 1, type = "complaint.received", at = now_iso, data = c })
    db.put("decisions", key, cjson.encode { kind = "decision", seq = 1, event_seq = 1, at = now_iso,
      event = "complaint.received", pack = case.pack, handler = "on_complaint", outcome = "decided",
      actions = actions, explanation = explanation })
    db.put("cases", id, cjson.encode(case))
    for _, a in ipairs(actions) do
      outbox_seq = outbox_seq + 1
      db.put("outbox", string.pack(">I8", outbox_seq), cjson.encode { case_id = id, at = now_iso, action = a })
    end
  end
end

return M
