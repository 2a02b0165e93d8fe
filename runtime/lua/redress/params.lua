--- The answers and query parameters the read routes share (redress.api,
-- redress.listing, redress.console): an error answer, an integer parameter
-- in a range, a page's start and limit.
local json = require "redress.json"

local M = {}

--- An error answer: { status, body = {"error":{code,message,field}} }.
function M.err(status, code, message, field)
  return { status = status, body = json.error_body(code, message, field) }
end

--- An integer query parameter in [lo, hi] (hi nil: no upper bound), or its
-- default when absent. Returns the value, or nil and the 422 answer.
function M.int_param(q, name, default, lo, hi)
  if q[name] == nil then return default end
  local v = math.tointeger(tonumber(q[name]))
  if not v or v < lo or (hi and v > hi) then
    local range = hi and string.format("from %d to %d", lo, hi) or ("≥ " .. lo)
    return nil, M.err(422, "validation_failed", name .. " must be an integer " .. range, name)
  end
  return v
end

--- A page's start (the parameter start, ≥ 0, default 0) and its limit (1 to
-- max, default dflt): start, limit, or nil, nil and the 422.
function M.page_params(q, start, dflt, max)
  local first, bad = M.int_param(q, start, 0, 0)
  if not first then return nil, nil, bad end
  local limit
  limit, bad = M.int_param(q, "limit", dflt, 1, max)
  if not limit then return nil, nil, bad end
  return first, limit
end

return M
