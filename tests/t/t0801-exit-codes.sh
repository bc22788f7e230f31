#!/bin/sh
# t0801: exit 3 ("your records stay here and go out at the next sync")
# only when the network could not be reached; a repository that is not
# there, credentials the server refuses, a refused key exchange are
# configuration errors: exit 1 with what to fix, kept in `status` until a
# sync succeeds. Against real servers: sshd (git-shell), git daemon,
# lighttpd + git-http-backend.

. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/servers.sh"
. "$TEST_LIB_DIR/sync-scenario.sh"

test_lazy_prereq SSHD 'test -x /usr/sbin/sshd && command -v ssh-keygen'
test_lazy_prereq LIGHTTPD 'command -v lighttpd'

scn_url () { echo "$SSH_URL/central.git"; }
scn_env () { scn_person "$1" && echo "FIELDLOG_SSH_KEY=$HOME/.ssh/id_ed25519_$scn_login"; }

# sync_to URL RC: a sync of an.nguyen against URL exits RC (stdout and
# stderr in out/try.out, out/try.err).
sync_to () {
	scn_fl an.nguyen remote set "$1" >/dev/null &&
	test_must_fail --exit=$2 env $(scn_env an.nguyen) "$FIELDLOG_BIN" -C ws/an.nguyen \
		sync --timeout 20 >out/try.out 2>out/try.err
	rc=$?
	cat out/try.err
	return $rc
}

test_expect_success SSHD,LIGHTTPD 'servers, a central repository, an officer with a record' '
	start_sshd "$SCN_SRV" && start_git_daemon "$SCN_SRV" && start_http "$SCN_SRV" &&
	scn_central &&
	ssh_add_user an-login &&
	scn_join an.nguyen &&
	scn_add_issue an.nguyen "Chờ gửi"
'

test_expect_success SSHD 'no such repository over ssh: exit 1, the URL to check' '
	sync_to "$SSH_URL/nothere.git" 1 &&
	grep "no central repository at .*nothere.git" out/try.err &&
	grep "fieldlog remote set URL" out/try.err &&
	grep "(local versions kept: 1; they go out" out/try.err &&
	test_line_count = 1 out/try.err
'

test_expect_success SSHD 'status keeps saying what to mend' '
	scn_fl an.nguyen status >out/status &&
	grep "last sync failed, to be mended: .*nothere.git" out/status &&
	scn_fl an.nguyen status --json >out/status.json &&
	json_get last_sync_error <out/status.json | grep nothere.git
'

test_expect_success SSHD 'a login the server refuses: exit 1, the key to check' '
	sync_to "ssh://nobody-here@127.0.0.1:$SSH_PORT$SCN_SRV/central.git" 1 &&
	grep "refused our credentials" out/try.err &&
	grep "FIELDLOG_SSH_KEY" out/try.err
'

test_expect_success SSHD 'git daemon without the repository: exit 1' '
	sync_to "$GIT_DAEMON_URL/nothere.git" 1 &&
	grep "no central repository at" out/try.err
'

test_expect_success LIGHTTPD 'http without credentials: exit 1' '
	sync_to "$HTTP_URL/central.git" 1 &&
	grep "refused our credentials" out/try.err
'

test_expect_success 'nobody listening, no such host: exit 3' '
	sync_to "ssh://x@127.0.0.1:$(free_port)/central.git" 3 &&
	grep "cannot reach the central repository" out/try.err &&
	sync_to "ssh://x@no-such-host.invalid/central.git" 3 &&
	grep "cannot reach the central repository" out/try.err &&
	sync_to "http://127.0.0.1:$(free_port)/central.git" 3 &&
	grep "cannot reach the central repository" out/try.err
'

test_expect_success SSHD 'an offline sync leaves the configuration error in status' '
	scn_fl an.nguyen status >out/status &&
	grep "last sync failed, to be mended" out/status
'

test_expect_success SSHD 'a sync that works clears it' '
	scn_fl an.nguyen remote set "$SSH_URL/central.git" &&
	scn_sync an.nguyen &&
	scn_fl an.nguyen status >out/status &&
	! grep "last sync failed" out/status &&
	grep "local versions not yet sent: 0" out/status
'

test_done
