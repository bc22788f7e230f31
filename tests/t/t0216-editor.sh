#!/bin/sh
# t0216-editor: while a person types a comment or an answer in $EDITOR, the
# workspace is not locked: another fieldlog (a sync, a second save) runs at
# once instead of waiting 20 s and failing, and the text typed is saved once
# the editor closes. The editor only opens on a terminal, so the command
# runs under script(1), which gives it one.

. "$(dirname "$0")/test-lib.sh"

WS=$TEST_SCRATCH/ws
FIELDLOG_NOW=2025-09-10T10:00:00+07:00
export FIELDLOG_NOW

test_lazy_prereq SCRIPT 'script -qec true /dev/null'

fl () {
	fieldlog -C "$WS" "$@"
}

test_expect_success 'set-up: an officer with one issue' '
	fl init --id le.van.cuong --name "Lê Văn Cường" --role officer --province 42 &&
	fl issue add --title "Thiếu cán bộ địa chính" --domain civil_servants \
		--commune 18073 --severity high --json >out &&
	sed -n "s/.*\"id\": *\"\([0-9A-Z]*\)\".*/\1/p" out | head -n 1 >id &&
	test -s id
'

# The editor saves a second issue in the same workspace while it is open,
# then writes the comment. 25 s is more than the lock's 20 s wait: a held
# lock makes the inner save fail, not merely slow.
test_expect_success SCRIPT 'another save runs while the editor is open' '
	cat >editor.sh <<-EOS &&
	#!/bin/sh
	timeout 25 "$FIELDLOG_BIN" -C "$WS" issue add --title "Trong lúc soạn" \
		--domain civil_servants --commune 18073 --severity low \
		>"$TEST_SCRATCH/inner.out" 2>"$TEST_SCRATCH/inner.err"
	echo \$? >"$TEST_SCRATCH/inner.rc"
	printf "Đã làm việc với UBND xã\n" >"\$1"
	EOS
	chmod +x editor.sh &&
	EDITOR=$TEST_SCRATCH/editor.sh VISUAL= \
		script -qec "\"$FIELDLOG_BIN\" -C \"$WS\" issue comment $(cat id)" /dev/null \
		>outer.out 2>&1 </dev/null &&
	test "$(cat inner.rc)" = 0 &&
	grep "comment added" outer.out &&
	fl issue show "$(cat id)" --json >show &&
	grep "Đã làm việc với UBND xã" show &&
	fl issue list --json >list &&
	grep "Trong lúc soạn" list
'

test_done
