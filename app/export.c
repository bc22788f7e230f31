/*
 * export.c: `fieldlog export` written as it is read (export.h).
 *
 * One SQL statement (the filters' query) is stepped through; each row is
 * parsed, turned into cells and written before the next is read, so the
 * only memory that could grow with the export is SQLite's sorter, which
 * is told to keep a few MB and spill the rest to temporary files.
 * Names come from the same statement (the roster's name and province of
 * the author) and from the reference data compiled in (communes,
 * provinces, domains): nothing is collected first.
 *
 * CSV: UTF-8 with a byte-order mark (Excel then reads Vietnamese), RFC
 * 4180 quoting, CRLF. With --kind the columns are that kind's; without,
 * the union of every kind's, a record leaving the others' empty. JSON: the
 * array of canonical records, byte for byte what one canonical
 * serialisation of the whole array would be. XLSX: xlsx.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/export.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "schema/json.h"
#include "schema/refdata.h"

int export_format(struct filters *f)
{
	static const char *const names[] = { "csv", "json", "xlsx", NULL };
	int i = f->format ? fl_enum_index(names, f->format) : f->json ? EXPORT_JSON : EXPORT_CSV;
	if (i >= 0)
		f->format = NULL;
	return i;
}

/* --- columns --------------------------------------------------------------- */

#define ENVELOPE(...) \
	{ "id", EX_CODE, 28 }, { "kind", EX_CODE, 10 }, { "author", EX_CODE, 24 }, \
	{ "author_name", EX_TEXT, 28 }, { "province", EX_CODE, 9 }, \
	{ "province_name", EX_TEXT, 18 }, __VA_ARGS__, \
	{ "created_at", EX_TIME, 20 }, { "updated_at", EX_TIME, 20 }, { "deleted", EX_CODE, 8 }

static const struct export_column schedule_cols[] = {
	ENVELOPE({ "week", EX_CODE, 10 }, { "entries", EX_LIST, 60 })
};
static const struct export_column visit_cols[] = {
	ENVELOPE({ "date", EX_DATE, 11 }, { "commune", EX_CODE, 8 },
		 { "commune_name", EX_TEXT, 24 }, { "summary", EX_TEXT, 60 },
		 { "met", EX_TEXT, 40 }, { "findings", EX_LIST, 60 }, { "issues", EX_LIST, 30 })
};
static const struct export_column issue_cols[] = {
	ENVELOPE({ "title", EX_TEXT, 50 }, { "date", EX_DATE, 11 }, { "description", EX_TEXT, 60 },
		 { "domain", EX_CODE, 16 }, { "domain_label", EX_TEXT, 30 },
		 { "communes", EX_LIST, 18 }, { "commune_names", EX_LIST, 30 },
		 { "severity", EX_CODE, 9 }, { "status", EX_CODE, 11 },
		 { "effective_status", EX_CODE, 11 }, { "actions", EX_TEXT, 50 },
		 { "resolution", EX_TEXT, 50 }, { "escalation", EX_TEXT, 50 },
		 { "comments", EX_LIST, 60 })
};
static const struct export_column report_cols[] = {
	ENVELOPE({ "week", EX_CODE, 10 }, { "summary", EX_TEXT, 60 },
		 { "figures", EX_LIST, 40 }, { "submitted_at", EX_TIME, 20 },
		 { "unit", EX_TEXT, 30 }, { "place", EX_TEXT, 16 }, { "subject", EX_TEXT, 50 },
		 { "signer", EX_TEXT, 24 }, { "sections", EX_LIST, 60 })
};
static const struct export_column response_cols[] = {
	ENVELOPE({ "target", EX_CODE, 28 }, { "target_kind", EX_CODE, 10 },
		 { "state", EX_CODE, 11 }, { "text", EX_TEXT, 60 })
};

