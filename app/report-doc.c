/*
 * report-doc.c: the weekly report as the document an officer sends
 * (`fieldlog report week --format docx|html`), the same document rebuilt
 * from a submitted report (`report show ID --format docx|html`), and the
 * unit line it carries (`report unit`).
 *
 * The body is made in two steps. First the week's records become four
 * section texts, one per section of the report (I. Công tác đã thực hiện,
 * II. Khó khăn, vướng mắc, III. Kiến nghị, đề xuất, IV. Kế hoạch tuần tới),
 * in Vietnamese with labels for every code. Then the texts become the
 * document model (report-doc.h) that docx.c and report-html.c write.
 * `report submit` keeps those texts, with the header's parts, in the
 * report record (fields unit, place, subject, signer, sections), so a
 * reviewer's copy is made from the record alone and is the same document
 * the officer saw, whatever the reviewer's index holds.
 *
 * A section text is one paragraph a line; a line's start says its kind:
 * "## " a sub-heading, "- " an item, "  " a line under an item, anything
 * else a paragraph. Record text is made one line before it is placed
 * after such a prefix, so a user's text never starts a line.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/entry.h"
#include "app/report-doc.h"
#include "app/records.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "schema/json.h"
#include "schema/record.h"
#include "schema/refdata.h"

/* --- the model --------------------------------------------------------------- */

void doc_init(struct doc *d)
{
	memset(d, 0, sizeof(*d));
}

void doc_release(struct doc *d)
{
	free(d->agency);
	free(d->unit);
	free(d->number);
	free(d->place_date);
	free(d->title);
	free(d->subject);
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].text);
	free(d->v);
	strlist_release(&d->recipients);
	free(d->signer_title);
	free(d->signer);
	memset(d, 0, sizeof(*d));
}

/* Newlines, carriage returns and tabs to single spaces, in place. */
static char *one_line(char *s)
{
	char *w = s;
	int space = 0;
	for (char *r = s; *r; r++) {
		if (*r == '\n' || *r == '\r' || *r == '\t') {
			space = 1;
			continue;
		}
		if (space && w > s)
			*w++ = ' ';
		space = 0;
		*w++ = *r;
	}
	*w = '\0';
	return s;
}

static void doc_push(struct doc *d, enum doc_kind kind, char *text)
{
	if (d->n == d->alloc) {
		d->alloc = d->alloc ? 2 * d->alloc : 32;
		d->v = xrealloc(d->v, d->alloc * sizeof(*d->v));
	}
	d->v[d->n].kind = kind;
	d->v[d->n].text = text;
	d->n++;
}

void doc_add(struct doc *d, enum doc_kind kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *t = xstrvfmt(fmt, ap);
	va_end(ap);
	doc_push(d, kind, one_line(t));
}

