#!/bin/sh
# t0440-trust-rules: one rule set (schema/rules.c) judges a branch in the
# server's hook, in the client before a push, and in the importer. Each
# attack of the trust issue, as an attacker would try it:
#  1. a commit authored as someone else (An, or Evil who is not in the
#     roster) pushed to binh's branch by binh, over http (REMOTE_USER),
#     ssh (GL_USER) and git:// (no pusher): refused;
#  2. a path remote runs no hook: an officer who is not in the roster, or an
#     outbox line whose "path" was edited into another officer's directory,
#     is refused by the client (exit 4, as a server refusal), and a branch
#     planted for a stranger is not indexed by a reviewer;
#  3. a response planted on binh's branch (hook bypassed) that "closes"
#     binh's escalated issue is skipped by the importer, listed with its
#     reason, and the issue's effective status stays as it was;
#  4. created_at of an existing record changed, and a response to a record
#     that does not exist: refused.

. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/servers.sh"
. "$TEST_LIB_DIR/sync-scenario.sh"

# forge URL AUTHOR-EMAIL CLONE: a stock clone of binh's branch at URL gets
# a valid record of binh's, committed as AUTHOR-EMAIL.
forge () {
	scn_stock_clone "$1" binh.tran "$3" &&
	_p=$(scn_foreign_record binh.tran "$TEST_SCRATCH/out/forged.json") &&
	mkdir -p "$3/${_p%/*}" &&
	cp "$TEST_SCRATCH/out/forged.json" "$3/$_p" &&
	git -C "$3" add -A &&
	GIT_AUTHOR_EMAIL=$2 GIT_COMMITTER_EMAIL=$2 git -C "$3" commit -q -m forged
}

# refused CLONE URL PATTERN: pushing CLONE to binh's branch is refused by
# the hook with a reason matching PATTERN; the branch does not move.
refused () {
	_before=$(git --git-dir="$SCN_CENTRAL" rev-parse -q --verify authors/binh.tran) &&
	test_must_fail git -C "$1" push "$2" HEAD:refs/heads/authors/binh.tran 2>"$1.err" &&
	cat "$1.err" &&
	grep "^remote: fieldlog: refused" "$1.err" | grep -e "$3" &&
	test "$(git --git-dir="$SCN_CENTRAL" rev-parse -q --verify authors/binh.tran)" = "$_before"
}

# plant BRANCH-OWNER DIR EMAIL: commits DIR (a work tree of the central
# branch of BRANCH-OWNER, changed) as EMAIL and moves the central branch to
# it with plumbing: no hook runs, as on a share anyone can write.
plant () {
	git -C "$2" add -A &&
	GIT_AUTHOR_EMAIL=$3 GIT_COMMITTER_EMAIL=$3 git -C "$2" commit -q -m planted &&
	git --git-dir="$SCN_CENTRAL" fetch -q "$2" "+HEAD:refs/heads/authors/$1"
}

test_expect_success 'central repository with roster, servers for every transport' '
	scn_central &&
	start_git_daemon "$SCN_SRV" &&
	start_http "$SCN_SRV" &&
	start_sshd "$SCN_SRV" &&
	for p in $SCN_ALL; do
		scn_person $p && http_add_user "$scn_login" "$scn_pw" &&
		ssh_add_user "$scn_login" || return 1
	done &&
	scn_join binh.tran &&
	scn_add_issue binh.tran "Thiếu cán bộ địa chính ở xã mới" &&
	issue=$scn_last &&
	echo "$issue" >issue.id &&
	scn_fl binh.tran issue edit "$issue" --status escalated \
		--escalation "Cần Bộ hướng dẫn" >/dev/null &&
	scn_fl binh.tran sync >out/binh.sync
'

test_expect_success 'http: binh pushes a commit authored as An, or as Evil: refused' '
	url="$(http_url binh-login binh-secret-2)/central.git" &&
	forge "$url" an.nguyen@fieldlog h1 &&
	refused h1 "$url" "written by .an.nguyen., on the branch of .binh.tran." &&
	forge "$url" evil@evil h2 &&
	refused h2 "$url" "author <evil@evil> is not a fieldlog id"
'

test_expect_success 'ssh (GL_USER): the same commits are refused' '
	GIT_SSH_COMMAND=$(ssh_command binh-login) &&
	export GIT_SSH_COMMAND &&
	forge "$SSH_URL/central.git" an.nguyen@fieldlog s1 &&
	refused s1 "$SSH_URL/central.git" "written by .an.nguyen., on the branch of .binh.tran." &&
	forge "$SSH_URL/central.git" evil@evil s2 &&
	refused s2 "$SSH_URL/central.git" "author <evil@evil> is not a fieldlog id"
	rc=$?
	unset GIT_SSH_COMMAND
	test $rc = 0
