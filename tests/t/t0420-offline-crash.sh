#!/bin/sh
# t0420: sync without the central repository, with a central repository
# that stops answering, and killed with SIGKILL at random moments.
#
#  - offline (a URL whose port nothing listens on): exit 3, one line saying
#    the local versions are kept, `status` counts them; once the server
#    runs, one sync sends them all;
#  - a server that stops answering (git daemon under SIGSTOP, then a
#    pre-receive hook that sleeps): `sync --timeout 3` gives up with exit
#    3 within ~10 s, and nothing is lost or sent twice afterwards;
#  - 20 rounds of kill -9 at a random instant of a sync (0-300 ms), each
#    followed by a recovery sync, on two devices of one officer: every
#    record created is in the central repository and in both devices'
#    lists exactly once, with its last edit; the index agrees with the
#    repository (reindex changes nothing); git fsck --strict is clean.
#
# The random delays come from KILL_SEED (default: the time); the seed is
# printed so that a failing run can be replayed: KILL_SEED=N sh t0420...

. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/servers.sh"
. "$TEST_LIB_DIR/sync-scenario.sh"

: "${KILL_SEED:=$(date +%s)}"
echo "# KILL_SEED=$KILL_SEED"

# add_issue DEVICE TITLE: adds an issue on DEVICE (A or B); its id goes to
# ids/an.nguyen.issue, its title to titles (ID<TAB>TITLE, last one wins).
add_issue () {
	fieldlog -C "ws/$1" issue add --title "$2" --domain land --commune 18073 \
		--severity high --json >out/added &&
	last=$(json_get id <out/added) &&
	test -n "$last" &&
	echo "$last" >>ids/an.nguyen.issue &&
	printf '%s\t%s\n' "$last" "$2" >>titles
}

# edit_title DEVICE ID TITLE
edit_title () {
	fieldlog -C "ws/$1" issue edit "$2" --title "$3" >/dev/null &&
	printf '%s\t%s\n' "$2" "$3" >>titles
}

# expect_titles: ID<TAB>TITLE for every issue, the last title of each, sorted.
expect_titles () {
	awk -F '\t' '{ t[$1] = $2 } END { for (k in t) printf "%s\t%s\n", k, t[k] }' titles | sort
}

# list_titles DEVICE: ID<TAB>TITLE of every issue DEVICE lists, sorted.
list_titles () {
	fieldlog -C "ws/$1" issue list --json >out/$1.list &&
	"$PYTHON" -c '
import json, sys
for r in json.load(open(sys.argv[1])):
    print("%s\t%s" % (r["id"], r["title"]))' out/$1.list | sort
}

: >titles

test_expect_success 'central repository with one officer' '
	fieldlog server init --allow-unsigned "$SCN_CENTRAL" >/dev/null &&
	fieldlog roster add --repo "$SCN_CENTRAL" --id an.nguyen \
		--name "Nguyễn Văn An" --role officer --province 42 --login an
'

test_expect_success 'init --remote with nothing listening: exit 3, nothing created' '
	closed=$(free_port) &&
	CLOSED_URL=git://127.0.0.1:$closed/central.git &&
	test_must_fail --exit=3 fieldlog -C ws/X init --id an.nguyen --remote "$CLOSED_URL" \
		>out/init.out 2>out/init.err &&
	cat out/init.err &&
	test_line_count = 1 out/init.err &&
	test ! -e ws/X/config.json
'

test_expect_success 'offline sync: exit 3, one line saying the versions are kept' '
	fieldlog -C ws/A init --id an.nguyen --name "Nguyễn Văn An" --role officer \
		--province 42 >/dev/null &&
	fieldlog -C ws/A remote set "$CLOSED_URL" &&
	add_issue A "Ghi khi không có mạng 1" &&
	add_issue A "Ghi khi không có mạng 2" &&
	start=$(date +%s) &&
	test_must_fail --exit=3 fieldlog -C ws/A sync >out/offline.out 2>out/offline.err &&
	cat out/offline.out out/offline.err &&
	test $(($(date +%s) - start)) -lt 10 &&
	test_line_count = 0 out/offline.out &&
	test_line_count = 1 out/offline.err &&
	grep "2 local versions kept" out/offline.err &&
	fieldlog -C ws/A status >out/status &&
	grep "local versions not yet sent: 2" out/status &&
	grep "last successful sync: never" out/status
