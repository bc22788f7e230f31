/*
 * cmd-report-weekly.c: `fieldlog report weekly [--week W]`: the roll-up
 * the Ministry's working group reads every Thursday. Per province and
 * officer: visits done against planned, issues opened, escalated, resolved
 * and answered that week; the escalated issues still waiting for an
 * answer, with their age; and whose weekly report is missing or late.
 *
 * Who is expected: every officer of the roster (meta 'roster', from
 * roster.json) plus anyone else who wrote records that week. A report is
 * on time when submitted by Thursday 23:59:59 of its week, Vietnam time
 * (UTC+07:00); a report submitted later is late; no report, or a draft
 * never submitted, is missing.
 *
 * Everything comes from the index, which holds each record as it is now:
 * "escalated this week" means an issue that is escalated (or answered) and
 * was written or changed during the week, as in the officer's own report
 * (cmd-report.c); the age of an unanswered issue counts from its creation.
 * Values are bound, never formatted into the SQL.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/fieldlog.h"
#include "app/records.h"
#include "app/report-doc.h"

#include <stdlib.h>
#include <string.h>

#include "schema/json.h"
#include "schema/record.h"
#include "schema/refdata.h"

/* Called from cmd-report.c's subcommand table. */
int report_weekly(int argc, const char **argv, struct ws *ws);

static const char weekly_usage[] =
	"fieldlog report weekly [--week W] [--json]   (--format docx|html: the document)";

struct officer {
	char *id, *name, *province;
};

static int cmp_officer(const void *a, const void *b)
{
	const struct officer *x = a, *y = b;
	int c = strcmp(x->province, y->province);
	return c ? c : strcmp(x->id, y->id);
}

struct officers {
	struct officer *v;
	size_t n, alloc;
};

static void officers_add(struct officers *o, const char *id, const char *name,
			 const char *province)
{
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->v[i].id, id))
			return;
	FL_ALLOC_GROW(o->v, o->n + 1, o->alloc);
	o->v[o->n].id = xstrdup(id);
	o->v[o->n].name = xstrdup(name && *name ? name : id);
	o->v[o->n].province = xstrdup(province ? province : "");
	o->n++;
}

static void officers_release(struct officers *o)
{
	for (size_t i = 0; i < o->n; i++) {
		free(o->v[i].id);
		free(o->v[i].name);
		free(o->v[i].province);
	}
	free(o->v);
}

/* Binds the parameters a statement uses among :a :w :mon :sun. */
static void bind_week(sqlite3_stmt *st, const char *author, const char *week,
		      const char *mon, const char *sun)
{
	if (sqlite3_bind_parameter_index(st, ":a"))
		fl_bind_text(st, ":a", author);
	if (sqlite3_bind_parameter_index(st, ":w"))
		fl_bind_text(st, ":w", week);
	if (sqlite3_bind_parameter_index(st, ":mon"))
		fl_bind_text(st, ":mon", mon);
	if (sqlite3_bind_parameter_index(st, ":sun"))
		fl_bind_text(st, ":sun", sun);
}

