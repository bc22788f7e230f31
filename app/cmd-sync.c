/*
 * cmd-sync.c: `fieldlog sync`, `fieldlog status` and `fieldlog remote`.
 *
 * sync ends with one line, "sent N, received M, conflicts K", and exits 3
 * when the central repository could not be reached (everything stays
 * queued locally) or 4 when it refused what we sent (with its reason).
 */
#define _POSIX_C_SOURCE 200809L
#include "app/fieldlog.h"
#include "app/term.h"
#include "app/sync-news.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "schema/json.h"
#include "schema/record.h"
#include "sync/hostkey.h"
#include "sync/bundle.h"
#include "sync/import.h"
#include "sync/outbox.h"
#include "sync/sync.h"

/* A day: longer than any link that still makes progress is worth waiting for. */
#define MAX_TIMEOUT 86400

static size_t pending_for_timeout;

static void on_timeout(void)
{
	/*
	 * Runs on the watchdog thread: one line, no locks, then exit 3. A
	 * thread blocked in a read of a server that stopped answering would
	 * never return, so the process ends here; what was saved is safe on
	 * disk and queued for the next sync.
	 */
	char buf[256];
	int n = snprintf(buf, sizeof(buf), "%s", _("error: "));
	int m = n > 0 ? snprintf(buf + n, sizeof(buf) - (size_t)n,
				 _("the central repository stopped answering; %zu local version%s"
				   " kept, to be sent by the next sync\n"),
				 pending_for_timeout, pending_for_timeout == 1 ? "" : "s") : 0;
	n = m > 0 && (size_t)(n + m) < sizeof(buf) ? n + m : (int)strlen(buf);
	if (n > 0 && write(2, buf, (size_t)n) < 0)
		n = 0;   /* a closed stderr changes nothing */
	_exit(EXIT_OFFLINE);
}

/*
 * Asks on the terminal whether to trust a host key (sync/hostkey.h). Only
 * when stdin and stderr are a terminal: a cron job or a script gets the
 * refusal with the command to run instead of a question nobody answers.
 */
static int ask_tty(const char *question)
{
	char line[16];
	fputs(question, stderr);
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin))
		return 0;
	return line[0] == 'y' || line[0] == 'Y' || !strncmp(line, "c\xc3\xb3", 3) ||
	       !strncmp(line, "C\xc3\xb3", 3);   /* "có" */
}

void sync_opts_from_config(struct fl_sync_opts *o, cJSON *cfg)
{
	const char *t = getenv("FIELDLOG_TOKEN");
	const char *timeout = fl_json_str(cfg, "sync_timeout");
	fl_sync_opts_init(o);
	o->url = fl_json_str(cfg, "remote");
	o->token = t && *t ? t : fl_json_str(cfg, "token");
	o->user = getenv("FIELDLOG_USER") ? getenv("FIELDLOG_USER") : fl_json_str(cfg, "user");
	o->me = fl_json_str(cfg, "id");
	o->name = fl_json_str(cfg, "name");
	o->everyone = !strcmp(fl_json_str(cfg, "role") ? fl_json_str(cfg, "role") : "", "reviewer");
	o->progress = isatty(1) && isatty(2);   /* output to a file or a pipe: no progress */
	o->on_timeout = on_timeout;
	fl_hostkey_set_prompt(isatty(0) && isatty(2) ? ask_tty : NULL);
	if (timeout && atoi(timeout) > 0 && !getenv("FIELDLOG_SYNC_TIMEOUT"))
		o->deadline = atoi(timeout);
}

