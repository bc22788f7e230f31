# test-lib.sh: the small git-style library every end-to-end test sources.
#
# A test script tests/t/tNNNN-topic.sh starts with
#
#	. "$(dirname "$0")/test-lib.sh"
#
# then runs `test_expect_success [PREREQ] 'title' 'commands'` blocks and ends
# with `test_done`; a test whose PREREQ is missing prints "ok N # skip ...".
# Each script gets its own scratch directory (the cwd, removed at the end
# unless a test failed) and a fixed environment (TZ, locale, HOME, git
# identities and dates), so that results do not depend on the machine or on
# the person running them. Output is TAP on stdout: tests/run.sh counts it. What the
# commands of a test print goes to a log that is shown only when the test fails
# (or straight to the terminal with -v).
#
# Options: -v (show command output), -x (trace the commands into the log),
# -i (stop at the first failure), -d (keep the scratch directory).
#
# Everything here is POSIX sh (dash runs it). Helper-internal variables start
# with "_tl_" because test bodies are eval'ed in this very shell.

# --- where things are -------------------------------------------------------
TEST_NAME=$(basename "$0" .sh)
TEST_DIRECTORY=$(cd "$(dirname "$0")" && pwd -P)	# tests/t
TEST_ROOT=$(cd "$TEST_DIRECTORY/../.." && pwd -P)	# the repository
TEST_LIB_DIR=$TEST_ROOT/tests/lib			# servers.sh lives there

verbose= trace= immediate= debug=
for _tl_arg
do
	case $_tl_arg in
	-v|--verbose) verbose=t ;;
	-x|--trace) trace=t ;;
	-i|--immediate) immediate=t ;;
	-d|--debug) debug=t ;;
	-h|--help)
		echo "usage: $0 [-v] [-x] [-i] [-d]"
		exit 0 ;;
	*)
		echo "Bail out! $TEST_NAME: unknown option '$_tl_arg'"
		exit 2 ;;
	esac
done

# The binary under test: $FIELDLOG_BIN, else the repository's ./fieldlog.
# Made absolute now, before we leave the caller's directory.
if [ -z "${FIELDLOG_BIN:-}" ]; then
	FIELDLOG_BIN=$TEST_ROOT/fieldlog
fi
case $FIELDLOG_BIN in
/*) ;;
*) FIELDLOG_BIN=$(pwd -P)/$FIELDLOG_BIN ;;
esac
export FIELDLOG_BIN

# --- a fixed environment ------------------------------------------------------
# Nothing from the caller's fieldlog, git, ssh, proxy or XDG set-up may leak
# in: every FIELDLOG_* knob but FIELDLOG_BIN goes (FIELDLOG_HOME,
# FIELDLOG_NOW, ...; a test sets what it needs).
for _tl_v in $(env | sed -n 's/^\(FIELDLOG_[A-Za-z0-9_]*\)=.*/\1/p'); do
	[ "$_tl_v" = FIELDLOG_BIN ] || unset "$_tl_v"
done
unset FIELDLOG_HOME VISUAL GIT_EDITOR CDPATH COLUMNS EMAIL LANGUAGE LC_MESSAGES \
	XDG_CONFIG_HOME XDG_DATA_HOME XDG_CACHE_HOME XDG_STATE_HOME \
	GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY \
	GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_NAMESPACE GIT_COMMON_DIR \
	GIT_CONFIG GIT_CONFIG_GLOBAL GIT_CONFIG_SYSTEM GIT_CONFIG_PARAMETERS \
	GIT_CONFIG_COUNT GIT_EXEC_PATH GIT_TEMPLATE_DIR GIT_SSH GIT_SSH_COMMAND \
	GIT_SSH_VARIANT GIT_ASKPASS SSH_ASKPASS SSH_AUTH_SOCK GIT_PROXY_COMMAND \
	GIT_TRACE GIT_TRACE_PACKET GIT_TRACE_PERFORMANCE GIT_TRACE2 \
	GIT_TRACE2_EVENT GIT_TRACE2_PERF GIT_CURL_VERBOSE \
	http_proxy https_proxy all_proxy no_proxy \
	HTTP_PROXY HTTPS_PROXY ALL_PROXY NO_PROXY
