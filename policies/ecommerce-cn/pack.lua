-- ecommerce-cn: a marketplace seller in mainland China (Taobao/Tmall, JD,
-- Pinduoduo, Douyin shops…). Chinese-first wording; decisions under the
-- Consumer Rights Protection Law and the "three guarantees" (三包) rules as
-- recorded in the shared LEGAL-SOURCES.md. See README.md for every branch.
return {
  name = "ecommerce-cn",
  version = "1.1.0",
  engine = "1",
  description = "China marketplace seller: 7-day no-reason returns, 三包 return/exchange/repair windows, "
    .. "late and lost parcels, fraud claims (CRPL art. 55, for the legal team), 48-hour platform deadline.",
  jurisdictions = { "CN" },
  languages = { "zh", "en", "th", "fa", "ru" },  -- zh first: the reference wording and the fallback
  currency = "CNY",
  modules = { "cn_law", "remedies" },             -- modules/cn_law.lua, modules/remedies.lua

  -- Customer service in Chinese e-commerce answers every day. Holidays: the
  -- statutory days of 全国年节及纪念日放假办法 (as revised in 2024, in force
  -- 2025-01-01) for 2026. The State Council publishes each year's schedule
  -- (lunar dates, bridge days and make-up working days 调休, which this
  -- calendar cannot express) in the preceding autumn: replace the list per
  -- installation with config `calendars["ecommerce-cn"]`.
  calendar = {
    zone = "Asia/Shanghai",
    hours = { weekdays = { { "09:00", "21:00" } }, sat = { { "10:00", "18:00" } }, sun = { { "10:00", "18:00" } } },
    holidays = {
      { month = 1, day = 1 },                                               -- 元旦
      "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19",               -- 春节 (除夕, 初一–初三)
      "2026-04-05",                                                         -- 清明节
      { month = 5, day = 1 }, { month = 5, day = 2 },                       -- 劳动节
      "2026-06-19",                                                         -- 端午节
      "2026-09-25",                                                         -- 中秋节
      { month = 10, day = 1 }, { month = 10, day = 2 }, { month = 10, day = 3 }, -- 国庆节
    },
  },

  -- An operator may override any of these per installation:
  -- pack_settings = { ["ecommerce-cn"] = { late_coupon_percent = 10 } }
  settings = {
    -- Refunds (minor units of CNY, i.e. fen) above this wait for a manager.
    refund_approval_over = 200000,          -- 2,000.00 CNY
    -- CRPL art. 25: on a no-reason return the consumer pays the return postage
    -- unless the seller agreed otherwise. false = the shop pays it (many shops
    -- do, or buy 退货运费险 return-shipping insurance for the buyer).
    buyer_pays_return_shipping = true,
    -- 三包 guarantee period used when the complaint does not give one
    -- (details.warranty_months); the product's 三包 certificate is the source.
    warranty_months = 12,
    -- Apply the 7-day return / 15-day exchange / warranty-repair windows to
    -- every defective product as shop policy, not only to goods on the
    -- national 三包 list (most marketplaces require it). false = goods not on
    -- the list go to a person.
    guarantee_windows_for_all_goods = true,
    -- Late delivery, as marketplace rules for late shipment usually pay it: a
    -- share of the price with a floor and a ceiling. Set them to your
    -- platform's current rule.
    late_coupon_percent = 5,
    late_coupon_min = 500,                  -- 5.00 CNY
    late_coupon_max = 3000,                 -- 30.00 CNY
    -- Still not delivered this many days after the promised time: the order
    -- may be cancelled for a full refund.
    late_refund_after_days = 7,
    -- Grace after the promised delivery time before the pack compensates on
    -- its own (timer delivery_check).
    delivery_grace = "12h",
    -- Platform rule: the seller handles an after-sales request within 48
    -- hours (calendar time), else the platform may decide it for the buyer.
    platform_response = "48h",
    -- The shop's own target for a solution, in business time.
    resolution = "5 business days",
    -- What the acknowledgement promises as the next contact.
    reply_within = "24h",
    -- After a remedy is accepted or the case is resolved: ask about
    -- satisfaction after follow_up_after; close when no answer comes within
    -- close_after.
    follow_up_after = "3 days",
    close_after = "7 days",
    -- Repeat complainers: this many complaints (this one included) within
    -- repeat_within_days go to the shop manager; chronic ones are flagged.
    repeat_count = 3,
    repeat_within_days = 90,
    chronic_complaints_365d = 6,
    -- Treat "12315", 市场监管, 消协… in the customer's words as a regulator
    -- complaint (escalated to the legal team), as details.regulator_contacted.
    detect_regulator_mentions = true,
  },

  template_vars = { "amount", "reply_by", "ends", "delivered", "promised", "days", "shipping", "goods",
    "window", "kind", "state", "ask" },

  -- Industry facts a complaint may carry in `details`.
  details = {
    goods_type = { type = "string", doc = "what was sold, for the no-reason-return exclusions of CRPL art. 25",
      one_of = { "standard", "custom_made", "fresh", "digital_download", "audio_video_software",
        "newspaper_periodical", "confirmed_non_returnable" } },
    unsealed = { type = "boolean", doc = "audio-video or software media: the customer has broken the seal" },
    intact = { type = "boolean", doc = "the goods are complete and as delivered (false: used, damaged or parts missing)" },
    three_guarantees = { type = "boolean", doc = "the product is on the national 三包 list (phones, computers, TVs, appliances…)" },
    warranty_months = { type = "integer", min = 1, max = 120, doc = "the product's 三包 guarantee period in months" },
    failed_repairs = { type = "integer", min = 0, max = 20, doc = "repairs of this defect under the guarantee that did not fix it" },
    promised_by = { type = "time", doc = "the delivery time the listing or the platform promised (RFC 3339)" },
    misrepresented = { type = "boolean", doc = "the customer says the goods were misrepresented: fake, falsely advertised, used sold as new" },
    fraud_kind = { type = "string", one_of = { "counterfeit", "false_advertising", "refurbished_as_new", "other" },
      doc = "what kind of misrepresentation the customer reports" },
    regulator_contacted = { type = "boolean", doc = "the customer has complained, or says they will, to 12315, the market regulator or a consumer association" },
  },
}
