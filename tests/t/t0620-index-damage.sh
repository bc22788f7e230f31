#!/bin/sh
# t0620-index-damage: index.db is derived data (repo.git and the outbox are
# the truth), so no damage to it may lose or double a save, or put a
# SQLite message in front of the user.
#
# Each case starts from the same workspace (five saves: three sent to the
# central repository, two still in the outbox) and does one thing to it:
#  - one byte flipped at a sample of offsets: the header (bytes 0-99), the
#    schema page, data pages, the last page (the page size is read from the
#    header); truncation at several lengths; deletion. A sample, not every
#    offset: each case runs three commands, and the script must finish
#    within run.sh's 600 s under the sanitizer on a busy machine;
#  - kill -9 (FIELDLOG_CRASH_AT) at each crash point of a save and of a
#    reindex.
# Then: `issue list` lists every confirmed save (or fails with one line,
# and the next command does), one `issue add` succeeds, `sync` sends it,
# and the central repository holds each save exactly once; stderr is
# only `error: ...` / `warning: ...` lines, never `fatal:` or SQL; `git
# fsck --strict` is clean on both repositories after every case.
#
# Also: a full disk (an 8 MB tmpfs; skipped when mount is not permitted)
# says so in one line and tells the truth: exit 0 (perhaps with a warning
# that the index lags) when the save was kept, an error when it was not.

. "$(dirname "$0")/test-lib.sh"

ME=le.van.hai
BRANCH=refs/heads/authors/$ME
CENTRAL=$TEST_SCRATCH/central.git
WS=$TEST_SCRATCH/ws

fl () {
	fieldlog -C "$WS" "$@"
}

# add TITLE: one issue; its id joins `confirmed` when the save exits 0.
add () {
	fl issue add --title "$1" --domain land --commune 25210 --severity medium \
		--json >out.add 2>err.add
	_rc=$?
	cat err.add >&2
	[ $_rc -eq 0 ] && json_get id <out.add >>confirmed
	return $_rc
}

# on_central TITLE: how many records on the central branch have this title.
on_central () {
	git -C "$CENTRAL" grep -l "\"title\": \"$1\"" "$BRANCH" -- 2>/dev/null | wc -l
}

# clean_stderr FILE: at most one line, `error: ` or `warning: `, and
# nothing of SQLite's (its messages, SQL) nor `fatal:`.
clean_stderr () {
	test "$(wc -l <"$1")" -le 1 &&
	! grep -v '^error: \|^warning: ' "$1" &&
	! grep -i 'fatal\|sqlite\|malformed\|select \|insert \|delete \|pragma ' "$1"
}

# missing_ids LIST.JSON: the confirmed ids the listing lacks, one a line.
missing_ids () {
	"$PYTHON" -c '
import json, sys
have = {r["id"] for r in json.load(open(sys.argv[1]))}
for line in open(sys.argv[2]):
    if line.strip() and line.strip() not in have:
        print(line.strip())' "$1" confirmed
}

# flip OFFSET: inverts the byte at OFFSET of the workspace's index.db.
flip () {
	"$PYTHON" -c '
import sys
path, off = sys.argv[1], int(sys.argv[2])
with open(path, "r+b") as f:
    f.seek(off)
    b = f.read(1)
    f.seek(off)
    f.write(bytes([b[0] ^ 0xFF]))' "$WS/index.db" "$1"
}

tried=0 recovered=0 refused=0 lost=0 doubled=0 unclean=0 failed=0 fsck_bad=0