static const struct {
	const struct export_column *cols;
	size_t n;
} kind_columns[FL_NKINDS] = {
	[FL_SCHEDULE] = { schedule_cols, FL_ARRAY_SIZE(schedule_cols) },
	[FL_VISIT] = { visit_cols, FL_ARRAY_SIZE(visit_cols) },
	[FL_ISSUE] = { issue_cols, FL_ARRAY_SIZE(issue_cols) },
	[FL_REPORT] = { report_cols, FL_ARRAY_SIZE(report_cols) },
	[FL_RESPONSE] = { response_cols, FL_ARRAY_SIZE(response_cols) },
};

#define MAX_COLS 64

const struct export_column *export_columns(enum fl_kind kind, size_t *n)
{
	*n = kind_columns[kind].n;
	return kind_columns[kind].cols;
}

/* --- a record as cells ------------------------------------------------------- */

/* What the statement says beside the record itself. */
struct row_ctx {
	struct ws *ws;
	const char *effective_status;
	const char *author_name;       /* from the roster, or NULL */
	const char *author_province;   /* the roster's first province, or NULL */
	const char *target_commune;    /* a response's issue's first commune, or NULL */
	const char *target_province;   /* a response's report's author's province, or NULL */
};

/* A list or object as compact JSON (non-ASCII kept as it is); "" when empty. */
static void add_json(struct strbuf *sb, const cJSON *v)
{
	if (!v || !v->child)
		return;
	char *s = cJSON_PrintUnformatted(v);
	strbuf_addstr(sb, s);
	cJSON_free(s);
}

/* The names of the communes of a list, as a JSON list beside the codes. */
static void add_commune_names(struct strbuf *sb, const cJSON *codes)
{
	const cJSON *c;
	cJSON *names = cJSON_CreateArray();
	cJSON_ArrayForEach(c, codes) {
		const struct fl_commune *cm = fl_commune_find(cJSON_GetStringValue(c));
		cJSON_AddItemToArray(names, cJSON_CreateString(cm ? cm->name : ""));
	}
	add_json(sb, names);
	cJSON_Delete(names);
}

/*
 * The province a record is filed under: its commune's (a visit), its
 * first commune's (an issue), its author's in the roster (a schedule, a
 * report), and for a response (whose author, a reviewer, has none) that
 * of what it answers.
 */
static const char *record_province(const cJSON *rec, enum fl_kind kind,
				   const struct row_ctx *ctx)
{
	const char *code = NULL;
	if (kind == FL_VISIT)
		code = fl_json_str(rec, "commune");
	else if (kind == FL_ISSUE)
		code = cJSON_GetStringValue(cJSON_GetArrayItem(
			cJSON_GetObjectItemCaseSensitive(rec, "communes"), 0));
	else if (kind == FL_RESPONSE)
		code = ctx->target_commune;
	if (code) {
		const struct fl_commune *cm = fl_commune_find(code);
		if (cm)
			return cm->province_code;
	}
	if (kind == FL_RESPONSE && ctx->target_province)
		return ctx->target_province;
	return ctx->author_province;
}

static void add_field(struct strbuf *sb, const cJSON *v)
{
	if (cJSON_IsString(v))
		strbuf_addstr(sb, v->valuestring);
	else if (cJSON_IsBool(v))
		strbuf_addstr(sb, cJSON_IsTrue(v) ? "true" : "false");
	else if (cJSON_IsNumber(v))
		strbuf_addf(sb, "%lld", (long long)v->valuedouble);
	else if (cJSON_IsArray(v) || cJSON_IsObject(v))
		add_json(sb, v);
}

