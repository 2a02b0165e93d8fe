--- `redress`, the offline command-line tool. Each command returns an exit
-- code: 0 ok, 1 the thing checked is wrong, 2 the command was used wrongly
-- (redress.cli_args declares the commands and answers --help and usage
-- errors: 0 and 2).
local json = require "redress.json"
local time = require "redress.time"
local config = require "redress.config"
local pack = require "redress.pack"
local validate = require "redress.validate"
local decider = require "redress.decide"
local store = require "redress.store"

local M = {}

local function say(fmt, ...) io.stdout:write(string.format(fmt, ...), "\n") end
local function complain(fmt, ...) io.stderr:write("redress: ", string.format(fmt, ...), "\n") end

local function read_file(path)
  local f, err = io.open(path, "r")
  if not f then return nil, err end
  local s = f:read("a")
  f:close()
  return s
end

local function check_config(o)
  local ok, cfg = pcall(config.load, o.file)
  if not ok then complain("%s", cfg); return 1 end
  -- the daemon's own loading: settings, calendars, legal overrides, routes
  local okr, reg = pcall(require("redress.registry").load, cfg, o.file)
  if not okr then complain("%s", reg); return 1 end
  for i, p in ipairs(reg.order) do say("pack %s %s (%s)", p.name, p.version, cfg.packs[i]) end
  say("%s: ok", o.file)
  return 0
end

local function decide(o)
  local now_ms = o.at and time.parse(o.at) or os.time() * 1000 -- --at is checked by cli_args
  local ok, p = pcall(pack.load, o.pack, config.defaults)
  if not ok then complain("%s", p); return 1 end
  local file = o.complaint
  local body, ferr = read_file(file)
  if not body then complain("%s", ferr); return 1 end
  local raw, code, msg, field = json.decode_object(body)
  if not raw then complain("%s: %s: %s%s", file, code, msg, field and (" (" .. field .. ")") or ""); return 1 end
  local c, verr = validate.complaint(raw)
  if not c then complain("%s: %s: %s", file, verr.field or "", verr.message); return 1 end
  local details, derr = validate.details(c.details, p.details, p.name)
  if not details then complain("%s: %s: %s", file, derr.field, derr.message); return 1 end
  c.details = details
  local case = decider.new_case(c, "C0000000000", p, now_ms)
  local _, decision = decider.run(case, p, "complaint.received", c, now_ms, "on_complaint")
  say('{"case":%s,"decision":%s}', store.encode_case(case), store.encode_decision(decision))
  return decision.outcome == "decided" and 0 or 1
end

