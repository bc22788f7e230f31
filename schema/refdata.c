/*
 * refdata.c: parses the reference CSVs (RFC 4180: fields may be quoted,
 * "" inside quotes is a quote, the first line is a header) into arrays of
 * borrowed strings, once, and answers lookups by binary search.
 *
 * The built-in copies come from refdata-blob.S; FIELDLOG_REFDATA points at a
 * directory of replacements. The strings are carved out of one private
 * buffer per file, which lives as long as the process.
 */
#define _POSIX_C_SOURCE 200809L
#include "refdata.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "text.h"

extern const char fl_blob_provinces[];
extern const char fl_blob_communes[];
extern const char fl_blob_domains[];

struct csv {
	char **cells;   /* rows * ncols cells, header excluded */
	size_t rows, ncols;
};

/*
 * Splits text (modified in place) into cells. Returns 0, or -1 when a row
 * has the wrong number of cells or a quote is unterminated.
 */
static int csv_parse(struct csv *out, char *text, size_t ncols)
{
	size_t alloc = 0, n = 0, col = 0, line = 1;
	char *p = text;
	int header = 1;

	out->cells = NULL;
	out->ncols = ncols;
	while (*p) {
		char *cell = p, *w = p;
		if (*p == '"') {
			p++;
			for (;;) {
				if (!*p)
					return -1;
				if (*p == '"' && p[1] == '"') {
					*w++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*w++ = *p++;
				}
			}
		} else {
			while (*p && *p != ',' && *p != '\n' && *p != '\r')
				*w++ = *p++;
		}
		char sep = *p;
		if (sep == '\r')
			p++, sep = *p;
		if (sep)
			p++;
		*w = '\0';
		if (!header) {
			FL_ALLOC_GROW(out->cells, n + 1, alloc);
			out->cells[n++] = cell;
		}
		col++;
		if (sep == '\n' || !sep) {
			if (col != ncols)
				return -1;
			col = 0;
			header = 0;
			line++;
		} else if (sep != ',') {
			return -1;
		}
	}
	if (col)
		return -1;
	out->rows = n / ncols;
	return 0;
}

static char *load(const char *name, const char *builtin)
{
	const char *dir = getenv("FIELDLOG_REFDATA");
	struct strbuf sb = STRBUF_INIT;
	char *path;

	if (!dir || !*dir)
		return xstrdup(builtin);
	path = xstrfmt("%s/%s", dir, name);
	if (strbuf_read_file(&sb, path, 64u << 20) < 0)
		fl_die("cannot read reference data '%s'", path);
	if (!fl_utf8_valid(sb.buf, sb.len))
		fl_die("reference data '%s' is not valid UTF-8", path);
	free(path);
	return strbuf_detach(&sb, NULL);
}

static int cmp_commune(const void *a, const void *b)
{
	return strcmp(((const struct fl_commune *)a)->code,
		      ((const struct fl_commune *)b)->code);
}

static int cmp_province(const void *a, const void *b)
{
	return strcmp(((const struct fl_province *)a)->code,
		      ((const struct fl_province *)b)->code);
}

static struct fl_refdata the;
static pthread_once_t loaded = PTHREAD_ONCE_INIT;

/*
 * Parses the three files into `the`. Runs once per process through
 * pthread_once: a reviewer's init builds the index on one thread while the
 * clone looks up provinces on another, and both ask for the data first.
 */