int cmd_sync(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] = "fieldlog sync [--timeout SECONDS] [--quiet]";
	const char *timeout = NULL, **pos;
	int quiet = 0, npos, e;
	long long secs = 0;
	struct opt opts[] = {
		{ "timeout", OPT_STR, &timeout, "S", N_("give up after S seconds without progress (60)") },
		{ "quiet", OPT_BOOL, &quiet, NULL, N_("no progress output") },
		OPT_END
	};
	struct fl_sync_opts o;
	struct fl_sync_result r;
	struct sync_news *news;

	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos)
		return usage_error(usage, "unexpected argument '%s'", pos[0]);
	if (timeout && parse_number(&secs, timeout, "option '--timeout'", 1, MAX_TIMEOUT) < 0)
		return fail();
	if (!*ws->remote)
		return error_exit("no central repository set (fieldlog remote set URL)");
	sync_opts_from_config(&o, ws->config);
	if (timeout)
		o.deadline = (int)secs;
	if (quiet)
		o.progress = 0;
	pending_for_timeout = fl_sync_pending(ws->store);
	news = sync_news_before(ws);

	e = fl_sync_run(&r, ws->store, ws->db, &o);
	if (e == 0 || e == FL_EREJECTED) {
		char now[32];
		fl_time_now(now);
		if (e == 0)
			fl_db_meta_set(ws->db, "last_sync", now);
		fl_db_meta_set(ws->db, "last_sync_attempt", now);
	}
	/*
	 * What to mend stays in `status` until a sync succeeds; a sync that
	 * could not reach the server leaves it (nothing was learnt).
	 */
	if (e == 0)
		fl_db_meta_set(ws->db, "last_sync_error", "");
	else if (e != FL_EOFFLINE)
		fl_db_meta_set(ws->db, "last_sync_error", e == FL_EREJECTED && r.server_message ?
			       r.server_message : fl_last_error());
	if (e == FL_EOFFLINE) {
		char *why = xstrdup(fl_last_error());   /* fl_sync_pending clears it */
		size_t n = fl_sync_pending(ws->store);
		error_exit("%s; %zu local version%s kept, to be sent by the next sync",
			   why, n, n == 1 ? "" : "s");
		free(why);
		e = EXIT_OFFLINE;
	} else if (e == FL_EREJECTED) {
		const char *why = r.server_message ? r.server_message : fl_last_error();
		error_exit("the central repository refused the push: %s", why);
		/* A repository that requires signatures refuses unsigned work. */
		if (ws_key_hint(ws) && (strstr(why, "unsigned, and this repository requires") ||
					strstr(why, _("unsigned, and this repository requires every commit"
						      " signed by its author's key"))))
			fprintf(stderr, "%s\n", ws_key_hint(ws));
		e = EXIT_REJECTED;
	} else if (e < 0) {
		char *why = xstrdup(fl_last_error());
		size_t n = fl_sync_pending(ws->store);
		e = n ? error_exit("%s (local versions kept: %zu; they go out at the first sync after"
				   " this is mended)", why, n) : error_exit("%s", why);
		free(why);
	} else {
		if (r.received)
			sync_news_print(news, ws);
		if (r.relayed)
			printf(_("relayed %zu colleague's branch%s (from bundles)\n"), r.relayed,
			       r.relayed == 1 ? "" : "es");
		printf(_("sent %zu, received %zu, conflicts %zu\n"), r.sent, r.received, r.conflicts);
		if (r.skipped)
			fprintf(stderr, _("warning: %zu invalid record%s skipped (see 'fieldlog status')\n"),
				r.skipped, r.skipped == 1 ? "" : "s");
		e = EXIT_OK;
	}
	if (r.relay_refused)
		fprintf(stderr, _("warning: a branch from a bundle was not relayed: %s\n"),
			r.relay_refused);
	fl_sync_result_release(&r);
	sync_news_free(news);
	return e;
}

/* Colleagues' branches a bundle brought that no sync has relayed yet (sync/bundle.h). */
static cJSON *relay_waiting(struct ws *ws)
{
	cJSON *a = cJSON_CreateArray();
	struct fl_relay *v = NULL;
	size_t n = 0;

	if (ws->store && fl_relay_list(&v, &n, ws->store) < 0)
		fl_clear_error();
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "author", v[i].author);
		cJSON_AddStringToObject(o, "tip", git_oid_tostr_s(&v[i].tip));
		cJSON_AddItemToArray(a, o);
	}
	fl_relay_release(v, n);
	return a;
}

