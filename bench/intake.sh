#!/bin/sh
# HTTP intake: durable decisions/s with the retail pack ÷ GET /healthz on the
# same daemon, same connections, same run. Usage: bench/intake.sh [seconds] [connections]
set -eu
cd "$(dirname "$0")/.."
secs=${1:-5}; conns=${2:-50}
dir=$(mktemp -d /tmp/redress-bench.XXXXXX)
port=$((20000 + $$ % 20000))
PORT=$port DATA_DIR=$dir/data build/redressd -c examples/redress.conf.lua 2>"$dir/log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do grep -q '"listening"' "$dir/log" && break; sleep 0.1; done

rate() { awk '/Requests\/sec/ {print $2}'; }
lat() { awk '/Latency/ {print $2}'; }
wrk -t2 -c"$conns" -d"${secs}s" --latency "http://127.0.0.1:$port/healthz" > "$dir/base"
wrk -t2 -c"$conns" -d"${secs}s" --latency -s bench/intake_wrk.lua "http://127.0.0.1:$port/" > "$dir/post"
base=$(rate < "$dir/base"); post=$(rate < "$dir/post")
p50=$(awk '/ 50%/ {print $2}' "$dir/post"); p99=$(awk '/ 99%/ {print $2}' "$dir/post")
non2xx=$(awk '/Non-2xx/ {print $5}' "$dir/post")
ratio=$(echo "$post $base" | awk '{printf "%.2f", $1/$2}')
printf 'intake: %s decisions/s (p50 %s, p99 %s%s) / healthz %s req/s = ratio %s (target >= 0.6)\n' \
  "$post" "$p50" "$p99" "${non2xx:+, non-2xx $non2xx}" "$base" "$ratio"
printf '| HTTP intake: durable decisions, retail pack, %s connections | %s/s (p50 %s, p99 %s) | GET /healthz %s/s | %s | ≥ 0.6 |\n' \
  "$conns" "$post" "$p50" "$p99" "$base" "$ratio"
