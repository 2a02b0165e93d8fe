--- The daemon's config file: a Lua chunk that returns a table. It runs in a
-- small environment (os.getenv, tonumber, string, math) so an operator can
-- read PORT or DATA_DIR from the environment. Every mistake is reported as
-- "FILE: field: what is wrong".
local M = {}

local ROLES = { intake = true, agent = true, admin = true, read = true, approver = true }

M.defaults = {
  max_body_bytes = 1024 * 1024,
  max_batch = 256,
  -- decision workers: threads that run policies, each with its own Lua
  -- state and copy of the packs; one writer commits what they decide
  workers = 2,
  map_size = 64 * 1024 * 1024,
  policy_instructions = 10000000,
  policy_memory = 8 * 1024 * 1024,
  -- the safety net for what counting cannot see; policies that need more
  -- than a few milliseconds are broken, not slow
  policy_wall_ms = 500,
  -- calls in a row that hit a limit before a pack is quarantined, and the
  -- first quarantine (doubling while it keeps failing, up to 5 minutes)
  quarantine_after = 3,
  quarantine_seconds = 10,
}

local function fail(path, field, msg)
  error(string.format("%s: %s: %s", path, field, msg), 0)
end

local function env_for_config()
  return {
    os = { getenv = os.getenv }, tonumber = tonumber, tostring = tostring,
    string = string, math = math, table = table, pairs = pairs, ipairs = ipairs,
  }
end

local HOOK_KEYS = { "name", "url", "secret", "events", "timeout_ms", "retry" }
local RETRY_KEYS = { "first_ms", "max_ms", "attempts" }

-- An integer field of t in [lo, hi], or dflt when absent.
local function int_in(t, k, lo, hi, dflt, path, at)
  local v = t[k]
  if v == nil then return dflt end
  if math.type(v) ~= "integer" or v < lo or v > hi then
    fail(path, at .. "." .. k, string.format("must be an integer from %d to %d", lo, hi))
  end
  return v
end

local function only_keys(t, keys, path, at)
  local set = {}
  for _, k in ipairs(keys) do set[k] = true end
  for k in pairs(t) do
    if not set[k] then fail(path, at .. "." .. tostring(k), "unknown key" .. M.suggest(tostring(k), keys)) end
  end
end

--- webhooks: the outbox's push subscriptions (runtime/webhooks.c), each
-- { name, url, secret, events = { action types } (all when absent),
--   timeout_ms, retry = { first_ms, max_ms, attempts } }.
function M.webhooks(list, path)
  if list == nil then return {} end
  if type(list) ~= "table" then fail(path, "webhooks", "must be a list of subscriptions { name, url, secret }") end
  local out, names = {}, {}
  for k in pairs(list) do
    if math.type(k) ~= "integer" or k < 1 or k > #list then fail(path, "webhooks", "must be a list (no named keys)") end
  end
  for i, h in ipairs(list) do
    local at = "webhooks[" .. i .. "]"
    if type(h) ~= "table" then fail(path, at, "must be a table { name, url, secret }") end
    only_keys(h, HOOK_KEYS, path, at)
    if type(h.name) ~= "string" or not h.name:match("^[%w_%-]+$") or #h.name > 40 then
      fail(path, at .. ".name", "must be 1 to 40 letters, digits, _ or -")
    end
    if names[h.name] then fail(path, at .. ".name", "another subscription is called " .. h.name) end
    names[h.name] = true
    if type(h.url) ~= "string" or not h.url:match("^https?://[^%s/]+") or h.url:find("[%s%c]") then
      fail(path, at .. ".url", "must be an http:// or https:// URL")
    end
    if type(h.secret) ~= "string" or #h.secret < 16 then
      fail(path, at .. ".secret", "must be a string of at least 16 characters (it signs every delivery)")
    end
    local events
    if h.events ~= nil then
      if type(h.events) ~= "table" or #h.events == 0 then
        fail(path, at .. ".events", "must be a non-empty list of action types such as { \"message\", \"offer\" }")
      end
      events = {}
      for j, e in ipairs(h.events) do
        if type(e) ~= "string" or not e:match("^[%w_.]+$") then fail(path, at .. ".events[" .. j .. "]", "must be an action type") end
        events[j] = e
      end
    end
    local retry = h.retry or {}
    if type(retry) ~= "table" then fail(path, at .. ".retry", "must be a table { first_ms, max_ms, attempts }") end
    only_keys(retry, RETRY_KEYS, path, at .. ".retry")
    out[i] = { name = h.name, url = h.url, secret = h.secret, events = events,
      timeout_ms = int_in(h, "timeout_ms", 100, 60000, 5000, path, at),
      retry = { first_ms = int_in(retry, "first_ms", 10, 3600000, 1000, path, at .. ".retry"),
        max_ms = int_in(retry, "max_ms", 10, 86400000, 300000, path, at .. ".retry"),
        attempts = int_in(retry, "attempts", 1, 1000, 10, path, at .. ".retry") } }
  end
  return out
