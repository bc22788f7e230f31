/*
 * dashboard.c: `fieldlog dashboard [-o DIR] [--week W] [--weeks N]`, a
 * static site for the Ministry's working group to look at rather than
 * read: for one week, the weekly reports received, late and missing by
 * province; the issues by domain and severity; the escalations waiting
 * for the Ministry, oldest first, with their age; a trend over the weeks
 * before; then a page per province and the issues shown whole, in a file
 * per province (dashboard-pages.c, dashboard-history.c).
 *
 * The site is made to be opened by double-clicking index.html on a desktop
 * with no network: one style sheet inline in every page, charts as SVG
 * written here (svg.c), no script, no font, no link outside the directory
 * and every link relative. Who is expected to report and when a report is
 * late follow `report weekly` (the roster's officers and anyone else who
 * wrote that week; due Thursday 23:59:59 Vietnam time).
 *
 * Speed: every figure is a SQL aggregate over the index, and only the
 * rows a page lists are read; the issues' histories, most of the work,
 * are read from git on a second thread meanwhile (docs/design.md, "The
 * dashboard", has the figures at the 100k profile).
 */
#define _POSIX_C_SOURCE 200809L
#include "app/dashboard.h"
#include "app/records.h"
#include "app/report-doc.h"
#include "app/svg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <git2.h>

#include "schema/record.h"
#include "schema/refdata.h"

/* --- the frame of every page --------------------------------------------- */

static const char style[] =
	"body{font-family:'Times New Roman',Times,serif;font-size:15px;margin:1em auto;"
	"max-width:1100px;padding:0 1em;color:#1a202c}\n"
	"nav{font-size:13px;margin-bottom:.5em}h1{font-size:22px;margin:.2em 0}"
	"h2{font-size:18px;margin:1.2em 0 .4em;border-bottom:1px solid #cbd5e0}\n"
	"table{border-collapse:collapse;margin:.4em 0 1em}th,td{border:1px solid #cbd5e0;"
	"padding:2px 6px;vertical-align:top}th{background:#edf2f7;text-align:left}\n"
	"td.n{text-align:right}tr.total td{font-weight:bold}.muted{color:#4a5568;font-size:13px}\n"
	"svg.chart{max-width:100%;height:auto;display:block;margin:.4em 0}\n"
	"ul.changes{margin:.2em 0 .6em}.old{color:#9b2c2c}.new{color:#276749}\n"
	"p.text{white-space:pre-wrap;margin:.2em 0 .6em}\n"
	/* A file of issues shows the one its address names (#ID), else its list. */
	"section.issue{display:none}section.issue:target{display:block}"
	"section.issue:target~.list{display:none}\n"
	"@media print{nav{display:none}}\n";

/*
 * What doc_escape writes (report-doc.c: markup characters as entities,
 * tab and newline as a space, other control characters dropped), a run
 * of plain bytes at a time: the site escapes 30 MB of text at 100k.
 */
void dash_text(struct strbuf *sb, const char *s)
{
	while (*s) {
		size_t n = 0;
		unsigned char c;
		while ((c = (unsigned char)s[n]) >= 0x20 && c != '&' && c != '<' && c != '>' &&
		       c != '"')
			n++;
		strbuf_add(sb, s, n);
		s += n;
		switch ((unsigned char)*s) {
		case '\0': return;
		case '&': strbuf_addstr(sb, "&amp;"); break;
		case '<': strbuf_addstr(sb, "&lt;"); break;
		case '>': strbuf_addstr(sb, "&gt;"); break;
		case '"': strbuf_addstr(sb, "&quot;"); break;
		case '\t': case '\n': strbuf_addch(sb, ' '); break;
		default: break;
		}
		s++;
	}
}

void dash_elem(struct strbuf *sb, const char *tag, const char *text)
{
	strbuf_addch(sb, '<');
	strbuf_addstr(sb, tag);
	strbuf_addch(sb, '>');
	dash_text(sb, text);
	strbuf_addstr(sb, "</");
	strbuf_addstr(sb, tag);
	strbuf_addch(sb, '>');
}

void dash_link(struct strbuf *sb, const char *href, const char *text)
{
	strbuf_addstr(sb, "<a href=\"");
	dash_text(sb, href);
	strbuf_addstr(sb, "\">");
	dash_text(sb, text);
	strbuf_addstr(sb, "</a>");
}

