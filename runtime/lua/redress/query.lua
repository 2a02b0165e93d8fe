--- Read-only store queries a policy may make: `local q = require "redress.query"`.
-- They read inside the transaction of the decision being made, so they see
-- exactly what the decision will be stored with. Without a store (redress
-- decide, pack specs) they return empty lists.
local json = require "redress.json"
local store = require "redress.store"

local M = {}

local OPEN = { received = true, acknowledged = true, investigating = true, awaiting_customer = true,
  reopened = true, manual_review = true, follow_up = true }

local function summary(c)
  local totals = {}
  for _, o in ipairs(c.offers or {}) do
    if o.status == "offered" or o.status == "accepted" then
      totals[o.currency or "-"] = (totals[o.currency or "-"] or 0) + o.amount
    end
  end
  return { id = c.id, status = c.status, category = c.category, tier = c.tier, channel = c.channel,
    opened_at = c.opened_at, order_id = c.order and c.order.id or nil, compensation = totals }
end

local function safely(fn, ...)
  local ok, v = pcall(fn, ...)
  if ok then return v end
  if tostring(v):find("has no store", 1, true) then return {} end
  error(v, 0)
end

--- q.customer_cases(customer_id [, limit]) → the customer's other cases (newest
-- first, at most limit, default 50): {id, status, category, tier, channel,
-- opened_at, order_id, compensation = {CUR = minor units}}. The case being
-- decided is not among them: it is stored with its decision.
function M.customer_cases(customer_id, limit)
  if type(customer_id) ~= "string" then error("customer_cases: customer_id must be a string", 2) end
  limit = math.min(tonumber(limit) or 50, 500)
  return safely(function()
    local ids = store.customer_case_ids(customer_id, nil, 10000)
    local out = {}
    for i = #ids, math.max(1, #ids - limit + 1), -1 do
      local c = store.get_case(ids[i])
      if c then out[#out + 1] = summary(c) end
    end
    return out
  end)
end

--- q.open_cases{category = "…", order_id = "…", limit = 50} → open cases
-- (newest first) matching every given field, among the 2,000 newest cases.
function M.open_cases(filter)
  filter = filter or {}
  if type(filter) ~= "table" then error("open_cases: expects a table such as { category = \"defective\" }", 2) end
  local limit = math.min(tonumber(filter.limit) or 50, 500)
  return safely(function()
    local _, vals = store.cases_desc(nil, 2000)
    local out = {}
    for _, s in ipairs(vals) do
      local c = json.decode(s)
      if OPEN[c.status] and (filter.category == nil or c.category == filter.category) and
          (filter.order_id == nil or (c.order and c.order.id == filter.order_id)) then
        out[#out + 1] = summary(c)
        if #out >= limit then break end
      end
    end
    return out
  end)
end

return M
