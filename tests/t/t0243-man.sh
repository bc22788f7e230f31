#!/bin/sh
# t0243-man: `man fieldlog` in English and in Vietnamese. The pages are
# written by hand, so this keeps them in step with the tables: the
# commands of the COMMANDS section are those of `fieldlog help`, and the
# subcommands listed under each command those of `fieldlog help COMMAND`.
# Both render with `man -l` without a groff warning, and `make install`
# puts them (and the bash completion) where man and bash look.

. "$(dirname "$0")/test-lib.sh"

EN=$TEST_ROOT/docs/man/fieldlog.1
VI=$TEST_ROOT/docs/man/vi/fieldlog.1

if ! command -v man >/dev/null || ! command -v groff >/dev/null; then
	test_skip_all "man or groff is not installed (Debian: man-db, groff-base)"
fi

# The names a help list shows: lines "  NAME   description".
names () {
	sed -n 's/^  \([a-z_][a-z_-]*\)  *[^ ].*/\1/p' "$1"
}

# page_commands PAGE: the .SS "fieldlog X" sections of the page, in order.
page_commands () {
	sed -n 's/^\.SS "fieldlog \([a-z_-]*\)"$/\1/p' "$1"
}

# page_subcommands PAGE CMD: the .TP entries of CMD's section (first word).
page_subcommands () {
	awk -v cmd="$2" '
		/^\.S[SH] / { in_cmd = ($0 == ".SS \"fieldlog " cmd "\"") ; next }
		in_cmd && prev == ".TP" { w = $2; gsub(/\\/, "", w); gsub(/"/, "", w); print w }
		{ prev = $0 }' "$1"
}

test_expect_success 'the commands of the pages are those of fieldlog help' '
	fieldlog help >help &&
	names help >expect &&
	page_commands "$EN" >en &&
	test_cmp expect en &&
	page_commands "$VI" >vi &&
	test_cmp expect vi
'

test_expect_success 'each command section lists the subcommands of fieldlog help COMMAND' '
	for c in $(cat expect); do
		fieldlog help $c >sub || return 1
		names sub >want.$c
		grep -q "help $c SUBCOMMAND" sub || continue
		page_subcommands "$EN" $c >en.$c &&
		page_subcommands "$VI" $c >vi.$c &&
		test_cmp want.$c en.$c &&
		test_cmp want.$c vi.$c || return 1
	done &&
	test -s en.issue && test -s en.remote && test -s vi.roster
'

test_expect_success 'man -l renders both, without warnings' '
	MANWIDTH=80 man -l "$EN" >en.txt 2>err &&
	test_line_count = 0 err &&
	grep "fieldlog - plan, log and report field work" en.txt &&
	grep "^   fieldlog issue" en.txt &&
	grep "record an obstacle found in a commune" en.txt &&
	MANWIDTH=80 man -l "$VI" >vi.txt 2>err &&
	test_line_count = 0 err &&
	grep "^CÁC LỆNH" vi.txt &&
	grep "ghi nhận một vướng mắc phát hiện ở xã" vi.txt &&
	MANWIDTH=80 groff -man -Tutf8 -K utf8 -ww -z "$VI" 2>err &&
	test_line_count = 0 err &&
	groff -man -Tutf8 -ww -z "$EN" 2>err &&
	test_line_count = 0 err
'

test_expect_success 'make install-docs puts the pages and the completion in place' '
	make -s -C "$TEST_ROOT" install-docs DESTDIR="$TEST_SCRATCH/dest" PREFIX=/usr &&
	test_cmp "$EN" dest/usr/share/man/man1/fieldlog.1 &&
	test_cmp "$VI" dest/usr/share/man/vi/man1/fieldlog.1 &&
	test_cmp "$TEST_ROOT/contrib/completion/fieldlog.bash" dest/usr/share/bash-completion/completions/fieldlog &&
	MANPATH="$TEST_SCRATCH/dest/usr/share/man" MANWIDTH=80 man fieldlog >out 2>err &&
	grep "fieldlog help" out &&
	MANPATH="$TEST_SCRATCH/dest/usr/share/man" MANWIDTH=80 man -L vi fieldlog >out 2>err &&
	grep "CÁC LỆNH" out
'

test_done