TZ=Asia/Ho_Chi_Minh
LANG=C.UTF-8
LC_ALL=C.UTF-8
EDITOR=false
PAGER=cat
GIT_PAGER=cat
TERM=dumb
GIT_CONFIG_NOSYSTEM=1
GIT_TERMINAL_PROMPT=0		# a missing password fails instead of asking
GIT_AUTHOR_NAME='A U Thor'
GIT_AUTHOR_EMAIL='author@example.com'
GIT_COMMITTER_NAME='C O Mitter'
GIT_COMMITTER_EMAIL='committer@example.com'
test_tick_=1757296800		# 2025-09-08 09:00 +07:00, Monday of 2025-W37
GIT_AUTHOR_DATE="$test_tick_ +0700"
GIT_COMMITTER_DATE="$test_tick_ +0700"
export TZ LANG LC_ALL EDITOR PAGER GIT_PAGER TERM GIT_CONFIG_NOSYSTEM \
	GIT_TERMINAL_PROMPT GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL \
	GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL GIT_AUTHOR_DATE GIT_COMMITTER_DATE
# The interpreter itself, not a version manager's shim (pyenv's costs a
# quarter of a second per call, and json_get may run often).
if [ -z "${PYTHON:-}" ]; then
	PYTHON=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
	[ -x "$PYTHON" ] || PYTHON=python3
fi
umask 022

# Sanitizer builds: a sanitizer report exits 199 (not 1, which fieldlog uses
# for ordinary errors), so test_must_fail can tell a crash from a refusal.
# tests/run.sh sets the same; these defaults cover running one script alone.
: "${ASAN_OPTIONS:=detect_leaks=1:abort_on_error=0:exitcode=199:fast_unwind_on_malloc=0}"
: "${LSAN_OPTIONS:=suppressions=$TEST_ROOT/tests/lsan.supp:print_suppressions=0}"
: "${UBSAN_OPTIONS:=print_stacktrace=1:halt_on_error=1:exitcode=199}"
export ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS

# --- the scratch directory ------------------------------------------------------
TEST_SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/fieldlog-test.XXXXXX") &&
TEST_SCRATCH=$(cd "$TEST_SCRATCH" && pwd -P) || {
	echo "Bail out! $TEST_NAME: cannot create a scratch directory"
	exit 1
}
HOME=$TEST_SCRATCH/home
export HOME
# git must never climb out of the scratch directory into a real repository.
GIT_CEILING_DIRECTORIES=$(dirname "$TEST_SCRATCH")
export GIT_CEILING_DIRECTORIES
_tl_logdir=$TEST_SCRATCH/.test-logs
mkdir "$HOME" "$_tl_logdir" || exit 1
cd "$TEST_SCRATCH" || exit 1

test_count=0
test_failed=0
_tl_done=
_tl_cleanup=

# test_cleanup_add 'commands': run at exit, last registered first, even when a
# test failed or the script died. Call it from the main shell (a test body is
# fine), not from a ( subshell ), or the registration is lost.
test_cleanup_add () {
	_tl_cleanup="$1
$_tl_cleanup"
}

