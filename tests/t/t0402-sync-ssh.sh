#!/bin/sh
# t0402: the three-officer sync scenario over ssh:// (sshd on a high port,
# ed25519 keys, git-shell forced per key, the login reaching the hook as
# GL_USER). Officers name their key with FIELDLOG_SSH_KEY; the reviewer
# uses the default ~/.ssh/id_ed25519 of a HOME of its own. Host keys are
# checked: an unknown or a changed host key fails at once, clearly.

. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/servers.sh"
. "$TEST_LIB_DIR/sync-scenario.sh"

REVIEWER_HOME=$TEST_SCRATCH/home-reviewer

scn_url () { echo "$SSH_URL/central.git"; }
scn_env () {
	scn_person "$1" &&
	if [ "$1" = "$SCN_REVIEWER" ]; then
		echo "HOME=$REVIEWER_HOME"
	else
		echo "FIELDLOG_SSH_KEY=$HOME/.ssh/id_ed25519_$scn_login"
	fi
}

test_expect_success 'start sshd, one key per person' '
	start_sshd "$SCN_SRV" &&
	for p in $SCN_ALL; do
		scn_person $p && ssh_add_user "$scn_login" || return 1
	done &&
	mkdir -p "$REVIEWER_HOME/.ssh" &&
	chmod 700 "$REVIEWER_HOME/.ssh" &&
	cp "$HOME/.ssh/id_ed25519_dung-login" "$REVIEWER_HOME/.ssh/id_ed25519" &&
	cp "$HOME/.ssh/id_ed25519_dung-login.pub" "$REVIEWER_HOME/.ssh/id_ed25519.pub" &&
	cp "$HOME/.ssh/known_hosts" "$REVIEWER_HOME/.ssh/known_hosts" &&
	case $SSH_URL in ssh://*@127.0.0.1:$SSH_PORT/*) ;; *) false ;; esac
'

sync_scenario

# ssh_fail_fast NAME: a sync as binh.tran (one version pending) fails with
# exit 1 within 15 s, saying something about the host key, and keeps the
# version. (sync --timeout 30: only a hang would reach it.)
ssh_fail_fast () {
	start=$(date +%s) &&
	test_must_fail --exit=1 "$FIELDLOG_BIN" -C ws/binh.tran sync --timeout 30 \
		>out/$1.out 2>out/$1.err
	rc=$?
	cat out/$1.out out/$1.err
	test $rc = 0 &&
	test $(($(date +%s) - start)) -lt 15 &&
	grep -i "host key\|hostkey\|known_hosts\|host verification" out/$1.err &&
	scn_fl binh.tran status >out/status &&
	grep "local versions not yet sent: 1" out/status
}

test_expect_success 'an unknown host key (empty known_hosts): a clear error, no hang' '
	scn_add_issue binh.tran "Chờ gửi: khóa máy chủ lạ" &&
	cp "$HOME/.ssh/known_hosts" known_hosts.good &&
	: >"$HOME/.ssh/known_hosts" &&
	FIELDLOG_SSH_KEY=$HOME/.ssh/id_ed25519_binh-login ssh_fail_fast unknown-host
	rc=$?
	cp known_hosts.good "$HOME/.ssh/known_hosts"
	test $rc = 0
'

test_expect_success 'a changed host key (another key for [127.0.0.1]:PORT): refused too' '
	ssh-keygen -q -t ed25519 -N "" -f impostor &&
	echo "[127.0.0.1]:$SSH_PORT $(cut -d" " -f1,2 impostor.pub)" >"$HOME/.ssh/known_hosts" &&
	FIELDLOG_SSH_KEY=$HOME/.ssh/id_ed25519_binh-login ssh_fail_fast changed-host
	rc=$?
	cp known_hosts.good "$HOME/.ssh/known_hosts"
	test $rc = 0
'

test_expect_success 'a key the server does not know: exit 1, versions kept' '
	ssh-keygen -q -t ed25519 -N "" -f stranger &&
	test_must_fail --exit=1 env FIELDLOG_SSH_KEY=$PWD/stranger \
		"$FIELDLOG_BIN" -C ws/binh.tran sync --timeout 30 >out/stranger.out 2>out/stranger.err &&
	cat out/stranger.err &&
	scn_fl binh.tran status >out/status &&
	grep "local versions not yet sent: 1" out/status
'

test_expect_success 'with the right host key and key again, the queued version goes' '
	scn_sync binh.tran &&
	grep "^sent 1, " out/binh.tran.sync
'

test_expect_success 'stock git with an-login'"'"'s key pushing under binh.tran/: refused, reason shown' '
	GIT_SSH_COMMAND=$(ssh_command an-login) &&
	export GIT_SSH_COMMAND &&
	scn_push_as_other "$SSH_URL/central.git" an.nguyen binh.tran
	rc=$?
	unset GIT_SSH_COMMAND
	test $rc = 0
'

test_expect_success 'after another round everyone agrees again' '
	for round in 1 2; do
		for p in $SCN_ALL; do
			scn_sync $p || return 1
		done || return 1
	done &&
	for p in $SCN_ALL; do
		scn_sync $p "sent 0, received 0, conflicts 0" || return 1
	done &&
	scn_same_replicas $SCN_ALL &&
	scn_central_has_ids &&
	scn_fsck
'

test_done
