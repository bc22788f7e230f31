/*
 * entry.c: the checks on typed values that the record schema cannot make,
 * because they depend on who types them and when: which commune a name
 * means for this officer, whether a commune is outside their province,
 * whether a date is plausible today.
 *
 * Commune names repeat across the country (246 names belong to more than
 * one of the 3,321 communes), but rarely within a province, so a name is
 * looked for in the officer's province first and only then everywhere;
 * whatever stays ambiguous is refused with the candidates, never guessed.
 * Names are compared folded (no marks, đ = d, any case), as `fieldlog
 * communes` searches them.
 */
#define _POSIX_C_SOURCE 200809L
#include "app/entry.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "schema/record.h"
#include "schema/refdata.h"
#include "schema/text.h"

/* At most this many candidates are listed under a refusal. */
#define MAX_CANDIDATES 10

static const char *home_province = "";

void entry_set_home(const char *province)
{
	home_province = province ? province : "";
}

const char *entry_home(void)
{
	return home_province;
}

int fold_word_prefix(const char *text, const char *word)
{
	for (const char *p = text; (p = strstr(p, word)); p++)
		if (p == text || p[-1] == ' ' || p[-1] == '-' || p[-1] == '\'')
			return 1;
	return 0;
}

/* s folded, with runs of spaces made one and no space at either end. Caller frees. */
static char *fold_words(const char *s)
{
	char *f = fl_text_fold(s), *w = f;
	int space = 1;
	for (const char *r = f; *r; r++) {
		int sp = *r == ' ' || *r == '\t';
		if (sp && space)
			continue;
		*w++ = sp ? ' ' : *r;
		space = sp;
	}
	if (w > f && w[-1] == ' ')
		w--;
	*w = '\0';
	return f;
}

/* Whether c's name, with or without its type ("phường"), is the folded q. */
static int name_is(const struct fl_commune *c, const char *q)
{
	char *name = fold_words(c->name), *type = fold_words(c->type);
	size_t tl = strlen(type);
	int yes = !strcmp(name, q) ||
		  (!strncmp(name, type, tl) && name[tl] == ' ' && !strcmp(name + tl + 1, q));
	free(name);
	free(type);
	return yes;
}

/* Whether every word of the folded q starts a word of c's folded name. */
static int name_has(const struct fl_commune *c, const char *q)
{
	char *name = fold_words(c->name), *words = xstrdup(q), *save = NULL;
	int yes = 1;
	for (char *t = strtok_r(words, " ", &save); t && yes; t = strtok_r(NULL, " ", &save))
		yes = fold_word_prefix(name, t);
	free(words);
	free(name);
	return yes;
}

/* The communes whose name matches q (exactly or by words), home ones first. */
struct matches {
	const struct fl_commune **v;
	size_t n, alloc;
	size_t in_home;   /* v[0..in_home) lie in the home province */
};

static void find_matches(struct matches *m, const char *q, const char *home, int exact)
{
	const struct fl_refdata *r = fl_refdata();
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < r->ncommunes; i++) {
			const struct fl_commune *c = &r->communes[i];
			int at_home = home && !strcmp(c->province_code, home);
			if (at_home != !pass)
				continue;
			if (!(exact ? name_is(c, q) : name_has(c, q)))
				continue;
			FL_ALLOC_GROW(m->v, m->n + 1, m->alloc);
			m->v[m->n++] = c;
		}
		if (!pass)
			m->in_home = m->n;
	}
}

/* The candidates for a refusal, "; "-separated: code, name (province). */
static void add_candidates(struct strbuf *sb, const struct fl_commune *const *v, size_t n)
{
	for (size_t i = 0; i < n && i < MAX_CANDIDATES; i++) {
		const struct fl_province *p = fl_province_find(v[i]->province_code);
		strbuf_addf(sb, "%s%s %s (%s)", i ? "; " : "", v[i]->code, v[i]->name,
			    p ? p->name : v[i]->province_code);
	}
	if (n > MAX_CANDIDATES)
		strbuf_addf(sb, _("; …and %zu more"), n - MAX_CANDIDATES);
}