static long long count_of(struct ws *ws, const char *sql, const char *author,
			  const char *week, const char *mon, const char *sun)
{
	sqlite3_stmt *st = fl_db_stmt(ws->db, sql);
	long long n = 0;
	bind_week(st, author, week, mon, sun);
	if (fl_step(st))
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

/* A province for an author missing from the roster: where they work. */
static char *province_of_records(struct ws *ws, const char *author)
{
	sqlite3_stmt *st = fl_db_stmt(ws->db,
		"SELECT rc.province_code FROM records r JOIN record_communes rc ON rc.id = r.id"
		" WHERE r.author = :a GROUP BY rc.province_code ORDER BY count(*) DESC,"
		" rc.province_code LIMIT 1");
	char *p = NULL;
	fl_bind_text(st, ":a", author);
	if (fl_step(st))
		p = xstrdup(fl_col_text(st, 0));
	sqlite3_reset(st);
	return p;
}

static void gather_officers(struct officers *o, struct ws *ws, const char *week)
{
	char *text = fl_db_meta_get(ws->db, "roster");
	cJSON *roster = NULL;
	const cJSON *p;
	struct strlist reviewers = { NULL, 0, 0 };

	if (text && fl_json_parse(&roster, text, strlen(text)) < 0)
		roster = NULL;
	free(text);
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(roster, "people")) {
		const char *id = fl_json_str(p, "id"), *role = fl_json_str(p, "role");
		if (!id || !role)
			continue;
		if (!strcmp(role, "officer"))
			officers_add(o, id, fl_json_str(p, "name"), officer_province(ws, id));
		else
			strlist_add(&reviewers, id);
	}
	cJSON_Delete(roster);

	/* Anyone else who wrote an officer's records this week. */
	sqlite3_stmt *st = fl_db_stmt(ws->db,
		"SELECT DISTINCT author FROM records WHERE week = :w AND kind <> 'response'"
		" AND deleted = 0 ORDER BY author");
	fl_bind_text(st, ":w", week);
	while (fl_step(st)) {
		const char *a = fl_col_text(st, 0);
		size_t i;
		for (i = 0; i < reviewers.n; i++)
			if (!strcmp(reviewers.v[i], a))
				break;
		if (i < reviewers.n)
			continue;
		char *id = xstrdup(a);
		const char *prov = officer_province(ws, id);
		char *guess = prov ? NULL : province_of_records(ws, id);
		/* officer_province may use the statement cache: keep our own copy of a */
		officers_add(o, id, officer_name(ws, id), prov ? prov : guess);
		free(guess);
		free(id);
	}
	sqlite3_reset(st);
	strlist_release(&reviewers);
	qsort(o->v, o->n, sizeof(*o->v), cmp_officer);
}

/* The week a roll-up is about, and the moments that judge it. */
struct week_span {
	const char *week;
	char mon[11], thu[11], sun[11], due[32];
	long long due_t;   /* reports due: Thursday 23:59:59, Vietnam time */
	long long now_t;
	long long ref_t;   /* ages count up to the week's end, or now if sooner */
};

static void week_span_init(struct week_span *w, const char *week)
{
	char week_end[32];

	w->week = week;
	fl_week_day(w->mon, week, 1);
	fl_week_day(w->thu, week, 4);
	fl_week_day(w->sun, week, 7);
	snprintf(w->due, sizeof(w->due), "%sT23:59:59+07:00", w->thu);
	w->due_t = fl_time_parse(w->due);
	w->now_t = fl_time_now_secs();
	snprintf(week_end, sizeof(week_end), "%sT23:59:59+07:00", w->sun);
	w->ref_t = fl_time_parse(week_end);
	if (w->now_t < w->ref_t)
		w->ref_t = w->now_t;
}

static const char *const tot_names[] = { "planned", "done", "visits", "opened",
					 "escalated", "resolved", "answered" };

