#!/bin/sh
# t0210-bad-input: bad input gets one clear line on stderr ("error: ..."), a
# non-zero exit and nothing on stdout, and nothing is written: the tip of
# repo.git and what every list command prints are the same before and after.
# Usage errors (an unknown option, a missing required option) exit 2.
#
# Covered: commune codes that do not exist, dates that are not on the
# calendar, ISO weeks that do not exist, unknown domains, statuses, severities,
# invalid UTF-8 in an argument, on stdin and in an @file, fields and records
# over their size limits, a workspace that does not exist, a second init.

. "$(dirname "$0")/test-lib.sh"

WS=$TEST_SCRATCH/ws
REPO=$WS/repo.git
FIELDLOG_NOW=2025-09-10T10:00:00+07:00
export FIELDLOG_NOW

fl () {
	fieldlog -C "$WS" "$@"
}

# snap FILE: what must not change: the tip of main and every list.
snap () {
	{
		git_saved "$WS" rev-parse main &&
		for k in schedule visit issue report; do
			fl $k list --deleted --json || return 1
		done
	} >"$1"
}

# refused [--exit=N] ARGS...: `fl ARGS` exits N (default 1), prints nothing on
# stdout and exactly one line on stderr, starting "error: ", and nothing in
# the workspace changes. Leaves the message in err.
refused () {
	_want=1
	case $1 in --exit=*) _want=${1#--exit=}; shift ;; esac
	snap before || return 1
	test_must_fail --exit=$_want fl "$@" >out 2>err
	_st=$?
	cat out err
	[ $_st -eq 0 ] &&
	test_line_count = 1 err &&
	grep "^error: " err >/dev/null &&
	test_line_count = 0 out &&
	snap after &&
	test_cmp before after
}

# bytes N [CHAR]: N copies of CHAR (default a) on one line.
bytes () {
	"$PYTHON" -c "import sys; sys.stdout.write(sys.argv[2] * int(sys.argv[1]))" "$1" "${2:-a}"
}

ADD_ISSUE="issue add --domain civil_servants --commune 18073 --severity low"

test_expect_success 'set-up: a workspace with one record of each kind' '
	fieldlog -C "$WS" init --id le.van.cuong --name "Lê Văn Cường" --role officer --province 42 &&
	fl schedule add --date 2025-09-08 --commune 18073 --activity "Làm việc với UBND phường" --json >s.json &&
	json_get entries.0.id <s.json >entry &&
	fl visit add --date 2025-09-08 --commune 18073 --summary "Thăm phường Thành Sen" &&
	fl $ADD_ISSUE --title "Thiếu công chức" --json >i.json &&
	json_get id <i.json >issue &&
	fl report submit --summary "Tuần 37" &&
	snap start &&
	test "$(grep -c "\"kind\":" start)" = 4
'

# --- reference data ---------------------------------------------------------------

test_expect_success 'unknown commune code: issue add' '
	refused $ADD_ISSUE --title "Vấn đề" --commune 99999 &&
	grep "99999" err
'

test_expect_success 'unknown commune code: visit add, schedule add, issue edit' '
	refused visit add --date 2025-09-09 --commune 99999 --summary "Thăm" &&
	grep "99999" err &&
	refused schedule add --date 2025-09-09 --commune 00000 --activity "Họp" &&
	grep "00000" err &&
	refused issue edit "$(cat issue)" --commune 18073 --commune 12 &&
	grep "12" err
'

test_expect_success 'a province code that does not exist' '
	refused issue list --province 99 --json
'

test_expect_success 'unknown domain: issue add and issue edit' '
	refused issue add --title "Vấn đề" --domain dat_dai_bogus --commune 18073 --severity low &&
	grep "dat_dai_bogus" err &&
	refused issue edit "$(cat issue)" --domain bogus &&
	grep "bogus" err
'

