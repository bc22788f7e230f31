#!/bin/sh
# t0802: ssh host keys. An officer's first contact with a server missing
# from ~/.ssh/known_hosts is refused off a terminal with the key's
# fingerprint (SHA256, as ssh prints it) and the exact command that trusts
# it; `fieldlog remote trust-host` records it the way ssh's accept-new
# does (stock ssh then accepts the file), and the sync works. On a
# terminal the question is asked. An ssh-rsa line first in known_hosts
# makes libgit2 1.5 offer only ssh-rsa, which OpenSSH refuses: exit 1 with
# the line named, and trust-host mends it. A changed key is refused loudly,
# by sync and by trust-host, and nothing is written. The first `init
# --remote` gets the same refusal, and the command it shows needs no
# workspace.

. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/servers.sh"
. "$TEST_LIB_DIR/sync-scenario.sh"

test_lazy_prereq SSHD 'test -x /usr/sbin/sshd && command -v ssh-keygen'
test_lazy_prereq PTY '/usr/bin/python3 -c "import pty"'

scn_url () { echo "$SSH_URL/central.git"; }
scn_env () { scn_person "$1" && echo "FIELDLOG_SSH_KEY=$HOME/.ssh/id_ed25519_$scn_login"; }
KH=$HOME/.ssh/known_hosts

# sync_fails RC: a sync of an.nguyen exits RC; its stderr in out/err.
sync_fails () {
	test_must_fail --exit=$1 env $(scn_env an.nguyen) "$FIELDLOG_BIN" -C ws/an.nguyen \
		sync --timeout 20 >out/out 2>out/err
	rc=$?
	cat out/err
	return $rc
}

test_expect_success SSHD 'sshd with an ed25519 and an RSA host key; an officer joins' '
	start_sshd "$SCN_SRV" &&
	ssh-keygen -q -t rsa -b 2048 -N "" -f "$SSH_DIR/host_rsa" </dev/null &&
	echo "HostKey $SSH_DIR/host_rsa" >>"$SSH_DIR/sshd_config" &&
	stop_sshd && resume_sshd &&
	scn_central &&
	ssh_add_user an-login &&
	scn_join an.nguyen &&
	cp "$KH" known_hosts.good &&
	ed_fp=$(ssh-keygen -l -f "$SSH_DIR/host_ed25519.pub" | cut -d" " -f2) &&
	echo "$ed_fp" | grep "^SHA256:"
'

test_expect_success SSHD 'an unknown host, off a terminal: exit 1, fingerprint and command' '
	scn_add_issue an.nguyen "Chờ gửi: máy chủ lạ" &&
	rm -f "$KH" &&
	sync_fails 1 &&
	grep "is not in ~/.ssh/known_hosts" out/err &&
	grep -F "ED25519 key fingerprint is $ed_fp" out/err &&
	grep -F "run: fieldlog remote trust-host 127.0.0.1:$SSH_PORT" out/err &&
	! test -s "$KH"
'

test_expect_success SSHD 'remote trust-host records it; stock ssh accepts the line; sync works' '
	fieldlog remote trust-host "127.0.0.1:$SSH_PORT" >out/trust &&
	cat out/trust &&
	grep -F "trusted '\''[127.0.0.1]:$SSH_PORT'\'': ED25519 $ed_fp" out/trust &&
	ssh-keygen -F "[127.0.0.1]:$SSH_PORT" -f "$KH" | grep ssh-ed25519 &&
	GIT_SSH_COMMAND=$(ssh_command an-login) git ls-remote "$SSH_URL/central.git" >out/ls &&
	grep refs/heads/main out/ls &&
	scn_sync an.nguyen &&
	fieldlog -C ws/an.nguyen remote trust-host >out/again &&
	grep "already trusted" out/again
'

