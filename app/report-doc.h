/*
 * report-doc.h: the weekly report as an administrative document
 * (Nghị định 30/2020/NĐ-CP, Phụ lục I): a neutral model built from the
 * week's records (report-doc.c), written as OOXML (docx.c) or HTML
 * (report-html.c), and the report subcommands that make it.
 */
#ifndef FL_REPORT_DOC_H
#define FL_REPORT_DOC_H

#include "app/fieldlog.h"

/* A block of the body, in reading order. */
enum doc_kind {
	DOC_HEADING,     /* "I. Công tác đã thực hiện": bold */
	DOC_SUBHEADING,  /* "1. Lịch công tác": bold italic */
	DOC_PARA,        /* justified body text, first line indented */
	DOC_BULLET,      /* "- item", as the decree's documents write lists */
	DOC_DETAIL,      /* a line under a bullet, indented further */
	DOC_ROW_HEAD,    /* a table's header row: cells separated by '\t' */
	DOC_ROW,         /* a table row; consecutive rows make one table */
};

struct doc_block {
	enum doc_kind kind;
	char *text;
};

/*
 * The document. Every string is valid NFC UTF-8 owned by the doc; the
 * writers escape it. The header block: `agency` (BỘ NỘI VỤ) and `unit` at
 * the top left with `number` under them; the national motto at the top
 * right with `place_date` under it; then `title` and `subject`, centred.
 */
struct doc {
	char *agency, *unit, *number, *place_date, *title, *subject;
	struct doc_block *v;
	size_t n, alloc;
	struct strlist recipients;   /* "Nơi nhận:" lines */
	char *signer_title, *signer;
};

void doc_init(struct doc *d);
void doc_release(struct doc *d);
/* Appends a block; the text is made one line (newlines and tabs to spaces). */
void doc_add(struct doc *d, enum doc_kind kind, const char *fmt, ...) FL_PRINTF(3, 4);
/* Appends a table row whose cells are given as '\t'-separated text. */
void doc_add_row(struct doc *d, int head, const char *cells);

/*
 * Writes d as a Word document (OOXML, A4 portrait, Times New Roman) to
 * path, through a temporary file renamed into place. 0 or FL_ERROR.
 */
int docx_write(const struct doc *d, const char *path);
/* Appends d as a self-contained HTML page (CSS inline, no scripts). */
void html_write(struct strbuf *sb, const struct doc *d);

/* Writes d in `format` ("docx" or "html") to path ("-": stdout for html). */
int doc_write(const struct doc *d, const char *format, const char *path);

/*
 * Hooks for cmd-report.c and cmd-report-weekly.c. report_doc_wanted says
 * whether argv asks for --format docx or html; the commands then hand
 * argv over whole. ws may be NULL: the command opens it.
 */
int report_doc_wanted(int argc, const char **argv);
int report_doc_week(int argc, const char **argv, struct ws *ws);
int report_doc_show(int argc, const char **argv, struct ws *ws);
int report_doc_weekly(int argc, const char **argv, struct ws *ws);
/* `fieldlog report unit [TEXT]`: shows or sets the unit line. */
int report_unit(int argc, const char **argv, struct ws *ws);
/*
 * Puts the document's parts (unit, place, subject, signer, sections) into
 * a report record about to be saved, so the reviewer renders the same
 * document from it.
 */
void report_doc_fill(struct ws *ws, cJSON *rec, const char *week, const char *summary);

#endif
