#!/bin/sh
# t0800: `fieldlog server init DIR` adopts the empty bare repository a git
# server made (gitolite, Gitea, a hosting panel: HEAD at master, sample
# hooks, the server's own update hook) and says what it changed; it
# refuses one with content, a pre-receive hook of someone else's, a
# working tree, with the reason. Opening the central repository (server
# init, roster add/list) names the real cause when it fails: another
# user owns it (libgit2's safe.directory check), not bare, not a
# repository.

. "$(dirname "$0")/test-lib.sh"

test_lazy_prereq ROOT 'test "$(id -u)" = 0 && getent passwd nobody'

test_expect_success 'an empty bare repository, as gitolite makes it, is adopted' '
	git init -q --bare -b master panel.git &&
	printf "#!/bin/sh\n# the git server'\''s own\nexit 0\n" >panel.git/hooks/update &&
	chmod +x panel.git/hooks/update &&
	cp panel.git/hooks/update update.before &&
	fieldlog server init --allow-unsigned panel.git >out &&
	cat out &&
	grep "adopted the existing repository panel.git; what changed:" out &&
	grep "HEAD    refs/heads/master -> refs/heads/main" out &&
	grep "main    commit [0-9a-f]* with an empty roster.json" out &&
	grep "hook    hooks/pre-receive runs .* server check" out &&
	test "$(git --git-dir=panel.git symbolic-ref HEAD)" = refs/heads/main &&
	git --git-dir=panel.git show main:roster.json >roster &&
	test "$(git --git-dir=panel.git config --bool receive.denyDeletes)" = true &&
	test "$(git --git-dir=panel.git config --bool receive.denyNonFastForwards)" = true &&
	test -x panel.git/hooks/pre-receive &&
	test_cmp update.before panel.git/hooks/update &&
	fieldlog roster add --repo panel.git --id an.nguyen --name "Nguyễn Văn An" \
		--role officer --province 42 --login an &&
	fieldlog roster list --repo panel.git >list &&
	grep an.nguyen list
'

test_expect_success 'one whose HEAD already names main: nothing said about HEAD' '
	git init -q --bare -b main gitea.git &&
	fieldlog server init --allow-unsigned gitea.git >out &&
	grep "adopted" out &&
	! grep "HEAD " out
'

test_expect_success 'a repository with content is refused, with the reason' '
	git init -q --bare -b master used.git &&
	git clone -q used.git work 2>/dev/null &&
	(cd work && git -c user.name=a -c user.email=a@b commit -q --allow-empty -m x &&
	 git push -q origin master) &&
	test_must_fail --exit=1 fieldlog server init used.git 2>err &&
	cat err &&
	grep "cannot adopt .used.git.: it already holds 1 ref (the first: .refs/heads/master.)" err &&
	test "$(git --git-dir=used.git symbolic-ref HEAD)" = refs/heads/master &&
	! test -e used.git/hooks/pre-receive
'

test_expect_success 'a pre-receive hook that is not ours is kept, and init refused' '
	git init -q --bare other.git &&
	printf "#!/bin/sh\nexit 0\n" >other.git/hooks/pre-receive &&
	test_must_fail --exit=1 fieldlog server init other.git 2>err &&
	grep "other.git/hooks/pre-receive. exists and is not fieldlog.s" err &&
	grep -c . other.git/hooks/pre-receive >lines && test "$(cat lines)" = 2
'

test_expect_success 'a working tree, or a directory of other things, is refused' '
	git init -q tree &&
	test_must_fail --exit=1 fieldlog server init tree 2>err &&
	grep "is a working tree, not a bare repository" err &&
	test_must_fail --exit=1 fieldlog roster list --repo tree 2>err &&
	grep "is a working tree, not a bare repository" err &&
	mkdir stuff && : >stuff/notes.txt &&
	test_must_fail --exit=1 fieldlog server init stuff 2>err &&
	grep "not an empty directory and not a git repository" err &&
	test_must_fail --exit=1 fieldlog roster list --repo stuff 2>err &&
	grep "is not a git repository" err
'

test_expect_success ROOT 'owned by another user: the owner named, and how to run as them' '
	git init -q --bare -b master owned.git &&
	chown -R nobody owned.git &&
	test_must_fail --exit=1 fieldlog server init owned.git 2>err &&
	cat err &&
	grep "owned.git. is owned by .nobody., not by .root. who runs this; run as that user, e.g. sudo -u nobody fieldlog server init" err &&
	cp -r panel.git theirs.git && chown -R nobody theirs.git &&
	test_must_fail --exit=1 fieldlog roster list --repo theirs.git 2>err &&
	grep "theirs.git. is owned by .nobody.*sudo -u nobody fieldlog roster list" err &&
	test_must_fail --exit=1 fieldlog roster add --repo theirs.git --id binh.tran --name B \
		--role officer --province 75 --login binh 2>err &&
	grep "sudo -u nobody fieldlog roster add" err &&
	! grep "no repository at" err &&
	test_must_fail --exit=1 env SSH_ORIGINAL_COMMAND="git-upload-pack '\''$PWD/theirs.git'\''" \
		"$FIELDLOG_BIN" server ssh-serve --user an --repo "$PWD/theirs.git" 2>err &&
	cat err &&
	grep "theirs.git. is owned by .nobody." err
'

test_done