end

local CLUSTER_KEYS = { "name", "nats", "stream", "replicas", "advertise", "lease_ms" }

--- cluster: cluster mode on NATS JetStream (runtime/cluster.c), absent for
-- one node: { name, nats = { servers = { "nats://host:port", … } },
--   stream = "redress", replicas = 3, advertise = "http://host:port",
--   lease_ms = 3000 }. src: the file's text, for the line of a mistake.
function M.cluster(t, path, src)
  if t == nil then return nil end
  local function bad(field, msg)
    local line = M.line_of(src, field:match("([%w_]+)$"), M.line_of(src, "cluster"))
    error(string.format("%s%s: cluster.%s: %s", path, line and (":" .. line) or "", field, msg), 0)
  end
  if type(t) ~= "table" then bad("", "must be a table { name, nats = { servers }, advertise }") end
  for k in pairs(t) do
    if type(k) ~= "string" or not M.cluster_known(k) then
      bad(tostring(k), "unknown key" .. M.suggest(tostring(k), CLUSTER_KEYS))
    end
  end
  if type(t.name) ~= "string" or not t.name:match("^[%w_%-]+$") or #t.name > 40 then
    bad("name", "must be 1 to 40 letters, digits, _ or - (this node's name, unique in the cluster)")
  end
  if type(t.nats) ~= "table" then bad("nats", "must be a table { servers = { \"nats://host:port\", … } }") end
  for k in pairs(t.nats) do
    if k ~= "servers" then bad("nats." .. tostring(k), "unknown key" .. M.suggest(tostring(k), { "servers" })) end
  end
  local servers = {}
  if type(t.nats.servers) ~= "table" or #t.nats.servers == 0 or #t.nats.servers > 16 then
    bad("nats.servers", "must list 1 to 16 server URLs such as \"nats://127.0.0.1:4222\"")
  end
  for i, u in ipairs(t.nats.servers) do
    if type(u) ~= "string" or not u:match("^nats://[^%s/]+$") then
      bad("nats.servers", "entry " .. i .. " must be a URL such as \"nats://127.0.0.1:4222\"")
    end
    servers[i] = u
  end
  local stream = t.stream or "redress"
  if type(stream) ~= "string" or not stream:match("^[%w_%-]+$") or #stream > 40 then
    bad("stream", "must be 1 to 40 letters, digits, _ or -")
  end
  if type(t.advertise) ~= "string" or not t.advertise:match("^https?://[^%s/]+$") then
    bad("advertise", "must be this node's HTTP URL without a path, such as \"http://10.0.0.1:8080\" (followers redirect writes there)")
  end
  local function int(k, lo, hi, dflt)
    local v = t[k]
    if v == nil then return dflt end
    if math.type(v) ~= "integer" or v < lo or v > hi then bad(k, string.format("must be an integer from %d to %d", lo, hi)) end
    return v
  end
  return { name = t.name, servers = servers, stream = stream, advertise = t.advertise,
    replicas = int("replicas", 1, 5, 3), lease_ms = int("lease_ms", 1000, 60000, 3000) }
end

