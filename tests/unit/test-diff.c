/*
 * test-diff.c: field differences, their one-line summary and the unified
 * line diff (sync/diff.c). Summaries and diffs are what users read, so
 * they are pinned as exact strings. Then seeded random walks check the
 * laws behind them: applying a record diff to the old version gives the
 * new one; applying a unified diff to the old text gives the new text;
 * and the number of changed lines is minimal (checked against a plain
 * dynamic-programming LCS).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "schema/base.h"
#include "sync/diff.h"
#include "sync/merge.h"
#include "tests/unit/tap.h"

/* Parses JSON written with ' for " (keeps C literals readable). */
static cJSON *P(const char *s)
{
	char *t = xstrdup(s), *p;
	cJSON *j;

	for (p = t; *p; p++)
		if (*p == '\'')
			*p = '"';
	j = cJSON_Parse(t);
	if (!j)
		fl_die("bad test JSON: %s", s);
	free(t);
	return j;
}

static char *S(const cJSON *v)
{
	char *p, *r;

	if (!v)
		return xstrdup("(absent)");
	p = cJSON_PrintUnformatted(v);
	r = xstrdup(p);
	cJSON_free(p);
	return r;
}

/* Summary of the diff between two literals, max_items at most. */
static void check_summary(const char *a, const char *b, size_t max, const char *want,
			  const char *what)
{
	cJSON *ja = a ? P(a) : NULL, *jb = b ? P(b) : NULL;
	struct fl_changes c = FL_CHANGES_INIT;
	struct strbuf sb = STRBUF_INIT;

	fl_record_diff(&c, ja, jb);
	fl_changes_summary(&sb, &c, max);
	IS(sb.buf, want, what);
	strbuf_release(&sb);
	fl_changes_release(&c);
	cJSON_Delete(ja);
	cJSON_Delete(jb);
}

static void test_record_diff(void)
{
	cJSON *a = P("{'updated_at':'1','title':'A','figures':{'visits':1,'issues':2},"
		     "'communes':['42001','42004'],'gone':'x',"
		     "'comments':[{'id':'c1','text':'one'},{'id':'c2','text':'two'}]}");
	cJSON *b = P("{'updated_at':'2','title':'B','figures':{'visits':4,'issues':2},"
		     "'communes':['42004','42007'],'new':true,"
		     "'comments':[{'id':'c2','text':'deux'},{'id':'c3','text':'three'}]}");
	static const struct {
		const char *path, *old, *new;
	} want[] = {
		{ "title", "\"A\"", "\"B\"" },
		{ "figures.visits", "1", "4" },
		{ "communes", "[\"42001\",\"42004\"]", "[\"42004\",\"42007\"]" },
		{ "new", "(absent)", "true" },
		{ "comments[c2].text", "\"two\"", "\"deux\"" },
		{ "comments[c3]", "(absent)", "{\"id\":\"c3\",\"text\":\"three\"}" },
		{ "comments[c1]", "{\"id\":\"c1\",\"text\":\"one\"}", "(absent)" },
		{ "gone", "\"x\"", "(absent)" },
	};
	struct fl_changes c = FL_CHANGES_INIT;
	size_t i;

	fl_record_diff(&c, a, b);
	IS_INT(c.n, FL_ARRAY_SIZE(want), "record diff: number of changes");
	for (i = 0; i < c.n && i < FL_ARRAY_SIZE(want); i++) {
		char *o = S(c.v[i].old_value), *n = S(c.v[i].new_value);
		IS(c.v[i].path, want[i].path, "record diff: path, in b's key order");
		IS(o, want[i].old, "record diff: old value");
		IS(n, want[i].new, "record diff: new value");
		free(o);
		free(n);
	}
	fl_changes_release(&c);
	OK(c.n == 0 && c.v == NULL, "released changes are empty again");

	fl_record_diff(&c, a, a);
	IS_INT(c.n, 0, "no changes between a record and itself");
	fl_changes_release(&c);

	fl_record_diff(&c, NULL, b);
	IS_INT(c.n, 5, "a new record: one change per field but updated_at");
	OK(c.n && !c.v[0].old_value && !strcmp(c.v[0].path, "title"),
	   "a new record: old values absent");
	OK(c.n == 5 && !strcmp(c.v[4].path, "comments"), "a new record: whole arrays");
	fl_changes_release(&c);

	fl_record_diff(&c, a, NULL);
	IS_INT(c.n, 5, "a record gone: one change per field but updated_at");
	OK(c.n && !c.v[0].new_value, "a record gone: new values absent");
	fl_changes_release(&c);

	fl_record_diff(&c, NULL, NULL);
	IS_INT(c.n, 0, "nothing to nothing: no changes");
	fl_changes_release(&c);
	fl_changes_release(NULL);

	cJSON_Delete(a);
	cJSON_Delete(b);
}

