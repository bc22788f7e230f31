# sync-scenario.sh: the three-officers-and-a-reviewer sync scenario that
# t0400 (git daemon), t0401 (smart HTTP) and t0402 (sshd) run over their
# own transport, and small helpers the other t04* sync tests share.
#
# Source it after test-lib.sh and servers.sh:
#
#	. "$TEST_LIB_DIR/sync-scenario.sh"
#
# The people (roster.json of the central repository):
#
#	an.nguyen   officer   province 42 (Hà Tĩnh)    communes 18073 18100
#	binh.tran   officer   province 75 (Đồng Nai)   communes 25195 25210
#	chi.le      officer   province 01 (Hà Nội)     communes 00004 00008
#	dung.pham   reviewer
#
# Each has a server login that differs from the id (so a test sees the
# roster mapping logins to ids) and a password (http).
#
# A transport test supplies, after sourcing this file:
#
#	scn_url ID        prints the central URL ID's workspace uses
#	scn_env ID        prints env assignments (KEY=VALUE, no spaces in
#	                  values) for every fieldlog command run as ID
#	scn_after_init ID optional: runs after ID's workspace exists (e.g.
#	                  `remote set-token`); the default does nothing
#
# and then calls sync_scenario, which adds the test blocks of the whole
# scenario (central repository, joins, two rounds of edits and syncs, a
# reviewer who sees everything and answers, the final "nothing to do" sync,
# what each replica holds, fsck).
#
# The central repository has a branch per author, refs/heads/authors/ID,
# and main holds the roster (docs/design.md, "Repository layout"): an officer's sync fetches
# its own branch and the reviewers', a reviewer's everyone's.
# Everything runs in the test's scratch directory: srv/ holds the central
# repository (srv/central.git), ws/ID the workspaces, out/ what commands
# printed, ids/ the records each officer created.

# Sanitizer builds: LeakSanitizer prints its table of used suppressions
# (libpcre2) on stderr at every exit, which would spoil the tests that
# count the lines a command prints. Set before any server starts, so that
# hooks inherit it too.
case ${LSAN_OPTIONS-} in
*print_suppressions=*) ;;
*) LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}print_suppressions=0" ;;
esac
export LSAN_OPTIONS

SCN_OFFICERS="an.nguyen binh.tran chi.le"
SCN_REVIEWER=dung.pham
SCN_ALL="$SCN_OFFICERS $SCN_REVIEWER"
SCN_SRV=$TEST_SCRATCH/srv
SCN_CENTRAL=$SCN_SRV/central.git
SCN_WS=$TEST_SCRATCH/ws
mkdir -p "$SCN_SRV" "$SCN_WS" "$TEST_SCRATCH/out" "$TEST_SCRATCH/ids"

# scn_person ID: sets scn_name scn_role scn_prov scn_c1 scn_c2 scn_login scn_pw.
scn_person () {
	case $1 in
	an.nguyen)
		scn_name='Nguyễn Văn An' scn_role=officer scn_prov=42
		scn_c1=18073 scn_c2=18100 scn_login=an-login scn_pw=an-secret-1 ;;
	binh.tran)
		scn_name='Trần Thị Bình' scn_role=officer scn_prov=75
		scn_c1=25195 scn_c2=25210 scn_login=binh-login scn_pw=binh-secret-2 ;;
	chi.le)
		scn_name='Lê Minh Chí' scn_role=officer scn_prov=01
		scn_c1=00004 scn_c2=00008 scn_login=chi-login scn_pw=chi-secret-3 ;;
	dung.pham)
		scn_name='Phạm Quốc Dũng' scn_role=reviewer scn_prov=
		scn_c1= scn_c2= scn_login=dung-login scn_pw=dung-secret-4 ;;
	*)
		echo "scn_person: unknown person '$1'" >&2
		return 1 ;;
	esac
}

# Defaults for the transport hooks (a transport test redefines them).
scn_url () { echo "file://$SCN_CENTRAL"; }
scn_env () { :; }
scn_after_init () { :; }

