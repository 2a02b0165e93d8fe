-- The console's session cookie, plain and behind TLS (config
-- console.secure_cookie): its name, its attributes, and which cookie a
-- request may authenticate with.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"

local CSRF = { ["X-Redress-CSRF"] = "sign-in" }

-- Signs in as token; returns the Set-Cookie header and the CSRF value.
local function sign_in(d, token)
  local s, body, headers, raw = d:post("/v1/session", { token = token }, { token = false, headers = CSRF })
  assert.are.equal(200, s, raw)
  return headers["set-cookie"], body.csrf
end

local function attrs(set_cookie)
  local out = {}
  for a in set_cookie:gmatch(";%s*([^;]+)") do out[#out + 1] = a end
  table.sort(out)
  return out
end

describe("the console's session cookie", function()
  local plain, secure

  setup(function()
    plain = H.new()
    plain:start()
    secure = H.new { console = { secure_cookie = true } }
    secure:start()
  end)

  teardown(function()
    if plain then plain:cleanup() end
    if secure then secure:cleanup() end
  end)

  it("is redress_session, HttpOnly and SameSite=Strict, without Secure by default", function()
    local set = sign_in(plain, "test-agent")
    local value = assert(set:match("^redress_session=([^;]+)"))
    assert.are.same({ "HttpOnly", "Max-Age=43200", "Path=/", "SameSite=Strict" }, attrs(set))
    local s = plain:request("GET", "/v1/session", { token = false, headers = { Cookie = "redress_session=" .. value } })
    assert.are.equal(200, s)
  end)

  it("is the Secure __Host- cookie with console.secure_cookie, and only that name counts", function()
    local set, csrf = sign_in(secure, "test-agent")
    local value = assert(set:match("^__Host%-redress_session=([^;]+)"), set)
    -- __Host-: Secure, Path=/, no Domain (a browser refuses it otherwise)
    assert.are.same({ "HttpOnly", "Max-Age=43200", "Path=/", "SameSite=Strict", "Secure" }, attrs(set))
    local host = { Cookie = "__Host-redress_session=" .. value }
    assert.are.equal(200, (secure:request("GET", "/v1/session", { token = false, headers = host })))
    -- the same value under the plain name (set by another host, say) is no session
    local s, body = secure:request("GET", "/v1/session", { token = false, headers = { Cookie = "redress_session=" .. value } })
    H.assert_error(s, body, 401, "unauthorized")
    s, body = secure:request("GET", "/v1/queue", { token = false, headers = { Cookie = "redress_session=" .. value } })
    H.assert_error(s, body, 401, "unauthorized")
    -- a write with the __Host- cookie and its CSRF value goes through
    s = secure:request("POST", "/v1/complaints", { token = false, body = H.complaint(),
      headers = { Cookie = host.Cookie, ["X-Redress-CSRF"] = csrf } })
    assert.are.equal(201, s)
    -- signing out clears the __Host- cookie, Secure like the one it replaces
    local _, _, headers = secure:request("DELETE", "/v1/session", { token = false, headers = host })
    assert.matches("^__Host%-redress_session=;", headers["set-cookie"])
    assert.is_truthy(headers["set-cookie"]:find("; Secure", 1, true))
  end)

  it("refuses a console setting that is not true or false", function()
    local d = H.new { console = { secure_cookie = "yes" } }
    local code, _, err = H.cli("check-config", d.config_file)
    d:cleanup()
    assert.are_not.equal(0, code)
    assert.matches("console.secure_cookie: must be true or false", err)
  end)
end)
