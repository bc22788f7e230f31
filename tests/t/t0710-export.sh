#!/bin/sh
# t0710-export: what the Ministry takes away from `fieldlog export`.
#
# An officer of Hà Tĩnh logs a week with text that a naive CSV would
# mangle (a "; " inside a description, quotes, commas, a finding on two
# lines, an issue about communes of two provinces); a reviewer answers and
# exports.
#
# - CSV: python's csv module reads every cell back whole; names stand
#   beside codes (author_name from the roster, province and province_name,
#   commune_name(s), domain_label); a list is one JSON array in its cell, so
#   it round-trips whatever its texts hold; the filters apply.
# - XLSX (read back with Debian's python3-openpyxl): a sheet per kind,
#   the headers, values with their Vietnamese intact, dates and times as
#   dates, names beside codes, lists that round-trip, a frozen header row
#   and an autofilter; the filters apply; a cell over Excel's 32,767
#   characters is cut with a warning (the CSV keeps it whole).
# - Streaming: exporting 4,473 generated records takes no more memory
#   than exporting 10 of them (peak RSS, measured by the kernel through GNU
#   time), for CSV, JSON and XLSX; JSON is the canonical array all the same.

. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/test-tool.sh"

CENTRAL=$TEST_SCRATCH/central.git

# Debian's interpreter and its openpyxl: the python3 first on PATH may be
# another one without Debian's modules.
DEBIAN_PYTHON=/usr/bin/python3
test_lazy_prereq OPENPYXL '"$DEBIAN_PYTHON" -c "import openpyxl"'
# A sanitizer's allocator keeps freed memory aside (ASan's quarantine):
# peak RSS then measures the sanitizer, not the export.
test_lazy_prereq PLAIN_BUILD '! nm -D "$FIELDLOG_BIN" 2>/dev/null | grep -q __asan_init'
test_lazy_prereq GNU_TIME '/usr/bin/time -f %M -o /dev/null true'

DESC='Làm việc Sở Nội vụ; gửi báo cáo "khẩn", kèm danh sách, trước thứ Sáu'
FINDING2='Hồ sơ tồn đọng: 12; quá hạn: 3
(đã nhắc "bộ phận một cửa")'

test_expect_success 'an officer of Hà Tĩnh logs a week; the reviewer answers' '
	mkdir -p ws out &&
	fieldlog server init --allow-unsigned "$CENTRAL" >out/server-init &&
	fieldlog roster add --repo "$CENTRAL" --id an --name "Nguyễn Văn An" \
		--role officer --province 42 --login an-login &&
	fieldlog roster add --repo "$CENTRAL" --id bo --name "Vụ Chính quyền địa phương" \
		--role reviewer --login bo-login &&
	now 2025-09-08T08:00:00+07:00 &&
	fl an init --id an --remote "$CENTRAL" >out/init-an &&
	fl bo init --id bo --remote "$CENTRAL" >out/init-bo &&
	now 2025-09-08T09:00:00+07:00 &&
	fl an issue add --json --title "Tranh chấp đất đai ở phường Thành Sen" --domain land \
		--commune 18073 --commune 00004 --severity high --description "$DESC" >out/land &&
	json_get id <out/land >land &&
	fl an issue add --json --title "Thiếu biên chế, cần bổ sung" --domain civil_servants \
		--commune 18073 --severity low >out/staff &&
	now 2025-09-09T15:00:00+07:00 &&
	fl an schedule add --date 2025-09-09 --commune 18073 --activity "Làm việc với UBND phường" &&
	fl an visit add --date 2025-09-09 --commune 18073 --summary "Làm việc với UBND phường Thành Sen" \
		--finding "Hồ sơ địa chính chưa cập nhật" --finding "$FINDING2" --issue "$(cat land)" &&
	fl an issue edit "$(cat land)" --status escalated --escalation "Đề nghị Bộ hướng dẫn" &&
	now 2025-09-11T16:00:00+07:00 &&
	fl an report week --week 2025-W37 >out/week &&
	fl an report submit --week 2025-W37 --summary "Tuần 37: một tranh chấp đất đai" &&
	fl an sync >out/sync-an &&
	fl bo sync >out/sync-bo &&
	now 2025-09-12T10:00:00+07:00 &&
	fl bo respond "$(cat land)" --status answered --text "Bộ sẽ hướng dẫn; chờ văn bản" &&
	fl bo export --format json >all.json &&
	test "$(json_get 0.kind <all.json)" = schedule
