#!/bin/sh
# t0240-tables: tables fit the terminal. On an 80-column terminal (COLUMNS,
# or the terminal's own size through a pty) `issue list` fits in 80
# display columns, its ids stay whole so they can be copied, one-word
# columns (date, status, severity) stay whole, and long text ends in "…".
# A pipe or a file gets everything; so does --wide. Columns are aligned in
# display columns: a combining mark takes none, a CJK character two.

. "$(dirname "$0")/test-lib.sh"

FIELDLOG_NOW=2025-09-10T10:00:00+07:00
export FIELDLOG_NOW
PTY="$PYTHON $TEST_LIB_DIR/pty-run.py"

# check_table FILE MAXCOLS: every line at most MAXCOLS display columns, and
# each column starts at the same display column on every line as in the header.
check_table () {
	"$PYTHON" - "$1" "$2" <<-\PY
	import sys, unicodedata
	def width(s):
	    w = 0
	    for ch in s:
	        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me"):
	            continue
	        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
	    return w
	lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
	lines = [l for l in lines if "  " in l]   # the footer line is not part of the table
	maxw = int(sys.argv[2])
	def starts(l):
	    # Columns are two spaces apart: a cell starts after two spaces (or at 0).
	    out, col = [], 0
	    for i, ch in enumerate(l):
	        if ch != " " and (i == 0 or l[max(0, i - 2):i] == "  "):
	            out.append(col)
	        col += width(ch)
	    return out
	head = starts(lines[0])
	bad = 0
	for l in lines:
	    if maxw and width(l) > maxw:
	        print("too wide (%d): %s" % (width(l), l)); bad += 1
	    if starts(l) != head[:len(starts(l))]:
	        print("misaligned:", starts(l), head, l); bad += 1
	sys.exit(1 if bad else 0)
	PY
}

test_expect_success 'set-up: issues with long titles, Vietnamese with marks and CJK' '
	fieldlog init --id le.van.cuong --name "Lê Văn Cường" --role officer --province 42 &&
	fieldlog issue add --title "Trụ sở Ủy ban nhân dân xã xuống cấp nghiêm trọng, mùa mưa bị dột, cần sửa chữa gấp" \
		--domain civil_servants --commune 18073 --severity urgent --status in_progress &&
	fieldlog issue add --title "Cán bộ tư pháp x̣ (北京 đào tạo) thiếu kỹ năng số hóa hồ sơ hộ tịch" \
		--domain civil_servants --commune 18073 --severity low &&
	fieldlog visit add --date 2025-09-09 --commune 18073 --summary "北京市 ỵ̣ và xã làm việc về hồ sơ hộ tịch" &&
	fieldlog issue list --json >all.json &&
	"$PYTHON" -c "import json; [print(r[\"id\"][:10]) for r in json.load(open(\"all.json\"))]" >ids &&
	test_line_count = 2 ids
'

test_expect_success 'COLUMNS=80: fits, ids and one-word columns whole, text ends in …' '
	COLUMNS=80 fieldlog issue list >out &&
	check_table out 80 &&
	while read id; do grep "^$id  " out || return 1; done <ids &&
	grep "in_progress  urgent" out &&
	grep "…" out &&
	! grep "cần sửa chữa gấp" out
'

test_expect_success 'a pipe gets every column whole; so does --wide' '
	fieldlog issue list >out &&
	grep "cần sửa chữa gấp" out &&
	! grep "…" out &&
	check_table out 0 &&
	COLUMNS=80 fieldlog --wide issue list >out &&
	grep "cần sửa chữa gấp" out &&
	! grep "…" out &&
	COLUMNS=80 fieldlog visit list --wide >out &&
	grep "北京市 ỵ̣ và xã làm việc về hồ sơ hộ tịch" out
'

test_expect_success 'CJK and combining marks stay aligned when cut and when whole' '
	for c in 50 60 72 200; do
		COLUMNS=$c fieldlog issue list >out &&
		check_table out 0 &&
		COLUMNS=$c fieldlog visit list >out &&
		check_table out $c || return 1
	done &&
	COLUMNS=50 fieldlog visit list >out &&
	grep "北京市 ỵ̣ …" out
'

test_expect_success 'on a terminal: its width (80, and 80 when it says less than 21)' '
	$PTY 80 "$FIELDLOG_BIN" --no-pager issue list >out &&
	grep "Trụ s" out &&
	check_table out 80 &&
	while read id; do grep "^$id  " out || return 1; done <ids &&
	$PTY 120 "$FIELDLOG_BIN" --no-pager issue list >out &&
	check_table out 120 &&
	grep "Trụ sở Ủy ban nhân dân" out &&
	$PTY 10 "$FIELDLOG_BIN" --no-pager issue list >out &&
	check_table out 80
'

test_done
