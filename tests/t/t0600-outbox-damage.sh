#!/bin/sh
# t0600-outbox-damage: a save that printed "saved" survives whatever
# happens to the outbox afterwards (sync/outbox.c, its opening comment).
#
# A workspace with one save already on the central repository (a bare
# repository reached by its path) and three confirmed saves waiting in the
# outbox is prepared once. Each case starts from a copy of it, damages the
# outbox, and runs the command that commits it:
#
# - truncation at every offset of the three lines (the whole outbox;
#   every 5th under the sanitizers);
# - one byte changed at 16 offsets of each line (frame, payload, newline);
# - the outbox deleted; outbox.confirmed deleted; a torn unconfirmed tail;
# - the outbox cut and index.db lost as well (two files: a refusal), mended
#   by restoring the outbox as the error says.
#
# Commits are deterministic (the save's own author, time and message), so
# "nothing lost, nothing doubled" is one comparison: the branch must end at
# exactly the commit the undamaged outbox gives. A recovery must say so in
# one line on stderr; a refusal is one line `error: ...`, changes nothing,
# and the mend then gives that same commit.
#
# Cost: a sync to the central repository takes ~4 times a flush alone, so
# every truncation runs `status` (the flush) and checks the workspace
# branch, and every 128th offset and each line's first and last byte run
# `sync` on a fresh copy and check the central branch too. `git fsck
# --strict` runs on both repositories for every 512th offset, after the
# truncation loop, and after each of the other cases.

. "$(dirname "$0")/test-lib.sh"

case ${LSAN_OPTIONS-} in
*print_suppressions=*) ;;
*) LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}print_suppressions=0" ;;
esac
export LSAN_OPTIONS

CENTRAL=$TEST_SCRATCH/central.git
BRANCH=refs/heads/authors/an.nguyen
PREP=$TEST_SCRATCH/prep
C=$TEST_SCRATCH/case

tried=0 recovered=0 refused=0 lost=0 fscked=0

# new_case: $C is a fresh copy of the prepared workspace, the central
# branch back where it was. repo.git is hard-linked (libgit2 only adds
# files and renames over them; checked at the end), the rest copied.
new_case () {
	rm -rf "$C" &&
	mkdir "$C" &&
	cp -al "$PREP/repo.git" "$C/repo.git" &&
	cp "$PREP/config.json" "$PREP/index.db" "$PREP/outbox" "$PREP/outbox.confirmed" "$C/" &&
	for f in index.db-wal index.db-shm; do
		if [ -e "$PREP/$f" ]; then cp "$PREP/$f" "$C/" || return 1; fi
	done &&
	git -C "$CENTRAL" update-ref "$BRANCH" "$(cat base.central)"
}

# fsck_both: git fsck --strict on the workspace and the central repository.
fsck_both () {
	fscked=$((fscked + 1)) &&
	git -C "$C/repo.git" fsck --strict --no-progress >/dev/null 2>&1 &&
	git -C "$CENTRAL" fsck --strict --no-progress >/dev/null 2>&1
}

# run_case WHAT FULL: commits the damaged outbox (`sync` when FULL is 1,
# else `status`) and checks that every confirmed save is committed exactly
# once, or that the refusal is one line and changes nothing.
run_case () {
	tried=$((tried + 1))
	if [ "$2" = 1 ]; then
		fieldlog -C "$C" sync >out 2>err
	else
		fieldlog -C "$C" status >out 2>err
	fi
	rc=$?
	head=$(git -C "$C/repo.git" rev-parse -q --verify refs/heads/main)
	if [ $rc -ne 0 ]; then
		if [ $rc -ne 1 ] || [ "$(wc -l <err)" -ne 1 ] || ! grep -q "^error: " err ||
		   [ "$head" != "$(cat base.head)" ]; then
			echo "$1: exit $rc, head $head, stderr:"; cat err
			lost=$((lost + 1))
			return 1
		fi
		refused=$((refused + 1))
		return 0
	fi
	if [ "$head" != "$(cat want.head)" ] || [ -e "$C/outbox" ]; then
		echo "$1: head $head, want $(cat want.head); stderr:"; cat err
		lost=$((lost + 1))
		return 1
	fi
	if [ "$2" = 1 ] &&
	   [ "$(git -C "$CENTRAL" rev-parse "$BRANCH")" != "$(cat want.head)" ]; then
		echo "$1: the central branch is not at $(cat want.head)"
		lost=$((lost + 1))
		return 1
	fi
	if [ -s err ]; then
		if [ "$(wc -l <err)" -ne 1 ] || ! grep -q "^note: .*recovered" err; then
			echo "$1: stderr is not one note:"; cat err
			return 1
		fi
		recovered=$((recovered + 1))
	fi
	return 0
}

