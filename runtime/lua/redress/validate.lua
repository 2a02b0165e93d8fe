--- Validation of complaint and event bodies. Each check returns the
-- normalized value, or nil and an error {status, code, message, field}.
local time = require "redress.time"
local icu = require "rd.icu"
local json_null = require("redress.json").null

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

local function str(t, key, field, required, maxlen, set)
  local v = t[key]
  if v == nil then
    if required then return bad(field, field .. " is required") end
    return true
  end
  if type(v) ~= "string" then return bad(field, field .. " must be a string") end
  if required and v == "" then return bad(field, field .. " must not be empty") end
  if maxlen and utf8.len(v) > maxlen then
    return bad(field, field .. " is longer than " .. maxlen .. " characters")
  end
  if set and not set[v] then
    local names = {}
    for k in pairs(set) do names[#names + 1] = k end
    table.sort(names)
    return bad(field, field .. " must be one of: " .. table.concat(names, ", "))
  end
  return true
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

local function check_all(list)
  for _, r in ipairs(list) do
    local ok, err = table.unpack(r)
    if not ok then return nil, err end
  end
  return true
end

--- Checks a decoded complaint; returns the normalized complaint or nil, err.
function M.complaint(c)
  local ok, err = object(c.customer, "customer", true)
  if not ok then return nil, err end
  ok, err = check_all {
    { str(c.customer, "id", "customer.id", true, 200) },
    { str(c.customer, "name", "customer.name", false, 200) },
    { str(c.customer, "email", "customer.email", false, 320) },
    { str(c, "channel", "channel", true, nil, M.CHANNELS) },
    { str(c, "category", "category", true, 100) },
    { str(c, "description", "description", true, 20000) },
    { str(c, "language", "language", false, 35) },
    { str(c, "severity", "severity", false, nil, M.SEVERITIES) },
    { str(c, "customer_state", "customer_state", false, nil, M.STATES) },
    { str(c, "wants", "wants", false, 100) },
    { str(c, "jurisdiction", "jurisdiction", false, 10) },
    { str(c, "brand", "brand", false, 100) },
    { object(c.order, "order", false) },
    { object(c.details, "details", false) },
  }
  if not ok then return nil, err end
  if c.language and not (c.language:match("^%a%a%a?$") or (c.language:match("^%a%a%a?%-[%w%-]+$") and
      not c.language:find("%-%-") and not c.language:find("%-$") and not c.language:find("[%w]" .. ("[%w]"):rep(8)))) then
    return bad("language", "language must be a BCP 47 tag such as en, th, fa-IR")
  end
  local order = c.order
  if order then
    ok, err = check_all {
      { str(order, "id", "order.id", false, 200) },
      { str(order, "currency", "order.currency", false) },
    }
    if not ok then return nil, err end
    if order.amount ~= nil then
      -- cjson 2.1 decodes every number as a float; integral ones become integers.
      order.amount = type(order.amount) == "number" and math.tointeger(order.amount) or order.amount
      if math.type(order.amount) ~= "integer" or order.amount < 0 then
        return bad("order.amount", "order.amount must be a non-negative integer in minor units (cents)")
      end
      if order.currency == nil then return bad("order.currency", "order.currency is required with order.amount") end
    end
    if order.currency ~= nil and not order.currency:match("^%u%u%u$") then
      return bad("order.currency", "order.currency must be an ISO 4217 code such as EUR")
    end
    if order.delivery_country ~= nil and not (type(order.delivery_country) == "string" and order.delivery_country:match("^%u%u$")) then
      return bad("order.delivery_country", "order.delivery_country must be an ISO 3166-1 alpha-2 code such as DE")
    end
    if order.delivery_zone ~= nil and not (type(order.delivery_zone) == "string" and #order.delivery_zone <= 64
        and order.delivery_zone:match("^%a[%w_+%-]*/[%w_+%-/]+$") and pcall(icu.zone, order.delivery_zone)) then
      return bad("order.delivery_zone", "order.delivery_zone must be an IANA time zone such as Europe/Berlin")
    end
    for _, k in ipairs { "purchased_at", "delivered_at" } do
      if order[k] ~= nil then
        local _, why = time.parse(order[k])
        if why then return bad("order." .. k, "order." .. k .. ": " .. why) end
      end
    end
  end
  return {
    customer = { id = c.customer.id, name = c.customer.name, email = c.customer.email },
    channel = c.channel, category = c.category, description = c.description,
    language = c.language or "en", severity = c.severity or "medium",
    customer_state = c.customer_state or "calm", wants = c.wants,
    jurisdiction = c.jurisdiction, brand = c.brand, order = order, details = c.details,
  }
end

--- The types a pack's details schema may use (pack.lua `details`).
M.DETAIL_TYPES = { string = true, integer = true, number = true, boolean = true, time = true }
local DETAIL_KEYS = { type = true, required = true, min = true, max = true, one_of = true, max_len = true, doc = true }

local function sorted_keys(t)
  local names = {}
  for k in pairs(t) do names[#names + 1] = k end
  table.sort(names)
  return names
end

--- Checks a pack's details schema (name → {type, required, min, max,
-- one_of, max_len, doc}); returns nil or what is wrong ("details.x: …").
function M.details_schema(schema)
  if type(schema) ~= "table" then return "details must be a table of field specs" end
  for name, f in pairs(schema) do
    local where = "details." .. tostring(name)
    if type(name) ~= "string" or not name:match("^[%a_][%w_]*$") then
      return where .. ": field names are letters, digits and _"
    end
    if type(f) ~= "table" or not M.DETAIL_TYPES[f.type] then
      return where .. ": type must be one of " .. table.concat(sorted_keys(M.DETAIL_TYPES), ", ")
    end
    for k in pairs(f) do
      if not DETAIL_KEYS[k] then return where .. ": unknown key " .. tostring(k) end
    end
    if f.required ~= nil and type(f.required) ~= "boolean" then return where .. ".required must be true or false" end
    for _, k in ipairs { "min", "max" } do
      if f[k] ~= nil and (type(f[k]) ~= "number" or (f.type ~= "integer" and f.type ~= "number")) then
        return where .. "." .. k .. " is a number, for integer and number fields"
      end
    end
    if f.max_len ~= nil and (math.type(f.max_len) ~= "integer" or f.type ~= "string") then
      return where .. ".max_len is an integer, for string fields"
    end
    if f.one_of ~= nil then
      local ok = f.type == "string" and type(f.one_of) == "table" and #f.one_of > 0
      for _, v in ipairs(ok and f.one_of or {}) do ok = ok and type(v) == "string" end
      if not ok then return where .. ".one_of lists strings, for string fields" end
    end
    if f.doc ~= nil and type(f.doc) ~= "string" then return where .. ".doc must be a string" end
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

