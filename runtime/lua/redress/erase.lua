--- Erasing a customer's personal data (POST /v1/customers/{id}/erase):
-- every place redress keeps it — the cases, their events and decisions
-- (rendered message texts included), the outbox and the webhooks' dead
-- letters, the stored idempotency answers, the corrective actions that
-- quote the customer, the customer index and summary
-- — keeping amounts, kinds, dates and statuses for accounting. The
-- customer id, which may itself be personal (an email), becomes a
-- pseudonym. Runs on a decision worker as one write set; the writer then
-- compacts the store so freed pages do not keep what was erased.
local json = require "redress.json"
local rd = require "rd"
local store = require "redress.store"
local time = require "redress.time"

local M = {}

M.ERASED = "[erased]"

-- Fields whose text is the customer's own words or about the person.
local PERSONAL = { name = true, email = true, phone = true, address = true, description = true, text = true,
  message = true, note = true, findings = true, comment = true, resolution = true }

--- The pseudonym a customer id becomes: stable, so repeated erasures and
-- accounting across cases still group by it, and not reversible.
function M.pseudonym(customer_id)
  return "erased-" .. rd.sha256("redress-erase\0" .. customer_id):sub(1, 16)
end

-- Replaces, in place, every occurrence of a known value (the id, the
-- name, the email) inside v — the id by the pseudonym, the others by
-- [erased] — and, with personal, every personal field too (a record that
-- also holds other customers' words, such as a corrective action, is
-- scrubbed without it); returns v.
local function scrub(v, known, pseudo, personal)
  if type(v) ~= "table" then return v end
  for k, x in pairs(v) do
    if type(x) == "string" then
      if personal and PERSONAL[k] and x ~= "" then
        v[k] = M.ERASED
      else
        for _, s in ipairs(known) do
          if x:find(s, 1, true) then
            x = x:gsub(s:gsub("%p", "%%%0"), s == known.id and pseudo or M.ERASED)
            v[k] = x
          end
        end
      end
    elseif type(x) == "table" then
      scrub(x, known, pseudo, personal)
    end
  end
  return v
end

-- A JSON text scrubbed (nil when it is the same).
local function scrub_json(s, known, pseudo, personal)
  local touched = false
  for _, k in ipairs(known) do touched = touched or s:find(k, 1, true) ~= nil end
  if personal then
    for field in pairs(PERSONAL) do touched = touched or s:find('"' .. field .. '":', 1, true) ~= nil end
  end
  if not touched then return nil end
  local out = json.encode(scrub(json.decode(s), known, pseudo, personal))
  return out ~= s and out or nil
end

--- Erases customer_id; returns the counts (a table to answer with) or nil
-- when redress holds nothing of that customer.
function M.run(customer_id, actor, now_ms)
  local ids = store.customer_case_ids(customer_id, nil, 1000000)
  if #ids == 0 and not store.get_summary(customer_id) then return nil end
  local pseudo = M.pseudonym(customer_id)
  -- what identifies the person, longest first (so a name inside an email
  -- does not leave the email's rest behind)
  local known = { id = customer_id }
  local seen = {}
  local function know(s)
    if type(s) == "string" and #s >= 3 and not seen[s] then seen[s] = true; known[#known + 1] = s end
  end
  know(customer_id)
  local cases = {}
  for _, id in ipairs(ids) do
    local c = store.get_case(id)
    if c then
      cases[#cases + 1] = c
      know(c.customer.name)
      know(c.customer.email)
    end
  end
  table.sort(known, function(a, b) return #a > #b end)

  local counts = { cases = #cases, events = 0, decisions = 0, outbox = 0, dead_letters = 0, idempotency = 0 }
  local case_set = {}
  local now_iso = time.format(now_ms)
  for _, c in ipairs(cases) do
    case_set[c.id] = true
    local ne, nd = store.rewrite_case_rows(c.id, function(s) return scrub_json(s, known, pseudo, true) end)
    counts.events, counts.decisions = counts.events + ne, counts.decisions + nd
    scrub(c, known, pseudo, true)
    c.customer.id = pseudo
    -- the erasure is on the case's timeline, with who asked for it
    c.events = c.events + 1
    store.put_event(c.id, { kind = "event", seq = c.events, type = "customer.erased", at = now_iso, actor = actor,
      data = { customer = pseudo } })
    store.put_case(c)
  end
  store.customer_rekey(customer_id, pseudo, ids)
  local function in_my_cases(s) return s:find('"case_id":"', 1, true) and case_set[s:match('"case_id":"(C%d+)"')] end
  counts.outbox = store.rewrite_outbox(function(s) return in_my_cases(s) and scrub_json(s, known, pseudo, true) end)
  counts.dead_letters = store.rewrite_webhook_dead(function(s)
    return in_my_cases(s) and scrub_json(s, known, pseudo, true)
  end)
  -- a stored answer (a complaint's or an event's) holds its case
  counts.idempotency = store.rewrite_idempotency(function(body)
    for cid in pairs(case_set) do
      if body:find('"' .. cid .. '"', 1, true) then return scrub_json(body, known, pseudo, true) end
    end
    return nil
  end)
  -- a corrective action covers many customers' cases: only the values that
  -- name this customer go (its title, notes, history may quote them)
  counts.corrective_actions = store.rewrite_actions(function(s) return scrub_json(s, known, pseudo, false) end)
  counts.customer = pseudo
  return counts
end

return M
