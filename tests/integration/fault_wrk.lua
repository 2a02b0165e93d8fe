-- wrk script for fault_containment.lua: args[1] = "healthy" | "mixed",
-- args[2] = output file. In mixed mode every tenth complaint asks the pack
-- to misbehave (loop, memory, error in turn). Each answer's category,
-- outcome and status is written to the file.
local mode, out, n, bad = "healthy", nil, 0, { "loop", "memory", "error" }

function init(args)
  mode = args[1] or "healthy"
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16))
  out = io.open((args[2] or "/tmp/fault") .. "." .. string.format("%08x", math.random(0, 0x7fffffff)), "a")
end

function request()
  n = n + 1
  local cat = "late_delivery"
  if mode == "mixed" and n % 10 == 0 then cat = bad[math.floor(n / 10) % 3 + 1] end
  local body = '{"customer":{"id":"f' .. n .. '"},"channel":"web","category":"' .. cat ..
    '","description":"x","order":{"amount":4999,"currency":"EUR"}}'
  return wrk.format("POST", "/v1/complaints",
    { ["Authorization"] = "Bearer test-intake", ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  local cat = body:match('"category":"([%w_]+)"') or "?"
  local outcome = body:match('"outcome":"([%w_]+)"') or "?"
  out:write(cat, " ", outcome, " ", status, "\n")
  out:flush()
end
