/*
 * dashboard-pages.c: the pages under the dashboard's index (dashboard.h):
 * tinh/CODE.html, one per province (its officers' weekly reports and the
 * issues of the week about its communes), and van-de/ID.html, one per
 * issue opened in the week or waiting for the Ministry: what it says now,
 * every version with the fields it changed (the differences `fieldlog
 * diff` shows, from sync/history.c and sync/diff.c) and the responses.
 * Each page is written as soon as it is made, so memory stays that of
 * one page whatever the number of issues.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/dashboard.h"
#include "app/records.h"

#include <stdlib.h>
#include <string.h>

#include "schema/json.h"
#include "schema/record.h"
#include "schema/refdata.h"
#include "sync/diff.h"
#include "sync/history.h"

static void th(struct strbuf *sb, const char *const *heads, size_t n)
{
	strbuf_addstr(sb, "<tr>");
	for (size_t i = 0; i < n; i++)
		dash_elem(sb, "th", _(heads[i]));
	strbuf_addstr(sb, "</tr>\n");
}

static void h2(struct strbuf *sb, const char *text)
{
	dash_elem(sb, "h2", text);
	strbuf_addch(sb, '\n');
}

/* --- a province ------------------------------------------------------------ */

static void province_reports(struct strbuf *sb, struct dash *d, const char *code)
{
	static const char *const heads[] = { "Officer", "Weekly report", "Submitted" };
	int n = 0;

	h2(sb, _("Weekly reports"));
	strbuf_addstr(sb, "<table class=\"reports\">\n");
	th(sb, heads, FL_ARRAY_SIZE(heads));
	for (size_t i = 0; i < d->nofficers; i++) {
		const struct dash_officer *o = &d->officers[i];
		char at[16] = "";
		if (strcmp(o->province, code))
			continue;
		n++;
		if (*o->submitted_at)
			dash_date(at, o->submitted_at);
		strbuf_addf(sb, "<tr data-officer=\"%s\">", o->id);
		dash_elem(sb, "td", o->name);
		dash_elem(sb, "td", !*o->submitted_at ? _("Missing") : o->late ? _("Late") : _("On time"));
		strbuf_addstr(sb, "<td>");
		if (*o->submitted_at)
			strbuf_addf(sb, "%.5s %s", o->submitted_at + 11, at);
		strbuf_addstr(sb, "</td></tr>\n");
	}
	strbuf_addstr(sb, "</table>\n");
	if (!n) {
		strbuf_addstr(sb, "<p>");
		dash_text(sb, _("No officer of this province is expected to report."));
		strbuf_addstr(sb, "</p>\n");
	}
}

static void province_issues(struct strbuf *sb, sqlite3_stmt *st, const char *code)
{
	static const char *const heads[] = { "Issue", "Communes", "Domain", "Severity", "Status",
					     "Officer", "Opened" };
	int n = 0;

	h2(sb, _("Issues of the week"));
	strbuf_addstr(sb, "<table class=\"issues\">\n");
	th(sb, heads, FL_ARRAY_SIZE(heads));
	fl_bind_text(st, ":p", code);
	while (fl_step(st)) {
		char path[64], opened[16];
		n++;
		dash_issue_path(path, fl_col_text(st, 0));
		dash_date(opened, fl_col_text(st, 6));
		strbuf_addf(sb, "<tr data-issue=\"%s\"><td>", fl_col_text(st, 0));
		/* Issues without a page of their own (not of this week, not waiting) are named only. */
		if (sqlite3_column_int(st, 7)) {
			char up[80];
			snprintf(up, sizeof(up), "../%s", path);
			dash_link(sb, up, fl_col_text(st, 1));
		} else {
			dash_text(sb, fl_col_text(st, 1));
		}
		strbuf_addstr(sb, "</td>");
		dash_elem(sb, "td", fl_col_text(st, 8));
		dash_elem(sb, "td", dash_domain(fl_col_text(st, 2)));
		dash_elem(sb, "td", dash_severity(fl_col_text(st, 3)));
		dash_elem(sb, "td", dash_status(fl_col_text(st, 4)));
		dash_elem(sb, "td", fl_col_text(st, 5));
		dash_elem(sb, "td", opened);
		strbuf_addstr(sb, "</tr>\n");
	}
	sqlite3_reset(st);
	strbuf_addstr(sb, "</table>\n");
	if (!n) {
		strbuf_addstr(sb, "<p>");
		dash_text(sb, _("No issue this week."));
		strbuf_addstr(sb, "</p>\n");
	}
}

