#!/bin/sh
# t0720-dashboard: `fieldlog dashboard`, the week as a site to look at.
#
# Three officers in three provinces and a reviewer log weeks 2025-W36 and
# W37: in Hà Tĩnh a report on time and an issue escalated then answered;
# in Đồng Nai a report late (Friday) and an urgent issue escalated and
# waiting; in Hà Nội no report for W37, an issue escalated in W36 and
# still waiting, another resolved during W37. The reviewer makes the
# dashboard of W37 and then:
#
# - the figures of every page are read back with python's html.parser
#   and compared with those records: reports on time / late / missing by
#   province, issues by domain x severity, the escalations waiting
#   (oldest first, with their age in days), the trend over the weeks, a
#   province's issues, an issue's history (its field changes) and the
#   reviewer's answer; labels, dates and names in Vietnamese; text escaped;
# - the issues shown whole live in a file per province (van-de/CODE.html),
#   each in a section named by its id: the histories of two issues of one
#   author, read in one walk of the branch, are each their own;
# - the site stands alone: every href and src resolves to a file inside
#   it and every #fragment to an id in that file, nothing names http(s),
#   there is no script;
# - headless Chromium (Debian's) opens the index, a province and an
#   issue from disk: the DOM it builds holds the same figures, a
#   screenshot is written, the console reports no error; with an issue's
#   #ID only that issue is displayed, with none only the file's list.

. "$(dirname "$0")/test-lib.sh"

. "$TEST_LIB_DIR/cast.sh"
PY=/usr/bin/python3

test_lazy_prereq CHROMIUM 'command -v chromium'

# check PAGE.html EXPR...: runs the python checks EXPR (one a line) on the
# parsed page: `rows(cls)` gives each table row of class cls as
# (data attribute, [cell texts]), `text` the page's text, `links` its hrefs,
# `sec(ID)` the text of the section of that id, `ids` the page's ids.
check () {
	_page=$1
	shift
	"$PY" - "$_page" "$@" <<-\EOF
	import sys, html.parser
	class P(html.parser.HTMLParser):
	    def __init__(s):
	        super().__init__()
	        s.tables, s.table, s.row, s.cell, s.text, s.links = {}, None, None, None, [], []
	        s.sections, s.sec, s.ids = {}, None, []
	    def handle_starttag(s, tag, attrs):
	        a = dict(attrs)
	        if "id" in a:
	            s.ids.append(a["id"])
	        if tag == "section":
	            s.sec = s.sections.setdefault(a.get("id"), [])
	        if tag == "table":
	            s.table = s.tables.setdefault(a.get("class", ""), [])
	        elif tag == "tr" and s.table is not None:
	            key = [v for k, v in attrs if k.startswith("data-")]
	            s.row = (key[0] if key else a.get("class", ""), [])
	            s.table.append(s.row)
	        elif tag in ("td", "th") and s.row is not None:
	            s.cell = []
	        if tag == "a":
	            s.links.append(a.get("href"))
	    def handle_endtag(s, tag):
	        if tag in ("td", "th") and s.row is not None and s.cell is not None:
	            s.row[1].append("".join(s.cell).strip())
	            s.cell = None
	        elif tag == "table":
	            s.table = None
	        elif tag == "section":
	            s.sec = None
	    def handle_data(s, d):
	        s.text.append(d)
	        if s.sec is not None:
	            s.sec.append(d)
	        if s.cell is not None:
	            s.cell.append(d)
	p = P()
	p.feed(open(sys.argv[1], encoding="utf-8").read())
	text = "".join(p.text)
	links, ids = p.links, p.ids
	def sec(i):
	    assert i in p.sections, (i, list(p.sections))
	    return "".join(p.sections[i])
	def rows(cls):
	    return [r for r in p.tables.get(cls, []) if r[0]]
	def row(cls, key):
	    m = [r[1] for r in rows(cls) if r[0] == key]
	    assert len(m) == 1, (cls, key, rows(cls))
	    return m[0]
	for e in sys.argv[2:]:
	    if not eval(e):
	        print("failed: %s" % e, file=sys.stderr)
	        sys.exit(1)
	EOF
}

