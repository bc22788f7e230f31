/*
 * records.c: filters, listings, CSV and the human view of records, shared
 * by the record commands, `search` and `export`.
 *
 * Filters become SQL conditions with bound values only. An issue's status
 * as seen by everyone combines the officer's own status with the answers
 * of reviewers: while the officer has it escalated (or answered), the
 * latest response decides ("answered" or "closed"); once the officer moves
 * it on (resolved, reopened), the officer's status stands again.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/records.h"
#include "app/entry.h"
#include "app/term.h"
#include "app/export.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "schema/json.h"
#include "schema/record.h"
#include "schema/refdata.h"

const char effective_status_sql[] =
	"CASE WHEN r.kind = 'issue' AND r.status IN ('escalated', 'answered') THEN"
	" coalesce((SELECT x.status FROM records x WHERE x.target = r.id"
	"  AND x.kind = 'response' AND x.deleted = 0"
	"  ORDER BY x.created_at DESC, x.id DESC LIMIT 1), r.status)"
	" ELSE r.status END";

const char *short_id(const char *id)
{
	static char buf[16];
	snprintf(buf, sizeof(buf), "%.10s", id);
	return buf;
}

const char *week_or_this(char buf[9], const char *week)
{
	char now[32];
	if (week)
		return week;
	fl_time_now(now);
	now[10] = '\0';   /* the date, in Vietnam time */
	fl_week_of_date(buf, now);
	return buf;
}

/* --- roster --------------------------------------------------------------- */

const char *officer_name(struct ws *ws, const char *id)
{
	sqlite3_stmt *st = fl_db_stmt(ws->db, "SELECT name FROM people WHERE id = :id");
	const char *n = NULL;
	fl_bind_text(st, ":id", id);
	if (fl_step(st))
		n = keep(xstrdup(fl_col_text(st, 0)));   /* borrowed until exit */
	sqlite3_reset(st);
	if (!n && !strcmp(id, ws->id))
		n = ws->name;
	return n && *n ? n : id;
}

const char *officer_province(struct ws *ws, const char *id)
{
	sqlite3_stmt *st = fl_db_stmt(ws->db,
		"SELECT json_extract(provinces, '$[0]') FROM people WHERE id = :id");
	const char *p = NULL;
	fl_bind_text(st, ":id", id);
	if (fl_step(st) && sqlite3_column_type(st, 0) == SQLITE_TEXT)
		p = keep(xstrdup(fl_col_text(st, 0)));
	sqlite3_reset(st);
	if (!p && !strcmp(id, ws->id) && *ws->province)
		p = ws->province;
	return p;
}

/* --- filters -------------------------------------------------------------- */

int filters_check(struct filters *f)
{
	if (f->province && !fl_province_find(f->province))
		return fl_error(FL_EINVALID, "unknown province code '%s' (see 'fieldlog provinces')",
				f->province);
	/* A name is looked for in the province asked for first, else the officer's. */
	if (f->commune && commune_resolve(&f->commune, f->commune, "--commune",
					  f->province ? f->province : entry_home()) < 0)
		return FL_EINVALID;
	if (f->domain && !fl_domain_find(f->domain))
		return fl_error(FL_EINVALID, "unknown domain '%s' (see 'fieldlog domains')", f->domain);
	if (f->status && fl_enum_index(fl_statuses, f->status) < 0 &&
	    fl_enum_index(fl_entry_states, f->status) < 0 &&
	    fl_enum_index(fl_report_response_states, f->status) < 0)
		return fl_error(FL_EINVALID, "unknown status '%s' (open, in_progress, resolved, "
				"escalated, answered, closed)", f->status);
	if (f->severity && fl_enum_index(fl_severities, f->severity) < 0)
		return fl_error(FL_EINVALID, "unknown severity '%s' (low, medium, high, urgent)",
				f->severity);
	if (f->since && !fl_date_valid(f->since))
		return fl_error(FL_EINVALID, "'%s' is not a real date (YYYY-MM-DD)", f->since);
	if (f->until && !fl_date_valid(f->until))
		return fl_error(FL_EINVALID, "'%s' is not a real date (YYYY-MM-DD)", f->until);
	if (f->week && !fl_week_valid(f->week))
		return fl_error(FL_EINVALID, "'%s' is not an ISO week (YYYY-Www)", f->week);
	if (f->officer && !fl_author_valid(f->officer))
		return fl_error(FL_EINVALID, "'%s' is not an officer id", f->officer);
	if (f->limit && parse_number(&f->nlimit, f->limit, "option '--limit'", 1, INT_MAX) < 0)
		return FL_EINVALID;
	if (f->format && strcmp(f->format, "table") && strcmp(f->format, "json") &&
	    strcmp(f->format, "csv"))
		return fl_error(FL_EINVALID, "unknown format '%s' (table, json, csv)", f->format);
	if (f->format && !strcmp(f->format, "json"))
		f->json = 1;
	if (f->sort) {
		static const char *const keys[] = { "date", "updated", "created", "severity",
						    "status", "officer", "commune", "week", NULL };
		if (fl_enum_index(keys, f->sort) < 0)
			return fl_error(FL_EINVALID, "unknown sort key '%s' (date, updated, created, "
					"severity, status, officer, commune, week)", f->sort);
	}
	return 0;
}

