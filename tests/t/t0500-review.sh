#!/bin/sh
# t0500-review: the Ministry's side. Five officers in five provinces log a
# week of work in Vietnamese and sync through a central repository (a plain
# path, made by `server init`, so its pre-receive check judges every push);
# a reviewer syncs everything and then:
#
# - filters (province, commune, officer, domain, status, severity,
#   escalated) return exactly the expected records;
# - search is diacritic-insensitive (`dat dai` finds `đất đai`, `Dong Nai`
#   finds `Đồng Nai`), puts exactly-marked text first for an accented
#   query, finds text typed decomposed (NFD) with a composed query and the
#   reverse, marks the matching words in context, and takes the filters;
# - `respond` answers an escalated issue; after the officer syncs, `issue
#   show` has the response and the effective status "answered";
# - `report weekly` names exactly the officers who did not submit, and
#   the late one;
# - `stats` counts, `export` writes CSV with a BOM that python's csv module
#   reads back with every Vietnamese string intact, and JSON;
# - bad input (unknown id, ambiguous prefix, a REV that does not exist, a
#   week that does not exist, unknown province/domain/status filters) says
#   so in one line and exits 1.

. "$(dirname "$0")/test-lib.sh"

CENTRAL=$TEST_SCRATCH/srv/central.git
OFFICERS="an binh chi dung em"

nfd () {
	"$PYTHON" -c 'import sys, unicodedata; print(unicodedata.normalize("NFD", sys.argv[1]))' "$1"
}

# ids_of <json: the "id" of each element of a JSON list, sorted, one a line.
ids_of () {
	"$PYTHON" -c '
import json, sys
print("\n".join(sorted(r["id"] for r in json.load(sys.stdin))))'
}

# hit_ids <json: the ids of search hits in rank order.
hit_ids () {
	"$PYTHON" -c '
import json, sys
for h in json.load(sys.stdin):
    print(h["id"])'
}

# sorted_ids NAME...: the ids saved in ids/NAME, sorted, one a line.
sorted_ids () {
	for _n; do cat "ids/$_n"; done | sort
}

# one_error FILE: FILE holds exactly one line, an error.
one_error () {
	test_line_count = 1 "$1" &&
	grep "^error: " "$1"
}

# add_issue WHO NAME ARGS...: issue add --json as WHO; keeps the id in ids/NAME.
add_issue () {
	_who=$1 _name=$2
	shift 2
	fl "$_who" issue add --json "$@" >out/"$_name".json &&
	json_get id <out/"$_name".json >ids/"$_name"
}

test_expect_success 'a central repository with a roster of five officers and a reviewer' '
	mkdir -p srv ws out ids &&
	fieldlog server init --allow-unsigned "$CENTRAL" >out/server-init &&
	# In id order: a person inserted mid-list is lost by fl_roster_put on
	# Debian cJSON 1.7.15 (cJSON_InsertItemInArray), see the review report.
	while read -r id prov name; do
		if [ "$prov" = - ]; then
			fieldlog roster add --repo "$CENTRAL" --id "$id" --name "$name" \
				--role reviewer --login "$id-login"
		else
			fieldlog roster add --repo "$CENTRAL" --id "$id" --name "$name" \
				--role officer --province "$prov" --login "$id-login"
		fi || return 1
	done <<-\EOF &&
	an 42 Nguyễn Văn An
	binh 75 Trần Thị Bình
	bo - Vụ Chính quyền địa phương
	chi 01 Lê Minh Chí
	dung 79 Phạm Quốc Dũng
	em 48 Hoàng Thị Em
	EOF
	git --git-dir="$CENTRAL" show main:roster.json >out/roster.json &&
	test "$(json_get people.2.id people.5.id <out/roster.json)" = "bo
em" &&
	test -x "$CENTRAL/hooks/pre-receive" &&
	now 2025-09-08T08:00:00+07:00 &&
	for o in $OFFICERS bo; do
		fl $o init --id $o --remote "$CENTRAL" >out/init-$o || return 1
	done &&
	fl an whoami --json >out/whoami &&
	test "$(json_get role province name <out/whoami)" = "officer
42
Nguyễn Văn An" &&
	fl bo whoami --json >out/whoami &&
	test "$(json_get role <out/whoami)" = reviewer
'

