/*
 * i18n.c: Vietnamese messages without any installed files. The catalog is
 * app/vi.po itself (a standard gettext PO file, linked into the binary),
 * parsed on first use when the user's locale is Vietnamese and searched by
 * binary search. Messages without a translation stay in English.
 *
 * The locale comes from LANGUAGE, LC_ALL, LC_MESSAGES, LANG (the order
 * gettext uses); "vi", "vi_VN", "vi_VN.UTF-8" all select Vietnamese.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/fieldlog.h"

#include <stdlib.h>
#include <string.h>

extern const char fl_blob_vi_po[];

struct msg {
	char *id, *str;
};

static struct msg *catalog;
static size_t ncatalog;

static int cmp_msg(const void *a, const void *b)
{
	return strcmp(((const struct msg *)a)->id, ((const struct msg *)b)->id);
}

/* Appends the C-escaped string literal at *p (after its opening quote). */
static const char *unquote(struct strbuf *sb, const char *p)
{
	for (; *p && *p != '"'; p++) {
		if (*p != '\\' || !p[1]) {
			strbuf_addch(sb, *p);
			continue;
		}
		p++;
		strbuf_addch(sb, *p == 'n' ? '\n' : *p == 't' ? '\t' : *p);
	}
	return *p ? p + 1 : p;
}

/*
 * Reads `keyword "..."` plus continuation lines of "..." into sb.
 * Returns the position after them, or NULL when the line is not keyword.
 */
static const char *entry(struct strbuf *sb, const char *p, const char *keyword)
{
	size_t n = strlen(keyword);
	if (strncmp(p, keyword, n) || p[n] != ' ')
		return NULL;
	p += n;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '"')
			break;
		p = unquote(sb, p + 1);
		while (*p && *p != '\n')
			p++;
		if (*p == '\n')
			p++;
	}
	return p;
}

static void load(void)
{
	const char *p = fl_blob_vi_po;
	size_t alloc = 0;
	struct strbuf id = STRBUF_INIT, str = STRBUF_INIT;

	while (*p) {
		const char *q;
		strbuf_reset(&id);
		strbuf_reset(&str);
		if ((q = entry(&id, p, "msgid")) && (q = entry(&str, q, "msgstr"))) {
			p = q;
			if (id.len && str.len) {
				FL_ALLOC_GROW(catalog, ncatalog + 1, alloc);
				catalog[ncatalog].id = xstrdup(id.buf);
				catalog[ncatalog].str = xstrdup(str.buf);
				ncatalog++;
			}
			continue;
		}
		while (*p && *p != '\n')   /* a comment or blank line */
			p++;
		if (*p)
			p++;
	}
	strbuf_release(&id);
	strbuf_release(&str);
	qsort(catalog, ncatalog, sizeof(*catalog), cmp_msg);
}

static void unload(void)
{
	for (size_t i = 0; i < ncatalog; i++) {
		free(catalog[i].id);
		free(catalog[i].str);
	}
	free(catalog);
}

static const char *translate(const char *msgid)
{
	struct msg key, *m;
	key.id = (char *)msgid;
	m = bsearch(&key, catalog, ncatalog, sizeof(*catalog), cmp_msg);
	return m ? m->str : msgid;
}

void i18n_init(void)
{
	static const char *const vars[] = { "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG" };
	for (size_t i = 0; i < FL_ARRAY_SIZE(vars); i++) {
		const char *v = getenv(vars[i]);
		if (!v || !*v)
			continue;
		if (strncmp(v, "vi", 2) || (v[2] && v[2] != '_' && v[2] != '.' && v[2] != ':'))
			return;   /* the first one set decides, as in gettext */
		load();
		atexit(unload);
		fl_set_translator(translate);
		return;
	}
}
