/*
 * docx.c: writes a struct doc (report-doc.h) as a Word document: the
 * OOXML parts (WordprocessingML) generated here as text, zipped with
 * libzip into the package Word and LibreOffice open.
 *
 * The page follows Nghị định 30/2020/NĐ-CP, Phụ lục I: A4 portrait
 * (11906 x 16838 twips), margins top and bottom 20 mm (1134 twips), left
 * 30 mm (1701), right 15 mm (850); Times New Roman, body 14 pt. The header
 * block is a borderless two-column table: issuing body on the left, the
 * national motto on the right, as the decree's model lays them out.
 *
 * Every text goes through xml_text, which escapes the five XML specials
 * and drops what XML 1.0 cannot carry (C0 controls); the records' text is
 * valid NFC UTF-8 already (schema/record.c refuses anything else), so the
 * bytes pass through unchanged. The zip entries carry a fixed time, so the
 * same document makes the same file.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/report-doc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

/* The text width: 11906 - 1701 - 850 twips. */
#define TEXT_WIDTH 9355
#define LEFT_COL 3600
#define RIGHT_COL (TEXT_WIDTH - LEFT_COL)

enum {
	R_BOLD = 1, R_ITALIC = 2, R_UNDERLINE = 4,
};

/* A run of text; size in half-points (28 = 14 pt). */
static void run(struct strbuf *sb, const char *text, unsigned flags, int size)
{
	strbuf_addstr(sb, "<w:r><w:rPr>");
	if (flags & R_BOLD)
		strbuf_addstr(sb, "<w:b/><w:bCs/>");
	if (flags & R_ITALIC)
		strbuf_addstr(sb, "<w:i/><w:iCs/>");
	if (flags & R_UNDERLINE)
		strbuf_addstr(sb, "<w:u w:val=\"single\"/>");
	strbuf_addf(sb, "<w:sz w:val=\"%d\"/><w:szCs w:val=\"%d\"/></w:rPr>"
		    "<w:t xml:space=\"preserve\">", size, size);
	doc_escape(sb, text);
	strbuf_addstr(sb, "</w:t></w:r>");
}

/* A paragraph of one run. jc: "center", "both", "left"; ind: extra pPr. */
static void para(struct strbuf *sb, const char *jc, const char *ppr, const char *text,
		 unsigned flags, int size)
{
	strbuf_addf(sb, "<w:p><w:pPr>%s<w:jc w:val=\"%s\"/></w:pPr>", ppr ? ppr : "", jc);
	if (text && *text)
		run(sb, text, flags, size);
	strbuf_addstr(sb, "</w:p>");
}

static const char no_borders[] =
	"<w:tblBorders><w:top w:val=\"nil\"/><w:left w:val=\"nil\"/><w:bottom w:val=\"nil\"/>"
	"<w:right w:val=\"nil\"/><w:insideH w:val=\"nil\"/><w:insideV w:val=\"nil\"/></w:tblBorders>";
static const char tight[] = "<w:spacing w:before=\"0\" w:after=\"0\"/>";

static void two_columns_open(struct strbuf *sb, int left, int right)
{
	strbuf_addf(sb, "<w:tbl><w:tblPr><w:tblW w:w=\"%d\" w:type=\"dxa\"/>"
		    "<w:tblLayout w:type=\"fixed\"/>%s</w:tblPr><w:tblGrid><w:gridCol w:w=\"%d\"/>"
		    "<w:gridCol w:w=\"%d\"/></w:tblGrid><w:tr>", left + right, no_borders, left, right);
}

static void cell_open(struct strbuf *sb, int width)
{
	strbuf_addf(sb, "<w:tc><w:tcPr><w:tcW w:w=\"%d\" w:type=\"dxa\"/></w:tcPr>", width);
}