void doc_add_row(struct doc *d, int head, const char *cells)
{
	char *t = xstrdup(cells);
	for (char *p = t; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	doc_push(d, head ? DOC_ROW_HEAD : DOC_ROW, t);
}

int doc_write(const struct doc *d, const char *format, const char *path)
{
	if (!strcmp(format, "docx"))
		return docx_write(d, path);

	struct strbuf sb = STRBUF_INIT;
	int e = 0;
	html_write(&sb, d);
	if (!strcmp(path, "-")) {
		fwrite(sb.buf, 1, sb.len, stdout);
	} else {
		char *tmp = xstrfmt("%s.tmp", path);
		FILE *f = fopen(tmp, "wb");
		if (!f || fwrite(sb.buf, 1, sb.len, f) != sb.len || fclose(f) != 0 ||
		    rename(tmp, path) < 0) {
			e = fl_error(FL_ERROR, "cannot write '%s'", path);
			remove(tmp);
		}
		free(tmp);
	}
	strbuf_release(&sb);
	return e;
}

/* --- Vietnamese labels ----------------------------------------------------- */

const char *vi_severity(const char *s)
{
	static const char *const vi[] = { "Thấp", "Trung bình", "Cao", "Khẩn cấp" };
	int i = fl_enum_index(fl_severities, s);
	return i < 0 ? s : vi[i];
}

const char *vi_status(const char *s)
{
	static const char *const vi[] = { "Mới phát sinh", "Đang xử lý", "Đã giải quyết",
					  "Đã kiến nghị Bộ", "Bộ đã trả lời", "Đã kết thúc" };
	int i = fl_enum_index(fl_statuses, s);
	return i < 0 ? s : vi[i];
}

const char *vi_domain(const char *id)
{
	const struct fl_domain *d = fl_domain_find(id);
	return d ? d->label : id;
}

const char *vi_commune(const char *code)
{
	const struct fl_commune *c = fl_commune_find(code);
	return c ? c->name : code;
}

/* "Thứ Hai" ... "Chủ nhật" for ISO weekday 1..7 of date. */
const char *vi_weekday(const char *date)
{
	static const char *const vi[] = { "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm",
					  "Thứ Sáu", "Thứ Bảy", "Chủ nhật" };
	long days = fl_date_days(date);   /* 1970-01-01 was a Thursday */
	long wd = ((days + 3) % 7 + 7) % 7;
	return vi[wd];
}

/* "08/9" from YYYY-MM-DD (day with two digits, month without), with the year: "08/9/2025". */
void vi_day_month(char out[16], const char *date, int year)
{
	int y = atoi(date), m = atoi(date + 5), d = atoi(date + 8);
	if (year)
		snprintf(out, 16, "%02d/%d/%d", d, m, y);
	else
		snprintf(out, 16, "%02d/%d", d, m);
}

/*
 * "ngày 11 tháng 9 năm 2025": the decree writes days below 10 and the
 * months January and February with a leading zero (ngày 05 tháng 02).
 */
char *vi_date_words(const char *date)
{
	int y = atoi(date), m = atoi(date + 5), d = atoi(date + 8);
	return xstrfmt("ngày %02d tháng %s%d năm %d", d, m < 3 ? "0" : "", m, y);
}

/* "Hà Tĩnh" from "Tỉnh Hà Tĩnh", "Hà Nội" from "Thành phố Hà Nội". */
const char *vi_province_short(const struct fl_province *p)
{
	static const char *const prefixes[] = { "Tỉnh ", "Thành phố " };
	for (size_t i = 0; i < FL_ARRAY_SIZE(prefixes); i++)
		if (!strncmp(p->name, prefixes[i], strlen(prefixes[i])))
			return p->name + strlen(prefixes[i]);
	return p->name;
}

/* "Kết quả công tác tuần 37 (08/9 – 14/9/2025) tại tỉnh Hà Tĩnh". Caller frees. */
static char *subject_of(const char *week, const struct fl_province *p)
{
	char mon[11], sun[11], a[16], b[16];
	fl_week_day(mon, week, 1);
	fl_week_day(sun, week, 7);
	vi_day_month(a, mon, strncmp(mon, sun, 4) != 0);
	vi_day_month(b, sun, 1);
	char *s = xstrfmt("Kết quả công tác tuần %d (%s – %s)", atoi(week + 6), a, b);
	if (p) {
		char *t = xstrfmt("%s tại %s %s", s, p->type, vi_province_short(p));
		free(s);
		s = t;
	}
	return s;
}

/* --- the week as section texts --------------------------------------------- */

enum { SEC_DONE, SEC_PROBLEMS, SEC_PROPOSALS, SEC_PLAN, NSECTIONS };

static const char *const section_titles[NSECTIONS] = {
	"I. CÔNG TÁC ĐÃ THỰC HIỆN", "II. KHÓ KHĂN, VƯỚNG MẮC", "III. KIẾN NGHỊ, ĐỀ XUẤT",
	"IV. KẾ HOẠCH TUẦN TỚI"
};

/* Appends one line: prefix, then the formatted text made one line. */
static void line(struct strbuf *sb, const char *prefix, const char *fmt, ...) FL_PRINTF(3, 4);
static void line(struct strbuf *sb, const char *prefix, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *t = xstrvfmt(fmt, ap);
	va_end(ap);
	strbuf_addstr(sb, prefix);
	strbuf_addstr(sb, one_line(t));
	strbuf_addch(sb, '\n');
	free(t);
}

static cJSON *query(struct ws *ws, const char *sql, const char *week, const char *mon,
		    const char *sun)
{
	sqlite3_stmt *st = fl_db_stmt(ws->db, sql);
	fl_bind_text(st, ":me", ws->id);
	if (sqlite3_bind_parameter_index(st, ":week"))
		fl_bind_text(st, ":week", week);
	if (sqlite3_bind_parameter_index(st, ":mon"))
		fl_bind_text(st, ":mon", mon);
	if (sqlite3_bind_parameter_index(st, ":sun"))
		fl_bind_text(st, ":sun", sun);
	return json_rows(st);
}

/* The entries of this officer's schedules of week, by date. A new array. */
static cJSON *schedule_entries(struct ws *ws, const char *week)
{
	cJSON *scheds = query(ws, "SELECT json FROM records WHERE kind = 'schedule'"
			      " AND author = :me AND week = :week AND deleted = 0 ORDER BY id",
			      week, NULL, NULL);
	cJSON *out = cJSON_CreateArray();
	const cJSON *r, *e;
	cJSON_ArrayForEach(r, scheds)
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(r, "entries"))
			cJSON_AddItemToArray(out, cJSON_Duplicate(e, 1));
	cJSON_Delete(scheds);
	/* Insertion sort by date: a week holds a few dozen entries. */
	int n = cJSON_GetArraySize(out);
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0; j--) {
			cJSON *a = cJSON_GetArrayItem(out, j - 1), *b = cJSON_GetArrayItem(out, j);
			if (strcmp(fl_json_str(a, "date"), fl_json_str(b, "date")) <= 0)
				break;
			cJSON_DetachItemViaPointer(out, b);
			cJSON_InsertItemInArray(out, j - 1, b);
		}
	return out;
}

