#!/bin/sh
# Peer: the same decision and the same records done by Redis 7 + a Lua EVAL
# script with appendfsync always (every write durable before the answer, as
# in redress), at the same concurrency (50 clients), against redress on the
# same machine in the same run. Both are sent the same complaint body (and
# the peer the token), and the peer's records are checked against redress's
# before anything is measured (below; not across UTC midnight, where the two
# could see different days: a check due then waits for the new day). The two
# alternate (Redis, redress, Redis, …: PAIRS pairs of about SECONDS each) and the ratio is the median over the
# pairs of redress ÷ the Redis run just before it: run one after the other
# once, the two measured the machine's drift (its fsync time, other tenants)
# as much as the servers. Usage: bench/peer_redis.sh [requests] [pairs]
# (requests: Redis's per run; redress runs as long as Redis's first run took)
set -eu
cd "$(dirname "$0")/.."
. bench/daemon.sh
. bench/pairs.sh
n=${1:-20000}; pairs=${2:-3}
dir=$(mktemp -d /tmp/redress-bench-redis.XXXXXX)
rport=$((23000 + $$ % 20000))
port=$((20000 + $$ % 20000))
pid=""
cleanup() {
	redis-cli -p $rport shutdown nosave >/dev/null 2>&1 || true
	[ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; }
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP # a signal runs the EXIT trap too (sh runs it on exit only)
redis-server --port $rport --dir "$dir" --appendonly yes --appendfsync always --save '' --daemonize yes \
	--logfile "$dir/redis.log" >/dev/null
until redis-cli -p $rport ping >/dev/null 2>&1; do sleep 0.05; done
PORT=$port DATA_DIR=$dir/data build/redressd -c examples/redress.conf.lua 2>"$dir/log" &
pid=$!
wait_listening "$dir/log"
# the retail pack's hash, as redress loaded it: the peer's script records it
hash=$(curl -s -H 'Authorization: Bearer demo-admin-token' "http://127.0.0.1:$port/v1/packs" |
	sed -nE 's/.*"hash":"([0-9a-f]{16})"[^}]*"name":"retail".*/\1/p')
[ -n "$hash" ] || { echo "peer_redis: no hash for the retail pack in GET /v1/packs" >&2; exit 1; }
sha=$(redis-cli -p $rport script load "$(sed "s/@PACK_HASH@/$hash/" bench/peer_redis.lua)")
# The complaint both are sent (wrk's, bench/intake_wrk.lua, with another
# customer id), and the token redress is sent.
complaint() {
	printf '{"customer":{"id":"%s"},"channel":"email","category":"late_delivery","description":"late parcel","order":{"amount":4999,"currency":"EUR"}}' "$1"
}
token=demo-intake-token
# the peer's tokens: each with the digest redress records as the event's actor
redis-cli -p $rport hset peer:tokens "$token" "$(printf %s "$token" | sha256sum | cut -c1-12)" >/dev/null
# Before measuring: the peer keeps the records redress keeps for the same
# complaint, byte for byte, apart from the times (the two run a moment
# apart; the promise's distance from the complaint is compared instead):
# the answer, the case with its timeline (event and decision), the outbox
# rows, the timer row and the customer's summary. Redress's are read through
# its API and from its store, the peer's by key. A change to the retail pack
# or to what redress records that the peer does not follow stops the bench.
masked() {
	sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z/TIME/g; s/"(opened_ms|due_ms)":[0-9]+/"\1":MS/g'
}
promise_ms() { # the promise's due time less the complaint's, from a case
	sed -nE 's/.*"opened_ms":([0-9]+).*"promises":\[\{"due_at":"[^"]*","due_ms":([0-9]+).*/\2 \1/p' | awk '{ print $1 - $2 }'
}
to_redress() { # body → redress's answer
	curl -s -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$1" \
		"http://127.0.0.1:$port/v1/complaints"
}
to_peer() { # body → the peer's answer, on one line
	redis-cli -p $rport evalsha "$sha" 0 "$1" "$token" | tr -d '\n'
}
store_values() { # db: the values of one of redress's databases, one a line
	mdb_dump -p -s "$1" "$dir/data" | sed -n '/HEADER=END/,/DATA=END/p' | sed '1d;$d' | awk 'NR % 2 == 0' | sed 's/^ //'
}
# the records hold dates in words, so the check (about a second) does not
# run across UTC midnight: in its last ten seconds it waits for the new day
secs_today=$(( $(date -u +%s) % 86400 ))
[ "$secs_today" -lt 86390 ] || sleep $(( 86401 - secs_today ))
probe_id=probe-1
to_redress "$(complaint $probe_id)" > "$dir/redress.answer"
to_peer "$(complaint $probe_id)" > "$dir/peer.answer"
admin="Authorization: Bearer demo-admin-token"
{
	cat "$dir/redress.answer"; echo
	curl -s -H "$admin" "http://127.0.0.1:$port/v1/cases/C0000000001"; echo
	curl -s -H "$admin" "http://127.0.0.1:$port/v1/outbox?limit=3"; echo
	store_values timers
	store_values customers | grep days
	promise_ms < "$dir/redress.answer"
} > "$dir/redress.records"
{
	cat "$dir/peer.answer"; echo
	printf '{"case":%s,"timeline":[%s,%s]}\n' "$(redis-cli -p $rport get case:C0000000001)" \
		"$(redis-cli -p $rport get event:C0000000001:1)" "$(redis-cli -p $rport get decision:C0000000001:1)"
	printf '{"items":[%s,%s,%s],"next_after":3}\n' "$(redis-cli -p $rport get outbox:1)" \
		"$(redis-cli -p $rport get outbox:2)" "$(redis-cli -p $rport get outbox:3)"
	redis-cli -p $rport zrange timers 0 0
	redis-cli -p $rport get summary:$probe_id
	promise_ms < "$dir/peer.answer"
} > "$dir/peer.records"
# a second complaint, whose text needs JSON's escapes and whose amount is
# past a double's 14 digits: its answer only
second='{"customer":{"id":"probe/2"},"channel":"email","category":"late_delivery","description":"late 2/3 \"parcel\"\t","order":{"amount":123456789012345,"currency":"EUR"}}'
{ to_redress "$second"; echo; } >> "$dir/redress.records"
{ to_peer "$second"; echo; } >> "$dir/peer.records"
# and one both must refuse (no description): nothing is written
third='{"customer":{"id":"probe-3"},"channel":"email","category":"late_delivery","order":{"amount":1,"currency":"EUR"}}'
to_redress "$third" | grep -q '"field":"description"' && echo "refused description" >> "$dir/redress.records"
to_peer "$third" | grep -q '"field":"description"' && echo "refused description" >> "$dir/peer.records"
masked < "$dir/redress.records" > "$dir/redress.masked"
masked < "$dir/peer.records" > "$dir/peer.masked"
if ! cmp -s "$dir/redress.masked" "$dir/peer.masked"; then
	echo "peer_redis: the peer's records are not redress's; bench/peer_redis.lua must make the same decision and records:" >&2
	diff "$dir/redress.masked" "$dir/peer.masked" | head -c 4000 >&2
	exit 1
fi

redis_rate() {
	redis-benchmark -p $rport -c 50 -n "$n" -r 100000000 -q evalsha "$sha" 0 "$(complaint c__rand_int__)" "$token" 2>/dev/null |
		tr '\r' '\n' | sed -n 's/.*: \([0-9.]*\) requests per second.*/\1/p' | tail -1
}
redress_rate() {
	wrk -t2 -c50 -d"${1}s" -s bench/intake_wrk.lua "http://127.0.0.1:$port/" | awk '/Requests\/sec/ {print $2}'
}
: > "$dir/pairs"
secs=""
for i in $(seq "$pairs"); do
	r=$(redis_rate)
	# redress runs as long as the first Redis run did (at least 2 s)
	[ -n "$secs" ] || secs=$(echo "$n $r" | awk '{ s = int($1 / $2 + 0.5); print (s < 2 ? 2 : s) }')
	x=$(redress_rate "$secs")
	echo "$r $x" >> "$dir/pairs"
done
set -- $(median_pair "$dir/pairs" "$pairs")
ratio=$(printf '%.2f' "$1"); redis=$2; redress=$3
all=$(pair_ratios "$dir/pairs")
printf 'peer: redress %s durable decisions/s / Redis 7 EVAL with appendfsync always %s/s = ratio %s, the median of %s alternating pairs (%s) (target >= 1.3)\n' \
	"$redress" "$redis" "$ratio" "$pairs" "$all"
printf '| peer: the same decision and writes in Redis 7 + EVAL, appendfsync always, 50 clients (median of %s alternating pairs) | redress %s/s | Redis %s/s | %s | ≥ 1.3 |\n' \
	"$pairs" "$redress" "$redis" "$ratio"
