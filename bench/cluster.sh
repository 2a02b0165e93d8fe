#!/bin/sh
# Cluster mode's cost: durable decisions/s on the leader of a three-node
# cluster (three nats-servers, JetStream, file storage, 3 replicas, all on
# this machine) ÷ the same on one node without NATS, same config, same
# connections, same run. The two alternate (one node, the cluster, one node,
# …: PAIRS pairs of phases of about SECONDS/2 each) and the ratio is the
# median over the pairs of the cluster ÷ the one-node phase just before it:
# measured once each, one after the other, the row moved with the machine's
# drift (0.29 and 0.50 within the hour). Usage: bench/cluster.sh [seconds]
# [connections] [pairs]
set -eu
cd "$(dirname "$0")/.."
. bench/daemon.sh
. bench/pairs.sh
secs=${1:-5}; conns=${2:-50}; pairs=${3:-3}
phase=$(( (secs + 1) / 2 ))
[ "$phase" -ge 2 ] || phase=2
dir=$(mktemp -d /tmp/redress-bench.XXXXXX)
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null; done; wait 2>/dev/null; [ -n "${BENCH_KEEP:-}" ] || rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM HUP # a signal runs the EXIT trap too (sh runs it on exit only)
base=$((20000 + $$ % 20000))
# ports: single node, three nodes' HTTP, three NATS clients, three NATS routes
single=$base; http1=$((base + 1)); nats1=$((base + 4)); route1=$((base + 7))

rate() { awk '/Requests\/sec/ {print $2}'; }
# examples/redress.conf.lua with a cluster table before its last line
config() {
	awk -v extra="$1" '{ lines[NR] = $0 } END { for (i = 1; i < NR; i++) print lines[i]; print extra; print lines[NR] }' \
		examples/redress.conf.lua
}
intake() { # port → decisions/s
	wrk -t2 -c"$conns" -d"${phase}s" -s bench/intake_wrk.lua "http://127.0.0.1:$1/" > "$dir/wrk.$1"
	if grep -q "Non-2xx" "$dir/wrk.$1"; then echo "bench/cluster.sh: non-2xx answers on port $1" >&2; fi
	rate < "$dir/wrk.$1"
}
batches() { # port → "mean batch size, mean ms per batch (build, publish, commit)"
	curl -s -H 'Authorization: Bearer demo-read-token' "http://127.0.0.1:$1/metrics" | awk '
		/^redress_commit_batch_size_sum/ {bs = $2} /^redress_commit_batch_size_count/ {bn = $2}
		/^redress_commit_seconds_sum/ {cs = $2} /^redress_commit_seconds_count/ {cn = $2}
		END { if (bn && cn) printf "batches of %.1f, %.2f ms each", bs / bn, 1000 * cs / cn }'
}

# one node, no NATS
config "" > "$dir/single.conf.lua"
mkdir -p "$dir/single"
PORT=$single DATA_DIR=$dir/single build/redressd -c "$dir/single.conf.lua" 2>"$dir/single.log" &
pids="$pids $!"
wait_listening "$dir/single.log" 60

# three nats-servers and three nodes
servers=""
for i in 1 2 3; do servers="$servers${servers:+, }\"nats://127.0.0.1:$((nats1 + i - 1))\""; done
for i in 1 2 3; do
	routes=""
	for j in 1 2 3; do [ $j = $i ] || routes="$routes${routes:+, }nats-route://127.0.0.1:$((route1 + j - 1))"; done
	cat > "$dir/nats$i.conf" <<EOF
server_name: s$i
listen: 127.0.0.1:$((nats1 + i - 1))
jetstream { store_dir: "$dir/nats$i" }
cluster { name: bench, listen: 127.0.0.1:$((route1 + i - 1)), routes: [$routes] }
EOF
	nats-server -c "$dir/nats$i.conf" > "$dir/nats$i.log" 2>&1 &
	pids="$pids $!"
done
for i in 1 2 3; do
	port=$((http1 + i - 1))
	config "  cluster = { name = \"n$i\", nats = { servers = { $servers } }, advertise = \"http://127.0.0.1:$port\" }," \
		> "$dir/n$i.conf.lua"
	mkdir -p "$dir/n$i"
	PORT=$port DATA_DIR=$dir/n$i build/redressd -c "$dir/n$i.conf.lua" 2>"$dir/n$i.log" &
	pids="$pids $!"
done
leader=""
for _ in $(seq 600); do
	for i in 1 2 3; do grep -q '"cluster: leading"' "$dir/n$i.log" 2>/dev/null && leader=$i; done
	[ -n "$leader" ] && break
	sleep 0.1
done
[ -n "$leader" ] || { echo "bench/cluster.sh: no leader" >&2; exit 1; }
sleep 1
: > "$dir/pairs"
for _ in $(seq "$pairs"); do
	one=$(intake $single)
	three=$(intake $((http1 + leader - 1)))
	echo "$one $three" >> "$dir/pairs"
done
one_b=$(batches $single)
three_b=$(batches $((http1 + leader - 1)))
# the median pair by its ratio; its own figures are the ones printed
set -- $(median_pair "$dir/pairs" "$pairs")
ratio=$(printf '%.2f' "$1"); one=$2; three=$3
all=$(pair_ratios "$dir/pairs")
printf 'cluster: %s durable decisions/s on the leader of 3 nodes (%s) / one node %s/s (%s) = ratio %s, the median of %s alternating pairs (%s) (target >= 0.5)\n' \
	"$three" "$three_b" "$one" "$one_b" "$ratio" "$pairs" "$all"
printf '| cluster intake: durable decisions on the leader of 3 nodes (3 nats-servers, R3 file stream), %s connections (median of %s alternating pairs) | %s/s | one node without NATS %s/s | %s | ≥ 0.5 |\n' \
	"$conns" "$pairs" "$three" "$one" "$ratio"
