/*
 * dashboard-pages.c: the pages under the dashboard's index (dashboard.h):
 * tinh/CODE.html, one per province (its officers' weekly reports and the
 * issues of the week about its communes), and van-de/CODE.html, the
 * issues opened in the week or waiting for the Ministry whose first
 * province is CODE, each in a section of its own that the address
 * van-de/CODE.html#ID shows alone (the style's `:target` rule, no
 * script): what it says now, every version with the fields it changed
 * (dashboard-history.c) and the responses.
 *
 * One file per province rather than per issue: at the 100k profile a
 * week shows 6,955 issues, and creating as many files on the benchmark
 * machine's ext4 takes 1 to 3 s whatever else is done; 34 files take
 * milliseconds. The files of issues are held in memory (14 MB at 100k)
 * until the histories, made on another thread, are ready.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/dashboard.h"
#include "app/records.h"

#include <stdlib.h>
#include <string.h>

#include "schema/json.h"
#include "schema/record.h"
#include "schema/refdata.h"

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

/*
 * An issue in a province's table: a row of province_rows' query, one per
 * commune of the issue in that province, kept to be sorted.
 */
struct prow {
	size_t province;      /* in the reference data */
	int rank;             /* waiting first, then by severity */
	int page;
	char *id, *created_at, *commune, *title, *domain, *severity, *status, *officer, *home;
	char *commune_name;
};

static int prow_cmp(const void *pa, const void *pb)
{
	const struct prow *a = pa, *b = pb;
	int c;
	if (a->province != b->province)
		return a->province < b->province ? -1 : 1;
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	if ((c = strcmp(a->created_at, b->created_at)) || (c = strcmp(a->id, b->id)))
		return c;
	return strcmp(a->commune, b->commune);
}

static void prow_release(struct prow *r)
{
	free(r->id);
	free(r->created_at);
	free(r->commune);
	free(r->title);
	free(r->domain);
	free(r->severity);
	free(r->status);
	free(r->officer);
	free(r->home);
	free(r->commune_name);
}

/* An issue's row; rs[0..n) are its communes in the province, in code order. */
static void province_issue_row(struct strbuf *sb, const struct prow *rs, size_t n)
{
	const struct prow *r = &rs[0];
	char path[80], opened[16];

	dash_issue_path(path, r->home, r->id);
	dash_date(opened, r->created_at);
	strbuf_addstr(sb, "<tr data-issue=\"");
	strbuf_addstr(sb, r->id);
	strbuf_addstr(sb, "\"><td>");
	/* Issues not shown whole (not of this week, not waiting) are named only. */
	if (r->page) {
		char up[96];
		snprintf(up, sizeof(up), "../%s", path);
		dash_link(sb, up, r->title);
	} else {
		dash_text(sb, r->title);
	}
	strbuf_addstr(sb, "</td><td>");
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_addstr(sb, ", ");
		dash_text(sb, rs[i].commune_name);
	}
	strbuf_addstr(sb, "</td>");
	dash_elem(sb, "td", dash_domain(r->domain));
	dash_elem(sb, "td", dash_severity(r->severity));
	dash_elem(sb, "td", dash_status(r->status));
	dash_elem(sb, "td", r->officer);
	dash_elem(sb, "td", opened);
	strbuf_addstr(sb, "</tr>\n");
}

static void province_issues(struct strbuf *sb, const struct strbuf *rows)
{
	static const char *const heads[] = { "Issue", "Communes", "Domain", "Severity", "Status",
					     "Officer", "Opened" };

	h2(sb, _("Issues of the week"));
	strbuf_addstr(sb, "<table class=\"issues\">\n");
	th(sb, heads, FL_ARRAY_SIZE(heads));
	strbuf_add(sb, rows->buf, rows->len);
	strbuf_addstr(sb, "</table>\n");
	if (!rows->len) {
		strbuf_addstr(sb, "<p>");
		dash_text(sb, _("No issue this week."));
		strbuf_addstr(sb, "</p>\n");
	}
}

/* Which province of the reference data `code` is, from *p on; nprovinces when none. */
static size_t province_index(const struct fl_refdata *rd, size_t p, const char *code)
{
	if (p < rd->nprovinces && !strcmp(rd->provinces[p].code, code))
		return p;
	for (p = 0; p < rd->nprovinces && strcmp(rd->provinces[p].code, code); p++)
		;
	return p;
}

/*
 * The rows of every province's issues, in one pass over the week's
 * issues and their communes (100k: 27,600 rows), sorted here: a query
 * per province went through all 100,000 rows of record_communes, and
 * SQLite's GROUP BY and ORDER BY over the wide rows took 1.1 G
 * instructions, a tenth of the whole command.
 */
