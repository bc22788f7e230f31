/*
 * cmd-issue.c: `fieldlog issue add|edit|comment|list|show`: the obstacles
 * an officer finds, their status over time, and the comments on them.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/fieldlog.h"
#include "app/entry.h"
#include "app/term.h"
#include "app/records.h"

#include <stdlib.h>
#include <string.h>

#include "schema/json.h"
#include "schema/record.h"
#include "schema/refdata.h"

/*
 * Appends "field old → new" to a message when they differ: in English to
 * msg (the commit message, shared history) and as people read it to shown.
 */
static void note_change(struct strbuf *msg, struct strbuf *shown, const char *field,
			const char *old, const char *new)
{
	if (!new || !strcmp(old ? old : "", new))
		return;
	strbuf_addf(msg, "%s%s", msg->len ? ", " : "", field);
	strbuf_addf(shown, "%s%s", shown->len ? ", " : "", _(field));
	if (strlen(new) <= 40 && !strchr(new, '\n') && (!old || strlen(old) <= 40)) {
		strbuf_addf(msg, " %s → %s", old && *old ? old : "(none)", new);
		strbuf_addf(shown, " %s → %s", old && *old ? label(old) : _("(none)"), label(new));
	} else {
		strbuf_addstr(msg, " changed");
		strbuf_addf(shown, " %s", _("changed"));
	}
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

static int issue_add(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] =
		"fieldlog issue add --title T --domain ID --commune CODE|NAME --severity low|medium|high|urgent"
		" [--date YYYY-MM-DD] [--description TEXT] [--actions TEXT] [--status S] [--json]";
	const char *title = NULL, *domain = NULL, *severity = NULL, *description = NULL;
	const char *actions = NULL, *status = NULL, *escalation = NULL, *date = NULL, **pos;
	struct strlist communes = { NULL, 0, 0 };
	int json = 0, npos, rc;
	struct opt opts[] = {
		{ "title", OPT_STR, &title, "T", N_("a one-line title") },
		{ "domain", OPT_STR, &domain, "ID", N_("the domain (see 'fieldlog domains')") },
		{ "commune", OPT_LIST, &communes, "CODE|NAME", N_("commune code or name (repeatable)") },
		{ "severity", OPT_STR, &severity, "S", N_("low, medium, high or urgent") },
		{ "date", OPT_STR, &date, "DATE", N_("when the obstacle was found (default today)") },
		{ "description", OPT_STR, &description, "TEXT", N_("details (- stdin, @file)") },
		{ "actions", OPT_STR, &actions, "TEXT", N_("what was done so far") },
		{ "status", OPT_STR, &status, "S", N_("initial status (default open)") },
		{ "escalation", OPT_STR, &escalation, "TEXT", N_("what the Ministry must decide") },
		{ "json", OPT_BOOL, &json, NULL, N_("print the saved record as JSON") },
		OPT_END
	};
	cJSON *rec = NULL;
	char *msg = NULL;
	char id[FL_ID_LEN + 1], now[32], today[11];

	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos) {
		rc = usage_error(usage, "unexpected argument '%s'", pos[0]);
		goto out;
	}
	if (!title || !domain || !communes.n || !severity) {
		rc = usage_error(usage, "--title, --domain, --commune and --severity are required");
		goto out;
	}
	if ((date && (rc = date_arg(date, "--date", 0))) ||
	    (rc = communes_arg(&communes, ws->province)))
		goto out;
	if (read_text(&description, description, "description", 0) < 0 ||
	    read_text(&actions, actions, "actions", 0) < 0 ||
	    read_text(&escalation, escalation, "escalation", 0) < 0) {
		rc = fail();
		goto out;
	}
	if (status && strcmp(status, "open") && strcmp(status, "in_progress") &&
	    strcmp(status, "resolved") && strcmp(status, "escalated")) {
		rc = error_exit("unknown status '%s' for a new issue (open, in_progress, resolved, escalated)",
				status);
		goto out;
	}
	fl_id_new(id);
	fl_time_now(now);
	rec = fl_record_new(FL_ISSUE, id, ws->id, now);
	fl_json_set_str(rec, "title", title);
	fl_json_set_str(rec, "domain", domain);
	fl_json_set_str(rec, "severity", severity);
	if (!date) {
		snprintf(today, sizeof(today), "%.10s", now);   /* in Vietnam time */
		date = today;
	}
	fl_json_set_str(rec, "date", date);
	if (description)
		fl_json_set_str(rec, "description", description);
	if (actions)
		fl_json_set_str(rec, "actions", actions);
	if (escalation)
		fl_json_set_str(rec, "escalation", escalation);
	if (status)
		fl_json_set_str(rec, "status", status);
	set_communes(rec, &communes);

	msg = xstrfmt("issue %s: new, %s", id, title);
	rc = save_record(ws, rec, msg, json, "issue %s saved\n", id);
