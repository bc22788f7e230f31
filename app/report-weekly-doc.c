/*
 * report-weekly-doc.c: `fieldlog report weekly --format docx|html`, the
 * working group's compilation of every officer's week as one document in
 * the same administrative form as an officer's report (report-doc.c):
 *
 *   I.   the weekly reports: received on time, late, missing, by province;
 *   II.  escalations still waiting for the Ministry's answer, oldest first,
 *        with how long they have waited;
 *   III. the issues of the week by province and domain.
 *
 * Who is expected and when a report is late follow `report weekly`
 * (cmd-report-weekly.c): every officer of the roster and anyone else who
 * wrote records that week; due Thursday 23:59:59 Vietnam time. The age of
 * a waiting escalation counts from the issue's creation to the end of the
 * week, or to now when the week is not over.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/report-doc.h"
#include "app/records.h"

#include <stdlib.h>
#include <string.h>

#include "schema/json.h"
#include "schema/record.h"
#include "schema/refdata.h"

struct span {
	const char *week;
	char mon[11], thu[11], sun[11];
	long long due_t, ref_t;
};

static void span_init(struct span *w, const char *week)
{
	char t[32];
	w->week = week;
	fl_week_day(w->mon, week, 1);
	fl_week_day(w->thu, week, 4);
	fl_week_day(w->sun, week, 7);
	snprintf(t, sizeof(t), "%sT23:59:59+07:00", w->thu);
	w->due_t = fl_time_parse(t);
	snprintf(t, sizeof(t), "%sT23:59:59+07:00", w->sun);
	w->ref_t = fl_time_parse(t);
	if (fl_time_now_secs() < w->ref_t)
		w->ref_t = fl_time_now_secs();
}

static const char *province_name(const char *code)
{
	const struct fl_province *p = fl_province_find(code);
	return p ? vi_province_short(p) : "Không rõ tỉnh";
}

/*
 * Officers expected to report: the roster's officers, and the authors of
 * the week's records who are not reviewers. Rows (province, id, name),
 * ordered by province and id, in a new array of arrays. Authors outside
 * the roster are found on the (author, kind) index: testing the week's
 * rows read every record of index.db (kind <> 'response' uses no index).
 */
static cJSON *expected_officers(struct ws *ws, const char *week)
{
	sqlite3_stmt *st = fl_db_stmt(ws->db,
		DOC_EXPECTED_OFFICERS_SQL
		" ORDER BY 1, 2");
	cJSON *out = cJSON_CreateArray();
	fl_bind_text(st, ":w", week);
	while (fl_step(st)) {
		cJSON *row = cJSON_CreateArray();
		for (int i = 0; i < 3; i++)
			cJSON_AddItemToArray(row, cJSON_CreateString(fl_col_text(st, i)));
		cJSON_AddItemToArray(out, row);
	}
	sqlite3_reset(st);
	return out;
}

