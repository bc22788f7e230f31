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
int report_weekly(int argc, const char **argv);

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
	if (o->n == o->alloc) {
		o->alloc = o->alloc ? 2 * o->alloc : 16;
		o->v = xrealloc(o->v, o->alloc * sizeof(*o->v));
	}
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

int report_weekly(int argc, const char **argv)
{
	const char *week = NULL, **pos;
	int json = 0, npos;
	struct opt opts[] = {
		{ "week", OPT_STR, &week, "W", "ISO week, e.g. 2025-W37 (default: this week)" },
		{ "json", OPT_BOOL, &json, NULL, "print JSON instead of Markdown" },
		OPT_END
	};
	struct ws *ws;
	struct officers off = { NULL, 0, 0 };
	char wbuf[9], mon[11], thu[11], sun[11], due[32], now[32];

	if (report_doc_wanted(argc, argv))
		return report_doc_weekly(argc, argv, NULL);
	parse_opts(argc, argv, opts, weekly_usage, &pos, &npos);
	if (npos)
		return usage_error(weekly_usage, "unexpected argument '%s'", pos[0]);
	if (week && !fl_week_valid(week)) {
		if (strlen(week) == 8 && week[4] == '-' && week[5] == 'W')
			return error_exit("week '%s' does not exist (ISO year %.4s has no week %s)",
					  week, week, week + 6);
		return error_exit("'%s' is not an ISO week (YYYY-Www, e.g. 2025-W37)", week);
	}
	fl_time_now(now);
	if (!week) {
		char day[11];
		snprintf(day, sizeof(day), "%.10s", now);
		fl_week_of_date(wbuf, day);
		week = wbuf;
	}
	fl_week_day(mon, week, 1);
	fl_week_day(thu, week, 4);
	fl_week_day(sun, week, 7);
	snprintf(due, sizeof(due), "%sT23:59:59+07:00", thu);
	long long due_t = fl_time_parse(due), now_t = fl_time_now_secs();
	char week_end[32];
	snprintf(week_end, sizeof(week_end), "%sT23:59:59+07:00", sun);
	long long ref_t = fl_time_parse(week_end);
	if (now_t < ref_t)
		ref_t = now_t;

	if (ws_open(&ws, WS_INDEX_ONLY) < 0)
		return fail();
	gather_officers(&off, ws, week);

	cJSON *out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "week", week);
	cJSON_AddStringToObject(out, "from", mon);
	cJSON_AddStringToObject(out, "to", sun);
	cJSON_AddStringToObject(out, "due", due);
	cJSON_AddBoolToObject(out, "due_passed", now_t > due_t);
	cJSON *provinces = cJSON_AddArrayToObject(out, "provinces");
	cJSON *unanswered = cJSON_AddArrayToObject(out, "unanswered");
	cJSON *missing = cJSON_AddArrayToObject(out, "missing");
	cJSON *late = cJSON_AddArrayToObject(out, "late");
	cJSON *totals = cJSON_AddObjectToObject(out, "totals");
	long long tot[8] = { 0 };
	static const char *const tot_names[] = { "planned", "done", "visits", "opened",
						 "escalated", "resolved", "answered" };
	cJSON *prov = NULL, *plist = NULL;
	const char *cur = NULL;

	for (size_t i = 0; i < off.n; i++) {
		const struct officer *o = &off.v[i];
		long long n[7] = { 0 };
		sqlite3_stmt *st;

		if (!cur || strcmp(cur, o->province)) {
			const struct fl_province *pv = fl_province_find(o->province);
			cur = o->province;
			prov = cJSON_CreateObject();
			cJSON_AddStringToObject(prov, "province", o->province);
			cJSON_AddStringToObject(prov, "name", pv ? pv->name : "");
			plist = cJSON_AddArrayToObject(prov, "officers");
			cJSON_AddItemToArray(provinces, prov);
		}

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

		/* The weekly report: on time, late, or missing. */
		const char *state = "missing";
		char submitted[32] = "";
		st = fl_db_stmt(ws->db, "SELECT json_extract(json, '$.submitted_at') FROM records"
				" WHERE kind = 'report' AND author = :a AND week = :w AND deleted = 0"
				" ORDER BY json_extract(json, '$.submitted_at') DESC LIMIT 1");
		bind_week(st, o->id, week, mon, sun);
		if (fl_step(st) && *fl_col_text(st, 0)) {
			snprintf(submitted, sizeof(submitted), "%s", fl_col_text(st, 0));
			state = fl_time_parse(submitted) > due_t ? "late" : "on_time";
		}
		sqlite3_reset(st);
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

		/* Escalated issues nobody has answered yet, as of the week. */
		char *sql = xstrfmt("SELECT r.id, r.title, r.created_at, r.severity FROM records r"
				    " WHERE r.kind = 'issue' AND r.author = :a AND r.deleted = 0"
				    " AND substr(r.created_at, 1, 10) <= :sun AND (%s) = 'escalated'"
				    " ORDER BY r.created_at, r.id", effective_status_sql);
		st = fl_db_prepare(ws->db, sql);
		free(sql);
		bind_week(st, o->id, week, mon, sun);
		while (fl_step(st)) {
			long long age = (ref_t - fl_time_parse(fl_col_text(st, 2))) / 86400;
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
	for (int k = 0; k < 7; k++)
		cJSON_AddNumberToObject(totals, tot_names[k], (double)tot[k]);

	if (json) {
		print_json(out);
	} else {
		const cJSON *p, *o;
		printf("# Tổng hợp tuần %s / Weekly roll-up %s\n\n", week, week);
		printf("- Tuần / Week: %s – %s\n", mon, sun);
		printf("- Hạn nộp báo cáo / Reports due: thứ Năm / Thursday %s 23:59 (UTC+07:00)%s\n",
		       thu, now_t > due_t ? "" : " — not yet due");
		printf("- Cán bộ / Officers: %zu\n", off.n);
		cJSON_ArrayForEach(p, provinces) {
			const char *code = fl_json_str(p, "province");
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
		printf("\n## Tổng / Totals\n\n");
		cJSON_ArrayForEach(o, totals)
			printf("- %s: %lld\n", o->string, (long long)o->valuedouble);
		printf("\n## Kiến nghị chưa được trả lời / Escalated, not yet answered\n\n");
		if (!cJSON_GetArraySize(unanswered))
			printf("(none)\n");
		cJSON_ArrayForEach(o, unanswered)
			printf("- %s — %s [%s], %s, %lld day%s — %s\n", fl_json_str(o, "title"),
			       officer_name(ws, fl_json_str(o, "officer")), fl_json_str(o, "severity"),
			       fl_province_find(fl_json_str(o, "province")) ?
			       fl_province_find(fl_json_str(o, "province"))->name : "?",
			       fl_json_int(o, "age_days", 0), fl_json_int(o, "age_days", 0) == 1 ? "" : "s",
			       short_id(fl_json_str(o, "id")));
		printf("\n## Báo cáo tuần chưa nộp / Weekly reports missing\n\n");
		if (!cJSON_GetArraySize(missing))
			printf("(none)\n");
		cJSON_ArrayForEach(o, missing)
			printf("- %s (%s)\n", officer_name(ws, o->valuestring), o->valuestring);
		printf("\n## Nộp muộn / Submitted late\n\n");
		if (!cJSON_GetArraySize(late))
			printf("(none)\n");
		cJSON_ArrayForEach(o, late)
			printf("- %s (%s)\n", officer_name(ws, o->valuestring), o->valuestring);
	}
	cJSON_Delete(out);
	officers_release(&off);
	ws_close(ws);
	return EXIT_OK;
}
