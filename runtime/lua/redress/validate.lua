--- Validation of complaint and event bodies. Each check returns the
-- normalized value, or nil and an error {status, code, message, field}.
local time = require "redress.time"
local icu = require "rd.icu"
local json_null = require("redress.json").null
local config = require "redress.config" -- suggest: "did you mean"

local M = {}

M.CHANNELS = { email = true, phone = true, chat = true, social = true, web = true, in_person = true, letter = true }
M.SEVERITIES = { low = true, medium = true, high = true, critical = true }
M.STATES = { calm = true, frustrated = true, aggressive = true }
M.FAULTS = { company = true, customer = true, third_party = true, none = true }

-- The events a client may post, with their data fields:
-- { field, type, required, check }.
M.EVENTS = {
  ["customer.replied"] = { { "message", "string", true } },
  ["agent.note"] = { { "note", "string", true } },
  ["investigation.concluded"] = {
    { "justified", "boolean", true }, { "fault", "string", false, M.FAULTS }, { "findings", "string", false },
  },
  ["approval.granted"] = { { "approval_id", "string", false } },
  ["approval.denied"] = { { "approval_id", "string", false } },
  ["offer.accepted"] = { { "offer_id", "string", true } },
  ["offer.declined"] = { { "offer_id", "string", true } },
  ["case.resolved"] = { { "resolution", "string", false } },
  ["satisfaction.reported"] = { { "score", "integer", true, { min = 1, max = 5 } } },
  ["case.reopened"] = { { "reason", "string", false } },
}

local function bad(field, msg)
  return nil, { status = 422, code = "validation_failed", message = msg, field = field }
end

local function object(v, field, required)
  if v == nil then
    if required then return bad(field, field .. " is required") end
    return true
  end
  if type(v) ~= "table" or (next(v) ~= nil and #v > 0) then
    return bad(field, field .. " must be an object")
  end
  return true
end

-- A complaint's string fields, in the order they are checked: { in the
-- customer object?, key, field name, required, max characters, one of }.
local COMPLAINT_STRINGS = {
  { true, "id", "customer.id", true, 200 }, { true, "name", "customer.name", false, 200 },
  { true, "email", "customer.email", false, 320 }, { false, "channel", "channel", true, nil, M.CHANNELS },
  { false, "category", "category", true, 100 }, { false, "description", "description", true, 20000 },
  { false, "language", "language", false, 35 }, { false, "severity", "severity", false, nil, M.SEVERITIES },
  { false, "customer_state", "customer_state", false, nil, M.STATES }, { false, "wants", "wants", false, 100 },
  { false, "jurisdiction", "jurisdiction", false, 10 }, { false, "brand", "brand", false, 100 },
}

-- The order's string fields: { key, field name, max characters }.
local ORDER_STRINGS = { { "id", "order.id", 200 }, { "currency", "order.currency" }, { "sku", "order.sku", 200 },
  { "product", "order.product", 200 } }
-- The order's times (RFC 3339).
local ORDER_TIMES = { "purchased_at", "delivered_at" }

