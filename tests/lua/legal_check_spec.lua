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

describe("the zone a policy's legal windows count in", function()
  it("is the pack calendar's, as in the engine's own check", function()
    local dir = os.tmpname()
    os.remove(dir)
    os.execute("mkdir -p " .. dir .. "/templates")
    local function write(rel, text)
      local f = assert(io.open(dir .. "/" .. rel, "w"))
      f:write(text)
      f:close()
    end
    write("pack.lua", 'return { name = "zone", version = "1.0.0", languages = { "en" }, ' ..
      'calendar = { zone = "Asia/Shanghai" } }')
    write("templates/en.lua", 'return { ack = "Thanks" }')
    write("policy.lua", [[
local legal = require "redress.legal"
local P = {}
function P.on_complaint(case, act)
  act:acknowledge { template = "ack" }
  act:explain("owed", case.timezone .. " " .. #legal.remedies(case).owed)
end
return P]])
    local zp = T.pack(dir)
    os.execute("rm -rf " .. dir)
    -- delivered 01:00 on the 14th in Shanghai (17:00 on the 13th in UTC), asked
    -- 23:00 on the 21st in Shanghai: day 7 of 7 there, day 8 in UTC
    local r = zp:complaint(T.complaint { jurisdiction = "CN", order = { id = "C-1", amount = 9900, currency = "CNY",
      sale = "distance", delivered_at = "2026-11-14T01:00:00+08:00" } }, "2026-11-21T15:00:00Z")
    assert.equal("Asia/Shanghai 1", r.decision.explanation[1].text)
  end)
end)
