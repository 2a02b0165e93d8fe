#!/bin/sh
# What-if beside intake: intake p99 alone, and while a what-if replay
# (POST /v1/replays) re-runs the stored cases under a candidate pack on its
# own thread. The cases are made by the same intake first.
# Usage: bench/whatif.sh [seconds] [fill seconds]
set -eu
cd "$(dirname "$0")/.."
secs=${1:-5}; fill=${2:-5}
dir=$(mktemp -d /tmp/redress-bench.XXXXXX)
port=$((20000 + $$ % 20000))
mkdir -p "$dir/candidates"
cp -r policies/retail "$dir/candidates/retail-next"
sed -i 's/coupon_percent = 10,/coupon_percent = 20,/; s/version = "0.1.0"/version = "0.2.0"/' "$dir/candidates/retail-next/pack.lua"
cat > "$dir/redress.conf.lua" <<CONF
return {
  listen = "127.0.0.1:$port", data_dir = "$dir/data", packs = { "policies/retail" },
  log = { access = false }, replay = { candidates = "$dir/candidates" },
  tokens = { ["demo-intake-token"] = { "intake" }, ["bench-admin-token"] = { "admin" } },
}
CONF
build/redressd -c "$dir/redress.conf.lua" 2>"$dir/log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM HUP # a signal runs the EXIT trap too (sh runs it on exit only)
for _ in $(seq 100); do grep -q '"listening"' "$dir/log" && break; sleep 0.1; done

api() { curl -s -H 'authorization: Bearer bench-admin-token' -H 'content-type: application/json' "$@"; }
field() { sed -n "s/.*\"$1\":\"\\{0,1\\}\\([^\",}]*\\).*/\\1/p"; }
p99() { awk '/ 99%/ {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.2f", v}'; }
wrk -t1 -c20 -d"${fill}s" -s bench/intake_wrk.lua "http://127.0.0.1:$port/" > /dev/null
wrk -t1 -c20 -d"${secs}s" --latency -s bench/intake_wrk.lua "http://127.0.0.1:$port/" > "$dir/alone"
# The replay counts its cases first (reading each for its pack and time,
# giving way to intake as it goes), then replays them: intake is measured
# beside the replay proper, once the count is done (progress has a total).
id=$(api -d "{\"candidate\":\"retail-next\",\"max_cases\":${WHATIF_MAX_CASES:-5000}}" "http://127.0.0.1:$port/v1/replays" | field id)
for _ in $(seq 100); do
	t=$(api "http://127.0.0.1:$port/v1/replays/$id?limit=1" | field total)
	[ -n "$t" ] && [ "$t" != 0 ] && break
	sleep 0.1
done
wrk -t1 -c20 -d"${secs}s" --latency -s bench/intake_wrk.lua "http://127.0.0.1:$port/" > "$dir/beside"
state=$(api "http://127.0.0.1:$port/v1/replays/$id?limit=1" > "$dir/replay"; field state < "$dir/replay")
done_n=$(field done < "$dir/replay"); total=$(field total < "$dir/replay")
a=$(p99 < "$dir/alone"); b=$(p99 < "$dir/beside")
ratio=$(echo "$b $a" | awk '{printf "%.2f", $1/$2}')
note=""
[ "$state" = running ] || note=" (the replay ended before the measurement did: $state)"
echo "whatif: intake p99 ${b} ms while a replay ran (${done_n} of ${total} cases replayed by then) / ${a} ms alone = ratio ${ratio} (target < 2)${note}"
echo "| intake p99 while a what-if replay runs (${total} cases) | ${b} ms | ${a} ms alone | ${ratio} | < 2 |"
