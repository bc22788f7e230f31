#!/bin/sh
# t0300-server-check: the central repository and its pre-receive hook
# (docs/design.md, "The central repository's check"), driven with stock
# git only, so that what is tested is what any git client meets: `server init`, `roster add|list`, then pushes
# over a plain path and git daemon (no pusher name: each commit is judged by
# its author, <id>@fieldlog) and over http (REMOTE_USER names the pusher).
# Each author pushes to refs/heads/authors/<id>; main holds the roster.
# Valid records go in; writing in someone else's directory or branch,
# deleting, a non-canonical or invalid file, a symlink, a force push, a
# response by an officer, a change to roster.json or main, another's
# commits merged in, and a merge that drops a record are refused, and the
# reason reaches the pusher's terminal.

. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/servers.sh"

# Record ids (26-character ULIDs).
ID1=01JC8Z5Q3H2M4N6P8R0T2V4X6Y
ID2=01JC8Z5Q3H2M4N6P8R0T2V4X70
ID3=01JC8Z5Q3H2M4N6P8R0T2V4X71
ID4=01JC8Z5Q3H2M4N6P8R0T2V4X72
ID5=01JC8Z5Q3H2M4N6P8R0T2V4X73
ID6=01JC8Z5Q3H2M4N6P8R0T2V4X74
ID7=01JC8Z5Q3H2M4N6P8R0T2V4X75
ID8=01JC8Z5Q3H2M4N6P8R0T2V4X76
ID9=01JC8Z5Q3H2M4N6P8R0T2V4X77

CENTRAL=$TEST_SCRATCH/srv/central.git

# put CLONE AUTHOR KIND ID [INDENT [TITLE]]: writes a valid record the way
# Python's json.dumps prints it (INDENT 2 is the canonical form).
put () {
	mkdir -p "$1/$(author_dir "$2")/$3" &&
	"$PYTHON" - "$2" "$3" "$4" "${5:-2}" "${6:-Thiếu cán bộ địa chính}" \
		>"$1/$(author_dir "$2")/$3/$4.json" <<-\EOF
	import json, sys
	author, kind, rid, indent, title = sys.argv[1:6]
	t = "2025-09-08T09:00:00+07:00"
	rec = {"schema": 1, "kind": kind, "id": rid, "author": author,
	       "created_at": t, "updated_at": t, "deleted": False}
	if kind == "issue":
	    rec.update(title=title,
	               description="Xã mới sáp nhập chưa đủ người làm địa chính.",
	               domain="organisation", communes=["18073"], severity="high",
	               status="open", actions="", resolution="", escalation="",
	               comments=[])
	elif kind == "response":
	    rec.update(target="01JC8Z5Q3H2M4N6P8R0T2V4X6Y", target_kind="issue",
	               text="Bộ đã nhận và sẽ trả lời.", state="answered")
	sys.stdout.write(json.dumps(rec, ensure_ascii=False, indent=int(indent)) + "\n")
	EOF
}

# rpath AUTHOR KIND ID: the repository path of a record.
rpath () {
	printf '%s/%s/%s.json' "$(author_dir "$1")" "$2" "$3"
}

# commit_as CLONE ID MESSAGE: commits all changes in CLONE with author ID.
commit_as () {
	git -C "$1" add -A &&
	test_tick &&
	GIT_AUTHOR_NAME=$2 GIT_AUTHOR_EMAIL=$2@fieldlog git -C "$1" commit -q -m "$3"
}

central_main () {
	git --git-dir="$CENTRAL" rev-parse refs/heads/main
}

# central_ref AUTHOR: the commit of AUTHOR's central branch (empty: none).
central_ref () {
	git --git-dir="$CENTRAL" rev-parse -q --verify "refs/heads/authors/$1" || :
}

# start CLONE URL AUTHOR: a stock git working tree of AUTHOR's central
# branch (an empty one with that remote when AUTHOR has none yet), which
# push_ok and push_refused push to.
start () {
	if git ls-remote --exit-code "$2" "refs/heads/authors/$3" >/dev/null; then
		git clone -q --branch "authors/$3" "$2" "$1"
	else
		git init -q "$1" && git -C "$1" remote add origin "$2"
	fi &&
	git -C "$1" config fieldlog.author "$3"
}

