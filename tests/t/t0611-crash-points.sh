#!/bin/sh
# t0611-crash-points: kill -9 at each phase of a sync and of `init --remote`
# (FIELDLOG_CRASH_AT, schema/base.h) loses and doubles no save.
#
#  - a sync killed at each of its crash points, alone and with the
#    officer's other device ahead (so that it fetches and merges): the
#    next sync sends everything exactly once;
#  - a reviewer's and an officer's `init --remote` killed at each of its
#    crash points: any command says the init was interrupted, `init` again
#    completes it (saying so), and the workspace lists every record;
#  - init never clears a repo.git holding saves not yet sent.
#
# After every case (tests/lib/refs-damage.sh): each confirmed save is on
# the officer's central branch once, with its last title, and
# `git fsck --strict` is clean on the workspace and the central repository.
# The counts are printed as a TAP comment; lost and doubled must be 0.

. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/servers.sh"
. "$TEST_LIB_DIR/refs-damage.sh"

test_expect_success 'a central repository served by git daemon, an officer and a reviewer' '
	rd_setup
'

n=0
# crash_case PHASE AHEAD: a new device with two saves; with AHEAD=ahead,
# the officer's first device has sent a save after it joined, so the sync
# must fetch and merge. The sync is killed at PHASE, then run again.
crash_case () {
	n=$((n + 1))
	w=k$n
	join $w &&
	save $w "$1 ($2) một" &&
	save $w "$1 ($2) hai" &&
	if [ "$2" = ahead ]; then
		save first "$1 ($2) trên máy kia" &&
		fl first sync >/dev/null
	fi || return 1
	FIELDLOG_CRASH_AT=$1 fieldlog -C ws/$w sync >out/$w.crash 2>&1
	rc=$?
	echo "$1 ($2): exit $rc when killed"
	test $rc = 137 || return 1
	fl $w sync >out/$w.sync 2>out/$w.err
	rc=$?
	cat out/$w.sync out/$w.err
	if [ $rc = 0 ]; then
		fl $w sync >out/$w.sync2 &&
		grep "^sent 0," out/$w.sync2 &&
		fl $w issue list >out/$w.list &&
		grep "$1 ($2) hai" out/$w.list || return 1
	fi
	outcome $w $rc out/$w.err
}

# Alone, the push is the whole exchange (docs/design.md, "Sync"): a sync reaches
# only its first and push crash points; with the other device ahead, all.
for phase in sync:after-outbox sync:after-fetch sync:after-merge sync:after-push \
	     sync:before-import import:mid; do
	for ahead in alone ahead; do
		case $ahead:$phase in
		alone:sync:after-outbox | alone:sync:after-push | ahead:*) ;;
		*) continue ;;
		esac
		test_expect_success "sync killed at $phase ($ahead), then sync" "
			crash_case $phase $ahead
		"
	done
done

test_expect_success 'a reference reviewer and officer workspace, not killed' '
	fl first sync >/dev/null &&
	fieldlog -C ws/ref-r init --id dung.pham --remote "$URL" >/dev/null &&
	fieldlog -C ws/ref-r issue list --json >out/ref-r.json &&
	fieldlog -C ws/ref-o init --id $ME --remote "$URL" >/dev/null &&
	fieldlog -C ws/ref-o issue list --json >out/ref-o.json &&
	"$PYTHON" -c "import json,sys; print(len(json.load(open(sys.argv[1]))))" \
		out/ref-r.json >out/ref-r.n &&
	test "$(cat out/ref-r.n)" -ge 20
'

# init_case PHASE WHO(reviewer|officer): init --remote killed at PHASE; any
# command then says what to do, `init` again completes it, and the
# workspace lists what the reference one does.
init_case () {
	n=$((n + 1))
	w=i$n
	case $2 in
	reviewer) id=dung.pham ref=out/ref-r.json ;;
	officer) id=$ME ref=out/ref-o.json ;;
	esac
	FIELDLOG_CRASH_AT=$1 fieldlog -C ws/$w init --id $id --remote "$URL" >out/$w.crash 2>&1
	echo "$1 ($2): exit $? when killed"
	if fieldlog -C ws/$w issue list >out/$w.list 2>out/$w.err; then
		: # complete already (killed after config.json)
	else
		cat out/$w.err &&
		test_line_count = 1 out/$w.err &&
		grep "^error: the workspace in .* is not complete: its .fieldlog init. was interrupted; run it again" out/$w.err &&
		fieldlog -C ws/$w init --id $id --remote "$URL" >out/$w.init 2>out/$w.err &&
		cat out/$w.init out/$w.err &&
		grep "^warning: an earlier .init. here was interrupted; starting it again" \
			out/$w.err || return 1
	fi
	fieldlog -C ws/$w issue list --json >out/$w.json &&
	"$PYTHON" -c "
import json, sys
got = [r['id'] for r in json.load(open(sys.argv[1]))]
want = [r['id'] for r in json.load(open(sys.argv[2]))]
print('records %d of %d' % (len(got), len(want)))
sys.exit(0 if sorted(got) == sorted(want) else 1)" out/$w.json $ref || {
		echo lost >>counts
		return 1
	}
	echo recovered >>counts
	fsck_all $w
}

for phase in init:after-fetch init:after-clone import:mid init:after-index \
	     init:after-rename init:after-config; do
	for who in reviewer officer; do
		test_expect_success "init --remote killed at $phase ($who), then init again" "
			init_case $phase $who
		"
	done
done

test_expect_success 'init refuses to clear a repo.git whose config.json is gone but saves are not sent' '
	join orphan &&
	save orphan "Mất config.json" &&
	saved ws/orphan &&
	rm ws/orphan/config.json &&
	test_must_fail fieldlog -C ws/orphan init --id $ME --remote "$URL" >out/orphan.out \
		2>out/orphan.err &&
	cat out/orphan.err &&
	test_line_count = 1 out/orphan.err &&
	grep "^error: .*holds saves not yet sent but .*config.json. is missing" out/orphan.err &&
	test -d ws/orphan/repo.git
'

rd_report 20

test_done