static void header_block(struct strbuf *sb, const struct doc *d)
{
	two_columns_open(sb, LEFT_COL, RIGHT_COL);
	cell_open(sb, LEFT_COL);
	para(sb, "center", tight, d->agency, 0, 26);
	para(sb, "center", tight, d->unit, R_BOLD, 26);
	/* The short line under the issuing body: a top border on an empty paragraph. */
	strbuf_addstr(sb, "<w:p><w:pPr><w:pBdr><w:top w:val=\"single\" w:sz=\"6\" w:space=\"1\""
		      " w:color=\"auto\"/></w:pBdr><w:spacing w:before=\"0\" w:after=\"120\"/>"
		      "<w:ind w:left=\"1100\" w:right=\"1100\"/><w:jc w:val=\"center\"/></w:pPr></w:p>");
	para(sb, "center", tight, d->number, 0, 26);
	strbuf_addstr(sb, "</w:tc>");
	cell_open(sb, RIGHT_COL);
	para(sb, "center", tight, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", R_BOLD, 24);
	para(sb, "center", "<w:spacing w:before=\"0\" w:after=\"240\"/>",
	     "Độc lập - Tự do - Hạnh phúc", R_BOLD | R_UNDERLINE, 26);
	para(sb, "center", tight, d->place_date, R_ITALIC, 26);
	strbuf_addstr(sb, "</w:tc></w:tr></w:tbl>");

	para(sb, "center", "<w:spacing w:before=\"360\" w:after=\"0\"/>", d->title, R_BOLD, 28);
	para(sb, "center", "<w:spacing w:before=\"0\" w:after=\"240\"/>", d->subject, R_BOLD, 28);
}

static const char body_spacing[] = "<w:spacing w:before=\"0\" w:after=\"120\" w:line=\"288\""
				   " w:lineRule=\"auto\"/>";

/* A table from blocks [i, j): rows whose cells are '\t'-separated. */
static void table(struct strbuf *sb, const struct doc *d, size_t i, size_t j)
{
	size_t ncols = 1;
	for (const char *p = d->v[i].text; *p; p++)
		ncols += *p == '\t';
	int w = (int)(TEXT_WIDTH / ncols);
	strbuf_addf(sb, "<w:tbl><w:tblPr><w:tblW w:w=\"%d\" w:type=\"dxa\"/><w:tblBorders>",
		    TEXT_WIDTH);
	static const char *const sides[] = { "top", "left", "bottom", "right", "insideH", "insideV" };
	for (size_t s = 0; s < FL_ARRAY_SIZE(sides); s++)
		strbuf_addf(sb, "<w:%s w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/>",
			    sides[s]);
	strbuf_addstr(sb, "</w:tblBorders><w:tblCellMar><w:left w:w=\"60\" w:type=\"dxa\"/>"
		      "<w:right w:w=\"60\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr><w:tblGrid>");
	for (size_t c = 0; c < ncols; c++)
		strbuf_addf(sb, "<w:gridCol w:w=\"%d\"/>", w);
	strbuf_addstr(sb, "</w:tblGrid>");
	for (; i < j; i++) {
		int head = d->v[i].kind == DOC_ROW_HEAD;
		const char *p = d->v[i].text;
		strbuf_addstr(sb, "<w:tr>");
		if (head)
			strbuf_addstr(sb, "<w:trPr><w:tblHeader/></w:trPr>");
		for (size_t c = 0; c < ncols; c++) {
			const char *tab = strchr(p, '\t');
			size_t len = tab ? (size_t)(tab - p) : strlen(p);
			char *cell = xstrndup(p, len);
			cell_open(sb, w);
			para(sb, head || c > 0 ? "center" : "left", tight, cell,
			     head ? R_BOLD : 0, 24);
			strbuf_addstr(sb, "</w:tc>");
			free(cell);
			p += len + (tab != NULL);
		}
		strbuf_addstr(sb, "</w:tr>");
	}
	strbuf_addstr(sb, "</w:tbl>");
	para(sb, "left", tight, "", 0, 28);
}

static void body(struct strbuf *sb, const struct doc *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct doc_block *b = &d->v[i];
		char *t;
		switch (b->kind) {
		case DOC_HEADING:
			para(sb, "both", "<w:spacing w:before=\"120\" w:after=\"120\"/>"
			     "<w:ind w:firstLine=\"567\"/>", b->text, R_BOLD, 28);
			break;
		case DOC_SUBHEADING:
			para(sb, "both", "<w:spacing w:before=\"60\" w:after=\"120\"/>"
			     "<w:ind w:firstLine=\"567\"/>", b->text, R_BOLD | R_ITALIC, 28);
			break;
		case DOC_PARA:
			strbuf_addf(sb, "<w:p><w:pPr>%s<w:ind w:firstLine=\"567\"/><w:jc w:val=\"both\"/>"
				    "</w:pPr>", body_spacing);
			run(sb, b->text, 0, 28);
			strbuf_addstr(sb, "</w:p>");
			break;
		case DOC_BULLET:
			t = xstrfmt("- %s", b->text);
			strbuf_addf(sb, "<w:p><w:pPr>%s<w:ind w:firstLine=\"567\"/><w:jc w:val=\"both\"/>"
				    "</w:pPr>", body_spacing);
			run(sb, t, 0, 28);
			strbuf_addstr(sb, "</w:p>");
			free(t);
			break;
		case DOC_DETAIL:
			strbuf_addf(sb, "<w:p><w:pPr>%s<w:ind w:left=\"567\" w:firstLine=\"567\"/>"
				    "<w:jc w:val=\"both\"/></w:pPr>", body_spacing);
			run(sb, b->text, 0, 28);
			strbuf_addstr(sb, "</w:p>");
			break;
		case DOC_ROW_HEAD:
		case DOC_ROW: {
			size_t j = i + 1;
			while (j < d->n && d->v[j].kind == DOC_ROW)
				j++;
			table(sb, d, i, j);
			i = j - 1;
			break;
		}
		}
	}
}

