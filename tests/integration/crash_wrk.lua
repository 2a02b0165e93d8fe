-- wrk script for the crash test: distinct complaints at a high rate; every
-- 2xx answer's key (its customer id) is appended to <file>.<thread prefix>.
local prefix, n, out = nil, 0, nil

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16))
  prefix = string.format("wrk-%08x", math.random(0, 0x7fffffff))
  out = io.open(args[1] .. "." .. prefix, "a")
end

function request()
  n = n + 1
  local key = prefix .. "-" .. n
  local body = '{"customer":{"id":"' .. key .. '"},"channel":"web","category":"late_delivery",' ..
    '"description":"crash test ' .. key .. '","order":{"amount":2500,"currency":"EUR"}}'
  return wrk.format("POST", "/v1/complaints", {
    ["Authorization"] = "Bearer test-intake", ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = key }, body)
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    local key = body:match('"customer":{[^}]*"id":"([^"]+)"')
    local id = body:match('"case":{.-"id":"(C%d+)"')
    out:write((key or "?") .. " " .. status .. " " .. (id or "?") .. "\n")
    out:flush()
  end
end
