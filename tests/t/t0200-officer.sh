#!/bin/sh
# t0200-officer: an officer's week, driven as a new user would from the README.
#
# Nguyễn Văn An, officer in Hà Tĩnh (province 42), sets up a workspace, finds
# communes, plans week 2025-W37 (three entries: one done, one cancelled), logs
# two visits and three issues in Vietnamese, escalates one, comments on it,
# settles another, drafts the weekly report and submits it. Then we check, with
# stock git and python3 only, what fieldlog promised (docs/design.md,
# "Records" and "Canonical form"):
# list/show --json give back what was entered; every version of every record
# file in repo.git is canonical JSON in NFC; every commit is authored by the
# officer and says what changed; text typed in NFD is stored in NFC; ids are
# accepted by any unique prefix and an ambiguous one lists the candidates.

. "$(dirname "$0")/test-lib.sh"

WS=$TEST_SCRATCH/ws
REPO=$WS/repo.git
ME=nguyen.van.an
MY_NAME='Nguyễn Văn An'

# fl ARGS...: fieldlog in the officer's workspace.
fl () {
	fieldlog -C "$WS" "$@"
}

# record_path ID: the path of record ID at main in repo.git.
record_path () {
	git_saved "$WS" ls-tree -r --name-only main | grep "/$1\.json\$"
}

# check-canonical.py REPO: every blob of every commit reachable from main is
# valid UTF-8, NFC, a JSON object without duplicate keys or floats, byte for
# byte json.dumps(obj, ensure_ascii=False, indent=2) + "\n" of its own parse,
# with the envelope first, at <bucket>/<author>/<kind>/<id>.json, the bucket
# being the first two hex digits of the git blob id of the author id.
cat >check-canonical.py <<\EOF
import hashlib, json, re, subprocess, sys, unicodedata

repo = sys.argv[1]
ENVELOPE = ["schema", "kind", "id", "author", "created_at", "updated_at", "deleted"]
KINDS = {"schedule", "visit", "issue", "report", "response"}

def git(*args):
    return subprocess.run(["git", "-C", repo] + list(args), check=True,
                          stdout=subprocess.PIPE).stdout

def pairs(kv):
    keys = [k for k, _ in kv]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate key among %r" % keys)
    return dict(kv)

def no_floats(v, where):
    if isinstance(v, float):
        raise ValueError("float %r at %s" % (v, where))
    if isinstance(v, dict):
        for k, x in v.items():
            no_floats(x, where + "." + k)
    if isinstance(v, list):
        for i, x in enumerate(v):
            no_floats(x, "%s.%d" % (where, i))

problems, seen, commits = [], set(), 0
for commit in git("rev-list", "main").decode().split():
    commits += 1
    for line in git("ls-tree", "-r", "-z", commit).decode().split("\0"):
        if not line:
            continue
        meta, path = line.split("\t", 1)
        blob = meta.split()[2]
        if blob in seen:
            continue
        seen.add(blob)
        where = "%s:%s" % (commit[:10], path)
        data = git("cat-file", "blob", blob)
        try:
            text = data.decode("utf-8")
            if unicodedata.normalize("NFC", text) != text:
                raise ValueError("not NFC")
            obj = json.loads(text, object_pairs_hook=pairs)
            if not isinstance(obj, dict):
                raise ValueError("not a JSON object")
            no_floats(obj, "")
            again = json.dumps(obj, ensure_ascii=False, indent=2) + "\n"
            if again.encode("utf-8") != data:
                raise ValueError("not canonical; expected:\n" + again)
            if path != "roster.json":
                if list(obj)[:len(ENVELOPE)] != ENVELOPE:
                    raise ValueError("envelope keys first: got %r" % list(obj))
                if obj["kind"] not in KINDS or type(obj["schema"]) is not int:
                    raise ValueError("bad kind or schema")
                if not re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", obj["id"]):
                    raise ValueError("bad id %r" % obj["id"])
                a = obj["author"].encode("utf-8")
                bucket = hashlib.sha1(b"blob %d\0" % len(a) + a).hexdigest()[:2]
                if path != "%s/%s/%s/%s.json" % (bucket, obj["author"], obj["kind"], obj["id"]):
                    raise ValueError("path does not match author/kind/id")
                if type(obj["deleted"]) is not bool:
                    raise ValueError("deleted is not a boolean")
        except Exception as e:
            problems.append("%s: %s" % (where, e))
