#!/bin/sh
# Where the machine's time goes while redressd takes durable complaints at
# the peer row's load (wrk, 50 connections, bench/intake_wrk.lua, the
# retail pack): each of redressd's threads by its name (the loop, the
# decision workers, the writer; user and kernel time apart), the rest of
# the machine (the load tool, the kernel's own workers), and the time the
# two cores sat idle — per complaint answered, and as shares of the
# machine's time in the same run; and how long each thread was ready to
# run but waited for a core (the writer's, per commit: a commit's wall
# time is partly that wait). CPU time from /proc, so a busy machine
# moves the rate, not the split much. Usage: bench/cpu_split.sh [seconds]
set -eu
cd "$(dirname "$0")/.."
. bench/daemon.sh
secs=${1:-10}
dir=$(mktemp -d /tmp/redress-cpu-split.XXXXXX)
pid=""
trap '[ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; }; rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM HUP # a signal runs the EXIT trap too (sh runs it on exit only)
port=$((20000 + $$ % 20000))
PORT=$port DATA_DIR=$dir/data build/redressd -c examples/redress.conf.lua 2>"$dir/log" &
pid=$!
wait_listening "$dir/log"
url="http://127.0.0.1:$port/"
wrk -t2 -c50 -d2s -s bench/intake_wrk.lua "$url" >/dev/null # warm: packs, caches, the store's first pages

# snapshot FILE: "role user sys" per thread (role: the thread's name, the
# main thread "loop"), then "machine busy idle" and "steal n 0" (time the
# host gave to other machines) from /proc/stat
snapshot() {
	for t in /proc/"$pid"/task/*; do
		name=$(cat "$t/comm")
		[ "${t##*/}" = "$pid" ] && name=loop
		# the time it was ready to run but waited for a core (ns), where
		# the kernel keeps scheduler statistics
		w=$(awk '{ print $2 }' "$t/schedstat" 2>/dev/null || echo 0)
		awk -v n="$name" -v w="${w:-0}" '{ print n, $14, $15, w }' "$t/stat"
	done > "$1"
	awk '/^cpu / { print "machine", $2 + $3 + $4 + $7 + $8, $5 + $6; print "steal", $9, 0 }' /proc/stat >> "$1"
	# the writer's commits: how many, how long in all (seconds), how many jobs
	curl -s -H 'Authorization: Bearer demo-admin-token' "${url}metrics" |
		awk '/^redress_commit_seconds_(count|sum) / { v[$1] = $2 } /^redress_commit_batch_size_sum / { b = $2 }
			END { print "commits", v["redress_commit_seconds_count"], v["redress_commit_seconds_sum"] * 1e6, b }' >> "$1"
}
snapshot "$dir/before"
wrk -t2 -c50 -d"${secs}s" -s bench/intake_wrk.lua "$url" > "$dir/wrk"
snapshot "$dir/after"
if grep -q Non-2xx "$dir/wrk"; then
	echo "cpu_split: some answers were not 2xx:" >&2
	cat "$dir/wrk" >&2
	exit 1
fi
n=$(awk '/requests in/ { print $1 }' "$dir/wrk")
rate=$(awk '/Requests\/sec/ { print $2 }' "$dir/wrk")
tck=$(getconf CLK_TCK)
# per role (rd-worker-1, rd-worker-2 → workers): user and kernel µs per
# complaint; the machine's busy time less redressd's is "the rest"
awk -v n="$n" -v tck="$tck" -v rate="$rate" '
	FNR == NR { u0[$1] += $2; s0[$1] += $3; w0[$1] += $4; next }
	{ u1[$1] += $2; s1[$1] += $3; w1[$1] += $4 }
	END {
		us = 1e6 / tck / n
		commits = u1["commits"] - u0["commits"]; commit_us = s1["commits"] - s0["commits"]
		busy = (u1["machine"] - u0["machine"]) * us; idle = (s1["machine"] - s0["machine"]) * us
		steal = (u1["steal"] - u0["steal"]) * us
		total = busy + idle + steal
		for (r in u1) {
			if (r == "machine" || r == "steal" || r == "commits") continue
			role = r; sub(/-[0-9]+$/, "s", role)
			U[role] += (u1[r] - u0[r]) * us; S[role] += (s1[r] - s0[r]) * us
			W[role] += (w1[r] - w0[r]) / 1000 / n
		}
		own = 0
		for (r in U) own += U[r] + S[r]
		printf "cpu split at %s complaints/s (two cores: %.0f µs of machine time per complaint): ", rate, total
		for (r in U) if (U[r] + S[r] > 0) printf "%s %.1f µs (kernel %.1f; ready but waiting for a core %.1f); ", r, U[r] + S[r], S[r], W[r]
		printf "redressd %.1f µs; the rest of the machine (the load tool, kernel workers) %.1f µs; idle %.1f µs; taken by the host %.1f µs. ", own, busy - own, idle, steal
		if (commits > 0)
			printf "The writer: %d commits, %.1f complaints each, %.2f ms each (of which up to %.2f ms ready but waiting for a core), busy %.0f %% of the run\n", commits, n / commits, commit_us / commits / 1000, W["rd-writer"] * n / commits / 1000, commit_us / (n / rate * 1e6) * 100
		else
			printf "\n"
		order = "rd-workers loop rd-writer"
		split(order, o, " ")
		for (i = 1; i <= 3; i++) {
			r = o[i]
			printf "| CPU per HTTP complaint under load: %s (kernel %.1f µs) | %.1f µs | machine time %.0f µs | %.2f | — |\n", r, S[r], U[r] + S[r], total, (U[r] + S[r]) / total
		}
		printf "| … the load tool and the rest of the machine | %.1f µs | machine time %.0f µs | %.2f | — |\n", busy - own, total, (busy - own) / total
		printf "| … both cores idle (the complaints in flight wait on a commit of the writer) | %.1f µs | machine time %.0f µs | %.2f | — |\n", idle, total, idle / total
		if (commits > 0) printf "| the writer ready to run but waiting for a core, per commit (scheduler statistics) | %.2f ms | a commit %.2f ms | %.2f | — |\n", W["rd-writer"] * n / commits / 1000, commit_us / commits / 1000, W["rd-writer"] * n / commit_us
		if (commits > 0) printf "| commits by the writer under load: complaints per commit, and the share of the run spent committing | %.1f per commit, %.2f ms each | the run | %.2f | — |\n", n / commits, commit_us / commits / 1000, commit_us / (n / rate * 1e6)
		if (steal > 0) printf "| … taken by the host (steal) | %.1f µs | machine time %.0f µs | %.2f | — |\n", steal, total, steal / total
	}' "$dir/before" "$dir/after"
