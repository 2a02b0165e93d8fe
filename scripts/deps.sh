#!/bin/sh
# Install the Debian packages redress needs to build, run and test (and the
# one npm package its OpenAPI test uses, below).
# Idempotent: does nothing when every package is already installed.
set -eu

PACKAGES="build-essential cmake pkg-config lua-argparse
libh2o-dev libuv1-dev liblmdb-dev liblua5.4-dev lua5.4 libssl-dev zlib1g-dev libicu-dev
libjansson-dev libyajl-dev libmimalloc-dev libcurl4-openssl-dev libnats-dev nats-server python3 lua-cjson lua-cjson-dev lua-busted lua-filesystem lua-socket curl wrk valgrind lmdb-utils python3-pandas python3-jsonschema clang libclang-rt-14-dev redis-server redis-tools
chromium chromium-driver python3-selenium fonts-noto-core fonts-noto-cjk fonts-thai-tlwg"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
if [ -n "$missing" ]; then
	echo "deps: installing$missing" >&2
	SUDO=""
	if [ "$(id -u)" != 0 ]; then
		if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
			echo "deps: missing packages:$missing (run as root or install them)" >&2
			exit 1
		fi
	fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update
	# shellcheck disable=SC2086
	$SUDO apt-get install -y --no-install-recommends $missing
fi

# The OpenAPI document's validator (tests/integration/openapi_spec.lua; the
# answers are checked with python3-jsonschema, above):
# @seriousme/openapi-schema-validator at the exact versions of
# tests/openapi/package-lock.json, into tests/openapi/node_modules. npm comes
# with the machine's Node.js, or Debian's nodejs + npm where there is none.
# Skipped while what is installed is newer than the lock file.
oa="$(cd "$(dirname "$0")/.." && pwd)/tests/openapi"
if [ ! "$oa/node_modules/.package-lock.json" -nt "$oa/package-lock.json" ]; then
	if ! command -v npm >/dev/null 2>&1; then
		echo "deps: installing nodejs npm" >&2
		if [ "$(id -u)" = 0 ]; then r=""; else r=sudo; fi
		$r apt-get update
		$r apt-get install -y --no-install-recommends nodejs npm
	fi
	echo "deps: npm ci in tests/openapi" >&2
	npm ci --prefix "$oa" --no-audit --no-fund --ignore-scripts
fi