void dash_province_pages(struct dash *d)
{
	const struct fl_refdata *rd = fl_refdata();
	/*
	 * Waiting first, then the most severe, then the oldest. Driven from
	 * the province's rows of record_communes (its index), not from the
	 * week's issues: 34 scans of 15,000 issues took 0.6 s at 100k.
	 */
	sqlite3_stmt *st = fl_db_prepare(d->ws->db,
		"SELECT i.id, i.title, i.domain, i.severity, i.status,"
		" coalesce(nullif(p.name, ''), i.author), i.created_at, i.page,"
		" group_concat(c.name, ', ')"
		" FROM record_communes rc JOIN dash_issue i ON i.id = rc.id"
		" LEFT JOIN communes c ON c.code = rc.commune LEFT JOIN people p ON p.id = i.author"
		" WHERE rc.province_code = :p GROUP BY i.id"
		" ORDER BY i.status = 'escalated' DESC,"
		" CASE i.severity WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END,"
		" i.created_at, i.id");

	for (size_t p = 0; p < rd->nprovinces && !d->err; p++) {
		struct strbuf sb = STRBUF_INIT;
		char path[32];
		const char *code = rd->provinces[p].code;
		dash_province_path(path, code);
		dash_page_open(&sb, rd->provinces[p].name, "../");
		province_reports(&sb, d, code);
		province_issues(&sb, st, code);
		dash_page_write(d, &sb, path);
		strbuf_release(&sb);
	}
	sqlite3_finalize(st);
}

/* --- an issue ---------------------------------------------------------------- */

/* The label of a field path's top-level field ("comments[01J…].text": Comments). */
static const char *field_label(const char *path)
{
	static const char *const fields[][2] = {
		{ "title", "Title" }, { "description", "Description" }, { "domain", "Domain" },
		{ "communes", "Communes" }, { "severity", "Severity" }, { "status", "Status" },
		{ "actions", "Actions taken" }, { "resolution", "Resolution" },
		{ "escalation", "Escalation" }, { "comments", "Comments" },
	};
	size_t n = strcspn(path, "[.");
	for (size_t i = 0; i < FL_ARRAY_SIZE(fields); i++)
		if (strlen(fields[i][0]) == n && !strncmp(path, fields[i][0], n))
			return _(fields[i][1]);
	return path;
}

/* A changed value as people read it: labels for codes, text as written. */
static void value_text(struct strbuf *sb, const char *path, const cJSON *v)
{
	if (!v || (cJSON_IsString(v) && !*v->valuestring)) {
		strbuf_addstr(sb, "—");
	} else if (cJSON_IsString(v)) {
		const char *s = v->valuestring;
		dash_text(sb, !strcmp(path, "status") ? dash_status(s) :
			      !strcmp(path, "severity") ? dash_severity(s) :
			      !strcmp(path, "domain") ? dash_domain(s) : s);
	} else if (cJSON_IsObject(v) && cJSON_GetObjectItemCaseSensitive(v, "text")) {
		dash_text(sb, fl_json_str(v, "text"));   /* a comment added or removed whole */
	} else {
		char *t = cJSON_PrintUnformatted(v);
		dash_text(sb, t ? t : "");
		free(t);
	}
}

static int load_version(cJSON **out, struct ws *ws, const git_oid *blob)
{
	struct strbuf sb = STRBUF_INIT;
	int e;
	*out = NULL;
	if ((e = fl_store_read_blob(&sb, ws->store, blob, FL_RECORD_MAX)) == 0)
		e = fl_json_parse(out, sb.buf, sb.len);
	strbuf_release(&sb);
	return e;
}

/* The last version read: a version's parent is most often the one before it. */
struct last_version {
	git_oid blob;
	cJSON *rec;
};

/* One version: when, who, and each field it changed (old → new). */
static void issue_version(struct strbuf *sb, struct ws *ws, const struct fl_version *v,
			  struct last_version *last)
{
	struct fl_changes ch = FL_CHANGES_INIT;
	cJSON *a = NULL, *b = NULL;
	int a_is_last = 0;
	char when[32], day[16];