int commune_resolve(const char **out, const char *arg, const char *opt, const char *home)
{
	const struct fl_commune *c = fl_commune_find(arg);
	struct matches m = { NULL, 0, 0, 0 };
	struct strbuf cands = STRBUF_INIT;
	char *q = NULL;
	int rc = 0;

	*out = NULL;
	if (c) {
		*out = c->code;
		return 0;
	}
	if (home && !*home)
		home = NULL;
	q = fold_words(arg);
	if (*q)
		find_matches(&m, q, home, 1);
	if (m.in_home == 1 || (m.in_home == 0 && m.n == 1)) {
		*out = m.v[0]->code;
	} else if (m.n) {
		/* Several in the home province: only those are candidates. */
		size_t n = m.in_home ? m.in_home : m.n;
		add_candidates(&cands, m.v, n);
		rc = fl_error(FL_EAMBIGUOUS, "option '%s': '%s' names %zu communes; give the code "
			      "of one: %s", opt, arg, n, cands.buf);
	} else {
		if (*q)
			find_matches(&m, q, home, 0);
		add_candidates(&cands, m.v, m.n);
		rc = m.n ? fl_error(FL_ENOTFOUND, "option '%s': no commune is named '%s'; names "
				    "with those words: %s", opt, arg, cands.buf)
			 : fl_error(FL_ENOTFOUND, "option '%s': no commune has the code or name '%s' "
				    "(see 'fieldlog communes')", opt, arg);
	}
	strbuf_release(&cands);
	free(m.v);
	free(q);
	return rc;
}

void commune_warn_outside(const char *code, const char *home)
{
	const struct fl_commune *c = fl_commune_find(code);
	const struct fl_province *p = c ? fl_province_find(c->province_code) : NULL;
	const struct fl_province *h = home && *home ? fl_province_find(home) : NULL;
	if (!c || !h || !strcmp(c->province_code, home))
		return;
	warning_line("%s (%s) is in %s, outside your province %s", c->name, c->code,
		     p ? p->name : c->province_code, h->name);
}

int date_arg(const char *date, const char *opt, int future_ok)
{
	char now[32];
	long today, day;

	if (!fl_date_valid(date))
		return error_exit("'%s' is not a real date (YYYY-MM-DD)", date);
	fl_time_now(now);
	now[10] = '\0';   /* the date, in Vietnam time */
	today = fl_date_days(now);
	day = fl_date_days(date);
	if (!future_ok && day > today)
		return error_exit("option '%s': %s is in the future (today is %s)", opt, date, now);
	if (day < today - ENTRY_MAX_DAYS_BACK)
		return error_exit("option '%s': %s is more than a year ago (today is %s)", opt, date,
				  now);
	return EXIT_OK;
}

void allowed_moves(struct strbuf *sb, const char *from)
{
	for (size_t i = 0; fl_statuses[i]; i++) {
		if (!strcmp(fl_statuses[i], from) || !fl_issue_transition_ok(from, fl_statuses[i]))
			continue;
		strbuf_addf(sb, "%s%s", sb->len ? ", " : "", fl_statuses[i]);
	}
}

int commune_arg(const char **out, const char *arg, const char *home)
{
	if (commune_resolve(out, arg, "--commune", home) < 0)
		return fail();
	commune_warn_outside(*out, home);
	return EXIT_OK;
}

int communes_arg(struct strlist *l, const char *home)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *code;
		int rc = commune_arg(&code, l->v[i], home);
		if (rc)
			return rc;
		free(l->v[i]);
		l->v[i] = xstrdup(code);
	}
	return EXIT_OK;
}

const char *entry_where(const cJSON *e)
{
	static char buf[768];
	const char *code = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "commune"));
	const char *place = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "place"));

	if (!code)
		code = "";
	if (place && *code)
		snprintf(buf, sizeof(buf), "%s, %s", place, commune_label(code));
	else if (place)
		snprintf(buf, sizeof(buf), "%s", place);
	else
		snprintf(buf, sizeof(buf), "%s", commune_label(code));
	return buf;
}

const char *entry_where_vi(const cJSON *e)
{
	static char buf[768];
	const char *code = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "commune"));
	const char *place = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "place"));
	const struct fl_commune *c = code ? fl_commune_find(code) : NULL;
	const char *name = c ? c->name : code ? code : "";

	if (place && *name)
		snprintf(buf, sizeof(buf), "%s, %s", place, name);
	else
		snprintf(buf, sizeof(buf), "%s", place ? place : name);
	return buf;
}
