#!/bin/sh
# The language: FIELDLOG_LANG, then the workspace's `config set lang`, then
# the locale; and what people read in each language (errors, tables,
# statuses, the weekly report, dates), while --json keeps the ASCII ids.
. "$(dirname "$0")/test-lib.sh"

FIELDLOG_NOW=2025-09-12T10:00:00+07:00
export FIELDLOG_NOW

test_expect_success 'set-up: an issue escalated, one in progress, a plan for Thursday' '
	fieldlog init --id an.nguyen --name "Nguyễn Văn An" --role officer --province 42 \
		>/dev/null 2>&1 &&
	fieldlog issue add --title "Trụ sở xuống cấp" --domain land --commune 18073 \
		--severity high --status escalated --escalation "Xin kinh phí" >/dev/null &&
	fieldlog issue add --title "Thiếu máy tính" --domain land --commune 18073 \
		--severity urgent --status in_progress >/dev/null &&
	fieldlog schedule add --date 2025-09-11 --commune 18073 --activity "Làm việc với UBND" \
		>/dev/null
'

test_expect_success 'no setting, C locale: English' '
	test_must_fail fieldlog config get lang &&
	test_must_fail fieldlog bogus 2>err &&
	grep "^error: unknown command .bogus." err
'

test_expect_success 'config set lang vi: stored in config.json, answered in Vietnamese' '
	fieldlog config set lang vi >out &&
	echo "đã đặt lang thành '\''vi'\''" >expect &&
	test_cmp expect out &&
	fieldlog config get lang >out &&
	echo vi >expect &&
	test_cmp expect out &&
	grep "\"lang\": \"vi\"" "$HOME/.local/share/fieldlog/config.json" &&
	fieldlog config list >out &&
	grep "^lang=vi" out
'

test_expect_success 'the workspace setting wins over an English locale' '
	test_must_fail env LANG=en_US.UTF-8 LC_ALL=en_US.UTF-8 "$FIELDLOG_BIN" bogus 2>err &&
	grep "^lỗi: không có lệnh .bogus. (xem .fieldlog help.)" err
'

test_expect_success 'FIELDLOG_LANG wins over the workspace setting' '
	test_must_fail env FIELDLOG_LANG=en "$FIELDLOG_BIN" bogus 2>err &&
	grep "^error: unknown command .bogus." err &&
	fieldlog config set lang en >out &&
	echo "lang set to '\''en'\''" >expect &&
	test_cmp expect out &&
	test_must_fail env FIELDLOG_LANG=vi "$FIELDLOG_BIN" bogus 2>err &&
	grep "^lỗi: không có lệnh .bogus." err
'

test_expect_success 'the workspace setting wins over a Vietnamese locale' '
	test_must_fail env LC_ALL= LANG=vi_VN.UTF-8 "$FIELDLOG_BIN" bogus 2>err &&
	grep "^error: unknown command .bogus." err &&
	fieldlog config unset lang &&
	test_must_fail env LC_ALL= LANG=vi_VN.UTF-8 "$FIELDLOG_BIN" bogus 2>err &&
	grep "^lỗi: không có lệnh .bogus." err
'

test_expect_success '-C reads the language of the workspace it names' '
	mkdir other &&
	fieldlog -C other init --id binh.tran --name "Trần Bình" --role officer \
		--province 42 >/dev/null 2>&1 &&
	fieldlog -C other config set lang vi >/dev/null &&
	test_must_fail fieldlog -C other bogus 2>err &&
	grep "^lỗi: không có lệnh .bogus." err &&
	test_must_fail fieldlog bogus 2>err &&
	grep "^error: unknown command .bogus." err
'

test_expect_success 'bad values and keys are refused' '
	test_must_fail fieldlog config set lang fr 2>err &&
	grep "^error: .fr. is not a value of .lang." err &&
	test_must_fail fieldlog config set colour red 2>err &&
	grep "^error: unknown setting .colour." err &&
	test_must_fail fieldlog config set lang 2>err &&
	grep "^usage: fieldlog config" err
'

test_expect_success 'issue list: headers and statuses in each language' '
	fieldlog issue list >en &&
	head -n 1 en | grep "^ID  *DATE  *STATUS  *SEVERITY  *DOMAIN  *COMMUNE  *OFFICER  *TITLE$" &&
	grep "escalated  *high .*Trụ sở xuống cấp" en &&
	grep "in_progress  *urgent .*Thiếu máy tính" en &&
	FIELDLOG_LANG=vi fieldlog issue list >vi &&
	head -n 1 vi | grep "^MÃ  *NGÀY  *TRẠNG THÁI  *MỨC ĐỘ  *LĨNH VỰC  *XÃ/PHƯỜNG  *CÁN BỘ  *TIÊU ĐỀ$" &&
	grep "đã chuyển Bộ  *cao .*Trụ sở xuống cấp" vi &&
	grep "đang xử lý  *khẩn cấp .*Thiếu máy tính" vi
