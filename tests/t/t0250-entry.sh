#!/bin/sh
# t0250-entry: entry that catches mistakes (DESIGN "Entry rules").
#
# Trần Thị Bình, officer in Hải Phòng (province 31), types communes by name
# (marks and case optional), in her province first and then anywhere; an
# ambiguous name is refused with its candidates, an unknown one names the
# option. A commune of another province is accepted with a warning; a visit
# in the future and anything dated more than a year back are refused, a plan
# for next month is not. A schedule entry may name a place instead of a
# commune; an issue has the date its obstacle was found; a second report for
# a week needs --replace and shows what it would change; options and
# arguments come in any order; a refused status move lists the allowed ones;
# --escalated lists what waits for the Ministry; an empty result says so.
# Messages are checked in English and in Vietnamese.

. "$(dirname "$0")/test-lib.sh"

WS=$TEST_SCRATCH/ws
FIELDLOG_NOW=2025-09-10T10:00:00+07:00
export FIELDLOG_NOW

fl () {
	fieldlog -C "$WS" "$@"
}

# vi ARGS...: fieldlog in the workspace with a Vietnamese locale.
vi () {
	env LC_ALL= LANG=vi_VN.UTF-8 "$FIELDLOG_BIN" -C "$WS" "$@"
}

# tip: the commit the workspace's main points at (nothing saved: unchanged).
tip () {
	fl issue list --json >/dev/null &&
	git_saved "$WS" rev-parse main
}

ISSUE="issue add --domain land --severity low"

test_expect_success 'set-up: an officer of Hải Phòng' '
	fl init --id tran.thi.binh --name "Trần Thị Bình" --role officer --province 31 >/dev/null 2>&1
'

# --- communes by name ---------------------------------------------------------

test_expect_success '--commune takes a name without marks, with marks, in any case, with its type' '
	for name in "thien huong" "Thiên Hương" "THIÊN  HƯƠNG" "phường thiên hương" 11557
	do
		fl $ISSUE --title "Vấn đề" --commune "$name" --json >i.json 2>err &&
		test_line_count = 0 err &&
		json_get communes.0 <i.json >actual &&
		echo 11557 >expect &&
		test_cmp expect actual || return 1
	done
'

test_expect_success 'visit add, schedule add and the list filters take names too' '
	fl visit add --date 2025-09-09 --commune "thien huong" --summary "Thăm" --json >v.json &&
	test "$(json_get commune <v.json)" = 11557 &&
	fl schedule add --date 2025-09-11 --commune "Thiên Hương" --activity "Họp" --json >s.json &&
	test "$(json_get entries.0.commune <s.json)" = 11557 &&
	fl visit list --commune "thien huong" --json >l.json &&
	test "$(json_get 0.id <l.json)" = "$(json_get id <v.json)"
'

test_expect_success 'a name is looked for in the officer province first' '
	fl $ISSUE --title "Tân An" --commune "tan an" --json >i.json &&
	test "$(json_get communes.0 <i.json)" = 11167
'

test_expect_success 'an ambiguous name is refused with its candidates: code, name, province' '
	before=$(tip) &&
	test_must_fail fl $ISSUE --title "Vấn đề" --commune "an binh" >out 2>err &&
	test_line_count = 0 out &&
	test_line_count = 1 err &&
	grep "^error: option .--commune.: .an binh. names 5 communes; give the code of one: " err &&
	grep "05425 Xã An Bình (Tỉnh Phú Thọ)" err &&
	grep "31150 Phường An Bình (Thành phố Cần Thơ)" err &&
	test "$(tip)" = "$before" &&
	test_must_fail vi $ISSUE --title "Vấn đề" --commune "an binh" 2>err &&
	grep "^lỗi: tùy chọn .--commune.: .an binh. là tên của 5 xã; hãy ghi mã của một xã: " err
'

