-- Loaded by busted (--helper) before any spec: points require at the
-- runtime Lua, the stdlib and the rd bindings module of this build.
local root = os.getenv("REDRESS_ROOT") or "."
local build = os.getenv("REDRESS_BUILD") or (root .. "/build")
package.path = root .. "/runtime/lua/?.lua;" .. root .. "/stdlib/?.lua;" .. root .. "/stdlib/?/init.lua;" .. package.path
package.cpath = build .. "/lua/?.so;" .. package.cpath

-- `redress pack test` asks for line coverage of the pack's code: record
-- the lines sandboxed code runs, and write them down when busted is done.
local coverage_file = os.getenv("REDRESS_COVERAGE")
if coverage_file and coverage_file ~= "" then
  local rd = require "rd"
  rd.coverage(true)
  require("busted").subscribe({ "exit" }, function()
    require("redress.coverage").save(coverage_file, rd.coverage(false))
    return nil, true
  end)
end