/* An officer's figures for the week, in the order of tot_names. */
static void officer_counts(long long n[7], struct ws *ws, const struct officer *o,
			   const struct week_span *w)
{
	const char *week = w->week, *mon = w->mon, *sun = w->sun;
	sqlite3_stmt *st;

	memset(n, 0, 7 * sizeof(*n));
	/* Planned and done: the entries of the week's schedules. */
	st = fl_db_stmt(ws->db, "SELECT json FROM records WHERE kind = 'schedule'"
			" AND author = :a AND week = :w AND deleted = 0");
	bind_week(st, o->id, week, mon, sun);
	while (fl_step(st)) {
		cJSON *r = NULL;
		const cJSON *e;
		const char *t = fl_col_text(st, 0);
		if (fl_json_parse(&r, t, strlen(t)) < 0)
			continue;
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(r, "entries")) {
			n[0]++;
			n[1] += !strcmp(fl_json_str(e, "state"), "done");
		}
		cJSON_Delete(r);
	}
	sqlite3_reset(st);
	n[2] = count_of(ws, "SELECT count(*) FROM records WHERE kind = 'visit'"
			" AND author = :a AND week = :w AND deleted = 0", o->id, week, mon, sun);
	n[3] = count_of(ws, "SELECT count(*) FROM records WHERE kind = 'issue'"
			" AND author = :a AND week = :w AND deleted = 0", o->id, week, mon, sun);
	n[4] = count_of(ws, "SELECT count(*) FROM records WHERE kind = 'issue'"
			" AND author = :a AND deleted = 0 AND status IN ('escalated', 'answered')"
			" AND (week = :w OR substr(updated_at, 1, 10) BETWEEN :mon AND :sun)",
			o->id, week, mon, sun);
	n[5] = count_of(ws, "SELECT count(*) FROM records WHERE kind = 'issue'"
			" AND author = :a AND deleted = 0 AND status IN ('resolved', 'closed')"
			" AND substr(updated_at, 1, 10) BETWEEN :mon AND :sun",
			o->id, week, mon, sun);
	n[6] = count_of(ws, "SELECT count(DISTINCT x.target) FROM records x"
			" JOIN records r ON r.id = x.target WHERE x.kind = 'response'"
			" AND x.deleted = 0 AND x.week = :w AND r.kind = 'issue' AND r.author = :a",
			o->id, week, mon, sun);
}

/* The officer's weekly report: "on_time", "late" or "missing"; when it was submitted. */
static const char *report_state(char submitted[32], struct ws *ws, const struct officer *o,
				const struct week_span *w)
{
	const char *state = "missing";
	sqlite3_stmt *st = fl_db_stmt(ws->db,
		"SELECT json_extract(json, '$.submitted_at') FROM records"
		" WHERE kind = 'report' AND author = :a AND week = :w AND deleted = 0"
		" ORDER BY json_extract(json, '$.submitted_at') DESC LIMIT 1");

	submitted[0] = '\0';
	bind_week(st, o->id, w->week, w->mon, w->sun);
	if (fl_step(st) && *fl_col_text(st, 0)) {
		snprintf(submitted, 32, "%s", fl_col_text(st, 0));
		state = fl_time_parse(submitted) > w->due_t ? "late" : "on_time";
	}
	sqlite3_reset(st);
	return state;
}

/* Appends the officer's escalated issues nobody has answered yet, as of the week. */
static void add_unanswered(cJSON *unanswered, struct ws *ws, const struct officer *o,
			   const struct week_span *w)
{
	char *sql = xstrfmt("SELECT r.id, r.title, r.created_at, r.severity FROM records r"
			    " WHERE r.kind = 'issue' AND r.author = :a AND r.deleted = 0"
			    " AND substr(r.created_at, 1, 10) <= :sun AND (%s) = 'escalated'"
			    " ORDER BY r.created_at, r.id", effective_status_sql);
	sqlite3_stmt *st = fl_db_prepare(ws->db, sql);

	free(sql);
	bind_week(st, o->id, w->week, w->mon, w->sun);
	while (fl_step(st)) {
		long long age = (w->ref_t - fl_time_parse(fl_col_text(st, 2))) / 86400;
		cJSON *u = cJSON_CreateObject();
		cJSON_AddStringToObject(u, "id", fl_col_text(st, 0));
		cJSON_AddStringToObject(u, "title", fl_col_text(st, 1));
		cJSON_AddStringToObject(u, "severity", fl_col_text(st, 3));
		cJSON_AddStringToObject(u, "officer", o->id);
		cJSON_AddStringToObject(u, "province", o->province);
		cJSON_AddStringToObject(u, "created_at", fl_col_text(st, 2));
		cJSON_AddNumberToObject(u, "age_days", (double)(age < 0 ? 0 : age));
		cJSON_AddItemToArray(unanswered, u);
	}
	sqlite3_finalize(st);
}

