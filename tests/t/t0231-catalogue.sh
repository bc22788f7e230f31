#!/bin/sh
# The catalogue is complete and standard: xgettext (Debian's gettext)
# extracts every message the sources mark, and each has a Vietnamese
# translation in app/vi.po; msgfmt -c accepts the file.
. "$(dirname "$0")/test-lib.sh"

test_lazy_prereq GETTEXT 'command -v xgettext && command -v msgfmt'

# What marks a message: _() and N_() (schema/base.h), the formats of the
# functions that translate theirs, and the names die/error/warning keep for
# any such function to come. schema/rules.c's refuse() takes its format one
# argument later than sync/check.c's, hence a second run for it.
extract () {
	set -- --from-code=UTF-8 --no-wrap --sort-output \
		-k_ -kN_ -kfl_tr -kdie -kerror -kwarning \
		-kfl_error:2 -kerror_exit:1 -kusage_error:2 -ksave_record:5 \
		-kwarn:1 -kbad:3 -krefuse_push:3 -krefuse_branch:3
	(cd "$TEST_ROOT" &&
	 xgettext "$@" -krefuse:3 -o "$TEST_SCRATCH/messages.pot" \
		$(ls app/*.c app/*.h sync/*.c sync/*.h schema/*.c schema/*.h |
		  grep -v '^schema/rules\.c$') &&
	 xgettext "$@" -krefuse:4 -j -o "$TEST_SCRATCH/messages.pot" schema/rules.c)
}

test_expect_success GETTEXT 'xgettext finds the messages' '
	extract &&
	test $(grep -c "^msgid " messages.pot) -gt 600
'

test_expect_success GETTEXT 'every message has a Vietnamese translation' '
	"$PYTHON" - messages.pot "$TEST_ROOT/app/vi.po" <<-\PY
	import re, sys
	def entries(path):
	    out, cur, key = {}, None, None
	    for line in open(path, encoding="utf-8"):
	        m = re.match(r"^(msgid|msgstr) \"(.*)\"$", line.rstrip("\n"))
	        if m:
	            if m.group(1) == "msgid":
	                cur = [m.group(2), ""]
	            else:
	                cur[1] = m.group(2)
	                out[cur[0]] = cur[1]
	            key = m.group(1)
	            continue
	        m = re.match(r"^\"(.*)\"$", line.rstrip("\n"))
	        if m and cur is not None:
	            if key == "msgid":
	                cur[0] += m.group(1)
	            else:
	                cur[1] += m.group(1)
	                out[cur[0]] = cur[1]
	    return out
	pot, po = entries(sys.argv[1]), entries(sys.argv[2])
	missing = sorted(m for m in pot if m and not po.get(m))
	for m in missing:
	    print("no Vietnamese translation: msgid \"%s\"" % m)
	sys.exit(1 if missing else 0)
	PY
'

test_expect_success GETTEXT 'msgfmt -c accepts the catalogue' '
	msgfmt -c -o /dev/null "$TEST_ROOT/app/vi.po"
'

test_done
