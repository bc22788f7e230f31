#!/bin/sh
# t0610-refs-damage: saves that printed "saved" survive the loss of any one
# ref file of the workspace's repo.git, and kill -9 at each phase of a sync
# and of `init --remote` (FIELDLOG_CRASH_AT, schema/base.h).
#
#  - packed-refs deleted (after `git pack-refs --all`), and each loose ref
#    file deleted (refs/heads/main, refs/remotes/origin/main, HEAD's branch
#    left behind a packed older value, the reflog), with saves not yet sent
#    and after a sync: the next sync restores main (one line saying so) or
#    stops with one `error:` line; it never receives over the saves;
#  - killed at each crash point of a sync, alone and with the officer's
#    other device ahead: the next sync sends everything exactly once;
#  - killed at each crash point of a reviewer's and an officer's
#    `init --remote`: any command says the init was interrupted, `init`
#    again completes it, and the workspace lists every record;
#  - temporary pack files a killed process left are removed by the next
#    sync, a real pack never.
#
# After every case: each confirmed save is on the officer's central branch
# once (its record path with its last title, its commit subject once), and
# `git fsck --strict` is clean on the workspace and the central repository.
# The counts (cases tried, recovered, refused with one line, lost, doubled)
# are printed as a TAP comment; lost and doubled must be 0.

. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/servers.sh"

case ${LSAN_OPTIONS-} in
*print_suppressions=*) ;;
*) LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}print_suppressions=0" ;;
esac
export LSAN_OPTIONS

SRV=$TEST_SCRATCH/srv
CENTRAL=$SRV/central.git
ME=an.nguyen
mkdir -p "$SRV" ws out
# stock git, for the damage and the checks, writes reflogs and commits
GIT_AUTHOR_NAME=tester GIT_AUTHOR_EMAIL=tester@example.com
GIT_COMMITTER_NAME=tester GIT_COMMITTER_EMAIL=tester@example.com
export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
: >saves.none     # saves.WS: ID<TAB>TITLE of WS's confirmed saves, the last title wins
: >counts         # one word a case: recovered | refused | lost | doubled

fl () {
	_ws=$1
	shift
	fieldlog -C "ws/$_ws" "$@"
}

# save WS TITLE: a new issue on WS; recorded in `saves` once it said so.
save () {
	fl "$1" issue add --title "$2" --domain land --commune 18073 --severity high \
		--json >out/added &&
	printf '%s\t%s\n' "$(json_get id <out/added)" "$2" >>saves.$1
}

# join WS: a device of the officer, joined to the central repository.
join () {
	fieldlog -C "ws/$1" init --id $ME --remote "$URL" >/dev/null
}

# central_lost [FILE]: prints the saves of FILE (default: every device's)
# missing from the officer's central branch (or there with another title).
# central_doubled: the commit subjects found there more than once.
central_lost () {
	branch=refs/heads/authors/$ME
	dir=$(author_dir $ME)
	cat ${1:-saves.*} |
	awk -F '\t' '{ t[$1] = $2 } END { for (k in t) printf "%s\t%s\n", k, t[k] }' |
	while IFS='	' read -r id title; do
		git -C "$CENTRAL" show "$branch:$dir/issue/$id.json" 2>/dev/null >out/rec ||
			{ echo "$id missing"; continue; }
		grep -F "\"title\": \"$title\"" out/rec >/dev/null || echo "$id not '$title'"
	done
}
central_doubled () {
	git -C "$CENTRAL" log --no-merges --format=%s "refs/heads/authors/$ME" | sort | uniq -d
}

# fsck_all WS: git fsck --strict on WS's repo.git (when there is one) and
# the central repository.
fsck_all () {
	if [ -d "ws/$1/repo.git" ]; then
		git -C "ws/$1/repo.git" fsck --strict --no-progress || return 1
	fi
	git -C "$CENTRAL" fsck --strict --no-progress
}

