--- JSON for the runtime: lua-cjson with the daemon's settings, plus the
-- pieces cjson 2.1 lacks (empty arrays, strict input checks).
local cjson = require "cjson"

local M = {}

local codec = cjson.new()
codec.decode_max_depth(32)
codec.encode_max_depth(64)
codec.decode_invalid_numbers(false)
codec.encode_invalid_numbers(false)
codec.encode_sparse_array(false, 0, 0)
codec.encode_number_precision(14)

M.null = cjson.null

-- cjson 2.1 encodes an empty table as {}. Arrays that may be empty are
-- passed through M.array, which swaps an empty one for this sentinel; encode
-- turns the sentinel back into []. Input strings may not contain NUL (they
-- are refused in M.decode_object), so the sentinel cannot come from a user.
local EMPTY = "\0[]\0"
local EMPTY_JSON = '"\\u0000[]\\u0000"'

--- Marks t as a JSON array: returns t, or the empty-array sentinel.
function M.array(t)
  if t == nil or next(t) == nil then return EMPTY end
  return t
end

--- Encodes v; tables passed through M.array become [] when empty.
function M.encode(v)
  local s = codec.encode(v)
  local at = s:find(EMPTY_JSON, 1, true)
  if not at then return s end
  -- swap every sentinel for [] with plain searches (no pattern matching)
  local out, from = {}, 1
  while at do
    out[#out + 1] = s:sub(from, at - 1)
    out[#out + 1] = "[]"
    from = at + #EMPTY_JSON
    at = s:find(EMPTY_JSON, from, true)
  end
  out[#out + 1] = s:sub(from)
  return table.concat(out)
end

--- The body of every error answer: {"error":{"code","message","field"}}
-- (field: the input field at fault, or null). The C core's twin is
-- runtime/errors.c.
function M.error_body(code, message, field)
  return M.encode { error = { code = code, message = message, field = field or M.null } }
end

--- Decodes trusted JSON (what the store holds).
function M.decode(s)
  return codec.decode(s)
end

--- The largest integer stored and printed exactly: cjson writes numbers
-- with 14 significant digits, so from 10^14 on an integer would come back
-- in float notation (and past 2^53 a double cannot hold it at all).
M.MAX_INTEGER = 99999999999999

-- Walks decoded input: every string (keys too) must be valid UTF-8 and free
-- of NUL, every number within ±MAX_INTEGER. Returns what is wrong and the
-- path to it as a list of keys (built only on the way out of a failure).
local function check_values(v)
  local t = type(v)
  if t == "string" then
    if not utf8.len(v) then return "invalid_utf8" end
    if v:find("\0", 1, true) then return "nul" end
  elseif t == "number" then
    if v ~= v or v > M.MAX_INTEGER or v < -M.MAX_INTEGER then return "out_of_range" end
  elseif t == "table" then
    for k, x in next, v do
      local why, path
      if type(k) == "string" then why = check_values(k) end
      if why then path = {} else why, path = check_values(x) end
      if why then
        table.insert(path or {}, 1, k)
        return why, path or { k }
      end
    end
  end
  return nil
end

-- "order.items[2].name" from a list of keys.
local function dotted(keys)
  local out = {}
  for i, k in ipairs(keys) do
    if type(k) == "number" then out[#out + 1] = "[" .. k .. "]"
    else out[#out + 1] = (i > 1 and "." or "") .. tostring(k) end
  end
  return table.concat(out)
end

--- Decodes an untrusted request body that must be a JSON object.
-- Returns the table, or nil, code, message, field, HTTP status.
function M.decode_object(body)
  if body == nil or body == "" then
    return nil, "invalid_json", "the request body is empty; a JSON object is required"
  end
  if not utf8.len(body) then
    return nil, "invalid_utf8", "the request body is not valid UTF-8"
  end
  if not body:find("^%s*{") then
    return nil, "invalid_json", "the request body must be a JSON object"
  end
  local ok, v = pcall(codec.decode, body)
  if not ok then
    local msg = tostring(v):gsub("^.-: ", "")
    return nil, "invalid_json", "the request body is not valid JSON: " .. msg
  end
  local why, keys = check_values(v)
  if why then
    local path = keys and dotted(keys) or ""
    if why == "invalid_utf8" then
      return nil, "invalid_utf8", "a string in the body is not valid UTF-8", path ~= "" and path or nil
    end
    if why == "out_of_range" then
      return nil, "out_of_range", string.format("numbers must lie between -%d and %d: redress stores integers " ..
        "exactly only in that range", M.MAX_INTEGER, M.MAX_INTEGER), path ~= "" and path or nil, 422
    end
    return nil, "validation_failed", "strings may not contain NUL characters", path ~= "" and path or nil
  end
  return v
end

return M