/* Whether the labels come out in Vietnamese: the catalogue is in use. */
static int vietnamese(void)
{
	static const char probe[] = "Weekly dashboard";
	return _(probe) != probe;
}

void dash_page_head(struct strbuf *sb, const char *title, const char *root)
{
	strbuf_addf(sb, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		    "<title>", vietnamese() ? "vi" : "en");
	doc_escape(sb, title);
	strbuf_addf(sb, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<nav>", style);
	strbuf_addf(sb, "<a href=\"%sindex.html\">", root);
	doc_escape(sb, _("Weekly dashboard"));
	strbuf_addstr(sb, "</a></nav>\n");
}

void dash_page_open(struct strbuf *sb, const char *title, const char *root)
{
	dash_page_head(sb, title, root);
	dash_elem(sb, "h1", title);
	strbuf_addch(sb, '\n');
}

void dash_page_write(struct dash *d, struct strbuf *sb, const char *relpath)
{
	char *path = xstrfmt("%s/%s", d->dir, relpath);
	FILE *f;

	strbuf_addstr(sb, "</body>\n</html>\n");
	if (d->err)
		goto out;
	/* Pages are rewritten in place: the site is made again from the index at will. */
	f = fopen(path, "wb");
	if (f) {
		size_t n = fwrite(sb->buf, 1, sb->len, f);
		int closed = fclose(f);
		if (n == sb->len && closed == 0) {
			d->pages++;
			goto out;
		}
	}
	d->err = fl_error(FL_ERROR, "cannot write '%s': %s", path, strerror(errno));
out:
	free(path);
}

/* --- labels -------------------------------------------------------------- */

void dash_date(char out[16], const char *date)
{
	int y = atoi(date), m = atoi(date + 5), day = atoi(date + 8);
	snprintf(out, 16, "%d/%d/%d", day, m, y);
}

const char *dash_severity(const char *s)
{
	static const char *const en[] = { "Low", "Medium", "High", "Urgent" };
	int i = fl_enum_index(fl_severities, s);
	return i < 0 ? s : _(en[i]);
}

const char *dash_status(const char *s)
{
	static const char *const en[] = { "Open", "In progress", "Resolved",
					  "Escalated to the Ministry", "Answered by the Ministry",
					  "Closed" };
	int i = fl_enum_index(fl_statuses, s);
	return i < 0 ? s : _(en[i]);
}

const char *dash_domain(const char *id)
{
	const struct fl_domain *dm = fl_domain_find(id);
	return !dm ? id : vietnamese() ? dm->label : dm->label_en;
}

const char *dash_province(const char *code)
{
	const struct fl_province *p = code ? fl_province_find(code) : NULL;
	return p ? vi_province_short(p) : _("Unknown province");
}

void dash_province_path(char out[32], const char *code)
{
	snprintf(out, 32, "tinh/%s.html", fl_province_find(code) ? code : "khac");
}

void dash_issues_file(char out[32], const char *home)
{
	snprintf(out, 32, "van-de/%s.html", fl_province_find(home) ? home : "khac");
}

void dash_issue_path(char out[80], const char *home, const char *id)
{
	char file[32];
	dash_issues_file(file, home);
	snprintf(out, 80, "%s#%s", file, id);
}

/* --- the week's figures --------------------------------------------------- */

static void span_init(struct dash *d)
{
	char t[32];
	fl_week_day(d->mon, d->week, 1);
	fl_week_day(d->thu, d->week, 4);
	fl_week_day(d->sun, d->week, 7);
	snprintf(t, sizeof(t), "%sT23:59:59+07:00", d->thu);
	d->due_t = fl_time_parse(t);
	snprintf(t, sizeof(t), "%sT23:59:59+07:00", d->sun);
	d->ref_t = fl_time_parse(t);
	if (fl_time_now_secs() < d->ref_t)
		d->ref_t = fl_time_now_secs();
}

/*
 * The officers expected to report (as report-weekly-doc.c counts them:
 * the roster's officers, and the authors of the week's records who are
 * not in it, placed in the province they write most about) with their
 * latest submission of the week, into d->officers. Authors outside the
 * roster are found on the (author, kind) index, without reading the
 * week's rows (100k: 24,000 of them).
 */
static void load_officers(struct dash *d)
{
	sqlite3_stmt *st = fl_db_prepare(d->ws->db,
		"WITH exp(prov, id, name) AS (" DOC_EXPECTED_OFFICERS_SQL "),"
		" sub(author, at) AS (SELECT author, max(json_extract(json, '$.submitted_at'))"
		"   FROM records WHERE kind = 'report' AND week = :w AND deleted = 0 GROUP BY author)"
		" SELECT e.prov, e.id, e.name, coalesce(s.at, '') FROM exp e"
		" LEFT JOIN sub s ON s.author = e.id ORDER BY e.prov, e.name, e.id");

	fl_bind_text(st, ":w", d->week);
	while (fl_step(st)) {
		struct dash_officer *o;
		FL_ALLOC_GROW(d->officers, d->nofficers + 1, d->alloc_officers);
		o = &d->officers[d->nofficers++];
		o->province = xstrdup(fl_col_text(st, 0));
		o->id = xstrdup(fl_col_text(st, 1));
		o->name = xstrdup(fl_col_text(st, 2));
		o->submitted_at = xstrdup(fl_col_text(st, 3));
		o->late = *o->submitted_at && fl_time_parse(o->submitted_at) > d->due_t;
	}
	sqlite3_finalize(st);
}

void dash_select_issues(struct dash *d)
{
	char *sql = xstrfmt(
		"INSERT INTO dash_issue SELECT r.id, r.author, r.created_at, r.domain, r.severity,"
		" (%s), r.title, 0, NULL FROM records r"
		" WHERE r.kind = 'issue' AND r.deleted = 0 AND substr(r.created_at, 1, 10) <= :sun"
		" AND (r.status NOT IN ('resolved', 'closed') OR r.week = :w"
		"      OR substr(r.updated_at, 1, 10) BETWEEN :mon AND :sun)", effective_status_sql);
	sqlite3_stmt *st;

	fl_db_exec(d->ws->db, "DROP TABLE IF EXISTS temp.dash_issue;"
		   "CREATE TEMP TABLE dash_issue(id TEXT PRIMARY KEY, author TEXT, created_at TEXT,"
		   " domain TEXT, severity TEXT, status TEXT, title TEXT, page INTEGER, home TEXT) WITHOUT ROWID");
	st = fl_db_prepare(d->ws->db, sql);
	fl_bind_text(st, ":w", d->week);
	fl_bind_text(st, ":mon", d->mon);
	fl_bind_text(st, ":sun", d->sun);
	fl_step(st);
	sqlite3_finalize(st);
	free(sql);
	st = fl_db_prepare(d->ws->db, "UPDATE dash_issue SET page = 1, home = coalesce("
			   "(SELECT min(province_code) FROM record_communes WHERE id = dash_issue.id), '')"
			   " WHERE status = 'escalated'"
			   " OR id IN (SELECT id FROM records WHERE kind = 'issue' AND week = :w)");
	fl_bind_text(st, ":w", d->week);
	fl_step(st);
	sqlite3_finalize(st);
}

/* --- the index ------------------------------------------------------------ */

/* A section's heading (its id the index's anchor), and its note when there is one. */
static void section_head(struct strbuf *sb, const char *id, const char *title, const char *note)
{
	strbuf_addf(sb, "<h2 id=\"%s\">", id);
	dash_text(sb, title);
	strbuf_addstr(sb, "</h2>\n");
	if (note) {
		strbuf_addstr(sb, "<p class=\"muted\">");
		dash_text(sb, note);
		strbuf_addstr(sb, "</p>\n");
	}
}

static void th_row(struct strbuf *sb, const char *const *heads, size_t n)
{
	strbuf_addstr(sb, "<tr>");
	for (size_t i = 0; i < n; i++)
		dash_elem(sb, "th", _(heads[i]));
	strbuf_addstr(sb, "</tr>\n");
}

static void td_num(struct strbuf *sb, long long n)
{
	strbuf_addf(sb, "<td class=\"n\">%lld</td>", n);
}

/* Reports received, late and missing: a bar per province, then the table. */
static void index_reports(struct strbuf *sb, struct dash *d)
{
	static const char *const heads[] = { "Province", "Officers", "On time", "Late", "Missing" };
	const struct fl_refdata *rd = fl_refdata();
	size_t np = rd->nprovinces;
	long long *v = xcalloc(np * 3, sizeof(*v)), tot[3] = { 0, 0, 0 };
	const char **labels = xcalloc(np, sizeof(*labels)), **hrefs = xcalloc(np, sizeof(*hrefs));
	const char *series[] = { _("On time"), _("Late"), _("Missing") };
	char (*paths)[32] = xcalloc(np, sizeof(*paths));

	for (size_t i = 0; i < d->nofficers; i++) {
		const struct dash_officer *o = &d->officers[i];
		for (size_t p = 0; p < np; p++)
			if (!strcmp(rd->provinces[p].code, o->province))
				v[p * 3 + (!*o->submitted_at ? 2 : o->late)]++;
	}
	for (size_t p = 0; p < np; p++) {
		labels[p] = vi_province_short(&rd->provinces[p]);
		dash_province_path(paths[p], rd->provinces[p].code);
		hrefs[p] = paths[p];
	}
	struct svg_chart c = { _("Weekly reports by province"), np, 3, labels, hrefs, series, v };
	section_head(sb, "reports", c.title,
		     _("Due on Thursday; a report submitted after Thursday is late."));
	svg_hbars(sb, &c);
	strbuf_addstr(sb, "<table class=\"reports\">\n");
	th_row(sb, heads, FL_ARRAY_SIZE(heads));
	for (size_t p = 0; p < np; p++) {
		strbuf_addf(sb, "<tr data-province=\"%s\"><td>", rd->provinces[p].code);
		dash_link(sb, paths[p], labels[p]);
		strbuf_addstr(sb, "</td>");
		td_num(sb, v[p * 3] + v[p * 3 + 1] + v[p * 3 + 2]);
		for (int k = 0; k < 3; k++) {
			td_num(sb, v[p * 3 + k]);
			tot[k] += v[p * 3 + k];
		}
		strbuf_addstr(sb, "</tr>\n");
	}
	strbuf_addstr(sb, "<tr class=\"total\"><td>");
	dash_text(sb, _("Total"));
	strbuf_addstr(sb, "</td>");
	td_num(sb, tot[0] + tot[1] + tot[2]);
	for (int k = 0; k < 3; k++)
		td_num(sb, tot[k]);
	strbuf_addstr(sb, "</tr>\n</table>\n");
	free(v);
	free(labels);
	free(hrefs);
	free(paths);
}

/* Issues of the week by domain (rows, in the reference order) and severity. */
static void index_domains(struct strbuf *sb, struct dash *d)
{
	const struct fl_refdata *rd = fl_refdata();
	size_t nd = rd->ndomains, ns = 4;
	long long *v = xcalloc(nd * ns, sizeof(*v)), tot[5] = { 0, 0, 0, 0, 0 };
	const char **labels = xcalloc(nd, sizeof(*labels)), *series[4];
	sqlite3_stmt *st = fl_db_prepare(d->ws->db,
		"SELECT domain, severity, count(*) FROM dash_issue GROUP BY domain, severity");

	for (size_t s = 0; s < ns; s++)
		series[s] = dash_severity(fl_severities[s]);
	for (size_t i = 0; i < nd; i++)
		labels[i] = dash_domain(rd->domains[i].id);
	while (fl_step(st)) {
		int s = fl_enum_index(fl_severities, fl_col_text(st, 1));
		for (size_t i = 0; i < nd && s >= 0; i++)
			if (!strcmp(rd->domains[i].id, fl_col_text(st, 0)))
				v[i * ns + (size_t)s] += sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	struct svg_chart c = { _("Issues by domain and severity"), nd, ns, labels, NULL, series, v };
	section_head(sb, "domains", c.title,
		     _("Issues open at the end of the week or settled during it."));
	svg_hbars(sb, &c);
	strbuf_addstr(sb, "<table class=\"domains\">\n<tr><th>");
	dash_text(sb, _("Domain"));
	strbuf_addstr(sb, "</th>");
	for (size_t s = 0; s < ns; s++)
		dash_elem(sb, "th", series[s]);
	dash_elem(sb, "th", _("Total"));
	strbuf_addstr(sb, "</tr>\n");
	for (size_t i = 0; i < nd; i++) {
		long long row = 0;
		strbuf_addf(sb, "<tr data-domain=\"%s\">", rd->domains[i].id);
		dash_elem(sb, "td", labels[i]);
		for (size_t s = 0; s < ns; s++) {
			td_num(sb, v[i * ns + s]);
			row += v[i * ns + s];
			tot[s] += v[i * ns + s];
		}
		td_num(sb, row);
		tot[4] += row;
		strbuf_addstr(sb, "</tr>\n");
	}
	strbuf_addstr(sb, "<tr class=\"total\">");
	dash_elem(sb, "td", _("Total"));
	for (size_t s = 0; s <= ns; s++)
		td_num(sb, tot[s]);
	strbuf_addstr(sb, "</tr>\n</table>\n");
	free(v);
	free(labels);
}

/* The escalations waiting for the Ministry's answer, oldest first, with their age. */
static void index_waiting(struct strbuf *sb, struct dash *d)
{
	static const char *const heads[] = { "Waiting (days)", "Since", "Issue", "Commune",
					     "Officer", "Domain", "Severity", "Escalation" };
	sqlite3_stmt *st = fl_db_prepare(d->ws->db,
		"SELECT d.id, d.created_at, d.title, d.author, d.domain, d.severity,"
		" (SELECT min(commune) FROM record_communes WHERE id = d.id),"
		" coalesce(json_extract(r.json, '$.escalation'), ''), d.home"
		" FROM dash_issue d JOIN records r ON r.id = d.id WHERE d.status = 'escalated'"
		" ORDER BY d.created_at, d.id");
	int n = 0;

	section_head(sb, "waiting", _("Escalations waiting for the Ministry"), NULL);
	strbuf_addstr(sb, "<table class=\"waiting\">\n");
	th_row(sb, heads, FL_ARRAY_SIZE(heads));
	while (fl_step(st)) {
		char since[16], path[80];
		long long age = (d->ref_t - fl_time_parse(fl_col_text(st, 1))) / 86400;
		const char *commune = fl_col_text(st, 6);
		const struct fl_commune *cm = fl_commune_find(commune);

		n++;
		dash_date(since, fl_col_text(st, 1));
		dash_issue_path(path, fl_col_text(st, 8), fl_col_text(st, 0));
		strbuf_addf(sb, "<tr data-issue=\"%s\">", fl_col_text(st, 0));
		td_num(sb, age < 0 ? 0 : age);
		dash_elem(sb, "td", since);
		strbuf_addstr(sb, "<td>");
		dash_link(sb, path, fl_col_text(st, 2));
		strbuf_addstr(sb, "</td><td>");
		if (cm)
			strbuf_addf(sb, "%s, %s", cm->name, dash_province(cm->province_code));
		strbuf_addstr(sb, "</td>");
		dash_elem(sb, "td", officer_name(d->ws, fl_col_text(st, 3)));
		dash_elem(sb, "td", dash_domain(fl_col_text(st, 4)));
		dash_elem(sb, "td", dash_severity(fl_col_text(st, 5)));
		dash_elem(sb, "td", fl_col_text(st, 7));
		strbuf_addstr(sb, "</tr>\n");
	}
	sqlite3_finalize(st);
	strbuf_addstr(sb, "</table>\n");
	if (!n) {
		strbuf_addstr(sb, "<p>");
		dash_text(sb, _("No escalation is waiting for an answer."));
		strbuf_addstr(sb, "</p>\n");
	}
}

/*
 * Adds the rows of st (a week, a count) to column k of v, the weeks
 * being weeks[0..n). One query per series over the whole span: the
 * index's (kind, week) and (kind, status) orders find the rows.
 */
static void week_counts(long long *v, size_t k, sqlite3_stmt *st, char (*weeks)[9], size_t n)
{
	while (fl_step(st)) {
		const char *w = fl_col_text(st, 0);
		char iso[9];
		if (strlen(w) == 10) {   /* a date: its ISO week */
			fl_week_of_date(iso, w);
			w = iso;
		}
		for (size_t i = 0; i < n; i++)
			if (!strcmp(weeks[i], w))
				v[i * 3 + k] += sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
}

/*
 * The trend over the weeks: reports received, issues opened, and issues
 * resolved (settled, with their last change in that week).
 */
static void index_trend(struct strbuf *sb, struct dash *d)
{
	static const char *const sql[] = {
		"SELECT week, count(DISTINCT author) FROM records WHERE kind = 'report'"
		" AND week BETWEEN :first AND :last AND deleted = 0"
		" AND coalesce(json_extract(json, '$.submitted_at'), '') <> '' GROUP BY week",
		"SELECT week, count(*) FROM records WHERE kind = 'issue'"
		" AND week BETWEEN :first AND :last AND deleted = 0 GROUP BY week",
		"SELECT substr(updated_at, 1, 10) AS day, count(*) FROM records WHERE kind = 'issue'"
		" AND status IN ('resolved', 'closed') AND deleted = 0"
		" AND substr(updated_at, 1, 10) BETWEEN :mon AND :sun GROUP BY day",
	};
	size_t n = (size_t)d->nweeks;
	long long *v = xcalloc(n * 3, sizeof(*v));
	char (*weeks)[9] = xcalloc(n, sizeof(*weeks)), (*names)[16] = xcalloc(n, sizeof(*names));
	const char **labels = xcalloc(n, sizeof(*labels));
	const char *series[] = { _("Reports received"), _("Issues opened"), _("Issues resolved") };
	char first_mon[11];

	for (size_t i = 0; i < n; i++) {
		fl_week_add(weeks[i], d->week, (int)i - (int)(n - 1));
		snprintf(names[i], sizeof(names[i]), _("Week %d"), atoi(weeks[i] + 6));
		labels[i] = names[i];
	}
	fl_week_day(first_mon, weeks[0], 1);
	for (size_t k = 0; k < 3; k++) {
		sqlite3_stmt *st = fl_db_prepare(d->ws->db, sql[k]);
		if (k < 2) {
			fl_bind_text(st, ":first", weeks[0]);
			fl_bind_text(st, ":last", d->week);
		} else {
			fl_bind_text(st, ":mon", first_mon);
			fl_bind_text(st, ":sun", d->sun);
		}
		week_counts(v, k, st, weeks, n);
	}
	struct svg_chart c = { _("The weeks before"), n, 3, labels, NULL, series, v };
	section_head(sb, "trend", c.title, NULL);
	svg_trend(sb, &c);
	strbuf_addstr(sb, "<table class=\"trend\">\n<tr>");
	dash_elem(sb, "th", _("Week"));
	for (size_t k = 0; k < 3; k++)
		dash_elem(sb, "th", series[k]);
	strbuf_addstr(sb, "</tr>\n");
	for (size_t i = 0; i < n; i++) {
		char a[16], b[16], mon[11], sun[11];
		fl_week_day(mon, weeks[i], 1);
		fl_week_day(sun, weeks[i], 7);
		dash_date(a, mon);
		dash_date(b, sun);
		strbuf_addf(sb, "<tr data-week=\"%s\"><td>%s (%s – %s)</td>", weeks[i], names[i], a, b);
		for (size_t k = 0; k < 3; k++)
			td_num(sb, v[i * 3 + k]);
		strbuf_addstr(sb, "</tr>\n");
	}
	strbuf_addstr(sb, "</table>\n");
	free(v);
	free(weeks);
	free(names);
	free(labels);
}

/* "Week 37 (8/9/2025 – 14/9/2025)". Caller frees. */
static char *week_title(const struct dash *d)
{
	char a[16], b[16];
	dash_date(a, d->mon);
	dash_date(b, d->sun);
	return xstrfmt(_("Week %d (%s – %s)"), atoi(d->week + 6), a, b);
}

static void write_index(struct dash *d)
{
	struct strbuf sb = STRBUF_INIT;
	char *wt = week_title(d), *title = xstrfmt("%s: %s", _("Weekly dashboard"), wt);
	char now[32], today[16];

	fl_time_now(now);
	dash_date(today, now);
	dash_page_open(&sb, title, "");
	strbuf_addstr(&sb, "<p class=\"muted\">");
	strbuf_addf(&sb, _("Made on %s from the workspace of %s; the trend covers %d weeks."),
		    today, *d->ws->name ? d->ws->name : d->ws->id, d->nweeks);
	strbuf_addstr(&sb, " <a href=\"#reports\">");
	dash_text(&sb, _("Reports"));
	strbuf_addstr(&sb, "</a> · <a href=\"#domains\">");
	dash_text(&sb, _("Issues"));
	strbuf_addstr(&sb, "</a> · <a href=\"#waiting\">");
	dash_text(&sb, _("Escalations"));
	strbuf_addstr(&sb, "</a> · <a href=\"#trend\">");
	dash_text(&sb, _("Trend"));
	strbuf_addstr(&sb, "</a></p>\n");
	index_reports(&sb, d);
	index_domains(&sb, d);
	index_waiting(&sb, d);
	index_trend(&sb, d);
	dash_page_write(d, &sb, "index.html");
	strbuf_release(&sb);
	free(title);
	free(wt);
}

static int make_dirs(const struct dash *d)
{
	static const char *const subs[] = { "", "/tinh", "/van-de" };
	for (size_t i = 0; i < FL_ARRAY_SIZE(subs); i++) {
		char *p = xstrfmt("%s%s", d->dir, subs[i]);
		int e = mkdir(p, 0777) < 0 && errno != EEXIST;
		if (e)
			fl_error(FL_ERROR, "cannot create '%s': %s", p, strerror(errno));
		free(p);
		if (e)
			return FL_ERROR;
	}
	return 0;
}

static void dash_release(struct dash *d)
{
	for (size_t i = 0; i < d->nofficers; i++) {
		free(d->officers[i].province);
		free(d->officers[i].id);
		free(d->officers[i].name);
		free(d->officers[i].submitted_at);
	}
	free(d->officers);
}

int cmd_dashboard(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] = "fieldlog dashboard [-o DIR] [--week W] [--weeks N]";
	const char *week = NULL, *weeks = NULL, *output = NULL, **pos, **args;
	struct opt opts[] = {
		{ "week", OPT_STR, &week, "W", "ISO week to show (default: this week)" },
		{ "weeks", OPT_STR, &weeks, "N", "weeks in the trend, ending with W (default 8)" },
		{ "output", OPT_STR, &output, "DIR", "write the site to DIR (also -o DIR;"
		  " default dashboard-W)" },
		OPT_END
	};
	struct dash d;
	struct dash_histories *hs;
	long long nweeks = 8;
	char wbuf[9];
	int npos, rc = EXIT_OK;

	memset(&d, 0, sizeof(d));
	args = doc_argv(argc, argv);
	parse_opts(argc, args, opts, usage, &pos, &npos);
	free(args);
	if (npos)
		return usage_error(usage, "unexpected argument '%s'", pos[0]);
	if (week && !fl_week_valid(week))
		return error_exit("'%s' is not an ISO week (YYYY-Www)", week);
	if (weeks && parse_number(&nweeks, weeks, "option '--weeks'", 1, 104) < 0)
		return fail();
	d.ws = ws;
	d.nweeks = (int)nweeks;
	snprintf(d.week, sizeof(d.week), "%s", week_or_this(wbuf, week));
	d.dir = output ? output : keep(xstrfmt("dashboard-%s", d.week));
	span_init(&d);
	/* Reading through a map saves a system call per page of index.db (100k: 200,000). */
	fl_db_exec(ws->db, "PRAGMA mmap_size = 1073741824");
	/*
	 * The week's issues (a temporary table) and the sorts of the
	 * province pages' query: 4 MB at 100k, which spilled to a temporary
	 * file out of SQLite's 2 MB page cache.
	 */
	fl_db_exec(ws->db, "PRAGMA temp_store = MEMORY");
	/*
	 * The histories read versions all over the pack: with the store's
	 * 16 MB of pack windows (sync/store.c, sized for a reindex) the 82 MB
	 * pack of the 100k profile was mapped and unmapped 50,000 times.
	 * Each object is read once (every commit and tree of the branches
	 * walked, 140,000 at 100k), so libgit2's object cache only costs:
	 * in its 8 MB it evicted all along (a sixth more instructions), and
	 * a larger one was freed at exit.
	 */
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, (size_t)256 << 20);
	git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0);
	if (make_dirs(&d) < 0)
		return fail();
	hs = dash_histories_start(&d);
	dash_select_issues(&d);
	fl_trace("dashboard: issues selected");
	load_officers(&d);
	fl_trace("dashboard: %zu officers", d.nofficers);
	write_index(&d);
	fl_trace("dashboard: index written");
	dash_province_pages(&d);
	fl_trace("dashboard: province pages written");
	dash_issue_pages(&d, hs);
	dash_histories_free(hs);
	if (d.err) {
		rc = fail();
	} else {
		printf(_("dashboard of week %s: %zu issues on %zu pages in %s; open %s/index.html"),
		       d.week, d.issues, d.pages, d.dir, d.dir);
		putchar('\n');
	}
	dash_release(&d);
	return rc;
}
