--- The operator console's side of the API: the static
-- page (console/ in the tree, read once at start), sign-in and sign-out
-- (redress.session), and the two lists its screens need that the rest of
-- the API lacks: the work queue (GET /v1/queue) and the approvals waiting
-- for a decision (GET /v1/approvals). Both do bounded work per call, like
-- GET /v1/cases, and run where it does: on the readers thread (redress.listing).
local json = require "redress.json"
local store = require "redress.store"
local session = require "redress.session"
local time = require "redress.time"

local M = {}

--- Stored rows (timers or cases) one list call looks at, at most.
M.SCAN_BUDGET = 1000

local err = require("redress.params").err

-- The console's files: name → content type. No build step: what is in
-- console/ is what the browser gets.
local FILES = {
  ["index.html"] = "text/html; charset=utf-8",
  ["signin.html"] = "text/html; charset=utf-8",
  ["app.js"] = "text/javascript; charset=utf-8",
  ["i18n.js"] = "text/javascript; charset=utf-8", -- the console's own words in en, th, fa, zh, ru
  ["learn.js"] = "text/javascript; charset=utf-8", -- learn: the Recurring causes screen
  ["learn.css"] = "text/css; charset=utf-8", -- learn
  ["app.css"] = "text/css; charset=utf-8",
  ["dashboard.js"] = "text/javascript; charset=utf-8", -- dashboard: the Dashboard screen
  ["dashboard.css"] = "text/css; charset=utf-8", -- dashboard
  ["packs.js"] = "text/javascript; charset=utf-8", -- packs: the Packs screen
  ["packs.css"] = "text/css; charset=utf-8", -- packs
  ["whatif.js"] = "text/javascript; charset=utf-8", -- whatif: the What-if screen
  ["whatif.css"] = "text/css; charset=utf-8", -- whatif
}

-- Every answer of the console: no framing, no sniffing, no referrer, and
-- the pages run only their own script and style.
local SECURITY = {
  "X-Content-Type-Options", "nosniff",
  "X-Frame-Options", "DENY",
  "Referrer-Policy", "same-origin",
  "Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; " ..
    "form-action 'self'; base-uri 'none'",
}

