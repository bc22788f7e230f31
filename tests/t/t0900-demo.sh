#!/bin/sh
# t0900-demo: `make demo`, the README's first command, runs to its end: an
# officer's week offline, the history with stock git, a sync, the
# reviewer's view, then the week's .docx and dashboard. It broke once
# without any test noticing (saves stopped being commits before the demo
# asked git for the history); now it cannot.

. "$(dirname "$0")/test-lib.sh"

test_expect_success 'the demo runs to its end' '
	TMPDIR=$TEST_SCRATCH sh "$TEST_ROOT/tests/demo.sh" "$FIELDLOG_BIN" >out 2>&1 ||
	{ tail -20 out; false; } &&
	grep "^That was fieldlog" out
'

test_expect_success 'the week as commits; the escalation reached the reviewer, the answer the officer' '
	grep "status open → escalated" out &&
	grep "^diff --git" out &&
	grep -A3 "issue list --escalated" out | grep "escalated" &&
	grep "^sent 0, received 1, conflicts 0$" out &&
	grep "response (answered) by Lê Thị Hoa" out
'

test_expect_success 'it ends with the week'"'"'s report as a .docx, and says where' '
	grep "is in $TEST_SCRATCH/bao-cao-2025-W37-nguyen.van.an.docx$" out &&
	test -s "$TEST_SCRATCH/bao-cao-2025-W37-nguyen.van.an.docx"
'

test_expect_success 'and with the week'"'"'s dashboard, the reviewer'"'"'s, and says where' '
	grep "dashboard (charts of the 34 provinces, a page per province and per issue) is in $TEST_SCRATCH/dashboard-2025-W37$" out &&
	test -f "$TEST_SCRATCH/dashboard-2025-W37/index.html" &&
	test -f "$TEST_SCRATCH/dashboard-2025-W37/tinh/42.html" &&
	grep "Hà Tĩnh" "$TEST_SCRATCH/dashboard-2025-W37/index.html" &&
	grep "Báo cáo tuần theo tỉnh, thành phố" "$TEST_SCRATCH/dashboard-2025-W37/index.html" &&
	grep "Chậm giải quyết hồ sơ đất đai" "$TEST_SCRATCH/dashboard-2025-W37/tinh/42.html" &&
	test "$(ls "$TEST_SCRATCH/dashboard-2025-W37/van-de" | wc -l)" -ge 1
'

test_expect_success 'it leaves nothing behind' '
	test -z "$(ls "$TEST_SCRATCH" | grep fieldlog-demo)"
'

test_done