for p in problems:
    print(p)
print("checked %d blobs in %d commits" % (len(seen), commits))
sys.exit(1 if problems or not seen else 0)
EOF

# check-commits.py REPO NAME EMAIL: every commit on main is authored by NAME
# <EMAIL>, changes exactly one record file, and its message starts with
# "<kind> <id>: " naming that very file.
cat >check-commits.py <<\EOF
import re, subprocess, sys

repo, name, email = sys.argv[1:4]

def git(*args):
    return subprocess.run(["git", "-C", repo] + list(args), check=True,
                          stdout=subprocess.PIPE).stdout.decode()

problems = []
commits = git("rev-list", "main").split()
for c in commits:
    an, ae, subject = git("log", "-1", "--format=%an%x00%ae%x00%s", c).split("\0")
    subject = subject.rstrip("\n")
    if (an, ae) != (name, email):
        problems.append("%s: author %s <%s>" % (c[:10], an, ae))
    files = git("diff-tree", "--no-commit-id", "--root", "-r", "--name-only", c).split()
    m = re.match(r"(schedule|visit|issue|report) ([0-9A-HJKMNP-TV-Z]{26}): \S", subject)
    if not m:
        problems.append("%s: message %r" % (c[:10], subject))
    elif len(files) != 1 or not re.fullmatch(r"[0-9a-f]{2}/%s/%s/%s\.json" % (
            re.escape(email.split("@")[0]), m.group(1), m.group(2)), files[0]):
        problems.append("%s: message %r but files %r" % (c[:10], subject, files))
for p in problems:
    print(p)
print("checked %d commits" % len(commits))
sys.exit(1 if problems or not commits else 0)
EOF

# --- set-up ---------------------------------------------------------------------

test_expect_success 'init creates a workspace: index.db, a bare repo.git, a config' '
	now 2025-09-08T07:30:00+07:00 &&
	fl init --id $ME --name "$MY_NAME" --role officer --province 42 >out &&
	test -f "$WS/index.db" &&
	test -d "$REPO" &&
	test "$(git_saved "$WS" rev-parse --is-bare-repository)" = true &&
	grep "$ME" out
'

test_expect_success 'whoami shows who and where' '
	fl whoami >out &&
	grep "$MY_NAME" out &&
	grep officer out &&
	grep "Hà Tĩnh" out &&
	fl whoami --json >who.json &&
	json_get id name role province >actual <who.json &&
	printf "%s\n" $ME "$MY_NAME" officer 42 >expect &&
	test_cmp expect actual
'

test_expect_success 'the workspace is found through FIELDLOG_HOME and by default in ~/.local/share' '
	env FIELDLOG_HOME="$WS" "$FIELDLOG_BIN" whoami --json >home.json &&
	json_get id name role province <home.json >actual &&
	test_cmp expect actual &&
	fieldlog init --id tran.thi.binh --name "Trần Thị Bình" --role officer --province 75 &&
	test -d "$HOME/.local/share/fieldlog/repo.git" &&
	fieldlog whoami --json >def.json &&
	json_get id province <def.json >actual &&
	printf "%s\n" tran.thi.binh 75 >expect &&
	test_cmp expect actual
'

# --- reference data ----------------------------------------------------------------

test_expect_success 'communes: "thien huong" finds Phường Thiên Hương (11557)' '
	fl communes thien huong --json >c.json &&
	json_get 0.code 0.name 0.province_code <c.json >actual &&
	printf "%s\n" 11557 "Phường Thiên Hương" 31 >expect &&
	test_cmp expect actual &&
	fl communes "THIÊN HƯƠNG" --json >c2.json &&
	test_cmp c.json c2.json &&
	fl communes "thien huong" >table &&
	grep "11557.*Phường Thiên Hương" table
'

test_expect_success 'communes: "dong xoai" finds Phường Đồng Xoài (25210, Đồng Nai)' '
	fl communes dong xoai --json >c.json &&
	"$PYTHON" -c "