# run_case NAME COMMAND...: a fresh copy of the base workspace and central
# repository, COMMAND does the damage, then the checks above; the counts
# say how it went, and case.log why.
run_case () {
	_name=$1
	shift
	tried=$((tried + 1))
	rm -rf "$WS" "$CENTRAL" &&
	cp -R base/ws "$WS" && cp -R base/central.git "$CENTRAL" && cp base/confirmed confirmed || {
		failed=$((failed + 1))
		return
	}
	"$@" >damage.out 2>damage.err || {
		failed=$((failed + 1))
		echo "$_name: the damage did not happen as meant: $(cat damage.err)"
	}
	clean_stderr damage.err || { unclean=$((unclean + 1)); echo "$_name: damage: $(cat damage.err)"; }
	if fl issue list --json >list.json 2>list.err; then
		recovered=$((recovered + 1))
	elif grep -q '^error: ' list.err && fl issue list --json >list.json 2>list2.err; then
		refused=$((refused + 1))
		clean_stderr list2.err || { unclean=$((unclean + 1)); echo "$_name: $(cat list2.err)"; }
	else
		failed=$((failed + 1))
		echo "$_name: issue list failed twice: $(cat list.err list2.err 2>/dev/null)"
		return
	fi
	clean_stderr list.err || { unclean=$((unclean + 1)); echo "$_name: list: $(cat list.err)"; }
	_miss=$(missing_ids list.json | wc -l)
	[ "$_miss" -eq 0 ] || { lost=$((lost + _miss)); echo "$_name: $_miss not listed"; }
	add "case $_name" 2>add.err || { failed=$((failed + 1)); echo "$_name: add failed: $(cat add.err)"; }
	clean_stderr add.err || { unclean=$((unclean + 1)); echo "$_name: add: $(cat add.err)"; }
	fl sync >sync.out 2>sync.err || { failed=$((failed + 1)); echo "$_name: sync: $(cat sync.err)"; }
	# Each confirmed save exactly once on the central repository.
	git -C "$CENTRAL" ls-tree -r --name-only "$BRANCH" >central.files
	while read -r _id; do
		_n=$(grep -c "$_id" central.files)
		[ "$_n" -eq 1 ] || { echo "$_name: $_id $_n times on central"; }
		[ "$_n" -ge 1 ] || lost=$((lost + 1))
		[ "$_n" -le 1 ] || doubled=$((doubled + 1))
	done <confirmed
	for _t in "case $_name" "crash $_name"; do
		[ "$(on_central "$_t")" -le 1 ] || { doubled=$((doubled + 1)); echo "$_name: '$_t' doubled"; }
	done
	git -C "$CENTRAL" fsck --strict >/dev/null 2>&1 &&
	git -C "$WS/repo.git" fsck --strict >/dev/null 2>&1 || {
		fsck_bad=$((fsck_bad + 1))
		echo "$_name: git fsck --strict failed"
	}
}

test_expect_success 'set-up: five saves, three of them sent' '
	fieldlog server init --allow-unsigned "$CENTRAL" >/dev/null &&
	fieldlog roster add --repo "$CENTRAL" --id $ME --name "Lê Văn Hải" --role officer \
		--province 75 >/dev/null &&
	fl init --id $ME --name "Lê Văn Hải" --role officer --province 75 >/dev/null &&
	fl remote set "file://$CENTRAL" &&
	: >confirmed &&
	add "Thiếu cán bộ địa chính" &&
	add "Chậm chi trả trợ cấp" &&
	add "Đường giao thông xuống cấp" &&
	fl sync &&
	fl reindex &&
	add "Trường học thiếu phòng" &&
	add "Nước sinh hoạt nhiễm mặn" &&
	test_line_count = 5 confirmed &&
	test_line_count = 2 "$WS/outbox" &&
	mkdir base &&
	cp -R "$WS" base/ws && cp -R "$CENTRAL" base/central.git && cp confirmed base/ &&
	size=$(wc -c <"$WS/index.db") &&
	set -- $(od -An -tu1 -j16 -N2 "$WS/index.db") &&
	page=$(($1 * 256 + $2)) &&
	test $page -ge 512 &&
	test $((size % page)) -eq 0 &&
	echo $page >page && echo $size >size
'

test_expect_success 'one flipped byte anywhere in the header, the schema, data pages, the last page' '
	page=$(cat page) size=$(cat size) &&
	last=$((size - page)) &&
	for off in 0 16 18 20 21 28 44 56 92 100 105 $((page - 1)) \
		$page $((page * 3 + 100)) $((size / 2)) $last $((size - 1))
	do
		run_case "byte-$off" flip $off
	done >case.log 2>&1
	cat case.log &&
	test $failed -eq 0 && test $lost -eq 0 && test $doubled -eq 0 &&
	test $unclean -eq 0 && test $fsck_bad -eq 0
'

test_expect_success 'a truncated or deleted index' '
	page=$(cat page) size=$(cat size) &&
	for len in 0 100 $page $((size / 2)) $((size - 1))
	do
		run_case "truncate-$len" truncate -s $len "$WS/index.db"
	done >case.log 2>&1 &&
	run_case deleted rm -f "$WS/index.db" "$WS/index.db-wal" "$WS/index.db-shm" >>case.log 2>&1 &&
	cat case.log &&
	test $failed -eq 0 && test $lost -eq 0 && test $doubled -eq 0 &&
	test $unclean -eq 0 && test $fsck_bad -eq 0
'

# crash_save PHASE: a save killed at PHASE (it must die there: exit 137).
crash_save () {
	FIELDLOG_CRASH_AT=$1 fl issue add --title "crash $2" --domain land --commune 25210 \
		--severity high
	test $? -eq 137
}

