/*
 * xlsx.c: the Excel workbook of `fieldlog export --format xlsx`, through
 * libxlsxwriter (export.h).
 *
 * The workbook is made in constant_memory mode: each row is written to
 * its sheet's temporary file when the next one starts, so a million
 * records take no more memory than ten. The price is that a sheet's rows
 * must come in order (they do: each is appended) and that strings are
 * written inline rather than shared, which Excel and LibreOffice read
 * alike.
 *
 * A sheet per kind, named after it; the header row is frozen and carries
 * an autofilter over every row; dates (YYYY-MM-DD) and times (RFC 3339,
 * shown in Vietnam time, UTC+07:00, whatever offset they were written
 * with) are Excel dates with a day-first format; column widths follow
 * the longest first line seen, within the column's bounds. Excel holds at
 * most 32,767 characters in a cell and 1,048,576 rows in a sheet: longer
 * text is cut (and counted, for a warning), and a kind with more rows
 * goes on in a sheet "issue 2" and so on.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>


/* Excel's limits. */
#define CELL_MAX_CHARS 32767
#define SHEET_MAX_ROWS 1048576

struct sheet {
	lxw_worksheet *ws;
	enum fl_kind kind;
	lxw_row_t row;      /* the next row to write (0: the header) */
	int part;           /* 1, then 2, ... when a kind needs several sheets */
	int widths[64];     /* the widest first line seen, per column */
};

struct xlsx {
	lxw_workbook *wb;
	lxw_format *header, *date, *time;
	struct sheet *sheets[FL_NKINDS];
	struct sheet *all[64];   /* every sheet made, for the end */
	size_t nall;
	size_t cut;
	char *tmpdir;
};

static int lxw_fail(lxw_error e, const char *what)
{
	return fl_error(FL_ERROR, "cannot write the workbook (%s): %s", what, lxw_strerror(e));
}

/* Characters (not bytes) in s[0..len): what Excel counts. */
static size_t chars(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xC0) != 0x80;
	return n;
}

static void note_width(struct sheet *sh, size_t col, const char *s)
{
	const char *nl = strchr(s, '\n');
	size_t w = chars(s, nl ? (size_t)(nl - s) : strlen(s));
	if (col < FL_ARRAY_SIZE(sh->widths) && (int)w > sh->widths[col])
		sh->widths[col] = w > 1000 ? 1000 : (int)w;
}

static struct sheet *sheet_new(struct xlsx *x, enum fl_kind kind, int part)
{
	char name[32];
	size_t n;
	const struct export_column *cols = export_columns(kind, &n);
	struct sheet *sh;

	if (x->nall == FL_ARRAY_SIZE(x->all))
		return NULL;
	if (part > 1)
		snprintf(name, sizeof(name), "%s %d", fl_kind_name(kind), part);
	else
		snprintf(name, sizeof(name), "%s", fl_kind_name(kind));
	lxw_worksheet *ws = workbook_add_worksheet(x->wb, name);
	if (!ws)
		return NULL;
	sh = xcalloc(1, sizeof(*sh));
	sh->ws = ws;
	sh->kind = kind;
	sh->part = part;
	x->all[x->nall++] = sh;
	worksheet_freeze_panes(ws, 1, 0);
	for (size_t i = 0; i < n; i++) {
		worksheet_write_string(ws, 0, (lxw_col_t)i, cols[i].name, x->header);
		note_width(sh, i, cols[i].name);
	}
	sh->row = 1;
	return sh;
}

int xlsx_open(struct xlsx **out, const char *path, const char *tmpdir,
	      const enum fl_kind *kinds, size_t nkinds)
{
	struct xlsx *x = xcalloc(1, sizeof(*x));
	x->tmpdir = xstrdup(tmpdir);
	lxw_workbook_options opts = { .constant_memory = LXW_TRUE, .tmpdir = x->tmpdir,
				      .use_zip64 = LXW_TRUE };

	*out = NULL;
	x->wb = workbook_new_opt(path, &opts);
	if (!x->wb) {
		free(x->tmpdir);
		free(x);
		return fl_error(FL_ERROR, "cannot start the workbook '%s'", path);
	}
	x->header = workbook_add_format(x->wb);
	format_set_bold(x->header);
	x->date = workbook_add_format(x->wb);
	format_set_num_format(x->date, "dd/mm/yyyy");
	x->time = workbook_add_format(x->wb);
	format_set_num_format(x->time, "dd/mm/yyyy hh:mm");
	for (size_t i = 0; i < nkinds; i++)
		if (!(x->sheets[kinds[i]] = sheet_new(x, kinds[i], 1))) {
			xlsx_abort(x);
			return fl_error(FL_ERROR, "cannot add the sheet '%s'", fl_kind_name(kinds[i]));
		}
	*out = x;
	return 0;
}