/* Appends the " AND ..." conditions of the filters on alias r to sql. */
static void filters_where(struct strbuf *sql, const struct filters *f, const char *kind)
{
	if (kind)
		strbuf_addstr(sql, " AND r.kind = :kind");
	if (!f->deleted)
		strbuf_addstr(sql, " AND r.deleted = 0");
	if (f->province) {
		/*
		 * Written as `id IN (...)` so that SQLite can start from the
		 * province's records instead of testing every record.
		 */
		strbuf_addstr(sql, " AND r.id IN (SELECT rc.id FROM record_communes rc"
				   " WHERE rc.province_code = :prov UNION SELECT x.id FROM records x"
				   " WHERE x.author IN (SELECT p.id FROM people p, json_each(p.provinces) j"
				   "  WHERE j.value = :prov UNION SELECT :localme)");
		/* Of one kind only: the author's other records need not be looked at. */
		if (kind)
			strbuf_addstr(sql, " AND x.kind = :kind");
		strbuf_addstr(sql, " AND NOT EXISTS (SELECT 1 FROM record_communes rc2"
				   " WHERE rc2.id = x.id))");
	}
	if (f->commune)
		strbuf_addstr(sql, " AND EXISTS (SELECT 1 FROM record_communes rc WHERE rc.id = r.id"
				   " AND rc.commune = :commune)");
	if (f->officer)
		strbuf_addstr(sql, " AND r.author = :officer");
	if (f->domain)
		strbuf_addstr(sql, " AND r.domain = :domain");
	if (f->severity)
		strbuf_addstr(sql, " AND r.severity = :severity");
	if (f->status) {
		/*
		 * The officer's own status narrows the search first (indexed):
		 * only an escalated or answered issue can read differently.
		 */
		if (!strcmp(f->status, "answered") || !strcmp(f->status, "closed"))
			strbuf_addstr(sql, " AND r.status IN (:status, 'escalated', 'answered')");
		else
			strbuf_addstr(sql, " AND r.status = :status");
		strbuf_addf(sql, " AND (%s) = :status", effective_status_sql);
	}
	if (f->since)
		strbuf_addstr(sql, " AND r.date >= :since");
	if (f->until)
		strbuf_addstr(sql, " AND r.date <= :until");
	if (f->week)
		strbuf_addstr(sql, " AND r.week = :week");
	/* Waiting for the Ministry: escalated as everyone sees it, nothing else. */
	if (f->escalated)
		strbuf_addf(sql, " AND r.kind = 'issue' AND r.status = 'escalated'"
			    " AND (%s) = 'escalated'", effective_status_sql);
	if (f->mine)
		strbuf_addstr(sql, " AND r.author = :me");
}

/* Appends " ORDER BY" --sort's key, then `order`. */
static void filters_order(struct strbuf *sql, const struct filters *f, const char *order)
{
	static const struct { const char *key, *sql; } keys[] = {
		{ "updated", "r.updated_at DESC, " },
		{ "created", "r.created_at, " },
		{ "severity", "CASE r.severity WHEN 'urgent' THEN 0 WHEN 'high' THEN 1"
			      " WHEN 'medium' THEN 2 ELSE 3 END, " },
		{ "status", "r.status, " },
		{ "officer", "r.author, " },
		{ "commune", "(SELECT min(commune) FROM record_communes rc WHERE rc.id = r.id), " },
		{ "week", "r.week, " },
	};

	strbuf_addstr(sql, " ORDER BY ");
	if (f->sort) {
		const char *by = "r.date, ";
		for (size_t i = 0; i < FL_ARRAY_SIZE(keys); i++)
			if (!strcmp(f->sort, keys[i].key))
				by = keys[i].sql;
		strbuf_addstr(sql, by);
	}
	strbuf_addstr(sql, order ? order : "r.date, r.id");
}