	if (!v->number)
		return;   /* a merge that only reports conflicts writes no version */
	fl_time_format_vn(when, v->when);
	dash_date(day, when);
	strbuf_addf(sb, "<li data-version=\"%d\"><b>", v->number);
	strbuf_addf(sb, _("Version %d"), v->number);
	strbuf_addf(sb, "</b>, %.5s %s, ", when + 11, day);
	dash_text(sb, v->author);
	if (v->has_parent_blob && last->rec && git_oid_equal(&last->blob, &v->parent_blob)) {
		a = last->rec;
		a_is_last = 1;
	}
	if ((v->has_parent_blob && !a && load_version(&a, ws, &v->parent_blob) < 0) ||
	    load_version(&b, ws, &v->blob) < 0) {
		strbuf_addstr(sb, ": ");
		dash_text(sb, fl_last_error());
		fl_clear_error();
		goto out;
	}
	if (!v->has_parent_blob) {
		strbuf_addstr(sb, ": ");
		dash_text(sb, _("created"));
		goto out;
	}
	fl_record_diff(&ch, a, b);
	strbuf_addstr(sb, "<ul class=\"changes\">\n");
	for (size_t i = 0; i < ch.n; i++) {
		strbuf_addstr(sb, "<li><b>");
		dash_text(sb, field_label(ch.v[i].path));
		strbuf_addstr(sb, "</b>: <span class=\"old\">");
		value_text(sb, ch.v[i].path, ch.v[i].old_value);
		strbuf_addstr(sb, "</span> → <span class=\"new\">");
		value_text(sb, ch.v[i].path, ch.v[i].new_value);
		strbuf_addstr(sb, "</span></li>\n");
	}
	strbuf_addstr(sb, "</ul>");
out:
	strbuf_addstr(sb, "</li>\n");
	fl_changes_release(&ch);
	if (!a_is_last)
		cJSON_Delete(a);
	if (b) {
		cJSON_Delete(last->rec);
		last->rec = b;
		last->blob = v->blob;
	}
}

static void issue_history(struct strbuf *sb, struct dash *d, const char *id)
{
	struct fl_history h;
	struct last_version last = { { { 0 } }, NULL };

	memset(&h, 0, sizeof(h));
	h2(sb, _("History"));
	if (fl_history_load(&h, d->ws->store, d->ws->db, d->ws->id, id) < 0) {
		/* Saved but not yet committed, or the history is not here: say so, go on. */
		strbuf_addstr(sb, "<p>");
		dash_text(sb, fl_last_error());
		strbuf_addstr(sb, "</p>\n");
		fl_clear_error();
		goto out;
	}
	strbuf_addstr(sb, "<ol class=\"history\">\n");
	for (size_t i = 0; i < h.n; i++)
		issue_version(sb, d->ws, &h.v[i], &last);
	strbuf_addstr(sb, "</ol>\n");
	cJSON_Delete(last.rec);
out:
	fl_history_release(&h);
}

static void issue_responses(struct strbuf *sb, struct dash *d, const char *id)
{
	cJSON *resp = responses_to(d->ws, id);
	const cJSON *r;

	h2(sb, _("Responses"));
	if (!cJSON_GetArraySize(resp)) {
		strbuf_addstr(sb, "<p>");
		dash_text(sb, _("No response yet."));
		strbuf_addstr(sb, "</p>\n");
	}
	cJSON_ArrayForEach(r, resp) {
		char day[16];
		const char *at = fl_json_str(r, "created_at");
		dash_date(day, at);
		strbuf_addf(sb, "<div class=\"response\" data-response=\"%s\"><p><b>",
			    fl_json_str(r, "id"));
		strbuf_addf(sb, "%.5s %s</b>, ", at + 11, day);
		dash_text(sb, officer_name(d->ws, fl_json_str(r, "author")));
		strbuf_addstr(sb, ": ");
		dash_text(sb, dash_status(fl_json_str(r, "state")));
		strbuf_addstr(sb, "</p><p class=\"text\">");
		dash_text(sb, fl_json_str(r, "text"));
		strbuf_addstr(sb, "</p></div>\n");
	}
	cJSON_Delete(resp);
}

