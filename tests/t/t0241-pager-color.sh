#!/bin/sh
# t0241-pager-color: long output on a terminal goes through a pager as git
# does it: $FIELDLOG_PAGER, else $PAGER, else `less` with LESS=FRX unless
# LESS is set; never with --no-pager or when stdout is not a terminal.
# Statuses and severities are coloured on a terminal only, and not with
# NO_COLOR (any value) or --no-color. The terminal is a real pty.

. "$(dirname "$0")/test-lib.sh"

FIELDLOG_NOW=2025-09-10T10:00:00+07:00
export FIELDLOG_NOW
PTY="$PYTHON $TEST_LIB_DIR/pty-run.py"
ESC=$(printf '\033')
unset PAGER LESS NO_COLOR
TERM=xterm
export TERM

test_expect_success 'set-up' '
	fieldlog init --id le.van.cuong --name "Lê Văn Cường" --role officer --province 42 &&
	fieldlog issue add --title "Trụ sở xuống cấp" --domain civil_servants --commune 18073 \
		--severity urgent --status in_progress &&
	fieldlog issue add --title "Thiếu máy tính" --domain civil_servants --commune 18073 --severity low
'

test_expect_success 'a terminal: the output goes through $FIELDLOG_PAGER' '
	FIELDLOG_PAGER="cat >paged; echo \"LESS=\$LESS\" >>paged" $PTY 100 "$FIELDLOG_BIN" issue list >out &&
	grep "Trụ sở xuống cấp" paged &&
	grep "^2 issues" paged &&
	grep "^LESS=FRX$" paged &&
	! grep "Trụ sở" out
'

test_expect_success 'then $PAGER; LESS as the user set it' '
	PAGER="cat >paged; echo \"LESS=\$LESS\" >>paged" LESS=S $PTY 100 "$FIELDLOG_BIN" communes thien >out &&
	grep "Thiên" paged &&
	grep "^LESS=S$" paged
'

test_expect_success 'then less -FRX: short output is shown and less quits' '
	rm -f paged &&
	PATH=$(dirname "$(command -v less)"):$PATH $PTY 100 "$FIELDLOG_BIN" issue list >out &&
	grep "Trụ sở xuống cấp" out
'

test_expect_success '--no-pager, a pipe, and commands that write: no pager' '
	rm -f paged &&
	FIELDLOG_PAGER="cat >paged" $PTY 100 "$FIELDLOG_BIN" --no-pager issue list >out &&
	grep "Trụ sở xuống cấp" out &&
	FIELDLOG_PAGER="cat >paged" fieldlog issue list >out &&
	grep "Trụ sở xuống cấp" out &&
	FIELDLOG_PAGER="cat >paged" $PTY 100 "$FIELDLOG_BIN" issue add --title "Ba" \
		--domain civil_servants --commune 18073 --severity low >out &&
	grep "saved" out &&
	! test -e paged
'

test_expect_success 'colour for status and severity on a terminal' '
	$PTY 100 "$FIELDLOG_BIN" --no-pager issue list >out &&
	grep "${ESC}\[36min_progress${ESC}\[m" out &&
	grep "${ESC}\[1;31murgent${ESC}\[m" out &&
	grep "${ESC}\[32mlow${ESC}\[m" out &&
	! grep "${ESC}\[[0-9;]*mTrụ" out
'

test_expect_success 'the pager gets the colours too (less -R shows them)' '
	FIELDLOG_PAGER="cat >paged" $PTY 100 "$FIELDLOG_BIN" issue list >out &&
	grep "${ESC}\[36min_progress" paged
'

test_expect_success 'no colour with NO_COLOR (even empty), --no-color, TERM=dumb or a pipe' '
	NO_COLOR= $PTY 100 "$FIELDLOG_BIN" --no-pager issue list >out &&
	grep "in_progress" out && ! grep "$ESC" out &&
	NO_COLOR=1 $PTY 100 "$FIELDLOG_BIN" --no-pager issue list >out &&
	! grep "$ESC" out &&
	$PTY 100 "$FIELDLOG_BIN" --no-pager --no-color issue list >out &&
	grep "in_progress" out && ! grep "$ESC" out &&
	TERM=dumb $PTY 100 "$FIELDLOG_BIN" --no-pager issue list >out &&
	! grep "$ESC" out &&
	fieldlog issue list >out &&
	! grep "$ESC" out
'

test_done