/* The roll-up as `report weekly --json` prints it. A new object. */
static cJSON *rollup(struct ws *ws, const struct officers *off, const struct week_span *w)
{
	cJSON *out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "week", w->week);
	cJSON_AddStringToObject(out, "from", w->mon);
	cJSON_AddStringToObject(out, "to", w->sun);
	cJSON_AddStringToObject(out, "due", w->due);
	cJSON_AddBoolToObject(out, "due_passed", w->now_t > w->due_t);
	cJSON *provinces = cJSON_AddArrayToObject(out, "provinces");
	cJSON *unanswered = cJSON_AddArrayToObject(out, "unanswered");
	cJSON *missing = cJSON_AddArrayToObject(out, "missing");
	cJSON *late = cJSON_AddArrayToObject(out, "late");
	cJSON *totals = cJSON_AddObjectToObject(out, "totals");
	long long tot[7] = { 0 };
	cJSON *plist = NULL;
	const char *cur = NULL;

	for (size_t i = 0; i < off->n; i++) {
		const struct officer *o = &off->v[i];
		long long n[7];
		char submitted[32];

		if (!cur || strcmp(cur, o->province)) {
			const struct fl_province *pv = fl_province_find(o->province);
			cJSON *prov = cJSON_CreateObject();
			cur = o->province;
			cJSON_AddStringToObject(prov, "province", o->province);
			cJSON_AddStringToObject(prov, "name", pv ? pv->name : "");
			plist = cJSON_AddArrayToObject(prov, "officers");
			cJSON_AddItemToArray(provinces, prov);
		}
		officer_counts(n, ws, o, w);
		const char *state = report_state(submitted, ws, o, w);
		if (!strcmp(state, "missing"))
			cJSON_AddItemToArray(missing, cJSON_CreateString(o->id));
		else if (!strcmp(state, "late"))
			cJSON_AddItemToArray(late, cJSON_CreateString(o->id));

		cJSON *jo = cJSON_CreateObject();
		cJSON_AddStringToObject(jo, "id", o->id);
		cJSON_AddStringToObject(jo, "name", o->name);
		for (int k = 0; k < 7; k++) {
			cJSON_AddNumberToObject(jo, tot_names[k], (double)n[k]);
			tot[k] += n[k];
		}
		cJSON_AddStringToObject(jo, "report", state);
		cJSON_AddStringToObject(jo, "submitted_at", submitted);
		cJSON_AddItemToArray(plist, jo);
		add_unanswered(unanswered, ws, o, w);
	}
	for (int k = 0; k < 7; k++)
		cJSON_AddNumberToObject(totals, tot_names[k], (double)tot[k]);
	return out;
}

/* One province's table of officers. */
static void print_province(const cJSON *p)
{
	const char *code = fl_json_str(p, "province");
	const cJSON *o;

	printf("\n## %s%s%s%s\n\n", *code ? fl_json_str(p, "name") : "Không rõ tỉnh / Unknown province",
	       *code ? " (" : "", code, *code ? ")" : "");
	printf("| Cán bộ / Officer | Kế hoạch / Planned | Đã làm / Done | Chuyến thăm / Visits"
	       " | Mới / Opened | Kiến nghị / Escalated | Giải quyết / Resolved"
	       " | Được trả lời / Answered | Báo cáo / Report |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(p, "officers")) {
		const char *st = fl_json_str(o, "report");
		char rep[64];
		if (!strcmp(st, "missing"))
			snprintf(rep, sizeof(rep), "**chưa nộp / missing**");
		else if (!strcmp(st, "late"))
			snprintf(rep, sizeof(rep), "**muộn / late** %.16s",
				 fl_json_str(o, "submitted_at"));
		else
			snprintf(rep, sizeof(rep), "%.16s", fl_json_str(o, "submitted_at"));
		printf("| %s (%s) | %lld | %lld | %lld | %lld | %lld | %lld | %lld | %s |\n",
		       fl_json_str(o, "name"), fl_json_str(o, "id"),
		       fl_json_int(o, "planned", 0), fl_json_int(o, "done", 0),
		       fl_json_int(o, "visits", 0), fl_json_int(o, "opened", 0),
		       fl_json_int(o, "escalated", 0), fl_json_int(o, "resolved", 0),
		       fl_json_int(o, "answered", 0), rep);
	}
}

