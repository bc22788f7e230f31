#!/bin/sh
# t0700-report-docx: the weekly report as the document an officer sends.
# An officer of Hà Tĩnh logs week 2025-W37 (a plan done and one cancelled,
# a visit, issues in two domains, one escalated with a comment) and plans
# week 38; then:
#
# - `report week 2025-W37 --format docx` is read back with python3-docx
#   (Debian's, through /usr/bin/python3): A4 portrait, the decree's margins,
#   Times New Roman 14 pt, the header block (BỘ NỘI VỤ and the unit line,
#   the national motto bold with its second line underlined, Số, the place
#   and date in italics), BÁO CÁO and the subject, the four sections with
#   the week's real records under Vietnamese labels, Nơi nhận and the
#   signature; `unzip -t` passes;
# - `--format html` is well-formed XML and holds the same sections;
# - the submitted record keeps the sections, and the reviewer's copy
#   (`report show ID --format docx`) reads as the officer's document;
# - `report weekly --format docx` compiles every officer's week.

. "$(dirname "$0")/test-lib.sh"

. "$TEST_LIB_DIR/cast.sh"
PY=/usr/bin/python3

test_lazy_prereq DOCX '/usr/bin/python3 -c "import docx"'
test_lazy_prereq UNZIP 'command -v unzip'

# dump FILE.docx: one line per fact python-docx reads from the document.
dump () {
	"$PY" - "$1" <<-\EOF
	import sys, docx
	from docx.shared import Mm
	d = docx.Document(sys.argv[1])
	s = d.sections[0]
	mm = lambda v: round(v / Mm(1))
	print("page %dx%d %s" % (mm(s.page_width), mm(s.page_height),
	      "portrait" if s.orientation == 0 else "landscape"))
	print("margins top=%d bottom=%d left=%d right=%d" % (mm(s.top_margin),
	      mm(s.bottom_margin), mm(s.left_margin), mm(s.right_margin)))
	n = d.styles["Normal"].font
	print("font %s %s" % (n.name, n.size.pt))
	def runs(p):
	    for r in p.runs:
	        flags = "".join(c for c, on in (("B", r.bold), ("I", r.italic),
	                                         ("U", r.underline)) if on)
	        size = r.font.size.pt if r.font.size else n.size.pt
	        print("  run[%s %g] %s" % (flags, size, r.text))
	for t, table in enumerate(d.tables):
	    for c, cell in enumerate(table.rows[0].cells):
	        for p in cell.paragraphs:
	            if p.text:
	                print("table%d.cell%d: %s" % (t, c, p.text))
	                runs(p)
	for p in d.paragraphs:
	    if p.text:
	        print("p: %s" % p.text)
	        runs(p)
	EOF
}

# texts FILE.docx: the text of every paragraph, tables included, in order.
texts () {
	"$PY" - "$1" <<-\EOF
	import sys, docx
	from docx.oxml.ns import qn
	d = docx.Document(sys.argv[1])
	for p in d.element.body.iter(qn("w:p")):
	    t = "".join(x.text or "" for x in p.iter(qn("w:t")))
	    if t:
	        print(t)
	EOF
}

test_expect_success 'a central repository, two officers and a reviewer' '
	now 2025-09-08T08:00:00+07:00 &&
	cast_central an binh bo
'

test_expect_success 'the unit line is set once for the workspace' '
	fl an report unit "TỔ CÔNG TÁC CỦA BỘ TẠI TỈNH HÀ TĨNH" &&
	test "$(fl an report unit)" = "TỔ CÔNG TÁC CỦA BỘ TẠI TỈNH HÀ TĨNH"
'