/* Parses "YYYY-MM-DD" at s into d; 0 or -1. */
static int parse_date(lxw_datetime *d, const char *s)
{
	if (!fl_date_valid(s))
		return -1;
	memset(d, 0, sizeof(*d));
	d->year = atoi(s);
	d->month = atoi(s + 5);
	d->day = atoi(s + 8);
	return 0;
}

/* An RFC 3339 time as the wall clock in Vietnam; 0 or -1. */
static int parse_time(lxw_datetime *d, const char *s)
{
	char vn[32], day[11];
	long long t = fl_time_parse(s);
	if (!*s || t < 0)
		return -1;
	fl_time_format_vn(vn, t);   /* 2025-09-11T08:30:00+07:00 */
	snprintf(day, sizeof(day), "%.10s", vn);
	if (parse_date(d, day) < 0)
		return -1;
	d->hour = atoi(vn + 11);
	d->min = atoi(vn + 14);
	d->sec = atoi(vn + 17);
	return 0;
}

/* s cut to Excel's cell size on a character boundary, in *buf. */
static const char *fit(struct xlsx *x, struct strbuf *buf, const char *s)
{
	size_t len = strlen(s), n = 0, i;
	if (len <= CELL_MAX_CHARS)
		return s;   /* bytes >= characters */
	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80 && ++n > CELL_MAX_CHARS - 1)
			break;
	if (i == len)
		return s;
	strbuf_reset(buf);
	strbuf_add(buf, s, i);
	strbuf_addstr(buf, "\xE2\x80\xA6");   /* … */
	x->cut++;
	return buf->buf;
}

int xlsx_row(struct xlsx *x, enum fl_kind kind, const char *const *cells)
{
	struct sheet *sh = x->sheets[kind];
	size_t n;
	const struct export_column *cols = export_columns(kind, &n);
	struct strbuf buf = STRBUF_INIT;
	lxw_error e = LXW_NO_ERROR;

	if (!sh)
		return fl_error(FL_ERROR, "no sheet for '%s'", fl_kind_name(kind));
	if (sh->row == SHEET_MAX_ROWS) {
		if (!(sh = sheet_new(x, kind, sh->part + 1)))
			return fl_error(FL_ERROR, "too many sheets for '%s'", fl_kind_name(kind));
		x->sheets[kind] = sh;
	}
	for (size_t i = 0; i < n && e == LXW_NO_ERROR; i++) {
		const char *s = cells[i];
		lxw_datetime d;
		if (!*s)
			continue;
		if (cols[i].type == EX_DATE && parse_date(&d, s) == 0) {
			e = worksheet_write_datetime(sh->ws, sh->row, (lxw_col_t)i, &d, x->date);
			if (sh->widths[i] < 10)
				sh->widths[i] = 10;
		} else if (cols[i].type == EX_TIME && parse_time(&d, s) == 0) {
			e = worksheet_write_datetime(sh->ws, sh->row, (lxw_col_t)i, &d, x->time);
			if (sh->widths[i] < 16)
				sh->widths[i] = 16;
		} else {
			s = fit(x, &buf, s);
			e = worksheet_write_string(sh->ws, sh->row, (lxw_col_t)i, s, NULL);
			note_width(sh, i, s);
		}
	}
	strbuf_release(&buf);
	if (e != LXW_NO_ERROR)
		return lxw_fail(e, fl_kind_name(kind));
	sh->row++;
	return 0;
}

static void sheet_finish(struct sheet *sh)
{
	size_t n;
	const struct export_column *cols = export_columns(sh->kind, &n);
	worksheet_autofilter(sh->ws, 0, 0, sh->row - 1, (lxw_col_t)(n - 1));
	for (size_t i = 0; i < n && i < FL_ARRAY_SIZE(sh->widths); i++) {
		/* Room for the filter's button beside the header, within bounds. */
		int cap = cols[i].width, hdr = (int)strlen(cols[i].name) + 3;
		int w = sh->widths[i] + 2;
		if (cap < hdr)
			cap = hdr;
		worksheet_set_column(sh->ws, (lxw_col_t)i, (lxw_col_t)i, w < cap ? w : cap, NULL);
	}
}

int xlsx_close(struct xlsx *x, size_t *cut)
{
	lxw_error e;
	int err = 0;

	for (size_t i = 0; i < x->nall; i++)
		sheet_finish(x->all[i]);
	*cut = x->cut;
	e = workbook_close(x->wb);
	if (e != LXW_NO_ERROR)
		err = lxw_fail(e, "closing");
	x->wb = NULL;
	xlsx_abort(x);
	return err;
}

void xlsx_abort(struct xlsx *x)
{
	if (!x)
		return;
	if (x->wb)
		lxw_workbook_free(x->wb);
	for (size_t i = 0; i < x->nall; i++)
		free(x->all[i]);
	free(x->tmpdir);
	free(x);
}