'

test_expect_success 'CSV: RFC 4180, lists as JSON, names beside codes' '
	fl bo export --format csv -o all.csv 2>out/msg &&
	grep "^6 records exported to all.csv$" out/msg &&
	test "$(head -c 3 all.csv | od -An -tx1 | tr -d " ")" = efbbbf &&
	"$PYTHON" - "$DESC" "$FINDING2" <<-\EOF
	import csv, json, sys
	desc, finding2 = sys.argv[1], sys.argv[2]
	raw = open("all.csv", "rb").read()
	assert raw.count(b"\r\n") >= 7, raw[:200]
	with open("all.csv", encoding="utf-8-sig", newline="") as f:
	    rows = list(csv.DictReader(f))
	recs = json.load(open("all.json", encoding="utf-8"))
	assert [r["id"] for r in rows] == [r["id"] for r in recs]
	for row, rec in zip(rows, recs):
	    assert row["author_name"] == {"an": "Nguyễn Văn An",
	                                  "bo": "Vụ Chính quyền địa phương"}[rec["author"]], row
	    for k, v in rec.items():
	        if isinstance(v, str):
	            assert row[k] == v, (k, row[k], v)
	        elif isinstance(v, list):
	            assert (json.loads(row[k]) if row[k] else []) == v, (k, row[k], v)
	by = {r["kind"] + (r["title"][:5] if r["title"] else ""): r for r in rows}
	land = by["issueTranh"]
	assert land["description"] == desc, land["description"]
	assert json.loads(land["communes"]) == ["18073", "00004"]
	assert json.loads(land["commune_names"]) == ["Phường Thành Sen", "Phường Ba Đình"], land
	assert (land["province"], land["province_name"]) == ("42", "Tỉnh Hà Tĩnh"), land
	assert land["domain_label"] == "Đất đai và địa giới hành chính", land["domain_label"]
	assert land["effective_status"] == "answered" and land["status"] == "escalated"
	visit = by["visit"]
	assert json.loads(visit["findings"]) == ["Hồ sơ địa chính chưa cập nhật", finding2]
	assert visit["commune_name"] == "Phường Thành Sen" and visit["province"] == "42"
	resp = by["response"]
	assert resp["text"] == "Bộ sẽ hướng dẫn; chờ văn bản"
	# a reviewer has no province: the answered issue gives it
	assert (resp["province"], resp["province_name"]) == ("42", "Tỉnh Hà Tĩnh"), resp
	report = by["report"]
	assert json.loads(report["figures"])["issues_opened"] == 2, report["figures"]
	assert report["province_name"] == "Tỉnh Hà Tĩnh"
	EOF
'

test_expect_success 'CSV: the filters apply, one kind has its own columns' '
	fl bo export --kind issue --severity high >high.csv &&
	fl bo export --kind issue --province 01 >hanoi.csv &&
	fl bo export --kind visit --since 2025-09-10 >late.csv &&
	fl bo issue list --format csv --severity low >low.csv &&
	"$PYTHON" - <<-\EOF
	import csv
	def rows(name):
	    with open(name, encoding="utf-8-sig", newline="") as f:
	        r = csv.DictReader(f)
	        return r.fieldnames, list(r)
	cols, high = rows("high.csv")
	assert [r["title"] for r in high] == ["Tranh chấp đất đai ở phường Thành Sen"], high
	assert "title" in cols and "summary" not in cols and "target" not in cols, cols
	assert cols.index("domain_label") == cols.index("domain") + 1
	assert cols.index("commune_names") == cols.index("communes") + 1
	_, hanoi = rows("hanoi.csv")
	assert len(hanoi) == 1 and hanoi[0]["severity"] == "high", hanoi
	cols, late = rows("late.csv")
	assert late == [] and "summary" in cols, (cols, late)
	_, low = rows("low.csv")
	assert [r["title"] for r in low] == ["Thiếu biên chế, cần bổ sung"], low
	EOF
