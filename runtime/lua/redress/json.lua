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

--- json.encode(v [, arrays]) → the canonical JSON text of v; arrays: a
-- set of v's own keys ({ tags = true }) whose values are lists, written as
-- [] when empty (the same as passing each through M.array).
M.encode = codec.encode

--- json.encode_spliced(t, key, raws [, arrays [, rest]]) → the canonical JSON of
-- table t with its member key written from texts this encoder wrote, as
-- they are: raws a list of them (the member is their array) or one text
-- (the member's value), or false to leave the member out; arrays as for
-- encode. With rest true, a second result: the same text without the
-- member, cut from the first (an offer's outbox row is the offer without
-- its message).
M.encode_spliced = codec.encode_spliced

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

--- json.decode_only(text, projection) → only the parts of trusted JSON the
-- projection names (bindings/json_decode.c): the rest is read, not built.
M.decode_only = codec.decode_only

--- The largest integer redress accepts and keeps: every integer is stored
-- and printed exactly, and this bound (2^53 − 1) is the one every JSON
-- reader can hold exactly too (a JavaScript number, a double).
M.MAX_INTEGER = 9007199254740991

-- The checks and answers of an untrusted body that must be a JSON object,
-- around reader (codec.decode_checked or codec.customer_of): its results,
-- or nil, code, message, field, HTTP status.
local function read_object(body, reader)
  if body == nil or body == "" then
    return nil, "invalid_json", "the request body is empty; a JSON object is required"
  end
  if not codec.valid_utf8(body) then
    return nil, "invalid_utf8", "the request body is not valid UTF-8"
  end
  if body:byte(1) ~= 123 and not body:find("^%s*{") then -- "{" first: no pattern to match
    return nil, "invalid_json", "the request body must be a JSON object"
  end
  -- the values are checked in C as the text is read (json_decode.c): no
  -- NUL inside a string, no number past ±MAX_INTEGER; the parser itself
  -- takes only valid UTF-8
  local ok, v, why, path = pcall(reader, body)
  if not ok then
    local msg = tostring(v):gsub("^.-json%.decode: ", "")
    return nil, "invalid_json", "the request body is not valid JSON: " .. msg
  end
  if v == nil then
    if why == "out_of_range" then
      return nil, "out_of_range", string.format("numbers must lie between -%d and %d: redress stores integers " ..
        "exactly only in that range", M.MAX_INTEGER, M.MAX_INTEGER), path ~= "" and path or nil, 422
    end
    return nil, "validation_failed", "strings may not contain NUL characters", path ~= "" and path or nil
  end
  return v, why
end

--- Decodes an untrusted request body that must be a JSON object.
-- Returns the table, or nil, code, message, field, HTTP status.
function M.decode_object(body)
  local v, code, msg, field, status = read_object(body, codec.decode_checked)
  if v == nil then return nil, code, msg, field, status end
  return v
end

--- The checks of decode_object without building the object: returns
-- true and the body's customer.id (a string, or nil when it has none), or
-- nil, code, message, field, HTTP status as decode_object would.
function M.customer_of(body)
  return read_object(body, codec.customer_of)
end

--- The checks of decode_object without building the object, for an
-- event's top-level type: true and the type (a string, or nil when the
-- body has none that is a string; of two, the last, as decode_object takes
-- it), or the refusal as decode_object would give it.
function M.type_of(body)
  return read_object(body, codec.type_of)
end

return M