static void test_summary(void)
{
	check_summary("{'updated_at':'1','status':'open','severity':'medium'}",
		      "{'updated_at':'2','status':'escalated','severity':'high'}", 5,
		      "status: open → escalated; severity: medium → high",
		      "summary: short scalars, in the record's key order");
	check_summary("{'severity':'medium','status':'open'}",
		      "{'severity':'high','status':'escalated'}", 5,
		      "severity: medium → high; status: open → escalated",
		      "summary: schema order puts severity first");
	check_summary("{'description':'Bờ sông\\nsạt lở\\n30 m.'}",
		      "{'description':'Bờ sông\\nsạt lở nặng\\nthêm 10 m\\n30 m.'}", 5,
		      "description: 3 lines changed", "summary: multi-line text");
	check_summary("{'description':'one\\ntwo'}", "{'description':'one\\ntwo\\nthree'}", 5,
		      "description: 1 line changed", "summary: one line, singular");
	check_summary("{'title':'Một tiêu đề khá dài để kiểm tra giới hạn sáu mươi ký tự nhé.'}",
		      "{'title':'Một tiêu đề khá dài để kiểm tra giới hạn sáu mươi ký tự nhé!!'}", 5,
		      "title: 2 lines changed", "summary: one line over 60 code points is long");
	check_summary("{'title':'Một tiêu đề khá dài để kiểm tra giới hạn sáu mươi ký tự nhé'}",
		      "{'title':'Một tiêu đề khá dài để kiểm tra giới hạn sáu mươi ký tự nhé!'}", 5,
		      "title: Một tiêu đề khá dài để kiểm tra giới hạn sáu mươi ký tự nhé → "
		      "Một tiêu đề khá dài để kiểm tra giới hạn sáu mươi ký tự nhé!",
		      "summary: 60 code points (not bytes) is still short");
	check_summary("{'comments':[{'id':'c1','text':'a'}]}",
		      "{'comments':[{'id':'c1','text':'a'},{'id':'c2','text':'b'}]}", 5,
		      "comments: 1 added", "summary: an element added");
	check_summary("{'comments':[{'id':'c1','text':'a'},{'id':'c2','text':'b'}]}",
		      "{'comments':[{'id':'c1','text':'edited'},{'id':'c3','text':'c'},{'id':'c4','text':'d'}]}", 5,
		      "comments[c1].text: a → edited; comments: 2 added, 1 removed",
		      "summary: elements counted per array, edits by path");
	check_summary("{'entries':[{'id':'01JE1','state':'planned'}]}",
		      "{'entries':[{'id':'01JE1','state':'done'}]}", 5,
		      "entries[01JE1].state: planned → done", "summary: a field of an element");
	check_summary("{'title':''}", "{'title':'Cầu treo hỏng'}", 5,
		      "title: set to \"Cầu treo hỏng\"", "summary: set from empty");
	check_summary("{}", "{'title':'Cầu treo hỏng','visits':3}", 5,
		      "title: set to \"Cầu treo hỏng\"; visits: set to 3", "summary: set from absent");
	check_summary("{'comments':[{'id':'c1'}]}", "{'communes':['42001','42004'],'figures':{'v':1}}", 5,
		      "communes: 2 added; figures: added; comments: removed",
		      "summary: whole arrays and objects appear and go");
	check_summary("{}", "{'comments':[{'id':'c1'},{'id':'c2'}]}", 5,
		      "comments: 2 added", "summary: a new id array counts its elements");
	check_summary("{'description':''}",
		      "{'description':'123456789 123456789 123456789 123456789 123456789 123456789 and more'}", 5,
		      "description: set to \"123456789 123456789 123456789 123456789 123456789 123456789…\"",
		      "summary: set to a long value is cut at 60 code points");
	check_summary("{}", "{'description':'first line\\nsecond line'}", 5,
		      "description: set to \"first line…\"", "summary: set to a multi-line value");
	check_summary("{'x_note':'a','resolution':'fixed'}", "{'resolution':''}", 5,
		      "resolution: fixed → \"\"; x_note: removed", "summary: emptied and removed");
	check_summary("{'communes':['42001','42004']}", "{'communes':['42004','42007']}", 5,
		      "communes: 1 added, 1 removed", "summary: plain arrays as sets");
	check_summary("{'communes':['42001','42004']}", "{'communes':['42004','42001']}", 5,
		      "communes: reordered", "summary: a reordered array");
	check_summary("{'figures':{'visits':1,'issues':2}}", "{'figures':{'visits':4,'issues':2}}", 5,
		      "figures.visits: 1 → 4", "summary: nested fields");
	check_summary("{'deleted':false}", "{'deleted':true}", 5,
		      "deleted: false → true", "summary: booleans");
	check_summary("{'updated_at':'1'}", "{'updated_at':'2'}", 5, "",
		      "summary: updated_at alone is no change");
	check_summary("{'a':'1','b':'1','c':'1','d':'1'}", "{'a':'2','b':'2','c':'2','d':'2'}", 2,
		      "a: 1 → 2; b: 1 → 2; …and 2 more", "summary: at most max_items");
	check_summary("{'a':'1','b':'1'}", "{'a':'2','b':'2'}", 2,
		      "a: 1 → 2; b: 1 → 2", "summary: exactly max_items, no tail");
	check_summary("{'a':'1','b':'1'}", "{'a':'2','b':'2'}", 0,
		      "…and 2 more", "summary: max_items 0");
	{
		struct fl_changes c = FL_CHANGES_INIT;
		struct strbuf sb = STRBUF_INIT;

		strbuf_addstr(&sb, "abc ");
		fl_changes_summary(&sb, &c, 3);
		IS(sb.buf, "abc ", "summary: appends, and nothing for no changes");
		strbuf_release(&sb);
	}
}