out:
	free(msg);
	cJSON_Delete(rec);
	strlist_release(&communes);
	return rc;
}

/*
 * The issue ID names, if this officer may change it: not deleted, and
 * their own (`comment`: the refusal points reviewers to respond).
 */
static int own_issue(cJSON **out, struct ws *ws, const char *prefix, int comment)
{
	cJSON *rec = NULL;
	int rc;

	*out = NULL;
	if (ws_find(&rec, ws, prefix, "issue") < 0) {
		rc = fail();
		goto out;
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "deleted"))) {
		rc = error_exit("%s %s is deleted", label(fl_json_str(rec, "kind")),
				fl_json_str(rec, "id"));
		goto out;
	}
	if (strcmp(fl_json_str(rec, "author"), ws->id)) {
		rc = comment ? error_exit("issue %s belongs to %s; reviewers answer with 'fieldlog respond'",
					  prefix, fl_json_str(rec, "author"))
			     : error_exit("issue %s belongs to %s; only its author edits it", prefix,
					  fl_json_str(rec, "author"));
		goto out;
	}
	*out = rec;
	rec = NULL;
	rc = EXIT_OK;
out:
	cJSON_Delete(rec);
	return rc;
}

/* Whether an issue may go from its status to `status`; prints why not. */
static int check_transition(const cJSON *rec, const char *status)
{
	const char *old = fl_json_str(rec, "status");
	if (fl_enum_index(fl_statuses, status) < 0)
		return error_exit("unknown status '%s' (open, in_progress, resolved, escalated, closed)",
				  status);
	if (!fl_issue_transition_ok(old, status)) {
		struct strbuf ok = STRBUF_INIT;
		int rc;
		allowed_moves(&ok, old);
		if (!strcmp(status, "answered"))
			rc = error_exit("an issue cannot go from '%s' to '%s' (reviewers answer with "
					"'fieldlog respond'); allowed: %s", old, status, ok.buf);
		else
			rc = error_exit("an issue cannot go from '%s' to '%s'; allowed: %s", old,
					status, ok.buf);
		strbuf_release(&ok);
		return rc;
	}
	return EXIT_OK;
}

static int issue_edit(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] =
		"fieldlog issue edit ID [--status S] [--severity S] [--title T] [--description TEXT]"
		" [--domain ID] [--commune CODE|NAME] [--date D] [--actions TEXT] [--resolution TEXT]"
		" [--escalation TEXT]";
	const char *title = NULL, *domain = NULL, *severity = NULL, *description = NULL;
	const char *actions = NULL, *status = NULL, *escalation = NULL, *resolution = NULL, **pos;
	const char *date = NULL;
	struct strlist communes = { NULL, 0, 0 };
	int json = 0, npos, rc;
	struct opt opts[] = {
		{ "status", OPT_STR, &status, "S", N_("new status") },
		{ "severity", OPT_STR, &severity, "S", N_("low, medium, high or urgent") },
		{ "title", OPT_STR, &title, "T", N_("new title") },
		{ "description", OPT_STR, &description, "TEXT", N_("new description (- stdin, @file)") },
		{ "domain", OPT_STR, &domain, "ID", N_("new domain") },
		{ "commune", OPT_LIST, &communes, "CODE|NAME", N_("replace the communes (repeatable)") },
		{ "date", OPT_STR, &date, "DATE", N_("when the obstacle was found") },
		{ "actions", OPT_STR, &actions, "TEXT", N_("what was done") },
		{ "resolution", OPT_STR, &resolution, "TEXT", N_("how it was settled") },
		{ "escalation", OPT_STR, &escalation, "TEXT", N_("what the Ministry must decide") },
		{ "json", OPT_BOOL, &json, NULL, N_("print the saved record as JSON") },
		OPT_END
	};
	cJSON *rec = NULL;
	struct strbuf msg = STRBUF_INIT, shown = STRBUF_INIT;
	char *full = NULL;

	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos != 1) {
		rc = usage_error(usage, "give one issue id");
		goto out;
	}
	if (read_text(&description, description, "description", 0) < 0 ||
	    read_text(&actions, actions, "actions", 0) < 0 ||
	    read_text(&resolution, resolution, "resolution", 0) < 0 ||
	    read_text(&escalation, escalation, "escalation", 0) < 0) {
		rc = fail();
		goto out;
	}
	if ((date && (rc = date_arg(date, "--date", 0))) ||
	    (rc = communes_arg(&communes, ws->province)) ||
	    (rc = own_issue(&rec, ws, pos[0], 0)) ||
	    (status && (rc = check_transition(rec, status))))
		goto out;

	/* The message says what changed, field by field. */
	const char *fields[][2] = { { "status", status }, { "severity", severity },
				    { "title", title }, { "domain", domain },
				    { "date", date }, { "description", description }, { "actions", actions },
				    { "resolution", resolution }, { "escalation", escalation } };
	for (size_t i = 0; i < FL_ARRAY_SIZE(fields); i++)
		note_change(&msg, &shown, fields[i][0], fl_json_str(rec, fields[i][0]), fields[i][1]);
	for (size_t i = 0; i < FL_ARRAY_SIZE(fields); i++)
		if (fields[i][1])
			fl_json_set_str(rec, fields[i][0], fields[i][1]);
	if (communes.n) {
		set_communes(rec, &communes);
		strbuf_addf(&msg, "%scommunes changed", msg.len ? ", " : "");
		strbuf_addf(&shown, "%s%s", shown.len ? ", " : "", _("communes changed"));
	}
	if (!msg.len) {
		rc = error_exit("nothing to change (see 'fieldlog issue edit -h')");
		goto out;
	}
	full = xstrfmt("issue %s: %s", fl_json_str(rec, "id"), msg.buf);
	rc = save_record(ws, rec, full, json, "issue %s: %s\n", fl_json_str(rec, "id"), shown.buf);
