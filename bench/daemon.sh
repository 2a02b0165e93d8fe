# daemon.sh — sourced by the benchmarks that start redressd.

# wait_listening LOG [SECONDS]: returns once redressd's log says it listens
# (within SECONDS, 10 by default; under valgrind it starts far slower), else
# prints the log and stops the benchmark: a figure from a daemon that never
# started would be a wrong figure, not a missing one.
wait_listening() {
	_tries=$(( ${2:-10} * 10 ))
	while [ "$_tries" -gt 0 ]; do
		grep -q '"listening"' "$1" 2>/dev/null && return 0
		sleep 0.1
		_tries=$((_tries - 1))
	done
	echo "$(basename "$0"): redressd did not start:" >&2
	cat "$1" >&2
	exit 1
}