static void section_done(struct strbuf *sb, struct ws *ws, const char *week,
			 const char *summary)
{
	cJSON *entries = schedule_entries(ws, week);
	cJSON *visits = query(ws, "SELECT json FROM records WHERE kind = 'visit' AND author = :me"
			      " AND week = :week AND deleted = 0 ORDER BY date, id", week, NULL, NULL);
	const cJSON *e, *f;
	char d[16];

	if (summary && *summary)
		line(sb, "", "%s", summary);
	line(sb, "## ", "1. Thực hiện lịch công tác");
	if (!cJSON_GetArraySize(entries))
		line(sb, "", "Không có lịch công tác trong tuần.");
	cJSON_ArrayForEach(e, entries) {
		const char *state = fl_json_str(e, "state"), *note = fl_json_str(e, "note");
		vi_day_month(d, fl_json_str(e, "date"), 0);
		const char *what = !strcmp(state, "done") ? "đã thực hiện" :
				   !strcmp(state, "cancelled") ? "không thực hiện" : "chưa thực hiện";
		line(sb, "- ", "%s %s, %s: %s — %s%s%s.", vi_weekday(fl_json_str(e, "date")), d,
		     entry_where_vi(e), fl_json_str(e, "activity"), what,
		     *note ? (!strcmp(state, "cancelled") ? "; lý do: " : "; ghi chú: ") : "", note);
	}
	line(sb, "## ", "2. Làm việc tại cơ sở");
	if (!cJSON_GetArraySize(visits))
		line(sb, "", "Không có chuyến làm việc tại cơ sở trong tuần.");
	cJSON_ArrayForEach(e, visits) {
		vi_day_month(d, fl_json_str(e, "date"), 1);
		line(sb, "- ", "Ngày %s, %s: %s", d, vi_commune(fl_json_str(e, "commune")),
		     fl_json_str(e, "summary"));
		if (*fl_json_str(e, "met"))
			line(sb, "  ", "Làm việc với: %s", fl_json_str(e, "met"));
		cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(e, "findings"))
			line(sb, "  ", "Kết quả, phát hiện: %s", f->valuestring);
	}
	cJSON_Delete(entries);
	cJSON_Delete(visits);
}