--- Checks a pack folder (redress.lint) → problems, warnings ("file:line:
-- what"), and the pack when it loads.
M.lint = require("redress.lint").check

local function lint_cmd(dir)
  local problems, warnings, p = M.lint(dir)
  for _, w in ipairs(warnings) do io.stderr:write("warning: ", w, "\n") end
  for _, pr in ipairs(problems) do io.stderr:write(pr, "\n") end
  if #problems > 0 then
    complain("pack lint: %d problem%s", #problems, #problems == 1 and "" or "s")
    return 1
  end
  local handlers = {}
  for _, h in ipairs { "on_complaint", "on_event", "on_timer" } do
    if p.policy[h] then handlers[#handlers + 1] = h end
  end
  say("pack %s %s: ok (%d languages, handlers: %s)", p.name, p.version, #p.languages, table.concat(handlers, ", "))
  return 0
end

local function sh_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

-- Prints the line coverage of the pack's code; returns false when a file
-- is below min percent.
local function coverage_cmd(dir, p, hits, min)
  local files = { "policy.lua" }
  for _, name in ipairs(p.manifest.modules or {}) do files[#files + 1] = "modules/" .. name .. ".lua" end
  local ok, report = pcall(require("redress.coverage").report, dir, p.name, files, hits)
  if not ok then complain("coverage: %s", report); return false end
  local good = true
  for _, r in ipairs(report) do
    local pct = r.total == 0 and 100 or (100 * r.ran // r.total)
    local line = string.format("coverage: %s/%s %d/%d lines (%d%%)", dir, r.file, r.ran, r.total, pct)
    if #r.missing > 0 then line = line .. "; not run: " .. table.concat(r.missing, ", ") end
    say("%s", line)
    if min and r.ran * 100 < min * r.total then
      complain("%s/%s: line coverage %d%% is below --min-coverage %g", dir, r.file, pct, min)
      good = false
    end
  end
  return good
end

local function test_cmd(dir, home, build, min)
  local rc = lint_cmd(dir)
  if rc ~= 0 then return rc end
  local spec = dir .. "/spec"
  if not read_file(spec .. "/.") and not io.open(spec) then
    complain("%s: no spec/ folder; a pack carries its own specs", dir)
    return 1
  end
  local cov_file = os.tmpname()
  io.stdout:flush()
  local cmd = string.format("REDRESS_ROOT=%s REDRESS_BUILD=%s REDRESS_PACK=%s REDRESS_COVERAGE=%s " ..
    "lua5.4 /usr/bin/busted --lua=lua5.4 --helper=%s %s",
    sh_quote(home), sh_quote(build), sh_quote(dir), sh_quote(cov_file), sh_quote(home .. "/tests/helper.lua"), sh_quote(spec))
  local ok, _, code = os.execute(cmd)
  local hits = require("redress.coverage").load(cov_file)
  os.remove(cov_file)
  if not ok then return code == 0 and 1 or code end
  local p = pack.load(dir, config.defaults)
  if not coverage_cmd(dir, p, hits, min) then return 1 end
  return 0
end

local function timers(o)
  local ok, err = store.open_readonly(o.data)
  if not ok then complain("%s", err); return 1 end
  local r = require("redress.api").timers_list { due_before = o.due_before, limit = o.limit }
  if r.status ~= 200 then complain("%s", json.decode(r.body).error.message); return 2 end
  if o.json then say("%s", r.body); return 0 end
  local list = json.decode(r.body).timers
  for _, t in ipairs(list) do
    say("%s  %s  %-24s %s", t.due_at, t.case_id, t.name, t.data and json.encode(t.data) or "")
  end
  say("%d timer%s", #list, #list == 1 and "" or "s")
  return 0
end

-- backup and restore: what the copy covers, or why there is none.
local function copied(info, err)
  if not info then complain("%s", err); return 1 end
  say("%s", info)
  return 0
end

-- The commands by name (cli_args declares them), each (opts, home, build)
-- → exit code. `version` is answered by runtime/cli.c before any Lua runs
-- (it must work when the Lua home is wrong); it reaches here only to be
-- refused arguments or to print its help.
local commands = {
  ["check-config"] = check_config,
  decide = decide,
  timers = timers,
  replay = function(o) return require("redress.replay").main(o) end,
  backup = function(o) return copied(store.backup(o.data_dir, o.file)) end,
  restore = function(o) return copied(store.restore(o.file, o.data_dir, o.force)) end,
  ["pack lint"] = function(o) return lint_cmd((o.dir:gsub("/+$", ""))) end,
  ["pack test"] = function(o, home, build)
    return test_cmd((o.dir:gsub("/+$", "")), home, build, o.min_coverage)
  end,
}

--- main(args, home, build) → exit code. home: where runtime/lua lives
-- (rd_home); build: the folder holding lua/rd.so (a build tree, or
-- <prefix>/lib/redress when installed).
function M.main(args, home, build)
  local cmd, opts = require("redress.cli_args").parse(args)
  if not cmd then return opts end -- help was printed (0), or a usage error (2)
  if not commands[cmd] then complain("%s: answered by the redress binary itself", cmd); return 2 end
  return commands[cmd](opts, home, build)
end

return M
