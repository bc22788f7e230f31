#!/bin/sh
# t0215-options: options are read strictly. A number is the whole argument
# in decimal and in range ("1e3" is not a thousand, "2x" is not two); an
# empty -C is a mistake, not the default workspace; a single-valued option
# given twice is refused rather than the last one silently winning, while a
# list option (--commune, --finding) may repeat. Each refusal is an
# "error: " line naming the option, and nothing is written.

. "$(dirname "$0")/test-lib.sh"

WS=$TEST_SCRATCH/ws
FIELDLOG_NOW=2025-09-10T10:00:00+07:00
export FIELDLOG_NOW

fl () {
	fieldlog -C "$WS" "$@"
}

json_len () {
	"$PYTHON" -c 'import json, sys; print(len(json.load(sys.stdin)))'
}

# tip: the outbox and main of repo.git, which a refusal must leave alone.
tip () {
	{ cat "$WS/outbox" 2>/dev/null; git_saved "$WS" rev-parse main; } >"$1"
}

test_expect_success 'set-up: a workspace with two issues' '
	fl init --id le.van.cuong --name "Lê Văn Cường" --role officer --province 42 &&
	fl issue add --title "Một" --domain civil_servants --commune 18073 --severity low &&
	fl issue add --title "Hai" --domain civil_servants --commune 18073 --severity low &&
	fl issue list --limit 1 --json >out &&
	test "$(json_len <out)" = 1
'

for bad in 1e3 2x 0 -1 "" " 5" 99999999999999999999; do
	test_expect_success "--limit '$bad' is refused, naming the option" "
		test_must_fail --exit=1 fl issue list --limit '$bad' >out 2>err &&
		test_line_count = 1 err &&
		grep \"^error: option '--limit' needs a whole number\" err &&
		test_line_count = 0 out &&
		test_must_fail --exit=1 fl search Một --limit '$bad' 2>err &&
		grep \"^error: option '--limit'\" err
	"
done

test_expect_success '--limit takes a plain number' '
	fl issue list --limit 2 --json >out &&
	test "$(json_len <out)" = 2 &&
	fl issue list --limit=1 --json >out &&
	test "$(json_len <out)" = 1
'

test_expect_success 'sync --timeout and remote timeout are numbers too' '
	test_must_fail --exit=1 fl sync --timeout 1e3 2>err &&
	grep "^error: option '"'"'--timeout'"'"' needs a whole number" err &&
	test_must_fail --exit=1 fl sync --timeout 30s 2>err &&
	test_line_count = 1 err &&
	test_must_fail --exit=1 fl remote timeout 2x 2>err &&
	test_line_count = 1 err &&
	grep "^error: " err &&
	! grep sync_timeout "$WS/config.json" &&
	fl remote timeout 45 &&
	grep "\"sync_timeout\": *\"45\"" "$WS/config.json"
'

test_expect_success 'an empty -C is an error, not the default workspace' '
	HOME=$TEST_SCRATCH/home &&
	mkdir -p "$HOME" &&
	export HOME &&
	test_must_fail --exit=2 fieldlog -C "" whoami >out 2>err &&
	test_line_count = 1 err &&
	grep "^error: option '"'"'-C'"'"'" err &&
	test_line_count = 0 out &&
	test_must_fail --exit=2 fieldlog -C "" init --id x.y --name X --role officer --province 42 2>err &&
	! test -e "$HOME/.local/share/fieldlog"
'

test_expect_success '-C given twice is an error' '
	test_must_fail --exit=2 fieldlog -C "$WS" -C "$WS" whoami 2>err &&
	grep "^error: option '"'"'-C'"'"' given twice" err
'

test_expect_success 'a single-valued option given twice is refused; nothing saved' '
	tip before &&
	test_must_fail --exit=2 fl issue add --title A --title B --domain civil_servants \
		--commune 18073 --severity low 2>err &&
	head -n 1 err >first &&
	echo "error: option '"'"'--title'"'"' given twice" >expect &&
	test_cmp expect first &&
	test_must_fail --exit=2 fl issue list --limit 1 --limit=2 2>err &&
	grep "^error: option '"'"'--limit'"'"' given twice" err &&
	tip after &&
	test_cmp before after
'

test_expect_success 'list options may repeat' '
	fl issue add --title "Ba" --domain civil_servants --commune 18073 --commune 18100 \
		--severity low --json >out &&
	json_get communes.1 <out >c &&
	test "$(cat c)" = 18100 &&
	fl visit add --date 2025-09-09 --commune 18073 --summary "Họp" \
		--finding một --finding hai --json >out &&
	test "$(json_get findings.1 <out)" = hai
'

test_expect_success 'a flag given twice is harmless' '
	fl issue list --json --json >out &&
	test "$(json_len <out)" = 3
'

test_expect_success '-h needs no workspace, for every command and subcommand' '
	none=$TEST_SCRATCH/nowhere &&
	for c in init whoami remote communes provinces domains delete sync status \
		respond search log diff stats export reindex \
		"schedule add" "schedule edit" "schedule list" "schedule show" \
		"visit add" "visit edit" "visit list" "visit show" \
		"issue add" "issue edit" "issue comment" "issue list" "issue show" \
		"report week" "report submit" "report list" "report show" "report weekly" \
		"remote show" "remote set" "remote set-token" "remote timeout" \
		"server init" "server check" "roster add" "roster list"
	do
		fieldlog -C "$none" $c -h >out 2>err || { echo "$c -h failed"; return 1; }
		grep "^usage: fieldlog" out >/dev/null || { echo "$c: no usage"; return 1; }
		test_line_count = 0 err || return 1
	done &&
	fieldlog -C "$none" issue add --title x -h >out &&
	grep "^usage: fieldlog issue add" out &&
	! test -e "$none"
'

test_expect_success 'the role a subcommand needs is checked before it runs' '
	fieldlog -C "$TEST_SCRATCH/rev" init --id x.y --name "Xuân" --role reviewer &&
	test_must_fail --exit=1 fieldlog -C "$TEST_SCRATCH/rev" issue add --title A \
		--domain civil_servants --commune 18073 --severity low >out 2>err &&
	echo "error: only officers run '"'"'fieldlog issue add'"'"' (the role of this workspace is '"'"'reviewer'"'"')" >expect &&
	test_cmp expect err &&
	test_line_count = 0 out &&
	test_must_fail --exit=1 fl respond 01ABC --status answered --text "x" 2>err &&
	echo "error: only reviewers run '"'"'fieldlog respond'"'"' (the role of this workspace is '"'"'officer'"'"')" >expect &&
	test_cmp expect err
'

test_done
