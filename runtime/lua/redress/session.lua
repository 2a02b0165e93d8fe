--- The console's sessions: a bearer token exchanged for a signed cookie.
--
-- The cookie is "v1.<fingerprint>.<expiry ms>.<mac>": the token's
-- fingerprint (the first 12 hex digits of its SHA-256, as on the timeline),
-- when the session ends, and an HMAC-SHA256 over both with the session key,
-- which is kept in the store's meta (made once, by the first start: see
-- ensure_key). Nothing else is stored: a session survives a restart, and
-- holds on every daemon that shares (or replicates) the store. The roles
-- are the token's roles in the config as it is now: a token removed from
-- the config ends its sessions at once.
--
-- CSRF: a write the cookie authenticates must carry X-Redress-CSRF equal
-- to csrf(cookie), an HMAC of the cookie the page learns from
-- POST/GET /v1/session (the cookie itself is HttpOnly). A cross-site page
-- can neither read that answer nor send the header without a CORS
-- preflight, which redress never grants; SameSite=Strict keeps the cookie
-- off cross-site requests besides.
local rd = require "rd"
local store = require "redress.store"

local M = {}

M.COOKIE = "redress_session"
-- Behind TLS (config console.secure_cookie): the cookie is Secure and named
-- with the __Host- prefix, which a browser takes only from a secure origin,
-- with Path=/ and no Domain — so no other host (a sibling subdomain, a
-- plain-HTTP page) can set or overwrite it. The plain name is then ignored.
M.SECURE_COOKIE = "__Host-redress_session"

--- The cookie's name: secure, the __Host- one.
function M.cookie_name(secure) return secure and M.SECURE_COOKIE or M.COOKIE end
--- How long a session lasts after sign-in.
M.TTL_MS = 12 * 3600 * 1000

local function bytes(hex)
  return (hex:gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end))
end

--- HMAC-SHA256 (RFC 2104) of msg under key (bytes), as hex.
function M.hmac(key, msg)
  if #key > 64 then key = bytes(rd.sha256(key)) end
  key = key .. string.rep("\0", 64 - #key)
  local ipad = key:gsub(".", function(c) return string.char(c:byte() ~ 0x36) end)
  local opad = key:gsub(".", function(c) return string.char(c:byte() ~ 0x5c) end)
  return rd.sha256(opad .. bytes(rd.sha256(ipad .. msg)))
end

--- Makes the session key if the store has none (a worker, in the start's
-- sync job: the API's state never writes). With fresh, replaces it: every
-- cookie made with the old key stops working at once (POST
-- /v1/admin/sessions/revoke).
function M.ensure_key(fresh)
  if store.session_key() and not fresh then return end
  local f = assert(io.open("/dev/urandom", "rb"))
  local raw = f:read(32)
  f:close()
  assert(raw and #raw == 32, "cannot read /dev/urandom")
  store.put_session_key((raw:gsub(".", function(c) return string.format("%02x", c:byte()) end)))
end

local function key()
  local k = store.session_key()
  return k and bytes(k)
end

-- Equal strings, in a time that does not tell how much of a guess was right.
local function same(a, b) return rd.sha256(a) == rd.sha256(b) end

local function fingerprint(tok) return rd.sha256(tok):sub(1, 12) end

-- fingerprint → token, rebuilt when the config (a reload) changes.
local index_of, index = nil, nil
local function token_of(tokens, fp)
  if index_of ~= tokens then
    index, index_of = {}, tokens
    for tok in pairs(tokens) do index[fingerprint(tok)] = tok end
  end
  return index[fp]
end

--- A new session for a configured token: the cookie value, its CSRF value
-- and expiry. nil when the store has no key yet (the daemon is starting).
function M.issue(tok, now_ms)
  local k = key()
  if not k then return nil end
  local exp = now_ms + M.TTL_MS
  local body = string.format("v1.%s.%d", fingerprint(tok), exp)
  local cookie = body .. "." .. M.hmac(k, body)
  return cookie, M.hmac(k, "csrf." .. cookie):sub(1, 32), exp
end

-- The session cookie's value (the cookie called name) among the Cookie header's pairs.
local function cookie_value(header, name)
  if not header then return nil end
  for n, value in header:gmatch("([^=;%s]+)=([^;]*)") do
    if n == name then return value end
  end
  return nil
end

--- The session a request carries: token, cookie, CSRF value, expiry; nil
-- when there is none, or it is forged, expired or of a token no longer
-- configured. secure: only the __Host- cookie counts.
function M.current(tokens, req, secure)
  local cookie = cookie_value(req.cookie, M.cookie_name(secure))
  if not cookie then return nil end
  local fp, exp, mac = cookie:match("^v1%.(%x+)%.(%d+)%.(%x+)$")
  local k = fp and key()
  if not k then return nil end
  local body = "v1." .. fp .. "." .. exp
  if not same(M.hmac(k, body), mac) then return nil end
  exp = math.tointeger(tonumber(exp))
  if not exp or exp <= (req.now_ms or rd.now_ms()) then return nil end
  local tok = token_of(tokens, fp)
  if not tok then return nil end
  return { token = tok, cookie = cookie, csrf = M.hmac(k, "csrf." .. cookie):sub(1, 32), expires_ms = exp }
end

local SAFE = { GET = true, HEAD = true }

-- The last Authorization header read and its token: a client sends the same
-- header on every request, and the pattern costs more than the comparison.
local last_header, last_token

--- The token a request authenticates with: the bearer header when there is
-- one, else the console's session cookie. The second value is a refusal
-- reason when a cookie-authenticated write lacks its CSRF header.
function M.credentials(tokens, req, secure)
  local h = req.authorization
  if h then
    if h ~= last_header then last_header, last_token = h, h:match("^[Bb]earer%s+(%S+)%s*$") end
    return last_token
  end
  local s = M.current(tokens, req, secure)
  if not s then return nil end
  if not SAFE[req.method] and not same(req.csrf or "", s.csrf) then
    return nil, "a write from the console needs its X-Redress-CSRF header (the value from GET /v1/session)"
  end
  return s.token
end

--- The Set-Cookie value for a session (nil cookie: the one that ends it);
-- secure: the __Host- cookie, Secure.
function M.set_cookie(cookie, exp_ms, now_ms, secure)
  local attrs = "; Path=/; HttpOnly; SameSite=Strict" .. (secure and "; Secure" or "")
  if not cookie then return M.cookie_name(secure) .. "=" .. attrs .. "; Max-Age=0" end
  return string.format("%s=%s%s; Max-Age=%d", M.cookie_name(secure), cookie, attrs, (exp_ms - now_ms) // 1000)
end

return M
