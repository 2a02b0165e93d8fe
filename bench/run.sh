#!/bin/sh
# make bench: every benchmark, each a ratio against a baseline measured in
# the same run on the same machine; the rows become one table.
set -eu
cd "$(dirname "$0")/.."
out=$(mktemp /tmp/redress-bench.XXXXXX)
trap 'rm -f "$out"' EXIT
{
	bench/intake.sh "${BENCH_SECONDS:-5}" 50
	bench/cluster.sh "${BENCH_SECONDS:-5}" 50
	bench/timers.sh "${BENCH_TIMERS:-1000000}"
	bench/memory.sh "${BENCH_CASES:-1000000}"
	bench/peer_redis.sh "${BENCH_REDIS_REQUESTS:-50000}"
	bench/listing.sh "${BENCH_SECONDS:-5}" 20000
	bench/whatif.sh "${BENCH_SECONDS:-5}" 5
	build/engine_bench policies/retail "${BENCH_ENGINE_COMPLAINTS:-20000}" 50
	for p in retail-eu ecommerce-cn airline-eu261 hospitality telecom; do
		build/engine_bench "policies/$p" "${BENCH_ENGINE_PACK_COMPLAINTS:-3000}" 50
	done
	ENGINE_BENCH_RETURNING=1000 build/engine_bench policies/retail "${BENCH_RETURNING_COMPLAINTS:-4000}" 20
	bench/ipc_cost.sh
	bench/instructions.sh "${BENCH_INSTRUCTIONS_N:-100}"
	bench/threads.sh "${BENCH_THREADS_SECONDS:-15}"
} | tee "$out" | grep -v '^|'
echo
echo "| benchmark | figure | baseline (same run) | ratio | target |"
echo "|---|---|---|---|---|"
grep '^|' "$out"
