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

-- A label value as Prometheus text can carry it (a pack names SLA targets);
-- values are few (outcomes, statuses, targets), so each is made once.
local label = require("redress.memo").of(function(v) return (tostring(v):gsub("[^%w_.:%-]", "_")) end)

--- The observations of one committed decision: outcome (quarantined calls
-- apart), the promises it kept and broke, the SLA clocks it stopped or
-- breached, and whether a timer fired it. Lines "NAME\tLABEL\tVALUE".
function M.decision(outcome, inputs, timer)
  if not outcome then return nil end
  if inputs and inputs.limit == "quarantined" then outcome = "quarantined" end
  local out = { "redress_decisions_total\t" .. label(outcome) .. "\t1" }
  local function add(name, lab, v) out[#out + 1] = name .. "\t" .. lab .. "\t" .. v end
  if outcome == "policy_error" then add("redress_policy_errors_total", "", 1) end
  if timer then add("redress_timers_fired_total", "", 1) end
  local p = inputs and inputs.promises
  if p and (p.kept or 0) > 0 then add("redress_promises_total", "kept", p.kept) end
  if p and (p.broken or 0) > 0 then add("redress_promises_total", "broken", p.broken) end
  local f = inputs and inputs.dash
  if f then
    if f.first_response then add("redress_first_response_seconds", f.pack, string.format("%.3f", f.first_response)) end
    if f.resolution then add("redress_resolution_seconds", f.pack, string.format("%.3f", f.resolution)) end
    if f.score then add("redress_satisfaction_total", f.score, 1) end
    for _, o in ipairs(f.offers) do
      add("redress_compensation_granted_minor_total", o.currency .. "," .. o.kind, string.format("%d", o.amount))
    end
    if f.open_from then add("redress_open_cases", label(f.open_from.status) .. "," .. f.open_from.tier, -1) end
    if f.open_to then add("redress_open_cases", label(f.open_to.status) .. "," .. f.open_to.tier, 1) end
  end
  for _, a in ipairs(inputs and inputs.corrective or {}) do
    add("redress_corrective_actions_created_total", a.source, 1)
    add("redress_corrective_actions", a.status, 1)
  end
  for _, o in ipairs(inputs and inputs.observed or {}) do
    if o.kind == "breach" then
      add("redress_sla_breaches_total", label(o.target or "?"), 1)
    else
      add("redress_sla_seconds", label(o.target or "?"), string.format("%.3f", o.seconds or 0))
    end
  end
  return table.concat(out, "\n")
end

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
