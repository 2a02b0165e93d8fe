-- wrk script for fault_containment.lua: args[1] = "healthy" | "mixed",
-- args[2] = output file prefix. In mixed mode every tenth complaint goes to
-- the faulty pack (brand "faulty"), asking it to loop, bomb its memory or
-- backtrack in a pattern, in turn. Each answer's sender, outcome and status
-- is written to the file.
local mode, out, n, bad = "healthy", nil, 0, { "loop", "memory", "pattern" }

function init(args)
  mode = args[1] or "healthy"
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16))
  out = io.open((args[2] or "/tmp/fault") .. "." .. string.format("%08x", math.random(0, 0x7fffffff)), "a")
end

function request()
  n = n + 1
  local id, brand = "h" .. n, "shop"
  if mode == "mixed" and n % 10 == 0 then id, brand = "f" .. n .. bad[math.floor(n / 10) % 3 + 1], "faulty" end
  local body = '{"customer":{"id":"' .. id .. '"},"channel":"web","category":"late_delivery","brand":"' .. brand ..
    '","description":"x","order":{"amount":4999,"currency":"EUR"}}'
  return wrk.format("POST", "/v1/complaints",
    { ["Authorization"] = "Bearer test-intake", ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  local who = body:find('"brand":"faulty"', 1, true) and "faulty" or "healthy"
  local outcome = body:match('"outcome":"([%w_]+)"') or "?"
  out:write(who, " ", outcome, " ", status, "\n")
  out:flush()
end
