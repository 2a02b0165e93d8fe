#!/bin/sh
# What-if beside intake: intake p99 alone, and while a what-if replay
# (POST /v1/replays) re-runs the stored cases under a candidate pack on its
# own thread. The cases are made by the same intake first.
# The two phases alternate (alone, beside, alone, beside, …: PAIRS pairs;
# each beside phase has a replay of its own, stopped with DELETE after it),
# and the ratio is the median over the pairs of beside ÷ the alone just
# before it, as listing.sh does: one pair alone moved with the machine's
# drift as much as with the replay.
# Usage: bench/whatif.sh [seconds] [fill seconds] [pairs]
set -eu
cd "$(dirname "$0")/.."
. bench/daemon.sh
. bench/pairs.sh
secs=${1:-5}; fill=${2:-5}; pairs=${3:-5}
phase=$(( (secs * 2 + pairs - 1) / pairs )) # the same time in all as two phases of secs
[ "$phase" -ge 2 ] || phase=2
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
wait_listening "$dir/log"

api() { curl -s -H 'authorization: Bearer bench-admin-token' -H 'content-type: application/json' "$@"; }
field() { sed -n "s/.*\"$1\":\"\\{0,1\\}\\([^\",}]*\\).*/\\1/p"; }
p99() { awk '/ 99%/ {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.2f", v}'; }
wrk -t1 -c20 -d"${fill}s" -s bench/intake_wrk.lua "http://127.0.0.1:$port/" > /dev/null
intake() { wrk -t1 -c20 -d"${phase}s" --latency -s bench/intake_wrk.lua "http://127.0.0.1:$port/" | p99; }
# The replay counts its cases first (reading each for its pack and time,
# giving way to intake as it goes), then replays them: intake is measured
# beside the replay proper, once the count is done (progress has a total).
# → the replay's id, once counted
start_replay() {
	rid=$(api -d "{\"candidate\":\"retail-next\",\"max_cases\":${WHATIF_MAX_CASES:-5000}}" "http://127.0.0.1:$port/v1/replays" | field id)
	[ -n "$rid" ] || { echo "whatif: POST /v1/replays gave no id" >&2; return 1; }
	for _ in $(seq 100); do
		t=$(api "http://127.0.0.1:$port/v1/replays/$rid?limit=1" | field total)
		[ -n "$t" ] && [ "$t" != 0 ] && break
		sleep 0.1
	done
	echo "$rid"
}
# stops replay $1 and waits until it has (the next alone phase runs alone)
stop_replay() {
	api -X DELETE "http://127.0.0.1:$port/v1/replays/$1" > /dev/null
	for _ in $(seq 100); do
		case $(api "http://127.0.0.1:$port/v1/replays/$1?limit=1" | field state) in
		running | queued) sleep 0.1 ;;
		*) return 0 ;;
		esac
	done
}
: > "$dir/pairs"
for i in $(seq "$pairs"); do
	a=$(intake)
	id=$(start_replay)
	b=$(intake)
	[ -n "$a" ] && [ -n "$b" ] || { echo "whatif: wrk gave no p99 (pair $i)" >&2; exit 1; }
	api "http://127.0.0.1:$port/v1/replays/$id?limit=1" > "$dir/replay.$i"
	state=$(field state < "$dir/replay.$i")
	echo "$a $b $(field done < "$dir/replay.$i") $(field total < "$dir/replay.$i") $state" >> "$dir/pairs"
	stop_replay "$id"
done
# the median pair by its ratio; its own figures are the ones printed
set -- $(median_pair "$dir/pairs" "$pairs")
ratio=$(printf '%.2f' "$1"); a=$2; b=$3; done_n=$4; total=$5; state=$6
all=$(pair_ratios "$dir/pairs")
note=""
[ "$state" = running ] || note=" (the replay ended before the measurement did: $state)"
echo "whatif: intake p99 ${b} ms while a replay ran (${done_n} of ${total} cases replayed by then) / ${a} ms alone = ratio ${ratio}, the median of ${pairs} pairs (${all}) (target < 2)${note}"
echo "| intake p99 while a what-if replay runs (${total} cases; median of ${pairs} alternating pairs) | ${b} ms | ${a} ms alone | ${ratio} | < 2 |"
