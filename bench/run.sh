#!/bin/sh
# bench/run.sh [SCALE]: the benchmark of issue 5 (`make bench [SCALE=1m]`).
#
# Starts a git daemon on 127.0.0.1 serving bench/work/srv, then runs
# bench/bench.py, which generates the central repositories (cached under
# bench/work/data, keyed by profile, layout, seed and generator format:
# fieldlog's scenarios use the authors layout, one branch per author, and
# the git working-tree baselines the same data on one branch), runs the
# scenarios with their git command-line baselines interleaved, prints a
# table and writes bench/results.json. SCALE=1m adds the 1m profile
# (reindex of a million records). FIELDLOG_BIN is the binary under test
# (default: ./fieldlog); TEST_TOOL the tests' helper whose `generate` makes
# the data (default: .build/plain/tests/helper/test-tool, `make test-tool`);
# BENCH_SEED the generator's seed (default 1);
# BENCH_RUNS scales the number of repetitions (default 1 = the defaults);
# BENCH_ONLY=pilot runs one profile, BENCH_SCENARIOS=sync-small,pull only
# those scenarios (and the first clone they start from), BENCH_DATA=DIR keeps
# the generated data elsewhere (to share it between checkouts) and
# BENCH_RESULTS=FILE writes the results elsewhere (for trying a change; not
# for the committed results).
# Needs git, git daemon and python3.

set -u
root=$(cd "$(dirname "$0")/.." && pwd -P) || exit 1
: "${FIELDLOG_BIN:=$root/fieldlog}"
: "${TEST_TOOL:=$root/.build/plain/tests/helper/test-tool}"
: "${PYTHON:=python3}"
: "${BENCH_SEED:=1}"
export FIELDLOG_BIN PYTHON

case ${1-} in
-h|--help)
	sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
	exit 0 ;;
''|pilot|100k) scale=100k ;;
1m) scale=1m ;;
*) echo "usage: sh bench/run.sh [1m]" >&2; exit 2 ;;
esac

if [ ! -x "$FIELDLOG_BIN" ]; then
	echo "bench: no fieldlog binary at $FIELDLOG_BIN (run make)" >&2
	exit 1
fi
if [ ! -x "$TEST_TOOL" ]; then
	echo "bench: no test helper at $TEST_TOOL (run make test-tool)" >&2
	exit 1
fi

work=$root/bench/work
srv=$work/srv
rm -rf "$srv" "$work/tmp"
mkdir -p "$srv" "$work/tmp" "$work/home" || exit 1

# A private git environment: no system or user configuration.
HOME=$work/home
GIT_CONFIG_NOSYSTEM=1
TZ=Asia/Ho_Chi_Minh
LC_ALL=C.UTF-8
export HOME GIT_CONFIG_NOSYSTEM TZ LC_ALL
unset GIT_DIR GIT_WORK_TREE FIELDLOG_HOME FIELDLOG_NOW

# The git daemon (as tests/lib/servers.sh starts it), on a free port.
port=$("$PYTHON" -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
pidfile=$work/tmp/git-daemon.pid
stop_daemon () {
	if [ -s "$pidfile" ]; then
		kill "$(cat "$pidfile")" 2>/dev/null
		rm -f "$pidfile"
	fi
}
trap stop_daemon EXIT
trap 'stop_daemon; exit 130' INT TERM
git daemon --reuseaddr --listen=127.0.0.1 --port="$port" --base-path="$srv" \
	--export-all --enable=receive-pack --informative-errors \
	--pid-file="$pidfile" --detach "$srv" </dev/null || exit 1
"$PYTHON" -c '
import socket, sys, time
port, limit = int(sys.argv[1]), time.time() + 10
while True:
    try:
        socket.create_connection(("127.0.0.1", port), 1).close(); break
    except OSError:
        if time.time() > limit: sys.exit("bench: git daemon does not answer on %d" % port)
        time.sleep(0.05)
' "$port" || exit 1

"$PYTHON" "$root/bench/bench.py" --bin "$FIELDLOG_BIN" --tool "$TEST_TOOL" --work "$work" \
	--port "$port" --scale "$scale" --seed "$BENCH_SEED" \
	--only "${BENCH_ONLY-}" --scenarios "${BENCH_SCENARIOS-}" --data "${BENCH_DATA-}" \
	--results "${BENCH_RESULTS:-$root/bench/results.json}"
