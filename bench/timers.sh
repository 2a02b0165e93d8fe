#!/bin/sh
# Timers: restart-ready time and resident memory with N pending timers
# (default 1,000,000) against an empty store, in the same run; then the
# firing rate against the intake rate measured on the same daemon.
# Usage: bench/timers.sh [N]
set -eu
cd "$(dirname "$0")/.."
n=${1:-1000000}
dir=$(mktemp -d /tmp/redress-bench-timers.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP # a signal runs the EXIT trap too (sh runs it on exit only)

conf() { # conf DATA_DIR PORT PACK
	cat > "$dir/conf.lua" <<CONF
return { listen = "127.0.0.1:$2", data_dir = "$1", packs = { "$3" },
  tokens = { ["bench-admin-token"] = { "admin" } } }
CONF
}
now_ms() { date +%s%3N; }

# Time from exec to the first 200 from /healthz; prints "ms rss_kb".
ready() { # ready DATA_DIR PORT
	conf "$1" "$2" "$PWD/policies/retail"
	t0=$(now_ms)
	build/redressd -c "$dir/conf.lua" 2>>"$dir/log" &
	pid=$!
	until curl -sf "http://127.0.0.1:$2/healthz" >/dev/null 2>&1; do sleep 0.005; done
	t1=$(now_ms)
	rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
	kill -TERM $pid; wait $pid 2>/dev/null || true; pid=
	echo "$((t1 - t0)) $rss"
}

port=$((21000 + $$ % 20000))
mkdir -p "$dir/empty" "$dir/full"
build/timers_fill "$dir/full" "$n" >/dev/null
# prime both stores (first open creates the databases), then measure 3 times each
ready "$dir/empty" $port >/dev/null; ready "$dir/full" $port >/dev/null
e=$(for i in 1 2 3; do ready "$dir/empty" $port; done | sort -n | head -1)
f=$(for i in 1 2 3; do ready "$dir/full" $port; done | sort -n | head -1)
set -- $e; e_ms=$1; e_rss=$2
set -- $f; f_ms=$1; f_rss=$2
ratio=$(echo "$f_ms $e_ms" | awk '{printf "%.2f", $1/($2>0?$2:1)}')
printf 'timers: restart-ready %s ms with %s pending timers / %s ms empty = ratio %s; RSS %s kB / %s kB (best of 3)\n' \
	"$f_ms" "$n" "$e_ms" "$ratio" "$f_rss" "$e_rss"
printf '| restart-ready with %s pending timers (RSS) | %s ms (%s kB) | empty store %s ms (%s kB) | %s | ≈ 1 |\n' \
	"$n" "$f_ms" "$f_rss" "$e_ms" "$e_rss" "$ratio"

# Firing rate: complaints each set a timer 4 s ahead; all come due within
# the few seconds the load lasted; measure how fast the engine fires them.
conf "$dir/fire" $port "$PWD/bench/packs/timer-bench"
sed -i 's/bench-admin-token/demo-intake-token/' "$dir/conf.lua"
build/redressd -c "$dir/conf.lua" 2>>"$dir/log" &
pid=$!
until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do sleep 0.01; done
wrk -t2 -c50 -d2s -s bench/intake_wrk.lua "http://127.0.0.1:$port/" > "$dir/wrk"
intake=$(awk '/Requests\/sec/ {print $2}' "$dir/wrk")
first=; last=
t_start=$(now_ms)
while :; do
	p=$(curl -s "http://127.0.0.1:$port/metrics" -H 'Authorization: Bearer demo-intake-token' | awk '$1 == "redress_timers_pending" {print $2}')
	f=$(curl -s "http://127.0.0.1:$port/metrics" -H 'Authorization: Bearer demo-intake-token' | awk '$1 == "redress_timers_fired_total" {print $2}')
	t=$(now_ms)
	[ -z "$first" ] && [ "${f:-0}" -gt 0 ] && first=$t && f_first=$f
	if [ "${p:-1}" -eq 0 ] && [ "${f:-0}" -gt 0 ]; then last=$t; break; fi
	[ $((t - t_start)) -gt 60000 ] && break
	sleep 0.05
done
if [ -n "$first" ] && [ -n "$last" ] && [ "$last" -gt "$first" ]; then
	rate=$(echo "$f $f_first $first $last" | awk '{printf "%.0f", ($1-$2)/(($4-$3)/1000)}')
	ratio=$(echo "$rate $intake" | awk '{printf "%.2f", $1/$2}')
	printf 'timers: fired %s timers at %s/s (each a durable on_timer decision) / intake %s decisions/s = ratio %s\n' \
		"$f" "$rate" "$intake" "$ratio"
	printf '| timer firing: durable on_timer decisions | %s/s | intake on the same daemon %s/s | %s | — |\n' "$rate" "$intake" "$ratio"
else
	echo "timers: firing rate not measured (fired=${f:-0})"
fi
