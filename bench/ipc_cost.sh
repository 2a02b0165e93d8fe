#!/bin/sh
# What a decision worker costs per job, as a thread (what redress does) or
# as a process (what it would take to kill a worker from outside): the
# handoff itself (build/ipc_cost) and, for a process, the JSON encode and
# decode of a retail case view and its decision on both sides (lua-cjson,
# as the engine would do it). One row of make bench; figures in microseconds.
set -eu
cd "$(dirname "$0")/.."
out=$(build/redress decide --pack policies/retail examples/complaints/retail/late-delivery-en.json --at 2026-11-20T10:00:00Z || true)
bytes=$(printf '%s' "$out" | wc -c)
handoff=$(build/ipc_cost 20000 "$bytes")
json=$(printf '%s' "$out" | lua5.4 -e '
local cjson = require "cjson"
local s = io.read("a")
local t = cjson.decode(s)
local n, t0 = 5000, os.clock()
for _ = 1, n do cjson.decode(cjson.encode(t)) end
io.write(string.format("%.1f", (os.clock() - t0) / n * 1e6))')
thread_us=$(echo "$handoff" | sed 's/thread handoff \([0-9.]*\) us.*/\1/')
process_us=$(echo "$handoff" | sed 's/.* each way \([0-9.]*\) us/\1/')
total=$(echo "$process_us $json" | awk '{ printf "%.1f", $1 + 2 * $2 }')
echo "worker handoff: $handoff; JSON encode+decode of the $bytes-byte case and decision ${json} us"
echo "| worker handoff per decision: process (pipe + JSON both ways) vs thread | ${total} us | ${thread_us} us | $(echo "$total $thread_us" | awk '{ printf "%.0f", $1 / $2 }')x | threads, see ARCHITECTURE |"