# outcome WS RC ERRFILE: after a case's recovering command (exit RC, its
# stderr in ERRFILE): a sync that succeeded must have sent every save of
# WS (recovered); one that failed must have said why in one `error:` line
# (refused: its saves stay on the device). Appends the outcome to `counts`;
# fails on a loss, a double, a refusal that is not one line, or fsck.
outcome () {
	touch saves.$1 &&
	lost=$(central_lost saves.$1) &&
	doubled=$(central_doubled) &&
	if [ "$2" = 0 ] && [ -z "$lost" ]; then
		echo recovered >>counts
	elif [ "$2" != 0 ] && [ "$2" -lt 128 ] && [ "$(wc -l <"$3")" -eq 1 ] &&
	     grep "^error: " "$3" >/dev/null; then
		echo refused >>counts
	else
		echo "lost: $lost" >&2
		echo lost >>counts
	fi &&
	if [ -n "$doubled" ]; then
		echo "doubled: $doubled" >&2
		echo doubled >>counts
	fi &&
	fsck_all "$1" &&
	[ -z "$doubled" ] && { [ "$2" != 0 ] || [ -z "$lost" ]; }
}

test_expect_success 'a central repository served by git daemon, an officer and a reviewer' '
	fieldlog server init "$CENTRAL" >/dev/null &&
	fieldlog roster add --repo "$CENTRAL" --id $ME --name "Nguyễn Văn An" \
		--role officer --province 42 --login an >/dev/null &&
	fieldlog roster add --repo "$CENTRAL" --id dung.pham --name "Phạm Dũng" \
		--role reviewer --login dung >/dev/null &&
	start_git_daemon "$SRV" &&
	URL=$GIT_DAEMON_URL/central.git &&
	join first &&
	save first "Ghi đầu tiên" &&
	fl first sync >out/sync &&
	grep "^sent 1," out/sync
'

test_expect_success 'the reproduction: packed-refs deleted with two saves not sent' '
	join repro &&
	save repro "Chưa gửi 1" &&
	save repro "Chưa gửi 2" &&
	fl repro status >out/status &&
	grep "not yet sent: 2" out/status &&
	git -C ws/repro/repo.git pack-refs --all &&
	rm ws/repro/repo.git/packed-refs &&
	fl repro sync >out/sync 2>out/err &&
	cat out/sync out/err &&
	grep "^sent 2, received 0," out/sync &&
	test_line_count = 1 out/err &&
	grep "^warning: branch .main. .*was missing; restored it" out/err &&
	fl repro issue list >out/list &&
	grep "Chưa gửi 1" out/list && grep "Chưa gửi 2" out/list &&
	test -z "$(central_lost)" &&
	test -z "$(central_doubled)" &&
	fsck_all repro
'

# damage_case NAME SENT HOW: a new device with two saves (SENT=sent: and
# a sync after them; unsent: not), then HOW (shell, in its repo.git), then
# sync, twice when the first one succeeded (the second must have nothing
# of ours to send again).
n=0
damage_case () {
	n=$((n + 1))
	w=d$n
	join $w &&
	save $w "$1 ($2) một" &&
	{ [ "$2" != sent ] || fl $w sync >/dev/null; } &&
	save $w "$1 ($2) hai" &&
	{ [ "$2" != sent ] || fl $w sync >/dev/null; } &&
	saved ws/$w &&
	(cd ws/$w/repo.git && eval "$3") || return 1
	fl $w sync >out/$w.sync 2>out/$w.err
	rc=$?
	echo "$1 ($2): exit $rc"
	cat out/$w.sync out/$w.err
	if [ $rc = 0 ]; then
		# what the server already had is not counted as sent again
		if [ "$2" = sent ]; then want=0; else want=2; fi &&
		grep "^sent $want," out/$w.sync &&
		fl $w sync >out/$w.sync2 2>out/$w.err2 &&
		grep "^sent 0," out/$w.sync2 || return 1
	fi
	outcome $w $rc out/$w.err
}