--- The largest request body in cluster mode (limits.max_body_bytes' bound).
M.CLUSTER_MAX_BODY = 256 * 1024

function M.cluster_known(k)
  for _, c in ipairs(CLUSTER_KEYS) do if c == k then return true end end
  return false
end

--- Loads and validates the config file at path; returns the normalized table.
function M.load(path)
  local f, err = io.open(path, "r")
  if not f then error("cannot read config " .. tostring(err), 0) end
  local src = f:read("a")
  f:close()
  local chunk, perr = load(src, "@" .. path, "t", env_for_config())
  if not chunk then error(perr, 0) end
  local ok, raw = pcall(chunk)
  if not ok then error(tostring(raw), 0) end
  if type(raw) ~= "table" then fail(path, "(file)", "must return a table") end
  return M.normalize(raw, path, src)
end

--- The keys a config may have; anything else is a mistake (a typo such as
-- pack_setings would otherwise be ignored in silence).
M.KEYS = { "listen", "data_dir", "packs", "default_pack", "routes", "limits", "tokens", "budgets",
  "pack_settings", "calendars", "legal", "migrate_cases", "log", "webhooks", "cluster", "replay", "console" }

-- How far apart two words are (edits), for "did you mean".
local function distance(a, b)
  local prev = {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    local cur = { [0] = i }
    for j = 1, #b do
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a:sub(i, i) == b:sub(j, j) and 0 or 1))
    end
    prev = cur
  end
  return prev[#b]
end

--- "did you mean X?" for a word close to one of known, else "".
function M.suggest(word, known)
  local best, bd = nil, 3
  for _, k in ipairs(known) do
    local d = distance(word, k)
    if d < bd then best, bd = k, d end
  end
  return best and (" (did you mean " .. best .. "?)") or ""
end

--- The line of a Lua source (a config, a pack.lua) where key is set
-- (`key =` or `["key"] =`), at or after line from (default 1), for an
-- error's "FILE:LINE"; nil when it is not found.
function M.line_of(src, key, from)
  if not src then return nil end
  local n, esc = 1, key:gsub("%p", "%%%0")
  for line in (src .. "\n"):gmatch("([^\n]*)\n") do
    if n >= (from or 1) and (line:find("%f[%w_]" .. esc .. "%s*=") or line:find('%["' .. esc .. '"%]%s*=')) then
      return n
    end
    n = n + 1
  end
  return nil
end
local line_of = M.line_of

-- The config's value t of name: a table whose only key is key (example:
-- how one is written), or {} when absent.
local function section(t, name, key, example, path)
  t = t or {}
  if type(t) ~= "table" then fail(path, name, "must be a table such as " .. example) end
  for k in pairs(t) do
    if k ~= key then fail(path, name .. "." .. tostring(k), "unknown key" .. M.suggest(tostring(k), { key })) end
  end
  return t
end

