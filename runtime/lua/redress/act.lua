--- The `act` collector a handler receives: each method validates its
-- arguments at once (the error points at the policy's line) and records one
-- action. Policies return nothing; what they decide is what they collected.
local duration = require "redress.duration"
local time = require "redress.time"
local wording = require "redress.wording"
local phrases = require "redress.wording_phrases"
local money = require "redress.money"
local json = require "redress.json"
local currencies = require "redress.currencies"
local rd = require "rd"

local M = {}

--- What one decision may ask for: applying actions costs the engine time
-- outside the policy's budget, so their number and size are bounded.
M.MAX_ACTIONS = 500      -- act calls per decision
M.MAX_TAGS = 100         -- tags in one act:set
M.MAX_FACTS = 200        -- facts in one act:set
M.MAX_TEXT = 2000        -- bytes of an explanation
M.MAX_INTEGER = json.MAX_INTEGER
local MAX_TIME_MS = 253402300799999 -- 9999-12-31T23:59:59.999Z

-- A number the store keeps exactly: an integer within ±MAX_INTEGER, or a
-- finite float of the same magnitude.
local function storable(v)
  return v == v and v <= M.MAX_INTEGER and v >= -M.MAX_INTEGER
end

-- refund / partial_refund give back what was paid (never more: the engine
-- caps them at the order); compensation is money owed on top of the price
-- (EU261, punitive damages), credit goes on the customer's account or bill,
-- upgrade is a better product or room than the one booked.
M.OFFER_KINDS = {
  coupon = true, free_delivery = true, gift = true, free_service = true, upgrade = true,
  repair = true, replacement = true, partial_refund = true, refund = true,
  compensation = true, credit = true,
}
M.OFFER_KIND_LIST = "coupon, free_delivery, gift, free_service, upgrade, repair, replacement, partial_refund, refund, compensation, credit"
--- "12.50 EUR" from minor units (plain digits; wording formats money per locale).
function M.money_text(amount, currency)
  return currencies.decimal(amount, currency) .. " " .. currency
end

M.STATUSES = {
  received = true, acknowledged = true, investigating = true, awaiting_customer = true,
  resolved = true, follow_up = true, closed = true, rejected = true, reopened = true,
  manual_review = true,
}

-- Errors carry no position here; the public wrapper re-raises them at the
-- policy's line.
local function fail(action, field, msg)
  error(string.format("%s: %s %s", action, field, msg), 0)
end

-- Whether s is a word (letters, digits, _ . -): a timer's name, an
-- explanation's code. A decision names the same few again and again, and
-- the sandbox's budgeted matcher reads a pattern a character at a time, so
-- the answer per text is kept (redress.memo: bounded, dropped whole).
local function word(s) return s:match("^[%w_.%-]+$") ~= nil end
local word_memo = require("redress.memo").of(word)
local function is_word(s)
  if #s > 64 then return word(s) end -- long texts are not kept
  return word_memo(s)
end

-- Whether s is three capital letters, as an ISO 4217 code is (kept likewise).
local is_code3 = require("redress.memo").of(function(s) return s:match("^%u%u%u$") ~= nil end)

local function check_table(action, spec)
  if type(spec) ~= "table" then
    error(string.format("%s: expects a table of fields, got %s", action, type(spec)), 0)
  end
end

local function opt_string(action, spec, field, maxlen)
  local v = spec[field]
  if v ~= nil and (type(v) ~= "string" or (maxlen and #v > maxlen)) then
    fail(action, field, "must be a string" .. (maxlen and (" of at most " .. maxlen .. " bytes") or ""))
  end
  return v
end

--- The placeholders every template may use without declaring them.
M.STANDARD_VARS = { name = true, case_id = true, category = true, order_id = true, next_contact = true }

-- Formats a template through redress.wording (ICU: money, numbers, dates in
-- the locale's calendar, plurals; isolates in right-to-left text).
local charge = rd.charge
local function render(action, parts, vars, lang, zone)
  -- a long template is the pack's: its rendering is paid for by size, as
  -- under the count hook (the method may run without it)
  if #parts > 16 then charge(#parts * 10) end
  local ok, out = pcall(wording.render_parts, parts, vars, { lang = lang, zone = zone })
  if not ok then fail(action, "template", tostring(out)) end
  return out
end

-- v, checked to be data a timer may carry (strings, numbers, booleans and
-- tables of them, four levels deep) and copied: one walk does both.
local function data_copy(action, v, depth)
  local t = type(v)
  if t == "number" and not storable(v) then fail(action, "data", "numbers must lie within ±" .. M.MAX_INTEGER) end
  if t == "string" or t == "number" or t == "boolean" then return v end
  if t ~= "table" or depth > 4 then fail(action, "data", "must be a table of strings, numbers, booleans and tables") end
  local c = {}
  for k, x in pairs(v) do
    if type(k) ~= "string" and math.type(k) ~= "integer" then fail(action, "data", "keys must be strings or integers") end
    c[k] = data_copy(action, x, depth + 1)
  end
  return c
end

-- The methods below are made once, for every decision: a decision's own
-- state (its pack, case, clock and what it collected) is found from its
-- act object in `states`, which no policy can reach. Making a collector is
-- then one table and one object, not a closure per method.
local states = setmetatable({}, { __mode = "k" })
local impl = {}

local function language(st)
  local case, p = st.case, st.p
  local want = case.language or "en"
  if p.templates[want] then return want end
  local base = phrases.base(want)
  if base ~= "" and p.templates[base] then return base end
  return p.languages[1]
end

-- A promised time from what a policy wrote: milliseconds, an RFC 3339
-- time, or a duration from now ("2 business days" counts the pack
-- calendar's business time). A time on a day the business is closed
-- moves to the next opening. A promise is always a concrete time.
local function promised(st, action, field, v)
  local p, now_ms = st.p, st.now_ms
  local t
  if math.type(v) == "integer" then
    t = v
  elseif type(v) == "string" then
    t = time.parse(v)
    if not t then
      local d = duration.parse(v)
      if not d then
        fail(action, field, "must be a time or a duration such as \"2 business days\", got " .. string.format("%q", v))
      end
      if d.business and not p.calendar then fail(action, field, "is business time, and the pack has no calendar") end
      t = d.business and p.calendar:add(now_ms or 0, d) or (now_ms or 0) + (d.ms or 0)
    end
  else
    fail(action, field, "must be a time or a duration such as \"2 business days\"")
  end
  -- never on a day the business is closed: then the next opening
  if p.calendar and not p.calendar:is_business_day(t) then t = p.calendar:next_open(t) end
  return t
end

local function compose(st, action, spec)
  local case = st.case
  local c = spec.compose
  if c == true then c = {} end
  if type(c) ~= "table" then fail(action, "compose", "must be true or a table { ask, next_contact, signature }") end
  if c.signature ~= nil and type(c.signature) ~= "string" then fail(action, "compose.signature", "must be a string") end
  if c.ask ~= nil then
    if type(c.ask) ~= "table" then fail(action, "compose.ask", "must be a list of strings") end
    for _, k in ipairs(c.ask) do
      if type(k) ~= "string" then fail(action, "compose.ask", "must be a list of strings") end
    end
  end
  local lang = case.language or "en"
  local next_contact = c.next_contact ~= nil and promised(st, action, "compose.next_contact", c.next_contact) or nil
  local ok, text = pcall(wording.compose, case, { ask = c.ask, next_contact = next_contact, signature = c.signature },
    { lang = lang, zone = st.zone })
  if not ok then fail(action, "compose", tostring(text)) end
  return { type = action, template = "compose", language = lang, text = text,
    next_contact = next_contact and time.format(next_contact) or nil }
end

local function wording_action(st, action, spec)
  check_table(action, spec)
  if spec.compose ~= nil then return compose(st, action, spec) end
  local case, p = st.case, st.p
  local name = spec.template
  if type(name) ~= "string" then fail(action, "template", "must name a template") end
  local lang = language(st)
  local parts = p.compiled[lang][name]
  if not parts then fail(action, "template", "'" .. name .. "' is not in templates/" .. lang .. ".lua") end
  -- {name} falls back to the template "customer" ("valued customer").
  local due = spec.next_contact ~= nil and promised(st, action, "next_contact", spec.next_contact) or nil
  local vars = {
    name = case.customer and case.customer.name or p.templates[lang].customer or "",
    case_id = case.id, category = case.category,
    order_id = case.order and case.order.id or "",
    next_contact = due, -- the promised date, for {next_contact:date}
  }
  if spec.vars ~= nil then
    if type(spec.vars) ~= "table" then fail(action, "vars", "must be a table") end
    for k, v in pairs(spec.vars) do
      if type(k) ~= "string" or (type(v) ~= "string" and type(v) ~= "number" and not money.is(v)) then
        fail(action, "vars", "must map names to strings, numbers or money values")
      end
      vars[k] = v
    end
  end
  return { type = action, template = name, language = lang, text = render(action, parts, vars, lang, st.zone),
    next_contact = due and time.format(due) or nil }
end

--- act:acknowledge{template = "ack", vars = {…}, next_contact = "…"}
function impl.acknowledge(st, spec)
  local actions = st.actions
  actions[#actions + 1] = wording_action(st, "acknowledge", spec)
end

--- act:message{template = "…", vars = {…}}
function impl.message(st, spec)
  local actions = st.actions
  actions[#actions + 1] = wording_action(st, "message", spec)
end

-- Validates an offer spec; returns the offer with its id.
local function make_offer(st, action, prefix, spec)
  check_table(action, spec)
  if not M.OFFER_KINDS[spec.kind] then
    fail(action, prefix .. "kind", "must be one of " .. M.OFFER_KIND_LIST)
  end
  local amount = spec.amount or 0
  if math.type(amount) ~= "integer" or amount < 0 then
    fail(action, prefix .. "amount", "must be a non-negative integer in minor units (cents), got " .. tostring(spec.amount))
  end
  if amount > M.MAX_INTEGER then
    fail(action, prefix .. "amount", "must be at most " .. M.MAX_INTEGER .. " minor units, got " .. amount)
  end
  local case = st.case
  local currency = spec.currency or (case.order and case.order.currency) or st.p.currency
  -- kept and printed after the call: never anything but text
  if (currency ~= nil and type(currency) ~= "string") or (amount > 0 and (currency == nil or #currency ~= 3 or not is_code3(currency))) then
    fail(action, prefix .. "currency", "must be an ISO 4217 code such as EUR")
  end
  -- its announcement to the customer, rendered now: it goes out with the
  -- offer, or waits with it while a manager decides
  local message
  if spec.message ~= nil then
    local okm, m = pcall(wording_action, st, "message", spec.message)
    if not okm then error((tostring(m):gsub("^message: ", action .. ": " .. prefix .. "message.")), 0) end
    message = m
  end
  st.offers_made = st.offers_made + 1
  return { id = "O" .. (st.offers_before + st.offers_made), kind = spec.kind, amount = amount,
    currency = currency, reason = opt_string(action, spec, "reason", 500), code = opt_string(action, spec, "code", 64),
    message = message }
end
--- act:offer{kind = "coupon", amount = 500, currency = "EUR", reason = "…",
-- message = {template = "…", vars = {…}}} → the offer's id ("O1"). The
-- message announces the offer: it goes out with it, waits with it when it
-- is held for approval, and is replaced by a courteous one if it is denied.
function impl.offer(st, spec)
  local o = make_offer(st, "offer", "", spec)
  o.type = "offer"
  st.actions[#st.actions + 1] = o
  return o.id
end

--- act:request_approval{offer = {kind, amount, currency, reason, message}, reason = "…"}
-- → the offer's id: the offer (and its message) wait for a manager
-- (approval.granted / approval.denied).
function impl.request_approval(st, spec)
  check_table("request_approval", spec)
  local o = make_offer(st, "request_approval", "offer.", spec.offer)
  local reason = opt_string("request_approval", spec, "reason", 500)
  if not reason then fail("request_approval", "reason", "must say why a manager must sign off") end
  st.actions[#st.actions + 1] = { type = "request_approval", offer = o, reason = reason }
  return o.id
end

--- act:open_corrective_action{title = "…", cause = "…", owner = "…"}:
-- fix the cause so the complaint does not recur.
function impl.open_corrective_action(st, spec)
  check_table("open_corrective_action", spec)
  local title = opt_string("open_corrective_action", spec, "title", 200)
  if not title or title == "" then fail("open_corrective_action", "title", "must say what to fix") end
  st.actions[#st.actions + 1] = { type = "open_corrective_action", title = title,
    cause = opt_string("open_corrective_action", spec, "cause", 500),
    owner = opt_string("open_corrective_action", spec, "owner", 100) }
end

local function timer_name(action, spec)
  check_table(action, spec)
  local name = spec.name
  if type(name) ~= "string" or not is_word(name) or #name > 64 then
    fail(action, "name", "must be a word such as first_response_due (letters, digits, _ . -; at most 64)")
  end
  if name:sub(1, 8) == "redress." then fail(action, "name", "must not start with redress. (the engine's own timers)") end
  return name
end

--- act:timer{name = "…", after = "24h" | at = time, data = {…}}: a durable
-- timer; when due, on_timer(case, timer, act) runs with now = its due time.
-- Setting a name again moves that timer.
function impl.timer(st, spec)
  local name = timer_name("timer", spec)
  if (spec.after == nil) == (spec.at == nil) then fail("timer", "after", "or at must be given (one of them)") end
  local due
  if spec.after ~= nil then
    local d, err = duration.parse(spec.after)
    if not d then fail("timer", "after", err) end
    -- business time follows the pack's calendar (pack.lua `calendar`)
    due = d.business and st.p.calendar and st.p.calendar:add(st.now_ms or 0, d) or (st.now_ms or 0) + (d.ms or 0)
    if d.business and not st.p.calendar then fail("timer", "after", "is business time, and the pack has no calendar") end
  elseif math.type(spec.at) == "integer" then
    due = spec.at
  elseif type(spec.at) == "string" then
    local why
    due, why = time.parse(spec.at)
    if not due then fail("timer", "at", why) end
  else
    fail("timer", "at", "must be milliseconds or an RFC 3339 time")
  end
  if math.type(due) ~= "integer" or due < 0 or due > MAX_TIME_MS then
    fail("timer", spec.at ~= nil and "at" or "after", "must come to a time between 1970 and 9999")
  end
  local data = spec.data
  if data ~= nil then data = data_copy("timer", data, 1) end
  st.actions[#st.actions + 1] = { type = "timer", name = name, due_ms = due, due_at = time.format(due), data = data }
end

--- act:cancel_timer{name = "…"}
function impl.cancel_timer(st, spec)
  st.actions[#st.actions + 1] = { type = "cancel_timer", name = timer_name("cancel_timer", spec) }
end

--- act:escalate{tier = 2, team = "…", reason = "…"}
function impl.escalate(st, spec)
  check_table("escalate", spec)
  if math.type(spec.tier) ~= "integer" or spec.tier < 1 or spec.tier > 9 then
    fail("escalate", "tier", "must be an integer from 1 to 9")
  end
  st.actions[#st.actions + 1] = { type = "escalate", tier = spec.tier,
    team = opt_string("escalate", spec, "team", 100), reason = opt_string("escalate", spec, "reason", 500) }
end

--- act:set{status = "…", tags = {"…"}, facts = {key = value}}
function impl.set(st, spec)
  check_table("set", spec)
  if spec.status ~= nil and not M.STATUSES[spec.status] then
    fail("set", "status", "must be a case status, got " .. tostring(spec.status))
  end
  if spec.tags ~= nil then
    if type(spec.tags) ~= "table" then fail("set", "tags", "must be a list of strings") end
    for i, t in ipairs(spec.tags) do
      if type(t) ~= "string" then fail("set", "tags", "must be a list of strings") end
      if i > M.MAX_TAGS then fail("set", "tags", "must list at most " .. M.MAX_TAGS .. " tags") end
    end
  end
  local facts = spec.facts
  if facts ~= nil then
    if type(facts) ~= "table" then fail("set", "facts", "must be a table") end
    local copy, n = {}, 0
    for k, v in pairs(facts) do
      local tv = type(v)
      n = n + 1
      if n > M.MAX_FACTS then fail("set", "facts", "must hold at most " .. M.MAX_FACTS .. " facts") end
      if type(k) ~= "string" or (tv ~= "string" and tv ~= "number" and tv ~= "boolean") then
        fail("set", "facts", "must map names to strings, numbers or booleans")
      end
      if tv == "number" and not storable(v) then fail("set", "facts", k .. " must lie within ±" .. M.MAX_INTEGER) end
      copy[k] = v
    end
    facts = copy
  end
  local tags
  if spec.tags then tags = table.move(spec.tags, 1, #spec.tags, 1, {}) end
  st.actions[#st.actions + 1] = { type = "set", status = spec.status, tags = tags, facts = facts }
end

--- act:explain(code, text): a reason a business user can read.
function impl.explain(st, code, text)
  if type(code) ~= "string" or not is_word(code) then
    fail("explain", "code", "must be a word such as late_delivery")
  end
  if type(text) ~= "string" or #text > M.MAX_TEXT then
    fail("explain", "text", "must be a string of at most " .. M.MAX_TEXT .. " bytes")
  end
  st.explanation[#st.explanation + 1] = { code = code, text = text }
end

-- The metatables whose values a policy may pass in a spec: the stdlib's
-- money values (their metamethods are engine code).
local TRUSTED = { [debug.getmetatable(money.zero("EUR"))] = true }

-- Every method checks it is called on a collector (act:name, not
-- act.name), counts the call, and re-raises an error at the policy's line.
--
-- The methods are engine code, and most of a decision's steps inside the
-- sandbox (wording, dates, checks): they run without the count hook, which
-- stock Lua 5.4 calls on every VM instruction while it is set. That is safe
-- only while no policy code can run inside them: their arguments must be
-- plain data (rd.is_plain: no functions, no metatables but money's, looked
-- at with raw reads and charged to the policy by size), they read nothing
-- else of the policy's (the engine's own case; the pack's data, which must
-- be plain data to load), and what they keep of an argument they copy, so
-- the policy cannot change it afterwards. An argument that is not plain
-- data (a proxy, a function, a frozen table) takes the hooked path, as
-- before. Work that grows with the pack's data charges by size (rd.charge:
-- a long template, a calendar walked for years). The wrapper
-- that does all this is C (rd.act_method): a dozen calls a decision, and
-- its steps in Lua, under the hook, cost more than most methods do.
local methods = {}
for name, fn in pairs(impl) do
  methods[name] = rd.act_method(fn, name, states, TRUSTED, M.MAX_ACTIONS)
end
setmetatable(methods, { __index = function(_, k) error("act has no method '" .. tostring(k) .. "'", 2) end })

local ACT = {
  __index = methods,
  __newindex = function() error("act is read-only", 2) end,
  __metatable = false,
}

local Collector = {}
Collector.__index = Collector

--- collector:explain_auto(code, text): an explanation the engine adds.
function Collector:explain_auto(code, text)
  self.explanation[#self.explanation + 1] = { code = code, text = text }
end

--- collector:result() → the actions and explanations collected.
function Collector:result()
  return self.actions, self.explanation
end

--- A new collector for pack p deciding on case at now_ms (the event's
-- time): collector.act goes to the handler; collector:result() afterwards.
function M.new(p, case, now_ms)
  local st = setmetatable({
    -- the lists with room for four (a list grown from empty is re-made at
    -- its first, second and third entries)
    p = p, case = case, now_ms = now_ms, actions = { nil, nil, nil, nil }, explanation = { nil, nil, nil, nil },
    calls = 0, offers_made = 0,
    offers_before = (case.offers and #case.offers or 0) + (case.approvals and #case.approvals or 0),
    zone = p.calendar and p.calendar:zone() or "UTC",
  }, Collector)
  local act = setmetatable({}, ACT)
  states[act] = st
  st.act = act
  return st
end

return M
