#!/bin/sh
# t0401: the three-officer sync scenario over smart HTTP (lighttpd +
# git-http-backend, basic auth). Each person has a login (not their id)
# and a password; the pre-receive hook learns the login from REMOTE_USER
# and maps it to an id through the roster. Credentials come in every way
# fieldlog takes them: FIELDLOG_USER + FIELDLOG_TOKEN, a user in the URL,
# `remote set-token` (stdin). A push to another officer's branch, or that
# writes under another officer's directory, is refused with the reason;
# passwords are never printed.

. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/servers.sh"
. "$TEST_LIB_DIR/sync-scenario.sh"

# an.nguyen:  user in the URL, token saved with `remote set-token`
# binh.tran:  plain URL, FIELDLOG_USER and FIELDLOG_TOKEN on every command
# chi.le:     user in the URL, FIELDLOG_TOKEN for init, then set-token
# dung.pham:  plain URL, FIELDLOG_USER and FIELDLOG_TOKEN
scn_url () {
	scn_person "$1" &&
	case $1 in
	an.nguyen|chi.le) echo "http://$scn_login@127.0.0.1:$HTTP_PORT/central.git" ;;
	*) echo "$HTTP_URL/central.git" ;;
	esac
}
scn_env () {
	scn_person "$1" &&
	case $1 in
	binh.tran|dung.pham) echo "FIELDLOG_USER=$scn_login FIELDLOG_TOKEN=$scn_pw" ;;
	chi.le) [ -f "$SCN_WS/$1/config.json" ] || echo "FIELDLOG_TOKEN=$scn_pw" ;;
	esac
}
scn_after_init () {
	scn_person "$1" &&
	case $1 in
	an.nguyen|chi.le)
		printf '%s\n' "$scn_pw" | scn_fl "$1" remote set-token >"$TEST_SCRATCH/out/$1.set-token" &&
		test "$(stat -c %a "$SCN_WS/$1/config.json")" = 600 ;;
	esac
}

test_expect_success 'start lighttpd + git-http-backend, one login per person' '
	start_http "$SCN_SRV" &&
	for p in $SCN_ALL; do
		scn_person $p && http_add_user "$scn_login" "$scn_pw" || return 1
	done
'

sync_scenario

test_expect_success 'no password was ever printed' '
	for p in $SCN_ALL; do
		scn_person $p && no_secret "$scn_pw" out/* || return 1
	done
'

test_expect_success 'a wrong password: sync exits 1 soon, keeps the versions, prints no password' '
	scn_add_issue binh.tran "Chờ gửi: sai mật khẩu" &&
	start=$(date +%s) &&
	test_must_fail --exit=1 env FIELDLOG_USER=binh-login FIELDLOG_TOKEN=not-the-password \
		"$FIELDLOG_BIN" -C ws/binh.tran sync --timeout 20 >out/wrong.out 2>out/wrong.err &&
	cat out/wrong.out out/wrong.err &&
	test $(($(date +%s) - start)) -lt 15 &&
	no_secret not-the-password out/wrong.out out/wrong.err &&
	scn_fl binh.tran status >out/status &&
	grep "local versions not yet sent: 1" out/status &&
	scn_sync binh.tran "sent 1, received 0, conflicts 0"
'

test_expect_success 'a wrong password: the error says the server refused the credentials' '
	cat out/wrong.err &&
	test_line_count = 1 out/wrong.err &&
	grep -i "auth\|401\|credential\|password\|login" out/wrong.err
'

test_expect_success 'fieldlog sync with another officer'"'"'s login: refused (exit 4) with the reason' '
	scn_add_issue chi.le "Đẩy bằng tài khoản người khác" &&
	test_must_fail --exit=4 env FIELDLOG_USER=an-login FIELDLOG_TOKEN=an-secret-1 \
		"$FIELDLOG_BIN" -C ws/chi.le sync >out/other.out 2>out/other.err &&
	cat out/other.out out/other.err &&
	grep "refused" out/other.err &&
	grep "authors/chi.le: '"'"'an.nguyen'"'"' may only push refs/heads/authors/an.nguyen" out/other.err &&
	scn_fl chi.le status >out/status &&
	grep "local versions not yet sent: 1" out/status &&
	scn_sync chi.le &&
	grep "^sent 1, " out/chi.le.sync
'

test_expect_success 'stock git with an-login pushing a record under binh.tran/: refused, reason shown' '
	scn_push_as_other "$(http_url an-login an-secret-1)/central.git" an.nguyen binh.tran
'

test_expect_success 'stock git with binh-login pushing a valid record of binh.tran: accepted' '
	scn_push_own "$(http_url binh-login binh-secret-2)/central.git" binh.tran
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
