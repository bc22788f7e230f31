#!/bin/sh
# t0456-generate-signed: `test-tool generate --sign`, the data the bench
# measures signing and verifying on. Each person has a key in the roster
# (derived from their id, so --append and --print-key agree with it), the
# roster requires signatures, and every commit by a person is signed by
# that person: stock git says so, a reviewer's clone takes every record,
# and an officer who inits with the key --print-key gives syncs through
# the hook. Without --sign the output is unchanged (format 4, t0910).

. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/test-tool.sh"

test_lazy_prereq SSHKEYGEN 'command -v ssh-keygen'

test_expect_success 'generate --sign: keys in the roster, signatures required' '
	test_tool generate --repo c.git --profile pilot --officers 4 --weeks 3 --seed 3 \
		--sign --json >gen.json &&
	git --git-dir=c.git show main:roster.json >roster.json &&
	test "$(json_get require_signatures <roster.json)" = true &&
	test "$(grep -c "\"ssh-ed25519 AAAA" roster.json)" = \
		"$(grep -c "\"login\"" roster.json)"
'

test_expect_success 'stock git: every commit on an author'\''s branch is Good' '
	fieldlog roster allowed-signers --repo c.git >allowed &&
	git --git-dir=c.git for-each-ref --format="%(refname)" refs/heads/authors >branches &&
	test -s branches &&
	while read -r b; do
		git --git-dir=c.git -c gpg.ssh.allowedSignersFile="$TEST_SCRATCH/allowed" \
			log --format="%G? %ae %GS" "$b" || return 1
	done <branches >sigs &&
	test -s sigs &&
	! grep -v "^G \([^ ]*\) \1\$" sigs
'

test_expect_success '--append --sign signs the new commits as well' '
	test_tool generate --repo c.git --append 6 --authors 2 --seed 8 --sign --json >/dev/null &&
	git --git-dir=c.git for-each-ref --format="%(refname)" refs/heads/authors >branches &&
	while read -r b; do
		git --git-dir=c.git -c gpg.ssh.allowedSignersFile="$TEST_SCRATCH/allowed" \
			log --format="%G?" "$b" || return 1
	done <branches >sigs2 &&
	test "$(sort -u sigs2)" = G
'

test_expect_success 'a reviewer'\''s clone takes every record, none skipped' '
	rv=$(json_get people.0.id <roster.json) &&
	fieldlog -C rv init --id "$rv" --remote c.git >out 2>err &&
	cat out err &&
	! grep "skipped" err &&
	test "$(fieldlog -C rv status --json | json_get skipped)" = "[]"
'

test_expect_success SSHKEYGEN '--print-key: the roster'\''s key, as a key file init takes' '
	off=$(git --git-dir=c.git for-each-ref --format="%(refname:lstrip=3)" \
		refs/heads/authors | grep -v "^bnv\." | head -n 1) &&
	test_tool generate --print-key "$off" >key &&
	chmod 600 key &&
	ssh-keygen -y -f key >key.pub &&
	grep "$(cut -d" " -f2 key.pub)" roster.json &&
	fieldlog -C of init --id "$off" --remote c.git --key key >/dev/null &&
	fieldlog -C of issue add --title "Chậm chi trả" --domain meritorious \
		--commune "${off##*.}" --severity low >/dev/null &&
	fieldlog -C of sync >out &&
	grep "sent 1" out &&
	git --git-dir=c.git -c gpg.ssh.allowedSignersFile="$TEST_SCRATCH/allowed" \
		log -1 --format="%G? %GS" "authors/$off" >last &&
	test "$(cat last)" = "G $off@fieldlog"
'

test_done