# The damage, run in the device's repo.git.
lose_packed_refs () { git pack-refs --all && rm packed-refs; }
lose_main () { rm refs/heads/main; }
lose_main_older_packed () {
	cur=$(git rev-parse main) &&
	git update-ref refs/heads/main main~1 &&
	git pack-refs --all &&
	git update-ref refs/heads/main "$cur" &&
	rm refs/heads/main &&
	test "$(git rev-parse main)" != "$cur"
}
lose_origin_main_file () { rm -f refs/remotes/origin/main; }
lose_origin_main () { git update-ref -d refs/remotes/origin/main; }
lose_origin_roster () { git update-ref -d refs/remotes/origin/roster; }
lose_reflog () { rm logs/refs/heads/main; }
lose_head () { rm HEAD; }

for sent in unsent sent; do
	for how in packed_refs main main_older_packed origin_main_file origin_main \
		   origin_roster reflog head; do
		test_expect_success "lose $how ($sent), then sync" "
			damage_case $how $sent lose_$how
		"
	done
done

test_expect_success 'main moved off its log outside fieldlog: one line saying how to mend it' '
	join off &&
	save off "Lệch nhánh" &&
	saved ws/off &&
	good=$(git -C ws/off/repo.git rev-parse main) &&
	other=$(git -C ws/off/repo.git commit-tree -m x -p main~1 "main^{tree}") &&
	echo "$other" >ws/off/repo.git/refs/heads/main &&
	test_must_fail fl off sync >out/off.sync 2>out/off.err &&
	cat out/off.err &&
	test_line_count = 1 out/off.err &&
	grep "^error: branch .main. .* no longer holds its last commit: restore it" out/off.err &&
	grep "update-ref refs/heads/main $good" out/off.err &&
	git -C ws/off/repo.git update-ref refs/heads/main $good &&
	fl off sync >out/off.sync &&
	outcome off 0 /dev/null
'

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
	echo "$1 ($2): exit $? when killed"
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

for phase in sync:after-outbox sync:after-fetch sync:after-merge sync:after-push \
	     sync:before-import import:mid; do
	for ahead in alone ahead; do
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

test_expect_success 'temporary pack files a killed process left go; real packs stay' '
	pack=ws/first/repo.git/objects/pack &&
	ls $pack >out/packs.before &&
	touch -d "1 hour ago" $pack/pack_git2_Ab12Cd $pack/pack-0123.idx.lock \
		ws/first/repo.git/objects/tmp_object_git2_Xy12Zw &&
	touch -d "1 hour" $pack/pack_git2_future &&
	fl first sync >/dev/null &&
	test ! -e $pack/pack_git2_Ab12Cd &&
	test ! -e $pack/pack-0123.idx.lock &&
	test ! -e ws/first/repo.git/objects/tmp_object_git2_Xy12Zw &&
	test -e $pack/pack_git2_future &&
	rm $pack/pack_git2_future &&
	for f in $(grep "^pack-" out/packs.before); do test -e $pack/$f || exit 1; done &&
	fsck_all first
'

tried=$(($(wc -l <counts)))
recovered=$(grep -c "^recovered$" counts)
refused=$(grep -c "^refused$" counts)
lost=$(grep -c "^lost$" counts)
doubled=$(grep -c "^doubled$" counts)
echo "# cases tried $tried, recovered $recovered, refused with one line $refused, lost $lost, doubled $doubled"

test_expect_success 'counts: nothing lost, nothing doubled, every case recovered or refused' '
	test "$tried" -ge 40 &&
	test "$lost" = 0 && test "$doubled" = 0 &&
	for f in saves.*; do
		w=${f#saves.} &&
		if grep "^error: " out/$w.err >/dev/null 2>&1; then continue; fi &&
		test -z "$(central_lost $f)" || exit 1
	done &&
	test "$((recovered + refused))" = "$((tried))"
'

test_done
