--- The HTTP API, on the loop thread: routing, authentication, input checks
-- and the reads. Writes leave here as a job for the decision workers; the
-- reads that scan (redress.listing) leave for the readers thread; the other
-- reads run here, in a read-only transaction opened on first use
-- (runtime/http.c).
local rd = require "rd"
local json = require "redress.json"
local config = require "redress.config"
local store = require "redress.store"
local learn = require "redress.learn"
local console = require "redress.console"
local session = require "redress.session"
local dashboard = require "redress.dashboard"
local whatif = require "redress.whatif"
local params = require "redress.params"
local listing = require "redress.listing"

local M = {}


local err = params.err

local function unescape(s)
  s = s:gsub("+", " ")
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

-- The query parameters each route reads; any other is a typo the caller
-- must hear about (`?categroy=` must not quietly return every case).
local QUERY_PARAMS = {
  cases = { "status", "tier", "customer", "opened_after", "opened_before", "limit", "cursor" },
  case = { "limit", "before" }, -- a page of its timeline
  outbox = { "after", "limit" },
  timers = { "due_before", "limit" },
  webhook_dead = { "subscription", "after", "limit" },
  dashboard = { "from", "to", "pack" }, -- dashboard
  queue = { "status", "tier", "pack", "pack_version", "category", "channel", "language", "team", "breached", "limit", "cursor" }, -- console
  approvals = { "limit", "cursor" }, -- console
  corrective_actions = { "status", "pack", "cause", "limit", "cursor" }, -- learn
  replay = { "offset", "limit" }, -- whatif
}

local function bad_param(field, message)
  return err(422, "validation_failed", message, field)
end

-- The query of a route as a table, or nil and the 422 for a parameter the
-- route does not take or one given twice.
local NO_PARAMS = {}
local function parse_query(route, q)
  if not q then return {} end
  local t, known = {}, QUERY_PARAMS[route] or NO_PARAMS
  for pair in q:gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=?(.*)$")
    k, v = unescape(k), unescape(v)
    if not utf8.len(k) then return nil, bad_param(json.null, "a query parameter name is not UTF-8") end
    local ok = false
    for _, name in ipairs(known) do ok = ok or name == k end
    if not ok then
      local shown = #k <= 64 and k or (k:sub(1, (utf8.offset(k, 41) or #k + 1) - 1) .. "…")
      if #known == 0 then
        return nil, bad_param(shown, "this route takes no query parameters; got " .. shown)
      end
      local hint = #k <= 64 and config.suggest(k, known) or ""
      return nil, bad_param(shown, "unknown query parameter " .. shown .. hint ..
        "; this route takes " .. table.concat(known, ", "))
    end
    if not utf8.len(v) then return nil, bad_param(k, k .. " is not UTF-8") end
    if t[k] ~= nil then return nil, bad_param(k, k .. " is given twice") end
    t[k] = v
  end
  return t
end

-- route name → roles allowed (admin is always allowed)
local ROLES = {
  metrics = { read = true },
  complaints = { intake = true, agent = true },
  events = { agent = true, approver = true },
  case = { read = true, agent = true },
  cases = { read = true, agent = true },
  outbox = { agent = true },
  outbox_ack = { agent = true },
  packs = { read = true, agent = true },
  timers = { read = true, agent = true },
  webhooks = { agent = true },
  webhook_dead = { agent = true },
  reload = {},
  customer_erase = {}, -- admin only
  sessions_revoke = {}, -- admin only
  corrective_actions = { read = true, agent = true, approver = true }, -- learn
  corrective_action = { read = true, agent = true, approver = true }, -- learn
  corrective_events = { agent = true, approver = true }, -- learn: open, done, dismiss need approver
  queue = { read = true, agent = true }, -- console
  approvals = { read = true, agent = true, approver = true }, -- console
  dashboard = { read = true, agent = true }, -- dashboard
  cluster = { read = true },
  -- whatif: admin only — a replay runs a candidate pack's code for minutes
  -- on a core of its own and its report spans every customer's amounts
  replays = {}, replays_list = {}, replay = {}, replay_cancel = {}, replay_candidates = {},
}

