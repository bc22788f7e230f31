#!/bin/sh
# t0470-bundle: records that travel as a file where there is no signal.
#
# - an officer with no connection writes a bundle of what the central
#   repository does not have; stock `git bundle verify` accepts it;
# - a reviewer imports it: `issue list` and `log` show the officer's week,
#   signed by the officer; a second import changes nothing;
# - refused, with one line naming the reason and nothing kept: a truncated
#   bundle, a corrupted byte in its pack, a bundle of another central
#   repository, of plain git commits, with an unsigned commit, with a
#   commit signed by another roster member's key, a roster change not
#   signed by the admin's key;
# - the reverse direction: `bundle create --for ID` by a reviewer and by
#   the admin on the central repository (--repo) carries the answers and
#   the roster to an officer who imports it offline.
# The relay through a colleague over http is t0471.

. "$(dirname "$0")/test-lib.sh"

CENTRAL=$TEST_SCRATCH/central.git

# craft OUT CENTRAL_ROOT TIP REF [HIDE...]: a bundle written by hand as
# fieldlog writes it (the central repository's line first), of the
# commits of TIP not reachable from HIDE, in the repository $GIT_DIR.
craft () {
	_out=$1 _root=$2 _tip=$3 _ref=$4
	shift 4
	{
		printf '# v2 git bundle\n-%s fieldlog central repository\n' "$_root"
		for _h; do printf -- '-%s x\n' "$(git rev-parse "$_h")"; done
		printf '%s %s\n\n' "$(git rev-parse "$_tip")" "$_ref"
		git rev-list --objects "$_tip" $(for _h; do printf '^%s ' "$_h"; done) |
		git pack-objects -q --stdout
	} >"$_out"
}

# unchanged WHO: WHO's refs and packs are as saved by `snapshot WHO`.
snapshot () {
	git --git-dir=ws/$1/repo.git for-each-ref >out/$1.refs &&
	ls ws/$1/repo.git/objects/pack >out/$1.packs
}
unchanged () {
	git --git-dir=ws/$1/repo.git for-each-ref >out/$1.refs2 &&
	ls ws/$1/repo.git/objects/pack >out/$1.packs2 &&
	test_cmp out/$1.refs out/$1.refs2 &&
	test_cmp out/$1.packs out/$1.packs2 &&
	! ls -d ws/$1/repo.git/fieldlog-bundle-* 2>/dev/null
}

test_lazy_prereq SSHKEYGEN 'command -v ssh-keygen'

commit_env () {
	GIT_AUTHOR_NAME=An GIT_AUTHOR_EMAIL=an@fieldlog GIT_COMMITTER_NAME=An \
	GIT_COMMITTER_EMAIL=an@fieldlog "$@"
}

test_expect_success SSHKEYGEN 'a central repository that requires signatures; an, binh, bo' '
	mkdir ws out keys &&
	for k in admin an binh bo other; do
		ssh-keygen -q -t ed25519 -N "" -C $k -f keys/$k || return 1
	done &&
	fieldlog server init --key keys/admin "$CENTRAL" >out/init &&
	fieldlog roster add --repo "$CENTRAL" --id an --name "Nguyễn Văn An" --role officer \
		--province 42 --key keys/an.pub &&
	fieldlog roster add --repo "$CENTRAL" --id binh --name "Trần Bình" --role officer \
		--province 42 --key keys/binh.pub &&
	fieldlog roster add --repo "$CENTRAL" --id bo --name "Vụ Chính quyền" --role reviewer \
		--key keys/bo.pub &&
	fl an init --id an --remote "$CENTRAL" --key keys/an >/dev/null &&
	fl bo init --id bo --remote "$CENTRAL" --key keys/bo >/dev/null &&
	fl an issue add --title "Đã gửi trước" --domain land --commune 18073 --severity low &&
	fl an sync
'