_tl_at_exit () {
	_tl_rc=$1
	trap - EXIT
	cd "$TEST_ROOT" || cd /
	if [ -n "$_tl_cleanup" ]; then
		if [ -n "$verbose" ]; then
			(eval "$_tl_cleanup") </dev/null >&2
		else
			(eval "$_tl_cleanup") </dev/null >>"$_tl_logdir/cleanup.log" 2>&1
		fi
	fi
	if [ -z "$_tl_done" ]; then
		echo "Bail out! $TEST_NAME: exited with status $_tl_rc after test $test_count, before test_done"
		[ "$_tl_rc" -eq 0 ] && _tl_rc=1
	fi
	if [ "$_tl_rc" -ne 0 ] || [ "$test_failed" -ne 0 ] || [ -n "$debug" ]; then
		echo "# scratch directory kept: $TEST_SCRATCH"
	else
		rm -rf "$TEST_SCRATCH"
	fi
	exit "$_tl_rc"
}
trap '_tl_at_exit $?' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# --- prerequisites ---------------------------------------------------------------
# As in git's test-lib: a test that needs something this machine may lack
# (lighttpd, a server that a previous test started) names it as a
# prerequisite, and is reported "ok N # skip TITLE (missing NAME)" when it is
# missing; tests/run.sh counts it as skipped, never as passed.
#
#	test_lazy_prereq LIGHTTPD 'command -v lighttpd'
#	test_expect_success LIGHTTPD 'start lighttpd' 'start_http srv && test_set_prereq HTTP'
#	test_expect_success HTTP 'push over http' '...'
#
# NAMEs are [A-Za-z0-9_]; a list is comma separated, all must hold, and !NAME
# holds when NAME does not.
_tl_prereq_yes=' '	# names known to hold, blank separated
_tl_prereq_no=' '	# lazy ones that were tried and failed
_tl_prereq_missing=

# test_set_prereq NAME: NAME holds from now on. From the main shell (a test
# body is fine), not from a ( subshell ).
test_set_prereq () {
	_tl_prereq_check_name "$1" || return 1
	case $_tl_prereq_yes in *" $1 "*) ;; *) _tl_prereq_yes="$_tl_prereq_yes$1 " ;; esac
	_tl_prereq_no=$(printf '%s' "$_tl_prereq_no" | sed -e "s/ $1 / /")
	[ -n "$_tl_prereq_no" ] || _tl_prereq_no=' '
}

# test_lazy_prereq NAME 'script': NAME holds when the script succeeds; it is
# run once, when a test first asks, in a subshell inside a directory of its
# own, with its output in the log.
test_lazy_prereq () {
	_tl_prereq_check_name "$1" || return 1
	eval "_tl_lazy_$1=\$2"
}

_tl_prereq_check_name () {
	case $1 in
	''|*[!A-Za-z0-9_]*)
		echo "Bail out! $TEST_NAME: bad prerequisite name '$1'"
		exit 1 ;;
	esac
}

# _tl_prereq_holds NAME: 0 when NAME holds, evaluating a lazy one now.
_tl_prereq_holds () {
	case $_tl_prereq_yes in *" $1 "*) return 0 ;; esac
	case $_tl_prereq_no in *" $1 "*) return 1 ;; esac
	eval "_tl_lazy=\${_tl_lazy_$1-}"
	[ -n "$_tl_lazy" ] || return 1
	_tl_lazy_dir=$TEST_SCRATCH/.prereq-$1
	mkdir -p "$_tl_lazy_dir" || return 1
	if (cd "$_tl_lazy_dir" && eval "$_tl_lazy") \
		</dev/null >>"$_tl_logdir/prereq-$1.log" 2>&1
	then
		_tl_prereq_yes="$_tl_prereq_yes$1 "
		_tl_lazy_rc=0
	else
		_tl_prereq_no="$_tl_prereq_no$1 "
		_tl_lazy_rc=1
	fi
	rm -rf "$_tl_lazy_dir"
	return $_tl_lazy_rc
}

# test_have_prereq NAME[,NAME...]: 0 when all hold (!NAME: when NAME does
# not); otherwise sets _tl_prereq_missing to the first that is missing.
test_have_prereq () {
	_tl_prereq_missing=
	_tl_list=$1
	while [ -n "$_tl_list" ]; do
		_tl_p=${_tl_list%%,*}
		case $_tl_list in *,*) _tl_list=${_tl_list#*,} ;; *) _tl_list= ;; esac
		case $_tl_p in
		'!'*)
			_tl_prereq_check_name "${_tl_p#!}"
			! _tl_prereq_holds "${_tl_p#!}" ;;
		*)
			_tl_prereq_check_name "$_tl_p"
			_tl_prereq_holds "$_tl_p" ;;
		esac || {
			_tl_prereq_missing=$_tl_p
			return 1
		}
	done
	return 0
}

