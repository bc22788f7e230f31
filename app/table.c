/*
 * table.c: the tables `list`, `communes`, `roster` and `stats` print.
 * Columns are aligned in display columns, not bytes or code points: a
 * Vietnamese combining mark takes none, a CJK character two (utf8proc's
 * charwidth, schema/text.h), so "Nguyễn" written with a combining tilde
 * lines up with the same name precomposed.
 *
 * On a terminal the table fits its width. An id must stay whole to be
 * copied into `show`, `edit` or `delete`, and a date or a status cut to
 * "in_prog…" says less than the space it saves; so the first column and
 * every one-word column of at most 12 columns (ids 10, dates 10,
 * "in_progress" 11) keep their width, and the widest text columns give
 * up one column at a time, down to 6, ending in "…" (the last column,
 * the record's own text, counts half). A table that still
 * does not fit is printed as it is. --wide, a pipe or a file: no limit.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/term.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "schema/text.h"

/* The widest one-word column that is never cut; the narrowest a text column gets. */
#define TABLE_KEEP_WIDTH 12
#define TABLE_MIN_WIDTH 6

void table_init(struct table *t, size_t ncols, const char **headers)
{
	/* Headers come marked N_() in static tables: translated here, once. */
	const char **h = xcalloc(ncols, sizeof(*h));
	for (size_t i = 0; i < ncols; i++)
		h[i] = _(headers[i]);
	t->ncols = ncols;
	t->headers = h;
	t->colored = 0;
	memset(&t->cells, 0, sizeof(t->cells));
}

void table_add(struct table *t, ...)
{
	va_list ap;
	va_start(ap, t);
	for (size_t i = 0; i < t->ncols; i++) {
		const char *s = va_arg(ap, const char *);
		strlist_add(&t->cells, s ? s : "");
	}
	va_end(ap);
}

void table_release(struct table *t)
{
	free((void *)t->headers);
	t->headers = NULL;
	strlist_release(&t->cells);
}

/* Display width of s's first line, plus one for the "…" that stands for the rest. */
static size_t cell_width(const char *s)
{
	const char *nl = strchr(s, '\n');
	char *line;
	size_t w;

	if (!nl)
		return fl_utf8_width(s);
	line = xstrndup(s, (size_t)(nl - s));
	w = fl_utf8_width(line) + 1;
	free(line);
	return w;
}

static void put_cell(FILE *f, const char *s, size_t width, int last, int color)
{
	const char *nl = strchr(s, '\n');
	const char *sgr = color && term_color() ? term_color_of(s) : NULL;
	size_t w = cell_width(s);

	if (sgr)
		fputs(sgr, f);
	if (w > width || nl) {
		char *tmp = xstrndup(s, nl ? (size_t)(nl - s) : strlen(s));
		size_t fit = w > width ? width - 1 : width;
		tmp[fl_utf8_prefix_for_width(tmp, fit ? fit : 0)] = '\0';
		fputs(tmp, f);
		fputs("…", f);
		w = fl_utf8_width(tmp) + 1;
		free(tmp);
	} else {
		fputs(s, f);
	}
	if (sgr)
		fputs(TERM_RESET, f);
	if (!last)
		for (; w < width + 2; w++)
			fputc(' ', f);
}

/* Whether column c may shrink: text, not the id nor a short one-word column. */
static int can_shrink(const struct table *t, size_t c, size_t natural)
{
	size_t rows = t->cells.n / t->ncols;

	if (c == 0)
		return 0;
	if (natural > TABLE_KEEP_WIDTH)
		return 1;
	for (size_t r = 0; r < rows; r++)
		if (strpbrk(t->cells.v[r * t->ncols + c], " \n"))
			return 1;
	return 0;
}

/*
 * The last column is the record's own text (title, summary): it keeps
 * twice the width of the others before it gives up a column.
 */
static size_t weighed(const struct table *t, size_t c, const size_t *width)
{
	return c + 1 == t->ncols ? (width[c] + 1) / 2 : width[c];
}

/* Column widths: each column's widest cell, shrunk as the file comment says to fit tw. */
static size_t *fit_widths(const struct table *t, size_t tw)
{
	size_t rows = t->cells.n / t->ncols, total = 0, c;
	size_t *width = xcalloc(t->ncols, sizeof(size_t));
	unsigned char *shrink = xcalloc(t->ncols, 1);

	for (c = 0; c < t->ncols; c++) {
		width[c] = fl_utf8_width(t->headers[c]);
		for (size_t r = 0; r < rows; r++) {
			size_t w = cell_width(t->cells.v[r * t->ncols + c]);
			if (w > width[c])
				width[c] = w;
		}
		shrink[c] = (unsigned char)can_shrink(t, c, width[c]);
		total += width[c] + (c + 1 < t->ncols ? 2 : 0);
	}
	while (tw && total > tw) {
		size_t widest = t->ncols;
		for (c = 0; c < t->ncols; c++)
			if (shrink[c] && width[c] > TABLE_MIN_WIDTH &&
			    (widest == t->ncols || weighed(t, c, width) > weighed(t, widest, width)))
				widest = c;
		if (widest == t->ncols)
			break;
		width[widest]--;
		total--;
	}
	free(shrink);
	return width;
}

void table_print(struct table *t, FILE *f)
{
	size_t rows = t->cells.n / t->ncols, r, c;
	size_t *width = fit_widths(t, term_width());

	for (c = 0; c < t->ncols; c++)
		put_cell(f, t->headers[c], width[c], c + 1 == t->ncols, 0);
	fputc('\n', f);
	for (r = 0; r < rows; r++) {
		for (c = 0; c < t->ncols; c++)
			put_cell(f, t->cells.v[r * t->ncols + c], width[c], c + 1 == t->ncols,
				 c < 32 && (t->colored >> c & 1));
		fputc('\n', f);
	}
	free(width);
}
