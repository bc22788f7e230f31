/*
 * cmd-report.c: `fieldlog report week|submit|list|show`: the weekly report
 * an officer sends each Thursday, drafted from the week's schedule, visits
 * and issues, and recorded as a `report` record when submitted.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/fieldlog.h"
#include "app/term.h"
#include "app/records.h"
#include "app/entry.h"
#include "app/report-doc.h"

#include <stdlib.h>
#include <string.h>

#include "sync/diff.h"
#include "schema/json.h"
#include "schema/record.h"
#include "schema/refdata.h"

int report_weekly(int argc, const char **argv, struct ws *ws);

struct week_data {
	char week[9], monday[11], sunday[11], thursday[11];
	cJSON *schedule;   /* entries of the week (array) */
	cJSON *visits;
	cJSON *opened;     /* issues created this week */
	cJSON *escalated;  /* issues escalated (or answered) touched this week */
	cJSON *resolved;   /* issues resolved or closed touched this week */
	cJSON *figures;
};

static cJSON *query_records(struct ws *ws, const char *sql, const struct week_data *d)
{
	sqlite3_stmt *st = fl_db_stmt(ws->db, sql);
	fl_bind_text(st, ":me", ws->id);
	fl_bind_text(st, ":week", d->week);
	if (sqlite3_bind_parameter_index(st, ":mon")) {
		fl_bind_text(st, ":mon", d->monday);
		fl_bind_text(st, ":sun", d->sunday);
	}
	return json_rows(st);
}

static void count(cJSON *fig, const char *name, int n)
{
	cJSON_AddNumberToObject(fig, name, n);
}

/* Gathers an officer's week. The caller releases with week_data_release. */
static void week_gather(struct week_data *d, struct ws *ws, const char *week)
{
	const cJSON *r, *e;
	int planned = 0, done = 0, cancelled = 0;

	memset(d, 0, sizeof(*d));
	snprintf(d->week, sizeof(d->week), "%s", week);
	fl_week_day(d->monday, week, 1);
	fl_week_day(d->thursday, week, 4);
	fl_week_day(d->sunday, week, 7);

	cJSON *scheds = query_records(ws,
		"SELECT json FROM records WHERE kind = 'schedule' AND author = :me"
		" AND week = :week AND deleted = 0 ORDER BY id", d);
	d->schedule = cJSON_CreateArray();
	cJSON_ArrayForEach(r, scheds)
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(r, "entries")) {
			const char *s = fl_json_str(e, "state");
			planned++;
			done += !strcmp(s, "done");
			cancelled += !strcmp(s, "cancelled");
			cJSON_AddItemToArray(d->schedule, cJSON_Duplicate(e, 1));
		}
	cJSON_Delete(scheds);
	d->visits = query_records(ws,
		"SELECT json FROM records WHERE kind = 'visit' AND author = :me"
		" AND week = :week AND deleted = 0 ORDER BY date, id", d);
	d->opened = query_records(ws,
		"SELECT json FROM records WHERE kind = 'issue' AND author = :me"
		" AND week = :week AND deleted = 0 ORDER BY created_at, id", d);
	/* Touched this week: updated within [Monday, next Monday). */
	d->escalated = query_records(ws, "SELECT json FROM records WHERE kind = 'issue'"
		" AND author = :me AND deleted = 0 AND status IN ('escalated', 'answered')"
		" AND (week = :week OR substr(updated_at, 1, 10) BETWEEN :mon AND :sun)"
		" ORDER BY created_at, id", d);
	d->resolved = query_records(ws, "SELECT json FROM records WHERE kind = 'issue'"
		" AND author = :me AND deleted = 0 AND status IN ('resolved', 'closed')"
		" AND (week = :week OR substr(updated_at, 1, 10) BETWEEN :mon AND :sun)"
		" ORDER BY created_at, id", d);

	d->figures = cJSON_CreateObject();
	count(d->figures, "planned", planned);
	count(d->figures, "done", done);
	count(d->figures, "cancelled", cancelled);
	count(d->figures, "visits", cJSON_GetArraySize(d->visits));
	count(d->figures, "issues_opened", cJSON_GetArraySize(d->opened));
	count(d->figures, "issues_escalated", cJSON_GetArraySize(d->escalated));
	count(d->figures, "issues_resolved", cJSON_GetArraySize(d->resolved));
	(void)r;
}

