#!/bin/sh
# t0510-history: `fieldlog log` and `fieldlog diff`.
#
# - an issue saved five times (created, then edited four times on four
#   days) has five versions in order, each with its commit (the same ones
#   stock git lists for the file), author, time and the right changes;
# - `diff` between the first and the last version gives the expected
#   {path, old, new} list; REV as a version number, a commit prefix or a
#   date; the default is the last change; long text as a unified diff;
# - a reviewer's response is slotted in between versions by time;
# - one officer on two devices edits the same field differently: after
#   both sync, `log` on either device shows the merge and the conflict;
# - a deleted record keeps its history.

. "$(dirname "$0")/test-lib.sh"

CENTRAL=$TEST_SCRATCH/central.git

test_expect_success 'a central repository, an officer and a reviewer' '
	mkdir ws out &&
	git -c init.defaultBranch=main init -q --bare "$CENTRAL" &&
	git init -q seed &&
	cat >seed/roster.json <<-\EOF &&
	{
	  "schema": 1,
	  "people": [
	    {
	      "id": "an",
	      "name": "Nguyễn Văn An",
	      "role": "officer",
	      "provinces": [
	        "42"
	      ],
	      "login": "an"
	    },
	    {
	      "id": "bo",
	      "name": "Vụ Chính quyền địa phương",
	      "role": "reviewer",
	      "provinces": [],
	      "login": "bo"
	    }
	  ]
	}
	EOF
	git -C seed add roster.json &&
	git -C seed commit -q -m roster &&
	git -C seed push -q "$CENTRAL" HEAD:refs/heads/main &&
	now 2025-09-08T08:00:00+07:00 &&
	fl an init --id an --remote "$CENTRAL" &&
	fl bo init --id bo --remote "$CENTRAL"
'

test_expect_success 'an issue saved five times' '
	now 2025-09-08T09:00:00+07:00 &&
	fl an issue add --title "Chậm chi trả trợ cấp" --domain meritorious --commune 18073 \
		--severity medium --description "$(printf "dòng một\ndòng hai\ndòng ba")" \
		--json >out/add &&
	json_get id <out/add >id &&
	id=$(cat id) &&
	now 2025-09-09T10:00:00+07:00 &&
	fl an issue edit "$id" --status in_progress &&
	now 2025-09-10T11:00:00+07:00 &&
	fl an issue edit "$id" --severity high &&
	now 2025-09-11T12:00:00+07:00 &&
	fl an issue edit "$id" --description "$(printf "dòng một\ndòng 2\ndòng ba\ndòng bốn")" &&
	now 2025-09-12T13:00:00+07:00 &&
	fl an issue edit "$id" --status escalated --escalation "Xin ý kiến Bộ"
'

test_expect_success 'log: five versions, oldest first, with what changed' '
	id=$(cat id) &&
	fl an log "$id" --json >out/log.json &&
	"$PYTHON" - "$id" <<-\EOF &&
	import json, sys
	log = json.load(open("out/log.json", encoding="utf-8"))
	assert [e["type"] for e in log] == ["version"] * 5, log
	assert [e["version"] for e in log] == [1, 2, 3, 4, 5]
	assert [e["time"] for e in log] == [
	    "2025-09-08T09:00:00+07:00", "2025-09-09T10:00:00+07:00",
	    "2025-09-10T11:00:00+07:00", "2025-09-11T12:00:00+07:00",
	    "2025-09-12T13:00:00+07:00"], log
	assert all(e["author"] == "Nguyễn Văn An" and not e["merge"] for e in log)
	assert [e["summary"] for e in log] == [
	    "created: Chậm chi trả trợ cấp",
	    "status: open → in_progress",
	    "severity: medium → high",
	    "description: 3 lines changed",
	    "status: in_progress → escalated; escalation: set to \"Xin ý kiến Bộ\"",
	], [e["summary"] for e in log]
	assert [c["path"] for c in log[4]["changes"]] == ["status", "escalation"]
	assert log[2]["changes"] == [{"path": "severity", "old": "medium", "new": "high"}]
	with open("commits", "w") as f:
	    f.write("".join(e["commit"] + "\n" for e in log))
	EOF
	path=$(git_saved ws/an ls-tree -r --name-only main | grep "/$id.json\$") &&
	git -C ws/an/repo.git log --reverse --format=%H main -- "$path" >expect &&
	test_cmp expect commits &&
	fl an log "$id" >out/log &&
	grep -c "^v[1-5]  " out/log >count &&
	echo 5 >expect &&
	test_cmp expect count &&
	grep -A1 "^v3  $(sed -n 3p commits | cut -c1-8)  Wed 10 Sep 2025 11:00  Nguyễn Văn An\$" out/log >actual &&
	printf "%s\n" "$(sed -n "/^v3/p" actual)" "    severity: medium → high" >expect &&
	test_cmp expect actual