test_expect_success 'unknown status: issue edit --status bogus, issue add --status bogus' '
	refused issue edit "$(cat issue)" --status bogus &&
	grep "bogus" err &&
	refused $ADD_ISSUE --title "Vấn đề" --status bogus
'

test_expect_success 'a status an officer may not set: answered (reviewers answer)' '
	refused issue edit "$(cat issue)" --status answered
'

test_expect_success 'unknown severity, unknown schedule state' '
	refused issue add --title "Vấn đề" --domain civil_servants --commune 18073 --severity huge &&
	refused issue edit "$(cat issue)" --severity critical &&
	refused schedule edit "$(cat entry)" --state finished
'

# --- the calendar ---------------------------------------------------------------

test_expect_success '2025-09-31 is not a date: visit add, schedule add' '
	refused visit add --date 2025-09-31 --commune 18073 --summary "Thăm" &&
	grep "2025-09-31" err &&
	refused schedule add --date 2025-09-31 --commune 18073 --activity "Họp" &&
	grep "2025-09-31" err
'

test_expect_success 'other dates that are not on the calendar or not YYYY-MM-DD' '
	for d in 2025-02-29 2025-13-01 2025-00-10 2025-09-00 2025-9-1 10/09/2025 2025-09-10T10:00 ""
	do
		refused visit add --date "$d" --commune 18073 --summary "Thăm" || return 1
	done &&
	refused issue list --since 2025-02-30 --json
'

test_expect_success '29 February is a date in a leap year' '
	# A visit is at most a year old: this one is added the next day.
	FIELDLOG_NOW=2024-03-01T10:00:00+07:00 \
		fl visit add --date 2024-02-29 --commune 18073 --summary "Thăm năm nhuận" --json >leap.json &&
	json_get date <leap.json >actual &&
	echo 2024-02-29 >expect &&
	test_cmp expect actual &&
	fl delete "$(json_get id <leap.json)" &&
	snap start
'

test_expect_success 'week 2025-W54: report week, schedule show, schedule list, report submit' '
	refused report week --week 2025-W54 &&
	grep "2025-W54" err &&
	refused report week --week 2025-W54 --json &&
	refused schedule list --week 2025-W54 --json &&
	refused report submit --week 2025-W54 --summary "Tuần 54"
'

test_expect_success 'schedule show 2025-W54 says the week does not exist' '
	refused schedule show 2025-W54 &&
	grep "2025-W54" err &&
	grep "ISO week" err
'

test_expect_success '2025 has 52 ISO weeks, 2026 has 53' '
	refused report week --week 2025-W53 &&
	refused report week --week 2025-W00 &&
	refused report week --week 2025-37 &&
	fl report week --week 2026-W53 --json >w53.json &&
	json_get from to <w53.json >actual &&
	printf "%s\n" 2026-12-28 2027-01-03 >expect &&
	test_cmp expect actual
'

test_expect_success 'a schedule entry cannot move out of its week' '
	refused schedule edit "$(cat entry)" --date 2025-09-15
'

# --- text -----------------------------------------------------------------------

test_expect_success 'invalid UTF-8 in an argument' '
	refused $ADD_ISSUE --title "$(printf "Thi\\377\\376u")" &&
	refused visit add --date 2025-09-09 --commune 18073 --summary "$(printf "\\377\\376")" &&
	refused issue comment "$(cat issue)" --text "$(printf "ok \\377")" &&
	refused schedule add --date 2025-09-09 --commune 18073 --activity "$(printf "\\376")"
'

test_expect_success 'invalid UTF-8 that only looks like UTF-8: overlong, surrogate, truncated' '
	refused $ADD_ISSUE --title "$(printf "\\300\\257")" &&
	refused $ADD_ISSUE --title "$(printf "\\340\\200\\257")" &&
	refused $ADD_ISSUE --title "$(printf "\\355\\240\\200")" &&
	refused $ADD_ISSUE --title "$(printf "\\364\\220\\200\\200")" &&
	refused $ADD_ISSUE --title "$(printf "Vi\\341\\273")"
