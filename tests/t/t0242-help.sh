#!/bin/sh
# t0242-help: `fieldlog help [COMMAND [SUBCOMMAND]]` and -h at every level
# list what is there, one line each, on stdout, ending in a newline; a
# mistyped command, subcommand or option gets the nearest one suggested;
# the lists are in Vietnamese when the locale asks.

. "$(dirname "$0")/test-lib.sh"

# The names a help list shows: lines "  NAME   description".
names () {
	sed -n 's/^  \([a-z_][a-z_-]*\)  *[^ ].*/\1/p' "$1"
}

test_expect_success 'fieldlog help and fieldlog -h: every command, one line each' '
	fieldlog help >help &&
	fieldlog -h >h &&
	test_cmp help h &&
	names help >cmds &&
	for c in init issue visit schedule report roster server remote search help sync; do
		grep -x "$c" cmds || return 1
	done &&
	! grep __complete help &&
	test "$(wc -l <cmds)" -ge 20
'

test_expect_success 'help COMMAND lists the subcommands, as COMMAND -h does' '
	for c in issue visit schedule report roster server remote; do
		fieldlog help $c >help.$c &&
		fieldlog $c -h >h.$c &&
		test_cmp help.$c h.$c &&
		names help.$c >subs.$c &&
		test "$(wc -l <subs.$c)" -ge 3 || return 1
	done &&
	names help.issue >subs &&
	printf "add\nedit\ncomment\nlist\nshow\n" >expect &&
	test_cmp expect subs &&
	grep "^  add  *record an obstacle" help.issue &&
	names help.remote | grep -x set-token
'

test_expect_success 'help COMMAND SUBCOMMAND is its -h: usage and options' '
	fieldlog help issue add >help &&
	fieldlog issue add -h >h &&
	test_cmp help h &&
	grep "^usage: fieldlog issue add" help &&
	grep -- "--severity" help
'

test_expect_success 'every -h ends with a newline, on stdout, exit 0' '
	for c in $(cat cmds); do
		fieldlog $c -h >out 2>err || return 1
		test -s out && test "$(tail -c1 out | od -An -c | tr -d " ")" = "\n" || {
			echo "no final newline: $c -h"; return 1; }
		for s in $(names out); do
			fieldlog $c $s -h >sub 2>err || { echo "$c $s -h failed"; return 1; }
			test "$(tail -c1 sub | od -An -c | tr -d " ")" = "\n" || {
				echo "no final newline: $c $s -h"; return 1; }
		done
	done
'

test_expect_success 'a mistyped command: the nearest one, exit 2' '
	test_must_fail --exit=2 fieldlog isue list 2>err &&
	grep "^error: unknown command .isue." err &&
	grep "^hint: did you mean .issue.?" err &&
	test_must_fail --exit=2 fieldlog shedule 2>err &&
	grep "did you mean .schedule.?" err &&
	test_must_fail --exit=2 fieldlog help isue 2>err &&
	grep "did you mean .issue.?" err &&
	test_must_fail --exit=2 fieldlog zzzzzzzz 2>err &&
	! grep "did you mean" err
'

test_expect_success 'a mistyped subcommand and option: the nearest one' '
	test_must_fail --exit=2 fieldlog issue lsit 2>err &&
	grep "^error: unknown subcommand .lsit." err &&
	grep "did you mean .list.?" err &&
	test_must_fail --exit=2 fieldlog roster alowed-signers 2>err &&
	grep "did you mean .allowed-signers.?" err &&
	fieldlog init --id an.nguyen --name "Nguyễn Văn An" --role officer --province 42 &&
	test_must_fail --exit=2 fieldlog issue list --comune 18073 2>err &&
	grep "^error: unknown option .--comune." err &&
	grep "did you mean .--commune.?" err &&
	test_must_fail --exit=2 fieldlog issue add --severty high 2>err &&
	grep "did you mean .--severity.?" err &&
	test_must_fail --exit=2 fieldlog issue add --wide 2>err &&
	grep "^error: unknown option .--wide." err &&
	! grep "did you mean" err
'

test_expect_success 'Vietnamese: the lists and the hint' '
	LANG=vi_VN.UTF-8 LC_ALL= fieldlog help >help &&
	grep "^  issue  *ghi nhận vướng mắc" help &&
	grep "^cách dùng: fieldlog" help &&
	LANG=vi_VN.UTF-8 LC_ALL= fieldlog help issue >help &&
	grep "^  add  *ghi nhận một vướng mắc" help &&
	test_must_fail env LANG=vi_VN.UTF-8 LC_ALL= "$FIELDLOG_BIN" isue 2>err &&
	grep "^gợi ý: có phải bạn muốn gõ .issue.?" err
'

test_done
