-- Crash test: complaints pour in while redressd is killed with SIGKILL and restarted.
--
--   lua5.4 tests/integration/crash_test.lua [cycles=3] [workers=4] [per_worker=100000]
--
-- W shell workers POST distinct complaints with curl (customer.id = Idempotency-Key =
-- "w<worker>-<i>"), retrying a failed request with the SAME key (and body) after the daemon
-- comes back. Afterwards: every answered key has exactly one case with a decision, no key has
-- two cases, and the store holds nothing else. Exit 0 on success, 1 with the problems.
local here = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"
local cjson = H.json

local cycles = tonumber(arg[1]) or 3
local workers = tonumber(arg[2]) or 4
local per_worker = tonumber(arg[3]) or 100000
local MAX_TRIES = 40   -- per key; 0.1 s apart, so a key survives a restart of a few seconds

local WORKER = [=[
dir=$1; w=$2; n=$3; max=$4
res="$dir/w$w.res"; out="$dir/w$w.body"
i=1
while [ "$i" -le "$n" ] && [ ! -e "$dir/stop" ]; do
  key="w$w-$i"
  data=$(printf '{"customer":{"id":"%s"},"channel":"web","category":"other","description":"crash test %s"}' "$key" "$key")
  try=1
  while :; do
    port=$(cat "$dir/port" 2>/dev/null)
    rm -f "$out"
    code=$(curl -s -o "$out" -w '%{http_code}' --max-time 5 -X POST \
      -H 'Authorization: Bearer t-intake' -H 'Content-Type: application/json' \
      -H "Idempotency-Key: $key" --data-binary "$data" "http://127.0.0.1:$port/v1/complaints" 2>/dev/null)
    [ -n "$code" ] || code=000
    { printf '%s %s ' "$key" "$code"; [ -s "$out" ] && tr -d '\n' < "$out"; echo; } >> "$res"
    case $code in
      2*) break ;;
      000|503) ;;          # no answer or draining: retry with the same key
      *) break ;;          # any other answer is final (and reported)
    esac
    try=$((try + 1))
    [ "$try" -le "$max" ] || break
    [ -e "$dir/stop" ] && break
    sleep 0.1
  done
  i=$((i + 1))
done
echo done > "$dir/w$w.done"
]=]