'

test_expect_success 'diff first..last: the expected {path, old, new} list' '
	id=$(cat id) &&
	fl an diff "$id" 1 5 --json >out/diff15 &&
	cat >expect.json <<-\EOF &&
	[
	  {
	    "path": "description",
	    "old": "dòng một\ndòng hai\ndòng ba",
	    "new": "dòng một\ndòng 2\ndòng ba\ndòng bốn"
	  },
	  {
	    "path": "severity",
	    "old": "medium",
	    "new": "high"
	  },
	  {
	    "path": "status",
	    "old": "open",
	    "new": "escalated"
	  },
	  {
	    "path": "escalation",
	    "old": "",
	    "new": "Xin ý kiến Bộ"
	  }
	]
	EOF
	test_cmp expect.json out/diff15
'

test_expect_success 'diff: REV as version, commit prefix or date; default is the last change' '
	id=$(cat id) &&
	fl an diff "$id" --json >out/default &&
	fl an diff "$id" 4 5 --json >out/d45 &&
	test_cmp out/d45 out/default &&
	test "$(json_get 0.path 1.path <out/default)" = "status
escalation" &&
	c2=$(sed -n 2p commits | cut -c1-7) c3=$(sed -n 3p commits | cut -c1-10) &&
	fl an diff "$id" "$c2" "$c3" --json >out/dc &&
	fl an diff "$id" 2 3 --json >out/d23 &&
	test_cmp out/d23 out/dc &&
	test "$(json_get 0.path 0.old 0.new <out/d23)" = "severity
medium
high" &&
	fl an diff "$id" 2025-09-09 2025-09-10 --json >out/dd &&
	test_cmp out/d23 out/dd &&
	fl an diff "$id" 3 --json >out/d3 &&
	fl an diff "$id" 3 5 --json >out/d35 &&
	test_cmp out/d35 out/d3 &&
	fl an diff "$id" 2 2 --json >out/same &&
	test "$(cat out/same)" = "[]"
'

test_expect_success 'diff: long text as a unified line diff' '
	id=$(cat id) &&
	fl an diff "$id" 3 4 >out/d34 &&
	sed 1d out/d34 >actual &&
	cat >expect <<-\EOF &&
	description:
	    @@ -1,3 +1,4 @@
	     dòng một
	    -dòng hai
	    +dòng 2
	     dòng ba
	    +dòng bốn
	EOF
	test_cmp expect actual &&
	head -n 1 out/d34 | grep "^issue $id: v3 (.*) → v4 (.*)\$"
'

test_expect_success 'log: a response sits between the versions it came between' '
	id=$(cat id) &&
	fl an sync &&
	fl bo sync &&
	now 2025-09-13T08:00:00+07:00 &&
	fl bo respond "$id" --status answered --text "Đã chuyển Cục Người có công" &&
	fl bo sync &&
	now 2025-09-14T09:00:00+07:00 &&
	fl an sync &&
	fl an issue comment "$id" --text "Đã nhận ý kiến" &&
	fl an log "$id" --json >out/log2.json &&
	"$PYTHON" -c "
