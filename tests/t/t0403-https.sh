#!/bin/sh
# t0403: HTTPS and the system's CA certificates. Debian's libgit2 parses
# every one of them when it starts; fieldlog puts that off until a
# connection to an https URL, or an http one that may be redirected there
# (sync/tls.c), so a clone or a sync over git:// (or ssh://) does not pay
# for it. An https remote still gets them: a server whose certificate no
# CA signed is refused, by a clone and by a sync, with a one-line error,
# and nothing is lost.

. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/servers.sh"
. "$TEST_LIB_DIR/test-tool.sh"

CA_FILE=/etc/ssl/certs/ca-certificates.crt
[ -f "$CA_FILE" ] || test_skip_all "no $CA_FILE (apt-get install ca-certificates)"
command -v openssl >/dev/null 2>&1 || test_skip_all "no openssl (apt-get install openssl)"

CENTRAL=$TEST_SCRATCH/srv/central.git

test_expect_success 'a central repository on git daemon, a self-signed certificate' '
	mkdir -p srv out tls &&
	test_tool generate --repo "$CENTRAL" --profile pilot --officers 3 --weeks 1 \
		--seed 3 --json >out/summary.json &&
	git --git-dir="$CENTRAL" show main:roster.json >out/roster.json &&
	REVIEWER=$(json_get people <out/roster.json | "$PYTHON" -c "
import json, sys
print([p[\"id\"] for p in json.load(sys.stdin) if p[\"role\"] == \"reviewer\"][0])") &&
	start_git_daemon srv &&
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
		-keyout tls/key.pem -out tls/cert.pem 2>out/openssl.log
'

test_expect_success 'an HTTPS server with that certificate' '
	"$PYTHON" "$TEST_LIB_DIR/tls-server.py" tls/cert.pem tls/key.pem tls/port \
		2>out/tls.log &
	echo $! >out/tls.pid &&
	test_cleanup_add "kill $(cat out/tls.pid) 2>/dev/null" &&
	i=0 && while [ ! -s tls/port ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done &&
	HTTPS_URL=https://127.0.0.1:$(cat tls/port)/central.git &&
	wait_for_port "$(cat tls/port)"
'

test_expect_success 'a clone over git:// starts libgit2 without reading the CA certificates' '
	FIELDLOG_TRACE=1 fieldlog -C ws/r init --id "$REVIEWER" \
		--remote "$GIT_DAEMON_URL/central.git" >out/r.init 2>out/r.trace &&
	grep "records indexed" out/r.init &&
	grep "libgit2 initialised" out/r.trace &&
	! grep "tls:" out/r.trace
'

test_expect_success 'a clone over https reads them, and refuses a certificate no CA signed' '
	(FIELDLOG_TRACE=1 && export FIELDLOG_TRACE &&
	 test_must_fail fieldlog -C ws/h init --id "$REVIEWER" --remote "$HTTPS_URL" \
		>out/h.init 2>out/h.trace) &&
	grep "tls: CA certificates read from $CA_FILE" out/h.trace &&
	grep -v "^trace:" out/h.trace >out/h.msg &&
	test_line_count = 1 out/h.msg &&
	grep "^error: .*certificate" out/h.msg &&
	test ! -e ws/h &&
	grep "connection 1:" out/tls.log
'

test_expect_success 'an http remote reads them too (a server may redirect it to https)' '
	port=$(free_port) &&
	(FIELDLOG_TRACE=1 && export FIELDLOG_TRACE &&
	 test_must_fail --exit=3 fieldlog -C ws/p init --id "$REVIEWER" \
		--remote "http://127.0.0.1:$port/central.git" >out/p.init 2>out/p.trace) &&
	grep "tls: CA certificates read from $CA_FILE" out/p.trace &&
	test ! -e ws/p
'

test_expect_success 'a sync to an https remote reads them too, and keeps what it could not send' '
	fieldlog -C ws/r issue list --json >out/before.json &&
	fieldlog -C ws/r remote set "$HTTPS_URL" &&
	(FIELDLOG_TRACE=1 && export FIELDLOG_TRACE &&
	 test_must_fail fieldlog -C ws/r sync >out/s.out 2>out/s.trace) &&
	grep "tls: CA certificates read from $CA_FILE" out/s.trace &&
	test "$(grep -c "tls:" out/s.trace)" = 1 &&
	grep -v "^trace:" out/s.trace >out/s.msg &&
	test_line_count = 1 out/s.msg &&
	grep "^error: .*certificate" out/s.msg &&
	fieldlog -C ws/r issue list --json >out/after.json &&
	test_cmp out/before.json out/after.json
'

test_done
