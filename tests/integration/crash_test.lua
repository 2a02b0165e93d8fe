-- Crash test: complaints pour in while redressd is killed with SIGKILL and restarted.
--
--   lua5.4 tests/integration/crash_test.lua [cycles=3] [workers=4] [per_worker=100000]
--
-- POWERCUT=<path of build/powercut.so>: each SIGKILL is a power cut too. The library
-- (tests/integration/powercut.c) keeps beside data.mdb the file the disk would hold, with
-- only the writes an fsync (or a synchronous write) made durable; after each kill it
-- replaces data.mdb, so whatever was answered but not yet on the disk shows as lost. A
-- SIGKILL alone keeps the page cache, which hides a missing or late sync.
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
# Only builtins besides curl: forks are the bottleneck on a small machine.
dir=$1; w=$2; n=$3; max=$4
res="$dir/w$w.res"; out="$dir/w$w.body"
i=1
while [ "$i" -le "$n" ] && [ ! -e "$dir/stop" ]; do
  key="w$w-$i"
  data="{\"customer\":{\"id\":\"$key\"},\"channel\":\"web\",\"category\":\"other\",\"description\":\"crash test $key\"}"
  try=1
  while :; do
    port=; read -r port < "$dir/port"
    : > "$out"
    got=$(curl -s -o "$out" -w '%{http_code} %header{idempotent-replay}' --max-time 5 -X POST \
      -H 'Authorization: Bearer test-intake' -H 'Content-Type: application/json' \
      -H "Idempotency-Key: $key" --data-binary "$data" "http://127.0.0.1:$port/v1/complaints" 2>/dev/null)
    code=${got%% *}; [ -n "$code" ] || code=000
    replay=-; case $got in *" true") replay=r ;; esac
    body=; read -r body < "$out"
    printf '%s %s %s %s\n' "$key" "$code" "$replay" "$body" >> "$res"
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
local powercut = os.getenv("POWERCUT")
local image = d.dir .. "/powercut.mdb"
if powercut and powercut ~= "" then
  d.env_vars = string.format("LD_PRELOAD=%s POWERCUT_IMAGE=%s ", H.sh_quote(powercut), H.sh_quote(image))
else
  powercut = nil
end

-- After a kill: with POWERCUT, the disk as a power cut leaves it.
local function cut_power()
  if not powercut then return end
  local data = d.config.data_dir .. "/data.mdb"
  assert(os.execute(string.format("mv %s %s", H.sh_quote(image), H.sh_quote(data))), "cannot swap in the power-cut image")