import json
log = json.load(open(\"out/log2.json\"))
print(\" \".join(e[\"type\"] + (str(e.get(\"version\", \"\"))) for e in log))
" >actual &&
	echo "version1 version2 version3 version4 version5 response version6" >expect &&
	test_cmp expect actual &&
	test "$(json_get 5.author 5.state 5.text 6.summary <out/log2.json)" = "bo
answered
Đã chuyển Cục Người có công
comments: 1 added" &&
	fl an log "$id" >out/log2 &&
	grep -A1 "^response " out/log2 | grep "answered: Đã chuyển Cục Người có công"
'

test_expect_success 'two devices of one officer: the merge conflict shows in log' '
	id=$(cat id) &&
	now 2025-09-15T08:00:00+07:00 &&
	fl an sync &&
	fl an2 init --id an --remote "$CENTRAL" &&
	now 2025-09-15T09:00:00+07:00 &&
	fl an issue edit "$id" --severity urgent --actions "Đã làm việc với Sở" &&
	now 2025-09-15T09:30:00+07:00 &&
	fl an2 issue edit "$id" --severity low --resolution "Chờ hướng dẫn" &&
	now 2025-09-15T10:00:00+07:00 &&
	fl an sync &&
	fl an2 sync >out/sync-an2 &&
	grep "conflicts 1" out/sync-an2 &&
	fl an sync &&
	for w in an an2; do
		fl $w log "$id" --json >out/log-$w.json &&
		fl $w log "$id" >out/log-$w || return 1
	done &&
	test_cmp out/log-an.json out/log-an2.json &&
	"$PYTHON" - <<-\EOF &&
	import json
	log = json.load(open("out/log-an.json", encoding="utf-8"))
	last = log[-1]
	assert last["type"] == "version" and last["merge"], last
	assert [c["path"] for c in last["conflicts"]] == ["severity"], last
	assert last["conflicts"][0]["kept"] in ("ours", "theirs"), last
	edits = [e for e in log if e["type"] == "version" and e["time"].startswith("2025-09-15T09")]
	assert sorted(e["summary"] for e in edits) == [
	    "severity: high → low; resolution: set to \"Chờ hướng dẫn\"",
	    "severity: high → urgent; actions: set to \"Đã làm việc với Sở\"",
	], edits
	EOF
	grep "(merge)" out/log-an &&
	grep "^    conflict: severity: ours \"[a-z]*\", theirs \"[a-z]*\", kept [a-z]*\$" out/log-an &&
	git_saved ws/an log -1 --format=%B main >msg &&
	grep "^Fieldlog-Conflict: $id severity: " msg &&
	fl an diff "$id" --json >out/merge-diff &&
	test -s out/merge-diff
'

test_expect_success 'a deleted record keeps its history' '
	now 2025-09-16T08:00:00+07:00 &&
	fl an visit add --date 2025-09-16 --commune 18073 --summary "Thăm xã" --json >out/visit &&
	vid=$(json_get id <out/visit) &&
	now 2025-09-16T09:00:00+07:00 &&
	fl an delete "$vid" &&
	fl an log "$vid" --json >out/vlog &&
	test "$(json_get 0.summary 1.summary <out/vlog)" = "created: Thăm xã
deleted: false → true" &&
	fl an diff "$vid" 1 2 --json >out/vdiff &&
	test "$(json_get 0.path 0.old 0.new <out/vdiff)" = "deleted
false
true"
'

test_expect_success 'bad revisions and ids: one line, exit 1' '
	id=$(cat id) &&
	for rev in 0 99 2025-09-01 2030-13-01 abcdef0 zzzz x; do
		test_must_fail --exit=1 fl an diff "$id" $rev 2>err &&
		test_line_count = 1 err &&
		grep "^error: " err || return 1
	done &&
	test_must_fail --exit=1 fl an log 0000000000 2>err &&
	test_line_count = 1 err &&
	test_must_fail --exit=2 fl an diff "$id" 1 2 3 2>err
'

test_done
