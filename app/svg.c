/*
 * svg.c: hand-written SVG charts for the dashboard (svg.h). The markup is
 * small and fixed: a legend, then rectangles (stacked bars) or polylines
 * (a trend), with the figures written as text beside them so the chart
 * reads without hovering, and a <title> on each shape for those who do.
 * Sizes are in user units of a viewBox, so a chart scales with the page.
 * Text goes through doc_escape (report-doc.h), the escaping of every
 * other page of fieldlog.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/svg.h"
#include "app/report-doc.h"

#include <string.h>

/* Colours that stay apart in print and for the common colour blindness. */
static const char *const colours[] = { "#2b6cb0", "#dd8a1e", "#c53030", "#718096",
				       "#2f855a", "#6b46c1" };

const char *svg_colour(size_t i)
{
	return colours[i % FL_ARRAY_SIZE(colours)];
}

#define WIDTH 760
#define ROW_H 18
#define LEGEND_H 26

static void open_svg(struct strbuf *sb, const char *title, int height)
{
	strbuf_addf(sb, "<svg class=\"chart\" role=\"img\""
		    " viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\""
		    " font-size=\"12\" aria-label=\"", WIDTH, height, WIDTH, height);
	doc_escape(sb, title);
	strbuf_addstr(sb, "\"><title>");
	doc_escape(sb, title);
	strbuf_addstr(sb, "</title>\n");
}

/* Code points of s: what a label's width goes by. */
static int chars(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/*
 * The room for the row labels: 6.5 px a character of 12 px sans-serif,
 * from 60 px up to 300 ("Thành phố Hồ Chí Minh" takes 140, the longest
 * domain label 290).
 */
static int label_width(const struct svg_chart *c)
{
	int w = 60;
	for (size_t r = 0; r < c->nrows; r++)
		if (chars(c->labels[r]) * 13 / 2 + 10 > w)
			w = chars(c->labels[r]) * 13 / 2 + 10;
	return w > 300 ? 300 : w;
}

static void legend(struct strbuf *sb, const struct svg_chart *c, int x)
{
	for (size_t s = 0; s < c->nseries; s++) {
		strbuf_addf(sb, "<rect x=\"%d\" y=\"6\" width=\"12\" height=\"12\" fill=\"%s\"/>"
			    "<text x=\"%d\" y=\"16\">", x, svg_colour(s), x + 16);
		doc_escape(sb, c->series[s]);
		strbuf_addstr(sb, "</text>\n");
		/* An em of 12 px holds about two Vietnamese letters of 7 px. */
		x += 16 + chars(c->series[s]) * 7 + 18;
	}
}

static long long row_total(const struct svg_chart *c, size_t r)
{
	long long t = 0;
	for (size_t s = 0; s < c->nseries; s++)
		t += c->values[r * c->nseries + s];
	return t;
}

static void row_label(struct strbuf *sb, const struct svg_chart *c, size_t r, int y, int lw)
{
	const char *href = c->hrefs ? c->hrefs[r] : NULL;
	if (href) {
		strbuf_addstr(sb, "<a href=\"");
		doc_escape(sb, href);
		strbuf_addstr(sb, "\">");
	}
	strbuf_addf(sb, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", lw - 6, y + 13);
	doc_escape(sb, c->labels[r]);
	strbuf_addstr(sb, "</text>");
	if (href)
		strbuf_addstr(sb, "</a>");
}

void svg_hbars(struct strbuf *sb, const struct svg_chart *c)
{
	int lw = label_width(c), bar_w = WIDTH - lw - 50;
	long long max = 1;
	int height = LEGEND_H + (int)c->nrows * ROW_H + 6;

	for (size_t r = 0; r < c->nrows; r++)
		if (row_total(c, r) > max)
			max = row_total(c, r);
	open_svg(sb, c->title, height);
	legend(sb, c, lw);
	for (size_t r = 0; r < c->nrows; r++) {
		int y = LEGEND_H + (int)r * ROW_H;
		long long at = 0;
		row_label(sb, c, r, y, lw);
		for (size_t s = 0; s < c->nseries; s++) {
			long long v = c->values[r * c->nseries + s];
			if (!v)
				continue;
			double x0 = lw + (double)bar_w * at / max;
			double w = (double)bar_w * v / max;
			strbuf_addf(sb, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\""
				    " fill=\"%s\"><title>", x0, y + 2, w, ROW_H - 4, svg_colour(s));
			doc_escape(sb, c->labels[r]);
			strbuf_addstr(sb, ": ");
			doc_escape(sb, c->series[s]);
			strbuf_addf(sb, " %lld</title></rect>", v);
			at += v;
		}
		strbuf_addf(sb, "<text x=\"%.1f\" y=\"%d\">%lld</text>\n",
			    lw + (double)bar_w * at / max + 4, y + 13, at);
	}
	strbuf_addstr(sb, "</svg>\n");
}

#define PLOT_TOP (LEGEND_H + 14)
#define PLOT_H 180

/* The y of value v in a plot whose top is max. */
static double y_of(long long v, long long max)
{
	return PLOT_TOP + PLOT_H - (double)PLOT_H * v / max;
}

void svg_trend(struct strbuf *sb, const struct svg_chart *c)
{
	int left = 60, right = WIDTH - 30;
	double step = c->nrows > 1 ? (double)(right - left) / (double)(c->nrows - 1) : 0;
	long long max = 1;

	for (size_t i = 0; i < c->nrows * c->nseries; i++)
		if (c->values[i] > max)
			max = c->values[i];
	open_svg(sb, c->title, PLOT_TOP + PLOT_H + 30);
	legend(sb, c, left);
	/* The axis and lines at 0, half and the top, labelled. */
	for (int k = 0; k <= 2; k++) {
		long long v = max * k / 2;
		double y = y_of(v, max);
		strbuf_addf(sb, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ccc\"/>"
			    "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%lld</text>\n",
			    left, y, right, y, left - 6, y + 4, v);
	}
	for (size_t r = 0; r < c->nrows; r++) {
		strbuf_addf(sb, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">",
			    left + step * (double)r, PLOT_TOP + PLOT_H + 20);
		doc_escape(sb, c->labels[r]);
		strbuf_addstr(sb, "</text>\n");
	}
	for (size_t s = 0; s < c->nseries; s++) {
		strbuf_addf(sb, "<polyline fill=\"none\" stroke-width=\"2\" stroke=\"%s\" points=\"",
			    svg_colour(s));
		for (size_t r = 0; r < c->nrows; r++)
			strbuf_addf(sb, "%s%.1f,%.1f", r ? " " : "", left + step * (double)r,
				    y_of(c->values[r * c->nseries + s], max));
		strbuf_addstr(sb, "\"/>\n");
		for (size_t r = 0; r < c->nrows; r++) {
			strbuf_addf(sb, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>",
				    left + step * (double)r, y_of(c->values[r * c->nseries + s], max),
				    svg_colour(s));
			doc_escape(sb, c->labels[r]);
			strbuf_addstr(sb, ": ");
			doc_escape(sb, c->series[s]);
			strbuf_addf(sb, " %lld</title></circle>\n", c->values[r * c->nseries + s]);
		}
	}
	strbuf_addstr(sb, "</svg>\n");
}
