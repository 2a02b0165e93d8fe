#!/bin/sh
# Instructions per HTTP complaint on each thread of redressd — the loop
# (HTTP, the API's precheck, answers, the access log), each decision worker
# and the writer — counted by callgrind (--separate-threads), so the figures
# hold on a busy machine. Two runs of the daemon under callgrind: one that
# only starts and stops, one under wrk (retail pack, bench/intake_wrk.lua)
# for SECONDS; the difference divided by the requests answered leaves out
# start-up. With "events", the load is agent notes on 20 cases (made in
# both runs, so their complaints are left out too) instead of complaints.
# Usage: bench/threads.sh [seconds] [complaints|events]
set -eu
cd "$(dirname "$0")/.."
. bench/daemon.sh
secs=${1:-20}
kind=${2:-complaints}
case $kind in complaints | events) ;; *) echo "threads: complaints or events, not $kind" >&2; exit 2 ;; esac
unit=${kind%s}
dir=$(mktemp -d /tmp/redress-threads.XXXXXX)
pid=""
# on the way out (also after a failure): the daemon under callgrind, if one
# still runs, then the files (pkill -f would match this shell's own trap)
trap '[ -z "$pid" ] || kill -INT "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM HUP # a signal runs the EXIT trap too (sh runs it on exit only)

run() { # name port idle|load
	d=$dir/$1
	mkdir -p "$d"
	PORT=$2 DATA_DIR=$d/data valgrind --tool=callgrind --separate-threads=yes \
		--callgrind-out-file="$d/cg.out" build/redressd -c examples/redress.conf.lua 2>"$d/log" &
	pid=$!
	wait_listening "$d/log" 120
	cases=""
	if [ "$kind" = events ]; then
		for i in $(seq 20); do
			c=$(curl -s -H 'authorization: Bearer demo-intake-token' -H 'content-type: application/json' \
				-d "{\"customer\":{\"id\":\"threads-$i\"},\"channel\":\"email\",\"category\":\"late_delivery\",\"description\":\"late parcel\",\"order\":{\"amount\":4999,\"currency\":\"EUR\"}}" \
				"http://127.0.0.1:$2/v1/complaints" | grep -o '"id":"C[0-9]*"' | head -1 | cut -d'"' -f4)
			[ -n "$c" ] || { echo "threads: a complaint for the events was not answered" >&2; exit 1; }
			cases="$cases $c"
		done
	fi
	if [ "$3" = load ]; then
		if [ "$kind" = events ]; then
			CASES=$cases wrk -t1 -c4 -d"${secs}s" -s bench/event_wrk.lua "http://127.0.0.1:$2/" >"$d/wrk"
		else
			wrk -t1 -c4 -d"${secs}s" -s bench/intake_wrk.lua "http://127.0.0.1:$2/" >"$d/wrk"
		fi
	else
		curl -s -o /dev/null "http://127.0.0.1:$2/healthz"
	fi
	kill -INT "$pid"
	wait "$pid" || true
	pid=""
}
port=$((20000 + $$ % 20000))
run idle "$port" idle
run load $((port + 1)) load
n=$(awk '/requests in/ {print $1}' "$dir/load/wrk")
if grep -q Non-2xx "$dir/load/wrk"; then
	echo "threads: some answers were not 2xx:" >&2
	cat "$dir/load/wrk" >&2
	exit 1
fi
total=0
loop=0
# thread files: -01 the loop (main), then the threads in the order they
# started; name each by its entry function
for f in "$dir"/load/cg.out-*; do
	t=${f##*-}
	a=$(sed -n 's/^summary: //p' "$dir/idle/cg.out-$t")
	b=$(sed -n 's/^summary: //p' "$f")
	per=$(((b - a) / n))
	total=$((total + per))
	what=$(callgrind_annotate --auto=no --inclusive=yes "$f" 2>/dev/null |
		grep -oE 'runtime/(main|engine|worker|webhooks)\.c:[a-z_]+' | head -1)
	case "$what" in
	*main.c:main) name="loop thread" loop=$per ;;
	*writer_main) name="writer" ;;
	*worker_main) name="decision worker" ;;
	*) name=${what:-thread $t} ;;
	esac
	printf '%-16s %9d instructions per %s\n' "$name" "$per" "$unit"
done
printf '%-16s %9d instructions per %s (%s %s)\n' "all threads" "$total" "$unit" "$n" "$kind"
path=$((total - loop))
printf '| instructions per HTTP %s, every thread of redressd (callgrind, `bench/threads.sh%s`): loop thread %s | %s | the decision path (workers, writer) %s | %s | — |\n' \
	"$unit" "$([ "$kind" = events ] && echo " SECONDS events")" "$loop" "$total" "$path" "$(echo "$total $path" | awk '{ printf "%.2f", $1 / $2 }')"
