--- The case's shape: the fields every case has, whichever code made it or
-- read it back from the store. The bottom layer of the trusted Lua: it
-- requires nothing, so the store, the decision step and the API can all
-- use it without requiring each other.
local M = {}

M.ARRAYS = { "tags", "offers", "escalations", "approvals", "corrective_actions", "promises" }

--- Makes sure a case has its array and object fields (a decoded case has
-- {} where it had []). Returns c.
function M.shape(c)
  for i = 1, #M.ARRAYS do local k = M.ARRAYS[i]
    if type(c[k]) ~= "table" then c[k] = {} end
  end
  if type(c.facts) ~= "table" then c.facts = {} end
  if type(c.timers) ~= "table" then c.timers = {} end
  if type(c.details) ~= "table" then c.details = {} end
  return c
end

return M