static void week_data_release(struct week_data *d)
{
	cJSON_Delete(d->schedule);
	cJSON_Delete(d->visits);
	cJSON_Delete(d->opened);
	cJSON_Delete(d->escalated);
	cJSON_Delete(d->resolved);
	cJSON_Delete(d->figures);
}

static void md_issue_list(struct ws *ws, const char *title, const cJSON *issues)
{
	const cJSON *r;
	printf("\n### %s\n\n", title);
	if (!cJSON_GetArraySize(issues)) {
		printf(_("(none)\n"));
		return;
	}
	cJSON_ArrayForEach(r, issues) {
		cJSON *resp = responses_to(ws, fl_json_str(r, "id"));
		const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "communes"), 0);
		printf("- **%s** [%s, %s] %s — %s\n", fl_json_str(r, "title"),
		       label(fl_json_str(r, "severity")), label(effective_status(r, resp)),
		       c ? commune_label(c->valuestring) : "", short_id(fl_json_str(r, "id")));
		if (*fl_json_str(r, "escalation"))
			printf("  - Kiến nghị / escalation: %s\n", fl_json_str(r, "escalation"));
		cJSON_Delete(resp);
	}
}

static void print_markdown(struct ws *ws, const struct week_data *d, const char *summary)
{
	const cJSON *e;
	const struct fl_province *p = fl_province_find(ws->province);

	printf("# Báo cáo tuần %s / Weekly report %s\n\n", d->week, d->week);
	printf("- Cán bộ / Officer: %s (%s)\n", ws->name, ws->id);
	if (p)
		printf("- Tỉnh / Province: %s\n", p->name);
	printf("- Tuần / Week: %s – %s; hạn nộp / due: %s\n", human_date(d->monday),
	       human_date(d->sunday), human_date(d->thursday));
	if (summary && *summary)
		printf("\n## Tóm tắt / Summary\n\n%s\n", summary);

	printf("\n## Lịch công tác / Schedule\n\n");
	if (!cJSON_GetArraySize(d->schedule)) {
		printf(_("(no plan recorded)\n"));
	} else {
		printf("| Ngày / Date | Xã / Commune | Hoạt động / Activity | Trạng thái / State |\n");
		printf("|---|---|---|---|\n");
		cJSON_ArrayForEach(e, d->schedule)
			printf("| %s | %s | %s | %s |\n", human_date(fl_json_str(e, "date")),
			       entry_where(e), fl_json_str(e, "activity"),
			       label(fl_json_str(e, "state")));
	}
	printf("\n## Chuyến thăm / Visits\n\n");
	if (!cJSON_GetArraySize(d->visits))
		printf(_("(none)\n"));
	cJSON_ArrayForEach(e, d->visits) {
		const cJSON *f;
		printf("- %s, %s: %s\n", human_date(fl_json_str(e, "date")),
		       commune_label(fl_json_str(e, "commune")),
		       fl_json_str(e, "summary"));
		if (*fl_json_str(e, "met"))
			printf("  - Làm việc với / met: %s\n", fl_json_str(e, "met"));
		cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(e, "findings"))
			printf("  - Phát hiện / finding: %s\n", f->valuestring);
	}
	printf("\n## Vấn đề / Issues\n");
	md_issue_list(ws, "Mới phát sinh / Opened this week", d->opened);
	md_issue_list(ws, "Kiến nghị Bộ / Escalated to the Ministry", d->escalated);
	md_issue_list(ws, "Đã giải quyết / Resolved", d->resolved);
	printf("\n## Số liệu / Figures\n\n");
	cJSON_ArrayForEach(e, d->figures)
		printf("- %s: %lld\n", label(e->string), (long long)e->valuedouble);
}

