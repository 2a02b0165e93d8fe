-- Fault containment under load: a pack whose handler sometimes loops,
-- exhausts memory or raises. Every misbehaving call must be stopped and
-- recorded (policy_error), every healthy complaint decided, and the healthy
-- throughput must hold up against a healthy-only run on the same daemon.
--   lua5.4 tests/integration/fault_containment.lua [seconds]
local here = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"

local secs = tonumber(arg[1]) or 3
local POLICY = [[
local P = {}
function P.on_complaint(case, act)
  if case.category == "loop" then while true do end end
  if case.category == "memory" then local t = {} for i = 1, 1e9 do t[i] = string.rep("x", 512) .. i end end
  if case.category == "error" then error("boom") end
  act:acknowledge { template = "ack" }
  act:offer { kind = "coupon", amount = 500, currency = "EUR" }
end
return P
]]

local d = H.new()
d:use_pack("faulty", POLICY)
d.config.limits = { policy_instructions = 2000000, policy_memory = 8 * 1024 * 1024 }
d:write_config()

local problems = {}
local function run(mode)
  local prefix = d.dir .. "/" .. mode
  local cmd = string.format("wrk -t2 -c16 -d%ds -s %s http://127.0.0.1:%d/ -- %s %s > %s 2>&1", secs,
    H.sh_quote(here .. "/fault_wrk.lua"), d.port, mode, H.sh_quote(prefix), H.sh_quote(d.dir .. "/wrk-" .. mode .. ".txt"))
  os.execute(cmd)
  local counts = { healthy = 0, bad = 0, bad_recorded = 0, other = 0 }
  local p = io.popen("cat " .. H.sh_quote(prefix) .. ".* 2>/dev/null")
  for line in p:lines() do
    local cat, outcome, status = line:match("^(%S+) (%S+) (%d+)$")
    if status ~= "201" then
      counts.other = counts.other + 1
      if #problems < 10 then problems[#problems + 1] = mode .. ": " .. line end
    elseif cat == "late_delivery" then
      if outcome == "decided" then counts.healthy = counts.healthy + 1
      else problems[#problems + 1] = mode .. ": a healthy complaint was not decided: " .. line end
    else
      counts.bad = counts.bad + 1
      if outcome == "policy_error" then counts.bad_recorded = counts.bad_recorded + 1
      else problems[#problems + 1] = mode .. ": a misbehaving call was not recorded: " .. line end
    end
  end
  p:close()
  return counts
end

local ok, err = pcall(function()
  d:start()
  local alone = run("healthy")
  local mixed = run("mixed")
  local ratio = (mixed.healthy / secs) / math.max(1, alone.healthy / secs)
  print(string.format("fault containment: healthy %.0f/s alone, %.0f/s beside misbehaving calls (ratio %.2f); " ..
    "%d misbehaving calls, %d recorded as policy_error; %d non-201 answers",
    alone.healthy / secs, mixed.healthy / secs, ratio, mixed.bad, mixed.bad_recorded, alone.other + mixed.other))
  if mixed.bad == 0 then problems[#problems + 1] = "no misbehaving call was made" end
  if mixed.bad_recorded ~= mixed.bad then problems[#problems + 1] = "not every misbehaving call was recorded" end
  if alone.other + mixed.other > 0 then problems[#problems + 1] = "some answers were not 201" end
  -- Every tenth call burns its whole budget on the one engine thread (about
  -- 5 ms for 2M instructions, 30 ms for 8 MiB): that bounds the healthy rate
  -- near 0.1-0.2 of its own. Below 0.05 something else is wrong — before
  -- failed calls' garbage was collected, the VM grew by a budget per failure
  -- and the rate fell to 0.01.
  if ratio < 0.05 then problems[#problems + 1] = string.format("healthy throughput fell to %.2f of its own", ratio) end
  local code = d:stop()
  if code ~= 0 then problems[#problems + 1] = "exit code " .. tostring(code) end
end)
if not ok then problems[#problems + 1] = tostring(err) end
if #problems > 0 then
  io.stderr:write("fault containment FAILED:\n  " .. table.concat(problems, "\n  ") .. "\n")
  d:kill9()
  os.exit(1)
end
d:cleanup()