static void load_all(void)
{
	struct csv c;
	size_t i;

	if (csv_parse(&c, load("provinces.csv", fl_blob_provinces), 3) < 0)
		fl_die("malformed reference data: provinces.csv");
	struct fl_province *pv = xcalloc(c.rows, sizeof(*pv));
	for (i = 0; i < c.rows; i++) {
		pv[i].code = c.cells[3 * i];
		pv[i].name = c.cells[3 * i + 1];
		pv[i].type = c.cells[3 * i + 2];
	}
	qsort(pv, c.rows, sizeof(*pv), cmp_province);
	the.provinces = pv;
	the.nprovinces = c.rows;
	free(c.cells);

	if (csv_parse(&c, load("communes.csv", fl_blob_communes), 4) < 0)
		fl_die("malformed reference data: communes.csv");
	struct fl_commune *cm = xcalloc(c.rows, sizeof(*cm));
	for (i = 0; i < c.rows; i++) {
		cm[i].code = c.cells[4 * i];
		cm[i].name = c.cells[4 * i + 1];
		cm[i].type = c.cells[4 * i + 2];
		cm[i].province_code = c.cells[4 * i + 3];
	}
	qsort(cm, c.rows, sizeof(*cm), cmp_commune);
	the.communes = cm;
	the.ncommunes = c.rows;
	free(c.cells);

	if (csv_parse(&c, load("domains.csv", fl_blob_domains), 3) < 0)
		fl_die("malformed reference data: domains.csv");
	struct fl_domain *dm = xcalloc(c.rows, sizeof(*dm));
	for (i = 0; i < c.rows; i++) {
		dm[i].id = c.cells[3 * i];
		dm[i].label = c.cells[3 * i + 1];
		dm[i].label_en = c.cells[3 * i + 2];
	}
	the.domains = dm;
	the.ndomains = c.rows;
	free(c.cells);

	the.date = FL_REFDATA_DATE;
	if (getenv("FIELDLOG_REFDATA") && *getenv("FIELDLOG_REFDATA")) {
		struct strbuf sb = STRBUF_INIT;
		char *p = xstrfmt("%s/DATE", getenv("FIELDLOG_REFDATA"));
		if (strbuf_read_file(&sb, p, 64) == 0) {
			while (sb.len && (sb.buf[sb.len - 1] == '\n' || sb.buf[sb.len - 1] == '\r'))
				strbuf_setlen(&sb, sb.len - 1);
			the.date = strbuf_detach(&sb, NULL);
		}
		strbuf_release(&sb);
		free(p);
	}
}

const struct fl_refdata *fl_refdata(void)
{
	pthread_once(&loaded, load_all);
	return &the;
}

char *fl_refdata_key(void)
{
	const char *dir = getenv("FIELDLOG_REFDATA");
	if (!dir || !*dir) {
		/* FNV-1a of the three files: 0.2 ms, and any edit changes it. */
		unsigned long long h = 14695981039346656037ULL;
		const char *const blobs[] = { fl_blob_provinces, fl_blob_communes, fl_blob_domains };
		for (size_t i = 0; i < 3; i++)
			for (const unsigned char *p = (const unsigned char *)blobs[i]; *p; p++)
				h = (h ^ *p) * 1099511628211ULL;
		return xstrfmt("%s/built-in %016llx", FL_REFDATA_DATE, h);
	}
	const struct fl_refdata *r = fl_refdata();
	return xstrfmt("%s/%zu/%zu/%zu", r->date, r->nprovinces, r->ncommunes, r->ndomains);
}

const struct fl_province *fl_province_find(const char *code)
{
	const struct fl_refdata *r = fl_refdata();
	struct fl_province key = { code, NULL, NULL };
	return bsearch(&key, r->provinces, r->nprovinces, sizeof(key), cmp_province);
}

const struct fl_commune *fl_commune_find(const char *code)
{
	const struct fl_refdata *r = fl_refdata();
	struct fl_commune key = { code, NULL, NULL, NULL };
	return bsearch(&key, r->communes, r->ncommunes, sizeof(key), cmp_commune);
}

const struct fl_domain *fl_domain_find(const char *id)
{
	const struct fl_refdata *r = fl_refdata();
	for (size_t i = 0; i < r->ndomains; i++)
		if (!strcmp(r->domains[i].id, id))
			return &r->domains[i];
	return NULL;
}