/*
 * The officer's issues that matter this week: opened by its end, and not
 * settled before it began (resolved or closed ones only when that
 * happened during the week).
 */
static cJSON *week_issues(struct ws *ws, const char *week, const char *mon, const char *sun)
{
	return query(ws, "SELECT json FROM records WHERE kind = 'issue' AND author = :me"
		     " AND deleted = 0 AND substr(created_at, 1, 10) <= :sun"
		     " AND (status NOT IN ('resolved', 'closed') OR week = :week"
		     "      OR substr(updated_at, 1, 10) BETWEEN :mon AND :sun)"
		     " ORDER BY created_at, id", week, mon, sun);
}

static void section_problems(struct strbuf *sb, struct ws *ws, const cJSON *issues)
{
	const struct fl_refdata *rd = fl_refdata();
	int group = 0;

	if (!cJSON_GetArraySize(issues)) {
		line(sb, "", "Trong tuần không phát sinh khó khăn, vướng mắc.");
		return;
	}
	/* Grouped by domain, in the order of schema/domains.csv. */
	for (size_t k = 0; k < rd->ndomains; k++) {
		const char *dom = rd->domains[k].id;
		const cJSON *r, *c;
		int any = 0;
		cJSON_ArrayForEach(r, issues) {
			if (strcmp(fl_json_str(r, "domain"), dom))
				continue;
			if (!any++)
				line(sb, "## ", "%d. Lĩnh vực %s", ++group, vi_domain(dom));
			struct strbuf where = STRBUF_INIT;
			cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(r, "communes"))
				strbuf_addf(&where, "%s%s", where.len ? ", " : "",
					    vi_commune(c->valuestring));
			cJSON *resp = responses_to(ws, fl_json_str(r, "id"));
			line(sb, "- ", "%s (%s)", fl_json_str(r, "title"), where.buf);
			line(sb, "  ", "Mức độ: %s; trạng thái: %s.",
			     vi_severity(fl_json_str(r, "severity")),
			     vi_status(effective_status(r, resp)));
			if (*fl_json_str(r, "description"))
				line(sb, "  ", "Nội dung: %s", fl_json_str(r, "description"));
			if (*fl_json_str(r, "actions"))
				line(sb, "  ", "Biện pháp đã thực hiện: %s", fl_json_str(r, "actions"));
			if (*fl_json_str(r, "resolution"))
				line(sb, "  ", "Kết quả giải quyết: %s", fl_json_str(r, "resolution"));
			cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(r, "comments")) {
				char d[16];
				vi_day_month(d, fl_json_str(c, "at"), 1);
				line(sb, "  ", "Ý kiến (%s, %s): %s",
				     officer_name(ws, fl_json_str(c, "author")), d, fl_json_str(c, "text"));
			}
			cJSON_Delete(resp);
			strbuf_release(&where);
		}
	}
}

static void section_proposals(struct strbuf *sb, struct ws *ws, const cJSON *issues)
{
	const cJSON *r, *x;
	int any = 0;

	cJSON_ArrayForEach(r, issues) {
		const char *own = fl_json_str(r, "status");
		if (strcmp(own, "escalated") && strcmp(own, "answered") &&
		    !*fl_json_str(r, "escalation"))
			continue;
		any++;
		cJSON *resp = responses_to(ws, fl_json_str(r, "id"));
		line(sb, "- ", "%s: %s", fl_json_str(r, "title"),
		     *fl_json_str(r, "escalation") ? fl_json_str(r, "escalation") :
		     "đề nghị Bộ xem xét, hướng dẫn.");
		if (!cJSON_GetArraySize(resp))
			line(sb, "  ", "Trả lời của Bộ: chưa có.");
		cJSON_ArrayForEach(x, resp) {
			char d[16];
			vi_day_month(d, fl_json_str(x, "created_at"), 1);
			line(sb, "  ", "Trả lời của Bộ (%s, %s): %s",
			     officer_name(ws, fl_json_str(x, "author")), d, fl_json_str(x, "text"));
		}
		cJSON_Delete(resp);
	}
	if (!any)
		line(sb, "", "Không có kiến nghị trong tuần.");
}

