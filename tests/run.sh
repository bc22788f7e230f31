#!/bin/sh
# tests/run.sh [PATTERN...]: runs every test of fieldlog and sums them up.
#
# `make check` calls this with FIELDLOG_BIN (the binary under test) and
# UNIT_DIR (where the unit test binaries tests/unit/test-* were built; it may
# hold none). It runs each executable $UNIT_DIR/test-* and each
# tests/t/t[0-9]*.sh, or only those whose name contains one of the PATTERNs
# (shell globs allowed: `make check T=t01`), TEST_JOBS (default 2) at a time,
# each under a TEST_TIMEOUT (default 600 s) and with its output in a log,
# and as on a fresh machine: an empty HOME of its own, no system or global git
# configuration and no git identity (a test that commits names one).
# All of them speak TAP. Then it prints one line per file,
# "PASS|FAIL name (passed/total[, N skipped])" (and the skipped points), or "SKIP name (reason)" for a file
# that skipped all (its plan "1..0 # SKIP reason"), the whole log of every
# failed file, and last "N passed, N failed, N skipped", N counting TAP test
# points over all files: a point "ok N # skip ..." (a missing prerequisite)
# counts as skipped, not passed, and so does a file skipped whole. A file that
# exits non-zero without a failed test point, or whose plan does not match what
# it ran (it crashed, or stopped early), counts one failure more. Servers that
# a test left running count as a failure too, and are killed.
# Exit status: 1 when anything failed, else 0.
#
# Logs, and the scratch directories of failed scripts, are kept under
# ${TMPDIR:-/tmp}/fieldlog-run.XXXXXX when something failed; removed otherwise.
# POSIX sh, plus xargs -P and timeout where present.

set -u

root=$(cd "$(dirname "$0")/.." && pwd -P) || exit 1
: "${TEST_JOBS:=2}"
: "${TEST_TIMEOUT:=600}"

case ${1-} in
-h|--help)
	sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
	exit 0 ;;
esac

# --- internal: run one file (called through xargs, RUN_DIR in the env) ---
if [ "${1-}" = --one ]; then
	name=$2
	case $name in
	t[0-9]*.sh) set -- sh "$root/tests/t/$name" ;;
	*) set -- "$UNIT_DIR/$name" ;;
	esac
	if command -v timeout >/dev/null 2>&1; then
		# timeout signals the test's whole process group, so a hung
		# command dies too and the script's exit trap stops its servers.
		set -- timeout -k 10 "$TEST_TIMEOUT" "$@"
	fi
	cd "$root" || exit 1
	# A home of its own, empty: git and libgit2 read ~/.gitconfig and
	# $XDG_CONFIG_HOME/git/config, ssh reads ~/.ssh.
	HOME=$RUN_DIR/home/$name
	XDG_CONFIG_HOME=$HOME/.config
	mkdir -p "$HOME" || exit 1
	export HOME XDG_CONFIG_HOME
	# timeout runs in a process group of its own, out of reach of ^C:
	# pass on INT, TERM and HUP ourselves.
	pid=
	trap '[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null' INT TERM HUP
	"$@" </dev/null >"$RUN_DIR/$name.log" 2>&1 &
	pid=$!
	# (wait's stderr: the shell's "Segmentation fault" goes to the log.)
	wait "$pid" 2>>"$RUN_DIR/$name.log"
	rc=$?
	while kill -0 "$pid" 2>/dev/null; do
		wait "$pid" 2>>"$RUN_DIR/$name.log"
		rc=$?
	done
	echo "$rc" >"$RUN_DIR/$name.rc"
	exit 0
fi