/* Binds the values of the conditions filters_where wrote. */
static void filters_bind(sqlite3_stmt *st, struct ws *ws, const struct filters *f,
			 const char *kind)
{
	const struct { const char *name, *value; } text[] = {
		{ ":kind", kind }, { ":prov", f->province }, { ":commune", f->commune },
		{ ":officer", f->officer }, { ":domain", f->domain }, { ":severity", f->severity },
		{ ":status", f->status }, { ":since", f->since }, { ":until", f->until },
		{ ":week", f->week },
	};

	for (size_t i = 0; i < FL_ARRAY_SIZE(text); i++)
		if (text[i].value)
			fl_bind_text(st, text[i].name, text[i].value);
	/* This workspace's officer, who may not be in a roster yet. */
	if (f->province && !strcmp(ws->province, f->province))
		fl_bind_text(st, ":localme", ws->id);
	if (f->mine)
		fl_bind_text(st, ":me", ws->id);
	if (f->limit)
		fl_bind_int(st, ":limit", f->nlimit);
}

sqlite3_stmt *filters_query(struct ws *ws, const struct filters *f, const char *kind,
			    const char *select, const char *order)
{
	struct strbuf sql = STRBUF_INIT;
	sqlite3_stmt *st;

	strbuf_addstr(&sql, select);
	filters_where(&sql, f, kind);
	filters_order(&sql, f, order);
	if (f->limit)
		strbuf_addstr(&sql, " LIMIT :limit");
	st = fl_db_prepare(ws->db, sql.buf);
	filters_bind(st, ws, f, kind);
	strbuf_release(&sql);
	return st;
}

/* --- responses and status ----------------------------------------------- */

cJSON *json_rows(sqlite3_stmt *st)
{
	cJSON *arr = cJSON_CreateArray();
	while (fl_step(st)) {
		cJSON *r = NULL;
		const char *t = fl_col_text(st, 0);
		if (fl_json_parse(&r, t, strlen(t)) == 0)
			cJSON_AddItemToArray(arr, r);
	}
	sqlite3_reset(st);
	return arr;
}

cJSON *responses_to(struct ws *ws, const char *id)
{
	sqlite3_stmt *st = fl_db_stmt(ws->db,
		"SELECT json FROM records WHERE target = :id AND kind = 'response'"
		" AND deleted = 0 ORDER BY created_at, id");
	fl_bind_text(st, ":id", id);
	return json_rows(st);
}

const char *effective_status(const cJSON *issue, const cJSON *responses)
{
	const char *own = fl_json_str(issue, "status");
	int n = cJSON_GetArraySize(responses);
	if (own && (!strcmp(own, "escalated") || !strcmp(own, "answered")) && n > 0) {
		const char *s = fl_json_str(cJSON_GetArrayItem(responses, n - 1), "state");
		if (s)
			return s;
	}
	return own ? own : "";
}

/* --- listing -------------------------------------------------------------- */

static const char *first_commune(const cJSON *rec)
{
	const char *c = fl_json_str(rec, "commune");
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(rec, "communes");
	if (!c && cJSON_GetArraySize(arr) > 0)
		c = cJSON_GetStringValue(cJSON_GetArrayItem(arr, 0));
	const struct fl_commune *cm = c ? fl_commune_find(c) : NULL;
	return cm ? cm->name : (c ? c : "");
}

/* Headers of the table `KIND list` prints, per kind. */
static void list_table_init(struct table *t, enum fl_kind k)
{
	static const char *issue_hdr[] = { N_("ID"), N_("DATE"), N_("STATUS"), N_("SEVERITY"),
					   N_("DOMAIN"), N_("COMMUNE"), N_("OFFICER"), N_("TITLE") };
	static const char *visit_hdr[] = { N_("ID"), N_("DATE"), N_("COMMUNE"), N_("OFFICER"),
					   N_("SUMMARY") };
	static const char *sched_hdr[] = { N_("ID"), N_("WEEK"), N_("OFFICER"), N_("PLANNED"),
					   N_("DONE"), N_("CANCELLED") };
	static const char *report_hdr[] = { N_("ID"), N_("WEEK"), N_("OFFICER"), N_("SUBMITTED"),
					    N_("SUMMARY") };
	static const char *resp_hdr[] = { N_("ID"), N_("DATE"), N_("TARGET"), N_("STATE"),
					  N_("REVIEWER"), N_("TEXT") };

	switch (k) {
	case FL_ISSUE:
		table_init(t, 8, issue_hdr);
		t->colored = 1u << 2 | 1u << 3;   /* STATUS, SEVERITY */
		break;
	case FL_VISIT: table_init(t, 5, visit_hdr); break;
	case FL_SCHEDULE: table_init(t, 6, sched_hdr); break;
	case FL_REPORT: table_init(t, 5, report_hdr); break;
	default: table_init(t, 6, resp_hdr); break;
	}
}