local d = H.new()
d.port_file = d.dir .. "/port"
local worker_pids = {}
local problems = {}
local function problem(fmt, ...) problems[#problems + 1] = string.format(fmt, ...) end

local function run()
  H.write_file(d.dir .. "/worker.sh", WORKER)
  d:start()
  local t0 = H.now()
  for w = 1, workers do
    os.execute(string.format("sh %s %s %d %d %d </dev/null >/dev/null 2>&1 & echo $! > %s",
      H.sh_quote(d.dir .. "/worker.sh"), H.sh_quote(d.dir), w, per_worker, MAX_TRIES,
      H.sh_quote(d.dir .. "/w" .. w .. ".pid")))
    worker_pids[w] = tonumber((H.read_file(d.dir .. "/w" .. w .. ".pid") or ""):match("%d+"))
  end

  for c = 1, cycles do
    H.sleep(0.2 + math.random() * 1.3)
    local code = d:kill9()
    if code ~= 137 then problem("cycle %d: exit code after kill -9 is %s", c, tostring(code)) end
    local ok, err = pcall(d.start, d)
    if not ok then
      problem("cycle %d: restart failed: %s", c, tostring(err))
      return
    end
  end
  H.sleep(1.0)  -- the workers finish their retries against the last daemon

  H.write_file(d.dir .. "/stop", "")
  local deadline = H.now() + 30
  for w = 1, workers do
    while not H.read_file(d.dir .. "/w" .. w .. ".done") do
      if H.now() > deadline then
        problem("worker %d did not stop", w)
        return
      end
      H.sleep(0.05)
    end
    worker_pids[w] = nil
  end
  local load_seconds = H.now() - t0

  -- what the workers saw
  local attempted, answered, order = {}, {}, {}
  local n_requests = 0
  for w = 1, workers do
    for line in (H.read_file(d.dir .. "/w" .. w .. ".res") or ""):gmatch("[^\n]+") do
      local key, code, rest = line:match("^(%S+) (%d+) ?(.*)$")
      if not key then
        problem("worker %d: unreadable result line %q", w, line)
      else
        n_requests = n_requests + 1
        if not attempted[key] then order[#order + 1] = key end
        attempted[key] = true
        if code:match("^2") then
          local ok, body = pcall(cjson.decode, rest)
          local id = ok and type(body) == "table" and type(body.case) == "table" and body.case.id or nil
          if not id then problem("%s: %s answer without a case: %s", key, code, rest) end
          if answered[key] and answered[key] ~= id then
            problem("%s: answered twice with different cases %s and %s", key, tostring(answered[key]), tostring(id))
          end
          answered[key] = id or answered[key] or true
        elseif code ~= "000" and code ~= "503" then
          problem("%s: unexpected answer %s %s", key, code, rest)
        end
      end
    end
  end

  -- what the store holds
  local all = d:all_cases()
  local by_customer, seen_ids = {}, {}
  for _, c in ipairs(all) do
    if seen_ids[c.id] then problem("case %s listed twice", c.id) end
    seen_ids[c.id] = true
    local cid = c.customer and c.customer.id
    by_customer[cid] = (by_customer[cid] or 0) + 1
    if not attempted[cid] then problem("case %s belongs to %s, a key no worker sent", c.id, tostring(cid)) end
  end

  local n_answered, lost, duplicated, with_case = 0, 0, 0, 0
  for _, key in ipairs(order) do
    local s, b, _, raw = d:get("/v1/cases" .. H.query{ customer = key }, "t-read")
    if s ~= 200 then
      problem("%s: GET /v1/cases?customer= answered %s %s", key, tostring(s), tostring(raw))
    else
      local cases = b.cases
      if #cases ~= (by_customer[key] or 0) then
        problem("%s: customer filter gives %d cases, the full listing %d", key, #cases, by_customer[key] or 0)
      end
      if #cases > 1 then
        duplicated = duplicated + 1
        problem("%s: %d cases", key, #cases)
      end
      if #cases >= 1 then with_case = with_case + 1 end
      if answered[key] then
        n_answered = n_answered + 1
        if #cases == 0 then
          lost = lost + 1
          problem("%s: answered %s but there is no case", key, tostring(answered[key]))
        elseif type(answered[key]) == "string" and cases[1].id ~= answered[key] then
          problem("%s: answered case %s but the store has %s", key, answered[key], cases[1].id)
        end
      end
      if #cases >= 1 then
        local s2, b2, _, raw2 = d:get("/v1/cases/" .. cases[1].id, "t-read")
        local decisions = 0
        if s2 == 200 and type(b2) == "table" and type(b2.timeline) == "table" then
          for _, e in ipairs(b2.timeline) do
            if e.kind == "decision" then decisions = decisions + 1 end
          end
        end
        if decisions < 1 then
          problem("%s: case %s has no decision (%s %s)", key, cases[1].id, tostring(s2), tostring(raw2))
        end
      end
    end
  end
  if #all ~= with_case then
    problem("%d cases stored but %d keys have a case", #all, with_case)
  end
  if n_answered == 0 then problem("no request was ever answered") end

  local code = d:stop()
  if code ~= 0 then problem("exit code after the final SIGTERM is %s", tostring(code)) end

  print(string.format("crash test: cycles=%d workers=%d requests=%d keys=%d answered=%d cases=%d lost=%d duplicated=%d (%.1f s of load)",
    cycles, workers, n_requests, #order, n_answered, #all, lost, duplicated, load_seconds))
end

math.randomseed(os.time())
local ok, err = pcall(run)
if not ok then problem("error: %s", tostring(err)) end

-- make sure no worker outlives us
H.write_file(d.dir .. "/stop", "")
for _, pid in pairs(worker_pids) do
  os.execute(string.format("kill %d 2>/dev/null", pid))
end

if #problems > 0 then
  io.stderr:write("crash test FAILED (" .. #problems .. " problems):\n")
  for i, p in ipairs(problems) do
    if i > 50 then
      io.stderr:write(string.format("  ... and %d more\n", #problems - 50))
      break
    end
    io.stderr:write("  " .. p .. "\n")
  end
  if d.pid then d:kill9() end
  io.stderr:write("logs and data kept in " .. d.dir .. "\n")
  os.exit(1)
end
d:cleanup()
os.exit(0)