'

test_expect_success OPENPYXL 'XLSX: sheets, headers, values, dates, names, lists' '
	fl bo export --format xlsx -o all.xlsx 2>out/msg &&
	grep "^6 records exported to all.xlsx$" out/msg &&
	! ls all.xlsx.tmp* 2>/dev/null &&
	"$DEBIAN_PYTHON" - "$DESC" "$FINDING2" <<-\EOF
	import datetime, json, sys, openpyxl
	desc, finding2 = sys.argv[1], sys.argv[2]
	wb = openpyxl.load_workbook("all.xlsx")
	assert wb.sheetnames == ["schedule", "visit", "issue", "report", "response"], wb.sheetnames
	recs = {r["id"]: r for r in json.load(open("all.json", encoding="utf-8"))}
	sheets = {}
	for ws in wb.worksheets:
	    rows = list(ws.iter_rows(values_only=True))
	    hdr = list(rows[0])
	    assert hdr[:4] == ["id", "kind", "author", "author_name"], hdr
	    assert ws.freeze_panes == "A2", (ws.title, ws.freeze_panes)
	    assert ws.auto_filter.ref == "A1:%s%d" % (openpyxl.utils.get_column_letter(len(hdr)),
	                                               len(rows)), (ws.title, ws.auto_filter.ref)
	    assert ws.column_dimensions["A"].width >= 26, ws.column_dimensions["A"].width
	    sheets[ws.title] = [dict(zip(hdr, r)) for r in rows[1:]]
	    for row in sheets[ws.title]:
	        rec = recs[row["id"]]
	        assert row["kind"] == ws.title
	        for k, v in rec.items():
	            cell = row.get(k)
	            if k in ("created_at", "updated_at", "submitted_at", "date"):
	                if v:
	                    assert isinstance(cell, datetime.datetime), (k, cell)
	                    assert cell.strftime("%Y-%m-%d") == v[:10], (k, cell, v)
	                    if "T" in v:
	                        assert cell.strftime("%H:%M:%S") == v[11:19], (k, cell, v)
	            elif isinstance(v, str):
	                assert (cell or "") == v, (k, cell, v)
	            elif isinstance(v, list):
	                assert (json.loads(cell) if cell else []) == v, (k, cell, v)
	assert [len(sheets[k]) for k in wb.sheetnames] == [1, 1, 2, 1, 1]
	land = [r for r in sheets["issue"] if r["title"].startswith("Tranh chấp")][0]
	assert land["description"] == desc
	assert land["author_name"] == "Nguyễn Văn An"
	assert (land["province"], land["province_name"]) == ("42", "Tỉnh Hà Tĩnh")
	assert land["domain_label"] == "Đất đai và địa giới hành chính"
	assert json.loads(land["commune_names"]) == ["Phường Thành Sen", "Phường Ba Đình"]
	assert land["effective_status"] == "answered"
	visit = sheets["visit"][0]
	assert visit["date"] == datetime.datetime(2025, 9, 9), visit["date"]
	assert json.loads(visit["findings"])[1] == finding2
	assert visit["commune_name"] == "Phường Thành Sen"
	assert sheets["response"][0]["author_name"] == "Vụ Chính quyền địa phương"
	assert sheets["report"][0]["submitted_at"] == datetime.datetime(2025, 9, 11, 16, 0)
	EOF
'

test_expect_success OPENPYXL 'XLSX: the filters apply; one kind, one sheet' '
	fl bo export --format xlsx --kind issue --severity low -o low.xlsx &&
	"$DEBIAN_PYTHON" - <<-\EOF
	import openpyxl
	wb = openpyxl.load_workbook("low.xlsx")
	assert wb.sheetnames == ["issue"], wb.sheetnames
	rows = list(wb["issue"].iter_rows(values_only=True))
	assert len(rows) == 2 and rows[1][rows[0].index("title")] == "Thiếu biên chế, cần bổ sung", rows
	EOF
'