test_expect_success 'a central repository, three officers in three provinces, a reviewer' '
	now 2025-09-01T08:00:00+07:00 &&
	cast_central an binh chi bo
'

test_expect_success 'week 36 in Hà Nội: two issues, one escalated; the report' '
	now 2025-09-02T09:00:00+07:00 &&
	fl chi issue add --json --title "Thiếu trụ sở làm việc sau sắp xếp" \
		--domain local_government --commune 00004 --severity urgent >out/d &&
	fl chi issue add --json --title "Tranh chấp ranh giới thửa đất" --domain land \
		--commune 00008 --severity medium >out/e &&
	now 2025-09-03T10:00:00+07:00 &&
	fl chi issue edit "$(json_get id <out/d)" --status escalated \
		--escalation "Đề nghị Bộ hướng dẫn bố trí trụ sở" &&
	now 2025-09-04T15:00:00+07:00 &&
	fl chi report submit --week 2025-W36 --summary "Tuần 36" >out/r36
'

test_expect_success 'week 37: on time in Hà Tĩnh, late in Đồng Nai, missing in Hà Nội' '
	now 2025-09-08T09:00:00+07:00 &&
	fl an issue add --json --title "Chậm giải quyết hồ sơ đất đai" --domain land \
		--commune 18073 --severity high --description "37 hồ sơ quá hạn" >out/a &&
	fl an issue add --json --title "Thiếu biên chế <công chức> & người lao động" \
		--domain civil_servants --commune 18073 --severity low >out/b &&
	now 2025-09-09T09:00:00+07:00 &&
	fl an issue edit "$(json_get id <out/a)" --status escalated \
		--escalation "Đề nghị Bộ hướng dẫn thẩm quyền" &&
	fl binh issue add --json --title "Một cửa liên thông quá tải" --domain admin_reform \
		--commune 25195 --severity urgent >out/c &&
	now 2025-09-10T09:00:00+07:00 &&
	fl binh issue edit "$(json_get id <out/c)" --status escalated \
		--escalation "Đề nghị Bộ bổ sung biên chế" &&
	fl chi issue edit "$(json_get id <out/e)" --status resolved --resolution "Đã đo đạc lại" &&
	now 2025-09-11T16:00:00+07:00 &&
	fl an report submit --week 2025-W37 --summary "Tuần 37" &&
	now 2025-09-12T08:00:00+07:00 &&
	fl binh report submit --week 2025-W37 --summary "Tuần 37, nộp muộn" &&
	for w in an binh chi; do
		fl $w sync >out/sync-$w || return 1
	done &&
	fl bo sync >out/sync-bo &&
	now 2025-09-12T10:00:00+07:00 &&
	fl bo respond "$(json_get id <out/a)" --status answered \
		--text "Bộ sẽ hướng dẫn bằng văn bản" >out/respond &&
	for x in a b c d e; do json_get id <out/$x >id-$x || return 1; done
'

test_expect_success 'the reviewer writes the dashboard of W37, in Vietnamese' '
	now 2025-09-15T09:00:00+07:00 &&
	LANG=vi_VN.UTF-8 LC_ALL=vi_VN.UTF-8 fl bo dashboard --week 2025-W37 --weeks 3 -o site >out/dash &&
	grep "site/index.html" out/dash &&
	grep "^bảng theo dõi tuần 2025-W37: 4 vấn đề trên 38 trang trong site;" out/dash &&
	test -f site/index.html && test -f site/tinh/42.html && test -f site/tinh/01.html &&
	test "$(ls site/tinh | wc -l)" = 34 &&
	test "$(ls site/van-de | tr "\n" " ")" = "01.html 42.html 75.html " &&
	check site/van-de/42.html "sorted(p.sections) == sorted([\"$(cat id-a)\", \"$(cat id-b)\"])" &&
	check site/van-de/75.html "list(p.sections) == [\"$(cat id-c)\"]" &&
	check site/van-de/01.html "list(p.sections) == [\"$(cat id-d)\"]" &&
	! grep -r "$(cat id-e)" site/van-de
'

