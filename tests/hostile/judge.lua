--- Judges one attack's outcome: was it stopped with the expected reason, or
-- (for the attacks the engine answers with a guardrail) decided within it?
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local attacks = dofile(here .. "/attacks.lua")

local M = {}

function M.find(name)
  for _, a in ipairs(attacks) do if a.name == name then return a end end
  error("no attack " .. name)
end

--- decision, case: as stored (or as `redress decide` prints them).
-- Returns true, or false and why.
function M.decision(a, decision, case)
  if a.at then return false, "a load-time attack was decided" end
  if a.outcome == "decided" then
    if decision.outcome ~= "decided" then
      return false, "expected a decision, got " .. tostring(decision.outcome) .. ": " .. tostring(decision.error)
    end
    return a.check(decision, case)
  end
  if decision.outcome ~= "policy_error" then return false, "not stopped: outcome " .. tostring(decision.outcome) end
  -- a loop the instruction budget stops may meet the wall clock first on a
  -- loaded machine: either limit stopping it is the guarantee
  local by_wall = a.expect:find("instructions", 1, true) and tostring(decision.error):match("^%[wall%]")
  if not tostring(decision.error):match(a.expect) and not by_wall then
    return false, "stopped for another reason: " .. tostring(decision.error) .. " (expected " .. a.expect .. ")"
  end
  if case.status ~= "manual_review" then return false, "case status " .. tostring(case.status) end
  return true
end

--- A load-time attack: the pack must fail to load with the expected reason.
function M.load_error(a, message)
  if not a.at then return false, "the pack failed to load: " .. tostring(message) end
  if not tostring(message):match(a.expect) then
    return false, "failed to load for another reason: " .. tostring(message) .. " (expected " .. a.expect .. ")"
  end
  return true
end

--- Inside a pack's own busted spec (redress pack test).
function M.in_specs(name, dir)
  local T = require "redress.testing"
  local a = M.find(name)
  local ok, p = pcall(T.pack, dir)
  if not ok then return M.load_error(a, p) end
  local c = T.complaint { customer = { id = "cust-1", name = "Anna" } }
  local r = p:complaint(c, "2026-11-20T10:00:00Z")
  if a.twice then
    r = p:complaint(T.complaint { customer = { id = "cust-2", name = "Bo" } }, "2026-11-20T10:05:00Z")
  end
  return M.decision(a, r.decision, r.case)
end

return M