test_expect_success 'XLSX: a file is required; a failed export leaves none behind' '
	test_must_fail --exit=1 fl bo export --format xlsx 2>err &&
	test_line_count = 1 err &&
	grep "^error: .*-o FILE" err &&
	test_must_fail --exit=1 fl bo export --format xlsx -o nosuchdir/x.xlsx 2>err &&
	grep "^error: " err &&
	test ! -e nosuchdir &&
	test_must_fail --exit=1 fl bo export -o nosuchdir/x.csv 2>err &&
	grep "^error: cannot create .nosuchdir/x.csv.: " err
'

test_expect_success OPENPYXL 'XLSX: a cell longer than Excel holds is cut, and said so' '
	"$PYTHON" -c "print(\"x\" * 19000)" >long.txt &&
	fl an issue comment "$(cat land)" --text @long.txt &&
	fl an issue comment "$(cat land)" --text @long.txt &&
	fl an export --format xlsx --kind issue -o long.xlsx 2>err &&
	grep "^warning: .*32,767 characters) were cut short: 1;" err &&
	fl an export --format csv --kind issue -o long.csv &&
	"$DEBIAN_PYTHON" - <<-\EOF
	import csv, json, openpyxl
	ws = openpyxl.load_workbook("long.xlsx")["issue"]
	rows = list(ws.iter_rows(values_only=True))
	col = rows[0].index("comments")
	cells = [r[col] for r in rows[1:] if r[col] and len(r[col]) > 30000]
	assert len(cells) == 1 and len(cells[0]) == 32767, [len(c) for c in cells]
	assert cells[0].endswith("x\u2026"), cells[0][-5:]
	with open("long.csv", encoding="utf-8-sig", newline="") as f:
	    whole = [r for r in csv.DictReader(f) if len(r["comments"]) > 30000]
	assert [len(c["text"]) for c in json.loads(whole[0]["comments"])] == [19000, 19000]
	EOF
'

test_expect_success 'streaming: 4,473 generated records for a reviewer' '
	test_tool generate --repo gen.git --profile pilot --weeks 18 --seed 1 --json >gen.json &&
	test "$(json_get records <gen.json)" = 4473 &&
	reviewer=$(git --git-dir=gen.git show main:roster.json |
		"$PYTHON" -c "import json, sys; print([p[\"id\"] for p in json.load(sys.stdin)[\"people\"] if p[\"role\"] == \"reviewer\"][0])") &&
	fieldlog -C ws/gen init --id "$reviewer" --remote "$TEST_SCRATCH/gen.git" >out/init-gen &&
	grep "4473 records indexed" out/init-gen
'

# peak_kb CMD...: the peak resident memory of CMD, in kB (its output
# dropped), as GNU time reads it from the kernel. Not through python: a
# child forked from python counts python's pages in its peak.
peak_kb () {
	/usr/bin/time -f %M -o peak.kb "$@" >/dev/null 2>&1 &&
	tail -n 1 peak.kb
}
test_expect_success PLAIN_BUILD,GNU_TIME 'streaming: all of them take the memory of ten' '
	for f in csv json xlsx; do
		few=$(peak_kb "$FIELDLOG_BIN" -C ws/gen export --format $f --limit 10 -o few.$f 2>/dev/null) &&
		all=$(peak_kb "$FIELDLOG_BIN" -C ws/gen export --format $f -o all.$f 2>/dev/null) &&
		echo "$f: $few kB for 10 records, $all kB for 4473" &&
		# Over 10 records, here: building the set first took 23 MB more
		# (CSV), sorting in memory 5.6 MB; streaming, 1.9 MB (the
		# SQLite page cache and sorter filling up to their bounds).
		test "$all" -le $((few + 3584)) || return 1
	done &&
	fieldlog -C ws/gen export --format json >all2.json &&
	cmp all.json all2.json &&
	"$PYTHON" - <<-\EOF
	import json
	recs = json.load(open("all.json", encoding="utf-8"))
	assert len(recs) == 4473
	text = open("all.json", encoding="utf-8").read()
	assert text == json.dumps(recs, ensure_ascii=False, indent=2) + "\n"
	EOF
'

test_done