test_expect_success 'week 2025-W37 of the officer in Hà Tĩnh' '
	now 2025-09-08T09:00:00+07:00 &&
	fl an schedule add --date 2025-09-08 --commune 18073 \
		--activity "Làm việc với UBND phường về cải cách thủ tục" --json >out/e1 &&
	fl an schedule add --date 2025-09-10 --commune 18100 \
		--activity "Kiểm tra công tác văn thư, lưu trữ" --json >out/e2 &&
	fl an schedule edit "$(json_get entries.0.id <out/e1)" --state done &&
	fl an schedule edit "$(json_get entries.1.id <out/e2)" --state cancelled \
		--note "Lãnh đạo phường đi họp tỉnh" &&
	fl an visit add --date 2025-09-08 --commune 18073 \
		--summary "Làm việc với Chủ tịch UBND phường Thành Sen" \
		--met "Ông Trần Văn Bình, Chủ tịch UBND phường" \
		--finding "Thiếu 2 công chức địa chính – xây dựng" &&
	fl an issue add --title "Thiếu công chức địa chính – xây dựng" --domain civil_servants \
		--commune 18073 --severity high --description "Phường chỉ còn 1 công chức địa chính." \
		--json >out/i1 &&
	fl an issue add --title "Chậm giải quyết hồ sơ đất đai <sau sắp xếp> & chuyển tiếp" \
		--domain admin_reform --commune 18073 --severity urgent --json >out/i2 &&
	now 2025-09-10T10:00:00+07:00 &&
	fl an issue edit "$(json_get id <out/i2)" --status escalated \
		--escalation "Đề nghị Bộ hướng dẫn thẩm quyền giải quyết hồ sơ chuyển tiếp" &&
	fl an issue comment "$(json_get id <out/i2)" --text "Đã báo cáo UBND tỉnh bằng văn bản số 12/BC-UBND" &&
	fl an issue edit "$(json_get id <out/i1)" --actions "Đã đề nghị Sở Nội vụ điều động tạm thời" &&
	fl an schedule add --date 2025-09-16 --commune 18100 \
		--activity "Họp dân về thực hiện dân chủ ở cơ sở"
'

test_expect_success 'report week --format docx writes a package that unzips' '
	now 2025-09-11T08:00:00+07:00 &&
	fl an report week 2025-W37 --format docx -o an.docx >out/written &&
	test "$(cat out/written)" = an.docx &&
	test -s an.docx
'

test_expect_success UNZIP 'unzip -t finds every part intact' '
	unzip -t an.docx >out/unzip &&
	grep "No errors detected" out/unzip &&
	grep "word/document.xml *OK" out/unzip &&
	grep "word/styles.xml *OK" out/unzip
'

test_expect_success DOCX 'A4 portrait, the margins of the decree, Times New Roman 14 pt' '
	dump an.docx >out/dump &&
	grep "^page 210x297 portrait$" out/dump &&
	grep "^margins top=20 bottom=20 left=30 right=15$" out/dump &&
	grep "^font Times New Roman 14.0$" out/dump
'

test_expect_success DOCX 'the header block' '
	grep "^table0.cell0: BỘ NỘI VỤ$" out/dump &&
	grep -A1 "^table0.cell0: TỔ CÔNG TÁC CỦA BỘ TẠI TỈNH HÀ TĨNH$" out/dump |
		grep "run\[B 13\]" &&
	grep "^table0.cell0: Số: …/BC-…$" out/dump &&
	grep -A1 "^table0.cell1: CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM$" out/dump | grep "run\[B " &&
	grep -A1 "^table0.cell1: Độc lập - Tự do - Hạnh phúc$" out/dump | grep "run\[BU " &&
	grep -A1 "^table0.cell1: Hà Tĩnh, ngày 11 tháng 9 năm 2025$" out/dump | grep "run\[I 13\]" &&
	grep -A1 "^p: BÁO CÁO$" out/dump | grep "run\[B 14\]" &&
	grep "^p: Kết quả công tác tuần 37 (08/9 – 14/9/2025) tại tỉnh Hà Tĩnh$" out/dump
'

