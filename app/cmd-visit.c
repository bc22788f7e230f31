/*
 * cmd-visit.c: `fieldlog visit add|edit|list|show`: a visit to a commune,
 * who was met, what was found, which issues it concerns.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/fieldlog.h"
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
	for (size_t i = 0; i < ids->n; i++) {
		char *id;
		if (fl_db_resolve(&id, ws->db, ids->v[i], "issue") < 0) {
			cJSON_Delete(arr);
			return FL_EINVALID;
		}
		cJSON_AddItemToArray(arr, cJSON_CreateString(id));
		free(id);
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

static int visit_write(int argc, const char **argv, int edit)
{
	static const char add_usage[] =
		"fieldlog visit add --date YYYY-MM-DD --commune CODE --summary TEXT [--met TEXT]"
		" [--finding TEXT]... [--issue ID]... [--json]";
	static const char edit_usage[] =
		"fieldlog visit edit ID [--date D] [--commune CODE] [--summary TEXT] [--met TEXT]"
		" [--finding TEXT]... [--issue ID]... [--json]";
	const char *usage = edit ? edit_usage : add_usage;
	const char *date = NULL, *commune = NULL, *summary = NULL, *met = NULL, **pos;
	struct strlist findings = { NULL, 0, 0 }, issues = { NULL, 0, 0 };
	int json = 0, npos, e = EXIT_OK;
	struct opt opts[] = {
		{ "date", OPT_STR, &date, "DATE", "the day of the visit" },
		{ "commune", OPT_STR, &commune, "CODE", "the commune visited" },
		{ "summary", OPT_STR, &summary, "TEXT", "what was done (- stdin, @file)" },
		{ "met", OPT_STR, &met, "TEXT", "who was met" },
		{ "finding", OPT_LIST, &findings, "TEXT", "a finding (repeatable)" },
		{ "issue", OPT_LIST, &issues, "ID", "a related issue (repeatable)" },
		{ "json", OPT_BOOL, &json, NULL, "print the saved record as JSON" },
		OPT_END
	};
	struct ws *ws = NULL;
	cJSON *rec = NULL, *ids = NULL;
	char *msg = NULL;

	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos != (edit ? 1 : 0)) {
		e = usage_error(usage, edit ? "give one visit id" : "unexpected argument");
		goto out;
	}
	if (!edit && (!date || !commune)) {
		e = usage_error(usage, "--date and --commune are required");
		goto out;
	}
	if (read_text(&summary, summary, "summary", !edit) < 0 ||
	    read_text(&met, met, "met", 0) < 0) {
		e = fail();
		goto out;
	}
	if (!edit && (!summary || !*summary)) {
		e = usage_error(usage, "--summary is required");
		goto out;
	}
	if (date && !fl_date_valid(date)) {
		e = error_exit("'%s' is not a real date (YYYY-MM-DD)", date);
		goto out;
	}
	if (commune && !fl_commune_find(commune)) {
		e = error_exit("unknown commune code '%s' (see 'fieldlog communes')", commune);
		goto out;
	}
	for (size_t i = 0; i < findings.n; i++) {
		const char *t;
		if (read_text(&t, findings.v[i], "finding", 0) < 0) {
			e = fail();
			goto out;
		}
		char *copy = xstrdup(t);
		free(findings.v[i]);
		findings.v[i] = copy;
	}
	if (ws_open(&ws, WS_WRITE | WS_INDEX_ONLY) < 0) {
		e = fail();
		goto out;
	}
	if (strcmp(ws->role, "officer")) {
		e = error_exit("only officers log visits");
		goto out;
	}
	if (issues.n && issue_ids(&ids, ws, &issues) < 0) {
		e = fail();
		goto out;
	}
	if (edit) {
		if (ws_find(&rec, ws, pos[0], "visit") < 0) {
			e = fail();
			goto out;
		}
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "deleted"))) {
		e = error_exit("%s %s is deleted", fl_json_str(rec, "kind"), fl_json_str(rec, "id"));
		goto out;
	}
	if (strcmp(fl_json_str(rec, "author"), ws->id)) {
			e = error_exit("visit %s belongs to %s", pos[0], fl_json_str(rec, "author"));
			goto out;
		}
	} else {
		char id[FL_ID_LEN + 1], now[32];
		fl_id_new(id);
		fl_time_now(now);
		rec = fl_record_new(FL_VISIT, id, ws->id, now);
	}
	struct strbuf what = STRBUF_INIT;
	if (date) {
		fl_json_set_str(rec, "date", date);
		strbuf_addstr(&what, "date, ");
	}
	if (commune) {
		fl_json_set_str(rec, "commune", commune);
		strbuf_addstr(&what, "commune, ");
	}
	if (summary) {
		fl_json_set_str(rec, "summary", summary);
		strbuf_addstr(&what, "summary, ");
	}
	if (met) {
		fl_json_set_str(rec, "met", met);
		strbuf_addstr(&what, "met, ");
	}
	if (findings.n) {
		cJSON_ReplaceItemInObjectCaseSensitive(rec, "findings", texts(&findings));
		strbuf_addstr(&what, "findings, ");
	}
	if (ids) {
		cJSON_ReplaceItemInObjectCaseSensitive(rec, "issues", ids);
		ids = NULL;
		strbuf_addstr(&what, "issues, ");
	}
	if (what.len)
		strbuf_setlen(&what, what.len - 2);
	if (edit && !what.len) {
		strbuf_release(&what);
		e = error_exit("nothing to change (see 'fieldlog visit edit -h')");
		goto out;
	}
	const struct fl_commune *c = fl_commune_find(fl_json_str(rec, "commune"));
	msg = edit ? xstrfmt("visit %s: %s changed", fl_json_str(rec, "id"), what.buf)
		   : xstrfmt("visit %s: new, %s, %s", fl_json_str(rec, "id"), fl_json_str(rec, "date"),
			     c ? c->name : "");
	strbuf_release(&what);
	if (ws_save(ws, rec, msg) < 0) {
		e = fail();
		goto out;
	}
	if (json)
		print_json(rec);
	else
		printf(_("visit %s saved\n"), fl_json_str(rec, "id"));
out:
	free(msg);
	cJSON_Delete(ids);
	cJSON_Delete(rec);
	ws_close(ws);
	strlist_release(&findings);
	strlist_release(&issues);
	return e;
}

static int visit_add(int argc, const char **argv)
{
	return visit_write(argc, argv, 0);
}

static int visit_edit(int argc, const char **argv)
{
	return visit_write(argc, argv, 1);
}

static int visit_list(int argc, const char **argv)
{
	return list_command(argc, argv, "visit");
}

static int visit_show(int argc, const char **argv)
{
	return show_command(argc, argv, "visit");
}

CMD(visit)
{
	static const struct subcmd sub[] = {
		{ "add", visit_add }, { "edit", visit_edit },
		{ "list", visit_list }, { "show", visit_show },
	};
	return dispatch(argc, argv, sub, FL_ARRAY_SIZE(sub), "fieldlog visit add|edit|list|show ...");
}
