# servers.sh: real git servers on 127.0.0.1 for the end-to-end tests.
#
# fieldlog syncs over git://, http(s):// and ssh://, and runs as the central
# repository's pre-receive hook, where the pusher's name comes from the server
# (REMOTE_USER from git-http-backend, GL_USER from a gitolite-style ssh key).
# Mocks would not show how libgit2 really talks to those servers, so the tests
# start the real ones, each serving a directory of bare repositories:
#
#	start_git_daemon BASEDIR   anonymous git daemon, push enabled
#	start_http BASEDIR         lighttpd + git-http-backend, basic auth for all
#	start_http --fieldlog BASEDIR   the same with `fieldlog server http-backend`
#	start_sshd BASEDIR         sshd, forced git-shell per key, sets GL_USER
#	ssh_add_user --serve REPO LOGIN   a key whose forced command is
#	                           `fieldlog server ssh-serve --user LOGIN --repo REPO`
#
# and stop_X / resume_X (X: git_daemon, http, sshd) to take the last started
# server of a kind away and bring it back on the same port, for "offline,
# then online again" tests.
#
# Source it after test-lib.sh:  . "$TEST_LIB_DIR/servers.sh"
# Call start_* from the main shell (a test body is fine, a subshell is not):
# they set variables and register their own stop with test_cleanup_add, so
# every server is killed at exit, also when a test failed.
#
# Hooks run with the test's PATH, TZ, locale, FIELDLOG_BIN and sanitizer
# options, and HOME=$SERVER_HOME (an empty directory standing for the server
# machine's home, not the client's). Ports come from free_port; a start that
# loses a port race retries on another port.

SERVER_HOME=$TEST_SCRATCH/server-home
mkdir -p "$SERVER_HOME"

# Variables passed to server-side hooks (git daemon inherits them anyway).
_srv_pass_env='PATH TZ LANG LC_ALL GIT_CONFIG_NOSYSTEM FIELDLOG_BIN ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS'