end
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

  -- A high-rate load beside the curl workers, so that many requests are in
  -- flight at each SIGKILL. wrk reconnects by itself after a restart.
  local wrk_ok = os.execute("command -v wrk >/dev/null 2>&1")
  local wrk_port_seen = {}
  local function start_wrk()
    if not wrk_ok then return end
    wrk_port_seen[#wrk_port_seen + 1] = d.port
    os.execute(string.format("wrk -t2 -c16 -d30s -s %s http://127.0.0.1:%d/ -- %s </dev/null >/dev/null 2>&1 & echo $! > %s",
      H.sh_quote(here .. "/crash_wrk.lua"), d.port, H.sh_quote(d.dir .. "/wrk.res"),
      H.sh_quote(d.dir .. "/wrk." .. #wrk_port_seen .. ".pid")))
  end
  local function stop_wrk()
    for i = 1, #wrk_port_seen do
      local pid = tonumber((H.read_file(d.dir .. "/wrk." .. i .. ".pid") or ""):match("%d+"))
      if pid then os.execute("kill " .. pid .. " 2>/dev/null") end
    end
  end
  start_wrk()

  for c = 1, cycles do
    H.sleep(0.2 + math.random() * 1.3)
    local code = d:kill9()
    if code ~= 137 then problem("cycle %d: exit code after kill -9 is %s", c, tostring(code)) end
    cut_power()
    local ok, err = pcall(d.start, d)
    if not ok then
      stop_wrk()
      problem("cycle %d: restart failed: %s", c, tostring(err))
      return
    end
    -- the port changes on restart (port 0): point a new wrk at it
    stop_wrk()
    start_wrk()
  end
  H.sleep(1.0)  -- the workers finish their retries against the last daemon

  stop_wrk()
  H.sleep(0.3)
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
  local n_requests, replays = 0, 0
  for w = 1, workers do
    for line in (H.read_file(d.dir .. "/w" .. w .. ".res") or ""):gmatch("[^\n]+") do
      local key, code, replay, rest = line:match("^(%S+) (%d+) ([r%-]) ?(.*)$")
      if not key then
        problem("worker %d: unreadable result line %q", w, line)
      else
        n_requests = n_requests + 1
        if not attempted[key] then order[#order + 1] = key end
        attempted[key] = true
        if replay == "r" then replays = replays + 1 end
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

  -- what wrk saw answered: key → case id
  local wrk_answered, n_wrk = {}, 0
  local ls = io.popen("ls " .. H.sh_quote(d.dir) .. " 2>/dev/null")
  for name in ls:lines() do
    if name:match("^wrk%.res%.") then
      for line in (H.read_file(d.dir .. "/" .. name) or ""):gmatch("[^\n]+") do
        local key, code, id = line:match("^(%S+) (%d+) (%S+)$")
        if not key or key == "?" or id == "?" then
          problem("wrk: unreadable answer line %q", line)
        else
          if not wrk_answered[key] then n_wrk = n_wrk + 1 end
          wrk_answered[key] = id
        end
      end
    end
  end
  ls:close()

  -- what the store holds
  local all = d:all_cases()
  local by_customer, seen_ids = {}, {}
  for _, c in ipairs(all) do
    if seen_ids[c.id] then problem("case %s listed twice", c.id) end
    seen_ids[c.id] = true
    local cid = c.customer and c.customer.id
    by_customer[cid] = (by_customer[cid] or 0) + 1
    if not attempted[cid] and not tostring(cid):match("^wrk%-") then
      problem("case %s belongs to %s, a key no worker sent", c.id, tostring(cid))
    end
  end
  -- wrk keys are never retried: each answered one must be stored exactly once
  -- under the case id it was answered with
  local case_of = {}
  for _, c in ipairs(all) do case_of[c.customer and c.customer.id or "?"] = c.id end
  local wrk_lost, wrk_cases = 0, 0
  for key, id in pairs(wrk_answered) do
    if not by_customer[key] then
      wrk_lost = wrk_lost + 1
      problem("%s: answered by wrk with %s but there is no case", key, id)
    elseif by_customer[key] > 1 then
      problem("%s: %d cases", key, by_customer[key])
    elseif case_of[key] ~= id then
      problem("%s: answered case %s but the store has %s", key, id, case_of[key])
    end
  end
  for cid, n in pairs(by_customer) do
    if tostring(cid):match("^wrk%-") then wrk_cases = wrk_cases + n end
  end

  local n_answered, lost, duplicated, with_case = 0, 0, 0, 0
  for _, key in ipairs(order) do
    local s, b, _, raw = d:get("/v1/cases" .. H.query{ customer = key }, "test-read")
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
        local s2, b2, _, raw2 = d:get("/v1/cases/" .. cases[1].id, "test-read")
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
  if #all ~= with_case + wrk_cases then
    problem("%d cases stored but %d keys have a case", #all, with_case)
  end
  if n_answered == 0 then problem("no request was ever answered") end

  -- dashboard: the rollups are written in each decision's transaction, so after every SIGKILL
  -- they still count exactly the cases stored; the open-cases gauge is read back at start
  do
    local now = math.floor(H.now() * 1000)
    local from, to = H.format_time(now - 86400000):sub(1, 10), H.format_time(now):sub(1, 10)
    local s3, dash = d:get("/v1/dashboard" .. H.query { from = from, to = to }, "test-read")
    local open = 0
    for _, c in ipairs(all) do
      if c.status ~= "resolved" and c.status ~= "closed" and c.status ~= "rejected" then open = open + 1 end
    end
    if s3 ~= 200 then problem("GET /v1/dashboard answered %s", tostring(s3))
    else
      if dash.dashboard.complaints ~= #all then
        problem("the dashboard counts %d complaints, the store holds %d cases", dash.dashboard.complaints, #all)
      end
      if dash.dashboard.open.total ~= open then
        problem("the dashboard counts %d open cases, the store %d", dash.dashboard.open.total, open)
      end
    end
    local _, text = d:request("GET", "/metrics", { token = "test-read" })
    local gauge = 0
    for v in tostring(text):gmatch("\nredress_open_cases{[^}]*} (%S+)") do gauge = gauge + tonumber(v) end
    if gauge ~= open then problem("redress_open_cases adds up to %s, the store holds %d open cases", tostring(gauge), open) end
  end

  local code = d:stop()
  if code ~= 0 then problem("exit code after the final SIGTERM is %s", tostring(code)) end

  print(string.format((powercut and "crash test (power cut)" or "crash test") .. ": cycles=%d workers=%d requests=%d keys=%d answered=%d replayed=%d wrk_answered=%d wrk_cases=%d cases=%d lost=%d duplicated=%d (%.1f s of load)",
    cycles, workers, n_requests, #order, n_answered, replays, n_wrk, wrk_cases, #all, lost + wrk_lost, duplicated, load_seconds))
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
