#!/bin/sh
# t0803: the central repository behind a real gitolite3 over ssh, set up as
# docs/admin.md says: gitolite creates the repository, `fieldlog server
# init` adopts it (as the gitolite user), the roster's logins are gitolite
# user names. Two officers and a reviewer sync; gitolite's GL_USER reaches
# the pre-receive check, so a push to another officer's branch and a
# gitolite user the roster does not know are refused; a key gitolite does
# not know and a user gitolite denies are configuration errors (exit 1).
# Host keys: a key exchange OpenSSH refuses (an ssh-rsa line first in
# known_hosts) is exit 1, not 3; an unknown host key is refused with the
# command that trusts it, and after `remote trust-host` the sync works; a
# changed host key is refused loudly. A second `gitolite setup` (what an
# upgrade runs) and a nightly `git gc` keep it working.

. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/servers.sh"
. "$TEST_LIB_DIR/gitolite.sh"
. "$TEST_LIB_DIR/sync-scenario.sh"

if ! command -v gitolite >/dev/null 2>&1; then
	test_skip_all "gitolite3 is not installed (apt-get install gitolite3)"
fi
if ! test -x /usr/sbin/sshd; then
	test_skip_all "sshd is not installed (apt-get install openssh-server)"
fi

CENTRAL=$GL_HOME/repositories/central.git
KH=$HOME/.ssh/known_hosts
scn_url () { echo "${GL_URL}central"; }
scn_env () { scn_person "$1" && echo "FIELDLOG_SSH_KEY=$HOME/.ssh/id_ed25519_gl_$scn_login"; }
PEOPLE="an.nguyen binh.tran dung.pham"

# fails_with RC ID: a sync of ID exits RC; stderr in out/err.
fails_with () {
	test_must_fail --exit=$1 env $(scn_env $2) "$FIELDLOG_BIN" -C ws/$2 \
		sync --timeout 20 >out/out 2>out/err
	rc=$?
	cat out/err
	return $rc
}

test_expect_success 'gitolite setup, sshd with its authorized_keys' '
	start_gitolite &&
	grep "command=\"[^\"]*gitolite-shell admin\"" "$GL_HOME/.ssh/authorized_keys" &&
	test -f "$GL_ADMIN/conf/gitolite.conf"
'

test_expect_success 'the admin adds keys and the repository; gitolite creates it empty' '
	for p in $PEOPLE; do
		scn_person $p && gl_key $scn_login &&
		cp "$HOME/.ssh/id_ed25519_gl_$scn_login.pub" "$GL_ADMIN/keydir/$scn_login.pub" ||
		return 1
	done &&
	gl_key eve && cp "$HOME/.ssh/id_ed25519_gl_eve.pub" "$GL_ADMIN/keydir/eve.pub" &&
	gl_key mallory && cp "$HOME/.ssh/id_ed25519_gl_mallory.pub" "$GL_ADMIN/keydir/mallory.pub" &&
	cat >>"$GL_ADMIN/conf/gitolite.conf" <<-\EOF &&

	@fieldlog = an-login binh-login dung-login eve
	repo central
	    RW = @fieldlog
	EOF
	gl_admin_push "central: the field officers and their reviewer" &&
	test -d "$CENTRAL" &&
	test -z "$(git --git-dir="$CENTRAL" for-each-ref)"
'

test_expect_success 'server init adopts it, as the gitolite user; roster logins are gitolite names' '
	HOME=$GL_HOME fieldlog server init --allow-unsigned "$CENTRAL" >out/init &&
	cat out/init &&
	grep "adopted the existing repository" out/init &&
	grep "HEAD    refs/heads/master -> refs/heads/main" out/init &&
	test -x "$CENTRAL/hooks/pre-receive" &&
	test -e "$CENTRAL/hooks/update" &&
	for p in $PEOPLE; do
		scn_person $p &&
		if [ $scn_role = officer ]; then
			fieldlog roster add --repo "$CENTRAL" --id $p --name "$scn_name" \
				--role officer --province $scn_prov --login $scn_login
		else
			fieldlog roster add --repo "$CENTRAL" --id $p --name "$scn_name" \
				--role reviewer --login $scn_login
		fi || return 1
	done
'

test_expect_success 'gitolite setup again (an upgrade) keeps our hook and HEAD' '
	HOME=$GL_HOME USER=$(id -un) gitolite setup >out/setup2 2>&1 &&
	grep " server check" "$CENTRAL/hooks/pre-receive" &&
	test "$(git --git-dir="$CENTRAL" symbolic-ref HEAD)" = refs/heads/main
'

test_expect_success 'two officers and a reviewer join and sync' '
	for p in $PEOPLE; do
		scn_join $p || return 1
	done &&
	scn_add_issue an.nguyen "Sạt lở đất ven sông" &&
	scn_add_issue binh.tran "Ô nhiễm nguồn nước" &&
	scn_sync an.nguyen && scn_sync binh.tran &&
	scn_sync dung.pham &&
	scn_fl dung.pham issue list --json >out/all &&
	grep "Sạt lở đất ven sông" out/all && grep "Ô nhiễm nguồn nước" out/all &&
	scn_fl an.nguyen issue list --json >out/an &&
	! grep "Ô nhiễm nguồn nước" out/an &&
	git --git-dir="$CENTRAL" rev-parse --verify authors/an.nguyen &&
	git --git-dir="$CENTRAL" rev-parse --verify authors/binh.tran
