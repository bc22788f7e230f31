/*
 * cmd-issue.c: `fieldlog issue add|edit|comment|list|show`: the obstacles
 * an officer finds, their status over time, and the comments on them.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/fieldlog.h"
#include "app/records.h"

#include <stdlib.h>
#include <string.h>

#include "schema/json.h"
#include "schema/record.h"
#include "schema/refdata.h"

static int check_officer(struct ws *ws)
{
	if (strcmp(ws->role, "officer"))
		return error_exit("only officers write issues (this workspace is a %s's)", ws->role);
	return 0;
}

/* Appends "field old → new" to a message when they differ. */
static void note_change(struct strbuf *msg, const char *field, const char *old, const char *new)
{
	if (!new || !strcmp(old ? old : "", new))
		return;
	strbuf_addf(msg, "%s%s", msg->len ? ", " : "", field);
	if (strlen(new) <= 40 && !strchr(new, '\n') && (!old || strlen(old) <= 40))
		strbuf_addf(msg, " %s → %s", old && *old ? old : "(none)", new);
	else
		strbuf_addstr(msg, " changed");
}

static void set_communes(cJSON *rec, const struct strlist *communes)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < communes->n; i++) {
		size_t j;
		for (j = 0; j < i; j++)
			if (!strcmp(communes->v[i], communes->v[j]))
				break;
		if (j == i)
			cJSON_AddItemToArray(arr, cJSON_CreateString(communes->v[i]));
	}
	cJSON_ReplaceItemInObjectCaseSensitive(rec, "communes", arr);
}

static int issue_add(int argc, const char **argv)
{
	static const char usage[] =
		"fieldlog issue add --title T --domain ID --commune CODE --severity low|medium|high|urgent"
		" [--description TEXT] [--actions TEXT] [--status S] [--json]";
	const char *title = NULL, *domain = NULL, *severity = NULL, *description = NULL;
	const char *actions = NULL, *status = NULL, *escalation = NULL, **pos;
	struct strlist communes = { NULL, 0, 0 };
	int json = 0, npos, e;
	struct opt opts[] = {
		{ "title", OPT_STR, &title, "T", "a one-line title" },
		{ "domain", OPT_STR, &domain, "ID", "the domain (see 'fieldlog domains')" },
		{ "commune", OPT_LIST, &communes, "CODE", "commune code (repeatable)" },
		{ "severity", OPT_STR, &severity, "S", "low, medium, high or urgent" },
		{ "description", OPT_STR, &description, "TEXT", "details (- stdin, @file)" },
		{ "actions", OPT_STR, &actions, "TEXT", "what was done so far" },
		{ "status", OPT_STR, &status, "S", "initial status (default open)" },
		{ "escalation", OPT_STR, &escalation, "TEXT", "what the Ministry must decide" },
		{ "json", OPT_BOOL, &json, NULL, "print the saved record as JSON" },
		OPT_END
	};
	struct ws *ws;
	char id[FL_ID_LEN + 1], now[32];

	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos)
		return usage_error(usage, "unexpected argument '%s'", pos[0]);
	if (!title || !domain || !communes.n || !severity) {
		strlist_release(&communes);
		return usage_error(usage, "--title, --domain, --commune and --severity are required");
	}
	if (read_text(&description, description, "description", 0) < 0 ||
	    read_text(&actions, actions, "actions", 0) < 0 ||
	    read_text(&escalation, escalation, "escalation", 0) < 0) {
		strlist_release(&communes);
		return fail();
	}
	if (status && strcmp(status, "open") && strcmp(status, "in_progress") &&
	    strcmp(status, "resolved") && strcmp(status, "escalated")) {
		strlist_release(&communes);
		return error_exit("unknown status '%s' for a new issue (open, in_progress, resolved, escalated)",
				  status);
	}
	if (ws_open(&ws, WS_WRITE | WS_INDEX_ONLY) < 0) {
		strlist_release(&communes);
		return fail();
	}
	if ((e = check_officer(ws))) {
		ws_close(ws);
		strlist_release(&communes);
		return e;
	}
	fl_id_new(id);
	fl_time_now(now);
	cJSON *rec = fl_record_new(FL_ISSUE, id, ws->id, now);
	fl_json_set_str(rec, "title", title);
	fl_json_set_str(rec, "domain", domain);
	fl_json_set_str(rec, "severity", severity);
	if (description)
		fl_json_set_str(rec, "description", description);
	if (actions)
		fl_json_set_str(rec, "actions", actions);
	if (escalation)
		fl_json_set_str(rec, "escalation", escalation);
	if (status)
		fl_json_set_str(rec, "status", status);
	set_communes(rec, &communes);
	strlist_release(&communes);

	char *msg = xstrfmt("issue %s: new, %s", id, title);
	e = ws_save(ws, rec, msg);
	free(msg);
	if (e < 0) {
		e = fail();
	} else {
		if (json)
			print_json(rec);
		else
			printf(_("issue %s saved\n"), id);
		e = EXIT_OK;
	}
	cJSON_Delete(rec);
	ws_close(ws);
	return e;
}