test_expect_success 'index: reports on time, late, missing by province' '
	check site/index.html \
		"row(\"reports\", \"42\") == [\"Hà Tĩnh\", \"1\", \"1\", \"0\", \"0\"]" \
		"row(\"reports\", \"75\") == [\"Đồng Nai\", \"1\", \"0\", \"1\", \"0\"]" \
		"row(\"reports\", \"01\") == [\"Hà Nội\", \"1\", \"0\", \"0\", \"1\"]" \
		"row(\"reports\", \"total\")[1:] == [\"3\", \"1\", \"1\", \"1\"]" \
		"len(rows(\"reports\")) == 35" \
		"\"Tuần 37 (8/9/2025 – 14/9/2025)\" in text" \
		"\"Nộp muộn\" in text"
'

test_expect_success 'index: issues by domain and severity' '
	check site/index.html \
		"row(\"domains\", \"land\")[1:] == [\"0\", \"1\", \"1\", \"0\", \"2\"]" \
		"row(\"domains\", \"civil_servants\")[1:] == [\"1\", \"0\", \"0\", \"0\", \"1\"]" \
		"row(\"domains\", \"admin_reform\")[1:] == [\"0\", \"0\", \"0\", \"1\", \"1\"]" \
		"row(\"domains\", \"local_government\")[1:] == [\"0\", \"0\", \"0\", \"1\", \"1\"]" \
		"row(\"domains\", \"total\")[1:] == [\"1\", \"1\", \"1\", \"2\", \"5\"]" \
		"\"Đất đai\" in text and \"Khẩn cấp\" in text"
'

test_expect_success 'index: the escalations waiting, oldest first, with their age' '
	check site/index.html \
		"[r[0] for r in rows(\"waiting\")] == [\"$(cat id-d)\", \"$(cat id-c)\"]" \
		"row(\"waiting\", \"$(cat id-d)\")[:3] == [\"12\", \"2/9/2025\", \"Thiếu trụ sở làm việc sau sắp xếp\"]" \
		"row(\"waiting\", \"$(cat id-c)\")[:2] == [\"5\", \"9/9/2025\"]" \
		"\"Phường Ba Đình, Hà Nội\" in row(\"waiting\", \"$(cat id-d)\")" \
		"\"Lê Minh Chi\" in row(\"waiting\", \"$(cat id-d)\")" \
		"\"van-de/01.html#$(cat id-d)\" in links" \
		"\"van-de/75.html#$(cat id-c)\" in links"
'

test_expect_success 'index: the trend over the weeks' '
	check site/index.html \
		"[r[0] for r in rows(\"trend\")] == [\"2025-W35\", \"2025-W36\", \"2025-W37\"]" \
		"row(\"trend\", \"2025-W36\")[1:] == [\"1\", \"2\", \"0\"]" \
		"row(\"trend\", \"2025-W37\")[1:] == [\"2\", \"3\", \"1\"]" \
		"row(\"trend\", \"2025-W37\")[0] == \"Tuần 37 (8/9/2025 – 14/9/2025)\"" &&
	test "$(grep -c "<svg class=\"chart\"" site/index.html)" = 3
'

test_expect_success 'a province lists its reports and the issues of the week' '
	check site/tinh/42.html \
		"row(\"reports\", \"an\") == [\"Nguyễn Văn An\", \"Đúng hạn\", \"16:00 11/9/2025\"]" \
		"sorted(r[0] for r in rows(\"issues\")) == sorted([\"$(cat id-a)\", \"$(cat id-b)\"])" \
		"\"../van-de/42.html#$(cat id-a)\" in links" \
		"\"Thiếu biên chế <công chức> & người lao động\" in text" \
		"\"Phường Thành Sen\" in text" &&
	grep "Thiếu biên chế &lt;công chức&gt; &amp; người lao động" site/tinh/42.html &&
	check site/tinh/01.html \
		"row(\"reports\", \"chi\")[1] == \"Chưa nộp\"" \
		"[r[0] for r in rows(\"issues\")] == [\"$(cat id-d)\", \"$(cat id-e)\"]" \
		"not [l for l in links if \"$(cat id-e)\" in l]" &&
	check site/tinh/79.html "rows(\"issues\") == []"