'

test_expect_success '--json keeps the ASCII ids in Vietnamese' '
	FIELDLOG_LANG=vi fieldlog issue list --json >vi.json &&
	grep "\"status\": \"escalated\"" vi.json &&
	grep "\"severity\": \"urgent\"" vi.json &&
	! grep "đã chuyển Bộ" vi.json
'

test_expect_success 'issue show: labels aligned by columns, not bytes' '
	id=$(fieldlog issue list --json | json_get 0.id) &&
	FIELDLOG_LANG=vi fieldlog issue show $id >vi &&
	grep "^trạng thái   đã chuyển Bộ$" vi &&
	grep "^mức độ       cao$" vi &&
	fieldlog issue show $id >en &&
	grep "^status       escalated$" en
'

test_expect_success 'schedule show: the date as people read it' '
	fieldlog schedule show 2025-W37 >en &&
	grep "^  Thu 11 Sep 2025  planned   Phường Thành Sen" en &&
	FIELDLOG_LANG=vi fieldlog schedule show 2025-W37 >vi &&
	grep "^  thứ Năm, 11/9/2025  dự kiến   Phường Thành Sen" vi
'

test_expect_success 'report week: labels, statuses, figures and dates in each language' '
	fieldlog report week --week 2025-W37 >en &&
	grep "^- \*\*Trụ sở xuống cấp\*\* \[high, escalated\]" en &&
	grep "^- issues opened: 2$" en &&
	grep "^(none)$" en &&
	grep "due: Thu 11 Sep 2025$" en &&
	grep "^| Thu 11 Sep 2025 | .* | planned |$" en &&
	FIELDLOG_LANG=vi fieldlog report week --week 2025-W37 >vi &&
	grep "^- \*\*Trụ sở xuống cấp\*\* \[cao, đã chuyển Bộ\]" vi &&
	grep "^- vấn đề mới phát sinh: 2$" vi &&
	grep "^(không có)$" vi &&
	grep "due: thứ Năm, 11/9/2025$" vi &&
	grep "^| thứ Năm, 11/9/2025 | .* | dự kiến |$" vi &&
	! grep "issues_opened\|(none)\|in_progress" vi
'

test_expect_success 'edits confirmed in the language; the commit message stays English' '
	id=$(fieldlog issue list --json | json_get 1.id) &&
	FIELDLOG_LANG=vi fieldlog issue edit $id --severity high --actions "Đã làm việc với xã" >out &&
	echo "vấn đề $id: mức độ khẩn cấp → cao, việc đã làm (không có) → Đã làm việc với xã" >expect &&
	test_cmp expect out &&
	fieldlog log $id --json | json_get 1.summary >actual &&
	echo "severity: urgent → high; actions: set to \"Đã làm việc với xã\"" >expect &&
	test_cmp expect actual &&
	FIELDLOG_LANG=vi fieldlog issue edit $id --status resolved >out &&
	grep ": trạng thái đang xử lý → đã giải quyết$" out &&
	e=$(fieldlog schedule show 2025-W37 --json | json_get entries.0.id) &&
	FIELDLOG_LANG=vi fieldlog schedule edit $e --date 2025-09-10 >out &&
	grep ": mục $e ngày thứ Năm, 11/9/2025 → thứ Tư, 10/9/2025$" out &&
	fieldlog schedule edit $e --date 2025-09-11 >out &&
	grep ": entry $e date Wed 10 Sep 2025 → Thu 11 Sep 2025$" out &&
	fieldlog status >/dev/null &&   # commits what the outbox holds
	git -C "$HOME/.local/share/fieldlog/repo.git" log --format=%s >subjects &&
	grep "^issue $id: status in_progress → resolved$" subjects
'

test_expect_success 'log: versions dated as people read them' '
	id=$(fieldlog issue list --json | json_get 0.id) &&
	fieldlog log $id >en &&
	grep "^v1  [0-9a-f]\{8\}  Fri 12 Sep 2025 10:00  Nguyễn Văn An$" en &&
	grep "^    unsigned$" en &&
	FIELDLOG_LANG=vi fieldlog log $id >vi &&
	grep "^v1  [0-9a-f]\{8\}  thứ Sáu, 12/9/2025 10:00  Nguyễn Văn An$" vi &&
	grep "^    tạo mới: Trụ sở xuống cấp$" vi &&
	grep "^    chưa ký$" vi
'

test_expect_success 'help: the command table in each language' '
	fieldlog -h >en &&
	grep "^  config  *workspace settings: lang (vi or en)$" en &&
	FIELDLOG_LANG=vi fieldlog -h >vi &&
	grep "^  init  *tạo không gian làm việc (cán bộ hoặc tổ công tác của Bộ)$" vi &&
	FIELDLOG_LANG=vi fieldlog issue add -h >vi &&
	grep "^    --severity S  *low (thấp), medium (trung bình), high (cao) hoặc urgent (khẩn cấp)$" vi
'

test_done