test_expect_success 'an unknown name or code names the option, not the record field' '
	before=$(tip) &&
	test_must_fail fl $ISSUE --title "Vấn đề" --commune zzzz 2>err &&
	test_line_count = 1 err &&
	grep "^error: option .--commune.: no commune has the code or name .zzzz." err &&
	! grep "field .communes." err &&
	test_must_fail fl visit add --date 2025-09-09 --commune 99999 --summary x 2>err &&
	grep "^error: option .--commune.: no commune has the code or name .99999." err &&
	test_must_fail fl schedule add --date 2025-09-09 --commune zzzz --activity x 2>err &&
	grep "option .--commune." err &&
	test_must_fail fl issue list --commune zzzz 2>err &&
	grep "^error: option .--commune.: no commune" err &&
	test_must_fail vi visit add --date 2025-09-09 --commune zzzz --summary x 2>err &&
	grep "^lỗi: tùy chọn .--commune.: không có xã nào có mã hoặc tên .zzzz." err &&
	test "$(tip)" = "$before"
'

test_expect_success 'part of a name is not taken: the names with those words are offered' '
	test_must_fail fl $ISSUE --title "Vấn đề" --commune "thien huo" 2>err &&
	grep "^error: option .--commune.: no commune is named .thien huo.; names with those words: 11557 Phường Thiên Hương (Thành phố Hải Phòng)$" err
'

# --- other provinces and dates -------------------------------------------------

test_expect_success 'a commune of another province: saved, with a warning' '
	fl visit add --date 2025-09-09 --commune "thanh sen" --summary "Sang Hà Tĩnh" >out 2>err &&
	grep "^visit .* saved" out &&
	test_line_count = 1 err &&
	grep "^warning: Phường Thành Sen (18073) is in Tỉnh Hà Tĩnh, outside your province Thành phố Hải Phòng$" err &&
	vi $ISSUE --title "Ở Hà Tĩnh" --commune 18073 2>err >/dev/null &&
	grep "^cảnh báo: Phường Thành Sen (18073) thuộc Tỉnh Hà Tĩnh, ngoài tỉnh của bạn là Thành phố Hải Phòng$" err
'

test_expect_success 'a visit in the future is refused; a plan for next month is not' '
	before=$(tip) &&
	test_must_fail fl visit add --date 2025-09-11 --commune 11557 --summary x 2>err &&
	test_line_count = 1 err &&
	grep "^error: option .--date.: 2025-09-11 is in the future (today is 2025-09-10)$" err &&
	test_must_fail vi visit add --date 2025-12-30 --commune 11557 --summary x 2>err &&
	grep "^lỗi: tùy chọn .--date.: 2025-12-30 là ngày trong tương lai (hôm nay là 2025-09-10)$" err &&
	test "$(tip)" = "$before" &&
	fl schedule add --date 2025-10-15 --commune 11557 --activity "Kế hoạch tháng sau" >/dev/null
'

test_expect_success 'anything dated more than a year back is refused' '
	before=$(tip) &&
	test_must_fail fl visit add --date 2024-09-08 --commune 11557 --summary x 2>err &&
	grep "^error: option .--date.: 2024-09-08 is more than a year ago (today is 2025-09-10)$" err &&
	test_must_fail fl schedule add --date 2024-09-08 --commune 11557 --activity x 2>err &&
	grep "more than a year ago" err &&
	test_must_fail fl $ISSUE --title x --commune 11557 --date 2024-01-01 2>err &&
	grep "more than a year ago" err &&
	test_must_fail vi $ISSUE --title x --commune 11557 --date 2024-01-01 2>err &&
	grep "^lỗi: tùy chọn .--date.: 2024-01-01 đã cách đây hơn một năm" err &&
	test "$(tip)" = "$before" &&
	fl visit add --date 2024-09-09 --commune 11557 --summary "Đúng một năm" >/dev/null
'

# --- a place instead of a commune ----------------------------------------------

