-- Fault containment under load. One pack (faulty) gets 10 % of the
-- complaints and every one of its calls misbehaves: an endless loop, a
-- memory bomb, or a call stuck inside one C function (a backtracking
-- pattern), in turn. The other 90 % go to the healthy built-in retail pack.
-- Closed loop (wrk, 16 connections), after a warm-up, in one run whose
-- seconds alternate: the even seconds of the clock send healthy complaints
-- alone, the odd ones the mix. A separate client sends healthy complaints one
-- at a time throughout, to measure their latency in each kind of second.
--
-- Interleaving by the second, rather than a phase of each in turn, is what
-- makes the ratio a measurement of the daemon: the store growing and the
-- disk's fsync time drifting fall on both kinds of second alike, and the
-- median leaves out the pairs a burst of load from other tenants hit
-- unevenly. (With phases of three seconds in turn, the better of two or
-- three, the same commit read 0.78 to 0.91 here, and 0.80 on a CI machine.)
--
-- Gate: healthy throughput in a mixed second >= 0.8 of that in the alone
-- second before it, the median over the run's pairs of seconds (with 10 %
-- of the closed loop's requests sent to the faulty pack, 0.9 is what a
-- daemon whose misbehaving calls cost as much as healthy ones gets),
-- p99 of healthy complaints below 2 x policy_wall_ms, every misbehaving call
-- recorded as a policy_error, every answer a 201. The same mix with the
-- quarantine off is printed beside it: what a misbehaving call costs before
-- the breaker opens.
--   lua5.4 tests/integration/fault_containment.lua [seconds]
local here = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"

local secs = tonumber(arg[1]) or 20
local FAULTY = [[
local P = {}
function P.on_complaint(case, act)
  local kind = case.customer.id:match("(%a+)$")
  if kind == "loop" then while true do end end
  if kind == "memory" then local t = {} for i = 1, 1e9 do t[i] = string.rep("x", 512) .. i end end
  if kind == "pattern" then string.find(string.rep("a", 5000), string.rep("a*", 8) .. "b") end
  act:acknowledge { template = "ack" }
end
return P
]]

local problems = {}

local function daemon(quarantine)
  local d = H.new()
  local faulty = d:use_pack("faulty", FAULTY, 'currency = "EUR"')
  d.config.packs = { H.root .. "/policies/retail", faulty }
  d.config.default_pack = "retail"
  d.config.routes = { { when = { brand = "faulty" }, pack = "faulty" } }
  d.config.limits = { quarantine_after = quarantine and 3 or 1000000 }
  d:write_config()
  d:start()
  return d
end

