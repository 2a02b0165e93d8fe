-- Integration test harness for redressd: temp dir, config, process control, HTTP.
--
--   local H = require "harness"
--   local d = H.new{ limits = { max_body_bytes = 1024 } }  -- top-level config overrides
--   d:start()                         -- spawns redressd, waits for the "listening" log line
--   local status, body, headers, raw = d:request("POST", "/v1/complaints",
--       { token = "test-intake", body = H.complaint(), headers = { ["Idempotency-Key"] = "k1" } })
--   d:stop()      -- SIGTERM, returns the exit code
--   d:kill9()     -- SIGKILL, returns the exit code (137)
--   d:restart()   -- stop + start on the same data dir
--   d:cleanup()   -- kill -9 if still running, rm -rf the temp dir
--
-- The token defaults to "test-admin"; pass token = false to send no Authorization header.
-- Env: REDRESSD (binary), REDRESS_ROOT (repo root), REDRESS_KEEP_TMP=1 (keep temp dirs).
local socket = require "socket"
local url = require "socket.url"
local cjson = require "cjson"
local httpc = require "httpc"

local H = {}
H.HTTP_TIMEOUT = 10  -- seconds per request
-- Specs of the sanitizer build run with its runtime preloaded and leak
-- checks off (stock lua5.4 and busted are not ours); the daemon gets them
-- back on (spawn) and its reports fail the spec (cleanup).
H.SANITIZED = (os.getenv("LD_PRELOAD") or ""):find("libasan", 1, true) ~= nil

local function sh_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end
H.sh_quote = sh_quote

local function capture(cmd)
  local p = assert(io.popen(cmd, "r"))
  local out = p:read("a")
  p:close()
  return out
end
H.capture = capture

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end
H.read_file = read_file

local function write_file(path, s)
  local f = assert(io.open(path, "wb"))
  assert(f:write(s))
  f:close()
end
H.write_file = write_file

function H.sleep(s) socket.sleep(s) end
function H.now() return socket.gettime() end

-- Repository root: REDRESS_ROOT, else two levels above this file.
local function find_root()
  local env = os.getenv("REDRESS_ROOT")
  if env and env ~= "" then return env end
  local src = debug.getinfo(1, "S").source:gsub("^@", "")
  local dir = src:match("^(.*)/[^/]*$") or "."
  if dir:sub(1, 1) ~= "/" then
    dir = capture("pwd"):gsub("%s+$", "") .. "/" .. dir
  end
  local root = capture("cd " .. sh_quote(dir .. "/../..") .. " && pwd"):gsub("%s+$", "")
  return root
end
H.root = find_root()
H.bin = (os.getenv("REDRESSD") ~= "" and os.getenv("REDRESSD")) or (H.root .. "/build/redressd")
H.cli_bin = os.getenv("REDRESS_CLI") or (H.root .. "/build/redress")

-- Runs the redress CLI with args; returns exit code, stdout, stderr.
function H.cli(...)
  local args = {}
  for i, a in ipairs { ... } do args[i] = sh_quote(a) end
  local tmp = os.tmpname()
  local p = io.popen(sh_quote(H.cli_bin) .. " " .. table.concat(args, " ") .. " 2>" .. tmp)
  local out = p:read("a")
  local _, _, code = p:close()
  local err = read_file(tmp) or ""
  os.remove(tmp)
  return code, out, err
end

H.TOKENS = {
  ["test-admin"] = { "admin" },
  ["test-intake"] = { "intake" },
  ["test-agent"] = { "agent" },
  ["test-read"] = { "read" },
  ["test-approver"] = { "approver" },
}