# _srv_alive PID: true while PID runs. A zombie counts as dead: daemons are
# reparented to pid 1, which may reap them late.
_srv_alive () {
	kill -0 "$1" 2>/dev/null || return 1
	if [ -r "/proc/$1/stat" ]; then
		_srv_state=$(sed -e 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
		[ "$_srv_state" != Z ] || return 1
	fi
	return 0
}

# _srv_stop PIDFILE: TERM the process named in PIDFILE, KILL it after 5 s.
_srv_stop () {
	[ -s "$1" ] || return 0
	_srv_spid=$(cat "$1")
	rm -f "$1"
	kill "$_srv_spid" 2>/dev/null || return 0
	_srv_i=0
	while _srv_alive "$_srv_spid" && [ $_srv_i -lt 50 ]; do
		sleep 0.1
		_srv_i=$((_srv_i + 1))
	done
	if _srv_alive "$_srv_spid"; then
		echo "server $_srv_spid ignored TERM; killing it" >&2
		kill -9 "$_srv_spid" 2>/dev/null
	fi
	return 0
}

# _srv_wait_pidfile PIDFILE: waits up to 10 s for PIDFILE to name a live process.
_srv_wait_pidfile () {
	_srv_i=0
	while [ $_srv_i -lt 200 ]; do
		if [ -s "$1" ] && _srv_alive "$(cat "$1")"; then
			return 0
		fi
		sleep 0.05
		_srv_i=$((_srv_i + 1))
	done
	return 1
}

# _srv_ready PIDFILE PORT: the server wrote its pid, accepts connections, and
# is still alive afterwards (so the port was not somebody else's).
_srv_ready () {
	_srv_wait_pidfile "$1" && wait_for_port "$2" 10 2>/dev/null &&
	_srv_alive "$(cat "$1")"
}

# _srv_setup KIND BASEDIR: checks BASEDIR, makes a private directory for the
# server's config, keys and logs; sets _srv_base and _srv_dir.
_srv_setup () {
	if [ $# -ne 2 ] || [ ! -d "$2" ]; then
		echo "start_$1: needs an existing BASEDIR of bare repositories" >&2
		return 1
	fi
	_srv_base=$(cd "$2" && pwd -P) &&
	mkdir -p "$TEST_SCRATCH/.servers" &&
	_srv_dir=$(mktemp -d "$TEST_SCRATCH/.servers/$1.XXXXXX")
}

# start_git_daemon BASEDIR: serves BASEDIR/*.git anonymously, push enabled.
# Sets GIT_DAEMON_PORT and GIT_DAEMON_URL (git://127.0.0.1:PORT; append
# /repo.git). git daemon --detach logs to syslog, i.e. nowhere here; with
# --informative-errors the client sees why a request failed.
start_git_daemon () {
	_srv_setup git-daemon "$@" || return 1
	GIT_DAEMON_DIR=$_srv_dir
	GIT_DAEMON_BASE=$_srv_base
	test_cleanup_add "_srv_stop '$_srv_dir/pid'"
	for _srv_try in 1 2 3; do
		GIT_DAEMON_PORT=$(free_port) || return 1
		if resume_git_daemon; then
			GIT_DAEMON_URL=git://127.0.0.1:$GIT_DAEMON_PORT
			return 0
		fi
	done
	echo "start_git_daemon: git daemon did not start" >&2
	return 1
}

# stop_git_daemon, resume_git_daemon: take the last started git daemon away
# (clients get "connection refused", as when offline) and bring it back on
# the same port.
stop_git_daemon () {
	_srv_stop "$GIT_DAEMON_DIR/pid"
}
resume_git_daemon () {
	HOME=$SERVER_HOME git daemon --reuseaddr --listen=127.0.0.1 \
		--port="$GIT_DAEMON_PORT" --base-path="$GIT_DAEMON_BASE" \
		--export-all --enable=receive-pack --informative-errors \
		--pid-file="$GIT_DAEMON_DIR/pid" --detach "$GIT_DAEMON_BASE" \
		</dev/null >>"$GIT_DAEMON_DIR/log" 2>&1 &&
	_srv_ready "$GIT_DAEMON_DIR/pid" "$GIT_DAEMON_PORT" ||
	{ _srv_stop "$GIT_DAEMON_DIR/pid"; return 1; }
}

# _srv_lighttpd_str VALUE: VALUE as a lighttpd string literal.
_srv_lighttpd_str () {
	printf '"%s"' "$(printf '%s' "$1" | sed -e 's/[\\"]/\\&/g')"
}

# start_http [--fieldlog] BASEDIR: lighttpd on 127.0.0.1 running
# git-http-backend over BASEDIR; every request needs basic auth (users:
# http_add_user). The user reaches hooks as REMOTE_USER, which also enables
# receive-pack. With --fieldlog the CGI is `fieldlog server http-backend`
# (through a two-line script, as the README shows: a CGI takes no
# arguments), which hides other officers' branches. Sets HTTP_PORT,
# HTTP_URL (http://127.0.0.1:PORT; append /repo.git) and HTTP_HTPASSWD.
# server.stream-request-body stays unset: lighttpd then buffers chunked
# pushes and hands the CGI a Content-Length (libgit2 needs it).
start_http () {
	_srv_cgi=/usr/lib/git-core/git-http-backend
	if [ "${1-}" = --fieldlog ]; then
		_srv_cgi=fieldlog
		shift
	fi
	_srv_setup http "$@" || return 1
	mkdir "$_srv_dir/docroot" "$_srv_dir/upload" || return 1
	if [ "$_srv_cgi" = fieldlog ]; then
		_srv_cgi=$_srv_dir/fieldlog-http-backend
		printf '#!/bin/sh\nexec "%s" server http-backend\n' "$FIELDLOG_BIN" >"$_srv_cgi" &&
		chmod +x "$_srv_cgi" || return 1
	fi
	HTTP_HTPASSWD=$_srv_dir/htpasswd
	: >"$HTTP_HTPASSWD"
	_srv_env="\"GIT_PROJECT_ROOT\" => $(_srv_lighttpd_str "$_srv_base"),
	\"GIT_HTTP_EXPORT_ALL\" => \"1\",
	\"HOME\" => $(_srv_lighttpd_str "$SERVER_HOME")"
	for _srv_v in $_srv_pass_env; do
		eval "_srv_val=\${$_srv_v-}"
		[ -n "$_srv_val" ] || continue
		_srv_env="$_srv_env,
	\"$_srv_v\" => $(_srv_lighttpd_str "$_srv_val")"
	done
	HTTP_DIR=$_srv_dir
	test_cleanup_add "_srv_stop '$_srv_dir/pid'"
	for _srv_try in 1 2 3; do
		_srv_port=$(free_port) || return 1
		cat >"$_srv_dir/lighttpd.conf" <<-EOF
		# written by tests/lib/servers.sh
		server.modules = ("mod_alias", "mod_auth", "mod_authn_file", "mod_cgi", "mod_setenv")
		server.bind = "127.0.0.1"
		server.port = $_srv_port
		server.document-root = $(_srv_lighttpd_str "$_srv_dir/docroot")
		server.pid-file = $(_srv_lighttpd_str "$_srv_dir/pid")
		server.errorlog = $(_srv_lighttpd_str "$_srv_dir/error.log")
		server.upload-dirs = ($(_srv_lighttpd_str "$_srv_dir/upload"))
		# Every URL is a path below the CGI: /repo.git/info/refs becomes
		# PATH_INFO=/repo.git/info/refs for git-http-backend.
		alias.url = ("/" => $(_srv_lighttpd_str "$_srv_cgi/"))
		cgi.assign = ("" => "")
		# mod_cgi clears the environment; hooks get these.
		setenv.add-environment = (
			$_srv_env
		)
		auth.backend = "htpasswd"
		auth.backend.htpasswd.userfile = $(_srv_lighttpd_str "$HTTP_HTPASSWD")
		auth.require = ("/" => ("method" => "basic", "realm" => "fieldlog-test", "require" => "valid-user"))
		EOF
		HTTP_PORT=$_srv_port
		if resume_http; then
			HTTP_URL=http://127.0.0.1:$_srv_port
			return 0
		fi
	done
	echo "start_http: lighttpd did not start:" >&2
	cat "$_srv_dir/log" "$_srv_dir/error.log" >&2 2>/dev/null
	return 1
}

# stop_http, resume_http: the same for the last started lighttpd.
stop_http () {
	_srv_stop "$HTTP_DIR/pid"
}
resume_http () {
	lighttpd -f "$HTTP_DIR/lighttpd.conf" </dev/null >>"$HTTP_DIR/log" 2>&1 &&
	_srv_ready "$HTTP_DIR/pid" "$HTTP_PORT" ||
	{ _srv_stop "$HTTP_DIR/pid"; return 1; }
}

# http_add_user LOGIN PASSWORD: lets LOGIN in (also while the server runs:
# lighttpd rereads the file). Keep PASSWORD free of URL-special characters
# if it goes into a URL (see http_url).
http_add_user () {
	if [ $# -ne 2 ] || [ -z "${HTTP_HTPASSWD:-}" ]; then
		echo "http_add_user: needs LOGIN PASSWORD after start_http" >&2
		return 1
	fi
	if command -v htpasswd >/dev/null 2>&1; then
		htpasswd -b -m "$HTTP_HTPASSWD" "$1" "$2" 2>/dev/null
	else	# a {SHA} entry, which lighttpd reads as well
		"$PYTHON" -c '
import base64, hashlib, sys
print("%s:{SHA}%s" % (sys.argv[1],
      base64.b64encode(hashlib.sha1(sys.argv[2].encode()).digest()).decode()))
' "$1" "$2" >>"$HTTP_HTPASSWD"
	fi
}

# http_url LOGIN PASSWORD: prints http://LOGIN:PASSWORD@127.0.0.1:PORT
http_url () {
	printf 'http://%s:%s@127.0.0.1:%s\n' "$1" "$2" "$HTTP_PORT"
}

# _srv_sshd_setenv: the SetEnv line for sshd (it starts sessions with a
# minimal environment, and the user's HOME from the password file).
_srv_sshd_setenv () {
	printf 'SetEnv "HOME=%s"' "$SERVER_HOME"
	for _srv_v in $_srv_pass_env; do
		eval "_srv_val=\${$_srv_v-}"
		case $_srv_val in
		''|*'"'*|*'\'*) continue ;;
		esac
		printf ' "%s=%s"' "$_srv_v" "$_srv_val"
	done
	printf '\n'
}

# start_sshd BASEDIR: sshd on 127.0.0.1 with its own host key; keys added by
# ssh_add_user may only run git-shell (so only git-upload-pack and
# git-receive-pack, on absolute paths) and reach hooks with GL_USER set.
# Sets SSH_PORT, SSH_USER (who we are; the ssh login), SSH_URL
# (ssh://USER@127.0.0.1:PORT/ABS/BASEDIR; append /repo.git) and
# SSH_AUTHORIZED_KEYS; adds the host key to $HOME/.ssh/known_hosts, where
# libgit2 looks. Stock ssh ignores $HOME: use ssh_command LOGIN.
start_sshd () {
	_srv_setup sshd "$@" || return 1
	if [ ! -d /run/sshd ]; then
		# sshd's compiled-in privilege separation directory; systemd
		# creates it at boot, containers often lack it.
		if [ "$(id -u)" = 0 ]; then
			mkdir -p -m 0755 /run/sshd || return 1
		else
			echo "start_sshd: /run/sshd is missing and we are not root" >&2
			return 1
		fi
	fi
	ssh-keygen -q -t ed25519 -N '' -C fieldlog-test-host \
		-f "$_srv_dir/host_ed25519" </dev/null || return 1
	SSH_AUTHORIZED_KEYS=$_srv_dir/authorized_keys
	: >"$SSH_AUTHORIZED_KEYS"
	SSH_USER=$(id -un)
	SSH_DIR=$_srv_dir
	test_cleanup_add "_srv_stop '$_srv_dir/pid'"
	for _srv_try in 1 2 3; do
		_srv_port=$(free_port) || return 1
		cat >"$_srv_dir/sshd_config" <<-EOF
		# written by tests/lib/servers.sh
		Port $_srv_port
		ListenAddress 127.0.0.1
		HostKey $_srv_dir/host_ed25519
		PidFile $_srv_dir/pid
		AuthorizedKeysFile $SSH_AUTHORIZED_KEYS
		AuthenticationMethods publickey
		PubkeyAuthentication yes
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		HostbasedAuthentication no
		PermitRootLogin prohibit-password
		UsePAM no
		StrictModes no
		UseDNS no
		PrintMotd no
		PrintLastLog no
		PermitTTY no
		PermitUserEnvironment no
		AllowTcpForwarding no
		AllowAgentForwarding no
		X11Forwarding no
		MaxStartups 100
		LoginGraceTime 30
		$(_srv_sshd_setenv)
		EOF
		SSH_PORT=$_srv_port
		if resume_sshd; then
			SSH_URL=ssh://$SSH_USER@127.0.0.1:$_srv_port$_srv_base
			mkdir -p "$HOME/.ssh" && chmod 700 "$HOME/.ssh" &&
			echo "[127.0.0.1]:$_srv_port $(cut -d' ' -f1,2 "$_srv_dir/host_ed25519.pub")" \
				>>"$HOME/.ssh/known_hosts"
			return
		fi
	done
	echo "start_sshd: sshd did not start:" >&2
	cat "$_srv_dir/log" >&2
	return 1
}

# stop_sshd, resume_sshd: the same for the last started sshd (same host key).
stop_sshd () {
	_srv_stop "$SSH_DIR/pid"
}
resume_sshd () {
	/usr/sbin/sshd -f "$SSH_DIR/sshd_config" -E "$SSH_DIR/log" \
		</dev/null >>"$SSH_DIR/log" 2>&1 &&
	_srv_ready "$SSH_DIR/pid" "$SSH_PORT" ||
	{ _srv_stop "$SSH_DIR/pid"; return 1; }
}

# ssh_add_user [--serve REPO] LOGIN: makes the key pair
# $HOME/.ssh/id_ed25519_LOGIN (no passphrase) if missing and authorizes it
# for LOGIN on the last started sshd; with --serve its forced command is
# `fieldlog server ssh-serve --user LOGIN --repo REPO` instead of git-shell.
ssh_add_user () {
	_srv_serve=
	if [ "${1-}" = --serve ]; then
		_srv_serve=$2
		shift 2
	fi
	case ${1-} in
	''|*[!A-Za-z0-9._-]*)
		echo "ssh_add_user: needs a LOGIN of [A-Za-z0-9._-]" >&2
		return 1 ;;
	esac
	if [ -z "${SSH_AUTHORIZED_KEYS:-}" ]; then
		echo "ssh_add_user: start_sshd first" >&2
		return 1
	fi
	mkdir -p "$HOME/.ssh" && chmod 700 "$HOME/.ssh" || return 1
	if [ ! -f "$HOME/.ssh/id_ed25519_$1" ]; then
		ssh-keygen -q -t ed25519 -N '' -C "$1@fieldlog-test" \
			-f "$HOME/.ssh/id_ed25519_$1" </dev/null || return 1
	fi
	if [ -n "$_srv_serve" ]; then
		printf 'command="'"'%s'"' server ssh-serve --user %s --repo '"'%s'"'",no-port-forwarding,no-agent-forwarding,no-X11-forwarding,no-pty %s\n' \
			"$FIELDLOG_BIN" "$1" "$_srv_serve" \
			"$(cut -d' ' -f1,2 "$HOME/.ssh/id_ed25519_$1.pub")" >>"$SSH_AUTHORIZED_KEYS"
		return
	fi
	printf 'command="env GL_USER=%s git-shell -c \\"$SSH_ORIGINAL_COMMAND\\"",no-port-forwarding,no-agent-forwarding,no-X11-forwarding,no-pty %s\n' \
		"$1" "$(cut -d' ' -f1,2 "$HOME/.ssh/id_ed25519_$1.pub")" >>"$SSH_AUTHORIZED_KEYS"
}

# ssh_command LOGIN: prints a GIT_SSH_COMMAND for stock git that logs in with
# LOGIN's key and checks the host key against $HOME/.ssh/known_hosts only:
#	GIT_SSH_COMMAND=$(ssh_command alice) git push "$SSH_URL/r.git" ...
ssh_command () {
	printf "ssh -F /dev/null -i '%s' -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile='%s' -o GlobalKnownHostsFile=/dev/null\n" \
		"$HOME/.ssh/id_ed25519_$1" "$HOME/.ssh/known_hosts"
}
