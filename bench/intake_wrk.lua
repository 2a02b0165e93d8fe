-- wrk script: distinct complaints with the demo intake token.
local n, prefix = 0, nil
function init()
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16))
  prefix = string.format("b%08x", math.random(0, 0x7fffffff))
end
function request()
  n = n + 1
  local body = '{"customer":{"id":"' .. prefix .. "-" .. n .. '"},"channel":"email",' ..
    '"category":"late_delivery","description":"late parcel","order":{"amount":4999,"currency":"EUR"}}'
  return wrk.format("POST", "/v1/complaints",
    { ["Authorization"] = "Bearer demo-intake-token", ["Content-Type"] = "application/json" }, body)
end