static void section_plan(struct strbuf *sb, struct ws *ws, const char *week)
{
	char next[9], d[16];
	const cJSON *e;

	fl_week_add(next, week, 1);
	cJSON *entries = schedule_entries(ws, next);
	if (!cJSON_GetArraySize(entries))
		line(sb, "", "Chưa lập lịch công tác tuần tới.");
	cJSON_ArrayForEach(e, entries) {
		if (!strcmp(fl_json_str(e, "state"), "cancelled"))
			continue;
		vi_day_month(d, fl_json_str(e, "date"), 0);
		line(sb, "- ", "%s %s, %s: %s.", vi_weekday(fl_json_str(e, "date")), d,
		     entry_where_vi(e), fl_json_str(e, "activity"));
	}
	cJSON_Delete(entries);
}

/*
 * A section text fits a record's long-text field (FL_TEXT_MAX bytes): a
 * longer one is cut at a line's end, and says so.
 */
static char *section_fit(struct strbuf *sb)
{
	static const char cut[] = "(Còn tiếp: xem chi tiết trong fieldlog.)\n";
	if (sb->len > FL_TEXT_MAX) {
		size_t keep = FL_TEXT_MAX - sizeof(cut);
		while (keep > 0 && sb->buf[keep - 1] != '\n')
			keep--;
		strbuf_setlen(sb, keep);
		strbuf_addstr(sb, cut);
	}
	/* A record's text ends without a newline. */
	while (sb->len && sb->buf[sb->len - 1] == '\n')
		strbuf_setlen(sb, sb->len - 1);
	return strbuf_detach(sb, NULL);
}

/* The four section texts of this officer's week into out[] (caller frees each). */
static void week_sections(char *out[NSECTIONS], struct ws *ws, const char *week,
			  const char *summary)
{
	struct strbuf sb[NSECTIONS] = { STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT };
	char mon[11], sun[11];

	fl_week_day(mon, week, 1);
	fl_week_day(sun, week, 7);
	cJSON *issues = week_issues(ws, week, mon, sun);
	section_done(&sb[SEC_DONE], ws, week, summary);
	section_problems(&sb[SEC_PROBLEMS], ws, issues);
	section_proposals(&sb[SEC_PROPOSALS], ws, issues);
	section_plan(&sb[SEC_PLAN], ws, week);
	cJSON_Delete(issues);
	for (int i = 0; i < NSECTIONS; i++)
		out[i] = section_fit(&sb[i]);
}

/* --- the document ---------------------------------------------------------- */

/* The parts of a report document that are not its body: what a record keeps. */
struct report_parts {
	const char *unit, *place, *subject, *signer, *date;
	const char *sections[NSECTIONS];
};

static void add_section_text(struct doc *d, const char *text)
{
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *l = xstrndup(p, len);
		if (!strncmp(l, "## ", 3))
			doc_add(d, DOC_SUBHEADING, "%s", l + 3);
		else if (!strncmp(l, "- ", 2))
			doc_add(d, DOC_BULLET, "%s", l + 2);
		else if (!strncmp(l, "  ", 2))
			doc_add(d, DOC_DETAIL, "%s", l + 2);
		else if (*l)
			doc_add(d, DOC_PARA, "%s", l);
		free(l);
		p += len + (nl != NULL);
	}
}

