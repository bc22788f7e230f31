#!/bin/sh
# t0410: one officer on two devices (init --id an.nguyen --remote twice).
# Edits of different fields of one issue, made offline on each device,
# merge without a conflict; the same field edited differently on both is
# one conflict, reported by the device that syncs second and decided by
# the rule of docs/design.md, "Merging two versions of a record" (more
# edits since the common ancestor win), with the losing value kept in
# history. Afterwards both devices and the
# central repository hold the same record.

. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/servers.sh"
. "$TEST_LIB_DIR/sync-scenario.sh"

scn_url () { echo "$GIT_DAEMON_URL/central.git"; }

# agree: devices A and B show issue $ISSUE identically, and the central branch
# holds the same record (compared as JSON: the file is canonical JSON).
agree () {
	scn_fl A issue show "$ISSUE" --json >out/A.show &&
	scn_fl B issue show "$ISSUE" --json >out/B.show &&
	test_cmp out/A.show out/B.show &&
	git --git-dir="$SCN_CENTRAL" show "authors/an.nguyen:$ISSUE_PATH" >out/central.show &&
	"$PYTHON" -c '
import json, sys
a, c = (json.load(open(f)) for f in sys.argv[1:3])
for derived in ("effective_status", "responses"):	# computed by show, not stored
    a.pop(derived, None)
sys.exit(0 if a == c else "device and central differ:\n%s\n%s" % (a, c))' out/A.show out/central.show &&
	scn_fl A issue list --json >out/A.list &&
	scn_fl B issue list --json >out/B.list &&
	test_cmp out/A.list out/B.list &&
	scn_fl A visit list --json >out/A.visits &&
	scn_fl B visit list --json >out/B.visits &&
	test_cmp out/A.visits out/B.visits
}

test_expect_success 'central repository (git daemon) with one officer' '
	fieldlog server init --allow-unsigned "$SCN_CENTRAL" >/dev/null &&
	fieldlog roster add --repo "$SCN_CENTRAL" --id an.nguyen \
		--name "Nguyễn Văn An" --role officer --province 42 --login an &&
	start_git_daemon "$SCN_SRV"
'

test_expect_success 'device A joins, records an issue and syncs' '
	fieldlog -C ws/A init --id an.nguyen --remote "$(scn_url)" &&
	ISSUE=$(fieldlog -C ws/A issue add --title "Lấn chiếm đất công" --domain land \
		--commune 18073 --severity high --json | json_get id) &&
	scn_sync A "sent 1, received 0, conflicts 0" &&
	ISSUE_PATH=$(scn_record_path ws/A issue "$ISSUE") &&
	test -n "$ISSUE_PATH"
'

test_expect_success 'device B joins with the same id and adopts the history' '
	fieldlog -C ws/B init --id an.nguyen --remote "$(scn_url)" >out/B.init &&
	grep "1 records indexed" out/B.init &&
	scn_fl B whoami --json >out/B.whoami &&
	test "$(json_get id province <out/B.whoami)" = "an.nguyen
42" &&
	agree &&
	test "$(git --git-dir=ws/A/repo.git rev-parse main)" = "$(git --git-dir=ws/B/repo.git rev-parse main)"
'

test_expect_success 'offline, each device edits different fields (and comments)' '
	scn_fl A issue edit "$ISSUE" --severity urgent >/dev/null &&
	scn_fl A issue comment "$ISSUE" --text "Bình luận từ máy A" >/dev/null &&
	scn_fl_on 2025-09-08 A visit add --date 2025-09-08 --commune 18073 --summary "Máy A" >/dev/null &&
	scn_fl B issue edit "$ISSUE" --title "Lấn chiếm đất công (đã xác minh)" >/dev/null &&
	scn_fl B issue edit "$ISSUE" --status in_progress >/dev/null &&
	scn_fl B issue comment "$ISSUE" --text "Bình luận từ máy B" >/dev/null &&
	scn_fl_on 2025-09-09 B visit add --date 2025-09-09 --commune 18100 --summary "Máy B" >/dev/null
'