static int issue_edit(int argc, const char **argv)
{
	static const char usage[] =
		"fieldlog issue edit ID [--status S] [--severity S] [--title T] [--description TEXT]"
		" [--domain ID] [--commune CODE] [--actions TEXT] [--resolution TEXT] [--escalation TEXT]";
	const char *title = NULL, *domain = NULL, *severity = NULL, *description = NULL;
	const char *actions = NULL, *status = NULL, *escalation = NULL, *resolution = NULL, **pos;
	struct strlist communes = { NULL, 0, 0 };
	int json = 0, npos, e;
	struct opt opts[] = {
		{ "status", OPT_STR, &status, "S", "new status" },
		{ "severity", OPT_STR, &severity, "S", "low, medium, high or urgent" },
		{ "title", OPT_STR, &title, "T", "new title" },
		{ "description", OPT_STR, &description, "TEXT", "new description (- stdin, @file)" },
		{ "domain", OPT_STR, &domain, "ID", "new domain" },
		{ "commune", OPT_LIST, &communes, "CODE", "replace the communes (repeatable)" },
		{ "actions", OPT_STR, &actions, "TEXT", "what was done" },
		{ "resolution", OPT_STR, &resolution, "TEXT", "how it was settled" },
		{ "escalation", OPT_STR, &escalation, "TEXT", "what the Ministry must decide" },
		{ "json", OPT_BOOL, &json, NULL, "print the saved record as JSON" },
		OPT_END
	};
	struct ws *ws;
	cJSON *rec = NULL;
	struct strbuf msg = STRBUF_INIT;

	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos != 1) {
		strlist_release(&communes);
		return usage_error(usage, "give one issue id");
	}
	if (read_text(&description, description, "description", 0) < 0 ||
	    read_text(&actions, actions, "actions", 0) < 0 ||
	    read_text(&resolution, resolution, "resolution", 0) < 0 ||
	    read_text(&escalation, escalation, "escalation", 0) < 0) {
		strlist_release(&communes);
		return fail();
	}
	if (ws_open(&ws, WS_WRITE | WS_INDEX_ONLY) < 0) {
		strlist_release(&communes);
		return fail();
	}
	if ((e = check_officer(ws)))
		goto out;
	if (ws_find(&rec, ws, pos[0], "issue") < 0) {
		e = fail();
		goto out;
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "deleted"))) {
		e = error_exit("%s %s is deleted", fl_json_str(rec, "kind"), fl_json_str(rec, "id"));
		goto out;
	}
	if (strcmp(fl_json_str(rec, "author"), ws->id)) {
		e = error_exit("issue %s belongs to %s; only its author edits it", pos[0],
			       fl_json_str(rec, "author"));
		goto out;
	}
	if (status) {
		const char *old = fl_json_str(rec, "status");
		if (fl_enum_index(fl_statuses, status) < 0) {
			e = error_exit("unknown status '%s' (open, in_progress, resolved, escalated, closed)",
				       status);
			goto out;
		}
		if (!fl_issue_transition_ok(old, status)) {
			e = error_exit("an issue cannot go from '%s' to '%s'%s", old, status,
				       !strcmp(status, "answered") ? " (reviewers answer with 'fieldlog respond')" : "");
			goto out;
		}
	}
	/* The message says what changed, field by field. */
	note_change(&msg, "status", fl_json_str(rec, "status"), status);
	note_change(&msg, "severity", fl_json_str(rec, "severity"), severity);
	note_change(&msg, "title", fl_json_str(rec, "title"), title);
	note_change(&msg, "domain", fl_json_str(rec, "domain"), domain);
	note_change(&msg, "description", fl_json_str(rec, "description"), description);
	note_change(&msg, "actions", fl_json_str(rec, "actions"), actions);
	note_change(&msg, "resolution", fl_json_str(rec, "resolution"), resolution);
	note_change(&msg, "escalation", fl_json_str(rec, "escalation"), escalation);
	const char *fields[][2] = { { "status", status }, { "severity", severity },
				    { "title", title }, { "domain", domain },
				    { "description", description }, { "actions", actions },
				    { "resolution", resolution }, { "escalation", escalation } };
	for (size_t i = 0; i < FL_ARRAY_SIZE(fields); i++)
		if (fields[i][1])
			fl_json_set_str(rec, fields[i][0], fields[i][1]);
	if (communes.n) {
		set_communes(rec, &communes);
		strbuf_addf(&msg, "%scommunes changed", msg.len ? ", " : "");
	}
	if (!msg.len) {
		e = error_exit("nothing to change (see 'fieldlog issue edit -h')");
		goto out;
	}
	char *full = xstrfmt("issue %s: %s", fl_json_str(rec, "id"), msg.buf);
	e = ws_save(ws, rec, full);
	free(full);
	if (e < 0) {
		e = fail();
		goto out;
	}
	if (json)
		print_json(rec);
	else
		printf("issue %s: %s\n", fl_json_str(rec, "id"), msg.buf);
	e = EXIT_OK;
