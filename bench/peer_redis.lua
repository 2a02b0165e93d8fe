-- The peer for bench/peer_redis.sh: the retail pack's decision on a complaint
-- and the same records redress writes for it, as one Redis EVAL (Redis runs
-- Lua 5.1). KEYS: none (a benchmark on one instance). ARGV[1]: the complaint
-- as the client sends it (the JSON body of POST /v1/complaints); ARGV[2]:
-- the client's token (redress's Authorization header), looked up in the
-- hash peer:tokens, which holds the digest redress records as the actor.
-- @PACK_HASH@ is the retail pack's hash, which bench/peer_redis.sh writes in
-- before it loads the script, as a script author ships a pack's version.
--
-- "The same work" (issue 12), as redress does it for this complaint:
-- - the token looked up; the body decoded and checked with redress's rules
--   (the same fields, lengths in characters, sets of values and codes);
-- - the retail pack's decision (a late delivery in EUR; anything else is
--   refused here, as the bench sends nothing else), with the promised date
--   in words in the acknowledgement;
-- - the records, member for member and in redress's order (canonical JSON:
--   sorted keys, redress's escapes, integers as integers): the case, the
--   event with its actor, the decision with its trace, three outbox rows,
--   the promise's timer row by due time, the customer's index and running
--   summary, the counters and the dashboard's rollups.
-- It is written as a Redis script author who wants stable bytes would: each
-- record's members in a fixed order, only the client's strings through
-- cjson. bench/peer_redis.sh compares these records with redress's for the
-- same complaints before it measures.
local body, token = ARGV[1], ARGV[2] or ""
local function refuse(status, field, message)
  return '{"error":{"code":"' .. (status == 401 and "unauthorized" or "validation_failed") .. '","field":' ..
    cjson.encode(field) .. ',"message":' .. cjson.encode(message) .. "}}"
end
-- the token: redress looks it up and records a digest of it as the actor
local digest = redis.call("HGET", "peer:tokens", token)
if not digest then return refuse(401, "authorization", "unknown token") end
local ok, c = pcall(cjson.decode, body)
if not ok or type(c) ~= "table" then return refuse(400, "body", "the body must be a JSON object") end

-- The complaint's checks, as redress's (runtime/lua/redress/validate.lua,
-- bindings/complaint.c): string fields with their lengths in characters
-- and their sets of values, the objects' shapes, the language tag, the
-- order's codes, amount and times.
local function chars(s) return #s - #s:gsub("[\128-\191]", "") end
local function text(t, key, field, required, max, set)
  local v = t and t[key]
  if v == nil then
    if required then return field .. " is required" end
    return nil
  end
  if type(v) ~= "string" or v == "" then return field .. " must be a non-empty string" end
  if max and #v > max and chars(v) > max then return field .. " must be at most " .. max .. " characters" end
  if set and not set:find("," .. v .. ",", 1, true) then return field .. " must be one of" .. set:gsub(",", " ") end