test_expect_success 'sync A, B, A: conflicts 0 each time' '
	scn_sync A "sent 3, received 0, conflicts 0" &&
	scn_sync B "sent 4, received 2, conflicts 0" &&
	scn_sync A "sent 0, received 2, conflicts 0" &&
	scn_sync B "sent 0, received 0, conflicts 0"
'

test_expect_success 'both devices and central agree; every field edit survived' '
	agree &&
	test "$(json_get title severity status <out/A.show)" = "Lấn chiếm đất công (đã xác minh)
urgent
in_progress" &&
	json_get comments <out/A.show >out/comments &&
	grep "Bình luận từ máy A" out/comments &&
	grep "Bình luận từ máy B" out/comments &&
	test "$(json_get comments.2 <out/A.show 2>/dev/null)" = "" &&
	test "$("$PYTHON" -c "import json,sys; print(len(json.load(sys.stdin)))" <out/A.visits)" = 2
'

test_expect_success 'the same field edited differently: the second device to sync reports conflicts 1' '
	scn_fl A issue edit "$ISSUE" --severity low >/dev/null &&
	scn_fl B issue edit "$ISSUE" --severity medium >/dev/null &&
	scn_fl B issue edit "$ISSUE" --severity high >/dev/null &&
	scn_sync A "sent 1, received 0, conflicts 0" &&
	scn_fl B sync >out/B.conflict &&
	cat out/B.conflict &&
	tail -n 1 out/B.conflict | grep "^sent 2, received [0-9]*, conflicts 1$" &&
	scn_sync A "sent 0, received 1, conflicts 0" &&
	scn_sync B "sent 0, received 0, conflicts 0"
'

test_expect_success 'all agree; the side with more edits won, the loser is in history' '
	agree &&
	test "$(json_get severity <out/A.show)" = high &&
	git --git-dir="$SCN_CENTRAL" log -p --full-history authors/an.nguyen -- "$ISSUE_PATH" >out/history &&
	grep "^[-+] *\"severity\": \"low\"" out/history &&
	git --git-dir="$SCN_CENTRAL" log --format=%B authors/an.nguyen >out/messages &&
	grep "Fieldlog-Conflict:.*$ISSUE.*severity" out/messages
'

test_expect_success 'the other way round: B syncs first, A (more edits) wins and reports it' '
	scn_fl B issue edit "$ISSUE" --title "Tiêu đề từ máy B" >/dev/null &&
	scn_fl A issue edit "$ISSUE" --title "Tiêu đề từ máy A, lần 1" >/dev/null &&
	scn_fl A issue edit "$ISSUE" --title "Tiêu đề từ máy A, lần 2" >/dev/null &&
	scn_sync B "sent 1, received 0, conflicts 0" &&
	scn_fl A sync >out/A.conflict &&
	cat out/A.conflict &&
	tail -n 1 out/A.conflict | grep "^sent 2, received [0-9]*, conflicts 1$" &&
	scn_sync B "sent 0, received 1, conflicts 0" &&
	agree &&
	test "$(json_get title <out/A.show)" = "Tiêu đề từ máy A, lần 2"
'

test_expect_success 'a reviewer added later: the next sync fetches the new roster and the answer' '
	fieldlog roster add --repo "$SCN_CENTRAL" --id dung.pham --name "Phạm Quốc Dũng" \
		--role reviewer --login dung &&
	fieldlog -C ws/R init --id dung.pham --remote "$(scn_url)" >out/R.init &&
	grep "3 records indexed" out/R.init &&
	fieldlog -C ws/R respond "$ISSUE" --status answered --text "Đã chuyển Vụ Chính quyền địa phương" >/dev/null &&
	scn_sync R "sent 1, received 0, conflicts 0" &&
	scn_sync A "sent 0, received 1, conflicts 0" &&
	scn_fl A issue show "$ISSUE" --json >out/A.answered &&
	grep "Đã chuyển Vụ Chính quyền địa phương" out/A.answered &&
	scn_sync A "sent 0, received 0, conflicts 0"
'

test_expect_success 'git fsck --strict on central and both devices' '
	scn_fsck
'

test_done