static struct strbuf *province_rows(struct dash *d)
{
	const struct fl_refdata *rd = fl_refdata();
	struct strbuf *rows = xcalloc(rd->nprovinces, sizeof(*rows));
	struct prow *v = NULL;
	size_t n = 0, alloc = 0, p = 0;
	sqlite3_stmt *st = fl_db_prepare(d->ws->db,
		"SELECT rc.province_code, i.status = 'escalated', i.severity, i.created_at, i.id,"
		" rc.commune, coalesce(c.name, rc.commune), i.title, i.domain, i.status,"
		" coalesce(nullif(p.name, ''), i.author), i.page, i.home"
		" FROM dash_issue i CROSS JOIN record_communes rc ON rc.id = i.id"
		" LEFT JOIN communes c ON c.code = rc.commune LEFT JOIN people p ON p.id = i.author");

	while (fl_step(st)) {
		struct prow *r;
		int sev = fl_enum_index(fl_severities, fl_col_text(st, 2));
		if ((p = province_index(rd, p, fl_col_text(st, 0))) == rd->nprovinces) {
			p = 0;   /* a province the reference data does not know has no page */
			continue;
		}
		FL_ALLOC_GROW(v, n + 1, alloc);
		r = &v[n++];
		r->province = p;
		/* Waiting first, then urgent, high, medium, low. */
		r->rank = (sqlite3_column_int(st, 1) ? 0 : 4) + 3 - (sev < 0 ? 0 : sev);
		r->created_at = xstrdup(fl_col_text(st, 3));
		r->id = xstrdup(fl_col_text(st, 4));
		r->commune = xstrdup(fl_col_text(st, 5));
		r->commune_name = xstrdup(fl_col_text(st, 6));
		r->title = xstrdup(fl_col_text(st, 7));
		r->domain = xstrdup(fl_col_text(st, 8));
		r->severity = xstrdup(fl_col_text(st, 2));
		r->status = xstrdup(fl_col_text(st, 9));
		r->officer = xstrdup(fl_col_text(st, 10));
		r->page = sqlite3_column_int(st, 11);
		r->home = xstrdup(fl_col_text(st, 12));
	}
	sqlite3_finalize(st);
	qsort(v, n, sizeof(*v), prow_cmp);
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && v[j].province == v[i].province && !strcmp(v[j].id, v[i].id); j++)
			;
		province_issue_row(&rows[v[i].province], &v[i], j - i);
	}
	for (size_t i = 0; i < n; i++)
		prow_release(&v[i]);
	free(v);
	return rows;
}

void dash_province_pages(struct dash *d)
{
	const struct fl_refdata *rd = fl_refdata();
	struct strbuf *rows = province_rows(d);

	for (size_t p = 0; p < rd->nprovinces && !d->err; p++) {
		struct strbuf sb = STRBUF_INIT;
		char path[32];
		const char *code = rd->provinces[p].code;
		dash_province_path(path, code);
		dash_page_open(&sb, rd->provinces[p].name, "../");
		province_reports(&sb, d, code);
		province_issues(&sb, &rows[p]);
		dash_page_write(d, &sb, path);
		strbuf_release(&sb);
	}
	for (size_t p = 0; p < rd->nprovinces; p++)
		strbuf_release(&rows[p]);
	free(rows);
}

/* --- an issue ---------------------------------------------------------------- */

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

/*
 * A file of issues, made before the histories are ready: its text with a
 * hole where each issue's history goes, and its list (what it shows with
 * no #ID), which follows the sections.
 */
struct issues_file {
	char home[8];
	struct strbuf sb, list;
	struct hole {
		size_t at;
		char *id;
	} *holes;
	size_t nholes, alloc_holes;
};

struct issues_files {
	struct issues_file *v;
	size_t n, alloc;
};

static struct issues_file *file_start(struct issues_files *fs, const char *home)
{
	struct issues_file *f;
	char *title = xstrfmt(_("Issues in %s"), dash_province(home));
	char path[32];

	FL_ALLOC_GROW(fs->v, fs->n + 1, fs->alloc);
	f = &fs->v[fs->n++];
	memset(f, 0, sizeof(*f));
	strbuf_init(&f->sb);
	strbuf_init(&f->list);
	snprintf(f->home, sizeof(f->home), "%s", home);
	dash_page_head(&f->sb, title, "../");
	strbuf_addstr(&f->list, "<div class=\"list\">\n");
	dash_elem(&f->list, "h1", title);
	strbuf_addch(&f->list, '\n');
	/* Issues of no known province (van-de/khac.html) have no province page. */
	if (fl_province_find(home)) {
		dash_province_path(path, home);
		strbuf_addstr(&f->list, "<p class=\"muted\"><a href=\"../");
		strbuf_addstr(&f->list, path);
		strbuf_addstr(&f->list, "\">");
		dash_text(&f->list, dash_province(home));
		strbuf_addstr(&f->list, "</a></p>\n");
	}
	strbuf_addstr(&f->list, "<ul class=\"issues\">\n");
	free(title);
	return f;
}

