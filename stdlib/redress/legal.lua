--- redress.legal: consumer-law windows per jurisdiction, as data with
-- citations (see shared LEGAL-SOURCES.md for sources and confidence).
--
--     local legal = require "redress.legal"
--     local r = legal.remedies(case)          -- at case.now, in the case's zone
--     for _, right in ipairs(r.owed) do
--       -- right.remedies = { "refund" }, right.until_at = "2026-12-04T23:59:59.999Z",
--       -- right.citation = "Directive 2011/83/EU art. 9", right.why = "…"
--     end
--     legal.minimum(case)                     -- the owed remedy kinds, e.g. { refund = true }
--     local mine = legal.new { overrides = { ["EU.guarantee"] = { years = 3 } }, rules = { … } }
--
-- Dates come from the order: delivered_at (possession), purchased_at (sale
-- or contract). Periods are counted in calendar days (the day of the event
-- does not count unless the rule says so) in the consumer's own time zone:
-- order.delivery_zone, else the zone of order.delivery_country or of a
-- country jurisdiction, else opts.zone (the pack's) — see
-- redress.legal_calendar. A period ends at the end of its last day; where
-- that day is not a working day, the EU (Reg. 1182/71 art. 3(4)), Russia
-- (ГК РФ ст. 193) and China (民法典 第二百零三条) end it on the next working
-- day of the consumer's country (entry.period_end says so; the UK does
-- not). What the complaint says about the sale lives in `order`:
--   sale = "distance" | "off_premises" | "in_store" | "door_to_door" | "telemarketing" | "temporary_location"
--   kind = "goods" | "services" | "digital";  informed_of_withdrawal = false;  written_return_terms = false
--   excluded = why the sale has no withdrawal/cancellation/no-reason right (any value
--     excludes): "made_to_order" | "perishable" | "digital_opened" | "newspaper" |
--     "sealed_hygiene" | "accommodation" | "passenger_transport" | "dated_leisure";  food = true
--   listed_goods = true (China "three guarantees");  failed_repairs = n;  failure = "major" | "minor"
-- and a fraud finding in case.facts.fraud = true.
local icu = require "rd.icu"
local time = require "redress.time"
local calendar = require "redress.calendar"
local money = require "redress.money"
local lc = require "redress.legal_calendar"

local M = {}

local DAY = 86400000
local EU = {}
for code in ("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS NO LI"):gmatch("%u%u") do
  EU[code] = true
end

-- Jurisdiction tests: a rule applies where one of its codes names the case's.
local function codes(...)
  local set = {}
  for _, c in ipairs { ... } do set[c] = true end
  return function(j) return set[j] == true end
end
local in_eu = function(j) return j == "EU" or EU[j] == true end

local DISTANCE = { distance = true, off_premises = true, door_to_door = true, telemarketing = true }

-- Local calendar day of ms in zone; and the last ms of day d.
local function day_of(zone, ms)
  return icu.day(zone, ms)
end
local function end_of(zone, d)
  local y, m, dd = calendar.civil_from_days(d + 1)
  return icu.to_ms(zone, y, m, dd) - 1