'

test_expect_success 'the offline line says why: the central repository cannot be reached' '
	cat out/offline.err &&
	grep -i "reach\|connect\|refused" out/offline.err
'

test_expect_success 'the server starts: one sync sends everything, pending 0' '
	start_git_daemon "$SCN_SRV" &&
	DAEMON_PIDFILE=$_srv_dir/pid &&
	test -s "$DAEMON_PIDFILE" &&
	URL=$GIT_DAEMON_URL/central.git &&
	fieldlog -C ws/A remote set "$URL" &&
	scn_sync A "sent 2, received 0, conflicts 0" &&
	fieldlog -C ws/A status >out/status &&
	grep "local versions not yet sent: 0" out/status &&
	! grep "last successful sync: never" out/status &&
	scn_central_has_ids
'

test_expect_success 'a server that stops answering (SIGSTOP): sync --timeout 3 exits 3 within 10 s' '
	add_issue A "Gửi khi máy chủ treo" &&
	pid=$(cat "$DAEMON_PIDFILE") &&
	test_cleanup_add "kill -CONT $pid 2>/dev/null" &&
	kill -STOP $pid &&
	start=$(date +%s) &&
	test_must_fail --exit=3 fieldlog -C ws/A sync --timeout 3 >out/hung.out 2>out/hung.err
	rc=$?
	elapsed=$(($(date +%s) - start))
	kill -CONT $pid
	cat out/hung.out out/hung.err
	echo "gave up after ${elapsed}s"
	test $rc = 0 &&
	test $elapsed -ge 2 && test $elapsed -le 10 &&
	test_line_count = 1 out/hung.err &&
	grep "1 local version kept" out/hung.err &&
	fieldlog -C ws/A status >out/status &&
	grep "local versions not yet sent: 1" out/status
'

test_expect_success 'FIELDLOG_SYNC_TIMEOUT does the same' '
	kill -STOP $pid &&
	start=$(date +%s) &&
	test_must_fail --exit=3 env FIELDLOG_SYNC_TIMEOUT=2 "$FIELDLOG_BIN" -C ws/A sync \
		>out/hung.out 2>out/hung.err
	rc=$?
	elapsed=$(($(date +%s) - start))
	kill -CONT $pid
	cat out/hung.err
	test $rc = 0 && test $elapsed -le 8
'

test_expect_success 'the server answers again: the queued version goes' '
	scn_sync A "sent 1, received 0, conflicts 0" &&
	scn_central_has_ids
'

test_expect_success 'the server stops answering in the middle of a push: exit 3, then no double' '
	hook=$SCN_CENTRAL/hooks/pre-receive &&
	mv "$hook" "$hook.real" &&
	printf "#!/bin/sh\nsleep 6\nexec \"%s\" \"\$@\"\n" "$hook.real" >"$hook" &&
	chmod +x "$hook" &&
	add_issue A "Gửi khi máy chủ chậm" &&
	test_must_fail --exit=3 fieldlog -C ws/A sync --timeout 2 >out/slow.out 2>out/slow.err
	rc=$?
	cat out/slow.err
	mv "$hook.real" "$hook"
	test $rc = 0 &&
	grep "1 local version kept" out/slow.err &&
	# Let the hook finish: whether the server then took the push or
	# dropped it, the next sync must leave the record there exactly once.
	sleep 5 &&
	scn_sync A &&
	fieldlog -C ws/A status >out/status &&
	grep "local versions not yet sent: 0" out/status &&
	scn_central_has_ids
'

test_expect_success 'init --remote again, now that the server answers' '
	fieldlog -C ws/X init --id an.nguyen --remote "$URL" >out/X.init &&
	grep "4 records indexed" out/X.init
'

test_expect_success 'a second device joins' '
	fieldlog -C ws/B init --id an.nguyen --remote "$URL" >out/B.init &&
	grep "4 records indexed" out/B.init
'