'

test_expect_success 'impersonation: an officer pushing to another officer'\''s branch is refused' '
	git clone -q --bare "$CENTRAL" mine.git &&
	before=$(git --git-dir="$CENTRAL" rev-parse authors/binh.tran) &&
	forged=$(git --git-dir=mine.git -c user.name=An -c user.email=an@example.org \
		commit-tree -p $before -m "on top of binh" "$before^{tree}") &&
	test_must_fail env GIT_SSH_COMMAND="$(gl_ssh an-login)" git --git-dir=mine.git push \
		"${GL_URL}central" $forged:refs/heads/authors/binh.tran 2>out/imp &&
	cat out/imp &&
	grep "fieldlog: refused refs/heads/authors/binh.tran: .an.nguyen. may only push" out/imp &&
	test "$(git --git-dir="$CENTRAL" rev-parse authors/binh.tran)" = "$before" &&
	test_must_fail env GIT_SSH_COMMAND="$(gl_ssh an-login)" git --git-dir=mine.git push \
		"${GL_URL}central" :refs/heads/authors/binh.tran 2>out/del &&
	git --git-dir="$CENTRAL" rev-parse --verify authors/binh.tran
'

test_expect_success 'a gitolite user the roster does not know is refused by the hook' '
	test_must_fail env GIT_SSH_COMMAND="$(gl_ssh eve)" git --git-dir=mine.git push \
		"${GL_URL}central" authors/an.nguyen:refs/heads/authors/eve 2>out/eve &&
	cat out/eve &&
	grep "unknown pusher .eve." out/eve &&
	test_must_fail git --git-dir="$CENTRAL" rev-parse --verify authors/eve
'

test_expect_success 'a key gitolite does not know, a user it denies: exit 1 with what to fix' '
	scn_add_issue an.nguyen "Chờ gửi" &&
	ssh-keygen -q -t ed25519 -N "" -f stranger </dev/null &&
	test_must_fail --exit=1 env FIELDLOG_SSH_KEY=$PWD/stranger "$FIELDLOG_BIN" -C ws/an.nguyen \
		sync --timeout 20 2>out/stranger &&
	cat out/stranger &&
	grep "refused our credentials" out/stranger &&
	test_must_fail --exit=1 env FIELDLOG_SSH_KEY=$HOME/.ssh/id_ed25519_gl_mallory \
		"$FIELDLOG_BIN" -C ws/an.nguyen sync --timeout 20 2>out/mallory &&
	cat out/mallory &&
	grep "DENIED" out/mallory &&
	grep "check the URL with the administrator" out/mallory &&
	scn_fl an.nguyen status >out/status &&
	grep "last sync failed, to be mended" out/status &&
	grep "local versions not yet sent: 1" out/status
'

test_expect_success 'a key exchange OpenSSH refuses (ssh-rsa first): exit 1, not 3' '
	ssh-keygen -q -t rsa -b 2048 -N "" -f "$SSH_DIR/host_rsa" </dev/null &&
	echo "HostKey $SSH_DIR/host_rsa" >>"$SSH_DIR/sshd_config" &&
	stop_sshd && resume_sshd &&
	cp "$KH" kh.good &&
	{
		echo "[127.0.0.1]:$SSH_PORT $(cut -d" " -f1,2 "$SSH_DIR/host_rsa.pub")" &&
		cat kh.good
	} >"$KH" &&
	fails_with 1 an.nguyen &&
	grep "refused the key exchange" out/err &&
	grep "is an ssh-rsa key for this server" out/err &&
	! grep "cannot reach" out/err
'

test_expect_success 'an unknown host key: refused with the trust command; trust-host; sync works' '
	rm -f "$KH" &&
	fails_with 1 an.nguyen &&
	grep "is not in ~/.ssh/known_hosts" out/err &&
	cmd=$(sed -n "s/.*run: \(fieldlog remote trust-host [^ ]*\).*/\1/p" out/err) &&
	test -n "$cmd" &&
	$cmd >out/trust &&
	cat out/trust &&
	scn_sync an.nguyen &&
	scn_fl an.nguyen status >out/status &&
	! grep "last sync failed" out/status
'

test_expect_success 'a changed host key is refused loudly, nothing sent' '
	scn_add_issue an.nguyen "Chờ gửi: khóa đổi" &&
	ssh-keygen -q -t ed25519 -N "" -f impostor </dev/null &&
	echo "[127.0.0.1]:$SSH_PORT $(cut -d" " -f1,2 impostor.pub)" >"$KH" &&
	fails_with 1 an.nguyen &&
	grep "HOST KEY CHANGED" out/err &&
	grep "line 1 of" out/err &&
	cp kh.good "$KH"
'

test_expect_success 'nightly git gc as the gitolite user; everyone still syncs' '
	HOME=$GL_HOME git --git-dir="$CENTRAL" gc --quiet &&
	scn_sync an.nguyen && scn_sync binh.tran && scn_sync dung.pham &&
	scn_fl dung.pham issue list --json >out/all &&
	grep "Chờ gửi: khóa đổi" out/all &&
	git --git-dir="$CENTRAL" fsck --strict
'

test_done
