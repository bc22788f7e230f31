#!/bin/sh
# t0100-servers: proves the loopback git servers of tests/lib/servers.sh with
# stock git only, so that a later fieldlog sync failure points at fieldlog and
# not at the test set-up. For git daemon, http (basic auth) and ssh (keys):
# clone, commit, push, clone again; the pre-receive hook learns the pusher
# (REMOTE_USER over http, GL_USER over ssh); a hook that says no stops the
# push and its words reach the client; hooks see the test's environment.

. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/servers.sh"

# make_repo NAME: a bare repository in srv/ whose pre-receive hook appends
# "REMOTE_USER=... GL_USER=..." to srv/NAME.pushers, keeps its environment
# in srv/NAME.env, and refuses the push, saying so on stderr, when
# srv/NAME.deny exists.
make_repo () {
	git -c init.defaultBranch=main init -q --bare "srv/$1.git" &&
	cat >"srv/$1.git/hooks/pre-receive" <<-EOF &&
	#!/bin/sh
	cat >/dev/null
	echo "REMOTE_USER=\${REMOTE_USER-} GL_USER=\${GL_USER-}" >>"$PWD/srv/$1.pushers"
	env >"$PWD/srv/$1.env"
	if [ -f "$PWD/srv/$1.deny" ]; then
		echo "fieldlog-test: push refused by the hook" >&2
		exit 1
	fi
	EOF
	chmod +x "srv/$1.git/hooks/pre-receive"
}

# roundtrip URL NAME: clone URL into NAME.1, commit, push, clone into NAME.2
# and check that the second clone holds the same commit and file.
roundtrip () {
	git clone -q "$1" "$2.1" &&
	echo "hello from $2" >"$2.1/note.txt" &&
	git -C "$2.1" add note.txt &&
	git -C "$2.1" commit -q -m "note from $2" &&
	git -C "$2.1" push -q origin HEAD:refs/heads/main &&
	git clone -q "$1" "$2.2" &&
	git -C "$2.1" rev-parse HEAD >expect &&
	git -C "$2.2" rev-parse HEAD >actual &&
	test_cmp expect actual &&
	test_cmp "$2.1/note.txt" "$2.2/note.txt"
}

test_expect_success 'start git daemon, http and sshd' '
	mkdir srv &&
	for r in daemon http ssh; do make_repo $r || return 1; done &&
	start_git_daemon srv &&
	start_http srv &&
	http_add_user alice alice-pw &&
	start_sshd srv &&
	ssh_add_user bob &&
	ssh_add_user carol &&
	test -n "$GIT_DAEMON_PORT" && test -n "$HTTP_PORT" && test -n "$SSH_PORT"
'

test_expect_success 'git daemon: clone, push, clone again' '
	roundtrip "$GIT_DAEMON_URL/daemon.git" daemon &&
	echo "REMOTE_USER= GL_USER=" >expect &&
	test_cmp expect srv/daemon.pushers
'

test_expect_success 'http: anonymous clone and push are refused' '
	test_must_fail git clone -q "$HTTP_URL/http.git" anon 2>err &&
	grep -i "terminal prompts disabled\|authentication" err &&
	git clone -q "$(http_url alice alice-pw)/http.git" anon &&
	git -C anon commit -q --allow-empty -m anonymous &&
	test_must_fail git -C anon push -q "$HTTP_URL/http.git" HEAD:refs/heads/main &&
	test_must_fail git -C anon push -q "$(http_url alice wrong)/http.git" HEAD:refs/heads/main &&
	test_must_fail git ls-remote "$(http_url mallory alice-pw)/http.git" &&
	test ! -f srv/http.pushers &&
	test_must_fail git --git-dir=srv/http.git rev-parse --verify -q main
'

test_expect_success 'http: clone, push as alice, clone again' '
	roundtrip "$(http_url alice alice-pw)/http.git" http
'

test_expect_success 'http: the hook saw REMOTE_USER=alice' '
	echo "REMOTE_USER=alice GL_USER=" >expect &&
	test_cmp expect srv/http.pushers
'

test_expect_success 'http: a user added while the server runs can push' '
	http_add_user dave dave-pw &&
	git -C http.1 commit -q --allow-empty -m "from dave" &&
	git -C http.1 push -q "$(http_url dave dave-pw)/http.git" HEAD:refs/heads/main &&
	tail -n 1 srv/http.pushers >actual &&
	echo "REMOTE_USER=dave GL_USER=" >expect &&
	test_cmp expect actual
'

