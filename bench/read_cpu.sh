#!/bin/sh
# CPU per read of a long case, by thread: the loop thread (redressd), which
# sends the answer, and the readers thread (rd-readers), which builds it.
# A case of N events (agent notes), then two clients read it without pause
# for SECONDS, ROUNDS times; each round prints each thread's user and
# kernel time per read, from /proc (clock ticks, so rounds of a few
# thousand reads). A diagnostic, as bench/cpu_split.sh: it compares two
# trees run one after the other, not a figure against a baseline.
#   bench/read_cpu.sh [events] [seconds] [rounds]
set -eu
cd "$(dirname "$0")/.."
. bench/daemon.sh
. bench/long_case.sh
events=${1:-2000}; secs=${2:-4}; rounds=${3:-3}
dir=$(mktemp -d /tmp/redress-bench.XXXXXX)
port=$((20000 + $$ % 20000))
PORT=$port DATA_DIR=$dir/data build/redressd -c examples/redress.conf.lua 2>"$dir/log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM HUP # a signal runs the EXIT trap too (sh runs it on exit only)
wait_listening "$dir/log"
id=$(long_case "$port" "$events") || exit 1
bytes=$(curl -s -H 'Authorization: Bearer demo-read-token' "http://127.0.0.1:$port/v1/cases/$id" | wc -c)
ticks=$(getconf CLK_TCK)
snap() { for t in /proc/"$pid"/task/*; do awk -v n="$(cat "$t/comm")" '{ print n, $14, $15 }' "$t/stat"; done; }
echo "read_cpu: a case of at least $events events ($bytes bytes), two clients reading it, ${secs} s a round"
for _ in $(seq "$rounds"); do
	snap > "$dir/a"
	CASE_ID=$id wrk -t1 -c2 -d"${secs}s" -s bench/case_wrk.lua "http://127.0.0.1:$port/" > "$dir/w"
	snap > "$dir/b"
	reads=$(awk '/requests in/ { print $1 }' "$dir/w")
	awk -v n="$reads" -v hz="$ticks" 'NR == FNR { u[$1] += $2; s[$1] += $3; next } { U[$1] += $2; S[$1] += $3 }
		END { printf "%d reads:", n
		      for (k in U) if (U[k] + S[k] - u[k] - s[k] > 0)
		          printf "  %s user %.0f us, kernel %.0f us a read;", k, (U[k] - u[k]) * 1e6 / hz / n, (S[k] - s[k]) * 1e6 / hz / n
		      print "" }' "$dir/a" "$dir/b"
done
