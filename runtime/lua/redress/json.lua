--- JSON for the runtime: canonical JSON through rd.json (jansson, see
-- bindings/json.c) — sorted keys, integers kept as integers, empty arrays
-- kept apart from empty objects, so the same value always gives the same
-- bytes — plus the strict checks untrusted input gets.
local codec = require "rd.json"

local M = {}

M.null = codec.null

-- An empty Lua table is written as {}. Arrays that may be empty are passed
-- through M.array, which swaps an empty one for a sentinel that encode
-- writes as []. Input strings may not contain NUL (refused in
-- M.decode_object), so the sentinel cannot come from a user. Decoded empty
-- arrays are marked and are written back as [] too.
local EMPTY = codec.empty_array

--- Marks t as a JSON array: returns t, or the empty-array sentinel.
function M.array(t)
  if t == nil or next(t) == nil then return EMPTY end
  return t
end

--- Canonical JSON text of v.
M.encode = codec.encode

--- json.is_array(t) → true for an empty array that came from JSON.
M.is_array = codec.is_array

--- The body of every error answer: {"error":{"code","message","field"}}
-- (field: the input field at fault, or null). The C core's twin is
-- runtime/errors.c.
function M.error_body(code, message, field)
  return M.encode { error = { code = code, message = message, field = field or M.null } }
end

--- Decodes trusted JSON (what the store holds).
M.decode = codec.decode

--- The largest integer redress accepts and keeps: every integer is stored
-- and printed exactly, and this bound (2^53 − 1) is the one every JSON
-- reader can hold exactly too (a JavaScript number, a double).
M.MAX_INTEGER = 9007199254740991

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
    local msg = tostring(v):gsub("^.-json%.decode: ", "")
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
