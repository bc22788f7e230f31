#!/bin/sh
# t0610-refs-damage: saves that printed "saved" survive the loss of any one
# ref file of the workspace's repo.git.
#
#  - packed-refs deleted (after `git pack-refs --all`), and each ref file
#    deleted (refs/heads/main, main behind an older packed value,
#    refs/remotes/origin/main, the roster's ref, main's reflog, HEAD), with
#    saves not yet sent and after a sync: the next sync restores what it
#    must (one line saying so) or stops with one `error:` line; it never
#    receives over the saves, nor counts as sent what the server had;
#  - main moved off its log outside fieldlog: one line saying how to mend;
#  - temporary pack files a killed process left are removed by the next
#    sync, a real pack never.
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

rd_report 16

test_done