/* Fills cells[i] (reset first) with column i of rec's kind. */
static void record_cells(struct strbuf *cells, const cJSON *rec, enum fl_kind kind,
			 const struct row_ctx *ctx)
{
	size_t n;
	const struct export_column *cols = export_columns(kind, &n);
	const char *prov = record_province(rec, kind, ctx);

	for (size_t i = 0; i < n; i++) {
		const char *name = cols[i].name;
		struct strbuf *sb = &cells[i];
		strbuf_reset(sb);
		if (!strcmp(name, "author_name")) {
			const char *a = ctx->author_name;
			/* This workspace's officer, who may not be in a roster yet. */
			if (!a && !strcmp(fl_json_str(rec, "author"), ctx->ws->id))
				a = ctx->ws->name;
			strbuf_addstr(sb, a ? a : "");
		} else if (!strcmp(name, "province")) {
			strbuf_addstr(sb, prov ? prov : "");
		} else if (!strcmp(name, "province_name")) {
			const struct fl_province *p = prov ? fl_province_find(prov) : NULL;
			strbuf_addstr(sb, p ? p->name : "");
		} else if (!strcmp(name, "commune_name")) {
			const struct fl_commune *cm = fl_commune_find(fl_json_str(rec, "commune"));
			strbuf_addstr(sb, cm ? cm->name : "");
		} else if (!strcmp(name, "commune_names")) {
			add_commune_names(sb, cJSON_GetObjectItemCaseSensitive(rec, "communes"));
		} else if (!strcmp(name, "domain_label")) {
			const struct fl_domain *d = fl_domain_find(fl_json_str(rec, "domain"));
			strbuf_addstr(sb, d ? d->label : "");
		} else if (!strcmp(name, "effective_status")) {
			strbuf_addstr(sb, ctx->effective_status);
		} else {
			add_field(sb, cJSON_GetObjectItemCaseSensitive(rec, name));
		}
	}
}

/* --- CSV ------------------------------------------------------------------------ */

static void csv_cell(FILE *out, const char *s, size_t len)
{
	/* RFC 4180: quote when needed, double the quotes inside. */
	if (!memchr(s, ',', len) && !memchr(s, '"', len) && !memchr(s, '\n', len) &&
	    !memchr(s, '\r', len)) {
		fwrite(s, 1, len, out);
		return;
	}
	putc('"', out);
	for (const char *q; (q = memchr(s, '"', len)); len -= (size_t)(q + 1 - s), s = q + 1) {
		fwrite(s, 1, (size_t)(q + 1 - s), out);
		putc('"', out);
	}
	fwrite(s, 1, len, out);
	putc('"', out);
}

/*
 * The CSV's columns: those of one kind, or the union of every kind's in
 * kind order. map[k][i] is where column i of kind k goes.
 */
struct csv_layout {
	const char *names[MAX_COLS];
	size_t n;
	size_t map[FL_NKINDS][MAX_COLS];
};

static void csv_layout(struct csv_layout *l, enum fl_kind only)
{
	l->n = 0;
	for (int k = 0; k < FL_NKINDS; k++) {
		size_t nc;
		const struct export_column *cols = export_columns(k, &nc);
		if (only != FL_KIND_NONE && k != (int)only)
			continue;
		for (size_t i = 0; i < nc; i++) {
			size_t j;
			for (j = 0; j < l->n; j++)
				if (!strcmp(l->names[j], cols[i].name))
					break;
			if (j == l->n) {
				if (l->n == MAX_COLS)
					fl_die("too many export columns");
				l->names[l->n++] = cols[i].name;
			}
			l->map[k][i] = j;
		}
	}
}

static void csv_header(FILE *out, const struct csv_layout *l)
{
	fputs("\xEF\xBB\xBF", out);   /* BOM: Excel then reads UTF-8 */
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			putc(',', out);
		csv_cell(out, l->names[i], strlen(l->names[i]));
	}
	fputs("\r\n", out);
}

static void csv_row(FILE *out, const struct csv_layout *l, enum fl_kind kind,
		    const struct strbuf *cells)
{
	const struct strbuf *at[MAX_COLS] = { NULL };
	size_t nc;
	export_columns(kind, &nc);
	for (size_t i = 0; i < nc; i++)
		at[l->map[kind][i]] = &cells[i];
	for (size_t j = 0; j < l->n; j++) {
		if (j)
			putc(',', out);
		if (at[j])
			csv_cell(out, at[j]->buf, at[j]->len);
	}
	fputs("\r\n", out);
}

/* --- JSON ------------------------------------------------------------------------ */

/*
 * One record as an element of the canonical array: its canonical form
 * with every line indented by two more spaces. A newline inside a string
 * is written "\n", so every raw newline is a line of the layout.
 */