'

test_expect_success 'invalid UTF-8 in a read command argument' '
	refused communes "$(printf "th\\377nh")" &&
	refused issue show "$(printf "\\377\\377\\377\\377")"
'

test_expect_success 'invalid UTF-8 on stdin: --description -, --text -' '
	printf "Mô tả \\377\\376 hỏng\\n" >bad.txt &&
	refused $ADD_ISSUE --title "Vấn đề" --description - <bad.txt &&
	grep -i "UTF-8" err &&
	refused issue comment "$(cat issue)" --text - <bad.txt &&
	refused issue edit "$(cat issue)" --description - <bad.txt
'

test_expect_success 'invalid UTF-8 in an @file' '
	refused $ADD_ISSUE --title "Vấn đề" --description @bad.txt &&
	refused visit add --date 2025-09-09 --commune 18073 --summary @bad.txt
'

test_expect_success 'an @file that does not exist' '
	refused $ADD_ISSUE --title "Vấn đề" --description @no-such-file.txt &&
	grep "no-such-file.txt" err
'

test_expect_success 'required text that is empty, a title on two lines' '
	refused $ADD_ISSUE --title "" &&
	refused $ADD_ISSUE --title "$(printf "Dòng 1\\nDòng 2")" &&
	refused schedule add --date 2025-09-09 --commune 18073 --activity "" &&
	snap before &&
	test_must_fail fl visit add --date 2025-09-09 --commune 18073 --summary "" 2>err &&
	head -n 1 err | grep "^error: .*summary" &&
	test_must_fail fl issue comment "$(cat issue)" --text "" 2>err &&
	head -n 1 err | grep "^error: .*text" &&
	snap after &&
	test_cmp before after
'

