#!/bin/sh
# t0225-outbox: a save is a line in the workspace's outbox, not yet a commit
# (sync/outbox.h). It must be as safe as a commit, and become exactly one
# commit, with the save's author, time and message, whatever crashes.
#
# - a save leaves repo.git alone; lists and search see it at once;
# - the first command that reads the repository commits the outbox, one
#   commit per save, in order, at the save's time;
# - index.db stays disposable: deleted or rebuilt, the saves are still there;
# - a line torn by a crash is dropped (it was never acknowledged); a
#   damaged line stops the flush with a one-line error and loses nothing;
# - an outbox of bare JSON lines (written before lines were framed) is
#   still read; a confirmed save cut off is recovered from index.db, or
#   refused in one line when the index has no copy (t0600 tries every cut);
# - a crash between publishing the commits and emptying the outbox (or
#   before publishing) commits each save exactly once.

. "$(dirname "$0")/test-lib.sh"

WS=$TEST_SCRATCH/ws
REPO=$WS/repo.git

fl () {
	fieldlog -C "$WS" "$@"
}

# commits: the number of commits on main in repo.git (no flush).
commits () {
	git -C "$REPO" rev-list --count main
}

test_expect_success 'set-up: an officer with one synced-looking commit' '
	now 2025-09-08T08:00:00+07:00 &&
	fl init --id le.van.hai --name "Lê Văn Hải" --role officer --province 75 &&
	fl issue add --title "Thiếu cán bộ địa chính" --domain land --commune 25210 \
		--severity medium --json >i0.json &&
	saved "$WS" &&
	test ! -e "$WS/outbox" &&
	commits >base.count
'

test_expect_success 'a save leaves repo.git alone and is in the outbox and the index' '
	head=$(git -C "$REPO" rev-parse main) &&
	now 2025-09-09T09:00:00+07:00 &&
	fl issue add --title "Chậm chi trả trợ cấp người có công" --domain meritorious \
		--commune 25210 --severity high --json >i1.json &&
	now 2025-09-09T10:30:00+07:00 &&
	fl issue edit "$(json_get id <i1.json)" --severity urgent &&
	test "$(git -C "$REPO" rev-parse main)" = "$head" &&
	test_line_count = 2 "$WS/outbox" &&
	fl issue show "$(json_get id <i1.json)" --json >shown &&
	test "$(json_get severity <shown)" = urgent &&
	fl search "tro cap" >found &&
	grep "$(json_get id <i1.json | cut -c1-10)" found
'

test_expect_success 'the next command that reads the repository makes one commit per save' '
	fl log "$(json_get id <i1.json)" >log &&
	test ! -e "$WS/outbox" &&
	test "$(commits)" = $(($(cat base.count) + 2)) &&
	git -C "$REPO" log -2 --format="%an <%ae> %aI %s" main >actual &&
	I1=$(json_get id <i1.json) &&
	cat >expect <<-EOF &&
	Lê Văn Hải <le.van.hai@fieldlog> 2025-09-09T10:30:00+07:00 issue $I1: severity high → urgent
	Lê Văn Hải <le.van.hai@fieldlog> 2025-09-09T09:00:00+07:00 issue $I1: new, Chậm chi trả trợ cấp người có công
	EOF
	test_cmp expect actual &&
	grep "^v2 " log &&
	git -C "$REPO" fsck --no-progress
'

test_expect_success 'index.db deleted with saves waiting: the saves survive' '
	now 2025-09-10T09:00:00+07:00 &&
	fl issue add --title "Trụ sở tạm quá chật" --domain local_government \
		--commune 25210 --severity low --json >i2.json &&
	test_line_count = 1 "$WS/outbox" &&
	rm -f "$WS/index.db" "$WS/index.db-wal" "$WS/index.db-shm" &&
	fl issue show "$(json_get id <i2.json)" --json >shown &&
	test "$(json_get title <shown)" = "Trụ sở tạm quá chật" &&
	fl issue list --json >list &&
	test "$(json_get 2 <list 2>/dev/null)" != "" &&
	test ! -e "$WS/outbox" &&
	test "$(commits)" = $(($(cat base.count) + 3))