-- The routes that submit jobs (writes): in cluster mode only the leader takes them.
local WRITES = { complaints = true, events = true, outbox_ack = true, reload = true, customer_erase = true,
  sessions_revoke = true, corrective_events = true }

-- Who a token is, for the audit trail: a fingerprint (never the token)
-- and its roles, "3f2a9c1b7d04 agent,approver".
-- A token's roles never change while its config is loaded, so each
-- token's actor is made once (keyed by its roles table, which is the
-- config's own: a reloaded config has new tables).
local actors = setmetatable({}, { __mode = "k" })
local function actor_of(tok, roles)
  local known = actors[roles]
  if known and known.tok == tok then return known.actor end
  local names = {}
  for r in pairs(roles) do names[#names + 1] = r end
  table.sort(names)
  local actor = rd.sha256(tok):sub(1, 12) .. " " .. table.concat(names, ",")
  actors[roles] = { tok = tok, actor = actor }
  return actor
end

-- Returns the refusal, or nil and the actor.
local function authorize(self, req, route, allowed)
  allowed = allowed or ROLES[route]
  if not allowed then return nil end
  -- the bearer header, else the console's session cookie (redress.session)
  local tok, csrf_refused = session.credentials(self.config.tokens, req, self.config.console.secure_cookie)
  if csrf_refused then return err(403, "csrf_required", csrf_refused) end
  local roles = tok and self.config.tokens[tok]
  if not roles then
    return err(401, "unauthorized", "a valid bearer token is required (Authorization: Bearer <token>)")
  end
  if roles.admin then return nil, actor_of(tok, roles) end
  for r in pairs(roles) do
    if allowed[r] then return nil, actor_of(tok, roles) end
  end
  local need = {}
  for r in pairs(allowed) do need[#need + 1] = r end
  table.sort(need)
  need[#need + 1] = "admin"
  return err(403, "forbidden", "this token's roles do not allow " .. route .. " (needs one of: " ..
    table.concat(need, ", ") .. ")")
end

-- Approvals are decided by a role made for it, not by any agent.
local APPROVAL_EVENTS = { ["approval.granted"] = true, ["approval.denied"] = true }
local APPROVERS = { approver = true }

local function check_idem_key(req)
  local k = req.idempotency_key
  if k == nil then return nil end
  if #k < 1 or #k > 200 or k:find("[^\32-\126]") then
    return err(422, "validation_failed", "Idempotency-Key must be 1–200 printable ASCII characters", "Idempotency-Key")
  end
  return nil
end

local page_params = params.page_params

-- GET /v1/webhooks: each subscription (its URL without the query, which
-- may hold a credential) with its cursor, what is left to deliver and how
-- many items it gave up on.
local function webhooks_list(subs)
  local out = {}
  for i, h in ipairs(subs) do
    local cursor = store.webhook_cursor(h.name)
    local pending = store.outbox_count_after(cursor, 10001)
    local dead = store.webhook_dead_count(h.name, 100001)
    out[i] = json.encode { name = h.name, url = h.url:match("^[^?#]*"), events = h.events and json.array(h.events) or json.null,
      cursor = cursor, pending = math.min(pending, 10000), pending_more = pending > 10000, dead = dead }
  end
  return { status = 200, body = '{"webhooks":[' .. table.concat(out, ",") .. "]}" }
end

-- Whether name is a configured webhook subscription (GET /v1/webhooks/dead
-- checks it here: the readers' state has no config).
local function subscribed(subs, name)
  for _, h in ipairs(subs) do if h.name == name then return true end end
  return false
end

local function check_ack(body)
  local t, code, msg, field, status = json.decode_object(body)
  if not t then return err(status or 400, code, msg, field) end
  if type(t.seqs) ~= "table" or #t.seqs == 0 then
    return err(422, "validation_failed", "seqs must be a non-empty list of outbox sequence numbers", "seqs")
  end
  if #t.seqs > 10000 then return err(422, "validation_failed", "at most 10000 seqs at once", "seqs") end
  for i, s in ipairs(t.seqs) do
    local n = type(s) == "number" and math.tointeger(s)
    if not n or n < 1 then return err(422, "validation_failed", "seqs must hold positive integers", "seqs[" .. i .. "]") end
  end
  return nil
end

-- A replay of a committed request is answered here from the stored record;
-- a key reused with another body is a 409 whatever that body holds. A key
-- whose first request is still in the engine's batch is not visible yet:
-- the engine makes the same check inside its transaction.
local function idem_precheck(scope, req)
  local k = req.idempotency_key
  if not k then return nil end
  local rec = store.idem_get(scope .. k)
  if not rec then return nil end
  if rec.hash ~= rd.sha256(req.body or "") then
    return err(409, "idempotency_conflict", "this Idempotency-Key was used before with a different body")
  end
  return { status = rec.status, body = rec.body, replay = true }
end

-- Checks a write body on the loop thread, so a bad request is refused at
-- once instead of waiting for a commit. The engine checks again.
-- Returns the refusal, or nil and the checked value.
local function precheck(body, check)
  local t, code, msg, field, status = json.decode_object(body)
  if not t then return err(status or 400, code, msg, field) end
  local ok, e = check(t)
  if not ok then return err(e.status, e.code, e.message, e.field) end
  return nil, ok
end

--- GET /v1/timers (and `redress timers`): pending timers in due order.
M.timers_list = listing.timers -- redress timers (cli.lua)

-- path → route name, method → handler
local function route_of(method, path)
  if path == "/healthz" then return "healthz", method == "GET" end
  if path == "/metrics" then return "metrics", method == "GET" end
  if path == "/v1/openapi.json" then return "openapi", method == "GET" end
  if path == "/v1/cluster" then return "cluster", method == "GET" end
  if path == "/v1/complaints" then return "complaints", method == "POST" end
  if path == "/v1/cases" then return "cases", method == "GET" end
  if path == "/v1/queue" then return "queue", method == "GET" end -- console
  if path == "/v1/approvals" then return "approvals", method == "GET" end -- console
  if path == "/v1/dashboard" then return "dashboard", method == "GET" end -- dashboard
  if path == "/v1/outbox" then return "outbox", method == "GET" end
  if path == "/v1/outbox/ack" then return "outbox_ack", method == "POST" end
  if path == "/v1/packs" then return "packs", method == "GET" end
  if path == "/v1/timers" then return "timers", method == "GET" end
  if path == "/v1/admin/reload" then return "reload", method == "POST" end
  if path == "/v1/admin/sessions/revoke" then return "sessions_revoke", method == "POST" end
  if path == "/v1/webhooks" then return "webhooks", method == "GET" end
  if path == "/v1/webhooks/dead" then return "webhook_dead", method == "GET" end
  if path == "/v1/corrective-actions" then return "corrective_actions", method == "GET" end -- learn
  if path == "/v1/replays" then -- whatif
    if method == "GET" then return "replays_list", true end
    return "replays", method == "POST"
  end
  if path == "/v1/replays/candidates" then return "replay_candidates", method == "GET" end -- whatif
  local rid = path:match("^/v1/replays/([^/]+)$") -- whatif
  if rid then
    if method == "DELETE" then return "replay_cancel", true, rid end
    return "replay", method == "GET", rid
  end
  local ca, ca_rest = path:match("^/v1/corrective%-actions/([^/]+)(.*)$") -- learn
  if ca then
    if ca_rest == "" then return "corrective_action", method == "GET", ca end
    if ca_rest == "/events" then return "corrective_events", method == "POST", ca end
  end
  local who = path:match("^/v1/customers/([^/]+)/erase$")
  if who then -- percent-decoded, "+" kept (a path is not a form)
    return "customer_erase", method == "POST", (who:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
  end
  local id, rest = path:match("^/v1/cases/([^/]+)(.*)$")
  if id then
    if rest == "" then return "case", method == "GET", id end
    if rest == "/events" then return "events", method == "POST", id end
  end
  return nil
end

-- The OpenAPI document of this API, GET /v1/openapi.json: docs/openapi.json
-- in the tree this file was loaded from (rd_home(), whose runtime/lua is
-- on package.path), so an installed daemon serves the copy installed with it.
local function openapi_document()
  local src = debug.getinfo(1, "S").source
  local home = src:match("^@(.-)runtime/lua/redress/api%.lua$")
  local path = (home or "./") .. "docs/openapi.json"
  local f = io.open(path, "rb")
  if not f then error("the OpenAPI document " .. path .. " is missing: it is installed beside runtime/lua", 0) end
  local s = f:read("a")
  f:close()
  return s
end

-- The answer to a request on a known route (or the job, read or forward
-- it becomes); sets req.who to the actor it authorized. Defined once, not
-- a closure per request.
local function answer(self, req, route, method_ok, id)
  if route == "healthz" then
    if req.draining then return { status = 503, body = '{"status":"draining"}' } end
    if not method_ok then return err(405, "method_not_allowed", "use GET") end
    return { status = 200, body = '{"status":"ok"}' }
  end
  if req.draining then return err(503, "draining", "the daemon is shutting down; retry shortly") end
  local denied, actor = authorize(self, req, route)
  if denied then return denied end
  req.who = actor
  if not method_ok then
    return err(405, "method_not_allowed", req.method .. " is not allowed on " .. req.path)
  end
  local q, bad_query = parse_query(route, req.query)
  if not q then return bad_query end
  -- cluster mode: a follower sends writes to the leader before checking
  -- them against its own store, which may be a moment behind
  if req.follower and WRITES[route] then return { forward = true } end
  if route == "metrics" then
    return { status = 200, body = require("rd.metrics").text(), content_type = "text/plain; version=0.0.4; charset=utf-8" }
  elseif route == "openapi" then -- no role: the contract is public, like /healthz
    return { status = 200, body = self.openapi }
  elseif route == "cluster" then -- every node's role, applied sequence and hash (runtime/cluster.c)
    if not req.cluster_status then return err(404, "not_found", "this daemon runs alone: no cluster is configured") end
    return { status = 200, body = req.cluster_status() }
  elseif route == "complaints" then
    local bad = check_idem_key(req) or idem_precheck("c\0", req)
    if bad then return bad end
    -- Only the body's JSON up to its customer.id is read here
    -- (json.customer_of: the reader's checks, no tables built), for the
    -- dispatch key: the worker reads the whole body and checks the
    -- complaint itself (validate.complaint) before deciding, and refuses
    -- it with the same answer, so the loop thread reads nothing twice.
    local ok, customer, msg, field, status = json.customer_of(req.body)
    if not ok then return err(status or 400, customer, msg, field) end
    -- the customer orders this complaint after the customer's others
    return { job = { kind = "complaint", idem_key = req.idempotency_key, customer_id = customer, actor = actor } }
  elseif route == "events" then
    local bad = check_idem_key(req)
    if bad then return bad end
    if not store.get_case_json(id) then return err(404, "not_found", "no case " .. id) end
    bad = idem_precheck("e\0" .. id .. "\0", req)
    if bad then return bad end
    -- The body is read here for its type alone (json.type_of: the
    -- reader's checks, no tables built), for the approver check; the
    -- worker decodes and checks the whole event against the case's pack,
    -- and takes the same type (of two, the last), so no table is built twice.
    local ok, etype, msg, field, status = json.type_of(req.body)
    if not ok then return err(status or 400, etype, msg, field) end
    if APPROVAL_EVENTS[etype] then
      bad = authorize(self, req, "approvals", APPROVERS)
      if bad then return bad end
    end
    return { job = { kind = "event", case_id = id, idem_key = req.idempotency_key, actor = actor } }
  elseif route == "corrective_action" then -- learn
    local body = learn.get_body(id, req.now_ms)
    if not body then return err(404, "not_found", "no corrective action " .. id) end
    return { status = 200, body = body }
  elseif route == "corrective_events" then -- learn
    if not store.get_action_json(id) then return err(404, "not_found", "no corrective action " .. id) end
    local bad, ty = precheck(req.body, learn.check)
    if bad then return bad end
    -- opening and closing are decided by approvers; agents note and assign
    if learn.TRANSITIONS[ty].closes then
      bad = authorize(self, req, "corrective_events", APPROVERS)
      if bad then return bad end
    end
    return { job = { kind = "corrective", case_id = id, actor = actor } }
  elseif route == "replays" then -- whatif
    local t, code, msg, field, status = json.decode_object(req.body)
    if not t then return err(status or 400, code, msg, field) end
    local checked, e = whatif.check(t, self.config)
    if not checked then return err(e.status, e.code, e.message, e.field) end
    return whatif.submit(checked)
  elseif route == "replays_list" then -- whatif
    return { status = 200, body = whatif.list_body() }
  elseif route == "replay_cancel" then -- whatif
    return whatif.cancel(id) or err(404, "not_found", "no replay " .. id .. " (the last few are kept, until a restart)")
  elseif route == "replay_candidates" then -- whatif
    return { status = 200, body = whatif.candidates_body(self.config) }
  elseif route == "replay" then -- whatif
    local offset, limit, bad = page_params(q, "offset", 50, 500)
    if not offset then return bad end
    local body = whatif.get_body(id, offset, limit)
    if not body then return err(404, "not_found", "no replay " .. id .. " (the last few are kept, until a restart)") end
    return { status = 200, body = body }
  elseif route == "webhook_dead" and not subscribed(self.config.webhooks, q.subscription) then
    return err(422, "validation_failed", "subscription must name a configured webhook", "subscription")
  elseif listing.READS[route] then -- case, cases, corrective_actions, dashboard, outbox, timers, webhook_dead; the console's queue and approvals
    -- the scan runs on the readers thread when the daemon has one
    -- (runtime/readers.c): the loop thread only routes it
    q.id = id -- a case's id, from the path
    if req.reads then return { read = { fn = route, args = json.encode { query = q, now_ms = req.now_ms } } } end
    return listing.READS[route](q, req.now_ms)
  elseif route == "packs" then
    local list = store.get_packs_list()
    if not list then return err(503, "starting", "the packs are not stored yet; retry shortly") end
    -- packs that are or were quarantined since the daemon started
    return { status = 200, body = list:sub(1, -2) .. ',"quarantine":' .. (store.get_pack_health() or "{}") ..
      ',"pinned":' .. json.encode(dashboard.pinned()) .. "}" } -- pinned: the Packs screen's counts, one row read
  elseif route == "customer_erase" then
    if not utf8.len(id) or #id > 200 then
      return err(422, "validation_failed", "the customer id in the path must be UTF-8, at most 200 bytes", "customer_id")
    end
    return { job = { kind = "erase", customer_id = id, actor = actor } }
  elseif route == "webhooks" then
    return webhooks_list(self.config.webhooks)
  elseif route == "reload" then
    return { job = { kind = "reload" } }
  elseif route == "sessions_revoke" then
    return { job = { kind = "sessions_revoke", actor = actor } }
  elseif route == "outbox_ack" then
    local bad = check_ack(req.body)
    if bad then return bad end
    return { job = { kind = "outbox_ack" } }
  end
end

function M.new(config_path)
  local self = { config = config.load(config_path), openapi = openapi_document() }

  local console_files = console.files()
  local console_ctx, ctx_of -- made again when a reload brings a new config
  local function handle(req)
    -- the console's page, its files and /v1/session (console.lua)
    if ctx_of ~= self.config then
      console_ctx, ctx_of = { tokens = self.config.tokens, files = console_files, actor_of = actor_of,
        secure = self.config.console.secure_cookie }, self.config
    end
    local page = console.serve(console_ctx, req)
    if page then return page end
    local route, method_ok, id = route_of(req.method, req.path)
    if not route then
      local r = err(404, "not_found", "no such route: " .. req.method .. " " .. req.path)
      r.route = "unknown"
      return r
    end
    local r = answer(self, req, route, method_ok, id)
    r.route = route
    r.actor = req.who
    return r
  end

  self.handle_fn = handle
  --- Re-reads the config (tokens) after the engine reloaded successfully.
  function self.reload_fn()
    self.config = config.load(config_path)
  end
  return self
end

return M