end
-- Day d plus n calendar months (the 31st becomes the month's last day).
local function add_months(zone, d, n)
  local _ = zone
  local y, m, dd = calendar.civil_from_days(d)
  m = m + n
  y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
  local next_y, next_m = m == 12 and y + 1 or y, m == 12 and 1 or m + 1
  local _, _, last_day = calendar.civil_from_days(calendar.days_from_civil(next_y, next_m, 1) - 1)
  return calendar.days_from_civil(y, m, math.min(dd, last_day))
end

local function when(case, field)
  local v = case.order and case.order[field]
  return v and time.parse(v) or nil
end

-- The local day of an order event (delivered_at, purchased_at…), or nil.
local function event_day(case, zone, field)
  local ev = when(case, field)
  return ev and day_of(zone, ev) or nil
end

--- The rules. Each: id, jurisdiction test, the right, what it needs, its
-- window (from which event, how long, counting), the remedies owed, the
-- citation, and validity dates. window returns (start_day, last_day) or nil.
-- Private: policies of every pack share this module, so they get copies
-- (legal.rule, legal.rule_ids), never the table itself.
local RULES = {
  { id = "EU.withdrawal", period_end = "EU", where = in_eu,
    right = "withdrawal", remedies = { "refund" },
    -- art. 3(3)(k) and art. 16: passenger transport, dated accommodation and
    -- leisure, made-to-order or perishable goods… (order.excluded) have none
    applies = function(c) return DISTANCE[c.order.sale] and c.order.kind ~= "digital" and c.order.excluded == nil end,
    window = function(c, z)
      local ev = c.order.kind == "services" and when(c, "purchased_at") or when(c, "delivered_at")
      if not ev then return nil end
      local d = day_of(z, ev)
      local last = d + 14
      if c.order.informed_of_withdrawal == false then last = add_months(z, last, 12) end
      return d, last
    end,
    why = "The consumer may withdraw from a distance or off-premises contract without giving a reason within 14 days of taking possession of the goods (of the contract, for services); when not informed of that right, the period is extended by 12 months.",
    citation = "Directive 2011/83/EU arts. 9–10", source = "eur-lex.europa.eu/eli/dir/2011/83/oj", confidence = "A/C",
    valid_from = "2014-06-13" },
  { id = "EU.guarantee", where = in_eu,
    right = "legal_guarantee", remedies = { "repair", "replacement" }, then_remedies = { "partial_refund", "refund" },
    years = 2,
    applies = function(c) return c.category == "defective" end,
    window = function(c, z, r)
      local d = event_day(c, z, "delivered_at")
      if not d then return nil end
      return d, add_months(z, d, 12 * r.years)
    end,
    why = "Goods that do not conform are repaired or replaced first (the consumer chooses unless impossible or disproportionate), then the price is reduced or the contract ended; the seller is liable for at least two years from delivery (member states may set longer).",
    citation = "Directive (EU) 2019/771 arts. 10, 13", source = "eur-lex.europa.eu/eli/dir/2019/771/oj", confidence = "C",
    valid_from = "2022-01-01" },
  { id = "UK.short_term_reject", where = codes("UK", "GB"),
    right = "short_term_right_to_reject", remedies = { "refund" },
    applies = function(c) return c.category == "defective" end,
    window = function(c, z)
      local d = event_day(c, z, "delivered_at")
      if not d then return nil end
      -- 30 days beginning with the day after delivery, paused while a repair
      -- or replacement is awaited, with at least 7 days left afterwards
      local last = d + 30 + (c.order.repair_days or 0)
      if (c.order.repair_days or 0) > 0 then
        local now_day = day_of(z, c.now)
        if last - now_day < 7 then last = now_day + 7 end
      end
      return d, last
    end,
    why = "Goods that are faulty may be rejected for a full refund within 30 days; time spent waiting for a repair or replacement does not count, and at least 7 days remain afterwards.",
    citation = "Consumer Rights Act 2015 s.22", source = "legislation.gov.uk/ukpga/2015/15/section/22", confidence = "A",
    valid_from = "2015-10-01" },
  { id = "UK.repair_replace", where = codes("UK", "GB"),
    right = "repair_or_replacement", remedies = { "repair", "replacement" },
    applies = function(c) return c.category == "defective" and (c.order.failed_repairs or 0) == 0 end,
    window = function(c, z)
      local d = event_day(c, z, "delivered_at")
      if not d then return nil end
      return d, add_months(z, d, 6) -- within 6 months the fault is presumed present at delivery
    end,
    why = "A fault that shows within 6 months of delivery is presumed to have been there at delivery: repair or replacement, then a price reduction or final rejection.",
    citation = "Consumer Rights Act 2015 ss.19(14)–(15), 23", source = "legislation.gov.uk/ukpga/2015/15/section/19", confidence = "C",
    valid_from = "2015-10-01" },
  { id = "UK.final_reject", where = codes("UK", "GB"),
    right = "final_right_to_reject", remedies = { "refund" },
    applies = function(c) return c.category == "defective" and (c.order.failed_repairs or 0) >= 1 end,
    window = function(c, z)
      local d = event_day(c, z, "delivered_at")
      if not d then return nil end
      return d, add_months(z, d, 72) -- the limitation period (6 years)
    end,
    why = "After one failed repair or replacement the consumer may reject the goods for a refund (less a deduction for use, none in the first 6 months).",
    citation = "Consumer Rights Act 2015 s.24", source = "legislation.gov.uk/ukpga/2015/15/section/24", confidence = "C",
    valid_from = "2015-10-01" },
  { id = "UK.cancellation", where = codes("UK", "GB"),
    right = "cancellation", remedies = { "refund" },
    -- Consumer Contracts Regulations 2013 reg. 28: the same exceptions
    applies = function(c) return DISTANCE[c.order.sale] and c.order.excluded == nil end,
    window = function(c, z)
      local ev = c.order.kind == "services" and when(c, "purchased_at") or when(c, "delivered_at")
      if not ev then return nil end
      local d = day_of(z, ev)
      local last = d + 14
      if c.order.informed_of_withdrawal == false then last = add_months(z, last, 12) end
      return d, last
    end,
    why = "A distance or off-premises contract may be cancelled within 14 days (12 months more when the consumer was not told of the right); the refund is due within 14 days.",
    citation = "Consumer Contracts Regulations 2013 regs 29–31, 34", source = "legislation.gov.uk/uksi/2013/3134", confidence = "A",
    valid_from = "2014-06-13" },
  { id = "CN.no_reason_return", period_end = "CN", where = codes("CN"),
    right = "no_reason_return", remedies = { "refund" },
    applies = function(c)
      return (c.order.sale == "distance" or c.order.sale == "telemarketing") and c.order.excluded == nil
    end,
    window = function(c, z)
      local d = event_day(c, z, "delivered_at")
      if not d then return nil end
      return d, d + 7
    end,
    why = "Goods bought online, by television, phone or mail order may be returned without a reason within 7 days of receipt (not made-to-order, perishable, opened digital goods, newspapers); the refund is due within 7 days of getting them back.",
    citation = "Consumer Rights Protection Law 2013 art. 25", source = "npc.gov.cn", confidence = "B",
    valid_from = "2014-03-15" },
  { id = "CN.three_guarantees_return", period_end = "CN", where = codes("CN"),
    right = "return_exchange_repair", remedies = { "refund", "replacement", "repair" },
    applies = function(c) return c.order.listed_goods and c.category == "defective" end,
    window = function(c, z)
      local d = event_day(c, z, "purchased_at")
      if not d then return nil end
      return d, d + 7
    end,
    why = "Listed goods with a defect: return, exchange or repair within 7 days of sale.",
    citation = "部分商品修理更换退货责任规定 arts. 9–11", source = "secondary only", confidence = "B",
    valid_from = "1995-08-25" },
  { id = "CN.three_guarantees_exchange", period_end = "CN", where = codes("CN"),
    right = "exchange_repair", remedies = { "replacement", "repair" },
    applies = function(c) return c.order.listed_goods and c.category == "defective" end,
    window = function(c, z)
      local d = event_day(c, z, "purchased_at")
      if not d then return nil end
      return d, d + 15
    end,
    why = "Listed goods with a defect: exchange or repair within 15 days of sale.",
    citation = "部分商品修理更换退货责任规定 arts. 9–11", source = "secondary only", confidence = "B",
    valid_from = "1995-08-25" },
  { id = "CN.fraud_damages", where = codes("CN"),
    right = "punitive_damages", remedies = { "refund" },
    applies = function(c) return c.facts and c.facts.fraud == true end,
    window = function(c, z) local d = day_of(z, c.now); return d, d end,
    amount = function(c)
      if not (c.order.amount and c.order.currency) then return nil end
      local price = money.new(c.order.amount, c.order.currency)
      local triple = price:times(3)
      if c.order.currency == "CNY" then triple = money.max(triple, money.new(50000, "CNY")) end
      return triple
    end,
    why = "Fraud by the business: the consumer may claim three times the price, at least CNY 500, on top of the refund.",
    citation = "Consumer Rights Protection Law 2013 art. 55", source = "npc.gov.cn", confidence = "B",
    valid_from = "2014-03-15" },
  { id = "RU.exchange", period_end = "RU", where = codes("RU"),
    right = "exchange_proper_quality", remedies = { "replacement" },
    applies = function(c) return c.category ~= "defective" and not c.order.food and c.order.sale ~= "distance" end,
    window = function(c, z)
      local d = event_day(c, z, "purchased_at")
      if not d then return nil end
      return d, d + 14 -- 14 days, not counting the day of purchase
    end,
    why = "Non-food goods of proper quality may be exchanged within 14 days, not counting the day of purchase; a refund within 3 days when no like item is available.",
    citation = "Закон РФ «О защите прав потребителей» ст. 25", source = "consultant.ru", confidence = "B",
    valid_from = "1992-04-07" },
  { id = "RU.distance_return", period_end = "RU", where = codes("RU"),
    right = "distance_return", remedies = { "refund" },
    applies = function(c) return c.order.sale == "distance" end,
    window = function(c, z)
      local d = event_day(c, z, "delivered_at")
      if not d then return nil end
      if c.order.written_return_terms == false then return d, add_months(z, d, 3) end
      return d, d + 7
    end,
    why = "Goods bought at a distance may be returned within 7 days of delivery, or 3 months when the return terms were not given in writing; the refund is due within 10 days.",
    citation = "Закон РФ «О защите прав потребителей» ст. 26.1 п. 4", source = "consultant.ru", confidence = "B",
    valid_from = "2007-12-25" },
  { id = "RU.refund_deadline", period_end = "RU", where = codes("RU"),
    right = "refund_demand_deadline", remedies = { "refund" },
    applies = function(c) return c.category == "defective" and c.wants == "refund" end,
    window = function(c, z) local d = day_of(z, c.opened_ms or c.now); return d, d + 10 end,
    why = "A demand for a refund or price reduction for a defect must be met within 10 days of the demand.",
    citation = "Закон РФ «О защите прав потребителей» ст. 22", source = "consultant.ru", confidence = "B",
    valid_from = "1992-04-07" },
  { id = "US.cooling_off", where = codes("US"),
    right = "cooling_off", remedies = { "refund" },
    applies = function(c)
      local a = c.order.amount
      if c.order.currency ~= "USD" or not a then return false end
      return (c.order.sale == "door_to_door" and a >= 2500) or (c.order.sale == "temporary_location" and a >= 13000)
    end,
    window = function(c, z)
      local ev = when(c, "purchased_at")
      if not ev then return nil end
      -- until midnight of the third business day: Saturday counts, Sundays
      -- and federal holidays do not
      local cal = calendar.new { zone = z, hours = { weekdays = { { "00:00", "24:00" } }, sat = { { "00:00", "24:00" } } },
        holidays = calendar.holidays("US") }
      local d, n = day_of(z, ev), 0
      local last = d
      while n < 3 do
        last = last + 1
        local y, m, dd = calendar.civil_from_days(last)
        if cal:is_business_day(icu.to_ms(z, y, m, dd, 12)) then n = n + 1 end
      end
      return d, last
    end,
    why = "A sale at the buyer's home (USD 25 or more) or at a temporary location (USD 130 or more) may be cancelled until midnight of the third business day after the sale; the refund is due within 10 days.",
    citation = "16 CFR 429 (FTC Cooling-Off Rule)", source = "ecfr.gov/current/title-16/part-429", confidence = "B",
    valid_from = "1974-06-07" },
  { id = "JP.cooling_off", where = codes("JP"),
    right = "cooling_off", remedies = { "refund" },
    applies = function(c) return c.order.sale == "door_to_door" or c.order.sale == "telemarketing" end,
    window = function(c, z)
      local ev = when(c, "document_received_at") or when(c, "purchased_at")
      if not ev then return nil end
      local d = day_of(z, ev)
      return d, d + 7 -- 8 days counting the day the document was received
    end,
    why = "Door-to-door and telemarketing sales may be cancelled unconditionally within 8 days of receiving the statutory document (mail order has no cooling-off).",
    citation = "特定商取引法 art. 9", source = "japaneselawtranslation.go.jp/en/laws/view/4302/en", confidence = "B",
    valid_from = "1976-12-03" },
  { id = "AU.major_failure", where = codes("AU"),
    right = "consumer_guarantee_major", remedies = { "refund", "replacement" },
    applies = function(c) return c.category == "defective" and c.order.failure == "major" end,
    window = function(c, z) local d = day_of(z, c.now); return d, d end, -- no fixed window ("reasonable")
    why = "A major failure: the consumer chooses a refund or a replacement. There is no fixed window; the goods must last a reasonable time.",
    citation = "Australian Consumer Law ss.259–262", source = "legislation.gov.au (CCA 2010 Sch. 2)", confidence = "B/C",
    valid_from = "2011-01-01" },
  { id = "AU.minor_failure", where = codes("AU"),
    right = "consumer_guarantee_minor", remedies = { "repair", "replacement", "refund" },
    applies = function(c) return c.category == "defective" and c.order.failure ~= "major" end,
    window = function(c, z) local d = day_of(z, c.now); return d, d end,
    why = "A minor failure: the supplier may choose to repair, replace or refund, within a reasonable time.",
    citation = "Australian Consumer Law ss.259–262", source = "legislation.gov.au (CCA 2010 Sch. 2)", confidence = "B/C",
    valid_from = "2011-01-01" },
}

local private_rules = setmetatable({}, { __mode = "k" })

-- A rule's lists go out as copies: the rules are shared by every pack.
local function copy_list(t)
  if t == nil then return nil end
  local c = {}
  for i = 1, #t do c[i] = t[i] end
  return c
end

local Law = {}
Law.__index = Law
Law.__newindex = function() error("a law is read-only", 2) end
Law.__metatable = false

--- legal.rule_ids() → the ids of the base rules, in order
function M.rule_ids()
  local ids = {}
  for i, r in ipairs(RULES) do ids[i] = r.id end
  return ids
end

--- legal.rule(id) → a copy of a base rule's description (id, right,
-- remedies, why, citation, source, confidence, valid_from), or nil
function M.rule(id)
  for _, r in ipairs(RULES) do
    if r.id == id then
      return { id = r.id, right = r.right, remedies = { table.unpack(r.remedies) }, why = r.why,
        citation = r.citation, source = r.source, confidence = r.confidence, valid_from = r.valid_from }
    end
  end
  return nil