'

test_expect_success 'an issue: what it says, its history, the answer' '
	a=$(cat id-a) &&
	check site/van-de/42.html \
		"\"Chậm giải quyết hồ sơ đất đai\" in sec(\"$a\")" \
		"\"Bộ đã trả lời\" in sec(\"$a\")" \
		"\"Phiên bản 1\" in sec(\"$a\") and \"Phiên bản 2\" in sec(\"$a\")" \
		"\"Trạng thái: Mới phát sinh → Đã kiến nghị Bộ\" in sec(\"$a\")" \
		"\"Đề nghị Bộ hướng dẫn thẩm quyền\" in sec(\"$a\")" \
		"\"Bộ sẽ hướng dẫn bằng văn bản\" in sec(\"$a\")" \
		"\"Vụ Chính quyền địa phương\" in sec(\"$a\")" \
		"\"../tinh/42.html\" in links and \"../index.html\" in links"
'

test_expect_success 'two issues of one author: each its own history and answers' '
	check site/van-de/42.html \
		"\"Phiên bản 1\" in sec(\"$(cat id-b)\")" \
		"\"Phiên bản 2\" not in sec(\"$(cat id-b)\")" \
		"\"Trạng thái: Mới phát sinh\" not in sec(\"$(cat id-b)\")" \
		"\"Bộ sẽ hướng dẫn\" not in sec(\"$(cat id-b)\")" \
		"\"Chưa có ý kiến trả lời.\" in sec(\"$(cat id-b)\")" \
		"\"Vấn đề tại Hà Tĩnh\" in text" \
		"\"#$(cat id-a)\" in links and \"#$(cat id-b)\" in links"
'

test_expect_success 'the site stands alone: relative links inside it, no network, no script' '
	"$PY" - site <<-\EOF
	import os, sys, re, html.parser
	root = os.path.realpath(sys.argv[1])
	class P(html.parser.HTMLParser):
	    def handle_starttag(s, tag, attrs):
	        assert tag != "script", (s.page, tag)
	        for k, v in attrs:
	            if k in ("href", "src"):
	                s.refs.append(v)
	            if k == "id":
	                s.ids.add(v)
	pages = {}
	for d, _, files in os.walk(root):
	    for f in files:
	        path = os.path.join(d, f)
	        body = open(path, encoding="utf-8").read()
	        assert not re.search(r"https?:|//[a-z]", body, re.I), path
	        p = P()
	        p.page, p.refs, p.ids = path, [], set()
	        p.feed(body)
	        pages[os.path.realpath(path)] = p
	n = frags = 0
	for path, p in pages.items():
	    for r in p.refs:
	        n += 1
	        target, _, frag = r.partition("#")
	        t = os.path.realpath(os.path.join(os.path.dirname(path), target)) if target else path
	        assert t.startswith(root + os.sep) and t in pages, (path, r)
	        if frag:
	            frags += 1
	            assert frag in pages[t].ids, (path, r)
	assert n > 100 and frags >= 10, (n, frags)
	EOF
'

test_expect_success 'in English with an English locale' '
	fl bo dashboard --week 2025-W37 -o site-en >out/dash-en &&
	check site-en/index.html "\"Weekly reports by province\" in text" \
		"\"Week 37 (8/9/2025 – 14/9/2025)\" in text"
'

test_expect_success 'a bad week, a bad count, an extra argument, a file in the way' '
	test_must_fail fl bo dashboard --week 2025-37 2>err && grep "2025-37" err &&
	test_must_fail fl bo dashboard --weeks 0 2>err && grep "weeks" err &&
	test_must_fail fl bo dashboard extra 2>err && grep "extra" err &&
	echo not a directory >plain-file &&
	test_must_fail fl bo dashboard -o plain-file 2>err &&
	grep "^error: cannot create .plain-file/tinh." err
'