static void check_udiff(const char *a, const char *b, int ctx, const char *want,
			const char *what)
{
	struct strbuf sb = STRBUF_INIT;

	fl_text_udiff(&sb, a, b, ctx);
	IS(sb.buf, want, what);
	strbuf_release(&sb);
}

static void test_udiff(void)
{
	const char *a = "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten";
	const char *b = "one\ntwo\nTHREE\nfour\nfive\nsix\nseven\neight\nten";

	check_udiff(a, b, 1,
		    "@@ -2,3 +2,3 @@\n two\n-three\n+THREE\n four\n"
		    "@@ -8,3 +8,2 @@\n eight\n-nine\n ten\n",
		    "udiff: two hunks with one line of context");
	check_udiff(a, b, 2,
		    "@@ -1,5 +1,5 @@\n one\n two\n-three\n+THREE\n four\n five\n"
		    "@@ -7,4 +7,3 @@\n seven\n eight\n-nine\n ten\n",
		    "udiff: two hunks with two lines of context");
	check_udiff(a, b, 3,
		    "@@ -1,10 +1,9 @@\n one\n two\n-three\n+THREE\n four\n five\n six\n"
		    " seven\n eight\n-nine\n ten\n",
		    "udiff: hunks closer than twice the context join");
	check_udiff(a, a, 3, "", "udiff: nothing for equal texts");
	check_udiff("", "x\ny", 3, "@@ -0,0 +1,2 @@\n+x\n+y\n", "udiff: from empty");
	check_udiff("x\ny", "", 3, "@@ -1,2 +0,0 @@\n-x\n-y\n", "udiff: to empty");
	check_udiff(NULL, "x", 3, "@@ -0,0 +1,1 @@\n+x\n", "udiff: NULL is empty");
	check_udiff("a\nb", "a\nX\nb", 0, "@@ -1,0 +2,1 @@\n+X\n", "udiff: no context");
	check_udiff("a\nb", "a\nb\n", 3, "@@ -1,2 +1,3 @@\n a\n b\n+\n",
		    "udiff: a final newline is a final empty line");
	check_udiff("a\nb\nc", "c\nb\na", 3,
		    "@@ -1,3 +1,3 @@\n-a\n-b\n c\n+b\n+a\n", "udiff: deletions before insertions");
	check_udiff("Đường\nsạt lở", "Đường\nsạt lở nặng", -1,
		    "@@ -2,1 +2,1 @@\n-sạt lở\n+sạt lở nặng\n", "udiff: negative context is none");

	IS_INT(fl_text_lines_changed(a, b), 3, "lines changed: 1 replaced, 1 removed");
	IS_INT(fl_text_lines_changed(a, a), 0, "lines changed: equal");
	IS_INT(fl_text_lines_changed("", "x\ny"), 2, "lines changed: from empty");
	IS_INT(fl_text_lines_changed(NULL, NULL), 0, "lines changed: NULL and NULL");
	IS_INT(fl_text_lines_changed("a", "a\n"), 1, "lines changed: a final newline");
}