test_expect_success 'schedule add --place: no commune needed; shown and reported' '
	fl schedule add --date 2025-09-12 --place "Sở Nội vụ tỉnh Hà Tĩnh" --activity "Họp giao ban" \
		--json >s.json &&
	"$PYTHON" - <<-\EOF &&
	import json
	e = json.load(open("s.json"))["entries"][-1]
	assert e["commune"] == "" and e["place"] == "Sở Nội vụ tỉnh Hà Tĩnh", e
	assert list(e) == ["id", "date", "commune", "place", "activity", "state", "note"], list(e)
	EOF
	fl schedule show 2025-W37 >out &&
	grep "Fri 12 Sep 2025  planned   Sở Nội vụ tỉnh Hà Tĩnh — Họp giao ban" out &&
	fl report week 2025-W37 >out &&
	grep "| Fri 12 Sep 2025 | Sở Nội vụ tỉnh Hà Tĩnh | Họp giao ban | planned |" out &&
	fl report week 2025-W37 --format html -o out.html 2>/dev/null &&
	grep "Thứ Sáu 12/9, Sở Nội vụ tỉnh Hà Tĩnh: Họp giao ban — chưa thực hiện." out.html
'

test_expect_success 'a place with a commune; schedule edit --place; neither is refused' '
	fl schedule add --date 2025-09-12 --place "Trường THCS" --commune 11557 --activity "Kiểm tra" \
		--json >s2.json &&
	fl schedule show 2025-W37 >out &&
	grep "Trường THCS, Phường Thiên Hương, Thành phố Hải Phòng — Kiểm tra" out &&
	eid=$("$PYTHON" -c "import json; print(json.load(open(\"s2.json\"))[\"entries\"][-1][\"id\"])") &&
	fl schedule edit "$eid" --place "Trường THPT" >/dev/null &&
	fl schedule show 2025-W37 >out &&
	grep "Trường THPT, Phường Thiên Hương" out &&
	fl schedule edit "$eid" --place "" >/dev/null &&
	fl schedule show --json 2025-W37 >s3.json &&
	"$PYTHON" - "$eid" <<-\EOF &&
	import json, sys
	e = [e for e in json.load(open("s3.json"))["entries"] if e["id"] == sys.argv[1]][0]
	assert "place" not in e and e["commune"] == "11557", e
	EOF
	test_must_fail --exit=2 fl schedule add --date 2025-09-12 --activity x 2>err &&
	grep "^error: --date, --commune (or --place) and --activity are required" err &&
	test_must_fail --exit=2 fl schedule add --date 2025-09-12 --place "" --activity x
'

test_expect_success 'old schedule entries (a commune, no place) stay valid' '
	fl reindex >/dev/null 2>&1 &&
	fl schedule show 2025-W37 >out &&
	grep "Phường Thiên Hương, Thành phố Hải Phòng — Họp" out
'

# --- issue dates ---------------------------------------------------------------