/* Nơi nhận on the left, the signature on the right. */
static void footer_block(struct strbuf *sb, const struct doc *d)
{
	para(sb, "left", tight, "", 0, 28);
	two_columns_open(sb, 4400, TEXT_WIDTH - 4400);
	cell_open(sb, 4400);
	para(sb, "left", tight, "Nơi nhận:", R_BOLD | R_ITALIC, 24);
	for (size_t i = 0; i < d->recipients.n; i++)
		para(sb, "left", tight, d->recipients.v[i], 0, 22);
	strbuf_addstr(sb, "</w:tc>");
	cell_open(sb, TEXT_WIDTH - 4400);
	para(sb, "center", tight, d->signer_title, R_BOLD, 28);
	for (int k = 0; k < 4; k++)
		para(sb, "center", tight, "", 0, 28);
	para(sb, "center", tight, d->signer, R_BOLD, 28);
	strbuf_addstr(sb, "</w:tc></w:tr></w:tbl>");
}

static char *document_xml(const struct doc *d)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		      "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\""
		      " xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
		      "<w:body>");
	header_block(&sb, d);
	body(&sb, d);
	footer_block(&sb, d);
	strbuf_addstr(&sb, "<w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\" w:orient=\"portrait\"/>"
		      "<w:pgMar w:top=\"1134\" w:right=\"850\" w:bottom=\"1134\" w:left=\"1701\""
		      " w:header=\"567\" w:footer=\"567\" w:gutter=\"0\"/></w:sectPr></w:body></w:document>");
	return strbuf_detach(&sb, NULL);
}

static const char fonts[] = "<w:rFonts w:ascii=\"Times New Roman\" w:hAnsi=\"Times New Roman\""
			    " w:eastAsia=\"Times New Roman\" w:cs=\"Times New Roman\"/>";

static char *styles_xml(void)
{
	return xstrfmt("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		"<w:styles xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
		"<w:docDefaults><w:rPrDefault><w:rPr>%s<w:sz w:val=\"28\"/><w:szCs w:val=\"28\"/>"
		"<w:lang w:val=\"vi-VN\" w:eastAsia=\"vi-VN\" w:bidi=\"ar-SA\"/></w:rPr></w:rPrDefault>"
		"<w:pPrDefault><w:pPr><w:spacing w:after=\"0\" w:line=\"240\" w:lineRule=\"auto\"/>"
		"</w:pPr></w:pPrDefault></w:docDefaults>"
		"<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/>"
		"<w:qFormat/><w:rPr>%s<w:sz w:val=\"28\"/><w:szCs w:val=\"28\"/></w:rPr></w:style>"
		"<w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\">"
		"<w:name w:val=\"Normal Table\"/><w:tblPr><w:tblInd w:w=\"0\" w:type=\"dxa\"/>"
		"<w:tblCellMar><w:top w:w=\"0\" w:type=\"dxa\"/><w:left w:w=\"108\" w:type=\"dxa\"/>"
		"<w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/></w:tblCellMar>"
		"</w:tblPr></w:style></w:styles>", fonts, fonts);
}

