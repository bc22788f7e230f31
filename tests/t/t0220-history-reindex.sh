#!/bin/sh
# t0220-history-reindex: repo.git is the source of truth, index.db only an
# index of it (docs/design.md, "The index").
#
# - `reindex` after deleting index.db gives byte-identical list/show/report
#   output, and so does running without index.db at all;
# - `delete ID` writes a tombstone: the file stays in git with "deleted": true,
#   lists hide it, `list --deleted` shows it, the history keeps every version;
# - crash recovery: when the index is behind the repository (a crash between
#   the commit and the index update), the next command catches up.

. "$(dirname "$0")/test-lib.sh"

WS=$TEST_SCRATCH/ws
REPO=$WS/repo.git
ME=pham.thi.dung

fl () {
	fieldlog -C "$WS" "$@"
}

record_path () {
	git_saved "$WS" ls-tree -r --name-only main | grep "/$1\.json\$"
}

# answers FILE: everything the index answers, in one file.
answers () {
	{
		for k in schedule visit issue report; do
			echo "== $k list --json" &&
			fl $k list --json &&
			echo "== $k list --deleted --json" &&
			fl $k list --deleted --json &&
			echo "== $k list" &&
			fl $k list --deleted || return 1
		done &&
		for id in $(cat ids); do
			echo "== show $id" &&
			fl issue show "$id" --json 2>/dev/null ||
			fl visit show "$id" --json 2>/dev/null ||
			fl schedule show "$id" --json 2>/dev/null ||
			fl report show "$id" --json || return 1
		done &&
		echo "== issue list filters" &&
		fl issue list --commune 25210 --json &&
		fl issue list --status escalated --json &&
		fl issue list --domain employment --json &&
		fl issue list --week 2025-W37 --json &&
		fl visit list --since 2025-09-09 --until 2025-09-10 --json &&
		echo "== report week" &&
		fl report week --week 2025-W37 --json &&
		fl report week --week 2025-W37 &&
		{ fl schedule show 2025-W38 --json || echo "(no plan for 2025-W38)"; } &&
		echo "== reference data" &&
		fl communes "dong xoai" --json &&
		fl domains --json &&
		fl provinces --json
	} >"$1"
}

