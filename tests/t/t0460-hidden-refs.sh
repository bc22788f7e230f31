#!/bin/sh
# t0460: the central repository served through `fieldlog server
# http-backend` (lighttpd) and `fieldlog server ssh-serve` (sshd forced
# commands) advertises to an officer only main, their own branch and the
# reviewers' branches; a reviewer sees everything. The whole three-officer
# sync scenario runs through it; stock git with an officer's credentials
# lists the same few refs (protocol v0 and v2), with a correspondingly
# smaller advertisement on a 30-officer repository; a push to a hidden
# branch is refused by git; a login the roster does not know is refused
# even for reads; over ssh the login reaches the pre-receive check, and
# nothing but git-upload-pack / git-receive-pack of the one repository runs.

. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/servers.sh"
. "$TEST_LIB_DIR/sync-scenario.sh"
. "$TEST_LIB_DIR/test-tool.sh"

test_lazy_prereq LIGHTTPD 'command -v lighttpd'
test_lazy_prereq SSHD 'test -x /usr/sbin/sshd && command -v ssh-keygen'
test_lazy_prereq CURL 'command -v curl'

# People reach the server over http unless SCN_VIA_SSH names them.
SCN_VIA_SSH=
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

# seen URL: the refs stock git lists at URL, sorted, with either protocol
# (both must agree).
seen () {
	git -c protocol.version=2 ls-remote "$1" >out/ls.v2 &&
	git -c protocol.version=0 ls-remote "$1" >out/ls.v0 &&
	cut -f2 out/ls.v2 | sort &&
	cut -f2 out/ls.v0 | sort >out/ls.v0.names &&
	cut -f2 out/ls.v2 | sort | cmp -s - out/ls.v0.names
}

