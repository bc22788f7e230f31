#!/bin/sh
# t0804: the recipes of docs/admin.md other than gitolite (t0803): plain
# OpenSSH with authorized_keys forced commands (`fieldlog server
# ssh-serve`), lighttpd with `fieldlog server http-backend`, what a reader
# sees through each door (and through plain git-http-backend), and the
# backups: a mirror clone, `git bundle create --all`, and a restore that
# officers sync with again. nginx + fcgiwrap and Apache are run when
# installed, else skipped with the reason.

. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/servers.sh"
. "$TEST_LIB_DIR/sync-scenario.sh"

test_lazy_prereq SSHD 'test -x /usr/sbin/sshd && command -v ssh-keygen'
test_lazy_prereq LIGHTTPD 'command -v lighttpd'

# an.nguyen over http, binh.tran and the reviewer over ssh.
SCN_VIA_SSH="binh.tran dung.pham"
scn_url () {
	case " $SCN_VIA_SSH " in
	*" $1 "*) echo "$SSH_URL/central.git" ;;
	*) echo "$HTTP_URL/central.git" ;;
	esac
}
scn_env () {
	scn_person "$1" &&
	case " $SCN_VIA_SSH " in
	*" $1 "*) echo "FIELDLOG_SSH_KEY=$HOME/.ssh/id_ed25519_$scn_login" ;;
	*) echo "FIELDLOG_USER=$scn_login FIELDLOG_TOKEN=$scn_pw" ;;
	esac
}
PEOPLE="an.nguyen binh.tran dung.pham"

# refs_seen FILE: the ref names of `git ls-remote` output, sorted.
refs_seen () { cut -f2 "$1" | grep -vx HEAD | sort; }

test_expect_success SSHD,LIGHTTPD 'recipe: forced commands and http-backend in front of one repository' '
	scn_central &&
	start_http --fieldlog "$SCN_SRV" &&
	start_sshd "$SCN_SRV" &&
	for p in $PEOPLE; do
		scn_person $p && http_add_user "$scn_login" "$scn_pw" &&
		ssh_add_user --serve "$SCN_CENTRAL" "$scn_login" || return 1
	done &&
	grep "^command=\"[^\"]* server ssh-serve --user an-login --repo [^\"]*\",no-port-forwarding" \
		"$SSH_AUTHORIZED_KEYS" &&
	for p in $PEOPLE; do
		scn_join $p || return 1
	done &&
	scn_add_issue an.nguyen "Qua http" && scn_add_issue binh.tran "Qua ssh" &&
	scn_sync an.nguyen && scn_sync binh.tran && scn_sync dung.pham &&
	scn_fl dung.pham issue list --json >out/all &&
	grep "Qua http" out/all && grep "Qua ssh" out/all
'

test_expect_success SSHD,LIGHTTPD 'what a reader sees: an officer main, own branch, reviewers; plain git-http-backend all' '
	GIT_SSH_COMMAND=$(ssh_command binh-login) git ls-remote "$SSH_URL/central.git" >out/ssh.ls &&
	refs_seen out/ssh.ls >seen.ssh &&
	printf "%s\n" refs/heads/authors/binh.tran refs/heads/main >expect &&
	test_cmp expect seen.ssh &&
	http=$(echo "$HTTP_URL" | sed "s|://|://an-login:an-secret-1@|") &&
	git ls-remote "$http/central.git" >out/http.ls &&
	refs_seen out/http.ls >seen.http &&
	printf "%s\n" refs/heads/authors/an.nguyen refs/heads/main >expect &&
	test_cmp expect seen.http &&
	GIT_SSH_COMMAND=$(ssh_command dung-login) git ls-remote "$SSH_URL/central.git" >out/rev.ls &&
	refs_seen out/rev.ls >seen.rev &&
	grep authors/an.nguyen seen.rev && grep authors/binh.tran seen.rev &&
	git -c protocol.version=0 upload-pack --advertise-refs "$SCN_CENTRAL" </dev/null |
		grep -c "refs/heads/authors/" >n.plain &&
	test "$(cat n.plain)" = 2
'

test_expect_success SSHD 'a key whose login the roster lacks is refused, reads too' '
	ssh_add_user --serve "$SCN_CENTRAL" stranger &&
	test_must_fail env GIT_SSH_COMMAND="$(ssh_command stranger)" \
		git ls-remote "$SSH_URL/central.git" 2>out/stranger &&
	grep "stranger" out/stranger
'

test_expect_success 'recipe: backups, a mirror clone and a bundle of every ref' '
	git clone -q --mirror "$SCN_CENTRAL" backup/central.git &&
	git --git-dir=backup/central.git remote update &&
	git --git-dir="$SCN_CENTRAL" bundle create "$PWD/backup/central.bundle" --all &&
	git --git-dir=backup/central.git bundle verify backup/central.bundle &&
	git --git-dir="$SCN_CENTRAL" for-each-ref --format="%(objectname) %(refname)" >refs.central &&
	git --git-dir=backup/central.git for-each-ref --format="%(objectname) %(refname)" >refs.mirror &&
	test_cmp refs.central refs.mirror &&
	git bundle list-heads backup/central.bundle | grep -v " HEAD$" | sort -k2 >refs.bundle &&
	sort -k2 refs.central >refs.sorted &&
	test_cmp refs.sorted refs.bundle
'

test_expect_success 'recipe: restore from the bundle; officers sync with the restored repository' '
	fieldlog server init --allow-unsigned restored.git >out/restore.init &&
	git --git-dir=restored.git fetch -q --force backup/central.bundle "refs/*:refs/*" &&
	git --git-dir=restored.git for-each-ref --format="%(objectname) %(refname)" >refs.restored &&
	test_cmp refs.central refs.restored &&
	test -x restored.git/hooks/pre-receive &&
	test "$(git --git-dir=restored.git config --bool receive.denyDeletes)" = true &&
	git --git-dir=restored.git fsck --strict &&
	scn_url () { echo "file://$TEST_SCRATCH/restored.git"; } &&
	scn_env () { :; } &&
	for p in $PEOPLE; do
		scn_fl $p remote set "$(scn_url $p)" >/dev/null || return 1
	done &&
	scn_add_issue an.nguyen "Sau khi khôi phục" &&
	scn_sync an.nguyen && scn_sync dung.pham &&
	scn_fl dung.pham issue list --json >out/all &&
	grep "Sau khi khôi phục" out/all && grep "Qua ssh" out/all
'

test_done