test_expect_success DOCX 'every section holds the week, in Vietnamese' '
	texts an.docx >out/texts &&
	cat >expect <<-\EOF &&
	I. CÔNG TÁC ĐÃ THỰC HIỆN
	1. Thực hiện lịch công tác
	- Thứ Hai 08/9, Phường Thành Sen: Làm việc với UBND phường về cải cách thủ tục — đã thực hiện.
	- Thứ Tư 10/9, Phường Trần Phú: Kiểm tra công tác văn thư, lưu trữ — không thực hiện; lý do: Lãnh đạo phường đi họp tỉnh.
	2. Làm việc tại cơ sở
	- Ngày 08/9/2025, Phường Thành Sen: Làm việc với Chủ tịch UBND phường Thành Sen
	Làm việc với: Ông Trần Văn Bình, Chủ tịch UBND phường
	Kết quả, phát hiện: Thiếu 2 công chức địa chính – xây dựng
	II. KHÓ KHĂN, VƯỚNG MẮC
	1. Lĩnh vực Cán bộ, công chức, viên chức
	- Thiếu công chức địa chính – xây dựng (Phường Thành Sen)
	Mức độ: Cao; trạng thái: Mới phát sinh.
	Nội dung: Phường chỉ còn 1 công chức địa chính.
	Biện pháp đã thực hiện: Đã đề nghị Sở Nội vụ điều động tạm thời
	2. Lĩnh vực Cải cách hành chính và thủ tục hành chính
	- Chậm giải quyết hồ sơ đất đai <sau sắp xếp> & chuyển tiếp (Phường Thành Sen)
	Mức độ: Khẩn cấp; trạng thái: Đã kiến nghị Bộ.
	Ý kiến (Nguyễn Văn An, 10/9/2025): Đã báo cáo UBND tỉnh bằng văn bản số 12/BC-UBND
	III. KIẾN NGHỊ, ĐỀ XUẤT
	- Chậm giải quyết hồ sơ đất đai <sau sắp xếp> & chuyển tiếp: Đề nghị Bộ hướng dẫn thẩm quyền giải quyết hồ sơ chuyển tiếp
	Trả lời của Bộ: chưa có.
	IV. KẾ HOẠCH TUẦN TỚI
	- Thứ Ba 16/9, Phường Trần Phú: Họp dân về thực hiện dân chủ ở cơ sở.
	Nơi nhận:
	EOF
	sed -n "/^I\. CÔNG TÁC/,/^Nơi nhận:/p" out/texts >actual &&
	test_cmp expect actual &&
	grep "^- Sở Nội vụ Hà Tĩnh;$" out/texts &&
	grep -A6 "^NGƯỜI BÁO CÁO$" out/texts | grep "^Nguyễn Văn An$"
'

test_expect_success 'the same document as HTML: well-formed, the same sections' '
	fl an report week --week 2025-W37 --format html -o an.html &&
	"$PYTHON" - an.html >out/html-texts <<-\EOF &&
	import sys, xml.etree.ElementTree as ET
	root = ET.parse(sys.argv[1]).getroot()
	for el in root.iter():
	    if el.tag in ("h1", "h2", "h3", "p", "div") and el.text:
	        print(el.text)
	EOF
	grep "^BÁO CÁO$" out/html-texts &&
	grep "^Độc lập - Tự do - Hạnh phúc$" out/html-texts &&
	grep "^Kết quả công tác tuần 37 (08/9 – 14/9/2025) tại tỉnh Hà Tĩnh$" out/html-texts &&
	for h in "I. CÔNG TÁC ĐÃ THỰC HIỆN" "II. KHÓ KHĂN, VƯỚNG MẮC" "III. KIẾN NGHỊ, ĐỀ XUẤT" \
		"IV. KẾ HOẠCH TUẦN TỚI"; do
		grep -Fx "$h" out/html-texts || return 1
	done &&
	grep -F "Chậm giải quyết hồ sơ đất đai <sau sắp xếp> & chuyển tiếp (Phường Thành Sen)" \
		out/html-texts &&
	fl an report week 2025-W37 --format html -o - >stdout.html &&
	cmp an.html stdout.html
'

test_expect_success 'bad formats and weeks say so in one line' '
	test_must_fail fl an report week 2025-W37 --format pdf 2>err &&
	grep "^error: unknown format '\''pdf'\''" err &&
	test_must_fail fl an report week 2025-W99 --format docx 2>err &&
	grep "^error: '\''2025-W99'\'' is not an ISO week" err &&
	test_must_fail fl an report week 2025-W37 --format docx -o - 2>err &&
	grep "^error: " err