# crash_reindex PHASE
crash_reindex () {
	FIELDLOG_CRASH_AT=$1 fl reindex
	test $? -eq 137
}

# crash_damaged_save PHASE: the index's first 20 bytes overwritten, then a
# save (which rebuilds the index first) killed at PHASE.
crash_damaged_save () {
	printf XXXXXXXXXXXXXXXXXXXX | dd of="$WS/index.db" bs=1 conv=notrunc 2>/dev/null &&
	crash_save $1 "$1-damaged"
}

# crash_rebuild PHASE: a damaged header (offset 18), then a command whose
# rebuild of the index is killed at PHASE.
crash_rebuild () {
	printf X | dd of="$WS/index.db" bs=1 seek=18 conv=notrunc 2>/dev/null &&
	FIELDLOG_CRASH_AT=$1 fl issue list
	test $? -eq 137
}

test_expect_success 'kill -9 at each phase of a save, on a sound and a damaged index' '
	for phase in save:outbox save:index save:confirm; do
		run_case "$phase" crash_save $phase "$phase" &&
		grep -q "$phase" list.json &&
		test "$(on_central "crash $phase")" -eq 1 ||
		echo "$phase: the killed save was not kept once"
		run_case "$phase-damaged" crash_damaged_save $phase
	done >case.log 2>&1 &&
	cat case.log &&
	! grep "not kept once" case.log &&
	test $failed -eq 0 && test $lost -eq 0 && test $doubled -eq 0 &&
	test $unclean -eq 0 && test $fsck_bad -eq 0
'

test_expect_success 'kill -9 during a reindex, and during the rebuild of a damaged index' '
	for phase in reindex:import reindex:swap; do
		run_case "$phase" crash_reindex $phase &&
		run_case "$phase-rebuild" crash_rebuild $phase
	done >case.log 2>&1 &&
	cat case.log &&
	test $failed -eq 0 && test $lost -eq 0 && test $doubled -eq 0 &&
	test $unclean -eq 0 && test $fsck_bad -eq 0
'

echo "# cases tried $tried, recovered $recovered, refused with an error $refused," \
	"failed $failed, lost $lost, doubled $doubled, unclean stderr $unclean," \
	"git fsck --strict failures $fsck_bad (both repositories, after every case)"

test_expect_success 'the counts: every case recovered or refused, none lost or doubled' '
	test $((recovered + refused)) -eq $tried &&
	test $lost -eq 0 && test $doubled -eq 0
'

test_expect_success 'the rebuild is said in one line, in Vietnamese too' '
	rm -rf "$WS" && cp -R base/ws "$WS" && cp base/confirmed confirmed &&
	flip 18 &&
	LANGUAGE=vi fl issue list --json >list.json 2>vi.err &&
	cat vi.err &&
	test_line_count = 1 vi.err &&
	grep "^cảnh báo: chỉ mục bị hỏng; đã dựng lại từ repo.git" vi.err &&
	test "$(missing_ids list.json | wc -l)" -eq 0 &&
	ls "$WS"/index.db.damaged-* &&
	fl issue list --json >list2.json 2>again.err &&
	test_line_count = 0 again.err
'

test_lazy_prereq TMPFS '
	mkdir m && mount -t tmpfs -o size=1m tmpfs m && umount m
'

test_expect_success TMPFS 'a full disk: one line, and the truth about the save' '
	mkdir disk &&
	mount -t tmpfs -o size=8m tmpfs disk &&
	test_cleanup_add "umount \"$TEST_SCRATCH/disk\"" &&
	rm -rf "$CENTRAL" && cp -R base/central.git "$CENTRAL" && cp base/confirmed confirmed &&
	cp -R base/ws disk/ws &&
	WS=$TEST_SCRATCH/disk/ws &&
	{ dd if=/dev/zero of=disk/fill bs=4096 2>/dev/null; true; } &&
	for i in 1 2 3; do
		add "full $i" 2>full.err
		echo "rc=$? $(cat full.err)" >>full.log
		clean_stderr full.err || return 1
	done &&
	cat full.log &&
	grep "disk is full\|No space left" full.log &&
	! grep "rc=0 error" full.log &&
	! grep "rc=1 warning" full.log &&
	! grep -v "rc=0" full.log | grep -v "disk is full\|No space left" &&
	rm disk/fill &&
	fl issue list --json >list.json &&
	test "$(missing_ids list.json | wc -l)" -eq 0 &&
	fl sync &&
	i=0 &&
	while read -r rc rest; do
		i=$((i + 1)) &&
		n=$(on_central "full $i") &&
		if test "$rc" = rc=0; then test $n -eq 1; else test $n -eq 0; fi || return 1
	done <full.log
'

test_done