test_expect_success 'the officers log week 2025-W37 and sync' '
	# Hà Tĩnh: land dispute, escalated; plan, visit, report on Thursday.
	now 2025-09-08T09:00:00+07:00 &&
	add_issue an land --title "Tranh chấp đất đai ở phường Thành Sen" --domain land \
		--commune 18073 --severity high \
		--description "Hai hộ dân tranh chấp ranh giới thửa đất." &&
	fl an schedule add --date 2025-09-09 --commune 18073 --activity "Làm việc với UBND phường" \
		--json >out/schedule &&
	json_get entries.0.id <out/schedule >ids/entry &&
	fl an schedule add --date 2025-09-10 --commune 18073 --activity "Kiểm tra hồ sơ địa chính" &&
	now 2025-09-09T15:00:00+07:00 &&
	fl an visit add --date 2025-09-09 --commune 18073 --summary "Làm việc với UBND phường Thành Sen" \
		--finding "Hồ sơ địa chính chưa cập nhật" &&
	fl an schedule edit "$(cat ids/entry)" --state done &&
	fl an issue edit "$(cat ids/land)" --status escalated --escalation "Đề nghị Bộ hướng dẫn" &&

	# Đồng Nai: staffing; the description typed decomposed (NFD).
	now 2025-09-08T10:00:00+07:00 &&
	add_issue binh staff --title "Thiếu biên chế công chức tại Đồng Nai" --domain civil_servants \
		--commune 25210 --severity medium \
		--description "$(nfd "Người dân phản ánh thủ tục đất đai kéo dài ở phường Đồng Xoài")" &&

	# Hà Nội: administrative procedures, low; a visit; no weekly report.
	now 2025-09-09T09:00:00+07:00 &&
	add_issue chi proc --title "Cải cách thủ tục hành chính còn chậm" --domain admin_reform \
		--commune 00004 --severity low &&
	fl chi visit add --date 2025-09-09 --commune 00004 --summary "Khảo sát bộ phận một cửa" \
		--finding "Dữ liệu dân cư chưa đồng bộ" &&

	# Hồ Chí Minh: a land complaint, urgent and escalated at once.
	now 2025-09-10T09:00:00+07:00 &&
	add_issue dung complaint --title "Khiếu nại kéo dài về đất đai" --domain land \
		--commune 25747 --severity urgent --status escalated \
		--escalation "Vượt thẩm quyền cấp xã" &&

	# Đà Nẵng: same letters, other marks: "đạt" and "đài", resolved; no report.
	now 2025-09-10T10:00:00+07:00 &&
	add_issue em decoy --title "Xã đạt chuẩn nhưng đài truyền thanh hỏng" --domain local_government \
		--commune 20194 --severity medium &&
	fl em issue edit "$(cat ids/decoy)" --status resolved --resolution "Đã sửa" &&

	# Weekly reports: an and dung on time, binh on Friday (late).
	now 2025-09-11T16:00:00+07:00 &&
	fl an report submit --week 2025-W37 --summary "Tuần làm việc tại Thành Sen" &&
	fl dung report submit --week 2025-W37 --summary "Đã báo cáo khiếu nại" --json >out/dung-report &&
	json_get id <out/dung-report >ids/dung-report &&
	now 2025-09-12T08:30:00+07:00 &&
	fl binh report submit --week 2025-W37 --summary "Nộp muộn" &&

	now 2025-09-12T09:00:00+07:00 &&
	for o in $OFFICERS; do
		fl $o sync >out/sync-$o || return 1
	done &&
	fl bo sync >out/sync-bo &&
	grep "received" out/sync-bo &&
	fl bo issue list --json >out/all &&
	sorted_ids land staff proc complaint decoy >expect &&
	ids_of <out/all >actual &&
	test_cmp expect actual
'

test_expect_success 'filters return exactly the expected records' '
	check () {
		_want=$1
		shift
		sorted_ids $_want >expect &&
		fl bo issue list --json "$@" >out/filter &&
		ids_of <out/filter >actual &&
		test_cmp expect actual
	} &&
	check staff --province 75 &&
	check land --province 42 &&
	check complaint --province 79 &&
	check complaint --commune 25747 &&
	check proc --officer chi &&
	check proc --domain admin_reform &&
	check "land complaint" --domain land &&
	check complaint --severity urgent &&
	check "land complaint" --status escalated &&
	check "land complaint" --escalated &&
	check decoy --status resolved &&
	check staff --province 75 --severity medium &&
	fl bo visit list --province 01 --json >out/visits &&
	test "$(json_get 0.author <out/visits)" = chi &&
	test "$(ids_of <out/visits | wc -l)" -eq 1 &&
	fl bo report list --week 2025-W37 --json >out/reports &&
	test "$(ids_of <out/reports | wc -l)" -eq 3
