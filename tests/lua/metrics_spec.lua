-- redress.metrics.decision (runtime/metrics_lua.c): one committed
-- decision's observations as the lines rd_metrics_apply takes, word for
-- word.
local metrics = require "redress.metrics"

describe("metrics.decision", function()
  it("counts a complaint's outcome, its compensation and the case it opened", function()
    -- (dash: the dashboard's lines, dashboard.record's; dashboard_spec makes them)
    local lines = metrics.decision("decided", { promises = { kept = 0, broken = 0 },
      dash = "redress_compensation_granted_minor_total\tEUR,coupon\t500\nredress_open_cases\tacknowledged,0\t1",
      corrective = {}, observed = {} })
    assert.equal("redress_decisions_total\tdecided\t1\n" ..
      "redress_compensation_granted_minor_total\tEUR,coupon\t500\n" ..
      "redress_open_cases\tacknowledged,0\t1", lines)
  end)

  it("writes every figure a decision can carry, labels made safe for Prometheus", function()
    local lines = metrics.decision("decided", {
      promises = { kept = 2, broken = 1 },
      dash = "redress_first_response_seconds\tp\t12.500\nredress_resolution_seconds\tp\t3600.250\n" ..
        "redress_satisfaction_total\t4\t1\nredress_open_cases\ta_b____,1\t-1\nredress_open_cases\tx,2\t1",
      corrective = { { source = "recurring", status = "proposed" } },
      observed = { { kind = "breach", target = "first response" }, { kind = "stop", target = "t", seconds = 1.23456 },
        { kind = "breach" } } }, true)
    assert.equal(table.concat({
      "redress_decisions_total\tdecided\t1",
      "redress_timers_fired_total\t\t1",
      "redress_promises_total\tkept\t2",
      "redress_promises_total\tbroken\t1",
      "redress_first_response_seconds\tp\t12.500",
      "redress_resolution_seconds\tp\t3600.250",
      "redress_satisfaction_total\t4\t1",
      "redress_open_cases\ta_b____,1\t-1",
      "redress_open_cases\tx,2\t1",
      "redress_corrective_actions_created_total\trecurring\t1",
      "redress_corrective_actions\tproposed\t1",
      "redress_sla_breaches_total\tfirst_response\t1",
      "redress_sla_seconds\tt\t1.235",
      "redress_sla_breaches_total\t_\t1", -- no target: "?", made safe
    }, "\n"), lines)
  end)

  it("counts a quarantined call as quarantined, a policy error as one, and nothing without an outcome", function()
    assert.equal("redress_decisions_total\tquarantined\t1",
      metrics.decision("policy_error", { limit = "quarantined" }))
    assert.equal("redress_decisions_total\tpolicy_error\t1\nredress_policy_errors_total\t\t1",
      metrics.decision("policy_error", { limit = "wall" }))
    assert.is_nil(metrics.decision(nil, {}))
    assert.is_nil(metrics.decision(false, {}))
    -- a list ends at its first hole, as ipairs ends it
    assert.equal("redress_decisions_total\tdecided\t1\nredress_corrective_actions_created_total\tpolicy\t1\n" ..
      "redress_corrective_actions\topen\t1",
      metrics.decision("decided", { dash = "", corrective = { { source = "policy", status = "open" }, nil,
        { source = "policy", status = "open" } } }))
    assert.equal("redress_decisions_total\tdecided\t1", metrics.decision("decided"))
  end)
end)