'

test_expect_success 'git:// (no pusher): the same commits are refused' '
	forge "$GIT_DAEMON_URL/central.git" an.nguyen@fieldlog d1 &&
	refused d1 "$GIT_DAEMON_URL/central.git" "written by .an.nguyen., on the branch of .binh.tran." &&
	forge "$GIT_DAEMON_URL/central.git" evil@evil d2 &&
	refused d2 "$GIT_DAEMON_URL/central.git" "author <evil@evil> is not a fieldlog id"
'

test_expect_success 'path remote: an officer who is not in the roster is refused locally' '
	fieldlog -C ws/eve init --id eve.pham --name "Phạm Thị Eve" --role officer --province 42 \
		--remote "file://$SCN_CENTRAL" >out/eve.init &&
	fieldlog -C ws/eve issue add --title "Không có trong danh sách" --domain land \
		--commune 18073 --severity low >/dev/null &&
	test_must_fail --exit=4 fieldlog -C ws/eve sync >out/eve.sync 2>out/eve.err &&
	cat out/eve.err &&
	grep "^error: the central repository refused the push: .*.eve.pham. is not in roster.json" \
		out/eve.err &&
	test_must_fail git --git-dir="$SCN_CENTRAL" rev-parse -q --verify authors/eve.pham
'

# edit_outbox WS FROM TO: rewrites the "path" of every save waiting in WS's
# outbox from directory FROM to TO (of the same length), keeping each line's
# frame (~CRC LEN PAYLOAD) true when the outbox frames its lines.
edit_outbox () {
	"$PYTHON" - "$1/outbox" "$2" "$3" <<-\EOF
	import json, sys, zlib
	path, old, new = sys.argv[1:4]
	assert len(old) == len(new)
	out = []
	for line in open(path, "rb").read().split(b"\n"):
	    if not line:
	        continue
	    framed = line.startswith(b"~")
	    payload = line.split(b" ", 2)[2] if framed else line
	    obj = json.loads(payload)
	    assert obj["path"].startswith(old + "/"), obj["path"]
	    obj["path"] = new + obj["path"][len(old):]
	    payload = payload.replace(json.dumps(old + obj["path"][len(new):]).encode()[1:-1],
	                              json.dumps(obj["path"]).encode()[1:-1])
	    if framed:
	        line = b"~%08x %d " % (zlib.crc32(payload), len(payload)) + payload
	    else:
	        line = payload
	    out.append(line + b"\n")
	open(path, "wb").write(b"".join(out))
	EOF
}

test_expect_success 'path remote: an outbox path edited into another officer'\''s directory is refused' '
	scn_join an.nguyen &&
	scn_add_issue an.nguyen "Hồ sơ của anh" &&
	test -s ws/an.nguyen/outbox &&
	an=$(author_dir an.nguyen) &&
	binh=$(author_dir binh.tran) &&
	cp ws/an.nguyen/outbox outbox.before &&
	edit_outbox ws/an.nguyen "$an" "$binh" &&
	! cmp -s outbox.before ws/an.nguyen/outbox &&
	grep "$binh/issue/" ws/an.nguyen/outbox &&
	test_must_fail --exit=4 scn_fl an.nguyen sync >out/an.sync 2>out/an.err &&
	cat out/an.err &&
	grep "refused.*$binh/issue/.*not under .$an/." out/an.err &&
	test_must_fail git --git-dir="$SCN_CENTRAL" rev-parse -q --verify authors/an.nguyen
'