out:
	free(full);
	strbuf_release(&msg);
	strbuf_release(&shown);
	strlist_release(&communes);
	cJSON_Delete(rec);
	return rc;
}

static int issue_comment(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] = "fieldlog issue comment ID --text TEXT";
	const char *text = NULL, **pos;
	int npos, rc;
	struct opt opts[] = { { "text", OPT_STR, &text, "TEXT", N_("the comment (- stdin, @file)") },
			      OPT_END };
	cJSON *rec = NULL;
	char *msg = NULL;
	char cid[FL_ID_LEN + 1], now[32];

	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos != 1) {
		rc = usage_error(usage, "give one issue id");
		goto out;
	}
	if (read_text(&text, text, "comment", 1) < 0) {
		rc = fail();
		goto out;
	}
	if (!text || !*text) {
		rc = usage_error(usage, "--text is required");
		goto out;
	}
	if ((rc = own_issue(&rec, ws, pos[0], 1)))
		goto out;
	fl_id_new(cid);
	fl_time_now(now);
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "id", cid);
	cJSON_AddStringToObject(c, "author", ws->id);
	cJSON_AddStringToObject(c, "at", now);
	cJSON_AddStringToObject(c, "text", text);
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(rec, "comments"), c);
	msg = xstrfmt("issue %s: comment added", fl_json_str(rec, "id"));
	rc = save_record(ws, rec, msg, 0, "comment added to issue %s\n", fl_json_str(rec, "id"));
out:
	free(msg);
	cJSON_Delete(rec);
	return rc;
}

static int issue_list(int argc, const char **argv, struct ws *ws)
{
	return list_command(argc, argv, ws, "issue");
}

/* `show` for any kind: the record, with the responses to it under --json. */
int show_command(int argc, const char **argv, struct ws *ws, const char *kind)
{
	char usage[64];
	const char **pos;
	int json = 0, npos, rc;
	struct opt opts[] = { { "json", OPT_BOOL, &json, NULL, N_("print JSON") }, OPT_END };
	cJSON *rec = NULL;

	snprintf(usage, sizeof(usage), "fieldlog %s show ID [--json]", kind ? kind : "record");
	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos != 1) {
		rc = usage_error(usage, "give one id");
		goto out;
	}
	if (ws_find(&rec, ws, pos[0], kind) < 0) {
		rc = fail();
		goto out;
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
	rc = EXIT_OK;
out:
	cJSON_Delete(rec);
	return rc;
}

static int issue_show(int argc, const char **argv, struct ws *ws)
{
	return show_command(argc, argv, ws, "issue");
}

int cmd_issue(int argc, const char **argv, struct ws *ws)
{
	static const struct cmd sub[] = {
		{ "add", issue_add, WS_WRITE | WS_INDEX_ONLY | NEED_OFFICER,
		  N_("record an obstacle found in a commune") },
		{ "edit", issue_edit, WS_WRITE | WS_INDEX_ONLY | NEED_OFFICER,
		  N_("change an issue: status, severity, text") },
		{ "comment", issue_comment, WS_WRITE | WS_INDEX_ONLY | NEED_OFFICER,
		  N_("add a comment to an issue") },
		{ "list", issue_list, WS_INDEX_ONLY | USE_PAGER,
		  N_("list issues, filtered and sorted") },
		{ "show", issue_show, WS_INDEX_ONLY | USE_PAGER,
		  N_("show one issue with its comments and answers") },
	};
	(void)ws;   /* each subcommand declares its own setup */
	return dispatch(argc, argv, sub, FL_ARRAY_SIZE(sub),
			"fieldlog issue add|edit|comment|list|show ...");
}