# push_ok CLONE [URL]: the push to the clone's branch is accepted, silently.
push_ok () {
	_a=$(git -C "$1" config fieldlog.author) &&
	git -C "$1" push "${2:-origin}" "HEAD:refs/heads/authors/$_a" 2>err &&
	cat err &&
	! grep "fieldlog:" err &&
	test "$(central_ref "$_a")" = "$(git -C "$1" rev-parse HEAD)"
}

# push_refused CLONE URL PATTERN [REFSPEC]: the push fails, the pusher sees
# the hook's one-line reason matching PATTERN, the clone's branch does not
# move, and CLONE goes back to it. The hook must have refused, not crashed
# (a sanitizer report reaches the pusher as well).
push_refused () {
	_a=$(git -C "$1" config fieldlog.author) &&
	_before=$(central_ref "$_a") &&
	test_must_fail git -C "$1" push "$2" "${4:-HEAD:refs/heads/authors/$_a}" 2>err &&
	cat err &&
	! grep -i "sanitizer\|runtime error" err &&
	grep "^remote: fieldlog: refused" err >reason &&
	test_line_count = 1 reason &&
	grep -e "$3" reason &&
	test "$(central_ref "$_a")" = "$_before" &&
	git -C "$1" fetch -q "$CENTRAL" "refs/heads/authors/$_a" &&
	git -C "$1" reset -q --hard FETCH_HEAD
}

test_expect_success 'a new central repository requires signed commits' '
	fieldlog server init signed.git >out &&
	git --git-dir=signed.git show main:roster.json >actual &&
	printf "{\n  \"schema\": 1,\n  \"people\": [],\n  \"require_signatures\": true\n}\n" >expect &&
	test_cmp expect actual
'

# The checks below are about the rules, with stock git as the client: a
# repository that takes unsigned commits, as one made before signing.
test_expect_success 'server init makes a bare repository with roster, config and hook' '
	fieldlog server init --allow-unsigned srv/central.git >out &&
	cat out &&
	grep "roster add --repo srv/central.git" out &&
	test "$(git --git-dir="$CENTRAL" config --bool core.bare)" = true &&
	for k in receive.denyDeletes receive.denyNonFastForwards receive.fsckObjects http.receivepack
	do
		test "$(git --git-dir="$CENTRAL" config --bool $k)" = true || return 1
	done &&
	test -x "$CENTRAL/hooks/pre-receive" &&
	grep "^exec .* server check" "$CENTRAL/hooks/pre-receive" &&
	test "$(git --git-dir="$CENTRAL" symbolic-ref HEAD)" = refs/heads/main &&
	git --git-dir="$CENTRAL" show main:roster.json >actual &&
	printf "{\n  \"schema\": 1,\n  \"people\": []\n}\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'the hook names this binary, quoted for sh' '
	real=$(readlink -f "$FIELDLOG_BIN") &&
	printf "exec %s server check \"\$@\"\n" "'\''$real'\''" >expect &&
	tail -n 1 "$CENTRAL/hooks/pre-receive" >actual &&
	test_cmp expect actual
'

test_expect_success 'server init refuses a directory that is not empty' '
	mkdir full && : >full/x &&
	test_must_fail fieldlog server init full 2>err &&
	grep "not an empty directory" err &&
	mkdir empty &&
	fieldlog server init empty >/dev/null
'

