--- `redress`, the offline command-line tool. Each command returns an exit
-- code: 0 ok, 1 the thing checked is wrong, 2 the command was used wrongly.
local json = require "redress.json"
local time = require "redress.time"
local config = require "redress.config"
local pack = require "redress.pack"
local validate = require "redress.validate"
local decider = require "redress.decide"
local store = require "redress.store"

local M = {}

local USAGE = [[
usage: redress COMMAND [ARGS]
commands:
  version                                   print the version
  check-config FILE                         validate a redressd config and load its packs
  decide --pack DIR COMPLAINT.json [--at T] decide a complaint offline; prints {case, decision}
  replay --data DIR --pack DIR [--since T] [--until T] [--config FILE] [--json]
                                            re-run stored history under another pack version,
                                            writing nothing; report what would change
  timers --data DIR [--due-before T] [--limit N] [--json]
                                            list pending timers in due order
  backup DATA_DIR FILE                      copy the store into FILE (one file: consistent and
                                            compacted, beside a running redressd); prints what
                                            it covers as JSON
  restore FILE DATA_DIR [--force]           put a backup in place as DATA_DIR's store (redressd
                                            stopped; --force replaces a store already there)
  pack lint DIR                             check a pack: manifest, templates, handlers
  pack test DIR [--min-coverage PERCENT]    lint, then run the pack's busted specs (DIR/spec);
                                            prints the line coverage of policy.lua and the
                                            pack's modules, fails below PERCENT
]]