# set_meta DB KEY VALUE: changes the meta table of index DB, as a crash could leave it
# (sqlite3 may not be installed: python3's module does it).
set_meta () {
	"$PYTHON" -c "
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n = db.execute(\"UPDATE meta SET value = ? WHERE key = ?\", (sys.argv[3], sys.argv[2])).rowcount
db.commit()
sys.exit(0 if n == 1 else \"no meta key %r\" % sys.argv[2])
" "$1" "$2" "$3"
}

test_expect_success 'set-up: two weeks of an officer in Đồng Nai' '
	now 2025-09-08T08:00:00+07:00 &&
	fl init --id $ME --name "Phạm Thị Dung" --role officer --province 75 &&
	fl schedule add --date 2025-09-08 --commune 25210 --activity "Làm việc với UBND phường Đồng Xoài" &&
	fl schedule add --date 2025-09-10 --commune 25210 --activity "Kiểm tra bộ phận một cửa" --json >s37.json &&
	fl schedule edit "$(json_get entries.0.id <s37.json)" --state done &&
	now 2025-09-09T15:00:00+07:00 &&
	fl visit add --date 2025-09-09 --commune 25210 --summary "Làm việc về việc làm cho thanh niên" \
		--met "Bà Nguyễn Thị Hoa" --finding "Thiếu chỉ tiêu đào tạo nghề" --json >v1.json &&
	fl issue add --title "Thiếu chỉ tiêu đào tạo nghề cho thanh niên" --domain employment \
		--commune 25210 --severity medium --description "Năm 2025 chỉ có 20 chỉ tiêu." --json >i1.json &&
	fl issue add --title "Chậm chi trả trợ cấp người có công" --domain meritorious \
		--commune 25210 --severity high --json >i2.json &&
	fl issue add --title "Trụ sở tạm sau sắp xếp quá chật" --domain local_government \
		--commune 25210 --severity low --json >i3.json &&
	now 2025-09-10T09:00:00+07:00 &&
	fl issue edit "$(json_get id <i2.json)" --status escalated --escalation "Đề nghị Bộ hướng dẫn" &&
	fl issue comment "$(json_get id <i2.json)" --text "Đã có 12 hồ sơ chờ" &&
	fl visit add --date 2025-09-10 --commune 25210 --summary "Kiểm tra bộ phận một cửa" \
		--issue "$(json_get id <i3.json)" --json >v2.json &&
	now 2025-09-11T09:00:00+07:00 &&
	fl report submit --summary "Tuần 37 ở Đồng Xoài" --json >r37.json &&
	now 2025-09-15T08:00:00+07:00 &&
	fl schedule add --date 2025-09-16 --commune 25210 --activity "Theo dõi chi trả trợ cấp" --json >s38.json &&
	for f in s37 v1 i1 i2 i3 v2 r37 s38; do json_get id <$f.json >>ids || return 1; done &&
	test_line_count = 8 ids
'

test_expect_success 'reindex after deleting index.db gives identical answers' '
	answers before &&
	rm "$WS/index.db" &&
	fl reindex >out &&
	test -f "$WS/index.db" &&
	answers after &&
	test_cmp before after
'

test_expect_success 'list --json of each kind is byte-identical after a rebuild' '
	for k in issue visit schedule report; do
		fl $k list --json >"$k.before" || return 1
	done &&
	rm "$WS/index.db" &&
	FIELDLOG_TRACE=2 fl reindex 2>trace &&
	# the trace with memory (FIELDLOG_TRACE=2) shows what the rebuild held
	grep "^trace: .* \[ *[0-9]* MB\] import: committed$" trace &&
	for k in issue visit schedule report; do
		fl $k list --json >"$k.after" &&
		test_cmp "$k.before" "$k.after" || return 1
	done &&
	test "$(json_get 0.id <issue.after)" != ""
'

test_expect_success 'reindex on a sound index changes nothing; twice neither' '
	fl reindex &&
	fl reindex &&
	answers again &&
	test_cmp before again
'

test_expect_success 'without index.db at all, the next command rebuilds it' '
	rm "$WS/index.db" &&
	fl issue list --json >issue.noindex &&
	test_cmp issue.before issue.noindex &&
	answers after &&
	test_cmp before after
'

# broken_copy: a copy of the workspace in ws-broken, to damage its index.
broken_copy () {
	rm -rf ws-broken &&
	cp -R "$WS" ws-broken
}

test_expect_success 'an unreadable index.db: a clear one-line error (or a rebuild)' '
	broken_copy &&
	echo "this is not a database" >ws-broken/index.db &&
	fieldlog -C ws-broken issue list --json >out 2>err
	st=$?
	cat err &&
	if [ $st -eq 0 ]; then
		test_cmp issue.before out
	else
		test $st -eq 1 &&
		test_line_count = 1 err &&
		grep "^error: " err
	fi
'

test_expect_success 'an unreadable index.db: reindex mends it' '
	broken_copy &&
	echo "this is not a database" >ws-broken/index.db &&
	fieldlog -C ws-broken reindex &&
	fieldlog -C ws-broken issue list --json >out &&
	test_cmp issue.before out
'

test_expect_success 'an index whose commit is not in repo.git: catches up or says so in one line' '
	broken_copy &&
	set_meta ws-broken/index.db indexed_commit 0123456789abcdef0123456789abcdef01234567 &&
	fieldlog -C ws-broken issue list --json >out 2>err
	st=$?
	cat err &&
	if [ $st -eq 0 ]; then
		test_cmp issue.before out
	else
		test $st -eq 1 &&
		test_line_count = 1 err &&
		grep "^error: " err
	fi &&
	fieldlog -C ws-broken reindex &&
	fieldlog -C ws-broken issue list --json >out &&
	test_cmp issue.before out
'

# --- tombstones ----------------------------------------------------------------

test_expect_success 'delete writes a tombstone: the file stays, with "deleted": true' '
	I1=$(json_get id <i1.json) &&
	path=$(record_path "$I1") &&
	git_saved "$WS" show "main:$path" >before.json &&
	now 2025-09-15T09:00:00+07:00 &&
	fl delete "$(echo "$I1" | cut -c1-12)" &&
	git_saved "$WS" show "main:$path" >after.json &&
	json_get deleted updated_at <after.json >actual &&
	printf "%s\n" true 2025-09-15T09:00:00+07:00 >expect &&
	test_cmp expect actual &&
	"$PYTHON" -c "
import json
b, a = json.load(open(\"before.json\")), json.load(open(\"after.json\"))
assert b[\"deleted\"] is False and a[\"deleted\"] is True
for k in b:
    if k not in (\"deleted\", \"updated_at\"):
        assert a[k] == b[k], k
assert list(a) == list(b)
" &&
	git_saved "$WS" log -1 --format=%s main >actual &&
	echo "issue $I1: deleted" >expect &&
	test_cmp expect actual &&
	git_saved "$WS" diff --name-status main~1 main >changes &&
	printf "M\t%s\n" "$path" >expect &&
	test_cmp expect changes
'

test_expect_success 'lists no longer show a deleted record; list --deleted does; show still does' '
	I1=$(json_get id <i1.json) &&
	fl issue list --json >l.json &&
	! grep "$I1" l.json &&
	test "$(json_get 0.id <l.json)" != "" &&
	fl issue list >table &&
	! grep "Thiếu chỉ tiêu đào tạo nghề" table &&
	fl issue list --deleted --json >ld.json &&
	grep "$I1" ld.json &&
	fl issue list --deleted >table &&
	grep "Thiếu chỉ tiêu đào tạo nghề" table &&
	fl issue show "$I1" --json >s.json &&
	json_get deleted <s.json >actual &&
	echo true >expect &&
	test_cmp expect actual
'

test_expect_success 'a deleted issue no longer counts in the week report' '
	fl report week --week 2025-W37 --json >w.json &&
	json_get figures.issues_opened <w.json >actual &&
	echo 2 >expect &&
	test_cmp expect actual
'

test_expect_success 'deleting twice is an error that writes nothing' '
	I1=$(json_get id <i1.json) &&
	head=$(git_saved "$WS" rev-parse main) &&
	test_must_fail fl delete "$I1" 2>err &&
	test_line_count = 1 err &&
	grep "^error: " err &&
	test "$(git_saved "$WS" rev-parse main)" = "$head"
'

test_expect_success 'a deleted record cannot be edited or commented on' '
	I1=$(json_get id <i1.json) &&
	head=$(git_saved "$WS" rev-parse main) &&
	test_must_fail fl issue edit "$I1" --title "Sửa sau khi xoá" 2>err &&
	test_line_count = 1 err &&
	test_must_fail fl issue comment "$I1" --text "Bình luận sau khi xoá" 2>err &&
	test_line_count = 1 err &&
	test "$(git_saved "$WS" rev-parse main)" = "$head"
'

test_expect_success 'a deleted visit cannot be edited' '
	V1=$(json_get id <v1.json) &&
	now 2025-09-15T09:30:00+07:00 &&
	fl delete "$V1" &&
	head=$(git_saved "$WS" rev-parse main) &&
	test_must_fail fl visit edit "$V1" --summary "Sửa sau khi xoá" 2>err &&
	test_line_count = 1 err &&
	test "$(git_saved "$WS" rev-parse main)" = "$head"
'

test_expect_success 'delete of schedules and reports; reindex keeps tombstones as they are' '
	now 2025-09-15T10:00:00+07:00 &&
	fl delete "$(json_get id <s38.json)" &&
	fl delete "$(json_get id <r37.json)" &&
	fl schedule list --json >sl.json &&
	! grep "$(json_get id <s38.json)" sl.json &&
	fl report list --json >rl.json &&
	json_get . <rl.json >actual &&
	echo "[]" >expect &&
	test_cmp expect actual &&
	fl report list --deleted --json >rld.json &&
	grep "$(json_get id <r37.json)" rld.json &&
	answers before &&
	rm "$WS/index.db" &&
	fl reindex &&
	answers after &&
	test_cmp before after
'

test_expect_success 'the history keeps every version of a record' '
	I2=$(json_get id <i2.json) &&
	path=$(record_path "$I2") &&
	git_saved "$WS" log --format="%H %aI %s" main -- "$path" >log &&
	test_line_count = 3 log &&
	sed -n 3p log | cut -d" " -f1 >first &&
	git_saved "$WS" show "$(cat first):$path" >v1.blob &&
	json_get status comments <v1.blob >actual &&
	printf "%s\n" open "[]" >expect &&
	test_cmp expect actual &&
	sed -n 1p log | cut -d" " -f2 >actual &&
	echo 2025-09-10T09:00:00+07:00 >expect &&
	test_cmp expect actual
'

# --- crash recovery -----------------------------------------------------------------

test_expect_success 'crash after the commit, before the index: the next command catches up' '
	I2=$(json_get id <i2.json) &&
	cp "$WS/index.db" index.before-save &&
	now 2025-09-15T11:00:00+07:00 &&
	fl issue edit "$I2" --title "Chậm chi trả trợ cấp người có công (đã xác minh)" &&
	fl issue list --json >expect &&
	cp index.before-save "$WS/index.db" &&
	fl issue list --json >actual &&
	test_cmp expect actual &&
	grep "đã xác minh" actual
'

test_expect_success 'index meta reset to the previous commit: the index catches up' '
	I2=$(json_get id <i2.json) &&
	path=$(record_path "$I2") &&
	now 2025-09-15T11:30:00+07:00 &&
	fl issue edit "$I2" --severity urgent &&
	fl issue list --json >expect &&
	git_saved "$WS" rev-parse main~1 >prev &&
	git_saved "$WS" show "main~1:$path" >old.json &&
	set_meta "$WS/index.db" indexed_commit "$(cat prev)" &&
	"$PYTHON" -c "
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
old = open(\"old.json\", encoding=\"utf-8\").read()
n = db.execute(\"UPDATE records SET json = ?, severity = ? WHERE id = ?\",
               (old, \"high\", sys.argv[2])).rowcount
db.commit()
sys.exit(0 if n == 1 else \"no row for %s\" % sys.argv[2])
" "$WS/index.db" "$I2" &&
	fl issue list --json >actual &&
	test_cmp expect actual &&
	fl issue list --severity urgent --json >u.json &&
	json_get 0.id <u.json >actual &&
	echo "$I2" >expect &&
	test_cmp expect actual
'

test_expect_success 'crash before the index learns of a new record and of a deletion' '
	cp "$WS/index.db" index.before-save &&
	now 2025-09-15T12:00:00+07:00 &&
	fl issue add --title "Vấn đề mới sau sự cố" --domain youth --commune 25210 \
		--severity low --json >i4.json &&
	fl delete "$(json_get id <i3.json)" &&
	fl issue list --json >expect &&
	cp index.before-save "$WS/index.db" &&
	fl issue list --json >actual &&
	test_cmp expect actual &&
	grep "$(json_get id <i4.json)" actual &&
	! grep "$(json_get id <i3.json)" actual
'

test_expect_success 'after recovery a full rebuild agrees with the caught-up index' '
	json_get id <i4.json >>ids &&
	answers before &&
	rm "$WS/index.db" &&
	fl reindex &&
	answers after &&
	test_cmp before after
'

# The full-text index is contentless: its rows are deleted by folding their
# text again, so rows folded another way (an older fieldlog, a utf8proc with
# other Unicode tables) must not survive an upgrade. Simulated: a row with a
# word no record has, under a fold version that is not this one.
test_expect_success 'full-text rows folded by another version are rebuilt, not kept' '
	broken_copy &&
	"$PYTHON" -c "
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
seq = db.execute(\"SELECT seq FROM records WHERE kind = \x27issue\x27 AND deleted = 0 LIMIT 1\").fetchone()[0]
db.execute(\"INSERT INTO search(rowid, folded) VALUES (?, \x27zzfoldedotherwise\x27)\", (seq * 1024 + 7,))
n = db.execute(\"UPDATE meta SET value = \x27fold 0, Unicode 1.0\x27 WHERE key = \x27fold_version\x27\").rowcount
db.commit()
sys.exit(0 if n == 1 else \"no fold_version in the index\")
" ws-broken/index.db &&
	fieldlog -C ws-broken search zzfoldedotherwise >out &&
	grep "^0 records found" out &&
	fieldlog -C ws-broken search "tro cap" >out &&
	grep "$(json_get id <i2.json | cut -c1-10)" out &&
	fieldlog -C ws-broken issue list --json >out &&
	fl issue list --json >expect &&
	test_cmp expect out
'

test_done