# One round: add an issue on DEVICE (and retitle the one it added two
# rounds ago), start a sync, SIGKILL it after a random 0-300 ms, then a
# recovery sync, which must succeed. A recovery sync that fails is noted
# in out/recovery-failures (the test fails at the end) and followed by
# one more sync, so that the later rounds and checks still mean something.
# (Not an && chain: "... &" would put the whole chain in the background.)
kill_round () {
	round=$1 dev=$2
	add_issue $dev "Vòng $round" || return 1
	eval "made_$round=\$last"
	if [ $round -gt 2 ]; then
		eval "old=\$made_$((round - 2))"
		edit_title $dev "$old" "Vòng $((round - 2)), sửa ở vòng $round" || return 1
	fi
	ms=$(awk -v s="$KILL_SEED" -v r=$round 'BEGIN { srand(s + r); print int(rand() * 301) }')
	"$FIELDLOG_BIN" -C ws/$dev sync --quiet >out/killed.$round 2>&1 &
	pid=$!
	sleep "$(printf '0.%03d' "$ms")"
	kill -9 $pid 2>/dev/null
	wait $pid
	killed=$?
	"$FIELDLOG_BIN" -C ws/$dev sync --timeout 20 >out/recover.$round 2>&1
	rc=$?
	echo "round $round on $dev: SIGKILL after $ms ms (status $killed); recovery: $(tail -n 1 out/recover.$round)"
	if [ $rc != 0 ]; then
		{
			echo "round $round on $dev, SIGKILL after $ms ms: recovery sync exited $rc:"
			cat out/recover.$round
		} >>out/recovery-failures
		"$FIELDLOG_BIN" -C ws/$dev sync --timeout 20 || return 1
	fi
}

test_expect_success '20 rounds: add a record, kill -9 the sync at a random instant, recover' '
	: >out/recovery-failures &&
	for round in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		if [ $((round % 2)) = 1 ]; then dev=A; else dev=B; fi
		kill_round $round $dev || return 1
	done &&
	test_line_count = 0 out/recovery-failures
'

test_expect_success 'both devices converge' '
	scn_sync A && scn_sync B && scn_sync A &&
	scn_sync A "sent 0, received 0, conflicts 0" &&
	scn_sync B "sent 0, received 0, conflicts 0" &&
	fieldlog -C ws/A status >out/status &&
	grep "local versions not yet sent: 0" out/status &&
	grep "records skipped as invalid: 0" out/status
'

test_expect_success 'nothing lost, nothing doubled: central and both lists' '
	sort ids/an.nguyen.issue | uniq -d >out/dup-created &&
	test_line_count = 0 out/dup-created &&
	test_line_count = 24 ids/an.nguyen.issue &&
	scn_central_has_ids &&
	git --git-dir="$SCN_CENTRAL" ls-tree -r --name-only authors/an.nguyen -- "$(author_dir an.nguyen)/issue" >out/central.issues &&
	test_line_count = 24 out/central.issues &&
	expect_titles >out/expect &&
	list_titles A >out/A.titles &&
	list_titles B >out/B.titles &&
	test_cmp out/expect out/A.titles &&
	test_cmp out/expect out/B.titles &&
	test_cmp out/A.list out/B.list
'

test_expect_success 'index and repository agree: reindex changes nothing' '
	for dev in A B; do
		fieldlog -C ws/$dev issue list --json >out/before &&
		fieldlog -C ws/$dev reindex >/dev/null &&
		fieldlog -C ws/$dev issue list --json >out/after &&
		test_cmp out/before out/after || return 1
	done
'

# Lock files that would stop the next write (refs, HEAD, packed-refs,
# config, index). libgit2's half-written pack index of a killed fetch
# (objects/pack/pack_git2_*.lock) is a temporary file, not a lock: harmless.
test_expect_success 'no stale lock files; git fsck --strict clean everywhere' '
	find ws/A/repo.git ws/B/repo.git "$SCN_CENTRAL" -name "*.lock" \
		! -path "*/objects/pack/pack_git2_*" >out/locks &&
	test_line_count = 0 out/locks &&
	scn_fsck
'

test_expect_success 'an offline init --remote leaves no half-made workspace behind' '
	port=$(free_port) &&
	test_must_fail --exit=3 fieldlog -C never init --id an.nguyen \
		--remote "git://127.0.0.1:$port/central.git" 2>err &&
	test_line_count = 1 err &&
	grep "nothing was created" err &&
	test ! -e never
'

test_done