-- Each command's lines of USAGE, for `redress COMMAND --help`.
local function usage_of(cmd)
  local out, on = {}, false
  for line in USAGE:gmatch("[^\n]+") do
    local name = line:match("^  (%S+)")
    if name then on = name == cmd end
    if on then out[#out + 1] = line end
  end
  return #out > 0 and ("usage: redress " .. table.concat(out, "\n"):gsub("^%s+", "") .. "\n") or nil
end

local function say(fmt, ...) io.stdout:write(string.format(fmt, ...), "\n") end
local function complain(fmt, ...) io.stderr:write("redress: ", string.format(fmt, ...), "\n") end

local function read_file(path)
  local f, err = io.open(path, "r")
  if not f then return nil, err end
  local s = f:read("a")
  f:close()
  return s
end

local function parse_opts(args, spec)
  local opts, rest = {}, {}
  local i = 1
  while i <= #args do
    local a = args[i]
    local name = a:match("^%-%-([%w%-]+)$")
    if name then
      if not spec[name] then return nil, "unknown option --" .. name end
      if spec[name] == "flag" then opts[name] = true else
        i = i + 1
        if not args[i] then return nil, "--" .. name .. " needs a value" end
        opts[name] = args[i]
      end
    else
      rest[#rest + 1] = a
    end
    i = i + 1
  end
  return opts, rest
end

local function check_config(args)
  if #args ~= 1 then complain("usage: redress check-config FILE"); return 2 end
  local ok, cfg = pcall(config.load, args[1])
  if not ok then complain("%s", cfg); return 1 end
  -- the daemon's own loading: settings, calendars, legal overrides, routes
  local okr, reg = pcall(require("redress.registry").load, cfg, args[1])
  if not okr then complain("%s", reg); return 1 end
  for i, p in ipairs(reg.order) do say("pack %s %s (%s)", p.name, p.version, cfg.packs[i]) end
  say("%s: ok", args[1])
  return 0
end

local function decide(args)
  local opts, rest = parse_opts(args, { pack = "value", at = "value" })
  if not opts then complain("%s", rest); return 2 end
  if not opts.pack or #rest ~= 1 then
    complain("usage: redress decide --pack DIR COMPLAINT.json [--at TIME]")
    return 2
  end
  local now_ms = os.time() * 1000
  if opts.at then
    local ms, why = time.parse(opts.at)
    if not ms then complain("--at %s: %s", opts.at, why); return 2 end
    now_ms = ms
  end
  local ok, p = pcall(pack.load, opts.pack, config.defaults)
  if not ok then complain("%s", p); return 1 end
  local body, ferr = read_file(rest[1])
  if not body then complain("%s", ferr); return 1 end
  local raw, code, msg, field = json.decode_object(body)
  if not raw then complain("%s: %s: %s%s", rest[1], code, msg, field and (" (" .. field .. ")") or ""); return 1 end
  local c, verr = validate.complaint(raw)
  if not c then complain("%s: %s: %s", rest[1], verr.field or "", verr.message); return 1 end
  local details, derr = validate.details(c.details, p.details, p.name)
  if not details then complain("%s: %s: %s", rest[1], derr.field, derr.message); return 1 end
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
      complain("%s/%s: line coverage %d%% is below --min-coverage %d", dir, r.file, pct, min)
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

--- main(args, home, build) → exit code. home: where runtime/lua lives
-- (rd_home); build: the folder holding lua/rd.so (a build tree, or
-- <prefix>/lib/redress when installed).
function M.main(args, home, build)
  local cmd = args[1]
  if not cmd or cmd == "help" or cmd == "--help" or cmd == "-h" then
    io.stdout:write(USAGE)
    return cmd and 0 or 2
  end
  local rest = table.move(args, 2, #args, 1, {})
  for _, a in ipairs(rest) do
    if a == "--help" or a == "-h" then
      local u = usage_of(cmd)
      if not u then complain("unknown command %s (redress --help lists them)", cmd); return 2 end
      io.stdout:write(u)
      return 0
    end
  end
  if cmd == "check-config" then return check_config(rest) end
  if cmd == "decide" then return decide(rest) end
  if cmd == "timers" then
    local opts, rest2 = parse_opts(rest, { data = "value", ["due-before"] = "value", limit = "value", json = "flag" })
    if not opts then complain("%s", rest2); return 2 end
    if not opts.data or #rest2 > 0 then
      complain("usage: redress timers --data DIR [--due-before T] [--limit N] [--json]")
      return 2
    end
    local ok, err = require("redress.store").open_readonly(opts.data)
    if not ok then complain("%s", err); return 1 end
    local r = require("redress.api").timers_list { due_before = opts["due-before"], limit = opts.limit }
    if r.status ~= 200 then complain("%s", json.decode(r.body).error.message); return 2 end
    if opts.json then say("%s", r.body); return 0 end
    local list = json.decode(r.body).timers
    for _, t in ipairs(list) do
      say("%s  %s  %-24s %s", t.due_at, t.case_id, t.name, t.data and json.encode(t.data) or "")
    end
    say("%d timer%s", #list, #list == 1 and "" or "s")
    return 0
  end
  if cmd == "replay" then
    local opts, rest2 = parse_opts(rest, { data = "value", pack = "value", since = "value", ["until"] = "value",
      config = "value", json = "flag" })
    if not opts then complain("%s", rest2); return 2 end
    if not opts.data or not opts.pack or #rest2 > 0 then
      complain("usage: redress replay --data DIR --pack DIR [--since T] [--until T] [--config FILE] [--json]")
      return 2
    end
    return require("redress.replay").main(opts)
  end
  if cmd == "backup" or cmd == "restore" then
    local opts, rest2 = parse_opts(rest, cmd == "restore" and { force = "flag" } or {})
    if not opts then complain("%s", rest2); return 2 end
    if #rest2 ~= 2 then
      complain(cmd == "backup" and "usage: redress backup DATA_DIR FILE" or "usage: redress restore FILE DATA_DIR [--force]")
      return 2
    end
    local info, err
    if cmd == "backup" then info, err = store.backup(rest2[1], rest2[2])
    else info, err = store.restore(rest2[1], rest2[2], opts.force) end
    if not info then complain("%s", err); return 1 end
    say("%s", info)
    return 0
  end
  if cmd == "pack" then
    local opts, args2 = parse_opts(table.move(rest, 2, #rest, 1, {}), { ["min-coverage"] = "value" })
    local sub, dir = rest[1], opts and args2[1]
    local min = opts and opts["min-coverage"] and tonumber(opts["min-coverage"])
    if (sub == "lint" or sub == "test") and dir and #args2 == 1 and (sub == "test" or not opts["min-coverage"])
        and (min or not opts["min-coverage"]) and (not min or (min >= 0 and min <= 100)) then
      dir = dir:gsub("/+$", "")
      if sub == "lint" then return lint_cmd(dir) end
      return test_cmd(dir, home, build, min)
    end
    complain("usage: redress pack lint DIR | redress pack test DIR [--min-coverage PERCENT]")
    return 2
  end
  complain("unknown command '%s'", cmd)
  io.stderr:write(USAGE)
  return 2
end

return M
