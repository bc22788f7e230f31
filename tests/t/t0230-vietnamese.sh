#!/bin/sh
# Messages in Vietnamese when the locale asks for it; English otherwise;
# and the catalog keeps every printf conversion of the English message.
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'set-up' '
	fieldlog init --id an.nguyen --name "Nguyễn Văn An" --role officer --province 42 >/dev/null
'

test_expect_success 'LANG=vi_VN.UTF-8: errors in Vietnamese, one line' '
	test_must_fail env LC_ALL= LANG=vi_VN.UTF-8 "$FIELDLOG_BIN" issue add --title "Thiếu máy tính" \
		--domain land --commune 99999 --severity high 2>err &&
	test_line_count = 1 err &&
	grep "^lỗi: tùy chọn .--commune.: không có xã nào có mã hoặc tên .99999." err
'

test_expect_success 'LANGUAGE comes first, as in gettext' '
	test_must_fail env LC_ALL= LANG=vi_VN.UTF-8 LANGUAGE=en "$FIELDLOG_BIN" visit add \
		--date 2025-09-31 --commune 18073 --summary x 2>err &&
	grep "^error: .2025-09-31. is not a real date" err &&
	test_must_fail env LANG=C LC_ALL=vi_VN "$FIELDLOG_BIN" visit add \
		--date 2025-09-31 --commune 18073 --summary x 2>err &&
	grep "^lỗi: .2025-09-31. không phải là ngày có thật" err
'

test_expect_success 'other output in Vietnamese too' '
	env LC_ALL= LANG=vi_VN.UTF-8 "$FIELDLOG_BIN" issue add --title "Thiếu máy tính" --domain land \
		--commune 18073 --severity high >out &&
	grep "^đã lưu vấn đề " out
'

test_expect_success 'C locale: English' '
	test_must_fail fieldlog issue add --title x --domain land --commune 99999 \
		--severity high 2>err &&
	grep "^error: option .--commune.: no commune has the code or name .99999." err
'

test_expect_success 'every translation keeps the conversions of its message' '
	"$PYTHON" - "$TEST_ROOT/app/vi.po" <<-\PY
	import re, sys
	text = open(sys.argv[1], encoding="utf-8").read()
	pairs = re.findall(r"msgid ((?:\"(?:[^\"\\\\]|\\\\.)*\"\s*)+)msgstr ((?:\"(?:[^\"\\\\]|\\\\.)*\"\s*)+)", text)
	# Flags, width and precision may differ ("%.0s" prints nothing: the
	# English plural "s" has no Vietnamese), the types and their order not.
	conv = re.compile(r"%[-+ #0]*(?:\d+|\*)?(?:\.\d*|\.\*)?((?:hh|h|ll|l|z|j|t)?[diouxXcsp%])")
	bad = 0
	for mid, mstr in pairs:
	    a = "".join(re.findall(r"\"((?:[^\"\\\\]|\\\\.)*)\"", mid))
	    b = "".join(re.findall(r"\"((?:[^\"\\\\]|\\\\.)*)\"", mstr))
	    if a and conv.findall(a) != conv.findall(b):
	        print("conversions differ:", a, "->", b)
	        bad += 1
	assert len(pairs) > 600, len(pairs)
	sys.exit(bad)
	PY
'

test_done