test_expect_success 'issue add --date: stored, shown, listed and filtered by it' '
	fl $ISSUE --title "Phát hiện tuần trước" --commune 11557 --date 2025-09-01 --json >d.json &&
	test "$(json_get date <d.json)" = 2025-09-01 &&
	fl issue show "$(json_get id <d.json)" >out &&
	grep "^date  *2025-09-01$" out &&
	fl issue list --until 2025-09-05 --json >l.json &&
	test "$(json_get 0.id <l.json)" = "$(json_get id <d.json)" &&
	test "$("$PYTHON" -c "import json; print(len(json.load(open(\"l.json\"))))")" = 1 &&
	fl issue list >out &&
	grep "2025-09-01  open .*Phát hiện tuần trước" out
'

test_expect_success 'issue add without --date: today; future dates refused' '
	fl $ISSUE --title "Hôm nay" --commune 11557 --json >t.json &&
	test "$(json_get date <t.json)" = 2025-09-10 &&
	test_must_fail fl $ISSUE --title x --commune 11557 --date 2025-09-11 2>err &&
	grep "2025-09-11 is in the future" err
'

# --- a second report for a week ---------------------------------------------------

test_expect_success 'report submit again: refused without --replace, showing what would change' '
	fl report submit --week 2025-W37 --summary "Tuần 37: bản đầu" >/dev/null &&
	before=$(tip) &&
	test_must_fail fl report submit --week 2025-W37 --summary "Tuần 37: bản sau" >out 2>err &&
	test_line_count = 1 err &&
	grep "^error: the report for 2025-W37 was submitted at 2025-09-10T10:00:00+07:00; .fieldlog report submit --replace. replaces it$" err &&
	grep "^--replace would change:$" out &&
	grep "^summary: Tuần 37: bản đầu → Tuần 37: bản sau$" out &&
	test "$(tip)" = "$before" &&
	test_must_fail vi report submit --week 2025-W37 --summary "x" >out 2>err &&
	grep "^lỗi: báo cáo tuần 2025-W37 đã được nộp lúc" err &&
	grep "^--replace sẽ thay đổi:$" out &&
	fl report submit --week 2025-W37 --summary "Tuần 37: bản sau" --replace --json >r.json &&
	test "$(json_get summary <r.json)" = "Tuần 37: bản sau"
'

# --- options in any order ------------------------------------------------------

test_expect_success 'options before or after the arguments' '
	fl schedule show 2025-W37 --json >a.json &&
	fl schedule show --json 2025-W37 >b.json &&
	test_cmp a.json b.json &&
	id=$(json_get id <d.json) &&
	fl issue show --json "$id" >a.json &&
	fl issue show "$id" --json >b.json &&
	test_cmp a.json b.json &&
	fl issue edit --status in_progress "$id" >/dev/null &&
	fl issue edit "$id" --severity high >/dev/null &&
	fl report week --json 2025-W37 >a.json &&
	fl report week 2025-W37 --json >b.json &&
	test_cmp a.json b.json &&
	fl communes --json thien huong >a.json &&
	fl communes thien --json huong >b.json &&
	test_cmp a.json b.json &&
	test_must_fail fl issue show -- --json 2>err &&
	grep "error: .*--json" err
'

# --- status moves ---------------------------------------------------------------

test_expect_success 'a refused status move lists the allowed ones' '
	id=$(json_get id <t.json) &&
	test_must_fail fl issue edit "$id" --status closed 2>err &&
	test_line_count = 1 err &&
	grep "^error: an issue cannot go from .open. to .closed.; allowed: in_progress, resolved, escalated$" err &&
	test_must_fail vi issue edit "$id" --status closed 2>err &&
	grep "^lỗi: vấn đề không thể chuyển từ .open. sang .closed.; được phép: in_progress, resolved, escalated$" err &&
	test_must_fail fl issue edit "$id" --status answered 2>err &&
	grep "(reviewers answer with .fieldlog respond.); allowed: in_progress, resolved, escalated$" err
'

test_expect_success '--escalated: what waits for the Ministry, nothing else' '
	fl $ISSUE --title "Chờ Bộ" --commune 11557 --status escalated --escalation "Xin ý kiến" \
		--json >e1.json &&
	fl $ISSUE --title "Đã xong" --commune 11557 --status escalated --escalation "Đã hỏi" \
		--json >e2.json &&
	fl issue edit "$(json_get id <e2.json)" --status resolved >/dev/null &&
	fl issue list --escalated --json >l.json &&
	"$PYTHON" - "$(json_get id <e1.json)" <<-\EOF
	import json, sys
	ids = [r["id"] for r in json.load(open("l.json"))]
	assert ids == [sys.argv[1]], ids
	EOF
'

# --- empty results ----------------------------------------------------------------

test_expect_success 'communes zzzz says nothing matches (exit 0), in both languages' '
	fieldlog communes zzzz >out 2>err &&
	test_line_count = 0 err &&
	echo "no commune matches '\''zzzz'\''" >expect &&
	test_cmp expect out &&
	env LC_ALL= LANG=vi_VN.UTF-8 "$FIELDLOG_BIN" communes zzzz >out &&
	grep "^không có xã nào khớp với .zzzz.$" out &&
	fieldlog communes zzzz --json >out &&
	echo "[]" >expect &&
	test_cmp expect out
'

test_expect_success 'an empty search says so' '
	fl search khongcogica >out &&
	grep "^0 records found$" out
'

test_done