int cmd_status(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] = "fieldlog status [--json]";
	const char **pos;
	int json = 0, npos;
	struct opt opts[] = { { "json", OPT_BOOL, &json, NULL, N_("print JSON") }, OPT_END };

	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos)
		return usage_error(usage, "unexpected argument '%s'", pos[0]);
	/* Saves another fieldlog kept this one from committing count too. */
	size_t pending = fl_sync_pending(ws->store) + fl_outbox_count(ws->dir);
	char *last = fl_db_meta_get(ws->db, "last_sync");
	char *failed = fl_db_meta_get(ws->db, "last_sync_error");
	sqlite3_stmt *st = fl_db_stmt(ws->db, "SELECT path, reason FROM skipped ORDER BY path");
	cJSON *skipped = cJSON_CreateArray();
	while (fl_step(st)) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "path", fl_col_text(st, 0));
		cJSON_AddStringToObject(o, "reason", fl_col_text(st, 1));
		cJSON_AddItemToArray(skipped, o);
	}
	cJSON *relay = relay_waiting(ws);
	st = fl_db_stmt(ws->db, "SELECT count(*) FROM records WHERE deleted = 0");
	fl_step(st);
	long long nrec = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);

	if (json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", ws->id);
		cJSON_AddStringToObject(o, "role", ws->role);
		cJSON_AddStringToObject(o, "remote", ws->remote);
		cJSON_AddNumberToObject(o, "pending", (double)pending);
		cJSON_AddStringToObject(o, "last_sync", last ? last : "");
		cJSON_AddStringToObject(o, "last_sync_error", failed ? failed : "");
		cJSON_AddNumberToObject(o, "records", (double)nrec);
		cJSON_AddStringToObject(o, "key", fl_json_str(ws->config, "key") ?
					fl_json_str(ws->config, "key") : "");
		cJSON_AddItemToObject(o, "skipped", skipped);
		cJSON_AddItemToObject(o, "relay", relay);
		skipped = relay = NULL;
		print_json(o);
		cJSON_Delete(o);
	} else {
		const cJSON *s;
		printf("%s <%s>, %s\n", ws->name, ws->id, label(ws->role));
		printf(_("central repository: %s\n"), *ws->remote ? ws->remote : _("(none)"));
		printf(_("records: %lld\n"), nrec);
		printf(_("local versions not yet sent: %zu\n"), pending);
		printf(_("last successful sync: %s\n"), last ? last : _("never"));
		if (failed && *failed)
			printf(_("last sync failed, to be mended: %s\n"), failed);
		printf(_("waiting to be relayed: %d\n"), cJSON_GetArraySize(relay));
		cJSON_ArrayForEach(s, relay)
			printf("  authors/%s (%s)\n", fl_json_str(s, "author"), fl_json_str(s, "tip"));
		printf(_("records skipped as invalid: %d\n"), cJSON_GetArraySize(skipped));
		cJSON_ArrayForEach(s, skipped)
			printf("  %s: %s\n", fl_json_str(s, "path"), fl_json_str(s, "reason"));
		if (ws_key_hint(ws))
			printf(_("signing key: none (%s)\n"), strstr(ws_key_hint(ws), ": ") + 2);
		else
			printf(_("signing key: %s\n"), fl_json_str(ws->config, "key"));
	}
	cJSON_Delete(skipped);
	free(failed);
	cJSON_Delete(relay);
	free(last);
	return EXIT_OK;
}

static const char remote_usage[] =
	"fieldlog remote [set URL | set-token | timeout SECONDS | trust-host [HOST[:PORT]]]";

/* The arguments after the subcommand: exactly n of them, or a usage error. */
static const char **remote_args(int argc, const char **argv, int n)
{
	const char **pos;
	int npos;
	struct opt opts[] = { OPT_END };

	parse_opts(argc, argv, opts, remote_usage, &pos, &npos);
	if (npos != n) {
		usage_error(remote_usage, "unknown arguments");
		exit(EXIT_USAGE);
	}
	return pos;
}

static int remote_show(int argc, const char **argv, struct ws *ws)
{
	remote_args(argc, argv, 0);
	printf("%s\n", *ws->remote ? ws->remote : _("(none)"));
	return EXIT_OK;
}

static int remote_set(int argc, const char **argv, struct ws *ws)
{
	const char **pos = remote_args(argc, argv, 1);

	fl_json_set_str(ws->config, "remote", pos[0]);
	if (ws_save_config(ws) < 0)
		return fail();
	printf(_("central repository: %s\n"), pos[0]);
	return EXIT_OK;
}