out:
	strbuf_release(&msg);
	strlist_release(&communes);
	cJSON_Delete(rec);
	ws_close(ws);
	return e;
}

static int issue_comment(int argc, const char **argv)
{
	static const char usage[] = "fieldlog issue comment ID --text TEXT";
	const char *text = NULL, **pos;
	int npos, e;
	struct opt opts[] = { { "text", OPT_STR, &text, "TEXT", "the comment (- stdin, @file)" },
			      OPT_END };
	struct ws *ws;
	cJSON *rec = NULL;
	char cid[FL_ID_LEN + 1], now[32];

	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos != 1)
		return usage_error(usage, "give one issue id");
	if (read_text(&text, text, "comment", 1) < 0)
		return fail();
	if (!text || !*text)
		return usage_error(usage, "--text is required");
	if (ws_open(&ws, WS_WRITE | WS_INDEX_ONLY) < 0)
		return fail();
	if ((e = check_officer(ws)))
		goto out;
	if (ws_find(&rec, ws, pos[0], "issue") < 0) {
		e = fail();
		goto out;
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "deleted"))) {
		e = error_exit("%s %s is deleted", fl_json_str(rec, "kind"), fl_json_str(rec, "id"));
		goto out;
	}
	if (strcmp(fl_json_str(rec, "author"), ws->id)) {
		e = error_exit("issue %s belongs to %s; reviewers answer with 'fieldlog respond'",
			       pos[0], fl_json_str(rec, "author"));
		goto out;
	}
	fl_id_new(cid);
	fl_time_now(now);
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "id", cid);
	cJSON_AddStringToObject(c, "author", ws->id);
	cJSON_AddStringToObject(c, "at", now);
	cJSON_AddStringToObject(c, "text", text);
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(rec, "comments"), c);
	char *msg = xstrfmt("issue %s: comment added", fl_json_str(rec, "id"));
	e = ws_save(ws, rec, msg);
	free(msg);
	if (e < 0)
		e = fail();
	else
		printf(_("comment added to issue %s\n"), fl_json_str(rec, "id"));
out:
	cJSON_Delete(rec);
	ws_close(ws);
	return e < 0 ? EXIT_ERROR : e;
}

static int issue_list(int argc, const char **argv)
{
	return list_command(argc, argv, "issue");
}

/* `show` for any kind: the record, with the responses to it under --json. */
int show_command(int argc, const char **argv, const char *kind)
{
	char usage[64];
	const char **pos;
	int json = 0, npos;
	struct opt opts[] = { { "json", OPT_BOOL, &json, NULL, "print JSON" }, OPT_END };
	struct ws *ws;
	cJSON *rec;

	snprintf(usage, sizeof(usage), "fieldlog %s show ID [--json]", kind ? kind : "record");
	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos != 1)
		return usage_error(usage, "give one id");
	if (ws_open(&ws, WS_INDEX_ONLY) < 0)
		return fail();
	if (ws_find(&rec, ws, pos[0], kind) < 0) {
		ws_close(ws);
		return fail();
	}
	if (json) {
		const char *k = fl_json_str(rec, "kind");
		if (!strcmp(k, "issue") || !strcmp(k, "report")) {
			cJSON *resp = responses_to(ws, fl_json_str(rec, "id"));
			if (!strcmp(k, "issue"))
				cJSON_AddStringToObject(rec, "effective_status",
							effective_status(rec, resp));
			cJSON_AddItemToObject(rec, "responses", resp);
		}
		print_json(rec);
	} else {
		show_record(ws, rec);
	}
	cJSON_Delete(rec);
	ws_close(ws);
	return EXIT_OK;
}

static int issue_show(int argc, const char **argv)
{
	return show_command(argc, argv, "issue");
}

CMD(issue)
{
	static const struct subcmd sub[] = {
		{ "add", issue_add }, { "edit", issue_edit }, { "comment", issue_comment },
		{ "list", issue_list }, { "show", issue_show },
	};
	return dispatch(argc, argv, sub, FL_ARRAY_SIZE(sub),
			"fieldlog issue add|edit|comment|list|show ...");
}