/* The week as `report week --json` prints it. A new object. */
static cJSON *week_json(struct ws *ws, const struct week_data *d)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "officer", ws->id);
	cJSON_AddStringToObject(o, "name", ws->name);
	cJSON_AddStringToObject(o, "province", ws->province);
	cJSON_AddStringToObject(o, "week", d->week);
	cJSON_AddStringToObject(o, "from", d->monday);
	cJSON_AddStringToObject(o, "to", d->sunday);
	cJSON_AddStringToObject(o, "due", d->thursday);
	cJSON_AddItemToObject(o, "figures", cJSON_Duplicate(d->figures, 1));
	cJSON_AddItemToObject(o, "schedule", cJSON_Duplicate(d->schedule, 1));
	cJSON_AddItemToObject(o, "visits", cJSON_Duplicate(d->visits, 1));
	cJSON_AddItemToObject(o, "issues_opened", cJSON_Duplicate(d->opened, 1));
	cJSON_AddItemToObject(o, "issues_escalated", cJSON_Duplicate(d->escalated, 1));
	cJSON_AddItemToObject(o, "issues_resolved", cJSON_Duplicate(d->resolved, 1));
	return o;
}

static int report_week(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] = "fieldlog report week [WEEK] [--json] [--format md|json|docx|html]";
	const char *week = NULL, *format = NULL, **pos;
	int json = 0, npos;
	struct opt opts[] = {
		{ "week", OPT_STR, &week, "W", N_("ISO week (default: this week)") },
		{ "json", OPT_BOOL, &json, NULL, N_("print JSON") },
		{ "format", OPT_STR, &format, "FMT", N_("md or json") },
		OPT_END
	};
	struct week_data d;
	char wbuf[9];

	if (report_doc_wanted(argc, argv))
		return report_doc_week(argc, argv, ws);
	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos == 1 && !week)
		week = pos[0];
	else if (npos)
		return usage_error(usage, "unexpected argument '%s'", pos[0]);
	if (format && strcmp(format, "md") && strcmp(format, "json"))
		return error_exit("unknown format '%s' (md, json, docx, html)", format);
	if (format && !strcmp(format, "json"))
		json = 1;
	if (week && !fl_week_valid(week))
		return error_exit("'%s' is not an ISO week (YYYY-Www)", week);
	week_gather(&d, ws, week_or_this(wbuf, week));
	if (json) {
		cJSON *o = week_json(ws, &d);
		print_json(o);
		cJSON_Delete(o);
	} else {
		print_markdown(ws, &d, NULL);
	}
	week_data_release(&d);
	return EXIT_OK;
}

/* This officer's report of week, or a new one. Caller frees; *again says which. */
static cJSON *report_of_week(struct ws *ws, const char *week, const char *now, int *again)
{
	sqlite3_stmt *st = fl_db_stmt(ws->db,
		"SELECT id FROM records WHERE kind = 'report' AND author = :me AND week = :w"
		" AND deleted = 0 ORDER BY id LIMIT 1");
	cJSON *rec = NULL;
	fl_bind_text(st, ":me", ws->id);
	fl_bind_text(st, ":w", week);
	if (fl_step(st))
		rec = fl_db_get(ws->db, fl_col_text(st, 0));
	sqlite3_reset(st);
	*again = rec != NULL;
	if (!rec) {
		char id[FL_ID_LEN + 1];
		fl_id_new(id);
		rec = fl_record_new(FL_REPORT, id, ws->id, now);
		fl_json_set_str(rec, "week", week);
	}
	return rec;
}

/*
 * The refusal of a second submission without --replace: the error, then
 * on stdout what --replace would change (as `fieldlog diff` shows it).
 */
static int refuse_resubmit(const cJSON *before, const cJSON *after, const char *week)
{
	struct fl_changes ch = FL_CHANGES_INIT;
	int rc;

	fl_record_diff(&ch, before, after);
	rc = error_exit("the report for %s was submitted at %s; 'fieldlog report submit --replace' "
			"replaces it", week, fl_json_str(before, "submitted_at"));
	if (!ch.n)
		printf(_("--replace would change nothing but the time of submission\n"));
	else
		printf(_("--replace would change:\n"));
	for (size_t i = 0; i < ch.n; i++)
		print_change(&ch.v[i]);
	fl_changes_release(&ch);
	return rc;
}