test_expect_success 'set-up: one save on the central repository, three waiting' '
	fieldlog server init --allow-unsigned "$CENTRAL" >/dev/null &&
	fieldlog roster add --repo "$CENTRAL" --id an.nguyen --name "Nguyễn Văn An" \
		--role officer --province 42 --login an >/dev/null &&
	fieldlog -C "$PREP" init --id an.nguyen --remote "$CENTRAL" >/dev/null &&
	FIELDLOG_NOW=2025-09-08T08:00:00+07:00 fieldlog -C "$PREP" issue add --title "Gốc" \
		--domain land --commune 18073 --severity low >/dev/null &&
	fieldlog -C "$PREP" sync >/dev/null &&
	git -C "$CENTRAL" rev-parse "$BRANCH" >base.central &&
	git -C "$PREP/repo.git" rev-parse main >base.head &&
	test "$(cat base.head)" = "$(cat base.central)" &&
	for i in 1 2 3; do
		FIELDLOG_NOW=2025-09-09T0$i:00:00+07:00 fieldlog -C "$PREP" issue add \
			--title "Việc $i" --domain land --commune 18073 --severity high \
			>>saves || return 1
	done &&
	test_line_count = 3 saves &&
	test_line_count = 3 "$PREP/outbox" &&
	test -s "$PREP/outbox.confirmed" &&
	(cd "$PREP" && find repo.git -type f | sort | xargs cksum) >prep.sums &&
	new_case &&
	fieldlog -C "$C" sync >out &&
	git -C "$C/repo.git" rev-parse main >want.head &&
	test "$(git -C "$CENTRAL" rev-parse "$BRANCH")" = "$(cat want.head)" &&
	test "$(git -C "$C/repo.git" rev-list --count main)" = \
		$(($(git -C "$C/repo.git" rev-list --count "$(cat base.head)") + 3))
'

# The truncation loop runs ~2,000 cases: each one costs three processes
# (a copy of index.db and outbox.confirmed, the cut outbox, `status`) and
# shell builtins for the checks. One workspace $L serves them all: the
# branch is set back by rewriting its loose ref (the commits are the same
# objects every time, so what a flush added stays harmless).
L=$TEST_SCRATCH/light
# Under the sanitizers a process costs ~5 times as much: every 5th offset
# (the cases each line's frame can meet are still all there).
stride=1 stride_note="every offset"
if ldd "$FIELDLOG_BIN" 2>/dev/null | grep -q libasan; then
	stride=5 stride_note="every 5th offset (sanitizer build)"
fi

light_case () {
	tried=$((tried + 1))
	cp $PREP_DB "$PREP/outbox.confirmed" "$L/" &&
	head -c "$1" "$PREP/outbox" >"$L/outbox" &&
	printf '%s\n' "$base" >"$L/repo.git/refs/heads/main" || return 1
	fieldlog -C "$L" status >out 2>err
	rc=$?
	read -r head <"$L/repo.git/refs/heads/main"
	note= extra=
	{ read -r note; read -r extra; } <err
	if [ $rc -ne 0 ] || [ "$head" != "$want" ] || [ -e "$L/outbox" ] ||
	   [ -n "$extra" ]; then
		echo "cut at $1: exit $rc, head $head, want $want; stderr:"; cat err
		lost=$((lost + 1))
		return 1
	fi
	case $note in
	"note: "*recovered*) recovered=$((recovered + 1)) ;;
	*) echo "cut at $1: no note of the recovery: $note"; return 1 ;;
	esac
}

test_expect_success 'truncated at every offset: each confirmed save committed once' '
	PREP_DB=$(cd "$PREP" && for f in index.db index.db-wal index.db-shm; do
		test ! -e "$f" || printf "%s " "$PREP/$f"; done) &&
	rm -rf "$L" && cp -R "$PREP" "$L" &&
	base=$(cat base.head) && want=$(cat want.head) &&
	size=$(wc -c <"$PREP/outbox") &&
	l1=$(sed -n 1p "$PREP/outbox" | wc -c) &&
	l2=$(sed -n 2p "$PREP/outbox" | wc -c) &&
	edges=" 0 $((l1 - 1)) $l1 $((l1 + l2 - 1)) $((l1 + l2)) $((size - 1)) " &&
	at=0 &&
	while [ $at -lt $size ]; do
		if [ $((at % stride)) -ne 0 ] && [ $at -ne $((size - 1)) ]; then
			at=$((at + 1))
			continue
		fi
		light_case $at || return 1
		full=0
		case $edges in *" $at "*) full=1 ;; esac
		if [ $((at % 128)) -eq 0 ]; then full=1; fi
		if [ $full = 1 ]; then
			new_case &&
			truncate -s $at "$C/outbox" &&
			run_case "cut at $at, sync" 1 || return 1
			if [ $((at % 512)) -eq 0 ]; then fsck_both || return 1; fi
		fi
		at=$((at + 1))
	done &&
	git -C "$L/repo.git" fsck --strict --no-progress &&
	echo "$tried cases" &&
	test $recovered = $tried
