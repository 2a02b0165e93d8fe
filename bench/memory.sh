#!/bin/sh
# Memory: resident memory of redressd with N stored cases (default 1,000,000)
# against an empty store, in the same run — at ready, and after serving reads
# over the whole store (a customer lookup and list pages). Usage: bench/memory.sh [N]
set -eu
cd "$(dirname "$0")/.."
n=${1:-1000000}
dir=$(mktemp -d /tmp/redress-bench-mem.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP # a signal runs the EXIT trap too (sh runs it on exit only)
port=$((22000 + $$ % 20000))
build/cases_fill "$dir/full" "$n"
mkdir -p "$dir/empty"
rss() { awk '/VmRSS/ {print $2}' /proc/$1/status; }
measure() { # measure DATA_DIR → "ready_kb after_reads_kb"
	cat > "$dir/conf.lua" <<CONF
return { listen = "127.0.0.1:$port", data_dir = "$1", packs = { "$PWD/policies/retail" },
  tokens = { ["bench-read-token"] = { "read" } } }
CONF
	build/redressd -c "$dir/conf.lua" 2>>"$dir/log" &
	pid=$!
	until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do sleep 0.01; done
	r1=$(rss $pid)
	for c in 1 77777 249999; do
		curl -s "http://127.0.0.1:$port/v1/cases?customer=cust-$c" -H 'Authorization: Bearer bench-read-token' >/dev/null
	done
	cursor=
	for i in 1 2 3 4 5 6 7 8 9 10; do
		cursor=$(curl -s "http://127.0.0.1:$port/v1/cases?limit=500${cursor:+&cursor=$cursor}" \
			-H 'Authorization: Bearer bench-read-token' | sed -n 's/.*"next_cursor":"\([^"]*\)".*/\1/p')
	done
	r2=$(rss $pid)
	kill -TERM $pid; wait $pid 2>/dev/null || true; pid=
	echo "$r1 $r2"
}
set -- $(measure "$dir/empty"); e1=$1; e2=$2
set -- $(measure "$dir/full"); f1=$1; f2=$2
size=$(du -sk "$dir/full" | cut -f1)
r1=$(echo "$f1 $e1" | awk '{printf "%.2f", $1/$2}')
r2=$(echo "$f2 $e2" | awk '{printf "%.2f", $1/$2}')
printf 'memory: RSS with %s stored cases (%s MB on disk): %s kB at ready, %s kB after reads / empty store %s kB, %s kB = ratio %s, %s\n' \
	"$n" "$((size / 1024))" "$f1" "$f2" "$e1" "$e2" "$r1" "$r2"
printf '| resident memory with %s stored cases (%s MB on disk): at ready / after reads | %s / %s kB | empty store %s / %s kB | %s / %s | ≈ 1 at ready |\n' \
	"$n" "$((size / 1024))" "$f1" "$f2" "$e1" "$e2" "$r1" "$r2"
