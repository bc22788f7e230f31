/*
 * svg.h: the dashboard's charts as hand-written SVG (app/svg.c), inline in
 * its pages: no script, no font and no file to fetch, so a page opened
 * from disk draws them as it is. Two shapes cover what the dashboard shows:
 * horizontal stacked bars (one row per province or domain) and a trend of
 * a few series over weeks.
 */
#ifndef FL_SVG_H
#define FL_SVG_H

#include <stddef.h>

#include "schema/base.h"

/*
 * A chart's data: nrows rows (bars, or points of a trend) of nseries
 * values each, row-major in `values`. Labels and names are NFC text,
 * escaped by the writer; hrefs (NULL, or one per row, each NULL or a
 * relative link) make a row's label a link.
 */
struct svg_chart {
	const char *title;                 /* the chart's accessible name */
	size_t nrows, nseries;
	const char *const *labels;         /* nrows */
	const char *const *hrefs;          /* nrows, or NULL */
	const char *const *series;         /* nseries names, for the legend */
	const long long *values;           /* nrows * nseries, each >= 0 */
};

/* Appends c as rows of stacked horizontal bars, each ending in its total. */
void svg_hbars(struct strbuf *sb, const struct svg_chart *c);
/* Appends c as one line per series over the rows (weeks), values marked. */
void svg_trend(struct strbuf *sb, const struct svg_chart *c);
/* The colour of series i, as the charts and the tables' keys use it. */
const char *svg_colour(size_t i);

#endif
