-- Loaded by busted (--helper) before any spec: points require at the
-- runtime Lua, the stdlib and the rd bindings module of this build.
local root = os.getenv("REDRESS_ROOT") or "."
local build = os.getenv("REDRESS_BUILD") or (root .. "/build")
package.path = root .. "/runtime/lua/?.lua;" .. root .. "/stdlib/?.lua;" .. root .. "/stdlib/?/init.lua;" .. package.path
package.cpath = build .. "/lua/?.so;" .. package.cpath
