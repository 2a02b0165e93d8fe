--- The running summary of a customer's cases, kept in the store so that a
-- decision reads one row however many cases the customer has (O(1) in the
-- history). It is the sum of each case's contribution:
--   open     1 while the case is not resolved, closed or rejected
--   days     by UTC day number: n = complaints opened that day,
--            c = { CUR = amount } of live offers (offered or accepted,
--            amount > 0) made that day
-- Every decision adds (its case after) − (its case before); days older than
-- a year are dropped when the row is written. Windows count whole UTC days:
-- "in 30 days" is opened on or after the day 30 days before today.
local time = require "redress.time"
local fns = require("rd.summary").functions(time.parse)

local M = {}

--- An empty summary row. A row is a C object (runtime/summary_row.h):
-- summary.load reads it from its stored text, summary.text writes it.
M.empty = fns.empty

--- summary.load(text) → the row stored as text (raises on any other text).
M.load = fns.load

--- summary.text(row) → the row's stored JSON text
-- ({"days":{"<day>":{"c":{"<CUR>":amount},"n":N}},"open":N}).
M.text = fns.text

--- summary.add_case(row, case, sign) → row: adds sign × what the case
-- contributes (1 open unless it is resolved, closed or rejected; 1
-- complaint on the day it was opened; the amounts of its live offers,
-- offered or accepted and above 0, on the days they were made), in place;
-- a day left with nothing is dropped. A decision takes its case out as it
-- was (-1) and puts it back as it is (1). In C (runtime/summary_lua.c).
M.add_case = fns.add_case

--- summary.prune(row, now_ms) → row, without the days no window reaches
-- any more (before now_ms − a year).
M.prune = fns.prune

--- summary.view(row, now_ms) → the case view's customer_summary and the
-- amounts spent against the customer's 365-day budget, at now_ms.
M.view = fns.view

return M
