/*
 * report-html.c: writes a struct doc (report-doc.h) as one self-contained
 * HTML page, laid out like the Word document (docx.c): the header block in
 * two columns, the body in sections, Nơi nhận and the signature. CSS is
 * inline and there are no scripts, fonts or links to fetch, so the page
 * opens offline and prints on A4 with the decree's margins (@page).
 *
 * The markup is also well-formed XML (every element closed, only the five
 * XML entities), so it can be checked with an XML parser.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/report-doc.h"

#include <stdlib.h>
#include <string.h>

static void element(struct strbuf *sb, const char *tag, const char *cls, const char *text)
{
	if (cls)
		strbuf_addf(sb, "<%s class=\"%s\">", tag, cls);
	else
		strbuf_addf(sb, "<%s>", tag);
	doc_escape(sb, text);
	strbuf_addf(sb, "</%s>\n", tag);
}

static const char style[] =
	"@page { size: A4 portrait; margin: 20mm 15mm 20mm 30mm; }\n"
	"body { font-family: 'Times New Roman', Times, serif; font-size: 14pt; max-width: 165mm;"
	" margin: 1em auto; line-height: 1.2; }\n"
	"table.head, table.foot { width: 100%; border-collapse: collapse; }\n"
	"table.head td, table.foot td { vertical-align: top; text-align: center; padding: 0; }\n"
	"td.left { width: 38%; } .agency, .number, .place { font-size: 13pt; }\n"
	".unit { font-weight: bold; font-size: 13pt; }\n"
	".line { width: 40%; margin: 2pt auto 6pt; border-top: 1px solid #000; }\n"
	".nation { font-weight: bold; font-size: 12pt; }\n"
	".motto { font-weight: bold; font-size: 13pt; text-decoration: underline; margin-bottom: 12pt; }\n"
	".place { font-style: italic; }\n"
	"h1 { font-size: 14pt; text-align: center; margin: 18pt 0 0; }\n"
	"p.subject { font-weight: bold; text-align: center; margin: 0 0 12pt; }\n"
	"h2 { font-size: 14pt; margin: 6pt 0; text-indent: 1cm; }\n"
	"h3 { font-size: 14pt; font-style: italic; margin: 3pt 0 6pt; text-indent: 1cm; }\n"
	"p { margin: 0 0 6pt; text-align: justify; text-indent: 1cm; }\n"
	"p.detail { margin-left: 1cm; }\n"
	"table.data { width: 100%; border-collapse: collapse; font-size: 12pt; margin: 6pt 0 12pt; }\n"
	"table.data th, table.data td { border: 1px solid #000; padding: 2pt 3pt; text-align: center; }\n"
	"table.data td:first-child { text-align: left; }\n"
	".foot .left { text-align: left; } .recipients-title { font-weight: bold; font-style: italic;"
	" font-size: 12pt; } .recipient { font-size: 11pt; text-indent: 0; margin: 0; text-align: left; }\n"
	".signer-title, .signer { font-weight: bold; } .signer { margin-top: 60pt; }\n";

static void row(struct strbuf *sb, const char *cells, const char *tag)
{
	const char *p = cells;
	strbuf_addstr(sb, "<tr>");
	for (;;) {
		const char *tab = strchr(p, '\t');
		size_t len = tab ? (size_t)(tab - p) : strlen(p);
		char *cell = xstrndup(p, len);
		strbuf_addf(sb, "<%s>", tag);
		doc_escape(sb, cell);
		strbuf_addf(sb, "</%s>", tag);
		free(cell);
		if (!tab)
			break;
		p = tab + 1;
	}
	strbuf_addstr(sb, "</tr>\n");
}

void html_write(struct strbuf *sb, const struct doc *d)
{
	strbuf_addstr(sb, "<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\"/>\n");
	strbuf_addstr(sb, "<title>");
	doc_escape(sb, d->title);
	strbuf_addstr(sb, " ");
	doc_escape(sb, d->subject);
	strbuf_addf(sb, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", style);

	strbuf_addstr(sb, "<table class=\"head\"><tr><td class=\"left\">\n");
	element(sb, "div", "agency", d->agency);
	element(sb, "div", "unit", d->unit);
	strbuf_addstr(sb, "<div class=\"line\"></div>\n");
	element(sb, "div", "number", d->number);
	strbuf_addstr(sb, "</td><td class=\"right\">\n");
	element(sb, "div", "nation", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM");
	element(sb, "div", "motto", "Độc lập - Tự do - Hạnh phúc");
	element(sb, "div", "place", d->place_date);
	strbuf_addstr(sb, "</td></tr></table>\n");
	element(sb, "h1", NULL, d->title);
	element(sb, "p", "subject", d->subject);

	for (size_t i = 0; i < d->n; i++) {
		const struct doc_block *b = &d->v[i];
		char *t;
		switch (b->kind) {
		case DOC_HEADING:
			element(sb, "h2", NULL, b->text);
			break;
		case DOC_SUBHEADING:
			element(sb, "h3", NULL, b->text);
			break;
		case DOC_PARA:
			element(sb, "p", NULL, b->text);
			break;
		case DOC_BULLET:
			t = xstrfmt("- %s", b->text);
			element(sb, "p", "bullet", t);
			free(t);
			break;
		case DOC_DETAIL:
			element(sb, "p", "detail", b->text);
			break;
		case DOC_ROW_HEAD:
		case DOC_ROW:
			strbuf_addstr(sb, "<table class=\"data\">\n");
			row(sb, b->text, b->kind == DOC_ROW_HEAD ? "th" : "td");
			while (i + 1 < d->n && d->v[i + 1].kind == DOC_ROW)
				row(sb, d->v[++i].text, "td");
			strbuf_addstr(sb, "</table>\n");
			break;
		}
	}

	strbuf_addstr(sb, "<table class=\"foot\"><tr><td class=\"left\">\n");
	element(sb, "div", "recipients-title", "Nơi nhận:");
	for (size_t i = 0; i < d->recipients.n; i++)
		element(sb, "p", "recipient", d->recipients.v[i]);
	strbuf_addstr(sb, "</td><td class=\"right\">\n");
	element(sb, "div", "signer-title", d->signer_title);
	element(sb, "div", "signer", d->signer);
	strbuf_addstr(sb, "</td></tr></table>\n</body>\n</html>\n");
}