# scn_fl ID ARGS...: fieldlog -C ws/ID ARGS, with ID's environment.
scn_fl () {
	_scn_who=$1
	shift
	# shellcheck disable=SC2046 # scn_env prints words on purpose
	env $(scn_env "$_scn_who") "$FIELDLOG_BIN" -C "$SCN_WS/$_scn_who" "$@"
}

# scn_fl_on DAY ID ARGS...: scn_fl with the clock at 18:00 on DAY (YYYY-MM-DD):
# a visit is logged on its day, since one in the future or more than a year
# back is refused (DESIGN "Entry rules") whatever the real clock says.
scn_fl_on () {
	_scn_day=$1 _scn_who=$2
	shift 2
	# shellcheck disable=SC2046 # scn_env prints words on purpose
	env FIELDLOG_NOW="${_scn_day}T18:00:00+07:00" $(scn_env "$_scn_who") \
		"$FIELDLOG_BIN" -C "$SCN_WS/$_scn_who" "$@"
}

# scn_central: creates srv/central.git with `fieldlog server init` and puts
# the four people in its roster with `fieldlog roster add`.
scn_central () {
	fieldlog server init --allow-unsigned "$SCN_CENTRAL" >"$TEST_SCRATCH/out/server-init" &&
	for _scn_p in $SCN_ALL; do
		scn_person "$_scn_p" &&
		if [ "$scn_role" = officer ]; then
			fieldlog roster add --repo "$SCN_CENTRAL" --id "$_scn_p" \
				--name "$scn_name" --role officer --province "$scn_prov" \
				--login "$scn_login"
		else
			fieldlog roster add --repo "$SCN_CENTRAL" --id "$_scn_p" \
				--name "$scn_name" --role reviewer --login "$scn_login"
		fi || return 1
	done &&
	test -x "$SCN_CENTRAL/hooks/pre-receive" &&
	git --git-dir="$SCN_CENTRAL" show main:roster.json >"$TEST_SCRATCH/out/roster.json" &&
	for _scn_p in $SCN_ALL; do
		grep "\"$_scn_p\"" "$TEST_SCRATCH/out/roster.json" >/dev/null || {
			echo "roster.json lacks $_scn_p" >&2
			return 1
		}
	done
}

# scn_join ID: `init --id ID --remote URL`; name, role and province come
# from the roster.
scn_join () {
	scn_person "$1" &&
	scn_fl "$1" init --id "$1" --remote "$(scn_url "$1")" >"$TEST_SCRATCH/out/$1.init" &&
	scn_after_init "$1" &&
	scn_fl "$1" whoami --json >"$TEST_SCRATCH/out/$1.whoami" &&
	test "$(json_get name <"$TEST_SCRATCH/out/$1.whoami")" = "$scn_name" &&
	test "$(json_get role <"$TEST_SCRATCH/out/$1.whoami")" = "$scn_role" &&
	test "$(json_get province <"$TEST_SCRATCH/out/$1.whoami")" = "$scn_prov"
}

# scn_join_late ID: a workspace made offline (init without --remote), which
# gets its central repository later with `remote set URL`.
scn_join_late () {
	scn_person "$1" &&
	scn_fl "$1" init --id "$1" --name "$scn_name" --role "$scn_role" \
		--province "$scn_prov" >"$TEST_SCRATCH/out/$1.init"
}
scn_set_remote () {
	scn_fl "$1" remote set "$(scn_url "$1")" &&
	scn_after_init "$1" &&
	test "$(scn_fl "$1" remote)" = "$(scn_url "$1")"
}

# scn_add_issue ID TITLE: adds an issue in ID's first commune; its id goes
# to ids/ID.issue (and to $scn_last).
scn_add_issue () {
	scn_person "$1" &&
	scn_fl "$1" issue add --title "$2" --domain land --commune "$scn_c1" \
		--severity high --json >"$TEST_SCRATCH/out/added" &&
	scn_last=$(json_get id <"$TEST_SCRATCH/out/added") &&
	test -n "$scn_last" &&
	echo "$scn_last" >>"$TEST_SCRATCH/ids/$1.issue"
}

