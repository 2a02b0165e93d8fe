# long_case.sh — sourced by listing.sh ("case:N" reads) and read_cpu.sh.

# long_case PORT EVENTS → the id of a new case with at least EVENTS events
# (a complaint, then agent notes from one client until it has them all), on
# the daemon at 127.0.0.1:PORT with the example config's demo tokens
long_case() {
	lc_id=$(curl -s -X POST -H 'Authorization: Bearer demo-intake-token' -H 'Content-Type: application/json' \
		--data-binary @examples/complaints/retail/late-delivery-en.json "http://127.0.0.1:$1/v1/complaints" |
		sed -n 's/^{"case":{.*"id":"\(C[0-9]*\)".*/\1/p')
	[ -n "$lc_id" ] || { echo "could not make the long case" >&2; return 1; }
	CASE_ID=$lc_id wrk -t1 -c1 -d120s -s bench/case_wrk.lua "http://127.0.0.1:$1/" -- note >/dev/null &
	lc_noter=$!
	until [ "$(curl -s -H 'Authorization: Bearer demo-read-token' "http://127.0.0.1:$1/v1/cases/$lc_id" |
		grep -o '"kind":"event"' | wc -l)" -ge "$2" ]; do sleep 0.5; done
	kill $lc_noter
	wait $lc_noter 2>/dev/null || true
	echo "$lc_id"
}
