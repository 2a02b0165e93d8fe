-- The ecommerce-cn pack's specs: every branch of policy.lua and its modules,
-- through the real loader, sandbox and decision step (redress.testing), and
-- every fixture in examples/complaints/ecommerce-cn.
local T = require "redress.testing"
local json = require "redress.json"
local time = require "redress.time"
local lfs = require "lfs"

local root = os.getenv("REDRESS_ROOT") or "."
local DIR = os.getenv("REDRESS_PACK") or (root .. "/policies/ecommerce-cn")
local pack = T.pack(DIR)
local AT = "2026-11-20T10:00:00Z" -- a Friday, 18:00 in Shanghai

-- An order: purchased 12 Nov, delivered 17 Nov (Shanghai time), 899.00 CNY.
-- Fields set to false are left out.
local function order(over)
  local o = { id = "TB-1", amount = 89900, currency = "CNY",
    purchased_at = "2026-11-12T12:00:00+08:00", delivered_at = "2026-11-17T12:00:00+08:00" }
  for k, v in pairs(over or {}) do o[k] = v end
  for k, v in pairs(o) do if v == false then o[k] = nil end end
  return o
end

-- A Chinese customer's complaint in chat, under Chinese law.
local function complaint(over)
  local c = { customer = { id = "c-1", name = "王女士" }, channel = "chat", language = "zh",
    category = "no_reason_return", description = "想申请退货。", jurisdiction = "CN", order = order(), details = {} }
  for k, v in pairs(over or {}) do c[k] = v end
  return T.complaint(c)
end

local function run(over, at, p)
  return (p or pack):complaint(complaint(over), at or AT)
end

local function codes(r)
  local out = {}
  for _, e in ipairs(r.decision.explanation) do out[#out + 1] = e.code end
  return table.concat(out, " ")
end

local function message(r, template)
  for _, a in ipairs(r:actions("message")) do
    if a.template == template then return a end
  end
  -- a coupon's announcement rides on its offer (the offer's message)
  for _, o in ipairs(r:actions("offer")) do
    if o.message and o.message.template == template then return o.message end
  end
  return nil
end

