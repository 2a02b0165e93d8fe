#!/bin/sh
# Instructions per decision on the whole decision path (every thread: the
# workers, the writer, what passes between them), counted by callgrind on
# build/engine_bench, so the figure is the same on a busy machine. The
# engine runs N and 2N complaints; the difference divided by N leaves out
# start-up (loading packs, opening the store). Runs of the same code still
# differ by about ±3,000 a decision (Lua seeds its string hashes from the
# clock and addresses, which moves table layouts and collisions; the
# threads batch differently), so each figure is the median of RUNS pairs
# (INSTR_RUNS, default 3), with their spread.
#   bench/instructions.sh [N] [pack ...]
set -eu
cd "$(dirname "$0")/.."
n=${1:-200}
shift || true
packs=${*:-policies/retail policies/retail-eu}
runs=${INSTR_RUNS:-3}
count() { # pack complaints → total instructions
	ENGINE_BENCH_ONLY=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null build/engine_bench "$1" "$2" 20 2>&1 |
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
base=""
for p in $packs; do
	all=""
	i=0
	while [ "$i" -lt "$runs" ]; do
		a=$(count "$p" "$n")
		b=$(count "$p" $((2 * n)))
		all="$all $(( (b - a) / n ))"
		i=$((i + 1))
	done
	sorted=$(printf '%s\n' $all | sort -n)
	per=$(printf '%s\n' "$sorted" | sed -n "$(( (runs + 1) / 2 ))p")
	lo=$(printf '%s\n' "$sorted" | head -1)
	hi=$(printf '%s\n' "$sorted" | tail -1)
	name=$(basename "$p")
	echo "instructions per decision, $name: $per (median of $runs runs of $n and $((2 * n)) complaints: $lo to $hi)"
	if [ -z "$base" ]; then
		base=$per
		echo "| instructions per $name decision (callgrind, all threads; median of $runs, $lo-$hi) | $per | target 500000 | $(echo "$per" | awk '{ printf "%.2f", $1 / 500000 }') | ≤ 1.0 |"
	else
		echo "| instructions per $name decision vs retail (median of $runs, $lo-$hi) | $per | $base | $(echo "$per $base" | awk '{ printf "%.2f", $1 / $2 }') | ≤ 1.3 |"
	fi
done