--- Checks a complaint's details against the deciding pack's schema (nil:
-- the pack takes none). Returns the details (a table, maybe empty) or
-- nil, err; a JSON null counts as absent.
function M.details(d, schema, pack_name)
  d = d or {}
  schema = schema or {}
  local out = {}
  for _, k in ipairs(sorted_keys(d)) do
    if not schema[k] then
      local known = sorted_keys(schema)
      return bad("details." .. k, string.format("details.%s is not a detail the pack %s takes%s", k,
        pack_name or "", #known > 0 and ("; it takes: " .. table.concat(known, ", ")) or " (it takes no details)"))
    end
  end
  for _, k in ipairs(sorted_keys(schema)) do
    local f, v = schema[k], d[k]
    if v == nil or v == json_null then
      if f.required then return bad("details." .. k, "details." .. k .. " is required by the pack " .. (pack_name or "")) end
    else
      local nv, err = detail_value(f, v, "details." .. k)
      if nv == nil then return nil, err end
      out[k] = nv
    end
  end
  return out
end

--- Checks a decoded event; returns type, data or nil, err.
function M.event(e)
  if e.type == nil then return bad("type", "type is required") end
  if type(e.type) ~= "string" then return bad("type", "type must be a string") end
  local spec = M.EVENTS[e.type]
  if not spec then
    local names = {}
    for k in pairs(M.EVENTS) do names[#names + 1] = k end
    table.sort(names)
    return nil, { status = 422, code = "unknown_event_type", field = "type",
      message = "unknown event type " .. string.format("%q", e.type) .. "; known: " .. table.concat(names, ", ") }
  end
  local ok, err = object(e.data, "data", false)
  if not ok then return nil, err end
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