test_expect_success 'roster add: two officers and a reviewer, one commit each' '
	fieldlog roster add --repo srv/central.git --id binh.tran --name "Trần Văn Bình" \
		--role officer --province 75 --login binh.tran &&
	fieldlog roster add --repo srv/central.git --id an.nguyen --name "Nguyễn Thị An" \
		--role officer --province 42 --login an.nguyen &&
	fieldlog roster add --repo srv/central.git --id chi.le --name "Lê Minh Chi" \
		--role reviewer --login chi.le@bonoivu &&
	git --git-dir="$CENTRAL" log --format=%s -3 main >actual &&
	cat >expect <<-\EOF &&
	roster: add chi.le (reviewer)
	roster: add an.nguyen (officer)
	roster: add binh.tran (officer)
	EOF
	test_cmp expect actual &&
	fieldlog roster list --repo srv/central.git --json >roster.json &&
	json_get people.0.id people.1.id people.2.id people.0.provinces people.2.login \
		<roster.json >actual &&
	cat >expect <<-\EOF &&
	an.nguyen
	binh.tran
	chi.le
	["42"]
	chi.le@bonoivu
	EOF
	test_cmp expect actual &&
	git --git-dir="$CENTRAL" show main:roster.json >file &&
	test_cmp roster.json file &&
	"$PYTHON" -c "import json,sys; d=json.load(open(\"file\")); sys.stdout.write(json.dumps(d, ensure_ascii=False, indent=2)+\"\n\")" >again &&
	test_cmp file again &&
	fieldlog roster list --repo srv/central.git >list &&
	grep "^an.nguyen .*Nguyễn Thị An .*officer .*42 .*an.nguyen$" list
'

test_expect_success 'roster add: bad input is refused, the roster unchanged' '
	before=$(central_main) &&
	test_must_fail fieldlog roster add --repo srv/central.git --id dung.pham --name D \
		--role officer 2>err &&
	grep "at least one province" err &&
	test_must_fail fieldlog roster add --repo srv/central.git --id dung.pham --name D \
		--role officer --province 99 2>err &&
	grep "unknown province code .99." err &&
	test_must_fail fieldlog roster add --repo srv/central.git --id dung.pham --name D \
		--role admin --province 42 2>err &&
	grep "role .admin." err &&
	test_must_fail fieldlog roster add --repo srv/central.git --id Dung --name D \
		--role reviewer 2>err &&
	grep "id .Dung. is not valid" err &&
	test_must_fail fieldlog roster add --repo srv/central.git --id dung.pham --name D \
		--role reviewer --login "dung pham" 2>err &&
	grep "login .dung pham. is not valid" err &&
	test_must_fail fieldlog roster add --repo srv/central.git --id dung.pham --name D \
		--role reviewer --login an.nguyen 2>err &&
	grep "login .an.nguyen. already belongs to .an.nguyen." err &&
	test_must_fail fieldlog roster add --repo nowhere --id dung.pham --name D \
		--role reviewer 2>err &&
	grep "no repository at .nowhere." err &&
	test "$(central_main)" = "$before"
'

test_expect_success 'roster add again replaces the person; unchanged is a no-op' '
	fieldlog roster add --repo srv/central.git --id binh.tran --name "Trần Văn Bình" \
		--role officer --province 75 --province 42 >out &&
	grep "updated binh.tran" out &&
	git --git-dir="$CENTRAL" log -1 --format=%s main >actual &&
	echo "roster: update binh.tran (officer)" >expect &&
	test_cmp expect actual &&
	fieldlog roster list --repo srv/central.git --json | json_get people.1.provinces >actual &&
	echo "[\"75\",\"42\"]" >expect &&
	test_cmp expect actual &&
	before=$(central_main) &&
	fieldlog roster add --repo srv/central.git --id binh.tran --name "Trần Văn Bình" \
		--role officer --province 75 --province 42 >out &&
	grep "nothing to change" out &&
	test "$(central_main)" = "$before"
'

test_expect_success 'path push: a valid record is accepted (judged by its author)' '
	start an "$CENTRAL" an.nguyen &&
	put an an.nguyen issue $ID1 &&
	commit_as an an.nguyen "issue $ID1: new" &&
	push_ok an &&
	git --git-dir="$CENTRAL" cat-file -e "authors/an.nguyen:$(rpath an.nguyen issue $ID1)"
'

test_expect_success 'an edit of an own record and several commits in one push are accepted' '
	put an an.nguyen issue $ID1 2 "Thiếu cán bộ địa chính ở xã Thành Sen" &&
	commit_as an an.nguyen "issue $ID1: title" &&
	put an an.nguyen issue $ID2 &&
	commit_as an an.nguyen "issue $ID2: new" &&
	push_ok an
'

test_expect_success 'writing under another officer'\''s directory is refused' '
	put an binh.tran issue $ID3 &&
	commit_as an an.nguyen "sneaky" &&
	push_refused an "$CENTRAL" "refused commit [0-9a-f]\{7\}: $(rpath binh.tran issue $ID3): not under .$(author_dir an.nguyen)/."
