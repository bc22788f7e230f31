/*
 * cmd-sync.c: `fieldlog sync`, `fieldlog status` and `fieldlog remote`.
 *
 * sync ends with one line, "sent N, received M, conflicts K", and exits 3
 * when the central repository could not be reached (everything stays
 * queued locally) or 4 when it refused what we sent (with its reason).
 */
#define _POSIX_C_SOURCE 200809L
#include "app/fieldlog.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "schema/json.h"
#include "schema/record.h"
#include "sync/import.h"
#include "sync/outbox.h"
#include "sync/sync.h"

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
	o->progress = isatty(2);
	o->on_timeout = on_timeout;
	if (timeout && atoi(timeout) > 0 && !getenv("FIELDLOG_SYNC_TIMEOUT"))
		o->deadline = atoi(timeout);
}

CMD(sync)
{
	static const char usage[] = "fieldlog sync [--timeout SECONDS] [--quiet]";
	const char *timeout = NULL, **pos;
	int quiet = 0, npos, e;
	struct opt opts[] = {
		{ "timeout", OPT_STR, &timeout, "S", "give up after S seconds without progress (60)" },
		{ "quiet", OPT_BOOL, &quiet, NULL, "no progress output" },
		OPT_END
	};
	struct ws *ws;
	struct fl_sync_opts o;
	struct fl_sync_result r;

	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos)
		return usage_error(usage, "unexpected argument '%s'", pos[0]);
	if (timeout && atoi(timeout) <= 0)
		return error_exit("'%s' is not a number of seconds", timeout);
	if (ws_open(&ws, WS_WRITE) < 0)
		return fail();
	if (!*ws->remote) {
		ws_close(ws);
		return error_exit("no central repository set (fieldlog remote set URL)");
	}
	sync_opts_from_config(&o, ws->config);
	if (timeout)
		o.deadline = atoi(timeout);
	if (quiet)
		o.progress = 0;
	pending_for_timeout = fl_sync_pending(ws->store);

	e = fl_sync_run(&r, ws->store, ws->db, &o);
	if (e == 0 || e == FL_EREJECTED) {
		char now[32];
		fl_time_now(now);
		if (e == 0)
			fl_db_meta_set(ws->db, "last_sync", now);
		fl_db_meta_set(ws->db, "last_sync_attempt", now);
	}
	if (e == FL_EOFFLINE) {
		char *why = xstrdup(fl_last_error());   /* fl_sync_pending clears it */
		size_t n = fl_sync_pending(ws->store);
		error_exit("%s; %zu local version%s kept, to be sent by the next sync",
			   why, n, n == 1 ? "" : "s");
		free(why);
		e = EXIT_OFFLINE;
	} else if (e == FL_EREJECTED) {
		error_exit("the central repository refused the push: %s",
			   r.server_message ? r.server_message : fl_last_error());
		e = EXIT_REJECTED;
	} else if (e < 0) {
		e = fail();
	} else {
		printf(_("sent %zu, received %zu, conflicts %zu\n"), r.sent, r.received, r.conflicts);
		if (r.skipped)
			fprintf(stderr, "warning: %zu invalid record%s skipped (see 'fieldlog status')\n",
				r.skipped, r.skipped == 1 ? "" : "s");
		if (ws_key_hint(ws))
			fprintf(stderr, "%s\n", ws_key_hint(ws));
		e = EXIT_OK;
	}
	fl_sync_result_release(&r);
	ws_close(ws);
	return e;
}

