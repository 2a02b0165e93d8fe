-- cn_law: the Chinese consumer law this pack decides by. The windows come
-- from redress.legal's CN rules (each with its citation; facts and
-- confidence in the shared LEGAL-SOURCES.md):
--   CN.no_reason_return            CRPL 2013 art. 25: 7 days from receipt (conf. B)
--   CN.three_guarantees_return     三包 arts. 9–11: return, exchange or repair, 7 days from sale (B)
--   CN.three_guarantees_exchange   三包 arts. 9–11: exchange or repair, 15 days from sale (B)
--   CN.fraud_damages               CRPL art. 55: 3 × the price, at least CNY 500 (B)
-- and two rules this pack adds for the rest of the guarantee period (三包
-- arts. 9–11, LEGAL-SOURCES row "within warranty after 2 failed repairs:
-- exchange or return", conf. B, secondary source only).
local legal = require "redress.legal"
local calendar = require "redress.calendar"
local time = require "redress.time"
local settings = require "redress.settings"

local M = {}

local cal = calendar.pack
local GUARANTEE = "部分商品修理更换退货责任规定 arts. 9–11"
M.GUARANTEE = GUARANTEE

-- details.goods_type → order.excluded as redress.legal reads it. The first
-- four are the exclusions of CRPL art. 25 para. 1 (LEGAL-SOURCES.md). The
-- last, goods "not suitable for return by their nature, as the consumer
-- confirmed at purchase", is art. 25 para. 2 of the statute text
-- (npc.gov.cn); LEGAL-SOURCES.md does not record it yet (conf. C: check).
M.EXCLUDED = {
  custom_made = "made_to_order", fresh = "perishable", digital_download = "digital_opened",
  newspaper_periodical = "newspaper", confirmed_non_returnable = "confirmed_at_purchase",
}

--- The art. 25 exclusion that applies to the goods, or nil. Audio-video and
-- software media are excluded once the consumer has unsealed them.
function M.excluded(details)
  if details.goods_type == "audio_video_software" then return details.unsealed and "digital_opened" or nil end
  return M.EXCLUDED[details.goods_type]
end

-- Day d plus n calendar months (the 31st becomes the month's last day).
local function add_months(d, n)
  local y, m, dd = calendar.civil_from_days(d)
  m = m + n
  y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
  local ny, nm = m == 12 and y + 1 or y, m == 12 and 1 or m + 1
  local _, _, last = calendar.civil_from_days(calendar.days_from_civil(ny, nm, 1) - 1)
  return calendar.days_from_civil(y, m, math.min(dd, last))
end

-- The guarantee period: from the day of sale, warranty_months long.
local function guarantee_window(c)
  local sold = c.order.purchased_at and time.parse(c.order.purchased_at)
  if not sold then return nil end
  local d = cal:day_of(sold)
  return d, add_months(d, c.order.warranty_months)
end

local function in_cn(j) return j == "CN" end
local function defective(c) return c.order.listed_goods == true and c.category == "defective" end

local law = legal.new { rules = {
  { id = "CN.three_guarantees_repair", where = in_cn, right = "repair", remedies = { "repair" },
    applies = function(c) return defective(c) and c.order.failed_repairs < 2 end,
    window = guarantee_window,
    why = "Listed goods with a defect inside the guarantee period are repaired free of charge.",
    citation = GUARANTEE, source = "secondary only", confidence = "B", valid_from = "1995-08-25" },
  { id = "CN.three_guarantees_repairs_failed", where = in_cn, right = "exchange_return", remedies = { "replacement", "refund" },
    applies = function(c) return defective(c) and c.order.failed_repairs >= 2 end,
    window = guarantee_window,
    why = "Listed goods still defective after two repairs inside the guarantee period are exchanged or returned.",
    citation = GUARANTEE, source = "secondary only", confidence = "B", valid_from = "1995-08-25" },
} }

-- The case as the law reads it: a marketplace order is a distance sale of
-- goods; the details say what redress.legal needs (exclusion, 三包 list,
-- guarantee period, failed repairs). A complaint without a jurisdiction is
-- decided under Chinese law: the pack sells in mainland China.
local function view(case, facts)
  local o = {}
  for k, v in pairs(case.order or {}) do o[k] = v end
  local d = case.details
  o.sale = o.sale or "distance"
  o.kind = o.kind or "goods"
  o.excluded = M.excluded(d) or o.excluded
  o.listed_goods = d.three_guarantees == true or settings.guarantee_windows_for_all_goods
  o.warranty_months = d.warranty_months or settings.warranty_months
  o.failed_repairs = d.failed_repairs or 0
  return setmetatable({ order = o, jurisdiction = case.jurisdiction or "CN", facts = facts or case.facts },
    { __index = case })
end

--- The rights the law gives now: { [rule id] = entry } with entry.owed
-- (still inside the window), until_at, until (ms), citation, amount…
-- Windows are counted in the pack calendar's zone (Asia/Shanghai), the zone
-- the engine checks the legal minimum in.
function M.rights(case, facts)
  local r = law:remedies(view(case, facts), { zone = cal:zone() })
  local out = {}
  for _, list in ipairs { r.owed, r.expired } do
    for _, e in ipairs(list) do
      e.owed = list == r.owed
      e.until_ms = time.parse(e.until_at)
      out[e.id] = e
    end
  end
  return out
end

--- CRPL art. 55 damages if the fraud the customer reports were confirmed:
-- the rule's entry (amount: a money value, nil without an order amount).
-- Only a hypothesis here: the pack never sets the finding facts.fraud itself
-- before the investigation concludes.
function M.punitive(case)
  return M.rights(case, { fraud = true })["CN.fraud_damages"]
end

return M