static void json_element(FILE *out, struct strbuf *tmp, const cJSON *rec, int first)
{
	strbuf_reset(tmp);
	fl_json_write(tmp, rec, 0);
	fputs(first ? "[\n  " : ",\n  ", out);
	const char *s = tmp->buf, *end = tmp->buf + tmp->len, *nl;
	while ((nl = memchr(s, '\n', (size_t)(end - s)))) {
		fwrite(s, 1, (size_t)(nl + 1 - s), out);
		fputs("  ", out);
		s = nl + 1;
	}
	fwrite(s, 1, (size_t)(end - s), out);
}

/* --- the export ---------------------------------------------------------------- */

static const char *col_or_null(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_TEXT ? fl_col_text(st, col) : NULL;
}

/* A temporary file beside `output`, or stdout. */
struct sink {
	const char *output;
	char *tmp;
	FILE *f;
};

static int sink_open(struct sink *s, const char *output)
{
	int fd;
	s->output = output;
	s->tmp = NULL;
	s->f = stdout;
	if (!output)
		return 0;
	s->tmp = xstrfmt("%s.tmp.%ld", output, (long)getpid());
	fd = open(s->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || !(s->f = fdopen(fd, "wb"))) {
		int e = fl_error(FL_ERROR, "cannot create '%s': %s", output, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(s->tmp);
		s->tmp = NULL;
		return e;
	}
	return 0;
}

/* Completes (ok) or abandons the output; returns 0 or FL_ERROR. */
static int sink_close(struct sink *s, int ok)
{
	int e = 0;
	if (!s->tmp) {
		if (fflush(stdout) || ferror(stdout))
			e = fl_error(FL_ERROR, "cannot write the export: %s", strerror(errno));
		return ok ? e : FL_ERROR;
	}
	if (ok && (fflush(s->f) || ferror(s->f) || fsync(fileno(s->f)) < 0))
		e = fl_error(FL_ERROR, "cannot write '%s': %s", s->tmp, strerror(errno));
	if (fclose(s->f) && ok && !e)
		e = fl_error(FL_ERROR, "cannot write '%s': %s", s->tmp, strerror(errno));
	if (ok && !e && rename(s->tmp, s->output) < 0)
		e = fl_error(FL_ERROR, "cannot rename '%s': %s", s->tmp, strerror(errno));
	if (!ok || e)
		unlink(s->tmp);
	free(s->tmp);
	return ok ? e : FL_ERROR;
}

/* The directory of path, for temporary files beside it. Caller frees. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

int export_run(struct ws *ws, const struct filters *f, enum export_format format,
	       const char *output)
{
	enum fl_kind only = f->kind ? fl_kind_parse(f->kind) : FL_KIND_NONE;
	struct strbuf cells[MAX_COLS], tmp = STRBUF_INIT;
	struct csv_layout *layout = NULL;
	struct xlsx *x = NULL;
	struct sink sink = { NULL, NULL, NULL };
	char *xlsx_tmp = NULL;
	size_t n = 0, cut = 0;
	int err = 0;

	for (size_t i = 0; i < MAX_COLS; i++)
		strbuf_init(&cells[i]);

	if (format == EXPORT_XLSX) {
		enum fl_kind kinds[FL_NKINDS];
		size_t nk = 0;
		char *dir;
		if (!output) {
			err = fl_error(FL_EINVALID, "an Excel workbook needs a file: add '-o FILE'");
			goto done;
		}
		for (int k = 0; k < FL_NKINDS; k++)
			if (only == FL_KIND_NONE || k == (int)only)
				kinds[nk++] = k;
		/*
		 * libxlsxwriter writes the file whole at the end: beside the
		 * output, which must be writable before the work starts.
		 */
		xlsx_tmp = xstrfmt("%s.tmp.%ld", output, (long)getpid());
		int fd = open(xlsx_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			err = fl_error(FL_ERROR, "cannot create '%s': %s", output, strerror(errno));
			goto done;
		}
		close(fd);
		dir = dir_of(output);
		err = xlsx_open(&x, xlsx_tmp, dir, kinds, nk);
		free(dir);
		if (err < 0)
			goto done;
	} else {
		if ((err = sink_open(&sink, output)) < 0)
			goto done;
		if (format == EXPORT_CSV) {
			layout = xmalloc(sizeof(*layout));
			csv_layout(layout, only);
			csv_header(sink.f, layout);
		}
	}

	fl_db_set_sort_on_disk(ws->db, 1);
	char *select = xstrfmt("SELECT r.json, %s,"
		" (SELECT p.name FROM people p WHERE p.id = r.author),"
		" (SELECT json_extract(p.provinces, '$[0]') FROM people p WHERE p.id = r.author),"
		" (SELECT json_extract(t.json, '$.communes[0]') FROM records t WHERE t.id = r.target),"
		" (SELECT json_extract(p.provinces, '$[0]') FROM records t, people p"
		"  WHERE t.id = r.target AND p.id = t.author)"
		" FROM records r WHERE 1", effective_status_sql);
	sqlite3_stmt *st = filters_query(ws, f, f->kind, select,
		"CASE r.kind WHEN 'schedule' THEN 0 WHEN 'visit' THEN 1 WHEN 'issue' THEN 2"
		" WHEN 'report' THEN 3 ELSE 4 END, r.created_at, r.id");
	free(select);
	while (!err && fl_step(st)) {
		cJSON *rec = NULL;
		const char *t = fl_col_text(st, 0);
		if (fl_json_parse(&rec, t, strlen(t)) < 0)
			continue;
		enum fl_kind kind = fl_kind_parse(fl_json_str(rec, "kind"));
		if (kind == FL_KIND_NONE) {
			cJSON_Delete(rec);
			continue;
		}
		struct row_ctx ctx = { ws, fl_col_text(st, 1), col_or_null(st, 2),
				       col_or_null(st, 3), col_or_null(st, 4), col_or_null(st, 5) };
		if (format == EXPORT_JSON) {
			json_element(sink.f, &tmp, rec, n == 0);
		} else {
			record_cells(cells, rec, kind, &ctx);
			if (format == EXPORT_CSV) {
				csv_row(sink.f, layout, kind, cells);
			} else {
				const char *text[MAX_COLS];
				size_t nc;
				export_columns(kind, &nc);
				for (size_t i = 0; i < nc; i++)
					text[i] = cells[i].buf;
				err = xlsx_row(x, kind, text);
			}
		}
		n++;
		cJSON_Delete(rec);
	}
	sqlite3_finalize(st);
	fl_db_set_sort_on_disk(ws->db, 0);
	if (format == EXPORT_JSON && !err)
		fputs(n ? "\n]\n" : "[]\n", sink.f);

	if (format == EXPORT_XLSX) {
		if (!err) {
			err = xlsx_close(x, &cut);
			x = NULL;
		}
		if (!err) {
			/* The bytes on disk before the name points at them. */
			int fd = open(xlsx_tmp, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || fsync(fd) < 0)
				err = fl_error(FL_ERROR, "cannot write '%s': %s", xlsx_tmp,
					       strerror(errno));
			if (fd >= 0)
				close(fd);
		}
		if (!err && rename(xlsx_tmp, output) < 0)
			err = fl_error(FL_ERROR, "cannot rename '%s': %s", xlsx_tmp, strerror(errno));
	} else {
		err = sink_close(&sink, !err);
		sink.f = NULL;
	}

done:
	xlsx_abort(x);
	if (err < 0 && xlsx_tmp)
		unlink(xlsx_tmp);
	if (sink.f)
		sink_close(&sink, 0);
	free(xlsx_tmp);
	free(layout);
	strbuf_release(&tmp);
	for (size_t i = 0; i < MAX_COLS; i++)
		strbuf_release(&cells[i]);
	if (err < 0)
		return fail();
	if (cut)
		fprintf(stderr, _("warning: cells longer than a spreadsheet cell holds (32,767 "
				  "characters) were cut short: %zu; the CSV and JSON exports hold "
				  "them whole\n"), cut);
	if (output)
		fprintf(stderr, _("%zu record%s exported to %s\n"), n, n == 1 ? "" : "s", output);
	return EXIT_OK;
}
