-- The peer for bench/peer_redis.sh: the retail pack's decision on a late
-- delivery and the same writes redress makes for it (case, event, decision,
-- three outbox rows, customer index, counters; the promise of the next
-- contact as a timer and its index row; the dashboard's day, open-cases and
-- pinned-version rollups; the customer's running summary, read and written
-- back), as one Redis EVAL (Redis runs Lua 5.1). KEYS: none (a benchmark on
-- one instance); ARGV[1]: a distinct customer id. tests/lua/fixture.lua's
-- write set of the same complaint lists what redress writes.
local customer = ARGV[1]
local amount, currency = 4999, "EUR"
local n = redis.call("INCR", "meta:next_case")
local id = string.format("C%010d", n)
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
-- the decision: 10% coupon, at least 5.00, at most 20.00, half-even
local q, r = math.floor(amount * 10 / 100), (amount * 10) % 100
if r * 2 > 100 or (r * 2 == 100 and q % 2 == 1) then q = q + 1 end
local coupon = math.max(500, math.min(2000, q))
local ack = "Dear valued customer, thank you for letting us know: your message helps us put things right. " ..
  "We are sorry for the trouble this has caused you. We have opened case " .. id .. " and started on it right away. " ..
  "If you have a photo, a receipt or an order number, please reply with it. We will contact you again within 2 business days."
local actions = {
  { type = "acknowledge", template = "ack", language = "en", text = ack, next_contact = "2 business days" },
  { type = "offer", id = "O1", kind = "coupon", amount = coupon, currency = currency, reason = "late delivery" },
  { type = "message", template = "offer_coupon", language = "en",
    text = string.format("As an apology, we are giving you a coupon worth €%d.%02d.", math.floor(coupon / 100), coupon % 100) },
}
local case = { id = id, status = "acknowledged", tier = 0, pack = { name = "retail", version = "0.1.0" },
  customer = { id = customer }, channel = "email", category = "late_delivery", description = "late parcel",
  order = { amount = amount, currency = currency }, opened_ms = now, events = 1,
  offers = { { id = "O1", kind = "coupon", amount = coupon, currency = currency, status = "offered" } } }
local decision = { kind = "decision", seq = 1, event = "complaint.received", outcome = "decided", actions = actions,
  explanation = { { code = "late_delivery", text = "The delivery was late: a coupon of 10% of the order." } } }
local event = { kind = "event", seq = 1, type = "complaint.received", data = { customer = { id = customer } } }
local case_json = cjson.encode(case)
redis.call("SET", "case:" .. id, case_json)
redis.call("SET", "event:" .. id .. ":1", cjson.encode(event))
local decision_json = cjson.encode(decision)
redis.call("SET", "decision:" .. id .. ":1", decision_json)
for _, a in ipairs(actions) do
  local seq = redis.call("INCR", "meta:next_outbox")
  redis.call("SET", "outbox:" .. seq, cjson.encode({ seq = seq, case_id = id, type = a.type, action = a }))
end
redis.call("SADD", "customer:" .. customer, id)
-- the promise: the next contact two business days on (a weekday walk, as
-- the pack's calendar makes it), a timer row by due time and its index
local day = math.floor(now / 86400000)
local due_day, left = day, 2
while left > 0 do
  due_day = due_day + 1
  local wd = (due_day + 3) % 7 -- 0 = Monday (1970-01-01 was a Thursday)
  if wd < 5 then left = left - 1 end
end
local due = due_day * 86400000 + now % 86400000
local timer = { case_id = id, name = "redress.promise", due_ms = due, data = { promise = "P1" } }
redis.call("ZADD", "timers", due, id .. ":redress.promise")
redis.call("SET", "timer:" .. id .. ":redress.promise", cjson.encode(timer))
-- the dashboard's rollups: the day's row, open cases, cases per pack version
local rollup = "rollup:" .. day
redis.call("HINCRBY", rollup, "complaints|retail", 1)
redis.call("HINCRBY", rollup, "comp:EUR:coupon|retail", coupon)
redis.call("HINCRBY", "rollup_open", "acknowledged:0|retail", 1)
redis.call("HINCRBY", "rollup_pinned", "cases|retail@0.1.0", 1)
redis.call("HINCRBY", "rollup_pinned", "open|retail@0.1.0", 1)
-- the customer's running summary: read, add this case, write back
local summary_key = "summary:" .. customer
local raw = redis.call("GET", summary_key)
local summary = raw and cjson.decode(raw) or { days = {}, open = 0 }
local d = summary.days[tostring(day)] or { n = 0, c = {} }
d.n = d.n + 1
d.c[currency] = (d.c[currency] or 0) + coupon
summary.days[tostring(day)] = d
summary.open = summary.open + 1
redis.call("SET", summary_key, cjson.encode(summary))
return '{"case":' .. case_json .. ',"decision":' .. decision_json .. '}'