/* The sections first, then the list: `:target ~ .list` hides the list. */
static void file_end(struct issues_file *f)
{
	strbuf_addstr(&f->list, "</ul>\n</div>\n");
	strbuf_add(&f->sb, f->list.buf, f->list.len);
	strbuf_release(&f->list);
}

/* Writes the file with each hole filled by its issue's history. */
static void file_write(struct issues_file *f, struct dash *d, const struct dash_histories *hs)
{
	struct strbuf out = STRBUF_INIT;
	char path[32];
	size_t from = 0;

	for (size_t i = 0; i < f->nholes; i++) {
		const char *h = dash_history_html(hs, f->holes[i].id);
		strbuf_add(&out, f->sb.buf + from, f->holes[i].at - from);
		strbuf_addstr(&out, h ? h : "");
		from = f->holes[i].at;
	}
	strbuf_add(&out, f->sb.buf + from, f->sb.len - from);
	dash_issues_file(path, f->home);
	dash_page_write(d, &out, path);
	strbuf_release(&out);
}

static void file_release(struct issues_file *f)
{
	for (size_t i = 0; i < f->nholes; i++)
		free(f->holes[i].id);
	free(f->holes);
	strbuf_release(&f->sb);
	strbuf_release(&f->list);
}

/* One issue: a section of its file (its history a hole), and its line in the list. */
static void issue_section(struct issues_file *f, struct dash *d, sqlite3_stmt *st)
{
	const char *id = fl_col_text(st, 0), *json = fl_col_text(st, 2);
	cJSON *rec = NULL;

	if (fl_json_parse(&rec, json, strlen(json)) < 0) {
		fl_clear_error();
		return;
	}
	strbuf_addstr(&f->sb, "<section class=\"issue\" id=\"");
	strbuf_addstr(&f->sb, id);
	strbuf_addstr(&f->sb, "\">\n");
	dash_elem(&f->sb, "h1", fl_json_str(rec, "title"));
	strbuf_addstr(&f->sb, "\n<p class=\"muted\">");
	strbuf_addstr(&f->sb, id);
	strbuf_addstr(&f->sb, "</p>\n");
	issue_now(&f->sb, rec, fl_col_text(st, 3), fl_col_text(st, 4));
	FL_ALLOC_GROW(f->holes, f->nholes + 1, f->alloc_holes);
	f->holes[f->nholes].at = f->sb.len;
	f->holes[f->nholes++].id = xstrdup(id);
	issue_responses(&f->sb, d, id);
	strbuf_addstr(&f->sb, "</section>\n");

	strbuf_addstr(&f->list, "<li data-issue=\"");
	strbuf_addstr(&f->list, id);
	strbuf_addstr(&f->list, "\"><a href=\"#");
	strbuf_addstr(&f->list, id);
	strbuf_addstr(&f->list, "\">");
	dash_text(&f->list, fl_json_str(rec, "title"));
	strbuf_addstr(&f->list, "</a> (");
	dash_text(&f->list, dash_severity(fl_json_str(rec, "severity")));
	strbuf_addstr(&f->list, ", ");
	dash_text(&f->list, dash_status(fl_col_text(st, 4)));
	strbuf_addstr(&f->list, ")</li>\n");
	cJSON_Delete(rec);
}

/*
 * The files of issues: made from SQLite while the histories are still
 * being made on the other thread, then written once those are ready
 * (the main thread helps with what is left of them in between).
 */
void dash_issue_pages(struct dash *d, struct dash_histories *hs)
{
	struct issues_files fs = { NULL, 0, 0 };
	struct issues_file *f = NULL;
	/* In a file, the order of the province pages: waiting, most severe, oldest. */
	sqlite3_stmt *st = fl_db_prepare(d->ws->db,
		"SELECT i.id, i.home, r.json, coalesce(nullif(p.name, ''), i.author), i.status"
		" FROM dash_issue i JOIN records r ON r.id = i.id"
		" LEFT JOIN people p ON p.id = i.author WHERE i.page"
		" ORDER BY i.home, i.status = 'escalated' DESC,"
		" CASE i.severity WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END,"
		" i.created_at, i.id");

	while (fl_step(st)) {
		if (f && strcmp(f->home, fl_col_text(st, 1))) {
			file_end(f);
			f = NULL;
		}
		if (!f)
			f = file_start(&fs, fl_col_text(st, 1));
		issue_section(f, d, st);
		d->issues++;
	}
	if (f)
		file_end(f);
	sqlite3_finalize(st);
	fl_trace("dashboard: %zu files of issues made", fs.n);
	dash_histories_finish(hs, d);
	fl_trace("dashboard: histories made");
	for (size_t i = 0; i < fs.n; i++) {
		if (!d->err)
			file_write(&fs.v[i], d, hs);
		file_release(&fs.v[i]);
	}
	free(fs.v);
}