'

test_expect_success 'search: unaccented words find marked text, đ included' '
	fl bo search dat dai --json >out/s1 &&
	hit_ids <out/s1 | sort >actual &&
	sorted_ids land staff complaint decoy >expect &&
	test_cmp expect actual &&
	fl bo search "Dong Nai" --json >out/s2 &&
	hit_ids <out/s2 >actual &&
	cat ids/staff >expect &&
	test_cmp expect actual &&
	test "$(json_get 0.field 0.kind 0.author <out/s2)" = "title
issue
binh"
'

test_expect_success 'search: an accented query ranks exactly-marked text first' '
	fl bo search "đất đai" --json >out/s3 &&
	hit_ids <out/s3 >ranked &&
	test_line_count = 4 ranked &&
	tail -n 1 ranked >actual &&
	cat ids/decoy >expect &&
	test_cmp expect actual &&
	fl bo search "đạt đài" --json >out/s4 &&
	hit_ids <out/s4 | head -n 1 >actual &&
	test_cmp expect actual
'

test_expect_success 'search: among equally marked hits, the latest change comes first' '
	fl bo search dat dai --json >out/s10 &&
	hit_ids <out/s10 >actual &&
	for n in decoy complaint land staff; do cat ids/$n; done >expect &&
	test_cmp expect actual &&
	now 2025-09-12T10:00:00+07:00 &&
	fl binh issue edit "$(cat ids/staff)" --severity high &&
	fl binh sync &&
	fl bo sync &&
	fl bo search dat dai --json >out/s11 &&
	hit_ids <out/s11 >actual &&
	for n in staff decoy complaint land; do cat ids/$n; done >expect &&
	test_cmp expect actual
'

test_expect_success 'search: whole words, unless the word ends in *' '
	fl bo search ranh gio --json >out/s12 &&
	test "$(cat out/s12)" = "[]" &&
	fl bo search "ranh gio*" --json >out/s13 &&
	hit_ids <out/s13 >actual &&
	cat ids/land >expect &&
	test_cmp expect actual &&
	fl bo search "ranh gio*" >out/s14 &&
	grep "\[ranh\] \[giới\]" out/s14 &&
	fl bo search "Thanh Sen" --json >out/s15 &&
	n=$(hit_ids <out/s15 | sort -u | wc -l) &&
	test "$n" -ge 2 &&
	fl bo search "Thanh Sen" --limit 1 >out/s16 &&
	grep "^1 of $n records shown" out/s16
'

test_expect_success 'search: NFD text is found by NFC queries and the reverse' '
	fl binh issue show "$(cat ids/staff)" --json >out/staff &&
	"$PYTHON" -c "
