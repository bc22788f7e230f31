#!/bin/sh
# t0520: a central repository with a branch for each of 250 officers (made
# by the tests' generator, `test-tool generate`, served by git daemon). A
# reviewer's first clone fetches them in parts and indexes each part while
# the next downloads:
# the index must be the one a reindex builds, a clone killed half-way or
# cut off from the network half-way (a proxy that drops the fourth
# connection in the middle of its download) must leave nothing behind, and the refs land in packed-refs, main with them.
# Read commands and saves must still find main without starting libgit2
# (the fast path that keeps a save at a few milliseconds), whether the
# reviewer has a branch of their own or not. An officer's workspace holds
# its own records and the reviewers', no other officer's.

. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/servers.sh"
. "$TEST_LIB_DIR/test-tool.sh"

CENTRAL=$TEST_SCRATCH/srv/central.git

# fast WS ARGS...: runs `fieldlog -C WS ARGS` and checks it did not start
# libgit2.
fast () {
	_ws=$1
	shift
	FIELDLOG_TRACE=1 fieldlog -C "$_ws" "$@" >out/fast.out 2>out/fast.trace &&
	if grep "libgit2 initialised" out/fast.trace; then
		echo "fieldlog $* started libgit2" >&2
		return 1
	fi
}

test_expect_success 'a generated central repository: 250 officers, one week' '
	mkdir -p srv out &&
	test_tool generate --repo "$CENTRAL" --profile pilot --officers 250 --weeks 1 \
		--seed 5 --json >out/summary.json &&
	git --git-dir="$CENTRAL" for-each-ref --format="%(refname)" refs/heads/authors/ >out/branches &&
	test "$(wc -l <out/branches)" -gt 200 &&
	git --git-dir="$CENTRAL" show main:roster.json >out/roster.json &&
	REVIEWER=$(json_get people <out/roster.json | "$PYTHON" -c "
import json, sys
print([p[\"id\"] for p in json.load(sys.stdin) if p[\"role\"] == \"reviewer\"][0])") &&
	OFFICER=$(json_get people <out/roster.json | "$PYTHON" -c "
import json, sys
print([p[\"id\"] for p in json.load(sys.stdin) if p[\"role\"] == \"officer\"][0])") &&
	test -n "$REVIEWER" && test -n "$OFFICER" &&
	start_git_daemon srv
'

test_expect_success 'an init whose index cannot be made leaves nothing behind, and runs again' '
	for who in "$OFFICER" "$REVIEWER"; do
		rm -rf ws/noidx && mkdir -p ws/noidx/index.db &&
		test_must_fail fieldlog -C ws/noidx init --id "$who" \
			--remote "$GIT_DAEMON_URL/central.git" >out/noidx.out 2>out/noidx.err &&
		test_line_count = 1 out/noidx.err &&
		grep "^error: cannot open index" out/noidx.err &&
		test ! -e ws/noidx/repo.git && test ! -e ws/noidx/repo.git.new &&
		test ! -e ws/noidx/config.json &&
		rmdir ws/noidx/index.db &&
		fieldlog -C ws/noidx init --id "$who" --remote "$GIT_DAEMON_URL/central.git" \
			>out/noidx.init &&
		grep "records indexed" out/noidx.init || return 1
	done &&
	rm -rf ws/noidx
'

test_expect_success 'a reviewer'\''s clone killed half-way leaves nothing behind' '
	(FIELDLOG_TEST_DIE_AT="clone: fetched part" && export FIELDLOG_TEST_DIE_AT &&
	 fieldlog -C ws/r init --id "$REVIEWER" --remote "$GIT_DAEMON_URL/central.git" \
		>out/killed 2>&1; echo $? >out/killed.rc) &&
	test "$(cat out/killed.rc)" = 137 &&
	test -e ws/r/repo.git.new &&
	test ! -e ws/r/config.json &&
	test_must_fail fieldlog -C ws/r issue list 2>out/err &&
	grep "workspace" out/err
'

test_expect_success 'a reviewer'\''s clone that loses the network half-way: offline, nothing left' '
	"$PYTHON" "$TEST_LIB_DIR/cutting-proxy.py" out/proxy.port "$GIT_DAEMON_PORT" 3 40000 \
		2>out/proxy.log &
	echo $! >out/proxy.pid &&
	test_cleanup_add "kill $(cat out/proxy.pid) 2>/dev/null" &&
	i=0 && while [ ! -s out/proxy.port ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done &&
	(FIELDLOG_TRACE=1 && export FIELDLOG_TRACE &&
	 test_must_fail --exit=3 fieldlog -C ws/cut init --id "$REVIEWER" \
		--remote "git://127.0.0.1:$(cat out/proxy.port)/central.git" >out/cut 2>out/cut.err) &&
	grep "fetched part 2" out/cut.err &&
	! grep "fetched part 3" out/cut.err &&
	grep "connection 4 closed after 40000 bytes" out/proxy.log &&
	grep -v "^trace:" out/cut.err >out/cut.msg &&
	test "$(wc -l <out/cut.msg)" = 1 &&
	grep "^error: cannot reach the central repository" out/cut.msg &&
	test ! -e ws/cut &&
	kill "$(cat out/proxy.pid)"
'

test_expect_success 'the reviewer'\''s clone: in parts, indexed as they land, refs packed' '
	FIELDLOG_TRACE=1 fieldlog -C ws/r init --id "$REVIEWER" \
		--remote "$GIT_DAEMON_URL/central.git" >out/r.init 2>out/r.trace &&
	grep "$(json_get records <out/summary.json) records indexed" out/r.init &&
	grep "clone: fetched part 6" out/r.trace &&
	test ! -e ws/r/repo.git.new &&
	grep "refs/remotes/origin/authors/" ws/r/repo.git/packed-refs &&
	test "$(grep -c " refs/remotes/origin/authors/" ws/r/repo.git/packed-refs)" = \
		"$(($(wc -l <out/branches) - 1))" &&
	test -z "$(find ws/r/repo.git/refs -type f -path "*/authors/*")"
'

test_expect_success 'its index is the one a reindex builds, and it knows what it holds' '
	fieldlog -C ws/r export --format json >out/r.before &&
	fieldlog -C ws/r search "xa" >out/r.search.before &&
	FIELDLOG_TRACE=1 fieldlog -C ws/r sync >out/r.sync 2>out/r.sync.trace &&
	! grep "import: " out/r.sync.trace &&
	fieldlog -C ws/r reindex &&
	fieldlog -C ws/r export --format json >out/r.after &&
	fieldlog -C ws/r search "xa" >out/r.search.after &&
	test_cmp out/r.before out/r.after &&
	test_cmp out/r.search.before out/r.search.after
'

test_expect_success 'its reads and saves do not start libgit2' '
	fast ws/r issue list &&
	fast ws/r search "xa" &&
	id=$(fieldlog -C ws/r issue list --json --limit 1 | json_get 0.id) &&
	echo "$id" >out/id &&
	fast ws/r respond "$id" --status answered --text "Đã nhận" &&
	fast ws/r issue show "$id"
'

test_expect_success 'a reviewer with no branch yet; main only in packed-refs' '
	id=$(cat out/id) &&
	fieldlog roster add --repo "$CENTRAL" --id moi.den --name "Người Mới Đến" \
		--role reviewer --login moi.den &&
	fieldlog -C ws/new init --id moi.den --remote "$GIT_DAEMON_URL/central.git" >out/new.init &&
	test ! -e ws/new/repo.git/refs/heads/main &&
	fast ws/new issue list &&
	fieldlog -C ws/r sync &&
	git -C ws/r/repo.git pack-refs --all &&
	grep -x "[0-9a-f]* refs/heads/main" ws/r/repo.git/packed-refs &&
	test ! -e ws/r/repo.git/refs/heads/main &&
	fast ws/r issue list &&
	fast ws/r respond "$id" --status closed --text "Đã xong" &&
	fast ws/r issue list
'

test_expect_success 'an officer holds its own records and the reviewers'\'', no other officer'\''s' '
	fieldlog -C ws/o init --id "$OFFICER" --remote "$GIT_DAEMON_URL/central.git" >/dev/null &&
	fieldlog -C ws/o issue list --json >out/o.issues &&
	fieldlog -C ws/o export --format json >out/o.all &&
	"$PYTHON" - "$OFFICER" out/o.all out/roster.json <<-\PY
	import json, sys
	me, records, roster = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
	reviewers = {p["id"] for p in roster["people"] if p["role"] == "reviewer"}
	authors = {r["author"] for r in records}
	assert me in authors, authors
	assert authors <= reviewers | {me}, authors - reviewers - {me}
	PY
'

test_expect_success 'a workspace path with a quote in it is only a path' '
	fieldlog -C "ws/o'\'';touch INJECTED;'\''" init --id "$OFFICER" \
		--remote "$GIT_DAEMON_URL/central.git" >out/q.init 2>out/q.err &&
	test ! -e INJECTED && test ! -e ws/INJECTED &&
	! grep "could not remove" out/q.err &&
	test -d "ws/o'\'';touch INJECTED;'\''/repo.git"
'

test_done