'

test_expect_success 'the submitted report keeps its sections; the reviewer gets the same document' '
	fl an report submit --week 2025-W37 --json >out/report &&
	test "$(json_get signer place <out/report)" = "Nguyễn Văn An
Hà Tĩnh" &&
	json_get sections.1 <out/report | grep "^- Thiếu công chức địa chính – xây dựng" &&
	fl an sync &&
	fl bo sync &&
	fl bo report show "$(json_get id <out/report)" --format docx -o reviewer.docx &&
	test -s reviewer.docx
'

test_expect_success DOCX 'the reviewer reads what the officer sent' '
	texts an.docx >officer.txt &&
	texts reviewer.docx >reviewer.txt &&
	test_cmp officer.txt reviewer.txt
'

test_expect_success 'report weekly --format docx compiles every officer'"'"'s week' '
	now 2025-09-12T10:00:00+07:00 &&
	fl bo report weekly 2025-W37 --format docx -o weekly.docx >out/weekly &&
	test "$(cat out/weekly)" = weekly.docx &&
	fl bo report weekly --week 2025-W37 --format html -o weekly.html
'

test_expect_success DOCX 'received, missing, escalations waiting, issues by province and domain' '
	texts weekly.docx >out/weekly-texts &&
	grep "^Tổng hợp kết quả công tác tuần 37 (08/9 – 14/9/2025) của cán bộ địa bàn$" \
		out/weekly-texts &&
	grep "^Hà Nội, ngày 12 tháng 9 năm 2025$" out/weekly-texts &&
	grep "^Đã nhận 1 báo cáo (1 đúng hạn, 0 nộp muộn); 1 cán bộ chưa nộp báo cáo.$" \
		out/weekly-texts &&
	grep "^- Chưa nộp: Trần Thị Bình (Đồng Nai).$" out/weekly-texts &&
	grep "^Đúng hạn 08:00 11/9/2025$" out/weekly-texts &&
	grep -A1 "^- Chậm giải quyết hồ sơ đất đai <sau sắp xếp> & chuyển tiếp (Phường Thành Sen, Hà Tĩnh)$" \
		out/weekly-texts | grep "^Cán bộ: Nguyễn Văn An; lĩnh vực: Cải cách hành chính và thủ tục hành chính; mức độ: Khẩn cấp; đã chờ 4 ngày (từ 08/9/2025).$" &&
	"$PY" - weekly.docx >out/weekly-table <<-\EOF &&
	import sys, docx
	d = docx.Document(sys.argv[1])
	for row in d.tables[2].rows:
	    print("|".join(c.text for c in row.cells))
	EOF
	cat >expect <<-\EOF &&
	Tỉnh, thành phố|Lĩnh vực|Số vấn đề|Mức độ cao, khẩn cấp|Chờ Bộ trả lời|Đã giải quyết
	Hà Tĩnh|Cán bộ, công chức, viên chức|1|1|0|0
	Hà Tĩnh|Cải cách hành chính và thủ tục hành chính|1|1|1|0
	EOF
	test_cmp expect out/weekly-table &&
	grep -A6 "^NGƯỜI TỔNG HỢP$" out/weekly-texts | grep "^Vụ Chính quyền địa phương$"
'

test_expect_success 'once answered, the escalation no longer waits' '
	now 2025-09-12T11:00:00+07:00 &&
	fl bo respond "$(json_get id <out/i2)" --status answered \
		--text "Áp dụng hướng dẫn tại Công văn số 45/BNV-CQĐP" &&
	fl bo report weekly 2025-W37 --format html -o - >after.html &&
	grep "Không có kiến nghị nào đang chờ trả lời." after.html &&
	fl bo sync && fl an sync &&
	fl an report week 2025-W37 --format html -o - >answered.html &&
	grep "Trả lời của Bộ (Vụ Chính quyền địa phương, 12/9/2025): Áp dụng hướng dẫn tại Công văn số 45/BNV-CQĐP" \
		answered.html &&
	grep "trạng thái: Bộ đã trả lời." answered.html
'

test_done
