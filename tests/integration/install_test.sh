#!/bin/sh
# The install as an operator makes it: `cmake --install` (what `make install`
# runs) staged with DESTDIR, the whole tree then moved elsewhere, and run from
# there with REDRESS_HOME unset and the working directory outside it:
# `redress version` must name the moved tree as its home (a binary that fell
# back to the source tree fails here), `redress decide` must give the build
# tree's decision byte for byte, `redress pack test` must run the installed
# pack's specs on the installed rd.so, and redressd, started as the systemd
# unit starts it (the example config, WorkingDirectory the shared folder,
# DATA_DIR), must answer /healthz and a complaint and drain on SIGTERM. The
# unit and the sysusers file are checked with systemd's own tools when present.
# usage: install_test.sh BUILD_DIR SOURCE_DIR
set -eu
build=$1
src=$2
tmp=$(mktemp -d /tmp/redress-install.XXXXXX)
pid=
cleanup() {
	if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
	echo "install test: $*" >&2
	exit 1
}
unset REDRESS_HOME REDRESS_ROOT REDRESS_BUILD

# 1. Install (staged, as a package build would) and check the layout.
DESTDIR="$tmp/stage" cmake --install "$build" --prefix /opt/redress >"$tmp/install.log" ||
	fail "cmake --install failed: $(tail -5 "$tmp/install.log")"
staged="$tmp/stage/opt/redress"
for f in bin/redressd bin/redress lib/redress/lua/rd.so lib/systemd/system/redressd.service \
	lib/sysusers.d/redress.conf share/redress/runtime/lua/redress/engine.lua \
	share/redress/stdlib/redress/money.lua share/redress/policies/retail/pack.lua \
	share/redress/examples/redress.conf.lua share/redress/tests/helper.lua; do
	[ -e "$staged/$f" ] || fail "missing from the install: $f"
done
[ ! -e "$src/docs/openapi.json" ] || [ -e "$staged/share/redress/docs/openapi.json" ] ||
	fail "docs/openapi.json is not installed"
unit="$staged/lib/systemd/system/redressd.service"
grep -qx 'ExecStart=/opt/redress/bin/redressd -c /etc/redress/redress.conf.lua' "$unit" ||
	fail "the unit does not start the installed redressd: $(grep ExecStart= "$unit")"
grep -qx 'WorkingDirectory=/opt/redress/share/redress' "$unit" || fail "the unit's WorkingDirectory"

# 2. Move the whole tree; nothing may refer to where it was installed.
mkdir -p "$tmp/moved" "$tmp/elsewhere"
mv "$staged" "$tmp/moved/redress"
rm -rf "$tmp/stage"
prefix="$tmp/moved/redress"
share="$prefix/share/redress"
cd "$tmp/elsewhere"

home=$("$prefix/bin/redress" version | sed -n 's/^home: //p')
[ "$home" = "$share" ] || fail "redress loads its Lua from '$home', not the moved tree $share"
home=$("$prefix/bin/redressd" --version | sed -n 's/^home: //p')
[ "$home" = "$share" ] || fail "redressd loads its Lua from '$home', not the moved tree $share"

# 3. redress decide: the same bytes as the build tree's binary on the source tree.
complaint="$share/examples/complaints/retail/late-delivery-en.json"
"$prefix/bin/redress" decide --pack "$share/policies/retail" "$complaint" --at 2026-11-20T10:00:00Z >"$tmp/moved.json" ||
	fail "redress decide failed in the moved tree"
grep -q '"decision":{' "$tmp/moved.json" || fail "no decision: $(head -c 300 "$tmp/moved.json")"
"$build/redress" decide --pack "$src/policies/retail" "$src/examples/complaints/retail/late-delivery-en.json" \
	--at 2026-11-20T10:00:00Z >"$tmp/build.json"
cmp -s "$tmp/moved.json" "$tmp/build.json" || fail "the moved tree decides differently from the build tree"

# 4. redress pack test: the installed pack's specs, stock busted on the installed rd.so.
"$prefix/bin/redress" pack test "$share/policies/retail" --min-coverage 100 >"$tmp/packtest.log" 2>&1 ||
	fail "redress pack test failed in the moved tree: $(tail -20 "$tmp/packtest.log")"
