#!/bin/sh
# t0482: a sync names what it received that matters to the person syncing,
# a line each, before its "sent N, received M, conflicts K": an answer to
# one of their issues ("answered: ID "TITLE"") or reports, and people
# added to, changed in or removed from the roster. Other people's records
# and answers to other officers' issues are counted, not named; a sync
# that received nothing prints only the counts.

. "$(dirname "$0")/test-lib.sh"

. "$TEST_LIB_DIR/cast.sh"

test_expect_success 'a central repository, two officers and a reviewer' '
	cast_central an binh bo
'

test_expect_success 'the officers escalate issues; the reviewer answers both' '
	fl an issue add --json --title "Thiếu công chức địa chính" --domain civil_servants \
		--commune 18073 --severity high --status escalated >out/an.json &&
	ID=$(json_get id <out/an.json) &&
	fl binh issue add --json --title "Đường liên xã xuống cấp" --domain other \
		--commune 26068 --severity medium --status escalated >out/binh.json &&
	BID=$(json_get id <out/binh.json) &&
	fl an sync 2>/dev/null && fl binh sync 2>/dev/null && fl bo sync 2>/dev/null &&
	fl bo respond "$ID" --status answered --text "Bộ sẽ điều động cán bộ" &&
	fl bo respond "$BID" --status closed --text "Đã giao cho tỉnh" &&
	fl bo sync 2>/dev/null &&
	echo "$ID" >out/id
'

test_expect_success 'a new reviewer in the roster' '
	fieldlog roster add --repo "$CENTRAL" --id vu --name "Lê Văn Vũ" --role reviewer --login vu
'

test_expect_success 'the officer'\''s sync names the answer and the new reviewer' '
	fl an sync >out/an.sync 2>/dev/null &&
	cat >out/expect <<-EOF &&
	answered: $(cat out/id) "Thiếu công chức địa chính"
	roster: added vu: Lê Văn Vũ (reviewer)
	EOF
	head -n 2 out/an.sync >out/news &&
	test_cmp out/expect out/news &&
	test_line_count = 3 out/an.sync &&
	tail -n 1 out/an.sync | grep "^sent 0, received [0-9]*, conflicts 0$"
'

test_expect_success 'nothing new: only the counts' '
	fl an sync >out/again 2>/dev/null &&
	test_line_count = 1 out/again &&
	grep "^sent 0, received 0, conflicts 0$" out/again
'

test_expect_success 'in Vietnamese' '
	fl bo respond "$(cat out/id)" --status closed --text "Đã xử lý xong" &&
	fl bo sync 2>/dev/null &&
	(LC_ALL= LANG=vi_VN.UTF-8 && export LC_ALL LANG && fl an sync >out/vi.sync 2>/dev/null) &&
	grep "^đã đóng: $(cat out/id) \"Thiếu công chức địa chính\"$" out/vi.sync
'

test_done
