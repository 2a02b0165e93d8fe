#!/bin/sh
# What a decision's actions cost: instructions per decision on the whole
# decision path (bench/instructions.sh: callgrind on build/engine_bench,
# N and 2N complaints) for copies of the retail pack whose policy does
# nothing, acknowledges with a promised date, and acknowledges and offers a
# coupon with its message — the engine alone, then each action added, so
# a reader sees what an action brings (its method, the records, rows and
# timers it adds) against the engine's own part. Usage: bench/actions.sh [N]
set -eu
cd "$(dirname "$0")/.."
n=${1:-200}
dir=$(mktemp -d /tmp/redress-actions.XXXXXX)
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM HUP # a signal runs the EXIT trap too (sh runs it on exit only)

pack() { # name policy-body → a copy of policies/retail with that on_complaint
	cp -r policies/retail "$dir/$1"
	cat > "$dir/$1/policy.lua" <<EOF
local money = require "redress.money"
local P = {}
function P.on_complaint(case, act)
$2
end
return P
EOF
}
ACK='  act:acknowledge { template = "ack", next_contact = "2 business days" }'
OFFER='  act:offer { kind = "coupon", amount = 500, currency = "EUR", reason = "late delivery",
    message = { template = "offer_coupon", vars = { amount = money.new(500, "EUR") } } }'
pack none ""
pack ack "$ACK"
pack ack_offer "$ACK
$OFFER"

per() { # pack → instructions per decision
	bench/instructions.sh "$n" "$dir/$1" | sed -n 's/^instructions per decision, [^:]*: \([0-9]*\) .*/\1/p'
}
none=$(per none)
ack=$(per ack)
both=$(per ack_offer)
[ -n "$none" ] && [ -n "$ack" ] && [ -n "$both" ] || { echo "bench/actions.sh: a count failed" >&2; exit 1; }
echo "actions: a policy that does nothing $none instructions per decision; with an acknowledgement (a promised date) $ack (+$((ack - none))); with an offer and its message besides $both (+$((both - ack)))"
printf '| instructions per decision with an acknowledgement and a promised date (`bench/actions.sh`) | %s | a policy that does nothing %s | %s | — |\n' \
	"$ack" "$none" "$(echo "$ack $none" | awk '{ printf "%.2f", $1 / $2 }')"
printf '| the same with an offer and its message besides | %s | %s | %s | — |\n' \
	"$both" "$none" "$(echo "$both $none" | awk '{ printf "%.2f", $1 / $2 }')"