static int remote_timeout(int argc, const char **argv, struct ws *ws)
{
	const char **pos = remote_args(argc, argv, 1);
	long long secs;

	if (parse_number(&secs, pos[0], "'remote timeout'", 1, MAX_TIMEOUT) < 0)
		return fail();
	fl_json_set_str(ws->config, "sync_timeout", pos[0]);
	return ws_save_config(ws) < 0 ? fail() : EXIT_OK;
}

static int remote_set_token(int argc, const char **argv, struct ws *ws)
{
	struct strbuf sb = STRBUF_INIT;
	int rc;

	remote_args(argc, argv, 0);
	/* Read from stdin so the token never appears in argv or history. */
	if (strbuf_read_fd(&sb, 0, 4096) < 0) {
		rc = fail();
		goto out;
	}
	while (sb.len && (sb.buf[sb.len - 1] == '\n' || sb.buf[sb.len - 1] == '\r'))
		strbuf_setlen(&sb, sb.len - 1);
	fl_json_set_str(ws->config, "token", sb.buf);
	if (ws_save_config(ws) < 0) {
		rc = fail();
		goto out;
	}
	printf(_("token saved (config.json, mode 600)\n"));
	rc = EXIT_OK;
out:
	strbuf_release(&sb);
	return rc;
}

/*
 * `remote trust-host [HOST[:PORT]]`: records the ssh server's host key in
 * ~/.ssh/known_hosts, as `ssh -o StrictHostKeyChecking=accept-new` would
 * (sync/hostkey.h). Without an argument, the host of this workspace's
 * central repository; with one, no workspace is needed (the first
 * `init --remote` has none yet).
 */
static int remote_trust_host(int argc, const char **argv, struct ws *unused)
{
	static const char usage[] = "fieldlog remote trust-host [HOST[:PORT]]";
	struct opt opts[] = { OPT_END };
	const char **pos;
	struct ws *ws = NULL;
	char *host = NULL, *fp = NULL, *name = NULL;
	int npos, port, already, rc;

	(void)unused;
	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos > 1)
		return usage_error(usage, "unexpected argument '%s'", pos[1]);
	if (npos == 0 && ws_open(&ws, 0) < 0)
		return fail();
	if (npos == 0 && !*ws->remote) {
		rc = error_exit("no central repository set (fieldlog remote set URL)");
		goto out;
	}
	if ((npos ? fl_hostkey_parse(&host, &port, pos[0]) :
		    fl_hostkey_url(&host, &port, ws->remote)) < 0 ||
	    fl_hostkey_trust(&fp, &already, host, port) < 0) {
		rc = fail();
		goto out;
	}
	name = fl_hostkey_name(host, port);
	printf(already ? _("'%s' is already trusted: %s\n") :
		 _("trusted '%s': %s (recorded in ~/.ssh/known_hosts)\n"), name, fp);
	rc = EXIT_OK;
out:
	free(name);
	free(fp);
	free(host);
	ws_close(ws);
	return rc;
}

int cmd_remote(int argc, const char **argv, struct ws *ws)
{
	static const struct cmd sub[] = {
		{ "show", remote_show, WS_READ,
		  N_("show the central repository URL and settings") },
		{ "set", remote_set, WS_WRITE,
		  N_("set the central repository URL") },
		{ "set-token", remote_set_token, WS_WRITE,
		  N_("set the access token for HTTPS") },
		{ "timeout", remote_timeout, WS_WRITE,
		  N_("set the network timeout in seconds") },
		{ "trust-host", remote_trust_host, 0,
		  N_("trust the ssh server's host key, as ssh's accept-new does") },
	};
	const char *show[] = { "remote", "show", NULL };

	(void)ws;   /* each subcommand declares its own setup */
	/* Plain `fieldlog remote` shows it. */
	if (argc == 1)
		return dispatch(2, show, sub, FL_ARRAY_SIZE(sub), remote_usage);
	return dispatch(argc, argv, sub, FL_ARRAY_SIZE(sub), remote_usage);
}