# --- the environment every test gets ---
if [ -n "${FIELDLOG_BIN:-}" ]; then
	case $FIELDLOG_BIN in
	/*) ;;
	*) FIELDLOG_BIN=$(pwd -P)/$FIELDLOG_BIN ;;
	esac
	export FIELDLOG_BIN
fi
if [ -n "${UNIT_DIR:-}" ]; then
	case $UNIT_DIR in
	/*) ;;
	*) UNIT_DIR=$(pwd -P)/$UNIT_DIR ;;
	esac
fi
export UNIT_DIR="${UNIT_DIR:-}"
# Sanitizer builds (make check SANITIZE=address,undefined): a report exits
# 199 instead of 1, so that test_must_fail tells a crash or a leak from an
# ordinary error exit; libpcre2's own allocations are not our leaks.
: "${ASAN_OPTIONS:=detect_leaks=1:abort_on_error=0:exitcode=199:fast_unwind_on_malloc=0}"
: "${LSAN_OPTIONS:=suppressions=$root/tests/lsan.supp:print_suppressions=0}"
: "${UBSAN_OPTIONS:=print_stacktrace=1:halt_on_error=1:exitcode=199}"
export ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS TEST_TIMEOUT
export TZ=Asia/Ho_Chi_Minh LANG=C.UTF-8 LC_ALL=C.UTF-8
# The suite must pass on a fresh machine, which has no git identity and no
# git configuration: the developer's own may not make it pass here. Each
# test gets an empty HOME (below), no system or global git config, and no
# identity from the environment; a test that commits names its own (as
# tests/t/test-lib.sh does for the scripts).
GIT_CONFIG_NOSYSTEM=1
GIT_CONFIG_GLOBAL=/dev/null
export GIT_CONFIG_NOSYSTEM GIT_CONFIG_GLOBAL
unset GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_AUTHOR_DATE \
	GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL GIT_COMMITTER_DATE EMAIL \
	GIT_CONFIG GIT_CONFIG_SYSTEM GIT_CONFIG_PARAMETERS GIT_CONFIG_COUNT \
	GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY \
	GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_NAMESPACE GIT_COMMON_DIR \
	XDG_CONFIG_HOME

RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/fieldlog-run.XXXXXX") &&
RUN_DIR=$(cd "$RUN_DIR" && pwd -P) || exit 1
mkdir "$RUN_DIR/tmp" "$RUN_DIR/home" || exit 1
export RUN_DIR
# Scratch directories of the scripts go below RUN_DIR, so that a server left
# running can be recognised by its command line afterwards.
TMPDIR=$RUN_DIR/tmp
export TMPDIR

# --- which files ---
matches () {
	[ $# -eq 1 ] && return 0	# no pattern: everything
	_name=$1
	shift
	for _p
	do
		# shellcheck disable=SC2254
		case $_name in *$_p*) return 0 ;; esac
	done
	return 1
}

: >"$RUN_DIR/list"
for f in "$root"/tests/t/t[0-9]*.sh; do
	[ -f "$f" ] || continue
	matches "${f##*/}" "$@" && echo "${f##*/}" >>"$RUN_DIR/list"
done
if [ -n "$UNIT_DIR" ] && [ -d "$UNIT_DIR" ]; then
	for f in "$UNIT_DIR"/test-*; do
		[ -f "$f" ] && [ -x "$f" ] || continue
		case ${f##*/} in *.*) continue ;; esac	# test-x.d, test-x.o
		matches "${f##*/}" "$@" && echo "${f##*/}" >>"$RUN_DIR/list"
	done
fi

if [ ! -s "$RUN_DIR/list" ]; then
	rm -rf "$RUN_DIR"
	if [ $# -gt 0 ]; then
		echo "error: no test matches: $*" >&2
		echo "0 passed, 0 failed, 0 skipped"
		exit 1
	fi
	echo "0 passed, 0 failed, 0 skipped"
	exit 0
fi

# --- run them, TEST_JOBS at a time ---
xargs -n 1 -P "$TEST_JOBS" sh "$root/tests/run.sh" --one <"$RUN_DIR/list"

# --- sum up ---
passed=0
failed=0
skipped=0
: >"$RUN_DIR/failed"
while read -r name; do
	log=$RUN_DIR/$name.log
	rc=$(cat "$RUN_DIR/$name.rc" 2>/dev/null) || rc=255
	[ -n "$rc" ] || rc=255
	# ok, not ok, skipped (of the ok), the plan (-1: none) of the TAP in
	# the log, and why the whole file was skipped ("1..0 # SKIP why")
	set -- $(awk '
		/^ok([ \t]|$)/ {
			ok++
			if (tolower($0) ~ /^ok[ \t]+[0-9]*[^#]*#[ \t]*skip([ \t]|$)/) skip++
		}
		/^not ok([ \t]|$)/ { nok++ }
		/^1\.\.[0-9]+/ { sub(/^1\.\./, ""); plan = $1 + 0; seen = 1 }
		END { print ok + 0, nok + 0, skip + 0, (seen ? plan : -1) }' "$log" 2>/dev/null)
	ok=${1:-0} nok=${2:-0} skip=${3:-0} plan=${4:--1}
	skip_all=$(sed -n 's/^1\.\.0[ \t]*#[ \t]*[Ss][Kk][Ii][Pp][ \t]*//p' "$log" 2>/dev/null | head -n 1)
	extra=0
	why=
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		extra=1 why="killed after the ${TEST_TIMEOUT}s timeout (status $rc)"
	elif [ "$plan" -lt 0 ]; then
		extra=1 why="no plan (1..N) printed; exit status $rc"
	elif [ "$plan" -ne $((ok + nok)) ]; then
		extra=1 why="planned $plan tests, ran $((ok + nok)); exit status $rc"
	elif [ "$rc" -ne 0 ] && [ "$nok" -eq 0 ]; then
		extra=1 why="exit status $rc without a failed test"
	elif [ "$nok" -ne 0 ]; then
		why="$nok of $((ok + nok)) failed"
	fi
	passed=$((passed + ok - skip))
	failed=$((failed + nok + extra))
	skipped=$((skipped + skip))
	if [ $((nok + extra)) -eq 0 ] && [ "$plan" -eq 0 ] && [ -n "$skip_all" ]; then
		skipped=$((skipped + 1))
		echo "SKIP $name ($skip_all)"
	elif [ $((nok + extra)) -eq 0 ] && [ "$skip" -ne 0 ]; then
		echo "PASS $name ($((ok - skip))/$ok, $skip skipped)"
		# which, and why: a skip must be seen
		awk '/^ok([ \t]|$)/ && tolower($0) ~ /^ok[ \t]+[0-9]*[^#]*#[ \t]*skip([ \t]|$)/ {
			print "    " $0 }' "$log"
	elif [ $((nok + extra)) -eq 0 ]; then
		echo "PASS $name ($ok/$ok)"
	else
		echo "FAIL $name ($ok/$((ok + nok + extra)))"
		printf '%s\t%s\n' "$name" "$why" >>"$RUN_DIR/failed"
	fi
done <"$RUN_DIR/list"

# Servers are stopped by each script's exit trap; anything still running with
# our scratch directory on its command line escaped that.
strays=
if ps -eo pid=,args= >"$RUN_DIR/ps" 2>/dev/null; then
	strays=$(awk 'index($0, ENVIRON["RUN_DIR"] "/") { print }' "$RUN_DIR/ps")
fi
if [ -n "$strays" ]; then
	failed=$((failed + 1))
	echo "FAIL processes-left-running (0/1)"
fi

while IFS='	' read -r name why; do
	echo
	echo "==== $name: $why ===="
	cat "$RUN_DIR/$name.log"
done <"$RUN_DIR/failed"
if [ -n "$strays" ]; then
	echo
	echo "==== processes left running by the tests (now killed) ===="
	printf '%s\n' "$strays"
	for pid in $(printf '%s\n' "$strays" | awk '{ print $1 }'); do
		kill "$pid" 2>/dev/null
	done
fi

if [ "$failed" -ne 0 ]; then
	echo
	echo "# logs and kept scratch directories: $RUN_DIR"
else
	rm -rf "$RUN_DIR"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