/* The facts of the issue as it stands, then its texts and comments. */
static void issue_now(struct strbuf *sb, const cJSON *rec, const char *officer, const char *status)
{
	static const char *const texts[][2] = {
		{ "description", "Description" }, { "actions", "Actions taken" },
		{ "escalation", "Escalation" }, { "resolution", "Resolution" },
	};
	const cJSON *c;
	char opened[16], changed[16];

	dash_date(opened, fl_json_str(rec, "created_at"));
	dash_date(changed, fl_json_str(rec, "updated_at"));
	strbuf_addstr(sb, "<table class=\"facts\">\n<tr><th>");
	dash_text(sb, _("Communes"));
	strbuf_addstr(sb, "</th><td>");
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(rec, "communes")) {
		const struct fl_commune *cm = cJSON_IsString(c) ? fl_commune_find(c->valuestring) : NULL;
		char href[32];
		if (!cm)
			continue;
		dash_province_path(href, cm->province_code);
		strbuf_addf(sb, "%s%s, <a href=\"../%s\">", c == cJSON_GetObjectItemCaseSensitive(
			    rec, "communes")->child ? "" : "; ", cm->name, href);
		dash_text(sb, dash_province(cm->province_code));
		strbuf_addstr(sb, "</a>");
	}
	strbuf_addstr(sb, "</td></tr>\n");
	const char *rows[][2] = {
		{ _("Officer"), officer }, { _("Domain"), dash_domain(fl_json_str(rec, "domain")) },
		{ _("Severity"), dash_severity(fl_json_str(rec, "severity")) },
		{ _("Status"), dash_status(status) }, { _("Opened"), opened },
		{ _("Last change"), changed },
	};
	for (size_t i = 0; i < FL_ARRAY_SIZE(rows); i++) {
		strbuf_addstr(sb, "<tr>");
		dash_elem(sb, "th", rows[i][0]);
		dash_elem(sb, "td", rows[i][1]);
		strbuf_addstr(sb, "</tr>\n");
	}
	strbuf_addstr(sb, "</table>\n");
	for (size_t i = 0; i < FL_ARRAY_SIZE(texts); i++) {
		const char *t = fl_json_str(rec, texts[i][0]);
		if (!t || !*t)
			continue;
		dash_elem(sb, "h3", _(texts[i][1]));
		strbuf_addstr(sb, "<p class=\"text\">");
		dash_text(sb, t);
		strbuf_addstr(sb, "</p>\n");
	}
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(rec, "comments")))
		dash_elem(sb, "h3", _("Comments"));
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(rec, "comments")) {
		char day[16];
		dash_date(day, fl_json_str(c, "at"));
		strbuf_addf(sb, "<p class=\"text\"><b>%s</b>: ", day);
		dash_text(sb, fl_json_str(c, "text"));
		strbuf_addstr(sb, "</p>\n");
	}
}

void dash_issue_pages(struct dash *d)
{
	sqlite3_stmt *st = fl_db_prepare(d->ws->db,
		"SELECT i.id, r.json, coalesce(nullif(p.name, ''), i.author), i.status"
		" FROM dash_issue i JOIN records r ON r.id = i.id"
		" LEFT JOIN people p ON p.id = i.author WHERE i.page ORDER BY i.id");

	while (!d->err && fl_step(st)) {
		struct strbuf sb = STRBUF_INIT;
		const char *id = fl_col_text(st, 0), *json = fl_col_text(st, 1);
		cJSON *rec = NULL;
		char path[64];

		if (fl_json_parse(&rec, json, strlen(json)) < 0) {
			fl_clear_error();
			continue;
		}
		dash_issue_path(path, id);
		dash_page_open(&sb, fl_json_str(rec, "title"), "../");
		strbuf_addf(&sb, "<p class=\"muted\">%s</p>\n", id);
		issue_now(&sb, rec, fl_col_text(st, 2), fl_col_text(st, 3));
		issue_history(&sb, d, id);
		issue_responses(&sb, d, id);
		dash_page_write(d, &sb, path);
		strbuf_release(&sb);
		cJSON_Delete(rec);
	}
	sqlite3_finalize(st);
}