test_expect_success 'control characters (ESC) in a one-line field are refused' '
	refused $ADD_ISSUE --title "$(printf "Vấn đề \\033[2J\\033[31mđỏ")" &&
	refused visit add --date 2025-09-09 --commune 18073 --summary "Thăm" --met "$(printf "\\007\\010")"
'

# --- sizes ----------------------------------------------------------------------

test_expect_success 'a title of 500 bytes is accepted (then deleted)' '
	fl $ADD_ISSUE --title "$(bytes 500)" --json >t500.json &&
	fl delete "$(json_get id <t500.json)" &&
	snap start
'

test_expect_success 'a title over 500 bytes is refused: 501 ASCII, 167 × "ế" (501 bytes)' '
	refused $ADD_ISSUE --title "$(bytes 501)" &&
	grep "title" err &&
	refused $ADD_ISSUE --title "$(bytes 167 ế)" &&
	refused issue edit "$(cat issue)" --title "$(bytes 501)"
'

test_expect_success 'a description over 20000 bytes is refused (@file and stdin)' '
	bytes 20001 >big.txt &&
	refused $ADD_ISSUE --title "Vấn đề" --description @big.txt &&
	grep "description" err &&
	refused $ADD_ISSUE --title "Vấn đề" --description - <big.txt &&
	bytes 6667 ệ >big-vi.txt &&
	refused issue comment "$(cat issue)" --text @big-vi.txt
'

test_expect_success 'a record over its size limit is refused, and nothing is half-written' '
	bytes 19000 >c.txt &&
	now_head=$(git_saved "$WS" rev-parse main) &&
	i=0 &&
	while [ $i -lt 20 ]; do
		i=$((i + 1))
		snap before || return 1
		fl issue comment "$(cat issue)" --text @c.txt >out 2>err
		st=$?
		[ $st -eq 0 ] && continue
		[ $st -eq 1 ] || return 1
		test_line_count = 1 err || return 1
		grep "^error: " err || return 1
		snap after || return 1
		test_cmp before after || return 1
		break
	done &&
	test $i -lt 20 &&
	test $i -gt 5 &&
	git_saved "$WS" rev-list --count "$now_head..main" >count &&
	echo $((i - 1)) >expect &&
	test_cmp expect count &&
	snap start
'

# --- the workspace ---------------------------------------------------------------

test_expect_success 'a workspace that does not exist: -C /nonexistent' '
	test_must_fail fieldlog -C /nonexistent issue list >out 2>err &&
	test_line_count = 1 err &&
	grep "^error: .*/nonexistent" err &&
	test_line_count = 0 out &&
	test_must_fail fieldlog -C "$TEST_SCRATCH/nx/ws" $ADD_ISSUE --title "Vấn đề" 2>err &&
	test_line_count = 1 err &&
	test ! -e "$TEST_SCRATCH/nx" &&
	mkdir empty &&
	test_must_fail fieldlog -C empty whoami 2>err &&
	test_line_count = 1 err &&
	test_must_fail env FIELDLOG_HOME="$TEST_SCRATCH/nx2" "$FIELDLOG_BIN" visit list 2>err &&
	test_line_count = 1 err &&
	test ! -e "$TEST_SCRATCH/nx2" &&
	ls -A empty >actual &&
	test_line_count = 0 actual
'

test_expect_success 'a second init on an existing workspace is refused and changes nothing' '
	cp "$WS/config.json" config.before &&
	cksum <"$WS/index.db" >index.before &&
	refused init --id le.van.cuong --name "Lê Văn Cường" --role officer --province 42 &&
	refused init --id khac --name "Người khác" --role reviewer &&
	test_cmp config.before "$WS/config.json" &&
	cksum <"$WS/index.db" >index.after &&
	test_cmp index.before index.after
'

test_expect_success 'init refuses a bad id, role or province and creates nothing' '
	test_must_fail fieldlog -C w1 init --id "Lê Văn" --name x --role officer --province 42 2>err &&
	test_line_count = 1 err &&
	test_must_fail fieldlog -C w1 init --id a --name x --role admin --province 42 2>err &&
	test_line_count = 1 err &&
	test_must_fail fieldlog -C w1 init --id a --name x --role officer --province 99 2>err &&
	test_line_count = 1 err &&
	test_must_fail fieldlog -C w1 init --id a --name "$(printf "\\377")" --role officer --province 42 2>err &&
	test_line_count = 1 err &&
	test ! -e w1
'

# --- usage ------------------------------------------------------------------------

test_expect_success 'usage errors exit 2: unknown option, command, subcommand, missing value' '
	snap before &&
	test_must_fail --exit=2 fl issue list --bogus 2>err &&
	head -n 1 err | grep "^error: .*--bogus" &&
	test_must_fail --exit=2 fl bogus 2>err &&
	head -n 1 err | grep "^error: .*bogus" &&
	test_must_fail --exit=2 fl issue frobnicate 2>err &&
	head -n 1 err | grep "^error: " &&
	test_must_fail --exit=2 fl issue add --title "Vấn đề" 2>err &&
	head -n 1 err | grep "^error: " &&
	test_must_fail --exit=2 fl $ADD_ISSUE --title "Vấn đề" --description 2>err &&
	head -n 1 err | grep "^error: " &&
	test_must_fail --exit=2 fieldlog 2>err &&
	snap after &&
	test_cmp before after
'

test_expect_success 'every command and subcommand answers -h with exit 0' '
	for c in init whoami communes provinces domains schedule visit issue report delete reindex \
		"schedule add" "schedule edit" "schedule list" "schedule show" \
		"visit add" "visit edit" "visit list" "visit show" \
		"issue add" "issue edit" "issue comment" "issue list" "issue show" \
		"report week" "report submit" "report list" "report show"
	do
		fl $c -h >out 2>err || { echo "$c -h failed"; return 1; }
		grep "usage: fieldlog $c" out >/dev/null || { echo "$c -h: no usage"; return 1; }
	done
'

test_expect_success 'after all that, the workspace is as it was' '
	snap end &&
	test_cmp start end &&
	git_saved "$WS" fsck --no-progress
'

test_done
