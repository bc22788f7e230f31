#!/bin/sh
# t0455-tip-vouching: the importer verifies the signature on the tip it
# reaches, and that one verification vouches for the bytes of every
# commit the tip reaches through the hash chain; each other commit's
# signature block is only read.
#
# - a commit whose signature bytes were damaged, under a tip an signed:
#   imported (the tip's signature covers it), and `log` still verifies
#   that version in full and says BAD SIGNATURE;
# - the same commit as the tip: nothing vouches for it, so it is skipped;
# - under a good tip, an unsigned commit and a commit signed by another
#   person's key are skipped as before: vouching vouches for bytes, it
#   signs nothing for anyone.
# - a lost laptop: after its key is removed, what it signed is skipped by
#   a new clone until the owner's new laptop (which takes that history
#   on) signs a new tip; `log` still says "key removed" per version;
# - an's own sync does not merge a commit planted on its branch: its next
#   signed commit would vouch for it.
# The central branches are rewritten with stock git (a share's writer
# needs no hook), signing with gpg.format=ssh as git does.

. "$(dirname "$0")/test-lib.sh"

CENTRAL=$TEST_SCRATCH/central.git

test_lazy_prereq SSHKEYGEN 'command -v ssh-keygen'

# sgit ARGS: stock git on the central repository, as an, signing with KEY.
KEY=keys/an
sgit () {
	GIT_AUTHOR_NAME=An GIT_AUTHOR_EMAIL=an@fieldlog \
	GIT_COMMITTER_NAME=An GIT_COMMITTER_EMAIL=an@fieldlog \
	git --git-dir="$CENTRAL" -c gpg.format=ssh -c user.signingkey="$TEST_SCRATCH/$KEY" "$@"
}

# damage COMMIT: the same commit with one base64 character of the
# signature's last line changed (the Ed25519 bytes; the block still parses).
damage () {
	git --git-dir="$CENTRAL" cat-file commit "$1" >damaged.in &&
	"$PYTHON" - damaged.in >damaged.out <<-\EOF &&
	import sys
	lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
	end = next(i for i, l in enumerate(lines) if l.endswith("-----END SSH SIGNATURE-----"))
	l = lines[end - 1]
	k = 5
	lines[end - 1] = l[:k] + ("B" if l[k] != "B" else "C") + l[k + 1:]
	sys.stdout.write("\n".join(lines))
	EOF
	git --git-dir="$CENTRAL" hash-object -t commit -w damaged.out
}

# join WHO: a reviewer's first clone of the central repository as it stands.
join () {
	ssh-keygen -q -t ed25519 -N "" -C "$1" -f "keys/$1" &&
	fieldlog roster add --repo "$CENTRAL" --id "$1" --name "Vụ $1" --role reviewer \
		--key "keys/$1.pub" >/dev/null &&
	fl "$1" init --id "$1" --remote "$CENTRAL" --key "keys/$1" >out/$1.init 2>out/$1.err &&
	cat out/$1.init out/$1.err
}

test_expect_success SSHKEYGEN 'two signed saves by an, on a repository that requires signatures' '
	mkdir ws out keys &&
	ssh-keygen -q -t ed25519 -N "" -C admin -f keys/admin &&
	ssh-keygen -q -t ed25519 -N "" -C an -f keys/an &&
	ssh-keygen -q -t ed25519 -N "" -C bo -f keys/bo &&
	fieldlog server init --key keys/admin "$CENTRAL" >/dev/null &&
	fieldlog roster add --repo "$CENTRAL" --id an --name "An" --role officer \
		--province 42 --key keys/an.pub >/dev/null &&
	fl an init --id an --remote "$CENTRAL" --key keys/an >/dev/null &&
	fl an issue add --title "Chậm chi trả trợ cấp" --domain meritorious --commune 18073 \
		--severity medium --json >out/i1 &&
	json_get id <out/i1 >id1 &&
	fl an sync >/dev/null &&
	fl an issue add --title "Thiếu công chức một cửa" --domain admin_reform --commune 18073 \
		--severity low --json >out/i2 &&
	json_get id <out/i2 >id2 &&
	fl an sync >/dev/null &&
	git --git-dir="$CENTRAL" rev-parse authors/an >tip &&
	git --git-dir="$CENTRAL" rev-parse authors/an~1 >first &&
	test "$(git --git-dir="$CENTRAL" rev-list --count authors/an)" = 2
'