/* Fills the header block and the closing parts every report shares. */
void doc_frame(struct doc *d, const char *unit, const char *place, const char *date,
		      const char *subject, const char *signer)
{
	char *words = vi_date_words(date);
	d->agency = xstrdup("BỘ NỘI VỤ");
	d->unit = xstrdup(unit && *unit ? unit : "……………………");
	d->number = xstrdup("Số: …/BC-…");
	d->place_date = place && *place ? xstrfmt("%s, %s", place, words) : xstrdup(words);
	d->title = xstrdup("BÁO CÁO");
	d->subject = xstrdup(subject);
	d->signer_title = xstrdup("NGƯỜI BÁO CÁO");
	d->signer = xstrdup(signer);
	free(words);
}

static void doc_from_parts(struct doc *d, const struct report_parts *p)
{
	doc_frame(d, p->unit, p->place, p->date, p->subject, p->signer);
	for (int i = 0; i < NSECTIONS; i++) {
		doc_add(d, DOC_HEADING, "%s", section_titles[i]);
		add_section_text(d, p->sections[i] && *p->sections[i] ? p->sections[i] :
				 "Không có nội dung.");
	}
	strlist_add(&d->recipients, "- Bộ Nội vụ (Tổ công tác);");
	if (p->place && *p->place) {
		char *s = xstrfmt("- Sở Nội vụ %s;", p->place);
		strlist_add(&d->recipients, s);
		free(s);
	}
	strlist_add(&d->recipients, "- Lưu: VT.");
}

static const char *ws_unit(struct ws *ws)
{
	const char *u = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ws->config, "unit"));
	return u && *u ? u : NULL;
}

void report_doc_fill(struct ws *ws, cJSON *rec, const char *week, const char *summary)
{
	const struct fl_province *p = fl_province_find(ws->province);
	char *sections[NSECTIONS];
	char *subject = subject_of(week, p);
	const char *unit = ws_unit(ws);

	if (!summary || !*summary)
		summary = fl_json_str(rec, "summary");
	week_sections(sections, ws, week, summary);
	/* Empty parts stay out of the record (schema/record.c: present means not empty). */
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "unit");
	if (unit)
		fl_json_set_str(rec, "unit", unit);
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "place");
	if (p)
		fl_json_set_str(rec, "place", vi_province_short(p));
	fl_json_set_str(rec, "subject", subject);
	fl_json_set_str(rec, "signer", *ws->name ? ws->name : ws->id);
	cJSON *arr = cJSON_CreateArray();
	for (int i = 0; i < NSECTIONS; i++) {
		cJSON_AddItemToArray(arr, cJSON_CreateString(sections[i]));
		free(sections[i]);
	}
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "sections");
	cJSON_AddItemToObject(rec, "sections", arr);
	fl_record_order(rec);
	free(subject);
}

/* --- commands ---------------------------------------------------------------- */

int report_doc_wanted(int argc, const char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *v = NULL;
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--format") && i + 1 < argc)
			v = argv[i + 1];
		else if (!strncmp(argv[i], "--format=", 9))
			v = argv[i] + 9;
		if (v && (!strcmp(v, "docx") || !strcmp(v, "html")))
			return 1;
	}
	return 0;
}

/* argv with -o FILE spelled --output FILE for parse_opts. Caller frees the array. */
const char **doc_argv(int argc, const char **argv)
{
	const char **args = xcalloc((size_t)argc + 1, sizeof(char *));
	for (int i = 0, dd = 0; i < argc; i++) {
		args[i] = argv[i];
		if (i == 0 || dd)
			continue;
		if (!strcmp(argv[i], "--"))
			dd = 1;
		else if (!strcmp(argv[i], "-o"))
			args[i] = "--output";
		else if (!strncmp(argv[i], "-o", 2) && argv[i][2] != '-')
			args[i] = keep(xstrfmt("--output=%s", argv[i] + 2));
	}
	return args;
}

int doc_check_format(const char *format)
{
	if (!format || (strcmp(format, "docx") && strcmp(format, "html")))
		return error_exit("unknown format '%s' (docx, html)", format ? format : "");
	return 0;
}

