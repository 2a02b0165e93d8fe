--- The `redress` command line, declared with lua-argparse: every command's
-- arguments, options, value checks and `--help` come from here; cli.lua
-- runs the command. argparse is found on the system Lua path, which
-- runtime/cli.c appends to this state's own (docs/ARCHITECTURE.md,
-- Offline tools).
local time = require "redress.time"

local found, argparse = pcall(require, "argparse")
if not found then
  error("redress needs lua-argparse (apt-get install lua-argparse): " .. tostring(argparse), 0)
end

local M = {}

-- Value checks. A value argparse's converter refuses is a usage error;
-- the message names the option and the value.
local function rfc3339(option)
  return function(s)
    local ms, why = time.parse(s)
    if not ms then return nil, string.format("%s %s: %s", option, s, why) end
    return s -- kept as given: replay reports it, the timers listing parses it
  end
end

local function number_in(option, lo, hi, whole)
  return function(s)
    local n = tonumber(s)
    if whole then n = n and math.tointeger(n) end
    if not n or n < lo or n > hi then
      local what = whole and "a whole number" or "a number"
      return nil, string.format("%s %s: must be %s from %d to %d", option, s, what, lo, hi)
    end
    return n
  end
end

-- A positional argument, named in messages as in the usage line.
local function positional(p, name, target, description)
  return p:argument(name, description):argname(name):target(target)
end

-- Builds the parser. Every parser's -h/--help only records which command
-- asked (help), so that argparse never calls os.exit: main prints that
-- help and returns 0, and runtime/cli.c's cleanup runs.
local function build()
  local asked = {}
  local by_name = {} -- "pack test" → its parser, for help and usage
  local function help_of(p)
    return p:add_help { action = function() asked.help = asked.help or p end }
  end
  local function add(parent, name, summary)
    local p = help_of(by_name[parent]:command(name, summary))
    by_name[parent == "" and name or (parent .. " " .. name)] = p
    return p
  end

  local root = help_of(argparse("redress", "The offline tool of redress, the complaint policy engine. "
    .. "Exit codes: 0 ok, 1 the thing checked is wrong, 2 the command was used wrongly."))
  root:command_target("command"):help_max_width(80):usage_max_width(80)
  by_name[""] = root

  add("", "version", "Print the version and where the Lua is (home).")

  local check = add("", "check-config", "Validate a redressd config and load its packs.")
  positional(check, "FILE", "file", "the config file")

  local decide = add("", "decide", "Decide a complaint offline; prints {case, decision} as JSON.")
  positional(decide, "COMPLAINT.json", "complaint", "the complaint, as POST /v1/complaints takes it")
  decide:option("--pack", "the pack folder"):argname("DIR"):count(1)
  decide:option("--at", "the decision's time, RFC 3339 (default: now)"):argname("TIME"):convert(rfc3339("--at"))

  local replay = add("", "replay", "Re-run stored history under another pack version, writing "
    .. "nothing; report what would change.")
  replay:option("--data", "the data directory (read-only, beside a running redressd)"):argname("DIR"):count(1)
  replay:option("--pack", "the pack folder to replay under"):argname("DIR"):count(1)
  replay:option("--since", "only cases opened at or after T (RFC 3339)"):argname("T"):convert(rfc3339("--since"))
  replay:option("--until", "only cases opened before T (RFC 3339)"):argname("T"):convert(rfc3339("--until"))
  replay:option("--config", "a redressd config: its pack settings, legal overrides and budgets"):argname("FILE")
  replay:flag("--json", "print the report as JSON")

  local timers = add("", "timers", "List pending timers in due order.")
  timers:option("--data", "the data directory (read-only, beside a running redressd)"):argname("DIR"):count(1)
  timers:option("--due-before", "only timers due before T (RFC 3339)"):argname("T")
    :convert(rfc3339("--due-before"))
  -- the bound of GET /v1/timers, which answers the same listing
  timers:option("--limit", "at most N timers (1 to 1000, default 100)"):argname("N")
    :convert(number_in("--limit", 1, 1000, true))
  timers:flag("--json", "print the listing as JSON")

  local backup = add("", "backup", "Copy the store into FILE: one file, consistent and compacted, "
    .. "beside a running redressd; prints what it covers as JSON.")
  positional(backup, "DATA_DIR", "data_dir", "the data directory")
  positional(backup, "FILE", "file", "the backup to write (never overwritten)")

  local restore = add("", "restore", "Put a backup in place as DATA_DIR's store (redressd stopped).")
  positional(restore, "FILE", "file", "the backup")
  positional(restore, "DATA_DIR", "data_dir", "the data directory")
  restore:flag("--force", "replace a store already there")

  local pack = add("", "pack", "Check or test a pack folder.")
  pack:command_target("subcommand")
  local lint = add("pack", "lint", "Check a pack: manifest, templates, handlers.")
  positional(lint, "DIR", "dir", "the pack folder")
  local test = add("pack", "test", "Lint, then run the pack's busted specs (DIR/spec); prints the line "
    .. "coverage of policy.lua and the pack's modules.")
  positional(test, "DIR", "dir", "the pack folder")
  test:option("--min-coverage", "fail when a file's line coverage is below PERCENT (0 to 100)")
    :argname("PERCENT"):convert(number_in("--min-coverage", 0, 100))

  local help = add("", "help", "Print a command's help (redress help pack test).")
  positional(help, "COMMAND", "name", "the command"):args("*")
  return root, by_name, asked
end

local function complain(fmt, ...) io.stderr:write("redress: ", string.format(fmt, ...), "\n") end

-- The parser of the command args names, as far as they name one.
local function named(by_name, args)
  local name = ""
  for _, a in ipairs(args) do
    if a:sub(1, 1) ~= "-" then
      local longer = name == "" and a or (name .. " " .. a)
      if not by_name[longer] then break end
      name = longer
    end
  end
  return by_name[name]
end

--- parse(args) → command, opts for a command to run ("decide", "pack
-- test", …; opts as argparse returns them: option names with "_" for "-"),
-- or nil, exit code once help (0) or a usage error (2) has been printed.
function M.parse(args)
  local root, by_name, asked = build()
  local ok, r = root:pparse(args)
  if asked.help then io.stdout:write(asked.help:get_help(), "\n"); return nil, 0 end
  if not ok then
    complain("%s", r)
    local p = named(by_name, args)
    local choosing = p == by_name[""] or p == by_name.pack -- a command missing or unknown: list them
    io.stderr:write(choosing and p:get_help() or p:get_usage(), "\n")
    return nil, 2
  end
  local cmd = r.subcommand and (r.command .. " " .. r.subcommand) or r.command
  if cmd == "help" then
    local name = table.concat(r.name, " ")
    if not by_name[name] then complain("help: no command '%s' (redress help lists them)", name); return nil, 2 end
    io.stdout:write(by_name[name]:get_help(), "\n")
    return nil, 0
  end
  return cmd, r
end

return M