'

test_expect_success 'a bad commit hidden under a good one is found' '
	put an binh.tran issue $ID3 &&
	commit_as an an.nguyen "sneaky" &&
	bad=$(git -C an rev-parse --short=7 HEAD) &&
	put an an.nguyen issue $ID3 &&
	commit_as an an.nguyen "innocent" &&
	push_refused an "$CENTRAL" "refused commit $bad: $(rpath binh.tran issue $ID3)"
'

test_expect_success 'deleting a record is refused' '
	git -C an rm -q "$(rpath an.nguyen issue $ID2)" &&
	commit_as an an.nguyen "remove" &&
	push_refused an "$CENTRAL" "$(rpath an.nguyen issue $ID2): deletes record"
'

test_expect_success 'a record that is not in canonical form (indent 4) is refused' '
	put an an.nguyen issue $ID3 4 &&
	commit_as an an.nguyen "indent 4" &&
	push_refused an "$CENTRAL" "$(rpath an.nguyen issue $ID3): not in canonical form"
'

test_expect_success 'a file that is not JSON is refused' '
	put an an.nguyen issue $ID3 &&
	printf "{\"schema\": 1,\n" >"an/$(rpath an.nguyen issue $ID3)" &&
	commit_as an an.nguyen "broken" &&
	push_refused an "$CENTRAL" "$(rpath an.nguyen issue $ID3): "
'

test_expect_success 'an invalid record (unknown commune) is refused' '
	put an an.nguyen issue $ID3 &&
	sed -i -e "s/\"18073\"/\"99999\"/" "an/$(rpath an.nguyen issue $ID3)" &&
	commit_as an an.nguyen "unknown commune" &&
	push_refused an "$CENTRAL" "unknown commune code .99999."
'

test_expect_success 'a file outside the record layout is refused' '
	echo hello >"an/$(author_dir an.nguyen)/notes.txt" &&
	commit_as an an.nguyen "notes" &&
	push_refused an "$CENTRAL" "$(author_dir an.nguyen)/notes.txt: not a record path"
'

test_expect_success 'a symbolic link is refused' '
	ln -s "$ID1.json" "an/$(rpath an.nguyen issue $ID5)" &&
	commit_as an an.nguyen "link" &&
	push_refused an "$CENTRAL" "$(rpath an.nguyen issue $ID5): a symbolic link"
'

test_expect_success 'a response written by an officer is refused' '
	put an an.nguyen response $ID4 &&
	commit_as an an.nguyen "respond to myself" &&
	push_refused an "$CENTRAL" "only reviewers write responses"
'

test_expect_success 'the roster changes neither by a push to main nor on a branch' '
	git clone -q "$CENTRAL" m &&
	before=$(central_main) &&
	"$PYTHON" -c "import json; d=json.load(open(\"m/roster.json\")); d[\"people\"][0][\"role\"]=\"reviewer\"; open(\"m/roster.json\",\"w\").write(json.dumps(d, ensure_ascii=False, indent=2)+\"\n\")" &&
	commit_as m an.nguyen "promote myself" &&
	test_must_fail git -C m push origin HEAD:refs/heads/main 2>err &&
	cat err &&
	grep "^remote: fieldlog: refused refs/heads/main: it holds the roster" err &&
	test "$(central_main)" = "$before" &&
	cp m/roster.json an/roster.json &&
	commit_as an an.nguyen "a roster of my own" &&
	push_refused an "$CENTRAL" "roster.json: the roster changes only on the server"
'

test_expect_success 'an author who is not in the roster, or not the branch'\''s, is refused' '
	put an an.nguyen issue $ID3 &&
	git -C an add -A &&
	git -C an commit -q -m stranger &&
	push_refused an "$CENTRAL" "author <author@example.com> is not a fieldlog id" &&
	put an mallory issue $ID3 &&
	commit_as an mallory "mallory" &&
	push_refused an "$CENTRAL" "author <mallory@fieldlog> is not in the roster" &&
	put an binh.tran issue $ID3 &&
	commit_as an binh.tran "binh on an'\''s branch" &&
	push_refused an "$CENTRAL" "written by .binh.tran., on the branch of .an.nguyen."