static char *core_xml(const struct doc *d)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		      "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/"
		      "metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
		      "<dc:title>");
	doc_escape(&sb, d->title);
	strbuf_addstr(&sb, " ");
	doc_escape(&sb, d->subject);
	strbuf_addstr(&sb, "</dc:title><dc:creator>");
	doc_escape(&sb, d->signer);
	strbuf_addstr(&sb, "</dc:creator><dc:language>vi-VN</dc:language></cp:coreProperties>");
	return strbuf_detach(&sb, NULL);
}

static const char content_types[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	"<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
	"<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
	"<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
	"<Override PartName=\"/word/document.xml\" ContentType=\"application/"
	"vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>"
	"<Override PartName=\"/word/styles.xml\" ContentType=\"application/"
	"vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/>"
	"<Override PartName=\"/docProps/core.xml\" ContentType=\"application/"
	"vnd.openxmlformats-package.core-properties+xml\"/></Types>";

static const char package_rels[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	"<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
	"relationships/officeDocument\" Target=\"word/document.xml\"/>"
	"<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/"
	"relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/></Relationships>";

static const char document_rels[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	"<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
	"relationships/styles\" Target=\"styles.xml\"/></Relationships>";

/* Adds a part; libzip frees `data` (malloc'd) once the archive is written. */
static int add_part(zip_t *za, const char *name, char *data)
{
	zip_source_t *src = zip_source_buffer(za, data, strlen(data), 1);
	zip_int64_t idx;
	if (!src) {
		free(data);
		return -1;
	}
	if ((idx = zip_file_add(za, name, src, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE)) < 0) {
		zip_source_free(src);
		return -1;
	}
	/* 2000-01-01: a fixed time keeps the package the same for the same document. */
	return zip_file_set_mtime(za, (zip_uint64_t)idx, 946684800, 0);
}

int docx_write(const struct doc *d, const char *path)
{
	char *tmp = xstrfmt("%s.tmp", path);
	int zerr = 0, e = 0;
	zip_t *za = zip_open(tmp, ZIP_CREATE | ZIP_TRUNCATE, &zerr);

	if (!za) {
		zip_error_t ze;
		zip_error_init_with_code(&ze, zerr);
		e = fl_error(FL_ERROR, "cannot write '%s': %s", path, zip_error_strerror(&ze));
		zip_error_fini(&ze);
		goto done;
	}
	if (add_part(za, "[Content_Types].xml", xstrdup(content_types)) < 0 ||
	    add_part(za, "_rels/.rels", xstrdup(package_rels)) < 0 ||
	    add_part(za, "word/document.xml", document_xml(d)) < 0 ||
	    add_part(za, "word/_rels/document.xml.rels", xstrdup(document_rels)) < 0 ||
	    add_part(za, "word/styles.xml", styles_xml()) < 0 ||
	    add_part(za, "docProps/core.xml", core_xml(d)) < 0) {
		e = fl_error(FL_ERROR, "cannot write '%s': %s", path, zip_strerror(za));
		zip_discard(za);
		goto done;
	}
	if (zip_close(za) < 0) {
		e = fl_error(FL_ERROR, "cannot write '%s': %s", path, zip_strerror(za));
		zip_discard(za);
		goto done;
	}
	if (rename(tmp, path) < 0)
		e = fl_error(FL_ERROR, "cannot write '%s': %s", path, strerror(errno));
done:
	if (e < 0)
		remove(tmp);
	free(tmp);
	return e;
}