/* A list of officers (missing, late) under its heading. */
static void print_officer_list(struct ws *ws, const char *title, const cJSON *ids)
{
	const cJSON *o;

	printf("\n## %s\n\n", title);
	if (!cJSON_GetArraySize(ids))
		printf(_("(none)\n"));
	cJSON_ArrayForEach(o, ids)
		printf("- %s (%s)\n", officer_name(ws, o->valuestring), o->valuestring);
}

/* The roll-up in Markdown, for people. */
static void print_rollup(struct ws *ws, const cJSON *out, size_t nofficers,
			 const struct week_span *w)
{
	const cJSON *p, *o;
	const cJSON *unanswered = cJSON_GetObjectItemCaseSensitive(out, "unanswered");

	printf("# Tổng hợp tuần %s / Weekly roll-up %s\n\n", w->week, w->week);
	printf("- Tuần / Week: %s – %s\n", w->mon, w->sun);
	printf("- Hạn nộp báo cáo / Reports due: thứ Năm / Thursday %s 23:59 (UTC+07:00)%s\n",
	       w->thu, w->now_t > w->due_t ? "" : " — chưa đến hạn / not yet due");
	printf("- Cán bộ / Officers: %zu\n", nofficers);
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(out, "provinces"))
		print_province(p);
	printf("\n## Tổng / Totals\n\n");
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(out, "totals"))
		printf("- %s: %lld\n", label(o->string), (long long)o->valuedouble);
	printf("\n## Kiến nghị chưa được trả lời / Escalated, not yet answered\n\n");
	if (!cJSON_GetArraySize(unanswered))
		printf(_("(none)\n"));
	cJSON_ArrayForEach(o, unanswered)
		printf(_("- %s — %s [%s], %s, %lld day%s — %s\n"), fl_json_str(o, "title"),
		       officer_name(ws, fl_json_str(o, "officer")), label(fl_json_str(o, "severity")),
		       fl_province_find(fl_json_str(o, "province")) ?
		       fl_province_find(fl_json_str(o, "province"))->name : "?",
		       fl_json_int(o, "age_days", 0), fl_json_int(o, "age_days", 0) == 1 ? "" : "s",
		       short_id(fl_json_str(o, "id")));
	print_officer_list(ws, "Báo cáo tuần chưa nộp / Weekly reports missing",
			   cJSON_GetObjectItemCaseSensitive(out, "missing"));
	print_officer_list(ws, "Nộp muộn / Submitted late",
			   cJSON_GetObjectItemCaseSensitive(out, "late"));
}

int report_weekly(int argc, const char **argv, struct ws *ws)
{
	const char *week = NULL, **pos;
	int json = 0, npos;
	struct opt opts[] = {
		{ "week", OPT_STR, &week, "W", N_("ISO week, e.g. 2025-W37 (default: this week)") },
		{ "json", OPT_BOOL, &json, NULL, N_("print JSON instead of Markdown") },
		OPT_END
	};
	struct officers off = { NULL, 0, 0 };
	struct week_span w;
	char wbuf[9];
	cJSON *out;

	if (report_doc_wanted(argc, argv))
		return report_doc_weekly(argc, argv, ws);
	parse_opts(argc, argv, opts, weekly_usage, &pos, &npos);
	if (npos)
		return usage_error(weekly_usage, "unexpected argument '%s'", pos[0]);
	if (week && !fl_week_valid(week)) {
		if (strlen(week) == 8 && week[4] == '-' && week[5] == 'W')
			return error_exit("week '%s' does not exist (ISO year %.4s has no week %s)",
					  week, week, week + 6);
		return error_exit("'%s' is not an ISO week (YYYY-Www, e.g. 2025-W37)", week);
	}
	week_span_init(&w, week_or_this(wbuf, week));
	gather_officers(&off, ws, w.week);
	out = rollup(ws, &off, &w);
	if (json)
		print_json(out);
	else
		print_rollup(ws, out, off.n, &w);
	cJSON_Delete(out);
	officers_release(&off);
	return EXIT_OK;
}