static long long count_of(struct ws *ws, const char *sql, const char *author, const struct span *w)
{
	sqlite3_stmt *st = fl_db_stmt(ws->db, sql);
	long long n = 0;
	fl_bind_text(st, ":a", author);
	fl_bind_text(st, ":w", w->week);
	if (fl_step(st))
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

static void section_reports(struct doc *d, struct ws *ws, const struct span *w)
{
	cJSON *officers = expected_officers(ws, w->week);
	struct strbuf missing = STRBUF_INIT, late = STRBUF_INIT;
	const cJSON *row;
	int on_time = 0, nlate = 0, nmissing = 0;

	doc_add(d, DOC_HEADING, "I. TÌNH HÌNH NỘP BÁO CÁO TUẦN");
	doc_add_row(d, 1, "Tỉnh, thành phố\tCán bộ\tBáo cáo tuần\tChuyến làm việc\tVấn đề mới");
	cJSON_ArrayForEach(row, officers) {
		const char *prov = cJSON_GetArrayItem(row, 0)->valuestring;
		const char *id = cJSON_GetArrayItem(row, 1)->valuestring;
		char *name = xstrdup(cJSON_GetArrayItem(row, 2)->valuestring);
		char state[64] = "Chưa nộp";
		sqlite3_stmt *st = fl_db_stmt(ws->db,
			"SELECT json_extract(json, '$.submitted_at') FROM records"
			" WHERE kind = 'report' AND author = :a AND week = :w AND deleted = 0"
			" ORDER BY json_extract(json, '$.submitted_at') DESC LIMIT 1");
		fl_bind_text(st, ":a", id);
		fl_bind_text(st, ":w", w->week);
		if (fl_step(st) && *fl_col_text(st, 0)) {
			const char *at = fl_col_text(st, 0);
			char dmy[16];
			vi_day_month(dmy, at, 1);
			int is_late = fl_time_parse(at) > w->due_t;
			snprintf(state, sizeof(state), "%s %.5s %s", is_late ? "Nộp muộn" : "Đúng hạn",
				 at + 11, dmy);
			if (is_late) {
				nlate++;
				strbuf_addf(&late, "%s%s (%s)", late.len ? ", " : "", name,
					    province_name(prov));
			} else {
				on_time++;
			}
		} else {
			nmissing++;
			strbuf_addf(&missing, "%s%s (%s)", missing.len ? ", " : "", name,
				    province_name(prov));
		}
		sqlite3_reset(st);
		long long visits = count_of(ws, "SELECT count(*) FROM records WHERE kind = 'visit'"
					    " AND author = :a AND week = :w AND deleted = 0", id, w);
		long long opened = count_of(ws, "SELECT count(*) FROM records WHERE kind = 'issue'"
					    " AND author = :a AND week = :w AND deleted = 0", id, w);
		char *cells = xstrfmt("%s\t%s\t%s\t%lld\t%lld", province_name(prov), name, state,
				      visits, opened);
		doc_add_row(d, 0, cells);
		free(cells);
		free(name);
	}
	doc_add(d, DOC_PARA, "Đã nhận %d báo cáo (%d đúng hạn, %d nộp muộn); %d cán bộ chưa nộp báo cáo.",
		on_time + nlate, on_time, nlate, nmissing);
	if (nlate)
		doc_add(d, DOC_BULLET, "Nộp muộn: %s.", late.buf);
	if (nmissing)
		doc_add(d, DOC_BULLET, "Chưa nộp: %s.", missing.buf);
	strbuf_release(&missing);
	strbuf_release(&late);
	cJSON_Delete(officers);
}

static void section_waiting(struct doc *d, struct ws *ws, const struct span *w)
{
	char *sql = xstrfmt("SELECT r.json FROM records r WHERE r.kind = 'issue' AND r.deleted = 0"
			    " AND substr(r.created_at, 1, 10) <= :sun AND (%s) = 'escalated'"
			    " ORDER BY r.created_at, r.id", effective_status_sql);
	sqlite3_stmt *st = fl_db_prepare(ws->db, sql);
	int n = 0;

	free(sql);
	doc_add(d, DOC_HEADING, "II. KIẾN NGHỊ CHỜ BỘ TRẢ LỜI");
	fl_bind_text(st, ":sun", w->sun);
	while (fl_step(st)) {
		cJSON *r = NULL;
		const char *t = fl_col_text(st, 0);
		if (fl_json_parse(&r, t, strlen(t)) < 0)
			continue;
		const char *author = fl_json_str(r, "author");
		const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "communes"), 0);
		const struct fl_commune *cm = c ? fl_commune_find(c->valuestring) : NULL;
		long long age = (w->ref_t - fl_time_parse(fl_json_str(r, "created_at"))) / 86400;
		char since[16];
		vi_day_month(since, fl_json_str(r, "created_at"), 1);
		n++;
		doc_add(d, DOC_BULLET, "%s (%s, %s)", fl_json_str(r, "title"),
			cm ? cm->name : "", cm ? province_name(cm->province_code) : "");
		doc_add(d, DOC_DETAIL, "Cán bộ: %s; lĩnh vực: %s; mức độ: %s; đã chờ %lld ngày (từ %s).",
			officer_name(ws, author), vi_domain(fl_json_str(r, "domain")),
			vi_severity(fl_json_str(r, "severity")), age < 0 ? 0 : age, since);
		if (*fl_json_str(r, "escalation"))
			doc_add(d, DOC_DETAIL, "Nội dung kiến nghị: %s", fl_json_str(r, "escalation"));
		cJSON_Delete(r);
	}
	sqlite3_finalize(st);
	if (!n)
		doc_add(d, DOC_PARA, "Không có kiến nghị nào đang chờ trả lời.");
}