static int report_submit(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] =
		"fieldlog report submit [--week W] [--summary TEXT] [--replace] [--json]";
	const char *week = NULL, *summary = NULL, **pos;
	int json = 0, replace = 0, npos, again;
	struct opt opts[] = {
		{ "week", OPT_STR, &week, "W", N_("ISO week (default: this week)") },
		{ "summary", OPT_STR, &summary, "TEXT", N_("the week in a few lines (- stdin, @file)") },
		{ "replace", OPT_BOOL, &replace, NULL, N_("replace the report already submitted") },
		{ "json", OPT_BOOL, &json, NULL, N_("print the saved record as JSON") },
		OPT_END
	};
	struct week_data d;
	cJSON *rec, *before = NULL;
	char *msg;
	char wbuf[9], now[32];
	int rc;

	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos)
		return usage_error(usage, "unexpected argument '%s'", pos[0]);
	if (week && !fl_week_valid(week))
		return error_exit("'%s' is not an ISO week (YYYY-Www)", week);
	if (read_text(&summary, summary, "summary", 0) < 0)
		return fail();
	fl_time_now(now);
	week = week_or_this(wbuf, week);
	week_gather(&d, ws, week);

	/*
	 * One report per officer and week: submitting again replaces it, which
	 * loses the summary a reviewer may have read, so only with --replace.
	 */
	rec = report_of_week(ws, week, now, &again);
	if (again && *fl_json_str(rec, "submitted_at") && !replace)
		before = cJSON_Duplicate(rec, 1);
	if (summary)
		fl_json_set_str(rec, "summary", summary);
	cJSON_ReplaceItemInObjectCaseSensitive(rec, "figures", cJSON_Duplicate(d.figures, 1));
	report_doc_fill(ws, rec, week, summary);
	if (before) {
		rc = refuse_resubmit(before, rec, week);
		goto out;
	}
	fl_json_set_str(rec, "submitted_at", now);
	msg = xstrfmt("report %s: %s %s", fl_json_str(rec, "id"), week,
		      again ? "submitted again" : "submitted");
	rc = save_record(ws, rec, msg, json, "report for %s submitted (%s)%s\n", week,
			 fl_json_str(rec, "id"),
			 strncmp(now, d.thursday, 10) > 0 ? _("; it was due on Thursday") : "");
	free(msg);
out:
	cJSON_Delete(before);
	cJSON_Delete(rec);
	week_data_release(&d);
	return rc;
}

static int report_list(int argc, const char **argv, struct ws *ws)
{
	return list_command(argc, argv, ws, "report");
}

static int report_show(int argc, const char **argv, struct ws *ws)
{
	if (report_doc_wanted(argc, argv))
		return report_doc_show(argc, argv, ws);
	return show_command(argc, argv, ws, "report");
}

int cmd_report(int argc, const char **argv, struct ws *ws)
{
	static const struct cmd sub[] = {
		{ "week", report_week, WS_INDEX_ONLY,
		  N_("a week's report, drafted from its records") },
		{ "submit", report_submit, WS_WRITE | WS_INDEX_ONLY | NEED_OFFICER,
		  N_("submit the weekly report") },
		{ "list", report_list, WS_INDEX_ONLY | USE_PAGER,
		  N_("list weekly reports") },
		{ "show", report_show, WS_INDEX_ONLY | USE_PAGER,
		  N_("show one weekly report") },
		{ "weekly", report_weekly, WS_INDEX_ONLY,
		  N_("the roll-up of every officer's week, for the Ministry") },
		{ "unit", report_unit, WS_WRITE | WS_INDEX_ONLY,
		  N_("set the unit and signer printed on reports") },
	};
	(void)ws;   /* each subcommand declares its own setup */
	return dispatch(argc, argv, sub, FL_ARRAY_SIZE(sub),
			"fieldlog report week|submit|list|show|weekly|unit ...");
}