-- The rules above, the objects' shapes, the language tag and the order's
-- codes and amount are checked in C (bindings/complaint.c: in Lua they were
-- a tenth of the engine's own work around a decision); what needs ICU or
-- the time parser follows here.
local check = require("rd").complaint_checker(COMPLAINT_STRINGS, ORDER_STRINGS)

--- Checks a decoded complaint; returns the normalized complaint or nil, err.
function M.complaint(c)
  local v, field, msg = check(c)
  if not v then return bad(field, msg) end
  local order = v.order
  if order then
    local zone = order.delivery_zone
    if zone ~= nil and not (type(zone) == "string" and #zone <= 64
        and zone:match("^%a[%w_+%-]*/[%w_+%-/]+$") and pcall(icu.zone, zone)) then
      return bad("order.delivery_zone", "order.delivery_zone must be an IANA time zone such as Europe/Berlin")
    end
    for _, k in ipairs(ORDER_TIMES) do
      if order[k] ~= nil then
        local _, why = time.parse(order[k])
        if why then return bad("order." .. k, "order." .. k .. ": " .. why) end
      end
    end
  end
  return v
end

--- The types a pack's details schema may use (pack.lua `details`), and
-- the fields of the event types it declares (pack.lua `events`).
M.DETAIL_TYPES = { string = true, integer = true, number = true, boolean = true, time = true }
local DETAIL_KEYS = { "type", "required", "min", "max", "max_len", "one_of", "doc" }

local function sorted_keys(t)
  local names = {}
  for k in pairs(t) do names[#names + 1] = k end
  table.sort(names, function(a, b) return tostring(a) < tostring(b) end)
  return names
end

-- A schema's field names in order, once per schema (schemas do not change
-- after their pack loads; weak, so an unloaded pack's go with it).
local schema_order = setmetatable({}, { __mode = "k" })

local function is_member(list, x)
  for _, v in ipairs(list) do if v == x then return true end end
  return false
end

local function with(path, ...)
  local p = table.move(path, 1, #path, 1, {})
  for _, k in ipairs { ... } do p[#p + 1] = k end
  return p
end

-- The first key of t that is not in the list known: "where: unknown key k
-- (did you mean …?)" and the path of keys to it; nil when there is none.
local function unknown_key(t, known, where, path)
  for _, k in ipairs(sorted_keys(t)) do
    if not is_member(known, k) then
      return where .. ": unknown key " .. tostring(k) .. config.suggest(tostring(k), known), with(path, k)
    end
  end
end

--- Checks a schema of fields (name → {type, required, min, max, one_of,
-- max_len, doc}): a pack's `details`, or the `fields` of an event type it
-- declares. at: where it sits in pack.lua as a path of keys, label: its
-- name in messages (default "details"). Returns nil, or what is wrong
-- ("details.x: …") and the path of keys to it (for the line of pack.lua).
function M.fields_schema(schema, at, label)
  at, label = at or { "details" }, label or "details"
  if type(schema) ~= "table" then return label .. " must be a table of field specs", at end
  for _, name in ipairs(sorted_keys(schema)) do
    local f, p = schema[name], with(at, name)
    local where = label .. "." .. tostring(name)
    if type(name) ~= "string" or not name:match("^[%a_][%w_]*$") then
      return where .. ": field names are letters, digits and _", p
    end
    if type(f) ~= "table" or not M.DETAIL_TYPES[f.type] then
      return where .. ": type must be one of " .. table.concat(sorted_keys(M.DETAIL_TYPES), ", "), p
    end
    local unknown, at_key = unknown_key(f, DETAIL_KEYS, where, p)
    if unknown then return unknown, at_key end
    if f.required ~= nil and type(f.required) ~= "boolean" then
      return where .. ".required must be true or false", with(p, "required")
    end
    for _, k in ipairs { "min", "max" } do
      if f[k] ~= nil and (type(f[k]) ~= "number" or (f.type ~= "integer" and f.type ~= "number")) then
        return where .. "." .. k .. " is a number, for integer and number fields", with(p, k)
      end
    end
    if f.max_len ~= nil and (math.type(f.max_len) ~= "integer" or f.type ~= "string") then
      return where .. ".max_len is an integer, for string fields", with(p, "max_len")
    end
    if f.one_of ~= nil then
      local ok = f.type == "string" and type(f.one_of) == "table" and #f.one_of > 0
      for _, v in ipairs(ok and f.one_of or {}) do ok = ok and type(v) == "string" end
      if not ok then return where .. ".one_of lists strings, for string fields", with(p, "one_of") end
    end
    if f.doc ~= nil and type(f.doc) ~= "string" then return where .. ".doc must be a string", with(p, "doc") end
  end
  return nil
end

--- Checks a pack's details schema; returns nil or what is wrong ("details.x: …").
function M.details_schema(schema) return M.fields_schema(schema, { "details" }) end

--- The events the engine records itself; no client posts them and no pack
-- may declare them.
M.ENGINE_EVENTS = { ["complaint.received"] = true, ["timer.fired"] = true }
--- The keys of one event type a pack declares.
M.EVENT_KEYS = { "doc", "fields" }

--- Whether name could be a pack's own event type: namespaced (two or more
-- parts of letters, digits and _, joined by dots) and no type the engine
-- has itself.
function M.custom_event_name(name)
  if type(name) ~= "string" or #name > 100 or not name:find(".", 1, true) then return false end
  for part in (name .. "."):gmatch("([^.]*)%.") do
    if not part:match("^[%a_][%w_]*$") then return false end
  end
  return not (M.EVENTS[name] or M.ENGINE_EVENTS[name])
end

--- Checks a pack's own event types (pack.lua `events`: name → { doc,
-- fields }, fields as in a details schema). Returns nil, or what is wrong
-- and the path of keys to it (for the line of pack.lua).
function M.events_schema(events)
  if type(events) ~= "table" then return "events must be a table: event type → { doc, fields }", { "events" } end
  for _, name in ipairs(sorted_keys(events)) do
    local spec, p = events[name], { "events", name }
    local where = "events[" .. (type(name) == "string" and string.format("%q", name) or tostring(name)) .. "]"
    if M.EVENTS[name] or M.ENGINE_EVENTS[name] then
      return where .. ": a built-in event type; a pack's own types take a namespace of their own, " ..
        "e.g. \"loyalty.points_credited\"", p
    end
    if not M.custom_event_name(name) then
      return where .. ": an event type is namespaced: letters, digits and _ in two or more parts " ..
        "joined by dots, e.g. \"loyalty.points_credited\" (at most 100 characters)", p
    end
    if type(spec) ~= "table" then return where .. " must be a table { doc, fields }", p end
    local unknown, at_key = unknown_key(spec, M.EVENT_KEYS, where, p)
    if unknown then return unknown, at_key end
    if spec.doc ~= nil and type(spec.doc) ~= "string" then return where .. ".doc must be a string", with(p, "doc") end
    if spec.fields ~= nil then
      local why, at = M.fields_schema(spec.fields, with(p, "fields"), where .. ".fields")
      if why then return why, at end
    end
  end
  return nil
end

local function detail_value(f, v, field)
  local ty = f.type
  if ty == "integer" then
    v = type(v) == "number" and math.tointeger(v) or v
    if math.type(v) ~= "integer" then return bad(field, field .. " must be an integer") end
  elseif ty == "number" then
    if type(v) ~= "number" or v ~= v or v == math.huge or v == -math.huge then
      return bad(field, field .. " must be a number")
    end
  elseif ty == "time" then
    if type(v) ~= "string" then return bad(field, field .. " must be an RFC 3339 time such as 2026-11-20T10:00:00Z") end
    local _, why = time.parse(v)
    if why then return bad(field, field .. ": " .. why) end
  elseif type(v) ~= ty then
    return bad(field, field .. " must be a " .. ty)
  end
  if f.min and v < f.min then return bad(field, field .. " must be at least " .. f.min) end
  if f.max and v > f.max then return bad(field, field .. " must be at most " .. f.max) end
  if ty == "string" then
    local len = utf8.len(v)
    if not len then return bad(field, field .. " must be valid UTF-8") end
    if f.max_len and len > f.max_len then return bad(field, field .. " is longer than " .. f.max_len .. " characters") end
    if f.one_of then
      local hit = false
      for _, x in ipairs(f.one_of) do hit = hit or x == v end
      if not hit then return bad(field, field .. " must be one of: " .. table.concat(f.one_of, ", ")) end
    end
  end
  return v
end

-- Checks object d (nil: empty) against a fields schema (nil: none); where
-- names it in errors ("details", "data"). undeclared(k, known) and
-- required(k) word those two refusals. Returns the checked values (a JSON
-- null counts as absent) or nil, err.
local function check_fields(d, schema, where, undeclared, required, ctx)
  -- no details against no schema, as most complaints come: nothing to look at
  if (d == nil or next(d) == nil) and (schema == nil or next(schema) == nil) then return {} end
  d = d or {}
  schema = schema or {}
  local order = schema_order[schema]
  if not order then
    order = sorted_keys(schema)
    local req = {}
    for _, k in ipairs(order) do if schema[k].required then req[#req + 1] = k end end
    order.required = req
    schema_order[schema] = order
  end
  -- none given (most complaints, against a pack's optional details): only
  -- the required ones are looked at, the first missing one in sorted order
  if next(d) == nil then
    local req = order.required
    if req[1] then return bad(where .. "." .. req[1], required(req[1], ctx)) end
    return {}
  end
  local out = {}
  for k in pairs(d) do
    if not schema[k] then
      -- the first undeclared name in sorted order, so the answer is the same every time
      for _, u in ipairs(sorted_keys(d)) do
        if not schema[u] then return bad(where .. "." .. tostring(u), undeclared(u, sorted_keys(schema), ctx)) end
      end
    end
  end
  for _, k in ipairs(order) do
    local f, v = schema[k], d[k]
    if v == nil or v == json_null then
      if f.required then return bad(where .. "." .. k, required(k, ctx)) end
    else
      local nv, err = detail_value(f, v, where .. "." .. k)
      if nv == nil then return nil, err end
      out[k] = nv
    end
  end
  return out
end

--- Checks a complaint's details against the deciding pack's schema (nil:
-- the pack takes none). Returns the details (a table, maybe empty) or
-- nil, err; a JSON null counts as absent.
local function detail_undeclared(k, known, pack_name)
  return string.format("details.%s is not a detail the pack %s takes%s", k, pack_name or "",
    #known > 0 and ("; it takes: " .. table.concat(known, ", ")) or " (it takes no details)")
end
local function detail_required(k, pack_name) return "details." .. k .. " is required by the pack " .. (pack_name or "") end

function M.details(d, schema, pack_name)
  return check_fields(d, schema, "details", detail_undeclared, detail_required, pack_name)
end

-- The refusal of a type neither built in nor declared by the case's pack.
local function unknown_type(t, events, pack_name)
  local names, own = sorted_keys(M.EVENTS), sorted_keys(events or {})
  local all = table.move(own, 1, #own, #names + 1, table.move(names, 1, #names, 1, {}))
  local msg = "unknown event type " .. string.format("%q", t) .. config.suggest(t, all) ..
    "; known: " .. table.concat(names, ", ")
  if pack_name then
    msg = msg .. (#own > 0 and ("; and the pack " .. pack_name .. "'s own: " .. table.concat(own, ", "))
      or ("; the pack " .. pack_name .. " declares no event types of its own"))
  end
  return { status = 422, code = "unknown_event_type", field = "type", message = msg }
end

--- Checks a decoded event; returns type, data or nil, err. events: the
-- deciding pack's own event types (pack.lua `events`, nil: none), whose
-- data is checked against their fields; pack_name names it in errors.
function M.event(e, events, pack_name)
  if e.type == nil then return bad("type", "type is required") end
  if type(e.type) ~= "string" then return bad("type", "type must be a string") end
  local spec = M.EVENTS[e.type]
  local own = not spec and events and events[e.type]
  if not spec and not own then return nil, unknown_type(e.type, events, pack_name) end
  local ok, err = object(e.data, "data", false)
  if not ok then return nil, err end
  if own then
    local data, derr = check_fields(e.data, own.fields, "data", function(k, known)
      return string.format("data.%s is not a field of %s%s", k, e.type,
        #known > 0 and ("; it takes: " .. table.concat(known, ", ")) or " (it takes no data)")
    end, function(k) return "data." .. k .. " is required for " .. e.type end)
    if not data then return nil, derr end
    return e.type, data
  end
  local data = e.data or {}
  for _, f in ipairs(spec) do
    local name, ty, required, rule = f[1], f[2], f[3], f[4]
    local field, v = "data." .. name, data[name]
    if v == nil then
      if required then return bad(field, field .. " is required for " .. e.type) end
    elseif ty == "integer" then
      v = type(v) == "number" and math.tointeger(v) or v
      data[name] = v
      if math.type(v) ~= "integer" then return bad(field, field .. " must be an integer") end
      if rule and (v < rule.min or v > rule.max) then
        return bad(field, string.format("%s must be between %d and %d", field, rule.min, rule.max))
      end
    elseif type(v) ~= ty then
      return bad(field, field .. " must be a " .. ty)
    elseif rule and not rule[v] then
      local names = {}
      for k in pairs(rule) do names[#names + 1] = k end
      table.sort(names)
      return bad(field, field .. " must be one of: " .. table.concat(names, ", "))
    end
  end
  return e.type, data
end

return M
