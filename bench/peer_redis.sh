#!/bin/sh
# Peer: the same decision and the same writes done by Redis 7 + a Lua EVAL
# script with appendfsync always (every write durable before the answer, as
# in redress), at the same concurrency (50 clients), against redress on the
# same machine in the same run. Usage: bench/peer_redis.sh [requests]
set -eu
cd "$(dirname "$0")/.."
n=${1:-50000}
dir=$(mktemp -d /tmp/redress-bench-redis.XXXXXX)
rport=$((23000 + $$ % 20000))
cleanup() { redis-cli -p $rport shutdown nosave >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
redis-server --port $rport --dir "$dir" --appendonly yes --appendfsync always --save '' --daemonize yes \
	--logfile "$dir/redis.log" >/dev/null
until redis-cli -p $rport ping >/dev/null 2>&1; do sleep 0.05; done
sha=$(redis-cli -p $rport script load "$(cat bench/peer_redis.lua)")
# one call first: the script must run and answer
redis-cli -p $rport evalsha "$sha" 0 probe | grep -q '"outcome":"decided"'
redis=$(redis-benchmark -p $rport -c 50 -n "$n" -r 100000000 -q evalsha "$sha" 0 "c__rand_int__" 2>/dev/null |
	tr '\r' '\n' | sed -n 's/.*: \([0-9.]*\) requests per second.*/\1/p' | tail -1)
redress=$(bench/intake.sh 5 50 | sed -n 's/^intake: \([0-9.]*\) decisions.*/\1/p')
ratio=$(echo "$redress $redis" | awk '{printf "%.2f", $1/$2}')
printf 'peer: redress %s durable decisions/s / Redis 7 EVAL with appendfsync always %s/s = ratio %s (target >= 1.3)\n' \
	"$redress" "$redis" "$ratio"
printf '| peer: the same decision and writes in Redis 7 + EVAL, appendfsync always, 50 clients | redress %s/s | Redis %s/s | %s | ≥ 1.3 |\n' \
	"$redress" "$redis" "$ratio"