static void section_issues(struct doc *d, struct ws *ws, const struct span *w)
{
	/* The issues of the week as in an officer's report: open by its end, not settled before. */
	char *sql = xstrfmt(
		"SELECT rc.province_code, r.domain, count(DISTINCT r.id),"
		" sum(r.severity IN ('high', 'urgent')), sum((%s) = 'escalated'),"
		" sum(r.status IN ('resolved', 'closed'))"
		" FROM records r JOIN record_communes rc ON rc.id = r.id"
		" WHERE r.kind = 'issue' AND r.deleted = 0 AND substr(r.created_at, 1, 10) <= :sun"
		" AND (r.status NOT IN ('resolved', 'closed') OR r.week = :w"
		"      OR substr(r.updated_at, 1, 10) BETWEEN :mon AND :sun)"
		" GROUP BY rc.province_code, r.domain"
		" ORDER BY rc.province_code, (SELECT position FROM domains WHERE id = r.domain)",
		effective_status_sql);
	sqlite3_stmt *st = fl_db_prepare(ws->db, sql);
	int n = 0;

	free(sql);
	doc_add(d, DOC_HEADING, "III. VẤN ĐỀ THEO TỈNH VÀ LĨNH VỰC");
	fl_bind_text(st, ":w", w->week);
	fl_bind_text(st, ":mon", w->mon);
	fl_bind_text(st, ":sun", w->sun);
	while (fl_step(st)) {
		if (!n++)
			doc_add_row(d, 1, "Tỉnh, thành phố\tLĩnh vực\tSố vấn đề\tMức độ cao, khẩn cấp"
				    "\tChờ Bộ trả lời\tĐã giải quyết");
		char *cells = xstrfmt("%s\t%s\t%lld\t%lld\t%lld\t%lld",
				      province_name(fl_col_text(st, 0)), vi_domain(fl_col_text(st, 1)),
				      (long long)sqlite3_column_int64(st, 2),
				      (long long)sqlite3_column_int64(st, 3),
				      (long long)sqlite3_column_int64(st, 4),
				      (long long)sqlite3_column_int64(st, 5));
		doc_add_row(d, 0, cells);
		free(cells);
	}
	sqlite3_finalize(st);
	if (!n)
		doc_add(d, DOC_PARA, "Trong tuần không có vấn đề nào được ghi nhận.");
}

int report_doc_weekly(int argc, const char **argv, struct ws *ws)
{
	static const char usage[] = "fieldlog report weekly [WEEK] --format docx|html [-o FILE]";
	const char *week = NULL, *format = NULL, *output = NULL, **pos;
	int npos, rc;
	struct opt opts[] = {
		{ "week", OPT_STR, &week, "W", N_("ISO week (default: this week)") },
		{ "format", OPT_STR, &format, "FMT", N_("docx or html") },
		{ "output", OPT_STR, &output, "FILE",
		  N_("write to FILE (also -o FILE; '-' for html: stdout)") },
		OPT_END
	};
	const char **args = doc_argv(argc, argv);
	char wbuf[9], now[32];

	parse_opts(argc, args, opts, usage, &pos, &npos);
	free(args);
	if ((rc = doc_week_args(&week, wbuf, now, pos, npos, format, usage)) != 0)
		return rc;

	struct span w;
	struct doc d;
	char a[16], b[16];
	const char *unit = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ws->config, "unit"));

	span_init(&w, week);
	vi_day_month(a, w.mon, strncmp(w.mon, w.sun, 4) != 0);
	vi_day_month(b, w.sun, 1);
	char *subject = xstrfmt("Tổng hợp kết quả công tác tuần %d (%s – %s) của cán bộ địa bàn",
				atoi(week + 6), a, b);
	doc_init(&d);
	doc_frame(&d, unit, "Hà Nội", now, subject, *ws->name ? ws->name : ws->id);
	free(d.signer_title);
	d.signer_title = xstrdup("NGƯỜI TỔNG HỢP");
	section_reports(&d, ws, &w);
	section_waiting(&d, ws, &w);
	section_issues(&d, ws, &w);
	strlist_add(&d.recipients, "- Lãnh đạo Bộ (để báo cáo);");
	strlist_add(&d.recipients, "- Các Vụ, đơn vị liên quan;");
	strlist_add(&d.recipients, "- Lưu: VT.");
	char *base = xstrfmt("tong-hop-%s", week);
	rc = doc_write_and_say(&d, format, output, base);
	free(base);
	free(subject);
	doc_release(&d);
	return rc;
}