/* Writes d and says where; the file name defaults to `base`.FORMAT. */
int doc_write_and_say(const struct doc *d, const char *format, const char *output,
			 const char *base)
{
	char *path = output ? xstrdup(output) : xstrfmt("%s.%s", base, format);
	int rc = EXIT_OK;
	if (!strcmp(format, "docx") && !strcmp(path, "-"))
		rc = error_exit("a .docx is written to a file: give '-o FILE'");
	else if (doc_write(d, format, path) < 0)
		rc = fail();
	else if (strcmp(path, "-"))
		printf("%s\n", path);
	free(path);
	return rc;
}

int doc_week_args(const char **week, char wbuf[9], char now[32], const char **pos, int npos,
		  const char *format, const char *usage)
{
	int rc;

	if (npos > 1 || (npos == 1 && *week))
		return usage_error(usage, "unexpected argument '%s'", pos[npos - 1]);
	if (npos == 1)
		*week = pos[0];
	if ((rc = doc_check_format(format)) != 0)
		return rc;
	if (*week && !fl_week_valid(*week))
		return error_exit("'%s' is not an ISO week (YYYY-Www)", *week);
	fl_time_now(now);
	if (!*week) {
		char day[11];
		snprintf(day, sizeof(day), "%.10s", now);
		fl_week_of_date(wbuf, day);
		*week = wbuf;
	}
	return 0;
}

int report_doc_week(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] =
		"fieldlog report week [WEEK] --format docx|html [-o FILE] [--summary TEXT]";
	const char *week = NULL, *format = NULL, *output = NULL, *summary = NULL, **pos;
	int npos, rc;
	struct opt opts[] = {
		{ "week", OPT_STR, &week, "W", N_("ISO week (default: this week)") },
		{ "format", OPT_STR, &format, "FMT", N_("docx or html") },
		{ "output", OPT_STR, &output, "FILE",
		  N_("write to FILE (also -o FILE; '-' for html: stdout)") },
		{ "summary", OPT_STR, &summary, "TEXT",
		  N_("a paragraph opening section I (- stdin, @file)") },
		OPT_END
	};
	const char **args = doc_argv(argc, argv);
	char wbuf[9], now[32];

	parse_opts(argc, args, opts, usage, &pos, &npos);
	free(args);
	if ((rc = doc_week_args(&week, wbuf, now, pos, npos, format, usage)) != 0)
		return rc;
	if (read_text(&summary, summary, "summary", 0) < 0)
		return fail();

	const struct fl_province *p = fl_province_find(ws->province);
	struct report_parts parts;
	char *sections[NSECTIONS];
	char *subject = subject_of(week, p);
	struct doc d;

	if (!ws_unit(ws))
		fprintf(stderr, "%s", _("warning: no unit line for the header; set it with 'fieldlog report unit TEXT'\n"));
	week_sections(sections, ws, week, summary);
	memset(&parts, 0, sizeof(parts));
	parts.unit = ws_unit(ws);
	parts.place = p ? vi_province_short(p) : NULL;
	parts.subject = subject;
	parts.signer = *ws->name ? ws->name : ws->id;
	parts.date = now;
	for (int i = 0; i < NSECTIONS; i++)
		parts.sections[i] = sections[i];
	doc_init(&d);
	doc_from_parts(&d, &parts);
	char *base = xstrfmt("bao-cao-%s-%s", week, ws->id);
	rc = doc_write_and_say(&d, format, output, base);
	free(base);
	doc_release(&d);
	for (int i = 0; i < NSECTIONS; i++)
		free(sections[i]);
	free(subject);
	return rc;
}