CMD(status)
{
	static const char usage[] = "fieldlog status [--json]";
	const char **pos;
	int json = 0, npos;
	struct opt opts[] = { { "json", OPT_BOOL, &json, NULL, "print JSON" }, OPT_END };
	struct ws *ws;

	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos)
		return usage_error(usage, "unexpected argument '%s'", pos[0]);
	if (ws_open(&ws, 0) < 0)
		return fail();
	/* Saves another fieldlog kept this one from committing count too. */
	size_t pending = fl_sync_pending(ws->store) + fl_outbox_count(ws->dir);
	char *last = fl_db_meta_get(ws->db, "last_sync");
	sqlite3_stmt *st = fl_db_stmt(ws->db, "SELECT path, reason FROM skipped ORDER BY path");
	cJSON *skipped = cJSON_CreateArray();
	while (fl_step(st)) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "path", fl_col_text(st, 0));
		cJSON_AddStringToObject(o, "reason", fl_col_text(st, 1));
		cJSON_AddItemToArray(skipped, o);
	}
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
		cJSON_AddNumberToObject(o, "records", (double)nrec);
		cJSON_AddStringToObject(o, "key", fl_json_str(ws->config, "key") ?
					fl_json_str(ws->config, "key") : "");
		cJSON_AddItemToObject(o, "skipped", skipped);
		skipped = NULL;
		print_json(o);
		cJSON_Delete(o);
	} else {
		const cJSON *s;
		printf("%s <%s>, %s\n", ws->name, ws->id, ws->role);
		printf("central repository: %s\n", *ws->remote ? ws->remote : "(none)");
		printf("records: %lld\n", nrec);
		printf("local versions not yet sent: %zu\n", pending);
		printf("last successful sync: %s\n", last ? last : "never");
		printf("records skipped as invalid: %d\n", cJSON_GetArraySize(skipped));
		cJSON_ArrayForEach(s, skipped)
			printf("  %s: %s\n", fl_json_str(s, "path"), fl_json_str(s, "reason"));
		if (ws_key_hint(ws))
			fprintf(stderr, "%s\n", ws_key_hint(ws));
		else
			printf("signing key: %s\n", fl_json_str(ws->config, "key"));
	}
	cJSON_Delete(skipped);
	free(last);
	ws_close(ws);
	return EXIT_OK;
}

CMD(remote)
{
	static const char usage[] = "fieldlog remote [set URL | set-token | timeout SECONDS]";
	const char **pos;
	int npos, e;
	struct opt opts[] = { OPT_END };
	struct ws *ws;

	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos == 0) {
		if (ws_open(&ws, 0) < 0)
			return fail();
		printf("%s\n", *ws->remote ? ws->remote : "(none)");
		ws_close(ws);
		return EXIT_OK;
	}
	if (!strcmp(pos[0], "set") && npos == 2) {
		if (ws_open(&ws, WS_WRITE) < 0)
			return fail();
		fl_json_set_str(ws->config, "remote", pos[1]);
		e = ws_save_config(ws);
		ws_close(ws);
		if (e < 0)
			return fail();
		printf("central repository: %s\n", pos[1]);
		return EXIT_OK;
	}
	if (!strcmp(pos[0], "timeout") && npos == 2 && atoi(pos[1]) > 0) {
		if (ws_open(&ws, WS_WRITE) < 0)
			return fail();
		fl_json_set_str(ws->config, "sync_timeout", pos[1]);
		e = ws_save_config(ws);
		ws_close(ws);
		return e < 0 ? fail() : EXIT_OK;
	}
	if (!strcmp(pos[0], "set-token") && npos == 1) {
		/* Read from stdin so the token never appears in argv or history. */
		struct strbuf sb = STRBUF_INIT;
		if (strbuf_read_fd(&sb, 0, 4096) < 0) {
			strbuf_release(&sb);
			return fail();
		}
		while (sb.len && (sb.buf[sb.len - 1] == '\n' || sb.buf[sb.len - 1] == '\r'))
			strbuf_setlen(&sb, sb.len - 1);
		if (ws_open(&ws, WS_WRITE) < 0) {
			strbuf_release(&sb);
			return fail();
		}
		fl_json_set_str(ws->config, "token", sb.buf);
		strbuf_release(&sb);
		e = ws_save_config(ws);
		ws_close(ws);
		if (e < 0)
			return fail();
		printf("token saved (config.json, mode 600)\n");
		return EXIT_OK;
	}
	return usage_error(usage, "unknown arguments");
}