local function headers(...)
  local h = { table.unpack(SECURITY) }
  for _, v in ipairs { ... } do h[#h + 1] = v end
  return h
end

--- Reads console/ from the tree this file was loaded from (rd_home(): the
-- source tree, or share/redress when installed). Raises when a file is missing.
function M.files()
  local src = debug.getinfo(1, "S").source
  local home = src:match("^@(.-)runtime/lua/redress/console%.lua$") or "./"
  local out = {}
  for name, ctype in pairs(FILES) do
    local path = home .. "console/" .. name
    local f = io.open(path, "rb")
    if not f then error("the console's file " .. path .. " is missing: it is installed beside runtime/lua", 0) end
    local body = f:read("a")
    f:close()
    out[name] = { body = body, ctype = ctype, etag = '"' .. require("rd").sha256(body):sub(1, 16) .. '"' }
  end
  return out
end

local function file_answer(file, req, cache)
  if cache ~= "no-store" and req.if_none_match == file.etag then
    return { status = 304, body = "", headers = headers("ETag", file.etag, "Cache-Control", cache) }
  end
  return { status = 200, body = file.body, content_type = file.ctype,
    headers = headers("ETag", file.etag, "Cache-Control", cache) }
end

local function roles_list(roles)
  local out = {}
  for r in pairs(roles) do out[#out + 1] = r end
  table.sort(out)
  return out
end

local function session_body(roles, csrf, exp)
  return json.encode { roles = json.array(roles_list(roles)), csrf = csrf, expires_at = time.format(exp) }
end

-- POST /v1/session {"token": "…"}: the token for a cookie. The header
-- X-Redress-CSRF (any value) is required here too: a cross-site form
-- cannot send it, so no other site can sign a browser in.
local function sign_in(tokens, req, actor_of, secure)
  if not req.csrf or req.csrf == "" then
    return err(403, "csrf_required", "signing in needs an X-Redress-CSRF header (any value)")
  end
  local t, code, msg, field, status = json.decode_object(req.body)
  if not t then return err(status or 400, code, msg, field) end
  if type(t.token) ~= "string" then return err(422, "validation_failed", "token must be a string", "token") end
  local roles = tokens[t.token]
  if not roles then return err(401, "unauthorized", "unknown token") end
  local now = req.now_ms
  local cookie, csrf, exp = session.issue(t.token, now)
  if not cookie then return err(503, "starting", "the daemon is starting; retry shortly") end
  return { status = 200, body = session_body(roles, csrf, exp), actor = actor_of(t.token, roles),
    headers = { "Set-Cookie", session.set_cookie(cookie, exp, now, secure), "Cache-Control", "no-store" } }
end

--- The console's own routes: the page, its files, the redirects to it and
-- /v1/session. nil for any other path (the API's routes).
--   ctx: { tokens = config.tokens, files = M.files(), actor_of = fn(token, roles),
--          secure = config.console.secure_cookie }
function M.serve(ctx, req)
  local path, method = req.path, req.method
  if path == "/v1/session" then
    local r
    if method == "POST" then
      r = sign_in(ctx.tokens, req, ctx.actor_of, ctx.secure)
    elseif method == "GET" then
      local s = session.current(ctx.tokens, req, ctx.secure)
      if not s then
        r = err(401, "unauthorized", "no console session (POST /v1/session with a token)")
      else
        local roles = ctx.tokens[s.token]
        r = { status = 200, body = session_body(roles, s.csrf, s.expires_ms), actor = ctx.actor_of(s.token, roles),
          headers = { "Cache-Control", "no-store" } }
      end
    elseif method == "DELETE" then
      r = { status = 200, body = '{"signed_out":true}',
        headers = { "Set-Cookie", session.set_cookie(nil, nil, nil, ctx.secure), "Cache-Control", "no-store" } }
    else
      r = err(405, "method_not_allowed", method .. " is not allowed on /v1/session")
    end
    r.route = "session"
    return r
  end
  if path ~= "/" and path ~= "/console" and path:sub(1, 9) ~= "/console/" then return nil end
  local r
  if method ~= "GET" and method ~= "HEAD" then
    r = err(405, "method_not_allowed", "use GET")
  elseif path == "/" or path == "/console" then
    r = { status = 302, body = "", headers = headers("Location", "/console/", "Cache-Control", "no-store") }
  elseif path == "/console/" then
    -- signed out, the page is the sign-in form and nothing else
    local s = session.current(ctx.tokens, req, ctx.secure)
    r = file_answer(ctx.files[s and "index.html" or "signin.html"], req, "no-store")
  else
    local name = path:sub(10)
    local f = name:match("^[%w_-]+%.%a+$") and name ~= "index.html" and name ~= "signin.html" and ctx.files[name]
    if f then
      r = file_answer(f, req, "no-cache")
    else
      r = err(404, "not_found", "no such file in the console: " .. name)
      r.headers = headers()
    end
  end
  r.route = "console"
  return r
end

-- The work queue -------------------------------------------------------

local CLOSED = { resolved = true, closed = true, rejected = true }

local QUEUE_FILTERS = { "status", "pack", "category", "channel", "language", "team" }

-- An integer parameter in [lo, hi], its default when absent; or nil and the 422.
local function integer(q, name, default, lo, hi)
  local v = q[name] == nil and default or math.tointeger(tonumber(q[name]))
  if v == nil or v < lo or v > hi then
    return nil, err(422, "validation_failed", string.format("%s must be an integer from %d to %d", name, lo, hi), name)
  end
  return v
end

--- The case's nearest deadline: its earliest pending timer, named by what
-- it stands for (an open promise, an SLA clock, or a timer of the policy).
function M.next_deadline(c)
  local name, t
  for n, v in pairs(c.timers or {}) do
    if not t or v.due_ms < t.due_ms or (v.due_ms == t.due_ms and n < name) then name, t = n, v end
  end
  if not t then return nil end
  local kind, what = "timer", name
  local target = name:match("^sla%.([%w_]+)%.%a+$")
  if name == "redress.promise" then
    kind, what = "promise", type(t.data) == "table" and t.data.promise or name
  elseif target then
    kind, what = "sla", target
  end
  return { kind = kind, name = what, timer = name, due_ms = t.due_ms, due_at = t.due_at }
end

--- What is already late: breached SLA clocks and broken promises.
function M.overdue(c)
  local out = {}
  local targets = {}
  for t in pairs(c.sla or {}) do targets[#targets + 1] = t end
  table.sort(targets)
  for _, t in ipairs(targets) do
    local clock = c.sla[t]
    if clock.state == "breached" then
      out[#out + 1] = { kind = "sla", name = t, due_at = clock.due_at, breached_at = clock.breached_at }
    end
  end
  for _, p in ipairs(c.promises or {}) do
    if p.status == "broken" then out[#out + 1] = { kind = "promise", name = p.id, due_at = p.due_at } end
  end
  return out
end

local function team_of(c)
  local e = c.escalations and c.escalations[#c.escalations]
  return e and e.team
end

-- The first n characters of s (whole UTF-8 characters).
local function cut(s, n)
  if type(s) ~= "string" then return s end
  local at = utf8.offset(s, n + 1)
  return at and s:sub(1, at - 1) .. "…" or s
end

local function pending_approvals(c)
  local n = 0
  for _, a in ipairs(c.approvals or {}) do if a.status == "pending" then n = n + 1 end end
  return n
end

local function queue_item(c, deadline)
  return json.encode {
    id = c.id, status = c.status, tier = c.tier, pack = c.pack and c.pack.name, team = team_of(c),
    customer = c.customer, channel = c.channel, language = c.language, category = c.category,
    severity = c.severity, description = cut(c.description, 160), opened_at = c.opened_at,
    deadline = deadline or json.null, overdue = json.array(M.overdue(c)),
    pending_approvals = pending_approvals(c),
  }
end

local function hex(s) return (s:gsub(".", function(ch) return string.format("%02x", ch:byte()) end)) end
local function unhex(s) return (s:gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end)) end

--- GET /v1/queue: open cases (or those of `status`), nearest deadline
-- first. Two passes, each resumable from the cursor: the timers in due
-- order (a case is listed at its earliest pending timer), then the cases
-- without a pending timer in the order they were opened (deadline null).
function M.queue(q)
  local limit, bad = integer(q, "limit", 50, 1, 200)
  if not limit then return bad end
  local tier
  if q.tier then
    tier, bad = integer(q, "tier", nil, 0, 1000)
    if not tier then return bad end
  end
  if q.breached and q.breached ~= "true" and q.breached ~= "false" then
    return err(422, "validation_failed", "breached must be true or false", "breached")
  end
  local phase, pos = "t", nil
  if q.cursor then
    phase, pos = q.cursor:sub(1, 1), q.cursor:sub(2)
    if phase == "t" and pos:match("^%x+$") and #pos % 2 == 0 then
      pos = unhex(pos)
    elseif phase == "c" and (pos == "" or store.valid_case_id(pos)) then
      pos = pos ~= "" and pos or nil
    else
      return err(422, "validation_failed", "cursor is not one this API gave out", "cursor")
    end
  end

  local function match(c)
    if q.status and c.status ~= q.status then return false end
    if not q.status and CLOSED[c.status] then return false end
    if tier and c.tier ~= tier then return false end
    if q.pack and (c.pack and c.pack.name) ~= q.pack then return false end
    if q.pack_version and (c.pack and c.pack.version) ~= q.pack_version then return false end -- the Packs screen's link
    if q.team and team_of(c) ~= q.team then return false end
    for _, k in ipairs { "category", "channel", "language" } do
      if q[k] and c[k] ~= q[k] then return false end
    end
    if q.breached then return (#M.overdue(c) > 0) == (q.breached == "true") end
    return true
  end

  local out, looked, seen = {}, 0, {}
  -- pass 1: the timers, due first
  while phase == "t" and #out < limit and looked < M.SCAN_BUDGET do
    local keys = store.timers_from(pos and pos .. "\0" or nil, 128)
    for _, k in ipairs(keys) do
      pos, looked = k, looked + 1
      local id, name = k:sub(9, 19), k:sub(21)
      if not seen[id] then
        seen[id] = true
        local c = store.get_case(id)
        local d = c and M.next_deadline(c)
        -- listed at its earliest timer only (a later one: listed already)
        if d and d.timer == name and d.due_ms == string.unpack(">I8", k) and match(c) then
          out[#out + 1] = queue_item(c, d)
        end
      end
      if #out == limit or looked >= M.SCAN_BUDGET then break end
    end
    if #keys < 128 and pos == keys[#keys] or #keys == 0 then phase, pos = "c", nil end
  end
  -- pass 2: the open cases without a pending timer
  local done = false
  while phase == "c" and #out < limit and looked < M.SCAN_BUDGET do
    local ids, vals = store.cases_after(pos, 256)
    for i, id in ipairs(ids) do
      pos, looked = id, looked + 1
      -- the stored JSON is canonical: a case without timers says "timers":{}
      if vals[i]:find('"timers":{}', 1, true) then
        local c = store.case_shape(json.decode(vals[i]))
        if match(c) then out[#out + 1] = queue_item(c, nil) end
      end
      if #out == limit or looked >= M.SCAN_BUDGET then break end
    end
    if #ids < 256 and pos == ids[#ids] or #ids == 0 then done = true; break end
  end
  -- where the next page starts: a timer key, or a case id ("c" alone: the
  -- start of the second pass)
  local cursor = json.null
  if phase == "t" then cursor = "t" .. hex(pos) elseif not done then cursor = "c" .. (pos or "") end
  return { status = 200, body = '{"cases":[' .. table.concat(out, ",") .. '],"next_cursor":' .. json.encode(cursor) .. "}" }
end

--- GET /v1/approvals: the offers held for approval, across cases, the
-- longest waiting first (cases in the order they were opened).
function M.approvals(q)
  local limit, bad = integer(q, "limit", 50, 1, 200)
  if not limit then return bad end
  if q.cursor and not store.valid_case_id(q.cursor) then
    return err(422, "validation_failed", "cursor is not one this API gave out", "cursor")
  end
  local out, looked, pos, done = {}, 0, q.cursor, false
  while #out < limit and looked < M.SCAN_BUDGET do
    local ids, vals = store.cases_after(pos, 256)
    for i, id in ipairs(ids) do
      pos, looked = id, looked + 1
      -- only an approval has the status "pending": skip the rest undecoded
      if vals[i]:find('"pending"', 1, true) then
        local c = store.case_shape(json.decode(vals[i]))
        for _, a in ipairs(c.approvals) do
          if a.status == "pending" then
            out[#out + 1] = json.encode {
              case_id = c.id, approval = a, case = { status = c.status, tier = c.tier, pack = c.pack and c.pack.name,
                customer = c.customer, channel = c.channel, language = c.language, category = c.category,
                description = cut(c.description, 160), order = c.order, opened_at = c.opened_at },
            }
          end
        end
      end
      if #out >= limit or looked >= M.SCAN_BUDGET then break end
    end
    if #ids < 256 and pos == ids[#ids] or #ids == 0 then done = true; break end
  end
  return { status = 200, body = '{"approvals":[' .. table.concat(out, ",") .. '],"next_cursor":' ..
    (done and "null" or json.encode(pos or json.null)) .. "}" }
end

return M