test_expect_success SSHKEYGEN 'a damaged signature under a good tip: vouched for, imported' '
	bad=$(damage "$(cat first)") &&
	test "$bad" != "$(cat first)" &&
	echo "$bad" >bad &&
	top=$(sgit commit-tree -S -p "$bad" -m "an: second save" "$(cat tip)^{tree}") &&
	sgit update-ref refs/heads/authors/an "$top" &&
	join bo1 &&
	! grep "skipped" out/bo1.err &&
	fl bo1 issue show "$(cat id1)" --json >/dev/null &&
	fl bo1 issue show "$(cat id2)" --json >/dev/null
'

test_expect_success SSHKEYGEN 'log verifies each version in full: the damaged one is BAD' '
	fl bo1 log "$(cat id1)" >out/log &&
	cat out/log &&
	grep "BAD SIGNATURE: bad SSH signature" out/log &&
	fl bo1 log "$(cat id2)" >out/log2 &&
	grep "^    signed by an (SHA256:" out/log2
'

test_expect_success SSHKEYGEN 'the damaged commit as the tip: nothing vouches for it, skipped' '
	sgit update-ref refs/heads/authors/an "$(cat bad)" &&
	join bo2 &&
	grep "1 invalid record skipped" out/bo2.err &&
	fl bo2 status >out/bo2.status &&
	grep "its signature does not verify" out/bo2.status
'

test_expect_success SSHKEYGEN 'an unsigned commit under a good tip: skipped as before' '
	u=$(sgit commit-tree -m "an: unsigned" "$(cat first)^{tree}") &&
	top=$(sgit commit-tree -S -p "$u" -m "an: second save" "$(cat tip)^{tree}") &&
	sgit update-ref refs/heads/authors/an "$top" &&
	join bo3 &&
	grep "1 invalid record skipped" out/bo3.err &&
	fl bo3 status >out/bo3.status &&
	cat out/bo3.status &&
	grep "unsigned\|not signed" out/bo3.status
'

test_expect_success SSHKEYGEN 'a commit signed with another person'\''s key under a good tip: skipped' '
	o=$(KEY=keys/bo1; sgit commit-tree -S -m "an: as bo" "$(cat first)^{tree}") &&
	top=$(sgit commit-tree -S -p "$o" -m "an: second save" "$(cat tip)^{tree}") &&
	sgit update-ref refs/heads/authors/an "$top" &&
	join bo4 &&
	grep "1 invalid record skipped" out/bo4.err &&
	fl bo4 status >out/bo4.status &&
	cat out/bo4.status &&
	grep "bo1" out/bo4.status
'

test_expect_success SSHKEYGEN 'an does not merge, and so never signs over, what was planted on its branch' '
	git --git-dir=ws/an/repo.git rev-parse main >an.main &&
	fl an sync >out/an.sync 2>out/an.err;
	echo $? >rc &&
	cat out/an.sync out/an.err rc &&
	test "$(cat rc)" != 0 &&
	grep "^error: not merging .authors/an. ([0-9a-f]*) from the central repository: .*bo1" out/an.err &&
	test "$(git --git-dir=ws/an/repo.git rev-parse main)" = "$(cat an.main)" &&
	sgit update-ref refs/heads/authors/an "$(cat tip)" &&
	fl an sync
'

test_expect_success SSHKEYGEN 'a lost laptop: its key removed, what it signed is skipped until a new tip vouches' '
	fp=$(ssh-keygen -lf keys/an.pub | cut -d" " -f2) &&
	ssh-keygen -q -t ed25519 -N "" -C an-new -f keys/an-new &&
	fieldlog roster key add --repo "$CENTRAL" an keys/an-new.pub >/dev/null &&
	fieldlog roster key remove --repo "$CENTRAL" an "$fp" >/dev/null &&
	join bo5 &&
	grep "2 invalid records skipped" out/bo5.err &&
	fl an-new init --id an --remote "$CENTRAL" --key keys/an-new >out/an-new.init 2>&1 &&
	cat out/an-new.init &&
	fl an-new issue add --title "Hồ sơ đất đai tồn đọng" --domain land --commune 18073 \
		--severity low >/dev/null &&
	fl an-new sync >out/an-new.sync &&
	grep "sent 1" out/an-new.sync &&
	join bo6 &&
	! grep "skipped" out/bo6.err &&
	fl bo6 log "$(cat id1)" >out/log6 &&
	grep "^    signed by an (key removed, $fp)\$" out/log6
'

test_done