/* One record as a row of that table; eff is an issue's effective status. */
static void list_row(struct table *t, enum fl_kind k, struct ws *ws, const cJSON *rec,
		     const char *eff)
{
	const char *id = short_id(fl_json_str(rec, "id"));
	const char *author = officer_name(ws, fl_json_str(rec, "author"));
	char date[11];

	/* Issues are dated by when the obstacle was found, else when written. */
	snprintf(date, sizeof(date), "%.10s", fl_json_str(rec, "date") ? fl_json_str(rec, "date")
								       : fl_json_str(rec, "created_at"));
	switch (k) {
	case FL_ISSUE: {
		const struct fl_domain *d = fl_domain_find(fl_json_str(rec, "domain"));
		table_add(t, id, date, label(eff), label(fl_json_str(rec, "severity")), d ? d->label : "",
			  first_commune(rec), author, fl_json_str(rec, "title"));
		break;
	}
	case FL_VISIT:
		table_add(t, id, fl_json_str(rec, "date"), first_commune(rec), author,
			  fl_json_str(rec, "summary"));
		break;
	case FL_SCHEDULE: {
		int c[3] = { 0, 0, 0 };
		const cJSON *e;
		char a[3][16];
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(rec, "entries")) {
			int i = fl_enum_index(fl_entry_states, fl_json_str(e, "state"));
			if (i >= 0)
				c[i]++;
		}
		for (int i = 0; i < 3; i++)
			snprintf(a[i], sizeof(a[i]), "%d", c[i]);
		table_add(t, id, fl_json_str(rec, "week"), author, a[0], a[1], a[2]);
		break;
	}
	case FL_REPORT: {
		const char *sub = fl_json_str(rec, "submitted_at");
		table_add(t, id, fl_json_str(rec, "week"), author, sub && *sub ? sub : label("draft"),
			  fl_json_str(rec, "summary"));
		break;
	}
	default:
		table_add(t, id, date, short_id(fl_json_str(rec, "target")),
			  label(fl_json_str(rec, "state")), author, fl_json_str(rec, "text"));
		break;
	}
}

int list_records(struct ws *ws, const char *kind, struct filters *f)
{
	sqlite3_stmt *st;
	cJSON *all;
	struct table t;
	size_t n = 0;
	int csv = f->format && !strcmp(f->format, "csv");
	enum fl_kind k = fl_kind_parse(kind);
	char *select;

	if (filters_check(f) < 0)
		return fail();
	if (csv) {
		/* The export's CSV: names beside codes, lists as JSON (export.h). */
		struct filters g = *f;
		g.kind = kind;
		return export_run(ws, &g, EXPORT_CSV, NULL);
	}
	all = cJSON_CreateArray();
	select = xstrfmt("SELECT r.json, %s FROM records r WHERE 1", effective_status_sql);
	st = filters_query(ws, f, kind, select, NULL);
	free(select);
	list_table_init(&t, k);
	while (fl_step(st)) {
		const char *text = fl_col_text(st, 0);
		cJSON *rec = NULL;
		/* The index stored canonical JSON: text that does not parse is damage. */
		if (fl_json_parse(&rec, text, strlen(text)) < 0) {
			sqlite3_finalize(st);
			return ws_index_damaged(ws);
		}
		n++;
		list_row(&t, k, ws, rec, fl_col_text(st, 1));
		cJSON_AddItemToArray(all, rec);
	}
	sqlite3_finalize(st);

	if (f->json)
		print_json(all);
	else {
		if (n)
			table_print(&t, stdout);
		if (out_is_tty() || !n)
			printf(_("%zu %s%s\n"), n, label(kind), n == 1 || i18n_vi() ? "" : "s");
	}
	table_release(&t);
	cJSON_Delete(all);
	return EXIT_OK;
}