# --- running tests --------------------------------------------------------------
# A body may end with "return 1" (as in a loop: "... || return 1"), which
# leaves this function; the caller turns tracing off again.
_tl_eval () {
	[ -n "$trace" ] && set -x
	eval "$1"
}

# test_expect_success [PREREQ] 'title' 'commands': the test passes when the
# commands, eval'ed in this shell with stdin from /dev/null, return 0. Chain
# them with && as in git's tests: there is no set -e. With PREREQ (see
# above) missing, the commands do not run and the test reports a skip.
test_expect_success () {
	_tl_prereq=
	[ $# -eq 3 ] && { _tl_prereq=$1; shift; }
	if [ $# -ne 2 ]; then
		echo "Bail out! $TEST_NAME: test_expect_success needs [PREREQ] 'title' 'commands'"
		exit 1
	fi
	test_count=$((test_count + 1))
	if [ -n "$_tl_prereq" ] && ! test_have_prereq "$_tl_prereq"; then
		echo "ok $test_count # skip $1 (missing $_tl_prereq_missing)"
		return 0
	fi
	_tl_log=$_tl_logdir/$test_count.log
	if [ -n "$verbose" ]; then
		printf '# expecting success of %s.%d (%s):%s\n' \
			"$TEST_NAME" "$test_count" "$1" "$2" >&2
		_tl_eval "$2" </dev/null >&2
	else
		_tl_eval "$2" </dev/null >"$_tl_log" 2>&1
	fi
	_tl_rc=$?
	{ set +x; } 2>/dev/null
	if [ "$_tl_rc" -eq 0 ]; then
		echo "ok $test_count - $1"
		return 0
	fi
	test_failed=$((test_failed + 1))
	echo "not ok $test_count - $1"
	printf '%s\n' "$2" | sed -e 's/^/#	/'
	if [ -z "$verbose" ]; then
		echo "# --- output (status $_tl_rc, last 150 lines of $_tl_log) ---"
		tail -n 150 "$_tl_log" | sed -e 's/^/# /'
		echo "# --- end of output ---"
	fi
	if [ -n "$immediate" ]; then
		echo "# stopping at the first failure (-i)"
		test_done
	fi
	return 0
}

# test_done: prints the plan, exits 1 when any test failed.
test_done () {
	_tl_done=t
	echo "1..$test_count"
	if [ "$test_failed" -ne 0 ]; then
		echo "# failed $test_failed of $test_count"
		exit 1
	fi
	exit 0
}

# test_skip_all 'reason': for a script that cannot run here at all.
test_skip_all () {
	_tl_done=t
	echo "1..0 # SKIP $1"
	exit 0
}

# --- helpers for test bodies ----------------------------------------------------

# fieldlog ARGS...: the binary under test.
fieldlog () {
	if [ ! -x "$FIELDLOG_BIN" ]; then
		echo "error: no fieldlog binary at '$FIELDLOG_BIN' (build it or set FIELDLOG_BIN)" >&2
		return 127
	fi
	"$FIELDLOG_BIN" "$@"
}

# test_must_fail [--exit=N] CMD ARGS...: passes when CMD exits non-zero (with N
# if given). A status above 128 (a signal, or a sanitizer report: exit 199),
# 126 or 127 (not runnable) is a failure of the test, never the expected error.
test_must_fail () {
	_tl_want=
	case ${1-} in
	--exit=*) _tl_want=${1#--exit=}; shift ;;
	esac
	"$@"
	_tl_st=$?
	if [ "$_tl_st" -eq 0 ]; then
		echo "test_must_fail: command succeeded: $*" >&2
		return 1
	elif [ "$_tl_st" -gt 128 ]; then
		echo "test_must_fail: died with status $_tl_st (signal or sanitizer): $*" >&2
		return 1
	elif [ -n "$_tl_want" ]; then
		if [ "$_tl_st" -ne "$_tl_want" ]; then
			echo "test_must_fail: exit status $_tl_st, expected $_tl_want: $*" >&2
			return 1
		fi
	elif [ "$_tl_st" -eq 126 ] || [ "$_tl_st" -eq 127 ]; then
		echo "test_must_fail: could not run (status $_tl_st): $*" >&2
		return 1
	fi
	return 0
}

# test_cmp EXPECTED ACTUAL
test_cmp () {
	diff -u "$@"
}

# test_line_count OP N FILE, e.g. test_line_count = 3 out
test_line_count () {
	if [ $# -ne 3 ]; then
		echo "test_line_count: needs OP N FILE" >&2
		return 1
	fi
	_tl_n=$(wc -l <"$3") || return 1
	_tl_n=$((_tl_n + 0))
	if ! test "$_tl_n" "$1" "$2"; then
		echo "test_line_count: $3 has $_tl_n lines, expected $1 $2:" >&2
		cat "$3" >&2
		return 1
	fi
}

# fl ID ARGS...: fieldlog in the workspace ws/ID (a test may define its own).
fl () {
	_who=$1
	shift
	fieldlog -C "$TEST_SCRATCH/ws/$_who" "$@"
}

# now TIME: the clock every later fieldlog command reads (FIELDLOG_NOW).
now () {
	FIELDLOG_NOW=$1
	export FIELDLOG_NOW
}

# test_tick: move the git author and committer dates one minute on.
test_tick () {
	test_tick_=$((test_tick_ + 60))
	GIT_AUTHOR_DATE="$test_tick_ +0700"
	GIT_COMMITTER_DATE="$test_tick_ +0700"
}

# author_dir ID: where ID's records live in a repository, <bucket>/ID, the
# bucket being the first two hex digits of `git hash-object` of the id.
author_dir () {
	printf '%s/%s' "$(printf %s "$1" | git hash-object --stdin | cut -c1-2)" "$1"
}

# json_get PATH... <json: prints the value at each dotted PATH ("a.b.0.c";
# numbers index arrays; "." is the whole document). Strings print raw, other
# values as compact JSON. Fails when a path is missing.
# saved WS: commits the saves waiting in workspace WS's outbox, as every
# command that reads the repository does (sync/outbox.h), so that stock
# git sees them.
saved () {
	fieldlog -C "$1" status >/dev/null
}

# git_saved WS ARGS...: git in WS/repo.git once its saves are commits.
git_saved () {
	_gs_ws=$1
	shift
	saved "$_gs_ws" && git -C "$_gs_ws/repo.git" "$@"
}

json_get () {
	"$PYTHON" -c '
import json, sys
doc = json.load(sys.stdin)
for path in sys.argv[1:]:
    v = doc
    for k in ([] if path in ("", ".") else path.lstrip(".").split(".")):
        try:
            v = v[int(k)] if isinstance(v, list) else v[k]
        except (KeyError, IndexError, ValueError, TypeError):
            sys.exit("json_get: no %r in the input" % path)
    print(v if isinstance(v, str) else
          json.dumps(v, ensure_ascii=False, separators=(",", ":")))
' "$@"
}

# free_port: prints a TCP port on 127.0.0.1 that nothing listens on right now.
free_port () {
	"$PYTHON" -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# wait_for_port PORT [SECONDS]: returns 0 once 127.0.0.1:PORT accepts a
# connection, 1 after SECONDS (default 10).
wait_for_port () {
	"$PYTHON" -c '
import socket, sys, time
port, limit = int(sys.argv[1]), time.time() + float(sys.argv[2])
while True:
    try:
        socket.create_connection(("127.0.0.1", port), 1).close()
        sys.exit(0)
    except OSError:
        if time.time() > limit:
            sys.exit("wait_for_port: nothing accepts on 127.0.0.1:%d" % port)
        time.sleep(0.05)
' "$1" "${2:-10}"
}

if [ ! -x "$FIELDLOG_BIN" ]; then
	echo "# warning: no fieldlog binary at $FIELDLOG_BIN; tests that run it will fail"
fi