'

test_expect_success 'a force push is refused' '
	git -C an commit -q --amend -m "rewritten history" &&
	push_refused an "$CENTRAL" "not a fast-forward" +HEAD:refs/heads/authors/an.nguyen
'

test_expect_success 'other refs, unknown authors'\'' branches and deleting a branch are refused' '
	put an an.nguyen issue $ID3 &&
	commit_as an an.nguyen "on a side branch" &&
	push_refused an "$CENTRAL" "refused refs/heads/side: only refs/heads/authors/<id>" HEAD:refs/heads/side &&
	push_refused an "$CENTRAL" "refused refs/tags/v1: only refs/heads/authors/<id>" HEAD:refs/tags/v1 &&
	push_refused an "$CENTRAL" "refused refs/heads/authors/mallory: .mallory. is not in roster.json" \
		HEAD:refs/heads/authors/mallory &&
	test_must_fail git -C an push "$CENTRAL" :refs/heads/authors/an.nguyen 2>err &&
	cat err &&
	git --git-dir="$CENTRAL" rev-parse --verify -q refs/heads/authors/an.nguyen &&
	git --git-dir="$CENTRAL" rev-parse --verify -q refs/heads/main
'

test_expect_success 'a reviewer may write a response, and nothing else' '
	start chi "$CENTRAL" chi.le &&
	put chi chi.le response $ID6 &&
	commit_as chi chi.le "response" &&
	push_ok chi &&
	put chi chi.le issue $ID7 &&
	commit_as chi chi.le "an issue" &&
	push_refused chi "$CENTRAL" "chi.le is a reviewer: reviewers write only responses"
'

test_expect_success 'two devices of one officer: the merge of their work is accepted' '
	start an2 "$CENTRAL" an.nguyen &&
	put an2 an.nguyen issue $ID4 &&
	commit_as an2 an.nguyen "issue $ID4 on the second device" &&
	push_ok an2 &&
	put an an.nguyen issue $ID8 &&
	commit_as an an.nguyen "issue $ID8 on the first device" &&
	test_tick &&
	GIT_AUTHOR_EMAIL=an.nguyen@fieldlog GIT_COMMITTER_EMAIL=an.nguyen@fieldlog \
		git -C an pull -q --no-rebase --no-edit origin authors/an.nguyen &&
	test "$(git -C an rev-list --count --merges HEAD)" -ge 1 &&
	push_ok an
'

test_expect_success 'a merge that takes in another officer'\''s branch is refused' '
	start binh "$CENTRAL" binh.tran &&
	put binh binh.tran issue $ID3 &&
	commit_as binh binh.tran "binh 1" &&
	push_ok binh &&
	git -C an fetch -q origin authors/binh.tran &&
	test_tick &&
	GIT_AUTHOR_EMAIL=an.nguyen@fieldlog \
		git -C an merge -q --no-edit --allow-unrelated-histories FETCH_HEAD &&
	push_refused an "$CENTRAL" "written by .binh.tran., on the branch of .an.nguyen."
'

# An author's merge may keep either device's version of its own record:
# that is what fieldlog's own merge does, field by field.
test_expect_success 'a merge that keeps the first device'\''s version is accepted' '
	git -C an2 pull -q --no-rebase origin authors/an.nguyen &&
	put an2 an.nguyen issue $ID1 2 "Đã có thêm một cán bộ" &&
	commit_as an2 an.nguyen "issue $ID1: new title" &&
	push_ok an2 &&
	git -C an fetch -q origin authors/an.nguyen &&
	old=$(git -C an rev-parse "FETCH_HEAD~1") &&
	put an an.nguyen issue $ID5 &&
	commit_as an an.nguyen "an 5" &&
	git -C an merge -q --no-ff --no-commit FETCH_HEAD &&
	git -C an checkout "$old" -- "$(rpath an.nguyen issue $ID1)" &&
	test_tick &&
	GIT_AUTHOR_EMAIL=an.nguyen@fieldlog git -C an commit -q --no-edit &&
	push_ok an
'