test_expect_success 'a branch planted for someone not in the roster is not indexed by a reviewer' '
	git init -q eve-plant &&
	_p=$(scn_foreign_record binh.tran out/eve-rec.json) &&
	sed -e "s/binh.tran/eve.pham/g" out/eve-rec.json >out/eve.json &&
	_e=$(author_dir eve.pham)/issue/${_p##*/} &&
	mkdir -p "eve-plant/${_e%/*}" &&
	cp out/eve.json "eve-plant/$_e" &&
	plant eve.pham eve-plant eve.pham@fieldlog &&
	git --git-dir="$SCN_CENTRAL" rev-parse --verify authors/eve.pham
'

test_expect_success 'a response planted on binh'\''s branch (hook bypassed) is skipped' '
	issue=$(cat issue.id) &&
	scn_stock_clone "$SCN_CENTRAL" binh.tran plant &&
	resp=$(author_dir binh.tran)/response/01K7ZRESP0NSE0F0RGED000000.json &&
	mkdir -p "plant/${resp%/*}" &&
	"$PYTHON" - "$issue" >"plant/$resp" <<-\EOF &&
	import json, sys
	t = "2025-09-20T09:00:00+07:00"
	rec = {"schema": 1, "kind": "response", "id": "01K7ZRESP0NSE0F0RGED000000",
	       "author": "binh.tran", "created_at": t, "updated_at": t, "deleted": False,
	       "target": sys.argv[1], "target_kind": "issue", "text": "Đã xong.",
	       "state": "closed"}
	sys.stdout.write(json.dumps(rec, ensure_ascii=False, indent=2) + "\n")
	EOF
	plant binh.tran plant binh.tran@fieldlog &&
	scn_join dung.pham 2>out/dung.init.err &&
	cat out/dung.init.err &&
	grep "skipped" out/dung.init.err &&
	scn_fl dung.pham issue show "$issue" --json >out/dung.issue &&
	test "$(json_get effective_status <out/dung.issue)" = escalated &&
	scn_fl dung.pham status >out/dung.status &&
	grep "$resp: .*binh.tran is an officer: only reviewers write responses" out/dung.status &&
	scn_fl dung.pham status --json >out/dung.status.json &&
	"$PYTHON" - "$resp" out/dung.status.json <<-\EOF &&
	import json, sys
	got = {s["path"]: s["reason"] for s in json.load(open(sys.argv[2], encoding="utf-8"))["skipped"]}
	assert "only reviewers write responses" in got.get(sys.argv[1], ""), got
	EOF
	! grep "eve.pham" out/dung.status
'

test_expect_success 'the reviewer did not import the branch of a stranger' '
	scn_fl dung.pham issue list --json >out/dung.issues &&
	grep "binh.tran" out/dung.issues &&
	! grep "eve.pham" out/dung.issues
'

test_expect_success 'the officer syncs the planted response: skipped there too, status unchanged' '
	issue=$(cat issue.id) &&
	scn_fl binh.tran sync >out/binh.sync2 2>out/binh.err2 &&
	cat out/binh.sync2 out/binh.err2 &&
	grep "skipped" out/binh.err2 &&
	scn_fl binh.tran issue show "$issue" --json >out/binh.issue &&
	test "$(json_get effective_status <out/binh.issue)" = escalated &&
	scn_fl binh.tran status >out/binh.status &&
	grep "only reviewers write responses" out/binh.status
'

test_expect_success 'created_at of an existing record may not change' '
	issue=$(cat issue.id) &&
	scn_stock_clone "$GIT_DAEMON_URL/central.git" binh.tran c1 &&
	p=$(cd c1 && git ls-files "*/issue/$issue.json") &&
	test -n "$p" &&
	sed -e "s/\"created_at\": \"[^\"]*\"/\"created_at\": \"2020-01-01T00:00:00+07:00\"/" \
		"c1/$p" >c1.json &&
	! cmp -s c1.json "c1/$p" &&
	cp c1.json "c1/$p" &&
	git -C c1 add -A &&
	GIT_AUTHOR_EMAIL=binh.tran@fieldlog git -C c1 commit -q -m "older" &&
	test_must_fail git -C c1 push origin HEAD:refs/heads/authors/binh.tran 2>c1.err &&
	cat c1.err &&
	grep "changes .created_at. of an existing record" c1.err
'

test_expect_success 'a response to a record that does not exist is refused' '
	scn_stock_clone "$GIT_DAEMON_URL/central.git" dung.pham r1 &&
	resp=$(author_dir dung.pham)/response/01K7ZRESP0NSET0N0TH1NG0000.json &&
	mkdir -p "r1/${resp%/*}" &&
	"$PYTHON" - >"r1/$resp" <<-\EOF &&
	import json, sys
	t = "2025-09-20T09:00:00+07:00"
	rec = {"schema": 1, "kind": "response", "id": "01K7ZRESP0NSET0N0TH1NG0000",
	       "author": "dung.pham", "created_at": t, "updated_at": t, "deleted": False,
	       "target": "01K7ZN0SVCH1SSVE000000000Z", "target_kind": "issue",
	       "text": "Trả lời cho không ai.", "state": "closed"}
	sys.stdout.write(json.dumps(rec, ensure_ascii=False, indent=2) + "\n")
	EOF
	git -C r1 add -A &&
	GIT_AUTHOR_EMAIL=dung.pham@fieldlog git -C r1 commit -q -m "answer to nothing" &&
	test_must_fail git -C r1 push origin HEAD:refs/heads/authors/dung.pham 2>r1.err &&
	cat r1.err &&
	grep "answers issue 01K7ZN0SVCH1SSVE000000000Z, which does not exist" r1.err
'

test_done
