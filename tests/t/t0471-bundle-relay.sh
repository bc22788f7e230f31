#!/bin/sh
# t0471-bundle-relay: a colleague relays an officer's work to the central
# repository, over http (lighttpd + git http-backend, basic auth; the
# central repository requires signatures).
#
# - an, offline, bundles their branch; binh (who never had an's branch)
#   imports it, `status` shows it waiting (and --json), and binh's next
#   sync pushes authors/an, which the server accepts because every commit
#   carries an's signature; an's own later sync finds it all there;
# - the relay rule itself, with stock git pushing as binh: an's signed
#   commits are accepted on authors/an; a commit binh wrote, or one that
#   claims an as author but carries binh's signature, is refused on
#   authors/an, and binh's own unsigned commit is refused on authors/binh.

. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/servers.sh"

SRV=$TEST_SCRATCH/srv
CENTRAL=$SRV/central.git

test_lazy_prereq LIGHTTPD 'command -v lighttpd && command -v ssh-keygen'

fl () {
	_who=$1
	shift
	(
		FIELDLOG_USER=$_who-login FIELDLOG_TOKEN=$_who-pw &&
		export FIELDLOG_USER FIELDLOG_TOKEN &&
		fieldlog -C "$TEST_SCRATCH/ws/$_who" "$@"
	)
}

as_binh () {
	echo "$(http_url binh-login binh-pw)/central.git"
}

# commit_env ID: the variables for `env` that make git write a commit as ID.
commit_env () {
	echo "GIT_AUTHOR_NAME=$1 GIT_AUTHOR_EMAIL=$1@fieldlog GIT_COMMITTER_NAME=$1" \
		"GIT_COMMITTER_EMAIL=$1@fieldlog"
}

# pushed_refused REF COMMIT PATTERN: stock git, as binh, cannot move REF to
# COMMIT; the server's reason matches PATTERN; REF has not moved.
push_refused () {
	_before=$(git --git-dir="$CENTRAL" rev-parse "$1") &&
	test_must_fail git --git-dir=b.git push "$(as_binh)" "$2:refs/heads/$1" 2>out/push.err &&
	cat out/push.err &&
	grep "$3" out/push.err &&
	test "$(git --git-dir="$CENTRAL" rev-parse "$1")" = "$_before"
}

test_expect_success LIGHTTPD 'a central repository that requires signatures, served over http' '
	mkdir -p ws out keys "$SRV" &&
	for k in admin an binh; do
		ssh-keygen -q -t ed25519 -N "" -C $k -f keys/$k || return 1
	done &&
	fieldlog server init --key keys/admin "$CENTRAL" >/dev/null &&
	fieldlog roster add --repo "$CENTRAL" --id an --name "Nguyễn Văn An" --role officer \
		--province 42 --login an-login --key keys/an.pub &&
	fieldlog roster add --repo "$CENTRAL" --id binh --name "Trần Bình" --role officer \
		--province 42 --login binh-login --key keys/binh.pub &&
	start_http "$SRV" &&
	http_add_user an-login an-pw &&
	http_add_user binh-login binh-pw &&
	test_set_prereq HTTP &&
	fl an init --id an --remote "$HTTP_URL/central.git" --key keys/an >/dev/null &&
	fl binh init --id binh --remote "$HTTP_URL/central.git" --key keys/binh >/dev/null &&
	fl an issue add --title "Gửi khi còn sóng" --domain land --commune 18073 --severity low &&
	fl an sync >/dev/null
'

test_expect_success HTTP 'an, with no signal, bundles the branch for a colleague' '
	fl an issue add --title "Mất điện ở xã" --domain land --commune 18073 --severity high \
		--json >out/i1 &&
	json_get id <out/i1 >id &&
	fl an visit add --commune 18073 --date 2026-12-02 --summary "Họp với xã" &&
	fl an bundle create week.bundle >/dev/null &&
	fl an bundle create --all "$TEST_SCRATCH/all.bundle" >out/create &&
	grep "^  3 commits on authors/an\$" out/create
'