test_expect_success 'a merge that drops a record is refused' '
	git -C an2 pull -q --no-rebase origin authors/an.nguyen &&
	put an2 an.nguyen issue $ID9 &&
	commit_as an2 an.nguyen "issue $ID9: new" &&
	push_ok an2 &&
	git -C an fetch -q origin authors/an.nguyen &&
	put an an.nguyen issue $ID7 &&
	commit_as an an.nguyen "an 7" &&
	git -C an merge -q --no-ff --no-commit FETCH_HEAD &&
	git -C an rm -q -f "$(rpath an.nguyen issue $ID9)" &&
	test_tick &&
	GIT_AUTHOR_EMAIL=an.nguyen@fieldlog git -C an commit -q --no-edit &&
	push_refused an "$CENTRAL" "$(rpath an.nguyen issue $ID9): deletes record"
'

test_expect_success 'git daemon: a valid push is accepted, a bad one refused with the reason' '
	start_git_daemon srv &&
	start d "$GIT_DAEMON_URL/central.git" an.nguyen &&
	put d an.nguyen issue $ID3 &&
	commit_as d an.nguyen "over git daemon" &&
	push_ok d &&
	put d binh.tran issue $ID6 &&
	commit_as d an.nguyen "sneaky over git daemon" &&
	push_refused d "$GIT_DAEMON_URL/central.git" "$(rpath binh.tran issue $ID6): not under .$(author_dir an.nguyen)/." &&
	grep "pre-receive hook declined" err
'

# Without lighttpd the http tests are skipped, visibly (HTTP is set only
# once a server runs and knows the logins).
test_lazy_prereq LIGHTTPD 'command -v lighttpd'
test_expect_success LIGHTTPD 'http: start lighttpd with git-http-backend' '
	start_http srv &&
	http_add_user an.nguyen an-pw &&
	http_add_user binh.tran binh-pw &&
	http_add_user mallory mallory-pw &&
	test_set_prereq HTTP
'

test_expect_success HTTP 'http: REMOTE_USER names the pusher, who pushes their own commits' '
	start h "$(http_url an.nguyen an-pw)/central.git" an.nguyen &&
	put h an.nguyen issue $ID6 &&
	commit_as h an.nguyen "written and pushed by an" &&
	push_ok h
'

test_expect_success HTTP 'http: binh.tran may push neither to an.nguyen'\''s branch nor an'\''s records' '
	put h an.nguyen issue $ID7 &&
	commit_as h an.nguyen "claims to be an" &&
	push_refused h "$(http_url binh.tran binh-pw)/central.git" \
		"refused refs/heads/authors/an.nguyen: .binh.tran. may only push refs/heads/authors/binh.tran" &&
	start hb "$(http_url binh.tran binh-pw)/central.git" binh.tran &&
	put hb an.nguyen issue $ID7 &&
	commit_as hb binh.tran "an'\''s record on binh'\''s branch" &&
	push_refused hb "$(http_url binh.tran binh-pw)/central.git" \
		"$(rpath an.nguyen issue $ID7): not under .$(author_dir binh.tran)/."
'

test_expect_success HTTP 'http: a login that is not in the roster is refused' '
	put h an.nguyen issue $ID7 &&
	commit_as h an.nguyen "from mallory" &&
	push_refused h "$(http_url mallory mallory-pw)/central.git" \
		"refused push: unknown pusher .mallory."
'

test_expect_success 'the central repository is consistent; each branch holds its author'\''s records' '
	git --git-dir="$CENTRAL" fsck --strict 2>err &&
	git --git-dir="$CENTRAL" for-each-ref --format="%(refname)" >refs &&
	cat >expect <<-\EOF &&
	refs/heads/authors/an.nguyen
	refs/heads/authors/binh.tran
	refs/heads/authors/chi.le
	refs/heads/main
	EOF
	test_cmp expect refs &&
	git --git-dir="$CENTRAL" ls-tree -r --name-only main >actual &&
	echo roster.json >expect &&
	test_cmp expect actual &&
	for b in an.nguyen binh.tran chi.le; do
		git --git-dir="$CENTRAL" ls-tree -r --name-only authors/$b || return 1
	done | sort >actual &&
	{
		rpath an.nguyen issue $ID1 && echo &&
		rpath an.nguyen issue $ID2 && echo &&
		rpath an.nguyen issue $ID3 && echo &&
		rpath an.nguyen issue $ID4 && echo &&
		rpath an.nguyen issue $ID5 && echo &&
		rpath an.nguyen issue $ID8 && echo &&
		rpath an.nguyen issue $ID9 && echo &&
		if test_have_prereq HTTP; then rpath an.nguyen issue $ID6 && echo; fi &&
		rpath binh.tran issue $ID3 && echo &&
		rpath chi.le response $ID6 && echo
	} | sort >expect &&
	test_cmp expect actual
