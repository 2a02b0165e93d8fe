#!/bin/sh
# HTTP intake: durable decisions/s with the retail pack ÷ GET /healthz on the
# same daemon, same connections, same run. The two alternate (/healthz,
# intake, /healthz, …: PAIRS pairs of about SECONDS/2 each) and the ratio is
# the median over the pairs of intake ÷ the /healthz run just before it, so
# the machine's drift between two runs does not count.
# Usage: bench/intake.sh [seconds] [connections] [pairs]
set -eu
cd "$(dirname "$0")/.."
. bench/daemon.sh
. bench/pairs.sh
secs=${1:-5}; conns=${2:-50}; pairs=${3:-3}
phase=$(( (secs + 1) / 2 ))
[ "$phase" -ge 2 ] || phase=2
dir=$(mktemp -d /tmp/redress-bench.XXXXXX)
port=$((20000 + $$ % 20000))
PORT=$port DATA_DIR=$dir/data build/redressd -c examples/redress.conf.lua 2>"$dir/log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM HUP # a signal runs the EXIT trap too (sh runs it on exit only)
wait_listening "$dir/log"

: > "$dir/pairs"
for i in $(seq "$pairs"); do
	wrk -t2 -c"$conns" -d"${phase}s" --latency "http://127.0.0.1:$port/healthz" > "$dir/base.$i"
	wrk -t2 -c"$conns" -d"${phase}s" --latency -s bench/intake_wrk.lua "http://127.0.0.1:$port/" > "$dir/post.$i"
	base=$(awk '/Requests\/sec/ {print $2}' "$dir/base.$i"); post=$(awk '/Requests\/sec/ {print $2}' "$dir/post.$i")
	echo "$base $post $i" >> "$dir/pairs"
done
# the median pair by its ratio; its own figures (and latencies) are the ones printed
set -- $(median_pair "$dir/pairs" "$pairs")
ratio=$(printf '%.2f' "$1"); base=$2; post=$3; i=$4
p50=$(awk '/ 50%/ {print $2}' "$dir/post.$i"); p99=$(awk '/ 99%/ {print $2}' "$dir/post.$i")
non2xx=$(cat "$dir"/post.* | awk '/Non-2xx/ {n += $5} END { if (n) print n }')
all=$(pair_ratios "$dir/pairs")
printf 'intake: %s decisions/s (p50 %s, p99 %s%s) / healthz %s req/s = ratio %s, the median of %s alternating pairs (%s) (target >= 0.6)\n' \
  "$post" "$p50" "$p99" "${non2xx:+, non-2xx $non2xx}" "$base" "$ratio" "$pairs" "$all"
printf '| HTTP intake: durable decisions, retail pack, %s connections (median of %s alternating pairs) | %s/s (p50 %s, p99 %s) | GET /healthz %s/s | %s | ≥ 0.6 |\n' \
  "$conns" "$pairs" "$post" "$p50" "$p99" "$base" "$ratio"
