#!/bin/sh
# t0400: three officers and a reviewer sync through a central repository
# served by git daemon (git://, anonymous: the pre-receive hook judges each
# commit by its author, <id>@fieldlog). All replicas end identical.

. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/servers.sh"
. "$TEST_LIB_DIR/sync-scenario.sh"

scn_url () { echo "$GIT_DAEMON_URL/central.git"; }

test_expect_success 'start git daemon' '
	start_git_daemon "$SCN_SRV" &&
	test -n "$GIT_DAEMON_URL"
'

sync_scenario

test_done