end
local function object(v) return v == nil or (type(v) == "table" and (next(v) == nil or #v == 0)) end
local customer, order = c.customer, c.order
if type(customer) ~= "table" or not object(customer) then return refuse(422, "customer", "customer must be an object") end
if not object(order) then return refuse(422, "order", "order must be an object") end
if not object(c.details) then return refuse(422, "details", "details must be an object") end
local why = text(customer, "id", "customer.id", true, 200) or text(customer, "name", "customer.name", false, 200) or
  text(customer, "email", "customer.email", false, 320) or
  text(c, "channel", "channel", true, nil, ",email,phone,chat,social,web,in_person,letter,") or
  text(c, "category", "category", true, 100) or text(c, "description", "description", true, 20000) or
  text(c, "language", "language", false, 35) or text(c, "severity", "severity", false, nil, ",low,medium,high,critical,") or
  text(c, "customer_state", "customer_state", false, nil, ",calm,frustrated,aggressive,") or
  text(c, "wants", "wants", false, 100) or text(c, "jurisdiction", "jurisdiction", false, 10) or
  text(c, "brand", "brand", false, 100) or text(order, "id", "order.id", false, 200) or
  text(order, "currency", "order.currency", false) or text(order, "sku", "order.sku", false, 200) or
  text(order, "product", "order.product", false, 200)
if why then return refuse(422, why:match("^(%S+)"), why) end
if c.language and not (c.language:match("^%a%a%a?$") or c.language:match("^%a%a%a?%-[%w%-]*%w$")) then
  return refuse(422, "language", "language must be a BCP 47 tag such as en, th, fa-IR")
end
local ORDER_TIMES = { "purchased_at", "delivered_at" }
local amount, currency
if order then
  amount, currency = order.amount, order.currency
  if amount ~= nil and (type(amount) ~= "number" or amount < 0 or amount > 9007199254740991 or
      amount ~= math.floor(amount)) then
    return refuse(422, "order.amount", "order.amount must be a non-negative integer in minor units (cents)")
  end
  if amount ~= nil and currency == nil then return refuse(422, "order.currency", "order.currency is required with order.amount") end
  if currency ~= nil and not currency:match("^%u%u%u$") then
    return refuse(422, "order.currency", "order.currency must be an ISO 4217 code such as EUR")
  end
  if order.country ~= nil and (type(order.country) ~= "string" or not order.country:match("^%u%u$")) then
    return refuse(422, "order.country", "order.country must be an ISO 3166 code such as DE")
  end
  for _, k in ipairs(ORDER_TIMES) do
    local v = order[k]
    if v ~= nil and (type(v) ~= "string" or not v:match("^%d%d%d%d%-%d%d%-%d%d")) then
      return refuse(422, "order." .. k, "order." .. k .. " must be an RFC 3339 time")
    end
  end
end
local state = c.customer_state or "calm"
local severity = c.severity or "medium"
local language = c.language or "en"

-- JSON as redress writes it (bindings/json.c): its escapes (cjson also
-- escapes "/" and DEL), integers as integers, objects with their keys in order
local function q(s)
  local j = cjson.encode(s)
  if j:find("\\[/u]") then j = j:gsub("\\/", "/"):gsub("\\u007f", "\127") end
  return j
end
local function canonical(v)
  if type(v) == "string" then return q(v) end
  if type(v) == "number" then return v == math.floor(v) and string.format("%d", v) or cjson.encode(v) end
  if type(v) ~= "table" then return cjson.encode(v) end
  if #v > 0 then
    local out = {}
    for i = 1, #v do out[i] = canonical(v[i]) end
    return "[" .. table.concat(out, ",") .. "]"
  end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys)
  for i, k in ipairs(keys) do keys[i] = q(k) .. ":" .. canonical(v[k]) end
  return "{" .. table.concat(keys, ",") .. "}"
end
local qdetails = c.details and next(c.details) and canonical(c.details) or "{}"

local n = redis.call("INCR", "meta:next_case")
local id = string.format("C%010d", n)
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

-- times as redress writes them: RFC 3339 in UTC with milliseconds
local function civil(days) -- days since 1970-01-01 → year, month, day
  local z = days + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local d = doy - math.floor((153 * mp + 2) / 5) + 1
  local m = mp < 10 and mp + 3 or mp - 9
  return yoe + era * 400 + (m <= 2 and 1 or 0), m, d
end
local function iso(ms)
  local days = math.floor(ms / 86400000)
  local y, m, d = civil(days)
  local s = math.floor(ms / 1000) % 86400
  return string.format('"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ"', y, m, d, math.floor(s / 3600), math.floor(s / 60) % 60,
    s % 60, ms % 1000)
end
local MONTHS = "January February March April May June July August September October November December "
local function money(minor) return string.format("%d.%02d", math.floor(minor / 100), minor % 100) end

-- the decision: the retail pack's, with its settings
local COUPON_PERCENT, COUPON_MIN, COUPON_MAX = 10, 500, 2000
local remedy, coupon, explain_code, explain_text, reason
if c.category == "late_delivery" and amount then
  coupon = math.max(COUPON_MIN, math.min(COUPON_MAX, math.floor(amount * COUPON_PERCENT / 100)))
  reason = "late delivery"
  explain_code = "late_delivery"
  explain_text = string.format("The delivery was late: a coupon of %d%% of the order, between %s %s and %s %s.",
    COUPON_PERCENT, money(COUPON_MIN), currency, money(COUPON_MAX), currency)
  remedy = "coupon"
end
if not remedy or currency ~= "EUR" then
  return refuse(422, "category", "the peer decides late deliveries with an amount in EUR only")
end
local escalate = c.channel == "social" or severity == "critical" or severity == "high" or state == "aggressive"
if escalate then return refuse(422, "channel", "the peer does not escalate") end

-- the promise: the next contact two business days on (a weekday walk, as
-- the pack's calendar makes it)
local day = math.floor(now / 86400000)
local due_day, left = day, 2
while left > 0 do
  due_day = due_day + 1
  local wd = (due_day + 3) % 7 -- 0 = Monday (1970-01-01 was a Thursday)
  if wd < 5 then left = left - 1 end
end
local due = due_day * 86400000 + now % 86400000
local now_iso, due_iso = iso(now), iso(due)
local qnow, qdue = string.format("%d", now), string.format("%d", due)
local due_text = due_iso:sub(2, -2)
local dy, dm, dd = civil(due_day)

local qid, qcurrency = '"' .. id .. '"', '"' .. currency .. '"' -- made or checked here: nothing to escape
local qcustomer, qcategory = q(customer.id), q(c.category)
local ack_text = "Dear valued customer, thank you for letting us know: your message helps us put things right. " ..
  "We are sorry for the trouble this has caused you. We have opened case " .. id .. " and started on it right away. " ..
  "If you have a photo, a receipt or an order number, please reply with it. We will contact you again by " ..
  MONTHS:match(("%a+ "):rep(dm - 1) .. "(%a+)") .. " " .. dd .. ", " .. dy .. "."
-- (texts the script makes itself need no escaping: only the client's go
-- through cjson)
local ack = '{"language":"en","next_contact":' .. due_iso .. ',"template":"ack","text":"' .. ack_text ..
  '","type":"acknowledge"}'
local message = '{"language":"en","template":"offer_coupon","text":"As an apology, we are giving you a coupon worth €' ..
  money(coupon) .. '.","type":"message"}'
local qcoupon = string.format("%d", coupon)
local offer_head = '{"amount":' .. qcoupon .. ',"currency":' .. qcurrency .. ',"id":"O1","kind":"coupon"'
local offer_tail = ',"reason":"' .. reason .. '","type":"offer"}'
local offer = offer_head .. offer_tail
local decision_json = '{"actions":[' .. ack .. "," .. offer_head .. ',"message":' .. message .. offer_tail ..
  '],"at":' .. now_iso .. ',"error":null,"event":"complaint.received","event_seq":1,"explanation":[{"code":"' ..
  explain_code .. '","text":"' .. explain_text .. '"}],"handler":"on_complaint","kind":"decision",' ..
  '"outcome":"decided","pack":{"hash":"@PACK_HASH@","name":"retail","version":"0.1.0"},"seq":1,"trace":[' ..
  '"Acknowledged in en with the template \'ack\'; next contact: ' .. due_text .. '.","Offered a coupon of ' ..
  money(coupon) .. " " .. currency .. " (O1): " .. reason .. ', with its message in en.","Promised the customer ' ..
  "the next contact by " .. due_text .. ' (P1)."]}'

local qdescription = q(c.description)
local qorder = canonical(order)
local case_json = '{"approvals":[],"category":' .. qcategory .. ',"channel":"' .. c.channel ..
  '","corrective_actions":[],"customer":{"id":' .. qcustomer .. '},"customer_state":"' .. state .. '",' ..
  '"description":' .. qdescription .. ',"details":' .. qdetails .. ',"escalations":[],"events":1,"facts":{},"id":' .. qid .. ',"language":"' .. language ..
  '","offers":[{"amount":' .. qcoupon .. ',"at":' .. now_iso .. ',"currency":' .. qcurrency ..
  ',"id":"O1","kind":"coupon","reason":"' .. reason .. '","status":"offered"}],"opened_at":' .. now_iso .. ',"opened_ms":' .. qnow .. ',"order":' .. qorder ..
  ',"pack":{"name":"retail","version":"0.1.0"},"promises":[{"due_at":' .. due_iso .. ',"due_ms":' .. qdue ..
  ',"id":"P1","kind":"next_contact","made_at":' .. now_iso .. ',"made_in":"ack","status":"open"}],"severity":"' ..
  severity .. '","status":"acknowledged","tags":[],"tier":0,"timers":{"redress.promise":{"data":{"promise":"P1"},' ..
  '"due_at":' .. due_iso .. ',"due_ms":' .. qdue .. ',"set_at":' .. now_iso .. '}},"updated_at":' .. now_iso .. "}"
redis.call("SET", "case:" .. id, case_json)

-- the event, with who sent it (redress keeps a digest of the token)
local event_json = '{"actor":{"roles":"intake","token":"' .. digest .. '"},"at":' ..
  now_iso .. ',"data":{"category":' .. qcategory .. ',"channel":"' .. c.channel ..
  '","customer":{"id":' .. qcustomer .. '},"customer_state":"' .. state .. '",' ..
  '"description":' .. qdescription .. ',"details":' .. qdetails .. ',"language":"' .. language .. '","order":' .. qorder .. ',"severity":"' .. severity ..
  '"},"decided":{"actions":["acknowledge","offer"],"outcome":"decided","pack_version":"0.1.0"},"kind":"event",' ..
  '"seq":1,"type":"complaint.received"}'
redis.call("SET", "event:" .. id .. ":1", event_json)
redis.call("SET", "decision:" .. id .. ":1", decision_json)

-- the outbox: one row per action to deliver
local row_tail = ',"case_id":' .. qid .. ',"channel":"' .. c.channel .. '","created_at":' .. now_iso ..
  ',"language":"en","recipient":{"id":' .. qcustomer .. '},"type":"'
local seq = redis.call("INCRBY", "meta:next_outbox", 3) - 2 -- redress's writer counts a commit's rows once
redis.call("SET", "outbox:" .. seq, '{"seq":' .. seq .. ',"action":' .. ack .. row_tail .. 'acknowledge"}')
redis.call("SET", "outbox:" .. seq + 1, '{"seq":' .. seq + 1 .. ',"action":' .. offer .. row_tail .. 'offer"}')
redis.call("SET", "outbox:" .. seq + 2, '{"seq":' .. seq + 2 .. ',"action":' .. message .. row_tail .. 'message"}')

-- the promise's timer row, by due time (redress: one row keyed by the due
-- time; the case's record names its timers)
redis.call("ZADD", "timers", due, '{"case_id":' .. qid .. ',"data":{"promise":"P1"},"due_at":' .. due_iso ..
  ',"due_ms":' .. qdue .. ',"name":"redress.promise","set_at":' .. now_iso .. "}")

-- the customer's cases, and their running summary: read, add this case,
-- written back with its days in order
redis.call("SADD", "customer:" .. customer.id, id)
local summary_key = "summary:" .. customer.id
local raw = redis.call("GET", summary_key)
if not raw then -- a new customer: the row as text
  redis.call("SET", summary_key, '{"days":{"' .. day .. '":{"c":{"' .. currency .. '":' .. qcoupon .. '},"n":1}},"open":1}')
else
  local summary = cjson.decode(raw)
  local d = summary.days[tostring(day)] or { n = 0, c = {} }
  d.n = d.n + 1
  d.c[currency] = (d.c[currency] or 0) + coupon
  summary.days[tostring(day)] = d
  summary.open = summary.open + 1
  redis.call("SET", summary_key, canonical(summary))
end

-- the dashboard's rollups: the day's row, open cases, cases per pack version
local rollup = "rollup:" .. now_iso:sub(2, 11) -- redress: rollup:2026-12-03
redis.call("HINCRBY", rollup, "complaints|retail", 1)
redis.call("HINCRBY", rollup, "comp:" .. currency .. ":coupon|retail", coupon)
redis.call("HINCRBY", "rollup_open", "acknowledged:0|retail", 1)
redis.call("HINCRBY", "rollup_pinned", "cases|retail@0.1.0", 1)
redis.call("HINCRBY", "rollup_pinned", "open|retail@0.1.0", 1)
return '{"case":' .. case_json .. ',"decision":' .. decision_json .. "}"