test_expect_success 'ssh: clone, push as bob, clone again' '
	GIT_SSH_COMMAND=$(ssh_command bob) &&
	export GIT_SSH_COMMAND &&
	roundtrip "$SSH_URL/ssh.git" ssh &&
	unset GIT_SSH_COMMAND
'

test_expect_success 'hooks get the test environment on every transport' '
	for r in daemon http ssh; do
		for v in "HOME=$SERVER_HOME" "FIELDLOG_BIN=$FIELDLOG_BIN" \
			"TZ=$TZ" "LC_ALL=$LC_ALL" "ASAN_OPTIONS=$ASAN_OPTIONS" \
			"LSAN_OPTIONS=$LSAN_OPTIONS" "UBSAN_OPTIONS=$UBSAN_OPTIONS"; do
			grep -qxF "$v" srv/$r.env || { echo "$r hook lacks $v"; return 1; }
		done
	done
'

test_expect_success 'ssh: the hook saw GL_USER=bob, and carol is told apart' '
	echo "REMOTE_USER= GL_USER=bob" >expect &&
	test_cmp expect srv/ssh.pushers &&
	git -C ssh.1 commit -q --allow-empty -m "from carol" &&
	GIT_SSH_COMMAND=$(ssh_command carol) git -C ssh.1 push -q origin HEAD:refs/heads/main &&
	tail -n 1 srv/ssh.pushers >actual &&
	echo "REMOTE_USER= GL_USER=carol" >expect &&
	test_cmp expect actual
'

test_expect_success 'ssh: an unknown key and a shell command are refused' '
	ssh-keygen -q -t ed25519 -N "" -f stranger &&
	test_must_fail env GIT_SSH_COMMAND="ssh -F /dev/null -i $PWD/stranger -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile=$HOME/.ssh/known_hosts" \
		git ls-remote "$SSH_URL/ssh.git" &&
	eval "test_must_fail $(ssh_command bob) -p $SSH_PORT $SSH_USER@127.0.0.1 \"touch $PWD/pwned\"" &&
	test ! -e pwned
'

test_expect_success 'ssh: an unknown host key is refused' '
	cp "$HOME/.ssh/known_hosts" known_hosts.save &&
	: >"$HOME/.ssh/known_hosts" &&
	test_must_fail env GIT_SSH_COMMAND="$(ssh_command bob)" git ls-remote "$SSH_URL/ssh.git" 2>err
	status=$?
	cp known_hosts.save "$HOME/.ssh/known_hosts" &&
	test $status = 0 &&
	grep -i "host key" err
'

test_expect_success 'a stopped server refuses connections; resumed, it serves again' '
	GIT_SSH_COMMAND=$(ssh_command bob) &&
	export GIT_SSH_COMMAND &&
	stop_git_daemon && stop_http && stop_sshd &&
	test_must_fail git ls-remote "$GIT_DAEMON_URL/daemon.git" &&
	test_must_fail git ls-remote "$(http_url alice alice-pw)/http.git" &&
	test_must_fail git ls-remote "$SSH_URL/ssh.git" &&
	resume_git_daemon && resume_http && resume_sshd &&
	git ls-remote "$GIT_DAEMON_URL/daemon.git" refs/heads/main >out && test_line_count = 1 out &&
	git ls-remote "$(http_url alice alice-pw)/http.git" refs/heads/main >out && test_line_count = 1 out &&
	git ls-remote "$SSH_URL/ssh.git" refs/heads/main >out && test_line_count = 1 out &&
	unset GIT_SSH_COMMAND
'

# push_refused CLONE URL: a push from CLONE to URL fails with the hook's
# words, and leaves the branch where it was.
push_refused () {
	before=$(git ls-remote "$2" refs/heads/main) &&
	test -n "$before" &&
	git -C "$1" commit -q --allow-empty -m refused &&
	test_must_fail git -C "$1" push "$2" HEAD:refs/heads/main 2>err &&
	cat err &&
	grep "^remote: fieldlog-test: push refused by the hook" err &&
	grep "pre-receive hook declined" err &&
	after=$(git ls-remote "$2" refs/heads/main) &&
	test "$before" = "$after"
}

test_expect_success 'a pre-receive hook that exits 1 stops the push; its message reaches the client' '
	for r in daemon http ssh; do : >"srv/$r.deny" || return 1; done &&
	GIT_SSH_COMMAND=$(ssh_command bob) &&
	export GIT_SSH_COMMAND &&
	push_refused daemon.1 "$GIT_DAEMON_URL/daemon.git" &&
	push_refused http.1 "$(http_url alice alice-pw)/http.git" &&
	push_refused ssh.1 "$SSH_URL/ssh.git" &&
	unset GIT_SSH_COMMAND
'

test_done