int list_command(int argc, const char **argv, struct ws *ws, const char *kind)
{
	char usage[96];
	struct filters f;
	const char **pos;
	int npos;
	memset(&f, 0, sizeof(f));
	struct opt opts[] = {
		FILTER_OPTS(f),
		{ "wide", OPT_BOOL, &opt_wide, NULL, "every column whole, whatever the terminal's width" },
		OPT_END
	};

	snprintf(usage, sizeof(usage), "fieldlog %s list [filters] [--json | --format csv] [--wide]",
		 kind);
	parse_opts(argc, argv, opts, usage, &pos, &npos);
	if (npos)
		return usage_error(usage, "unexpected argument '%s'", pos[0]);
	return list_records(ws, kind, &f);
}

/* --- CSV ----------------------------------------------------------------- */

static void csv_cell(struct strbuf *sb, const char *s)
{
	/* RFC 4180: quote when needed, double the quotes inside. */
	if (strpbrk(s, ",\"\n\r")) {
		strbuf_addch(sb, '"');
		for (; *s; s++) {
			if (*s == '"')
				strbuf_addch(sb, '"');
			strbuf_addch(sb, *s);
		}
		strbuf_addch(sb, '"');
	} else {
		strbuf_addstr(sb, s);
	}
}

/* Flattens a value to text: lists joined with "; ", objects "k=v; ". */
static void flatten(struct strbuf *sb, const cJSON *v)
{
	const cJSON *e;
	int first = 1;
	if (cJSON_IsString(v)) {
		strbuf_addstr(sb, v->valuestring);
	} else if (cJSON_IsBool(v)) {
		strbuf_addstr(sb, cJSON_IsTrue(v) ? "true" : "false");
	} else if (cJSON_IsNumber(v)) {
		strbuf_addf(sb, "%lld", (long long)v->valuedouble);
	} else if (cJSON_IsArray(v)) {
		cJSON_ArrayForEach(e, v) {
			if (!first)
				strbuf_addstr(sb, "; ");
			first = 0;
			if (cJSON_IsObject(e)) {
				/* comments and entries: their readable parts */
				const char *parts[] = { "date", "commune", "place", "activity", "state",
							"author", "at", "text", "note" };
				int f2 = 1;
				for (size_t i = 0; i < FL_ARRAY_SIZE(parts); i++) {
					const char *s = fl_json_str(e, parts[i]);
					if (s && *s) {
						strbuf_addf(sb, "%s%s", f2 ? "" : " ", s);
						f2 = 0;
					}
				}
			} else {
				flatten(sb, e);
			}
		}
	} else if (cJSON_IsObject(v)) {
		cJSON_ArrayForEach(e, v) {
			strbuf_addf(sb, "%s%s=", first ? "" : "; ", e->string);
			flatten(sb, e);
			first = 0;
		}
	}
}

void write_csv(FILE *f, const cJSON *records)
{
	struct strbuf sb = STRBUF_INIT;
	struct strlist cols = { NULL, 0, 0 };
	const cJSON *r, *e;

	/* Columns: the union of keys in first-seen order. */
	cJSON_ArrayForEach(r, records) {
		cJSON_ArrayForEach(e, r) {
			size_t i;
			for (i = 0; i < cols.n; i++)
				if (!strcmp(cols.v[i], e->string))
					break;
			if (i == cols.n)
				strlist_add(&cols, e->string);
		}
	}
	strbuf_addstr(&sb, "\xEF\xBB\xBF");   /* BOM: Excel then reads UTF-8 */
	for (size_t i = 0; i < cols.n; i++) {
		if (i)
			strbuf_addch(&sb, ',');
		csv_cell(&sb, cols.v[i]);
	}
	strbuf_addstr(&sb, "\r\n");
	cJSON_ArrayForEach(r, records) {
		for (size_t i = 0; i < cols.n; i++) {
			struct strbuf cell = STRBUF_INIT;
			if (i)
				strbuf_addch(&sb, ',');
			flatten(&cell, cJSON_GetObjectItemCaseSensitive(r, cols.v[i]));
			csv_cell(&sb, cell.buf);
			strbuf_release(&cell);
		}
		strbuf_addstr(&sb, "\r\n");
	}
	fwrite(sb.buf, 1, sb.len, f);
	strbuf_release(&sb);
	strlist_release(&cols);
}

/* --- one record ------------------------------------------------------------ */

static void field(const char *name, const char *v)
{
	if (!v || !*v)
		return;
	if (strchr(v, '\n')) {
		printf("%s:\n", name);
		for (const char *p = v; *p;) {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			printf("    %.*s\n", (int)len, p);
			p += len + (nl ? 1 : 0);
		}
	} else {
		printf("%s %s\n", padded(name, 12), v);
	}
}