--- Validates a config table; returns a normalized copy. src: the file's
-- text, to point at the line of an unknown key.
function M.normalize(raw, path, src)
  path = path or "config"
  local c = { limits = {}, tokens = {}, packs = {} }
  local known = {}
  for _, k in ipairs(M.KEYS) do known[k] = true end
  local unknown = {}
  for k in pairs(raw) do
    if not known[k] then unknown[#unknown + 1] = tostring(k) end
  end
  table.sort(unknown)
  if unknown[1] then
    local k = unknown[1]
    local line = line_of(src, k)
    error(string.format("%s%s: %s: unknown key%s", path, line and (":" .. line) or "", k, M.suggest(k, M.KEYS)), 0)
  end

  local listen = raw.listen or "127.0.0.1:8080"
  if type(listen) == "table" then
    c.host, c.port = listen.host or "127.0.0.1", listen.port
  elseif type(listen) == "string" then
    local h, p = listen:match("^([^:]+):(%d+)$")
    if not h then fail(path, "listen", "must be \"host:port\", got " .. string.format("%q", listen)) end
    c.host, c.port = h, tonumber(p)
  else
    fail(path, "listen", "must be a \"host:port\" string")
  end
  c.port = math.tointeger(tonumber(c.port))
  if not c.port or c.port < 0 or c.port > 65535 then fail(path, "listen", "port must be 0–65535") end
  if not c.host:match("^%d+%.%d+%.%d+%.%d+$") then
    fail(path, "listen", "host must be an IPv4 address such as 127.0.0.1 or 0.0.0.0")
  end

  if type(raw.data_dir) ~= "string" or raw.data_dir == "" then
    fail(path, "data_dir", "must be a directory path")
  end
  c.data_dir = raw.data_dir

  if type(raw.packs) ~= "table" or #raw.packs == 0 then
    fail(path, "packs", "must list at least one pack directory")
  end
  for i, p in ipairs(raw.packs) do
    if type(p) ~= "string" then fail(path, "packs[" .. i .. "]", "must be a directory path") end
    c.packs[i] = p
  end
  if raw.default_pack ~= nil and type(raw.default_pack) ~= "string" then
    fail(path, "default_pack", "must be a pack name")
  end
  c.default_pack = raw.default_pack

  local limits = raw.limits or {}
  if type(limits) ~= "table" then fail(path, "limits", "must be a table") end
  for k, v in pairs(limits) do
    if M.defaults[k] == nil then fail(path, "limits." .. tostring(k), "unknown limit") end
    if math.type(v) ~= "integer" or v <= 0 then
      fail(path, "limits." .. k, "must be a positive integer")
    end
  end
  for k, d in pairs(M.defaults) do c.limits[k] = limits[k] or d end

  -- routes: which pack handles a new complaint; the first match wins.
  local ROUTE_KEYS = { channel = true, brand = true, jurisdiction = true, category = true, language = true, severity = true }
  c.routes = {}
  if raw.routes ~= nil and type(raw.routes) ~= "table" then fail(path, "routes", "must be a list of { when = {…}, pack = \"name\" }") end
  for i, r in ipairs(raw.routes or {}) do
    local f = "routes[" .. i .. "]"
    if type(r) ~= "table" or type(r.pack) ~= "string" then fail(path, f .. ".pack", "must name a pack") end
    if type(r.when) ~= "table" then fail(path, f .. ".when", "must be a table such as { channel = \"social\" }") end
    local when = {}
    for k, v in pairs(r.when) do
      if not ROUTE_KEYS[k] then
        fail(path, f .. ".when." .. tostring(k), "unknown field (use channel, brand, jurisdiction, category, language or severity)")
      end
      if type(v) == "string" then v = { v } end
      if type(v) ~= "table" or #v == 0 then fail(path, f .. ".when." .. k, "must be a string or a list of strings") end
      local set = {}
      for _, x in ipairs(v) do
        if type(x) ~= "string" then fail(path, f .. ".when." .. k, "must be a string or a list of strings") end
        set[x] = true
      end
      when[k] = set
    end
    c.routes[i] = { when = when, pack = r.pack }
  end

  c.pack_settings = {}
  if raw.pack_settings ~= nil and type(raw.pack_settings) ~= "table" then
    fail(path, "pack_settings", "must map pack names to tables of settings")
  end
  for name, t in pairs(raw.pack_settings or {}) do
    if type(name) ~= "string" or type(t) ~= "table" then
      fail(path, "pack_settings", "must map pack names to tables of settings")
    end
    c.pack_settings[name] = t
  end

  -- calendars: per-installation business calendars, replacing a pack's own
  c.calendars = {}
  if raw.calendars ~= nil and type(raw.calendars) ~= "table" then
    fail(path, "calendars", "must map pack names to calendars { zone, hours, holidays }")
  end
  for name, cal in pairs(raw.calendars or {}) do
    if type(name) ~= "string" or type(cal) ~= "table" then
      fail(path, "calendars", "must map pack names to calendars { zone, hours, holidays }")
    end
    c.calendars[name] = cal
  end

  -- legal: per-installation overrides of redress.legal rules, e.g. a
  -- member state's longer guarantee: { overrides = { ["EU.guarantee"] = { years = 3 } } }
  c.legal = { overrides = {} }
  if raw.legal ~= nil then
    if type(raw.legal) ~= "table" or (raw.legal.overrides ~= nil and type(raw.legal.overrides) ~= "table") then
      fail(path, "legal", "must be { overrides = { [rule id] = { field = value } } }")
    end
    for id, o in pairs(raw.legal.overrides or {}) do
      if type(id) ~= "string" or type(o) ~= "table" then
        fail(path, "legal.overrides", "must map rule ids (e.g. \"EU.guarantee\") to tables of fields")
      end
      for k, v in pairs(o) do
        local t = type(v)
        if type(k) ~= "string" or (t ~= "number" and t ~= "string" and t ~= "boolean") then
          fail(path, "legal.overrides." .. id, "fields are names with numbers, strings or booleans (e.g. years = 3)")
        end
      end
      c.legal.overrides[id] = o
    end
  end

  if raw.migrate_cases ~= nil and type(raw.migrate_cases) ~= "boolean" then
    fail(path, "migrate_cases", "must be true or false")
  end
  c.migrate_cases = raw.migrate_cases == true

  -- log: access = one line per answered request (default on)
  local log = section(raw.log, "log", "access", "{ access = false }", path)
  if log.access ~= nil and type(log.access) ~= "boolean" then fail(path, "log.access", "must be true or false") end
  c.log = { access = log.access ~= false }

  c.webhooks = M.webhooks(raw.webhooks, path)
  c.cluster = M.cluster(raw.cluster, path, src)
  if c.cluster then
    -- a batch of the replicated log is one NATS message (max_payload, 1 MB
    -- by default), and a body travels in it twice (the request and the
    -- writes it made); the writer keeps a batch under 512 KiB, and one
    -- request alone must fit too
    if limits.max_body_bytes == nil then
      c.limits.max_body_bytes = M.CLUSTER_MAX_BODY
    elseif c.limits.max_body_bytes > M.CLUSTER_MAX_BODY then
      fail(path, "limits.max_body_bytes", string.format("must be at most %d in cluster mode (a batch of the " ..
        "replicated log must fit one NATS message; max_payload is 1 MB by default)", M.CLUSTER_MAX_BODY))
    end
  end

  -- replay: the what-if replays (redress.whatif); candidates = a folder
  -- whose sub-folders are candidate packs (new versions to try)
  local rp = section(raw.replay, "replay", "candidates", "{ candidates = \"candidates\" }", path)
  if rp.candidates ~= nil and (type(rp.candidates) ~= "string" or rp.candidates == "") then
    fail(path, "replay.candidates", "must be a directory path (its folders are candidate packs)")
  end
  c.replay = { candidates = rp.candidates }

  -- console: secure_cookie = true behind TLS (the __Host- cookie, Secure)
  local con = section(raw.console, "console", "secure_cookie", "{ secure_cookie = true }", path)
  if con.secure_cookie ~= nil and type(con.secure_cookie) ~= "boolean" then
    fail(path, "console.secure_cookie", "must be true or false")
  end
  c.console = { secure_cookie = con.secure_cookie == true }

  -- budgets: caps per currency in minor units; an offer over a cap becomes
  -- a request for approval.
  c.budgets = { per_case = {}, per_customer_365d = {}, per_day = {} }
  if raw.budgets ~= nil and type(raw.budgets) ~= "table" then fail(path, "budgets", "must be a table") end
  for k, caps in pairs(raw.budgets or {}) do
    if not c.budgets[k] then fail(path, "budgets." .. tostring(k), "unknown budget (per_case, per_customer_365d, per_day)") end
    if type(caps) ~= "table" then fail(path, "budgets." .. k, "must map currencies to amounts, e.g. { EUR = 10000 }") end
    for cur, amount in pairs(caps) do
      if type(cur) ~= "string" or not cur:match("^%u%u%u$") then
        fail(path, "budgets." .. k, "keys must be ISO 4217 codes such as EUR")
      end
      if math.type(amount) ~= "integer" or amount < 0 then
        fail(path, "budgets." .. k .. "." .. cur, "must be a non-negative integer in minor units")
      end
      c.budgets[k][cur] = amount
    end
  end

  local tokens = raw.tokens or {}
  if type(tokens) ~= "table" then fail(path, "tokens", "must map token strings to role lists") end
  for tok, roles in pairs(tokens) do
    if type(tok) ~= "string" or #tok < 8 then
      fail(path, "tokens", "each token must be a string of at least 8 characters")
    end
    if type(roles) ~= "table" or #roles == 0 then
      fail(path, "tokens[" .. tok:sub(1, 4) .. "…]", "must be a list of roles")
    end
    local set = {}
    for _, r in ipairs(roles) do
      if not ROLES[r] then
        fail(path, "tokens[" .. tok:sub(1, 4) .. "…]", "unknown role " .. string.format("%q", tostring(r)) ..
          " (roles: intake, agent, admin, read)")
      end
      set[r] = true
    end
    c.tokens[tok] = set
  end
  return c
end

return M
