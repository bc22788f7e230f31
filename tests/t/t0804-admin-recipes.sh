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

test_lazy_prereq NGINX 'test -x /usr/sbin/nginx && test -x /usr/sbin/fcgiwrap'

# start_nginx: nginx + fcgiwrap on 127.0.0.1 with the guide's location
# block (paths of this scratch directory), the htpasswd of start_http.
# Sets NGINX_URL.
start_nginx () {
	nd=$TEST_SCRATCH/nginx
	mkdir -p "$nd/logs" "$nd/tmp" &&
	printf '#!/bin/sh\nexec "%s" server http-backend\n' "$FIELDLOG_BIN" >"$nd/http-backend" &&
	chmod +x "$nd/http-backend" || return 1
	/usr/sbin/fcgiwrap -s "unix:$nd/fcgiwrap.sock" </dev/null >"$nd/fcgiwrap.log" 2>&1 &
	echo $! >"$nd/fcgiwrap.pid" &&
	test_cleanup_add "_srv_stop '$nd/fcgiwrap.pid'" &&
	port=$(free_port) &&
	cat >"$nd/nginx.conf" <<-EOF &&
	user root;
	daemon on;
	pid $nd/nginx.pid;
	error_log $nd/logs/error.log;
	events { worker_connections 64; }
	http {
	    access_log $nd/logs/access.log;
	    client_body_temp_path $nd/tmp/body;
	    fastcgi_temp_path $nd/tmp/fastcgi;
	    proxy_temp_path $nd/tmp/proxy;
	    uwsgi_temp_path $nd/tmp/uwsgi;
	    scgi_temp_path $nd/tmp/scgi;
	    server {
	        listen 127.0.0.1:$port;
	        location ~ ^/git(/.*)\$ {
	            auth_basic "fieldlog";
	            auth_basic_user_file $HTTP_HTPASSWD;
	            client_max_body_size 0;
	            include /etc/nginx/fastcgi_params;
	            fastcgi_param SCRIPT_FILENAME $nd/http-backend;
	            fastcgi_param PATH_INFO \$1;
	            fastcgi_param GIT_PROJECT_ROOT $SCN_SRV;
	            fastcgi_param GIT_HTTP_EXPORT_ALL 1;
	            fastcgi_param REMOTE_USER \$remote_user;
	            fastcgi_pass unix:$nd/fcgiwrap.sock;
	        }
	    }
	}
	EOF
	test_cleanup_add "_srv_stop '$nd/nginx.pid'" &&
	/usr/sbin/nginx -p "$nd" -c "$nd/nginx.conf" &&
	_srv_ready "$nd/nginx.pid" "$port" &&
	NGINX_URL=http://127.0.0.1:$port/git
}

test_expect_success SSHD,LIGHTTPD,NGINX 'recipe: nginx + fcgiwrap in front of http-backend' '
	start_nginx &&
	scn_fl an.nguyen remote set "$NGINX_URL/central.git" >/dev/null &&
	scn_add_issue an.nguyen "Qua nginx" &&
	scn_sync an.nguyen &&
	git --git-dir="$SCN_CENTRAL" log --format=%s authors/an.nguyen >out/log &&
	http=$(echo "$NGINX_URL" | sed "s|://|://an-login:an-secret-1@|") &&
	git ls-remote "$http/central.git" >out/nginx.ls &&
	refs_seen out/nginx.ls >seen.nginx &&
	printf "%s\n" refs/heads/authors/an.nguyen refs/heads/main >expect &&
	test_cmp expect seen.nginx &&
	test_must_fail git ls-remote "$NGINX_URL/central.git" 2>out/anon &&
	scn_fl an.nguyen remote set "$HTTP_URL/central.git" >/dev/null
'

test_lazy_prereq APACHE 'test -x /usr/sbin/apache2 && test -f /usr/lib/apache2/modules/mod_cgi.so && test "$(id -u)" = 0 && getent passwd www-data'

