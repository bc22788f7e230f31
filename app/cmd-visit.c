/*
 * cmd-visit.c: `fieldlog visit add|edit|list|show`: a visit to a commune,
 * who was met, what was found, which issues it concerns.
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

/* Resolves issue id prefixes into a fresh array of full ids. */
static int issue_ids(cJSON **out, struct ws *ws, const struct strlist *ids)
{
	cJSON *arr = cJSON_CreateArray();
	int e = 0;

	for (size_t i = 0; i < ids->n && e == 0; i++) {
		char *id;
		if ((e = fl_db_resolve(&id, ws->db, ids->v[i], "issue")) < 0)
			break;
		cJSON_AddItemToArray(arr, cJSON_CreateString(id));
		free(id);
	}
	if (e < 0) {
		cJSON_Delete(arr);
		return FL_EINVALID;
	}
	*out = arr;
	return 0;
}

static cJSON *texts(const struct strlist *l)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < l->n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(l->v[i]));
	return arr;
}

/* What `visit add` and `visit edit` were given. */
struct visit_args {
	const char *date, *commune, *summary, *met;
	struct strlist findings, issues;
};

/*
 * Reads the long texts and checks the values given (a visit has happened:
 * not in the future; a commune name becomes its code); prints why not.
 */
static int visit_check(struct visit_args *a, int edit, const char *usage, const char *home)
{
	int rc;

	if (!edit && (!a->date || !a->commune))
		return usage_error(usage, "--date and --commune are required");
	if (read_text(&a->summary, a->summary, "summary", !edit) < 0 ||
	    read_text(&a->met, a->met, "met", 0) < 0)
		return fail();
	if (!edit && (!a->summary || !*a->summary))
		return usage_error(usage, "--summary is required");
	if ((a->date && (rc = date_arg(a->date, "--date", 0))) ||
	    (a->commune && (rc = commune_arg(&a->commune, a->commune, home))))
		return rc;
	for (size_t i = 0; i < a->findings.n; i++) {
		const char *t;
		if (read_text(&t, a->findings.v[i], "finding", 0) < 0)
			return fail();
		char *copy = xstrdup(t);
		free(a->findings.v[i]);
		a->findings.v[i] = copy;
	}
	return EXIT_OK;
}

/* The visit to edit (this officer's, not deleted) into *out; prints why not. */
static int own_visit(cJSON **out, struct ws *ws, const char *prefix)
{
	cJSON *rec = NULL;
	int rc;

	*out = NULL;
	if (ws_find(&rec, ws, prefix, "visit") < 0)
		rc = fail();
	else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "deleted")))
		rc = error_exit("%s %s is deleted", label(fl_json_str(rec, "kind")),
				fl_json_str(rec, "id"));
	else if (strcmp(fl_json_str(rec, "author"), ws->id))
		rc = error_exit("visit %s belongs to %s", prefix, fl_json_str(rec, "author"));
	else
		rc = EXIT_OK;
	if (rc == EXIT_OK) {
		*out = rec;
		rec = NULL;
	}
	cJSON_Delete(rec);
	return rc;
}

/*
 * Sets the fields given on rec (ids: the resolved issues, taken) and
 * lists them in what ("date, summary").
 */
static void visit_apply(cJSON *rec, const struct visit_args *a, cJSON *ids, struct strbuf *what)
{
	const char *fields[][2] = { { "date", a->date }, { "commune", a->commune },
				    { "summary", a->summary }, { "met", a->met } };
	for (size_t i = 0; i < FL_ARRAY_SIZE(fields); i++) {
		if (!fields[i][1])
			continue;
		fl_json_set_str(rec, fields[i][0], fields[i][1]);
		strbuf_addf(what, "%s, ", fields[i][0]);
	}
	if (a->findings.n) {
		cJSON_ReplaceItemInObjectCaseSensitive(rec, "findings", texts(&a->findings));
		strbuf_addstr(what, "findings, ");
	}
	if (ids) {
		cJSON_ReplaceItemInObjectCaseSensitive(rec, "issues", ids);
		strbuf_addstr(what, "issues, ");
	}
	if (what->len)
		strbuf_setlen(what, what->len - 2);
}