'

# flip FILE OFFSET: changes the byte at OFFSET (to another byte).
flip () {
	_b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d " ") &&
	_n=$(( _b == 65 ? 66 : 65 )) &&
	printf "$(printf "\\\\%03o" $_n)" |
		dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

test_expect_success 'one byte changed at 16 offsets of each line: recovered' '
	before=$recovered &&
	start=0 &&
	for n in 1 2 3; do
		len=$(sed -n ${n}p "$PREP/outbox" | wc -c) &&
		# The marker, the CRC, the length, the payload start and end, the newline.
		for k in 0 1 8 9 10 12 13 20 $((len / 4)) $((len / 2)) $((len * 3 / 4)) \
			 $((len - 30)) $((len - 3)) $((len - 2)) $((len - 1)); do
			new_case &&
			flip "$C/outbox" $((start + k)) &&
			run_case "byte $k of line $n" $((k % 2)) || return 1
		done
		new_case &&
		flip "$C/outbox" $((start + len / 3)) &&
		run_case "byte $((len / 3)) of line $n" 1 &&
		fsck_both || return 1
		start=$((start + len))
	done &&
	test $((recovered - before)) = 48
'

test_expect_success 'the outbox deleted: the saves are rebuilt from index.db' '
	new_case &&
	rm "$C/outbox" &&
	run_case "outbox deleted" 1 &&
	grep "3 confirmed saves recovered" err &&
	fsck_both
'

test_expect_success 'outbox.confirmed deleted: the outbox alone still works' '
	new_case &&
	rm "$C/outbox.confirmed" &&
	run_case "outbox.confirmed deleted" 1 &&
	test ! -s err &&
	test -s "$C/outbox.confirmed" &&
	fsck_both
'

test_expect_success 'outbox.confirmed damaged: the outbox alone still works' '
	new_case &&
	flip "$C/outbox.confirmed" 39 &&
	run_case "outbox.confirmed damaged" 0 &&
	test ! -s err
'

test_expect_success 'a torn tail never confirmed (a crash in a save) is dropped' '
	new_case &&
	head -c 200 "$PREP/outbox" | sed "s/\"seq\":2/\"seq\":5/" | head -c 150 >>"$C/outbox" &&
	run_case "torn tail" 1 &&
	test ! -s err &&
	fsck_both
'

test_expect_success 'outbox cut and index.db lost too: refused in one line, mended' '
	new_case &&
	cp "$C/outbox" outbox.backup &&
	truncate -s 300 "$C/outbox" &&
	rm -f "$C/index.db" "$C/index.db-wal" "$C/index.db-shm" &&
	run_case "cut, no index" 1 &&
	test $refused = 1 &&
	grep "^error: .*outbox.* lost confirmed save 2 " err &&
	test "$(git -C "$CENTRAL" rev-parse "$BRANCH")" = "$(cat base.central)" &&
	cp outbox.backup "$C/outbox" &&
	tried=$((tried - 1)) &&
	run_case "mended" 1 &&
	fsck_both
'

test_expect_success 'a new save after damage waits for the sync that recovers it' '
	new_case &&
	truncate -s 100 "$C/outbox" &&
	fieldlog -C "$C" issue add --title "Sau hỏng" --domain land --commune 18073 \
		--severity low >out 2>err &&
	grep "recovered" err &&
	fieldlog -C "$C" status >/dev/null &&
	git -C "$C/repo.git" rev-parse main~1 >have.parent &&
	test_cmp want.head have.parent
'

test_expect_success 'the prepared repository was never written through its hard links' '
	(cd "$PREP" && find repo.git -type f | sort | xargs cksum) >prep.after &&
	test_cmp prep.sums prep.after
'

echo "# outbox damage (truncation at $stride_note): $tried cases tried, $recovered recovered," \
	"$refused refused with a one-line error (then mended), $lost lost," \
	"git fsck --strict on $fscked of them"

test_expect_success 'nothing lost' '
	test $lost = 0 &&
	test $refused -ge 1
'

test_done
