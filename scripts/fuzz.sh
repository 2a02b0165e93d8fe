#!/bin/sh
# Builds the libFuzzer targets with clang (ASan + UBSan) in build-fuzz and
# runs each for SECONDS (default 10) from the seed corpus in tests/fuzz/corpus
# (copied: the committed corpus is not changed). A crash leaves its input in
# build-fuzz/crashes/ and fails.   Usage: scripts/fuzz.sh [SECONDS]
set -eu
cd "$(dirname "$0")/.."
secs=${1:-10}
build=build-fuzz
CC=clang cmake -S . -B $build -DREDRESS_FUZZ=ON -DREDRESS_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build $build -j2 --target fuzz_intake fuzz_template fuzz_duration >/dev/null
mkdir -p $build/crashes
status=0
for t in intake template duration; do
	work=$(mktemp -d /tmp/redress-fuzz.XXXXXX)
	if ASAN_OPTIONS=detect_leaks=0 $build/fuzz_$t -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=$build/crashes/$t- -print_final_stats=1 "$work" tests/fuzz/corpus/$t \
		> $build/fuzz_$t.log 2>&1; then
		runs=$(awk '/stat::number_of_executed_units/ {print $2}' $build/fuzz_$t.log)
		cov=$(grep -o 'ft: [0-9]*' $build/fuzz_$t.log | tail -1)
		echo "fuzz $t: ${runs:-?} runs in ${secs}s, no crash (${cov:-})"
	else
		echo "fuzz $t: FAILED — see $build/fuzz_$t.log and $build/crashes/"
		tail -20 $build/fuzz_$t.log
		status=1
	fi
	rm -rf "$work"
done
exit $status
