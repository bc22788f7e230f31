/*
 * export.h: `fieldlog export` as a stream. Records are read one at a time
 * from the index in the order of the filters' query and written at once
 * (CSV, JSON, or an Excel workbook through xlsx.c), so that memory stays
 * the same whatever the number of records.
 *
 * A record becomes a row of text cells, one per column of its kind: the
 * record's fields under their own names, with the names beside the codes
 * (author_name, province and province_name, commune_name(s),
 * domain_label) and an issue's effective_status. A multi-valued field is
 * one JSON array in its cell (`["11557","11560"]`), empty when the list
 * is: long texts may hold newlines, semicolons and commas, and only an
 * encoding with quoting keeps their boundaries whatever they contain.
 */
#ifndef FL_EXPORT_H
#define FL_EXPORT_H

#include "app/records.h"
#include "schema/record.h"

enum export_format { EXPORT_CSV, EXPORT_JSON, EXPORT_XLSX };

/*
 * The format that --format (or --json) asks for, CSV by default, and -1
 * when unknown. --format is then cleared: the filters know no xlsx.
 */
int export_format(struct filters *f);

/* How a cell's text is to be read (an Excel workbook types its cells). */
enum export_type {
	EX_TEXT,   /* text as it is */
	EX_CODE,   /* a short code or id */
	EX_DATE,   /* YYYY-MM-DD or empty */
	EX_TIME,   /* RFC 3339 or empty */
	EX_LIST,   /* a JSON array or object, or empty */
};

struct export_column {
	const char *name;
	enum export_type type;
	int width;   /* the widest an Excel column is made, in characters */
};

/* The columns of a kind's rows; *n of them. */
const struct export_column *export_columns(enum fl_kind kind, size_t *n);

/*
 * Writes the records that the filters (and f->kind) select to `output`
 * (a temporary file beside it renamed into place once complete) or, for
 * CSV and JSON, to stdout when output is NULL. Prints "N records exported
 * to FILE" on stderr after a file. Returns EXIT_OK, or EXIT_ERROR with the
 * error printed.
 */
int export_run(struct ws *ws, const struct filters *f, enum export_format format,
	       const char *output);

/* --- the Excel workbook (xlsx.c) ------------------------------------------ */

struct xlsx;

/*
 * Starts a workbook to be written to `path`, with a sheet for each of
 * kinds[0..nkinds) in that order (named after the kind), each with its
 * header row frozen. Worksheet data goes to temporary files in `tmpdir`
 * (libxlsxwriter's constant_memory mode), not to memory. Returns 0 or
 * FL_ERROR.
 */
int xlsx_open(struct xlsx **out, const char *path, const char *tmpdir,
	      const enum fl_kind *kinds, size_t nkinds);
/*
 * Appends a row to the sheet of `kind`: cells[i] is the text of column i
 * of export_columns(kind); dates and times become Excel dates. Returns 0
 * or FL_ERROR.
 */
int xlsx_row(struct xlsx *x, enum fl_kind kind, const char *const *cells);
/*
 * Sets the autofilters and column widths, writes the file and frees x
 * (also on error). *cut is the number of cells longer than Excel allows
 * that were cut short. Returns 0 or FL_ERROR.
 */
int xlsx_close(struct xlsx *x, size_t *cut);
/* Frees x without writing anything (x may be NULL). */
void xlsx_abort(struct xlsx *x);

#endif
