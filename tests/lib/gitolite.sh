# gitolite.sh: a real gitolite3 (Debian's package) behind sshd on
# 127.0.0.1, set up the way docs/admin.md tells an admin to, in the test's
# scratch directory: its own HOME (GL_HOME), `gitolite setup -pk
# admin.pub`, and an sshd whose AuthorizedKeysFile is the one gitolite
# writes (each key forced to `gitolite-shell USER`, which sets GL_USER for
# the hooks).
#
#	start_gitolite         sets GL_HOME, GL_URL (ssh://USER@127.0.0.1:PORT/;
#	                       append a repository name), GL_ADMIN (a clone
#	                       of gitolite-admin); needs start_sshd's helpers
#	gl_key NAME            makes $HOME/.ssh/id_ed25519_gl_NAME if missing
#	gl_ssh NAME            a GIT_SSH_COMMAND logging in with NAME's key
#	gl_admin_push MESSAGE  commits GL_ADMIN and pushes it (gitolite
#	                       compiles the conf, adds keys, creates repos)
#
# Source it after servers.sh. gitolite runs as the test's own user.

GL_HOME=$TEST_SCRATCH/gitolite-home

gl_key () {
	mkdir -p "$HOME/.ssh" && chmod 700 "$HOME/.ssh" &&
	if [ ! -f "$HOME/.ssh/id_ed25519_gl_$1" ]; then
		ssh-keygen -q -t ed25519 -N '' -C "$1" -f "$HOME/.ssh/id_ed25519_gl_$1" </dev/null
	fi
}

gl_ssh () {
	printf "ssh -F /dev/null -i '%s' -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile='%s' -o GlobalKnownHostsFile=/dev/null\n" \
		"$HOME/.ssh/id_ed25519_gl_$1" "$HOME/.ssh/known_hosts"
}

start_gitolite () {
	mkdir -p "$GL_HOME" "$TEST_SCRATCH/gl-unused" &&
	gl_key admin &&
	cp "$HOME/.ssh/id_ed25519_gl_admin.pub" "$TEST_SCRATCH/admin.pub" &&
	HOME=$GL_HOME USER=$(id -un) gitolite setup -pk "$TEST_SCRATCH/admin.pub" \
		>"$TEST_SCRATCH/gitolite-setup.log" 2>&1 &&
	test -f "$GL_HOME/.ssh/authorized_keys" &&
	start_sshd "$TEST_SCRATCH/gl-unused" &&
	# The same sshd, now with gitolite's keys and HOME.
	sed -i -e "s|^AuthorizedKeysFile .*|AuthorizedKeysFile $GL_HOME/.ssh/authorized_keys|" \
		-e "s|\"HOME=$SERVER_HOME\"|\"HOME=$GL_HOME\"|" "$SSH_DIR/sshd_config" &&
	grep -q "HOME=$GL_HOME" "$SSH_DIR/sshd_config" &&
	stop_sshd && resume_sshd &&
	GL_URL=ssh://$SSH_USER@127.0.0.1:$SSH_PORT/ &&
	GL_ADMIN=$TEST_SCRATCH/gitolite-admin &&
	GIT_SSH_COMMAND=$(gl_ssh admin) git clone -q "${GL_URL}gitolite-admin" "$GL_ADMIN"
}

gl_admin_push () {
	git -C "$GL_ADMIN" add -A &&
	git -C "$GL_ADMIN" -c user.name=admin -c user.email=admin@example.org \
		commit -q -m "$1" &&
	GIT_SSH_COMMAND=$(gl_ssh admin) git -C "$GL_ADMIN" push -q origin HEAD
}