/* ---- random tests -------------------------------------------------------- */

static uint64_t rng = 0xD1B54A32D192ED03ULL;

static unsigned rnd(unsigned n)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (unsigned)((rng * 2685821657736338717ULL) >> 33) % n;
}

struct lines {
	char **v;
	size_t n;
};

/* The text model of diff.c: split at every '\n'; "" has no lines. */
static void split(struct lines *l, const char *s)
{
	const char *p = s, *e;

	l->v = NULL;
	l->n = 0;
	if (!*s)
		return;
	for (;;) {
		e = strchr(p, '\n');
		l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
		l->v[l->n++] = e ? xstrndup(p, (size_t)(e - p)) : xstrdup(p);
		if (!e)
			break;
		p = e + 1;
	}
}

static void lines_free(struct lines *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* Applies a unified diff to a; returns the result or NULL if it does not fit. */
static char *apply_udiff(const char *a, const char *patch)
{
	struct lines la;
	struct strbuf out = STRBUF_INIT;
	const char *p = patch;
	size_t cur = 0, nout = 0;
	int ok = 1;

	split(&la, a);
#define EMIT(s) do { if (nout++) strbuf_addch(&out, '\n'); strbuf_addstr(&out, (s)); } while (0)
	while (ok && *p) {
		long as, an, bs, bn, seen_a = 0, seen_b = 0;
		size_t start;

		if (sscanf(p, "@@ -%ld,%ld +%ld,%ld @@\n", &as, &an, &bs, &bn) != 4) {
			ok = 0;
			break;
		}
		p = strchr(p, '\n') + 1;
		start = (size_t)(an ? as - 1 : as);
		if (start < cur || start > la.n) {
			ok = 0;
			break;
		}
		while (cur < start)
			EMIT(la.v[cur++]);
		while (*p && *p != '@') {
			const char *e = strchr(p, '\n');
			char *text = xstrndup(p + 1, (size_t)(e - p - 1));

			if (*p == ' ' || *p == '-') {
				if (cur >= la.n || strcmp(la.v[cur], text))
					ok = 0;
				else if (*p == ' ')
					EMIT(la.v[cur]);
				cur++;
				seen_a++;
				seen_b += *p == ' ';
			} else if (*p == '+') {
				EMIT(text);
				seen_b++;
			} else {
				ok = 0;
			}
			free(text);
			p = e + 1;
		}
		if (seen_a != an || seen_b != bn)
			ok = 0;
	}
	while (ok && cur < la.n)
		EMIT(la.v[cur++]);
#undef EMIT
	lines_free(&la);
	if (!ok) {
		strbuf_release(&out);
		return NULL;
	}
	return strbuf_detach(&out, NULL);
}

/* n + m - 2 * LCS(a, b), by dynamic programming. */
static size_t dp_changed(const char *a, const char *b)
{
	struct lines la, lb;
	size_t i, j, w, lcs, *t;

	split(&la, a);
	split(&lb, b);
	w = lb.n + 1;
	t = xcalloc((la.n + 1) * w, sizeof(*t));
	for (i = 1; i <= la.n; i++)
		for (j = 1; j <= lb.n; j++)
			t[i * w + j] = !strcmp(la.v[i - 1], lb.v[j - 1]) ? t[(i - 1) * w + j - 1] + 1
				: t[(i - 1) * w + j] > t[i * w + j - 1] ? t[(i - 1) * w + j]
				: t[i * w + j - 1];
	lcs = t[la.n * w + lb.n];
	free(t);
	i = la.n + lb.n - 2 * lcs;
	lines_free(&la);
	lines_free(&lb);
	return i;
}

static char *gen_text(unsigned maxlines)
{
	static const char *const words[] = { "a", "b", "c", "d", "", "Đường" };
	struct strbuf sb = STRBUF_INIT;
	unsigned n = rnd(maxlines + 1), i;

	for (i = 0; i < n; i++) {
		if (i)
			strbuf_addch(&sb, '\n');
		strbuf_addstr(&sb, words[rnd(FL_ARRAY_SIZE(words))]);
	}
	if (rnd(4) == 0)
		strbuf_addch(&sb, '\n');
	return strbuf_detach(&sb, NULL);
}

/* b as a few line edits of a, so that the texts share most lines. */
static char *gen_edited(const char *a)
{
	struct lines l;
	struct strbuf sb = STRBUF_INIT;
	size_t i, n = 0;

	split(&l, a);
	for (i = 0; i <= l.n; i++) {
		unsigned r = rnd(10);

		if (r == 0 || (r == 1 && i < l.n)) { /* insert a line */
			if (n++)
				strbuf_addch(&sb, '\n');
			strbuf_addf(&sb, "new%u", rnd(3));
		}
		if (i == l.n)
			break;
		if (r == 1 || r == 2) /* drop or replace line i */
			continue;
		if (n++)
			strbuf_addch(&sb, '\n');
		strbuf_addstr(&sb, l.v[i]);
	}
	lines_free(&l);
	return strbuf_detach(&sb, NULL);
}

static void test_udiff_random(void)
{
	int bad_apply = 0, bad_min = 0, bad_count = 0, i;

	for (i = 0; i < 3000; i++) {
		unsigned size = i < 2800 ? 12 : 300;
		char *a = gen_text(size), *b = rnd(2) ? gen_text(size) : gen_edited(a);
		struct strbuf sb = STRBUF_INIT;
		int ctx = (int)rnd(4);
		char *back;
		size_t changed = fl_text_lines_changed(a, b);

		fl_text_udiff(&sb, a, b, ctx);
		back = apply_udiff(a, sb.buf);
		if (!back || strcmp(back, b)) {
			if (!bad_apply++)
				printf("# a='%s'\n# b='%s'\n# diff:\n%s", a, b, sb.buf);
		}
		bad_min += changed != dp_changed(a, b);
		{
			/* the diff lists exactly the changed lines */
			size_t n = 0;
			const char *p;
			for (p = sb.buf; *p; p = strchr(p, '\n') + 1)
				n += *p == '+' || *p == '-';
			bad_count += n != changed;
		}
		free(back);
		strbuf_release(&sb);
		free(a);
		free(b);
	}
	IS_INT(bad_apply, 0, "random: applying the unified diff to a gives b");
	IS_INT(bad_min, 0, "random: lines changed is minimal (equals the LCS count)");
	IS_INT(bad_count, 0, "random: the diff shows exactly that many lines");
}

static void test_udiff_large(void)
{
	struct strbuf x = STRBUF_INIT, y = STRBUF_INIT, d = STRBUF_INIT;
	clock_t t0 = clock();
	int i, edited = 0;
	char *back;

	for (i = 0; i < 4000; i++) {
		strbuf_addf(&x, "line %d\n", i);
		strbuf_addf(&y, "%s %d\n", i % 97 ? "line" : "LINE", i % 500 == 7 ? -i : i);
		edited += i % 97 == 0 || i % 500 == 7;
	}
	fl_text_udiff(&d, x.buf, y.buf, 3);
	back = apply_udiff(x.buf, d.buf);
	OK(back && !strcmp(back, y.buf), "4000 lines, scattered edits: the diff applies");
	IS_INT(fl_text_lines_changed(x.buf, y.buf), 2 * edited, "4000 lines: minimal count");
	free(back);

	strbuf_reset(&y);
	for (i = 0; i < 5000; i++)
		strbuf_addf(&y, "other %d\n", i);
	IS_INT(fl_text_lines_changed(x.buf, y.buf), 4000 + 5000, "nothing in common: all lines");
	OK((double)(clock() - t0) / CLOCKS_PER_SEC < 20.0, "large diffs take seconds at most");
	strbuf_release(&x);
	strbuf_release(&y);
	strbuf_release(&d);
}

/* ---- record diffs, applied ----------------------------------------------- */

/* Splits off the first segment of a path: "key" or "[id]". */
static const char *segment(const char *path, char **seg, int *is_id)
{
	size_t n;

	*is_id = *path == '[';
	if (*is_id) {
		n = strcspn(path + 1, "]");
		*seg = xstrndup(path + 1, n);
		path += n + 2;
	} else {
		n = strcspn(path, ".[");
		*seg = xstrndup(path, n);
		path += n;
	}
	return *path == '.' ? path + 1 : path;
}

static cJSON *child(const cJSON *node, const char *seg, int is_id)
{
	cJSON *c;

	if (!is_id)
		return cJSON_GetObjectItemCaseSensitive(node, seg);
	cJSON_ArrayForEach(c, node)
		if (!strcmp(cJSON_GetObjectItem(c, "id")->valuestring, seg))
			return c;
	return NULL;
}

static const cJSON *get_path(const cJSON *node, const char *path)
{
	while (node && *path) {
		char *seg;
		int is_id;

		path = segment(path, &seg, &is_id);
		node = child(node, seg, is_id);
		free(seg);
	}
	return node;
}

/* Sets (or with v NULL removes) the value at path inside node. */
static void apply_change(cJSON *node, const char *path, const cJSON *v)
{
	char *seg;
	int is_id;
	const char *rest = segment(path, &seg, &is_id);
	cJSON *c = child(node, seg, is_id);

	if (*rest) {
		if (!c) {
			c = *rest == '[' ? cJSON_CreateArray() : cJSON_CreateObject();
			cJSON_AddItemToObject(node, seg, c);
		}
		apply_change(c, rest, v);
	} else if (c) {
		if (v)
			cJSON_ReplaceItemViaPointer(node, c, cJSON_Duplicate(v, 1));
		else
			cJSON_Delete(cJSON_DetachItemViaPointer(node, c));
	} else if (v) {
		if (is_id)
			cJSON_AddItemToArray(node, cJSON_Duplicate(v, 1));
		else
			cJSON_AddItemToObject(node, seg, cJSON_Duplicate(v, 1));
	}
	free(seg);
}

static const char *const scalar_keys[] = { "title", "description", "status", "severity" };
static const char *const pool[] = { "", "Cầu treo", "a\nb\nc", "open", "high" };
static const char *const codes[] = { "42001", "42004", "42007" };

static cJSON *gen_record(void)
{
	cJSON *r = cJSON_CreateObject(), *a;
	size_t i;

	cJSON_AddStringToObject(r, "id", "01JC3W5T0B8Q6Y2V7N4M1K9XHD");
	cJSON_AddStringToObject(r, "updated_at", "2025-09-08T09:00:00+07:00");
	for (i = 0; i < FL_ARRAY_SIZE(scalar_keys); i++)
		cJSON_AddStringToObject(r, scalar_keys[i], pool[rnd(5)]);
	a = cJSON_AddArrayToObject(r, "communes");
	for (i = 0; i < FL_ARRAY_SIZE(codes); i++)
		if (rnd(2))
			cJSON_AddItemToArray(a, cJSON_CreateString(codes[i]));
	a = cJSON_AddObjectToObject(r, "figures");
	cJSON_AddNumberToObject(a, "visits", rnd(3));
	cJSON_AddNumberToObject(a, "issues", rnd(3));
	a = cJSON_AddArrayToObject(r, "comments");
	for (i = 0; i < 4; i++)
		if (rnd(2)) {
			cJSON *c = cJSON_CreateObject();
			char *id = xstrfmt("c%zu", i);
			cJSON_AddStringToObject(c, "id", id);
			cJSON_AddStringToObject(c, "text", pool[rnd(5)]);
			cJSON_AddItemToArray(a, c);
			free(id);
		}
	return r;
}

/* b: a's fields with random changes, new comments appended, keys maybe dropped. */
static cJSON *gen_changed(const cJSON *a)
{
	cJSON *b = cJSON_Duplicate(a, 1), *c, *next;
	cJSON *cm = cJSON_GetObjectItem(b, "comments");
	size_t i;

	cJSON_ReplaceItemInObject(b, "updated_at", cJSON_CreateString("2025-09-09T09:00:00+07:00"));
	for (i = 0; i < FL_ARRAY_SIZE(scalar_keys); i++)
		if (!rnd(3))
			cJSON_ReplaceItemInObject(b, scalar_keys[i], cJSON_CreateString(pool[rnd(5)]));
	if (!rnd(3))
		cJSON_ReplaceItemInObject(cJSON_GetObjectItem(b, "figures"), "visits",
					  cJSON_CreateNumber(rnd(3)));
	if (!rnd(3))
		cJSON_AddItemToArray(cJSON_GetObjectItem(b, "communes"), cJSON_CreateString("42010"));
	for (c = cm->child; c; c = next) {
		next = c->next;
		if (!rnd(4))
			cJSON_Delete(cJSON_DetachItemViaPointer(cm, c));
		else if (!rnd(3))
			cJSON_ReplaceItemInObject(c, "text", cJSON_CreateString(pool[rnd(5)]));
	}
	for (i = 4; i < 6; i++)
		if (!rnd(3)) {
			c = cJSON_CreateObject();
			char *id = xstrfmt("c%zu", i);
			cJSON_AddStringToObject(c, "id", id);
			cJSON_AddStringToObject(c, "text", pool[rnd(5)]);
			cJSON_AddItemToArray(cm, c);
			free(id);
		}
	if (!rnd(6))
		cJSON_DeleteItemFromObject(b, scalar_keys[rnd(4)]);
	if (!rnd(6))
		cJSON_AddStringToObject(b, "x_note", "n");
	if (!rnd(8))
		cJSON_DeleteItemFromObject(b, "comments");
	return b;
}

static void test_record_random(void)
{
	int bad_values = 0, bad_apply = 0, bad_updated = 0, bad_summary = 0, i;

	for (i = 0; i < 2000; i++) {
		cJSON *a = gen_record(), *b = gen_changed(a), *x = cJSON_Duplicate(a, 1);
		struct fl_changes c = FL_CHANGES_INIT;
		struct strbuf sb = STRBUF_INIT;
		size_t k;

		fl_record_diff(&c, a, b);
		for (k = 0; k < c.n; k++) {
			bad_values += !fl_json_equal(get_path(a, c.v[k].path), c.v[k].old_value);
			bad_values += !fl_json_equal(get_path(b, c.v[k].path), c.v[k].new_value);
			bad_updated += strstr(c.v[k].path, "updated_at") != NULL;
			apply_change(x, c.v[k].path, c.v[k].new_value);
		}
		cJSON_ReplaceItemInObject(x, "updated_at",
					  cJSON_Duplicate(cJSON_GetObjectItem(b, "updated_at"), 1));
		if (!fl_json_equal(x, b)) {
			if (!bad_apply++) {
				char *sa = S(a), *sbb = S(b), *sx = S(x);
				printf("# a: %s\n# b: %s\n# x: %s\n", sa, sbb, sx);
				free(sa);
				free(sbb);
				free(sx);
			}
		}
		fl_changes_summary(&sb, &c, 100);
		bad_summary += (c.n == 0) != (sb.len == 0) || strchr(sb.buf, '\n') != NULL;
		strbuf_release(&sb);
		fl_changes_release(&c);
		cJSON_Delete(a);
		cJSON_Delete(b);
		cJSON_Delete(x);
	}
	IS_INT(bad_values, 0, "random: each change holds the values found at its path");
	IS_INT(bad_apply, 0, "random: applying the changes to a gives b");
	IS_INT(bad_updated, 0, "random: updated_at is never reported");
	IS_INT(bad_summary, 0, "random: a summary is one line, empty only for no changes");
}

int main(void)
{
	test_record_diff();
	test_summary();
	test_udiff();
	test_udiff_random();
	test_udiff_large();
	test_record_random();
	return tap_done();
}