-- One run of wrk (mode "alternate" or "healthy") for n seconds in the
-- background, the probe in the foreground. Returns, for the whole seconds of
-- each kind ("alone": even, "mixed": odd; the first and last, partial,
-- are left out), the healthy complaints decided and the seconds counted;
-- the probe's p99 per kind; and over the whole run the misbehaving
-- complaints, those recorded as policy errors, and other answers.
local runs = 0
local function run(d, mode, n)
  runs = runs + 1
  local prefix = d.dir .. "/" .. mode .. runs
  local done = prefix .. ".done"
  os.execute(string.format("(wrk -t2 -c16 -d%ds -s %s http://127.0.0.1:%d/ -- %s %s > %s 2>&1; touch %s) &", n,
    H.sh_quote(here .. "/fault_wrk.lua"), d.port, mode, H.sh_quote(prefix), H.sh_quote(prefix .. ".wrk"),
    H.sh_quote(done)))
  local lat, t_end, k = { alone = {}, mixed = {} }, H.now() + n, 0
  while H.now() < t_end do
    k = k + 1
    local t0 = H.now()
    local s = d:post("/v1/complaints", H.complaint { customer = { id = "probe-" .. runs .. "-" .. k } }, { token = "test-intake" })
    if s == 201 then
      local l = lat[math.floor(t0) % 2 == 1 and mode == "alternate" and "mixed" or "alone"]
      l[#l + 1] = H.now() - t0
    end
  end
  for _ = 1, 100 do
    if H.read_file(done) then break end
    H.sleep(0.1)
  end
  local r = { bad = 0, bad_recorded = 0, other = 0, per = {} }
  local first, last = math.huge, -math.huge
  local lines = {}
  local p = io.popen("cat " .. H.sh_quote(prefix) .. ".[0-9a-f]* 2>/dev/null")
  for line in p:lines() do
    local sec, who, outcome, status = line:match("^(%d+) (%S+) (%S+) (%d+)$")
    sec = tonumber(sec)
    if not sec or status ~= "201" then
      r.other = r.other + 1
      if #problems < 10 then problems[#problems + 1] = mode .. ": " .. line end
    elseif who == "healthy" then
      if outcome == "decided" then lines[#lines + 1] = sec
      elseif #problems < 10 then problems[#problems + 1] = mode .. ": a healthy complaint was not decided: " .. line end
    else
      r.bad = r.bad + 1
      if outcome == "policy_error" then r.bad_recorded = r.bad_recorded + 1
      elseif #problems < 10 then problems[#problems + 1] = mode .. ": a misbehaving call was not recorded: " .. line end
    end
    if sec then first, last = math.min(first, sec), math.max(last, sec) end
  end
  p:close()
  for kind in pairs(lat) do r.per[kind] = { healthy = 0, seconds = 0 } end
  for sec = first + 1, last - 1 do
    local c = r.per[sec % 2 == 1 and mode == "alternate" and "mixed" or "alone"]
    c.seconds = c.seconds + 1
  end
  local by_sec = {}
  for _, sec in ipairs(lines) do
    if sec > first and sec < last then
      local c = r.per[sec % 2 == 1 and mode == "alternate" and "mixed" or "alone"]
      c.healthy = c.healthy + 1
      by_sec[sec] = (by_sec[sec] or 0) + 1
    end
  end
  -- each mixed second against the alone second before it
  local pairs_ = {}
  for sec = first + 2, last - 1 do
    if sec % 2 == 1 then pairs_[#pairs_ + 1] = (by_sec[sec] or 0) / math.max(1, by_sec[sec - 1] or 0) end
  end
  table.sort(pairs_)
  r.pairs = pairs_
  r.median = pairs_[(#pairs_ + 1) // 2]
  for kind, l in pairs(lat) do
    table.sort(l)
    local c = r.per[kind]
    c.rate = c.healthy / math.max(1, c.seconds)
    c.p99 = l[math.max(1, math.ceil(#l * 0.99))] or math.huge
  end
  return r
end

local ok, err = pcall(function()
  local d = daemon(true)
  run(d, "alternate", 4) -- warm up: a fresh store is slower, and the breaker opens here
  local on = run(d, "alternate", secs)
  local packs = select(2, d:get("/v1/packs"))
  assert(d:stop() == 0, "exit code")
  local d2 = daemon(false)
  run(d2, "alternate", 4)
  local off = run(d2, "alternate", math.max(6, secs // 2))
  assert(d2:stop() == 0, "exit code")

  local alone, mixed = on.per.alone, on.per.mixed
  mixed.bad, mixed.bad_recorded = on.bad, on.bad_recorded
  local offm = off.per.mixed
  local wall = 500
  local ratio = on.median or 0
  local ratio_off = offm.rate / math.max(1, alone.rate)
  print(string.format("fault containment: healthy %.0f/s alone, %.0f/s beside a pack whose every call misbehaves " ..
    "(ratio %.2f: the median of %d mixed seconds each against the alone second before it, %.2f to %.2f; p99 of healthy complaints %.0f ms alone, %.0f ms beside it, " ..
    "limit %d ms); %d misbehaving complaints, %d recorded as policy_error; without quarantine %.0f/s " ..
    "(ratio %.2f, p99 %.0f ms)",
    alone.rate, mixed.rate, ratio, #on.pairs, on.pairs[1] or 0, on.pairs[#on.pairs] or 0, alone.p99 * 1000, mixed.p99 * 1000, 2 * wall,
    mixed.bad, mixed.bad_recorded, offm.rate, ratio_off, offm.p99 * 1000))
  if mixed.bad == 0 or off.bad == 0 then problems[#problems + 1] = "no misbehaving call was made" end
  if mixed.bad_recorded ~= mixed.bad or off.bad_recorded ~= off.bad then
    problems[#problems + 1] = "not every misbehaving call was recorded"
  end
  if #on.pairs < 3 then problems[#problems + 1] = "too few whole seconds measured" end
  if on.other + off.other > 0 then problems[#problems + 1] = "some answers were not 201" end
  local timed = os.getenv("REDRESS_SANITIZE") ~= "ON" and os.getenv("REDRESS_SANITIZE") ~= "1"
  if timed and ratio < 0.8 then problems[#problems + 1] = string.format("healthy throughput fell to %.2f of its own", ratio) end
  if timed and mixed.p99 >= 2 * wall / 1000 then
    problems[#problems + 1] = string.format("p99 of healthy complaints %.0f ms", mixed.p99 * 1000)
  end
  if type(packs) ~= "table" or type(packs.quarantine) ~= "table" or not packs.quarantine["faulty@1.0.0"] then
    problems[#problems + 1] = "GET /v1/packs does not show the faulty pack quarantined"
  end
  -- without the breaker, every misbehaving call still ends within its limits
  if off.bad < 10 then problems[#problems + 1] = "too few misbehaving calls without quarantine: " .. off.bad end
  d:cleanup()
  d2:cleanup()
end)
if not ok then problems[#problems + 1] = tostring(err) end
if #problems > 0 then
  io.stderr:write("fault containment FAILED:\n  " .. table.concat(problems, "\n  ") .. "\n")
  os.exit(1)
end