static int visit_write(int argc, const char **argv, struct ws *ws, int edit)
{
	static const char add_usage[] =
		"fieldlog visit add --date YYYY-MM-DD --commune CODE|NAME --summary TEXT [--met TEXT]"
		" [--finding TEXT]... [--issue ID]... [--json]";
	static const char edit_usage[] =
		"fieldlog visit edit ID [--date D] [--commune CODE|NAME] [--summary TEXT] [--met TEXT]"
		" [--finding TEXT]... [--issue ID]... [--json]";
	const char *usage = edit ? edit_usage : add_usage, **pos;
	struct visit_args a = { NULL, NULL, NULL, NULL, { NULL, 0, 0 }, { NULL, 0, 0 } };
	int json = 0, npos, rc;
	struct opt opts[] = {
		{ "date", OPT_STR, &a.date, "DATE", N_("the day of the visit") },
		{ "commune", OPT_STR, &a.commune, "CODE|NAME", N_("the commune visited") },
		{ "summary", OPT_STR, &a.summary, "TEXT", N_("what was done (- stdin, @file)") },
		{ "met", OPT_STR, &a.met, "TEXT", N_("who was met") },
		{ "finding", OPT_LIST, &a.findings, "TEXT", N_("a finding (repeatable)") },
		{ "issue", OPT_LIST, &a.issues, "ID", N_("a related issue (repeatable)") },
		{ "json", OPT_BOOL, &json, NULL, N_("print the saved record as JSON") },
		OPT_END
	};
	cJSON *rec = NULL, *ids = NULL;
	struct strbuf what = STRBUF_INIT;
	char *msg = NULL;

	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos != (edit ? 1 : 0)) {
		rc = usage_error(usage, edit ? "give one visit id" : "unexpected argument");
		goto out;
	}
	if ((rc = visit_check(&a, edit, usage, ws->province)))
		goto out;
	if (a.issues.n && issue_ids(&ids, ws, &a.issues) < 0) {
		rc = fail();
		goto out;
	}
	if (edit) {
		if ((rc = own_visit(&rec, ws, pos[0])))
			goto out;
	} else {
		char id[FL_ID_LEN + 1], now[32];
		fl_id_new(id);
		fl_time_now(now);
		rec = fl_record_new(FL_VISIT, id, ws->id, now);
	}
	visit_apply(rec, &a, ids, &what);
	ids = NULL;   /* rec has it */
	if (edit && !what.len) {
		rc = error_exit("nothing to change (see 'fieldlog visit edit -h')");
		goto out;
	}
	const struct fl_commune *c = fl_commune_find(fl_json_str(rec, "commune"));
	msg = edit ? xstrfmt("visit %s: %s changed", fl_json_str(rec, "id"), what.buf)
		   : xstrfmt("visit %s: new, %s, %s", fl_json_str(rec, "id"), fl_json_str(rec, "date"),
			     c ? c->name : "");
	rc = save_record(ws, rec, msg, json, "visit %s saved\n", fl_json_str(rec, "id"));
out:
	free(msg);
	strbuf_release(&what);
	cJSON_Delete(ids);
	cJSON_Delete(rec);
	strlist_release(&a.findings);
	strlist_release(&a.issues);
	return rc;
}

static int visit_add(int argc, const char **argv, struct ws *ws)
{
	return visit_write(argc, argv, ws, 0);
}

static int visit_edit(int argc, const char **argv, struct ws *ws)
{
	return visit_write(argc, argv, ws, 1);
}

static int visit_list(int argc, const char **argv, struct ws *ws)
{
	return list_command(argc, argv, ws, "visit");
}

static int visit_show(int argc, const char **argv, struct ws *ws)
{
	return show_command(argc, argv, ws, "visit");
}

int cmd_visit(int argc, const char **argv, struct ws *ws)
{
	static const struct cmd sub[] = {
		{ "add", visit_add, WS_WRITE | WS_INDEX_ONLY | NEED_OFFICER,
		  N_("log a visit to a commune") },
		{ "edit", visit_edit, WS_WRITE | WS_INDEX_ONLY | NEED_OFFICER,
		  N_("change a visit") },
		{ "list", visit_list, WS_INDEX_ONLY | USE_PAGER,
		  N_("list visits, filtered and sorted") },
		{ "show", visit_show, WS_INDEX_ONLY | USE_PAGER,
		  N_("show one visit") },
	};
	(void)ws;   /* each subcommand declares its own setup */
	return dispatch(argc, argv, sub, FL_ARRAY_SIZE(sub), "fieldlog visit add|edit|list|show ...");
}