int report_doc_show(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] = "fieldlog report show ID --format docx|html [-o FILE]";
	const char *format = NULL, *output = NULL, **pos;
	int npos, rc;
	struct opt opts[] = {
		{ "format", OPT_STR, &format, "FMT", N_("docx or html") },
		{ "output", OPT_STR, &output, "FILE",
		  N_("write to FILE (also -o FILE; '-' for html: stdout)") },
		OPT_END
	};
	const char **args = doc_argv(argc, argv);
	cJSON *rec = NULL;

	parse_opts(argc, args, opts, usage, &pos, &npos);
	free(args);
	if (npos != 1)
		return usage_error(usage, npos ? "unexpected argument '%s'" : "which report?%s",
				   npos ? pos[1] : "");
	if ((rc = doc_check_format(format)) != 0)
		return rc;
	if (ws_find(&rec, ws, pos[0], "report") < 0) {
		rc = fail();
		goto done;
	}

	/* A report submitted before reports kept their sections: its summary and figures. */
	const char *author = fl_json_str(rec, "author"), *week = fl_json_str(rec, "week");
	const cJSON *secs = cJSON_GetObjectItemCaseSensitive(rec, "sections");
	const struct fl_province *p = fl_province_find(officer_province(ws, author));
	struct strbuf old = STRBUF_INIT;
	char *subject = NULL;
	struct report_parts parts;
	struct doc d;

	memset(&parts, 0, sizeof(parts));
	parts.unit = fl_json_str(rec, "unit");
	parts.place = *fl_json_str(rec, "place") ? fl_json_str(rec, "place") :
		      p ? vi_province_short(p) : NULL;
	parts.subject = fl_json_str(rec, "subject");
	if (!*parts.subject)
		parts.subject = subject = subject_of(week, p);
	parts.signer = *fl_json_str(rec, "signer") ? fl_json_str(rec, "signer") :
		       officer_name(ws, author);
	parts.date = *fl_json_str(rec, "submitted_at") ? fl_json_str(rec, "submitted_at") :
		     fl_json_str(rec, "updated_at");
	if (cJSON_GetArraySize(secs) == NSECTIONS) {
		for (int i = 0; i < NSECTIONS; i++)
			parts.sections[i] = cJSON_GetStringValue(cJSON_GetArrayItem(secs, i));
	} else {
		const cJSON *f;
		if (*fl_json_str(rec, "summary"))
			line(&old, "", "%s", fl_json_str(rec, "summary"));
		cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(rec, "figures"))
			line(&old, "- ", "%s: %lld", f->string, (long long)f->valuedouble);
		parts.sections[SEC_DONE] = old.buf;
	}
	doc_init(&d);
	doc_from_parts(&d, &parts);
	char *base = xstrfmt("bao-cao-%s-%s", week, author);
	rc = doc_write_and_say(&d, format, output, base);
	free(base);
	doc_release(&d);
	strbuf_release(&old);
	free(subject);
done:
	cJSON_Delete(rec);
	return rc;
}

int report_unit(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] = "fieldlog report unit [TEXT]";
	const char **pos;
	int npos, rc = EXIT_OK;
	struct opt opts[] = { OPT_END };

	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos > 1)
		return usage_error(usage, "unexpected argument '%s'", pos[1]);
	if (!npos) {
		const char *u = ws_unit(ws);
		if (u)
			printf("%s\n", u);
	} else {
		char *u = one_line(xstrdup(pos[0]));
		if (strlen(u) > FL_SHORT_MAX)
			rc = error_exit("the unit line is longer than %d bytes", FL_SHORT_MAX);
		else {
			cJSON_DeleteItemFromObjectCaseSensitive(ws->config, "unit");
			if (*u)
				cJSON_AddStringToObject(ws->config, "unit", u);
			if (ws_save_config(ws) < 0)
				rc = fail();
		}
		free(u);
	}
	return rc;
}

void doc_escape(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&': strbuf_addstr(sb, "&amp;"); break;
		case '<': strbuf_addstr(sb, "&lt;"); break;
		case '>': strbuf_addstr(sb, "&gt;"); break;
		case '"': strbuf_addstr(sb, "&quot;"); break;
		default:
			if (c >= 0x20)
				strbuf_addch(sb, c);
			else if (c == '\t' || c == '\n')
				strbuf_addch(sb, ' ');
		}
	}
}
