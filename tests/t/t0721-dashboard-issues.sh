#!/bin/sh
# t0721-dashboard-issues: where the dashboard puts the issues it shows whole.
#
# The issues of a province live in one file, van-de/CODE.html, each in a
# section named by its id (the file shows the one its #ID names). An
# issue about communes of two provinces lives in the file of the lesser
# province code and both province pages link to it there. The histories
# of several issues of one author come from one walk of the author's
# branch and must each be their own: an officer writes three issues in
# two commits of one sync, edits two of them, and the versions and the
# fields each changed are checked issue by issue.

. "$(dirname "$0")/test-lib.sh"

. "$TEST_LIB_DIR/cast.sh"
PY=/usr/bin/python3

# sections FILE: the ids of FILE's sections, in order, one a line.
sections () {
	sed -n 's/^<section class="issue" id="\([^"]*\)">$/\1/p' "$1"
}

# section FILE ID: the text of one section (tags removed).
section () {
	sed -n "/^<section class=\"issue\" id=\"$2\">/,/^<\/section>/p" "$1" | sed 's/<[^>]*>//g'
}

test_expect_success 'an officer in Hà Tĩnh, one in Hà Nội, a reviewer' '
	now 2025-09-08T08:00:00+07:00 &&
	cast_central an chi bo
'

test_expect_success 'issues of one author, one about two provinces, edited' '
	now 2025-09-08T09:00:00+07:00 &&
	fl an issue add --json --title "Tranh chấp địa giới hai tỉnh" --domain land \
		--commune 18073 --commune 00004 --severity high >out/x &&
	fl an issue add --json --title "Thiếu trụ sở xã" --domain local_government \
		--commune 18073 --severity medium >out/y &&
	fl an issue add --json --title "Chậm chi trả chế độ" --domain civil_servants \
		--commune 18073 --severity low >out/z &&
	fl chi issue add --json --title "Quá tải một cửa" --domain admin_reform \
		--commune 00004 --severity urgent >out/w &&
	for x in w x y z; do json_get id <out/$x >id-$x || return 1; done &&
	fl an sync >out/sync-an-1 &&
	now 2025-09-09T09:00:00+07:00 &&
	fl an issue edit "$(cat id-y)" --severity urgent &&
	now 2025-09-10T09:00:00+07:00 &&
	fl an issue edit "$(cat id-y)" --status in_progress &&
	fl an issue edit "$(cat id-x)" --status escalated --escalation "Đề nghị Bộ phân định" &&
	fl an sync >out/sync-an-2 &&
	fl chi sync >out/sync-chi &&
	fl bo sync >out/sync-bo &&
	now 2025-09-15T09:00:00+07:00 &&
	LANG=vi_VN.UTF-8 LC_ALL=vi_VN.UTF-8 fl bo dashboard --week 2025-W37 -o site >out/dash
'

test_expect_success 'a file per province; the two-province issue in the lesser code' '
	test "$(ls site/van-de | tr "\n" " ")" = "01.html 42.html " &&
	sections site/van-de/01.html >actual &&
	printf "%s\n" "$(cat id-x)" "$(cat id-w)" | sort >expect &&
	sort actual >actual.sorted &&
	test_cmp expect actual.sorted &&
	sections site/van-de/42.html >actual &&
	printf "%s\n" "$(cat id-y)" "$(cat id-z)" >expect &&
	test_cmp expect actual
'

test_expect_success 'both provinces link to it there; it links to both' '
	x=$(cat id-x) &&
	grep "<a href=\"../van-de/01.html#$x\">" site/tinh/42.html &&
	grep "<a href=\"../van-de/01.html#$x\">" site/tinh/01.html &&
	grep "<a href=\"van-de/01.html#$x\">" site/index.html &&
	section site/van-de/01.html "$x" >sec-x &&
	grep "Phường Thành Sen, Hà Tĩnh; Phường Ba Đình, Hà Nội" sec-x &&
	sed -n "/id=\"$x\"/,/<\/section>/p" site/van-de/01.html >raw-x &&
	grep "href=\"../tinh/42.html\"" raw-x && grep "href=\"../tinh/01.html\"" raw-x &&
	grep "<a href=\"#$x\">Tranh chấp địa giới hai tỉnh</a>" site/van-de/01.html
'

test_expect_success 'each issue of the author has its own versions and changes' '
	section site/van-de/42.html "$(cat id-y)" >sec-y &&
	section site/van-de/42.html "$(cat id-z)" >sec-z &&
	section site/van-de/01.html "$(cat id-x)" >sec-x &&
	grep -c "^Phiên bản [0-9]" sec-y >n && test "$(cat n)" = 3 &&
	grep "Phiên bản 2, 09:00 9/9/2025" sec-y &&
	grep "Mức độ: Trung bình → Khẩn cấp" sec-y &&
	grep "Phiên bản 3, 09:00 10/9/2025" sec-y &&
	grep "Trạng thái: Mới phát sinh → Đang xử lý" sec-y &&
	grep -c "^Phiên bản [0-9]" sec-z >n && test "$(cat n)" = 1 &&
	grep "Phiên bản 1, 09:00 8/9/2025, Nguyễn Văn An: tạo mới" sec-z &&
	grep -c "^Phiên bản [0-9]" sec-x >n && test "$(cat n)" = 2 &&
	grep "Trạng thái: Mới phát sinh → Đã kiến nghị Bộ" sec-x &&
	! grep "Mức độ" sec-x | grep "→"
'

test_expect_success 'the file with no #ID: its list, in the order of the sections' '
	sed -n "s/^<li data-issue=\"\([^\"]*\)\">.*/\1/p" site/van-de/42.html >actual &&
	sections site/van-de/42.html >expect &&
	test_cmp expect actual &&
	grep "<h1>Vấn đề tại Hà Tĩnh</h1>" site/van-de/42.html
'

test_done