'

# The hook finds people by their line in the canonical roster and parses
# only those; a roster written some other way is read whole.
test_expect_success 'a roster.json edited by hand (one line) still judges pushes' '
	git --git-dir="$CENTRAL" show main:roster.json |
		"$PYTHON" -c "import json,sys; sys.stdout.write(json.dumps(json.load(sys.stdin), separators=(\",\",\":\")))" >compact.json &&
	test_line_count = 0 compact.json &&
	blob=$(git --git-dir="$CENTRAL" hash-object -w compact.json) &&
	tree=$(printf "100644 blob %s\troster.json\n" "$blob" | git --git-dir="$CENTRAL" mktree) &&
	commit=$(echo "roster by hand" | git --git-dir="$CENTRAL" commit-tree "$tree" -p main) &&
	git --git-dir="$CENTRAL" update-ref refs/heads/main "$commit" &&
	start byhand "$CENTRAL" an.nguyen &&
	put byhand an.nguyen issue 01JC8Z5Q3H2M4N6P8R0T2V4X78 &&
	commit_as byhand an.nguyen "after the hand edit" &&
	push_ok byhand &&
	# the hook keeps the roster it read, named by its blob, and only that
	ls "$CENTRAL"/fieldlog/roster-*.json >copies &&
	echo "$CENTRAL/fieldlog/roster-$blob.json" >expect &&
	test_cmp expect copies &&
	test_cmp compact.json "$CENTRAL/fieldlog/roster-$blob.json" &&
	put byhand an.nguyen issue 01JC8Z5Q3H2M4N6P8R0T2V4X79 &&
	commit_as byhand binh.tran "binh on an'\''s branch" &&
	push_refused byhand "$CENTRAL" "written by .binh.tran., on the branch of .an.nguyen." &&
	put byhand mallory issue 01JC8Z5Q3H2M4N6P8R0T2V4X79 &&
	commit_as byhand mallory "mallory" &&
	push_refused byhand "$CENTRAL" "author <mallory@fieldlog> is not in the roster"
'

# The check reads objects without the commit-graph (sync/check.h), so it
# opens the object store itself, alternates included.
test_expect_success 'a central repository whose objects are borrowed (alternates)' '
	git clone -q --bare --shared "$CENTRAL" srv/shared.git &&
	test -s srv/shared.git/objects/info/alternates &&
	cp "$CENTRAL/hooks/pre-receive" srv/shared.git/hooks/ &&
	git -C srv/shared.git commit-graph write --reachable &&
	start borrowed srv/shared.git an.nguyen &&
	put borrowed an.nguyen issue 01JC8Z5Q3H2M4N6P8R0T2V4X7A &&
	commit_as borrowed an.nguyen "into a repository with alternates" &&
	git -C borrowed push origin HEAD:refs/heads/authors/an.nguyen 2>err &&
	cat err &&
	! grep "fieldlog:" err &&
	test "$(git --git-dir=srv/shared.git rev-parse authors/an.nguyen)" = "$(git -C borrowed rev-parse HEAD)"
'

test_expect_success 'roster add keeps people sorted, whatever order they come in' '
	fieldlog server init --allow-unsigned sorted.git >/dev/null &&
	for id in an em bo cuong; do
		fieldlog roster add --repo sorted.git --id $id --name "N $id" --role officer \
			--province 42 --login $id >/dev/null || return 1
	done &&
	fieldlog roster list --repo sorted.git --json >people.json &&
	"$PYTHON" -c "import json,sys; ids=[p[\"id\"] for p in json.load(open(\"people.json\"))[\"people\"]]; sys.exit(ids != [\"an\", \"bo\", \"cuong\", \"em\"])"
'

test_done