'

test_expect_success 'reindex commits and indexes waiting saves' '
	fl issue edit "$(json_get id <i2.json)" --severity medium &&
	fl reindex >out &&
	test ! -e "$WS/outbox" &&
	test "$(commits)" = $(($(cat base.count) + 4)) &&
	fl issue show "$(json_get id <i2.json)" --json >shown &&
	test "$(json_get severity <shown)" = medium
'

test_expect_success 'a line torn by a crash is dropped; the next save is whole' '
	fl issue edit "$(json_get id <i2.json)" --severity high &&
	printf "{\"path\":\"torn" >>"$WS/outbox" &&
	fl issue edit "$(json_get id <i2.json)" --severity urgent &&
	test_line_count = 1 "$WS/outbox" &&
	grep "severity high → urgent\",\"name\"" "$WS/outbox" &&
	saved "$WS" &&
	test ! -e "$WS/outbox" &&
	test "$(commits)" = $(($(cat base.count) + 6)) &&
	git -C "$REPO" show main:$(git -C "$REPO" ls-tree -r --name-only main |
		grep "$(json_get id <i2.json)") >rec &&
	test "$(json_get severity <rec)" = urgent
'

test_expect_success 'a damaged line: one-line error, nothing committed, nothing lost' '
	fl issue edit "$(json_get id <i2.json)" --severity low &&
	cp "$WS/outbox" good-outbox &&
	echo "not json" >>"$WS/outbox" &&
	echo "{}" >>"$WS/outbox" &&
	cp "$WS/outbox" damaged &&
	before=$(commits) &&
	test_must_fail fl status 2>err &&
	test_line_count = 1 err &&
	grep "^error: .*outbox.* line 2 is damaged" err &&
	test "$(commits)" = "$before" &&
	test_cmp damaged "$WS/outbox" &&
	cp good-outbox "$WS/outbox" &&
	saved "$WS" &&
	test "$(commits)" = $((before + 1))
'

test_expect_success 'crash after publishing, before emptying the outbox: no second commit' '
	fl issue edit "$(json_get id <i2.json)" --severity medium &&
	cp "$WS/outbox" pending &&
	saved "$WS" &&
	after=$(commits) &&
	# As the crash would leave it: the outbox still full, the mark written.
	cp pending "$WS/outbox" &&
	printf "%s %s\n" "$(git -C "$REPO" rev-parse main)" "$(wc -c <pending)" \
		>"$WS/outbox.mark" &&
	fl log "$(json_get id <i2.json)" >/dev/null &&
	test "$(commits)" = "$after" &&
	test ! -e "$WS/outbox" &&
	test ! -e "$WS/outbox.mark"
'

test_expect_success 'crash after the mark, before the ref moved: the saves are committed once' '
	fl issue edit "$(json_get id <i2.json)" --severity low &&
	before=$(commits) &&
	printf "%s %s\n" 0123456789abcdef0123456789abcdef01234567 "$(wc -c <"$WS/outbox")" \
		>"$WS/outbox.mark" &&
	saved "$WS" &&
	test "$(commits)" = $((before + 1)) &&
	test ! -e "$WS/outbox" &&
	test ! -e "$WS/outbox.mark"
'

test_expect_success 'an outbox written before lines were framed is still committed' '
	fl issue edit "$(json_get id <i2.json)" --severity high &&
	fl issue edit "$(json_get id <i2.json)" --severity urgent &&
	test_line_count = 2 "$WS/outbox" &&
	before=$(commits) &&
	# As an older fieldlog wrote it: bare JSON lines, no outbox.confirmed.
	sed -e "s/^~[0-9a-f]* [0-9]* //" -e "s/\"seq\":[0-9]*,//" "$WS/outbox" >legacy &&
	head -n 1 legacy | grep "^{\"path\":" &&
	cp legacy "$WS/outbox" &&
	rm "$WS/outbox.confirmed" &&
	printf "{\"path\":\"torn" >>"$WS/outbox" &&
	fl issue edit "$(json_get id <i2.json)" --severity low &&
	saved "$WS" &&
	test ! -e "$WS/outbox" &&
	test "$(commits)" = $((before + 3)) &&
	git -C "$REPO" log -3 --format=%s main >actual &&
	I2=$(json_get id <i2.json) &&
	cat >expect <<-EOF &&
	issue $I2: severity urgent → low
	issue $I2: severity high → urgent
	issue $I2: severity low → high
	EOF
	test_cmp expect actual
