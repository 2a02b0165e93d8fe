#!/bin/sh
# Event decisions on a long case: instructions per decision on the decision
# workers (callgrind --toggle-collect=rd__decide, so the figure holds on a
# busy machine) for the 11th to the 60th event on one case (the view's
# history grows to its 50 entries) against the 1st to the 10th, from three
# runs of the daemon (a complaint and 0, 10 and 60 events; differences leave
# out start-up and the first decision's warm-up). Usage: bench/events.sh
set -eu
cd "$(dirname "$0")/.."
. bench/daemon.sh
dir=$(mktemp -d /tmp/redress-events.XXXXXX)
pid=""
trap '[ -z "$pid" ] || kill -INT "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM HUP # a signal runs the EXIT trap too (sh runs it on exit only)
note='{"type":"customer.replied","data":{"message":"Any news about my parcel? I have been waiting for a week now."}}'

count() { # events → instructions inside rd__decide for one complaint and that many events on its case
	d=$dir/run$1
	mkdir -p "$d"
	port=$((21000 + $$ % 10000 + $1))
	PORT=$port DATA_DIR=$d/data valgrind --tool=callgrind --toggle-collect=rd__decide \
		--callgrind-out-file="$d/cg.out" build/redressd -c examples/redress.conf.lua 2>"$d/log" &
	pid=$!
	wait_listening "$d/log" 60
	id=$(curl -s -X POST -H "Authorization: Bearer demo-intake-token" \
		--data @examples/complaints/retail/late-delivery-en.json "http://127.0.0.1:$port/v1/complaints" |
		sed -n 's/.*"id":"\(C[0-9]*\)".*/\1/p' | head -1)
	[ -n "$id" ] || { echo "bench/events.sh: the complaint was not answered" >&2; exit 1; }
	i=0
	while [ $i -lt "$1" ]; do
		code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer demo-agent-token" \
			--data "$note" "http://127.0.0.1:$port/v1/cases/$id/events")
		[ "$code" = 200 ] || { echo "bench/events.sh: event answered $code" >&2; exit 1; }
		i=$((i + 1))
	done
	kill -INT "$pid"
	wait "$pid" || true
	pid=""
	cat "$d"/cg.out* | sed -n 's/^summary: //p' | awk '{ s += $1 } END { print s }'
}
c0=$(count 0)
c10=$(count 10)
c60=$(count 60)
short=$(( (c10 - c0) / 10 ))
long=$(( (c60 - c10) / 50 ))
ratio=$(echo "$long $short" | awk '{ printf "%.2f", $1 / $2 }')
echo "events: $long instructions per event decision from the 11th to the 60th event of a case / $short from the 1st to the 10th = ratio $ratio"
echo "| instructions per event decision on a long case (11th–60th event; callgrind, decision workers) | $long | 1st–10th event $short | $ratio | — |"
