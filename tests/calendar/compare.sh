#!/bin/sh
# redress.calendar against pandas on randomised cases (seed printed; pass one to repeat).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${REDRESS_BUILD:-$root/build}
seed=${1:-$(date +%s)}
tmp=$(mktemp /tmp/redress-cal.XXXXXX)
trap 'rm -f "$tmp"' EXIT
LUA_CPATH_5_4="$build/lua/?.so;;" LUA_PATH_5_4="$root/runtime/lua/?.lua;$root/stdlib/?.lua;;" \
	lua5.4 "$root/tests/calendar/gen_cases.lua" "$seed" "${CASES:-3000}" > "$tmp"
echo "seed $seed"
/usr/bin/python3 "$root/tests/calendar/compare_pandas.py" "$tmp"
