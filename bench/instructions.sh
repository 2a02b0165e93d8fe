#!/bin/sh
# Instructions per decision on the whole decision path (every thread: the
# workers, the writer, what passes between them), counted by callgrind on
# build/engine_bench, so the figure is the same on a busy machine. The
# engine runs N and 2N complaints; the difference divided by N leaves out
# start-up (loading packs, opening the store).
#   bench/instructions.sh [N] [pack ...]
set -eu
cd "$(dirname "$0")/.."
n=${1:-200}
shift || true
packs=${*:-policies/retail policies/retail-eu}
count() { # pack complaints → total instructions
	ENGINE_BENCH_ONLY=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null build/engine_bench "$1" "$2" 20 2>&1 |
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
base=""
for p in $packs; do
	a=$(count "$p" "$n")
	b=$(count "$p" $((2 * n)))
	per=$(( (b - a) / n ))
	name=$(basename "$p")
	echo "instructions per decision, $name: $per ($n complaints: $a; $((2 * n)): $b)"
	if [ -z "$base" ]; then
		base=$per
		echo "| instructions per $name decision (callgrind, all threads) | $per | target 500000 | $(echo "$per" | awk '{ printf "%.2f", $1 / 500000 }') | ≤ 1.0 |"
	else
		echo "| instructions per $name decision vs retail | $per | $base | $(echo "$per $base" | awk '{ printf "%.2f", $1 / $2 }') | ≤ 1.3 |"
	fi
done