void show_record(struct ws *ws, const cJSON *rec)
{
	const char *kind = fl_json_str(rec, "kind");
	const cJSON *e;
	enum fl_kind k = fl_kind_parse(kind);

	printf("%s %s%s\n", label(kind), fl_json_str(rec, "id"),
	       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "deleted")) ? _(" (deleted)") : "");
	printf("%s %s <%s>\n", padded(_("author"), 12), officer_name(ws, fl_json_str(rec, "author")),
	       fl_json_str(rec, "author"));
	printf("%s %s\n", padded(_("created"), 12), fl_json_str(rec, "created_at"));
	printf("%s %s\n", padded(_("updated"), 12), fl_json_str(rec, "updated_at"));
	switch (k) {
	case FL_SCHEDULE:
		field(_("week"), fl_json_str(rec, "week"));
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(rec, "entries")) {
			printf("  %s  %s %s — %s [%s]\n", human_date(fl_json_str(e, "date")),
			       padded(label(fl_json_str(e, "state")), 9), entry_where(e),
			       fl_json_str(e, "activity"), short_id(fl_json_str(e, "id")));
			if (*fl_json_str(e, "note"))
				printf("      %s\n", fl_json_str(e, "note"));
		}
		break;
	case FL_VISIT:
		field(_("date"), fl_json_str(rec, "date"));
		field(_("commune"), commune_label(fl_json_str(rec, "commune")));
		field(_("summary"), fl_json_str(rec, "summary"));
		field(_("met"), fl_json_str(rec, "met"));
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(rec, "findings"))
			field(_("finding"), e->valuestring);
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(rec, "issues"))
			field(_("issue"), e->valuestring);
		break;
	case FL_ISSUE: {
		cJSON *resp = responses_to(ws, fl_json_str(rec, "id"));
		const struct fl_domain *d = fl_domain_find(fl_json_str(rec, "domain"));
		field(_("title"), fl_json_str(rec, "title"));
		if (fl_json_str(rec, "date"))
			field(_("date"), fl_json_str(rec, "date"));
		const char *eff = effective_status(rec, resp), *own = fl_json_str(rec, "status");
		if (strcmp(eff, own))
			printf(_("%s %s (officer: %s)\n"), padded(_("status"), 12), label(eff),
			       label(own));
		else
			field(_("status"), label(own));
		field(_("severity"), label(fl_json_str(rec, "severity")));
		field(_("domain"), d ? d->label : fl_json_str(rec, "domain"));
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(rec, "communes"))
			field(_("commune"), commune_label(e->valuestring));
		field(_("description"), fl_json_str(rec, "description"));
		field(_("actions"), fl_json_str(rec, "actions"));
		field(_("resolution"), fl_json_str(rec, "resolution"));
		field(_("escalation"), fl_json_str(rec, "escalation"));
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(rec, "comments"))
			printf(_("\n  comment by %s at %s:\n    %s\n"),
			       officer_name(ws, fl_json_str(e, "author")), fl_json_str(e, "at"),
			       fl_json_str(e, "text"));
		cJSON_ArrayForEach(e, resp)
			printf(_("\n  response (%s) by %s at %s:\n    %s\n"), label(fl_json_str(e, "state")),
			       officer_name(ws, fl_json_str(e, "author")),
			       fl_json_str(e, "created_at"), fl_json_str(e, "text"));
		cJSON_Delete(resp);
		break;
	}
	case FL_REPORT: {
		cJSON *resp = responses_to(ws, fl_json_str(rec, "id"));
		field(_("week"), fl_json_str(rec, "week"));
		field(_("submitted"), *fl_json_str(rec, "submitted_at") ?
			  fl_json_str(rec, "submitted_at") : label("draft"));
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(rec, "figures"))
			printf("  %s %lld\n", padded(label(e->string), 20), (long long)e->valuedouble);
		field(_("summary"), fl_json_str(rec, "summary"));
		cJSON_ArrayForEach(e, resp)
			printf(_("\n  review (%s) by %s at %s:\n    %s\n"), label(fl_json_str(e, "state")),
			       officer_name(ws, fl_json_str(e, "author")),
			       fl_json_str(e, "created_at"), fl_json_str(e, "text"));
		cJSON_Delete(resp);
		break;
	}
	default:
		field(_("target"), fl_json_str(rec, "target"));
		field(_("state"), label(fl_json_str(rec, "state")));
		field(_("text"), fl_json_str(rec, "text"));
		break;
	}
}