# server_refs REPO [ID...]: HEAD and the server's refs; with IDs, only main
# and those authors' branches (those that exist).
server_refs () {
	_repo=$1
	shift
	{
		echo HEAD
		git --git-dir="$_repo" for-each-ref --format="%(refname)" |
		if [ $# -gt 0 ]; then
			grep -x -e refs/heads/main $(for _id; do echo "-e refs/heads/authors/$_id"; done)
		else
			cat
		fi
	} | sort
}

test_expect_success LIGHTTPD 'lighttpd with fieldlog server http-backend, one login per person' '
	start_http --fieldlog "$SCN_SRV" &&
	for p in $SCN_ALL; do
		scn_person $p && http_add_user "$scn_login" "$scn_pw" || return 1
	done &&
	http_add_user stranger stranger-pw &&
	test_set_prereq HTTP
'

sync_scenario

test_expect_success HTTP 'an officer lists main, their own branch and the reviewer'\''s' '
	for p in $SCN_OFFICERS; do
		scn_person $p &&
		seen "$(http_url $scn_login $scn_pw)/central.git" >out/seen.$p &&
		server_refs "$SCN_CENTRAL" $p $SCN_REVIEWER >out/expect.$p &&
		test_cmp out/expect.$p out/seen.$p &&
		test_line_count = 4 out/seen.$p || return 1
	done
'

test_expect_success HTTP 'a reviewer lists every branch' '
	scn_person $SCN_REVIEWER &&
	seen "$(http_url $scn_login $scn_pw)/central.git" >out/seen.reviewer &&
	server_refs "$SCN_CENTRAL" >out/expect.reviewer &&
	test_cmp out/expect.reviewer out/seen.reviewer &&
	test_line_count = 6 out/seen.reviewer
'

test_expect_success HTTP 'a login the roster does not know is refused, reads too (403)' '
	test_must_fail git ls-remote "$(http_url stranger stranger-pw)/central.git" \
		>out/stranger.out 2>out/stranger.err &&
	cat out/stranger.err &&
	grep 403 out/stranger.err &&
	grep "^remote: error: login .stranger. is not in the roster" out/stranger.err &&
	test ! -s out/stranger.out
'

test_expect_success HTTP,CURL 'the 403 carries its reason in one line' '
	curl -s -o out/stranger.body -w "%{http_code}\n" -u stranger:stranger-pw \
		"$HTTP_URL/central.git/info/refs?service=git-upload-pack" >out/stranger.code &&
	echo 403 >out/expect.code &&
	test_cmp out/expect.code out/stranger.code &&
	echo "error: login '"'"'stranger'"'"' is not in the roster" >out/expect.body &&
	test_cmp out/expect.body out/stranger.body
'

test_expect_success HTTP 'stock git pushing to another officer'\''s branch: refused, a hidden ref' '
	scn_person an.nguyen &&
	url="$(http_url $scn_login $scn_pw)/central.git" &&
	scn_stock_clone "$url" an.nguyen stock-an &&
	git -C stock-an commit -q --allow-empty -m "not mine to push" &&
	before=$(git --git-dir="$SCN_CENTRAL" rev-parse authors/binh.tran) &&
	test_must_fail git -C stock-an push origin HEAD:refs/heads/authors/binh.tran \
		>out/push-hidden 2>&1 &&
	cat out/push-hidden &&
	grep "deny updating a hidden ref" out/push-hidden &&
	test "$(git --git-dir="$SCN_CENTRAL" rev-parse authors/binh.tran)" = "$before" &&
	test_must_fail git -C stock-an push origin HEAD:refs/heads/authors/new.officer \
		>out/push-new 2>&1 &&
	grep "deny updating a hidden ref" out/push-new
'

# git refuses the hidden ref, yet still runs the pre-receive hook on it
# (receive-pack feeds the hook every command), and the hook's reason is
# the one fieldlog shows.
test_expect_success HTTP 'fieldlog sync with another officer'\''s login: refused (exit 4), nothing lost' '
	scn_add_issue chi.le "Đẩy bằng tài khoản người khác" &&
	test_must_fail --exit=4 env FIELDLOG_USER=an-login FIELDLOG_TOKEN=an-secret-1 \
		"$FIELDLOG_BIN" -C ws/chi.le sync >out/other.out 2>out/other.err &&
	cat out/other.out out/other.err &&
	test_line_count = 1 out/other.err &&
	grep "refused.*authors/chi.le: '"'"'an.nguyen'"'"' may only push refs/heads/authors/an.nguyen" \
		out/other.err &&
	scn_fl chi.le status >out/status &&
	grep "local versions not yet sent: 1" out/status &&
	scn_sync chi.le "sent 1, received 0, conflicts 0" &&
	scn_sync $SCN_REVIEWER "sent 0, received 1, conflicts 0"
'

test_expect_success HTTP 'a 30-officer repository: the officer'\''s advertisement shrinks' '
	test_tool generate --repo "$SCN_SRV/big.git" --profile pilot --officers 30 --weeks 1 \
		--seed 7 >out/big.summary &&
	git --git-dir="$SCN_SRV/big.git" show main:roster.json >out/big.roster &&
	"$PYTHON" -c "
import json, sys
people = json.load(open(sys.argv[1]))[\"people\"]
print([p[\"id\"] for p in people if p[\"role\"] == \"officer\"][0])
print(\" \".join(p[\"id\"] for p in people if p[\"role\"] == \"reviewer\"))
print(len(people))" out/big.roster >out/big.people &&
	officer=$(sed -n 1p out/big.people) &&
	reviewers=$(sed -n 2p out/big.people) &&
	test "$(sed -n 3p out/big.people)" -ge 30 &&
	reviewer=${reviewers%% *} &&
	http_add_user "$officer" pw-officer &&
	http_add_user "$reviewer" pw-reviewer &&
	seen "$(http_url "$officer" pw-officer)/big.git" >out/big.officer &&
	server_refs "$SCN_SRV/big.git" "$officer" $reviewers >out/big.expect &&
	test_cmp out/big.expect out/big.officer &&
	seen "$(http_url "$reviewer" pw-reviewer)/big.git" >out/big.reviewer &&
	server_refs "$SCN_SRV/big.git" >out/big.all &&
	test_cmp out/big.all out/big.reviewer &&
	test "$(wc -l <out/big.reviewer)" -gt 30 &&
	echo "$officer" >out/big.officer.id
'

test_expect_success HTTP,CURL 'its bytes: the officer'\''s advertisement is a fraction of the whole' '
	officer=$(cat out/big.officer.id) &&
	reviewer=$(sed -n 2p out/big.people | cut -d" " -f1) &&
	curl -sf -u "$officer:pw-officer" \
		"$HTTP_URL/big.git/info/refs?service=git-upload-pack" >out/adv.officer &&
	curl -sf -u "$reviewer:pw-reviewer" \
		"$HTTP_URL/big.git/info/refs?service=git-upload-pack" >out/adv.reviewer &&
	o=$(wc -c <out/adv.officer) && r=$(wc -c <out/adv.reviewer) &&
	echo "advertisement: officer $o bytes, reviewer $r bytes" &&
	test $((o * 3)) -lt $r &&
	test "$(grep -c "refs/heads/authors/" out/adv.officer)" -lt 6
'

test_expect_success SSHD 'sshd with fieldlog server ssh-serve as each key'\''s forced command' '
	start_sshd "$SCN_SRV" &&
	for p in $SCN_ALL; do
		scn_person $p && ssh_add_user --serve "$SCN_CENTRAL" "$scn_login" || return 1
	done &&
	ssh_add_user --serve "$SCN_CENTRAL" stranger &&
	grep -c "server ssh-serve --user" "$SSH_AUTHORIZED_KEYS" >out/keys &&
	echo 5 >out/keys.expect &&
	test_cmp out/keys.expect out/keys &&
	test_set_prereq SSH
'

test_expect_success HTTP,SSH 'over ssh an officer lists the same few refs, a reviewer all' '
	GIT_SSH_COMMAND=$(ssh_command an-login) seen "$SSH_URL/central.git" >out/ssh.an &&
	server_refs "$SCN_CENTRAL" an.nguyen $SCN_REVIEWER >out/ssh.an.expect &&
	test_cmp out/ssh.an.expect out/ssh.an &&
	GIT_SSH_COMMAND=$(ssh_command dung-login) seen "$SSH_URL/central.git" >out/ssh.rev &&
	server_refs "$SCN_CENTRAL" >out/ssh.rev.expect &&
	test_cmp out/ssh.rev.expect out/ssh.rev
'

test_expect_success HTTP,SSH 'over ssh an officer'\''s sync sends and receives' '
	SCN_VIA_SSH=an.nguyen &&
	scn_fl an.nguyen remote set "$(scn_url an.nguyen)" &&
	scn_add_issue an.nguyen "Gửi qua ssh" &&
	scn_sync an.nguyen "sent 1, received 0, conflicts 0" &&
	scn_sync $SCN_REVIEWER "sent 0, received 1, conflicts 0" &&
	scn_fl $SCN_REVIEWER respond "$scn_last" --status answered --text "Đã nhận qua ssh" \
		>/dev/null &&
	scn_sync $SCN_REVIEWER "sent 1, received 0, conflicts 0" &&
	scn_sync an.nguyen "sent 0, received 1, conflicts 0" &&
	scn_fl an.nguyen issue show "$scn_last" >out/ssh.answered &&
	grep "Đã nhận qua ssh" out/ssh.answered &&
	scn_same_replicas $SCN_ALL
'

test_expect_success HTTP,SSH 'over ssh the check knows the pusher: another'\''s record on one'\''s own branch' '
	GIT_SSH_COMMAND=$(ssh_command an-login) && export GIT_SSH_COMMAND &&
	scn_stock_clone "$SSH_URL/central.git" an.nguyen ssh-an &&
	path=$(scn_foreign_record binh.tran out/foreign.json) &&
	mkdir -p "ssh-an/${path%/*}" &&
	cp out/foreign.json "ssh-an/$path" &&
	git -C ssh-an add "$path" &&
	GIT_AUTHOR_EMAIL=binh.tran@fieldlog GIT_COMMITTER_EMAIL=binh.tran@fieldlog \
		git -C ssh-an commit -q -m "a record of binh.tran on the branch of an.nguyen" &&
	test_must_fail git -C ssh-an push origin HEAD:refs/heads/authors/an.nguyen \
		>out/ssh-foreign 2>&1 &&
	cat out/ssh-foreign &&
	# The author is checked first; the path would be refused as well.
	grep -E "^remote: .*(not under '"'$(author_dir an.nguyen)/'"'|written by '"'binh.tran'"', on the branch of '"'an.nguyen'"')" \
		out/ssh-foreign &&
	test_must_fail git -C ssh-an push origin HEAD:refs/heads/authors/binh.tran \
		>out/ssh-hidden 2>&1 &&
	cat out/ssh-hidden &&
	grep "deny updating a hidden ref" out/ssh-hidden
'

test_expect_success HTTP,SSH 'over ssh nothing else runs: another command, another repository, a stranger' '
	ssh_an=$(ssh_command an-login) &&
	test_must_fail sh -c "$ssh_an -p $SSH_PORT $SSH_USER@127.0.0.1 ls /" \
		>out/ssh-ls 2>out/ssh-ls.err &&
	cat out/ssh-ls.err &&
	test ! -s out/ssh-ls &&
	grep "^error: this key only serves git-upload-pack and git-receive-pack" out/ssh-ls.err &&
	test_must_fail env GIT_SSH_COMMAND="$ssh_an" git ls-remote "$SSH_URL/big.git" \
		>out/ssh-big 2>out/ssh-big.err &&
	cat out/ssh-big.err &&
	grep "^error: this key serves only" out/ssh-big.err &&
	test ! -s out/ssh-big &&
	test_must_fail env GIT_SSH_COMMAND="$(ssh_command stranger)" \
		git ls-remote "$SSH_URL/central.git" >out/ssh-stranger 2>out/ssh-stranger.err &&
	cat out/ssh-stranger.err &&
	grep "^error: login .stranger. is not in the roster" out/ssh-stranger.err &&
	test ! -s out/ssh-stranger
'

test_expect_success 'outside a web server or ssh: a usage line, exit 1' '
	test_must_fail --exit=1 env -u REQUEST_METHOD "$FIELDLOG_BIN" server http-backend 2>out/cgi.err &&
	grep "^error: no REQUEST_METHOD" out/cgi.err &&
	test_must_fail --exit=1 env -u SSH_ORIGINAL_COMMAND "$FIELDLOG_BIN" server ssh-serve --user an-login \
		--repo "$SCN_CENTRAL" 2>out/ssh.err &&
	grep "^error: this key only serves git" out/ssh.err &&
	test_must_fail --exit=2 fieldlog server ssh-serve --user an-login 2>out/usage.err &&
	grep "^usage: fieldlog server ssh-serve" out/usage.err
'

test_done
