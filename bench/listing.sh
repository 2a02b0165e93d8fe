#!/bin/sh
# Listing beside intake: intake p99 with 20,000 stored cases, alone and while
# two clients list cases without pause (a filter nothing matches, so every
# call scans its whole budget). With READ "case:N" the two clients read one
# case of N events instead (GET /v1/cases/{id}: its timeline is every event
# with its decision).
# The two phases alternate (alone, beside, alone, beside, …: PAIRS pairs of
# SECONDS each), and the ratio is the median over the pairs of beside ÷ the
# alone just before it: phases run one after the other measure the machine's
# drift too (a store that grows, other tenants), and on a shared machine that
# drift was as large as the effect. Usage: bench/listing.sh [seconds] [cases] [pairs] [READ]
set -eu
cd "$(dirname "$0")/.."
. bench/daemon.sh
. bench/pairs.sh
. bench/long_case.sh
secs=${1:-5}; cases=${2:-20000}; pairs=${3:-5}; read=${4:-list}
phase=$(( (secs * 2 + pairs - 1) / pairs )) # the same time in all as two phases of secs
[ "$phase" -ge 2 ] || phase=2
dir=$(mktemp -d /tmp/redress-bench.XXXXXX)
build/cases_fill "$dir/data" "$cases"
port=$((20000 + $$ % 20000))
PORT=$port DATA_DIR=$dir/data build/redressd -c examples/redress.conf.lua 2>"$dir/log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM HUP # a signal runs the EXIT trap too (sh runs it on exit only)
wait_listening "$dir/log"
readers=bench/listing_wrk.lua
case ${read} in
case:*) # one case, then its events from one agent until it has them all
	events=${read#case:}
	id=$(long_case "$port" "$events") || exit 1
	export CASE_ID=$id
	readers=bench/case_wrk.lua
	;;
esac

p99() { awk '/ 99%/ {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.2f", v}'; }
intake() { wrk -t1 -c20 -d"${phase}s" --latency -s bench/intake_wrk.lua "http://127.0.0.1:$port/" | p99; }
: > "$dir/pairs"
for i in $(seq "$pairs"); do
	a=$(intake)
	wrk -t1 -c2 -d"$((phase + 1))s" -s "$readers" "http://127.0.0.1:$port/" > "$dir/lists.$i" &
	lister=$!
	sleep 0.5
	b=$(intake)
	wait $lister
	l=$(awk '/Requests\/sec/ {print $2}' "$dir/lists.$i")
	echo "$a $b $l" >> "$dir/pairs"
done
# the median pair by its ratio; its own figures are the ones printed
set -- $(median_pair "$dir/pairs" "$pairs")
ratio=$(printf '%.2f' "$1"); a=$2; b=$3; lists=$4
all=$(pair_ratios "$dir/pairs")
if [ "$read" = list ]; then
	echo "listing: intake p99 ${b} ms beside two clients listing ${cases} cases (${lists} lists/s) / ${a} ms alone = ratio ${ratio}, the median of ${pairs} pairs (${all}) (target < 2)"
	echo "| intake p99 while GET /v1/cases scans ${cases} cases (2 clients; median of ${pairs} alternating pairs) | ${b} ms | ${a} ms alone | ${ratio} | < 2 |"
else
	echo "listing: intake p99 ${b} ms beside two clients reading a case of ${events} events (${lists} reads/s) / ${a} ms alone = ratio ${ratio}, the median of ${pairs} pairs (${all}) (target < 2)"
	echo "| intake p99 while GET /v1/cases/{id} reads a case of ${events} events (2 clients; median of ${pairs} alternating pairs) | ${b} ms | ${a} ms alone | ${ratio} | < 2 |"
fi