grep -q ' 0 failures / 0 errors' "$tmp/packtest.log" || fail "pack test: $(tail -5 "$tmp/packtest.log")"

# 5. A config with absolute pack paths, checked from elsewhere.
cat >"$tmp/abs.conf.lua" <<EOF
return { listen = "127.0.0.1:0", data_dir = "$tmp/abs-data",
  packs = { "$share/policies/retail", "$share/policies/telecom" } }
EOF
"$prefix/bin/redress" check-config "$tmp/abs.conf.lua" >"$tmp/check.log" 2>&1 ||
	fail "check-config: $(cat "$tmp/check.log")"

# 6. redressd as the unit runs it: the example config copied to /etc's
# stand-in, the shared folder as working directory, DATA_DIR for the store.
mkdir -p "$tmp/etc"
cp "$share/examples/redress.conf.lua" "$tmp/etc/redress.conf.lua"
cd "$share"
DATA_DIR="$tmp/data" PORT=0 "$prefix/bin/redressd" -c "$tmp/etc/redress.conf.lua" 2>"$tmp/redressd.log" &
pid=$!
cd "$tmp/elsewhere"
port=
for _ in $(seq 1 200); do
	port=$(sed -n 's/.*"msg":"listening".*"port":\([0-9]*\).*/\1/p' "$tmp/redressd.log")
	[ -n "$port" ] && break
	kill -0 "$pid" 2>/dev/null || fail "redressd exited: $(tail -5 "$tmp/redressd.log")"
	sleep 0.05
done
[ -n "$port" ] || fail "redressd did not start: $(tail -5 "$tmp/redressd.log")"
grep '"msg":"listening"' "$tmp/redressd.log" | grep -qF "\"home\":\"$share\"" ||
	fail "redressd's listening line does not name the moved tree: $(grep listening "$tmp/redressd.log")"
health=$(curl -s --max-time 5 "http://127.0.0.1:$port/healthz")
[ "$health" = '{"status":"ok"}' ] || fail "/healthz answered '$health'"
status=$(curl -s -o "$tmp/answer.json" -w '%{http_code}' --max-time 10 -X POST \
	-H 'Authorization: Bearer demo-intake-token' --data-binary @"$complaint" \
	"http://127.0.0.1:$port/v1/complaints")
[ "$status" = 201 ] || fail "POST /v1/complaints answered $status: $(head -c 300 "$tmp/answer.json")"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" = 0 ] || fail "redressd exited $rc on SIGTERM: $(tail -5 "$tmp/redressd.log")"
[ -e "$tmp/data/data.mdb" ] || fail "no store in DATA_DIR"

# 7. The unit and the user, checked by systemd's tools on a plain install
# (verify wants ExecStart's file where the unit says it is).
if command -v systemd-analyze >/dev/null 2>&1; then
	cmake --install "$build" --prefix "$tmp/plain" >/dev/null
	unit="$tmp/plain/lib/systemd/system/redressd.service"
	systemd-analyze verify "$unit" >"$tmp/verify.log" 2>&1 || fail "systemd-analyze verify: $(cat "$tmp/verify.log")"
	[ ! -s "$tmp/verify.log" ] || fail "systemd-analyze verify warns: $(cat "$tmp/verify.log")"
	# exposure at most 2.0 of 10 ("OK"): the hardening options stay in place
	systemd-analyze security --offline=true --threshold=20 "$unit" >"$tmp/security.log" 2>&1 ||
		fail "systemd-analyze security: $(tail -3 "$tmp/security.log")"
	mkdir -p "$tmp/sysroot/etc"
	systemd-sysusers --root="$tmp/sysroot" "$tmp/plain/lib/sysusers.d/redress.conf" >/dev/null 2>&1
	grep -q '^redress:.*:/var/lib/redress:' "$tmp/sysroot/etc/passwd" || fail "sysusers made no redress user"
	echo "install test: $(grep 'Overall exposure' "$tmp/security.log")"
else
	echo "install test: systemd-analyze not installed; the unit was not verified"
fi
echo "install test: ok (installed, moved to $prefix, decided, pack-tested, served)"