import json, sys
d = json.load(open(\"c.json\"))
hit = [c for c in d if c[\"code\"] == \"25210\"]
assert hit and hit[0][\"name\"] == \"Phường Đồng Xoài\" and hit[0][\"province_code\"] == \"75\", d
"
'

test_expect_success 'communes: a query typed in NFD finds the same communes' '
	q=$("$PYTHON" -c "import unicodedata; print(unicodedata.normalize(\"NFD\", \"Thành Sen\"))") &&
	test "$q" != "Thành Sen" &&
	fl communes "$q" --province 42 --json >nfd.json &&
	fl communes "thanh sen" --province 42 --json >ascii.json &&
	test_cmp ascii.json nfd.json &&
	json_get 0.code <nfd.json >actual &&
	echo 18073 >expect &&
	test_cmp expect actual
'

test_expect_success 'provinces: 34; communes: 3321 in all, 69 in Hà Tĩnh' '
	fl provinces --json >p.json &&
	fl communes --json >all.json &&
	fl communes --province 42 --json >ht.json &&
	"$PYTHON" -c "
import json
p = json.load(open(\"p.json\"))
c = json.load(open(\"all.json\"))
ht = json.load(open(\"ht.json\"))
assert len(p) == 34, len(p)
assert len(c) == 3321, len(c)
assert len({x[\"code\"] for x in c}) == 3321
codes = {x[\"code\"] for x in p}
assert all(x[\"province_code\"] in codes for x in c)
assert all(set(x) >= {\"code\", \"name\", \"province_code\"} for x in c)
assert len(ht) == 69 and all(x[\"province_code\"] == \"42\" for x in ht), len(ht)
assert any(x[\"code\"] == \"18073\" and x[\"name\"] == \"Phường Thành Sen\" for x in ht)
" &&
	fl provinces >table &&
	grep "Tỉnh Hà Tĩnh" table
'

test_expect_success 'domains --json: objects with an ASCII id and a Vietnamese label' '
	fl domains --json >d.json &&
	"$PYTHON" -c "
import json, re
d = json.load(open(\"d.json\"))
ids = [x[\"id\"] for x in d]
assert len(ids) >= 15 and len(set(ids)) == len(ids), ids
assert all(re.fullmatch(\"[a-z0-9_]+\", i) for i in ids), ids
labels = {x[\"id\"]: x[\"label\"] for x in d}
assert all(labels.values())
assert \"Tín ngưỡng, tôn giáo\" in labels.values(), labels
assert \"Bình đẳng giới\" in labels.values(), labels
for i in (\"civil_servants\", \"admin_reform\", \"local_government\"):
    assert i in labels, i
"
'

# --- the week ----------------------------------------------------------------------

test_expect_success 'schedule: plan three days of 2025-W37 in Hà Tĩnh' '
	now 2025-09-08T08:00:00+07:00 &&
	fl schedule add --date 2025-09-08 --commune 18073 \
		--activity "Làm việc với UBND phường về cải cách thủ tục hành chính" &&
	fl schedule add --date 2025-09-09 --commune 18073 \
		--activity "Kiểm tra công tác văn thư, lưu trữ" &&
	fl schedule add --date 2025-09-11 --commune 18100 \
		--activity "Dự họp dân về thực hiện dân chủ ở cơ sở" --note "Mang theo biểu mẫu" --json >s.json &&
	fl schedule list --json >sl.json &&
	"$PYTHON" -c "
import json
l = json.load(open(\"sl.json\"))
assert len(l) == 1, l
s = l[0]
assert s == json.load(open(\"s.json\")), (s, json.load(open(\"s.json\")))
assert s[\"kind\"] == \"schedule\" and s[\"week\"] == \"2025-W37\" and s[\"author\"] == \"nguyen.van.an\"
got = [(e[\"date\"], e[\"commune\"], e[\"activity\"], e[\"state\"]) for e in s[\"entries\"]]
assert got == [
    (\"2025-09-08\", \"18073\", \"Làm việc với UBND phường về cải cách thủ tục hành chính\", \"planned\"),
    (\"2025-09-09\", \"18073\", \"Kiểm tra công tác văn thư, lưu trữ\", \"planned\"),
    (\"2025-09-11\", \"18100\", \"Dự họp dân về thực hiện dân chủ ở cơ sở\", \"planned\"),
], got
assert s[\"entries\"][2][\"note\"] == \"Mang theo biểu mẫu\"
open(\"entries\", \"w\").write(\"\\n\".join(e[\"id\"] for e in s[\"entries\"]) + \"\\n\")
open(\"schedule-id\", \"w\").write(s[\"id\"] + \"\\n\")
" &&
	test_line_count = 3 entries
'

test_expect_success 'schedule: mark the first entry done, the second cancelled' '
	E1=$(sed -n 1p entries) && E2=$(sed -n 2p entries) &&
	now 2025-09-08T17:00:00+07:00 &&
	fl schedule edit "$E1" --state done --note "Đã làm việc với Chủ tịch UBND phường" &&
	now 2025-09-09T07:00:00+07:00 &&
	fl schedule edit "$(echo "$E2" | cut -c1-12)" --state cancelled --note "Lãnh đạo phường đi họp tỉnh" &&
	fl schedule show 2025-W37 --json >s.json &&
	json_get entries.0.state entries.1.state entries.2.state entries.1.note updated_at created_at <s.json >actual &&
	printf "%s\n" done cancelled planned "Lãnh đạo phường đi họp tỉnh" \
		2025-09-09T07:00:00+07:00 2025-09-08T08:00:00+07:00 >expect &&
	test_cmp expect actual &&
	fl schedule show 2025-W37 >table &&
	grep "done.*Phường Thành Sen" table &&
	grep "cancelled.*Kiểm tra công tác văn thư" table
'

test_expect_success 'schedule: marking an entry with the state it has makes no new version' '
	E1=$(sed -n 1p entries) &&
	before=$(git_saved "$WS" rev-parse main) &&
	now 2025-09-09T07:30:00+07:00 &&
	{ fl schedule edit "$E1" --state done; st=$?; } &&
	test "$st" -le 2 &&
	test "$(git_saved "$WS" rev-parse main)" = "$before"
'

test_expect_success 'visit 1: Phường Thành Sen, with who was met and two findings' '
	now 2025-09-09T16:30:00+07:00 &&
	fl visit add --date 2025-09-08 --commune 18073 \
		--summary "Làm việc với UBND phường về bộ phận một cửa" \
		--met "Ông Trần Văn Bình, Chủ tịch UBND phường" \
		--finding "Thiếu 2 công chức địa chính – xây dựng" \
		--finding "Bộ phận một cửa quá tải vào thứ Hai" --json >v1.json &&
	json_get id <v1.json >visit1 &&
	json_get kind date commune summary met findings issues author created_at <v1.json >actual &&
	cat >expect <<-EOF &&
	visit
	2025-09-08
	18073
	Làm việc với UBND phường về bộ phận một cửa
	Ông Trần Văn Bình, Chủ tịch UBND phường
	["Thiếu 2 công chức địa chính – xây dựng","Bộ phận một cửa quá tải vào thứ Hai"]
	[]
	$ME
	2025-09-09T16:30:00+07:00
	EOF
	test_cmp expect actual
'

test_expect_success 'three issues in Vietnamese: inline, from stdin (-), from @file' '
	now 2025-09-10T09:00:00+07:00 &&
	fl issue add --title "Thiếu công chức địa chính – xây dựng" --domain civil_servants \
		--commune 18073 --severity high \
		--description "Phường chỉ còn 1 công chức địa chính; khối lượng hồ sơ tăng gấp đôi sau sáp nhập." \
		--json >i1.json &&
	printf "Hồ sơ đất đai quá hạn: 37 bộ.\nNguyên nhân: chưa có hướng dẫn chuyển tiếp.\n" |
	fl issue add --title "Chậm giải quyết hồ sơ đất đai sau sắp xếp đơn vị hành chính" \
		--domain admin_reform --commune 18073 --commune 18100 --severity urgent \
		--description - --json >i2.json &&
	printf "Nhà văn hóa tổ dân phố 5 xuống cấp, mái dột.\n" >desc.txt &&
	fl issue add --title "Nhà văn hóa tổ dân phố xuống cấp" --domain local_government \
		--commune 18100 --severity medium --description @desc.txt --json >i3.json &&
	for i in 1 2 3; do json_get id <i$i.json >>issues || return 1; done &&
	test_line_count = 3 issues &&
	json_get title description domain communes severity status kind author created_at updated_at deleted <i2.json >actual &&
	cat >expect <<-EOF &&
	Chậm giải quyết hồ sơ đất đai sau sắp xếp đơn vị hành chính
	Hồ sơ đất đai quá hạn: 37 bộ.
	Nguyên nhân: chưa có hướng dẫn chuyển tiếp.
	admin_reform
	["18073","18100"]
	urgent
	open
	issue
	$ME
	2025-09-10T09:00:00+07:00
	2025-09-10T09:00:00+07:00
	false
	EOF
	test_cmp expect actual &&
	json_get description <i3.json >actual &&
	echo "Nhà văn hóa tổ dân phố 5 xuống cấp, mái dột." >expect &&
	test_cmp expect actual
'

test_expect_success 'visit 2 links two issues, one given by a prefix of its id' '
	I2=$(sed -n 2p issues) && I3=$(sed -n 3p issues) &&
	now 2025-09-10T10:00:00+07:00 &&
	fl visit add --date 2025-09-10 --commune 18100 \
		--summary "Kiểm tra nhà văn hóa và bộ phận tiếp nhận hồ sơ" \
		--issue "$(echo "$I2" | cut -c1-12)" --issue "$I3" --json >v2.json &&
	json_get id <v2.json >visit2 &&
	json_get issues <v2.json >actual &&
	echo "[\"$I2\",\"$I3\"]" >expect &&
	test_cmp expect actual
'

test_expect_success 'escalate an issue: status open → escalated, a commit that says so' '
	I2=$(sed -n 2p issues) &&
	now 2025-09-10T10:30:00+07:00 &&
	fl issue edit "$I2" --status escalated &&
	git_saved "$WS" log -1 --format=%s main >actual &&
	echo "issue $I2: status open → escalated" >expect &&
	test_cmp expect actual &&
	git_saved "$WS" log -1 --format="%an <%ae> %aI" main >actual &&
	echo "$MY_NAME <$ME@fieldlog> 2025-09-10T10:30:00+07:00" >expect &&
	test_cmp expect actual &&
	now 2025-09-10T10:40:00+07:00 &&
	fl issue edit "$I2" --escalation "Đề nghị Bộ hướng dẫn thẩm quyền giải quyết hồ sơ chuyển tiếp" &&
	fl issue show "$I2" --json >s.json &&
	json_get status escalation created_at updated_at <s.json >actual &&
	printf "%s\n" escalated "Đề nghị Bộ hướng dẫn thẩm quyền giải quyết hồ sơ chuyển tiếp" \
		2025-09-10T09:00:00+07:00 2025-09-10T10:40:00+07:00 >expect &&
	test_cmp expect actual
'

test_expect_success 'comment on the escalated issue: kept with author and time' '
	I2=$(sed -n 2p issues) &&
	now 2025-09-10T11:00:00+07:00 &&
	fl issue comment "$I2" --text "Đã báo cáo UBND tỉnh bằng văn bản số 12/BC-UBND" &&
	fl issue show "$I2" --json >s.json &&
	json_get comments.0.author comments.0.at comments.0.text updated_at <s.json >actual &&
	printf "%s\n" $ME 2025-09-10T11:00:00+07:00 \
		"Đã báo cáo UBND tỉnh bằng văn bản số 12/BC-UBND" 2025-09-10T11:00:00+07:00 >expect &&
	test_cmp expect actual &&
	fl issue show "$I2" >table &&
	grep "Đã báo cáo UBND tỉnh" table
'

test_expect_success 'settle the third issue: in_progress, then resolved' '
	I3=$(sed -n 3p issues) &&
	now 2025-09-10T14:00:00+07:00 &&
	fl issue edit "$I3" --status in_progress --actions "Đã đề nghị phường bố trí kinh phí sửa chữa" &&
	now 2025-09-10T15:00:00+07:00 &&
	fl issue edit "$I3" --status resolved --resolution "UBND phường đã duyệt kinh phí" &&
	fl issue show "$I3" --json >s.json &&
	json_get status actions resolution <s.json >actual &&
	printf "%s\n" resolved "Đã đề nghị phường bố trí kinh phí sửa chữa" "UBND phường đã duyệt kinh phí" >expect &&
	test_cmp expect actual
'

test_expect_success 'issue list --json and show --json give back what was entered' '
	fl issue list --json >list.json &&
	for id in $(cat issues); do fl issue show "$id" --json >"show-$id.json" || return 1; done &&
	cat >expect.json <<-EOF &&
	[
	 {"title": "Thiếu công chức địa chính – xây dựng", "domain": "civil_servants",
	  "communes": ["18073"], "severity": "high", "status": "open",
	  "description": "Phường chỉ còn 1 công chức địa chính; khối lượng hồ sơ tăng gấp đôi sau sáp nhập.",
	  "created_at": "2025-09-10T09:00:00+07:00", "updated_at": "2025-09-10T09:00:00+07:00",
	  "comments": []},
	 {"title": "Chậm giải quyết hồ sơ đất đai sau sắp xếp đơn vị hành chính", "domain": "admin_reform",
	  "communes": ["18073", "18100"], "severity": "urgent", "status": "escalated",
	  "description": "Hồ sơ đất đai quá hạn: 37 bộ.\nNguyên nhân: chưa có hướng dẫn chuyển tiếp.",
	  "escalation": "Đề nghị Bộ hướng dẫn thẩm quyền giải quyết hồ sơ chuyển tiếp",
	  "created_at": "2025-09-10T09:00:00+07:00", "updated_at": "2025-09-10T11:00:00+07:00"},
	 {"title": "Nhà văn hóa tổ dân phố xuống cấp", "domain": "local_government",
	  "communes": ["18100"], "severity": "medium", "status": "resolved",
	  "description": "Nhà văn hóa tổ dân phố 5 xuống cấp, mái dột.",
	  "actions": "Đã đề nghị phường bố trí kinh phí sửa chữa",
	  "resolution": "UBND phường đã duyệt kinh phí",
	  "created_at": "2025-09-10T09:00:00+07:00", "updated_at": "2025-09-10T15:00:00+07:00"}
	]
	EOF
	saved "$WS" && "$PYTHON" - "$REPO" $(cat issues) <<-\EOF
	import json, subprocess, sys
	repo, ids = sys.argv[1], sys.argv[2:]
	want = json.load(open("expect.json"))
	got = {r["id"]: r for r in json.load(open("list.json"))}
	assert sorted(got) == sorted(ids), (sorted(got), ids)
	paths = subprocess.run(["git", "-C", repo, "ls-tree", "-r", "--name-only", "main"],
	                       check=True, stdout=subprocess.PIPE).stdout.decode().split()
	for id, w in zip(ids, want):
	    shown = json.load(open("show-%s.json" % id))
	    path = [p for p in paths if p.endswith("/%s.json" % id)]
	    assert len(path) == 1, path
	    stored = json.loads(subprocess.run(["git", "-C", repo, "show", "main:" + path[0]],
	                        check=True, stdout=subprocess.PIPE).stdout)
	    # the list gives the stored record; show may add derived fields
	    assert got[id] == stored, (got[id], stored)
	    assert {k: shown[k] for k in stored} == stored, (shown, stored)
	    for k, v in w.items():
	        for r in (got[id], shown):
	            assert r[k] == v, (id, k, r[k], v)
	    for r in (got[id], shown):
	        assert r["kind"] == "issue" and r["author"] == "nguyen.van.an"
	        assert r["deleted"] is False and r["schema"] == 1
	print("ok")
	EOF
'

test_expect_success 'issue list filters and table' '
	fl issue list --status escalated --json >esc.json &&
	json_get 0.id <esc.json >actual &&
	sed -n 2p issues >expect &&
	test_cmp expect actual &&
	fl issue list --escalated --json >esc2.json &&
	test_cmp esc.json esc2.json &&
	fl issue list --commune 18100 --json >c.json &&
	"$PYTHON" -c "import json; assert len(json.load(open(\"c.json\"))) == 2" &&
	fl issue list --severity high --json >h.json &&
	json_get 0.title <h.json >actual &&
	echo "Thiếu công chức địa chính – xây dựng" >expect &&
	test_cmp expect actual &&
	fl issue list >table &&
	test_line_count = 4 table &&
	grep "Nhà văn hóa tổ dân phố xuống cấp" table
'

test_expect_success 'visit list --json and show --json give back both visits' '
	fl visit list --json >vl.json &&
	fl visit show "$(cat visit1)" --json >vs1.json &&
	"$PYTHON" -c "
import json
l = json.load(open(\"vl.json\"))
v1, v2 = json.load(open(\"v1.json\")), json.load(open(\"v2.json\"))
byid = {v[\"id\"]: v for v in l}
assert len(l) == 2 and byid[v1[\"id\"]] == v1 and byid[v2[\"id\"]] == v2, l
s = json.load(open(\"vs1.json\"))
assert {k: s[k] for k in v1} == v1
"
'

test_expect_success 'report week (markdown) drafts the week from its records' '
	now 2025-09-11T08:00:00+07:00 &&
	fl report week >report.md &&
	fl report week --week 2025-W37 >report2.md &&
	test_cmp report.md report2.md &&
	for s in "2025-W37" "$MY_NAME" "Hà Tĩnh" \
		"Làm việc với UBND phường về cải cách thủ tục hành chính" \
		"Kiểm tra công tác văn thư, lưu trữ" \
		"Dự họp dân về thực hiện dân chủ ở cơ sở" \
		"Làm việc với UBND phường về bộ phận một cửa" \
		"Thiếu 2 công chức địa chính – xây dựng" \
		"Kiểm tra nhà văn hóa và bộ phận tiếp nhận hồ sơ" \
		"Thiếu công chức địa chính – xây dựng" \
		"Chậm giải quyết hồ sơ đất đai sau sắp xếp đơn vị hành chính" \
		"Nhà văn hóa tổ dân phố xuống cấp" \
		"Đề nghị Bộ hướng dẫn thẩm quyền giải quyết hồ sơ chuyển tiếp"
	do
		grep -F "$s" report.md >/dev/null || { echo "missing: $s"; return 1; }
	done &&
	grep "^#" report.md
'

test_expect_success 'report week --json: the figures are right' '
	fl report week --json >report.json &&
	json_get week from to figures <report.json >actual &&
	cat >expect <<-\EOF &&
	2025-W37
	2025-09-08
	2025-09-14
	{"planned":3,"done":1,"cancelled":1,"visits":2,"issues_opened":3,"issues_escalated":1,"issues_resolved":1}
	EOF
	test_cmp expect actual
'

test_expect_success 'report week of an empty week has zero figures' '
	fl report week --week 2025-W36 --json >empty.json &&
	"$PYTHON" -c "
import json
f = json.load(open(\"empty.json\"))[\"figures\"]
assert f and all(v == 0 for v in f.values()), f
"
'

test_expect_success 'report submit records the week as a report record' '
	now 2025-09-11T09:00:00+07:00 &&
	fl report submit --summary "Tuần 37: làm việc tại Thành Sen và Trần Phú; 1 kiến nghị gửi Bộ." --json >sub.json &&
	json_get kind week summary submitted_at author <sub.json >actual &&
	printf "%s\n" report 2025-W37 "Tuần 37: làm việc tại Thành Sen và Trần Phú; 1 kiến nghị gửi Bộ." \
		2025-09-11T09:00:00+07:00 $ME >expect &&
	test_cmp expect actual &&
	json_get figures <sub.json >actual &&
	json_get figures <report.json >expect &&
	test_cmp expect actual &&
	fl report list --json >rl.json &&
	"$PYTHON" -c "
import json
l = json.load(open(\"rl.json\"))
assert l == [json.load(open(\"sub.json\"))], l
" &&
	fl report show "$(json_get id <sub.json)" --json >rs.json &&
	json_get id week <rs.json >actual &&
	json_get id week <sub.json >expect &&
	test_cmp expect actual
'

# --- ids ----------------------------------------------------------------------------

test_expect_success 'any unique prefix of an id works, in either case' '
	I1=$(sed -n 1p issues) &&
	fl issue show "$I1" --json >full.json &&
	fl issue show "$(echo "$I1" | cut -c1-14)" --json >pre.json &&
	test_cmp full.json pre.json &&
	fl issue show "$(echo "$I1" | cut -c1-14 | tr A-Z a-z)" --json >low.json &&
	test_cmp full.json low.json
'

test_expect_success 'an ambiguous prefix is an error that lists the candidates' '
	I2=$(sed -n 2p issues) &&
	P=$(echo "$I2" | cut -c1-4) &&
	grep "^$P" issues >cands &&
	test_line_count -ge 2 cands &&
	test_must_fail fl issue show "$P" >out 2>err &&
	test_line_count = 1 err &&
	grep "^error: .*ambiguous" err &&
	for id in $(cat cands); do grep "$id" err || return 1; done &&
	test ! -s out
'

test_expect_success 'an unknown id is an error' '
	test_must_fail fl issue show 7ZZZZZZZ 2>err &&
	test_line_count = 1 err &&
	grep "^error: " err
'

# --- text --------------------------------------------------------------------------

test_expect_success 'text typed in NFD is stored in NFC' '
	nfd () { "$PYTHON" -c "import sys, unicodedata; print(unicodedata.normalize(\"NFD\", sys.argv[1]))" "$1"; } &&
	title=$(nfd "Hồ sơ đất đai tồn đọng ở Phường Thành Sen") &&
	desc=$(nfd "Cán bộ một cửa phản ánh: thiếu hướng dẫn.") &&
	test "$title" != "Hồ sơ đất đai tồn đọng ở Phường Thành Sen" &&
	now 2025-09-11T10:00:00+07:00 &&
	fl issue add --title "$title" --domain land --commune 18073 --severity low \
		--description "$desc" --json >nfd.json &&
	id=$(json_get id <nfd.json) &&
	path=$(record_path "$id") &&
	git_saved "$WS" show "main:$path" >blob &&
	grep -F "\"title\": \"Hồ sơ đất đai tồn đọng ở Phường Thành Sen\"," blob &&
	grep -F "\"description\": \"Cán bộ một cửa phản ánh: thiếu hướng dẫn.\"," blob &&
	"$PYTHON" -c "
import unicodedata
t = open(\"blob\", encoding=\"utf-8\").read()
assert unicodedata.normalize(\"NFC\", t) == t
" &&
	fl issue list --json >l.json &&
	grep -F "Hồ sơ đất đai tồn đọng ở Phường Thành Sen" l.json &&
	printf "%s\n" "$(nfd "Ghi chú của cán bộ")" | fl issue comment "$id" --text - &&
	git_saved "$WS" show "main:$path" >blob &&
	grep -F "\"text\": \"Ghi chú của cán bộ\"" blob
'

# --- the repository, with stock git and python3 ------------------------------------------

test_expect_success 'every record file, in every version, is canonical JSON in NFC' '
	git_saved "$WS" ls-tree -r --name-only main >files &&
	test_line_count = 8 files &&
	saved "$WS" && "$PYTHON" check-canonical.py "$REPO"
'

test_expect_success 'every commit: by the officer, one record, a message naming it' '
	saved "$WS" && "$PYTHON" check-commits.py "$REPO" "$MY_NAME" "$ME@fieldlog" &&
	test "$(git_saved "$WS" rev-list --count main)" -ge 18 &&
	git_saved "$WS" log --format=%s main >log &&
	I1=$(sed -n 1p issues) &&
	grep "^issue $I1: " log &&
	git_saved "$WS" fsck --no-progress
'

test_expect_success 'each saved edit is its own version, at the time it was made' '
	I3=$(sed -n 3p issues) &&
	path=$(record_path "$I3") &&
	git_saved "$WS" log --format="%aI %s" main -- "$path" >actual &&
	cat >expect <<-EOF &&
	2025-09-10T15:00:00+07:00 issue $I3: status in_progress → resolved, resolution (none) → UBND phường đã duyệt kinh phí
	2025-09-10T14:00:00+07:00 issue $I3: status open → in_progress, actions (none) → Đã đề nghị phường bố trí kinh phí sửa chữa
	2025-09-10T09:00:00+07:00 issue $I3: new, Nhà văn hóa tổ dân phố xuống cấp
	EOF
	cut -c1-26 expect >expect.when && cut -c1-26 actual >actual.when &&
	test_cmp expect.when actual.when &&
	grep "status in_progress → resolved" actual &&
	grep "status open → in_progress" actual &&
	git_saved "$WS" log --format=%H main -- "$path" | tail -n 1 >first &&
	git_saved "$WS" show "$(cat first):$path" >first.json &&
	json_get status <first.json >actual &&
	echo open >expect &&
	test_cmp expect actual
'

test_done