test_expect_success SSHKEYGEN 'offline, an bundles the week the central repository lacks' '
	fl an remote set "$TEST_SCRATCH/nowhere.git" >/dev/null &&
	fl an issue add --title "Chậm chi trả trợ cấp" --domain meritorious --commune 18073 \
		--severity medium --json >out/i1 &&
	json_get id <out/i1 >id &&
	fl an visit add --commune 18073 --date 2026-12-01 --summary "Làm việc với UBND xã" &&
	(cd ws/an && fieldlog -C . bundle create) >out/create &&
	cat out/create &&
	ls ws/an/fieldlog-an-*.bundle >out/name &&
	mv "$(cat out/name)" week.bundle &&
	grep "^wrote fieldlog-an-.*\.bundle (.* KB)\$" out/create &&
	grep "^  2 commits on authors/an\$" out/create &&
	grep "^  record versions: 1 visit, 1 issue\$" out/create &&
	head -c 16 week.bundle | grep "^# v2 git bundle" &&
	git --git-dir=ws/an/repo.git bundle verify week.bundle &&
	git --git-dir="$CENTRAL" bundle verify week.bundle >out/verify 2>&1 &&
	grep "refs/heads/authors/an" out/verify
'

test_expect_success SSHKEYGEN 'bundle create --since DATE and --all' '
	fl an bundle create --since 2999-01-01 "$TEST_SCRATCH/none.bundle" >out/none &&
	grep "^nothing to bundle" out/none &&
	! test -e none.bundle &&
	fl an bundle create --since 2000-01-01 "$TEST_SCRATCH/since.bundle" >out/since &&
	grep "^  3 commits on authors/an\$" out/since &&
	fl an bundle create --all "$TEST_SCRATCH/all.bundle" >out/all &&
	grep "^  3 commits on authors/an\$" out/all &&
	test_must_fail fl an bundle create --since 2026-13-01 x.bundle 2>err &&
	grep "^error: option .--since. needs a date YYYY-MM-DD, not .2026-13-01.\$" err
'

test_expect_success SSHKEYGEN 'the reviewer imports it: issue list and log show the week' '
	fl bo sync >/dev/null &&
	fl bo bundle import week.bundle >out/import &&
	cat out/import &&
	grep "^imported 2 commits from week.bundle: authors/an (2)\$" out/import &&
	grep "^records: 2 new, 0 changed\$" out/import &&
	fl bo issue list >out/list &&
	grep "Chậm chi trả trợ cấp" out/list &&
	fl bo log "$(cat id)" >out/log &&
	grep "^    signed by an (SHA256:" out/log &&
	fl bo status --json >out/st.json &&
	test "$(json_get relay.0.author <out/st.json)" = an
'

test_expect_success SSHKEYGEN 'importing the same bundle again changes nothing' '
	snapshot bo &&
	fl bo bundle import week.bundle >out/again &&
	test "$(cat out/again)" = "nothing new in week.bundle" &&
	unchanged bo
'

# refused WHO FILE PATTERN: the import fails with one line matching PATTERN
# and leaves WHO's refs and packs as they were.
refused () {
	snapshot $1 &&
	test_must_fail fl $1 bundle import "$2" 2>err &&
	cat err &&
	test_line_count = 1 err &&
	grep "^error: .*$3" err &&
	unchanged $1
}

test_expect_success SSHKEYGEN 'a second device of the reviewer, which has not seen the week' '
	fl bo2 init --id bo --remote "$CENTRAL" --key keys/bo >/dev/null &&
	git --git-dir="$CENTRAL" rev-list --max-parents=0 main >root &&
	git --git-dir="$CENTRAL" rev-parse authors/an >sent
'

test_expect_success SSHKEYGEN 'refused: truncated, in the pack or in the header' '
	size=$(wc -c <week.bundle) &&
	head -c $((size - 40)) week.bundle >cut.bundle &&
	refused bo2 cut.bundle "cut.bundle. is truncated or corrupted" &&
	head -c 60 week.bundle >cut2.bundle &&
	refused bo2 cut2.bundle "cut2.bundle. is truncated (it ends inside its header)"
