--- The decision metrics: the families a decision adds to GET /metrics, and
-- the observations of one decision as the writer applies them. The writer
-- counts them only after the decision's commit, so a decision decided again
-- after a conflict counts once (rd_metrics_apply in runtime/metrics.h).
local dashboard = require "redress.dashboard"

local M = {}

local FAMILIES = {
  { name = "redress_decisions_total", help = "Decisions stored, by outcome.", label = "outcome" },
  { name = "redress_promises_total", help = "Dates promised to customers, by what became of them.",
    label = "outcome", series = { "kept", "broken" } },
  { name = "redress_policy_errors_total", help = "Policy calls that failed and sent a case to manual review.",
    series = { "" } },
  { name = "redress_timers_fired_total", help = "Timers fired (each a timer.fired decision).", series = { "" } },
  { name = "redress_sla_seconds", kind = "histogram", label = "target",
    help = "Time from an SLA clock's start to its stop (first response, resolution, …).",
    buckets = { 60, 300, 900, 3600, 4 * 3600, 8 * 3600, 86400, 3 * 86400, 7 * 86400, 14 * 86400 } },
  { name = "redress_sla_breaches_total", help = "SLA clocks that passed their deadline, by target.", label = "target" },
  -- the dashboard's figures (redress.dashboard: definitions there)
  { name = "redress_first_response_seconds", kind = "histogram", label = "pack", buckets = dashboard.BOUNDS,
    help = "Time from a case's opening to its first response to the customer after the acknowledgement at intake." },
  { name = "redress_resolution_seconds", kind = "histogram", label = "pack", buckets = dashboard.BOUNDS,
    help = "Time from a case's opening to its first resolution." },
  { name = "redress_satisfaction_total", label = "score", series = { "1", "2", "3", "4", "5" },
    help = "Satisfaction scores reported (satisfaction.reported), by score." },
  { name = "redress_open_cases", kind = "gauge", label = "status,tier",
    help = "Cases not resolved, closed or rejected, by status and tier." },
  { name = "redress_compensation_granted_minor_total", label = "currency,kind",
    help = "Compensation offered to customers (granted by the engine or an approval), in minor units, by currency and kind." },
  -- corrective actions (redress.learn)
  { name = "redress_corrective_actions", kind = "gauge", label = "status",
    series = { "proposed", "open", "assigned", "done", "dismissed" },
    help = "Corrective actions by status (recurring causes found, and actions policies opened)." },
  { name = "redress_corrective_actions_created_total", label = "source", series = { "recurring", "policy" },
    help = "Corrective actions made: proposed for a recurring cause, or opened by a policy." },
  { name = "redress_corrective_action_changes_total", label = "type", series = { "open", "assign", "note", "done", "dismiss" },
    help = "Changes made to corrective actions (POST /v1/corrective-actions/{id}/events), by type." },
}

--- Declares the families (every decision worker does, at start).
function M.declare()
  local rdm = require "rd.metrics"
  for _, f in ipairs(FAMILIES) do rdm.declare(f) end
end

--- metrics.decision(outcome, inputs, timer) → the observations of one
-- committed decision: outcome (quarantined calls apart), the promises it
-- kept and broke, the dashboard's figures, the corrective actions it
-- opened, the SLA clocks it stopped or breached, and whether a timer fired
-- it. Lines "NAME\tLABEL\tVALUE" (runtime/metrics_lua.c: in Lua these few
-- lines cost about 17,000 instructions a decision).
M.decision = require("rd.metrics").decision

--- The observations of a committed change of a corrective action:
-- change = { type, from, to } (statuses).
function M.corrective_change(change)
  local out = { "redress_corrective_action_changes_total\t" .. change.type .. "\t1" }
  if change.from ~= change.to then
    out[#out + 1] = "redress_corrective_actions\t" .. change.from .. "\t-1"
    out[#out + 1] = "redress_corrective_actions\t" .. change.to .. "\t1"
  end
  return table.concat(out, "\n")
end

--- Lines that set the corrective-actions gauge (at start): counts by status.
function M.corrective_gauge_lines(counts)
  local out = {}
  for _, status in ipairs { "proposed", "open", "assigned", "done", "dismissed" } do
    out[#out + 1] = "redress_corrective_actions\t" .. status .. "\t=" .. (counts[status] or 0)
  end
  return table.concat(out, "\n")
end

return M