# scn_add_visit ID DATE SUMMARY: a visit to ID's second commune.
scn_add_visit () {
	scn_person "$1" &&
	scn_fl_on "$2" "$1" visit add --date "$2" --commune "$scn_c2" --summary "$3" \
		--json >"$TEST_SCRATCH/out/added" &&
	scn_last=$(json_get id <"$TEST_SCRATCH/out/added") &&
	test -n "$scn_last" &&
	echo "$scn_last" >>"$TEST_SCRATCH/ids/$1.visit"
}

# scn_sync ID [EXPECTED-LAST-LINE]: `fieldlog sync` succeeds and ends with
# "sent N, received M, conflicts 0" (or exactly the expected line).
scn_sync () {
	scn_fl "$1" sync >"$TEST_SCRATCH/out/$1.sync" 2>"$TEST_SCRATCH/out/$1.sync.err"
	_scn_rc=$?
	cat "$TEST_SCRATCH/out/$1.sync" "$TEST_SCRATCH/out/$1.sync.err"
	if [ $_scn_rc -ne 0 ]; then
		echo "sync as $1 exited $_scn_rc" >&2
		return 1
	fi
	_scn_line=$(tail -n 1 "$TEST_SCRATCH/out/$1.sync")
	if [ $# -ge 2 ]; then
		[ "$_scn_line" = "$2" ] || {
			echo "sync as $1 said '$_scn_line', expected '$2'" >&2
			return 1
		}
	else
		expr "$_scn_line" : 'sent [0-9]*, received [0-9]*, conflicts 0$' >/dev/null || {
			echo "sync as $1 ended with '$_scn_line'" >&2
			return 1
		}
	fi
}

# scn_lists ID: ID's `issue list --json` and `visit list --json` into
# out/ID.issues and out/ID.visits.
scn_lists () {
	scn_fl "$1" issue list --json >"$TEST_SCRATCH/out/$1.issues" &&
	scn_fl "$1" visit list --json >"$TEST_SCRATCH/out/$1.visits"
}

# scn_ids FILE: the sorted ids of a `list --json` FILE.
scn_ids () {
	"$PYTHON" -c '
import json, sys
for r in json.load(open(sys.argv[1])):
    print(r["id"])' "$1" | sort
}

# scn_same_replicas ID...: every replica lists the same issues and visits,
# exactly the ones their authors created (ids/), each once. Officers hold
# their own records (and the reviewers'), reviewers everyone's; replicas of
# the same role and records are compared whole.
scn_same_replicas () {
	_scn_first= &&
	for _scn_p in "$@"; do
		scn_person "$_scn_p" &&
		if [ "$scn_role" = reviewer ]; then
			cat "$TEST_SCRATCH"/ids/*.issue | sort >"$TEST_SCRATCH/out/expect.issues" &&
			cat "$TEST_SCRATCH"/ids/*.visit | sort >"$TEST_SCRATCH/out/expect.visits"
		else
			cat "$TEST_SCRATCH/ids/$_scn_p.issue" /dev/null 2>/dev/null |
				sort >"$TEST_SCRATCH/out/expect.issues" &&
			cat "$TEST_SCRATCH/ids/$_scn_p.visit" /dev/null 2>/dev/null |
				sort >"$TEST_SCRATCH/out/expect.visits"
		fi &&
		scn_lists "$_scn_p" &&
		scn_ids "$TEST_SCRATCH/out/$_scn_p.issues" >"$TEST_SCRATCH/out/actual.issues" &&
		scn_ids "$TEST_SCRATCH/out/$_scn_p.visits" >"$TEST_SCRATCH/out/actual.visits" &&
		test_cmp "$TEST_SCRATCH/out/expect.issues" "$TEST_SCRATCH/out/actual.issues" &&
		test_cmp "$TEST_SCRATCH/out/expect.visits" "$TEST_SCRATCH/out/actual.visits" || return 1
	done
}

# scn_officer_view OFFICER REVIEWER: what the officer lists of its own
# records is what the reviewer lists of them, field for field.
scn_officer_view () {
	scn_lists "$1" && scn_lists "$2" &&
	"$PYTHON" -c '
import json, sys
mine = {r["id"]: r for r in json.load(open(sys.argv[1]))}
theirs = {r["id"]: r for r in json.load(open(sys.argv[2])) if r["id"] in mine}
sys.exit(0 if mine == theirs else "%s and the reviewer differ" % sys.argv[3])' \
		"$TEST_SCRATCH/out/$1.issues" "$TEST_SCRATCH/out/$2.issues" "$1"
}

# scn_central_has_ids: each created record is on its author's central
# branch exactly once, under its author's directory, and that branch holds
# nothing else.
scn_central_has_ids () {
	for _scn_f in "$TEST_SCRATCH"/ids/*.issue "$TEST_SCRATCH"/ids/*.visit; do
		[ -f "$_scn_f" ] || continue
		_scn_b=${_scn_f##*/}
		_scn_author=${_scn_b%.*}
		_scn_kind=${_scn_b##*.}
		git --git-dir="$SCN_CENTRAL" ls-tree -r --name-only "authors/$_scn_author" \
			>"$TEST_SCRATCH/out/central.paths" &&
		if grep -v "^$(author_dir "$_scn_author")/" "$TEST_SCRATCH/out/central.paths"; then
			echo "authors/$_scn_author holds files of others" >&2
			return 1
		fi &&
		while read -r _scn_id; do
			_scn_n=$(grep -c "^$(author_dir "$_scn_author")/$_scn_kind/$_scn_id\.json\$" \
				"$TEST_SCRATCH/out/central.paths")
			[ "$_scn_n" = 1 ] || {
				echo "authors/$_scn_author has $_scn_n files for $_scn_kind $_scn_id" >&2
				return 1
			}
		done <"$_scn_f" || return 1
	done
}

# scn_record_file WORKSPACE-DIR KIND ID: prints the path of a record in the
# workspace's own repository (main).
scn_record_path () {
	git_saved "$1" ls-tree -r --name-only main | grep "/$2/.*$3\.json\$"
}

# scn_foreign_record ID OUTFILE: makes a valid, canonical issue written by
# ID in a throw-away offline workspace and copies it to OUTFILE; prints its
# repository path.
scn_foreign_record () {
	scn_person "$1" &&
	_scn_tw=$TEST_SCRATCH/throwaway-$1.$$ &&
	rm -rf "$_scn_tw" &&
	fieldlog -C "$_scn_tw" init --id "$1" --name "$scn_name" --role officer \
		--province "${scn_prov:-42}" >/dev/null &&
	_scn_id=$(fieldlog -C "$_scn_tw" issue add --title "made outside fieldlog sync" \
		--domain land --commune "${scn_c1:-18073}" --severity low --json | json_get id) &&
	_scn_path=$(scn_record_path "$_scn_tw" issue "$_scn_id") &&
	git --git-dir="$_scn_tw/repo.git" show "main:$_scn_path" >"$2" &&
	rm -rf "$_scn_tw" &&
	echo "$_scn_path"
}

# scn_stock_clone GIT-URL ID DIR: a stock git working tree of ID's central
# branch (an empty one with that remote when ID has no branch yet).
scn_stock_clone () {
	rm -rf "$3" &&
	if git ls-remote --exit-code "$1" "refs/heads/authors/$2" >/dev/null; then
		git clone -q --branch "authors/$2" "$1" "$3"
	else
		git init -q "$3" && git -C "$3" remote add origin "$1"
	fi
}

# scn_push_as_other GIT-URL LOGIN-ID OTHER-ID: with stock git and LOGIN-ID's
# credentials (in GIT-URL or GIT_SSH_COMMAND), pushes a valid record of
# OTHER-ID under OTHER-ID's directory to OTHER-ID's branch, authored as
# OTHER-ID@fieldlog (so that only the server's name for the pusher can
# tell): the push is refused, the reason reaches the pusher, and the branch
# does not move.
scn_push_as_other () {
	_scn_clone=$TEST_SCRATCH/stock-$2 &&
	scn_stock_clone "$1" "$3" "$_scn_clone" &&
	_scn_path=$(scn_foreign_record "$3" "$TEST_SCRATCH/out/foreign.json") &&
	mkdir -p "$_scn_clone/${_scn_path%/*}" &&
	cp "$TEST_SCRATCH/out/foreign.json" "$_scn_clone/$_scn_path" &&
	git -C "$_scn_clone" add "$_scn_path" &&
	GIT_AUTHOR_EMAIL=$3@fieldlog GIT_COMMITTER_EMAIL=$3@fieldlog \
		git -C "$_scn_clone" commit -q -m "a record of $3 pushed by $2" &&
	_scn_before=$(git --git-dir="$SCN_CENTRAL" rev-parse -q --verify "authors/$3") ;
	test_must_fail git -C "$_scn_clone" push origin "HEAD:refs/heads/authors/$3" \
		>"$TEST_SCRATCH/out/push-as-other" 2>&1
	_scn_rc=$?
	cat "$TEST_SCRATCH/out/push-as-other"
	[ $_scn_rc = 0 ] &&
	test "$(git --git-dir="$SCN_CENTRAL" rev-parse -q --verify "authors/$3")" = "$_scn_before" &&
	grep "pre-receive hook declined" "$TEST_SCRATCH/out/push-as-other" &&
	# the hook's reason: whose branch it is, and who the pusher is
	grep "^remote: .*authors/$3: '$2' may only push refs/heads/authors/$2" \
		"$TEST_SCRATCH/out/push-as-other" &&
	# and its own branch does not take the other's record either, even
	# in a commit of its own
	scn_stock_clone "$1" "$2" "$_scn_clone.own" &&
	mkdir -p "$_scn_clone.own/${_scn_path%/*}" &&
	cp "$TEST_SCRATCH/out/foreign.json" "$_scn_clone.own/$_scn_path" &&
	git -C "$_scn_clone.own" add "$_scn_path" &&
	GIT_AUTHOR_EMAIL=$2@fieldlog GIT_COMMITTER_EMAIL=$2@fieldlog \
		git -C "$_scn_clone.own" commit -q -m "a record of $3 on the branch of $2" &&
	git -C "$_scn_clone.own" push origin "HEAD:refs/heads/authors/$2" \
		>"$TEST_SCRATCH/out/push-as-other" 2>&1
	_scn_rc=$?
	cat "$TEST_SCRATCH/out/push-as-other"
	[ $_scn_rc != 0 ] &&
	grep "^remote: .*$_scn_path" "$TEST_SCRATCH/out/push-as-other" &&
	grep "^remote: .*not under '$(author_dir "$2")/'" "$TEST_SCRATCH/out/push-as-other"
}

# scn_push_own GIT-URL ID: the same kind of push, of ID's own record with
# ID's credentials, is accepted.
scn_push_own () {
	_scn_clone=$TEST_SCRATCH/stock-own-$2 &&
	scn_stock_clone "$1" "$2" "$_scn_clone" &&
	_scn_path=$(scn_foreign_record "$2" "$TEST_SCRATCH/out/own.json") &&
	mkdir -p "$_scn_clone/${_scn_path%/*}" &&
	cp "$TEST_SCRATCH/out/own.json" "$_scn_clone/$_scn_path" &&
	git -C "$_scn_clone" add "$_scn_path" &&
	GIT_AUTHOR_EMAIL=$2@fieldlog git -C "$_scn_clone" commit -q -m "own record of $2" &&
	git -C "$_scn_clone" push -q origin "HEAD:refs/heads/authors/$2" &&
	git --git-dir="$SCN_CENTRAL" cat-file -e "authors/$2:$_scn_path" &&
	_scn_id=${_scn_path##*/} &&
	echo "${_scn_id%.json}" >>"$TEST_SCRATCH/ids/$2.issue"
}

# scn_fsck: the central repository and every workspace's repo.git (under
# ws/) pass git fsck --strict.
scn_fsck () {
	git --git-dir="$SCN_CENTRAL" fsck --strict --no-progress &&
	for _scn_d in "$SCN_WS"/*/repo.git; do
		[ -d "$_scn_d" ] || continue
		git --git-dir="$_scn_d" fsck --strict --no-progress || return 1
	done
}

# no_secret SECRET FILE...: SECRET appears in none of the FILEs.
no_secret () {
	_scn_s=$1
	shift
	if grep -F -- "$_scn_s" "$@"; then
		echo "the secret '$_scn_s' was printed" >&2
		return 1
	fi
	return 0
}

# sync_scenario: the test blocks of the whole scenario.
sync_scenario () {
	test_expect_success 'central repository: server init, three officers and a reviewer' '
		scn_central
	'

	test_expect_success 'two officers join with init --remote (identity from the roster)' '
		scn_join binh.tran &&
		scn_join chi.le
	'

	test_expect_success 'an officer starts offline, then sets the remote' '
		scn_join_late an.nguyen &&
		scn_add_issue an.nguyen "Tranh chấp đất đai ở phường Thành Sen" &&
		scn_add_issue an.nguyen "Hồ sơ đất chưa cấp sổ" &&
		scn_add_visit an.nguyen 2025-09-08 "Làm việc với UBND phường" &&
		scn_set_remote an.nguyen &&
		scn_fl an.nguyen status >out/an.status &&
		grep "local versions not yet sent: 3" out/an.status
	'

	test_expect_success 'round 1: each officer adds records and syncs' '
		scn_add_issue binh.tran "Đường giao thông nông thôn xuống cấp" &&
		scn_add_issue binh.tran "Chậm giải phóng mặt bằng" &&
		scn_add_visit binh.tran 2025-09-09 "Khảo sát hiện trường" &&
		scn_add_issue chi.le "Cấp phép xây dựng chậm" &&
		scn_add_issue chi.le "Khiếu nại về bồi thường" &&
		scn_add_visit chi.le 2025-09-10 "Tiếp công dân" &&
		scn_sync an.nguyen "sent 3, received 0, conflicts 0" &&
		scn_sync binh.tran "sent 3, received 0, conflicts 0" &&
		scn_sync chi.le "sent 3, received 0, conflicts 0" &&
		for p in $SCN_OFFICERS; do
			scn_fl $p status >out/$p.status &&
			grep "local versions not yet sent: 0" out/$p.status || return 1
		done
	'

	test_expect_success 'round 2: everyone edits offline, then syncs (merges)' '
		for p in $SCN_OFFICERS; do
			first=$(head -n 1 ids/$p.issue) &&
			scn_fl $p issue edit "$first" --status in_progress --severity urgent >/dev/null &&
			scn_add_visit $p 2025-09-11 "Vòng hai: $p" || return 1
		done &&
		scn_sync chi.le "sent 2, received 0, conflicts 0" &&
		scn_sync binh.tran "sent 2, received 0, conflicts 0" &&
		scn_sync an.nguyen "sent 2, received 0, conflicts 0" &&
		# officers do not download each other
		scn_same_replicas $SCN_OFFICERS
	'

	test_expect_success 'the reviewer joins with init --remote and syncs' '
		scn_join $SCN_REVIEWER &&
		grep "12 records indexed" out/$SCN_REVIEWER.init &&
		scn_sync $SCN_REVIEWER "sent 0, received 0, conflicts 0"
	'

	test_expect_success 'round 3: the reviewer answers; officers receive the answer' '
		first=$(head -n 1 ids/binh.tran.issue) &&
		scn_fl $SCN_REVIEWER respond "$first" --status answered \
			--text "Bộ đã ghi nhận, đề nghị tỉnh báo cáo tiến độ" >/dev/null &&
		scn_sync $SCN_REVIEWER "sent 1, received 0, conflicts 0" &&
		scn_sync binh.tran "sent 0, received 1, conflicts 0" &&
		scn_fl binh.tran issue show "$first" >out/answered &&
		grep "Bộ đã ghi nhận" out/answered &&
		scn_sync an.nguyen "sent 0, received 1, conflicts 0" &&
		scn_sync chi.le "sent 0, received 1, conflicts 0" &&
		git --git-dir="$SCN_CENTRAL" ls-tree -r --name-only authors/$SCN_REVIEWER >out/rev.paths &&
		test_line_count = 1 out/rev.paths
	'

	test_expect_success 'a sync killed between fetch and import: the next command catches up' '
		scn_add_visit chi.le 2025-09-12 "Vòng ba: chi.le" &&
		scn_sync chi.le "sent 1, received 0, conflicts 0" &&
		(FIELDLOG_TEST_DIE_AT="sync: import" && export FIELDLOG_TEST_DIE_AT &&
		 scn_fl $SCN_REVIEWER sync >out/killed 2>&1; echo $? >out/killed.rc) &&
		test "$(cat out/killed.rc)" = 137 &&
		scn_fl $SCN_REVIEWER visit list --json >out/after-kill &&
		grep "$scn_last" out/after-kill &&
		scn_sync $SCN_REVIEWER "sent 0, received 0, conflicts 0"
	'

	# With something to send, a sync pushes first; the server's answer
	# lists every branch, so a fetch follows only when one we follow moved.
	test_expect_success 'an officer who sends: one exchange, a fetch only for news' '
		scn_add_visit an.nguyen 2025-09-15 "Tuần mới: an.nguyen" &&
		(FIELDLOG_TRACE=1 && export FIELDLOG_TRACE &&
		 scn_sync an.nguyen "sent 1, received 0, conflicts 0") &&
		case $(scn_url an.nguyen) in
		file://*) ;;   # a local path: git_remote_push, fetch first
		*)
			grep "sync: push first" out/an.nguyen.sync.err &&
			! grep "sync: fetch" out/an.nguyen.sync.err ;;
		esac &&
		first=$(head -n 1 ids/an.nguyen.issue) &&
		scn_fl $SCN_REVIEWER respond "$first" --status answered --text "Đã xem" >/dev/null &&
		scn_sync $SCN_REVIEWER "sent 1, received 1, conflicts 0" &&
		scn_add_visit an.nguyen 2025-09-16 "Tuần mới, ngày hai" &&
		(FIELDLOG_TRACE=1 && export FIELDLOG_TRACE &&
		 scn_sync an.nguyen "sent 1, received 1, conflicts 0") &&
		grep "sync: fetch" out/an.nguyen.sync.err &&
		scn_sync $SCN_REVIEWER "sent 0, received 1, conflicts 0" &&
		for p in binh.tran chi.le; do
			scn_sync $p "sent 0, received 1, conflicts 0" || return 1
		done
	'

	test_expect_success 'final sync everywhere: sent 0, received 0, conflicts 0' '
		for p in $SCN_ALL; do
			scn_sync $p "sent 0, received 0, conflicts 0" || return 1
		done
	'

	test_expect_success 'each replica holds what it follows, each record once' '
		scn_same_replicas $SCN_ALL &&
		for p in $SCN_OFFICERS; do
			scn_officer_view $p $SCN_REVIEWER &&
			first=$(head -n 1 ids/$p.issue) &&
			scn_fl $SCN_REVIEWER issue show "$first" --json >out/shown &&
			test "$(json_get status severity <out/shown)" = "in_progress
urgent" || return 1
		done
	'

	test_expect_success 'central: every record once, on its author\''s branch; main the roster' '
		scn_central_has_ids &&
		git --git-dir="$SCN_CENTRAL" show main:roster.json >out/roster.after &&
		test_cmp out/roster.json out/roster.after &&
		git --git-dir="$SCN_CENTRAL" ls-tree -r --name-only main >out/main.paths &&
		echo roster.json >out/main.expect &&
		test_cmp out/main.expect out/main.paths
	'

	test_expect_success 'git fsck --strict: central and every workspace' '
		scn_fsck
	'

	# fieldlog builds the pack itself on network transports (sync/push.h):
	# what is new, not a walk of the whole remote tree as libgit2 does.
	test_expect_success 'a push sends only what is new' '
		scn_add_issue binh.tran "Thiếu máy tính cho bộ phận một cửa" &&
		scn_sync binh.tran "sent 1, received 0, conflicts 0" &&
		scn_add_issue an.nguyen "Chưa bàn giao hồ sơ địa chính" &&
		(FIELDLOG_TRACE=1 && export FIELDLOG_TRACE &&
		 scn_sync an.nguyen "sent 1, received 0, conflicts 0") &&
		case $(scn_url) in
		file://*) ;;   # a local path: git_remote_push
		*)
			# the new commit, its blob, issue, author, bucket and root trees
			grep "^trace: .* push: 6 objects\$" out/an.nguyen.sync.err ;;
		esac &&
		scn_sync $SCN_REVIEWER "sent 0, received 2, conflicts 0" &&
		scn_same_replicas an.nguyen binh.tran $SCN_REVIEWER &&
		git --git-dir="$SCN_CENTRAL" fsck --strict --no-dangling
	'
}