'

test_expect_success SSHKEYGEN 'refused: one byte changed in the pack' '
	"$PYTHON" -c "
import sys
b = bytearray(open(\"week.bundle\", \"rb\").read())
at = b.index(b\"\\n\\nPACK\") + 2
b[at + (len(b) - at) // 2] ^= 0x40
open(\"bad.bundle\", \"wb\").write(b)
" &&
	refused bo2 bad.bundle "bad.bundle. is truncated or corrupted"
'

test_expect_success SSHKEYGEN 'refused: a pack without an object its commits need' '
	(
		GIT_DIR=ws/an/repo.git && export GIT_DIR &&
		blob=$(git rev-parse "main:$(git diff-tree -r --name-only main^ main | head -1)") &&
		{
			printf "# v2 git bundle\n-%s fieldlog central repository\n-%s x\n" \
				"$(cat root)" "$(cat sent)" &&
			printf "%s refs/heads/authors/an\n\n" "$(git rev-parse main)" &&
			git rev-list --objects main ^"$(cat sent)" | grep -v "^$blob" |
			git pack-objects -q --stdout
		} >holed.bundle
	) &&
	refused bo2 holed.bundle "holed.bundle. is incomplete: commit .*: missing"
'

test_expect_success SSHKEYGEN 'two central repositories of one admin in one second differ' '
	FIELDLOG_NOW=2025-09-11T08:00:00+07:00 &&
	export FIELDLOG_NOW &&
	fieldlog server init --key keys/admin twin1.git >/dev/null &&
	fieldlog server init --key keys/admin twin2.git >/dev/null &&
	unset FIELDLOG_NOW &&
	test "$(git --git-dir=twin1.git rev-parse main)" != \
		"$(git --git-dir=twin2.git rev-parse main)" &&
	git --git-dir=twin1.git log -1 --format=%B main >out/twin1 &&
	grep "^Fieldlog-Central: [0-9A-Z]\{26\}$" out/twin1
'

test_expect_success SSHKEYGEN 'refused: a bundle of another central repository' '
	FIELDLOG_NOW=$(git --git-dir="$CENTRAL" log --reverse --format=%aI main | head -1) &&
	FIELDLOG_NOW=$FIELDLOG_NOW fieldlog server init --key keys/admin other.git >/dev/null &&
	fieldlog roster add --repo other.git --id an --name "Nguyễn Văn An" --role officer \
		--province 42 --key keys/an.pub &&
	fl an-other init --id an --remote "$TEST_SCRATCH/other.git" --key keys/an >/dev/null &&
	fl an-other issue add --title "Nơi khác" --domain land --commune 18073 --severity low &&
	fl an-other bundle create --all "$TEST_SCRATCH/other.bundle" >/dev/null &&
	refused bo2 other.bundle "other.bundle. is a bundle of another central repository"
'

test_expect_success SSHKEYGEN 'refused: plain git commits' '
	git init -q plain &&
	echo x >plain/x &&
	git -C plain add x &&
	commit_env git -C plain commit -q -m x &&
	git -C plain branch authors/an &&
	git -C plain bundle create -q ../plain.bundle --all &&
	refused bo2 plain.bundle "plain.bundle. is not a bundle of fieldlog records: it holds .refs/heads/" &&
	git -C plain bundle create -q ../plain2.bundle authors/an &&
	refused bo2 plain2.bundle "plain2.bundle. is not a fieldlog bundle: it names no central repository"
'

test_expect_success SSHKEYGEN 'refused: an unsigned commit, and one signed by another member' '
	cp -R ws/an/repo.git evil.git &&
	(
		GIT_DIR=evil.git && export GIT_DIR &&
		c=$(commit_env git commit-tree -p main -m "không ký" "main^{tree}") &&
		craft unsigned.bundle "$(cat root)" $c refs/heads/authors/an "$(cat sent)" &&
		echo $c >unsigned.id &&
		c=$(commit_env git -c gpg.format=ssh -c user.signingkey="$TEST_SCRATCH/keys/binh" \
			commit-tree -S -p main -m "ký hộ" "main^{tree}") &&
		craft binh.bundle "$(cat root)" $c refs/heads/authors/an "$(cat sent)" &&
		echo $c >binh.id
	) &&
	git --git-dir=ws/bo2/repo.git bundle verify unsigned.bundle &&
	refused bo2 unsigned.bundle "refused: authors/an: commit $(cut -c1-7 unsigned.id): unsigned" &&
	refused bo2 binh.bundle "authors/an: commit $(cut -c1-7 binh.id): signed by the key of .binh., on the branch of .an." &&
	fl bo2 issue list >out/bo2.list &&
	! grep "Chậm chi trả" out/bo2.list
'

test_expect_success SSHKEYGEN 'refused: a roster change not signed by the admin' '
	cp -R "$CENTRAL" evil-central.git &&
	(
		GIT_DIR=evil-central.git && export GIT_DIR &&
		git show main:roster.json | sed "s/\"Trần Bình\"/\"Kẻ Giả\"/" >r.json &&
		blob=$(git hash-object -w r.json) &&
		tree=$(printf "100644 blob %s\troster.json\n" "$blob" | git mktree) &&
		c=$(commit_env git -c gpg.format=ssh -c user.signingkey="$TEST_SCRATCH/keys/bo" \
			commit-tree -S -p main -m "roster" "$tree") &&
		craft roster.bundle "$(cat root)" $c refs/heads/main main
	) &&
	refused bo2 roster.bundle "refused: main: roster commit .* is not signed by the key that signed"
'

test_expect_success SSHKEYGEN 'the reviewer answers; the sync relays the officer'\''s week first' '
	fl bo respond "$(cat id)" --status answered --text "Bộ đã nhận" >/dev/null &&
	fl bo sync >out/bo.sync &&
	cat out/bo.sync &&
	grep "^relayed 1 colleague.s branch (from bundles)\$" out/bo.sync &&
	test "$(git --git-dir="$CENTRAL" rev-parse authors/an)" = \
		"$(git --git-dir=ws/an/repo.git rev-parse main)" &&
	fl bo status --json >out/st2.json &&
	test "$(json_get relay <out/st2.json)" = "[]"
'

test_expect_success SSHKEYGEN 'bundle create --for: the answers and the roster reach the officer offline' '
	fieldlog roster add --repo "$CENTRAL" --id chi --name "Lê Chi" --role officer \
		--province 42 --key keys/other.pub &&
	fl bo sync >/dev/null &&
	fl bo bundle create --for an "$TEST_SCRATCH/for-an.bundle" >out/for &&
	cat out/for &&
	grep "on main authors/bo\$" out/for &&
	fieldlog bundle create --for an --repo "$CENTRAL" admin-for-an.bundle >out/admin-for &&
	git --git-dir=ws/an/repo.git bundle verify for-an.bundle &&
	fl an bundle import for-an.bundle >out/an.import &&
	cat out/an.import &&
	grep "^imported 2 commits from for-an.bundle: main (1) authors/bo (1)$" out/an.import &&
	test "$(git --git-dir=ws/an/repo.git rev-parse origin/roster)" = \
		"$(git --git-dir="$CENTRAL" rev-parse main)" &&
	fl an issue show "$(cat id)" --json >out/an.issue &&
	test "$(json_get responses.0.author responses.0.state <out/an.issue)" = "bo
answered" &&
	fl an bundle import admin-for-an.bundle >out/an.again &&
	grep "^nothing new" out/an.again
'

test_done
