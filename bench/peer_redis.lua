-- The peer for bench/peer_redis.sh: the retail pack's decision on a complaint
-- and the same records redress writes for it, as one Redis EVAL (Redis runs
-- Lua 5.1). KEYS: none (a benchmark on one instance). ARGV[1]: the complaint
-- as the client sends it (the JSON body of POST /v1/complaints); ARGV[2]:
-- the client's token (redress's Authorization header).
--
-- "The same work" (issue 12): the body decoded and checked; the retail
-- pack's decision for its category and channel; the acknowledgement with its
-- promised date in words; and the records redress stores, with the same
-- members in the same order (redress writes canonical JSON: sorted keys):
-- the case, the event with its actor, the decision with its trace, three
-- outbox rows, the promise's timer and its index, the customer's index and
-- running summary, the counters and the dashboard's rollups. The JSON is
-- written the way a Redis script author who wants stable bytes would write
-- it: each record's members in a fixed sorted order, with cjson escaping the
-- client's strings. bench/peer_redis.sh checks, before it measures, that
-- the answer is redress's answer to the same body, apart from times, ids and
-- hashes.
local body, token = ARGV[1], ARGV[2] or ""
local ok, c = pcall(cjson.decode, body)
local function refuse(field, message)
  return '{"error":{"code":"invalid","field":' .. cjson.encode(field) .. ',"message":' .. cjson.encode(message) .. "}}"
end
if not ok or type(c) ~= "table" then return refuse("body", "the body must be a JSON object") end
local customer, order = c.customer, c.order
if type(customer) ~= "table" or type(customer.id) ~= "string" or #customer.id == 0 or #customer.id > 200 then
  return refuse("customer.id", "customer.id is required (a string of at most 200 bytes)")
end
local CHANNELS = { email = true, phone = true, chat = true, social = true, web = true, in_person = true, letter = true }
if not CHANNELS[c.channel] then return refuse("channel", "channel must be one of the channels") end
if type(c.category) ~= "string" or #c.category == 0 or #c.category > 64 then
  return refuse("category", "category is required (a word of at most 64 bytes)")
