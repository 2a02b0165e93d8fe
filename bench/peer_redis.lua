-- The peer for bench/peer_redis.sh: the retail pack's decision on a late
-- delivery and the same writes redress makes (case, event, decision, outbox
-- rows, customer index, counters), as one Redis EVAL (Redis runs Lua 5.1). KEYS: none (a
-- benchmark on one instance); ARGV[1]: a distinct customer id.
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
return '{"case":' .. case_json .. ',"decision":' .. decision_json .. '}'