end

--- legal.new{ rules = {…more…}, overrides = { [id] = { years = 3, … } }, remove = { id… } }
-- → a legal table of your own (the base rules stay as they are). A rule of
-- your own may say where its period ends: period_end = "EU" | "RU" | "CN"
-- (see redress.legal_calendar); without it, the last day stands.
function M.new(spec)
  spec = spec or {}
  local rules, removed = {}, {}
  for _, id in ipairs(spec.remove or {}) do removed[id] = true end
  for _, r in ipairs(RULES) do
    if not removed[r.id] then
      local o = spec.overrides and spec.overrides[r.id]
      if o then
        local c = {}
        for k, v in pairs(r) do c[k] = v end
        for k, v in pairs(o) do c[k] = v end
        r = c
      end
      rules[#rules + 1] = r
    end
  end
  for _, r in ipairs(spec.rules or {}) do
    if type(r.id) ~= "string" or type(r.window) ~= "function" or type(r.remedies) ~= "table" then
      error("legal.new: a rule needs id, window(case, zone) and remedies", 2)
    end
    rules[#rules + 1] = r
  end
  local law = setmetatable({}, Law)
  private_rules[law] = rules
  require("redress.sandbox").hold(law, spec.rules, spec.overrides)
  return law
end

-- When a rule is in force, as milliseconds (valid_from and valid_until
-- read once per rule and kept: remedies runs on every decision).
local bounds = setmetatable({}, { __mode = "k" })
local function in_force(r)
  local b = bounds[r]
  if not b or b.vf ~= r.valid_from or b.vu ~= r.valid_until then
    b = { vf = r.valid_from, vu = r.valid_until,
      from = r.valid_from and time.parse(r.valid_from) or 0,
      ["until"] = r.valid_until and time.parse(r.valid_until) or math.maxinteger }
    bounds[r] = b
  end
  return b.from, b["until"]
end

-- The base rules' `where`: pure functions of the jurisdiction, so which of
-- a law's rules they let through is worked out once per jurisdiction. A
-- rule whose `where` is a pack's own (a rule of its own, or an override of
-- `where`) is asked on every call, in its place in the order.
local base_where = {}
for _, r in ipairs(RULES) do base_where[r.where] = true end
local by_jurisdiction = setmetatable({}, { __mode = "k" }) -- law → { [j] = rules to look at }

-- The law's rules that a base `where` does not rule out in j.
local function let_through(law, j)
  local list = {}
  for _, r in ipairs(private_rules[law]) do
    if not base_where[r.where] or r.where(j) then list[#list + 1] = r end
  end
  return list
end

local function candidates(law, j)
  if type(j) ~= "string" then return let_through(law, j) end -- not a code: nothing to remember it by
  local seen = by_jurisdiction[law]
  if not seen or seen.n >= 64 then -- jurisdictions come from complaints: a bounded memo
    seen = { n = 0, lists = {} }
    by_jurisdiction[law] = seen
  end
  local list = seen.lists[j]
  if not list then
    list = let_through(law, j)
    seen.lists[j], seen.n = list, seen.n + 1
  end
  return list
end

--- law:remedies(case [, {now, zone}]) → { jurisdiction, zone, owed = {…}, expired = {…} }.
-- zone: the zone to count in when the consumer's own is unknown (the
-- pack's). Each entry: id, right, remedies, then_remedies, from_at,
-- until_at, days_left, amount (money, for damages), why, citation, source,
-- confidence, zone (the days were counted in), period_end (when the last
-- day moved off a day that is not a working day: from_at, the original
-- end; because, the days skipped; citation, source, confidence) and notes
-- (what the tables could not say, e.g. a year past a decree table).
function Law:remedies(case, opts)
  opts = opts or {}
  local now = opts.now or case.now
  if math.type(now) ~= "integer" then error("legal.remedies: the case has no `now` (pass { now = ms })", 2) end
  local zone, zone_note = lc.zone(case, opts.zone or case.timezone)
  local j = case.jurisdiction
  local out = { jurisdiction = j, zone = zone, owed = {}, expired = {} }
  if not j or not case.order then return out end
  local country = lc.country(case)
  local c = setmetatable({ now = now }, { __index = case })
  local today = day_of(zone, now)
  local rules = candidates(self, j)
  for i = 1, #rules do
    local r = rules[i]
    local from_ms, until_ms = in_force(r)
    if now >= from_ms and now <= until_ms and (base_where[r.where] or r.where(j)) and r.applies(c) then
      local first, last = r.window(c, zone, r)
      if first then
        local moved, notes
        if r.period_end then last, moved, notes = lc.period_end(r.period_end, country, last) end
        notes = notes or {}
        if zone_note then table.insert(notes, 1, zone_note) end
        local entry = { id = r.id, right = r.right, remedies = copy_list(r.remedies), then_remedies = copy_list(r.then_remedies),
          from_at = time.format(end_of(zone, first - 1) + 1), until_at = time.format(end_of(zone, last)),
          days_left = last - today, why = r.why, citation = r.citation, source = r.source, confidence = r.confidence,
          amount = r.amount and r.amount(c) or nil, zone = zone, notes = #notes > 0 and notes or nil,
          period_end = moved and { from_at = time.format(end_of(zone, moved.from)), because = moved.because,
            citation = moved.citation, source = moved.source, confidence = moved.confidence } or nil }
        if today <= last then out.owed[#out.owed + 1] = entry else out.expired[#out.expired + 1] = entry end
      end
    end
  end
  return out
end

--- law:minimum(case [, opts]) → set of remedy kinds owed now ({ refund = true })
function Law:minimum(case, opts)
  local set = {}
  for _, e in ipairs(self:remedies(case, opts).owed) do
    for _, k in ipairs(e.remedies) do set[k] = true end
  end
  return set
end

local default = M.new()
--- legal.remedies(case [, opts]) → law:remedies with the base rules
function M.remedies(case, opts) return default:remedies(case, opts) end
--- legal.minimum(case [, opts]) → law:minimum with the base rules
function M.minimum(case, opts) return default:minimum(case, opts) end

return M