-- Serialize a plain Lua value as a Lua literal (for the config file).
local function serialize(v, indent)
  indent = indent or ""
  local t = type(v)
  if t == "string" then return string.format("%q", v)
  elseif t == "number" or t == "boolean" then return tostring(v)
  elseif t ~= "table" then error("cannot serialize " .. t) end
  local n = #v
  local parts = {}
  for i = 1, n do parts[#parts + 1] = serialize(v[i], indent .. "  ") end
  local keys = {}
  for k in pairs(v) do
    if not (math.type(k) == "integer" and k >= 1 and k <= n) then keys[#keys + 1] = k end
  end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  for _, k in ipairs(keys) do
    parts[#parts + 1] = "[" .. serialize(k) .. "] = " .. serialize(v[k], indent .. "  ")
  end
  if #parts == 0 then return "{}" end
  return "{\n" .. indent .. "  " .. table.concat(parts, ",\n" .. indent .. "  ") .. ",\n" .. indent .. "}"
end
H.serialize = serialize

-- URL query string from a table (keys sorted for stable URLs).
function H.query(q)
  local keys = {}
  for k in pairs(q or {}) do keys[#keys + 1] = k end
  if #keys == 0 then return "" end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do
    local v = q[k]
    if math.type(v) == "float" and v == math.floor(v) then v = math.tointeger(v) end  -- cjson gives floats
    parts[#parts + 1] = url.escape(tostring(k)) .. "=" .. url.escape(tostring(v))
  end
  return "?" .. table.concat(parts, "&")
end

-- lua-cjson decodes every JSON number as a float: "integer" means a number without a fraction.
function H.is_int(v)
  return type(v) == "number" and v == math.floor(v) and v > -2^53 and v < 2^53
end

-- A valid complaint body; overrides are merged at the top level (nested tables replace).
function H.complaint(over)
  local c = {
    customer = { id = "c-1", name = "Anna" },
    channel = "email",
    category = "late_delivery",
    description = "My parcel is two weeks late and nobody answers my emails.",
    language = "en",
    order = { id = "A-1", amount = 4999, currency = "EUR" },
  }
  for k, v in pairs(over or {}) do c[k] = v end
  return c
end

local env_prefix
function H.env_prefix()
  if env_prefix == nil then
    local ok = os.execute("env --default-signal=INT,QUIT true >/dev/null 2>&1")
    env_prefix = ok and "env --default-signal=INT,QUIT " or ""
  end
  return env_prefix
end

local D = {}
D.__index = D

-- A daemon in a fresh temp dir (not started). overrides replace top-level config keys.
function H.new(overrides)
  overrides = overrides or {}
  local dir = capture("mktemp -d /tmp/redress-it.XXXXXX"):gsub("%s+$", "")
  assert(dir ~= "" and dir:sub(1, 1) == "/", "mktemp failed")
  local self = setmetatable({ dir = dir, runs = 0 }, D)
  self.config = {
    listen = "127.0.0.1:0",
    data_dir = dir .. "/data",
    packs = { H.root .. "/policies/retail" },
    default_pack = "retail",
    limits = { max_body_bytes = 1048576 },
    tokens = H.TOKENS,
  }
  for k, v in pairs(overrides) do self.config[k] = v end
  os.execute("mkdir -p " .. sh_quote(self.config.data_dir))
  self.config_file = dir .. "/redress.conf.lua"
  self:write_config()
  return self
end

-- Writes a one-language test pack (template ack = "Thanks") into the temp
-- dir and makes it the only, default pack. extra: more manifest fields as
-- Lua source (e.g. 'currency = "EUR"'). Call write_config afterwards.
function D:use_pack(name, policy, extra)
  local dir = self.dir .. "/packs/" .. name
  os.execute("mkdir -p " .. sh_quote(dir .. "/templates"))
  write_file(dir .. "/pack.lua", 'return { name = "' .. name .. '", version = "1.0.0", languages = { "en" }' ..
    (extra and (", " .. extra) or "") .. ' }\n')
  write_file(dir .. "/policy.lua", policy)
  write_file(dir .. "/templates/en.lua", 'return { ack = "Thanks" }\n')
  self.config.packs = { dir }
  self.config.default_pack = name
  return dir
end

function D:write_config()
  write_file(self.config_file, "return " .. serialize(self.config) .. "\n")
end

-- Launch redressd in the background; does not wait for it to listen.
function D:spawn()
  assert(not self.pid, "daemon already running (pid " .. tostring(self.pid) .. ")")
  self.runs = self.runs + 1
  local n = self.runs
  self.log_file = string.format("%s/daemon.%d.log", self.dir, n)
  self.pid_file = string.format("%s/daemon.%d.pid", self.dir, n)
  self.exit_file = string.format("%s/daemon.%d.exit", self.dir, n)
  self.port = nil
  -- A background command of a non-interactive sh ignores SIGINT/SIGQUIT; undo that so that
  -- the daemon sees the dispositions it would get from a terminal or a service manager.
  local cmd = string.format(
    "(%s%s%s%s -c %s 2>>%s & echo $! > %s; wait $!; echo $? > %s.tmp; mv %s.tmp %s) </dev/null >/dev/null 2>&1 &",
    H.env_prefix(), H.SANITIZED and "ASAN_OPTIONS=detect_leaks=1 " or "", self.env_vars or "", sh_quote(H.bin), sh_quote(self.config_file), sh_quote(self.log_file), sh_quote(self.pid_file),
    sh_quote(self.exit_file), sh_quote(self.exit_file), sh_quote(self.exit_file))
  os.execute(cmd)
  local deadline = H.now() + 5
  while H.now() < deadline do
    local s = read_file(self.pid_file)
    if s and s:match("%d+") then
      self.pid = tonumber(s:match("%d+"))
      return self.pid
    end
    H.sleep(0.01)
  end
  error("redressd did not start (no pid file)")
end

function D:exit_code()
  local s = read_file(self.exit_file or "")
  return s and tonumber(s:match("%-?%d+"))
end

function D:log()
  return read_file(self.log_file or "") or ""
end

function D:log_tail(n)
  local lines = {}
  for line in self:log():gmatch("[^\n]+") do lines[#lines + 1] = line end
  local from = math.max(1, #lines - (n or 20) + 1)
  return table.concat(lines, "\n", from)
end

-- Wait for the "listening" log line; returns port, or nil + reason.
function D:wait_ready(timeout)
  local deadline = H.now() + (timeout or 10)
  while H.now() < deadline do
    for line in self:log():gmatch("[^\n]+") do
      if line:match('"msg"%s*:%s*"listening"') then
        local port = tonumber(line:match('"port"%s*:%s*(%d+)'))
        if port and port > 0 then
          self.port = port
          return port
        end
      end
    end
    local code = self:exit_code()
    if code then
      self.pid = nil
      return nil, "exited with code " .. code
    end
    H.sleep(0.02)
  end
  return nil, "timeout waiting for the listening line"
end

-- Start and wait until serving; raises with the log tail on failure.
function D:start(timeout)
  local f = io.open(H.bin, "rb")
  if not f then error("redressd binary not found: " .. H.bin .. " (set REDRESSD)") end
  f:close()
  self:spawn()
  local port, why = self:wait_ready(timeout)
  if not port then
    self:kill9()
    error("redressd did not become ready: " .. why .. "\n--- log ---\n" .. self:log_tail(30))
  end
  if self.port_file then write_file(self.port_file, tostring(port) .. "\n") end
  return self
end

-- Wait for the process to exit; returns its exit code or nil on timeout.
function D:wait_exit(timeout)
  local deadline = H.now() + (timeout or 10)
  while H.now() < deadline do
    local code = self:exit_code()
    if code then
      self.pid = nil
      return code
    end
    H.sleep(0.02)
  end
  return nil
end

function D:signal(sig)
  assert(self.pid, "daemon not running")
  os.execute(string.format("kill -%s %d 2>/dev/null", sig, self.pid))
end

-- SIGTERM and wait (default 10 s); returns the exit code. On timeout: kill -9, returns nil.
function D:stop(timeout, sig)
  if not self.pid then return self:exit_code() end
  self:signal(sig or "TERM")
  local code = self:wait_exit(timeout or 10)
  if not code then
    self:kill9()
    return nil, "did not exit after SIG" .. (sig or "TERM")
  end
  return code
end

function D:kill9()
  if not self.pid then return self:exit_code() end
  self:signal("KILL")
  return self:wait_exit(10)
end

function D:restart(how)
  local code
  if how == "kill9" then code = self:kill9() else code = self:stop() end
  self:start()
  return code
end

-- The sanitizer build's reports in the daemon's logs (every run), or nil.
function D:sanitizer_reports()
  local found = {}
  for n = 1, self.runs do
    local log = read_file(string.format("%s/daemon.%d.log", self.dir, n)) or ""
    local at = log:find("ERROR: %a+Sanitizer") or log:find("runtime error:", 1, true)
    if at then found[#found + 1] = string.format("daemon.%d.log: %s", n, log:sub(at, at + 1500)) end
  end
  return #found > 0 and table.concat(found, "\n") or nil
end

-- Stops the daemon and removes its directory. In the sanitizer build the
-- daemon is stopped as a service manager would (its leak check runs at
-- exit) and any sanitizer report in its logs fails the spec.
function D:cleanup()
  if self.pid then
    if H.SANITIZED then pcall(self.stop, self) end
    if self.pid then pcall(self.kill9, self) end
  end
  local reports = H.SANITIZED and self:sanitizer_reports()
  if reports then
    error("the sanitizer build reported errors (kept " .. self.dir .. "):\n" .. reports, 2)
  end
  if os.getenv("REDRESS_KEEP_TMP") == "1" then
    io.stderr:write("redress: kept " .. self.dir .. "\n")
  elseif self.dir:match("^/tmp/redress%-it%.") then
    os.execute("rm -rf " .. sh_quote(self.dir))
  end
end


-- HTTP. opts: token (default "test-admin"; false = none), body (table -> JSON, string -> raw),
-- headers. Returns status, body (decoded JSON table, else raw string), headers (lower-case), raw.
-- On a transport error returns nil, error message.
function D:request(method, path, opts)
  opts = opts or {}
  assert(self.port, "daemon not listening")
  local headers = {}
  local token = opts.token
  if token == nil then token = "test-admin" end
  if token then headers["authorization"] = "Bearer " .. token end
  local body = opts.body
  if type(body) == "table" then body = cjson.encode(body) end
  if type(body) == "string" then headers["content-type"] = "application/json" end
  if body then
    headers["content-length"] = tostring(#body)
  elseif method == "POST" or method == "PUT" or method == "PATCH" then
    headers["content-length"] = "0"
  end
  for k, v in pairs(opts.headers or {}) do headers[k:lower()] = v end
  local status, rh, raw = httpc.request(self.port, method, path, headers, body, H.HTTP_TIMEOUT)
  if not status then return nil, rh end
  local decoded = raw
  if raw:match("^%s*[%[{]") then
    local okj, v = pcall(cjson.decode, raw)
    if okj then decoded = v end
  end
  return status, decoded, rh, raw
end

function D:get(path, token) return self:request("GET", path, { token = token }) end

function D:post(path, body, opts)
  opts = opts or {}
  opts.body = body
  return self:request("POST", path, opts)
end

-- POST /v1/complaints with H.complaint(over); asserts the 201 and returns
-- the answer ({case, decision}).
function D:complain(over)
  local s, res, _, raw = self:post("/v1/complaints", H.complaint(over))
  require("luassert").are.equal(201, s, raw)
  return res
end

-- POST /v1/complaints with each body of the list (tables, encoded here),
-- `parallel` at a time by as many curl processes (run without the
-- sanitizer build's preload). Returns the count of each HTTP status.
function D:complain_at_once(bodies, parallel)
  return self:complain_in_background(bodies, parallel)()
end

-- The same, in the background: returns a function that waits for the last
-- answer (up to `timeout` seconds, 60 by default) and returns the count of
-- each HTTP status.
function D:complain_in_background(bodies, parallel)
  local tag = tostring(bodies):match("0x(%x+)") or "x"
  for i, body in ipairs(bodies) do
    write_file(self.dir .. "/at-once-" .. tag .. "-" .. i .. ".json", H.json.encode(body))
  end
  local codes_file = self.dir .. "/at-once-" .. tag .. ".codes"
  local done_file = codes_file .. ".done"
  os.remove(done_file) -- a list made at a freed one's address gets its tag
  os.execute(string.format("(seq 1 %d | env -u LD_PRELOAD -u ASAN_OPTIONS xargs -P %d -I{} curl -s -o /dev/null " ..
    "-w '%%{http_code}\\n' -H 'authorization: Bearer test-intake' -H 'content-type: application/json' " ..
    "--data @%s/at-once-%s-{}.json http://127.0.0.1:%d/v1/complaints > %s; touch %s) &",
    #bodies, parallel, self.dir, tag, self.port, codes_file, done_file))
  return function(timeout)
    local deadline = H.now() + (timeout or 60)
    while not read_file(done_file) do
      if H.now() > deadline then error("complaints in the background: no end after " .. (timeout or 60) .. " s") end
      H.sleep(0.05)
    end
    local codes = {}
    for code in read_file(codes_file):gmatch("%d+") do codes[code] = (codes[code] or 0) + 1 end
    return codes
  end
end

-- All cases matching a filter, walking every page. Returns the list, or raises.
function D:all_cases(q, limit)
  local out, seen_cursors = {}, {}
  local params = {}
  for k, v in pairs(q or {}) do params[k] = v end
  params.limit = limit or 500
  for _ = 1, 10000 do
    local status, body, _, raw = self:request("GET", "/v1/cases" .. H.query(params), { token = "test-read" })
    if status ~= 200 or type(body) ~= "table" then
      error("GET /v1/cases failed: " .. tostring(status) .. " " .. tostring(raw or body))
    end
    for _, c in ipairs(body.cases) do out[#out + 1] = c end
    local cur = body.next_cursor
    if cur == nil or cur == cjson.null then return out end
    if seen_cursors[cur] then error("cursor repeats: " .. tostring(cur)) end
    seen_cursors[cur] = true
    params.cursor = cur
  end
  error("too many pages")
end

function D:count_cases() return #self:all_cases() end

-- Parse "YYYY-MM-DDTHH:MM:SS(.fff)Z" (or +hh:mm offset) to epoch milliseconds.
function H.parse_time(s)
  local y, mo, d, h, mi, sec, rest = tostring(s):match("^(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)(.*)$")
  if not y then return nil end
  y, mo, d = tonumber(y), tonumber(mo), tonumber(d)
  local frac, tz = rest:match("^%.(%d+)(.*)$")
  if not frac then frac, tz = "0", rest end
  local ms = math.floor(tonumber("0." .. frac) * 1000 + 0.5)
  local off = 0
  if tz ~= "Z" and tz ~= "z" then
    local sign, oh, om = tz:match("^([%+%-])(%d%d):(%d%d)$")
    if not sign then return nil end
    off = (tonumber(oh) * 60 + tonumber(om)) * 60 * (sign == "-" and -1 or 1)
  end
  -- days from civil (Howard Hinnant)
  y = (mo <= 2) and y - 1 or y
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local doy = (153 * (mo + (mo > 2 and -3 or 9)) + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  local days = era * 146097 + doe - 719468
  local secs = days * 86400 + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(sec) - off
  return secs * 1000 + ms
end

function H.format_time(ms)
  local secs, msr = ms // 1000, ms % 1000
  local days, sod = secs // 86400, secs % 86400
  local z = days + 719468
  local era = (z >= 0 and z or z - 146096) // 146097
  local doe = z - era * 146097
  local yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
  local mp = (5 * doy + 2) // 153
  local d = doy - (153 * mp + 2) // 5 + 1
  local m = mp < 10 and mp + 3 or mp - 9
  if m <= 2 then y = y + 1 end
  return string.format("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d, sod // 3600, sod % 3600 // 60, sod % 60, msr)
end

-- Assert an error response (uses luassert, so only call it inside busted).
-- field: expected field name, or H.NULL for a JSON null, or nil to only require the key.
H.NULL = cjson.null
function H.assert_error(status, body, want_status, want_code, want_field)
  local la = require "luassert"
  la.are.equal(want_status, status, "HTTP status; body: " .. (type(body) == "table" and cjson.encode(body) or tostring(body)))
  la.is_table(body, "error body is not JSON")
  la.is_table(body.error, "no error object")
  la.are.equal(want_code, body.error.code)
  la.is_string(body.error.message)
  la.is_true(#body.error.message > 0, "empty error.message")
  la.is_not_nil(body.error.field, "error.field key missing (null is allowed)")
  if want_field ~= nil then la.are.equal(want_field, body.error.field) end
end

H.json = cjson
return H