test_expect_success HTTP 'binh lacks what the week builds on: one line says what to ask for' '
	test_must_fail fl binh bundle import week.bundle 2>err &&
	test_line_count = 1 err &&
	grep "builds on 1 commit this workspace does not have (.*): sync first, or ask for a bundle made with --all" err
'

test_expect_success HTTP 'binh imports the whole branch; status shows it waiting' '
	fl binh bundle import all.bundle >out/import &&
	grep "^authors/an waits to be relayed to the central repository by the next sync\$" out/import &&
	fl binh issue list >out/list &&
	grep "Mất điện ở xã" out/list &&
	fl binh status >out/st &&
	grep "^waiting to be relayed: 1\$" out/st &&
	grep "^  authors/an ($(git --git-dir=ws/an/repo.git rev-parse main))\$" out/st &&
	fl binh status --json >out/st.json &&
	test "$(json_get relay.0.author <out/st.json)" = an
'

test_expect_success HTTP 'binh'\''s sync relays it; the server accepts an'\''s signed commits' '
	fl binh sync >out/sync &&
	cat out/sync &&
	grep "^relayed 1 colleague.s branch (from bundles)\$" out/sync &&
	test "$(git --git-dir="$CENTRAL" rev-parse authors/an)" = \
		"$(git --git-dir=ws/an/repo.git rev-parse main)" &&
	fl binh status --json >out/st2.json &&
	test "$(json_get relay <out/st2.json)" = "[]" &&
	git --git-dir="$CENTRAL" log --format=%ce authors/an >out/committers &&
	! grep -v "^an@fieldlog\$" out/committers
'

test_expect_success HTTP 'back in signal, an finds the week already there' '
	fl an sync >out/an.sync &&
	cat out/an.sync &&
	test "$(git --git-dir="$CENTRAL" rev-parse authors/an)" = \
		"$(git --git-dir=ws/an/repo.git rev-parse main)"
'

test_expect_success HTTP 'the relay rule, stock git pushing as binh: an'\''s signed commit is accepted' '
	fl an issue add --title "Chuyển tiếp bằng git" --domain land --commune 18073 \
		--severity low &&
	tip=$(git --git-dir=ws/an/repo.git rev-parse main) &&
	git --git-dir=ws/an/repo.git push "$(as_binh)" main:refs/heads/authors/an 2>out/push &&
	test "$(git --git-dir="$CENTRAL" rev-parse authors/an)" = "$tip"
'

test_expect_success HTTP 'refused: binh'\''s own commit on authors/an, and an'\''s name signed by binh' '
	git clone -q --bare "$CENTRAL" b.git &&
	tree=$(git --git-dir=b.git rev-parse "authors/an^{tree}") &&
	c=$(env $(commit_env binh) git --git-dir=b.git commit-tree -p authors/an -m x "$tree") &&
	push_refused authors/an $c "relay commits all signed by their owner" &&
	c=$(env $(commit_env binh) git --git-dir=b.git -c gpg.format=ssh \
		-c user.signingkey="$TEST_SCRATCH/keys/binh" commit-tree -S -p authors/an -m y "$tree") &&
	push_refused authors/an $c "relay commits all signed by their owner" &&
	c=$(env $(commit_env an) git --git-dir=b.git -c gpg.format=ssh \
		-c user.signingkey="$TEST_SCRATCH/keys/binh" commit-tree -S -p authors/an -m z "$tree") &&
	push_refused authors/an $c "relay commits all signed by their owner"
'

test_expect_success HTTP 'refused: binh'\''s own unsigned commit on authors/binh' '
	fl binh issue add --title "Của Bình" --domain land --commune 18073 --severity low &&
	fl binh sync >/dev/null &&
	git --git-dir=b.git fetch -q "$CENTRAL" authors/binh:refs/heads/authors/binh &&
	tree=$(git --git-dir=b.git rev-parse "authors/binh^{tree}") &&
	c=$(env $(commit_env binh) git --git-dir=b.git commit-tree -p authors/binh -m u "$tree") &&
	push_refused authors/binh $c "unsigned, and this repository requires"
'

test_done