import json, sys, unicodedata
d = json.load(open(\"out/staff\"))[\"description\"]
assert unicodedata.is_normalized(\"NFC\", d), d
assert d == unicodedata.normalize(\"NFC\", \"Người dân phản ánh thủ tục đất đai kéo dài ở phường Đồng Xoài\")
" &&
	fl bo search "thủ tục" --json >out/s5 &&
	hit_ids <out/s5 | sort >actual &&
	sorted_ids staff proc >expect &&
	test_cmp expect actual &&
	fl bo search "$(nfd "thủ tục đất đai")" --json >out/s6 &&
	hit_ids <out/s6 >actual &&
	cat ids/staff >expect &&
	test_cmp expect actual &&
	fl bo search "$(nfd "ranh giới")" --json >out/s7 &&
	hit_ids <out/s7 >actual &&
	cat ids/land >expect &&
	test_cmp expect actual
'

test_expect_success 'search: matching words are marked in the original text' '
	fl bo search thu tuc dat --json >out/s8 &&
	test "$(json_get 0.field 0.snippet <out/s8)" = "description
Người dân phản ánh [thủ] [tục] [đất] đai kéo dài ở phường Đồng Xoài" &&
	fl bo search "ho so dia chinh" >out/s9 &&
	grep "^visit " out/s9 &&
	grep "finding.*\[Hồ\] \[sơ\] \[địa\] \[chính\] chưa cập nhật" out/s9
'

test_expect_success 'search: filters apply, nothing found is not an error' '
	fl bo search dat dai --province 79 --json >out/s10 &&
	hit_ids <out/s10 >actual &&
	cat ids/complaint >expect &&
	test_cmp expect actual &&
	fl bo search dat dai --officer em --json >out/s11 &&
	hit_ids <out/s11 >actual &&
	cat ids/decoy >expect &&
	test_cmp expect actual &&
	fl bo search dat dai --kind visit --json >out/s12 &&
	test "$(cat out/s12)" = "[]" &&
	fl bo search xyzzy >out/s13 &&
	test "$(cat out/s13)" = "0 records found" &&
	fl bo search dat --limit 2 --json >out/s14 &&
	test "$(hit_ids <out/s14 | wc -l)" -eq 2
'

test_expect_success 'respond: only reviewers, and the kind of answer must fit' '
	land=$(cat ids/land) &&
	test_must_fail fl an respond "$land" --status answered --text "tự trả lời" 2>err &&
	one_error err &&
	test_must_fail fl bo respond "$land" --state approved --text "x" 2>err &&
	one_error err &&
	test_must_fail fl bo respond "$(cat ids/dung-report)" --status answered --text "x" 2>err &&
	one_error err &&
	test_must_fail fl bo respond "$land" --status open --text "x" 2>err &&
	one_error err &&
	visit=$(fl bo visit list --officer chi --json | json_get 0.id) &&
	test_must_fail fl bo respond "$visit" --status answered --text "x" 2>err &&
	one_error err &&
	grep "is a visit" err
'

test_expect_success 'respond: the answer reaches the officer and changes the status' '
	land=$(cat ids/land) &&
	now 2025-09-12T14:00:00+07:00 &&
	fl bo respond "$land" --status answered \
		--text "Bộ Nội vụ đã có văn bản hướng dẫn về ranh giới" >out/respond &&
	grep "issue $land answered" out/respond &&
	fl bo respond "$(cat ids/dung-report)" --state approved --text "Báo cáo đầy đủ" &&
	fl bo issue list --status answered --json >out/answered &&
	ids_of <out/answered >actual &&
	cat ids/land >expect &&
	test_cmp expect actual &&
	fl bo sync &&
	fl an sync &&
	fl an issue show "$land" --json >out/land &&
	test "$(json_get status effective_status responses.0.state responses.0.author <out/land)" = "escalated
answered
answered
bo" &&
	test "$(json_get responses.0.text <out/land)" = "Bộ Nội vụ đã có văn bản hướng dẫn về ranh giới" &&
	fl an issue show "$land" >out/land.txt &&
	grep "^status *answered (officer: escalated)" out/land.txt &&
	fl bo search van ban huong dan --json >out/s15 &&
	test "$(json_get 0.kind 0.record.target <out/s15)" = "response
$land"
'

test_expect_success 'report weekly names exactly who did not submit, and who was late' '
	now 2025-09-12T15:00:00+07:00 &&
	fl bo report weekly --week 2025-W37 --json >out/weekly &&
	test "$(json_get missing late <out/weekly)" = "[\"chi\",\"em\"]
[\"binh\"]" &&
	"$PYTHON" -c "
import json
w = json.load(open(\"out/weekly\"))
assert [p[\"province\"] for p in w[\"provinces\"]] == [\"01\", \"42\", \"48\", \"75\", \"79\"], w
an = [o for p in w[\"provinces\"] for o in p[\"officers\"] if o[\"id\"] == \"an\"][0]
assert (an[\"planned\"], an[\"done\"], an[\"visits\"], an[\"opened\"], an[\"escalated\"], an[\"answered\"], an[\"report\"]) == (2, 1, 1, 1, 1, 1, \"on_time\"), an
em = [o for p in w[\"provinces\"] for o in p[\"officers\"] if o[\"id\"] == \"em\"][0]
assert (em[\"resolved\"], em[\"report\"]) == (1, \"missing\"), em
# dung escalated on Wednesday: still unanswered, two days old on Friday
assert [(u[\"officer\"], u[\"age_days\"]) for u in w[\"unanswered\"]] == [(\"dung\", 2)], w[\"unanswered\"]
" &&
	fl bo report weekly --week 2025-W37 >out/weekly.md &&
	sed -n "/^## Báo cáo tuần chưa nộp/,/^## Nộp muộn/p" out/weekly.md | grep "^- " >actual &&
	printf "%s\n" "- Lê Minh Chí (chi)" "- Hoàng Thị Em (em)" >expect &&
	test_cmp expect actual &&
	fl an report weekly --week 2025-W38 --json >out/weekly38 &&
	test "$(json_get missing <out/weekly38)" = "[\"chi\",\"an\",\"em\",\"binh\",\"dung\"]"
'

test_expect_success 'stats count issues by province, domain, status and severity' '
	fl bo stats --json >out/stats &&
	test "$(json_get total by_province.42 by_province.75 by_domain.land by_status.answered by_status.escalated by_status.resolved by_severity.urgent <out/stats)" = "5
1
1
2
1
1
1
1" &&
	fl bo stats --province 79 --json >out/stats79 &&
	test "$(json_get total <out/stats79)" = 1 &&
	fl bo stats >out/stats.txt &&
	grep "^5 issues" out/stats.txt
'

test_expect_success 'export CSV: BOM, parses with csv, Vietnamese intact' '
	fl bo export --format csv --kind issue -o issues.csv 2>out/export-msg &&
	grep "5 records exported" out/export-msg &&
	test "$(head -c 3 issues.csv | od -An -tx1 | tr -d " ")" = efbbbf &&
	fl bo issue list --json >out/issues.json &&
	"$PYTHON" - <<-\EOF
	import csv, json
	with open("issues.csv", encoding="utf-8-sig", newline="") as f:
	    rows = list(csv.DictReader(f))
	recs = {r["id"]: r for r in json.load(open("out/issues.json", encoding="utf-8"))}
	assert len(rows) == 5 == len(recs), rows
	for row in rows:
	    rec = recs[row["id"]]
	    for k in ("title", "description", "escalation", "resolution", "domain", "author",
	              "severity", "status"):
	        assert row[k] == rec[k], (k, row[k], rec[k])
	    assert json.loads(row["communes"]) == rec["communes"]
	land = [r for r in rows if r["title"].startswith("Tranh chấp đất đai")][0]
	assert land["effective_status"] == "answered", land
	EOF
'

test_expect_success 'export: every kind as CSV and JSON, to stdout' '
	fl bo export --format csv >all.csv &&
	fl bo export --format json >all.json &&
	"$PYTHON" - <<-\EOF
	import csv, json, subprocess
	recs = json.load(open("all.json", encoding="utf-8"))
	kinds = sorted(set(r["kind"] for r in recs))
	assert kinds == ["issue", "report", "response", "schedule", "visit"], kinds
	with open("all.csv", encoding="utf-8-sig", newline="") as f:
	    rows = list(csv.DictReader(f))
	assert [r["id"] for r in rows] == [r["id"] for r in recs]
	for row, rec in zip(rows, recs):
	    for k, v in rec.items():
	        if isinstance(v, str):
	            assert row[k] == v, (k, row[k], v)
	assert rows[-1]["kind"] == "response"
	EOF
	fl bo export --format json --kind visit --province 42 >visits.json &&
	test "$(json_get 0.author 0.findings.0 <visits.json)" = "an
Hồ sơ địa chính chưa cập nhật"
'

test_expect_success 'bad input: one line, exit 1' '
	bad () {
		test_must_fail --exit=1 fl bo "$@" 2>err &&
		one_error err
	} &&
	land=$(cat ids/land) staff=$(cat ids/staff) &&
	prefix=$("$PYTHON" -c "import os, sys; print(os.path.commonprefix(sys.argv[1:]))" "$land" "$staff") &&
	test ${#prefix} -ge 4 &&
	bad log ZZZZZZZZ &&
	bad diff ZZZZZZZZ &&
	bad respond ZZZZZZZZ --status answered --text x &&
	bad issue show ZZZZZZZZ &&
	bad log "$prefix" &&
	grep ambiguous err &&
	bad diff "$prefix" &&
	bad respond "$prefix" --status answered --text x &&
	bad diff "$land" 99 &&
	bad diff "$land" 1 7 &&
	bad diff "$land" 2020-01-01 &&
	bad diff "$land" deadbeef &&
	bad diff "$land" not-a-rev &&
	bad diff "$land" 2025-02-30 &&
	bad report weekly --week 2025-W54 &&
	grep "2025-W54" err &&
	bad issue list --week 2025-W54 &&
	bad issue list --province 99 &&
	bad issue list --domain nope &&
	bad issue list --status waiting &&
	bad search dat --province 99 &&
	bad search dat --status waiting &&
	bad search dat --kind nope &&
	bad stats --domain nope &&
	bad export --format xml &&
	bad export --kind nope &&
	bad export --status waiting
'

test_done