end
if c.description ~= nil and (type(c.description) ~= "string" or #c.description > 10000) then
  return refuse("description", "description must be a string of at most 10000 bytes")
end
local amount, currency
if order ~= nil then
  if type(order) ~= "table" then return refuse("order", "order must be an object") end
  amount, currency = order.amount, order.currency
  if amount ~= nil and (type(amount) ~= "number" or amount < 0 or amount ~= math.floor(amount)) then
    return refuse("order.amount", "order.amount must be a non-negative integer in minor units (cents)")
  end
  if amount ~= nil and (type(currency) ~= "string" or not currency:match("^%u%u%u$")) then
    return refuse("order.currency", "order.currency must be an ISO 4217 code such as EUR")
  end
end
local state = c.customer_state or "calm"
local severity = c.severity or "medium"
local language = c.language or "en"

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
local MONTHS = { "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
  "November", "December" }
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
if not remedy then return refuse("category", "the peer decides late deliveries with an order amount only") end
local escalate = c.channel == "social" or severity == "critical" or severity == "high" or state == "aggressive"
if escalate then return refuse("channel", "the peer does not escalate") end

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
local due_text = due_iso:sub(2, -2)
local dy, dm, dd = civil(due_day)

local qid, qcurrency = '"' .. id .. '"', '"' .. currency .. '"' -- made or checked here: nothing to escape
local qcustomer, qcategory = cjson.encode(customer.id), cjson.encode(c.category)
local ack_text = "Dear valued customer, thank you for letting us know: your message helps us put things right. " ..
  "We are sorry for the trouble this has caused you. We have opened case " .. id .. " and started on it right away. " ..
  "If you have a photo, a receipt or an order number, please reply with it. We will contact you again by " ..
  MONTHS[dm] .. " " .. dd .. ", " .. dy .. "."
-- (texts the script makes itself need no escaping: only the client's go
-- through cjson)
local ack = '{"language":"en","next_contact":' .. due_iso .. ',"template":"ack","text":"' .. ack_text ..
  '","type":"acknowledge"}'
local message = '{"language":"en","template":"offer_coupon","text":"As an apology, we are giving you a coupon worth €' ..
  money(coupon) .. '.","type":"message"}'
local offer_head = '{"amount":' .. coupon .. ',"currency":' .. qcurrency .. ',"id":"O1","kind":"coupon"'
local offer_tail = ',"reason":"' .. reason .. '","type":"offer"}'
local offer = offer_head .. offer_tail
local decision_json = '{"actions":[' .. ack .. "," .. offer_head .. ',"message":' .. message .. offer_tail ..
  '],"at":' .. now_iso .. ',"error":null,"event":"complaint.received","event_seq":1,"explanation":[{"code":"' ..
  explain_code .. '","text":"' .. explain_text .. '"}],"handler":"on_complaint","kind":"decision",' ..
  '"outcome":"decided","pack":{"hash":"593ee3cdbc1c6aa2","name":"retail","version":"0.1.0"},"seq":1,"trace":[' ..
  '"Acknowledged in en with the template \'ack\'; next contact: ' .. due_text .. '.","Offered a coupon of ' ..
  money(coupon) .. " " .. currency .. " (O1): " .. reason .. ', with its message in en.","Promised the customer ' ..
  "the next contact by " .. due_text .. ' (P1)."]}'

local qdescription = c.description and cjson.encode(c.description)
local qorder = '{"amount":' .. amount .. ',"currency":' .. qcurrency .. "}"
local case_json = '{"approvals":[],"category":' .. qcategory .. ',"channel":"' .. c.channel ..
  '","corrective_actions":[],"customer":{"id":' .. qcustomer .. '},"customer_state":"' .. state .. '",' ..
  (qdescription and '"description":' .. qdescription .. "," or "") ..
  '"details":{},"escalations":[],"events":1,"facts":{},"id":' .. qid .. ',"language":"' .. language ..
  '","offers":[{"amount":' .. coupon .. ',"at":' .. now_iso .. ',"currency":' .. qcurrency ..
  ',"id":"O1","kind":"coupon","reason":"' .. reason .. '","status":"offered"}],"opened_at":' .. now_iso .. ',"opened_ms":' .. now .. ',"order":' .. qorder ..
  ',"pack":{"name":"retail","version":"0.1.0"},"promises":[{"due_at":' .. due_iso .. ',"due_ms":' .. due ..
  ',"id":"P1","kind":"next_contact","made_at":' .. now_iso .. ',"made_in":"ack","status":"open"}],"severity":"' ..
  severity .. '","status":"acknowledged","tags":[],"tier":0,"timers":{"redress.promise":{"data":{"promise":"P1"},' ..
  '"due_at":' .. due_iso .. ',"due_ms":' .. due .. ',"set_at":' .. now_iso .. '}},"updated_at":' .. now_iso .. "}"
redis.call("SET", "case:" .. id, case_json)

-- the event, with who sent it (redress keeps a digest of the token)
local event_json = '{"actor":{"roles":"intake","token":"' .. redis.sha1hex(token):sub(1, 12) .. '"},"at":' ..
  now_iso .. ',"data":{"category":' .. qcategory .. ',"channel":"' .. c.channel ..
  '","customer":{"id":' .. qcustomer .. '},"customer_state":"' .. state .. '",' ..
  (qdescription and '"description":' .. qdescription .. "," or "") ..
  '"details":{},"language":"' .. language .. '","order":' .. qorder .. ',"severity":"' .. severity ..
  '"},"decided":{"actions":["acknowledge","offer"],"outcome":"decided","pack_version":"0.1.0"},"kind":"event",' ..
  '"seq":1,"type":"complaint.received"}'
redis.call("SET", "event:" .. id .. ":1", event_json)
redis.call("SET", "decision:" .. id .. ":1", decision_json)

-- the outbox: one row per action to deliver
local row_tail = ',"case_id":' .. qid .. ',"channel":"' .. c.channel .. '","created_at":' .. now_iso ..
  ',"language":"en","recipient":{"id":' .. qcustomer .. '},"type":"'
for _, a in ipairs({ { ack, "acknowledge" }, { offer, "offer" }, { message, "message" } }) do
  local seq = redis.call("INCR", "meta:next_outbox")
  redis.call("SET", "outbox:" .. seq, '{"seq":' .. seq .. ',"action":' .. a[1] .. row_tail .. a[2] .. '"}')
end

-- the promise's timer row, by due time, and its index
redis.call("ZADD", "timers", due, id .. ":redress.promise")
redis.call("SET", "timer:" .. id .. ":redress.promise", '{"case_id":' .. qid .. ',"data":{"promise":"P1"},"due_at":' ..
  due_iso .. ',"due_ms":' .. due .. ',"name":"redress.promise","set_at":' .. now_iso .. "}")

-- the customer's cases, and their running summary: read, add this case,
-- written back with its days in order
redis.call("SADD", "customer:" .. customer.id, id)
local summary_key = "summary:" .. customer.id
local raw = redis.call("GET", summary_key)
local summary = raw and cjson.decode(raw) or { days = {}, open = 0 }
local d = summary.days[tostring(day)] or { n = 0, c = {} }
d.n = d.n + 1
d.c[currency] = (d.c[currency] or 0) + coupon
summary.days[tostring(day)] = d
summary.open = summary.open + 1
local days = {}
for k in pairs(summary.days) do days[#days + 1] = k end
table.sort(days)
local parts = {}
for i, k in ipairs(days) do
  local v = summary.days[k]
  local codes = {}
  for code in pairs(v.c) do codes[#codes + 1] = code end
  table.sort(codes)
  local amounts = {}
  for j, code in ipairs(codes) do amounts[j] = '"' .. code .. '":' .. string.format("%d", v.c[code]) end
  parts[i] = '"' .. k .. '":{"c":{' .. table.concat(amounts, ",") .. '},"n":' .. string.format("%d", v.n) .. "}"
end
redis.call("SET", summary_key, '{"days":{' .. table.concat(parts, ",") .. '},"open":' ..
  string.format("%d", summary.open) .. "}")

-- the dashboard's rollups: the day's row, open cases, cases per pack version
local rollup = "rollup:" .. day
redis.call("HINCRBY", rollup, "complaints|retail", 1)
redis.call("HINCRBY", rollup, "comp:" .. currency .. ":coupon|retail", coupon)
redis.call("HINCRBY", "rollup_open", "acknowledged:0|retail", 1)
redis.call("HINCRBY", "rollup_pinned", "cases|retail@0.1.0", 1)
redis.call("HINCRBY", "rollup_pinned", "open|retail@0.1.0", 1)
return '{"case":' .. case_json .. ',"decision":' .. decision_json .. "}"