# start_apache: Apache with the guide's configuration, serving a copy of
# the central repository that belongs to www-data (the user its CGI runs
# as, as the guide says) from a directory www-data can reach. Sets
# APACHE_URL and APACHE_REPO.
start_apache () {
	ad=$(mktemp -d /tmp/fieldlog-apache.XXXXXX) &&
	test_cleanup_add "rm -rf '$ad'" &&
	chmod 755 "$ad" && mkdir "$ad/srv" "$ad/docroot" &&
	printf '#!/bin/sh\nexec "%s" server http-backend\n' "$FIELDLOG_BIN" >"$ad/http-backend" &&
	chmod 755 "$ad/http-backend" &&
	cp "$HTTP_HTPASSWD" "$ad/htpasswd" && chmod 644 "$ad/htpasswd" &&
	git clone -q --mirror "$SCN_CENTRAL" "$ad/srv/central.git" &&
	cp -p "$SCN_CENTRAL/hooks/pre-receive" "$ad/srv/central.git/hooks/" &&
	for k in receive.denyDeletes receive.denyNonFastForwards receive.fsckObjects http.receivepack; do
		git --git-dir="$ad/srv/central.git" config $k true || return 1
	done &&
	chown -R www-data:www-data "$ad/srv" &&
	port=$(free_port) &&
	mods=/usr/lib/apache2/modules &&
	{
		echo "ServerRoot $ad"
		echo "ServerName localhost"
		echo "Listen 127.0.0.1:$port"
		echo "PidFile $ad/apache.pid"
		echo "ErrorLog $ad/error.log"
		echo "User www-data"
		echo "Group www-data"
		echo "StartServers 1"
		echo "DocumentRoot $ad/docroot"
		for m in mpm_prefork authz_core authz_user authn_core authn_file auth_basic alias cgi env; do
			echo "LoadModule ${m}_module $mods/mod_$m.so"
		done
		for v in PATH TZ LANG ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS; do
			eval "test -n \"\${$v-}\"" && echo "PassEnv $v"
		done
		echo "SetEnv GIT_PROJECT_ROOT $ad/srv"
		echo "SetEnv GIT_HTTP_EXPORT_ALL 1"
		echo "ScriptAlias /git/ $ad/http-backend/"
		echo "<Location /git/>"
		echo "    AuthType Basic"
		echo "    AuthName \"fieldlog\""
		echo "    AuthUserFile $ad/htpasswd"
		echo "    Require valid-user"
		echo "</Location>"
	} >"$ad/apache.conf" &&
	test_cleanup_add "_srv_stop '$ad/apache.pid'" &&
	/usr/sbin/apache2 -f "$ad/apache.conf" -k start &&
	_srv_ready "$ad/apache.pid" "$port" &&
	APACHE_URL=http://127.0.0.1:$port/git &&
	APACHE_REPO=$ad/srv/central.git
}

test_expect_success SSHD,LIGHTTPD,APACHE 'recipe: Apache with mod_cgi in front of http-backend' '
	start_apache &&
	scn_fl an.nguyen remote set "$APACHE_URL/central.git" >/dev/null &&
	scn_add_issue an.nguyen "Qua Apache" &&
	scn_sync an.nguyen &&
	find "$APACHE_REPO" ! -user www-data >not-www-data &&
	test_line_count = 0 not-www-data &&
	git --git-dir="$APACHE_REPO" rev-parse --verify authors/an.nguyen &&
	http=$(echo "$APACHE_URL" | sed "s|://|://an-login:an-secret-1@|") &&
	git ls-remote "$http/central.git" >out/apache.ls &&
	refs_seen out/apache.ls >seen.apache &&
	printf "%s\n" refs/heads/authors/an.nguyen refs/heads/main >expect &&
	test_cmp expect seen.apache &&
	test_must_fail git ls-remote "$APACHE_URL/central.git" 2>out/anon &&
	scn_fl an.nguyen remote set "$HTTP_URL/central.git" >/dev/null
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
