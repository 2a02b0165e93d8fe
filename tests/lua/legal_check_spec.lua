-- The engine's legal check, through the retail pack and the real decision
-- step: a refund the law owes now, asked for and not offered, is recorded.
local T = require "redress.testing"

local root = os.getenv("REDRESS_ROOT") or "."
local pack = T.pack(root .. "/policies/retail")

local function complaint(over)
  local c = { jurisdiction = "EU", wants = "refund",
    order = { id = "A-1", amount = 4999, currency = "EUR", sale = "distance", delivered_at = "2026-11-10T10:00:00Z" } }
  for k, v in pairs(over or {}) do c[k] = v end
  return T.complaint(c)
end

describe("the legal minimum", function()
  it("is recorded when withheld: explanation, trace, tag and outbox", function()
    -- retail answers a late delivery with a coupon; the customer wants the refund the law owes
    local r = pack:complaint(complaint(), "2026-11-20T10:00:00Z")
    assert.is_true(r:explained("legal.withheld"))
    assert.matches("Directive 2011/83/EU", table.concat(r.decision.trace, " "))
    assert.same({ "legal-risk" }, r.case.tags)
    local review
    for _, d in ipairs(r.deliver) do if d.type == "legal_review" then review = d end end
    assert.equal("refund", review.remedy)
    assert.equal("EU.withdrawal", review.rule)
  end)

  it("is quiet when the policy offers it", function()
    local r = pack:complaint(complaint { category = "missing" }, "2026-11-20T10:00:00Z")
    assert.equal("refund", r:offer().kind)
    assert.is_false(r:explained("legal.withheld"))
  end)

  it("is quiet outside the window, and when nothing is asked for", function()
    assert.is_false(pack:complaint(complaint(), "2026-11-25T10:00:00Z"):explained("legal.withheld"))
    assert.is_false(pack:complaint(complaint { wants = false }, "2026-11-20T10:00:00Z"):explained("legal.withheld"))
  end)
end)

describe("the installation's legal overrides", function()
  it("reach the pack's redress.legal and the engine's check", function()
    local pack_mod = require "redress.pack"
    local config = require "redress.config"
    local p = pack_mod.load(root .. "/policies/retail", config.defaults, nil, nil, { ["EU.withdrawal"] = { why = "x" } })
    local c = { jurisdiction = "EU", category = "x", now = 1795651200000,
      order = { sale = "distance", delivered_at = "2026-11-20T10:00:00Z" } }
    assert.equal("x", p.legal.remedies(c).owed[1].why)
    local base = require("redress.legal").remedies(c).owed[1].why
    assert.not_equal("x", base)
  end)
end)
