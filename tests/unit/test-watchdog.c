/*
 * test-watchdog.c: a central repository that stops answering, met by the
 * sync layer alone. The watchdog must leave the decision to end the
 * process to its caller: it calls on_timeout (here: a hook that ends the
 * server's side of the connection, as app/'s hook ends the process), and
 * the sync returns FL_EOFFLINE with "stopped answering" instead of ending
 * the process itself (which would cut this test's plan short).
 *
 * The server is a socket on 127.0.0.1 that accepts the connection and
 * never says a word, so libgit2 stays blocked in its first read: the case
 * the watchdog exists for.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "schema/base.h"
#include "schema/json.h"
#include "sync/store.h"
#include "sync/sync.h"
#include "tests/unit/tap.h"

static int listener = -1;
static atomic_int conn = -1;
static atomic_int hook_calls;

static void *silent_server(void *arg)
{
	(void)arg;
	int c = accept(listener, NULL, NULL);
	atomic_store(&conn, c);
	return NULL;   /* the connection stays open and silent */
}

/* What app/ would decide instead: here, let the blocked read end. */
static void on_timeout(void)
{
	atomic_fetch_add(&hook_calls, 1);
	int c = atomic_load(&conn);
	if (c >= 0)
		shutdown(c, SHUT_RDWR);
}

static struct fl_db *no_index(void *payload)
{
	(void)payload;
	return NULL;
}

int main(void)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	pthread_t t;
	char dir[] = "/tmp/fieldlog-watchdog.XXXXXX";

	fl_store_global_init();
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	listener = socket(AF_INET, SOCK_STREAM, 0);
	if (listener < 0 || bind(listener, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(listener, 1) < 0 || getsockname(listener, (struct sockaddr *)&a, &alen) < 0 ||
	    !mkdtemp(dir) || pthread_create(&t, NULL, silent_server, NULL) != 0) {
		printf("1..0 # skip no loopback socket or temporary directory here\n");
		return 0;
	}

	struct fl_sync_opts o;
	char *url = xstrfmt("git://127.0.0.1:%d/central.git", ntohs(a.sin_port));
	cJSON *cfg = cJSON_CreateObject();
	cJSON_AddStringToObject(cfg, "id", "an.nguyen");
	cJSON_AddStringToObject(cfg, "name", "");
	cJSON_AddStringToObject(cfg, "role", "");
	cJSON_AddStringToObject(cfg, "province", "");
	fl_sync_opts_init(&o);
	o.url = url;
	o.me = "an.nguyen";
	o.deadline = 1;
	o.on_timeout = on_timeout;

	time_t start = time(NULL);
	int e = fl_sync_clone(dir, cfg, &o, no_index, NULL);
	long elapsed = (long)(time(NULL) - start);

	IS_INT(e, FL_EOFFLINE, "a silent server: the sync returns FL_EOFFLINE");
	OK(strstr(fl_last_error(), "stopped answering") != NULL, "saying it stopped answering");
	IS_INT(atomic_load(&hook_calls), 1, "after calling on_timeout once");
	OK(elapsed >= 1 && elapsed <= 10, "within the deadline and a little");

	pthread_join(t, NULL);
	if (atomic_load(&conn) >= 0)
		close(atomic_load(&conn));
	close(listener);
	rmdir(dir);
	cJSON_Delete(cfg);
	free(url);
	return tap_done();
}
