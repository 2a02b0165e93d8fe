#!/bin/sh
# Listing beside intake: intake p99 with 20,000 stored cases, alone and while
# two clients list cases without pause (a filter nothing matches, so every
# call scans its whole budget on the loop thread). Usage: bench/listing.sh [seconds] [cases]
set -eu
cd "$(dirname "$0")/.."
secs=${1:-5}; cases=${2:-20000}
dir=$(mktemp -d /tmp/redress-bench.XXXXXX)
build/cases_fill "$dir/data" "$cases"
port=$((20000 + $$ % 20000))
PORT=$port DATA_DIR=$dir/data build/redressd -c examples/redress.conf.lua 2>"$dir/log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do grep -q '"listening"' "$dir/log" && break; sleep 0.1; done

p99() { awk '/ 99%/ {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.2f", v}'; }
wrk -t1 -c20 -d"${secs}s" --latency -s bench/intake_wrk.lua "http://127.0.0.1:$port/" > "$dir/alone"
wrk -t1 -c2 -d"$((secs + 1))s" -s bench/listing_wrk.lua "http://127.0.0.1:$port/" > "$dir/lists" &
lister=$!
sleep 0.5
wrk -t1 -c20 -d"${secs}s" --latency -s bench/intake_wrk.lua "http://127.0.0.1:$port/" > "$dir/beside"
wait $lister
a=$(p99 < "$dir/alone"); b=$(p99 < "$dir/beside")
lists=$(awk '/Requests\/sec/ {print $2}' "$dir/lists")
ratio=$(echo "$b $a" | awk '{printf "%.2f", $1/$2}')
echo "listing: intake p99 ${b} ms beside two clients listing ${cases} cases (${lists} lists/s) / ${a} ms alone = ratio ${ratio} (target < 2)"
echo "| intake p99 while GET /v1/cases scans ${cases} cases (2 clients) | ${b} ms | ${a} ms alone | ${ratio} | < 2 |"
