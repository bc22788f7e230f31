#!/bin/sh
# t0480: syncs over a weak link (tests/lib/link-sim.py: a loopback proxy
# with a rate, a round-trip delay and cuts) in front of git daemon, on a
# generated central repository of 60 officers. A reviewer's sync of 50
# new records downloads no more than 1.5 times what stock git fetch of
# the same refs does (libgit2 alone told the server nothing of the
# branches that moved, and got their whole histories: about 9 times);
# a sync over a slow link with long round trips completes; a link cut in
# the middle of a download loses nothing and the next sync completes.
# Over http the credentials go with the first request (no 401 round trip),
# and an officer's sync that sends and receives uses one connection: what
# moved is fetched on the push's (sync/postfetch.h); killed right after
# it, the next start imports what it brought.
# The progress line: drawn in place on a terminal (a pty), at most about
# 10 times a second; nothing at all when stderr or stdout is no terminal.

. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/servers.sh"
. "$TEST_LIB_DIR/test-tool.sh"

CENTRAL=$TEST_SCRATCH/srv/central.git

# link NAME ARGS...: a link-sim in front of the git daemon; sets LINK_URL
# and LINK_PID, and its counters go to out/NAME.stats.
link () {
	_name=$1
	shift
	rm -f "out/$_name.port" &&
	"$PYTHON" "$TEST_LIB_DIR/link-sim.py" --target "${LINK_TARGET:-$GIT_DAEMON_PORT}" \
		--portfile "out/$_name.port" --stats "out/$_name.stats" "$@" \
		2>"out/$_name.log" &
	LINK_PID=$!
	test_cleanup_add "kill $LINK_PID 2>/dev/null"
	_i=0
	while [ ! -s "out/$_name.port" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
	LINK_PORT=$(cat "out/$_name.port")
	LINK_URL=git://127.0.0.1:$LINK_PORT/central.git
	test -s "out/$_name.port"
}

# stat NAME KEY: a counter of link NAME, once its connections have ended.
stat () {
	_i=0
	while [ $_i -lt 100 ] && [ "$(json_get open <"out/$1.stats")" != 0 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	json_get "$2" <"out/$1.stats"
}

# whole WS: WS's index is what its repository holds (a reindex changes
# nothing) and every object its refs reach is there.
whole () {
	fieldlog -C "ws/$1" export --format json >"out/$1.before" &&
	fieldlog -C "ws/$1" reindex &&
	fieldlog -C "ws/$1" export --format json >"out/$1.after" &&
	test_cmp "out/$1.before" "out/$1.after" &&
	git --git-dir="ws/$1/repo.git" fsck --connectivity-only
}

test_expect_success 'a generated central repository: 60 officers; a reviewer'\''s clone' '
	mkdir -p srv out &&
	test_tool generate --repo "$CENTRAL" --profile pilot --officers 60 --weeks 2 \
		--seed 7 --json >out/summary.json &&
	git --git-dir="$CENTRAL" show main:roster.json >out/roster.json &&
	REVIEWER=$(json_get people <out/roster.json | "$PYTHON" -c "
import json, sys
print([p[\"id\"] for p in json.load(sys.stdin) if p[\"role\"] == \"reviewer\"][0])") &&
	test -n "$REVIEWER" &&
	start_git_daemon srv &&
	fieldlog -C ws/r init --id "$REVIEWER" --remote "$GIT_DAEMON_URL/central.git" >out/r.init &&
	grep "$(json_get records <out/summary.json) records indexed" out/r.init
'

test_expect_success 'a reviewer'\''s sync of 50 new records: at most 1.5x what git fetch moves' '
	cp -a ws/r ws/r50 && cp -a ws/r ws/g50 &&
	test_tool generate --repo "$CENTRAL" --append 50 --authors 34 --seed 8 \
		--layout authors --json >out/append.json &&
	link count &&
	fieldlog -C ws/r50 remote set "$LINK_URL" &&
	fieldlog -C ws/r50 sync >out/r50.sync &&
	grep "received 50," out/r50.sync &&
	fl=$(stat count down) &&
	kill -USR1 $LINK_PID && sleep 0.2 &&
	git -c protocol.version=0 --git-dir=ws/g50/repo.git fetch -q "$LINK_URL" \
		"+refs/heads/main:refs/remotes/origin/roster" \
		"+refs/heads/authors/*:refs/remotes/origin/authors/*" &&
	git=$(stat count down) &&
	echo "fieldlog $fl bytes, git fetch $git bytes" &&
	test "$git" -gt 0 &&
	test $((fl * 2)) -le $((git * 3))
'

test_expect_success 'over 64 kB/s with 200 ms round trips the sync completes' '
	cp -a ws/r ws/slow &&
	test_tool generate --repo "$CENTRAL" --append 5 --authors 3 --seed 9 \
		--layout authors --json >/dev/null &&
	link slow --rate 65536 --rtt 200 &&
	fieldlog -C ws/slow remote set "$LINK_URL" &&
	fieldlog -C ws/slow sync >out/slow.sync &&
	grep "received 55," out/slow.sync &&
	test "$(stat slow round_trips)" -ge 2
'

test_expect_success 'a link cut in the middle of a download: exit 3, the next sync completes' '
	cp -a ws/r ws/cut &&
	link cut --cut 1:6000 &&
	fieldlog -C ws/cut remote set "$LINK_URL" &&
	test_must_fail --exit=3 fieldlog -C ws/cut sync >out/cut.out 2>out/cut.err &&
	grep "^error: cannot reach the central repository" out/cut.err &&
	test "$(stat cut down)" -le 6000 &&
	fieldlog -C ws/cut sync >out/cut.sync &&
	grep "received 55," out/cut.sync &&
	fieldlog -C ws/cut export --format json >out/cut.before &&
	fieldlog -C ws/cut reindex &&
	fieldlog -C ws/cut export --format json >out/cut.after &&
	test_cmp out/cut.before out/cut.after &&
	fieldlog -C ws/slow export --format json >out/slow.export &&
	test_cmp out/slow.export out/cut.after
'

test_lazy_prereq LIGHTTPD 'command -v lighttpd'

test_expect_success LIGHTTPD 'over http the credentials go with the first request: 2 round trips' '
	start_http srv &&
	http_add_user "$REVIEWER" pw &&
	LINK_TARGET=$HTTP_PORT link http --rtt 100 &&
	cp -a ws/slow ws/http &&
	fieldlog -C ws/http remote set "http://127.0.0.1:$LINK_PORT/central.git" &&
	FIELDLOG_USER=$REVIEWER FIELDLOG_TOKEN=pw fieldlog -C ws/http sync >out/http.sync &&
	grep "^sent 0, received 0, conflicts 0$" out/http.sync &&
	test "$(stat http connections)" = 1 &&
	test "$(stat http round_trips)" = 2
'

test_expect_success LIGHTTPD 'over http a sync of 6 new records: 4 round trips, nothing lost' '
	cp -a ws/r ws/http2 &&
	test_tool generate --repo "$CENTRAL" --append 6 --authors 4 --seed 10 \
		--layout authors --json >/dev/null &&
	fieldlog -C ws/http2 remote set "http://127.0.0.1:$LINK_PORT/central.git" &&
	kill -USR1 $LINK_PID && sleep 0.2 &&
	FIELDLOG_TRACE=1 FIELDLOG_USER=$REVIEWER FIELDLOG_TOKEN=pw \
		fieldlog -C ws/http2 sync >out/http2.sync 2>out/http2.trace &&
	grep "^sent 0, received 61, conflicts 0$" out/http2.sync &&
	grep "fetch: told the server of [0-9]* commits we have" out/http2.trace &&
	test "$(stat http connections)" = 1 &&
	test "$(stat http round_trips)" = 4 &&
	whole http2
'

test_expect_success LIGHTTPD 'over http an officer sends and gets an answer: one connection, 4 round trips' '
	OFFICER=$(json_get people <out/roster.json | "$PYTHON" -c "
import json, sys
print([p[\"id\"] for p in json.load(sys.stdin) if p[\"role\"] == \"officer\"][0])") &&
	http_add_user "$OFFICER" pw &&
	FIELDLOG_USER=$OFFICER FIELDLOG_TOKEN=pw fieldlog -C ws/o init --id "$OFFICER" \
		--remote "http://127.0.0.1:$LINK_PORT/central.git" >/dev/null &&
	fieldlog -C ws/o issue list --json >out/o.issues &&
	"$PYTHON" -c "
import json, sys
i = json.load(open(\"out/o.issues\"))[0]
print(i[\"id\"], i[\"communes\"][0])" >out/o.pick &&
	read ISSUE COMMUNE <out/o.pick &&
	fieldlog -C ws/http2 respond "$ISSUE" --status answered --text "Bộ đã trả lời" &&
	FIELDLOG_USER=$REVIEWER FIELDLOG_TOKEN=pw fieldlog -C ws/http2 sync >/dev/null &&
	fieldlog -C ws/o issue add --title "Thiếu máy tính" --domain land --commune "$COMMUNE" \
		--severity low >/dev/null &&
	kill -USR1 $LINK_PID && sleep 0.2 &&
	FIELDLOG_TRACE=1 FIELDLOG_USER=$OFFICER FIELDLOG_TOKEN=pw \
		fieldlog -C ws/o sync >out/o.sync 2>out/o.trace &&
	grep "^sent 1, received 1, conflicts 0$" out/o.sync &&
	grep "sync: fetch on the push.s connection" out/o.trace &&
	test "$(stat http connections)" = 1 &&
	test "$(stat http round_trips)" = 4 &&
	fieldlog -C ws/o issue show "$ISSUE" >out/o.show &&
	grep "Bộ đã trả lời" out/o.show &&
	whole o
'

test_expect_success LIGHTTPD 'killed right after that fetch: the answer is there on the next start' '
	fieldlog -C ws/http2 respond "$ISSUE" --status answered --text "Bộ trả lời lần hai" &&
	FIELDLOG_USER=$REVIEWER FIELDLOG_TOKEN=pw fieldlog -C ws/http2 sync >/dev/null &&
	fieldlog -C ws/o issue add --title "Thiếu bàn ghế" --domain land --commune "$COMMUNE" \
		--severity low >/dev/null &&
	{
		FIELDLOG_CRASH_AT=sync:after-postfetch FIELDLOG_USER=$OFFICER FIELDLOG_TOKEN=pw \
			fieldlog -C ws/o sync >out/o2.sync 2>&1
		test $? = 137
	} &&
	fieldlog -C ws/o issue show "$ISSUE" >out/o2.show &&
	grep "Bộ trả lời lần hai" out/o2.show &&
	FIELDLOG_USER=$OFFICER FIELDLOG_TOKEN=pw fieldlog -C ws/o sync >out/o3.sync &&
	grep "^sent 0, received 0, conflicts 0$" out/o3.sync
'

test_expect_success 'no terminal: no progress line' '
	fieldlog -C ws/quiet init --id "$REVIEWER" --remote "$GIT_DAEMON_URL/central.git" \
		>out/quiet.out 2>out/quiet.err &&
	! grep "receiving" out/quiet.err out/quiet.out &&
	! grep "$(printf "\r")" out/quiet.err &&
	! grep -v "^hint: " out/quiet.err
'

test_expect_success 'a terminal: one line redrawn in place, at most about 10 times a second' '
	link tty --rate 200000 --rtt 20 &&
	# on-pty.py BIN URL ID WS STDOUT NAME: init on a pty (stdout to the file
	# STDOUT unless "-"); what the pty saw in out/NAME.raw, then prints
	# the exit code and the seconds taken.
	cat >out/on-pty.py <<-\PY &&
	import os, pty, sys, time
	bin, url, who, ws, stdout, name = sys.argv[1:7]
	t0 = time.monotonic()
	pid, fd = pty.fork()
	if pid == 0:
	    if stdout != "-":
	        os.dup2(os.open(stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 1)
	    os.execv(bin, [bin, "-C", ws, "init", "--id", who, "--remote", url])
	out = b""
	while True:
	    try:
	        d = os.read(fd, 65536)
	    except OSError:
	        break
	    if not d:
	        break
	    out += d
	_, st = os.waitpid(pid, 0)
	open("out/%s.raw" % name, "wb").write(out)
	print(os.waitstatus_to_exitcode(st), "%.2f" % (time.monotonic() - t0))
	PY
	"$PYTHON" out/on-pty.py "$FIELDLOG_BIN" "$LINK_URL" "$REVIEWER" ws/tty - tty >out/tty.res &&
	read rc secs <out/tty.res &&
	test "$rc" = 0 &&
	tr "\r" "\n" <out/tty.raw >out/tty.lines &&
	grep "^receiving: [0-9]*/[0-9]* objects, [0-9.]* [kM]*B" out/tty.lines &&
	n=$(grep -c "^receiving: \|^indexing: " out/tty.lines) &&
	max=$("$PYTHON" -c "import sys; print(int(float(sys.argv[1]) * 10) + 8)" "$secs") &&
	echo "$n lines in $secs s" &&
	test "$n" -le "$max" &&
	grep "records indexed" out/tty.lines
'

test_expect_success 'stderr a terminal but the output going to a file: no progress' '
	"$PYTHON" out/on-pty.py "$FIELDLOG_BIN" "$LINK_URL" "$REVIEWER" ws/tty2 out/tty2.out tty2 \
		>out/tty2.res &&
	read rc secs <out/tty2.res &&
	test "$rc" = 0 &&
	grep "records indexed" out/tty2.out &&
	! grep "receiving" out/tty2.raw
'

test_done
