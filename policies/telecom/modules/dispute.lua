-- telecom/modules/dispute.lua: a billing dispute, from the first answer to
-- the deadlock letter.
--
-- The law behind the deadline (not in shared LEGAL-SOURCES.md; general
-- knowledge, confidence C, to be checked before a table cites it):
--   UK: Ofcom General Conditions of Entitlement, Condition C4 (complaints
--   handling and access to alternative dispute resolution): a customer may
--   take a complaint to the operator's ADR scheme after 8 weeks, or earlier
--   with a deadlock letter.
--   EU: Directive (EU) 2018/1972 (European Electronic Communications Code)
--   art. 25 and Directive 2013/11/EU (consumer ADR): out-of-court dispute
--   resolution must be available; the waiting period is national, hence
--   settings.deadlock_weeks.
local settings = require "redress.settings"
local money = require "redress.money"
local credit = require "credit"

local M = {}

local DAY = 86400000
local TIMERS = { "dispute.reminder", "dispute.deadlock" }

-- The ADR scheme's address, after a letter that names the scheme.
local function adr(act)
  if settings.adr_contact ~= "" then act:message { template = "adr_contact", vars = { adr = settings.adr_contact } } end
end

--- dispute.open(case, act, vars): acknowledge, hold collection of the
-- disputed amount, and set the deadlock and reminder timers. vars: the
-- acknowledgement's (next contact); the deadline is added.
function M.open(case, act, vars)
  local amount = case.details.disputed_amount
  local deadline = case.now + settings.deadlock_weeks * 7 * DAY
  vars.deadline = deadline
  act:set { status = "investigating", facts = { dispute_open = true, collection_hold = true,
    collection_hold_amount = amount, dispute_deadline = deadline } }
  act:timer { name = "dispute.deadlock", at = deadline }
  local remind = deadline - settings.dispute_reminder_days * DAY
  if settings.dispute_reminder_days > 0 and remind > case.now then
    act:timer { name = "dispute.reminder", at = remind }
  end
  if amount then
    vars.amount = money.new(amount, credit.currency(case))
    act:acknowledge { template = "ack_billing", vars = vars }
    act:explain("billing_dispute_opened", string.format("A billing dispute over %s: collection of that amount is on " ..
      "hold, and the final answer is due within %d weeks, after which the customer may go to the ADR scheme.",
      tostring(vars.amount), settings.deadlock_weeks))
  else
    act:acknowledge { template = "ack_billing_ask", vars = vars }
    act:explain("billing_dispute_no_amount", string.format("A billing dispute without the amount: the customer is " ..
      "asked for it so that its collection can be held; the %d-week deadline runs from now.", settings.deadlock_weeks))
  end
end

--- dispute.remind(case, act): the deadline is near; the customer hears
-- where things stand and the billing team is reminded.
function M.remind(case, act)
  local deadline = case.facts.dispute_deadline
  act:message { template = "dispute_update", vars = { deadline = deadline } }
  act:escalate { tier = 1, team = "billing-disputes",
    reason = string.format("the final answer on the dispute is due in %d days", (deadline - case.now) // DAY) }
  act:explain("dispute_reminder", "The dispute's deadline is near: the customer gets an update and the billing " ..
    "team a reminder.")
end

--- dispute.deadlock(case, act): the deadline passed without an answer: the
-- deadlock letter names the ADR scheme; collection stays on hold.
function M.deadlock(case, act)
  act:message { template = "deadlock", vars = { weeks = settings.deadlock_weeks } }
  adr(act)
  act:set { tags = { "deadlock-letter" }, facts = { deadlock_letter_at = case.now } }
  act:escalate { tier = 2, team = "complaints-review", reason = string.format(
    "no final answer on the billing dispute within %d weeks: deadlock letter sent", settings.deadlock_weeks) }
  act:explain("dispute_deadlock", string.format("No final answer within %d weeks: the deadlock letter tells the " ..
    "customer they may take the complaint to the ADR scheme, free of charge (UK: Ofcom General Condition C4).",
    settings.deadlock_weeks))
end

--- dispute.close(case, act): the dispute has its answer: its timers go and
-- the hold is lifted. Nothing when no dispute is open.
function M.close(case, act)
  if case.facts.dispute_open ~= true then return end
  for _, name in ipairs(TIMERS) do
    if case.timers[name] then act:cancel_timer { name = name } end
  end
  act:set { facts = { dispute_open = false, collection_hold = false } }
end

--- dispute.upheld(case, act): the bill was wrong: the disputed amount is
-- refunded.
function M.upheld(case, act)
  M.close(case, act)
  local amount = case.details.disputed_amount
  if amount then
    local m = money.new(amount, credit.currency(case))
    act:offer { kind = "refund", amount = amount, currency = m.currency, reason = "billing error: the disputed amount" }
    act:message { template = "dispute_upheld", vars = { amount = m } }
    act:explain("dispute_upheld", "The bill was wrong: the disputed " .. tostring(m) .. " is refunded and its " ..
      "collection cancelled.")
  else
    act:message { template = "dispute_upheld_review" }
    act:explain("dispute_upheld_no_amount", "The bill was wrong, and the complaint did not say by how much: an agent " ..
      "corrects the bill and tells the customer the amount refunded.")
  end
end

--- dispute.rejected(case, act): the bill was right: a polite final answer
-- that names the ADR scheme.
function M.rejected(case, act)
  M.close(case, act)
  act:set { status = "rejected" }
  act:message { template = "dispute_rejected" }
  adr(act)
  act:explain("dispute_rejected", "The bill was right: the final answer explains the charges and tells the " ..
    "customer they may still take the complaint to the ADR scheme.")
end

return M
