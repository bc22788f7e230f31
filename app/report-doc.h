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

/*
 * Appends s escaped for XML and HTML text and attributes (& < > "); tabs
 * and newlines become spaces, other control characters are dropped (a
 * record's text is valid UTF-8 without them, schema/record.c).
 */
void doc_escape(struct strbuf *sb, const char *s);

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

/* Writes d in `format` and prints where; the file defaults to BASE.FORMAT. */
int doc_write_and_say(const struct doc *d, const char *format, const char *output,
		      const char *base);
/* 0, or the format refused with an error printed (the exit code). */
int doc_check_format(const char *format);
/*
 * The header block and the closing parts every report shares: BỘ NỘI VỤ,
 * the unit line (dotted when unset), Số, "PLACE, ngày …" for the date of
 * `date` (YYYY-MM-DD…), BÁO CÁO, the subject and the signer.
 */
void doc_frame(struct doc *d, const char *unit, const char *place, const char *date,
	       const char *subject, const char *signer);
/* argv with -o FILE spelled --output FILE, for parse_opts. Caller frees the array. */
const char **doc_argv(int argc, const char **argv);
/*
 * What `report week` and `report weekly` do after parsing: the week is
 * the one positional argument or --week (*week; not both), --format is
 * checked, and no week means the week of now. Fills now (the time,
 * 32 bytes) and wbuf (the week when it is computed, 9 bytes). Returns 0
 * or the exit code of the message printed.
 */
int doc_week_args(const char **week, char wbuf[9], char now[32], const char **pos, int npos,
		  const char *format, const char *usage);

/* Vietnamese labels for codes; borrowed. Unknown codes come back as they are. */
const char *vi_severity(const char *s);
const char *vi_status(const char *s);
const char *vi_domain(const char *id);
const char *vi_commune(const char *code);
const char *vi_weekday(const char *date);
/* "08/9" from YYYY-MM-DD, or "08/9/2025" with `year`. */
void vi_day_month(char out[16], const char *date, int year);
/* "ngày 11 tháng 9 năm 2025". Caller frees. */
char *vi_date_words(const char *date);
struct fl_province;
/* "Hà Tĩnh" for "Tỉnh Hà Tĩnh". */
const char *vi_province_short(const struct fl_province *p);

/*
 * Hooks for cmd-report.c and cmd-report-weekly.c. report_doc_wanted says
 * whether argv asks for --format docx or html; the commands then hand
 * argv over whole, with the workspace their table entry opened.
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

/*
 * The officers a week's roll-up expects (province, id, name; bind :w to the
 * week): everyone in the roster as an officer, and anyone outside it who
 * wrote an officer's kind of record that week, placed in the province they
 * wrote about most. Shared by `report weekly` and the dashboard.
 */
#define DOC_EXPECTED_OFFICERS_SQL \
	"SELECT coalesce(json_extract(p.provinces, '$[0]'), ''), p.id, p.name FROM people p" \
	" WHERE p.role = 'officer'" \
	" UNION SELECT coalesce((SELECT rc.province_code FROM records x" \
	"   JOIN record_communes rc ON rc.id = x.id WHERE x.author = r.author" \
	"   GROUP BY rc.province_code ORDER BY count(*) DESC, rc.province_code LIMIT 1), '')," \
	"   r.author, r.author FROM (SELECT DISTINCT author FROM records" \
	"   WHERE author NOT IN (SELECT id FROM people)) r WHERE EXISTS (SELECT 1 FROM records y" \
	"   WHERE y.author = r.author AND y.kind IN ('schedule', 'visit', 'issue', 'report')" \
	"   AND y.week = :w AND y.deleted = 0)"

#endif