local function approvals(r)
  local out = {}
  for _, a in ipairs(r:actions("request_approval")) do out[#out + 1] = { a.offer.kind, a.offer.amount } end
  return out
end

-- The customer's other cases, as the daemon's store would summarize them.
local function with_summary(summary, fn)
  pack:with_customer(summary)
  local ok, r = pcall(fn)
  pack:with_customer {}
  if not ok then error(r, 0) end
  return r
end

local function ms(s) return assert(time.parse(s)) end

describe("ecommerce-cn acknowledgement", function()
  it("acknowledges at once in all five languages, with the case and the next contact", function()
    local seen = {}
    for _, lang in ipairs { "zh", "en", "th", "fa", "ru" } do
      local r = run { language = lang }
      local ack = r:action("acknowledge")
      assert.equal(lang, ack.language)
      assert.equal("ack", ack.template)
      assert.matches("C0000000001", ack.text, 1, true)
      assert.equal("2026-11-21T10:00:00.000Z", ack.next_contact)  -- 24 hours on
      assert.is_nil(seen[ack.text])
      seen[ack.text] = true
    end
    assert.matches("2026年11月21日", run{}:action("acknowledge").text, 1, true)
    assert.matches("\u{2068}", run{ language = "fa" }:action("acknowledge").text, 1, true) -- isolated values in RTL
  end)

  it("answers in Chinese when the customer's language is not one of the five", function()
    assert.equal("zh", run{ language = "de" }:action("acknowledge").language)
  end)

  it("adapts to the customer's state and asks for a missing order number", function()
    local ack = run{ customer_state = "frustrated", order = order { id = false } }:action("acknowledge").text
    assert.matches("我们非常理解您现在的心情", ack, 1, true)
    assert.matches("订单号", ack, 1, true)
    assert.not_matches("订单号", run{}:action("acknowledge").text, 1, true)
  end)

  it("writes a short acknowledgement on social media", function()
    local ack = run{ channel = "social", language = "en" }:action("acknowledge")
    assert.equal("ack_social", ack.template)
    assert.matches("private message", ack.text, 1, true)
  end)
end)

describe("ecommerce-cn 7-day no-reason return (CRPL art. 25)", function()
  it("refunds on return inside the window; the buyer pays the return postage", function()
    local r = run{}
    assert.same({ "refund", 89900, "CNY" }, { r:offer().kind, r:offer().amount, r:offer().currency })
    assert.matches("art. 25", r:offer().reason, 1, true)
    local m = message(r, "no_reason_refund")
    assert.matches("运费由您承担", m.text, 1, true)
    assert.matches("2026年11月24日", m.text, 1, true)  -- 7 days after receipt on 17 Nov
    assert.truthy(r:explained("no_reason_refund"))
    assert.equal("running", r.case.facts["sla.resolution.state"])
    assert.is_nil(r.case.facts["sla.platform_response.state"]) -- answered at once: no person needed
    assert.equal("refund", run{ category = "return" }:offer().kind)
  end)

  it("lets the operator pay the return postage", function()
    local p = T.pack(DIR, { buyer_pays_return_shipping = false })
    local r = run({}, nil, p)
    assert.matches("退货运费由我们承担", message(r, "no_reason_refund").text, 1, true)
  end)

  it("counts the 7 days in Shanghai's calendar, as the engine checks them", function()
    -- received 01:00 on Mon 16 Nov in Shanghai (still 15 Nov in UTC): the last day is Mon 23 Nov, Shanghai time
    local c = { order = order { delivered_at = "2026-11-16T01:00:00+08:00" } }
    assert.equal("refund", run(c, "2026-11-23T15:00:00Z"):offer().kind)   -- 23:00 on 23 Nov in Shanghai
    local late = run(c, "2026-11-23T16:30:00Z")                            -- 00:30 on 24 Nov in Shanghai
    assert.is_nil(late:offer())
    assert.truthy(late:explained("no_reason_expired"))
  end)

  it("refuses the excluded goods with the reason, and points to the defect route", function()
    local names = { custom_made = "定制商品", fresh = "鲜活易腐商品", digital_download = "在线下载的数字化商品",
      newspaper_periodical = "报纸、期刊", confirmed_non_returnable = "您在购买时已确认不宜退货的商品" }
    for goods, words in pairs(names) do
      local r = run{ details = { goods_type = goods }, wants = "refund" }
      assert.is_nil(r:offer())
      assert.truthy(r:explained("no_reason_excluded"))
      local m = message(r, "no_reason_excluded").text
      assert.matches(words, m, 1, true)
      assert.matches("第二十五条", m, 1, true)
      assert.not_matches("legal.withheld", codes(r), 1, true)
    end
  end)

  it("excludes audio-video and software media only once unsealed", function()
    assert.equal("refund", run{ details = { goods_type = "audio_video_software", unsealed = false } }:offer().kind)
    local r = run{ details = { goods_type = "audio_video_software", unsealed = true } }
    assert.is_nil(r:offer())
    assert.matches("已拆封的音像制品", message(r, "no_reason_excluded").text, 1, true)
  end)

  it("sends used or incomplete goods to a person for inspection", function()
    local r = run{ details = { intact = false } }
    assert.is_nil(r:offer())
    assert.equal("investigating", r.case.status)
    assert.truthy(r:explained("no_reason_not_intact"))
    assert.equal("running", r.case.facts["sla.platform_response.state"])
    assert.equal("2026-11-22T10:00:00.000Z", r.case.timers["sla.platform_response.breach"].due_at) -- 48 calendar hours
  end)

  it("asks for the delivery date when the complaint has none, and waits", function()
    local r = run{ order = order { delivered_at = false } }
    assert.is_nil(r:offer())
    assert.equal("awaiting_customer", r.case.status)
    assert.truthy(message(r, "ask_delivery_date"))
    assert.truthy(r:explained("need_delivery_date"))
    assert.is_nil(r.case.facts["sla.resolution.state"])
  end)

  it("refuses a return after the window, with both dates", function()
    local r = run({}, "2026-11-25T10:00:00Z")
    assert.is_nil(r:offer())
    local m = message(r, "no_reason_expired").text
    assert.matches("2026年11月17日", m, 1, true)
    assert.matches("2026年11月24日", m, 1, true)
    assert.truthy(r:explained("no_reason_expired"))
  end)

  it("holds a large refund for a manager", function()
    local r = run{ order = order { amount = 350000 } }
    assert.is_nil(r:offer())
    assert.same({ { "refund", 350000 } }, approvals(r))
    assert.truthy(message(r, "refund_pending"))
    assert.truthy(r:explained("refund_needs_approval"))
    assert.equal("running", r.case.facts["sla.platform_response.state"])
  end)

  it("has a person confirm the amount when the order gives none", function()
    local r = run{ order = order { amount = false, currency = false } }
    assert.is_nil(r:offer())
    assert.truthy(r:explained("refund_amount_unknown"))
    assert.truthy(message(r, "review"))
  end)
end)

describe("ecommerce-cn defects (三包)", function()
  local bought = { purchased_at = "2026-11-16T12:00:00+08:00", delivered_at = "2026-11-18T12:00:00+08:00" }
  -- sold and delivered on one day, so the no-reason window is only 7 days from the sale
  local function sold(day, over)
    local o = order { purchased_at = day .. "T12:00:00+08:00", delivered_at = day .. "T20:00:00+08:00" }
    for k, v in pairs(over or {}) do o[k] = v end
    return o
  end

  it("within 7 days of sale: return (the default), exchange or repair, at the customer's choice", function()
    local r = run{ category = "defective", order = order(bought), details = { three_guarantees = true } }
    assert.same({ "refund", 89900 }, { r:offer().kind, r:offer().amount })
    assert.matches("往返运费由我们承担", message(r, "defect_refund").text, 1, true)
    assert.matches("2026年11月23日", message(r, "defect_window").text, 1, true)
    assert.truthy(r:explained("defect_within_7_days"))
    assert.matches("部分商品修理更换退货责任规定", r:offer().reason, 1, true)
    assert.equal("replacement", run{ category = "defective", order = order(bought), wants = "exchange" }:offer().kind)
    assert.equal("repair", run{ category = "defective", order = order(bought), wants = "repair" }:offer().kind)
  end)

  it("returns a defective item inside the no-reason window even after 7 days from sale", function()
    local r = run{ category = "defective", wants = "refund",
      order = order { purchased_at = "2026-11-05T12:00:00+08:00", delivered_at = "2026-11-15T12:00:00+08:00" } }
    assert.equal("refund", r:offer().kind)
    assert.truthy(r:explained("defect_within_7_days"))
    -- 7 days after receipt end on Sunday 22 Nov: 民法典 art. 203 moves the end to Monday
    assert.matches("2026年11月23日", message(r, "defect_window").text, 1, true)
  end)

  it("from day 8 to day 15: exchange or repair, never a refund", function()
    local r = run{ category = "defective", wants = "refund", order = sold("2026-11-12"), details = { three_guarantees = true } }
    assert.equal("replacement", r:offer().kind)
    assert.truthy(r:explained("defect_within_15_days"))
    assert.matches("2026年11月27日", message(r, "defect_window").text, 1, true)
    assert.equal("repair", run{ category = "defective", wants = "repair", order = sold("2026-11-12") }:offer().kind)
  end)

  it("inside the guarantee period: a free repair", function()
    local r = run{ category = "defective", wants = "refund", order = sold("2026-03-01") }
    assert.equal("repair", r:offer().kind)
    assert.truthy(r:explained("defect_in_warranty"))
    assert.matches("2027年3月1日", message(r, "defect_window").text, 1, true) -- 12 months by default
    assert.matches("shop policy", r:offer().reason, 1, true)              -- not on the 三包 list
  end)

  it("after two failed repairs: exchange (the default) or return", function()
    local c = { category = "defective", order = sold("2026-03-01"),
      details = { three_guarantees = true, failed_repairs = 2 } }
    local r = run(c)
    assert.equal("replacement", r:offer().kind)
    assert.truthy(r:explained("defect_repairs_failed"))
    c.wants = "refund"
    assert.same({ "refund", 89900 }, { run(c):offer().kind, run(c):offer().amount })
  end)

  it("after the guarantee period: nothing owed, a person offers a paid repair", function()
    for _, details in ipairs { { warranty_months = 6 }, { warranty_months = 6, failed_repairs = 3 } } do
      local r = run{ category = "defective", order = sold("2026-03-01"), details = details }
      assert.is_nil(r:offer())
      assert.equal("investigating", r.case.status)
      assert.truthy(r:explained("defect_out_of_warranty"))
      assert.matches("2026年9月1日", message(r, "out_of_warranty").text, 1, true)
    end
  end)

  it("sends goods outside the 三包 list to a person when the shop does not extend the windows", function()
    local p = T.pack(DIR, { guarantee_windows_for_all_goods = false })
    local r = run({ category = "defective", order = sold("2026-11-12") }, nil, p)
    assert.is_nil(r:offer())
    assert.truthy(r:explained("defect_not_covered"))
    local listed = run({ category = "defective", order = sold("2026-11-12"), details = { three_guarantees = true } }, nil, p)
    assert.equal("replacement", listed:offer().kind)
  end)

  it("asks for the date of sale when the complaint has none", function()
    local r = run{ category = "defective", order = order { purchased_at = false } }
    assert.is_nil(r:offer())
    assert.equal("awaiting_customer", r.case.status)
    assert.truthy(message(r, "ask_purchase_date"))
    assert.truthy(r:explained("need_purchase_date"))
  end)
end)

describe("ecommerce-cn late and lost parcels", function()
  local function late(o, details, over)
    local c = { category = "late_delivery", order = order(o), details = details }
    for k, v in pairs(over or {}) do c[k] = v end
    return c
  end
  local on_its_way = { delivered_at = false }

  it("has a person check the tracking when no delivery time was promised", function()
    local r = run(late(on_its_way, {}))
    assert.is_nil(r:offer())
    assert.truthy(r:explained("late_check_tracking"))
    assert.equal("running", r.case.facts["sla.platform_response.state"])
  end)

  it("owes nothing for a parcel delivered before the promised time", function()
    local r = run(late({ delivered_at = "2026-11-15T10:00:00+08:00" }, { promised_by = "2026-11-15T23:59:00+08:00" }))
    assert.is_nil(r:offer())
    assert.truthy(r:explained("late_on_time"))
    assert.matches("2026年11月15日", message(r, "late_on_time").text, 1, true)
  end)

  it("before the promised time: chases the courier, and compensates unasked once it passes", function()
    local r = run(late(on_its_way, { promised_by = "2026-11-22T23:59:00+08:00" }))
    assert.is_nil(r:offer())
    assert.truthy(r:explained("late_not_yet"))
    assert.equal("2026-11-23T03:59:00.000Z", r.case.timers.delivery_check.due_at) -- 12 hours of grace
    local f = pack:fire(r, "delivery_check")
    assert.same({ "coupon", 3000 }, { f:offer().kind, f:offer().amount })     -- 5 % of 899.00, at most 30.00
    assert.truthy(f:explained("late_after_promise"))
    assert.truthy(f:explained("late_coupon"))
  end)

  it("gives a coupon of 5 % of the price for a late parcel, between 5.00 and 30.00", function()
    local arrived = { delivered_at = "2026-11-18T12:00:00+08:00" }
    local promise = { promised_by = "2026-11-15T23:59:00+08:00" }
    local amounts = {}
    for _, price in ipairs { 5900, 45900, 89900 } do
      arrived.amount = price
      local r = run(late(arrived, promise))
      amounts[#amounts + 1] = r:offer().amount
      assert.equal("coupon", r:offer().kind)
      assert.truthy(r:explained("late_coupon"))
    end
    assert.same({ 500, 2295, 3000 }, amounts)
    arrived.amount, arrived.currency = false, false
    assert.equal(500, run(late(arrived, promise)):offer().amount)
    local r = run(late({ delivered_at = "2026-11-18T12:00:00+08:00" }, promise, { language = "ru" }))
    assert.matches("задержалась на 3 дня", message(r, "late_coupon").text, 1, true)
  end)

  it("follows the operator's platform rule", function()
    local p = T.pack(DIR, { late_coupon_percent = 10, late_coupon_max = 10000 })
    local r = run(late({ delivered_at = "2026-11-18T12:00:00+08:00" }, { promised_by = "2026-11-15T23:59:00+08:00" }), nil, p)
    assert.equal(8990, r:offer().amount)
  end)

  it("offers to cancel for a full refund a week after a broken promise", function()
    local r = run(late(on_its_way, { promised_by = "2026-11-13T18:00:00+08:00" }))  -- 7 days to the minute
    assert.same({ "refund", 89900 }, { r:offer().kind, r:offer().amount })
    assert.truthy(r:explained("late_refund_offered"))
    assert.matches("7天", message(r, "late_refund").text, 1, true)
    local coupon = run(late(on_its_way, { promised_by = "2026-11-14T23:59:00+08:00" }))  -- 6 days: not yet
    assert.equal("coupon", coupon:offer().kind)
  end)

  it("refunds a lost parcel, or sends it again when the customer wants the goods", function()
    local r = run{ category = "missing", order = order { delivered_at = false } }
    assert.same({ "refund", 89900 }, { r:offer().kind, r:offer().amount })
    assert.truthy(r:explained("missing_refund"))
    r = run{ category = "missing", wants = "replacement", order = order { delivered_at = false } }
    assert.equal("replacement", r:offer().kind)
    assert.truthy(message(r, "missing_resend"))
    assert.truthy(r:explained("missing_resend"))
  end)

  it("replaces a wrong item or refunds it, and opens a corrective action for the warehouse", function()
    local r = run{ category = "wrong_item" }
    assert.equal("replacement", r:offer().kind)
    assert.truthy(r:explained("wrong_item"))
    assert.equal("warehouse", r:action("open_corrective_action").owner)
    r = run{ category = "wrong_item", wants = "refund" }
    assert.same({ "refund", 89900 }, { r:offer().kind, r:offer().amount })
    assert.truthy(r:explained("wrong_item_refund"))
  end)
end)

describe("ecommerce-cn fraud claims (CRPL art. 55)", function()
  it("records damages of at least 500 CNY, holds them for the legal team, and refunds inside the window", function()
    local r = run{ category = "counterfeit", order = order { amount = 12900 } }
    assert.equal(50000, r.case.facts["punitive_damages.amount"])
    assert.equal("CNY", r.case.facts["punitive_damages.currency"])
    assert.matches("art. 55", r.case.facts["punitive_damages.basis"], 1, true)
    assert.same({ { "compensation", 50000 } }, approvals(r))
    for _, o in ipairs(r:actions("offer")) do assert.not_equal("compensation", o.kind) end  -- never paid automatically
    assert.same({ "refund", 12900 }, { r:offer().kind, r:offer().amount })
    assert.truthy(r:explained("fraud_suspected"))
    assert.truthy(r:explained("fraud_refund_now"))
    assert.same({ 3, "legal" }, { r:action("escalate").tier, r:action("escalate").team })
    assert.is_true(r.case.facts.fraud_suspected)
    assert.is_nil(r.case.facts.fraud)  -- a claim, not a finding
    assert.matches("假冒商品", message(r, "fraud_review").text, 1, true)
  end)

  it("computes three times the price, and holds the refund too outside the no-reason window", function()
    local r = run{ category = "defective", wants = "refund",
      order = order { amount = 300000, purchased_at = "2026-10-01T12:00:00+08:00", delivered_at = "2026-10-03T12:00:00+08:00" },
      details = { misrepresented = true, fraud_kind = "refurbished_as_new" } }
    assert.same({ { "compensation", 900000 }, { "refund", 300000 } }, approvals(r))
    assert.is_nil(r:offer())
    assert.truthy(r:explained("fraud_refund_held"))
    assert.equal("listing-compliance", r:action("open_corrective_action").owner)
    assert.matches("翻新", message(r, "fraud_review").text, 1, true)
  end)

  it("cannot compute the damages without an order amount, and leaves them to the legal team", function()
    local r = run{ category = "false_advertising", order = order { amount = false, currency = false } }
    assert.same({}, approvals(r))
    assert.is_nil(r.case.facts["punitive_damages.amount"])
    assert.truthy(r:explained("fraud_amount_unknown"))
    assert.equal("false_advertising", r.case.facts.fraud_kind)
  end)

  it("calls an unspecified misrepresentation by its name", function()
    local r = run{ category = "other", details = { misrepresented = true } }
    assert.matches("商品与描述不符", message(r, "fraud_review").text, 1, true)
    assert.equal("other", r.case.facts.fraud_kind)
  end)
end)

describe("ecommerce-cn routing", function()
  it("leaves a sale under another law to a person", function()
    local r = run{ jurisdiction = "HK" }
    assert.is_nil(r:offer())
    assert.equal("investigating", r.case.status)
    assert.truthy(r:explained("foreign_jurisdiction"))
  end)

  it("investigates a category without a standard remedy", function()
    local r = run{ category = "rude_staff" }
    assert.is_nil(r:offer())
    assert.truthy(r:explained("investigate"))
    assert.truthy(message(r, "review"))
  end)

  it("decides a complaint without a jurisdiction under Chinese law", function()
    assert.equal("refund", run{ jurisdiction = false }:offer().kind)
  end)
end)

describe("ecommerce-cn escalation", function()
  it("does not escalate a calm private complaint", function()
    assert.is_nil(run{}:action("escalate"))
  end)

  it("sends a public complaint to the shop manager", function()
    local r = run{ channel = "social" }
    assert.same({ 2, "shop-manager" }, { r:action("escalate").tier, r:action("escalate").team })
    assert.truthy(r:explained("public_channel"))
  end)

  it("sends a regulator complaint (12315) to the legal team", function()
    local r = run{ details = { regulator_contacted = true } }
    assert.same({ 3, "legal" }, { r:action("escalate").tier, r:action("escalate").team })
    assert.truthy(r:explained("regulator_involved"))
    assert.same({ "regulator" }, r.case.tags)
    r = run{ description = "再不退款我就去12315投诉你们！" }
    assert.equal(3, r:action("escalate").tier)
    r = run{ description = "我已经向市场监管局反映了。" }
    assert.truthy(r:explained("regulator_involved"))
  end)

  it("lets the operator turn off reading the customer's words for regulators", function()
    local p = T.pack(DIR, { detect_regulator_mentions = false })
    local r = run({ description = "再不退款我就去12315投诉你们！" }, nil, p)
    assert.is_nil(r:action("escalate"))
    assert.is_false(r:explained("regulator_involved"))
  end)

  it("sends a repeat complainer to the shop manager and flags a chronic one", function()
    local r = with_summary({ complaints_30d = 1, complaints_90d = 2, complaints_365d = 2, open_cases = 0, compensation_365d = {} },
      function() return run{} end)
    assert.same({ 2, "shop-manager" }, { r:action("escalate").tier, r:action("escalate").team })
    assert.truthy(r:explained("repeat_complainer"))
    r = with_summary({ complaints_30d = 0, complaints_90d = 0, complaints_365d = 5, open_cases = 0, compensation_365d = {} },
      function() return run{} end)
    assert.truthy(r:explained("chronic_complainer"))
    assert.same({ "chronic-complainer" }, r.case.tags)
    assert.equal("refund", r:offer().kind)  -- flagged, never refused
    assert.is_false(r:explained("repeat_complainer"))
  end)

  it("counts repeat complaints over the operator's window", function()
    local summary = { complaints_30d = 0, complaints_90d = 0, complaints_365d = 2, open_cases = 0, compensation_365d = {} }
    local p365 = T.pack(DIR, { repeat_within_days = 365 }):with_customer(summary)
    assert.truthy(run({}, nil, p365):explained("repeat_complainer"))
    local p30 = T.pack(DIR, { repeat_within_days = 30 }):with_customer(summary)
    assert.is_false(run({}, nil, p30):explained("repeat_complainer"))
  end)

  it("escalates by severity", function()
    local r = run{ severity = "high" }
    assert.same({ 1, "senior-agents" }, { r:action("escalate").tier, r:action("escalate").team })
    assert.truthy(r:explained("severe"))
    assert.equal(2, run{ severity = "critical" }:action("escalate").tier)
  end)

  it("gives a very upset customer the senior agent the acknowledgement promised", function()
    local r = run{ customer_state = "aggressive" }
    assert.same({ 1, "senior-agents" }, { r:action("escalate").tier, r:action("escalate").team })
    assert.truthy(r:explained("aggressive_customer"))
    assert.matches("资深客服", r:action("acknowledge").text, 1, true)
    r = run{ customer_state = "aggressive", channel = "social" }
    assert.equal(1, #r:actions("escalate"))
    assert.equal(2, r:action("escalate").tier)
  end)
end)

describe("ecommerce-cn events", function()
  local later = "2026-11-21T02:00:00Z"

  it("starts the clocks when the customer sends what was missing", function()
    local r = run{ order = order { delivered_at = false } }
    local r2 = pack:event(r, "customer.replied", { message = "11月18日签收的。" }, later)
    assert.truthy(message(r2, "reply_ack"))
    assert.truthy(r2:explained("customer_replied"))
    assert.equal("running", r2.case.facts["sla.resolution.state"])
    assert.equal("running", r2.case.facts["sla.platform_response.state"])
    local r3 = pack:event(r2, "customer.replied", { message = "请尽快。" }, later)
    assert.equal(r2.case.facts["sla.resolution.started"], r3.case.facts["sla.resolution.started"]) -- not restarted
  end)

  it("stops the platform clock when an agent answers", function()
    local r = run{ category = "rude_staff" }
    local r2 = pack:event(r, "agent.note", { note = "called the customer" }, later)
    assert.truthy(r2:explained("first_response_given"))
    assert.equal("met", r2.case.facts["sla.platform_response.state"])
    assert.is_nil(r2.case.timers["sla.platform_response.breach"])
    local r3 = pack:event(r2, "agent.note", { note = "sent photos to QA" }, later)
    assert.truthy(r3:explained("note_recorded"))
  end)

  it("rejects an unjustified complaint politely and confirms a justified one", function()
    local r = run{ category = "rude_staff" }
    local no = pack:event(r, "investigation.concluded", { justified = false }, later)
    assert.equal("rejected", no.case.status)
    assert.truthy(message(no, "unjustified"))
    assert.truthy(no:explained("unjustified"))
    assert.equal("met", no.case.facts["sla.resolution.state"])
    local yes = pack:event(r, "investigation.concluded", { justified = true, fault = "company" }, later)
    assert.equal("investigating", yes.case.status)
    assert.truthy(yes:explained("justified"))
    assert.is_nil(yes.case.facts.fraud)
  end)

  it("records a confirmed fraud as a finding, so the damages are owed", function()
    local r = run{ category = "counterfeit", order = order { amount = 12900 } }
    local r2 = pack:event(r, "investigation.concluded", { justified = true, fault = "company", findings = "fake" }, later)
    assert.is_true(r2.case.facts.fraud)
    assert.truthy(r2:explained("fraud_confirmed"))
    assert.same({ "fraud-claim", "fraud-confirmed" }, r2.case.tags)
    local granted = pack:event(r2, "approval.granted", { approval_id = "A1" }, later)
    assert.truthy(granted:explained("approval_granted"))
    assert.truthy(message(granted, "approval_granted"))
    local last = granted.case.offers[#granted.case.offers]
    assert.same({ "compensation", 50000 }, { last.kind, last.amount })
  end)

  it("tells the customer when a held offer is refused", function()
    local r = run{ order = order { amount = 350000 } }
    local r2 = pack:event(r, "approval.denied", {}, later)
    assert.truthy(message(r2, "approval_denied"))
    assert.truthy(r2:explained("approval_denied"))
    assert.equal("met", r2.case.facts["sla.platform_response.state"])
  end)

  it("resolves on an accepted offer, stops the clocks and follows up, then closes on silence", function()
    local r = run{}
    local r2 = pack:event(r, "offer.accepted", { offer_id = r:offer().id }, later)
    assert.equal("resolved", r2.case.status)
    assert.truthy(r2:explained("offer_accepted"))
    assert.equal("met", r2.case.facts["sla.resolution.state"])
    assert.equal("2026-11-24T02:00:00.000Z", r2.case.timers.follow_up.due_at)  -- 3 days on
    local f = pack:fire(r2, "follow_up")
    assert.equal("follow_up", f.case.status)
    assert.truthy(message(f, "follow_up"))
    assert.truthy(f:explained("follow_up"))
    local c = pack:fire(f, "close_if_silent")
    assert.equal("closed", c.case.status)
    assert.truthy(message(c, "closing"))
    assert.truthy(c:explained("closed_no_answer"))
  end)

  it("cancels the delivery check once the case is resolved", function()
    local r = run{ category = "late_delivery", order = order { delivered_at = false }, details = { promised_by = "2026-11-22T23:59:00+08:00" } }
    local r2 = pack:event(r, "case.resolved", { resolution = "delivered" }, later)
    assert.is_nil(r2.case.timers.delivery_check)
    assert.truthy(r2:explained("resolved"))
    assert.truthy(r2.case.timers.follow_up)
  end)

  it("escalates a declined offer to a senior agent, with the platform clock running", function()
    local r = run{}
    local r2 = pack:event(r, "offer.declined", { offer_id = r:offer().id }, later)
    assert.same({ 1, "senior-agents" }, { r2:action("escalate").tier, r2:action("escalate").team })
    assert.equal("investigating", r2.case.status)
    assert.truthy(r2:explained("offer_declined"))
    assert.equal("running", r2.case.facts["sla.platform_response.state"])
    local public = run{ channel = "social" }
    assert.equal(2, pack:event(public, "offer.declined", { offer_id = public:offer().id }, later):action("escalate").tier)
  end)

  it("closes on a good score and escalates a bad one with a corrective action", function()
    local r = pack:event(run{}, "case.resolved", {}, later)
    local f = pack:fire(r, "follow_up")
    local good = pack:event(f, "satisfaction.reported", { score = 5 }, later)
    assert.equal("closed", good.case.status)
    assert.truthy(message(good, "thanks_feedback"))
    assert.truthy(good:explained("satisfied"))
    assert.is_nil(good.case.timers.close_if_silent)
    local bad = pack:event(r, "satisfaction.reported", { score = 1 }, later)
    assert.same({ 2, "shop-manager" }, { bad:action("escalate").tier, bad:action("escalate").team })
    assert.truthy(bad:action("open_corrective_action"))
    assert.truthy(message(bad, "sorry_feedback"))
    assert.truthy(bad:explained("unsatisfied"))
    assert.is_nil(bad.case.timers.follow_up)
  end)

  it("re-acknowledges a reopened case, pages the manager and restarts the clocks", function()
    local r = pack:event(run{}, "case.resolved", {}, later)
    local r2 = pack:event(r, "case.reopened", { reason = "the refund never arrived" }, "2026-11-23T02:00:00Z")
    assert.equal("ack_reopened", r2:action("acknowledge").template)
    assert.equal("acknowledged", r2.case.status)
    assert.same({ 2, "shop-manager" }, { r2:action("escalate").tier, r2:action("escalate").team })
    assert.matches("the refund never arrived", r2:action("escalate").reason, 1, true)
    assert.equal("running", r2.case.facts["sla.resolution.state"])
    assert.equal("running", r2.case.facts["sla.platform_response.state"])
    assert.truthy(r2:explained("reopened"))
    local legal = pack:event(pack:event(run{ details = { regulator_contacted = true } }, "case.resolved", {}, later), "case.reopened", {}, later)
    assert.same({ 3, "legal" }, { legal:action("escalate").tier, legal:action("escalate").team })  -- never down the ladder
  end)
end)

describe("ecommerce-cn timers", function()
  it("warns at 80 % of the platform's 48 hours and hands the case to the manager when they pass", function()
    local r = run{ category = "rude_staff" }
    assert.equal("2026-11-22T00:24:00.000Z", r.case.timers["sla.platform_response.warn"].due_at)  -- 38.4 hours on
    local w = pack:fire(r, "sla.platform_response.warn")
    assert.truthy(w:explained("sla_warning"))
    assert.same({ "sla-warning:platform_response" }, w.case.tags)
    local b = pack:fire(w, "sla.platform_response.breach")
    assert.truthy(b:explained("platform_deadline_missed"))
    assert.truthy(message(b, "sorry_delay"))
    assert.same({ 2, "shop-manager" }, { b:action("escalate").tier, b:action("escalate").team })
    assert.equal("breached", b.case.facts["sla.platform_response.state"])
  end)

  it("counts the platform deadline in business time when the operator says so", function()
    local p = T.pack(DIR, { platform_response = "2 business days" })
    local eve = "2026-12-31T10:00:00Z"  -- 18:00 on New Year's Eve in Shanghai
    local r = run({ category = "rude_staff" }, eve, p)
    assert.equal("2027-01-03T10:00:00.000Z", r.case.timers["sla.platform_response.breach"].due_at) -- 元旦 does not count
    r = run({ category = "rude_staff" }, eve)
    assert.equal("2027-01-02T10:00:00.000Z", r.case.timers["sla.platform_response.breach"].due_at) -- 48 hours do
  end)

  it("hands an overdue case to the manager after 5 business days", function()
    local r = run{}
    assert.equal("2026-11-25T10:00:00.000Z", r.case.timers["sla.resolution.breach"].due_at)  -- Wed 18:00 in Shanghai
    local b = pack:fire(r, "sla.resolution.breach")
    assert.truthy(b:explained("resolution_overdue"))
    assert.equal(2, b:action("escalate").tier)
    local legal = pack:fire(run{ details = { regulator_contacted = true } }, "sla.resolution.breach")
    assert.same({ 3, "legal" }, { legal:action("escalate").tier, legal:action("escalate").team })
  end)
end)

describe("ecommerce-cn fixtures", function()
  -- What each fixture in examples/complaints/ecommerce-cn must be decided as.
  local EXPECT = {
    ["no-reason-return-zh.json"] = { lang = "zh", code = "no_reason_refund", offer = { "refund", 89900 }, tier = 0 },
    ["defect-exchange-en.json"] = { lang = "en", code = "defect_within_15_days", offer = { "replacement", 0 }, tier = 0 },
    ["counterfeit-ru.json"] = { lang = "ru", code = "fraud_suspected", offer = { "refund", 12900 },
      approvals = { { "compensation", 50000 } }, tier = 3 },
    ["late-delivery-th.json"] = { lang = "th", code = "late_coupon", offer = { "coupon", 2295 }, tier = 0 },
    ["custom-made-fa.json"] = { lang = "fa", code = "no_reason_excluded", tier = 2 },
    ["lost-parcel-12315-zh.json"] = { lang = "zh", code = "regulator_involved", approvals = { { "refund", 259900 } }, tier = 3 },
  }

  it("decides every fixture as expected", function()
    local folder = root .. "/examples/complaints/ecommerce-cn"
    local seen = 0
    for file in lfs.dir(folder) do
      if file:match("%.json$") then
        local want = EXPECT[file]
        assert(want, file .. ": a fixture without an expectation in this spec")
        local f = assert(io.open(folder .. "/" .. file))
        local body = json.decode(f:read("a"))
        f:close()
        local r = pack:complaint(body, AT)
        assert.equal("decided", r.decision.outcome, file)
        assert.equal(want.lang, r:action("acknowledge").language, file)
        assert.is_true(r:explained(want.code), file .. ": " .. codes(r))
        local o = r:offer()
        assert.same(want.offer, o and { o.kind, o.amount } or nil, file)
        assert.same(want.approvals or {}, approvals(r), file)
        assert.equal(want.tier, r.case.tier, file)
        assert.is_false(r:explained("legal.withheld"), file)
        seen = seen + 1
      end
    end
    local expected = 0
    for _ in pairs(EXPECT) do expected = expected + 1 end
    assert.equal(expected, seen)
  end)
end)

describe("ecommerce-cn: engine budgets", function()
  it("holds a late coupon's announcement with the coupon (config budgets)", function()
    local r = run({ category = "late_delivery", order = order { delivered_at = "2026-11-18T12:00:00+08:00" },
      details = { promised_by = "2026-11-15T23:59:00+08:00" } }, nil, T.pack(DIR):with_budgets { per_case = { CNY = 100 } })
    assert.is_true(r:explained("guardrail.budget"))
    assert.is_nil(r:delivered("late_coupon"), "announced a held coupon")
    assert.equal("late_coupon", r.case.approvals[1].offer.message.template)
  end)
end)