test_expect_success SSHD 'an ssh-rsa line first: exit 1 (not 3), the line named; trust-host mends it' '
	scn_add_issue an.nguyen "Chờ gửi: khóa RSA" &&
	{
		echo "[127.0.0.1]:$SSH_PORT $(cut -d" " -f1,2 "$SSH_DIR/host_rsa.pub")" &&
		cat known_hosts.good
	} >"$KH" &&
	sync_fails 1 &&
	grep "refused the key exchange" out/err &&
	grep -F "line 1 of '\''$KH'\'' is an ssh-rsa key" out/err &&
	grep -F "fieldlog remote trust-host 127.0.0.1:$SSH_PORT" out/err &&
	fieldlog -C ws/an.nguyen remote trust-host >out/trust &&
	grep -F "ED25519 $ed_fp" out/trust &&
	scn_sync an.nguyen
'

test_expect_success SSHD 'a changed host key: refused loudly, by sync and by trust-host' '
	scn_add_issue an.nguyen "Chờ gửi: khóa đổi" &&
	ssh-keygen -q -t ed25519 -N "" -f impostor </dev/null &&
	{
		echo "# the server as it was" &&
		echo "[127.0.0.1]:$SSH_PORT $(cut -d" " -f1,2 impostor.pub)"
	} >"$KH" &&
	cp "$KH" kh.before &&
	sync_fails 1 &&
	grep "HOST KEY CHANGED" out/err &&
	grep -F "line 2 of '\''$KH'\''" out/err &&
	grep -F "$ed_fp" out/err &&
	test_must_fail --exit=1 "$FIELDLOG_BIN" -C ws/an.nguyen remote trust-host 2>out/trust.err &&
	grep "HOST KEY CHANGED" out/trust.err &&
	test_cmp kh.before "$KH" &&
	scn_fl an.nguyen status >out/status &&
	grep "last sync failed, to be mended: HOST KEY CHANGED" out/status &&
	grep "local versions not yet sent: 1" out/status
'

test_expect_success SSHD 'first contact by init --remote: refused, and the command works without a workspace' '
	rm -f "$KH" &&
	ssh_add_user chi-login &&
	test_must_fail --exit=1 env FIELDLOG_SSH_KEY=$HOME/.ssh/id_ed25519_chi-login \
		"$FIELDLOG_BIN" -C ws/chi.le init --id chi.le --remote "$SSH_URL/central.git" 2>out/init.err &&
	cat out/init.err &&
	test_line_count = 1 out/init.err &&
	grep -F "run: fieldlog remote trust-host 127.0.0.1:$SSH_PORT" out/init.err &&
	! test -e ws/chi.le/config.json &&
	(cd / && "$FIELDLOG_BIN" remote trust-host "127.0.0.1:$SSH_PORT") >out/trust &&
	grep -F "ED25519 $ed_fp" out/trust &&
	FIELDLOG_SSH_KEY=$HOME/.ssh/id_ed25519_chi-login \
		"$FIELDLOG_BIN" -C ws/chi.le init --id chi.le --remote "$SSH_URL/central.git" >out/init.out &&
	test -f ws/chi.le/config.json
'

test_expect_success SSHD,PTY 'on a terminal the question is asked; yes records the key' '
	rm -f "$KH" &&
	FIELDLOG_SSH_KEY=$HOME/.ssh/id_ed25519_an-login /usr/bin/python3 -c "
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out = b\"\"
answered = False
while True:
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    if not answered and b\"[y/N]\" in out:
        os.write(fd, b\"y\\n\")
        answered = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(\"utf-8\", \"replace\"))
sys.exit(os.waitstatus_to_exitcode(status))
" "$FIELDLOG_BIN" -C ws/an.nguyen sync >out/tty &&
	cat out/tty &&
	grep -F "Its ED25519 key fingerprint is $ed_fp." out/tty &&
	grep "sent 1, received" out/tty &&
	ssh-keygen -F "[127.0.0.1]:$SSH_PORT" -f "$KH" | grep ssh-ed25519
'

test_expect_success 'trust-host: a bad argument, nobody listening' '
	test_must_fail --exit=1 fieldlog remote trust-host "a b" 2>out/bad &&
	grep "not a host or host:port" out/bad &&
	test_must_fail fieldlog remote trust-host "127.0.0.1:$(free_port)" 2>out/down &&
	grep "cannot connect" out/down
'

test_done
