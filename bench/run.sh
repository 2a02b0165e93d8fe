#!/bin/sh
# make bench: every benchmark, each a ratio against a baseline measured in
# the same run on the same machine; the rows become one table.
set -eu
cd "$(dirname "$0")/.."
out=$(mktemp /tmp/redress-bench.XXXXXX)
failed=$(mktemp /tmp/redress-bench-failed.XXXXXX)
trap 'rm -f "$out" "$failed"' EXIT
# One benchmark: a failure is a row of its own (and make bench fails at the
# end), never a table cut short.
row() {
	if ! "$@"; then
		echo "| $* | FAILED (its output is above) | | | |"
		echo "$*" >> "$failed"
	fi
}
{
	row bench/intake.sh "${BENCH_SECONDS:-5}" 50
	row bench/cluster.sh "${BENCH_SECONDS:-5}" 50
	row bench/timers.sh "${BENCH_TIMERS:-1000000}"
	row bench/memory.sh "${BENCH_CASES:-1000000}"
	row bench/peer_redis.sh "${BENCH_REDIS_REQUESTS:-20000}" "${BENCH_PAIRS:-5}"
	row bench/listing.sh "${BENCH_SECONDS:-5}" 20000
	row bench/listing.sh "${BENCH_SECONDS:-5}" 2000 5 case:2000
	row bench/whatif.sh "${BENCH_SECONDS:-5}" 5
	row build/engine_bench policies/retail "${BENCH_ENGINE_COMPLAINTS:-20000}" 50
	for p in retail-eu ecommerce-cn airline-eu261 hospitality telecom; do
		row build/engine_bench "policies/$p" "${BENCH_ENGINE_PACK_COMPLAINTS:-3000}" 50
	done
	row env ENGINE_BENCH_RETURNING=1000 build/engine_bench policies/retail "${BENCH_RETURNING_COMPLAINTS:-12000}" 20
	row env ENGINE_BENCH_CAUSE=1000 build/engine_bench policies/retail "${BENCH_CAUSE_COMPLAINTS:-6000}" 50
	row bench/ipc_cost.sh
	row bench/instructions.sh "${BENCH_INSTRUCTIONS_N:-400}"
	row bench/actions.sh "${BENCH_INSTRUCTIONS_N:-400}"
	row bench/threads.sh "${BENCH_THREADS_SECONDS:-15}"
	row bench/threads.sh "${BENCH_THREADS_SECONDS:-15}" events
	row bench/cpu_split.sh "${BENCH_SECONDS:-5}"
	row bench/events.sh
} | tee "$out" | grep -v '^|'
echo
echo "| benchmark | figure | baseline (same run) | ratio | target |"
echo "|---|---|---|---|---|"
grep '^|' "$out"
if [ -s "$failed" ]; then
	echo "make bench: failed: $(tr '\n' ';' < "$failed")" >&2
	exit 1
fi
