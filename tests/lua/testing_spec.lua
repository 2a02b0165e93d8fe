local T = require "redress.testing"
describe("redress.testing", function()
  it("runs the retail pack", function()
    local pack = T.pack(os.getenv("REDRESS_ROOT") .. "/policies/retail")
    local clock = T.clock("2026-11-20T10:00:00Z")
    local r = pack:complaint(T.complaint { category = "late_delivery" }, clock)
    assert.equal("coupon", r:offer().kind)
    assert.is_true(r:explained("late_delivery"))
    local r2 = pack:event(r, "satisfaction.reported", { score = 1 }, clock:advance("3 days"))
    assert.equal(2, r2:action("escalate").tier)
    assert.equal("2026-11-23T10:00:00.000Z", r2.decision.at)
    local big = T.pack(os.getenv("REDRESS_ROOT") .. "/policies/retail", { coupon_percent = 20 })
    assert.equal(999, big:complaint(T.complaint {}, clock):offer().amount)
    local capped = T.pack(os.getenv("REDRESS_ROOT") .. "/policies/retail"):with_budgets { per_case = { EUR = 100 } }
    local h = capped:complaint(T.complaint {}, clock)
    assert.equal(1, #h.case.approvals)
  end)

  it("lets a spec say what the customer's other cases were", function()
    local root = os.getenv("REDRESS_ROOT")
    local view = T.pack(root .. "/tests/fixtures/packs/view")
    local r = view:complaint(T.complaint {})
    assert.equal("30d=0 90d=0 365d=0 open=0 eur=0 history=0 decisions=0 zone=Europe/Berlin", r.decision.explanation[1].text)
    view:with_customer { complaints_30d = 2, complaints_90d = 3, complaints_365d = 5, open_cases = 1,
      compensation_365d = { EUR = 1500 } }
    r = view:complaint(T.complaint {})
    assert.equal("30d=2 90d=3 365d=5 open=1 eur=1500 history=0 decisions=0 zone=Europe/Berlin", r.decision.explanation[1].text)
    assert.has_error(function() view:with_customer { complaints_7d = 1 } end,
      "testing: the customer summary has no field complaints_7d")
  end)
end)
