-- wrk script for fault_containment.lua: args[1] = "alternate" | "healthy",
-- args[2] = output file prefix. In alternate mode the wall clock's odd
-- seconds are mixed: every tenth complaint sent in them goes to the faulty
-- pack (brand "faulty"), asking it to loop, bomb its memory or backtrack in
-- a pattern, in turn; the even seconds send healthy complaints alone. Each
-- answer's second, sender, outcome and status is written to the file.
local mode, out, n, m, bad = "healthy", nil, 0, 0, { "loop", "memory", "pattern" }

function init(args)
  mode = args[1] or "healthy"
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16))
  out = io.open((args[2] or "/tmp/fault") .. "." .. string.format("%08x", math.random(0, 0x7fffffff)), "a")
end

function request()
  n = n + 1
  local id, brand = "h" .. n, "shop"
  if mode == "alternate" and os.time() % 2 == 1 then
    m = m + 1
    if m % 10 == 0 then id, brand = "f" .. n .. bad[math.floor(m / 10) % 3 + 1], "faulty" end
  end
  local body = '{"customer":{"id":"' .. id .. '"},"channel":"web","category":"late_delivery","brand":"' .. brand ..
    '","description":"x","order":{"amount":4999,"currency":"EUR"}}'
  return wrk.format("POST", "/v1/complaints",
    { ["Authorization"] = "Bearer test-intake", ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  local who = body:find('"brand":"faulty"', 1, true) and "faulty" or "healthy"
  local outcome = body:match('"outcome":"([%w_]+)"') or "?"
  out:write(os.time(), " ", who, " ", outcome, " ", status, "\n") -- (flushed when wrk exits)
end