# chrome PAGE ARGS...: headless Chromium on file://PAGE, with its profile
# and caches in the scratch directory; its log (stderr) in chrome.err.
chrome () {
	_page=$1
	shift
	HOME=$TEST_SCRATCH/chrome XDG_CONFIG_HOME=$TEST_SCRATCH/chrome/config \
	XDG_CACHE_HOME=$TEST_SCRATCH/chrome/cache \
		timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$TEST_SCRATCH/chrome/profile" --enable-logging=stderr --v=0 \
		"$@" "file://$TEST_SCRATCH/site/$_page" 2>chrome.err
}

# no_console_errors: the page logged nothing (no script error, no failed load).
no_console_errors () {
	! grep -E "Uncaught|ERROR:CONSOLE|CONSOLE\(|Failed to load|net::ERR" chrome.err
}

test_expect_success CHROMIUM 'Chromium: the index as it builds it, a screenshot, no console error' '
	mkdir -p chrome &&
	chrome index.html --dump-dom >dom-index.html &&
	no_console_errors &&
	check dom-index.html \
		"row(\"reports\", \"75\") == [\"Đồng Nai\", \"1\", \"0\", \"1\", \"0\"]" \
		"row(\"domains\", \"total\")[1:] == [\"1\", \"1\", \"1\", \"2\", \"5\"]" \
		"row(\"waiting\", \"$(cat id-d)\")[0] == \"12\"" &&
	grep -c "<rect" dom-index.html >rects && test "$(cat rects)" -ge 1 &&
	chrome index.html --screenshot="$TEST_SCRATCH/index.png" --window-size=1200,3000 &&
	no_console_errors &&
	"$PY" -c "import sys; d = open(sys.argv[1], \"rb\").read(); assert d[:8] == b\"\\x89PNG\\r\\n\\x1a\\n\" and len(d) > 10000" \
		"$TEST_SCRATCH/index.png"
'

test_expect_success CHROMIUM 'Chromium: a province page and an issue' '
	chrome tinh/42.html --dump-dom >dom-42.html &&
	no_console_errors &&
	check dom-42.html "row(\"reports\", \"an\")[1] == \"Đúng hạn\"" &&
	chrome "van-de/42.html#$(cat id-a)" --dump-dom >dom-a.html &&
	no_console_errors &&
	check dom-a.html "\"Bộ sẽ hướng dẫn bằng văn bản\" in sec(\"$(cat id-a)\")" \
		"\"Phiên bản 2\" in sec(\"$(cat id-a)\")" &&
	chrome "van-de/42.html#$(cat id-a)" --screenshot="$TEST_SCRATCH/issue.png" &&
	test -s "$TEST_SCRATCH/issue.png"
'

# shown FILE [#ID]: what Chromium displays of FILE's sections and list, as
# "ID=yes|no ... list=yes|no": a copy of the file (outside the site, which
# has no script) with a script that asks each its computed display.
shown () {
	mkdir -p site/probe &&
	sed "s|</body>|<script>addEventListener(\"load\", function () {\
document.querySelectorAll(\"section.issue, div.list\").forEach(function (e) {\
e.setAttribute(\"data-shown\", getComputedStyle(e).display === \"none\" ? \"no\" : \"yes\"); });\
});</script></body>|" "site/$1" >site/probe/page.html &&
	chrome "probe/page.html$2" --dump-dom >dom-shown.html &&
	rm -r site/probe &&
	"$PY" -c "import re, sys
d = open(sys.argv[1], encoding=\"utf-8\").read()
print(\" \".join(\"%s=%s\" % (i or \"list\", v) for i, v in
    re.findall(r\"<(?:section class=.issue. id=.([^\\\"]*).|div class=.list.) data-shown=.(yes|no).\", d)))" \
		dom-shown.html
}

test_expect_success CHROMIUM 'Chromium: with #ID only that issue shows, with none the list' '
	a=$(cat id-a) b=$(cat id-b) &&
	shown van-de/42.html "#$a" >shown-a &&
	no_console_errors &&
	echo "$a=yes $b=no list=no" >expect &&
	test_cmp expect shown-a &&
	shown van-de/42.html "#$b" >shown-b &&
	echo "$a=no $b=yes list=no" >expect &&
	test_cmp expect shown-b &&
	shown van-de/42.html >shown-none &&
	echo "$a=no $b=no list=yes" >expect &&
	test_cmp expect shown-none
'

test_done