'

test_expect_success 'outbox cut inside a confirmed save: recovered from index.db, said once' '
	fl issue edit "$(json_get id <i2.json)" --severity medium &&
	fl issue edit "$(json_get id <i2.json)" --severity high &&
	before=$(commits) &&
	truncate -s 100 "$WS/outbox" &&
	fl status >out 2>err &&
	test_line_count = 1 err &&
	grep "^note: .*outbox.* was damaged: 2 confirmed saves recovered" err &&
	test "$(commits)" = $((before + 2)) &&
	test ! -e "$WS/outbox"
'

test_expect_success 'reindex with a cut outbox takes the saves from the old index' '
	fl issue edit "$(json_get id <i2.json)" --severity low &&
	before=$(commits) &&
	truncate -s 100 "$WS/outbox" &&
	fl reindex >out 2>err &&
	test_line_count = 1 err &&
	grep "^note: .*1 confirmed saves recovered (1 from index.db" err &&
	test "$(commits)" = $((before + 1)) &&
	fl issue show "$(json_get id <i2.json)" --json >shown &&
	test "$(json_get severity <shown)" = low
'

test_expect_success 'outbox cut and its copies gone: one-line error, nothing committed' '
	fl issue edit "$(json_get id <i2.json)" --severity high &&
	cp "$WS/outbox" pending &&
	before=$(commits) &&
	"$PYTHON" -c "
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute(\"DELETE FROM meta WHERE key LIKE \x27outbox:%\x27\")
db.commit()
" "$WS/index.db" &&
	truncate -s 50 "$WS/outbox" &&
	test_must_fail fl status 2>err &&
	test_line_count = 1 err &&
	grep "^error: .*outbox.* lost confirmed save [0-9]* (cut or damaged" err &&
	test "$(commits)" = "$before" &&
	cp pending "$WS/outbox" &&
	saved "$WS" &&
	test "$(commits)" = $((before + 1))
'

test_expect_success 'status counts saves it could not commit (another fieldlog holds the lock)' '
	fl status --json >st0.json &&
	p0=$(json_get pending <st0.json) &&
	fl issue edit "$(json_get id <i2.json)" --severity urgent &&
	fl issue edit "$(json_get id <i2.json)" --severity medium &&
	before=$(commits) &&
	"$PYTHON" -c "
import fcntl, subprocess, sys
with open(sys.argv[1] + \"/lock\", \"a\") as f:
    fcntl.flock(f, fcntl.LOCK_EX)
    out = subprocess.run(sys.argv[2:], stdout=subprocess.PIPE, check=True).stdout
    sys.stdout.buffer.write(out)
" "$WS" "$FIELDLOG_BIN" -C "$WS" status --json >st.json &&
	test "$(json_get pending <st.json)" = $((p0 + 2)) &&
	test "$(commits)" = "$before" &&
	fl status --json >st.json &&
	test "$(json_get pending <st.json)" = $((p0 + 2)) &&
	test "$(commits)" = $((before + 2)) &&
	test ! -e "$WS/outbox"
'

test_expect_success 'after all that, every record file is where the index says' '
	fl issue list --json >list &&
	for id in $(json_get 0.id 1.id 2.id <list); do
		git -C "$REPO" ls-tree -r --name-only main | grep -q "/$id.json\$" || return 1
	done &&
	git -C "$REPO" fsck --no-progress
'

test_done
